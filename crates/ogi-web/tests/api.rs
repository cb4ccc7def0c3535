//! The JSON API over real HTTP: bearer tokens and browser sessions (with
//! CSRF), role rules, the register's list with filters and pages, registering
//! a request and its events under the law's rules, the drafted report, the
//! checker, errors always as JSON, and the OpenAPI document matching the router.

mod common;
mod openapi;

use std::collections::BTreeSet;

use common::{Client, Resp, Server};
use ogi_store::{Role, Store};
use serde_json::{json, Value};

const TODAY: &str = "2024-12-31";

/// A user of `role` with an API token, created in the store.
async fn token_for(server: &Server, username: &str, role: Role) -> (String, i64) {
    let token = ogi_web::auth::random_token();
    let hash = ogi_web::auth::token_hash(&token);
    let name = username.to_string();
    let id = server
        .state
        .write_in(ogi_store::Scope::OPERATOR, move |s| {
            let u = s.create_user(&name, &format!("{name}的姓名"), role, "!", "test")?;
            s.create_api_token(&hash, u.id, "政务服务平台", "test")?;
            Ok(u.id)
        })
        .await
        .unwrap();
    (token, id)
}

/// A client of the API: with a bearer token, a browser session, or nothing.
/// Every answer it gets is checked against the OpenAPI document
/// ([`openapi::conforms`]) before the test sees it.
struct Api {
    client: Client,
    auth: Option<String>,
}

impl Api {
    async fn new(server: &Server, username: &str, role: Role) -> Api {
        let (token, _) = token_for(server, username, role).await;
        Api::bearer(server, &token)
    }

    fn bearer(server: &Server, token: &str) -> Api {
        Api { client: server.client(), auth: Some(format!("Bearer {token}")) }
    }

    fn anonymous(server: &Server) -> Api {
        Api { client: server.client(), auth: None }
    }

    /// A logged-in browser's client (its cookies; CSRF header given per call).
    fn session(client: Client) -> Api {
        Api { client, auth: None }
    }

    async fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(auth) = &self.auth {
            all.push(("Authorization", auth));
        }
        all.extend_from_slice(headers);
        let r = self.client.send(method, path, &all, body).await;
        openapi::conforms(method, path, &r);
        r
    }

    async fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, &[], Vec::new()).await
    }

    async fn post(&mut self, path: &str, body: &Value) -> Resp {
        self.post_with(path, body, &[]).await
    }

    async fn post_with(&mut self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
        let mut h = vec![("Content-Type", "application/json")];
        h.extend_from_slice(headers);
        self.send("POST", path, &h, serde_json::to_vec(body).unwrap()).await
    }

    async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        self.send("POST", path, &[("Content-Type", content_type)], body).await
    }

    /// A path or method the document does not have (asserted), on purpose:
    /// the answer is still the API's JSON error.
    async fn unrouted(&mut self, method: &str, path: &str) -> Resp {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(auth) = &self.auth {
            all.push(("Authorization", auth));
        }
        let r = self.client.send(method, path, &all, Vec::new()).await;
        openapi::undocumented_error(method, path, &r);
        r
    }
}

/// Every error of the API is JSON with a Chinese message.
fn json_error(r: &Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/json")), "{:?}", r.headers);
    let v = r.json();
    let e = v["error"].as_str().unwrap_or_else(|| panic!("no error field: {v}"));
    assert!(e.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "not Chinese: {e}");
    v
}

fn new_request() -> Value {
    json!({
        "channel": "online",
        "applicant": "natural",
        "applicant_name": "张三",
        "contact": "13800000000",
        "arrived": "2024-12-02",
        "confirmed": "2024-12-03",
        "summary": "请公开本单位2024年度部门预算"
    })
}

