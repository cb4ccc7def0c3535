//! Accounts over real HTTP: the one-time setup link, logging in and out,
//! sessions, CSRF on every form, rate-limited logins, and role rules.

mod common;

use ogi_store::{Role, Store};

#[tokio::test]
async fn the_setup_link_creates_the_first_administrator_once() {
    let server = common::start("setup", None).await;
    let mut c = server.client();
    // Without the printed link there is nothing to set up.
    assert_eq!(c.get("/setup").await.status, 404);
    assert_eq!(c.get("/setup?token=guess").await.status, 404);
    let login = c.get("/login").await;
    assert!(login.text().contains("一次性设置链接"), "{}", login.text());
    let token = ogi_web::auth::random_token();
    *server.state.setup_token.lock().unwrap() = Some(token.clone());
    let form = c.get(&format!("/setup?token={token}")).await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    // A short password gets the form back with the reason.
    let bad = c
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("csrf", &csrf),
                ("username", "admin"),
                ("display_name", "王管理"),
                ("password", "short"),
                ("password2", "short"),
                ("agency", "某市数据局"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("密码至少 10 位") && bad.text().contains("value=\"admin\""));
    let ok = c
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("csrf", &csrf),
                ("username", "admin"),
                ("display_name", "王管理"),
                ("password", common::PASSWORD),
                ("password2", common::PASSWORD),
                ("agency", "某市数据局"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    let home = c.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.text().contains("王管理（管理员）"));
    assert_eq!(
        server
            .state
            .read_in(ogi_store::Scope::OPERATOR, |s| s.setting(ogi_store::AGENCY_NAME))
            .await
            .unwrap()
            .as_deref(),
        Some("某市数据局")
    );
    // The link works once.
    assert_eq!(server.client().get(&format!("/setup?token={token}")).await.status, 404);
}

#[tokio::test]
async fn logged_out_visitors_get_the_login_page_and_sessions_end_on_logout() {
    let server = common::start("login", None).await;
    let mut anon = server.client();
    for path in ["/", "/requests", "/requests.csv"] {
        let r = anon.get(path).await;
        assert_eq!(r.status, 303, "{path}");
        assert!(r.header("location").unwrap().starts_with("/login"), "{path}");
    }
    let r = anon.get("/requests?state=open").await;
    assert_eq!(r.header("location"), Some("/login?next=/requests%3Fstate%3Dopen"));
    let mut c = server.login("zhang", Role::Clerk).await;
    let cookie = c.cookies.get("ogi_session").cloned().unwrap();
    assert_eq!(c.get("/").await.status, 200);
    let csrf = c.get("/").await.csrf();
    let out = c.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    // The old cookie is worthless now.
    let mut thief = server.client();
    thief.cookies.insert("ogi_session".into(), cookie);
    assert_eq!(thief.get("/").await.status, 303);
}

#[tokio::test]
async fn the_session_cookie_is_httponly_and_samesite() {
    let server = common::start("cookie", None).await;
    server.login("li", Role::Clerk).await;
    let mut c = server.client();
    let csrf = c.get("/login").await.csrf();
    let r = c
        .post_form("/login", &[("username", "li"), ("password", common::PASSWORD), ("csrf", &csrf), ("next", "/")])
        .await;
    let set = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .find(|v| v.starts_with("ogi_session="))
        .unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let server = common::start("csrf", None).await;
    let mut c = server.login("zhao", Role::Clerk).await;
    c.get("/").await;
    let r = c.post_form("/logout", &[("csrf", "forged")]).await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("CSRF"));
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, 403);
    // Uploads carry the token in the form body; in the address it is not accepted.
    let file = [("reports", "r.txt", "报告".as_bytes())];
    let csrf = c.csrf.clone();
    let r = c.post_multipart_with(&format!("/check?csrf={csrf}"), None, &file).await;
    assert_eq!(r.status, 403);
    let r = c.post_multipart_with("/check", Some("forged"), &file).await;
    assert_eq!(r.status, 403);
    // With the token, the upload is read (and found not to be a report: 422).
    assert_eq!(c.post_multipart_with("/check", Some(&csrf), &file).await.status, 422);
    // A form over the limit is refused as too large (not as a CSRF failure), and not echoed.
    let big = "机".repeat(1024 * 1024);
    let r = c.post_form("/requests", &[("summary", &big), ("csrf", &csrf)]).await;
    assert_eq!(r.status, 413);
    assert!(r.text().contains("提交内容过大（上限 2 MB）") && !r.text().contains("机机机"), "{}", r.text());
    // Still logged in.
    assert_eq!(c.get("/").await.status, 200);
    // The login form itself is protected too (double-submit cookie).
    let mut other = server.client();
    other.get("/login").await;
    let r = other
        .post_form("/login", &[("username", "zhao"), ("password", common::PASSWORD), ("csrf", "forged"), ("next", "/")])
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited() {
    let server = common::start("ratelimit", None).await;
    server.login("qian", Role::Clerk).await;
    let mut c = server.client();
    for _ in 0..5 {
        let csrf = c.get("/login").await.csrf();
        let r = c
            .post_form(
                "/login",
                &[("username", "qian"), ("password", "wrong-password!"), ("csrf", &csrf), ("next", "/")],
            )
            .await;
        assert_eq!(r.status, 401);
        assert!(r.text().contains("用户名或密码错误"));
    }
    let csrf = c.get("/login").await.csrf();
    let r = c
        .post_form("/login", &[("username", "qian"), ("password", common::PASSWORD), ("csrf", &csrf), ("next", "/")])
        .await;
    assert_eq!(r.status, 429, "even the right password waits");
    assert!(r.text().contains("15 分钟"));
}

