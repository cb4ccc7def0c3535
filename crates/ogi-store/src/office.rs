//! What the office's workbench needs beyond the register itself: accounts
//! and sessions, edited letter templates, and the register as lists (filtered,
//! paged, searched; the week's due and overdue requests). SQLite statements
//! for the [`crate::Store`] methods.

use std::collections::BTreeMap;

use crate::sql::{params, params_from_iter, OptionalExtension, Sql};
use ogi_rules::request::Channel;
use ogi_rules::Date;
use ogi_vocab::cells::{ApplicantColumn, T3Row};

use crate::{audit, corrupt, date, parse_outcome, StoreError};

/// The schema (migration 4): request columns for lists and search, accounts,
/// sessions, API tokens and letter templates.
pub(crate) const MIGRATION: &str = "
ALTER TABLE requests ADD COLUMN applicant_name TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
UPDATE requests SET state = CASE
    WHEN closed_on IS NOT NULL THEN 'closed'
    ELSE COALESCE((SELECT CASE kind
                            WHEN 'correction_requested' THEN 'correction'
                            WHEN 'consultation_started' THEN 'consulting'
                            WHEN 'fee_noticed' THEN 'payment'
                            ELSE 'open' END
                   FROM events e WHERE e.request_id = requests.id ORDER BY seq DESC LIMIT 1), 'open')
END;
CREATE INDEX requests_state_due ON requests(state, due);
CREATE INDEX requests_list ON requests(received DESC, id DESC);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    expires INTEGER NOT NULL
);
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL
);
CREATE TABLE letter_templates (
    kind TEXT PRIMARY KEY,
    text TEXT NOT NULL
);
";

/// A request's state as lists show and filter it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Open,
    AwaitingCorrection,
    Consulting,
    AwaitingPayment,
    Closed,
    /// Any state but closed.
    NotClosed,
}

impl StateFilter {
    pub const ALL: [StateFilter; 6] = [
        StateFilter::NotClosed,
        StateFilter::Open,
        StateFilter::AwaitingCorrection,
        StateFilter::Consulting,
        StateFilter::AwaitingPayment,
        StateFilter::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            StateFilter::Open => "open",
            StateFilter::AwaitingCorrection => "correction",
            StateFilter::Consulting => "consulting",
            StateFilter::AwaitingPayment => "payment",
            StateFilter::Closed => "closed",
            StateFilter::NotClosed => "not_closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StateFilter::Open => "办理中",
            StateFilter::AwaitingCorrection => "等待补正",
            StateFilter::Consulting => "征求意见中",
            StateFilter::AwaitingPayment => "等待缴费",
            StateFilter::Closed => "已办结",
            StateFilter::NotClosed => "未办结（全部）",
        }
    }

    pub fn from_key(s: &str) -> Option<StateFilter> {
        StateFilter::ALL.into_iter().find(|f| f.key() == s)
    }
}

/// What the register list is filtered by (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub state: Option<StateFilter>,
    pub applicant: Option<ApplicantColumn>,
    pub channel: Option<Channel>,
    /// An outcome key or its family's prefix: `granted`, `denied`, `denied.state_secret`.
    pub outcome: Option<String>,
    /// Received on or after.
    pub from: Option<Date>,
    /// Received on or before.
    pub to: Option<Date>,
    /// Words in the applicant's name, contact, summary or tracking code.
    pub text: Option<String>,
    /// Only requests answered after their due date (逾期答复).
    pub late: bool,
}

/// One line of a list of requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub code: String,
    pub applicant_name: String,
    pub applicant: ApplicantColumn,
    pub channel: Channel,
    pub received: Date,
    /// `open`, `correction`, `consulting`, `payment` or `closed`.
    pub state: &'static str,
    pub due: Option<Date>,
    pub closed_on: Option<Date>,
    /// The outcome row of table 三 (closed requests).
    pub outcome: Option<T3Row>,
    pub summary: String,
    /// Answered this many working days after the due date (逾期答复).
    pub late_days: Option<u32>,
    /// An open consultation's last day for an opinion.
    pub consult_until: Option<Date>,
    /// The agency it was made to, and that agency's name.
    pub agency_id: i64,
    pub agency_name: String,
}

impl ListRow {
    pub fn state_label(&self) -> &'static str {
        StateFilter::from_key(self.state).map_or("—", StateFilter::label)
    }
}

const ROW_COLUMNS: &str = "code, applicant_name, applicant, channel, received, state, due, closed_on, outcome, summary, \
     CAST(late_days AS TEXT), consult_until, (SELECT g.name FROM agencies g WHERE g.id = requests.agency_id), agency_id";

