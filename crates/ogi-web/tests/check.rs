//! 报告检查 over real HTTP: several reports at once, each read and checked
//! on its own; the cells a finding names highlighted; an oversized upload
//! refused with a Chinese 413 page.

mod common;

use ogi_report::check::Severity;
use ogi_store::Role;

fn corpus(name: &str) -> Vec<u8> {
    let path = common::corpus().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The part of the page about the `n`-th file (1-based).
fn section(page: &str, n: usize) -> &str {
    let start = page.find(&format!("id=\"f{n}\"")).unwrap_or_else(|| panic!("no section f{n}: {page}"));
    let rest = &page[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn several_reports_are_checked_each_on_its_own() {
    let server = common::start("check-many", None).await;
    let mut c = server.login("clerk", Role::Clerk).await;
    let form = c.get("/check").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("enctype=\"multipart/form-data\"") && form.text().contains("name=\"reports\""));
    let good = corpus("liaocheng-gxj-2023.txt");
    let report = ogi_report::read(&good, Some("liaocheng-gxj-2023.txt")).unwrap();
    let diags = ogi_report::check::check(&report, None);
    assert!(diags.iter().all(|d| d.severity != Severity::Error), "the corpus report is consistent");
    let page = c
        .post_multipart(
            "/check",
            &[("reports", "liaocheng-gxj-2023.txt", &good), ("reports", "weather.txt", "今天天气很好。".as_bytes())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let t = page.text();
    let first = section(&t, 1);
    assert!(first.contains("聊城市工业和信息化局") && first.contains("2023") && first.contains("2021 版"), "{first}");
    assert!(first
        .contains(&format!("错误 0 处，警告 {} 处", diags.iter().filter(|d| d.severity == Severity::Warning).count())));
    assert!(!first.contains("class=\"hl\"") || !diags.is_empty());
    // The report's own tables, as read.
    let new = report.value("t3.new.total".parse().unwrap()).unwrap();
    assert!(first.contains(&format!("data-key=\"t3.new.total\">{new}</td>")), "{first}");
    let second = section(&t, 2);
    assert!(second.contains("weather.txt") && second.contains("不是政府信息公开工作年度报告"), "{second}");
    assert!(second.contains("class=\"err file-error\""));
}

#[tokio::test]
async fn the_cells_of_an_arithmetic_error_are_highlighted() {
    let server = common::start("check-hl", None).await;
    let mut c = server.login("clerk", Role::Clerk).await;
    c.get("/check").await;
    // The 本年新收 row's total no longer adds up (5 natural persons, total 6).
    let text = String::from_utf8(corpus("liaocheng-gxj-2023.txt")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let row = lines.iter().position(|l| l.contains("一、本年新收政府信息公开申请数量")).unwrap();
    assert_eq!(lines[row + 7].trim(), "5", "the row's total");
    lines[row + 7] = "\t6".into();
    let broken = lines.join("\n");
    let report = ogi_report::read(broken.as_bytes(), Some("broken.txt")).unwrap();
    let errors: Vec<_> =
        ogi_report::check::check(&report, None).into_iter().filter(|d| d.severity == Severity::Error).collect();
    assert!(!errors.is_empty());
    let page = c.post_multipart("/check", &[("reports", "broken.txt", broken.as_bytes())]).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let t = page.text();
    assert!(t.contains(&format!("错误 {} 处", errors.len())), "{t}");
    for d in &errors {
        assert!(t.contains(&d.message), "{}", d.message);
        if let Some(a) = &d.arithmetic {
            assert!(t.contains(a.as_str()), "{a}");
        }
        for k in &d.cells {
            assert!(t.contains(&format!("data-key=\"{k}\" class=\"hl\"")), "{k} highlighted: {t}");
            // The finding links to its cell.
            assert!(t.contains(&format!("href=\"#f1-cell-{k}\"")) && t.contains(&format!("id=\"f1-cell-{k}\"")));
        }
    }
    assert!(t.contains("data-key=\"t3.new.total\" class=\"hl\">6</td>"), "{t}");
    // A cell no finding names is not highlighted.
    let all = ogi_report::check::check(&report, None);
    let quiet = report.cells.keys().find(|k| all.iter().all(|d| !d.cells.contains(k))).unwrap();
    let value = report.value(*quiet).unwrap();
    assert!(t.contains(&format!("data-key=\"{quiet}\">{value}</td>")), "{quiet}: {t}");
}

/// A value cell of the first file's tables: the rest of its opening tag after
/// its `id` (its attributes) and its content.
fn td<'a>(page: &'a str, key: &str) -> (&'a str, &'a str) {
    let at = page.find(&format!(" id=\"f1-cell-{key}\"")).unwrap_or_else(|| panic!("no cell {key}"));
    let rest = &page[at..];
    let open = rest.find('>').unwrap();
    let close = rest.find("</td>").unwrap();
    (&rest[..open], &rest[open + 1..close])
}

/// A published report (平潭 农业农村局 2024, flattened by an archive) whose
/// table 三 rows are glued digits no split reads ("3000000": the 总计 column
/// printed 0), whose 规范性文件 row reads six ways, and whose 规章 row is not
/// printed at all.
#[tokio::test]
async fn cells_the_reader_could_not_read_say_so_and_why_not_unreported() {
    let server = common::start("check-unread", None).await;
    let mut c = server.login("clerk", Role::Clerk).await;
    c.get("/check").await;
    let bytes = corpus("real/pingtan/2024_nyncj.txt");
    let report = ogi_report::read(&bytes, Some("2024_nyncj.txt")).unwrap();
    let key = |k: &str| k.parse::<ogi_vocab::CellKey>().unwrap();
    let note_of = |k: &str| {
        report.notes.iter().position(|n| n.cells.contains(&key(k))).unwrap_or_else(|| panic!("no note names {k}"))
    };
    let glued = &report.notes[note_of("t3.new.natural")];
    // No split of its digits adds up: the row is left out, and the table is wrong as printed.
    assert_eq!(glued.code, "read.inconsistent-row");
    assert!(glued.message.contains("3000000") && glued.message.contains("原表有误"), "{}", glued.message);
    assert_eq!(report.notes[note_of("t2.normative.issued")].code, "read.ambiguous");
    assert!(report.value(key("t2.regulation.issued")).is_none());
    assert!(report.notes.iter().all(|n| !n.cells.contains(&key("t2.regulation.issued"))), "规章 is simply not printed");

    let page = c.post_multipart("/check", &[("reports", "2024_nyncj.txt", &bytes)]).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let t = page.text();
    let f = section(&t, 1);
    // Every cell a note left out says 未能读取, with its note's reason, linked to the note.
    let mut unread = 0;
    for (i, note) in report.notes.iter().enumerate().filter(|(_, n)| n.cells_left_out()) {
        let anchor = format!("f1-note-{}", i + 1);
        let listed = format!("<p class=\"note\" id=\"{anchor}\">注{}：{}</p>", i + 1, note.message);
        assert!(f.contains(&listed), "{listed}: {f}");
        for k in &note.cells {
            let (attrs, content) = td(f, &k.to_string());
            assert_eq!(content, format!("未能读取<sup><a href=\"#{anchor}\">注{}</a></sup>", i + 1), "{k}");
            assert!(attrs.contains(&format!("title=\"未能读取：{}\"", note.message)), "{k}: {attrs}");
            unread += 1;
        }
    }
    assert!(unread >= 4 * 7 + 3, "four table 三 rows and the 规范性文件 row: {unread}");
    let (attrs, content) = td(f, "t3.new.total");
    assert!(
        content.starts_with("未能读取") && attrs.contains("3000000") && attrs.contains("无论怎样拆分都不满足合计关系")
    );
    let (attrs, content) = td(f, "t2.normative.in_force");
    assert!(content.starts_with("未能读取") && attrs.contains("有 6 种读法"), "{attrs}");
    // The row the report does not print is 未填报, without a reason.
    for k in ["t2.regulation.issued", "t2.regulation.repealed", "t2.regulation.in_force"] {
        let (attrs, content) = td(f, k);
        assert_eq!(content, "未填报", "{k}");
        assert!(!attrs.contains("title="), "{k}: {attrs}");
    }
    // A cell the report does print stays its number.
    assert_eq!(td(f, "t3.carried_over.natural").1, "0");
    assert_eq!(f.matches("未填报</td>").count(), 3, "only the 规章 row is unreported: {f}");
}

#[tokio::test]
async fn an_oversized_upload_gets_a_chinese_413() {
    let server = common::start("check-big", None).await;
    let mut c = server.login("clerk", Role::Clerk).await;
    c.get("/check").await;
    let big = vec![b'a'; ogi_web::MAX_UPLOAD + 1024];
    let r = c.post_multipart("/check", &[("reports", "big.txt", &big)]).await;
    assert_eq!(r.status, 413);
    assert!(r.text().contains("超过 20 MB") && r.text().contains("<html lang=\"zh-CN\">"), "{}", r.text());
    // The server is fine afterwards.
    assert_eq!(c.get("/check").await.status, 200);
    // An upload without the form's token is refused.
    let forged = c.post_multipart_with("/check", None, &[("reports", "r.txt", b"x")]).await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn only_logged_in_users_check_reports() {
    let server = common::start("check-anon", None).await;
    let r = server.client().get("/check").await;
    assert_eq!(r.status, 303);
    assert!(r.header("location").unwrap().starts_with("/login"));
}