#[tokio::test]
async fn login_never_redirects_off_the_site() {
    let server = common::start("next", None).await;
    server.login("sun", Role::Clerk).await;
    let mut c = server.client();
    let csrf = c.get("/login").await.csrf();
    let r = c
        .post_form(
            "/login",
            &[("username", "sun"), ("password", common::PASSWORD), ("csrf", &csrf), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(r.header("location"), Some("/"));
}

#[tokio::test]
async fn unknown_pages_are_404_without_detail() {
    let server = common::start("404", None).await;
    let mut c = server.login("zhou", Role::Clerk).await;
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("页面不存在"));
}

#[tokio::test]
async fn control_characters_in_next_never_lead_off_the_site() {
    let server = common::start("next-tab", None).await;
    server.login("wu", Role::Clerk).await;
    for next in ["/\t/evil.example/", "/\n/evil.example/", "/\\evil.example"] {
        let mut c = server.client();
        let csrf = c.get("/login").await.csrf();
        let r = c
            .post_form("/login", &[("username", "wu"), ("password", common::PASSWORD), ("csrf", &csrf), ("next", next)])
            .await;
        assert_eq!(r.header("location"), Some("/"), "{next:?}");
    }
}

#[tokio::test]
async fn a_burst_of_guesses_is_counted_before_any_is_checked() {
    let server = common::start("burst", None).await;
    server.login("zheng", Role::Clerk).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let mut c = server.client();
        tasks.push(tokio::spawn(async move {
            let csrf = c.get("/login").await.csrf();
            c.post_form(
                "/login",
                &[("username", "zheng"), ("password", "a-wrong-guess!"), ("csrf", &csrf), ("next", "/")],
            )
            .await
            .status
        }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            401 => checked += 1,
            429 | 503 => {}
            s => panic!("unexpected status {s}"),
        }
    }
    assert!(checked <= 5, "{checked} guesses were checked");
}

#[tokio::test]
async fn api_tokens_open_the_api_only_never_the_pages() {
    let server = common::start("bearer-pages", None).await;
    server.login("feng", Role::Head).await;
    let token = ogi_web::auth::random_token();
    let hash = ogi_web::auth::token_hash(&token);
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, move |s| {
            let id = s.login_user("feng")?.unwrap().0.id;
            s.create_api_token(&hash, id, "门户对接", "test")
        })
        .await
        .unwrap();
    let mut c = server.client();
    let auth = format!("Bearer {token}");
    let api = c.send("GET", "/api/requests", &[("Authorization", &auth)], Vec::new()).await;
    assert_eq!(api.status, 200, "{}", api.text());
    let page = c.send("GET", "/requests", &[("Authorization", &auth)], Vec::new()).await;
    assert_eq!(page.status, 303, "a page with a bearer token is a logged-out visit");
    let admin = c
        .send(
            "POST",
            "/admin/users",
            &[("Authorization", &auth), ("Content-Type", "application/x-www-form-urlencoded")],
            b"username=x".to_vec(),
        )
        .await;
    assert_eq!(admin.status, 303);
    assert!(admin.header("location").unwrap().starts_with("/login"), "treated as logged out");
    assert!(
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("x")).await.unwrap().is_none(),
        "no user created"
    );
}

/// The ids of the sessions listed on 我的账号.
fn session_ids(page: &str) -> Vec<String> {
    page.split("<tr id=\"session-").skip(1).map(|p| p[..p.find('"').unwrap()].to_string()).collect()
}

