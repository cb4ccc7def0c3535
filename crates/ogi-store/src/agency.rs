//! The agencies of a deployment, as a tree: created by CSV import
//! (`code,name,parent,kind`) and listed root first. Migration 11 makes the
//! register's existing data the first agency's (`ROOT_AGENCY`), named after
//! the agency name already set.

use std::collections::{BTreeMap, BTreeSet};

use ogi_rules::agency::{check_code, check_name, AgencyKind, CodePattern};

use crate::sql::{params, OptionalExtension, Sql};
use crate::{audit, StoreError};

pub(crate) const MIGRATION: &str = "
CREATE TABLE agencies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES agencies(id),
    code_pattern TEXT NOT NULL DEFAULT 'YSQ{year}-{seq:06}'
);
CREATE INDEX agencies_parent ON agencies(parent_id);
INSERT INTO agencies (code, name, kind) VALUES ('root', '本机关', 'government');
UPDATE agencies SET name = (SELECT value FROM settings WHERE key = 'agency.name')
    WHERE code = 'root' AND EXISTS (SELECT 1 FROM settings WHERE key = 'agency.name' AND value <> '');
ALTER TABLE requests ADD COLUMN agency_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX requests_agency ON requests(agency_id, received);
";

/// Migration 12: every record, account, letter template, online
/// application and audit line belongs to an agency (the root's, for what was
/// stored before), and each agency knows its path from the root, by which a
/// supervisor's scope reads below (`scope.rs`). Tables keyed by year or name
/// are rebuilt with the agency in their key.
pub(crate) const SCOPE_MIGRATION: &str = "
ALTER TABLE agencies ADD COLUMN path TEXT NOT NULL DEFAULT '';
CREATE INDEX agencies_path ON agencies(path);
ALTER TABLE users ADD COLUMN agency_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX users_agency ON users(agency_id);
ALTER TABLE documents ADD COLUMN agency_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX documents_agency ON documents(agency_id, id);
ALTER TABLE cases ADD COLUMN agency_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX cases_agency ON cases(agency_id, id);
ALTER TABLE applications ADD COLUMN agency_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit ADD COLUMN agency_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_agency ON audit(agency_id, id);
CREATE TABLE art20_v12 (
    agency_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    licensing INTEGER NOT NULL,
    penalty INTEGER NOT NULL,
    enforcement INTEGER NOT NULL,
    fees_wan TEXT NOT NULL,
    PRIMARY KEY (agency_id, year)
);
INSERT INTO art20_v12 SELECT 1, year, licensing, penalty, enforcement, fees_wan FROM art20;
DROP TABLE art20;
ALTER TABLE art20_v12 RENAME TO art20;
CREATE TABLE section_texts_v12 (
    agency_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (agency_id, year, section)
);
INSERT INTO section_texts_v12 SELECT 1, year, section, text FROM section_texts;
DROP TABLE section_texts;
ALTER TABLE section_texts_v12 RENAME TO section_texts;
CREATE TABLE settings_v12 (
    agency_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (agency_id, key)
);
INSERT INTO settings_v12 SELECT 1, key, value FROM settings;
DROP TABLE settings;
ALTER TABLE settings_v12 RENAME TO settings;
CREATE TABLE letter_templates_v12 (
    agency_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (agency_id, kind)
);
INSERT INTO letter_templates_v12 SELECT 1, kind, text FROM letter_templates;
DROP TABLE letter_templates;
ALTER TABLE letter_templates_v12 RENAME TO letter_templates;
DROP INDEX requests_agency;
CREATE INDEX requests_agency_t3 ON requests(agency_id, received, closed_on, outcome, applicant);
CREATE INDEX requests_agency_state ON requests(agency_id, state, due);
CREATE INDEX requests_agency_list ON requests(agency_id, received DESC, id DESC);
";

/// An agency as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    /// The parent's code (`None`: a root of the tree).
    pub parent: Option<String>,
    pub code_pattern: CodePattern,
    /// How far below its root (0 for a root).
    pub depth: usize,
    /// Ids from the root down, `/1/5/` (what a scope reads below by).
    pub path: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyImport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// One line of an import file, checked.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    code: String,
    name: String,
    parent: Option<String>,
    kind: AgencyKind,
}

