//! Copying a whole register from one database into an empty one: an
//! agency's SQLite file into a shared PostgreSQL deployment (`ogi migrate`).
//! Every table row by row in one transaction on the target, the identity
//! counters moved past the copied ids, the search index rebuilt, and the
//! row counts of every table compared afterwards.

use crate::sql::{params, OptionalExtension, Sql, Value};
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
    "applicant_messages",
    "application_files",
    "delivered_letters",
    "delivered_files",
    "notifications",
    "code_counters",
    "intake_batches",
    "report_versions",
    "intake_files",
    "finding_reviews",
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

/// A SQLite table's columns and all its rows.
fn table_rows(from: &Sql, table: &str) -> Result<(Vec<String>, Vec<Vec<Value>>), StoreError> {
    let cols = columns(from, table)?;
    let n = cols.len();
    let rows = from.query_map(&format!("SELECT {} FROM {table}", cols.join(", ")), params![], |r| {
        (0..n).map(|i| r.get::<_, Value>(i)).collect()
    })?;
    Ok((cols, rows))
}

/// `INSERT INTO table (cols…) VALUES (?1, …)`.
fn insert_sql<S: AsRef<str>>(table: &str, cols: &[S]) -> String {
    let list: Vec<&str> = cols.iter().map(AsRef::as_ref).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", list.join(", "), marks.join(", "))
}

/// Indexes for search the target's requests (of `agency`, or all).
fn reindex(to: &Sql, agency: Option<i64>) -> Result<(), StoreError> {
    let filter = agency.map_or(String::new(), |a| format!(" WHERE agency_id = {a}"));
    let requests: Vec<(i64, i64, String, String, String, String)> = to.query_map(
        &format!("SELECT id, agency_id, code, applicant_name, contact, summary FROM requests{filter}"),
        params![],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )?;
    let rows: Vec<(i64, i64, String)> = requests
        .into_iter()
        .map(|(id, agency, code, name, contact, summary)| {
            (id, agency, crate::search::grams(&[&code, &name, &contact, &summary]))
        })
        .collect();
    crate::search::index_many(to, &rows)
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
        let (cols, rows) = table_rows(from, table)?;
        let insert = insert_sql(table, &cols);
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
    reindex(to, None)?;
    for (table, n) in &counts {
        let (there, here) = (count(from, table)?, count(to, table)?);
        if there != *n || here != *n {
            return Err(StoreError::Invalid(format!("复制后 {table} 的行数不符：源 {there}，目标 {here}")));
        }
    }
    Ok(counts)
}

/// What `copy_as_agency` leaves behind: sign-ins, API tokens and failed-login
/// counts (the people sign in to the shared deployment anew), and the
/// calendar (the deployment has its own).
pub const NOT_MERGED: &[&str] = &["sessions", "api_tokens", "login_failures", "calendar_years", "due_changes"];

