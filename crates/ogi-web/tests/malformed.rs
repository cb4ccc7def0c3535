//! Every route answered with malformed queries, bodies and methods: always a
//! Chinese page (in the workbench's layout for a logged-in user) or, under
//! `/api/`, a JSON error; never a framework message, an empty page or a 500.

mod common;

use common::{Client, Resp};
use ogi_store::Role;

const GETS: &[&str] = &[
    "/",
    "/requests",
    "/requests.csv",
    "/requests/new",
    "/requests/{code}",
    "/requests/{code}/letters/receipt",
    "/requests/{code}/letters/answer.granted",
    "/admin/letters",
    "/login",
    "/setup",
    "/annual",
    "/annual/export",
    "/annual/records",
    "/check",
    "/report/read",
    "/admin",
    "/admin/calendar",
    "/account",
    "/api/requests",
    "/api/requests/{code}",
    "/api/reports/2025",
    "/api/openapi.json",
];

const POSTS: &[&str] = &[
    "/requests",
    "/requests/{code}/events",
    "/admin/letters",
    "/annual/texts",
    "/annual/records/document",
    "/annual/records/repeal",
    "/annual/records/art20",
    "/annual/records/case",
    "/annual/records/decide",
    "/check",
    "/report/read",
    "/admin/users",
    "/admin/users/update",
    "/admin/users/password",
    "/admin/settings",
    "/admin/tokens",
    "/admin/tokens/revoke",
    "/admin/users/unlock",
    "/admin/users/force-password",
    "/admin/users/revoke-sessions",
    "/account/password",
    "/account/sessions/revoke",
    "/account/sessions/revoke-others",
    "/admin/calendar/preview",
    "/admin/calendar/save",
    "/api/requests",
    "/api/requests/{code}/events",
    "/api/check",
    // Last: it ends the session.
    "/logout",
];

/// What a framework says when nobody translated it.
const ENGLISH: &[&str] = &[
    "Failed to",
    "deserialize",
    "Method Not Allowed",
    "missing field",
    "invalid type",
    "Expected request",
    "unknown variant",
    "Form requests must",
    "Invalid",
    "invalid",
    "length limit",
];

fn judge(what: &str, path: &str, r: &Resp) {
    let t = r.text();
    assert!(r.status < 500, "{what} {path}: {} {t}", r.status);
    if !(300..400).contains(&r.status) {
        assert!(!t.trim().is_empty(), "{what} {path}: {} with an empty body", r.status);
    }
    if r.status >= 400 {
        for word in ENGLISH {
            assert!(!t.contains(word), "{what} {path}: {} says {word:?}: {t}", r.status);
        }
        if path.starts_with("/api/") {
            let v: serde_json::Value =
                serde_json::from_str(&t).unwrap_or_else(|_| panic!("{what} {path}: not JSON: {t}"));
            assert!(
                v["error"].as_str().is_some_and(|e| e.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
                "{what} {path}: {t}"
            );
        } else {
            assert!(t.contains("lang=\"zh-CN\"") && t.contains("class=\"err\""), "{what} {path}: {} {t}", r.status);
        }
    }
}

async fn setup(name: &str) -> (common::Server, Client, String) {
    let server = common::start(name, Some("2025-03-10")).await;
    let mut c = server.login("admin", Role::Admin).await;
    c.get("/requests/new").await;
    let r = c
        .submit(
            "/requests",
            &[
                ("channel", "in_person"),
                ("applicant", "natural"),
                ("applicant_name", "张三"),
                ("arrived", "2025-03-03"),
                ("summary", "某文件"),
            ],
        )
        .await;
    let code = r.header("location").unwrap().trim_start_matches("/requests/").to_string();
    (server, c, code)
}

#[tokio::test]
async fn malformed_queries_on_every_page() {
    let (_server, mut c, code) = setup("bad-queries").await;
    for path in GETS {
        let path = path.replace("{code}", &code);
        for query in [
            "?page=abc&year=abc&date=x&from=x&to=y&ok=%3Cb%3E&saved=x&kind=x&late=2&to=docx",
            "?q=%FF%FE&year=%FF",
            "?page=1&page=2&year=2025&year=2026",
            "?page=99999999999999999999999",
        ] {
            let r = c.get(&format!("{path}{query}")).await;
            judge("GET", &format!("{path}{query}"), &r);
        }
    }
    // Invalid UTF-8 in the address: refused, in Chinese.
    let r = c.get("/requests?q=%FF").await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("不是 UTF-8 编码"), "{}", r.text());
    // page=abc on the register: a field error on the page itself.
    let r = c.get("/requests?page=abc").await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("页码应为正整数"));
}

#[tokio::test]
async fn malformed_bodies_on_every_form() {
    let (server, mut c, code) = setup("bad-bodies").await;
    let csrf = c.csrf.clone();
    for path in POSTS {
        let path = path.replace("{code}", &code);
        let form = |body: String| body.into_bytes();
        let cases: Vec<(&str, &str, Vec<u8>)> = vec![
            (
                "duplicated fields",
                "application/x-www-form-urlencoded",
                form(format!("csrf={csrf}&kind=answered&kind=extended&id=1&id=2&year=2025&year=x&on=2025-03-04&on=x")),
            ),
            (
                "invalid UTF-8",
                "application/x-www-form-urlencoded",
                form(format!("csrf={csrf}&name=%FF%FE&summary=%C3")),
            ),
            ("only the token", "application/x-www-form-urlencoded", form(format!("csrf={csrf}"))),
            (
                "numbers as words",
                "application/x-www-form-urlencoded",
                form(format!("csrf={csrf}&id=abc&days=x&yuan=-1&year=二〇二五")),
            ),
            ("plain text", "text/plain", b"hello".to_vec()),
            ("JSON", "application/json", b"{\"kind\": [1, 2]}".to_vec()),
            ("broken JSON", "application/json", b"{\"kind\": ".to_vec()),
            ("multipart without boundary", "multipart/form-data", b"--x\r\n".to_vec()),
        ];
        for (what, content_type, body) in cases {
            // The token in the header, so that the body reaches the handler.
            let r = c.send("POST", &path, &[("Content-Type", content_type), ("X-CSRF-Token", &csrf)], body).await;
            judge(what, &path, &r);
        }
    }
    // Nothing was stored by any of it (the one request of `setup` only).
    let all = server.state.read_in(ogi_store::Scope::OPERATOR, ogi_store::Store::all).await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].request.events().is_empty(), "{:?}", all[0].request.events());
    assert!(!all[0].applicant_name.contains('\u{fffd}'));
}

#[tokio::test]
async fn wrong_methods_on_every_route() {
    let (_server, mut c, code) = setup("bad-methods").await;
    let csrf = c.csrf.clone();
    for path in POSTS {
        let path = path.replace("{code}", &code);
        let r = c.get(&path).await;
        judge("GET", &path, &r);
        assert!(r.status >= 400 || r.status == 303 || r.status == 200, "GET {path}: {}", r.status);
    }
    for path in GETS {
        let path = path.replace("{code}", &code);
        for method in ["PUT", "DELETE", "PATCH"] {
            let r = c.send(method, &path, &[("X-CSRF-Token", &csrf)], Vec::new()).await;
            judge(method, &path, &r);
            assert!(r.status == 405 || r.status == 404, "{method} {path}: {}", r.status);
        }
    }
    let r = c.get("/logout").await;
    assert_eq!(r.status, 405);
    assert!(
        r.text().contains("退出登录请使用页面右上角的“退出”按钮") && r.text().contains("class=\"top\""),
        "{}",
        r.text()
    );
}
