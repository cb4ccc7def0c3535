//! The records a year's report is drafted from, beside the request register:
//! 规章 and 行政规范性文件 with their dates, the year's 第二十条 figures,
//! 行政复议/行政诉讼 cases, the editable section texts, and agency settings.
//! SQLite statements for the [`crate::Store`] methods; every change is audited.

use std::collections::BTreeMap;

use crate::sql::{params, OptionalExtension, Sql};
use ogi_rules::annual::{self, Art20Figures, Case, CaseKind, CaseResult, Document, DocumentKind, EditableSection};
use ogi_rules::Date;
use ogi_vocab::Number;

use crate::{audit, corrupt, date, StoreError};

/// The schema of the records (migration 3).
pub(crate) const MIGRATION: &str = "
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    number TEXT NOT NULL DEFAULT '',
    issued TEXT NOT NULL,
    repealed TEXT
);
CREATE TABLE art20 (
    year INTEGER PRIMARY KEY,
    licensing INTEGER NOT NULL,
    penalty INTEGER NOT NULL,
    enforcement INTEGER NOT NULL,
    fees_wan TEXT NOT NULL
);
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    received TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    decided TEXT,
    result TEXT
);
CREATE TABLE section_texts (
    year INTEGER NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (year, section)
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// The setting that names the agency in the report's title and in letters.
pub const AGENCY_NAME: &str = "agency.name";

fn describe_document(d: &Document) -> String {
    let repealed = d.repealed.map_or(String::new(), |r| format!("，{r} 废止"));
    format!("{}《{}》{}，{} 印发{repealed}", d.kind.label(), d.title, d.number, d.issued)
}

fn describe_case(c: &Case) -> String {
    let decided = c.decided.map_or("尚未审结".to_string(), |(on, r)| format!("{on} 审结：{}", r.label()));
    format!("{}，{} 收到，{decided}", c.kind.label(), c.received)
}

fn invalid(m: impl Into<String>) -> StoreError {
    StoreError::Invalid(m.into())
}

/// The record's rules live in `ogi_rules::annual`; the first one broken refuses it.
fn check(problems: Vec<(&'static str, &'static str)>) -> Result<(), StoreError> {
    match problems.first() {
        Some((_, m)) => Err(invalid(*m)),
        None => Ok(()),
    }
}

/// The agency whose records the scope keeps (its own), if it may change them.
fn own(tx: &Sql) -> Result<i64, StoreError> {
    let agency = tx.scope.agency_id();
    if !tx.scope.may_write(agency) {
        return Err(StoreError::Forbidden("无权修改本机关的记录".into()));
    }
    Ok(agency)
}

pub(crate) fn add_document(tx: &Sql, d: &Document, actor: &str) -> Result<i64, StoreError> {
    check(d.problems())?;
    let id = tx.insert(
        "INSERT INTO documents (kind, title, number, issued, repealed, agency_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            d.kind.key(),
            d.title.trim(),
            d.number.trim(),
            d.issued.to_string(),
            d.repealed.map(|r| r.to_string()),
            own(tx)?
        ],
    )?;
    audit(tx, actor, format!("登记文件 #{id}"), None, Some(describe_document(d)))?;
    Ok(id)
}

pub(crate) fn repeal_document(tx: &Sql, id: i64, on: Date, actor: &str) -> Result<(), StoreError> {
    own(tx)?;
    let mut d = document(tx, id)?;
    let before = describe_document(&d);
    if d.repealed.is_some() {
        return Err(invalid(format!("文件 #{id} 已于 {} 废止", d.repealed.map(|r| r.to_string()).unwrap_or_default())));
    }
    d.repealed = Some(on);
    check(d.problems())?;
    tx.execute("UPDATE documents SET repealed = ?1 WHERE id = ?2", params![on.to_string(), id])?;
    audit(tx, actor, format!("废止文件 #{id}"), Some(before), Some(describe_document(&d)))
}