type RawRow = ([Option<String>; 13], i64);

fn list_row(r: &crate::sql::Row) -> crate::sql::Result<RawRow> {
    let mut out: [Option<String>; 13] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = r.get(i)?;
    }
    Ok((out, r.get(13)?))
}

fn to_list_row((raw, agency_id): RawRow) -> Result<ListRow, StoreError> {
    let [code, name, applicant, channel, received, state, due, closed_on, outcome, summary, late, until, agency_name] =
        raw;
    let text = |v: Option<String>| v.unwrap_or_default();
    let applicant = text(applicant);
    let channel = text(channel);
    let state = text(state);
    let state = StateFilter::ALL
        .into_iter()
        .map(StateFilter::key)
        .find(|k| *k == state)
        .ok_or_else(|| corrupt("状态", &state))?;
    Ok(ListRow {
        code: text(code),
        applicant_name: text(name),
        applicant: ApplicantColumn::from_key(&applicant).ok_or_else(|| corrupt("申请人类型", &applicant))?,
        channel: Channel::from_key(&channel).ok_or_else(|| corrupt("渠道", &channel))?,
        received: date(&text(received))?,
        state,
        due: due.as_deref().map(date).transpose()?,
        closed_on: closed_on.as_deref().map(date).transpose()?,
        outcome: outcome.as_deref().map(parse_outcome).transpose()?.map(T3Row::Outcome),
        summary: text(summary),
        late_days: late.as_deref().map(|l| l.parse().map_err(|_| corrupt("逾期天数", l))).transpose()?,
        consult_until: until.as_deref().map(date).transpose()?,
        agency_id,
        agency_name: agency_name.unwrap_or_default(),
    })
}

pub(crate) fn list(
    conn: &Sql,
    f: &ListFilter,
    offset: u64,
    limit: Option<u64>,
) -> Result<(Vec<ListRow>, u64), StoreError> {
    // Only the agencies the caller's scope reads.
    let mut clauses: Vec<String> = vec![conn.scope.visible("agency_id")];
    let mut args: Vec<String> = Vec::new();
    // Binds a value and returns its placeholder.
    let mut bind = |v: String| {
        args.push(v);
        format!("?{}", args.len())
    };
    match f.state {
        Some(StateFilter::NotClosed) => clauses.push(NOT_CLOSED.into()),
        Some(s) => clauses.push(format!("state = {}", bind(s.key().into()))),
        None => {}
    }
    if let Some(a) = f.applicant {
        clauses.push(format!("applicant = {}", bind(a.key().into())));
    }
    if let Some(c) = f.channel {
        clauses.push(format!("channel = {}", bind(c.key().into())));
    }
    if let Some(o) = f.outcome.as_deref().filter(|o| !o.is_empty()) {
        // A family (`denied`) matches each of its reasons (`denied.state_secret`).
        let (exact, family) = (bind(o.into()), bind(format!("{o}.%")));
        clauses.push(format!("(outcome = {exact} OR outcome LIKE {family})"));
    }
    if f.late {
        clauses.push("late_days IS NOT NULL".into());
    }
    if let Some(d) = f.from {
        clauses.push(format!("received >= {}", bind(d.to_string())));
    }
    if let Some(d) = f.to {
        clauses.push(format!("received <= {}", bind(d.to_string())));
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Some((low, high)) = tracking_code_prefix(t) {
            // A tracking code (or its beginning): a range of the unique index.
            clauses.push(format!("code >= {} AND code < {}", bind(low), bind(high)));
        } else {
            let matching = if conn.is_postgres() {
                // Each candidate row's grams, by key: the agency's rows are
                // few next to a deployment's index (found by the load test
                // of 2,000 agencies).
                crate::search::postgres_needles(t).map(|needles| {
                    let each: Vec<String> =
                        needles.into_iter().map(|n| format!("strpos(' ' || f.grams, {}) > 0", bind(n))).collect();
                    format!(
                        "EXISTS (SELECT 1 FROM requests_fts f WHERE f.rowid = requests.id AND {})",
                        each.join(" AND ")
                    )
                })
            } else {
                // A clerk's words among its own agency's rows (see `search`).
                let own = (conn.scope.reach() == crate::Reach::Own).then(|| conn.scope.agency_id());
                crate::search::query(t, own)
                    .map(|q| format!("id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH {})", bind(q)))
            };
            // Only punctuation typed: nothing can match it.
            clauses.push(matching.unwrap_or_else(|| "1 = 0".into()));
        }
    }
    let filter = format!("WHERE {}", clauses.join(" AND "));
    let total: i64 =
        conn.query_row(&format!("SELECT COUNT(*) FROM requests {filter}"), params_from_iter(args.iter()), |r| {
            r.get(0)
        })?;
    const ORDER: &str = "ORDER BY received DESC, id DESC";
    let sql = match limit {
        // The page's ids first, from the indexes alone (skipping OFFSET rows
        // never reads the table), then only those rows.
        Some(limit) => format!(
            "SELECT {ROW_COLUMNS} FROM requests WHERE id IN (SELECT id FROM requests {filter} {ORDER} LIMIT {} OFFSET {}) {ORDER}",
            limit.min(1000),
            offset.min(i64::MAX as u64)
        ),
        // Every matching row in one statement (a consistent snapshot, for exports).
        None => format!("SELECT {ROW_COLUMNS} FROM requests {filter} {ORDER}"),
    };
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), list_row)?;
    let rows = rows.map(|r| to_list_row(r?)).collect::<Result<Vec<_>, _>>()?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// `YSQ2025-0001` (any case, at least `YSQ` and the year): the codes that
