//! A region's figures for a year (issue 14): every agency of the tree the
//! scope reads (under one agency, or all), each with where its figures come
//! from — its active published version, or, for an agency that drafts its
//! report in ogi, its own records (table 三 from the register, table 二 from
//! its documents and 第二十条 figures, table 四 from its cases) — and the
//! requests of the register behind one cell of table 三.
//!
//! The arithmetic (sums, what is left out) is `ogi-region`'s; this module
//! only gathers what it sums.

use ogi_vocab::cells::{ApplicantColumn, CellKey, Outcome, T3Row, Template};
use ogi_vocab::model::Report;

use crate::agency::Agency;
use crate::published::ReportVersion;
use crate::sql::{params, Sql};
use crate::{parse_outcome, records, Scope, StoreError};
use ogi_rules::annual::Case;

/// Where an agency's figures for the year come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Figures {
    /// Its active published version (read from a file, or corrected).
    Published(ReportVersion),
    /// Its records in ogi, drafted as tables 二/三/四 (no file).
    Drafted(Report),
    /// Neither: nothing submitted and nothing recorded for the year.
    Missing,
}

/// One agency of the region and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionAgency {
    pub agency: Agency,
    pub figures: Figures,
}

impl RegionAgency {
    /// The report summed for this agency (none when missing).
    pub fn report(&self) -> Option<&Report> {
        match &self.figures {
            Figures::Published(v) => Some(&v.report),
            Figures::Drafted(r) => Some(r),
            Figures::Missing => None,
        }
    }

    /// The version summed (`None` for drafted figures or a missing report).
    pub fn version(&self) -> Option<&ReportVersion> {
        match &self.figures {
            Figures::Published(v) => Some(v),
            _ => None,
        }
    }
}

/// The agencies the scope reads under `under` (its code; itself included),
/// root first; every agency it reads without one. An unknown code, or one
/// out of reach, is an error naming it.
pub(crate) fn subtree(sql: &Sql, under: Option<&str>) -> Result<Vec<Agency>, StoreError> {
    let all = crate::agency::all(sql)?;
    let Some(code) = under else { return Ok(all) };
    let Some(top) = all.iter().find(|a| a.code == code) else {
        return Err(StoreError::NotFound(format!("代码为 {code} 的机关")));
    };
    let path = top.path.clone();
    Ok(all.into_iter().filter(|a| a.path.starts_with(&path)).collect())
}

/// Whether the agency keeps anything in ogi for the year: 第二十条 figures,
/// a case open in the year, or a request the year's table 三 counts.
fn drafts_in_ogi(sql: &Sql, year: i16, has_art20: bool, cases: &[Case]) -> Result<bool, StoreError> {
    if has_art20 || cases.iter().any(|c| c.counts_in(year)) {
        return Ok(true);
    }
    let (start, end) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
    let requests: i64 = sql.query_row(
        "SELECT COUNT(*) FROM requests WHERE agency_id = ?1 AND received <= ?3 AND (closed_on IS NULL OR closed_on >= ?2)",
        params![sql.scope.agency_id(), start, end],
        |r| r.get(0),
    )?;
    Ok(requests > 0)
}

/// An agency's tables 二/三/四 of `year` from its records, if it keeps any
/// (2021 template: ogi drafts no other). A cell the records cannot give
/// (第二十条 figures never entered) is absent, never 0.
pub(crate) fn drafted(sql: &Sql, agency: &Agency, year: i16) -> Result<Option<Report>, StoreError> {
    let scope = Scope::operator_in(agency.id);
    let own = sql.with_scope(&scope);
    let cases: Vec<_> = records::cases(&own)?.into_iter().map(|(_, c)| c).collect();
    let art20 = records::art20(&own, year)?;
    if !drafts_in_ogi(&own, year, art20.is_some(), &cases)? {
        return Ok(None);
    }
    let documents: Vec<_> = records::documents(&own)?.into_iter().map(|(_, d)| d).collect();
    let mut cells = crate::table3::compute(&own, year, Template::Y2021)?;
    cells.extend(ogi_rules::annual::table2(year, &documents, art20.as_ref()));
    cells.extend(ogi_rules::annual::table4(year, &cases));
    let mut report = Report::of_cells(year, Template::Y2021, cells);
    report.meta.agency = Some(agency.name.clone());
    Ok(Some(report))
}

