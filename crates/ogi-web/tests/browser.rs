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

use common::NOTICE_2027;
use webdriver::Browser;

async fn screenshot(b: &Browser, name: &str) {
    let png = b.screenshot_page(2200).await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Some(dir) = std::env::var("OGI_SCREENSHOTS").ok().filter(|d| !d.is_empty()) {
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
    clerks_day(&base, &token, &downloads).await;
}

async fn clerks_day(base: &str, token: &str, downloads: &std::path::Path) {
    let b = Browser::start(downloads).await;
    // The setup link creates the administrator and logs in.
    b.goto(&format!("{base}/setup?token={token}")).await;
    b.fill("input[name=agency]", "某市数据局").await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=display_name]", "王管理").await;
    b.fill("input[name=password]", common::PASSWORD).await;
    b.fill("input[name=password2]", common::PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("#count-overdue").await;
    // Log out and back in through the login form.
    b.click("header form button[type=submit]").await;
    b.wait_for("input[name=password]").await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=password]", common::PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("#count-overdue").await;
    let text = b.text().await;
    assert!(text.contains("工作台") && text.contains("王管理（管理员）") && text.contains("已逾期"), "{text}");
    screenshot(&b, "workbench-dashboard.png").await;

    // A request by post whose third party is consulted: the letter reached
    // it two days after it was sent; the dashboard shows the window's end.
    b.goto(&format!("{base}/requests/new")).await;
    b.select("select[name=channel]", "registered_post").await;
    b.select("select[name=applicant]", "commercial").await;
    b.fill("input[name=applicant_name]", "某建设工程有限公司").await;
    b.fill("input[name=arrived]", "2025-11-10").await;
    b.fill("textarea[name=summary], input[name=summary]", "某路段改造工程的中标通知书").await;
    b.click("main form button[type=submit]").await;
    b.wait_for("#form-consultation_started").await;
    // Only what the law allows now: no opinion to record before a consultation.
    assert!(!b.exists("#form-consultation_ended").await);
    b.fill("#form-consultation_started input[name=on]", "2025-11-11").await;
    b.fill("#form-consultation_started input[name=delivered]", "2025-11-12").await;
    b.click("#form-consultation_started button[type=submit]").await;
    b.wait_for("#form-consultation_ended").await;
    let consulting = b.url().await.rsplit('/').next().unwrap().to_string();
    // 15 working days from 11-12: 11/13 … 12/03.
    assert!(b.text().await.contains("对方最迟于 2025-12-03 提出意见"), "{}", b.text().await);
    b.goto(&format!("{base}/")).await;
    b.wait_for("#consulting").await;
    assert!(b.text().await.contains("意见最迟 2025-12-03"));

    // Register a request handed in at the counter.
    b.goto(&format!("{base}/requests/new")).await;
    b.select("select[name=channel]", "in_person").await;
    b.select("select[name=applicant]", "natural").await;
    b.fill("input[name=applicant_name]", "李明").await;
    b.fill("input[name=contact]", "13800001111").await;
    b.fill("input[name=arrived]", "2025-11-03").await;
    b.fill("textarea[name=summary], input[name=summary]", "请求公开本单位2024年度老旧小区改造项目的资金使用情况").await;
    b.click("main form button[type=submit]").await;
    b.wait_for("#form-correction_requested").await;
    let page = b.text().await;
    assert!(page.contains("李明") && page.contains("2025-12-01"), "due 20 working days after 2025-11-03: {page}");
    let code = b.url().await.rsplit('/').next().unwrap().to_string();
    assert!(code.starts_with("YSQ2025-"), "{code}");

    // Ask for 补正; the clock stops, then restarts when the correction arrives.
    b.fill("#form-correction_requested input[name=on]", "2025-11-04").await;
    b.fill("#form-correction_requested input[name=reply_by]", "2025-11-14").await;
    b.click("#form-correction_requested button[type=submit]").await;
    b.wait_for("#form-correction_received").await;
    assert!(b.text().await.contains("等待补正"));
    b.fill("#form-correction_received input[name=on]", "2025-11-10").await;
    b.click("#form-correction_received button[type=submit]").await;
    b.wait_for("#form-answered").await;
    assert!(b.text().await.contains("2025-12-08"), "20 working days after the correction arrived on 2025-11-10");

    // Answer: partly disclosed.
    b.fill("#form-answered input[name=on]", "2025-11-12").await;
    b.select("#form-answered select[name=outcome]", "partial").await;
    b.click("#form-answered button[type=submit]").await;
    b.wait_for("a[href$='.docx']").await;
    let page = b.text().await;
    assert!(page.contains("已办结") && page.contains("部分公开"), "{page}");
    screenshot(&b, "workbench-request.png").await;

    // Its letter without the reasons for what was withheld: back to the form, marked.
    // (The page's link opens a new tab; the same address here.)
    b.goto(&format!("{base}/requests/{code}/letters/answer.partial")).await;
    b.wait_for("details#letter-answer\\.partial[open] .field-error").await;
    assert!(b.text().await.contains("请在下面填写后再打印或下载"));

    // Download the 答复告知书 as a Word file, with the reasons for what was withheld.
    let answer = b
        .source()
        .await
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .find(|h| h.contains("/letters/answer") && !h.ends_with(".docx"))
        .map(|h| h.replace("&amp;", "&").replace("&#x2f;", "/"))
        .expect("a link to the answer letter");
    let reasons = ogi_web::auth::urlencode("其中涉及第三方商业秘密的合同附件不予公开（第十五条）");
    b.goto(&format!("{base}{answer}.docx?reasons={reasons}")).await;
    let letter = b.wait_download(".docx").await;
    let bytes = std::fs::read(&letter).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the letter is a Word file");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(xml.contains("李明") && xml.contains("第三十七条"), "the answer names the requester and cites 第三十七条");
    std::fs::remove_file(&letter).unwrap();

    // The year's report, drafted from the register, checked, and downloaded.
    b.goto(&format!("{base}/annual?year=2025")).await;
    b.wait_for("a[href*='to=docx']").await;
    let page = b.text().await;
    assert!(
        page.contains("某市数据局2025年政府信息公开工作年度报告") || page.contains("2025年政府信息公开工作年度报告"),
        "{page}"
    );
    screenshot(&b, "workbench-annual.png").await;
    b.click("a[href*='to=docx']").await;
    let report = b.wait_download(".docx").await;
    let read = ogi_report::read(&std::fs::read(&report).unwrap(), Some("r.docx")).expect("the downloaded report reads");
    assert_eq!(read.meta.year, Some(2025));
    // Our answer is in it: a natural person's request, partly disclosed this year.
    let partial = read.value("t3.partial.natural".parse().unwrap()).and_then(|v| v.as_int()).unwrap();
    assert!(partial >= 1, "t3.partial.natural = {partial}");

    // The next year's calendar: loaded by the administrator, checked as a
    // month calendar before it is saved.
    b.goto(&format!("{base}/admin/calendar")).await;
    b.wait_for("#calendar-form").await;
    b.fill("#calendar-form input[name=year]", "2027").await;
    b.fill("#calendar-form textarea[name=text]", NOTICE_2027).await;
    b.click("#calendar-form button[type=submit]").await;
    b.wait_for("#calendar-save").await;
    assert!(b.text().await.contains("核对 2027 年安排（尚未保存）"));
    screenshot(&b, "workbench-calendar.png").await;
    b.click("#calendar-save button[type=submit]").await;
    b.wait_for("#saved").await;
    assert!(b.text().await.contains("已载入 2027 年节假日安排"));

    // Every page at both screen sizes: no English error text, and no code,
    // date or short table heading broken over two lines.
    let pages = [
        "/".to_string(),
        "/requests".into(),
        "/requests?state=closed".into(),
        format!("/requests/{code}"),
        format!("/requests/{consulting}"),
        "/requests/new".into(),
        "/annual?year=2025".into(),
        "/annual/records?year=2025".into(),
        "/check".into(),
        "/admin".into(),
        "/admin/letters".into(),
        "/admin/calendar".into(),
        "/requests?page=abc".into(),
        "/no-such-page".into(),
    ];
    for (w, h) in [(1366, 768), (1920, 1080)] {
        b.viewport(w, h).await;
        for path in &pages {
            b.goto(&format!("{base}{path}")).await;
            b.wait_for("main").await;
            let text = b.text().await;
            for english in ["Failed to", "deserialize", "Method Not Allowed", "Internal Server Error", "Not Found"] {
                assert!(!text.contains(english), "{path} at {w}×{h} says {english:?}");
            }
            let wrapped = b.script(WRAPPED).await;
            assert_eq!(wrapped, serde_json::json!([]), "{path} at {w}×{h}: broken over two lines");
        }
    }
    b.quit().await;
}

/// Codes, dates and short table headings broken over lines: each match's
/// client rectangles on more than one line.
const WRAPPED: &str = r#"
const out = [];
const lines = (range) => new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const re = /YSQ\d{4}-\d{6}|\d{4}-\d{2}-\d{2}/g;
let n;
while ((n = walker.nextNode())) {
  const el = n.parentElement;
  if (!el || el.closest('script,style,textarea,select,pre,details:not([open]),.steps,.timeline .muted,.note,.err,.msg')) continue;
  re.lastIndex = 0;
  let m;
  while ((m = re.exec(n.textContent))) {
    const r = document.createRange();
    r.setStart(n, m.index);
    r.setEnd(n, m.index + m[0].length);
    if (lines(r) > 1) out.push(m[0] + ' in ' + el.tagName + '.' + el.className);
  }
}
for (const th of document.querySelectorAll('th, td:not([data-key]):not(.summary)')) {
  // A cell of several parts (a tag, a line break, a note) is several lines by design.
  if (th.children.length > 0) continue;
  const t = th.textContent.trim();
  if (t.length === 0 || t.length > 6) continue;
  const r = document.createRange();
  r.selectNodeContents(th);
  if (lines(r) > 1) out.push('heading ' + t);
}
return out;
"#;