/// begin with it, as a half-open range `[low, high)`.
fn tracking_code_prefix(text: &str) -> Option<(String, String)> {
    let t = text.to_ascii_uppercase();
    let rest = t.strip_prefix("YSQ")?;
    let (year, seq) = rest.split_at(rest.len().min(4));
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq = seq.strip_prefix('-').unwrap_or(seq);
    if seq.len() > 6 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let low = format!("YSQ{year}-{seq}");
    // The first string after every string that starts with `low`.
    let mut high = low.clone().into_bytes();
    if let Some(last) = high.last_mut() {
        *last += 1;
    }
    Some((low, String::from_utf8(high).ok()?))
}

/// Not closed, as the states that are not (an `IN` list reads only those
/// entries of the state index; `<> 'closed'` reads all of it: found by the
/// workbench's load test).
const NOT_CLOSED: &str = "state IN ('open', 'correction', 'consulting', 'payment')";

/// The states whose answer period is running (a consultation's window ends by itself).
const RUNNING: &str = "('open', 'consulting')";

/// The workbench's lists: what needs doing now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dashboard {
    /// Open, past their answer deadline.
    pub overdue: Vec<ListRow>,
    /// Open, due from today through the given day.
    pub due_soon: Vec<ListRow>,
    pub awaiting_correction: Vec<ListRow>,
    pub consulting: Vec<ListRow>,
    pub awaiting_payment: Vec<ListRow>,
    /// Counts of the lists above (the lists are capped).
    pub counts: DashboardCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DashboardCounts {
    pub overdue: u64,
    pub due_soon: u64,
    pub awaiting_correction: u64,
    pub consulting: u64,
    pub awaiting_payment: u64,
    pub open: u64,
    /// Answered after the due date, this year (逾期答复).
    pub answered_late: u64,
}

/// The longest list the workbench shows in one box.
pub const DASHBOARD_CAP: u64 = 20;

pub(crate) fn dashboard(conn: &Sql, today: Date, soon: Date) -> Result<Dashboard, StoreError> {
    let (today, soon) = (today.to_string(), soon.to_string());
    let visible = conn.scope.visible("agency_id");
    let fetch = |filter: &str, order: &str, args: &[&str]| -> Result<(Vec<ListRow>, u64), StoreError> {
        let filter = format!("{visible} AND {filter}");
        let count: i64 =
            conn.query_row(&format!("SELECT COUNT(*) FROM requests WHERE {filter}"), params_from_iter(args), |r| {
                r.get(0)
            })?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {ROW_COLUMNS} FROM requests WHERE {filter} ORDER BY {order} LIMIT {DASHBOARD_CAP}"
        ))?;
        let rows = stmt.query_map(params_from_iter(args), list_row)?;
        let rows = rows.map(|r| to_list_row(r?)).collect::<Result<Vec<_>, _>>()?;
        Ok((rows, u64::try_from(count).unwrap_or(0)))
    };
    // A consultation stops the clock only until its window ends: those
    // requests can be due and overdue too.
    let (overdue, n_overdue) = fetch(&format!("state IN {RUNNING} AND due < ?1"), "due, id", &[&today])?;
    let (due_soon, n_soon) =
        fetch(&format!("state IN {RUNNING} AND due >= ?1 AND due <= ?2"), "due, id", &[&today, &soon])?;
    let (correction, n_correction) = fetch("state = 'correction'", "received, id", &[])?;
    let (consulting, n_consulting) = fetch("state = 'consulting'", "consult_until, id", &[])?;
    let year = &today[..4];
    let late: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM requests WHERE {visible} AND late_days IS NOT NULL AND closed_on >= ?1 AND closed_on <= ?2"),
        params![format!("{year}-01-01"), format!("{year}-12-31")],
        |r| r.get(0),
    )?;
    let (payment, n_payment) = fetch("state = 'payment'", "received, id", &[])?;
    let open: i64 =
        conn.query_row(&format!("SELECT COUNT(*) FROM requests WHERE {visible} AND {NOT_CLOSED}"), params![], |r| {
            r.get(0)
        })?;
    Ok(Dashboard {
        overdue,
        due_soon,
        awaiting_correction: correction,
        consulting,
        awaiting_payment: payment,
        counts: DashboardCounts {
            overdue: n_overdue,
            due_soon: n_soon,
            awaiting_correction: n_correction,
            consulting: n_consulting,
            awaiting_payment: n_payment,
            open: u64::try_from(open).unwrap_or(0),
            answered_late: u64::try_from(late).unwrap_or(0),
        },
    })
}

