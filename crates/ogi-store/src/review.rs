//! The review of the checker's findings on the region's reports (issue 14),
//! migration 17: every mark (已确认 / 误报 / 已整改) kept with who, when, on
//! which version and why, so a finding's state is its latest mark and its
//! history all of them. What a finding is, and which marks are allowed, is
//! `ogi_region::review`'s; the store keeps what was decided.

use crate::sql::{params, Sql};
use crate::StoreError;

/// Migration 17 (16 is another branch's).
pub(crate) const MIGRATION: &str = "
CREATE TABLE finding_reviews (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    year INTEGER NOT NULL,
    finding TEXT NOT NULL,
    rule TEXT NOT NULL,
    message TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('confirmed', 'false_positive', 'rectified')),
    note TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX finding_reviews_agency ON finding_reviews(year, agency_id, finding, id);
";

/// One mark on a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingMark {
    pub id: i64,
    pub agency_id: i64,
    pub year: i16,
    /// The finding's key (`rule@cells`, see `ogi_region::review`).
    pub finding: String,
    pub rule: String,
    pub message: String,
    /// The version of the report it was marked on.
    pub version: i64,
    /// `confirmed`, `false_positive` or `rectified`.
    pub state: String,
    pub note: String,
    pub actor: String,
    pub at: String,
}

/// A mark to make.
#[derive(Debug, Clone)]
pub struct NewMark<'a> {
    pub agency_id: i64,
    pub year: i16,
    pub finding: &'a str,
    pub rule: &'a str,
    pub message: &'a str,
    pub version: i64,
    pub state: &'a str,
    pub note: &'a str,
}

const STATES: [&str; 3] = ["confirmed", "false_positive", "rectified"];

pub(crate) fn mark(tx: &Sql, new: &NewMark, actor: &str) -> Result<i64, StoreError> {
    crate::published::writable(tx, new.agency_id)?;
    if !STATES.contains(&new.state) {
        return Err(StoreError::Invalid(format!("不认识的审核状态：{}", new.state)));
    }
    let id = tx.insert(
        "INSERT INTO finding_reviews (agency_id, year, finding, rule, message, version, state, note, actor) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            new.agency_id,
            new.year,
            new.finding,
            new.rule,
            new.message,
            new.version,
            new.state,
            new.note.trim(),
            actor
        ],
    )?;
    tx.execute(
        "INSERT INTO audit (actor, action, after, agency_id) VALUES (?1, '审核报告问题', ?2, ?3)",
        params![actor, format!("{} 年度 {}：{} {}", new.year, new.finding, new.state, new.note.trim()), new.agency_id],
    )?;
    Ok(id)
}

/// Every mark of `year` on the agencies the scope reads (or one of them),
/// by agency, finding and time.
pub(crate) fn marks(sql: &Sql, year: i16, agency: Option<i64>) -> Result<Vec<FindingMark>, StoreError> {
    let visible = sql.scope.visible("agency_id");
    let only = agency.map_or(String::new(), |a| format!(" AND agency_id = {a}"));
    Ok(sql.query_map(
        &format!(
            "SELECT id, agency_id, year, finding, rule, message, version, state, note, actor, at \
             FROM finding_reviews WHERE year = ?1 AND {visible}{only} ORDER BY agency_id, finding, id"
        ),
        params![year],
        |r| {
            Ok(FindingMark {
                id: r.get(0)?,
                agency_id: r.get(1)?,
                year: r.get(2)?,
                finding: r.get(3)?,
                rule: r.get(4)?,
                message: r.get(5)?,
                version: r.get(6)?,
                state: r.get(7)?,
                note: r.get(8)?,
                actor: r.get(9)?,
                at: r.get(10)?,
            })
        },
    )?)
}