/// Reads `code,name,parent,kind` (a header line, UTF-8 with or without a
/// BOM). Every bad line is named; nothing is returned unless all are good.
fn parse_csv(bytes: &[u8]) -> Result<Vec<Line>, StoreError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| StoreError::Invalid(format!("无法读取表头：{e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(c_code), Some(c_name), Some(c_parent), Some(c_kind)) =
        (column("code"), column("name"), column("parent"), column("kind"))
    else {
        return Err(StoreError::Invalid(format!("表头须为 code,name,parent,kind，实为 {}", header.join(","))));
    };
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, record) in reader.records().enumerate() {
        let number = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("第 {number} 行：{e}"));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |c: usize| record.get(c).unwrap_or("").to_string();
        let (code, name, parent, kind) = (field(c_code), field(c_name), field(c_parent), field(c_kind));
        let mut bad = |m: String| problems.push(format!("第 {number} 行：{m}"));
        if let Err(m) = check_code(&code) {
            bad(m);
            continue;
        }
        if !seen.insert(code.clone()) {
            bad(format!("机关代码 {code} 重复"));
            continue;
        }
        if let Err(m) = check_name(&name) {
            bad(m);
            continue;
        }
        let Some(kind) = AgencyKind::from_key(&kind) else {
            bad(format!("类型“{kind}”无法识别（可用 government、department、town、street、other）"));
            continue;
        };
        if parent == code {
            bad(format!("{code} 不能是自己的上级"));
            continue;
        }
        let parent = (!parent.is_empty()).then_some(parent);
        lines.push(Line { number, code, name, parent, kind });
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.join("\n")));
    }
    Ok(lines)
}

/// Imports a file of agencies in one transaction: new codes are created,
/// known ones get the file's name, kind and parent. A parent may come later
/// in the file or exist already; a loop or an unknown parent refuses the
/// whole file.
pub(crate) fn import(tx: &Sql, bytes: &[u8], actor: &str) -> Result<AgencyImport, StoreError> {
    let lines = parse_csv(bytes)?;
    // Below the operator, a file may only add or change agencies under the
    // caller's own (never its own, a sibling or a parent).
    if tx.scope.reach() != crate::Reach::Everything {
        let visible: BTreeMap<String, Agency> = all(tx)?.into_iter().map(|a| (a.code.clone(), a)).collect();
        let own = tx.scope.agency_id();
        let taken: BTreeSet<String> =
            tx.query_map("SELECT code FROM agencies", params![], |r| r.get(0))?.into_iter().collect();
        let in_file: BTreeSet<&str> = lines.iter().map(|l| l.code.as_str()).collect();
        let mut problems = Vec::new();
        for l in &lines {
            let parent_ok = l.parent.as_deref().is_some_and(|p| visible.contains_key(p) || in_file.contains(p));
            let code_ok = match visible.get(&l.code) {
                Some(a) => a.id != own,
                None => !taken.contains(&l.code),
            };
            if !parent_ok || !code_ok {
                problems.push(format!("第 {} 行：只能新建或修改本机关下级的机关（{}）", l.number, l.code));
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Forbidden(problems.join("\n")));
        }
    }
    let mut ids: BTreeMap<String, i64> =
        tx.query_map("SELECT code, id FROM agencies", params![], |r| Ok((r.get(0)?, r.get(1)?)))?.into_iter().collect();
    let mut parent_of: BTreeMap<String, Option<String>> = all(tx)?.into_iter().map(|a| (a.code, a.parent)).collect();
    for l in &lines {
        parent_of.insert(l.code.clone(), l.parent.clone());
    }
    let mut problems = Vec::new();
    for l in &lines {
        if let Some(p) = &l.parent {
            if !parent_of.contains_key(p) {
                problems.push(format!("第 {} 行：上级机关 {p} 不存在", l.number));
                continue;
            }
        }
        // Up the chain from this line: reaching it again is a loop.
        let (mut at, mut steps) = (l.parent.clone(), 0);
        while let Some(p) = at {
            if p == l.code || steps > parent_of.len() {
                problems.push(format!("第 {} 行：{} 的上级关系构成循环", l.number, l.code));
                break;
            }
            at = parent_of.get(&p).cloned().flatten();
            steps += 1;
        }
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.join("\n")));
    }
    let mut summary = AgencyImport::default();
    let before: BTreeMap<String, (String, String, Option<i64>)> = tx
        .query_map("SELECT code, name, kind, parent_id FROM agencies", params![], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
        })?
        .into_iter()
        .collect();
    // Create every new code first (no parent yet), then set every line's
    // fields: parents may come in any order.
    for l in &lines {
        if ids.contains_key(&l.code) {
            continue;
        }
        let id = tx.insert(
            "INSERT INTO agencies (code, name, kind, code_pattern) VALUES (?1, ?2, ?3, ?4)",
            params![l.code, l.name, l.kind.key(), CodePattern::DEFAULT_BELOW],
        )?;
        ids.insert(l.code.clone(), id);
    }
    for l in &lines {
        let parent = l.parent.as_ref().map(|p| ids[p]);
        let now = (l.name.clone(), l.kind.key().to_string(), parent);
        match before.get(&l.code) {
            None => summary.created += 1,
            Some(b) if *b == now => {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => summary.updated += 1,
        }
        tx.execute(
            "UPDATE agencies SET name = ?1, kind = ?2, parent_id = ?3 WHERE code = ?4",
            params![l.name, l.kind.key(), parent, l.code],
        )?;
    }
    refresh_paths(tx)?;
    let total = lines.len();
    audit(
        tx,
        actor,
        "导入机关".into(),
        None,
        Some(format!("新建 {}，更新 {}，共 {total} 行", summary.created, summary.updated)),
    )?;
    Ok(summary)
}

