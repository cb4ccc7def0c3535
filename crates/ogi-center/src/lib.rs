//! The supervising office's data center (issue 14): what the 主管部门 reads
//! of its region, gathered from the store and computed by `ogi-region` —
//! the status list, the roll-up, the drill-down from a summed cell, the risk
//! list. The terminal (`ogi region …`) and the web pages (`/region…`) both
//! call these, so they show the same figures.
//!
//! Who sees what is the store's: every function reads through the
//! connection's scope (a 督导员 reads the agencies below it).

pub mod intake;

use std::collections::{BTreeMap, BTreeSet};

use ogi_region::compare::{Peer, RiskKind};
use ogi_region::status::{Agency, Row, Submitted};
use ogi_region::{Drilled, Member, Rollup};
use ogi_store::region::{Figures, RegionAgency};
use ogi_store::{Database, StoreError};
use ogi_vocab::cells::CellKey;

/// One agency of the status list, with what the ledger and the reviewers add.
#[derive(Debug, Clone)]
pub struct Status {
    pub row: Row,
    /// The agency's kind (`department`, …) for filters.
    pub kind: ogi_rules::agency::AgencyKind,
    /// Breaks of the cross-year ledger (上年结转 vs last year's 结转下年度, 现行有效).
    pub ledger: Vec<String>,
    /// Findings a reviewer marked 误报, no longer counted against the agency.
    pub dismissed: usize,
    /// It drafts in ogi: its records are summed though no report was submitted.
    pub drafted: bool,
}

/// The year's status list of the agencies under `under` (all the scope reads without).
pub fn status(store: &Database, year: i16, under: Option<&str>, today: &str) -> Result<Vec<Status>, StoreError> {
    Ok(status_in(&region_years(store, year - 1, year, under)?, &false_positives(store, year)?, year, today))
}

/// The findings each agency (by id) had marked 误报, by key.
pub type Dismissed = BTreeMap<i64, BTreeSet<String>>;

/// The status list from what is already read: `by_year` (from
/// [`region_years`]) holds `year` and the year before (for the ledger),
/// `dismissed` the year's [`false_positives`].
pub fn status_in(by_year: &[(i16, Vec<RegionAgency>)], dismissed: &Dismissed, year: i16, today: &str) -> Vec<Status> {
    let region = of_year(by_year, year);
    let mut dismissed_count: BTreeMap<i64, usize> = BTreeMap::new();
    let list: Vec<(Agency, Option<Submitted>)> = region
        .iter()
        .map(|a| {
            // Only a published version is a submission; drafted figures are the agency's records.
            let submitted = a.version().map(|v| {
                let (errors, warnings, gone) = after_review(v, dismissed.get(&a.agency.id));
                dismissed_count.insert(a.agency.id, gone);
                Submitted { received: v.received.to_string(), errors, warnings, version: v.version }
            });
            let agency = Agency {
                code: a.agency.code.clone(),
                name: a.agency.name.clone(),
                government: a.agency.kind == ogi_rules::agency::AgencyKind::Government,
                depth: a.agency.depth,
            };
            (agency, submitted)
        })
        .collect();
    let ledger = ledgers(region, of_year(by_year, year - 1));
    let rows = ogi_region::status::status(year, list, today);
    rows.into_iter()
        .zip(region)
        .map(|(row, a)| Status {
            kind: a.agency.kind,
            ledger: ledger.get(&a.agency.id).cloned().unwrap_or_default(),
            dismissed: dismissed_count.get(&a.agency.id).copied().unwrap_or(0),
            drafted: matches!(a.figures, Figures::Drafted(_)),
            row,
        })
        .collect()
}

