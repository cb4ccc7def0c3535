//! The request register and the records of the annual report, stored. One
//! interface ([`Store`]) over one [`Database`], which is either SQLite, the
//! embedded default (a file under `./ogi-data/`, WAL), or PostgreSQL, for a
//! shared deployment (chosen by a `postgres://` [`Location`]). The queries
//! are written once (see `sql`); migrations run on open (see `schema`).
//!
//! Code map: `schema` (migrations, both dialects), `sql` (values, rows,
//! statements for either backend), `requests` (a request and its events),
//! `table3` (table 三 as one query), `office` (lists, workbench, accounts),
//! `records` (documents, cases, texts, settings), `calendar`, `online`
//! (applications filed on the portal), `search` (the Chinese bigram index),
//! `export` (CSV), `audit`.
//!
//! The store keeps what happened (a request's receipt and its events) and an
//! audit log of every change (who, when, what, before/after). A request's
//! state and deadline are always recomputed by `ogi-rules` from its events;
//! the columns that repeat them (`closed_on`, `outcome`, `due`) exist only so
//! that table 三 and the overdue list are SQL queries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ogi_rules::annual::{Art20Figures, Case, CaseResult, Document, EditableSection, Records};
use ogi_rules::input::Application;
use ogi_rules::request::{Event, Request, RequestError};
use ogi_rules::{Calendar, Date};
use ogi_vocab::cells::{CellKey, Template};
use ogi_vocab::Number;
use rusqlite::{Connection, TransactionBehavior};

pub mod agency;
mod audit;
mod calendar;
pub mod copy;
pub mod export;
mod office;
pub mod online;
pub mod published;
mod records;
pub mod region;
mod requests;
pub mod review;
mod schema;
mod scope;
pub mod scratch;
mod search;
mod sql;
mod table3;
pub(crate) use audit::audit;
pub use calendar::{load_calendar, load_files, CalendarYear, DueChange};
pub use office::{
    ApiToken, Dashboard, DashboardCounts, ListFilter, ListRow, LiveSession, NewSession, NewToken, Role, SessionInfo,
    StateFilter, TokenScope, User, DASHBOARD_CAP,
};
pub use records::AGENCY_NAME;
pub(crate) use requests::{corrupt, date, insert, load, parse_outcome, record_in};
pub use scope::{Reach, Scope, ROOT_AGENCY};
use sql::{PgConn, Sql};

#[derive(Debug)]
pub enum StoreError {
    /// The database failed in a way none of the cases below name.
    Db(String),
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
    /// A value that must be unique is taken (a login name, a code).
    Duplicate(String),
    /// Someone else changed the request since it was read (a lost race).
    Conflict,
    /// The caller's scope may read this but not change it (a supervisor
    /// below its own agency), or may not do this at all.
    Forbidden(String),
    /// The database location cannot be understood.
    BadLocation(String),
    /// The database server cannot be reached (down, refused, timed out).
    Unavailable(String),
    /// The database was migrated by a newer ogi.
    NewerSchema {
        found: usize,
        known: usize,
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
            StoreError::Duplicate(m) => write!(f, "已存在，不能重复：{m}"),
            StoreError::Conflict => f.write_str("该申请已被他人修改，请刷新后重试"),
            StoreError::Forbidden(m) => f.write_str(m),
            StoreError::BadLocation(m) => write!(f, "数据库地址无效：{m}"),
            StoreError::Unavailable(m) => write!(f, "无法连接数据库服务器：{m}"),
            StoreError::NewerSchema { found, known } => {
                write!(f, "数据库版本 {found} 比本程序新（{known}），请使用更新版本的 ogi")
            }
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(sql::SqlError::from(e))
    }
}

