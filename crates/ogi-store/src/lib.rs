//! The request register and the records of the annual report, stored. One interface ([`Store`]); SQLite is the
//! embedded default (a file under `./ogi-data/`, WAL, migrations run on open,
//! schema versioned); PostgreSQL will implement the same interface for a
//! shared multi-agency deployment.
//!
//! The store keeps what happened (a request's receipt and its events) and an
//! audit log of every change (who, when, what, before/after). A request's
//! state and deadline are always recomputed by `ogi-rules` from its events;
//! the columns that repeat them (`closed_on`, `outcome`, `due`) exist only so
//! that table 三 and the overdue list are SQL queries.

use std::collections::BTreeMap;
use std::path::Path;

use ogi_rules::annual::{Art20Figures, Case, CaseResult, Document, EditableSection, Records};
use ogi_rules::input::Application;
use ogi_rules::request::{Channel, Consulted, Event, Request, RequestError, State};
use ogi_rules::{Calendar, Date};
use ogi_vocab::cells::{ApplicantColumn, CellKey, Outcome, T3Row, Template};
use ogi_vocab::Number;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

mod calendar;
pub mod export;
mod office;
pub mod online;
mod records;
mod search;
pub use calendar::{load_calendar, load_files, CalendarYear, DueChange};
pub use office::{
    ApiToken, Dashboard, DashboardCounts, ListFilter, ListRow, LiveSession, NewSession, NewToken, Role, SessionInfo,
    StateFilter, TokenScope, User, DASHBOARD_CAP,
};
pub use records::AGENCY_NAME;

#[derive(Debug)]
pub enum StoreError {
    Db(rusqlite::Error),
    /// The law does not allow the change (the request is unchanged).
    Rule(RequestError),
    NotFound(String),
    /// The database holds something this version cannot read.
    Corrupt(String),
    /// A value the records refuse (the store is unchanged).
    Invalid(String),
    /// No document or case with this id.
    NoRecord {
        what: &'static str,
        id: i64,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Db(e) => write!(f, "数据库错误：{e}"),
            StoreError::Rule(e) => e.fmt(f),
            StoreError::NotFound(code) => write!(f, "没有编号为 {code} 的申请"),
            StoreError::Corrupt(m) => write!(f, "数据库内容无法识别：{m}"),
            StoreError::Invalid(m) => f.write_str(m),
            StoreError::NoRecord { what, id } => write!(f, "没有编号为 {id} 的{what}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e)
    }
}

impl From<RequestError> for StoreError {
    fn from(e: RequestError) -> Self {
        StoreError::Rule(e)
    }
}

pub use ogi_rules::input::NewRequest;

/// A stored request: its tracking code and its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub code: String,
    pub summary: String,
    pub applicant_name: String,
    pub contact: String,
    pub request: Request,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub code: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The storage interface: SQLite now, PostgreSQL next.
pub trait Store {
    /// Registers a request; returns it with its new tracking code.
    fn create(&mut self, new: NewRequest, actor: &str, cal: &Calendar) -> Result<Stored, StoreError>;
    /// Records an event if the law allows it (else the store is unchanged).
    fn record(&mut self, code: &str, event: Event, actor: &str, cal: &Calendar) -> Result<Stored, StoreError>;
    fn get(&self, code: &str) -> Result<Stored, StoreError>;
    /// Every request, in registration order.
    fn all(&self) -> Result<Vec<Stored>, StoreError>;
    /// Table 三 of `year` (every cell of the template).
    fn table3(&self, year: i16, template: Template) -> Result<BTreeMap<CellKey, Number>, StoreError>;
    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError>;

    // ---- the records a year's report is drafted from (see `records`) ----

    /// Registers a 规章 or 行政规范性文件; returns its id.
    fn add_document(&mut self, doc: &Document, actor: &str) -> Result<i64, StoreError>;
    fn repeal_document(&mut self, id: i64, on: Date, actor: &str) -> Result<(), StoreError>;
    /// Every document, by issue date.
    fn documents(&self) -> Result<Vec<(i64, Document)>, StoreError>;
    /// Sets the year's 第二十条 figures (replacing earlier ones).
    fn set_art20(&mut self, year: i16, figures: &Art20Figures, actor: &str) -> Result<(), StoreError>;
    fn art20(&self, year: i16) -> Result<Option<Art20Figures>, StoreError>;
    /// Registers a 行政复议/行政诉讼 case; returns its id.
    fn add_case(&mut self, case: &Case, actor: &str) -> Result<i64, StoreError>;
    fn decide_case(&mut self, id: i64, on: Date, result: CaseResult, actor: &str) -> Result<(), StoreError>;
    /// Every case, by receipt date.
    fn cases(&self) -> Result<Vec<(i64, Case)>, StoreError>;
    /// Saves an edited section text (refused if a placeholder is unknown).
    fn set_text(&mut self, year: i16, section: EditableSection, text: &str, actor: &str) -> Result<(), StoreError>;
    /// The year's edited texts (a section not edited is absent).
    fn texts(&self, year: i16) -> Result<BTreeMap<EditableSection, String>, StoreError>;
    fn set_setting(&mut self, key: &str, value: &str, actor: &str) -> Result<(), StoreError>;
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// 信息处理费 collected in `year`, in 元.
    fn processing_fees(&self, year: i16) -> Result<u64, StoreError>;

    // ---- the workbench (see `office`) ----

