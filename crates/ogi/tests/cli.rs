//! The `ogi` binary as a user runs it.

mod common;

use std::process::Command;

use common::{corpus, ogi};

#[test]
fn parse_prints_the_cell_contract() {
    let seed = corpus().join("liaocheng-gxj-2023.txt");
    let out = ogi(&["report", "parse", seed.to_str().unwrap(), "--format", "cells"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = std::fs::read_to_string(corpus().join("expected/liaocheng-gxj-2023.txt.cells.tsv")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn json_output_reads_back_to_the_same_cells() {
    let seed = corpus().join("liaocheng-gxj-2023.txt");
    let out = ogi(&["report", "parse", seed.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success());
    let dir = std::env::temp_dir().join(format!("ogi-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("seed.json");
    std::fs::write(&json, &out.stdout).unwrap();
    let back = ogi(&["report", "parse", json.to_str().unwrap()]);
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    let cells = ogi(&["report", "parse", seed.to_str().unwrap()]);
    assert_eq!(back.stdout, cells.stdout);
    // Provenance is in the JSON: the seed's 予以公开 count was read on a line.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cells"]["t3.granted.natural"]["provenance"]["origin"]["kind"], "line");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_that_is_not_a_report_exits_2_with_one_line_naming_it() {
    let dir = std::env::temp_dir().join(format!("ogi-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in [
        ("notes.txt", "会议纪要：今天讨论了食堂菜单。".as_bytes().to_vec()),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj <<".to_vec()),
        ("broken.docx", b"PK\x03\x04garbage".to_vec()),
        ("empty.txt", Vec::new()),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = ogi(&["report", "parse", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
    }
    let missing = ogi(&["report", "parse", dir.join("nope.html").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_exit_codes_say_clean_errors_or_unreadable() {
    let seed = corpus().join("liaocheng-gxj-2023.txt");
    let out = ogi(&["report", "check", seed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));

    let bad = corpus().join("real/kirogovcompare/huaian-hongzequ-2023.pdf");
    let out = ogi(&["report", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error[t4.group-sum]") && text.contains("= 10 + 1 + 0 + 0 = 11 ≠ 0"), "{text}");

    let dir = std::env::temp_dir().join(format!("ogi-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.txt");
    std::fs::write(&junk, "会议纪要。").unwrap();
    let out = ogi(&["report", "check", seed.to_str().unwrap(), junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_json_has_one_object_per_file() {
    let seed = corpus().join("liaocheng-gxj-2023.txt");
    let bad = corpus().join("real/kirogovcompare/huaian-hongzequ-2023.pdf");
    let out = ogi(&["report", "check", seed.to_str().unwrap(), bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["agency"], "聊城市工业和信息化局");
    assert_eq!(items[0]["year"], 2023);
    assert_eq!(items[0]["template"], "2021");
    assert_eq!(items[0]["diagnostics"].as_array().unwrap().len(), 0);
    let d = &items[1]["diagnostics"][0];
    assert_eq!(d["rule"], "t4.group-sum");
    assert_eq!(d["severity"], "error");
    assert!(d["cells"].as_array().unwrap().iter().any(|c| c == "t4.review.total"));
}

#[test]
fn check_a_directory_with_a_csv_summary() {
    let dir = std::env::temp_dir().join(format!("ogi-summary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("out.csv");
    let pingtan = corpus().join("real/pingtan");
    let out = ogi(&["report", "check", pingtan.to_str().unwrap(), "--summary", csv.to_str().unwrap()]);
    // Some of these reports have real errors.
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "a summary run prints only the summary");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    // A BOM first, so that Excel opens the agencies' names in Chinese.
    assert_eq!(lines.next(), Some("\u{feff}file,agency,year,template,errors,warnings,first_error"));
    let rows: Vec<&str> = lines.collect();
    // Reports only: the manifest and the expected .tsv files are skipped.
    let files = std::fs::read_dir(&pingtan)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "txt" || x == "html"))
        .count();
    assert_eq!(rows.len(), files);
    let gwh2020 = rows.iter().find(|r| r.contains("2020_gwh.txt")).unwrap();
    assert!(gwh2020.contains("平潭综合实验区,2020,2019,2,") && gwh2020.contains("t3.outcomes-sum"), "{gwh2020}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn calendar_and_fee_commands_print_one_value() {
    let out = ogi(&["calendar", "add-workdays", "2023-09-27", "3"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "2023-10-08\n");
    let out = ogi(&["calendar", "is-workday", "2023-10-08"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "true\n");
    let out = ogi(&["calendar", "is-workday", "2023-10-02"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "false\n");
    // 2027 is not announced: counted provisionally, and said so.
    let out = ogi(&["calendar", "is-workday", "2027-03-01"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("true\t暂定：2027 年节假日安排尚未载入"), "{stdout}");
    let out = ogi(&["calendar", "add-workdays", "2026-12-04", "20"]);
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("2027-01-04\t暂定"));
    // Beyond the statutory table: an error, never a guess.
    let out = ogi(&["calendar", "is-workday", "2036-03-03"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("2036"));
    let dir = std::env::temp_dir().join(format!("ogi-cal-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("calendar")).unwrap();
    std::fs::write(dir.join("calendar/2027.txt"), "year 2027\nholiday 2027-03-01\n").unwrap();
    let out = ogi(&["calendar", "--data-dir", dir.to_str().unwrap(), "is-workday", "2027-03-01"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "false\n");
    std::fs::remove_dir_all(&dir).ok();

    assert_eq!(ogi(&["fee", "item", "11"]).stdout, b"100\n");
    assert_eq!(ogi(&["fee", "volume", "101"]).stdout, b"720\n");
}

/// A year saved with `ogi calendar save` is used by every later command on
/// the database, and the due dates it moves are printed.
#[test]
fn saving_a_year_recomputes_open_requests() {
    let dir = std::env::temp_dir().join(format!("ogi-calsave-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("ogi.db");
    let db = db.to_str().unwrap();
    let out = ogi(&[
        "request",
        "--db",
        db,
        "new",
        "--channel",
        "in_person",
        "--applicant",
        "natural",
        "--arrived",
        "2026-12-04",
        "--name",
        "张三",
        "--summary",
        "某文件",
        "--today",
        "2026-12-07",
    ]);
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(line.contains("答复期限 2027-01-04（暂定"), "{line}");
    // The notice gives 1月1日–3日 and has 1月4日 worked... as a made-up
    // arrangement that moves the date: 1月4日 off.
    let file = dir.join("2027.txt");
    std::fs::write(&file, "# 测试用安排\nyear 2027\nholiday 2027-01-01..2027-01-04\n").unwrap();
    let out = ogi(&["calendar", "--db", db, "save", file.to_str().unwrap(), "--actor", "管理员"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "YSQ2026-000001\t答复期限 2027-01-04 → 2027-01-05\n");
    let out = ogi(&["request", "--db", db, "show", "YSQ2026-000001"]);
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("2027-01-05") && !shown.contains("暂定"), "{shown}");
    let out = ogi(&["calendar", "--db", db, "years"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("2027\t测试用安排"));
    let out = ogi(&["request", "--db", db, "audit"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("载入 2027 年节假日安排"));
    // A bad file is refused and changes nothing.
    std::fs::write(&file, "year 2027\nworkday 2027-01-06\n").unwrap();
    let out = ogi(&["calendar", "--db", db, "save", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("不是周末"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_register_from_the_terminal() {
    let dir = std::env::temp_dir().join(format!("ogi-req-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("ogi.db");
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut a = vec!["request", "--db", db];
        a.extend_from_slice(args);
        ogi(&a)
    };
    let out = run(&[
        "new",
        "--channel",
        "online",
        "--applicant",
        "natural",
        "--arrived",
        "2024-09-26",
        "--confirmed",
        "2024-09-27",
        "--name",
        "张三",
        "--summary",
        "某文件",
    ]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "YSQ2024-000001\t办理中\t答复期限 2024-10-30\n");
    // A channel that needs a confirmation date refuses a request without one.
    assert_eq!(
        run(&[
            "new",
            "--channel",
            "email",
            "--applicant",
            "natural",
            "--arrived",
            "2024-09-26",
            "--name",
            "张三",
            "--summary",
            "某文件"
        ])
        .status
        .code(),
        Some(2)
    );
    let out =
        run(&["event", "YSQ2024-000001", "extended", "--on", "2024-10-28", "--days", "20", "--approver", "王主任"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("答复期限 2024-11-27"));
    assert!(run(&[
        "event",
        "YSQ2024-000001",
        "answered",
        "--on",
        "2024-11-20",
        "--outcome",
        "denied.third_party_rights"
    ])
    .status
    .success());
    // Closed: nothing more can happen, and the register says why.
    let out = run(&["event", "YSQ2024-000001", "withdrawn", "--on", "2024-11-21"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("已办结"));
    let out = run(&["table3", "--year", "2024"]);
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(t.contains("t3.denied.third_party_rights.natural\t1\n") && t.contains("t3.new.total\t1\n"), "{t}");
    // CSV out and in.
    let csv_in = dir.join("in.csv");
    std::fs::write(
        &csv_in,
        "channel,applicant,arrived,confirmed,summary,name\nin_person,research,2025-01-06,,复印件,王五\n",
    )
    .unwrap();
    assert!(run(&["import", csv_in.to_str().unwrap()]).status.success());
    let csv_out = dir.join("out.csv");
    assert!(run(&["export", csv_out.to_str().unwrap()]).status.success());
    let text = std::fs::read_to_string(&csv_out).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("YSQ2025-000001,王五,科研机构,当面,2025-01-06,办理中,2025-02-08,,,,复印件"), "{text}");
    // A bad CSV imports nothing.
    std::fs::write(
        &csv_in,
        "channel,applicant,arrived,confirmed,summary,name\nin_person,research,2025-01-07,,a,甲\nnope,research,2025-01-07,,b,乙\n",
    )
    .unwrap();
    let out = run(&["import", csv_in.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("第 3 行：channel：未知的提交渠道"));
    assert_eq!(String::from_utf8(run(&["list"]).stdout).unwrap().lines().count(), 2);
    let audit = String::from_utf8(run(&["audit"]).stdout).unwrap();
    assert_eq!(audit.lines().count(), 4, "{audit}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A training register "as of" a day: nothing received or done after it,
/// and what fell due well before it has been dealt with.
#[test]
fn a_demo_year_respects_the_chosen_today() {
    let dir = std::env::temp_dir().join(format!("ogi-demo-today-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let out =
        ogi(&["demo", "--db", db.to_str().unwrap(), "--year", "2025", "--requests", "600", "--today", "2025-06-30"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = ogi_store::Database::open(&db).unwrap();
    let cal = ogi_rules::Calendar::embedded();
    let today: ogi_rules::Date = "2025-06-30".parse().unwrap();
    let all = ogi_store::Store::all(&store).unwrap();
    assert!(all.len() > 500, "{}", all.len());
    let mut open = 0;
    for s in &all {
        assert!(s.request.received <= today, "{} received {}", s.code, s.request.received);
        assert!(s.request.events().iter().all(|e| e.date() <= today), "{}: {:?}", s.code, s.request.events());
        // Nothing left waiting more than a month past its deadline.
        if let Ok(Some(due)) = s.request.due(&cal) {
            assert!(cal.workdays_between(due, today).unwrap() < 20, "{} was due {due}", s.code);
        }
        if !matches!(s.request.state(), ogi_rules::request::State::Closed { .. }) {
            open += 1;
        }
    }
    // Those received in the last weeks are still being handled.
    assert!(open > 10 && open < all.len() / 4, "{open} open of {}", all.len());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_demo_year_derives_a_consistent_table_three_with_carry_over() {
    let dir = std::env::temp_dir().join(format!("ogi-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let db = db.to_str().unwrap();
    assert!(ogi(&["demo", "--db", db, "--year", "2025", "--requests", "1500", "--seed", "9"]).status.success());
    let out = ogi(&["request", "--db", db, "table3", "--year", "2025"]);
    let mut report = ogi_report::Report {
        meta: ogi_vocab::model::Meta {
            year: Some(2025),
            template: Some(ogi_vocab::Template::Y2021),
            ..Default::default()
        },
        format: ogi_vocab::model::SourceFormat::Generated,
        preamble: String::new(),
        sections: Vec::new(),
        cells: Default::default(),
        notes: Vec::new(),
    };
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let (k, v) = line.split_once('\t').unwrap();
        report.cells.insert(k.parse().unwrap(), ogi_vocab::model::Cell { value: v.parse().unwrap(), provenance: None });
    }
    assert_eq!(report.cells.len(), 25 * 7);
    let errors: Vec<_> =
        ogi_report::check::check(&report, None).into_iter().filter(|d| d.rule.starts_with("t3.")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let v = |k: &str| report.value(k.parse().unwrap()).unwrap().as_int().unwrap();
    assert!(v("t3.carried_over.total") > 0 && v("t3.carry_forward.total") > 0 && v("t3.new.total") == 1350);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn render_writes_a_report_that_reads_back() {
    let seed = corpus().join("liaocheng-gxj-2023.txt");
    let dir = std::env::temp_dir().join(format!("ogi-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cells = ogi(&["report", "parse", seed.to_str().unwrap()]).stdout;
    for to in ["html", "docx", "md", "json"] {
        let out = dir.join(format!("r.{to}"));
        assert!(ogi(&["report", "render", seed.to_str().unwrap(), "--to", to, "-o", out.to_str().unwrap()])
            .status
            .success());
        assert_eq!(ogi(&["report", "parse", out.to_str().unwrap()]).stdout, cells, "{to}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = std::env::temp_dir().join(format!("ogi-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    assert!(ogi(&["demo", "--db", db.to_str().unwrap(), "--year", "2024", "--requests", "3000"]).status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .args(["request", "--db", db.to_str().unwrap(), "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("YSQ"));
    // The reader is gone (like `| head -1`): no panic message, no exit code 101.
    let out = child.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(101));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

/// The same commands on a PostgreSQL database and on a SQLite file give the
/// same register: `demo` then `request table3` print the same table, and
/// the list and an export agree.
#[test]
fn a_demo_year_on_postgresql_prints_the_same_table_as_on_sqlite() {
    let pg = ogi_store::scratch::ScratchPostgres::create("clidemo").unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("ogi-cli-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("demo.db");
    let file = file.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = ogi(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let demo = ["demo", "--year", "2024", "--requests", "1000", "--seed", "1", "--today", "2025-03-01", "--db"];
    run(&[&demo[..], &[pg.url()]].concat());
    run(&[&demo[..], &[file]].concat());
    let table = |db: &str| run(&["request", "table3", "--db", db, "--year", "2024"]);
    let (on_pg, on_file) = (table(pg.url()), table(file));
    assert_eq!(on_pg.lines().count(), on_file.lines().count());
    assert!(on_pg.contains("t3.new.total\t"), "{on_pg}");
    assert_eq!(on_pg, on_file);
    let list = |db: &str| run(&["request", "list", "--db", db]);
    assert_eq!(list(pg.url()), list(file));
    // The file copied into a second, empty PostgreSQL database: the same again.
    let copy = ogi_store::scratch::ScratchPostgres::create("climigrate").unwrap_or_else(|e| panic!("{e}"));
    let counts = run(&["migrate", "--from", file, "--to", copy.url()]);
    assert!(counts.lines().any(|l| l.starts_with("requests\t1")), "{counts}");
    assert_eq!(table(copy.url()), on_file);
    assert_eq!(list(copy.url()), list(file));
    let again = ogi(&["migrate", "--from", file, "--to", copy.url()]);
    assert_eq!(again.status.code(), Some(2), "a second copy into it is refused");
    // A URL that cannot be understood is refused before anything is opened.
    let bad = ogi(&["request", "list", "--db", "postgres://x@h:port/db"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("数据库地址无效"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// Two agencies' SQLite registers merged into one shared PostgreSQL
/// deployment (`ogi migrate --as`): each becomes an agency below the root
/// with its own requests, codes, records and table 三; a register whose codes
/// are taken there is refused whole, naming them, and changes nothing.
#[test]
fn registers_merge_into_a_shared_deployment_as_agencies() {
    use ogi_store::{Database, Location, Scope, Store};
    let pg = ogi_store::scratch::ScratchPostgres::create("climerge").unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("ogi-cli-merge-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let out = ogi(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let (a, b, clash) = (dir.join("a.db"), dir.join("b.db"), dir.join("clash.db"));
    let (a, b, clash) = (a.to_str().unwrap(), b.to_str().unwrap(), clash.to_str().unwrap());
    run(&["agency", "pattern", "root", "乙{year}-{seq:04}", "--db", b]);
    for (db, seed) in [(a, "1"), (b, "2"), (clash, "3")] {
        run(&["demo", "--year", "2024", "--requests", "300", "--seed", seed, "--today", "2025-03-01", "--db", db]);
    }
    // a's register also keeps a published report, confirmed as its own, and a finding reviewed.
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::copy(corpus().join("real/pingtan/2023_shsyj.txt"), inbox.join("shsyj.txt")).unwrap();
    run(&["region", "intake", inbox.to_str().unwrap(), "--year", "2023", "--received", "2024-01-20", "--db", a]);
    run(&["region", "attach", "1", "1", "--agency", "root", "--db", a]);
    run(&["region", "review", "root", "--year", "2023", "--finding", "1", "--state", "已确认", "--db", a]);
    run(&["migrate", "--from", a, "--to", pg.url(), "--as", "a"]);
    let versions = run(&["region", "versions", "a", "--year", "2023", "--db", pg.url()]);
    assert!(versions.starts_with("第 1 版（现行）") && versions.contains("shsyj.txt"), "{versions}");
    let findings = run(&["region", "findings", "a", "--year", "2023", "--db", pg.url()]);
    assert!(findings.lines().nth(1).is_some_and(|l| l.contains("\t已确认\t")), "{findings}");
    let out = run(&["migrate", "--from", b, "--to", pg.url(), "--as", "b", "--under", "root"]);
    assert!(out.lines().any(|l| l == "requests\t300"), "{out}");
    // The third has a's codes: refused, nothing of it kept.
    let refused = ogi(&["migrate", "--from", clash, "--to", pg.url(), "--as", "c"]);
    assert_eq!(refused.status.code(), Some(2));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("申请编号在目标数据库中已被使用") && why.contains("YSQ2023-000001"), "{why}");
    let listed = run(&["agency", "list", "--db", pg.url()]);
    assert!(listed.contains("  a\t") && listed.contains("  b\t") && !listed.contains("  c\t"), "{listed}");
    // Each agency's table 三 in the deployment is its file's.
    let mut shared = Database::connect(&Location::Postgres(pg.url().into())).unwrap();
    assert_eq!(shared.list(&Default::default(), 0, 1).unwrap().1, 600, "both registers, and nothing of the third");
    for (code, file) in [("a", a), ("b", b)] {
        let id = shared.agencies().unwrap().into_iter().find(|x| x.code == code).unwrap().id;
        shared.set_scope(Scope::operator_in(id));
        let mine = Database::open(std::path::Path::new(file)).unwrap();
        let t = ogi_vocab::cells::Template::Y2021;
        assert_eq!(shared.table3(2024, t).unwrap(), mine.table3(2024, t).unwrap(), "{code}");
        assert_eq!(shared.setting(ogi_store::AGENCY_NAME).unwrap(), mine.setting(ogi_store::AGENCY_NAME).unwrap());
        // New requests go on numbering, naming the agency.
        let cal = ogi_rules::Calendar::embedded();
        let n = ogi_store::NewRequest {
            channel: ogi_rules::request::Channel::InPerson,
            applicant: ogi_vocab::cells::ApplicantColumn::Natural,
            arrived: "2025-02-10".parse().unwrap(),
            confirmed: None,
            summary: "新申请".into(),
            applicant_name: "某人".into(),
            contact: String::new(),
        };
        let code_of_new = shared.create(n, "test", &cal).unwrap().code;
        let want = if code == "b" { "乙2025-" } else { "a-YSQ2025-" };
        assert!(code_of_new.starts_with(want), "{code_of_new}");
    }
    drop(shared);
}

/// `ogi agency import` then `ogi agency list`, on a SQLite file and on
/// PostgreSQL: the same tree, indented; a bad file exits 2 naming its line.
#[test]
fn agencies_are_imported_and_listed_from_the_terminal() {
    let pg = ogi_store::scratch::ScratchPostgres::create("cliagency").unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("ogi-cli-agency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("agencies.csv");
    std::fs::write(
        &csv,
        "\u{feff}code,name,parent,kind\ngxj,聊城市工业和信息化局,lc,department\nlc,聊城市人民政府,,government\n",
    )
    .unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "code,name,parent,kind\nx,某局,nowhere,department\n").unwrap();
    let file = dir.join("ogi.db");
    for db in [file.to_str().unwrap(), pg.url()] {
        let out = ogi(&["agency", "import", csv.to_str().unwrap(), "--db", db]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "新建 2，更新 0，未变 0\n");
        let out = ogi(&["agency", "list", "--db", db]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "lc\t聊城市人民政府\tgovernment\t\n  gxj\t聊城市工业和信息化局\tdepartment\tlc\nroot\t本机关\tgovernment\t\n"
        );
        let out = ogi(&["agency", "import", bad.to_str().unwrap(), "--db", db]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("第 2 行：上级机关 nowhere 不存在"));
    }
}

/// `ogi backup` then `ogi restore`: the register as it was at the backup,
/// what came after gone; a file that is not a register is refused.
#[test]
fn a_backup_restores_the_register_as_it_was() {
    let dir = std::env::temp_dir().join(format!("ogi-cli-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (db, copy) = (dir.join("ogi.db"), dir.join("backup.db"));
    let (db, copy) = (db.to_str().unwrap(), copy.to_str().unwrap());
    let new = |name: &str| {
        let out = ogi(&[
            "request",
            "new",
            "--db",
            db,
            "--channel",
            "in_person",
            "--applicant",
            "natural",
            "--name",
            name,
            "--contact",
            "13800000000",
            "--arrived",
            "2025-03-03",
            "--summary",
            "某文件",
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    new("甲");
    assert!(ogi(&["backup", "--db", db, copy]).status.success());
    assert_eq!(ogi(&["backup", "--db", db, copy]).status.code(), Some(2), "never overwrites");
    new("乙");
    let list = || String::from_utf8(ogi(&["request", "list", "--db", db]).stdout).unwrap();
    assert_eq!(list().lines().count(), 2);
    let out = ogi(&["restore", "--db", db, copy]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(list().lines().count(), 1);
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some text").unwrap();
    let out = ogi(&["restore", "--db", db, junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("不是 ogi 登记簿"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(list().lines().count(), 1, "a refused restore changes nothing");
}

/// `ogi region rollup` over published reports: each summed cell is the sum
/// of the reports' cells, a report whose tables were not read leaves every
/// cell out and is named; `ogi region drill` gives each agency's value.
#[test]
fn published_reports_are_summed_and_drilled_from_the_terminal() {
    let dir = corpus().join("real/pingtan");
    let files: Vec<String> = ["2020_cjj.txt", "2020_gwhbgs.txt", "2020_jspq.txt"]
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    let mut args = vec!["region", "rollup", "--year", "2020"];
    args.extend(files.iter().map(String::as_str));
    let out = ogi(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summed: std::collections::BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let mut by_hand = 0i64;
    for f in &files {
        let out = ogi(&["report", "parse", f]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let v = text.lines().find_map(|l| l.strip_prefix("t3.new.total\t")).unwrap().trim().parse::<i64>().unwrap();
        by_hand += v;
    }
    assert_eq!(summed["t3.new.total"], by_hand.to_string());
    let mut with_unread = args.clone();
    let gaj = dir.join("2020_gaj.txt").display().to_string();
    with_unread.push(&gaj);
    let out = ogi(&with_unread);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "a cell summed without 公安局's");
    assert!(String::from_utf8_lossy(&out.stderr).contains("t3.new.total：平潭综合实验区公安局"));
    let mut drill = vec!["region", "drill", "t3.new.total"];
    drill.extend(files.iter().map(String::as_str));
    drill.push(&gaj);
    let out = String::from_utf8(ogi(&drill).stdout).unwrap();
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.lines().any(|l| l.starts_with("平潭综合实验区公安局\t（缺）")), "{out}");
}

/// The 主管部门's intake from the terminal: a directory with a ZIP and a
/// broken file, attached by printed names; the status list; a roll-back.
#[test]
fn published_reports_are_taken_in_as_batches_and_the_status_follows() {
    use std::io::Write;
    let src = corpus().join("real/pingtan");
    let dir = std::env::temp_dir().join(format!("ogi-cli-intake-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let db = dir.join("ogi.db");
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = ogi(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let csv = dir.join("agencies.csv");
    std::fs::write(
        &csv,
        "code,name,parent,kind\ncjj,平潭综合实验区财政金融局,root,department\ngaj,平潭综合实验区公安局,root,department\n\
         jspq,平潭综合实验区君山片区管理局,root,town\njyj,平潭综合实验区教育局,root,department\n",
    )
    .unwrap();
    run(&["agency", "import", csv.to_str().unwrap(), "--db", db]);
    // 财政金融局 loose, 公安局 inside a ZIP, 管委会办公室 not in the tree, one broken PDF.
    std::fs::copy(src.join("2020_cjj.txt"), inbox.join("2020_cjj.txt")).unwrap();
    std::fs::copy(src.join("2020_gwhbgs.txt"), inbox.join("2020_gwhbgs.txt")).unwrap();
    std::fs::write(inbox.join("坏文件.pdf"), b"%PDF-1.4 nothing").unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(inbox.join("区县上报.zip")).unwrap());
    zip.start_file("公安局/2020年报.txt", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(&std::fs::read(src.join("2020_gaj.txt")).unwrap()).unwrap();
    zip.finish().unwrap();
    let (out, err) =
        run(&["region", "intake", inbox.to_str().unwrap(), "--year", "2020", "--received", "2021-01-20", "--db", db]);
    assert_eq!(out.trim(), "第 1 批：已归入 2，未读入 1，未匹配机关 1", "{err}");
    assert!(err.contains("未匹配机关") && err.contains("平潭综合实验区管委会办公室"), "{err}");
    // 君山片区 sends late, in a second batch.
    let late = dir.join("late");
    std::fs::create_dir_all(&late).unwrap();
    std::fs::copy(src.join("2020_jspq.txt"), late.join("2020_jspq.txt")).unwrap();
    run(&["region", "intake", late.to_str().unwrap(), "--year", "2020", "--received", "2021-02-05", "--db", db]);
    let status = |today: &str| -> serde_json::Value {
        let (out, _) = run(&["region", "status", "--year", "2020", "--today", today, "--format", "json", "--db", db]);
        serde_json::from_str(&out).unwrap()
    };
    let rows = status("2021-02-10");
    let row = |rows: &serde_json::Value, code: &str| {
        rows.as_array().unwrap().iter().find(|r| r["code"] == code).unwrap_or_else(|| panic!("{code}")).clone()
    };
    assert_eq!(row(&rows, "jyj")["standing"], "missing");
    assert_eq!(row(&rows, "jyj")["late"], "逾期");
    assert_eq!(row(&rows, "jspq")["late"], "逾期");
    assert_eq!(row(&rows, "jspq")["received"], "2021-02-05");
    assert_eq!(row(&rows, "cjj")["late"], "");
    assert_ne!(row(&rows, "cjj")["standing"], "missing");
    assert_ne!(row(&rows, "gaj")["standing"], "missing", "the report inside the ZIP was attached");
    // The government's own report is due on 31 March.
    assert_eq!(row(&rows, "root")["due"], "2021-03-31");
    assert_eq!(row(&rows, "root")["late"], "");
    // The stored reports summed: the same as summing the three files (公安局
    // lacks table 三's cells, and is named for each).
    let json = |args: &[&str]| -> serde_json::Value { serde_json::from_str(&run(args).0).unwrap() };
    let stored = json(&["region", "rollup", "--year", "2020", "--json", "--db", db]);
    let files: Vec<String> =
        ["2020_cjj.txt", "2020_gaj.txt", "2020_jspq.txt"].iter().map(|f| src.join(f).display().to_string()).collect();
    let mut args = vec!["region", "rollup", "--year", "2020", "--json"];
    args.extend(files.iter().map(String::as_str));
    let from_files = json(&args);
    assert_eq!(stored["cells"], from_files["cells"]);
    assert_eq!(stored["lacking"], from_files["lacking"]);
    assert_eq!(stored["lacking"]["t3.new.total"], serde_json::json!(["平潭综合实验区公安局"]));
    // The batches, and the second rolled back: 君山片区 is missing again.
    let (list, _) = run(&["region", "batches", "--db", db]);
    assert!(list.lines().next().unwrap().contains("文件 4，已归入 2，未读入 1，未匹配 1"), "{list}");
    run(&["region", "rollback", "2", "--db", db]);
    assert_eq!(row(&status("2021-02-10"), "jspq")["standing"], "missing");
    let out = ogi(&["region", "rollback", "2", "--db", db]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("已撤回"));
}

/// A mail relay that cannot work is refused before the server starts, naming
/// the option, and no password is ever printed.
#[test]
fn serve_refuses_a_mail_relay_it_cannot_use() {
    let dir = std::env::temp_dir().join(format!("ogi-smtp-{}", std::process::id()));
    let db = dir.join("ogi.db");
    let db = db.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--smtp", "https://mail.example.gov.cn", "--mail-from", "gk@example.gov.cn"], "只支持 smtp://"),
        (&["--smtp", "smtp://gk:secret-pw@relay:25", "--mail-from", "gk@example.gov.cn"], "不支持在明文 SMTP 上登录"),
        (&["--smtp", "smtp://relay:25", "--mail-from", "不是地址"], "--mail-from"),
        (&["--smtp", "smtp://relay:25", "--mail-from", "gk@example.gov.cn", "--public-url", "relay"], "--public-url"),
    ];
    for (args, why) in cases {
        let mut all = vec!["serve", "--bind", "127.0.0.1:0", "--db", db];
        all.extend_from_slice(args);
        let out = ogi(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} started");
        assert!(err.contains(why) && !err.contains("secret-pw"), "{args:?}: {err}");
    }
    // --smtp without a sender is refused by the argument parser.
    let out = ogi(&["serve", "--bind", "127.0.0.1:0", "--db", db, "--smtp", "smtp://relay:25"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--mail-from"));
    let _ = std::fs::remove_dir_all(&dir);
}