impl From<sql::SqlError> for StoreError {
    fn from(e: sql::SqlError) -> Self {
        use rusqlite::ErrorCode;
        use sql::SqlError;
        match e {
            SqlError::NoRows => StoreError::Db("没有找到记录".into()),
            SqlError::Type(m) => StoreError::Corrupt(m),
            SqlError::Sqlite(rusqlite::Error::SqliteFailure(f, m)) => match (f.code, f.extended_code) {
                (ErrorCode::ConstraintViolation, 2067 | 1555) => StoreError::Duplicate(m.unwrap_or_default()),
                (ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked, _) => StoreError::Conflict,
                (ErrorCode::CannotOpen, _) => StoreError::Unavailable(m.unwrap_or_else(|| f.to_string())),
                _ => StoreError::Db(m.unwrap_or_else(|| f.to_string())),
            },
            SqlError::Sqlite(e) => StoreError::Db(e.to_string()),
            SqlError::Postgres(e) => {
                use postgres::error::SqlState;
                match e.code() {
                    Some(c) if *c == SqlState::UNIQUE_VIOLATION => {
                        StoreError::Duplicate(e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default())
                    }
                    Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED => {
                        StoreError::Conflict
                    }
                    Some(c) if c.code().starts_with("08") || c.code().starts_with("57P") => {
                        StoreError::Unavailable(e.to_string())
                    }
                    None if e.is_closed() || e.as_db_error().is_none() => StoreError::Unavailable(e.to_string()),
                    _ => StoreError::Db(sql::SqlError::Postgres(e).to_string()),
                }
            }
        }
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
    /// The agency the request was made to.
    pub agency_id: i64,
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

/// The storage interface (one implementation, [`Database`], either backend).
pub trait Store {
    /// Registers a request; returns it with its new tracking code.
    fn create(&mut self, new: NewRequest, actor: &str, cal: &Calendar) -> Result<Stored, StoreError>;
    /// Records an event if the law allows it (else the store is unchanged).
    fn record(&mut self, code: &str, event: Event, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
        self.record_seen(code, None, event, actor, cal)
    }
    /// `record`, refused with [`StoreError::Conflict`] if the request no
    /// longer has the `seen` events it had when the caller read it.
    fn record_seen(
        &mut self,
        code: &str,
        seen: Option<usize>,
        event: Event,
        actor: &str,
        cal: &Calendar,
    ) -> Result<Stored, StoreError>;
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
    /// `receipt_code` (the code itself) is kept only for the receipt e-mail, until it is sent.
    fn submit_application(
        &mut self,
        tracking_hash: &str,
        receipt_code: &str,
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
    /// their words and files, recorded as the event if the law allows it.
    fn applicant_event(
        &mut self,
        tracking_hash: &str,
        event: Event,
        words: &str,
        files: &[online::Attachment],
        cal: &Calendar,
    ) -> Result<Stored, StoreError>;
    /// Takes the applicants' e-mails due at `now` (seconds since the epoch)
    /// for sending, each leased for `lease` seconds (see `online::claim_notices`).
    fn claim_notices(&mut self, now: i64, lease: i64, limit: i64) -> Result<Vec<online::Notice>, StoreError>;
    fn notice_sent(&mut self, id: i64, now: i64) -> Result<(), StoreError>;
    /// A failed try: again at `retry_at`, or never.
    fn notice_failed(&mut self, id: i64, error: &str, retry_at: Option<i64>) -> Result<(), StoreError>;
    /// The e-mails to the applicant of request `code`, oldest first.
    fn notices_of(&self, code: &str) -> Result<Vec<online::NoticeState>, StoreError>;
    /// The applicant's words on the tracking page, oldest first: (date, event key, text).
    fn applicant_messages(&self, code: &str) -> Result<Vec<(Date, String, String)>, StoreError>;
    /// Audits that `actor` saw `what`'s personal data unmasked (not found when
    /// the scope does not read it).
    fn audit_unmasked_view(&mut self, what: online::Viewed, actor: &str) -> Result<(), StoreError>;
    /// Keeps a letter as delivered to the applicant online (`body`: the
    /// rendered letter, opaque here); returns its id. Audited.
    #[allow(clippy::too_many_arguments)]
    fn deliver_letter(
        &mut self,
        code: &str,
        kind: &str,
        title: &str,
        body: &str,
        on: Date,
        actor: &str,
        files: &[online::Attachment],
    ) -> Result<i64, StoreError>;
    /// The files (the information itself) delivered with request `code`'s letters: (letter id, file).
    fn delivered_files(&self, code: &str) -> Result<Vec<(i64, online::AttachmentInfo)>, StoreError>;
    /// One of them: (name, type, bytes); none if it is another request's.
    fn delivered_file(&self, code: &str, id: i64) -> Result<Option<(String, String, Vec<u8>)>, StoreError>;
    /// The letters delivered for a request, oldest first, with their bodies;
    /// with `id`, only that one (none if it is another request's).
    fn delivered_letters(
        &self,
        code: &str,
        id: Option<i64>,
    ) -> Result<Vec<(online::DeliveredLetter, String)>, StoreError>;
    fn user_count(&self) -> Result<u64, StoreError>;
    /// A user of the scope's own agency.
    fn create_user(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        actor: &str,
    ) -> Result<User, StoreError>;
    /// A user of `agency` (one the scope reads: an administrator's own or below).
    fn create_user_in(
        &mut self,
        agency: i64,
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

    // ---- agencies (see `agency`) ----

    /// The agencies the scope reads, each root followed by its subtree.
    fn agencies(&self) -> Result<Vec<agency::Agency>, StoreError>;
    /// The whole tree whatever the scope: agencies' names are public (the
    /// portal lists them for applicants to choose where to apply).
    fn agency_directory(&self) -> Result<Vec<agency::Agency>, StoreError>;
    /// One agency below one the scope reads.
    fn create_agency(&mut self, new: &agency::NewAgency, actor: &str) -> Result<agency::Agency, StoreError>;
    /// Imports `code,name,parent,kind` lines (all or nothing).
    fn import_agencies(&mut self, csv: &[u8], actor: &str) -> Result<agency::AgencyImport, StoreError>;
    /// Sets the pattern of an agency's tracking codes.
    fn set_code_pattern(
        &mut self,
        agency: &str,
        pattern: &ogi_rules::agency::CodePattern,
        actor: &str,
    ) -> Result<(), StoreError>;

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

/// Where the register lives: a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://user@host:port/name` URL.
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is a PostgreSQL database; anything
    /// else a SQLite file (`sqlite:` in front is allowed).
    pub fn parse(s: &str) -> Result<Location, StoreError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(StoreError::BadLocation("地址为空".into()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            s.parse::<postgres::Config>().map_err(|e| StoreError::BadLocation(format!("{}：{e}", redact(s))))?;
            return Ok(Location::Postgres(s.to_string()));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(StoreError::BadLocation(format!(
                "不支持的数据库类型 {scheme}（可用 postgres:// 或 SQLite 文件路径）"
            )));
        }
        Ok(Location::Sqlite(PathBuf::from(s.strip_prefix("sqlite:").unwrap_or(s))))
    }

    /// The directory beside a SQLite file (calendar files are read from it).
    pub fn data_dir(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => p.parent(),
            Location::Postgres(_) => None,
        }
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Location {
        Location::Sqlite(p)
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Location {
        Location::Sqlite(p.clone())
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Location {
        Location::Sqlite(p.to_path_buf())
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Location {
        l.clone()
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// A URL with its password replaced (for messages and logs).
fn redact(url: &str) -> String {
    match url.split_once("://").and_then(|(s, rest)| rest.split_once('@').map(|(user, host)| (s, user, host))) {
        Some((scheme, user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The register, on either backend.
pub struct Database {
    backend: Backend,
    /// Whose data this connection reads and writes (the operator's, until
    /// the server sets a user's scope for each request).
    scope: Scope,
    /// The last table 三 this connection computed (see `table3`).
    table3_cache: std::cell::RefCell<Option<table3::Table3Cache>>,
}

enum Backend {
    Sqlite(Connection),
    Postgres(PgConn),
}

impl Database {
    /// Opens (creating if needed) a SQLite file and runs pending migrations.
    pub fn open(path: &Path) -> Result<Database, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path)?;
        schema::open_sqlite(&mut conn)?;
        Ok(Database::with(Backend::Sqlite(conn)))
    }

    pub fn open_in_memory() -> Result<Database, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        schema::open_sqlite(&mut conn)?;
        Ok(Database::with(Backend::Sqlite(conn)))
    }

    /// Opens the register at `location` (connecting to a PostgreSQL server).
    pub fn connect(location: &Location) -> Result<Database, StoreError> {
        match location {
            Location::Sqlite(path) => Database::open(path),
            Location::Postgres(url) => {
                let mut config: postgres::Config =
                    url.parse().map_err(|e| StoreError::BadLocation(format!("{}：{e}", redact(url))))?;
                if config.get_connect_timeout().is_none() {
                    config.connect_timeout(std::time::Duration::from_secs(10));
                }
                config.application_name("ogi");
                let client = config
                    .connect(postgres::NoTls)
                    .map_err(|e| StoreError::Unavailable(format!("{}：{e}", redact(url))))?;
                let pg = PgConn::new(client);
                schema::open_postgres(&pg)?;
                Ok(Database::with(Backend::Postgres(pg)))
            }
        }
    }

    /// `connect` to a location given as text (a path or a URL).
    pub fn open_location(location: &str) -> Result<Database, StoreError> {
        Database::connect(&Location::parse(location)?)
    }

    fn with(backend: Backend) -> Database {
        Database { backend, scope: Scope::OPERATOR, table3_cache: Default::default() }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Whether the connection still works (a pool drops broken ones).
    pub fn is_broken(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(_) => false,
            Backend::Postgres(pg) => pg.is_closed(),
        }
    }

    /// Sets whose data this connection reads and writes from now on.
    pub fn set_scope(&mut self, scope: Scope) {
        self.scope = scope;
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Reads (outside a transaction).
    pub(crate) fn sql(&self) -> Sql<'_> {
        match &self.backend {
            Backend::Sqlite(c) => Sql::lite(c, &self.scope),
            Backend::Postgres(pg) => Sql::pg(pg, &self.scope),
        }
    }

    /// Runs `f` in a write transaction, committed only if `f` succeeds. On
    /// SQLite the write lock is taken at once (a second writer waits for the
    /// busy timeout instead of failing at its first write); on PostgreSQL
    /// rows are locked as they are changed.
    fn in_write<T>(&mut self, f: impl FnOnce(&Sql) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let scope = &self.scope;
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let v = f(&Sql::lite(&tx, scope))?;
                tx.commit()?;
                Ok(v)
            }
            Backend::Postgres(pg) => {
                pg.batch("BEGIN")?;
                match f(&Sql::pg(pg, scope)) {
                    Ok(v) => {
                        pg.batch("COMMIT")?;
                        Ok(v)
                    }
                    Err(e) => {
                        // A broken connection has no transaction left to end.
                        let _ = pg.batch("ROLLBACK");
                        Err(e)
                    }
                }
            }
        }
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
        self.in_write(|tx| requests::import(tx, requests, summary, actor, cal))
    }

    /// Stores the requests of many agencies in one transaction: `registers`
    /// yields each agency's id with its checked requests (a simulated region
    /// or a batch of migrated registers). Only an operator may do it.
    ///
    /// One transaction rather than one per agency because a large register's
    /// indexes take each insert to a different page: committed agency by
    /// agency, a region of 2,000 × 500 requests took over an hour on SQLite,
    /// almost all of it rewriting the same pages. On SQLite the page cache is
    /// raised to `cache_mib` for the transaction so those pages stay in memory.
    pub fn import_registers(
        &mut self,
        registers: impl Iterator<Item = (i64, Vec<Request>)>,
        summary: &str,
        actor: &str,
        cal: &Calendar,
        cache_mib: u32,
    ) -> Result<usize, StoreError> {
        if self.scope.reach() != Reach::Everything {
            return Err(StoreError::Forbidden("只有系统运维可以批量导入多个机关的申请".into()));
        }
        let raised = match &self.backend {
            Backend::Sqlite(conn) => {
                let before: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
                conn.pragma_update(None, "cache_size", -(i64::from(cache_mib) * 1024))?;
                Some(before)
            }
            Backend::Postgres(_) => None,
        };
        let stored = self.in_write(|tx| {
            let mut stored = 0;
            for (agency, requests) in registers {
                let scope = Scope::operator_in(agency);
                requests::import(&tx.with_scope(&scope), &requests, summary, actor, cal)?;
                stored += requests.len();
            }
            Ok(stored)
        });
        if let (Some(before), Backend::Sqlite(conn)) = (raised, &self.backend) {
            conn.pragma_update(None, "cache_size", before)?;
        }
        stored
    }

    /// A new intake batch of published reports for `year`, kept by the
    /// scope's agency (see `published`).
    pub fn create_intake_batch(&mut self, year: i16, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| published::create_batch(tx, year, actor))
    }

    /// One file of a batch, with the version read from it (one transaction:
    /// a batch cut off midway keeps every file it finished).
    pub fn add_intake_file(&mut self, batch: i64, file: &published::NewFile, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| published::add_file(tx, batch, file, actor))
    }

    /// A failed or unmatched file of a batch, read again.
    pub fn retry_intake_file(&mut self, file: i64, now: &published::NewFile, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| published::retry_file(tx, file, now, actor))
    }

    /// Removes every version a batch made (see `published`); returns how many.
    pub fn roll_back_batch(&mut self, batch: i64, actor: &str) -> Result<usize, StoreError> {
        self.in_write(|tx| published::roll_back(tx, batch, actor))
    }

    /// The batches of the agencies the scope reads, with their counts.
    pub fn intake_batches(&self) -> Result<Vec<published::Batch>, StoreError> {
        published::batches(&self.sql())
    }

    /// One batch with its counts, if the scope reads it.
    pub fn intake_batch(&self, id: i64) -> Result<Option<published::Batch>, StoreError> {
        published::batch(&self.sql(), id)
    }

    pub fn intake_files(&self, batch: i64) -> Result<Vec<published::IntakeFile>, StoreError> {
        published::files(&self.sql(), batch)
    }

    /// A corrected version of an agency's report (it becomes the active one).
    pub fn add_report_version(&mut self, new: &published::NewVersion, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| published::add_version(tx, new, None, actor))
    }

    /// A reviewer's correction made from version `seen` (refused if another
    /// version became active since); returns the new version's id.
    pub fn correct_report(&mut self, new: &published::NewVersion, seen: i64, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| published::correct(tx, new, seen, actor))
    }

    /// Every version of an agency's report for a year, oldest first.
    pub fn report_versions(&self, agency: i64, year: i16) -> Result<Vec<published::ReportVersion>, StoreError> {
        published::versions(&self.sql(), agency, year)
    }

    /// The active report version of each agency the scope reads.
    pub fn active_reports(&self, year: i16) -> Result<Vec<published::ReportVersion>, StoreError> {
        published::active(&self.sql(), year)
    }

    /// Marks a finding on an agency's report (已确认 / 误报 / 已整改, see `review`).
    pub fn mark_finding(&mut self, new: &review::NewMark, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| review::mark(tx, new, actor))
    }

    /// Every mark of `year` on the agencies the scope reads (or on one), oldest first per finding.
    pub fn finding_marks(&self, year: i16, agency: Option<i64>) -> Result<Vec<review::FindingMark>, StoreError> {
        review::marks(&self.sql(), year, agency)
    }

    /// Every agency the scope reads under `under` (its code; all without
    /// one) with its figures for `year`: the active published version, else
    /// its records drafted, else missing (see `region`).
    pub fn region(&self, year: i16, under: Option<&str>) -> Result<Vec<region::RegionAgency>, StoreError> {
        region::region(&self.sql(), year, under)
    }

    /// The agencies the scope reads under `under` (itself included), root first.
    pub fn agencies_under(&self, under: Option<&str>) -> Result<Vec<agency::Agency>, StoreError> {
        region::subtree(&self.sql(), under)
    }

    /// The tracking codes of the requests an agency's table 三 of `year`
    /// counts in `key` (drill-down to the register).
    pub fn counted_requests(&self, agency: i64, year: i16, key: CellKey) -> Result<Vec<String>, StoreError> {
        region::counted(&self.sql(), agency, year, key)
    }

    /// Copies this whole register (a SQLite file) into `target`, a database
    /// that holds no request and no user yet, in one transaction on the
    /// target; returns the rows copied per table (counts checked on both).
    pub fn copy_into(&self, target: &mut Database) -> Result<copy::CopyCounts, StoreError> {
        let from = self.sql();
        target.in_write(|to| copy::copy(&from, to))
    }

    /// Copies this one-agency SQLite register into a shared deployment as the
    /// new agency `code` below `parent` (see `copy::copy_as_agency`).
    pub fn copy_as_agency(
        &self,
        target: &mut Database,
        code: &str,
        parent: &str,
    ) -> Result<copy::CopyCounts, StoreError> {
        let from = self.sql();
        target.in_write(|to| copy::copy_as_agency(&from, &to.with_scope(&scope::EVERYTHING), code, parent))
    }

    /// Writes a consistent copy of this SQLite register to `out` while it is
    /// in use (SQLite's online backup); PostgreSQL is backed up with `pg_dump`.
    pub fn backup_to(&self, out: &Path) -> Result<(), StoreError> {
        let Backend::Sqlite(conn) = &self.backend else {
            return Err(StoreError::Invalid("PostgreSQL 数据库请用 pg_dump 备份".into()));
        };
        if out.exists() {
            return Err(StoreError::Invalid(format!("{} 已存在，不会覆盖", out.display())));
        }
        let mut dest = Connection::open(out)?;
        rusqlite::backup::Backup::new(conn, &mut dest)?.run_to_completion(256, std::time::Duration::ZERO, None)?;
        Ok(())
    }

    /// Replaces this SQLite register with the backup at `from` (checked to be
    /// an ogi register this version can read), in place, while it is open.
    pub fn restore_from(&mut self, from: &Path) -> Result<(), StoreError> {
        let Backend::Sqlite(conn) = &mut self.backend else {
            return Err(StoreError::Invalid("PostgreSQL 数据库请用 pg_restore 恢复".into()));
        };
        let src = Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", from.display())))?;
        let is_register: bool = src
            .query_row("SELECT COUNT(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'", [], |r| {
                r.get(0)
            })
            .map_err(|e| StoreError::Invalid(format!("{}: 不是 ogi 登记簿（{e}）", from.display())))?;
        let version: usize = src.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if !is_register || version == 0 {
            return Err(StoreError::Invalid(format!("{}: 不是 ogi 登记簿", from.display())));
        }
        if version > schema::MIGRATIONS.len() {
            return Err(StoreError::NewerSchema { found: version, known: schema::MIGRATIONS.len() });
        }
        rusqlite::backup::Backup::new(&src, conn)?.run_to_completion(256, std::time::Duration::ZERO, None)?;
        drop(src);
        // A backup from an older ogi is brought up to date.
        schema::open_sqlite(conn)?;
        *self.table3_cache.borrow_mut() = None;
        Ok(())
    }

    /// Registers many requests in one transaction (for imports): all or none.
    pub fn create_many(
        &mut self,
        news: Vec<NewRequest>,
        actor: &str,
        cal: &Calendar,
    ) -> Result<Vec<String>, StoreError> {
        self.in_write(|tx| news.into_iter().map(|n| insert(tx, n, actor, cal).map(|s| s.code)).collect())
    }
}

impl Store for Database {
    fn create(&mut self, new: NewRequest, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
        self.in_write(|tx| insert(tx, new, actor, cal))
    }

    fn record_seen(
        &mut self,
        code: &str,
        seen: Option<usize>,
        event: Event,
        actor: &str,
        cal: &Calendar,
    ) -> Result<Stored, StoreError> {
        self.in_write(|tx| record_in(tx, code, seen, event, actor, cal).map(|(_, s)| s))
    }

    fn get(&self, code: &str) -> Result<Stored, StoreError> {
        load(&self.sql(), code).map(|(_, s)| s)
    }

    fn calendar_years(&self) -> Result<Vec<CalendarYear>, StoreError> {
        calendar::calendar_years(&self.sql())
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
        calendar::due_changes(&self.sql())
    }

    fn all(&self) -> Result<Vec<Stored>, StoreError> {
        let codes: Vec<String> =
            self.sql().query_map("SELECT code FROM requests ORDER BY id", sql::params![], |r| r.get(0))?;
        codes.iter().map(|c| self.get(c)).collect()
    }

    fn table3(&self, year: i16, template: Template) -> Result<BTreeMap<CellKey, Number>, StoreError> {
        table3::cached(self, year, template)
    }

    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        audit::all(&self.sql())
    }

    fn add_document(&mut self, doc: &Document, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| records::add_document(tx, doc, actor))
    }

