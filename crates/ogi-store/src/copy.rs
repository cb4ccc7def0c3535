//! Copying a whole register from one database into an empty one: an
//! agency's SQLite file into a shared PostgreSQL deployment (`ogi migrate`).
//! Every table row by row in one transaction on the target, the identity
//! counters moved past the copied ids, the search index rebuilt, and the
//! row counts of every table compared afterwards.

use crate::sql::{params, Sql, Value};
use crate::StoreError;

/// The tables, parents before children (foreign keys hold at every row).
const TABLES: &[&str] = &[
    "agencies",
    "requests",
    "events",
    "audit",
    "documents",
    "art20",
    "cases",
    "section_texts",
    "settings",
    "users",
    "sessions",
    "api_tokens",
    "letter_templates",
    "login_failures",
    "calendar_years",
    "due_changes",
    "applications",
    "application_files",
    "applicant_messages",
    "code_counters",
];

/// Rows copied, per table.
pub type CopyCounts = Vec<(&'static str, u64)>;

fn count(sql: &Sql, table: &str) -> Result<u64, StoreError> {
    Ok(sql.query_row(&format!("SELECT COUNT(*) FROM {table}"), params![], |r| r.get(0))?)
}

/// A SQLite table's columns, in order.
fn columns(from: &Sql, table: &str) -> Result<Vec<String>, StoreError> {
    Ok(from.query_map("SELECT name FROM pragma_table_info(?1) ORDER BY cid", params![table], |r| r.get(0))?)
}

/// Copies everything in `from` into `to`, which must hold no request and no
/// user (a database just created). Runs inside `to`'s write transaction.
pub(crate) fn copy(from: &Sql, to: &Sql) -> Result<CopyCounts, StoreError> {
    if from.is_postgres() {
        return Err(StoreError::Invalid("只能从 SQLite 登记簿复制".into()));
    }
    if count(to, "requests")? > 0 || count(to, "users")? > 0 {
        return Err(StoreError::Invalid("目标数据库不是空的（已有申请或用户），不能复制到其中".into()));
    }
    // What a new database starts with (the first agency) comes from the source.
    for table in TABLES.iter().rev() {
        to.execute(&format!("DELETE FROM {table}"), params![])?;
    }
    to.execute("DELETE FROM requests_fts", params![])?;
    let mut counts = Vec::new();
    for table in TABLES {
        let cols = columns(from, table)?;
        let list = cols.join(", ");
        let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
        let insert = format!("INSERT INTO {table} ({list}) VALUES ({})", marks.join(", "));
        let n = cols.len();
        let rows: Vec<Vec<Value>> = from.query_map(&format!("SELECT {list} FROM {table}"), params![], |r| {
            (0..n).map(|i| r.get::<_, Value>(i)).collect()
        })?;
        // An agency's parent may have a higher id than it: parents are set
        // once every agency exists.
        let parent = (*table == "agencies").then(|| cols.iter().position(|c| c == "parent_id")).flatten();
        for row in &rows {
            let mut row = row.clone();
            if let Some(p) = parent {
                row[p] = Value::Null;
            }
            to.execute(&insert, row)?;
        }
        if let Some(p) = parent {
            let id = cols.iter().position(|c| c == "id").expect("agencies have ids");
            for row in rows.iter().filter(|r| r[p] != Value::Null) {
                to.execute("UPDATE agencies SET parent_id = ?1 WHERE id = ?2", vec![row[p].clone(), row[id].clone()])?;
            }
        }
        if cols.iter().any(|c| c == "id") && to.is_postgres() {
            // The next id PostgreSQL hands out comes after the copied ones.
            to.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                ),
                params![],
                |r| r.get::<_, i64>(0),
            )?;
        }
        counts.push((*table, rows.len() as u64));
    }
    let requests: Vec<(i64, String, String, String, String)> =
        to.query_map("SELECT id, code, applicant_name, contact, summary FROM requests", params![], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    for (id, code, name, contact, summary) in requests {
        crate::search::index(to, id, &[&code, &name, &contact, &summary])?;
    }
    for (table, n) in &counts {
        let (there, here) = (count(from, table)?, count(to, table)?);
        if there != *n || here != *n {
            return Err(StoreError::Invalid(format!("复制后 {table} 的行数不符：源 {there}，目标 {here}")));
        }
    }
    Ok(counts)
}
