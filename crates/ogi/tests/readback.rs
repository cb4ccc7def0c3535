//! ogi's own draft as an agency publishes it: `ogi demo` registers of several
//! simulated years → `ogi report generate --to docx` → printed to PDF by
//! headless LibreOffice → read back. The PDF must give exactly the drafted
//! cells: a reader that cannot read its own product back is the first thing a
//! supervisor tries.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ogi_report::{CellKey, Report};
use ogi_store::{Database, Store};

fn ogi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ogi")).args(args).output().expect("run ogi")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ogi-readback-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn values(r: &Report) -> BTreeMap<CellKey, String> {
    r.cells.iter().map(|(k, c)| (*k, c.value.to_string())).collect()
}

fn run_ok(args: &[&str]) {
    let out = ogi(args);
    assert!(out.status.success(), "ogi {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn draft(db: &Path, year: i16) -> Report {
    let store = Database::open(db).unwrap();
    ogi_rules::annual::draft(&store.annual_records(year).unwrap()).unwrap()
}

#[test]
fn drafts_printed_to_pdf_by_libreoffice_read_back_to_exactly_their_cells() {
    let dir = temp_dir("pdf");
    // Different seeds and years: different figures, so different widths of
    // numbers and different wrapping of the labels beside them.
    let years: [(u64, i16, &str); 3] = [(2, 2023, "400"), (7, 2024, "1500"), (13, 2025, "60")];
    let mut docx = Vec::new();
    let mut want = Vec::new();
    for (seed, year, requests) in years {
        let db = dir.join(format!("demo-{seed}.db"));
        let db_s = db.to_str().unwrap();
        let (y, s) = (year.to_string(), seed.to_string());
        run_ok(&["demo", "--db", db_s, "--year", &y, "--seed", &s, "--requests", requests]);
        let file = dir.join(format!("report-{seed}-{year}.docx"));
        run_ok(&["report", "generate", "--db", db_s, "--year", &y, "--to", "docx", "-o", file.to_str().unwrap()]);
        want.push((file.with_extension("pdf"), draft(&db, year)));
        docx.push(file);
    }
    let mut cmd = Command::new("soffice");
    // Its own profile, so a desktop LibreOffice or a parallel test does not lock it.
    cmd.arg(format!("-env:UserInstallation=file://{}", dir.join("profile").display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .args(&docx);
    let status = common::run_with_limit(cmd, Duration::from_secs(300));
    assert!(status.success(), "soffice failed: {status}");
    let mut failures = Vec::new();
    for (pdf, draft) in &want {
        let bytes = std::fs::read(pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
        let back = ogi_report::read(&bytes, pdf.to_str()).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
        let (got, exp) = (values(&back), values(draft));
        let wrong: Vec<String> = got
            .iter()
            .filter(|(k, v)| exp.get(k) != Some(v))
            .map(|(k, v)| format!("{k}: read {v}, drafted {:?}", exp.get(k)))
            .collect();
        let missing: Vec<String> = exp.keys().filter(|k| !got.contains_key(k)).map(|k| k.to_string()).collect();
        assert!(wrong.is_empty(), "{}: wrong cells (never allowed):\n{}", pdf.display(), wrong.join("\n"));
        if !missing.is_empty() {
            failures.push(format!(
                "{}: {} of {} cells read; missing: {}",
                pdf.display(),
                got.len(),
                exp.len(),
                missing.join(", ")
            ));
        }
        assert_eq!((back.meta.year, back.meta.template), (draft.meta.year, draft.meta.template));
        assert_eq!(back.meta.agency, draft.meta.agency);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}