// ---- accounts ----

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// 管理员: users, agency settings, letter templates (and all a 负责人 may do).
    Admin,
    /// 负责人: approves extensions and answers.
    Head,
    /// 经办人: registers and handles requests.
    Clerk,
    /// 督导员: a 负责人 of its own agency who also reads, never changes,
    /// the registers of every agency below it (a 主管部门's oversight).
    Supervisor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Head, Role::Clerk, Role::Supervisor];

    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Head => "head",
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Head => "负责人",
            Role::Clerk => "经办人",
            Role::Supervisor => "督导员",
        }
    }

    pub fn from_key(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == s)
    }

    /// 延期 and 答复 need a 负责人's decision (第三十三条: 经政府信息公开工作机构负责人同意).
    pub fn may_decide(self) -> bool {
        matches!(self, Role::Admin | Role::Head | Role::Supervisor)
    }

    /// Reads the agencies below its own (read-only there): a supervisor's
    /// oversight, an administrator's accounts of the agencies below.
    pub fn reads_below(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    pub fn may_administer(self) -> bool {
        self == Role::Admin
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Set by an administrator: the next login must choose a new password.
    pub must_change_password: bool,
    /// The agency the user works for, its name and its path in the tree.
    pub agency_id: i64,
    pub agency_name: String,
    pub agency_path: String,
}

impl User {
    /// What this user's connections read and write: their own agency, and
    /// for a supervisor or an administrator the agencies below it too.
    pub fn scope(&self) -> crate::Scope {
        crate::Scope::agency(self.agency_id, &self.agency_path, self.role.reads_below())
    }
}

type UserRow = ((i64, String, String, String, bool, bool), (i64, String, String));

/// The columns `user_row` reads, of `users` aliased `u` (`USER_NCOLS` of them).
const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.active, u.must_change_password, u.agency_id, \
     (SELECT g.name FROM agencies g WHERE g.id = u.agency_id), (SELECT g.path FROM agencies g WHERE g.id = u.agency_id)";
const USER_NCOLS: usize = 9;

fn user_row(r: &crate::sql::Row) -> crate::sql::Result<UserRow> {
    Ok((
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
        (
            r.get(6)?,
            r.get::<_, Option<String>>(7)?.unwrap_or_default(),
            r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        ),
    ))
}

fn to_user(
    ((id, username, display_name, role, active, must_change_password), (agency_id, agency_name, agency_path)): UserRow,
) -> Result<User, StoreError> {
    let role = Role::from_key(&role).ok_or_else(|| corrupt("角色", &role))?;
    Ok(User { id, username, display_name, role, active, must_change_password, agency_id, agency_name, agency_path })
}

fn describe_user(u: &User) -> String {
    format!("{}（{}）{}{}", u.display_name, u.username, u.role.label(), if u.active { "" } else { "，已停用" })
}

/// A user of `agency` (one the scope reads).
pub(crate) fn create_user(
    tx: &Sql,
    agency: i64,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
    actor: &str,
) -> Result<User, StoreError> {
    let username = username.trim();
    if username.is_empty() || username.chars().count() > 64 || username.chars().any(char::is_whitespace) {
        return Err(StoreError::Invalid("用户名不能为空、不能含空格，最长 64 个字符".into()));
    }
    if display_name.trim().is_empty() {
        return Err(StoreError::Invalid("姓名不能为空".into()));
    }
    let place: Option<(String, String)> = tx
        .query_row("SELECT name, path FROM agencies WHERE id = ?1", [agency], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((agency_name, agency_path)) = place.filter(|(_, path)| tx.scope.reads(agency, path)) else {
        return Err(StoreError::Invalid("没有这个机关，或无权在该机关建用户".into()));
    };
    let taken: bool =
        tx.query_row("SELECT EXISTS(SELECT 1 FROM users WHERE username = ?1)", [username], |r| r.get(0))?;
    if taken {
        return Err(StoreError::Invalid(format!("用户名 {username} 已被使用")));
    }
    let id = tx.insert(
        "INSERT INTO users (username, display_name, role, password_hash, agency_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![username, display_name.trim(), role.key(), password_hash, agency],
    )?;
    let user = User {
        id,
        username: username.into(),
        display_name: display_name.trim().into(),
        role,
        active: true,
        must_change_password: false,
        agency_id: agency,
        agency_name,
        agency_path,
    };
    audit(tx, actor, format!("新建用户 {username}"), None, Some(describe_user(&user)))?;
    Ok(user)
}

pub(crate) fn user_count(conn: &Sql) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM users", params![], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A user and their password hash, by user name.
pub(crate) fn login_user(conn: &Sql, username: &str) -> Result<Option<(User, String)>, StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = ?1"),
            [username.trim()],
            |r| Ok((user_row(r)?, r.get::<_, String>(USER_NCOLS)?)),
        )
        .optional()?;
    row.map(|(u, h)| Ok((to_user(u)?, h))).transpose()
}

