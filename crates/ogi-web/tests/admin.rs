//! 系统管理 over real HTTP: only administrators; users created with a long
//! enough password; the last administrator cannot be disabled; agency
//! settings; an API token shown once and stored by its hash.

mod common;

use ogi_store::{Role, Store, AGENCY_NAME};

#[tokio::test]
async fn only_administrators_reach_the_admin_pages() {
    let server = common::start("admin-403", None).await;
    let mut clerk = server.login("clerk", Role::Clerk).await;
    let r = clerk.get("/admin").await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("只有管理员可以进行此操作"));
    let mut head = server.login("head", Role::Head).await;
    assert_eq!(head.get("/admin").await.status, 403);
    // Posting directly is refused too (with a valid CSRF token from another page).
    clerk.get("/").await;
    let r = clerk
        .submit(
            "/admin/users",
            &[("username", "x"), ("display_name", "某"), ("role", "admin"), ("password", "0123456789ab")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("x")).await.unwrap().is_none());
    // The menu does not offer it.
    assert!(!clerk.get("/").await.text().contains("href=\"/admin\""));
}

#[tokio::test]
async fn users_are_created_with_a_long_enough_password() {
    let server = common::start("admin-users", None).await;
    let mut admin = server.login("root", Role::Admin).await;
    let page = admin.get("/admin").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("root的姓名"));
    let short = admin
        .submit(
            "/admin/users",
            &[("username", "wang"), ("display_name", "王五"), ("role", "clerk"), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, 400);
    let t = short.text();
    assert!(t.contains("密码至少 10 位") && t.contains("class=\"field-error\"") && t.contains("value=\"wang\""), "{t}");
    assert!(server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("wang")).await.unwrap().is_none());
    let bad_role = admin
        .submit(
            "/admin/users",
            &[("username", "wang"), ("display_name", "王五"), ("role", "king"), ("password", "0123456789ab")],
        )
        .await;
    assert_eq!(bad_role.status, 400);
    assert!(bad_role.text().contains("请选择角色"));
    let ok = admin
        .submit(
            "/admin/users",
            &[("username", "wang"), ("display_name", "王五"), ("role", "head"), ("password", "0123456789ab")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    let (user, _) = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("wang")).await.unwrap().unwrap();
    assert_eq!((user.role, user.active, user.display_name.as_str()), (Role::Head, true, "王五"));
    // The new user logs in with that password.
    let mut c = server.client();
    let csrf = c.get("/login").await.csrf();
    let r = c
        .post_form("/login", &[("username", "wang"), ("password", "0123456789ab"), ("csrf", &csrf), ("next", "/")])
        .await;
    assert_eq!(r.status, 303);
    // A name already taken: the store's refusal on the form.
    admin.get("/admin").await;
    let dup = admin
        .submit(
            "/admin/users",
            &[("username", "wang"), ("display_name", "另一个"), ("role", "clerk"), ("password", "0123456789ab")],
        )
        .await;
    assert_eq!(dup.status, 400);
    assert!(dup.text().contains("用户名 wang 已被使用"));

    // Role change and disabling; a short reset password is refused.
    admin.get("/admin").await;
    let id = user.id.to_string();
    let r = admin.submit("/admin/users/update", &[("id", &id), ("role", "clerk")]).await;
    assert_eq!(r.status, 303);
    let (user, _) = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("wang")).await.unwrap().unwrap();
    assert_eq!((user.role, user.active), (Role::Clerk, false));
    admin.get("/admin").await;
    let r = admin.submit("/admin/users/password", &[("id", &id), ("password", "123")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("密码至少 10 位"));
    let r = admin.submit("/admin/users/password", &[("id", &id), ("password", "a-new-password-1")]).await;
    assert_eq!(r.status, 303);
}

#[tokio::test]
async fn the_last_administrator_cannot_be_disabled() {
    let server = common::start("admin-last", None).await;
    let mut admin = server.login("root", Role::Admin).await;
    let (me, _) = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("root")).await.unwrap().unwrap();
    admin.get("/admin").await;
    let r = admin.submit("/admin/users/update", &[("id", &me.id.to_string()), ("role", "admin")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("至少要保留一名启用的管理员"), "{}", r.text());
    let r =
        admin.submit("/admin/users/update", &[("id", &me.id.to_string()), ("role", "clerk"), ("active", "1")]).await;
    assert_eq!(r.status, 400);
    let (me, _) = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("root")).await.unwrap().unwrap();
    assert_eq!((me.role, me.active), (Role::Admin, true));
    assert_eq!(admin.get("/admin").await.status, 200, "still an administrator");
}