#[tokio::test]
async fn a_user_sees_their_sessions_and_ends_one_or_all_the_others() {
    let server = common::start("sessions", None).await;
    let mut a = server.login("he", Role::Clerk).await;
    let mut b = server.login("he", Role::Clerk).await;
    let mut c = server.login("he", Role::Clerk).await;
    let mut other = server.login("lu", Role::Clerk).await;
    let page = a.get("/account").await;
    assert_eq!(page.status, 200);
    let ids = session_ids(&page.text());
    assert_eq!(ids.len(), 3, "{}", page.text());
    assert!(page.text().contains("127.0.0.1") && page.text().contains("<span class=\"tag\">当前</span>"));
    // b's own session: the row b sees marked 当前.
    let b_page = b.get("/account").await.text();
    let b_row = b_page.split("<tr id=\"session-").skip(1).find(|r| r.contains("当前")).unwrap();
    let b_id = b_row[..b_row.find('"').unwrap()].to_string();
    // Someone else's session is not found, and stays.
    let lu_page = other.get("/account").await.text();
    let lu_id = session_ids(&lu_page)[0].clone();
    a.get("/account").await;
    assert_eq!(a.submit("/account/sessions/revoke", &[("id", &lu_id)]).await.status, 404);
    assert_eq!(other.get("/").await.status, 200);
    // One ended.
    let r = a.submit("/account/sessions/revoke", &[("id", &b_id)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(b.get("/").await.status, 303, "b is logged out");
    assert_eq!(c.get("/").await.status, 200);
    // All the others ended; this one stays.
    a.get("/account").await;
    assert_eq!(a.submit("/account/sessions/revoke-others", &[]).await.status, 303);
    assert_eq!(c.get("/").await.status, 303, "c is logged out");
    let page = a.get("/account?ok=others").await;
    assert_eq!(session_ids(&page.text()).len(), 1);
    assert!(page.text().contains("已退出其他全部登录"));
    assert_eq!(other.get("/").await.status, 200, "another user's sessions are untouched");
    let audit = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.audit()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "注销用户 he 的其他全部会话" && e.actor == "he"), "{audit:?}");
}

#[tokio::test]
async fn a_forced_password_change_opens_only_the_account_page_until_done() {
    let server = common::start("force-password", None).await;
    let mut admin = server.login("root", Role::Admin).await;
    let mut clerk = server.login("ma", Role::Clerk).await;
    let ma = server.user("ma", Role::Clerk).await;
    admin.get("/admin").await;
    assert_eq!(admin.submit("/admin/users/force-password", &[("id", &ma.id.to_string())]).await.status, 303);
    assert_eq!(clerk.get("/").await.status, 303, "the clerk's sessions ended");
    let page = admin.get("/admin").await.text();
    assert!(page.contains("下次登录须修改密码"), "{page}");
    // The next login lands on 我的账号, and nothing else opens.
    let mut c = server.client();
    let r = c.try_login("ma", common::PASSWORD, &[]).await;
    assert_eq!(r.header("location"), Some("/account"));
    for path in ["/", "/requests", "/admin"] {
        assert_eq!(c.get(path).await.header("location"), Some("/account"), "{path}");
    }
    let csrf = c.get("/account").await.csrf();
    let api = c.send("GET", "/api/requests", &[("X-CSRF-Token", &csrf)], Vec::new()).await;
    assert_eq!(api.status, 403);
    assert!(api.json()["error"].as_str().unwrap().contains("修改密码"));
    let page = c.get("/account").await;
    assert!(page.text().contains("管理员要求您修改密码"));
    // Wrong current password, mismatch, too short: refused with the reason.
    let new = "a-brand-new-password";
    for (current, p1, p2, why) in [
        ("wrong-password!", new, new, "当前密码不正确"),
        (common::PASSWORD, new, "something-else-12", "两次输入的新密码不一致"),
        (common::PASSWORD, "short", "short", "密码至少 10 位"),
        (common::PASSWORD, common::PASSWORD, common::PASSWORD, "新密码不能与当前密码相同"),
    ] {
        let r = c.submit("/account/password", &[("current", current), ("password", p1), ("password2", p2)]).await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains(why), "{why}: {}", r.text());
    }
    let r =
        c.submit("/account/password", &[("current", common::PASSWORD), ("password", new), ("password2", new)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(c.get("/").await.status, 200, "the session it was changed in goes on");
    assert!(!server.user("ma", Role::Clerk).await.must_change_password);
    assert_eq!(server.client().try_login("ma", common::PASSWORD, &[]).await.status, 401, "the old one is gone");
    assert_eq!(server.client().try_login("ma", new, &[]).await.status, 303);
    let audit = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.audit()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "要求用户 ma 下次登录时修改密码" && e.actor == "root"));
    assert!(audit.iter().any(|e| e.action == "用户 ma 修改了自己的密码"));
}
