//! The old report reader address (now 报告检查) over real HTTP, and `serve` creating the register.

mod common;

#[tokio::test]
async fn the_old_reader_address_checks_an_uploaded_report() {
    let server = common::start("reader", None).await;
    let mut c = server.login("reader", ogi_store::Role::Clerk).await;
    let home = c.get("/report/read").await;
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), Some("/check"));
    assert!(c.get("/check").await.text().contains("报告检查"));
    let report =
        "某某局2023年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n";
    let page = c.post_multipart("/report/read", &[("report", "r.txt", report.as_bytes())]).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let t = page.text();
    assert!(t.contains("某某局") && t.contains("data-key=\"t3.new.natural\">5<") && t.contains("2023"), "{t}");
}

#[tokio::test]
async fn a_file_that_is_not_a_report_gets_a_clear_error() {
    let server = common::start("notreport", None).await;
    let mut c = server.login("reader", ogi_store::Role::Clerk).await;
    c.get("/check").await;
    let page = c.post_multipart("/check", &[("reports", "x.txt", "今天天气很好。".as_bytes())]).await;
    assert_eq!(page.status, 422, "{}", page.text());
    assert!(page.text().contains("不是政府信息公开工作年度报告"));
}

#[tokio::test]
async fn serve_creates_the_register_and_prints_nothing_secret_on_failure() {
    let dir = std::env::temp_dir().join(format!("ogi-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("data").join("ogi.db");
    let config = ogi_web::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        db: ogi_store::Location::Sqlite(db.clone()),
        pool: ogi_web::DEFAULT_POOL,
        today: None,
        https: false,
        trusted_proxies: Vec::new(),
        request_timeout: ogi_web::DEFAULT_REQUEST_TIMEOUT,
        mail: None,
    };
    let server = tokio::spawn(ogi_web::serve(config));
    for _ in 0..100 {
        if db.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.abort();
    assert!(db.exists(), "no database at {}", db.display());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure() {
    // (This binary's other tests do not look at cookies: the switch is process-wide.)
    ogi_web::auth::SECURE_COOKIES.store(true, std::sync::atomic::Ordering::Relaxed);
    let server = common::start("https", None).await;
    server.login("an", ogi_store::Role::Clerk).await;
    let mut c = server.client();
    let csrf = c.get("/login").await.csrf();
    let r = c
        .post_form("/login", &[("username", "an"), ("password", common::PASSWORD), ("csrf", &csrf), ("next", "/")])
        .await;
    let set: Vec<&str> =
        r.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| v.as_str()).collect();
    assert!(set.iter().any(|v| v.starts_with("ogi_session=") && v.split("; ").any(|a| a == "Secure")), "{set:?}");
}
