//! Published annual reports of a region's agencies (issue 14): every
//! version of each agency's report for a year, as read or as corrected,
//! and the intake batches the files came in by. Migration 14.
//!
//! A report's first version is what was read from the file; a correction
//! (a misread cell fixed by a reviewer, or a republished file) makes a new
//! version with who, when, why and which cells; the old ones stay readable
//! and exactly one is active (what sums use). Rolling a batch back removes
//! the versions it made and makes each agency's latest remaining version
//! active again; the batch and its files stay on record.

use ogi_rules::Date;
use ogi_vocab::model::Report;

use crate::sql::{params, OptionalExtension, Sql};
use crate::StoreError;

pub(crate) const MIGRATION: &str = "
CREATE TABLE intake_batches (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    year INTEGER NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    rolled_back TEXT
);
CREATE TABLE report_versions (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    year INTEGER NOT NULL,
    version INTEGER NOT NULL,
    active INTEGER NOT NULL,
    report TEXT NOT NULL,
    source TEXT NOT NULL,
    batch_id INTEGER REFERENCES intake_batches(id),
    received TEXT NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    reason TEXT NOT NULL,
    changed TEXT NOT NULL DEFAULT '',
    UNIQUE (agency_id, year, version)
);
CREATE INDEX report_versions_active ON report_versions(year, agency_id) WHERE active = 1;
CREATE TABLE intake_files (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES intake_batches(id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    printed_agency TEXT NOT NULL DEFAULT '',
    agency_id INTEGER REFERENCES agencies(id),
    version_id INTEGER REFERENCES report_versions(id),
    content BLOB
);
CREATE INDEX intake_files_batch ON intake_files(batch_id, id);
";

/// One version of an agency's report for a year.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportVersion {
    pub id: i64,
    pub agency_id: i64,
    pub year: i16,
    /// 1 for what was first read, then 2, 3, ….
    pub version: i64,
    pub active: bool,
    pub report: Report,
    /// The file it was read from (or `更正` for a correction).
    pub source: String,
    pub batch: Option<i64>,
    /// When the 主管部门 received (or the agency published) it: what
    /// lateness is judged by.
    pub received: Date,
    /// The checker's findings when the version was made.
    pub errors: i64,
    pub warnings: i64,
    pub actor: String,
    pub at: String,
    pub reason: String,
    /// The cells a correction changed (`t3.new.total：10→12`, one per line).
    pub changed: String,
}

/// A new version, before it is stored.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub agency_id: i64,
    pub year: i16,
    pub report: &'a Report,
    pub source: &'a str,
    pub received: Date,
    pub errors: usize,
    pub warnings: usize,
    pub reason: &'a str,
    pub changed: &'a str,
}

/// What became of one file of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOutcome {
    /// Read and stored as a version of an agency's report.
    Attached,
    /// Not read (the reason says why); kept for a retry.
    Failed,
    /// Read, but no agency of the tree has the printed name (the reason
    /// names close ones); kept for a retry once the agency exists.
    Unmatched,
    /// A file already attached in this batch (same content).
    Duplicate,
}

impl FileOutcome {
    pub fn key(self) -> &'static str {
        match self {
            FileOutcome::Attached => "attached",
            FileOutcome::Failed => "failed",
            FileOutcome::Unmatched => "unmatched",
            FileOutcome::Duplicate => "duplicate",
        }
    }

    pub fn from_key(s: &str) -> Option<FileOutcome> {
        Some(match s {
            "attached" => FileOutcome::Attached,
            "failed" => FileOutcome::Failed,
            "unmatched" => FileOutcome::Unmatched,
            "duplicate" => FileOutcome::Duplicate,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            FileOutcome::Attached => "已归入",
            FileOutcome::Failed => "未读入",
            FileOutcome::Unmatched => "未匹配机关",
            FileOutcome::Duplicate => "重复文件",
        }
    }
}

/// One file of a batch as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeFile {
    pub id: i64,
    pub batch: i64,
    pub name: String,
    pub sha256: String,
    pub outcome: FileOutcome,
    pub reason: String,
    pub printed_agency: String,
    pub agency_id: Option<i64>,
    pub version_id: Option<i64>,
    /// The file itself, kept while it is not attached (for a retry).
    pub content: Option<Vec<u8>>,
}

/// A batch with its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: i64,
    pub agency_id: i64,
    pub year: i16,
    pub actor: String,
    pub at: String,
    pub rolled_back: Option<String>,
    pub files: i64,
    pub attached: i64,
    pub failed: i64,
    pub unmatched: i64,
    pub duplicate: i64,
}

fn corrupt_report(e: serde_json::Error) -> StoreError {
    crate::corrupt("报告版本", &e.to_string())
}

