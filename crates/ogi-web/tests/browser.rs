//! End to end in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by .ci/run): the first administrator is
//! created through the setup link, then a clerk's day — register a request,
//! ask for 补正, answer it, download the 答复告知书 and the year's report.
//!
//! `OGI_SCREENSHOTS=docs/images cargo test -p ogi-web --test browser` also
//! writes the screenshots the README shows.

mod common;
mod webdriver;

use std::path::PathBuf;

use webdriver::Browser;

fn screenshot(b: &mut Browser, name: &str) {
    let png = b.screenshot_page(2200);
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Ok(dir) = std::env::var("OGI_SCREENSHOTS") {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_and_a_clerks_day_in_a_real_browser() {
    // The 7th working day after the request below arrived: the last day to ask for 补正.
    let server = common::start("browser", Some("2025-11-12")).await;
    // A register with history: last year's requests and this year's so far.
    common::fill(&server, 2024, 120, 5).await;
    common::fill(&server, 2025, 300, 11).await;
    let token = ogi_web::auth::random_token();
    *server.state.setup_token.lock().unwrap() = Some(token.clone());
    let base = format!("http://{}", server.addr);
    let downloads = server.dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    tokio::task::spawn_blocking(move || clerks_day(&base, &token, &downloads)).await.unwrap();
}

fn clerks_day(base: &str, token: &str, downloads: &std::path::Path) {
    let mut b = Browser::start(downloads);
    // The setup link creates the administrator and logs in.
    b.goto(&format!("{base}/setup?token={token}"));
    b.fill("input[name=agency]", "某市数据局");
    b.fill("input[name=username]", "admin");
    b.fill("input[name=display_name]", "王管理");
    b.fill("input[name=password]", common::PASSWORD);
    b.fill("input[name=password2]", common::PASSWORD);
    b.click("button[type=submit]");
    b.wait_for("#count-overdue");
    // Log out and back in through the login form.
    b.click("header form button[type=submit]");
    b.wait_for("input[name=password]");
    b.fill("input[name=username]", "admin");
    b.fill("input[name=password]", common::PASSWORD);
    b.click("button[type=submit]");
    b.wait_for("#count-overdue");
    let text = b.text();
    assert!(text.contains("工作台") && text.contains("王管理（管理员）") && text.contains("已逾期"), "{text}");
    screenshot(&mut b, "workbench-dashboard.png");

    // Register a request handed in at the counter.
    b.goto(&format!("{base}/requests/new"));
    b.select("select[name=channel]", "in_person");
    b.select("select[name=applicant]", "natural");
    b.fill("input[name=applicant_name]", "李明");
    b.fill("input[name=contact]", "13800001111");
    b.fill("input[name=arrived]", "2025-11-03");
    b.fill("textarea[name=summary], input[name=summary]", "请求公开本单位2024年度老旧小区改造项目的资金使用情况");
    b.click("main form button[type=submit]");
    b.wait_for("#form-correction_requested");
    let page = b.text();
    assert!(page.contains("李明") && page.contains("2025-12-01"), "due 20 working days after 2025-11-03: {page}");
    let code = b.url().rsplit('/').next().unwrap().to_string();
    assert!(code.starts_with("YSQ2025-"), "{code}");

    // Ask for 补正; the clock stops, then restarts when the correction arrives.
    b.fill("#form-correction_requested input[name=on]", "2025-11-04");
    b.fill("#form-correction_requested input[name=reply_by]", "2025-11-14");
    b.click("#form-correction_requested button[type=submit]");
    b.wait_for("#form-correction_received");
    assert!(b.text().contains("等待补正"));
    b.fill("#form-correction_received input[name=on]", "2025-11-10");
    b.click("#form-correction_received button[type=submit]");
    b.wait_for("#form-answered");
    assert!(b.text().contains("2025-12-08"), "20 working days after the correction arrived on 2025-11-10");

    // Answer: partly disclosed.
    b.fill("#form-answered input[name=on]", "2025-11-12");
    b.select("#form-answered select[name=outcome]", "partial");
    b.click("#form-answered button[type=submit]");
    b.wait_for("a[href$='.docx']");
    let page = b.text();
    assert!(page.contains("已办结") && page.contains("部分公开"), "{page}");
    screenshot(&mut b, "workbench-request.png");

    // Download the 答复告知书 as a Word file, with the reasons for what was withheld.
    let answer = b
        .source()
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .find(|h| h.contains("/letters/answer") && !h.ends_with(".docx"))
        .map(|h| h.replace("&amp;", "&").replace("&#x2f;", "/"))
        .expect("a link to the answer letter");
    let reasons = ogi_web::auth::urlencode("其中涉及第三方商业秘密的合同附件不予公开（第十五条）");
    b.goto(&format!("{base}{answer}.docx?reasons={reasons}"));
    let letter = b.wait_download(".docx");
    let bytes = std::fs::read(&letter).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the letter is a Word file");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(xml.contains("李明") && xml.contains("第三十七条"), "the answer names the requester and cites 第三十七条");
    std::fs::remove_file(&letter).unwrap();

    // The year's report, drafted from the register, checked, and downloaded.
    b.goto(&format!("{base}/annual?year=2025"));
    b.wait_for("a[href*='to=docx']");
    let page = b.text();
    assert!(
        page.contains("某市数据局2025年政府信息公开工作年度报告") || page.contains("2025年政府信息公开工作年度报告"),
        "{page}"
    );
    screenshot(&mut b, "workbench-annual.png");
    b.click("a[href*='to=docx']");
    let report = b.wait_download(".docx");
    let read = ogi_report::read(&std::fs::read(&report).unwrap(), Some("r.docx")).expect("the downloaded report reads");
    assert_eq!(read.meta.year, Some(2025));
    // Our answer is in it: a natural person's request, partly disclosed this year.
    let partial = read.value("t3.partial.natural".parse().unwrap()).and_then(|v| v.as_int()).unwrap();
    assert!(partial >= 1, "t3.partial.natural = {partial}");
}