/// A version's errors and warnings once the findings its reviewers marked
/// 误报 (`dismissed`) are set aside, and how many were set aside.
fn after_review(
    v: &ogi_store::published::ReportVersion,
    dismissed: Option<&BTreeSet<String>>,
) -> (usize, usize, usize) {
    let (errors, warnings) = (v.errors as usize, v.warnings as usize);
    let Some(keys) = dismissed else { return (errors, warnings, 0) };
    let gone: Vec<_> = ogi_region::review::findings(&v.report).into_iter().filter(|f| keys.contains(&f.key)).collect();
    let of = |severity: &str| gone.iter().filter(|f| f.severity == severity).count();
    (errors.saturating_sub(of("error")), warnings.saturating_sub(of("warning")), gone.len())
}

/// The findings each agency's reviewers marked 误报 (the latest mark of each finding).
pub fn false_positives(store: &Database, year: i16) -> Result<Dismissed, StoreError> {
    marked(store, year, ogi_region::review::ReviewState::FalsePositive)
}

/// The findings of each agency (by id) whose latest mark is `state`: the
/// same marks, in the same order, that [`reviewed`] gives each finding.
pub fn marked(
    store: &Database,
    year: i16,
    state: ogi_region::review::ReviewState,
) -> Result<BTreeMap<i64, BTreeSet<String>>, StoreError> {
    let mut latest: BTreeMap<(i64, String), String> = BTreeMap::new();
    for m in store.finding_marks(year, None)? {
        latest.insert((m.agency_id, m.finding), m.state);
    }
    let mut out: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for ((agency, finding), latest_state) in latest {
        if latest_state == state.key() {
            out.entry(agency).or_default().insert(finding);
        }
    }
    Ok(out)
}

/// The cross-year ledger's breaks of each agency (by id) against the year before.
fn ledgers(now: &[RegionAgency], before: &[RegionAgency]) -> BTreeMap<i64, Vec<String>> {
    let mut out = BTreeMap::new();
    for a in now {
        let last = before.iter().find(|b| b.agency.id == a.agency.id).and_then(RegionAgency::report);
        let (Some(this), Some(last)) = (a.report(), last) else { continue };
        let breaks: Vec<String> = ogi_region::compare::ledger(this, last).into_iter().map(|b| b.message).collect();
        if !breaks.is_empty() {
            out.insert(a.agency.id, breaks);
        }
    }
    out
}

/// The agencies of `year` in regions read by [`region_years`] (none if not read).
fn of_year(by_year: &[(i16, Vec<RegionAgency>)], year: i16) -> &[RegionAgency] {
    by_year.iter().find(|(y, _)| *y == year).map_or(&[], |(_, r)| r.as_slice())
}

/// The region of each year `from..=to`.
pub fn region_years(
    store: &Database,
    from: i16,
    to: i16,
    under: Option<&str>,
) -> Result<Vec<(i16, Vec<RegionAgency>)>, StoreError> {
    (from..=to).map(|y| Ok((y, store.region(y, under)?))).collect()
}

/// The agencies of `year` as peers to compare, with their reports of every
/// year given and their errors once those marked 误报 are set aside (as the
/// status list counts them).
pub fn peers<'a>(by_year: &'a [(i16, Vec<RegionAgency>)], dismissed: &Dismissed, year: i16) -> Vec<Peer<'a>> {
    let Some((_, now)) = by_year.iter().find(|(y, _)| *y == year) else { return Vec::new() };
    now.iter()
        .map(|a| {
            let reports = by_year
                .iter()
                .filter_map(|(y, region)| {
                    let r = region.iter().find(|b| b.agency.id == a.agency.id)?.report()?;
                    Some((*y, r))
                })
                .collect();
            let errors = match (a.version(), a.report()) {
                (Some(v), _) => after_review(v, dismissed.get(&a.agency.id)).0,
                (None, Some(r)) => ogi_region::review::findings(r).iter().filter(|f| f.severity == "error").count(),
                _ => 0,
            };
            Peer {
                code: a.agency.code.clone(),
                name: a.agency.name.clone(),
                level: a.agency.depth,
                kind: a.agency.kind.key().to_string(),
                errors,
                reports,
            }
        })
        .collect()
}

/// One line of the risk list: the agency, the kind of risk, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskLine {
    pub code: String,
    pub name: String,
    pub kind: RiskKind,
    pub why: String,
}

