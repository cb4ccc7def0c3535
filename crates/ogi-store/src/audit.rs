//! The audit log: who changed what, when, with the state before and after.
//! A change and its audit line are written in one transaction.

use crate::sql::{params, Row, Sql};
use crate::{AuditEntry, StoreError};

/// An audit line for a change that is not about one request (records,
/// accounts, settings), in the change's own transaction.
pub(crate) fn audit(
    tx: &Sql,
    actor: &str,
    action: String,
    before: Option<String>,
    after: Option<String>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (actor, action, before, after) VALUES (?1, ?2, ?3, ?4)",
        params![actor, action, before, after],
    )?;
    Ok(())
}

pub(crate) fn all(sql: &Sql) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sql.query_map(
        "SELECT a.at, a.actor, a.action, r.code, a.before, a.after FROM audit a LEFT JOIN requests r ON r.id = a.request_id ORDER BY a.id",
        params![],
        audit_row,
    )?)
}

pub(crate) fn of_request(sql: &Sql, code: &str) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sql.query_map(
        "SELECT a.at, a.actor, a.action, r.code, a.before, a.after FROM audit a JOIN requests r ON r.id = a.request_id WHERE r.code = ?1 ORDER BY a.id",
        params![code],
        audit_row,
    )?)
}

fn audit_row(r: &Row) -> crate::sql::Result<AuditEntry> {
    Ok(AuditEntry {
        at: r.get(0)?,
        actor: r.get(1)?,
        action: r.get(2)?,
        code: r.get(3)?,
        before: r.get(4)?,
        after: r.get(5)?,
    })
}
