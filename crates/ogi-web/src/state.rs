//! What every handler shares: the store (a pool of connections, used off
//! the async workers: on SQLite one writer and many readers, on PostgreSQL
//! every connection reads and writes), the calendar, the templates, the
//! one-time setup token and the login rate limiter.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ogi_rules::{Calendar, Date};
use ogi_store::{Database, Location, Scope, StoreError};

use crate::view::Templates;

/// A table's cells, by key.
pub(crate) type TableCells = std::collections::BTreeMap<ogi_vocab::CellKey, ogi_vocab::Number>;

/// The shared state (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

pub struct Inner {
    pub(crate) db: Db,
    /// The calendar in force; replaced whole when a year is loaded (here or,
    /// seen by `refresh_calendar`, by another process on the same database).
    cal: RwLock<(Arc<Calendar>, CalendarStamp)>,
    pub templates: Templates,
    /// The one-time link that creates the first administrator (`None` once used).
    pub setup_token: Mutex<Option<String>>,
    pub(crate) limiter: Limiter,
    /// The public side's counters (unknown tracking codes, submissions).
    pub(crate) portal: crate::pages::portal::PublicSide,
    /// Intake batches being read now: batch id → (uploads, uploads done).
    pub(crate) intake_runs: Mutex<std::collections::HashMap<i64, (usize, usize)>>,
    /// The workbench's table 三 as HTML, for the cells it was built from
    /// (the cells come cached from the store; rebuilding the HTML is the cost).
    pub(crate) table3_html: Mutex<Option<(TableCells, String)>>,
    /// Password checks cost ~19 MiB and tens of milliseconds each: only a few at once.
    pub(crate) password_checks: tokio::sync::Semaphore,
    /// A fixed "today" (demonstrations, training, tests); else the clock.
    pub today: Option<Date>,
    /// Trusted proxies and the request timeout.
    pub options: crate::Options,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Opens (creating if needed) the register at `location` (a SQLite path
    /// or a PostgreSQL URL).
    pub fn open(location: impl Into<Location>, today: Option<Date>) -> Result<AppState, StoreError> {
        AppState::open_with(location, today, crate::Options::default())
    }

    /// `open`, with trusted proxies, a request timeout and a pool size.
    /// Blocks while it connects: call it off the async workers.
    pub fn open_with(
        location: impl Into<Location>,
        today: Option<Date>,
        options: crate::Options,
    ) -> Result<AppState, StoreError> {
        let location = location.into();
        let first = Database::connect(&location)?;
        let cal = {
            let cal = ogi_store::load_calendar(location.data_dir(), &first).map_err(StoreError::Invalid)?;
            (Arc::new(cal), calendar_stamp(&first)?)
        };
        let pool = options.pool.max(1);
        let db = if first.is_postgres() {
            Db { location, writer: None, idle: Mutex::new(vec![first]), gate: tokio::sync::Semaphore::new(pool), pool }
        } else {
            let writer = Some(Mutex::new(first));
            Db { location, writer, idle: Mutex::new(Vec::new()), gate: tokio::sync::Semaphore::new(pool), pool }
        };
        Ok(AppState(Arc::new(Inner {
            db,
            cal: RwLock::new(cal),
            templates: Templates::new(),
            setup_token: Mutex::new(None),
            limiter: Limiter::default(),
            portal: Default::default(),
            intake_runs: Default::default(),
            password_checks: tokio::sync::Semaphore::new(2),
            table3_html: Mutex::new(None),
            today,
            options,
        })))
    }

    /// The calendar in force (cheap: a shared pointer).
    pub fn cal(&self) -> Arc<Calendar> {
        self.cal.read().unwrap_or_else(|p| p.into_inner()).0.clone()
    }

    /// Puts a new calendar in force at once (a year was just loaded here).
    pub(crate) fn set_calendar(&self, cal: Calendar) -> Result<(), StoreError> {
        let stamp = {
            let store = self.db.take()?;
            let stamp = calendar_stamp(&store);
            self.db.give_back(store);
            stamp?
        };
        *self.cal.write().unwrap_or_else(|p| p.into_inner()) = (Arc::new(cal), stamp);
        Ok(())
    }

    /// Reloads the calendar if another process saved a year since it was
    /// read (the server calls this every few seconds).
    pub async fn refresh_calendar(&self) -> Result<bool, StoreError> {
        let known = self.cal.read().unwrap_or_else(|p| p.into_inner()).1.clone();
        let dir = self.db.location.data_dir().map(Path::to_path_buf);
        let fresh = self
            .read(move |s| {
                let stamp = calendar_stamp(s)?;
                if stamp == known {
                    return Ok(None);
                }
                let cal = ogi_store::load_calendar(dir.as_deref(), s).map_err(StoreError::Invalid)?;
                Ok(Some((cal, stamp)))
            })
            .await?;
        match fresh {
            Some((cal, stamp)) => {
                *self.cal.write().unwrap_or_else(|p| p.into_inner()) = (Arc::new(cal), stamp);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Today in China (UTC+8), or the fixed day.
    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(ogi_rules::china_today)
    }

    /// Runs `f` with a read connection in the public side's scope (no
    /// agency's register: sign-in, the portal's secrets), off the async workers.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        self.read_in(Scope::PUBLIC, f).await
    }

    /// `read` as the signed-in user: their agency, and below for a supervisor.
    pub async fn read_as<T, F>(&self, session: &crate::auth::Session, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        self.read_in(session.user.scope(), f).await
    }

    /// `write` as the signed-in user.
    pub async fn write_as<T, F>(&self, session: &crate::auth::Session, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Database) -> Result<T, StoreError> + Send + 'static,
    {
        self.write_in(session.user.scope(), f).await
    }

    /// Runs `f` with a read connection in `scope` (every checkout sets it:
    /// no connection carries one request's scope into the next).
    pub async fn read_in<T, F>(&self, scope: Scope, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        // Waits for a pooled connection rather than opening one more (found
        // by the load test: under 50 clients, connections beyond the pool
        // were opened and closed on every request).
        let _permit = self.db.gate.acquire().await.map_err(|_| StoreError::Corrupt("内部错误".into()))?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = state.db.take()?;
            conn.set_scope(scope);
            let out = f(&conn);
            state.db.give_back(conn);
            out
        })
        .await
        .unwrap_or_else(|_| Err(StoreError::Corrupt("内部错误".into())))
    }

