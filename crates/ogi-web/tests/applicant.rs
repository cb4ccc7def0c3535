//! The applicant's side end to end in a real headless Chromium, two browsers
//! at once: an applicant applies online with an attachment, a clerk confirms
//! and asks for 补正, the applicant answers it on the tracking page, the clerk
//! extends and answers and delivers the 答复告知书 online, the applicant
//! downloads it. At each step the due date the applicant sees is the one the
//! clerk sees. Then every public page on a 375 px phone and in 大字版, and an
//! accessibility run of axe-core (`tools/axe`, installed by .ci/run) over
//! every public page against the WCAG 2.1 A/AA rules.
//!
//! `OGI_SCREENSHOTS=docs/images cargo test -p ogi-web --test applicant`
//! also writes the screenshots the README shows.

mod common;
mod webdriver;

use std::path::{Path, PathBuf};

use ogi_store::Role;
use serde_json::Value;
use webdriver::Browser;

const TODAY: &str = "2025-03-03";

async fn screenshot(b: &Browser, name: &str, phone: bool) {
    let png = if phone { b.screenshot().await } else { b.screenshot_page(2200).await };
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Some(dir) = std::env::var("OGI_SCREENSHOTS").ok().filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

/// The form's sum as a person reads it off the label: "（3 + 4 = ?）".
async fn solve(b: &Browser) -> String {
    common::answer_to_sum(&b.text_of("label[for=f-answer]").await)
}

/// The due date the clerk's request page shows (`None` while the clock is stopped or closed).
async fn staff_due(b: &Browser) -> Option<String> {
    b.wait_for("#due").await;
    if b.exists("#due strong").await {
        Some(b.text_of("#due strong").await)
    } else {
        None
    }
}

/// The due date the applicant's tracking page shows.
async fn applicant_due(b: &Browser) -> Option<String> {
    b.wait_for("#state").await;
    if b.exists("#due").await {
        Some(b.text_of("#due").await)
    } else {
        None
    }
}

/// Waits until the page's text contains `needle` (the next page has come).
async fn until_text(b: &Browser, needle: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let text = b.text().await;
        if text.contains(needle) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no {needle:?} on {}:\n{text}", b.url().await);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A page at 375 px: nothing wider than the screen (no sideways scrolling).
async fn fits_a_phone(b: &Browser, what: &str) {
    let width = b.script("return document.documentElement.scrollWidth").await;
    assert!(width.as_u64().is_some_and(|w| w <= 375), "{what} is {width} px wide at 375 px");
}

/// axe-core's WCAG 2.1 A/AA rules over the page: every violation, named.
async fn accessible(b: &Browser, axe: &str, what: &str) {
    b.script(axe).await;
    let found = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => done({passes: r.passes.length, violations: r.violations.map(v =>
                   v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))}))
               .catch(e => done({error: String(e)}));",
        )
        .await;
    assert!(found.get("error").is_none(), "axe on {what}: {found}");
    let violations: Vec<&str> =
        found["violations"].as_array().unwrap().iter().map(|v: &Value| v.as_str().unwrap()).collect();
    assert!(violations.is_empty(), "{what}: {violations:#?}");
    assert!(found["passes"].as_u64().unwrap() > 5, "axe checked {what}: {found}");
}

fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/axe/node_modules/axe-core/axe.min.js");
    let js = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (run .ci/run, or: cd tools/axe && npm ci)", path.display());
    });
    // The script runs as a function body: put axe on the window.
    format!("{js}\n;window.axe = axe;")
}