    /// A page of the register, newest first, and how many match in all.
    fn list(&self, filter: &ListFilter, offset: u64, limit: u64) -> Result<(Vec<ListRow>, u64), StoreError>;
    /// Every request the filter matches, newest first, read in one statement.
    fn export(&self, filter: &ListFilter) -> Result<Vec<ListRow>, StoreError>;
    /// What needs doing: overdue, due by `soon`, waiting for 补正/意见/缴费.
    fn dashboard(&self, today: Date, soon: Date) -> Result<Dashboard, StoreError>;
    /// The audit lines of one request, oldest first.
    fn audit_for(&self, code: &str) -> Result<Vec<AuditEntry>, StoreError>;

    // ---- applications filed online (see `online`) ----

    /// Keeps an application as filed on `on` with its files, found later by `tracking_hash`.
    fn submit_application(
        &mut self,
        tracking_hash: &str,
        on: Date,
        a: &Application,
        files: &[online::Attachment],
    ) -> Result<i64, StoreError>;
    fn attachments(&self, of: online::AttachmentsOf) -> Result<Vec<online::AttachmentInfo>, StoreError>;
    /// One attachment: (name, type, bytes).
    fn attachment(&self, id: i64) -> Result<Option<(String, String, Vec<u8>)>, StoreError>;
    fn application(&self, tracking_hash: &str) -> Result<Option<online::Filed>, StoreError>;
    /// Applications not yet confirmed, oldest first.
    fn pending_applications(&self) -> Result<Vec<online::Filed>, StoreError>;
    /// Registers application `id` as a request received `on` (第三十一条).
    fn confirm_application(&mut self, id: i64, on: Date, actor: &str, cal: &Calendar) -> Result<Stored, StoreError>;
    /// What the applicant did on the tracking page (a 补正, a withdrawal), with
    /// their words, recorded as the event if the law allows it.
    fn applicant_event(
        &mut self,
        tracking_hash: &str,
        event: Event,
        words: &str,
        cal: &Calendar,
    ) -> Result<Stored, StoreError>;
    /// The applicant's words on the tracking page, oldest first: (date, event key, text).
    fn applicant_messages(&self, code: &str) -> Result<Vec<(Date, String, String)>, StoreError>;
    fn user_count(&self) -> Result<u64, StoreError>;
    fn create_user(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        actor: &str,
    ) -> Result<User, StoreError>;
    /// The first administrator and the agency's name, in one transaction;
    /// refused once any user exists (a second setup racing the first).
    fn create_first_admin(
        &mut self,
        username: &str,
        display_name: &str,
        password_hash: &str,
        agency: &str,
    ) -> Result<User, StoreError>;
    /// A user and their password hash.
    fn login_user(&self, username: &str) -> Result<Option<(User, String)>, StoreError>;
    fn users(&self) -> Result<Vec<User>, StoreError>;
    fn update_user(&mut self, id: i64, role: Role, active: bool, actor: &str) -> Result<User, StoreError>;
    fn set_password(&mut self, id: i64, password_hash: &str, actor: &str) -> Result<(), StoreError>;
    /// A user's own new password (clears a forced change; ends their other sessions).
    fn change_own_password(&mut self, id: i64, password_hash: &str, keep_session: i64) -> Result<(), StoreError>;
    /// Stores a session (by the hash of its token) until `expires` (Unix
    /// seconds), begun now with no address known.
    fn create_session(&mut self, token_hash: &str, user_id: i64, csrf: &str, expires: i64) -> Result<(), StoreError> {
        let now = office::unix_now();
        let s = NewSession { token_hash, user_id, csrf, now, expires, address: "", user_agent: "" };
        self.open_session(&s).map(|_| ())
    }
    /// Stores a session; returns its id.
    fn open_session(&mut self, session: &NewSession) -> Result<i64, StoreError>;
    /// The active user of a live session and its CSRF token.
    fn session(&self, token_hash: &str, now: i64) -> Result<Option<(User, String)>, StoreError> {
        Ok(self.live_session(token_hash, now)?.map(|s| (s.user, s.csrf)))
    }
    /// A live session of an active user: its id, user, CSRF token, last use.
    fn live_session(&self, token_hash: &str, now: i64) -> Result<Option<LiveSession>, StoreError>;
    /// Notes that a session was used at `now`.
    fn touch_session(&mut self, id: i64, now: i64) -> Result<(), StoreError>;
    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
    /// A user's live sessions, most recently used first.
    fn sessions_of(&self, user_id: i64, now: i64) -> Result<Vec<SessionInfo>, StoreError>;
    /// Live sessions per user id.
    fn session_counts(&self, now: i64) -> Result<BTreeMap<i64, u64>, StoreError>;
    /// Ends one of a user's sessions (`false`: no such session of theirs).
    fn revoke_session(&mut self, user_id: i64, id: i64, actor: &str) -> Result<bool, StoreError>;
    /// Ends every session of a user but `except`; returns how many.
    fn revoke_sessions(&mut self, user_id: i64, except: Option<i64>, actor: &str) -> Result<u64, StoreError>;
    /// The next login must set a new password; the user's sessions end now.
    fn force_password_change(&mut self, id: i64, actor: &str) -> Result<(), StoreError>;
    /// When a login name was locked by failed logins, if it is.
    fn login_locked(&self, username: &str) -> Result<Option<i64>, StoreError>;
    /// Counts a failed login; `max` within `window` seconds lock the name
    /// (and end the user's sessions). Returns whether it is locked.
    fn login_failed(&mut self, username: &str, now: i64, max: u32, window: i64) -> Result<bool, StoreError>;
    /// Clears a name's failed logins after a successful one.
    fn login_succeeded(&mut self, username: &str) -> Result<(), StoreError>;
    /// Locked login names and when they were locked.
    fn locked_logins(&self) -> Result<BTreeMap<String, i64>, StoreError>;
    /// Unlocks a user (`false`: was not locked).
    fn unlock_user(&mut self, id: i64, actor: &str) -> Result<bool, StoreError>;
    /// A token with full access (`write`) for 90 days.
    fn create_api_token(&mut self, token_hash: &str, user_id: i64, name: &str, actor: &str) -> Result<(), StoreError> {
        let now = office::unix_now();
        let t = NewToken { token_hash, user_id, name, scope: TokenScope::Write, now, expires: now + 90 * 86_400 };
        self.issue_api_token(&t, actor).map(|_| ())
    }
    /// Issues a token (only its hash is stored); returns its id.
    fn issue_api_token(&mut self, token: &NewToken, actor: &str) -> Result<i64, StoreError>;
    /// The token with this hash, of an active user, expired or not.
    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError>;
    /// The user of a token that has not expired.
    fn api_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let now = office::unix_now();
        Ok(self.api_token(token_hash)?.filter(|t| t.expires > now).map(|t| t.user))
    }
    /// Every token, newest first.
    fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError>;
    /// Notes that a token was used at `now`.
    fn touch_api_token(&mut self, id: i64, now: i64) -> Result<(), StoreError>;
    fn revoke_api_token(&mut self, id: i64, actor: &str) -> Result<(), StoreError>;
    /// An agency's edited letter template (by `ogi_letters::LetterKind::key`).
    fn letter_template(&self, kind: &str) -> Result<Option<String>, StoreError>;
    /// Saves an edited template; `None` returns to the default.
    fn set_letter_template(&mut self, kind: &str, text: Option<&str>, actor: &str) -> Result<(), StoreError>;

