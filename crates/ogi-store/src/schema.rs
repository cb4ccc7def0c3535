//! The schema: one list of migrations for both backends, written in
//! SQLite's dialect and translated for PostgreSQL by [`postgres_dialect`]
//! (types, identity keys, the clock, the search index). A database records
//! how many have run (SQLite: `PRAGMA user_version`; PostgreSQL: the table
//! `ogi_schema`); opening runs the rest, one writer at a time, and refuses a
//! database that a newer ogi has migrated further.

use rusqlite::{Connection, TransactionBehavior};

use crate::sql::{PgConn, Sql};
use crate::StoreError;

/// Schema migrations, in order.
pub(crate) const MIGRATIONS: &[&str] = &[
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
    crate::records::MIGRATION,
    crate::office::MIGRATION,
    crate::search::MIGRATION,
    crate::calendar::MIGRATION,
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
    crate::office::SECURITY_MIGRATION,
    crate::online::MIGRATION,
    // Tracking codes from a counter per agency and year (issue 13): safe
    // under many writers (the row is locked while a code is taken).
    "CREATE TABLE code_counters (agency_id INTEGER NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (agency_id, year));",
    // The agency tree (issue 13); what is stored so far is the first agency's.
    crate::agency::MIGRATION,
    // Who sees what (issue 13): everything belongs to an agency.
    crate::agency::SCOPE_MIGRATION,
    // A clerk's search among its agency's rows only (issue 13's load test).
    crate::search::AGENCY_MIGRATION,
    // Published reports of a region, their versions and intake batches (issue 14).
    crate::published::MIGRATION,
    // Letters delivered to the applicant online, as issued (issue 17).
    crate::online::LETTERS_MIGRATION,
    // E-mail to applicants queued with each public step; files with a 补正 (issue 17).
    crate::online::NOTIFY_MIGRATION,
    // The review of findings on the region's reports (issue 14).
    crate::review::MIGRATION,
];

/// The migration that last rebuilt the search index (its rows are written
/// in Rust; the first index, of migration 5, is filled only by this one).
pub(crate) const SEARCH_MIGRATION: usize = 13;
/// The migration whose derived columns are computed in Rust.
pub(crate) const LAW_MIGRATION: usize = 7;
/// The migration whose code counters are filled in Rust.
pub(crate) const COUNTER_MIGRATION: usize = 10;
/// The migration after which agencies' paths are computed in Rust.
pub(crate) const SCOPE_MIGRATION: usize = 12;

/// How much of the database file each SQLite connection maps (reads only;
/// SQLite falls back to ordinary reads beyond it).
const MMAP_BYTES: i64 = 1 << 30;

fn newer(found: usize) -> StoreError {
    StoreError::NewerSchema { found, known: MIGRATIONS.len() }
}

/// Sets a SQLite connection up and brings its schema up to date.
pub(crate) fn open_sqlite(conn: &mut Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // A database from a newer ogi is refused before anything is written to it.
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(newer(version));
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
        after_migration(&Sql::lite(&tx, &crate::scope::EVERYTHING), i + 1)?;
        tx.pragma_update(None, "user_version", i + 1)?;
    }
    tx.commit()?;
    // Reads through the OS page cache shared by every connection, not a
    // private copy per connection (the workbench keeps a pool of readers).
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    // Statistics for the query planner where they are missing or stale
    // (cheap: bounded sampling, and nothing when they are current).
    conn.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
    Ok(())
}

/// What a migration leaves to Rust: rows computed by `ogi-rules`.
fn after_migration(sql: &Sql, done: usize) -> Result<(), StoreError> {
    if done == SEARCH_MIGRATION {
        crate::search::backfill(sql)?;
    }
    if done == LAW_MIGRATION {
        crate::requests::backfill_derived(sql)?;
    }
    if done == COUNTER_MIGRATION {
        crate::requests::backfill_counters(sql)?;
    }
    if done == SCOPE_MIGRATION {
        crate::agency::refresh_paths(sql)?;
    }
    Ok(())
}