const VERSION_COLUMNS: &str = "id, agency_id, year, version, active, report, source, batch_id, received, errors, warnings, actor, at, reason, changed";

fn version_row(r: &crate::sql::Row) -> crate::sql::Result<(ReportVersionRow, String)> {
    Ok((
        ReportVersionRow {
            id: r.get(0)?,
            agency_id: r.get(1)?,
            year: r.get(2)?,
            version: r.get(3)?,
            active: r.get::<_, i64>(4)? == 1,
            source: r.get(6)?,
            batch: r.get(7)?,
            received: r.get(8)?,
            errors: r.get(9)?,
            warnings: r.get(10)?,
            actor: r.get(11)?,
            at: r.get(12)?,
            reason: r.get(13)?,
            changed: r.get(14)?,
        },
        r.get(5)?,
    ))
}

/// A version's columns before its JSON and date are parsed.
struct ReportVersionRow {
    id: i64,
    agency_id: i64,
    year: i16,
    version: i64,
    active: bool,
    source: String,
    batch: Option<i64>,
    received: String,
    errors: i64,
    warnings: i64,
    actor: String,
    at: String,
    reason: String,
    changed: String,
}

fn parse_version((row, json): (ReportVersionRow, String)) -> Result<ReportVersion, StoreError> {
    let report: Report = serde_json::from_str(&json).map_err(corrupt_report)?;
    let received = row.received.parse().map_err(|_| crate::corrupt("收到日期", &row.received))?;
    Ok(ReportVersion {
        id: row.id,
        agency_id: row.agency_id,
        year: row.year,
        version: row.version,
        active: row.active,
        report,
        source: row.source,
        batch: row.batch,
        received,
        errors: row.errors,
        warnings: row.warnings,
        actor: row.actor,
        at: row.at,
        reason: row.reason,
        changed: row.changed,
    })
}

/// Whether the caller's scope reads `agency` (and the agency exists).
pub(crate) fn readable(sql: &Sql, agency: i64) -> Result<bool, StoreError> {
    let path: Option<String> =
        sql.query_row("SELECT path FROM agencies WHERE id = ?1", params![agency], |r| r.get(0)).optional()?;
    Ok(path.is_some_and(|p| sql.scope.reads(agency, &p)))
}

/// The supervising office keeps the reports of the agencies it reads: a
/// clerk only its own agency's, a supervisor or the operator those below.
pub(crate) fn writable(sql: &Sql, agency: i64) -> Result<(), StoreError> {
    if sql.scope.reach() == crate::Reach::Nobody || !readable(sql, agency)? {
        return Err(StoreError::Forbidden("无权保存该机关的年度报告".into()));
    }
    Ok(())
}

pub(crate) fn create_batch(tx: &Sql, year: i16, actor: &str) -> Result<i64, StoreError> {
    let agency = tx.scope.agency_id();
    writable(tx, agency)?;
    Ok(tx.insert(
        "INSERT INTO intake_batches (agency_id, year, actor) VALUES (?1, ?2, ?3)",
        params![agency, year, actor],
    )?)
}

/// Stores a new version and makes it the active one.
pub(crate) fn add_version(tx: &Sql, new: &NewVersion, batch: Option<i64>, actor: &str) -> Result<i64, StoreError> {
    writable(tx, new.agency_id)?;
    let json = serde_json::to_string(new.report).map_err(corrupt_report)?;
    let last: Option<i64> = tx.query_row(
        "SELECT MAX(version) FROM report_versions WHERE agency_id = ?1 AND year = ?2",
        params![new.agency_id, new.year],
        |r| r.get(0),
    )?;
    tx.execute(
        "UPDATE report_versions SET active = 0 WHERE agency_id = ?1 AND year = ?2 AND active = 1",
        params![new.agency_id, new.year],
    )?;
    let id = tx.insert(
        "INSERT INTO report_versions (agency_id, year, version, active, report, source, batch_id, received, errors, warnings, actor, reason, changed) \
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            new.agency_id,
            new.year,
            last.unwrap_or(0) + 1,
            json,
            new.source,
            batch,
            new.received.to_string(),
            new.errors as i64,
            new.warnings as i64,
            actor,
            new.reason,
            new.changed
        ],
    )?;
    tx.execute(
        "INSERT INTO audit (actor, action, after, agency_id) VALUES (?1, '年度报告新版本', ?2, ?3)",
        params![actor, format!("{} 年度第 {} 版：{}", new.year, last.unwrap_or(0) + 1, new.reason), new.agency_id],
    )?;
    Ok(id)
}