/// The users of the agencies the scope reads.
pub(crate) fn users(conn: &Sql) -> Result<Vec<User>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE {} ORDER BY u.id",
        conn.scope.visible("u.agency_id")
    ))?;
    let rows = stmt.query_map(params![], user_row)?;
    rows.map(|r| to_user(r?)).collect()
}

/// A user the scope reads (no other is found).
fn user(conn: &Sql, id: i64) -> Result<User, StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1 AND {}", conn.scope.visible("u.agency_id")),
            [id],
            user_row,
        )
        .optional()?
        .ok_or(StoreError::NoRecord { what: "用户", id })?;
    to_user(row)
}

pub(crate) fn update_user(tx: &Sql, id: i64, role: Role, active: bool, actor: &str) -> Result<User, StoreError> {
    let before = user(tx, id)?;
    let after = User { role, active, ..before.clone() };
    // The office never locks itself out: one active administrator remains.
    if before.role == Role::Admin && before.active && !(role == Role::Admin && active) {
        let admins: i64 =
            tx.query_row("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1", params![], |r| r.get(0))?;
        if admins <= 1 {
            return Err(StoreError::Invalid("至少要保留一名启用的管理员".into()));
        }
    }
    tx.execute("UPDATE users SET role = ?1, active = ?2 WHERE id = ?3", params![role.key(), active, id])?;
    if !active {
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
        tx.execute("DELETE FROM api_tokens WHERE user_id = ?1", [id])?;
    }
    audit(
        tx,
        actor,
        format!("修改用户 {}", before.username),
        Some(describe_user(&before)),
        Some(describe_user(&after)),
    )?;
    Ok(after)
}

pub(crate) fn set_password(tx: &Sql, id: i64, password_hash: &str, actor: &str) -> Result<(), StoreError> {
    let u = user(tx, id)?;
    tx.execute("UPDATE users SET password_hash = ?1 WHERE id = ?2", params![password_hash, id])?;
    // A new password ends every session of the old one.
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    audit(tx, actor, format!("重设用户 {} 的密码", u.username), None, None)
}

/// A user's own new password: the flag that forced it is cleared, and every
/// other session of the old password ends (the one it was typed in stays).
pub(crate) fn change_own_password(tx: &Sql, id: i64, password_hash: &str, keep_session: i64) -> Result<(), StoreError> {
    let u = user(tx, id)?;
    tx.execute(
        "UPDATE users SET password_hash = ?1, must_change_password = 0 WHERE id = ?2",
        params![password_hash, id],
    )?;
    tx.execute("DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2", params![id, keep_session])?;
    audit(tx, &u.username, format!("用户 {} 修改了自己的密码", u.username), None, None)
}

// ---- account security (migration 8) ----