    // ---- the working-day calendar (see `calendar`) ----

    /// The holiday arrangements saved by administrators, by year.
    fn calendar_years(&self) -> Result<Vec<CalendarYear>, StoreError>;
    /// Saves a year's arrangement (replacing an earlier one) and recomputes
    /// every due date with `cal`, which must already hold it; returns the
    /// requests whose due date moved. All in one transaction.
    fn save_calendar_year(
        &mut self,
        year: i16,
        text: &str,
        actor: &str,
        cal: &Calendar,
    ) -> Result<Vec<DueChange>, StoreError>;
    /// The due dates each year's latest load moved, of requests still not closed.
    fn due_changes(&self) -> Result<Vec<DueChange>, StoreError>;

    /// Everything the year's report is drafted from.
    fn annual_records(&self, year: i16) -> Result<Records, StoreError> {
        Ok(Records {
            agency: self.setting(AGENCY_NAME)?.unwrap_or_default(),
            year,
            table3: self.table3(year, Template::Y2021)?,
            documents: self.documents()?.into_iter().map(|(_, d)| d).collect(),
            art20: self.art20(year)?,
            cases: self.cases()?.into_iter().map(|(_, c)| c).collect(),
            processing_fees_yuan: self.processing_fees(year)?,
            texts: self.texts(year)?,
        })
    }
}

/// Schema migrations, in order; `PRAGMA user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    applicant TEXT NOT NULL,
    arrived TEXT NOT NULL,
    confirmed TEXT,
    received TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    closed_on TEXT,
    outcome TEXT,
    due TEXT
);
CREATE INDEX requests_received ON requests(received);
CREATE INDEX requests_closed ON requests(closed_on);
CREATE TABLE events (
    request_id INTEGER NOT NULL REFERENCES requests(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    reply_by TEXT,
    days INTEGER,
    approver TEXT,
    yuan INTEGER,
    outcome TEXT,
    PRIMARY KEY (request_id, seq)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    request_id INTEGER,
    before TEXT,
    after TEXT
);
",
    // Table 三 reads only this index (one pass, no table lookups).
    "CREATE INDEX requests_t3 ON requests(received, closed_on, outcome, applicant);",
    records::MIGRATION,
    office::MIGRATION,
    search::MIGRATION,
    calendar::MIGRATION,
    // The law's corners (issue 16): when a consultation's letter and a fee
    // notice reached their addressee, whom a consultation asked, and the
    // columns the workbench lists by (an open consultation's last day, an
    // answer's working days past its due date). Filled in Rust (`backfill`).
    "
ALTER TABLE events ADD COLUMN delivered TEXT;
ALTER TABLE events ADD COLUMN party TEXT;
ALTER TABLE requests ADD COLUMN late_days INTEGER;
ALTER TABLE requests ADD COLUMN consult_until TEXT;
CREATE INDEX requests_late ON requests(closed_on) WHERE late_days IS NOT NULL;
",
    // Account security (issue 12): session list, token scopes and expiry,
    // forced password change, failed logins per name.
    office::SECURITY_MIGRATION,
    online::MIGRATION,
];

/// The migration that creates the search index (its rows are written in Rust).
const SEARCH_MIGRATION: usize = 5;
/// The migration whose derived columns are computed in Rust.
const LAW_MIGRATION: usize = 7;

/// The embedded store: one SQLite file.
pub struct Sqlite {
    conn: Connection,
    /// The last table 三 this connection computed (see `table3_cached`).
    table3_cache: std::cell::RefCell<Option<Table3Cache>>,
}