/// Every agency under `under` with its figures for `year`, in the tree's
/// order: the active version where one was taken in, else the records of
/// an agency drafting in ogi, else missing.
pub(crate) fn region(sql: &Sql, year: i16, under: Option<&str>) -> Result<Vec<RegionAgency>, StoreError> {
    let agencies = subtree(sql, under)?;
    let mut active = crate::published::active(sql, year)?;
    agencies
        .into_iter()
        .map(|agency| {
            let figures = match active.iter().position(|v| v.agency_id == agency.id) {
                Some(i) => Figures::Published(active.swap_remove(i)),
                None => drafted(sql, &agency, year)?.map_or(Figures::Missing, Figures::Drafted),
            };
            Ok(RegionAgency { agency, figures })
        })
        .collect()
}

/// Whether a request counts in the table 三 row `row` of the year, given
/// whether it was received before the year and closed (with `outcome`)
/// within it: the same rule as `table3::compute` and `ogi_rules::table3`.
fn counts_in_row(row: T3Row, before: bool, closed: Option<Outcome>) -> bool {
    match row {
        T3Row::New => !before,
        T3Row::CarriedOver => before,
        T3Row::Total => closed.is_some(),
        T3Row::CarryForward => closed.is_none(),
        // 其他处理's group total: any of its sub-rows.
        T3Row::Outcome(Outcome::OtherUnsplit) => matches!(closed, Some(Outcome::Other(_) | Outcome::OtherUnsplit)),
        T3Row::Outcome(o) => closed == Some(o),
    }
}

/// The tracking codes of the requests an agency's table 三 of `year`
/// counts in `key` (none for a cell of table 二 or 四), in registration order.
pub(crate) fn counted(sql: &Sql, agency: i64, year: i16, key: CellKey) -> Result<Vec<String>, StoreError> {
    let CellKey::T3(row, column) = key else { return Ok(Vec::new()) };
    if !crate::published::readable(sql, agency)? {
        return Err(StoreError::NotFound(format!("机关 {agency}")));
    }
    let (start, end) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
    /// code, applicant, outcome, received, closed_on.
    type Counted = (String, String, Option<String>, String, Option<String>);
    let rows: Vec<Counted> = sql.query_map(
        "SELECT code, applicant, outcome, received, closed_on FROM requests \
         WHERE agency_id = ?1 AND received <= ?3 AND (closed_on IS NULL OR closed_on >= ?2) ORDER BY id",
        params![agency, start, end],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let mut codes = Vec::new();
    for (code, applicant, outcome, received, closed_on) in rows {
        if column != ApplicantColumn::Total && applicant != column.key() {
            continue;
        }
        let closed = match (closed_on, outcome) {
            (Some(on), Some(o)) if on <= end => Some(parse_outcome(&o)?),
            _ => None,
        };
        if counts_in_row(row, received < start, closed) {
            codes.push(code);
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ogi_vocab::cells::DenialReason;

    #[test]
    fn each_row_counts_the_requests_table_three_counts() {
        let granted = Some(Outcome::Granted);
        assert!(counts_in_row(T3Row::New, false, None) && !counts_in_row(T3Row::New, true, None));
        assert!(counts_in_row(T3Row::CarriedOver, true, granted));
        assert!(counts_in_row(T3Row::Total, false, granted) && !counts_in_row(T3Row::Total, false, None));
        assert!(counts_in_row(T3Row::CarryForward, true, None) && !counts_in_row(T3Row::CarryForward, true, granted));
        assert!(counts_in_row(T3Row::Outcome(Outcome::Granted), false, granted));
        assert!(!counts_in_row(T3Row::Outcome(Outcome::Denied(DenialReason::StateSecret)), false, granted));
        let other = Some(Outcome::Other(ogi_vocab::cells::OtherReason::ALL[0]));
        assert!(counts_in_row(T3Row::Outcome(Outcome::OtherUnsplit), false, other));
    }
}