/// The 主管部门's risk list for `year` (jumps beyond `threshold`, a fraction, since the year before).
pub fn risks(store: &Database, year: i16, under: Option<&str>, threshold: f64) -> Result<Vec<RiskLine>, StoreError> {
    Ok(risks_in(&region_years(store, year - 1, year, under)?, &false_positives(store, year)?, year, threshold))
}

/// The risk list from what is already read (see [`status_in`]).
pub fn risks_in(
    by_year: &[(i16, Vec<RegionAgency>)],
    dismissed: &Dismissed,
    year: i16,
    threshold: f64,
) -> Vec<RiskLine> {
    let peers = peers(by_year, dismissed, year);
    ogi_region::compare::risks(&peers, year, threshold)
        .into_iter()
        .map(|r| {
            let p = &peers[r.peer];
            RiskLine { code: p.code.clone(), name: p.name.clone(), kind: r.kind, why: r.why }
        })
        .collect()
}

/// The region's figures split: those summed (published or drafted) and the
/// names of the agencies with nothing for the year.
pub fn present(region: Vec<RegionAgency>) -> (Vec<RegionAgency>, Vec<String>) {
    let missing = region.iter().filter(|a| a.figures == Figures::Missing).map(|a| a.agency.name.clone()).collect();
    (region.into_iter().filter(|a| a.figures != Figures::Missing).collect(), missing)
}

/// The sum of the agencies' figures (see `ogi_region::rollup`).
pub fn rollup(present: &[RegionAgency]) -> Rollup {
    let members: Vec<Member> =
        present.iter().filter_map(|a| Some(Member { agency: a.agency.name.clone(), report: a.report()? })).collect();
    ogi_region::rollup(&members)
}

/// One agency's value of a summed cell, and where it comes from.
#[derive(Debug, Clone)]
pub struct DrillLine {
    pub code: String,
    pub agency: String,
    pub drilled: Drilled,
    /// The published version summed (`None`: drafted from ogi's records).
    pub version: Option<i64>,
    /// `第 2 版（file.html）` or `本系统记录`.
    pub source: String,
    /// For an agency drafting in ogi: the requests its table 三 counts in the cell.
    pub requests: Option<Vec<String>>,
}

/// Each agency's value of `key` for `year`, with its version and source; the
/// requests counted for those drafting in ogi.
pub fn drill(
    store: &Database,
    present: &[RegionAgency],
    year: i16,
    key: CellKey,
) -> Result<Vec<DrillLine>, StoreError> {
    let view: Vec<Member> =
        present.iter().filter_map(|a| Some(Member { agency: a.agency.name.clone(), report: a.report()? })).collect();
    present
        .iter()
        .zip(ogi_region::drill(&view, key))
        .map(|(a, d)| {
            let requests = match &a.figures {
                Figures::Drafted(_) => Some(store.counted_requests(a.agency.id, year, key)?),
                _ => None,
            };
            let source = match &a.figures {
                Figures::Published(v) => format!("第 {} 版（{}）", v.version, v.source),
                _ => "本系统记录".to_string(),
            };
            Ok(DrillLine {
                code: a.agency.code.clone(),
                agency: a.agency.name.clone(),
                drilled: d,
                version: a.version().map(|v| v.version),
                source,
                requests,
            })
        })
        .collect()
}

/// Where a value was printed, in words.
pub fn place(p: &ogi_vocab::model::Provenance) -> String {
    match p.origin {
        ogi_vocab::Origin::Cell { table, row, col } => {
            format!("第 {} 个表格第 {} 行第 {} 格", table + 1, row + 1, col + 1)
        }
        ogi_vocab::Origin::Line { line } => format!("第 {line} 行"),
    }
}

/// One agency's place on one indicator: its value, rank and the quartiles
/// among its peers (same level and kind), and its values over the years.
#[derive(Debug, Clone)]
pub struct CompareLine {
    pub indicator: &'static ogi_region::compare::Indicator,
    pub code: String,
    pub name: String,
    pub level: usize,
    pub kind: String,
    pub ranked: ogi_region::compare::Ranked,
    pub trend: Vec<(i16, Option<f64>)>,
}