impl Sqlite {
    /// Opens (creating if needed) the database and runs pending migrations.
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Corrupt(format!("{}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Sqlite, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Sqlite, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // A database from a newer ogi is refused before anything is written to it.
        let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(format!("数据库版本 {version} 比本程序新（{}）", MIGRATIONS.len())));
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // A register with an audit log keeps every commit through a power cut.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Migrations under a write lock, re-reading the version inside it, so
        // that two processes opening a new database do not both migrate it.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(m)?;
            if i + 1 == SEARCH_MIGRATION {
                search::backfill(&tx)?;
            }
            if i + 1 == LAW_MIGRATION {
                backfill_derived(&tx)?;
            }
            tx.pragma_update(None, "user_version", i + 1)?;
        }
        tx.commit()?;
        // Reads through the OS page cache shared by every connection, not a
        // private copy per connection (the workbench keeps a pool of readers).
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        // Statistics for the query planner where they are missing or stale
        // (cheap: bounded sampling, and nothing when they are current).
        conn.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
        Ok(Sqlite { conn, table3_cache: Default::default() })
    }

    /// A write transaction that takes the lock at once (so a second writer
    /// waits for the busy timeout instead of failing at its first write).
    fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Runs `f` in a write transaction, committed only if `f` succeeds.
    fn in_write<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let tx = self.write()?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    }

    /// Stores requests whose lives were already checked (a simulated or
    /// migrated register), events and all, in one transaction.
    pub fn import_requests(
        &mut self,
        requests: &[Request],
        summary: &str,
        actor: &str,
        cal: &Calendar,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut next: BTreeMap<i16, i64> = BTreeMap::new();
            let mut req_stmt = tx.prepare_cached(
                "INSERT INTO requests (code, channel, applicant, arrived, confirmed, received, summary, closed_on, outcome, due, state, consult_until, late_days) \
                 VALUES (?1, ?2, ?3, ?4, ?9, ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12)",
            )?;
            for r in requests {
                let year = r.received.year();
                let seq = match next.get(&year) {
                    Some(n) => *n + 1,
                    None => next_code_number(&tx, year)?,
                };
                next.insert(year, seq);
                let d = derived(r, cal);
                // The receipt date is stored as both arrival and receipt: the
                // life was already computed from it.
                let code = format!("YSQ{year}-{seq:06}");
                req_stmt.execute(params![
                    code,
                    r.channel.key(),
                    r.applicant.key(),
                    r.received.to_string(),
                    summary,
                    d.closed_on,
                    d.outcome,
                    d.due,
                    r.channel.needs_confirmation().then(|| r.received.to_string()),
                    d.state,
                    d.consult_until,
                    d.late_days
                ])?;
                let id = tx.last_insert_rowid();
                search::index(&tx, id, &[&code, summary])?;
                for (i, e) in r.events().iter().enumerate() {
                    insert_event(&tx, id, i as i64 + 1, e)?;
                }
            }
        }
        tx.execute(
            "INSERT INTO audit (actor, action, after) VALUES (?1, '批量导入', ?2)",
            params![actor, format!("{} 件申请", requests.len())],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Registers many requests in one transaction (for imports): all or none.
    pub fn create_many(
        &mut self,
        news: Vec<NewRequest>,
        actor: &str,
        cal: &Calendar,
    ) -> Result<Vec<String>, StoreError> {
        let tx = self.write()?;
        let mut codes = Vec::with_capacity(news.len());
        for n in news {
            codes.push(insert(&tx, n, actor, cal)?.code);
        }
        tx.commit()?;
        Ok(codes)
    }
}

/// The columns that repeat what a request's events imply (lists and table 三
/// are SQL over them): closed_on, outcome, due, state, consult_until, late_days.
struct Derived {
    closed_on: Option<String>,
    outcome: Option<String>,
    due: Option<String>,
    state: &'static str,
    consult_until: Option<String>,
    late_days: Option<u32>,
}

fn derived(r: &Request, cal: &Calendar) -> Derived {
    let (closed_on, outcome) = match r.state() {
        State::Closed { on, outcome } => (Some(on.to_string()), Some(outcome_key(outcome))),
        _ => (None, None),
    };
    Derived {
        closed_on,
        outcome,
        due: r.due(cal).ok().flatten().map(|d| d.to_string()),
        state: r.state().key(),
        consult_until: r.consultation_window(cal).ok().flatten().map(|d| d.to_string()),
        late_days: r.late_answer(cal).ok().flatten().map(|l| l.workdays),
    }
}

fn write_derived(tx: &Transaction, id: i64, d: &Derived) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE requests SET closed_on = ?1, outcome = ?2, due = ?3, state = ?4, consult_until = ?5, late_days = ?6 WHERE id = ?7",
        params![d.closed_on, d.outcome, d.due, d.state, d.consult_until, d.late_days, id],
    )?;
    Ok(())
}