/// Sets every agency's path from the root (after the tree changed; also
/// after migration 12). Only rows whose path changed are written.
pub(crate) fn refresh_paths(tx: &Sql) -> Result<(), StoreError> {
    let tree = tree(tx)?;
    let mut path_of: BTreeMap<String, String> = BTreeMap::new();
    for a in tree {
        let parent = a.parent.as_ref().and_then(|p| path_of.get(p)).cloned().unwrap_or_else(|| "/".into());
        let path = format!("{parent}{}/", a.id);
        if path != a.path {
            tx.execute("UPDATE agencies SET path = ?1 WHERE id = ?2", params![path, a.id])?;
        }
        path_of.insert(a.code, path);
    }
    Ok(())
}

/// The agencies the scope reads, each root followed by its subtree
/// (children by code). Depth counts from the tree's root.
pub(crate) fn all(sql: &Sql) -> Result<Vec<Agency>, StoreError> {
    Ok(tree(sql)?.into_iter().filter(|a| sql.scope.reads(a.id, &a.path)).collect())
}

/// The whole tree for the public directory (names are public).
pub(crate) fn directory(sql: &Sql) -> Result<Vec<Agency>, StoreError> {
    tree(sql)
}

/// The whole tree (not filtered by scope: callers filter).
fn tree(sql: &Sql) -> Result<Vec<Agency>, StoreError> {
    type AgencyRow = (i64, String, String, String, Option<i64>, String, String);
    let rows: Vec<AgencyRow> = sql.query_map(
        "SELECT id, code, name, kind, parent_id, code_pattern, path FROM agencies ORDER BY code",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
    )?;
    let code_of: BTreeMap<i64, String> = rows.iter().map(|r| (r.0, r.1.clone())).collect();
    let mut children: BTreeMap<Option<i64>, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        // A parent that is gone (never, with the foreign key) counts as none.
        let parent = r.4.filter(|p| code_of.contains_key(p));
        children.entry(parent).or_default().push(i);
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut stack: Vec<(usize, usize)> = children.get(&None).into_iter().flatten().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        let (id, code, name, kind, parent, pattern, path) = rows[i].clone();
        out.push(Agency {
            id,
            code,
            name,
            kind: AgencyKind::from_key(&kind).ok_or_else(|| crate::corrupt("机关类型", &kind))?,
            parent: parent.and_then(|p| code_of.get(&p).cloned()),
            code_pattern: CodePattern::parse(&pattern).map_err(|_| crate::corrupt("编号格式", &pattern))?,
            depth,
            path,
        });
        for &c in children.get(&Some(id)).into_iter().flatten().rev() {
            stack.push((c, depth + 1));
        }
    }
    Ok(out)
}

