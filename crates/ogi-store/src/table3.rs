//! Table 三 of a year as one query over the register: each request made to
//! the scope's own agency counted by its applicant column and, once closed
//! in the year, its outcome.
//!
//! On SQLite the last table computed is kept per connection until the
//! database changes (the workbench shows it on every load of 工作台; found
//! by its load test, ogi-web/benches/load.rs). PostgreSQL has no cheap
//! "has anything changed" counter, so there it is computed each time.

use std::collections::BTreeMap;

use ogi_vocab::cells::{ApplicantColumn, CellKey, T3Row, Template};
use ogi_vocab::Number;

use crate::sql::{params, Sql};
use crate::{corrupt, parse_outcome, Database, StoreError};

/// A computed table 三 and the state of the database it was computed from.
pub(crate) struct Table3Cache {
    agency: i64,
    year: i16,
    template: Template,
    /// (`PRAGMA data_version`, `total_changes()`): the first changes when
    /// another connection commits, the second when this one writes.
    version: (i64, i64),
    cells: BTreeMap<CellKey, Number>,
}

/// Table 三 from the cache while the database is unchanged, else computed.
pub(crate) fn cached(db: &Database, year: i16, template: Template) -> Result<BTreeMap<CellKey, Number>, StoreError> {
    let sql = db.sql();
    let Some(conn) = sql.as_sqlite() else {
        return compute(&sql, year, template);
    };
    // Read before computing: a commit in between makes the next call recompute.
    let version: (i64, i64) =
        conn.query_row("SELECT (SELECT data_version FROM pragma_data_version), total_changes()", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if let Some(c) = db.table3_cache.borrow().as_ref() {
        if c.agency == db.scope.agency_id() && c.year == year && c.template == template && c.version == version {
            return Ok(c.cells.clone());
        }
    }
    let cells = compute(&sql, year, template)?;
    let agency = db.scope.agency_id();
    *db.table3_cache.borrow_mut() = Some(Table3Cache { agency, year, template, version, cells: cells.clone() });
    Ok(cells)
}

pub(crate) fn compute(sql: &Sql, year: i16, template: Template) -> Result<BTreeMap<CellKey, Number>, StoreError> {
    let (start, end) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
    let mut counts: BTreeMap<(T3Row, ApplicantColumn), i64> = BTreeMap::new();
    // One pass over the requests that matter for Y: received by its end and
    // not closed before its start (on SQLite from the covering index alone).
    let index = if sql.is_postgres() { "" } else { "INDEXED BY requests_agency_t3" };
    let rows = sql.query_map(
        &format!(
            "SELECT applicant, outcome,
                    SUM(CASE WHEN received >= ?1 THEN 1 ELSE 0 END),
                    SUM(CASE WHEN received < ?1 THEN 1 ELSE 0 END),
                    SUM(CASE WHEN closed_on IS NOT NULL AND closed_on <= ?2 THEN 1 ELSE 0 END),
                    SUM(CASE WHEN closed_on IS NULL OR closed_on > ?2 THEN 1 ELSE 0 END)
             FROM requests {index}
             WHERE agency_id = ?3 AND received <= ?2 AND (closed_on IS NULL OR closed_on >= ?1)
             GROUP BY applicant, outcome"
        ),
        params![start, end, sql.scope.agency_id()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        },
    )?;
    for (applicant, outcome, new, carried, closed, forward) in rows {
        let a = ApplicantColumn::from_key(&applicant).ok_or_else(|| corrupt("申请人类型", &applicant))?;
        *counts.entry((T3Row::New, a)).or_default() += new;
        *counts.entry((T3Row::CarriedOver, a)).or_default() += carried;
        *counts.entry((T3Row::CarryForward, a)).or_default() += forward;
        if closed > 0 {
            let o = parse_outcome(outcome.as_deref().unwrap_or_default())?;
            *counts.entry((T3Row::Outcome(o), a)).or_default() += closed;
        }
    }
    Ok(ogi_rules::table3::cells(&counts, template))
}