/// Migration 7: the new derived columns of every stored request, with the
/// embedded calendar (answered requests lie in its years).
fn backfill_derived(tx: &Transaction) -> Result<(), StoreError> {
    let cal = Calendar::embedded();
    let codes: Vec<String> = {
        let mut stmt = tx.prepare("SELECT code FROM requests")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for code in codes {
        let (id, stored) = load(tx, &code)?;
        write_derived(tx, id, &derived(&stored.request, &cal))?;
    }
    Ok(())
}

pub(crate) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

pub(crate) fn date(s: &str) -> Result<Date, StoreError> {
    s.parse().map_err(|_| corrupt("日期", s))
}

fn outcome_key(o: Outcome) -> String {
    T3Row::Outcome(o).key()
}

pub(crate) fn parse_outcome(s: &str) -> Result<Outcome, StoreError> {
    match T3Row::from_key(s) {
        Some(T3Row::Outcome(o)) => Ok(o),
        _ => Err(corrupt("办理结果", s)),
    }
}

/// The next number of a year's tracking codes: one more than the highest
/// (read from the unique index on `code`: cheap, and a code is never reused).
fn next_code_number(tx: &Transaction, year: i16) -> Result<i64, StoreError> {
    let last: Option<String> = tx.query_row(
        "SELECT MAX(code) FROM requests WHERE code >= ?1 AND code < ?2",
        params![format!("YSQ{year}-"), format!("YSQ{year}.")],
        |r| r.get(0),
    )?;
    match last {
        None => Ok(1),
        Some(code) => code
            .rsplit_once('-')
            .and_then(|(_, n)| n.parse::<i64>().ok())
            .map(|n| n + 1)
            .ok_or_else(|| corrupt("申请编号", &code)),
    }
}

fn insert(tx: &Transaction, n: NewRequest, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
    let request = Request::receive(n.channel, n.applicant, n.arrived, n.confirmed)?;
    let year = request.received.year();
    // 依申请公开 tracking code: year and sequence, e.g. YSQ2024-000042.
    let seq = next_code_number(tx, year)?;
    let code = format!("YSQ{year}-{seq:06}");
    let due = derived(&request, cal).due;
    tx.execute(
        "INSERT INTO requests (code, channel, applicant, arrived, confirmed, received, summary, due, applicant_name, contact) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            code,
            n.channel.key(),
            n.applicant.key(),
            n.arrived.to_string(),
            n.confirmed.map(|d| d.to_string()),
            request.received.to_string(),
            n.summary,
            due,
            n.applicant_name.trim(),
            n.contact.trim()
        ],
    )?;
    let id = tx.last_insert_rowid();
    search::index(tx, id, &[&code, n.applicant_name.trim(), n.contact.trim(), &n.summary])?;
    tx.execute(
        "INSERT INTO audit (actor, action, request_id, after) VALUES (?1, '登记申请', ?2, ?3)",
        params![actor, id, format!("{} {} {}", code, n.channel.label(), request.received)],
    )?;
    Ok(Stored {
        code,
        summary: n.summary,
        applicant_name: n.applicant_name.trim().to_string(),
        contact: n.contact.trim().to_string(),
        request,
    })
}

pub(crate) fn load(conn: &Connection, code: &str) -> Result<(i64, Stored), StoreError> {
    let row = conn
        .query_row(
            "SELECT id, channel, applicant, arrived, confirmed, summary, applicant_name, contact FROM requests WHERE code = ?1",
            params![code],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(code.to_string()))?;
    let (id, channel, applicant, arrived, confirmed, summary, applicant_name, contact) = row;
    let channel = Channel::from_key(&channel).ok_or_else(|| corrupt("渠道", &channel))?;
    let applicant = ApplicantColumn::from_key(&applicant).ok_or_else(|| corrupt("申请人类型", &applicant))?;
    let confirmed = confirmed.as_deref().map(date).transpose()?;
    let mut request = Request::receive(channel, applicant, date(&arrived)?, confirmed)?;
    let mut stmt = conn.prepare_cached(
        "SELECT kind, on_date, reply_by, days, approver, yuan, outcome, delivered, party FROM events WHERE request_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            EventRow {
                kind: "",
                reply_by: r.get(2)?,
                days: r.get(3)?,
                approver: r.get(4)?,
                yuan: r.get(5)?,
                outcome: r.get(6)?,
                delivered: r.get(7)?,
                party: r.get(8)?,
            },
        ))
    })?;
    for row in rows {
        let (kind, on, fields) = row?;
        let event = event_from_row(&kind, date(&on)?, fields)?;
        // Stored events were lawful when recorded; replay them as they are.
        request.replay(event);
    }
    Ok((id, Stored { code: code.to_string(), summary, applicant_name, contact, request }))
}

fn event_from_row(kind: &str, on: Date, row: EventRow) -> Result<Event, StoreError> {
    let need = |v: Option<String>| v.ok_or_else(|| corrupt("事项缺少字段", kind));
    // Before migration 7 a letter was taken as delivered the day it was sent.
    let delivered = row.delivered.as_deref().map(date).transpose()?.unwrap_or(on);
    Ok(match kind {
        "correction_requested" => Event::CorrectionRequested { on, reply_by: date(&need(row.reply_by)?)? },
        "correction_received" => Event::CorrectionReceived { on },
        "correction_lapsed" => Event::CorrectionLapsed { on },
        "consultation_started" => Event::ConsultationStarted {
            on,
            delivered,
            party: match row.party.as_deref() {
                None => Consulted::ThirdParty,
                Some(p) => Consulted::from_key(p).ok_or_else(|| corrupt("征求意见对象", p))?,
            },
        },
        "consultation_ended" => Event::ConsultationEnded { on },
        "extended" => Event::Extended {
            on,
            days: row.days.ok_or_else(|| corrupt("延期缺少天数", kind))?,
            approver: need(row.approver)?,
        },
        "fee_noticed" => {
            Event::FeeNoticed {
                on, yuan: row.yuan.ok_or_else(|| corrupt("收费通知缺少金额", kind))?, delivered
            }
        }
        "fee_paid" => Event::FeePaid { on },
        "fee_lapsed" => Event::FeeLapsed { on },
        "answered" => Event::Answered { on, outcome: parse_outcome(&need(row.outcome)?)? },
        "withdrawn" => Event::Withdrawn { on },
        _ => return Err(corrupt("事项", kind)),
    })
}

