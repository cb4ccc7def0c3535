//! The server as an operator sees it, over real HTTP: security headers on
//! every route (the list is checked against the routes in the source), the
//! request timeout, body limits, `X-Forwarded-For` believed only from trusted
//! proxies, the per-account lock across addresses and its unlock, and API
//! tokens' expiry and scope.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Client, Resp, Server};
use ogi_store::{Role, Store, TokenScope};

// Every route's path as the source spells it, so that a new route not
// walked below fails the test that walks them.
use common::routes_in_source;

const GETS: &[&str] = &[
    "/",
    "/requests",
    "/requests.csv",
    "/requests/new",
    "/requests/{code}",
    "/requests/{code}/letters/{kind}",
    "/admin/letters",
    "/login",
    "/setup",
    "/account",
    "/annual",
    "/annual/export",
    "/annual/records",
    "/admin",
    "/admin/agencies",
    "/admin/calendar",
    "/check",
    "/report/read",
    "/static/style.css",
    "/healthz",
    "/apply",
    "/apply/{agency}",
    "/track",
    "/text-size",
    "/track/{code}",
    "/track/{code}/letters/{file}",
    "/track/{code}/files/{id}",
    "/region",
    "/region/rollup",
    "/region/drill/{cell}",
    "/region/compare",
    "/region/review/{agency}",
    "/region/intake",
    "/region/batches/{id}",
    "/online",
    "/online/files/{id}",
    "/api/requests",
    "/api/requests/{code}",
    "/api/reports/{year}",
    "/api/openapi.json",
];

const POSTS: &[&str] = &[
    "/requests",
    "/requests/{code}/events",
    "/requests/{code}/letters/{kind}/deliver",
    "/admin/letters",
    "/login",
    "/setup",
    "/account/password",
    "/account/sessions/revoke",
    "/account/sessions/revoke-others",
    "/annual/texts",
    "/annual/records/document",
    "/annual/records/repeal",
    "/annual/records/art20",
    "/annual/records/case",
    "/annual/records/decide",
    "/admin/users",
    "/admin/users/update",
    "/admin/users/password",
    "/admin/users/unlock",
    "/admin/users/force-password",
    "/admin/users/revoke-sessions",
    "/admin/settings",
    "/admin/tokens",
    "/admin/tokens/revoke",
    "/admin/agencies",
    "/admin/agencies/import",
    "/admin/agencies/pattern",
    "/admin/calendar/preview",
    "/admin/calendar/save",
    "/check",
    "/report/read",
    "/api/requests",
    "/api/requests/{code}/events",
    "/api/check",
    "/apply",
    "/apply/{agency}",
    "/track/{code}/correction",
    "/track/{code}/withdraw",
    "/online/{id}/confirm",
    "/region/review/{agency}",
    "/region/intake",
    "/region/batches/{id}/retry",
    "/region/batches/{id}/rollback",
    // Last: it ends the session.
    "/logout",
];

/// The headers every response must carry, whatever it is.
fn assert_secure(what: &str, r: &Resp) {
    let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP ({})", r.status));
    for part in ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"] {
        assert!(csp.contains(part), "{what}: CSP {csp:?} lacks {part}");
    }
    assert!(!csp.contains("script-src"), "{what}: no script is allowed at all: {csp}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    // The policy forbids scripts: no page may need one.
    if r.header("content-type").is_some_and(|c| c.starts_with("text/html")) {
        let t = r.text();
        assert!(!t.contains("<script") && !t.contains("javascript:"), "{what}: a script in the page");
    }
}

async fn a_request(server: &Server) -> String {
    common::fill(server, 2024, 3, 7).await;
    let rows = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 0, 1)).await.unwrap();
    rows.0[0].code.clone()
}

