//! `ogi report generate` as an agency uses it: a register filled by
//! `ogi demo`, the year's report exported as a web page, a Word file,
//! Markdown and JSON; every form reads back to exactly the drafted cells and
//! checks clean; the Word file opens in LibreOffice.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ogi_report::check::Severity;
use ogi_report::{CellKey, Report};
use ogi_store::{Database, Store};

fn ogi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ogi")).args(args).output().expect("run ogi")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ogi-generate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn values(r: &Report) -> BTreeMap<CellKey, String> {
    r.cells.iter().map(|(k, c)| (*k, c.value.to_string())).collect()
}

fn demo(dir: &Path, year: i16, seed: u64) -> PathBuf {
    let db = dir.join("demo.db");
    let out = ogi(&[
        "demo",
        "--db",
        db.to_str().unwrap(),
        "--year",
        &year.to_string(),
        "--seed",
        &seed.to_string(),
        "--requests",
        "400",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

fn generate(db: &Path, year: i16, to: &str, out: &Path) {
    let o = ogi(&[
        "report",
        "generate",
        "--db",
        db.to_str().unwrap(),
        "--year",
        &year.to_string(),
        "--to",
        to,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{to}: {}", String::from_utf8_lossy(&o.stderr));
}

/// The draft as the records give it, independently of any export.
fn expected(db: &Path, year: i16) -> Report {
    let store = Database::open(db).unwrap();
    ogi_rules::annual::draft(&store.annual_records(year).unwrap()).unwrap()
}

#[test]
fn every_export_of_a_demo_register_reads_back_exactly_and_checks_clean() {
    for (seed, year) in [(1, 2023), (5, 2024), (9, 2025)] {
        let dir = temp_dir(&format!("{seed}-{year}"));
        let db = demo(&dir, year, seed);
        let want = expected(&db, year);
        let n = |k: &str| want.value(k.parse().unwrap()).and_then(|v| v.as_int()).unwrap();
        // The year has carry-over both ways and every table filled.
        assert!(n("t3.carried_over.total") > 0 && n("t3.carry_forward.total") > 0, "seed {seed}");
        assert!(n("t4.review.total") + n("t4.suit_direct.total") + n("t4.suit_after_review.total") > 0);
        assert!(n("t2.normative.in_force") > 0);
        for to in ["html", "docx", "md", "json"] {
            let file = dir.join(format!("report.{to}"));
            generate(&db, year, to, &file);
            let back = ogi_report::read(&std::fs::read(&file).unwrap(), file.to_str()).unwrap();
            assert_eq!(values(&back), values(&want), "seed {seed}, {to}");
            assert_eq!((back.meta.year, back.meta.template), (want.meta.year, want.meta.template), "{to}");
            assert_eq!(back.meta.agency.as_deref(), Some("模拟市数据局"), "{to}");
            let errors: Vec<_> =
                ogi_report::check::check(&back, None).into_iter().filter(|d| d.severity == Severity::Error).collect();
            assert!(errors.is_empty(), "seed {seed}, {to}: {errors:#?}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn two_consecutive_years_agree_on_what_was_carried_over() {
    let dir = temp_dir("years");
    let db = demo(&dir, 2025, 11);
    let y24 = dir.join("2024.html");
    let y25 = dir.join("2025.html");
    generate(&db, 2024, "html", &y24);
    generate(&db, 2025, "html", &y25);
    let out = ogi(&["report", "check", y25.to_str().unwrap(), "--previous", y24.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn edited_texts_take_the_years_figures_and_bad_placeholders_are_refused() {
    let dir = temp_dir("texts");
    let db = demo(&dir, 2024, 2);
    let text = dir.join("overview.txt");
    std::fs::write(&text, "本机关全年共收到政府信息公开申请{新收申请}件，予以公开{予以公开}件，占{予以公开占比}。")
        .unwrap();
    let db_arg = db.to_str().unwrap();
    let o = ogi(&[
        "records",
        "--db",
        db_arg,
        "text",
        "--year",
        "2024",
        "--section",
        "一",
        "--file",
        text.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = dir.join("r.md");
    generate(&db, 2024, "md", &report);
    let want = expected(&db, 2024);
    let md = std::fs::read_to_string(&report).unwrap();
    let n = |k: &str| want.value(k.parse().unwrap()).and_then(|v| v.as_int()).unwrap();
    let share = ogi_rules::annual::percent(n("t3.granted.total"), n("t3.total.total"));
    let sentence =
        format!("共收到政府信息公开申请{}件，予以公开{}件，占{share}。", n("t3.new.total"), n("t3.granted.total"));
    assert!(md.contains(&sentence), "{md}");

    // An unknown placeholder is refused and the saved text is unchanged.
    std::fs::write(&text, "收到申请{收到申请}件").unwrap();
    let o = ogi(&[
        "records",
        "--db",
        db_arg,
        "text",
        "--year",
        "2024",
        "--section",
        "一",
        "--file",
        text.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("{收到申请}"));
    let o = ogi(&["records", "--db", db_arg, "text", "--year", "2024", "--section", "一"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("{予以公开占比}"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_year_before_the_2021_template_or_a_missing_database_is_a_clear_error() {
    let dir = temp_dir("errors");
    let missing = dir.join("none.db");
    let o =
        ogi(&["report", "generate", "--db", missing.to_str().unwrap(), "--year", "2024", "--to", "html", "-o", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("数据库不存在"));
    assert!(!missing.exists(), "a typo in --db must not create an empty register");
    let db = demo(&dir, 2021, 1);
    let out = dir.join("r.html");
    let o = ogi(&[
        "report",
        "generate",
        "--db",
        db.to_str().unwrap(),
        "--year",
        "2020",
        "--to",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2019"));
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_word_file_opens_in_libreoffice_and_converts_to_pdf() {
    let dir = temp_dir("soffice");
    let db = demo(&dir, 2025, 3);
    let docx = dir.join("report.docx");
    generate(&db, 2025, "docx", &docx);
    let mut cmd = Command::new("soffice");
    // Its own profile, so a desktop LibreOffice or a parallel test does not lock it.
    cmd.arg(format!("-env:UserInstallation=file://{}", dir.join("profile").display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&docx);
    let status = common::run_with_limit(cmd, Duration::from_secs(180));
    assert!(status.success(), "soffice failed: {status}");
    let pdf = std::fs::read(dir.join("report.pdf")).expect("LibreOffice wrote the PDF");
    assert!(pdf.starts_with(b"%PDF"));
    // What LibreOffice laid out is still our report: every cell ogi reads
    // from its PDF is a drafted cell with the same value (never a wrong number).
    let back = ogi_report::read(&pdf, Some("report.pdf")).unwrap();
    assert_eq!(back.meta.year, Some(2025));
    let want = values(&expected(&db, 2025));
    let got = values(&back);
    assert!(got.len() > 100, "only {} cells read from the PDF", got.len());
    for (k, v) in &got {
        assert_eq!(want.get(k), Some(v), "{k} in the PDF");
    }
    std::fs::remove_dir_all(&dir).ok();
}