/// The methods asked of every path the router has (HEAD and OPTIONS aside:
/// axum answers HEAD with GET, and the API has no OPTIONS).
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The `/api/` paths of the router, from its own table. axum offers no call
/// that lists routes; its `Debug` output names every path it was given, and
/// that is read here (an empty set fails the test below).
fn routed_paths(server: &Server) -> BTreeSet<String> {
    let table = format!("{:?}", ogi_web::app(server.state.clone()));
    table.split('"').filter(|s| s.starts_with("/api/")).map(str::to_string).collect()
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes() {
    let server = common::start("api-openapi", Some(TODAY)).await;
    common::fill(&server, 2024, 20, 3).await;
    // Served without login, and the document the tests hold answers to.
    let r = Api::anonymous(&server).get("/api/openapi.json").await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc, *openapi::DOC);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.0.")), "{}", doc["openapi"]);
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((method.to_ascii_uppercase(), path.clone()));
            // Every operation documents its responses, errors included…
            let responses = op["responses"].as_object().unwrap();
            if path != "/api/openapi.json" {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            // …each as JSON with a schema that resolves and compiles.
            for (status, response) in responses {
                let place = format!("{path} {method} {status}");
                let response = match response.get("$ref").and_then(Value::as_str) {
                    Some(r) => &doc["components"]["responses"][r.strip_prefix("#/components/responses/").unwrap()],
                    None => response,
                };
                let schema = &response["content"]["application/json"]["schema"];
                assert!(schema.is_object(), "{place}: no JSON schema");
                openapi::validator(&place, schema).unwrap_or_else(|e| panic!("{place}: {e}"));
            }
        }
    }

    // What the router has: its paths, and on each the methods it does not
    // refuse with 405, asked with a token (and a real code and year).
    let paths = routed_paths(&server);
    assert!(paths.contains("/api/openapi.json"), "the router's table was not read: {paths:?}");
    let mut api = Api::new(&server, "clerk", Role::Clerk).await;
    let code = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 0, 1)).await.unwrap().0
        [0]
    .code
    .clone();
    let mut routed = BTreeSet::new();
    for path in &paths {
        let concrete = path.replace("{code}", &code).replace("{year}", "2024");
        for method in METHODS {
            let is_documented = documented.contains(&(method.to_string(), path.clone()));
            let r = match (is_documented, *method) {
                // Validated against the document as every answer is.
                (true, "GET") => api.get(&concrete).await,
                (true, _) => api.post_with(&concrete, &json!({}), &[]).await,
                (false, _) => api.unrouted(method, &concrete).await,
            };
            assert_ne!(r.text(), r#"{"error":"没有这个接口"}"#, "{method} {concrete}: the router's own 404");
            if r.status != 405 {
                routed.insert((method.to_string(), path.clone()));
            }
        }
    }
    assert_eq!(routed, documented);
    // The router's own answers for what it does not have, to be sure the checks above can fail.
    let r = api.unrouted("GET", "/api/nothing-here").await;
    assert_eq!(json_error(&r, 404)["error"], "没有这个接口");
    assert_eq!(api.unrouted("PUT", "/api/requests").await.status, 405);
}

#[tokio::test]
async fn no_or_wrong_credentials_get_401_json_and_a_disabled_users_token_stops_working() {
    let server = common::start("api-auth", Some(TODAY)).await;
    let mut anon = Api::anonymous(&server);
    json_error(&anon.get("/api/requests").await, 401);
    json_error(&anon.post("/api/requests", &new_request()).await, 401);
    json_error(&anon.get("/api/requests").await, 401);
    json_error(&Api::bearer(&server, "not-a-token").get("/api/requests").await, 401);

    let (token, id) = token_for(&server, "platform", Role::Clerk).await;
    let mut platform = Api::bearer(&server, &token);
    let ok = platform.get("/api/requests").await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    // An administrator disables the user: the token is refused at once.
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, move |s| s.update_user(id, Role::Clerk, false, "admin"))
        .await
        .unwrap();
    json_error(&platform.get("/api/requests").await, 401);
    json_error(&platform.post("/api/requests", &new_request()).await, 401);
    assert_eq!(
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 0, 1)).await.unwrap().1,
        0
    );
}