/// A reviewer's correction made from version `seen`: stored as a new active
/// version only if `seen` is still the active one (two reviewers correcting
/// at once: the second is told, and nothing of theirs is written).
pub(crate) fn correct(tx: &Sql, new: &NewVersion, seen: i64, actor: &str) -> Result<i64, StoreError> {
    writable(tx, new.agency_id)?;
    let active: Option<i64> = tx
        .query_row(
            "SELECT version FROM report_versions WHERE agency_id = ?1 AND year = ?2 AND active = 1",
            params![new.agency_id, new.year],
            |r| r.get(0),
        )
        .optional()?;
    match active {
        Some(v) if v == seen => add_version(tx, new, None, actor),
        Some(v) => {
            Err(StoreError::Invalid(format!("该报告已有新的第 {v} 版（更正所据为第 {seen} 版），请刷新后重新更正")))
        }
        None => Err(StoreError::NotFound(format!("{} 年度的报告版本", new.year))),
    }
}

/// A file of a batch: what was read from it, or why not.
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
    pub outcome: FileOutcome,
    pub reason: &'a str,
    pub printed_agency: &'a str,
    /// The version to store, for an attached file.
    pub version: Option<NewVersion<'a>>,
    /// Kept for a retry when the file is not attached.
    pub content: Option<&'a [u8]>,
}

fn batch_open(tx: &Sql, batch: i64) -> Result<i16, StoreError> {
    let row: Option<(i64, i16, Option<String>)> = tx
        .query_row("SELECT agency_id, year, rolled_back FROM intake_batches WHERE id = ?1", params![batch], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match row {
        Some((agency, year, None)) if readable(tx, agency)? => Ok(year),
        Some((agency, _, Some(_))) if readable(tx, agency)? => {
            Err(StoreError::Invalid(format!("第 {batch} 批已撤回，不能再改")))
        }
        _ => Err(StoreError::NotFound(format!("第 {batch} 批"))),
    }
}

pub(crate) fn add_file(tx: &Sql, batch: i64, file: &NewFile, actor: &str) -> Result<i64, StoreError> {
    batch_open(tx, batch)?;
    let version = match &file.version {
        Some(v) => Some(add_version(tx, v, Some(batch), actor)?),
        None => None,
    };
    Ok(tx.insert(
        "INSERT INTO intake_files (batch_id, name, sha256, outcome, reason, printed_agency, agency_id, version_id, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            batch,
            file.name,
            file.sha256,
            file.outcome.key(),
            file.reason,
            file.printed_agency,
            file.version.as_ref().map(|v| v.agency_id),
            version,
            file.content
        ],
    )?)
}

