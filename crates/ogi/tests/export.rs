//! The register's CSV: one writer for the terminal and the workbench. The same
//! filter gives the same bytes from `ogi request export` and from the page's
//! download, and an applicant's text never runs as a spreadsheet formula.

mod common;

use std::path::Path;

use common::{cookie, http, ogi, serve, sign_in, temp};
use ogi_store::Role;

fn export(db: &str, out: &Path, filter: &[&str]) -> Vec<u8> {
    let mut args = vec!["request", "--db", db, "export", out.to_str().unwrap()];
    args.extend_from_slice(filter);
    let run = ogi(&args);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    std::fs::read(out).unwrap()
}

#[test]
fn an_applicants_formula_is_exported_as_text() {
    let dir = temp("formula");
    let db = dir.join("ogi.db");
    let db = db.to_str().unwrap();
    let new = ogi(&[
        "request",
        "--db",
        db,
        "--today",
        "2025-03-10",
        "new",
        "--channel",
        "in_person",
        "--applicant",
        "natural",
        "--arrived",
        "2025-03-03",
        "--name",
        "@张三",
        "--summary",
        "=HYPERLINK(\"http://example.invalid\",\"点此\")",
    ]);
    assert!(new.status.success(), "{}", String::from_utf8_lossy(&new.stderr));
    let bytes = export(db, &dir.join("out.csv"), &[]);
    assert!(bytes.starts_with("\u{feff}编号,".as_bytes()), "a BOM, then the Chinese header");
    let text = String::from_utf8(bytes).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(row.contains(",'@张三,"), "{row}");
    assert!(row.ends_with(",\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"点此\"\")\""), "{row}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_terminal_and_the_workbench_export_the_same_bytes() {
    let dir = temp("same");
    let db_path = dir.join("ogi.db");
    let db = db_path.to_str().unwrap();
    let demo = ogi(&["demo", "--db", db, "--year", "2025", "--requests", "300", "--today", "2025-12-31"]);
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let (session, _) = sign_in(&db_path, "clerk", Role::Clerk);
    let served = serve(&db_path, "2025-12-31");
    let filters: [(&str, &[&str]); 5] = [
        ("", &[]),
        ("state=not_closed", &["--state", "not_closed"]),
        ("outcome=denied&applicant=natural", &["--outcome", "denied", "--applicant", "natural"]),
        (
            "from=2025-03-01&to=2025-06-30&channel=online",
            &["--from", "2025-03-01", "--to", "2025-06-30", "--channel", "online"],
        ),
        ("late=1", &["--late"]),
    ];
    let mut rows = 0;
    for (i, (query, flags)) in filters.iter().enumerate() {
        let from_cli = export(db, &dir.join(format!("{i}.csv")), flags);
        let from_web = http(&served.addr, "GET", &format!("/requests.csv?{query}"), &[cookie(&session)], b"");
        assert_eq!(from_web.status, 200, "{}", from_web.head);
        let from_web = from_web.body;
        assert!(from_cli == from_web, "filter {query:?}: the terminal's CSV differs from the workbench's");
        rows += from_cli.iter().filter(|b| **b == b'\n').count();
    }
    assert!(rows > 300, "the filters chose real rows ({rows})");
    // A filter the page refuses, the terminal refuses too, with the same words.
    let bad = ogi(&["request", "--db", db, "export", dir.join("bad.csv").to_str().unwrap(), "--from", "2025-02-30"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from：日期格式应为 2025-03-01"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A supervisor that stops reading the server's output must not stop the server.
#[test]
fn the_server_outlives_its_closed_output() {
    let dir = temp("closed-stdout");
    let db = dir.join("ogi.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ogi"))
        .args(["serve", "--db", db.to_str().unwrap(), "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).unwrap().to_string();
    // The pipe is closed now; each request writes an access-log line into it.
    for _ in 0..3 {
        assert_eq!(http(&addr, "GET", "/healthz", &[], b"").status, 200);
    }
    assert!(child.try_wait().unwrap().is_none(), "the server is still running");
    let _ = child.kill();
    let _ = child.wait();
    std::fs::remove_dir_all(&dir).ok();
}