#[tokio::test]
async fn every_route_carries_the_security_headers() {
    let walked: BTreeSet<String> = GETS.iter().chain(POSTS).map(|p| p.to_string()).collect();
    assert_eq!(walked, routes_in_source(), "the routes walked here are the router's");
    let server = common::start("sec-headers", Some("2024-12-31")).await;
    let code = a_request(&server).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| s.set_setting(ogi_store::AGENCY_NAME, "某市数据局", "test"))
        .await
        .unwrap();
    let fill = |p: &str| {
        p.replace("{code}", &code)
            .replace("{kind}", "receipt")
            .replace("{year}", "2024")
            .replace("{agency}", "root")
            .replace("{file}", "1.docx")
    };
    let mut admin = server.login("root", Role::Admin).await;
    let auth = server.bearer("platform", Role::Head, TokenScope::Write, 3600).await;
    let mut anon = server.client();
    for path in GETS.iter().map(|p| fill(p)) {
        assert_secure(&format!("GET {path}"), &admin.get(&path).await);
        assert_secure(&format!("anonymous GET {path}"), &anon.get(&path).await);
        if path.starts_with("/api/") {
            let r = anon.send("GET", &path, &[("Authorization", &auth)], Vec::new()).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            assert_secure(&format!("bearer GET {path}"), &r);
        }
    }
    admin.get("/").await;
    for path in POSTS.iter().map(|p| fill(p)) {
        let r = anon.post_form(&path, &[("x", "1")]).await;
        assert_secure(&format!("anonymous POST {path}"), &r);
        if path.starts_with("/api/") {
            let r = anon
                .send("POST", &path, &[("Authorization", &auth), ("Content-Type", "application/json")], b"{}".to_vec())
                .await;
            assert!(r.status >= 400, "{path}: an empty object is refused");
            assert_secure(&format!("bearer POST {path}"), &r);
        }
        // Without the token (403), then with it (whatever the form is worth).
        assert_secure(&format!("forged POST {path}"), &admin.post_form(&path, &[("csrf", "forged")]).await);
        let r = admin.submit(&path, &[]).await;
        assert_secure(&format!("POST {path}"), &r);
        admin.get("/").await;
    }
    // Error pages: unknown page, wrong method, unreadable query.
    let mut c = server.login("clerk", Role::Clerk).await;
    for (method, path) in
        [("GET", "/no/such/page"), ("DELETE", "/requests"), ("GET", "/requests?state=%FF"), ("GET", "/api/nothing")]
    {
        let r = c.send(method, path, &[], Vec::new()).await;
        assert!(r.status >= 400, "{method} {path}");
        assert_secure(&format!("{method} {path}"), &r);
    }
}

/// A route that takes longer than any test timeout (test-only: production
/// handlers have no sleeps).
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "done"
}

#[tokio::test]
async fn a_request_that_runs_out_of_time_gets_a_chinese_408() {
    let options = ogi_web::Options { request_timeout: Duration::from_millis(1500), ..Default::default() };
    let routes = ogi_web::routes()
        .route("/test/slow", axum::routing::get(slow))
        .route("/api/test/slow", axum::routing::get(slow));
    let server = common::start_with("sec-timeout", None, options, routes).await;
    let mut c = server.login("zhang", Role::Clerk).await;
    let started = std::time::Instant::now();
    let r = c.get("/test/slow").await;
    assert_eq!(r.status, 408, "{}", r.text());
    assert!(started.elapsed() < Duration::from_secs(4), "answered at the timeout, not after the handler");
    assert!(r.text().contains("请求处理超时（超过 1 秒）") && r.text().contains("退出"), "in the layout: {}", r.text());
    assert_secure("408", &r);
    let r = c.get("/api/test/slow").await;
    assert_eq!(r.status, 408);
    assert!(r.json()["error"].as_str().unwrap().contains("请求处理超时"), "{}", r.text());
    // A form whose body never arrives: the CSRF check's read times out too (not "too large").
    let cookie = format!("Cookie: ogi_session={}", c.cookies["ogi_session"]);
    let r = common::declared_but_unsent(
        server.addr,
        "POST /requests",
        &[&cookie, "Content-Type: application/x-www-form-urlencoded"],
        1000,
    )
    .await;
    assert_eq!(r.status, 408, "{}", r.text());
    assert!(r.text().contains("请求处理超时"), "{}", r.text());
    // Everything else is unaffected.
    assert_eq!(c.get("/").await.status, 200);
}

#[tokio::test]
async fn every_route_has_a_body_limit_and_uploads_keep_theirs() {
    let server = common::start("sec-limit", None).await;
    let three_mb = 3 * 1024 * 1024;
    // Logged out, nothing reads the form before its handler: the limit layer refuses it on its length.
    let r = common::declared_but_unsent(
        server.addr,
        "POST /login",
        &["Content-Type: application/x-www-form-urlencoded"],
        three_mb,
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.text().contains("提交内容过大（上限 2 MB）"), "{}", r.text());
    assert_secure("413", &r);
    // The API with a token: JSON, and the limit it hit.
    let auth = server.bearer("platform", Role::Clerk, TokenScope::Write, 3600).await;
    let head = format!("Authorization: {auth}");
    let r = common::declared_but_unsent(
        server.addr,
        "POST /api/requests",
        &[&head, "Content-Type: application/json"],
        three_mb,
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("上限 2 MB"), "{}", r.text());
    // An upload of the same size is not refused by length: the checker reads it.
    let body = vec![b'a'; three_mb];
    let mut c = server.client();
    let r = c
        .send("POST", "/api/check?filename=big.txt", &[("Authorization", &auth), ("Content-Type", "text/plain")], body)
        .await;
    assert_eq!(r.status, 422, "read and found not to be a report: {}", r.text());
    // A logged-in form over the limit: the CSRF check's 413 (unchanged).
    let mut clerk = server.login("clerk", Role::Clerk).await;
    clerk.get("/").await;
    let big = "机".repeat(1024 * 1024);
    let r = clerk.submit("/requests", &[("summary", &big)]).await;
    assert_eq!(r.status, 413);
    assert!(r.text().contains("提交内容过大（上限 2 MB）"));
}

