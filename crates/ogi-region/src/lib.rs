//! A region's annual reports summed (issue 14, first part): the roll-up of
//! its agencies' tables 二/三/四, cell by cell, and the drill-down from a
//! summed cell to each agency's value and where it was printed.
//!
//! The rule that makes a sum worth publishing: **a summed cell is given
//! only when every agency below has that cell as a number**. A cell one
//! agency left blank, printed as 不适用, or that the reader could not read is
//! not a 0: the sum leaves it out and names the agencies that lack it. A
//! report that prints （六）其他处理 as one row (the 2019 layout) adds to the
//! group's total (`t3.other.<column>`), never to one of its sub-rows.
//!
//! Pure: reports in, sums out. Where the reports come from (files read by
//! `ogi-report`, or an agency's own register drafted by `ogi-rules`) is the
//! caller's business.

use std::collections::{BTreeMap, BTreeSet};

use ogi_vocab::cells::{CellKey, OtherReason, Outcome, T3Row, Template};
use ogi_vocab::model::{Provenance, Report};
use ogi_vocab::Number;

/// One agency's report in the roll-up (its active version).
#[derive(Debug, Clone)]
pub struct Member<'a> {
    /// How the agency is named in notes (its name, or code).
    pub agency: String,
    pub report: &'a Report,
}

/// The region's sums.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollup {
    /// Every cell every member has as a number, summed.
    pub cells: BTreeMap<CellKey, Number>,
    /// Cells some members have and others lack: the agencies lacking each.
    pub lacking: BTreeMap<CellKey, Vec<String>>,
    /// Cells whose sum overflowed (never in practice; named, not wrapped).
    pub overflow: Vec<CellKey>,
    pub members: usize,
}

/// The 其他处理 group total of a column: printed as one row, or the sum of
/// its three sub-rows when all are there.
fn other_group(report: &Report, column: ogi_vocab::cells::ApplicantColumn) -> Option<Number> {
    let unsplit = CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), column);
    if let Some(v) = report.value(unsplit) {
        return Some(v);
    }
    let mut total = Number::ZERO;
    for r in OtherReason::ALL.iter().copied() {
        total = total.checked_add(report.value(CellKey::T3(T3Row::Outcome(Outcome::Other(r)), column))?)?;
    }
    Some(total)
}

/// Sums the members' cells (see the crate doc for the rule).
pub fn rollup(members: &[Member]) -> Rollup {
    let mut keys: BTreeSet<CellKey> = members.iter().flat_map(|m| m.report.cells.keys().copied()).collect();
    // The group totals of 其他处理 are summed as one cell, whichever way each
    // member printed them.
    let other_columns: BTreeSet<_> = keys
        .iter()
        .filter_map(|k| match k {
            CellKey::T3(T3Row::Outcome(Outcome::Other(_) | Outcome::OtherUnsplit), c) => Some(*c),
            _ => None,
        })
        .collect();
    for c in &other_columns {
        keys.remove(&CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), *c));
    }
    let mut out = Rollup { members: members.len(), ..Rollup::default() };
    let mut add = |key: CellKey, values: Vec<(String, Option<Number>)>| {
        let lacking: Vec<String> = values.iter().filter(|(_, v)| v.is_none()).map(|(a, _)| a.clone()).collect();
        if !lacking.is_empty() {
            out.lacking.insert(key, lacking);
            return;
        }
        let sum = values.iter().try_fold(Number::ZERO, |acc, (_, v)| acc.checked_add((*v)?));
        match sum {
            Some(s) => _ = out.cells.insert(key, s),
            None => out.overflow.push(key),
        }
    };
    for key in keys {
        add(key, members.iter().map(|m| (m.agency.clone(), m.report.value(key))).collect());
    }
    for c in other_columns {
        let key = CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), c);
        add(key, members.iter().map(|m| (m.agency.clone(), other_group(m.report, c))).collect());
    }
    out
}

impl Rollup {
    /// The sums as a report of the region's government (for the checker and
    /// the renderers), in the 2021 template.
    pub fn report(&self, agency: &str, year: i16) -> Report {
        let mut r = Report::of_cells(year, Template::Y2021, self.cells.clone());
        r.meta.agency = Some(agency.to_string());
        r
    }

    /// The checker on the sums: the national format's identities must hold
    /// for the region as they do for each agency (a rule judges only cells
    /// the sum has). The sum has tables and no text, so only the tables'
    /// rules speak of it (not `structure.*`, not `prose.*`).
    pub fn check(&self, agency: &str, year: i16) -> Vec<ogi_report::check::Diagnostic> {
        let mut found = ogi_report::check::check(&self.report(agency, year), None);
        found.retain(|d| !d.rule.starts_with("structure.") && !d.rule.starts_with("prose."));
        found
    }

    /// One line per left-out cell: which agencies lack it.
    pub fn notes(&self) -> Vec<String> {
        self.lacking.iter().map(|(k, who)| format!("{k}：{} 未填报或无法读取该项，未汇总", who.join("、"))).collect()
    }
}

/// One agency's value of a cell and where it was printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drilled {
    pub agency: String,
    pub value: Option<Number>,
    /// What the cell holds (a blank, 不适用 or text where there is no number).
    pub held: values::CellValue,
    /// The text as printed and where (`None` for a report ogi drafted).
    pub printed: Option<Provenance>,
}

/// Each member's value for `key`, in the members' order (for 其他处理's
/// group total, the sum of the sub-rows where those were printed).
pub fn drill(members: &[Member], key: CellKey) -> Vec<Drilled> {
    members
        .iter()
        .map(|m| {
            let cell = m.report.cells.get(&key);
            let value = match key {
                CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), c) => other_group(m.report, c),
                _ => cell.map(|c| c.value),
            };
            let held = match value {
                Some(n) => values::CellValue::Number(n),
                None => values::CellValue::of(m.report, key),
            };
            Drilled { agency: m.agency.clone(), value, held, printed: cell.and_then(|c| c.provenance.clone()) }
        })
        .collect()
}

pub mod compare;
pub mod intake;
pub mod review;
pub mod status;
pub mod values;
