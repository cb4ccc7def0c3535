//! Who sees what, through every route (issue 13): a deployment of a
//! government (`root`) with two departments (`a`, `b`). A clerk of `a`
//! reaches none of `b`'s or the government's requests by any page, search,
//! export, letter, attachment or API route; the government's supervisor
//! reads every agency below and changes none of them. The table below
//! classifies every route the server has: a new route fails this test until
//! it is classified (and tried, when it touches agency data).

mod common;

use std::collections::BTreeSet;

use common::Server;
use ogi_rules::input::{Application, Delivery, IdKind};
use ogi_store::online::Attachment;
use ogi_store::{Role, Scope, Store, TokenScope};
use ogi_vocab::cells::ApplicantColumn;
use ogi_web::auth::urlencode;

/// How each route is tried below.
const ROUTES: &[(&str, &str)] = &[
    ("/", "tried: the workbench lists only what the scope reads"),
    ("/requests", "tried: list and search"),
    ("/requests.csv", "tried: export"),
    ("/requests/new", "own agency only (registers into it)"),
    ("/requests/{code}", "tried: page, and as the supervisor read-only"),
    ("/requests/{code}/events", "tried: record an event"),
    ("/requests/{code}/letters/{kind}", "tried: letter download"),
    ("/requests/{code}/letters/{kind}/deliver", "tried: delivering a letter online"),
    ("/online", "tried: pending online applications"),
    ("/online/files/{id}", "tried: attachment download"),
    ("/online/{id}/confirm", "tried: confirming another agency's application"),
    ("/annual", "tried: the draft counts only the own agency"),
    ("/annual/export", "tried: the exported draft"),
    ("/annual/records", "tried: own records only"),
    ("/annual/records/art20", "own agency's records (writes go to it)"),
    ("/annual/records/case", "own agency's records (writes go to it)"),
    ("/annual/records/decide", "tried: another agency's case is not found"),
    ("/annual/records/document", "own agency's records (writes go to it)"),
    ("/annual/records/repeal", "tried: another agency's document is not found"),
    ("/annual/texts", "own agency's texts (writes go to it)"),
    ("/admin", "tried: an administrator lists own and lower agencies' users"),
    ("/admin/agencies", "tried: own agency and below"),
    ("/admin/agencies/import", "tried: refused above or beside the own agency"),
    ("/admin/agencies/pattern", "tried: refused for a sibling"),
    ("/admin/users", "tried: refused in a sibling agency"),
    ("/admin/users/update", "tried: a sibling's user is not found"),
    ("/admin/users/password", "tried: a sibling's user is not found"),
    ("/admin/users/unlock", "by user id, scoped like update"),
    ("/admin/users/force-password", "by user id, scoped like update"),
    ("/admin/users/revoke-sessions", "by user id, scoped like update"),
    ("/admin/settings", "own agency's settings"),
    ("/admin/tokens", "by user id, scoped like update"),
    ("/admin/tokens/revoke", "tokens listed by scope"),
    ("/admin/letters", "own agency's letter templates"),
    ("/admin/calendar", "the State Council's calendar: one for the deployment"),
    ("/admin/calendar/preview", "the deployment's calendar"),
    ("/admin/calendar/save", "the deployment's calendar"),
    ("/api/requests", "tried: list, search and create"),
    ("/api/requests/{code}", "tried: detail"),
    ("/api/requests/{code}/events", "tried: record an event"),
    ("/api/reports/{year}", "tried: the own agency's table 三"),
    ("/api/check", "reads an uploaded file: no agency data"),
    ("/api/openapi.json", "describes the API: no agency data"),
    ("/check", "reads an uploaded file: no agency data"),
    ("/report/read", "reads an uploaded file: no agency data"),
    ("/account", "the user's own account"),
    ("/account/password", "the user's own account"),
    ("/account/sessions/revoke", "the user's own sessions"),
    ("/account/sessions/revoke-others", "the user's own sessions"),
    ("/login", "sign-in"),
    ("/logout", "sign-out"),
    ("/setup", "first administrator, once"),
    ("/apply", "public: files into the deployment's agency"),
    ("/track", "public: by tracking code only"),
    ("/text-size", "public: the reader's text size, a cookie"),
    ("/track/{code}", "public: by tracking code only"),
    ("/track/{code}/correction", "public: by tracking code only"),
    ("/track/{code}/withdraw", "public: by tracking code only"),
    ("/track/{code}/letters/{file}", "public: by tracking code only"),
    ("/track/{code}/files/{id}", "public: by tracking code only"),
    ("/apply/{agency}", "public: files into the agency named, reads nothing back"),
    ("/region", "tried: the region's status, through the store's scope"),
    ("/region/rollup", "tried in tests/region.rs: the sum of what the scope reads"),
    ("/region/drill/{cell}", "tried: each agency's value, through the store's scope"),
    ("/region/compare", "tried: the indicators of what the scope reads"),
    ("/region/intake", "tried in tests/region.rs: files attached only to agencies the scope reads; a 负责人 or above"),
    ("/region/batches/{id}", "the batch's files, through the store's scope"),
    ("/region/batches/{id}/retry", "tried in tests/region.rs: re-reads the batch's own files; a 负责人 or above"),
    (
        "/region/batches/{id}/rollback",
        "tried in tests/region.rs: the store refuses another agency's batch; a 负责人 or above",
    ),
    ("/region/review/{agency}", "tried in tests/region.rs: another agency's findings are 404, marking needs a 负责人"),
    ("/static/style.css", "static"),
    ("/healthz", "static"),
];