/// Five wrong passwords for `user` from `forwarded`, then the right one from `then`.
async fn guesses_then_right(server: &Server, user: &str, forwarded: &str, then: &str) -> Resp {
    let mut c = server.client();
    for _ in 0..5 {
        let r = c.try_login(user, "wrong-password!", &[("X-Forwarded-For", forwarded)]).await;
        assert_eq!(r.status, 401, "{}", r.text());
    }
    c.try_login(user, common::PASSWORD, &[("X-Forwarded-For", then)]).await
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let trusted = ogi_web::Options {
        trusted_proxies: vec![ogi_web::parse_trusted_proxy("127.0.0.1").unwrap()],
        ..Default::default()
    };
    let behind_proxy = common::start_with("sec-proxy-trusted", None, trusted, ogi_web::routes()).await;
    let direct = common::start("sec-proxy-untrusted", None).await;
    behind_proxy.user("qian", Role::Clerk).await;
    direct.user("qian", Role::Clerk).await;
    // Behind the trusted proxy, the guesser's address is throttled, not the colleague's.
    let r = guesses_then_right(&behind_proxy, "qian", "203.0.113.1", "198.51.100.7, 203.0.113.2").await;
    assert_eq!(r.status, 303, "another address logs in: {}", r.text());
    // From an untrusted peer the header is ignored: every attempt is 127.0.0.1's.
    let r = guesses_then_right(&direct, "qian", "203.0.113.1", "203.0.113.2").await;
    assert_eq!(r.status, 429, "{}", r.text());
    // The session remembers the client (the rightmost untrusted hop), not the proxy.
    let mut c = behind_proxy.client();
    let r = c
        .try_login(
            "qian",
            common::PASSWORD,
            &[("X-Forwarded-For", "10.9.9.9, 203.0.113.9"), ("User-Agent", "测试浏览器/1.0")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = c.get("/account").await.text();
    assert!(page.contains("<td>203.0.113.9</td>") && page.contains("测试浏览器&#x2f;1.0"), "{page}");
    direct.user("sun", Role::Clerk).await;
    let mut c = direct.client();
    let r = c.try_login("sun", common::PASSWORD, &[("X-Forwarded-For", "203.0.113.9")]).await;
    assert_eq!(r.status, 303);
    let page = c.get("/account").await.text();
    assert!(page.contains("<td>127.0.0.1</td>") && !page.contains("203.0.113.9"), "{page}");
}

#[tokio::test]
async fn ten_failures_from_anywhere_lock_the_account_until_an_administrator_unlocks_it() {
    let trusted = ogi_web::Options {
        trusted_proxies: vec![ogi_web::parse_trusted_proxy("127.0.0.0/8").unwrap()],
        ..Default::default()
    };
    let server = common::start_with("sec-lock", None, trusted, ogi_web::routes()).await;
    let mut admin = server.login("root", Role::Admin).await;
    let zhou = server.user("zhou", Role::Clerk).await;
    let mut victim = server.client();
    assert_eq!(victim.try_login("zhou", common::PASSWORD, &[]).await.status, 303);
    let mut anyone = server.client();
    let mut last = None;
    for i in 0..10 {
        let from = format!("203.0.113.{}", 10 + i);
        let r = anyone.try_login("zhou", "wrong-password!", &[("X-Forwarded-For", &from)]).await;
        last = Some(r);
    }
    let last = last.unwrap();
    assert_eq!(last.status, 423, "{}", last.text());
    assert!(last.text().contains(ogi_web::auth::LOCKED));
    // Locked: the right password from a new address is refused too, and the user's session ended.
    let r = anyone.try_login("zhou", common::PASSWORD, &[("X-Forwarded-For", "198.51.100.1")]).await;
    assert_eq!(r.status, 423);
    assert_eq!(victim.get("/").await.status, 303, "the lock ended the session");
    // An unknown name locks the same way: the page says nothing about who exists.
    let mut r = None;
    for i in 0..10 {
        let from = format!("203.0.113.{}", 100 + i);
        r = Some(anyone.try_login("nobody", "wrong-password!", &[("X-Forwarded-For", &from)]).await);
    }
    let r = r.unwrap();
    assert_eq!(r.status, 423);
    let message = |r: &Resp| {
        let t = r.text();
        let at = t.find("<p class=\"err\">").unwrap();
        t[at..at + t[at..].find("</p>").unwrap()].to_string()
    };
    assert_eq!(message(&r), message(&last));
    // The administrator sees the lock and lifts it; both are audited.
    let page = admin.get("/admin").await;
    assert!(page.text().contains(&format!("id=\"locked-{}\"", zhou.id)), "{}", page.text());
    let r = admin.submit("/admin/users/unlock", &[("id", &zhou.id.to_string())]).await;
    assert_eq!(r.status, 303);
    assert!(!admin.get("/admin").await.text().contains(&format!("id=\"locked-{}\"", zhou.id)));
    let r = anyone.try_login("zhou", common::PASSWORD, &[("X-Forwarded-For", "198.51.100.2")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let audit = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.audit()).await.unwrap();
    assert!(audit.iter().any(|a| a.action.contains("用户 zhou 连续 10 次登录失败，账号已锁定")), "{audit:?}");
    assert!(audit.iter().any(|a| a.action == "解锁用户 zhou" && a.actor == "root"), "{audit:?}");
    // A clerk cannot unlock.
    let mut clerk = server.login("clerk", Role::Clerk).await;
    clerk.get("/").await;
    assert_eq!(clerk.submit("/admin/users/unlock", &[("id", &zhou.id.to_string())]).await.status, 403);
}

#[tokio::test]
async fn api_tokens_expire_and_a_read_token_only_reads() {
    let server = common::start("sec-tokens", None).await;
    let mut c: Client = server.client();
    let expired = server.bearer("old", Role::Head, TokenScope::Write, -1).await;
    let r = c.send("GET", "/api/requests", &[("Authorization", &expired)], Vec::new()).await;
    assert_eq!(r.status, 401);
    assert!(r.json()["error"].as_str().unwrap().contains("接口令牌已于") && r.text().contains("过期"), "{}", r.text());
    let read = server.bearer("reader", Role::Head, TokenScope::Read, 3600).await;
    assert_eq!(c.send("GET", "/api/requests", &[("Authorization", &read)], Vec::new()).await.status, 200);
    assert_eq!(c.send("HEAD", "/api/requests", &[("Authorization", &read)], Vec::new()).await.status, 200);
    let body = serde_json::json!({"applicant_name": "张三", "applicant": "natural", "channel": "online", "contact": "13800000000", "arrived": "2024-03-04", "confirmed": "2024-03-05", "summary": "某文件"});
    let post = |auth: String| {
        let body = serde_json::to_vec(&body).unwrap();
        let addr = server.addr;
        async move {
            let mut c = Client { addr, cookies: Default::default(), csrf: String::new() };
            c.send("POST", "/api/requests", &[("Authorization", &auth), ("Content-Type", "application/json")], body)
                .await
        }
    };
    let r = post(read.clone()).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("只读"), "{}", r.text());
    assert_eq!(
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 0, 10)).await.unwrap().1,
        0,
        "nothing registered"
    );
    let write = server.bearer("writer", Role::Head, TokenScope::Write, 3600).await;
    let r = post(write).await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Use is recorded (the administrator's list shows it).
    let tokens = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.api_tokens()).await.unwrap();
    let by = |name: &str| tokens.iter().find(|t| t.user.username == name).unwrap().clone();
    assert!(by("reader").last_used.is_some() && by("writer").last_used.is_some());
    assert!(by("old").last_used.is_none(), "a refused token was not used");
}