fn document_row(r: &crate::sql::Row) -> crate::sql::Result<(i64, String, String, String, String, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn to_document(row: (i64, String, String, String, String, Option<String>)) -> Result<(i64, Document), StoreError> {
    let (id, kind, title, number, issued, repealed) = row;
    let kind = DocumentKind::parse(&kind).ok_or_else(|| corrupt("文件类型", &kind))?;
    Ok((
        id,
        Document { kind, title, number, issued: date(&issued)?, repealed: repealed.as_deref().map(date).transpose()? },
    ))
}

fn document(conn: &Sql, id: i64) -> Result<Document, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, kind, title, number, issued, repealed FROM documents WHERE id = ?1 AND agency_id = ?2",
            params![id, conn.scope.agency_id()],
            document_row,
        )
        .optional()?
        .ok_or(StoreError::NoRecord { what: "文件", id })?;
    to_document(row).map(|(_, d)| d)
}

pub(crate) fn documents(conn: &Sql) -> Result<Vec<(i64, Document)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, title, number, issued, repealed FROM documents WHERE agency_id = ?1 ORDER BY issued, id",
    )?;
    let rows = stmt.query_map(params![conn.scope.agency_id()], document_row)?;
    rows.map(|r| to_document(r?)).collect()
}

pub(crate) fn set_art20(tx: &Sql, year: i16, f: &Art20Figures, actor: &str) -> Result<(), StoreError> {
    if f.fees_wan.is_negative() {
        return Err(invalid("收费金额不能为负数"));
    }
    let show = |f: &Art20Figures| {
        format!("许可 {}，处罚 {}，强制 {}，收费 {} 万元", f.licensing, f.penalty, f.enforcement, f.fees_wan)
    };
    let agency = own(tx)?;
    let before = art20(tx, year)?.map(|f| show(&f));
    let n = |v: u64| i64::try_from(v).map_err(|_| invalid("数量过大"));
    tx.execute(
        "INSERT INTO art20 (agency_id, year, licensing, penalty, enforcement, fees_wan) VALUES (?6, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(agency_id, year) DO UPDATE SET licensing = ?2, penalty = ?3, enforcement = ?4, fees_wan = ?5",
        params![year, n(f.licensing)?, n(f.penalty)?, n(f.enforcement)?, f.fees_wan.to_string(), agency],
    )?;
    audit(tx, actor, format!("登记 {year} 年第二十条数据"), before, Some(show(f)))
}

pub(crate) fn art20(conn: &Sql, year: i16) -> Result<Option<Art20Figures>, StoreError> {
    let row = conn
        .query_row(
            "SELECT licensing, penalty, enforcement, fees_wan FROM art20 WHERE agency_id = ?1 AND year = ?2",
            params![conn.scope.agency_id(), year],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?)),
        )
        .optional()?;
    let Some((licensing, penalty, enforcement, fees)) = row else { return Ok(None) };
    let count = |v: i64| u64::try_from(v).map_err(|_| corrupt("第二十条数据", &v.to_string()));
    Ok(Some(Art20Figures {
        licensing: count(licensing)?,
        penalty: count(penalty)?,
        enforcement: count(enforcement)?,
        fees_wan: fees.parse::<Number>().map_err(|_| corrupt("收费金额", &fees))?,
    }))
}

pub(crate) fn add_case(tx: &Sql, c: &Case, actor: &str) -> Result<i64, StoreError> {
    check(c.problems())?;
    let (decided, result) = c.decided.map_or((None, None), |(on, r)| (Some(on.to_string()), Some(r.key())));
    let id = tx.insert(
        "INSERT INTO cases (kind, received, summary, decided, result, agency_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![c.kind.key(), c.received.to_string(), c.summary.trim(), decided, result, own(tx)?],
    )?;
    audit(tx, actor, format!("登记复议诉讼案件 #{id}"), None, Some(describe_case(c)))?;
    Ok(id)
}

pub(crate) fn decide_case(tx: &Sql, id: i64, on: Date, result: CaseResult, actor: &str) -> Result<(), StoreError> {
    own(tx)?;
    let mut c = case(tx, id)?;
    if let Some((d, r)) = c.decided {
        return Err(invalid(format!("案件 #{id} 已于 {d} 审结（{}）", r.label())));
    }
    let before = describe_case(&c);
    c.decided = Some((on, result));
    check(c.problems())?;
    tx.execute("UPDATE cases SET decided = ?1, result = ?2 WHERE id = ?3", params![on.to_string(), result.key(), id])?;
    audit(tx, actor, format!("案件 #{id} 审结"), Some(before), Some(describe_case(&c)))
}

type CaseRow = (i64, String, String, String, Option<String>, Option<String>);

