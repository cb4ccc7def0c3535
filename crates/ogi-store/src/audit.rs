//! The audit log: who changed what, when, with the state before and after.
//! A change and its audit line are written in one transaction.

use crate::sql::{params, Row, Sql};
use crate::{AuditEntry, StoreError};

/// An audit line for a change that is not about one request (records,
/// accounts, settings), in the change's own transaction, filed under the
/// agency the scope writes for.
pub(crate) fn audit(
    tx: &Sql,
    actor: &str,
    action: String,
    before: Option<String>,
    after: Option<String>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (actor, action, before, after, agency_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![actor, action, before, after, tx.scope.agency_id()],
    )?;
    Ok(())
}

/// The audit lines of the agencies the scope reads.
pub(crate) fn all(sql: &Sql) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sql.query_map(
        &format!(
            "SELECT a.at, a.actor, a.action, r.code, a.before, a.after FROM audit a LEFT JOIN requests r ON r.id = a.request_id WHERE {} ORDER BY a.id",
            sql.scope.visible("a.agency_id")
        ),
        params![],
        audit_row,
    )?)
}

/// A request's audit lines (none if the scope does not read it).
pub(crate) fn of_request(sql: &Sql, code: &str) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sql.query_map(
        &format!(
            "SELECT a.at, a.actor, a.action, r.code, a.before, a.after FROM audit a JOIN requests r ON r.id = a.request_id WHERE r.code = ?1 AND {} ORDER BY a.id",
            sql.scope.visible("r.agency_id")
        ),
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