/// Copies a one-agency SQLite register into a shared deployment that holds
/// other agencies already, as a new agency `code` below `parent`: every row
/// gets a new id in the target, and each reference follows it. Tracking codes
/// and user names are kept as they are (applicants and clerks know them): one
/// already taken in the target refuses the whole copy, naming it. Runs inside
/// the target's write transaction, so a refusal leaves it unchanged.
pub(crate) fn copy_as_agency(from: &Sql, to: &Sql, code: &str, parent: &str) -> Result<CopyCounts, StoreError> {
    use std::collections::HashMap;
    if from.is_postgres() {
        return Err(StoreError::Invalid("只能从 SQLite 登记簿复制".into()));
    }
    ogi_rules::agency::check_code(code).map_err(StoreError::Invalid)?;
    if count(from, "agencies")? != 1 {
        return Err(StoreError::Invalid("源登记簿含有多个机关：只能并入只有一个机关的登记簿".into()));
    }
    let (name, kind, pattern): (String, String, String) =
        from.query_row("SELECT name, kind, code_pattern FROM agencies", params![], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let parent_id: Option<i64> =
        to.query_row("SELECT id FROM agencies WHERE code = ?1", params![parent], |r| r.get(0)).optional()?;
    let parent_id = parent_id.ok_or_else(|| StoreError::Invalid(format!("目标中没有代码为 {parent} 的上级机关")))?;
    let taken: Option<i64> =
        to.query_row("SELECT id FROM agencies WHERE code = ?1", params![code], |r| r.get(0)).optional()?;
    if taken.is_some() {
        return Err(StoreError::Duplicate(format!("目标中已有代码为 {code} 的机关")));
    }
    for (what, table, col) in [("申请编号", "requests", "code"), ("用户名", "users", "username")] {
        let mine: Vec<String> = from.query_map(&format!("SELECT {col} FROM {table}"), params![], |r| r.get(0))?;
        let mut clashes = Vec::new();
        for chunk in mine.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            let values: Vec<Value> = chunk.iter().map(|c| Value::Text(c.clone())).collect();
            let found: Vec<String> = to.query_map(
                &format!("SELECT {col} FROM {table} WHERE {col} IN ({})", marks.join(", ")),
                values,
                |r| r.get(0),
            )?;
            clashes.extend(found);
        }
        if !clashes.is_empty() {
            let shown: Vec<&str> = clashes.iter().take(5).map(String::as_str).collect();
            return Err(StoreError::Duplicate(format!(
                "{what}在目标数据库中已被使用（共 {} 个，如 {}），未复制",
                clashes.len(),
                shown.join("、")
            )));
        }
    }
    // The agency keeps its pattern unless another agency there uses it too
    // (their new codes would collide): then its new codes name it.
    let shared: Option<i64> =
        to.query_row("SELECT id FROM agencies WHERE code_pattern = ?1", params![pattern], |r| r.get(0)).optional()?;
    let pattern = match ogi_rules::agency::CodePattern::parse(&pattern) {
        Ok(p) if p.names_agency() || shared.is_none() => p.as_str().to_string(),
        _ => ogi_rules::agency::CodePattern::DEFAULT_BELOW.to_string(),
    };
    let agency = to.insert(
        "INSERT INTO agencies (code, name, kind, parent_id, code_pattern) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![code, name, kind, parent_id, pattern],
    )?;
    crate::agency::refresh_paths(to)?;
    // (table, the map its new ids go into, the references it carries).
    type Refs = &'static [(&'static str, &'static str)];
    const PLAN: &[(&str, Option<&str>, Refs)] = &[
        ("requests", Some("requests"), &[]),
        ("events", None, &[("request_id", "requests")]),
        ("audit", Some("audit"), &[("request_id", "requests")]),
        ("documents", Some("documents"), &[]),
        ("art20", None, &[]),
        ("cases", Some("cases"), &[]),
        ("section_texts", None, &[]),
        ("settings", None, &[]),
        ("users", Some("users"), &[]),
        ("letter_templates", None, &[]),
        ("applications", Some("applications"), &[("request_id", "requests")]),
        ("applicant_messages", Some("applicant_messages"), &[("request_id", "requests")]),
        (
            "application_files",
            Some("application_files"),
            &[("application_id", "applications"), ("message_id", "applicant_messages")],
        ),
        ("delivered_letters", Some("delivered_letters"), &[("request_id", "requests")]),
        ("delivered_files", Some("delivered_files"), &[("letter_id", "delivered_letters")]),
        ("code_counters", None, &[]),
        ("intake_batches", Some("intake_batches"), &[]),
        ("report_versions", Some("report_versions"), &[("batch_id", "intake_batches")]),
        ("intake_files", Some("intake_files"), &[("batch_id", "intake_batches"), ("version_id", "report_versions")]),
        ("finding_reviews", Some("finding_reviews"), &[]),
        // `notifications` stays behind: the queue of the deployment that sent them.
    ];
    let mut maps: HashMap<&str, HashMap<i64, i64>> = HashMap::new();
    let mut counts = Vec::new();
    for (table, keyed, refs) in PLAN {
        let (cols, rows) = table_rows(from, table)?;
        // A keyed table's rows get new ids in the target (the old id is kept to map).
        let id_at = cols.iter().position(|c| c == "id").filter(|_| keyed.is_some());
        let kept: Vec<&String> = cols.iter().enumerate().filter(|(i, _)| Some(*i) != id_at).map(|(_, c)| c).collect();
        let insert = insert_sql(table, &kept);
        let mut new_ids = HashMap::new();
        for row in &rows {
            let mut values = Vec::with_capacity(kept.len());
            for (i, (c, v)) in cols.iter().zip(row).enumerate() {
                if Some(i) == id_at {
                    continue;
                }
                let v =
                    if c == "agency_id" {
                        Value::Int(agency)
                    } else if let Some((_, target)) = refs.iter().find(|(col, _)| col == c) {
                        match v {
                            Value::Int(old) => Value::Int(*maps[target].get(old).ok_or_else(|| {
                                StoreError::Corrupt(format!("{table}.{c} 指向不存在的 {target} #{old}"))
                            })?),
                            other => other.clone(),
                        }
                    } else {
                        v.clone()
                    };
                values.push(v);
            }
            match id_at {
                Some(i) => {
                    let new = to.insert(&insert, values)?;
                    if let Value::Int(old) = row[i] {
                        new_ids.insert(old, new);
                    }
                }
                None => {
                    to.execute(&insert, values)?;
                }
            }
        }
        if let Some(name) = keyed {
            maps.insert(name, new_ids);
        }
        counts.push((*table, rows.len() as u64));
    }
    reindex(to, Some(agency))?;
    // Counted again on both sides: the agency's rows in the target.
    for (table, sql) in [
        ("requests", "SELECT COUNT(*) FROM requests WHERE agency_id = ?1"),
        ("events", "SELECT COUNT(*) FROM events e JOIN requests r ON r.id = e.request_id WHERE r.agency_id = ?1"),
        ("users", "SELECT COUNT(*) FROM users WHERE agency_id = ?1"),
        ("documents", "SELECT COUNT(*) FROM documents WHERE agency_id = ?1"),
        ("cases", "SELECT COUNT(*) FROM cases WHERE agency_id = ?1"),
    ] {
        let here: u64 = to.query_row(sql, params![agency], |r| r.get(0))?;
        let there = count(from, table)?;
        if here != there {
            return Err(StoreError::Invalid(format!("复制后 {table} 的行数不符：源 {there}，目标 {here}")));
        }
    }
    Ok(counts)
}