/// Stores event number `seq` (from 1) of request `id`.
/// Records an event the law allows, with its audit line, in `tx`; returns the request's row id.
pub(crate) fn record_in(
    tx: &Transaction,
    code: &str,
    event: Event,
    actor: &str,
    cal: &Calendar,
) -> Result<(i64, Stored), StoreError> {
    let (id, mut stored) = load(tx, code)?;
    let before = describe(&stored, cal);
    stored.request.apply(cal, event.clone())?;
    insert_event(tx, id, stored.request.events().len() as i64, &event)?;
    write_derived(tx, id, &derived(&stored.request, cal))?;
    tx.execute(
        "INSERT INTO audit (actor, action, request_id, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![actor, format!("登记事项：{}", event.key()), id, before, describe(&stored, cal)],
    )?;
    Ok((id, stored))
}

fn insert_event(tx: &Transaction, id: i64, seq: i64, e: &Event) -> Result<(), StoreError> {
    let row = event_row(e);
    tx.prepare_cached(
        "INSERT INTO events (request_id, seq, kind, on_date, reply_by, days, approver, yuan, outcome, delivered, party) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        id,
        seq,
        row.kind,
        e.date().to_string(),
        row.reply_by,
        row.days,
        row.approver,
        row.yuan,
        row.outcome,
        row.delivered,
        row.party
    ])?;
    Ok(())
}

/// An event's columns beside its kind and date.
struct EventRow {
    kind: &'static str,
    reply_by: Option<String>,
    days: Option<u32>,
    approver: Option<String>,
    yuan: Option<u64>,
    outcome: Option<String>,
    delivered: Option<String>,
    party: Option<String>,
}

fn event_row(e: &Event) -> EventRow {
    let mut row = EventRow {
        kind: e.key(),
        reply_by: None,
        days: None,
        approver: None,
        yuan: None,
        outcome: None,
        delivered: None,
        party: None,
    };
    match e {
        Event::CorrectionRequested { reply_by, .. } => row.reply_by = Some(reply_by.to_string()),
        Event::Extended { days, approver, .. } => {
            row.days = Some(*days);
            row.approver = Some(approver.clone());
        }
        Event::FeeNoticed { yuan, delivered, .. } => {
            row.yuan = Some(*yuan);
            row.delivered = Some(delivered.to_string());
        }
        Event::ConsultationStarted { delivered, party, .. } => {
            row.delivered = Some(delivered.to_string());
            row.party = Some(party.key().to_string());
        }
        Event::Answered { outcome, .. } => row.outcome = Some(outcome_key(*outcome)),
        _ => {}
    }
    row
}

fn describe(s: &Stored, cal: &Calendar) -> String {
    let state = match s.request.state() {
        State::Open => {
            format!("办理中，答复期限 {}", s.request.due(cal).ok().flatten().map_or("—".into(), |d| d.to_string()))
        }
        State::AwaitingCorrection { reply_by } => format!("等待补正（{reply_by} 前）"),
        State::Consulting { since } => format!("征求意见中（自 {since}）"),
        State::AwaitingPayment { since, yuan } => format!("等待缴费 {yuan} 元（自 {since}）"),
        State::Closed { on, outcome } => format!("已办结 {on}：{}", T3Row::Outcome(outcome).label()),
    };
    format!("{} {state}", s.code)
}

impl Store for Sqlite {
    fn create(&mut self, new: NewRequest, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
        let tx = self.write()?;
        let s = insert(&tx, new, actor, cal)?;
        tx.commit()?;
        Ok(s)
    }

    fn record(&mut self, code: &str, event: Event, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
        let tx = self.write()?;
        let (_, stored) = record_in(&tx, code, event, actor, cal)?;
        tx.commit()?;
        Ok(stored)
    }

    fn get(&self, code: &str) -> Result<Stored, StoreError> {
        load(&self.conn, code).map(|(_, s)| s)
    }

    fn calendar_years(&self) -> Result<Vec<CalendarYear>, StoreError> {
        calendar::calendar_years(&self.conn)
    }

    fn save_calendar_year(
        &mut self,
        year: i16,
        text: &str,
        actor: &str,
        cal: &Calendar,
    ) -> Result<Vec<DueChange>, StoreError> {
        self.in_write(|tx| calendar::save_year(tx, year, text, actor, cal))
    }

    fn due_changes(&self) -> Result<Vec<DueChange>, StoreError> {
        calendar::due_changes(&self.conn)
    }