#[tokio::test]
async fn agency_settings_and_api_tokens() {
    let server = common::start("admin-settings", None).await;
    let mut admin = server.login("root", Role::Admin).await;
    server.login("clerk", Role::Clerk).await;
    admin.get("/admin").await;
    let empty = admin.submit("/admin/settings", &[("name", "  "), ("address", ""), ("phone", "")]).await;
    assert_eq!(empty.status, 400);
    assert!(empty.text().contains("请填写机关名称"));
    let r = admin
        .submit("/admin/settings", &[("name", "某市数据局"), ("address", "某市某路 1 号"), ("phone", "0000-1234567")])
        .await;
    assert_eq!(r.status, 303);
    let s = server
        .state
        .read_in(ogi_store::Scope::OPERATOR, |s| {
            Ok((s.setting(AGENCY_NAME)?, s.setting("agency.address")?, s.setting("agency.phone")?))
        })
        .await
        .unwrap();
    assert_eq!(s, (Some("某市数据局".into()), Some("某市某路 1 号".into()), Some("0000-1234567".into())));
    assert!(admin.get("/admin").await.text().contains("value=\"某市某路 1 号\""));

    let (clerk, _) =
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("clerk")).await.unwrap().unwrap();
    let r = admin.submit("/admin/tokens", &[("id", &clerk.id.to_string()), ("name", "")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("请填写令牌用途"));
    let r = admin.submit("/admin/tokens", &[("id", &clerk.id.to_string()), ("name", "门户网站对接")]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(t.contains("令牌只显示这一次"));
    let at = t.find("<code id=\"token-value\">").unwrap() + "<code id=\"token-value\">".len();
    let token = &t[at..at + t[at..].find('<').unwrap()];
    assert_eq!(token.len(), 64);
    let hash = ogi_web::auth::token_hash(token);
    let user = server.state.read_in(ogi_store::Scope::OPERATOR, move |s| s.api_user(&hash)).await.unwrap();
    assert_eq!(user.map(|u| u.username), Some("clerk".into()));
    // Shown once: the page afterwards does not have it.
    assert!(!admin.get("/admin").await.text().contains(token));
    // A platform's token never carries an administrator's powers.
    let (root, _) = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("root")).await.unwrap().unwrap();
    let r = admin.submit("/admin/tokens", &[("id", &root.id.to_string()), ("name", "门户网站对接")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("不能为管理员签发接口令牌"));
}

#[tokio::test]
async fn administrators_end_sessions_and_issue_list_and_revoke_scoped_expiring_tokens() {
    let server = common::start("admin-security", None).await;
    let mut admin = server.login("root", Role::Admin).await;
    let mut clerk = server.login("clerk", Role::Clerk).await;
    let (user, _) = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.login_user("clerk")).await.unwrap().unwrap();
    let id = user.id.to_string();
    let page = admin.get("/admin").await.text();
    assert!(page.contains("在线登录 1 处"), "{page}");
    let r = admin.submit("/admin/users/revoke-sessions", &[("id", &id)]).await;
    assert_eq!(r.header("location"), Some("/admin?ok=sessions"));
    assert_eq!(clerk.get("/").await.status, 303, "logged out by the administrator");
    let page = admin.get("/admin?ok=sessions").await.text();
    assert!(page.contains("已退出该用户的全部登录") && page.contains("在线登录 0 处"), "{page}");

    // Issuing: an expiry within a year, a scope of the two.
    for (days, scope, why) in [
        ("0", "read", "有效期应为 1 至 366 天"),
        ("400", "read", "有效期应为 1 至 366 天"),
        ("x", "read", "有效期应为"),
        ("30", "admin", "请选择令牌权限"),
    ] {
        let r = admin.submit("/admin/tokens", &[("id", &id), ("name", "门户"), ("days", days), ("scope", scope)]).await;
        assert_eq!(r.status, 400, "{days} {scope}");
        assert!(r.text().contains(why), "{days} {scope}: {}", r.text());
    }
    let r =
        admin.submit("/admin/tokens", &[("id", &id), ("name", "门户网站"), ("days", "30"), ("scope", "read")]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(t.contains("只读，有效至"), "{t}");
    let at = t.find("<code id=\"token-value\">").unwrap() + "<code id=\"token-value\">".len();
    let token = t[at..at + t[at..].find('<').unwrap()].to_string();
    let stored = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.api_tokens()).await.unwrap();
    assert_eq!(stored.len(), 1);
    let (tid, expires, created) = (stored[0].id, stored[0].expires, stored[0].created);
    assert_eq!(stored[0].scope, ogi_store::TokenScope::Read);
    assert_eq!(expires - created, 30 * 86_400);
    let row = |page: &str| {
        let at = page.find(&format!("<tr id=\"token-{tid}\"")).unwrap_or_else(|| panic!("no token row: {page}"));
        page[at..at + page[at..].find("</tr>").unwrap()].to_string()
    };
    let listed = row(&admin.get("/admin").await.text());
    assert!(listed.contains("门户网站") && listed.contains("只读") && listed.contains("从未使用"), "{listed}");
    assert!(listed.contains(&ogi_web::auth::show_time(expires)), "{listed}");
    // Used: the list says when.
    let auth = format!("Bearer {token}");
    let mut platform = server.client();
    assert_eq!(platform.send("GET", "/api/requests", &[("Authorization", &auth)], Vec::new()).await.status, 200);
    let listed = row(&admin.get("/admin").await.text());
    assert!(!listed.contains("从未使用"), "{listed}");
    // Revoked: refused from then on.
    assert_eq!(admin.submit("/admin/tokens/revoke", &[("id", &tid.to_string())]).await.status, 303);
    assert_eq!(platform.send("GET", "/api/requests", &[("Authorization", &auth)], Vec::new()).await.status, 401);
    let audit = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.audit()).await.unwrap();
    for action in ["注销用户 clerk 的全部会话", "为用户 clerk 签发接口令牌", "撤销用户 clerk 的接口令牌"]
    {
        assert!(audit.iter().any(|e| e.action == action && e.actor == "root"), "{action}: {audit:?}");
    }
}