/// Sets an agency's tracking-code pattern. A pattern without `{agency}`
/// that another agency already uses is refused: their codes would collide.
pub(crate) fn set_code_pattern(tx: &Sql, code: &str, pattern: &CodePattern, actor: &str) -> Result<(), StoreError> {
    let before: Option<(i64, String, String)> = tx
        .query_row("SELECT id, code_pattern, path FROM agencies WHERE code = ?1", params![code], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((id, before, _)) = before.filter(|(id, _, path)| tx.scope.reads(*id, path)) else {
        return Err(StoreError::Invalid(format!("没有代码为 {code} 的机关")));
    };
    if !pattern.names_agency() {
        let other: Option<String> = tx
            .query_row(
                "SELECT name FROM agencies WHERE code_pattern = ?1 AND id <> ?2",
                params![pattern.as_str(), id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(other) = other {
            return Err(StoreError::Invalid(format!(
                "{other}已使用编号格式 {}，两个机关的编号会重复：请在格式中加入 {{agency}} 或本机关简称",
                pattern.as_str()
            )));
        }
    }
    tx.execute("UPDATE agencies SET code_pattern = ?1 WHERE id = ?2", params![pattern.as_str(), id])?;
    audit(tx, actor, format!("设置 {code} 的申请编号格式"), Some(before), Some(pattern.as_str().to_string()))
}

/// An agency's code and the pattern of its tracking codes.
pub(crate) fn code_pattern(sql: &Sql, agency: i64) -> Result<(String, CodePattern), StoreError> {
    let p: Option<(String, String)> = sql
        .query_row("SELECT code, code_pattern FROM agencies WHERE id = ?1", params![agency], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match p {
        Some((code, p)) => Ok((code, CodePattern::parse(&p).map_err(|_| crate::corrupt("编号格式", &p))?)),
        None => Err(StoreError::Invalid(format!("没有编号为 {agency} 的机关"))),
    }
}

/// One agency created below `parent` (the admin page's form).
pub(crate) fn create(tx: &Sql, new: &NewAgency, actor: &str) -> Result<Agency, StoreError> {
    check_code(&new.code).map_err(StoreError::Invalid)?;
    check_name(&new.name).map_err(StoreError::Invalid)?;
    let parent: Option<(i64, String)> = tx
        .query_row("SELECT id, path FROM agencies WHERE code = ?1", params![new.parent], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((parent_id, _)) = parent.filter(|(id, path)| tx.scope.reads(*id, path)) else {
        return Err(StoreError::Invalid(format!("没有代码为 {} 的上级机关", new.parent)));
    };
    let taken: Option<i64> =
        tx.query_row("SELECT id FROM agencies WHERE code = ?1", params![new.code], |r| r.get(0)).optional()?;
    if taken.is_some() {
        return Err(StoreError::Duplicate(format!("机关代码 {}", new.code)));
    }
    tx.insert(
        "INSERT INTO agencies (code, name, kind, parent_id, code_pattern) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![new.code, new.name.trim(), new.kind.key(), parent_id, CodePattern::DEFAULT_BELOW],
    )?;
    refresh_paths(tx)?;
    audit(
        tx,
        actor,
        "新建机关".into(),
        None,
        Some(format!("{} {}（上级 {}）", new.code, new.name.trim(), new.parent)),
    )?;
    tree(tx)?.into_iter().find(|a| a.code == new.code).ok_or_else(|| StoreError::Corrupt("新建的机关未找到".into()))
}

/// An agency to create.
#[derive(Debug, Clone)]
pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    /// The parent's code.
    pub parent: String,
}