#[tokio::test]
async fn a_browser_session_reads_freely_but_writes_only_with_its_csrf_token() {
    let server = common::start("api-csrf", Some(TODAY)).await;
    let mut c = server.login("clerk", Role::Clerk).await;
    let page = c.get("/requests").await;
    let csrf = page.csrf();
    let mut c = Api::session(c);
    assert_eq!(c.get("/api/requests").await.status, 200);
    // Without the header: refused, as JSON, and nothing stored.
    let r = c.post("/api/requests", &new_request()).await;
    assert!(json_error(&r, 403)["error"].as_str().unwrap().contains("X-CSRF-Token"));
    let r = c.post_with("/api/requests", &new_request(), &[("X-CSRF-Token", "wrong")]).await;
    json_error(&r, 403);
    assert_eq!(
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 0, 1)).await.unwrap().1,
        0
    );
    let r = c.post_with("/api/requests", &new_request(), &[("X-CSRF-Token", &csrf)]).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

#[tokio::test]
async fn the_register_lists_with_the_pages_filters_and_pages() {
    let server = common::start("api-list", Some(TODAY)).await;
    common::fill(&server, 2024, 300, 11).await;
    let mut api = Api::new(&server, "clerk", Role::Clerk).await;
    let r = api.get("/api/requests?per_page=20&page=2").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!((v["total"].as_u64(), v["page"].as_u64(), v["per_page"].as_u64()), (Some(300), Some(2), Some(20)));
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    // The same rows as the store's page, keys and labels both.
    let (rows, _) =
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 20, 20)).await.unwrap();
    for (item, row) in items.iter().zip(&rows) {
        assert_eq!(item["code"], row.code.as_str());
        assert_eq!(item["applicant"], row.applicant.key());
        assert_eq!(item["applicant_label"], row.applicant.label());
        assert_eq!(item["channel"], row.channel.key());
        assert_eq!(item["state"], row.state);
        assert_eq!(item["received"], row.received.to_string());
        assert_eq!(item["outcome"].as_str(), row.outcome.map(|o| o.key()).as_deref());
    }
    // Filters as on /requests.
    let r = api.get("/api/requests?state=closed&outcome=denied&per_page=200").await;
    let v = r.json();
    let filter = ogi_store::ListFilter {
        state: Some(ogi_store::StateFilter::Closed),
        outcome: Some("denied".into()),
        ..Default::default()
    };
    let expected = server.state.read_in(ogi_store::Scope::OPERATOR, move |s| s.list(&filter, 0, 1)).await.unwrap().1;
    assert!(expected > 0);
    assert_eq!(v["total"].as_u64(), Some(expected));
    for item in v["items"].as_array().unwrap() {
        assert_eq!(item["state"], "closed");
        assert_eq!(item["state_label"], "已办结");
        assert!(item["outcome"].as_str().unwrap().starts_with("denied."), "{item}");
        assert!(item["outcome_label"].as_str().unwrap().starts_with("（三）不予公开"));
    }
    // Wrong filters name their fields.
    let r = api.get("/api/requests?state=bogus&from=yesterday&per_page=500&page=0&colour=red").await;
    let v = json_error(&r, 400);
    let fields: BTreeSet<&str> = v["fields"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, BTreeSet::from(["colour", "from", "page", "per_page", "state"]));
    assert_eq!(v["fields"]["from"], "日期格式应为 2025-03-01");
}