struct World {
    server: Server,
    /// A request of each agency, by agency code.
    code: std::collections::BTreeMap<&'static str, String>,
    /// `b`'s online application and its attachment.
    b_application: i64,
    b_file: i64,
}

async fn world(name: &str) -> World {
    let server = common::start(name, Some("2025-06-02")).await;
    let cal = ogi_rules::Calendar::embedded();
    let (code, b_application, b_file) = server
        .state
        .write_in(Scope::OPERATOR, move |s| {
            s.set_setting(ogi_store::AGENCY_NAME, "某市人民政府办公室", "test")?;
            s.import_agencies(
                "code,name,parent,kind\na,某市甲局,root,department\nb,某市乙局,root,department\n".as_bytes(),
                "test",
            )?;
            let ids: std::collections::BTreeMap<String, i64> =
                s.agencies()?.into_iter().map(|a| (a.code, a.id)).collect();
            let mut code = std::collections::BTreeMap::new();
            for agency in ["root", "a", "b"] {
                s.set_scope(Scope::operator_in(ids[agency]));
                let new = ogi_store::NewRequest {
                    channel: ogi_rules::request::Channel::InPerson,
                    applicant: ApplicantColumn::Natural,
                    arrived: "2025-05-26".parse().unwrap(),
                    confirmed: None,
                    summary: format!("{agency}机关的某项批复"),
                    applicant_name: format!("申请人{agency}"),
                    contact: "13800000000".into(),
                };
                code.insert(agency, s.create(new, "test", &cal)?.code);
                s.set_setting(ogi_store::AGENCY_NAME, &format!("{agency}机关"), "test")?;
            }
            s.set_scope(Scope::public_in(ids["b"]));
            let application = Application {
                applicant: ApplicantColumn::Natural,
                name: "网上申请人乙".into(),
                id_kind: IdKind::ResidentId,
                id_number: "11010519491231002X".into(),
                phone: "13800000001".into(),
                email: String::new(),
                address: "某市某路2号".into(),
                summary: "乙局的某项文件".into(),
                document: String::new(),
                delivery: Delivery::Email,
            };
            let file =
                Attachment { name: "身份证.pdf".into(), mime: "application/pdf", bytes: b"%PDF-1.4 test".to_vec() };
            let app = s.submit_application("hash-b", "CODE-B", "2025-05-30".parse().unwrap(), &application, &[file])?;
            s.set_scope(Scope::OPERATOR);
            let files = s.attachments(ogi_store::online::AttachmentsOf::Application(app))?;
            Ok((code, app, files[0].id))
        })
        .await
        .unwrap();
    World { server, code, b_application, b_file }
}

async fn events_of(w: &World, code: &str) -> usize {
    let code = code.to_string();
    w.server.state.read_in(Scope::OPERATOR, move |s| Ok(s.get(&code)?.request.events().len())).await.unwrap()
}