    fn repeal_document(&mut self, id: i64, on: Date, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::repeal_document(tx, id, on, actor))
    }

    fn documents(&self) -> Result<Vec<(i64, Document)>, StoreError> {
        records::documents(&self.sql())
    }

    fn set_art20(&mut self, year: i16, figures: &Art20Figures, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::set_art20(tx, year, figures, actor))
    }

    fn art20(&self, year: i16) -> Result<Option<Art20Figures>, StoreError> {
        records::art20(&self.sql(), year)
    }

    fn add_case(&mut self, case: &Case, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| records::add_case(tx, case, actor))
    }

    fn decide_case(&mut self, id: i64, on: Date, result: CaseResult, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::decide_case(tx, id, on, result, actor))
    }

    fn cases(&self) -> Result<Vec<(i64, Case)>, StoreError> {
        records::cases(&self.sql())
    }

    fn set_text(&mut self, year: i16, section: EditableSection, text: &str, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::set_text(tx, year, section, text, actor))
    }

    fn texts(&self, year: i16) -> Result<BTreeMap<EditableSection, String>, StoreError> {
        records::texts(&self.sql(), year)
    }

    fn set_setting(&mut self, key: &str, value: &str, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| records::set_setting(tx, key, value, actor))
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        records::setting(&self.sql(), key)
    }

    fn processing_fees(&self, year: i16) -> Result<u64, StoreError> {
        let payers = records::fee_payers(&self.sql(), year)?;
        let requests = payers.iter().map(|c| self.get(c).map(|s| s.request)).collect::<Result<Vec<_>, _>>()?;
        Ok(ogi_rules::annual::processing_fees(&requests, year))
    }

    fn list(&self, filter: &ListFilter, offset: u64, limit: u64) -> Result<(Vec<ListRow>, u64), StoreError> {
        office::list(&self.sql(), filter, offset, Some(limit))
    }

    fn export(&self, filter: &ListFilter) -> Result<Vec<ListRow>, StoreError> {
        office::list(&self.sql(), filter, 0, None).map(|(rows, _)| rows)
    }

    fn dashboard(&self, today: Date, soon: Date) -> Result<Dashboard, StoreError> {
        office::dashboard(&self.sql(), today, soon)
    }

    fn submit_application(
        &mut self,
        tracking_hash: &str,
        receipt_code: &str,
        on: Date,
        a: &Application,
        files: &[online::Attachment],
    ) -> Result<i64, StoreError> {
        self.in_write(|tx| online::submit(tx, tracking_hash, receipt_code, on, a, files))
    }

    fn attachments(&self, of: online::AttachmentsOf) -> Result<Vec<online::AttachmentInfo>, StoreError> {
        online::attachments(&self.sql(), of)
    }

    fn attachment(&self, id: i64) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        online::attachment(&self.sql(), id)
    }

    fn application(&self, tracking_hash: &str) -> Result<Option<online::Filed>, StoreError> {
        online::by_tracking(&self.sql(), tracking_hash)
    }

    fn pending_applications(&self) -> Result<Vec<online::Filed>, StoreError> {
        online::pending(&self.sql())
    }

    fn confirm_application(&mut self, id: i64, on: Date, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
        self.in_write(|tx| online::confirm(tx, id, on, actor, cal))
    }

    fn applicant_event(
        &mut self,
        tracking_hash: &str,
        event: Event,
        words: &str,
        files: &[online::Attachment],
        cal: &Calendar,
    ) -> Result<Stored, StoreError> {
        self.in_write(|tx| online::applicant_event(tx, tracking_hash, event, words, files, cal))
    }

    fn claim_notices(&mut self, now: i64, lease: i64, limit: i64) -> Result<Vec<online::Notice>, StoreError> {
        self.in_write(|tx| online::claim_notices(tx, now, lease, limit))
    }

    fn notice_sent(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.in_write(|tx| online::notice_sent(tx, id, now))
    }

    fn notice_failed(&mut self, id: i64, error: &str, retry_at: Option<i64>) -> Result<(), StoreError> {
        self.in_write(|tx| online::notice_failed(tx, id, error, retry_at))
    }

    fn notices_of(&self, code: &str) -> Result<Vec<online::NoticeState>, StoreError> {
        online::notices_of(&self.sql(), code)
    }

    fn applicant_messages(&self, code: &str) -> Result<Vec<(Date, String, String)>, StoreError> {
        online::messages(&self.sql(), code)
    }

    fn audit_unmasked_view(&mut self, what: online::Viewed, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| online::viewed(tx, what, actor))
    }

    fn deliver_letter(
        &mut self,
        code: &str,
        kind: &str,
        title: &str,
        body: &str,
        on: Date,
        actor: &str,
        files: &[online::Attachment],
    ) -> Result<i64, StoreError> {
        self.in_write(|tx| online::deliver_letter(tx, code, kind, title, body, on, actor, files))
    }

    fn delivered_files(&self, code: &str) -> Result<Vec<(i64, online::AttachmentInfo)>, StoreError> {
        online::delivered_files(&self.sql(), code)
    }

    fn delivered_file(&self, code: &str, id: i64) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        online::delivered_file(&self.sql(), code, id)
    }

    fn delivered_letters(
        &self,
        code: &str,
        id: Option<i64>,
    ) -> Result<Vec<(online::DeliveredLetter, String)>, StoreError> {
        online::delivered_letters(&self.sql(), code, id)
    }

    fn audit_for(&self, code: &str) -> Result<Vec<AuditEntry>, StoreError> {
        audit::of_request(&self.sql(), code)
    }

    fn agencies(&self) -> Result<Vec<agency::Agency>, StoreError> {
        agency::all(&self.sql())
    }

    fn agency_directory(&self) -> Result<Vec<agency::Agency>, StoreError> {
        agency::directory(&self.sql())
    }

    fn create_agency(&mut self, new: &agency::NewAgency, actor: &str) -> Result<agency::Agency, StoreError> {
        self.in_write(|tx| agency::create(tx, new, actor))
    }

    fn import_agencies(&mut self, csv: &[u8], actor: &str) -> Result<agency::AgencyImport, StoreError> {
        self.in_write(|tx| agency::import(tx, csv, actor))
    }

    fn set_code_pattern(
        &mut self,
        code: &str,
        pattern: &ogi_rules::agency::CodePattern,
        actor: &str,
    ) -> Result<(), StoreError> {
        self.in_write(|tx| agency::set_code_pattern(tx, code, pattern, actor))
    }

    fn user_count(&self) -> Result<u64, StoreError> {
        office::user_count(&self.sql())
    }

    fn create_user(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        actor: &str,
    ) -> Result<User, StoreError> {
        let agency = self.scope.agency_id();
        self.create_user_in(agency, username, display_name, role, password_hash, actor)
    }

    fn create_user_in(
        &mut self,
        agency: i64,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        actor: &str,
    ) -> Result<User, StoreError> {
        self.in_write(|tx| office::create_user(tx, agency, username, display_name, role, password_hash, actor))
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
            // Whoever opens the setup link first sets up the root agency.
            let tx = tx.with_scope(&scope::EVERYTHING);
            let user =
                office::create_user(&tx, ROOT_AGENCY, username, display_name, Role::Admin, password_hash, "首次设置")?;
            records::set_setting(&tx, AGENCY_NAME, agency, username)?;
            Ok(user)
        })
    }

    fn login_user(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        office::login_user(&self.sql(), username)
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        office::users(&self.sql())
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
        office::live_session(&self.sql(), token_hash, now)
    }

    fn touch_session(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.in_write(|tx| office::touch_session(tx, id, now))
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::delete_session(tx, token_hash))
    }

    fn sessions_of(&self, user_id: i64, now: i64) -> Result<Vec<SessionInfo>, StoreError> {
        office::sessions_of(&self.sql(), user_id, now)
    }

    fn session_counts(&self, now: i64) -> Result<BTreeMap<i64, u64>, StoreError> {
        office::session_counts(&self.sql(), now)
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
        office::login_locked(&self.sql(), username)
    }

    fn login_failed(&mut self, username: &str, now: i64, max: u32, window: i64) -> Result<bool, StoreError> {
        self.in_write(|tx| office::login_failed(tx, username, now, max, window))
    }

    fn login_succeeded(&mut self, username: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::login_succeeded(tx, username))
    }

    fn locked_logins(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        office::locked_logins(&self.sql())
    }

    fn unlock_user(&mut self, id: i64, actor: &str) -> Result<bool, StoreError> {
        self.in_write(|tx| office::unlock_user(tx, id, actor))
    }

    fn issue_api_token(&mut self, token: &NewToken, actor: &str) -> Result<i64, StoreError> {
        self.in_write(|tx| office::issue_api_token(tx, token, actor))
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        office::api_token(&self.sql(), token_hash)
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        office::api_tokens(&self.sql())
    }

    fn touch_api_token(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.in_write(|tx| office::touch_api_token(tx, id, now))
    }

    fn revoke_api_token(&mut self, id: i64, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::revoke_api_token(tx, id, actor))
    }

    fn letter_template(&self, kind: &str) -> Result<Option<String>, StoreError> {
        office::letter_template(&self.sql(), kind)
    }

    fn set_letter_template(&mut self, kind: &str, text: Option<&str>, actor: &str) -> Result<(), StoreError> {
        self.in_write(|tx| office::set_letter_template(tx, kind, text, actor))
    }
}