/// A one-page PDF, as an ID scan would be sent.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_and_a_clerk_handle_a_request_online_in_two_real_browsers() {
    let server = common::start("applicant-e2e", Some(TODAY)).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| {
            ogi_store::Store::set_setting(s, ogi_store::AGENCY_NAME, "聊城市工业和信息化局", "test")
        })
        .await
        .unwrap();
    server.user("head", Role::Head).await;
    let base = format!("http://{}", server.addr);
    let (downloads, staff_downloads) = (server.dir.join("applicant"), server.dir.join("staff"));
    std::fs::create_dir_all(&downloads).unwrap();
    std::fs::create_dir_all(&staff_downloads).unwrap();
    let scan = server.dir.join("身份证.pdf");
    std::fs::write(&scan, PDF).unwrap();
    let axe = axe_source();
    let applicant = Browser::start(&downloads).await;
    let staff = Browser::start(&staff_downloads).await;

    // The applicant applies. A wrong sum first: the form comes back with the
    // error announced and every field kept (the attachment is chosen again).
    applicant.goto(&format!("{base}/apply")).await;
    screenshot(&applicant, "apply-desktop.png", false).await;
    accessible(&applicant, &axe, "the form").await;
    applicant.select("#f-applicant", "natural").await;
    applicant.fill("#f-name", "李四").await;
    applicant.select("#f-id_kind", "resident_id").await;
    applicant.fill("#f-id_number", "11010519491231002x").await;
    applicant.fill("#f-phone", "0635-1234567").await;
    applicant.fill("#f-address", "山东省聊城市东昌府区某路 1 号").await;
    applicant.fill("#f-summary", "2024年本区老旧小区改造项目清单").await;
    applicant.select("#f-delivery", "online").await;
    applicant.upload("#f-attachments", &scan).await;
    let wrong = (solve(&applicant).await.parse::<i32>().unwrap() + 1).to_string();
    applicant.fill("#f-answer", &wrong).await;
    applicant.click("form.panel button[type=submit]").await;
    applicant.wait_for("#e-answer").await;
    assert_eq!(applicant.find("#f-answer").await.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(applicant.find("#f-name").await.prop("value").await.unwrap().as_deref(), Some("李四"));
    accessible(&applicant, &axe, "the form with an error").await;
    applicant.upload("#f-attachments", &scan).await;
    let answer = solve(&applicant).await;
    applicant.fill("#f-answer", &answer).await;
    applicant.click("form.panel button[type=submit]").await;
    let code = applicant.text_of("#tracking-code").await;
    assert!(applicant.text().await.contains("申请已提交"));
    assert!(!applicant.exists("#due").await, "no due date before the clerk confirms");
    screenshot(&applicant, "apply-receipt.png", false).await;
    accessible(&applicant, &axe, "the receipt").await;

    // The clerk (a head, who may also extend) logs in and confirms it; the
    // attachment is on the request's page, for staff only.
    staff.goto(&format!("{base}/login")).await;
    staff.fill("input[name=username]", "head").await;
    staff.fill("input[name=password]", common::PASSWORD).await;
    staff.click("button[type=submit]").await;
    staff.wait_for("#count-overdue").await;
    staff.goto(&format!("{base}/online")).await;
    assert!(staff.text().await.contains("2024年本区老旧小区改造项目清单"));
    staff.click("form[action$='/confirm'] button[type=submit]").await;
    staff.wait_for("#form-correction_requested").await;
    let request = staff.url().await.rsplit('/').next().unwrap().to_string();
    assert!(staff.text_of("#attachments").await.contains("身份证.pdf"));
    let confirmed = staff_due(&staff).await.expect("a due date once confirmed");
    applicant.goto(&format!("{base}/track/{code}")).await;
    assert_eq!(applicant.text_of("#received").await, TODAY);
    assert_eq!(applicant_due(&applicant).await.as_deref(), Some(confirmed.as_str()), "confirmed");

    // 补正 asked: neither side shows a due date while the clock is stopped.
    staff.fill("#form-correction_requested input[name=reply_by]", "2025-03-17").await;
    staff.click("#form-correction_requested button[type=submit]").await;
    staff.wait_for("#form-correction_received").await;
    assert_eq!(staff_due(&staff).await, None);
    applicant.goto(&format!("{base}/track/{code}")).await;
    assert_eq!(applicant_due(&applicant).await, None);
    assert!(applicant.text().await.contains("请于 2025-03-17 前补正申请"));
    accessible(&applicant, &axe, "the tracking page with a 补正 to answer").await;

    // The applicant answers on the tracking page; the clock restarts that day.
    applicant.fill("#f-text", "所需为东昌府区 2024 年度改造项目的清单，含项目名称与地址").await;
    applicant.click("form[action$='/correction'] button[type=submit]").await;
    applicant.wait_for("#messages").await;
    staff.goto(&format!("{base}/requests/{request}")).await;
    let corrected = staff_due(&staff).await.expect("a due date after the 补正");
    assert_eq!(applicant_due(&applicant).await.as_deref(), Some(corrected.as_str()), "after the 补正");

    // Extended by 10 working days: a later date, the same on both sides.
    staff.fill("#form-extended input[name=days]", "10").await;
    staff.click("#form-extended button[type=submit]").await;
    until_text(&staff, "延长 10 个工作日").await;
    let extended = staff_due(&staff).await.expect("a due date after the extension");
    assert!(extended > corrected, "{extended} after {corrected}");
    applicant.goto(&format!("{base}/track/{code}")).await;
    assert_eq!(applicant_due(&applicant).await.as_deref(), Some(extended.as_str()), "after the extension");
    assert!(applicant.text().await.contains(&format!("延长后的答复期限：{extended}")));

    // Answered (granted) and the 答复告知书 delivered online.
    staff.select("#form-answered select[name=outcome]", "granted").await;
    staff.click("#form-answered button[type=submit]").await;
    staff.wait_for("[id='deliver-answer.granted']").await;
    assert_eq!(staff_due(&staff).await, None, "closed");
    staff.click("[id='deliver-answer.granted'] summary").await;
    staff.fill("[id='deliver-answer.granted'] input[name=provision]", "在线下载（申请查询页面）").await;
    staff.click("[id='deliver-answer.granted'] button[type=submit]").await;
    staff.wait_for("#letters p.ok").await;

    // The applicant sees the request closed and downloads the letter, as Word
    // and as a page to print.
    applicant.goto(&format!("{base}/track/{code}")).await;
    assert_eq!(applicant_due(&applicant).await, None);
    let track = applicant.text().await;
    assert!(track.contains("已办结") && track.contains("答复告知书：（一）予以公开"), "{track}");
    assert!(!track.contains("head的姓名"), "no staff names: {track}");
    screenshot(&applicant, "track.png", false).await;
    accessible(&applicant, &axe, "the tracking page with a delivered letter").await;
    applicant.click("#letters a[href$='.docx']").await;
    let docx = std::fs::read(applicant.wait_download(".docx").await).unwrap();
    assert!(docx.starts_with(b"PK"), "a Word file");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut body = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut body).unwrap();
    assert!(body.contains("李四") && body.contains("在线下载（申请查询页面）"), "{body}");
    let page = applicant.find("#letters a[target=_blank]").await.attr("href").await.unwrap().unwrap();
    applicant.goto(&format!("{base}{page}")).await;
    let letter = applicant.text().await;
    assert!(letter.contains("李四") && letter.contains(&request), "{letter}");
    accessible(&applicant, &axe, "the delivered letter").await;

    // The lookup form, and a mistyped code (the same 404 as an unknown one).
    applicant.goto(&format!("{base}/track")).await;
    accessible(&applicant, &axe, "the lookup form").await;
    applicant.fill("#f-code", "7K3M-Q9XD-2HBT-W4ZP").await;
    applicant.click("form.panel button[type=submit]").await;
    applicant.wait_for("p.err[role=alert]").await;
    accessible(&applicant, &axe, "the lookup form with an error").await;

    // On a phone: every public page fits 375 px, in 大字版 too.
    applicant.viewport(375, 740).await;
    let phone_pages = [
        ("/apply".to_string(), "the form"),
        (format!("/track/{code}"), "the tracking page"),
        ("/track".into(), "the lookup"),
    ];
    for (path, what) in phone_pages {
        applicant.goto(&format!("{base}{path}")).await;
        applicant.wait_for("main").await;
        fits_a_phone(&applicant, what).await;
    }
    applicant.goto(&format!("{base}/apply")).await;
    screenshot(&applicant, "apply-phone.png", true).await;
    let size = "return parseFloat(getComputedStyle(document.body).fontSize)";
    let normal = applicant.script(size).await.as_f64().unwrap();
    applicant.click("header.public .text-size a").await;
    applicant.wait_for("html.large-text #f-name").await;
    let large = applicant.script(size).await.as_f64().unwrap();
    assert!(large >= normal * 1.25, "大字版: {large} px against {normal} px");
    fits_a_phone(&applicant, "the form in 大字版").await;
    accessible(&applicant, &axe, "the form in 大字版").await;
    // The choice holds on the next page, and is undone the same way.
    applicant.goto(&format!("{base}/track/{code}")).await;
    applicant.wait_for("html.large-text #state").await;
    fits_a_phone(&applicant, "the tracking page in 大字版").await;
    applicant.click("header.public .text-size a").await;
    applicant.wait_for("html:not(.large-text) #state").await;
    assert!(applicant.url().await.ends_with(&format!("/track/{code}")), "back on the page");

    // A shared deployment's agency picker is public too.
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| {
            ogi_store::Store::import_agencies(
                s,
                "code,name,parent,kind\na,聊城市甲局,root,department\n".as_bytes(),
                "test",
            )
        })
        .await
        .unwrap();
    applicant.viewport(1366, 768).await;
    applicant.goto(&format!("{base}/apply")).await;
    applicant.wait_for("ul.agency-tree").await;
    accessible(&applicant, &axe, "the agency picker").await;

    // Guessing codes: after the limit, the 429 page in Chinese (last: it
    // stops this address's lookups for a minute).
    for i in 0..=ogi_web::pages::portal::MAX_UNKNOWN_LOOKUPS {
        let (a, b) = (b"ABCDEFGHJKMNPQRSTVWXYZ"[i as usize / 22], b"ABCDEFGHJKMNPQRSTVWXYZ"[i as usize % 22]);
        applicant.goto(&format!("{base}/track/7K3M-Q9XD-2HBT-W4{}{}", a as char, b as char)).await;
    }
    until_text(&applicant, "过于频繁").await;
    accessible(&applicant, &axe, "the 429 page").await;

    applicant.quit().await;
    staff.quit().await;
}
