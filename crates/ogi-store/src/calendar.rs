//! The holiday arrangements an administrator loaded (a year's notice, entered
//! on the admin page or with `ogi calendar --save`), and the one loader every
//! process uses: the embedded years, then `<data-dir>/calendar/*.txt`, then
//! the years saved in the database (the newest word on a year wins).
//!
//! Saving a year recomputes the due date of every request whose clock may
//! run into it, in the same transaction, and keeps the dates that moved so
//! that the workbench can list them.

use std::path::Path;

use crate::sql::{params, Sql};
use ogi_rules::request::State;
use ogi_rules::{Calendar, Date};

use crate::{audit, date, load, Store, StoreError};

/// The schema (migration 6).
pub(crate) const MIGRATION: &str = "
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE due_changes (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    year INTEGER NOT NULL,
    before TEXT,
    after TEXT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
";

/// A year's arrangement as saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYear {
    pub year: i16,
    /// The arrangement in the calendar file form (`year`, `holiday`, `workday`).
    pub text: String,
    pub saved_by: String,
    pub saved_at: String,
}

/// A request whose due date moved when a year's arrangement was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueChange {
    pub code: String,
    pub year: i16,
    pub before: Option<Date>,
    pub after: Option<Date>,
    pub at: String,
}

/// The calendar every process uses: embedded years, the data directory's
/// files (sorted by name), then the years saved in `store`. A file or a
/// saved year that does not parse is an error naming it, never skipped.
pub fn load_calendar(data_dir: Option<&Path>, store: &dyn Store) -> Result<Calendar, String> {
    let mut cal = load_files(data_dir)?;
    for y in store.calendar_years().map_err(|e| e.to_string())? {
        cal.load(&format!("数据库中 {} 年的节假日安排", y.year), &y.text).map_err(|e| e.to_string())?;
    }
    Ok(cal)
}

/// The embedded years and the data directory's files (for commands without a database).
pub fn load_files(data_dir: Option<&Path>) -> Result<Calendar, String> {
    let mut cal = Calendar::embedded();
    let Some(dir) = data_dir.map(|d| d.join("calendar")) else { return Ok(cal) };
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "txt")).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cal),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        cal.load(&f.display().to_string(), &text).map_err(|e| e.to_string())?;
    }
    Ok(cal)
}

pub(crate) fn calendar_years(conn: &Sql) -> Result<Vec<CalendarYear>, StoreError> {
    let mut stmt = conn.prepare("SELECT year, text, saved_by, saved_at FROM calendar_years ORDER BY year")?;
    let rows = stmt.query_map(params![], |r| {
        Ok(CalendarYear { year: r.get(0)?, text: r.get(1)?, saved_by: r.get(2)?, saved_at: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Saves `text` as `year`'s arrangement and recomputes, with `cal` (which
/// already holds it), the due date of every request not closed.
pub(crate) fn save_year(
    tx: &Sql,
    year: i16,
    text: &str,
    actor: &str,
    cal: &Calendar,
) -> Result<Vec<DueChange>, StoreError> {
    // The text must be the year it claims, and valid, before anything is written.
    let mut check = Calendar::default();
    match check.load("节假日安排", text) {
        Ok(y) if y == year => {}
        Ok(y) => return Err(StoreError::Invalid(format!("安排写的是 {y} 年，不是 {year} 年"))),
        Err(e) => return Err(StoreError::Invalid(e.to_string())),
    }
    let before: Option<String> =
        tx.query_row("SELECT text FROM calendar_years WHERE year = ?1", params![year], |r| r.get(0)).ok();
    // The database's clock, as the column's default: the moves below are
    // stamped by it too and listed when not older than this.
    let now = if tx.is_postgres() {
        r#"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
    } else {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    };
    tx.execute(
        &format!(
            "INSERT INTO calendar_years (year, text, saved_by) VALUES (?1, ?2, ?3) \
             ON CONFLICT(year) DO UPDATE SET text = excluded.text, saved_by = excluded.saved_by, saved_at = {now}"
        ),
        params![year, text, actor],
    )?;
    audit(tx, actor, format!("载入 {year} 年节假日安排"), before, Some(text.to_string()))?;
    let mut stmt = tx.prepare("SELECT id, code, due FROM requests WHERE state <> 'closed' ORDER BY id")?;
    let open: Vec<(i64, String, Option<String>)> =
        stmt.query_map(params![], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    let mut changes = Vec::new();
    for (id, code, old) in open {
        let (_, stored) = load(tx, &code)?;
        if matches!(stored.request.state(), State::Closed { .. }) {
            continue;
        }
        let new = stored.request.due(cal).ok().flatten();
        let old = old.as_deref().map(date).transpose()?;
        if new == old {
            continue;
        }
        let new_text = new.map(|d| d.to_string());
        crate::requests::write_derived(tx, id, &crate::requests::derived(&stored.request, cal))?;
        tx.execute(
            "INSERT INTO due_changes (request_id, year, before, after) VALUES (?1, ?2, ?3, ?4)",
            params![id, year, old.map(|d| d.to_string()), new_text],
        )?;
        tx.execute(
            "INSERT INTO audit (actor, action, request_id, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                actor,
                format!("载入 {year} 年节假日安排，重新计算答复期限"),
                id,
                old.map_or("—".into(), |d| d.to_string()),
                new.map_or("—".into(), |d| d.to_string())
            ],
        )?;
        changes.push(DueChange { code, year, before: old, after: new, at: String::new() });
    }
    Ok(changes)
}

/// The due dates moved by each year's latest load, of requests still not closed.
pub(crate) fn due_changes(conn: &Sql) -> Result<Vec<DueChange>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT r.code, c.year, c.before, c.after, c.at FROM due_changes c JOIN requests r ON r.id = c.request_id \
         JOIN calendar_years y ON y.year = c.year WHERE r.state <> 'closed' AND c.at >= y.saved_at AND {} ORDER BY c.id",
        conn.scope.visible("r.agency_id")
    ))?;
    let rows = stmt.query_map(params![], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, year, before, after, at) = row?;
        out.push(DueChange {
            code,
            year,
            before: before.as_deref().map(date).transpose()?,
            after: after.as_deref().map(date).transpose()?,
            at,
        });
    }
    Ok(out)
}