#[tokio::test]
async fn every_route_is_classified() {
    let classified: BTreeSet<String> = ROUTES.iter().map(|(r, _)| r.to_string()).collect();
    assert_eq!(classified, common::routes_in_source(), "a route without a line in ROUTES");
}

#[tokio::test]
async fn a_department_clerk_reaches_nothing_of_a_sibling_or_the_parent() {
    let w = world("access-clerk").await;
    let mut c = w.server.login_in("jia", "a", Role::Head).await;
    let api = w.server.bearer("jia", Role::Clerk, TokenScope::Write, 3600).await;
    let own = w.code["a"].clone();
    for other in ["b", "root"] {
        let code = w.code[other].clone();
        let name = format!("申请人{other}");
        // Pages.
        assert_eq!(c.get(&format!("/requests/{code}")).await.status, 404, "{other}'s request page");
        assert_eq!(c.get(&format!("/requests/{code}/letters/receipt")).await.status, 404, "{other}'s letter");
        c.csrf = c.get(&format!("/requests/{own}")).await.csrf();
        let r = c.submit(&format!("/requests/{code}/events"), &[("kind", "withdrawn"), ("on", "2025-06-02")]).await;
        assert_eq!(r.status, 404, "recording on {other}'s request: {}", r.text());
        assert_eq!(events_of(&w, &code).await, 0, "nothing written to {other}'s request");
        let r = c.submit(&format!("/requests/{code}/letters/receipt/deliver"), &[]).await;
        assert_eq!(r.status, 404, "delivering {other}'s letter: {}", r.text());
        assert_eq!(c.get(&format!("/requests/{code}?reveal=1")).await.status, 404, "{other}'s contact unmasked");
        for path in ["/", "/requests", "/requests.csv"] {
            let t = c.get(path).await.text();
            assert!(!shows(&t, &code) && !t.contains(&name), "{path} shows {other}'s request");
        }
        // The region's pages list and sum only what the scope reads.
        for path in ["/region?year=2025", "/region/drill/t3.new.total?year=2025", "/region/compare?year=2025"] {
            let r = c.get(path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            let t = r.text();
            assert!(!t.contains(&format!("data-code=\"{other}\"")), "{path} shows {other}");
        }
        // The status list has a row for every agency the scope reads: its own.
        assert!(c.get("/region?year=2025").await.text().contains("data-code=\"a\""), "/region lists its own agency");
        for q in [code.as_str(), name.as_str()] {
            // The page shows the words searched for: what must be absent is the request's row.
            let t = c.get(&format!("/requests?q={}", urlencode(q))).await.text();
            assert!(!shows(&t, &code), "searching {q} finds {other}'s request");
            let t = c.get(&format!("/requests.csv?q={}", urlencode(q))).await.text();
            assert!(!shows(&t, &code), "exporting {q} gives {other}'s request");
        }
        // API.
        let mut a = w.server.client();
        let r = a.send("GET", &format!("/api/requests/{code}"), &[("Authorization", &api)], Vec::new()).await;
        assert_eq!(r.status, 404, "API detail of {other}'s request");
        let body = serde_json::json!({"kind": "withdrawn", "on": "2025-06-02"});
        let r = a.post_json(&format!("/api/requests/{code}/events"), &body, &[("Authorization", &api)]).await;
        assert_eq!(r.status, 404, "API event on {other}'s request: {}", r.text());
        let r = a
            .send("GET", &format!("/api/requests?q={}", urlencode(&code)), &[("Authorization", &api)], Vec::new())
            .await;
        assert_eq!(r.status, 200);
        assert!(!r.text().contains(&format!("\"{code}\"")), "API search finds {other}'s request");
        assert_eq!(events_of(&w, &code).await, 0);
    }
    // The API list is the own agency's; a request made through it is filed there.
    let mut a = w.server.client();
    let r = a.send("GET", "/api/requests", &[("Authorization", &api)], Vec::new()).await;
    let listed: Vec<String> =
        r.json()["items"].as_array().unwrap().iter().map(|x| x["code"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, [own.clone()]);
    // The annual report and the API's table 三 count the own agency only.
    let r = a.send("GET", "/api/reports/2025", &[("Authorization", &api)], Vec::new()).await;
    assert_eq!(r.json()["report"]["cells"]["t3.new.total"]["value"], serde_json::json!("1"), "{}", r.text());
    let t = c.get("/annual?year=2025").await.text();
    assert!(t.contains("a机关") && !t.contains("b机关") && !t.contains("某市人民政府办公室"));
    // Online applications and their files: b's are not there for a.
    let t = c.get("/online").await.text();
    assert!(!t.contains("网上申请人乙"), "a sees b's pending application");
    assert_eq!(c.get(&format!("/online/files/{}", w.b_file)).await.status, 404);
    c.csrf = c.get(&format!("/requests/{own}")).await.csrf();
    let r = c.submit(&format!("/online/{}/confirm", w.b_application), &[]).await;
    assert_eq!(r.status, 404, "confirming b's application: {}", r.text());
    // Records: b's are not found.
    let (b_id, b_doc) = w
        .server
        .state
        .write_in(Scope::OPERATOR, |s| {
            let b = s.agencies()?.into_iter().find(|a| a.code == "b").unwrap().id;
            s.set_scope(Scope::operator_in(b));
            let d = ogi_rules::annual::Document {
                kind: ogi_rules::annual::DocumentKind::Normative,
                title: "乙局某规范性文件".into(),
                number: "乙规〔2025〕1号".into(),
                issued: "2025-01-10".parse().unwrap(),
                repealed: None,
            };
            Ok((b, s.add_document(&d, "test")?))
        })
        .await
        .unwrap();
    assert!(!c.get("/annual/records?year=2025").await.text().contains("乙局某规范性文件"));
    c.csrf = c.get("/annual/records?year=2025").await.csrf();
    let r =
        c.submit("/annual/records/repeal", &[("id", &b_doc.to_string()), ("on", "2025-06-01"), ("year", "2025")]).await;
    assert!(r.status == 404 || r.status == 400, "repealing b's document: {} {}", r.status, r.text());
    let still = w.server.state.read_in(Scope::operator_in(b_id), |s| s.documents()).await.unwrap();
    let still: Vec<_> = still.into_iter().map(|(id, d)| (id, d.repealed)).collect();
    assert_eq!(still, [(b_doc, None)], "b's document was repealed by a's clerk");
}

/// Whether a page links to the request, or a CSV has its row.
fn shows(text: &str, code: &str) -> bool {
    text.contains(&format!("/requests/{code}\"")) || text.contains(&format!("\n{code},"))
}

#[tokio::test]
async fn a_supervisor_reads_below_and_cannot_write_below() {
    let w = world("access-supervisor").await;
    let mut top = w.server.login_in("top", "root", Role::Supervisor).await;
    let api = w.server.bearer("top", Role::Clerk, TokenScope::Write, 3600).await;
    let t = top.get("/requests").await.text();
    for agency in ["root", "a", "b"] {
        assert!(shows(&t, &w.code[agency]), "the supervisor's register lacks {agency}'s request");
    }
    assert!(t.contains("a机关") && t.contains("b机关"), "rows below name their agency");
    for agency in ["a", "b"] {
        let code = w.code[agency].clone();
        let page = top.get(&format!("/requests/{code}")).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("id=\"read-only\""), "no read-only note on {agency}'s request");
        assert!(!page.text().contains("id=\"form-withdrawn\""), "a form to record on {agency}'s request");
        top.csrf = page.csrf();
        let r = top.submit(&format!("/requests/{code}/events"), &[("kind", "withdrawn"), ("on", "2025-06-02")]).await;
        assert_eq!(r.status, 403, "the supervisor recorded on {agency}'s request: {}", r.text());
        let mut a = w.server.client();
        let r = a.send("GET", &format!("/api/requests/{code}"), &[("Authorization", &api)], Vec::new()).await;
        assert_eq!(r.status, 200, "API read below");
        let body = serde_json::json!({"kind": "withdrawn", "on": "2025-06-02"});
        let r = a.post_json(&format!("/api/requests/{code}/events"), &body, &[("Authorization", &api)]).await;
        assert_eq!(r.status, 403, "API write below: {}", r.text());
        assert_eq!(events_of(&w, &code).await, 0, "nothing written below");
        assert_eq!(top.get(&format!("/requests/{code}/letters/receipt")).await.status, 200, "letters read below");
        let r = top.submit(&format!("/requests/{code}/letters/receipt/deliver"), &[]).await;
        assert_eq!(r.status, 403, "the supervisor delivered on {agency}'s request: {}", r.text());
    }
    // Below's online applications: seen, their files read, never confirmed.
    assert!(top.get("/online").await.text().contains("网上申请人乙"));
    assert_eq!(top.get(&format!("/online/files/{}", w.b_file)).await.status, 200);
    top.csrf = top.get("/online").await.csrf();
    let r = top.submit(&format!("/online/{}/confirm", w.b_application), &[]).await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Its own agency's request it records on.
    let own = w.code["root"].clone();
    top.csrf = top.get(&format!("/requests/{own}")).await.csrf();
    let r = top.submit(&format!("/requests/{own}/events"), &[("kind", "withdrawn"), ("on", "2025-06-02")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(events_of(&w, &own).await, 1);
    // A supervisor of a department sees nothing of its sibling or parent.
    let mut boss = w.server.login_in("jiaboss", "a", Role::Supervisor).await;
    let t = boss.get("/requests").await.text();
    assert!(shows(&t, &w.code["a"]) && !shows(&t, &w.code["b"]) && !shows(&t, &own));
}

#[tokio::test]
async fn an_administrator_manages_accounts_and_agencies_below_never_beside() {
    let w = world("access-admin").await;
    let mut a_admin = w.server.login_in("jiaadmin", "a", Role::Admin).await;
    let _b_clerk = w.server.login_in("yi", "b", Role::Clerk).await;
    let t = a_admin.get("/admin").await.text();
    assert!(t.contains("jiaadmin") && !t.contains(">yi<"), "a's administrator lists b's users");
    let t = a_admin.get("/admin/agencies").await.text();
    assert!(t.contains("a机关") && !t.contains("b机关") && !t.contains("root机关"));
    a_admin.csrf = a_admin.get("/admin/agencies").await.csrf();
    // A new agency below a: fine; below b or beside: refused.
    let r = a_admin
        .submit("/admin/agencies", &[("code", "a1"), ("name", "甲局下属中心"), ("kind", "other"), ("parent", "a")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = a_admin
        .submit("/admin/agencies", &[("code", "b1"), ("name", "乙局下属中心"), ("kind", "other"), ("parent", "b")])
        .await;
    assert_eq!(r.status, 400);
    let r =
        a_admin.submit("/admin/agencies/import", &[("csv", "code,name,parent,kind\nb2,乙局二中心,b,other\n")]).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = a_admin.submit("/admin/agencies/pattern", &[("code", "b"), ("pattern", "乙{year}-{seq}")]).await;
    assert_eq!(r.status, 400);
    let r = a_admin.submit("/admin/agencies/pattern", &[("code", "a1"), ("pattern", "甲中心〔{year}〕{seq}号")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let names: Vec<String> = w
        .server
        .state
        .read_in(Scope::OPERATOR, |s| Ok(s.agencies()?.into_iter().map(|a| a.code).collect()))
        .await
        .unwrap();
    assert!(
        names.contains(&"a1".to_string()) && !names.contains(&"b1".to_string()) && !names.contains(&"b2".to_string())
    );
    // A user in a1: fine; in b: refused; b's user is not found.
    a_admin.csrf = a_admin.get("/admin").await.csrf();
    let r = a_admin
        .submit(
            "/admin/users",
            &[
                ("username", "zx"),
                ("display_name", "中心经办人"),
                ("role", "clerk"),
                ("password", "long-enough-pass"),
                ("agency", "a1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = a_admin
        .submit(
            "/admin/users",
            &[
                ("username", "yi2"),
                ("display_name", "乙局经办人"),
                ("role", "clerk"),
                ("password", "long-enough-pass"),
                ("agency", "b"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    let yi = w.server.state.read_in(Scope::OPERATOR, |s| Ok(s.login_user("yi")?.unwrap().0.id)).await.unwrap();
    let r = a_admin.submit("/admin/users/update", &[("id", &yi.to_string()), ("role", "admin"), ("active", "1")]).await;
    assert_eq!(r.status, 404, "{}", r.text());
    let r =
        a_admin.submit("/admin/users/password", &[("id", &yi.to_string()), ("password", "another-long-pass")]).await;
    assert_eq!(r.status, 404, "{}", r.text());
}