    fn all(&self) -> Result<Vec<Stored>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT code FROM requests ORDER BY id")?;
        let codes: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        codes.iter().map(|c| self.get(c)).collect()
    }

    fn table3(&self, year: i16, template: Template) -> Result<BTreeMap<CellKey, Number>, StoreError> {
        self.table3_cached(year, template)
    }

    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT a.at, a.actor, a.action, r.code, a.before, a.after FROM audit a LEFT JOIN requests r ON r.id = a.request_id ORDER BY a.id",
        )?;
        let rows = stmt.query_map([], audit_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_document(&mut self, doc: &Document, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| records::add_document(tx, doc, actor))
    }

    fn repeal_document(&mut self, id: i64, on: Date, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::repeal_document(tx, id, on, actor))
    }

    fn documents(&self) -> Result<Vec<(i64, Document)>, StoreError> {
        records::documents(&self.conn)
    }

    fn set_art20(&mut self, year: i16, figures: &Art20Figures, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::set_art20(tx, year, figures, actor))
    }

    fn art20(&self, year: i16) -> Result<Option<Art20Figures>, StoreError> {
        records::art20(&self.conn, year)
    }

    fn add_case(&mut self, case: &Case, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| records::add_case(tx, case, actor))
    }

    fn decide_case(&mut self, id: i64, on: Date, result: CaseResult, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::decide_case(tx, id, on, result, actor))
    }

    fn cases(&self) -> Result<Vec<(i64, Case)>, StoreError> {
        records::cases(&self.conn)
    }

    fn set_text(&mut self, year: i16, section: EditableSection, text: &str, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::set_text(tx, year, section, text, actor))
    }

    fn texts(&self, year: i16) -> Result<BTreeMap<EditableSection, String>, StoreError> {
        records::texts(&self.conn, year)
    }

    fn set_setting(&mut self, key: &str, value: &str, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::set_setting(tx, key, value, actor))
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        records::setting(&self.conn, key)
    }

    fn processing_fees(&self, year: i16) -> Result<u64, StoreError> {
        let payers = records::fee_payers(&self.conn, year)?;
        let requests = payers.iter().map(|c| self.get(c).map(|s| s.request)).collect::<Result<Vec<_>, _>>()?;
        Ok(ogi_rules::annual::processing_fees(&requests, year))
    }

    fn list(&self, filter: &ListFilter, offset: u64, limit: u64) -> Result<(Vec<ListRow>, u64), StoreError> {
        office::list(&self.conn, filter, offset, Some(limit))
    }

    fn export(&self, filter: &ListFilter) -> Result<Vec<ListRow>, StoreError> {
        office::list(&self.conn, filter, 0, None).map(|(rows, _)| rows)
    }

    fn dashboard(&self, today: Date, soon: Date) -> Result<Dashboard, StoreError> {
        office::dashboard(&self.conn, today, soon)
    }

    fn submit_application(
        &mut self,
        tracking_hash: &str,
        on: Date,
        a: &Application,
        files: &[online::Attachment],
    ) -> Result<i64, StoreError> {
        self.in_write(|tx| online::submit(tx, tracking_hash, on, a, files))
    }

    fn attachments(&self, of: online::AttachmentsOf) -> Result<Vec<online::AttachmentInfo>, StoreError> {
        online::attachments(&self.conn, of)
    }

    fn attachment(&self, id: i64) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        online::attachment(&self.conn, id)
    }

    fn application(&self, tracking_hash: &str) -> Result<Option<online::Filed>, StoreError> {
        online::by_tracking(&self.conn, tracking_hash)
    }

    fn pending_applications(&self) -> Result<Vec<online::Filed>, StoreError> {
        online::pending(&self.conn)
    }

    fn confirm_application(&mut self, id: i64, on: Date, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
        self.in_write(|tx| online::confirm(tx, id, on, actor, cal))
    }

    fn applicant_event(
        &mut self,
        tracking_hash: &str,
        event: Event,
        words: &str,
        cal: &Calendar,
    ) -> Result<Stored, StoreError> {
        self.in_write(|tx| online::applicant_event(tx, tracking_hash, event, words, cal))
    }

    fn applicant_messages(&self, code: &str) -> Result<Vec<(Date, String, String)>, StoreError> {
        online::messages(&self.conn, code)
    }

    fn audit_for(&self, code: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT a.at, a.actor, a.action, r.code, a.before, a.after FROM audit a JOIN requests r ON r.id = a.request_id WHERE r.code = ?1 ORDER BY a.id",
        )?;
        let rows = stmt.query_map([code], audit_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn user_count(&self) -> Result<u64, StoreError> {
        office::user_count(&self.conn)
    }

    fn create_user(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        actor: &str,
    ) -> Result<User, StoreError> {
        self.in_write(|tx| office::create_user(tx, username, display_name, role, password_hash, actor))
    }

    fn create_first_admin(
        &mut self,
        username: &str,
        display_name: &str,
        password_hash: &str,
        agency: &str,
    ) -> Result<User, StoreError> {
        self.in_write(|tx| {
            if office::user_count(tx)? > 0 {
                return Err(StoreError::Invalid("管理员已创建".into()));
            }
            let user = office::create_user(tx, username, display_name, Role::Admin, password_hash, "首次设置")?;
            records::set_setting(tx, AGENCY_NAME, agency, username)?;
            Ok(user)
        })
    }

    fn login_user(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        office::login_user(&self.conn, username)
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        office::users(&self.conn)
    }

    fn update_user(&mut self, id: i64, role: Role, active: bool, actor: &str) -> Result<User, StoreError> {
        self.in_write(|tx| office::update_user(tx, id, role, active, actor))
    }

    fn set_password(&mut self, id: i64, password_hash: &str, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::set_password(tx, id, password_hash, actor))
    }

    fn change_own_password(&mut self, id: i64, password_hash: &str, keep_session: i64) -> Result<(), StoreError> {
        self.in_write(|tx| office::change_own_password(tx, id, password_hash, keep_session))
    }

    fn open_session(&mut self, session: &NewSession) -> Result<i64, StoreError> {
        self.in_write(|tx| office::open_session(tx, session))
    }

    fn live_session(&self, token_hash: &str, now: i64) -> Result<Option<LiveSession>, StoreError> {
        office::live_session(&self.conn, token_hash, now)
    }

    fn touch_session(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.in_write(|tx| office::touch_session(tx, id, now))
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::delete_session(tx, token_hash))
    }

    fn sessions_of(&self, user_id: i64, now: i64) -> Result<Vec<SessionInfo>, StoreError> {
        office::sessions_of(&self.conn, user_id, now)
    }

    fn session_counts(&self, now: i64) -> Result<BTreeMap<i64, u64>, StoreError> {
        office::session_counts(&self.conn, now)
    }

    fn revoke_session(&mut self, user_id: i64, id: i64, actor: &str) -> Result<bool, StoreError> {
        self.in_write(|tx| office::revoke_session(tx, user_id, id, actor))
    }

    fn revoke_sessions(&mut self, user_id: i64, except: Option<i64>, actor: &str) -> Result<u64, StoreError> {
        self.in_write(|tx| office::revoke_sessions(tx, user_id, except, actor))
    }

    fn force_password_change(&mut self, id: i64, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::force_password_change(tx, id, actor))
    }

    fn login_locked(&self, username: &str) -> Result<Option<i64>, StoreError> {
        office::login_locked(&self.conn, username)
    }

    fn login_failed(&mut self, username: &str, now: i64, max: u32, window: i64) -> Result<bool, StoreError> {
        self.in_write(|tx| office::login_failed(tx, username, now, max, window))
    }

    fn login_succeeded(&mut self, username: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::login_succeeded(tx, username))
    }

    fn locked_logins(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        office::locked_logins(&self.conn)
    }

    fn unlock_user(&mut self, id: i64, actor: &str) -> Result<bool, StoreError> {
        self.in_write(|tx| office::unlock_user(tx, id, actor))
    }

    fn issue_api_token(&mut self, token: &NewToken, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| office::issue_api_token(tx, token, actor))
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        office::api_token(&self.conn, token_hash)
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        office::api_tokens(&self.conn)
    }

    fn touch_api_token(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.in_write(|tx| office::touch_api_token(tx, id, now))
    }

    fn revoke_api_token(&mut self, id: i64, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::revoke_api_token(tx, id, actor))
    }

    fn letter_template(&self, kind: &str) -> Result<Option<String>, StoreError> {
        office::letter_template(&self.conn, kind)
    }

    fn set_letter_template(&mut self, kind: &str, text: Option<&str>, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::set_letter_template(tx, kind, text, actor))
    }
}