/// A failed or unmatched file tried again: its row takes the new outcome.
pub(crate) fn retry_file(tx: &Sql, file_id: i64, file: &NewFile, actor: &str) -> Result<(), StoreError> {
    let batch: Option<(i64, String)> = tx
        .query_row("SELECT batch_id, outcome FROM intake_files WHERE id = ?1", params![file_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((batch, outcome)) = batch else {
        return Err(StoreError::NotFound(format!("文件 {file_id}")));
    };
    batch_open(tx, batch)?;
    if outcome == FileOutcome::Attached.key() {
        return Err(StoreError::Invalid("该文件已归入，不需重试".into()));
    }
    let version = match &file.version {
        Some(v) => Some(add_version(tx, v, Some(batch), actor)?),
        None => None,
    };
    tx.execute(
        "UPDATE intake_files SET outcome = ?2, reason = ?3, printed_agency = ?4, agency_id = ?5, version_id = ?6, content = ?7 WHERE id = ?1",
        params![
            file_id,
            file.outcome.key(),
            file.reason,
            file.printed_agency,
            file.version.as_ref().map(|v| v.agency_id),
            version,
            file.content
        ],
    )?;
    Ok(())
}

/// Removes the versions a batch made; each agency's latest remaining
/// version becomes active again. The batch and its files stay on record.
pub(crate) fn roll_back(tx: &Sql, batch: i64, actor: &str) -> Result<usize, StoreError> {
    batch_open(tx, batch)?;
    let touched: Vec<(i64, i16)> = tx.query_map(
        "SELECT DISTINCT agency_id, year FROM report_versions WHERE batch_id = ?1",
        params![batch],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (agency, _) in &touched {
        writable(tx, *agency)?;
    }
    tx.execute("UPDATE intake_files SET version_id = NULL WHERE batch_id = ?1", params![batch])?;
    let removed = tx.execute("DELETE FROM report_versions WHERE batch_id = ?1", params![batch])?;
    for (agency, year) in &touched {
        tx.execute(
            "UPDATE report_versions SET active = 1 WHERE id = (SELECT MAX(id) FROM report_versions WHERE agency_id = ?1 AND year = ?2)",
            params![agency, year],
        )?;
    }
    tx.execute(
        "UPDATE intake_batches SET rolled_back = CAST(CURRENT_TIMESTAMP AS TEXT) WHERE id = ?1",
        params![batch],
    )?;
    tx.execute(
        "INSERT INTO audit (actor, action, after, agency_id) VALUES (?1, '撤回报告批次', ?2, ?3)",
        params![actor, format!("第 {batch} 批，撤回 {removed} 个版本"), tx.scope.agency_id()],
    )?;
    Ok(removed)
}

pub(crate) fn batches(sql: &Sql) -> Result<Vec<Batch>, StoreError> {
    batches_where(sql, None)
}

/// One batch with its counts, if the scope reads it.
pub(crate) fn batch(sql: &Sql, id: i64) -> Result<Option<Batch>, StoreError> {
    Ok(batches_where(sql, Some(id))?.pop())
}

/// The batches the scope reads (`only`: just that one), with their counts.
fn batches_where(sql: &Sql, only: Option<i64>) -> Result<Vec<Batch>, StoreError> {
    let mut visible = sql.scope.visible("b.agency_id");
    if let Some(id) = only {
        visible.push_str(&format!(" AND b.id = {id}"));
    }
    Ok(sql.query_map(
        &format!(
            "SELECT b.id, b.agency_id, b.year, b.actor, b.at, b.rolled_back, COUNT(f.id), \
             COALESCE(SUM(CASE WHEN f.outcome = 'attached' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN f.outcome = 'failed' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN f.outcome = 'unmatched' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN f.outcome = 'duplicate' THEN 1 ELSE 0 END), 0) \
             FROM intake_batches b LEFT JOIN intake_files f ON f.batch_id = b.id WHERE {visible} \
             GROUP BY b.id, b.agency_id, b.year, b.actor, b.at, b.rolled_back ORDER BY b.id"
        ),
        params![],
        |r| {
            Ok(Batch {
                id: r.get(0)?,
                agency_id: r.get(1)?,
                year: r.get(2)?,
                actor: r.get(3)?,
                at: r.get(4)?,
                rolled_back: r.get(5)?,
                files: r.get(6)?,
                attached: r.get(7)?,
                failed: r.get(8)?,
                unmatched: r.get(9)?,
                duplicate: r.get(10)?,
            })
        },
    )?)
}

pub(crate) fn files(sql: &Sql, batch: i64) -> Result<Vec<IntakeFile>, StoreError> {
    if self::batch(sql, batch)?.is_none() {
        return Err(StoreError::NotFound(format!("第 {batch} 批")));
    }
    let rows: Vec<(IntakeFile, String)> = sql.query_map(
        "SELECT id, batch_id, name, sha256, outcome, reason, printed_agency, agency_id, version_id, content \
         FROM intake_files WHERE batch_id = ?1 ORDER BY id",
        params![batch],
        |r| {
            Ok((
                IntakeFile {
                    id: r.get(0)?,
                    batch: r.get(1)?,
                    name: r.get(2)?,
                    sha256: r.get(3)?,
                    outcome: FileOutcome::Failed,
                    reason: r.get(5)?,
                    printed_agency: r.get(6)?,
                    agency_id: r.get(7)?,
                    version_id: r.get(8)?,
                    content: r.get(9)?,
                },
                r.get(4)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(mut f, outcome)| {
            f.outcome = FileOutcome::from_key(&outcome).ok_or_else(|| crate::corrupt("文件结果", &outcome))?;
            Ok(f)
        })
        .collect()
}

/// Every version of an agency's report for a year, oldest first.
pub(crate) fn versions(sql: &Sql, agency: i64, year: i16) -> Result<Vec<ReportVersion>, StoreError> {
    if !readable(sql, agency)? {
        return Err(StoreError::NotFound(format!("机关 {agency}")));
    }
    sql.query_map(
        &format!("SELECT {VERSION_COLUMNS} FROM report_versions WHERE agency_id = ?1 AND year = ?2 ORDER BY version"),
        params![agency, year],
        version_row,
    )?
    .into_iter()
    .map(parse_version)
    .collect()
}

/// The active version of every agency the scope reads, for a year.
pub(crate) fn active(sql: &Sql, year: i16) -> Result<Vec<ReportVersion>, StoreError> {
    let visible = sql.scope.visible("agency_id");
    sql.query_map(
        &format!(
            "SELECT {VERSION_COLUMNS} FROM report_versions WHERE year = ?1 AND active = 1 AND {visible} ORDER BY agency_id"
        ),
        params![year],
        version_row,
    )?
    .into_iter()
    .map(parse_version)
    .collect()
}