fn case_row(r: &crate::sql::Row) -> crate::sql::Result<CaseRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn to_case(row: CaseRow) -> Result<(i64, Case), StoreError> {
    let (id, kind, received, summary, decided, result) = row;
    let kind = CaseKind::parse(&kind).ok_or_else(|| corrupt("案件类型", &kind))?;
    let decided = match (decided, result) {
        (Some(on), Some(r)) => Some((date(&on)?, CaseResult::parse(&r).ok_or_else(|| corrupt("审结结果", &r))?)),
        (None, None) => None,
        _ => return Err(corrupt("案件", &id.to_string())),
    };
    Ok((id, Case { kind, received: date(&received)?, summary, decided }))
}

fn case(conn: &Sql, id: i64) -> Result<Case, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, kind, received, summary, decided, result FROM cases WHERE id = ?1 AND agency_id = ?2",
            params![id, conn.scope.agency_id()],
            case_row,
        )
        .optional()?
        .ok_or(StoreError::NoRecord { what: "案件", id })?;
    to_case(row).map(|(_, c)| c)
}

pub(crate) fn cases(conn: &Sql) -> Result<Vec<(i64, Case)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, received, summary, decided, result FROM cases WHERE agency_id = ?1 ORDER BY received, id",
    )?;
    let rows = stmt.query_map(params![conn.scope.agency_id()], case_row)?;
    rows.map(|r| to_case(r?)).collect()
}

pub(crate) fn set_text(
    tx: &Sql,
    year: i16,
    section: EditableSection,
    text: &str,
    actor: &str,
) -> Result<(), StoreError> {
    annual::validate_text(section, text).map_err(|e| invalid(e.to_string()))?;
    let agency = own(tx)?;
    let before = texts(tx, year)?.remove(&section);
    tx.execute(
        "INSERT INTO section_texts (agency_id, year, section, text) VALUES (?4, ?1, ?2, ?3)
         ON CONFLICT(agency_id, year, section) DO UPDATE SET text = ?3",
        params![year, section.key(), text, agency],
    )?;
    audit(tx, actor, format!("修改 {year} 年报告“{}”", section.label()), before, Some(text.to_string()))
}

pub(crate) fn texts(conn: &Sql, year: i16) -> Result<BTreeMap<EditableSection, String>, StoreError> {
    let mut stmt = conn.prepare("SELECT section, text FROM section_texts WHERE agency_id = ?1 AND year = ?2")?;
    let rows = stmt
        .query_map(params![conn.scope.agency_id(), year], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (key, text) = row?;
        out.insert(EditableSection::parse(&key).ok_or_else(|| corrupt("报告章节", &key))?, text);
    }
    Ok(out)
}

pub(crate) fn set_setting(tx: &Sql, key: &str, value: &str, actor: &str) -> Result<(), StoreError> {
    let agency = own(tx)?;
    let before = setting(tx, key)?;
    tx.execute(
        "INSERT INTO settings (agency_id, key, value) VALUES (?3, ?1, ?2) ON CONFLICT(agency_id, key) DO UPDATE SET value = ?2",
        params![key, value, agency],
    )?;
    // The agency's name is also the tree's (lists, the report's title).
    if key == AGENCY_NAME && !value.trim().is_empty() {
        tx.execute("UPDATE agencies SET name = ?1 WHERE id = ?2", params![value.trim(), agency])?;
    }
    audit(tx, actor, format!("设置 {key}"), before, Some(value.to_string()))
}

pub(crate) fn setting(conn: &Sql, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE agency_id = ?1 AND key = ?2",
            params![conn.scope.agency_id(), key],
            |r| r.get(0),
        )
        .optional()?)
}

/// Codes of the requests with a fee paid in `year` (the only ones whose
/// events the 信息处理费 total needs).
pub(crate) fn fee_payers(conn: &Sql, year: i16) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT r.code FROM events e JOIN requests r ON r.id = e.request_id
         WHERE e.kind = 'fee_paid' AND e.on_date BETWEEN ?1 AND ?2 AND r.agency_id = ?3",
    )?;
    let rows = stmt
        .query_map(params![format!("{year:04}-01-01"), format!("{year:04}-12-31"), conn.scope.agency_id()], |r| {
            r.get(0)
        })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
