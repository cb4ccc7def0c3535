//! 报告检查 over real HTTP: several reports at once, each read and checked
//! on its own; the cells a finding names highlighted; an oversized upload
//! refused with a Chinese 413 page.

mod common;

use ogi_report::check::Severity;
use ogi_store::Role;

fn corpus(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(name);
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