/// Migration 8: sessions with an id (to be listed and ended one by one),
/// when they began and were last used, and from where; API tokens with an
/// id, a scope and an expiry (tokens issued before it keep full access for 90
/// days from the upgrade); the forced password change; failed logins per
/// user name (kept for names that do not exist too, so a lock says nothing
/// about who has an account).
pub(crate) const SECURITY_MIGRATION: &str = "
CREATE TABLE sessions_v8 (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
INSERT INTO sessions_v8 (token_hash, user_id, csrf, created, last_seen, expires)
    SELECT token_hash, user_id, csrf, expires - 43200, expires - 43200, expires FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v8 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens_v8 (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    last_used INTEGER
);
INSERT INTO api_tokens_v8 (token_hash, user_id, name, scope, created, expires)
    SELECT token_hash, user_id, name, 'write', CAST(strftime('%s', 'now') AS INTEGER),
           CAST(strftime('%s', 'now') AS INTEGER) + 90 * 86400 FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_v8 RENAME TO api_tokens;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
CREATE TABLE login_failures (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    since INTEGER NOT NULL,
    locked_at INTEGER
);
";

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// A session about to begin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf: &'a str,
    pub now: i64,
    pub expires: i64,
    /// The client's address as the server judged it (trusted proxies applied).
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// A live session, as the middleware resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub id: i64,
    pub user: User,
    pub csrf: String,
    pub last_seen: i64,
}

/// A session as its user (or an administrator) sees it in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: i64,
    pub created: i64,
    pub last_seen: i64,
    pub expires: i64,
    pub address: String,
    pub user_agent: String,
}

pub(crate) fn open_session(tx: &Sql, s: &NewSession) -> Result<i64, StoreError> {
    let agent: String = s.user_agent.chars().take(200).collect();
    let address: String = s.address.chars().take(64).collect();
    let id = tx.insert(
        "INSERT INTO sessions (token_hash, user_id, csrf, created, last_seen, expires, address, user_agent)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)",
        params![s.token_hash, s.user_id, s.csrf, s.now, s.expires, address, agent],
    )?;
    // Expired sessions are swept as new ones are made.
    tx.execute("DELETE FROM sessions WHERE expires < ?1", [s.now - 30 * 24 * 3600])?;
    Ok(id)
}

/// The active user of a live session, its id and CSRF token.
pub(crate) fn live_session(conn: &Sql, token_hash: &str, now: i64) -> Result<Option<LiveSession>, StoreError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {USER_COLUMNS}, s.csrf, s.id, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires > ?2 AND u.active = 1"
            ),
            params![token_hash, now],
            |r| {
                let n = USER_NCOLS;
                Ok((user_row(r)?, r.get::<_, String>(n)?, r.get::<_, i64>(n + 1)?, r.get::<_, i64>(n + 2)?))
            },
        )
        .optional()?;
    row.map(|(u, csrf, id, last_seen)| Ok(LiveSession { id, user: to_user(u)?, csrf, last_seen })).transpose()
}

pub(crate) fn touch_session(tx: &Sql, id: i64, now: i64) -> Result<(), StoreError> {
    tx.execute("UPDATE sessions SET last_seen = ?1 WHERE id = ?2 AND last_seen < ?1", params![now, id])?;
    Ok(())
}