    /// Runs `f` with a write connection in the public side's scope.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Database) -> Result<T, StoreError> + Send + 'static,
    {
        self.write_in(Scope::PUBLIC, f).await
    }

    /// Runs `f` with a write connection in `scope`, off the async workers:
    /// on SQLite the one writer (SQLite has one writer at a time anyway), on
    /// PostgreSQL any pooled connection (rows are locked, not the database).
    pub async fn write_in<T, F>(&self, scope: Scope, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Database) -> Result<T, StoreError> + Send + 'static,
    {
        let state = self.clone();
        if self.db.writer.is_some() {
            return tokio::task::spawn_blocking(move || {
                let writer = state.db.writer.as_ref().expect("a SQLite writer");
                let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
                conn.set_scope(scope);
                f(&mut conn)
            })
            .await
            .unwrap_or_else(|_| Err(StoreError::Corrupt("内部错误".into())));
        }
        let _permit = self.db.gate.acquire().await.map_err(|_| StoreError::Corrupt("内部错误".into()))?;
        tokio::task::spawn_blocking(move || {
            let mut conn = state.db.take()?;
            conn.set_scope(scope);
            let out = f(&mut conn);
            state.db.give_back(conn);
            out
        })
        .await
        .unwrap_or_else(|_| Err(StoreError::Corrupt("内部错误".into())))
    }
}

pub(crate) struct Db {
    location: Location,
    /// SQLite's one write connection (`None` on PostgreSQL).
    writer: Option<Mutex<Database>>,
    /// Idle connections (SQLite: readers, which WAL lets run beside the
    /// writer; PostgreSQL: for reading and writing).
    idle: Mutex<Vec<Database>>,
    /// One permit per connection the pool may have in use.
    gate: tokio::sync::Semaphore,
    /// Connections kept (`--pool`).
    pool: usize,
}

impl Drop for Db {
    fn drop(&mut self) {
        // A PostgreSQL client closes by blocking on its own runtime, which
        // panics on an async worker (where the last `AppState` may go, at
        // shutdown): the connections are closed on a thread of their own.
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

/// `--pool`'s default: connections at once.
pub const DEFAULT_POOL: usize = 16;

impl Db {
    fn take(&self) -> Result<Database, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(c) => Ok(c),
            None => Database::connect(&self.location),
        }
    }

    fn give_back(&self, conn: Database) {
        // A connection the server dropped is not kept (the next one is new).
        if conn.is_broken() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.pool {
            idle.push(conn);
        }
    }
}

/// Which saved years the calendar was built from (year, saved at).
type CalendarStamp = Vec<(i16, String)>;

fn calendar_stamp(s: &Database) -> Result<CalendarStamp, StoreError> {
    use ogi_store::Store;
    Ok(s.calendar_years()?.into_iter().map(|y| (y.year, y.saved_at)).collect())
}

/// Login attempts per key (user name and address, or address) in a window,
/// in memory: they slow one guesser down. The per-account lock
/// (`MAX_PER_ACCOUNT`) is kept in the store, across addresses and restarts.
#[derive(Default)]
pub(crate) struct Limiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Failed attempts allowed per user name from one address, and per address
/// (an office behind one NAT address shares it), in each window.
pub const MAX_PER_USER: u32 = 5;
pub const MAX_PER_ADDRESS: u32 = 30;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed logins on one account, from any addresses, within
/// `ACCOUNT_WINDOW_SECS`, that lock it until an administrator unlocks it.
pub const MAX_PER_ACCOUNT: u32 = 10;
pub const ACCOUNT_WINDOW_SECS: i64 = 15 * 60;

impl Limiter {
    /// Counts one login attempt against every key and says whether all of
    /// them were still under the limit. Counting before the password is
    /// checked means a burst of simultaneous attempts cannot outrun it.
    pub fn attempt(&self, keys: &[(&str, u32)]) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: forget stale keys when flooded.
        if map.len() > 10_000 {
            map.retain(|_, (_, t)| t.elapsed() <= WINDOW);
        }
        let mut allowed = true;
        for (key, limit) in keys {
            let e = map.entry((*key).to_string()).or_insert((0, Instant::now()));
            if e.1.elapsed() > WINDOW {
                *e = (0, Instant::now());
            }
            allowed &= e.0 < *limit;
        }
        if allowed {
            for (key, _) in keys {
                if let Some(e) = map.get_mut(*key) {
                    e.0 += 1;
                }
            }
        }
        allowed
    }

    /// A successful login: its attempt no longer counts against any key.
    pub fn succeeded(&self, keys: &[&str]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            if let Some(e) = map.get_mut(*key) {
                e.0 = e.0.saturating_sub(1);
            }
        }
    }
}