/// What the access log wrote (a global subscriber: this binary's other tests write here too).
static LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_request_is_one_access_log_line_without_its_query() {
    let _ = tracing_subscriber::fmt().with_writer(|| LogWriter).with_ansi(false).try_init();
    let server = common::start("sec-log", None).await;
    let mut c = server.login("logger", Role::Clerk).await;
    assert_eq!(c.get("/requests?q=secret-words&state=open").await.status, 200);
    assert_eq!(server.client().get("/no/such/page?token=abcdef").await.status, 404);
    // An applicant's tracking code is their only key: never in the log.
    assert_eq!(server.client().get("/track/7K3M-Q9XD-2HBT-W4ZP").await.status, 404);
    let log = String::from_utf8(LOG.lock().unwrap().clone()).unwrap();
    assert!(!log.contains("7K3M-Q9XD") && log.contains("path=/track/***"), "{log}");
    let line = |path: &str| {
        log.lines()
            .find(|l| l.contains(&format!("path={path}")) && l.contains("user=logger"))
            .unwrap_or_else(|| panic!("no line for {path}: {log}"))
            .to_string()
    };
    let l = line("/requests}");
    assert!(
        l.contains("method=GET") && l.contains("status=200") && l.contains("ms=") && l.contains("client=127.0.0.1"),
        "{l}"
    );
    assert!(
        log.lines().any(|l| l.contains("path=/no/such/page") && l.contains("status=404") && l.contains("user=-")),
        "{log}"
    );
    assert!(!log.contains("secret-words") && !log.contains("abcdef"), "no query in the log: {log}");
}