pub(crate) fn delete_session(tx: &Sql, token_hash: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

/// A user's live sessions, most recently used first.
pub(crate) fn sessions_of(conn: &Sql, user_id: i64, now: i64) -> Result<Vec<SessionInfo>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, created, last_seen, expires, address, user_agent FROM sessions
         WHERE user_id = ?1 AND expires > ?2 ORDER BY last_seen DESC, id DESC",
    )?;
    let rows = stmt.query_map(params![user_id, now], |r| {
        Ok(SessionInfo {
            id: r.get(0)?,
            created: r.get(1)?,
            last_seen: r.get(2)?,
            expires: r.get(3)?,
            address: r.get(4)?,
            user_agent: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many live sessions each user has (the administrator's list).
pub(crate) fn session_counts(conn: &Sql, now: i64) -> Result<BTreeMap<i64, u64>, StoreError> {
    let mut stmt = conn.prepare("SELECT user_id, COUNT(*) FROM sessions WHERE expires > ?1 GROUP BY user_id")?;
    let rows = stmt.query_map([now], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    rows.map(|r| r.map(|(id, n)| (id, u64::try_from(n).unwrap_or(0))).map_err(StoreError::from)).collect()
}

/// Ends one session of a user (`Ok(false)`: no such session of theirs).
pub(crate) fn revoke_session(tx: &Sql, user_id: i64, id: i64, actor: &str) -> Result<bool, StoreError> {
    let u = user(tx, user_id)?;
    let n = tx.execute("DELETE FROM sessions WHERE user_id = ?1 AND id = ?2", params![user_id, id])?;
    if n > 0 {
        audit(tx, actor, format!("注销用户 {} 的一个会话", u.username), None, None)?;
    }
    Ok(n > 0)
}

/// Ends every session of a user but `except`; returns how many ended.
pub(crate) fn revoke_sessions(tx: &Sql, user_id: i64, except: Option<i64>, actor: &str) -> Result<u64, StoreError> {
    let u = user(tx, user_id)?;
    let n = tx.execute("DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2", params![user_id, except])?;
    let which = if except.is_some() { "其他全部会话" } else { "全部会话" };
    audit(tx, actor, format!("注销用户 {} 的{which}", u.username), None, Some(format!("{n} 个")))?;
    Ok(n as u64)
}

/// Makes the user choose a new password at their next login, and ends their sessions.
pub(crate) fn force_password_change(tx: &Sql, id: i64, actor: &str) -> Result<(), StoreError> {
    let u = user(tx, id)?;
    tx.execute("UPDATE users SET must_change_password = 1 WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    audit(tx, actor, format!("要求用户 {} 下次登录时修改密码", u.username), None, None)
}

/// When the login name was locked (Unix seconds), if it is.
pub(crate) fn login_locked(conn: &Sql, username: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row("SELECT locked_at FROM login_failures WHERE username = ?1", [username.trim()], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Counts a failed login on `username` (whether or not such a user exists):
/// `max` failures within `window` seconds lock it until an administrator
/// unlocks it, and end the user's sessions. Returns whether it is locked now.
pub(crate) fn login_failed(tx: &Sql, username: &str, now: i64, max: u32, window: i64) -> Result<bool, StoreError> {
    let name = username.trim();
    let row: Option<(i64, i64, Option<i64>)> = tx
        .query_row("SELECT failures, since, locked_at FROM login_failures WHERE username = ?1", [name], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let (failures, since) = match row {
        Some((_, _, Some(_))) => return Ok(true),
        Some((n, since, None)) if now - since <= window => (n + 1, since),
        _ => (1, now),
    };
    let locked = failures >= i64::from(max);
    tx.execute(
        "INSERT INTO login_failures (username, failures, since, locked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(username) DO UPDATE SET failures = ?2, since = ?3, locked_at = ?4",
        params![name, failures, since, locked.then_some(now)],
    )?;
    // Counts that can no longer lock anything are forgotten (locks are kept).
    tx.execute("DELETE FROM login_failures WHERE locked_at IS NULL AND since < ?1", [now - window])?;
    if locked {
        let id: Option<i64> =
            tx.query_row("SELECT id FROM users WHERE username = ?1", [name], |r| r.get(0)).optional()?;
        if let Some(id) = id {
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
            audit(
                tx,
                "系统",
                format!("用户 {name} 连续 {failures} 次登录失败，账号已锁定"),
                None,
                Some("已注销其全部会话".into()),
            )?;
        }
    }
    Ok(locked)
}

/// A successful login clears the name's failed attempts (a lock is checked before).
pub(crate) fn login_succeeded(tx: &Sql, username: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM login_failures WHERE username = ?1 AND locked_at IS NULL", [username.trim()])?;
    Ok(())
}

/// Every locked user name and when it was locked.
pub(crate) fn locked_logins(conn: &Sql) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut stmt = conn.prepare("SELECT username, locked_at FROM login_failures WHERE locked_at IS NOT NULL")?;
    let rows = stmt.query_map(params![], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Unlocks a user's account (`Ok(false)`: it was not locked).
pub(crate) fn unlock_user(tx: &Sql, id: i64, actor: &str) -> Result<bool, StoreError> {
    let u = user(tx, id)?;
    let n = tx.execute("DELETE FROM login_failures WHERE username = ?1", [&u.username])?;
    if n > 0 {
        audit(tx, actor, format!("解锁用户 {}", u.username), Some("已锁定".into()), Some("正常".into()))?;
    }
    Ok(n > 0)
}

// ---- API tokens ----

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// GET and HEAD only.
    Read,
    /// Everything the user's role allows.
    Write,
}

impl TokenScope {
    pub const ALL: [TokenScope; 2] = [TokenScope::Read, TokenScope::Write];

    pub fn key(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Read => "只读",
            TokenScope::Write => "读写",
        }
    }

    pub fn from_key(s: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|t| t.key() == s)
    }
}

/// A token about to be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    /// What it is for (例如“门户网站对接”).
    pub name: &'a str,
    pub scope: TokenScope,
    pub now: i64,
    /// Unix seconds; the token is refused from then on.
    pub expires: i64,
}

/// An issued token (never its value: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user: User,
    pub name: String,
    pub scope: TokenScope,
    pub created: i64,
    pub expires: i64,
    pub last_used: Option<i64>,
}

pub(crate) fn issue_api_token(tx: &Sql, t: &NewToken, actor: &str) -> Result<i64, StoreError> {
    let u = user(tx, t.user_id)?;
    if t.expires <= t.now {
        return Err(StoreError::Invalid("令牌的到期时间须晚于签发时间".into()));
    }
    let id = tx.insert(
        "INSERT INTO api_tokens (token_hash, user_id, name, scope, created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![t.token_hash, t.user_id, t.name, t.scope.key(), t.now, t.expires],
    )?;
    let days = (t.expires - t.now).div_euclid(86_400);
    audit(
        tx,
        actor,
        format!("为用户 {} 签发接口令牌", u.username),
        None,
        Some(format!("{}（{}，{days} 天有效）", t.name, t.scope.label())),
    )?;
    Ok(id)
}

const TOKEN_COLUMNS: &str = "t.id, t.name, t.scope, t.created, t.expires, t.last_used";

/// A token's own columns: id, name, scope, created, expires, last used.
type TokenRow = (UserRow, (i64, String, String, i64, i64, Option<i64>));

fn token_row(r: &crate::sql::Row) -> crate::sql::Result<TokenRow> {
    let n = USER_NCOLS;
    Ok((user_row(r)?, (r.get(n)?, r.get(n + 1)?, r.get(n + 2)?, r.get(n + 3)?, r.get(n + 4)?, r.get(n + 5)?)))
}

fn to_token((u, (id, name, scope, created, expires, last_used)): TokenRow) -> Result<ApiToken, StoreError> {
    let scope = TokenScope::from_key(&scope).ok_or_else(|| corrupt("令牌权限", &scope))?;
    Ok(ApiToken { id, user: to_user(u)?, name, scope, created, expires, last_used })
}

/// The token with this hash, of an active user, expired or not (the caller
/// compares `expires` with its clock, so that it can say why it refuses).
pub(crate) fn api_token(conn: &Sql, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {USER_COLUMNS}, {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND u.active = 1"
            ),
            [token_hash],
            token_row,
        )
        .optional()?;
    row.map(to_token).transpose()
}

/// Every token, newest first (the administrator's list).
pub(crate) fn api_tokens(conn: &Sql) -> Result<Vec<ApiToken>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS}, {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE {} ORDER BY t.id DESC",
        conn.scope.visible("u.agency_id")
    ))?;
    let rows = stmt.query_map(params![], token_row)?;
    rows.map(|r| to_token(r?)).collect()
}

pub(crate) fn touch_api_token(tx: &Sql, id: i64, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE api_tokens SET last_used = ?1 WHERE id = ?2 AND (last_used IS NULL OR last_used < ?1)",
        params![now, id],
    )?;
    Ok(())
}

pub(crate) fn revoke_api_token(tx: &Sql, id: i64, actor: &str) -> Result<(), StoreError> {
    let (name, username): (String, String) = tx
        .query_row(
            "SELECT t.name, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(StoreError::NoRecord { what: "接口令牌", id })?;
    tx.execute("DELETE FROM api_tokens WHERE id = ?1", [id])?;
    audit(tx, actor, format!("撤销用户 {username} 的接口令牌"), Some(name), None)
}

// ---- letter templates ----

/// The scope's own agency's wording of a letter, if it changed the default.
pub(crate) fn letter_template(conn: &Sql, kind: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT text FROM letter_templates WHERE agency_id = ?1 AND kind = ?2",
            params![conn.scope.agency_id(), kind],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn set_letter_template(tx: &Sql, kind: &str, text: Option<&str>, actor: &str) -> Result<(), StoreError> {
    let before = letter_template(tx, kind)?;
    match text {
        Some(t) => tx.execute(
            "INSERT INTO letter_templates (agency_id, kind, text) VALUES (?1, ?2, ?3) ON CONFLICT(agency_id, kind) DO UPDATE SET text = ?3",
            params![tx.scope.agency_id(), kind, t],
        )?,
        None => tx.execute(
            "DELETE FROM letter_templates WHERE agency_id = ?1 AND kind = ?2",
            params![tx.scope.agency_id(), kind],
        )?,
    };
    let action = if text.is_some() { "修改文书模板" } else { "恢复默认文书模板" };
    audit(tx, actor, format!("{action} {kind}"), before, text.map(str::to_string))
}
