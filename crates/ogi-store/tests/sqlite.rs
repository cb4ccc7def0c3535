//! What only the SQLite file has: its schema version slot, its upgrades from
//! older files, calendar files beside it, and no committed request lost
//! when the process is killed mid-import. (Everything else is in
//! `storage.rs`, run on both backends.)

use std::path::PathBuf;

use ogi_rules::request::Channel;
use ogi_rules::{Calendar, Date};
use ogi_store::{Database, NewRequest, Store};
use ogi_vocab::cells::ApplicantColumn;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ogi-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("ogi.db")
}

fn new(applicant: ApplicantColumn, arrived: &str) -> NewRequest {
    NewRequest {
        channel: Channel::InPerson,
        applicant,
        arrived: d(arrived),
        confirmed: None,
        summary: "要求公开某项目批复文件".into(),
        applicant_name: "张某".into(),
        contact: "13800000000".into(),
    }
}

#[test]
fn a_newer_schema_is_refused_not_damaged() {
    let path = temp_db("schema");
    drop(Database::open(&path).unwrap());
    let conn = rusqlite_conn(&path);
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(Database::open(&path).is_err());
    // Refused means untouched.
    let conn = rusqlite_conn(&path);
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 99);
}

#[test]
fn kill_9_mid_import_loses_nothing_committed() {
    use std::io::{BufRead, BufReader};
    let path = temp_db("kill");
    // `cargo test` builds the examples beside the test binaries' directory.
    let exe = std::env::current_exe().unwrap();
    let child_exe = exe.parent().unwrap().parent().unwrap().join("examples").join("import_until_killed");
    assert!(child_exe.exists(), "{} not built", child_exe.display());
    let mut child =
        std::process::Command::new(child_exe).arg(&path).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = 0;
    // Let it commit a while, then kill it without warning (SIGKILL).
    while let Some(Ok(line)) = lines.next() {
        if let Some(n) = line.strip_prefix("committed ") {
            committed = n.parse().unwrap();
            if committed >= 2000 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(committed >= 2000, "the importer did not run");
    let s = Database::open(&path).unwrap();
    let n = s.all().unwrap().len();
    assert!(n >= committed, "lost committed requests: {n} < {committed}");
    assert_eq!(n % 200, 0, "a batch was half-written: {n}");
    let conn = rusqlite_conn(&path);
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

/// Takes a file back from schema 17 to 11 (no published reports, the search
/// index without its agency column, before everything had an agency).
const BACK_TO_11: &str = "
DROP TABLE finding_reviews;
DROP TABLE notifications; DROP TABLE delivered_files; DROP INDEX applications_request;
CREATE TABLE application_files_old (id INTEGER PRIMARY KEY, application_id INTEGER NOT NULL REFERENCES applications(id), name TEXT NOT NULL, mime TEXT NOT NULL, bytes BLOB NOT NULL);
INSERT INTO application_files_old SELECT id, application_id, name, mime, bytes FROM application_files;
DROP TABLE application_files; ALTER TABLE application_files_old RENAME TO application_files;
CREATE INDEX application_files_of ON application_files(application_id);
DROP TABLE delivered_letters; DROP TABLE intake_files; DROP TABLE report_versions; DROP TABLE intake_batches;
DROP TABLE requests_fts; CREATE VIRTUAL TABLE requests_fts USING fts5(grams, content='', tokenize='unicode61');
INSERT INTO requests_fts(rowid, grams) SELECT id, 'placeholder' FROM requests;
DROP INDEX requests_agency_t3; DROP INDEX requests_agency_state; DROP INDEX requests_agency_list;
CREATE INDEX requests_agency ON requests(agency_id, received);
DROP INDEX agencies_path; ALTER TABLE agencies DROP COLUMN path;
DROP INDEX users_agency; ALTER TABLE users DROP COLUMN agency_id;
DROP INDEX documents_agency; ALTER TABLE documents DROP COLUMN agency_id;
DROP INDEX cases_agency; ALTER TABLE cases DROP COLUMN agency_id;
ALTER TABLE applications DROP COLUMN agency_id;
DROP INDEX audit_agency; ALTER TABLE audit DROP COLUMN agency_id;
CREATE TABLE art20_old (year INTEGER PRIMARY KEY, licensing INTEGER NOT NULL, penalty INTEGER NOT NULL, enforcement INTEGER NOT NULL, fees_wan TEXT NOT NULL);
INSERT INTO art20_old SELECT year, licensing, penalty, enforcement, fees_wan FROM art20; DROP TABLE art20; ALTER TABLE art20_old RENAME TO art20;
CREATE TABLE section_texts_old (year INTEGER NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (year, section));
INSERT INTO section_texts_old SELECT year, section, text FROM section_texts; DROP TABLE section_texts; ALTER TABLE section_texts_old RENAME TO section_texts;
CREATE TABLE settings_old (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings_old SELECT key, value FROM settings; DROP TABLE settings; ALTER TABLE settings_old RENAME TO settings;
CREATE TABLE letter_templates_old (kind TEXT PRIMARY KEY, text TEXT NOT NULL);
INSERT INTO letter_templates_old SELECT kind, text FROM letter_templates; DROP TABLE letter_templates; ALTER TABLE letter_templates_old RENAME TO letter_templates;
PRAGMA user_version = 11;
";

#[test]
fn a_register_from_before_the_search_index_is_indexed_when_opened() {
    use ogi_store::ListFilter;
    let cal = Calendar::embedded();
    let path = temp_db("backfill");
    {
        let mut s = Database::open(&path).unwrap();
        let mut n = new(ApplicantColumn::Natural, "2024-09-02");
        n.applicant_name = "欧阳明月".into();
        s.create(n, "张三", &cal).unwrap();
    }
    // Take the file back to schema 4, as an older ogi left it.
    {
        let conn = rusqlite_conn(&path);
        conn.execute_batch(BACK_TO_11).unwrap();
        conn.execute_batch(
            "DROP INDEX requests_agency; ALTER TABLE requests DROP COLUMN agency_id; DROP TABLE agencies; DROP TABLE code_counters; DROP TABLE requests_fts; DROP INDEX requests_state_list; DROP INDEX requests_applicant_list;
             DROP INDEX requests_channel_list; DROP INDEX requests_outcome_list;
             DROP TABLE due_changes; DROP TABLE calendar_years; DROP INDEX requests_late; DROP TABLE applicant_messages; DROP TABLE application_files; DROP TABLE applications;
             ALTER TABLE events DROP COLUMN delivered; ALTER TABLE events DROP COLUMN party;
             ALTER TABLE requests DROP COLUMN late_days; ALTER TABLE requests DROP COLUMN consult_until;
             DROP TABLE login_failures; ALTER TABLE users DROP COLUMN must_change_password;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let s = Database::open(&path).unwrap();
    let found = s.list(&ListFilter { text: Some("阳明".into()), ..Default::default() }, 0, 10).unwrap();
    assert_eq!(found.1, 1);
    assert_eq!(found.0[0].applicant_name, "欧阳明月");
}

/// A bad calendar file beside the database is an error naming the file,
/// for every process, never skipped.
#[test]
fn a_bad_calendar_file_is_refused_by_name() {
    let path = temp_db("badcal");
    let s = Database::open(&path).unwrap();
    let dir = path.parent().unwrap().join("calendar");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("2027.txt"), "year 2027\nholiday 2027-02-30\n").unwrap();
    let e = ogi_store::load_calendar(path.parent(), &s).unwrap_err();
    assert!(e.contains("2027.txt") && e.contains("第 2 行"), "{e}");
}

#[test]
fn a_register_from_before_migration_8_keeps_its_sessions_and_tokens() {
    use ogi_store::{Role, TokenScope};
    let path = temp_db("migration8");
    let clerk = {
        let mut s = Database::open(&path).unwrap();
        s.create_user("zhang", "张三", Role::Clerk, "h", "admin").unwrap()
    };
    // Take the file back to schema 7: the tables as they were, one session and one token.
    {
        let conn = rusqlite_conn(&path);
        conn.execute_batch(BACK_TO_11).unwrap();
        conn.execute_batch(&format!(
            "DROP INDEX requests_agency; ALTER TABLE requests DROP COLUMN agency_id; DROP TABLE agencies; DROP TABLE code_counters; DROP TABLE applicant_messages; DROP TABLE application_files; DROP TABLE applications;
             DROP TABLE login_failures; ALTER TABLE users DROP COLUMN must_change_password;
             DROP TABLE sessions; DROP TABLE api_tokens;
             CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
                                    csrf TEXT NOT NULL, expires INTEGER NOT NULL);
             CREATE TABLE api_tokens (token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
                                      name TEXT NOT NULL);
             INSERT INTO sessions VALUES ('sess', {id}, 'csrf1', 2000000000);
             INSERT INTO api_tokens VALUES ('tok', {id}, '门户');
             PRAGMA user_version = 7;",
            id = clerk.id
        ))
        .unwrap();
    }
    let s = Database::open(&path).unwrap();
    let live = s.live_session("sess", 1_900_000_000).unwrap().unwrap();
    assert_eq!((live.user.username.as_str(), live.csrf.as_str()), ("zhang", "csrf1"));
    assert!(!live.user.must_change_password);
    // An old token keeps full access, for 90 days from the upgrade.
    let t = s.api_token("tok").unwrap().unwrap();
    assert_eq!((t.scope, t.name.as_str(), t.last_used), (TokenScope::Write, "门户", None));
    assert_eq!(t.expires - t.created, 90 * 86_400);
    assert!(s.api_user("tok").unwrap().is_some());
}

fn rusqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}