#[tokio::test]
async fn registering_a_request_returns_it_with_its_due_date_and_refuses_bad_input_per_field() {
    let server = common::start("api-create", Some(TODAY)).await;
    let mut api = Api::new(&server, "platform", Role::Clerk).await;
    let r = api.post("/api/requests", &new_request()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let code = v["code"].as_str().unwrap().to_string();
    assert_eq!(r.header("location"), Some(format!("/api/requests/{code}").as_str()));
    assert_eq!(v["received"], "2024-12-03", "online: received when confirmed");
    assert_eq!(
        (v["state"].as_str(), v["channel"].as_str(), v["channel_label"].as_str()),
        (Some("open"), Some("online"), Some("网络"))
    );
    let stored = server
        .state
        .read_in(ogi_store::Scope::OPERATOR, {
            let code = code.clone();
            move |s| s.get(&code)
        })
        .await
        .unwrap();
    assert_eq!(stored.applicant_name, "张三");
    let due = stored.request.due(&ogi_rules::Calendar::embedded()).unwrap().unwrap();
    assert_eq!(v["due"], due.to_string());
    assert_eq!(v["due_explanation"]["due"], due.to_string());
    assert!(v["due_explanation"]["steps"][0].as_str().unwrap().contains("第三十一条"), "{v}");
    // The Location answers with the same request; the contact masked.
    let got = api.get(&format!("/api/requests/{code}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), v);
    assert_eq!(v["contact"], "138****0000");
    // In full only when asked, and that view is in the audit log.
    let audited = |server: &Server, code: String| {
        let state = server.state.clone();
        async move {
            let log = state.read_in(ogi_store::Scope::OPERATOR, move |s| s.audit_for(&code)).await.unwrap();
            log.iter().filter(|e| e.action.contains("完整个人信息")).count()
        }
    };
    assert_eq!(audited(&server, code.clone()).await, 0);
    let full = api.get(&format!("/api/requests/{code}?reveal=contact")).await;
    assert_eq!((full.status, full.json()["contact"].as_str()), (200, Some("13800000000")));
    assert_eq!(audited(&server, code.clone()).await, 1);
    json_error(&api.get(&format!("/api/requests/{code}?reveal=id")).await, 400);

    // Each wrong field named, nothing stored.
    let bad = json!({
        "channel": "pigeon",
        "applicant": "total",
        "applicant_name": "  ",
        "arrived": "2024-13-01",
        "summary": 42,
        "colour": "red"
    });
    let v = json_error(&api.post("/api/requests", &bad).await, 422);
    let fields: BTreeSet<&str> = v["fields"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, BTreeSet::from(["applicant", "applicant_name", "arrived", "channel", "colour", "summary"]));
    assert_eq!(v["fields"]["summary"], "应为字符串");
    // 第三十一条: an online request needs its confirmation date; one in person must not have one.
    let mut online = new_request();
    online.as_object_mut().unwrap().remove("confirmed");
    let v = json_error(&api.post("/api/requests", &online).await, 422);
    assert!(v["fields"]["confirmed"].as_str().unwrap().contains("确认日期"), "{v}");
    let mut future = new_request();
    future["channel"] = json!("in_person");
    future["confirmed"] = Value::Null;
    future["arrived"] = json!("2025-01-02");
    let v = json_error(&api.post("/api/requests", &future).await, 422);
    assert!(v["fields"]["arrived"].as_str().unwrap().contains("不能晚于今天"), "{v}");
    assert_eq!(
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 0, 1)).await.unwrap().1,
        1
    );

    // Bodies that are not JSON objects: 400 (or 415 undeclared), as JSON.
    let v = json_error(&api.post_raw("/api/requests", "application/json", b"{\"channel\": ".to_vec()).await, 400);
    assert!(v["error"].as_str().unwrap().contains("不是有效的 JSON"));
    json_error(&api.post_raw("/api/requests", "application/json", b"[1, 2]".to_vec()).await, 400);
    json_error(&api.post_raw("/api/requests", "text/plain", b"{}".to_vec()).await, 415);
}

#[tokio::test]
async fn an_unknown_code_is_a_plain_404() {
    let server = common::start("api-404", Some(TODAY)).await;
    let mut api = Api::new(&server, "clerk", Role::Clerk).await;
    let a = api.get("/api/requests/YSQ2024-999999").await;
    assert_eq!(json_error(&a, 404), json!({"error": "未找到"}));
    let b = api.get("/api/requests/%E4%B8%8D%E5%AD%98%E5%9C%A8").await;
    assert_eq!(b.body, a.body);
    let c = api.post("/api/requests/YSQ2024-999999/events", &json!({"kind": "withdrawn", "on": "2024-12-02"})).await;
    assert_eq!(c.body, a.body);
    // A path or method the router does not have is JSON too.
    json_error(&api.unrouted("GET", "/api/requests/YSQ2024-000001/letters").await, 404);
    json_error(&api.unrouted("DELETE", "/api/requests").await, 405);
}

#[tokio::test]
async fn events_follow_the_law_and_only_a_head_extends_or_answers() {
    let server = common::start("api-events", Some(TODAY)).await;
    let mut clerk = Api::new(&server, "clerk", Role::Clerk).await;
    let mut head = Api::new(&server, "head", Role::Head).await;
    let mut req = new_request();
    req["channel"] = json!("in_person");
    req["confirmed"] = Value::Null;
    let code = clerk.post("/api/requests", &req).await.json()["code"].as_str().unwrap().to_string();
    let events = format!("/api/requests/{code}/events");

    // A clerk may not extend or answer: 403 JSON, nothing recorded.
    for body in [
        json!({"kind": "extended", "on": "2024-12-10", "days": 10}),
        json!({"kind": "answered", "on": "2024-12-10", "outcome": "granted"}),
    ] {
        let v = json_error(&clerk.post(&events, &body).await, 403);
        assert!(v["error"].as_str().unwrap().contains("须经负责人同意"), "{v}");
    }
    let get = |s: &ogi_store::Database, c: &str| s.get(c);
    let c2 = code.clone();
    assert!(server
        .state
        .read_in(ogi_store::Scope::OPERATOR, move |s| get(s, &c2))
        .await
        .unwrap()
        .request
        .events()
        .is_empty());

    // A clerk starts a consultation and records its end.
    let r = clerk.post(&events, &json!({"kind": "consultation_started", "on": "2024-12-04"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!((v["state"].as_str(), v["paused_since"].as_str()), (Some("consulting"), Some("2024-12-04")));
    // The window: 15 working days from delivery (the day it was sent: no `delivered` given).
    let window = ogi_rules::Calendar::embedded().add_workdays("2024-12-04".parse().unwrap(), 15).unwrap();
    assert_eq!(v["consultation_until"].as_str(), Some(window.to_string().as_str()));
    assert!(v["due"].as_str().is_some_and(|d| d > window.to_string().as_str()), "{v}");
    let r = clerk.post(&events, &json!({"kind": "consultation_ended", "on": "2024-12-06"})).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The head extends: the approver is the head's name.
    let r = head.post(&events, &json!({"kind": "extended", "on": "2024-12-09", "days": 15})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let ext = &v["events"][2];
    assert_eq!(
        (ext["kind"].as_str(), ext["days"].as_u64(), ext["approver"].as_str()),
        (Some("extended"), Some(15), Some("head的姓名"))
    );
    assert!(
        v["due_explanation"]["steps"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().contains("延期")),
        "{v}"
    );
    // The law refuses a second extension, in its own words.
    let v = json_error(&head.post(&events, &json!({"kind": "extended", "on": "2024-12-10", "days": 5})).await, 422);
    assert!(v["error"].as_str().unwrap().contains("延期只能一次"), "{v}");
    // Fields checked before the law: missing or foreign to the kind, unknown kinds.
    let v = json_error(&clerk.post(&events, &json!({"kind": "fee_noticed", "on": "2024-12-10", "days": 3})).await, 422);
    assert_eq!(v["fields"]["yuan"], "请填写收费金额");
    assert_eq!(v["fields"]["days"], "“收费通知”不填此项");
    let v = json_error(&clerk.post(&events, &json!({"kind": "teleported", "on": "soon"})).await, 422);
    assert!(v["fields"]["kind"].as_str().unwrap().contains("未知的事项"));
    assert!(v["fields"]["on"].as_str().unwrap().contains("日期格式"));
    let v = json_error(
        &head.post(&events, &json!({"kind": "answered", "on": "2024-12-12", "outcome": "maybe"})).await,
        422,
    );
    assert!(v["fields"]["outcome"].as_str().unwrap().contains("未知的办理结果"));

    // The head answers: closed, counted under its outcome.
    let r =
        head.post(&events, &json!({"kind": "answered", "on": "2024-12-12", "outcome": "denied.state_secret"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!((v["state"].as_str(), v["closed_on"].as_str()), (Some("closed"), Some("2024-12-12")));
    assert_eq!(v["outcome"], "denied.state_secret");
    assert_eq!(v["outcome_label"], "（三）不予公开·属于国家秘密");
    // Nothing happens to a closed request.
    let v = json_error(&clerk.post(&events, &json!({"kind": "withdrawn", "on": "2024-12-13"})).await, 422);
    assert!(v["error"].as_str().unwrap().contains("申请已办结"), "{v}");
    let c2 = code.clone();
    assert_eq!(
        server.state.read_in(ogi_store::Scope::OPERATOR, move |s| get(s, &c2)).await.unwrap().request.events().len(),
        4
    );
}

#[tokio::test]
async fn the_years_report_is_drafted_and_checked() {
    let server = common::start("api-report", Some(TODAY)).await;
    common::fill(&server, 2024, 120, 5).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| s.set_setting(ogi_store::AGENCY_NAME, "某市数据局", "test"))
        .await
        .unwrap();
    let mut api = Api::new(&server, "clerk", Role::Clerk).await;
    let r = api.get("/api/reports/2024").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["report"]["meta"]["year"], 2024);
    assert_eq!(v["report"]["meta"]["agency"], "某市数据局");
    assert_eq!(v["report"]["cells"]["t3.new.total"]["value"], "120");
    // Without the year's 第二十条 figures the checker says table 二 is incomplete…
    let rules: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["structure.row-missing"]);
    // …and with them the draft checks clean.
    let figures = ogi_rules::annual::Art20Figures {
        licensing: 10,
        penalty: 2,
        enforcement: 0,
        fees_wan: ogi_vocab::Number::int(0),
    };
    server.state.write_in(ogi_store::Scope::OPERATOR, move |s| s.set_art20(2024, &figures, "test")).await.unwrap();
    let v = api.get("/api/reports/2024").await.json();
    let diagnostics = v["diagnostics"].as_array().unwrap();
    assert!(diagnostics.iter().all(|d| d["severity"] != "error"), "{diagnostics:?}");
    assert_eq!(v["report"]["cells"]["t2.licensing.decisions"]["value"], "10");
    let v = json_error(&api.get("/api/reports/2020").await, 422);
    assert!(v["error"].as_str().unwrap().contains("旧格式"), "{v}");
    json_error(&api.get("/api/reports/2025").await, 422);
    json_error(&api.get("/api/reports/last").await, 400);
    // Without an agency name there is no title: said, not guessed.
    let server2 = common::start("api-report-noagency", Some(TODAY)).await;
    let mut api2 = Api::new(&server2, "clerk", Role::Clerk).await;
    assert!(json_error(&api2.get("/api/reports/2024").await, 422)["error"].as_str().unwrap().contains("机关名称"));
}

#[tokio::test]
async fn a_published_report_is_read_and_checked() {
    let server = common::start("api-check", Some(TODAY)).await;
    let mut api = Api::new(&server, "clerk", Role::Clerk).await;
    let corpus = common::corpus();
    let bytes = std::fs::read(corpus.join("liaocheng-gxj-2023.txt")).unwrap();
    let expected = std::fs::read_to_string(corpus.join("expected/liaocheng-gxj-2023.txt.cells.tsv")).unwrap();
    let r = api.post_raw("/api/check?filename=liaocheng-gxj-2023.txt", "application/octet-stream", bytes).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["year"], 2023);
    assert_eq!(v["template"], "2021");
    let mut cells = 0;
    for line in expected.lines() {
        let (key, value) = line.split_once('\t').unwrap();
        if let Some(meta) = key.strip_prefix("meta.") {
            if meta == "agency" {
                assert_eq!(v["agency"], value);
            }
            continue;
        }
        assert_eq!(v["cells"][key], value, "{key}");
        cells += 1;
    }
    assert_eq!(v["cells"].as_object().unwrap().len(), cells);
    assert_eq!(v["cells"]["t3.new.total"], "5");
    assert!(v["diagnostics"].is_array());

    // Not a report: the reader's reason, in Chinese.
    let r = api
        .post_raw("/api/check?filename=notes.txt", "application/octet-stream", "今天天气很好。".as_bytes().to_vec())
        .await;
    json_error(&r, 422);
    json_error(&api.post_raw("/api/check", "application/octet-stream", Vec::new()).await, 422);
    // Over 20 MB: refused on its declared length, before a byte of it is read.
    let r = declared_but_unsent(&server, api.auth.as_deref().unwrap(), "/api/check", "application/pdf").await;
    assert!(json_error(&r, 413)["error"].as_str().unwrap().contains("20 MB"), "{}", r.text());
}

/// Sends only the head of a POST to `path` that declares a body one byte
/// over the limit; returns the answer (checked against the document like
/// every other).
async fn declared_but_unsent(server: &Server, auth: &str, path: &str, content_type: &str) -> Resp {
    let length = ogi_web::MAX_UPLOAD + 1;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {auth}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().into(), v.trim().into())).collect();
    let r = Resp { status, headers, body: body.as_bytes().to_vec() };
    openapi::conforms("POST", path, &r);
    r
}

#[tokio::test]
async fn the_contract_refuses_what_the_document_does_not_say() {
    let server = common::start("api-contract", Some(TODAY)).await;
    let mut api = Api::new(&server, "platform", Role::Clerk).await;
    let r = api.post("/api/requests", &new_request()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let good = r.json();
    let location = r.header("location").unwrap().to_string();
    let answer = |status: u16, content_type: &str, body: &Value| Resp {
        status,
        headers: vec![("Content-Type".into(), content_type.into()), ("Location".into(), location.clone())],
        body: serde_json::to_vec(body).unwrap(),
    };
    let check = |status, content_type, body: &Value| {
        openapi::check("POST", "/api/requests", &answer(status, content_type, body))
    };
    assert_eq!(check(201, "application/json", &good), Ok(()));
    // A field the document does not name, a required one missing, null where
    // the document does not allow it, a wrong date, a wrong key.
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let mut without_code = good.clone();
    without_code.as_object_mut().unwrap().remove("code");
    for (why, body) in [
        ("undocumented field", with("colour", json!("red"))),
        ("required field missing", without_code),
        ("null not allowed", with("code", Value::Null)),
        ("not a date", with("received", json!("2024-13-45"))),
        ("not one of the states", with("state", json!("lost"))),
        ("a field of an event not named", {
            let mut b = good.clone();
            b["events"] = json!([{"kind": "withdrawn", "kind_label": "撤回", "on": "2024-12-04", "extra": 1}]);
            b
        }),
    ] {
        assert!(check(201, "application/json", &body).is_err(), "{why}: {body}");
    }
    // Null where it is allowed.
    assert_eq!(check(201, "application/json", &with("due", Value::Null)), Ok(()));
    // Without the header the document requires.
    let mut bare = answer(201, "application/json", &good);
    bare.headers.retain(|(k, _)| k != "Location");
    assert!(openapi::check("POST", "/api/requests", &bare).unwrap_err().contains("Location"));
    // An undocumented status, content type, path or method.
    assert!(check(418, "application/json", &good).unwrap_err().contains("418"));
    assert!(check(201, "text/html", &good).unwrap_err().contains("text/html"));
    assert!(openapi::check("GET", "/api/requests/x/letters", &answer(200, "application/json", &good)).is_err());
    assert!(openapi::check("DELETE", "/api/requests", &answer(200, "application/json", &good)).is_err());
    // An error body that is not the API's error object.
    assert!(check(422, "application/json", &json!({"message": "有误"})).is_err());
}

#[tokio::test]
async fn every_documented_answer_is_given() {
    // Each status the document lists for an operation, provoked here (and
    // validated, as every answer is): a documented answer that the handlers
    // never give is drift too.
    let server = common::start("api-every", Some(TODAY)).await;
    common::fill(&server, 2024, 20, 3).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| s.set_setting(ogi_store::AGENCY_NAME, "某市数据局", "test"))
        .await
        .unwrap();
    let (token, _) = token_for(&server, "clerk", Role::Clerk).await;
    let mut clerk = Api::bearer(&server, &token);
    let mut anon = Api::anonymous(&server);
    let mut session = server.login("browser", Role::Clerk).await;
    session.get("/requests").await;
    let mut browser = Api::session(session);
    let code = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.list(&Default::default(), 0, 1)).await.unwrap().0
        [0]
    .code
    .clone();
    let one = format!("/api/requests/{code}");
    // Events on a request of our own, still open.
    let fresh = clerk.post("/api/requests", &new_request()).await;
    let events = format!("/api/requests/{}/events", fresh.json()["code"].as_str().unwrap());
    let auth = format!("Bearer {token}");
    let bytes = std::fs::read(common::corpus().join("liaocheng-gxj-2023.txt")).unwrap();

    let mut seen: BTreeSet<(String, String, u16)> = BTreeSet::new();
    let mut saw = |method: &str, path: &str, r: Resp| {
        let t = openapi::template(path).unwrap().to_string();
        seen.insert((method.to_ascii_lowercase(), t, r.status));
    };
    saw("GET", "/api/openapi.json", anon.get("/api/openapi.json").await);
    for (method, path) in [("GET", "/api/requests"), ("GET", one.as_str()), ("GET", "/api/reports/2024")] {
        saw(method, path, clerk.get(path).await);
        saw(method, path, anon.get(path).await);
    }
    saw("GET", "/api/requests", clerk.get("/api/requests?page=0").await);
    saw("GET", &one, clerk.get("/api/requests/YSQ2024-999999").await);
    saw("GET", &one, clerk.get(&format!("{one}?reveal=everything")).await);
    saw("GET", "/api/reports/2024", clerk.get("/api/reports/last").await);
    saw("GET", "/api/reports/2024", clerk.get("/api/reports/2020").await);
    for path in ["/api/requests", events.as_str()] {
        let body = match path {
            "/api/requests" => new_request(),
            _ => json!({"kind": "withdrawn", "on": "2024-12-31"}),
        };
        saw("POST", path, anon.post(path, &body).await);
        saw("POST", path, browser.post(path, &body).await);
        saw("POST", path, clerk.post_raw(path, "application/json", b"{".to_vec()).await);
        saw("POST", path, clerk.post_raw(path, "text/plain", b"{}".to_vec()).await);
        saw("POST", path, clerk.post(path, &json!({"colour": "red"})).await);
        saw("POST", path, declared_but_unsent(&server, &auth, path, "application/json").await);
        saw("POST", path, clerk.post(path, &body).await);
    }
    saw("POST", &events, clerk.post(&events, &json!({"kind": "extended", "on": "2024-12-31", "days": 5})).await);
    // An event sent with the version seen before someone else's (the
    // withdrawal above): refused, whatever the law would say.
    let stale = clerk.post(&events, &json!({"kind": "withdrawn", "on": "2024-12-31", "version": 0})).await;
    assert_eq!(stale.status, 409, "{}", stale.text());
    assert_eq!(stale.json()["error"], "该申请已被他人修改，请刷新后重试");
    saw("POST", &events, stale);
    saw(
        "POST",
        "/api/requests/{code}/events",
        clerk.post("/api/requests/YSQ2024-999999/events", &json!({"kind": "withdrawn", "on": "2024-12-31"})).await,
    );
    saw("POST", "/api/check", anon.post_raw("/api/check", "text/plain", bytes.clone()).await);
    saw("POST", "/api/check", browser.post_raw("/api/check", "text/plain", bytes.clone()).await);
    saw("POST", "/api/check", clerk.post_raw("/api/check", "text/plain", b"not a report".to_vec()).await);
    saw("POST", "/api/check", declared_but_unsent(&server, &auth, "/api/check", "application/pdf").await);
    saw("POST", "/api/check", clerk.post_raw("/api/check?filename=r.txt", "text/plain", bytes).await);

    let mut documented = BTreeSet::new();
    for (path, item) in openapi::DOC["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for status in op["responses"].as_object().unwrap().keys() {
                documented.insert((method.clone(), path.clone(), status.parse::<u16>().unwrap()));
            }
        }
    }
    assert_eq!(seen, documented);
}