fn audit_row(r: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        at: r.get(0)?,
        actor: r.get(1)?,
        action: r.get(2)?,
        code: r.get(3)?,
        before: r.get(4)?,
        after: r.get(5)?,
    })
}

// ---- Serving many readers (found by the workbench's load test,
// ogi-web/benches/load.rs): a memory-mapped database, table 三 computed once
// per change of the register, the count of open requests from the index ----

/// How much of the database file each connection maps (reads only; SQLite
/// falls back to ordinary reads beyond it).
const MMAP_BYTES: i64 = 1 << 30;

/// A computed table 三 and the state of the database it was computed from.
struct Table3Cache {
    year: i16,
    template: Template,
    /// (`PRAGMA data_version`, `total_changes()`): the first changes when
    /// another connection commits, the second when this one writes.
    version: (i64, i64),
    cells: BTreeMap<CellKey, Number>,
}

impl Sqlite {
    /// Table 三 from the cache while the database is unchanged, else computed
    /// (a pass over every request of the year: the workbench shows it on
    /// every load of 工作台).
    fn table3_cached(&self, year: i16, template: Template) -> Result<BTreeMap<CellKey, Number>, StoreError> {
        // Read before computing: a commit in between makes the next call recompute.
        let version: (i64, i64) =
            self.conn.query_row("SELECT (SELECT data_version FROM pragma_data_version), total_changes()", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if let Some(c) = self.table3_cache.borrow().as_ref() {
            if c.year == year && c.template == template && c.version == version {
                return Ok(c.cells.clone());
            }
        }
        let cells = self.table3_uncached(year, template)?;
        *self.table3_cache.borrow_mut() = Some(Table3Cache { year, template, version, cells: cells.clone() });
        Ok(cells)
    }

    fn table3_uncached(&self, year: i16, template: Template) -> Result<BTreeMap<CellKey, Number>, StoreError> {
        let (start, end) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
        let mut counts: BTreeMap<(T3Row, ApplicantColumn), i64> = BTreeMap::new();
        // One pass over the requests that matter for Y: received by its end
        // and not closed before its start.
        let mut stmt = self.conn.prepare_cached(
            "SELECT applicant, outcome,
                    SUM(received >= ?1),
                    SUM(received < ?1),
                    SUM(closed_on IS NOT NULL AND closed_on <= ?2),
                    SUM(closed_on IS NULL OR closed_on > ?2)
             FROM requests INDEXED BY requests_t3
             WHERE received <= ?2 AND (closed_on IS NULL OR closed_on >= ?1)
             GROUP BY applicant, outcome",
        )?;
        let rows = stmt.query_map(params![start, end], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        for row in rows {
            let (applicant, outcome, new, carried, closed, forward) = row?;
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
}

/// An audit line for a change that is not about one request (records,
/// accounts, settings), in the change's own transaction.
pub(crate) fn audit(
    tx: &Transaction,
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