/// Each agency under `under` on each of `indicators` for `year`, with its
/// trend over the `years` years up to it (see `ogi_region::compare::compare`).
pub fn compare(
    store: &Database,
    year: i16,
    under: Option<&str>,
    indicators: &[&'static ogi_region::compare::Indicator],
    years: i16,
) -> Result<Vec<CompareLine>, StoreError> {
    let from = year - years.clamp(1, 10) + 1;
    let by_year = region_years(store, from, year, under)?;
    let peers = peers(&by_year, &false_positives(store, year)?, year);
    Ok(ogi_region::compare::compare(&peers, from, year, indicators)
        .into_iter()
        .map(|c| {
            let p = &peers[c.peer];
            CompareLine {
                indicator: c.indicator,
                code: p.code.clone(),
                name: p.name.clone(),
                level: p.level,
                kind: p.kind.clone(),
                ranked: c.ranked,
                trend: c.trend,
            }
        })
        .collect())
}

/// One finding of an agency's report for the review: shown by the active
/// version, or only known from earlier marks; its marks, oldest first.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub key: String,
    pub rule: String,
    pub severity: String,
    pub message: String,
    /// The active version still shows it.
    pub shown_now: bool,
    pub marks: Vec<ogi_store::review::FindingMark>,
}

impl Reviewed {
    /// Its state: the last mark's (none: 待审核).
    pub fn state(&self) -> Option<ogi_region::review::ReviewState> {
        self.marks.last().and_then(|m| ogi_region::review::ReviewState::parse(&m.state))
    }
}

/// The findings of an agency's active version and those marked before,
/// numbered in this order (what `--finding N` and the page refer to).
pub fn reviewed(
    store: &Database,
    agency: &ogi_store::agency::Agency,
    year: i16,
) -> Result<(Option<ogi_store::published::ReportVersion>, Vec<Reviewed>), StoreError> {
    let versions = store.report_versions(agency.id, year)?;
    let active = versions.into_iter().find(|v| v.active);
    let mut out: Vec<Reviewed> = active
        .as_ref()
        .map(|v| ogi_region::review::findings(&v.report))
        .unwrap_or_default()
        .into_iter()
        .map(|f| Reviewed {
            key: f.key,
            rule: f.rule,
            severity: f.severity.to_string(),
            message: f.message,
            shown_now: true,
            marks: Vec::new(),
        })
        .collect();
    for m in store.finding_marks(year, Some(agency.id))? {
        match out.iter_mut().find(|r| r.key == m.finding) {
            Some(r) => r.marks.push(m),
            None => out.push(Reviewed {
                key: m.finding.clone(),
                rule: m.rule.clone(),
                severity: String::new(),
                message: m.message.clone(),
                shown_now: false,
                marks: vec![m],
            }),
        }
    }
    Ok((active, out))
}

/// A finding by its number in `reviewed`'s order (1-based) or by its key.
pub fn find_finding<'a>(all: &'a [Reviewed], which: &str) -> Option<&'a Reviewed> {
    match which.trim().parse::<usize>() {
        Ok(n) => n.checked_sub(1).and_then(|i| all.get(i)),
        Err(_) => all.iter().find(|r| r.key == which.trim()),
    }
}

/// The mark to store for `finding` (checked first with `ogi_region::review::check_mark`).
pub fn new_mark<'a>(
    agency: &ogi_store::agency::Agency,
    year: i16,
    active: &ogi_store::published::ReportVersion,
    finding: &'a Reviewed,
    state: ogi_region::review::ReviewState,
    note: &'a str,
) -> ogi_store::review::NewMark<'a> {
    ogi_store::review::NewMark {
        agency_id: agency.id,
        year,
        finding: &finding.key,
        rule: &finding.rule,
        message: &finding.message,
        version: active.version,
        state: state.key(),
        note,
    }
}