/// Brings a PostgreSQL database's schema up to date. Every process takes
/// the same advisory lock first, so that servers started together migrate
/// once; each migration commits with its version.
pub(crate) fn open_postgres(pg: &PgConn) -> Result<(), StoreError> {
    let sql = Sql::pg(pg, &crate::scope::EVERYTHING);
    let version = |sql: &Sql| -> Result<usize, StoreError> {
        let v: Option<i64> =
            sql.query_row("SELECT MAX(version) FROM ogi_schema", crate::sql::params![], |r| r.get(0))?;
        Ok(usize::try_from(v.unwrap_or(0)).unwrap_or(usize::MAX))
    };
    // A newer schema is refused before anything is written (the table may
    // not exist yet: a new database).
    let exists: bool =
        sql.query_row("SELECT to_regclass('ogi_schema') IS NOT NULL", crate::sql::params![], |r| r.get(0))?;
    if exists && version(&sql)? > MIGRATIONS.len() {
        return Err(newer(version(&sql)?));
    }
    pg.batch("BEGIN")?;
    let migrated = (|| -> Result<(), StoreError> {
        pg.batch("SELECT pg_advisory_xact_lock(7110711); CREATE TABLE IF NOT EXISTS ogi_schema (version BIGINT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now())")?;
        let done = version(&sql)?;
        if done > MIGRATIONS.len() {
            return Err(newer(done));
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(done) {
            pg.batch(&postgres_dialect(m))?;
            after_migration(&sql, i + 1)?;
            sql.execute("INSERT INTO ogi_schema (version) VALUES (?1)", crate::sql::params![(i + 1) as i64])?;
        }
        Ok(())
    })();
    match migrated {
        Ok(()) => Ok(pg.batch("COMMIT")?),
        Err(e) => {
            let _ = pg.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// A migration as PostgreSQL reads it: 64-bit integers and identity keys,
/// byte-order text (so that ranges and sorting of codes and dates are
/// SQLite's), BYTEA, the clock, and a table of search grams where SQLite
/// has an FTS5 index (see `search`).
pub(crate) fn postgres_dialect(sql: &str) -> String {
    const PHRASES: &[(&str, &str)] = &[
        ("id INTEGER PRIMARY KEY", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        (
            "CREATE VIRTUAL TABLE requests_fts USING fts5(grams, content='', tokenize='unicode61');",
            "CREATE TABLE requests_fts (rowid BIGINT PRIMARY KEY, grams TEXT NOT NULL);",
        ),
        // PostgreSQL finds a row's agency through `requests` (see `office::list`).
        (
            "CREATE VIRTUAL TABLE requests_fts USING fts5(grams, agency, content='', tokenize='unicode61');",
            "CREATE TABLE requests_fts (rowid BIGINT PRIMARY KEY, grams TEXT NOT NULL);",
        ),
        (
            "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
        ),
        (
            "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
        ),
        ("CAST(strftime('%s', 'now') AS INTEGER)", "CAST(extract(epoch FROM now()) AS BIGINT)"),
    ];
    let mut out = sql.to_string();
    for (from, to) in PHRASES {
        out = out.replace(from, to);
    }
    let mut words = String::with_capacity(out.len() + 64);
    let mut word = String::new();
    let mut quoted = false;
    let flush = |word: &mut String, words: &mut String| {
        words.push_str(match word.as_str() {
            "INTEGER" => "BIGINT",
            "BLOB" => "BYTEA",
            "TEXT" => "TEXT COLLATE \"C\"",
            w => w,
        });
        word.clear();
    };
    for c in out.chars() {
        if !quoted && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut words);
        if c == '\'' {
            quoted = !quoted;
        }
        words.push(c);
    }
    flush(&mut word, &mut words);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_read_as_postgresql() {
        let pg = postgres_dialect(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT NOT NULL DEFAULT 'TEXT', b BLOB, x TEXTS);",
        );
        assert_eq!(
            pg,
            "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT, s TEXT COLLATE \"C\" NOT NULL DEFAULT 'TEXT', b BYTEA, x TEXTS);"
        );
        // Every SQLite-only construct of the real migrations is translated.
        for m in MIGRATIONS {
            let pg = postgres_dialect(m);
            for sqlite_only in ["strftime", "VIRTUAL", "INTEGER", "BLOB", "AUTOINCREMENT", "INDEXED BY"] {
                assert!(!pg.contains(sqlite_only), "{sqlite_only} left in {pg}");
            }
        }
    }
}
