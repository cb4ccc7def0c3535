//! 新建申请 and 申请详情 over real HTTP: registering (and every kind of bad
//! input), the due date and why, events as forms with the law's refusals,
//! the 负责人-only events, 404s, CSRF, the audit lines and HTML escaping.

mod common;

use common::{Client, Resp, Server};
use ogi_store::{Role, Store};

const TODAY: &str = "2024-11-15";

/// Registers a request through the form; returns the response of the POST.
async fn register(c: &mut Client, fields: &[(&str, &str)]) -> Resp {
    let form = c.get("/requests/new").await;
    assert_eq!(form.status, 200, "{}", form.text());
    c.submit("/requests", fields).await
}

/// A request handed in at the counter on `arrived`; returns its code.
async fn counter(c: &mut Client, name: &str, arrived: &str) -> String {
    let r = register(
        c,
        &[
            ("channel", "in_person"),
            ("applicant", "natural"),
            ("applicant_name", name),
            ("contact", "某市某路1号"),
            ("arrived", arrived),
            ("summary", "2024年某路段改造工程的立项批复"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let to = r.header("location").unwrap();
    to.strip_prefix("/requests/").unwrap().to_string()
}

async fn event(c: &mut Client, code: &str, fields: &[(&str, &str)]) -> Resp {
    let page = c.get(&format!("/requests/{code}")).await;
    assert_eq!(page.status, 200);
    c.submit(&format!("/requests/{code}/events"), fields).await
}

async fn events_of(server: &Server, code: &str) -> usize {
    let code = code.to_string();
    server.state.read_in(ogi_store::Scope::OPERATOR, move |s| s.get(&code)).await.unwrap().request.events().len()
}

async fn count(server: &Server) -> usize {
    server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.all()).await.unwrap().len()
}

#[tokio::test]
async fn registering_a_request_and_every_kind_of_bad_input() {
    let server = common::start("req-new", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    let form = c.get("/requests/new").await;
    assert!(form.text().contains("name=\"confirmed\"") && form.text().contains("邮寄（平信）"));

    let good = [
        ("channel", "in_person"),
        ("applicant", "natural"),
        ("applicant_name", "张三"),
        ("contact", "13800000000"),
        ("arrived", "2024-09-27"),
        ("confirmed", ""),
        ("summary", "某路段改造工程的立项批复"),
    ];
    let with = |field: &str, value: &'static str| {
        good.iter().map(|&(k, v)| if k == field { (k, value) } else { (k, v) }).collect::<Vec<_>>()
    };

    // Missing name: the form back, the field marked, everything typed kept.
    let r = register(&mut c, &with("applicant_name", "  ")).await;
    assert_eq!(r.status, 400);
    let t = r.text();
    assert!(t.contains("请填写申请人姓名或者名称") && t.contains("field-error"), "{t}");
    assert!(t.contains("某路段改造工程的立项批复") && t.contains("value=\"13800000000\""));
    assert!(t.contains("value=\"in_person\" selected"));

    // A date that does not exist.
    let r = register(&mut c, &with("arrived", "2024-02-30")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("日期格式应为"), "{}", r.text());
    assert!(r.text().contains("value=\"2024-02-30\""));

    // A date after today.
    let r = register(&mut c, &with("arrived", "2024-12-01")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("日期不能晚于今天"));

    // Online: the receipt date is the confirmation (第三十一条), which is required.
    let r = register(&mut c, &with("channel", "online")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("请填写确认日期") && r.text().contains("第三十一条"), "{}", r.text());

    // An unknown channel.
    let r = register(&mut c, &with("channel", "pigeon")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("未知的提交渠道"));

    // An unknown applicant kind (总计 is a column, not a kind).
    let r = register(&mut c, &with("applicant", "total")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("未知的申请人类型"));

    assert_eq!(count(&server).await, 0, "nothing saved by a refused form");

    // The good one: 303 to the request's page.
    let r = register(&mut c, &good).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/requests/YSQ2024-000001"));
    assert_eq!(count(&server).await, 1);

    // Online with its confirmation: the receipt date is the confirmation day.
    let mut online = with("channel", "online");
    online.retain(|(k, _)| *k != "confirmed");
    online.push(("confirmed", "2024-09-30"));
    let r = register(&mut c, &online).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let stored = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.get("YSQ2024-000002")).await.unwrap();
    assert_eq!(stored.request.received.to_string(), "2024-09-30");
    // A confirmation before the arrival is refused.
    let mut early = with("channel", "email");
    early.retain(|(k, _)| *k != "confirmed");
    early.push(("confirmed", "2024-09-20"));
    let r = register(&mut c, &early).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("确认日期不能早于收到日期"));
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn the_page_shows_the_due_date_and_why() {
    let server = common::start("req-why", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    let code = counter(&mut c, "张三", "2024-09-27").await;
    let page = c.get(&format!("/requests/{code}")).await;
    assert_eq!(page.status, 200);
    let t = page.text();
    assert!(t.contains("<strong>2024-10-30</strong>"), "{t}");
    // The steps of the explanation, in order.
    let steps = [
        "2024-09-27 收到申请（当面提交，条例第三十一条）",
        "答复期限为 20 个工作日，自 2024-09-27 的次日起算",
        "跳过国庆节假期 2024-10-01 至 2024-10-07，共 7 天",
        "2024-09-29 为调休上班日，计入工作日",
        "答复期限届满日：2024-10-30",
    ];
    let mut at = 0;
    for s in steps {
        let found = t[at..].find(s).unwrap_or_else(|| panic!("step {s:?} missing or out of order in {t}"));
        at += found;
    }
    assert!(t.contains("逾期"), "past its due date on {TODAY}");
    // The timeline starts with the receipt.
    assert!(t.contains("<strong>2024-09-27</strong> 收到申请"));
}

#[tokio::test]
async fn a_correction_stops_the_clock_and_its_arrival_restarts_it() {
    let server = common::start("req-correction", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    let code = counter(&mut c, "张三", "2024-09-27").await;
    let r = event(&mut c, &code, &[("kind", "correction_requested"), ("on", "2024-10-08"), ("reply_by", "2024-10-22")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = c.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("等待补正") && page.contains("自收到补正之日起重新计算"), "{page}");
    assert!(page.contains("补正期限 2024-10-22"));
    // Only the events lawful today (2024-11-15) while waiting for the
    // correction: its period ended 10-22, so 逾期未补正, not 收到补正 (with why).
    assert!(page.contains("id=\"form-correction_lapsed\"") && !page.contains("id=\"form-correction_received\""));
    assert!(page.contains("不能登记“收到补正”：补正期限（最迟 2024-10-22）已过"), "{page}");
    assert!(!page.contains("id=\"form-extended\"") && !page.contains("id=\"form-correction_requested\""));

    let r = event(&mut c, &code, &[("kind", "correction_received"), ("on", "2024-10-15")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = c.get(&format!("/requests/{code}")).await.text();
    // 20 working days from 2024-10-15, no longer 2024-10-30.
    let expected = ogi_rules::Calendar::embedded().add_workdays("2024-10-15".parse().unwrap(), 20).unwrap();
    assert_eq!(expected.to_string(), "2024-11-12");
    assert!(page.contains("<strong>2024-11-12</strong>"), "{page}");
    assert!(!page.contains("<strong>2024-10-30</strong>"));
    assert!(page.contains("2024-10-15 收到补正，答复期限自此重新计算（第三十条）"));
    let stored = server.state.read_in(ogi_store::Scope::OPERATOR, move |s| s.get(&code)).await.unwrap();
    assert_eq!(stored.request.due(&server.state.cal()).unwrap().unwrap().to_string(), "2024-11-12");
}

#[tokio::test]
async fn extensions_and_answers_need_a_head() {
    let server = common::start("req-roles", Some(TODAY)).await;
    let mut clerk = server.login("li", Role::Clerk).await;
    let code = counter(&mut clerk, "张三", "2024-11-01").await;
    let page = clerk.get(&format!("/requests/{code}")).await.text();
    assert!(!page.contains("id=\"form-extended\"") && !page.contains("id=\"form-answered\""), "{page}");
    assert!(page.contains("延期答复、答复须经负责人同意"));
    assert!(page.contains("id=\"form-consultation_started\""));
    let r = event(&mut clerk, &code, &[("kind", "extended"), ("on", "2024-11-05"), ("days", "10")]).await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("须经负责人同意"));
    let r = event(&mut clerk, &code, &[("kind", "answered"), ("on", "2024-11-05"), ("outcome", "granted")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(events_of(&server, &code).await, 0, "nothing saved");

    let mut head = server.login("wang", Role::Head).await;
    let page = head.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("id=\"form-extended\"") && page.contains("id=\"form-answered\""));
    // The approver is the 负责人 who records it, never typed.
    assert!(page.contains("<strong>wang的姓名</strong>"));
    let r =
        event(&mut head, &code, &[("kind", "extended"), ("on", "2024-11-05"), ("days", "10"), ("approver", "冒名者")])
            .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = head.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("延长 10 个工作日，批准人：wang的姓名"), "{page}");
    assert!(!page.contains("冒名者"));
    assert!(page.contains("经 wang的姓名 同意延期 10 个工作日"));

    // A second extension: refused with the law's reason, on its form, nothing saved.
    let r = event(&mut head, &code, &[("kind", "extended"), ("on", "2024-11-06"), ("days", "5")]).await;
    assert_eq!(r.status, 400);
    let t = r.text();
    assert!(t.contains("延期只能一次"), "{t}");
    // No longer offered: the refusal on top, and why in the list of what is not offered.
    assert!(
        !t.contains("id=\"form-extended\"")
            && t.contains("<p class=\"err\">不能在“办理中”状态下登记“延期答复”：延期只能一次"),
        "{t}"
    );
    assert!(t.contains("不能登记“延期答复”：延期只能一次"), "{t}");
    assert_eq!(events_of(&server, &code).await, 1);

    // Bad values on a form: marked, typed values kept.
    let r = event(&mut head, &code, &[("kind", "answered"), ("on", "2024-11-3x"), ("outcome", "")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("日期格式应为") && r.text().contains("请选择答复结果"));
    assert!(r.text().contains("value=\"2024-11-3x\""));

    let r = event(&mut head, &code, &[("kind", "answered"), ("on", "2024-11-08"), ("outcome", "denied.state_secret")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = head.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("已办结") && page.contains("（三）不予公开·属于国家秘密"));
    assert!(page.contains("不能再登记事项"));
}

#[tokio::test]
async fn unlawful_events_are_refused_with_the_reason() {
    let server = common::start("req-unlawful", Some(TODAY)).await;
    let mut head = server.login("wang", Role::Head).await;
    let code = counter(&mut head, "张三", "2024-09-27").await;
    // An extension after the deadline (2024-10-30) passed.
    let r = event(&mut head, &code, &[("kind", "extended"), ("on", "2024-11-01"), ("days", "10")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("延期告知应在答复期限（最迟 2024-10-30）内"), "{}", r.text());
    // An event the state does not allow.
    let r = event(&mut head, &code, &[("kind", "fee_paid"), ("on", "2024-10-10")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("不能在“办理中”状态下登记“缴费”"), "{}", r.text());
    // A correction notice later than 7 working days after receipt (第三十条).
    let r =
        event(&mut head, &code, &[("kind", "correction_requested"), ("on", "2024-10-21"), ("reply_by", "2024-10-30")])
            .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("补正告知应在收到申请后 7 个工作日内"), "{}", r.text());
    // An extension of 21 days.
    let r = event(&mut head, &code, &[("kind", "extended"), ("on", "2024-10-10"), ("days", "21")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("延长的期限应为 1 至 20 个工作日"));
    // An unknown kind.
    let r = event(&mut head, &code, &[("kind", "teleport"), ("on", "2024-10-10")]).await;
    assert_eq!(r.status, 400);
    assert_eq!(events_of(&server, &code).await, 0);
}

#[tokio::test]
async fn an_unknown_code_is_the_generic_404() {
    let server = common::start("req-404", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    let generic = c.get("/no/such/page").await;
    assert_eq!(generic.status, 404);
    for path in ["/requests/YSQ2099-999999", "/requests/%3Cscript%3E", "/requests/YSQ2099-999999/letters/receipt"] {
        let r = c.get(path).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.text(), generic.text(), "{path}");
        assert!(r.text().contains("页面不存在，或您无权查看。"));
    }
    c.get("/requests/new").await;
    let r = c.submit("/requests/YSQ2099-999999/events", &[("kind", "withdrawn"), ("on", "2024-10-10")]).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), generic.text());
}

#[tokio::test]
async fn every_form_needs_its_csrf_token() {
    let server = common::start("req-csrf", Some(TODAY)).await;
    let mut admin = server.login("root", Role::Admin).await;
    let code = counter(&mut admin, "张三", "2024-11-01").await;
    let new = [
        ("channel", "in_person"),
        ("applicant", "natural"),
        ("applicant_name", "李四"),
        ("arrived", "2024-11-01"),
        ("summary", "某文件"),
    ];
    let r = admin.post_form("/requests", &new).await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("CSRF"));
    let mut wrong = new.to_vec();
    wrong.push(("csrf", "forged"));
    assert_eq!(admin.post_form("/requests", &wrong).await.status, 403);
    let r = admin.post_form(&format!("/requests/{code}/events"), &[("kind", "withdrawn"), ("on", "2024-11-05")]).await;
    assert_eq!(r.status, 403);
    let r = admin
        .post_form("/admin/letters", &[("kind", "receipt"), ("text", "{{ applicant }}"), ("action", "save")])
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(count(&server).await, 1);
    assert_eq!(events_of(&server, &code).await, 0);
    assert_eq!(server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.letter_template("receipt")).await.unwrap(), None);
}

#[tokio::test]
async fn the_audit_lines_show_who_did_what() {
    let server = common::start("req-audit", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    let code = counter(&mut c, "张三", "2024-11-01").await;
    let r = event(&mut c, &code, &[("kind", "consultation_started"), ("on", "2024-11-05")]).await;
    assert_eq!(r.status, 303);
    let page = c.get(&format!("/requests/{code}")).await.text();
    let audit = &page[page.find("id=\"audit\"").unwrap()..];
    assert!(audit.contains("<td>li</td><td>登记申请</td>"), "{audit}");
    assert!(audit.contains("<td>li</td><td>登记事项：征求意见</td>"), "{audit}");
    assert!(audit.contains("征求意见中（自 2024-11-05）"), "the state after the change: {audit}");
    assert!(audit.contains("北京时间") && !audit.contains("Z</td>"), "times in Beijing time: {audit}");
    // The consultation's window (15 working days from delivery, 11-06 to
    // 11-26) and the date the clock gives if no opinion comes: 11/4, 11/5
    // (2), 11/27–29 (5), 12/2–6 (10), 12/9–13 (15), 12/16–20 (20).
    assert!(page.contains("自 2024-11-05 起征求意见，对方最迟于 2024-11-26 提出意见"), "{page}");
    assert!(page.contains("<strong>2024-12-20</strong>"), "{page}");
}

#[tokio::test]
async fn an_applicant_name_is_escaped_everywhere() {
    let server = common::start("req-escape", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    let evil = "<script>alert(1)</script>";
    // minijinja also escapes the slash (&#x2f;); the letters' own writer does not.
    let escaped = "&lt;script&gt;alert(1)&lt;";
    // The form sent back with the name kept.
    let r = register(
        &mut c,
        &[("channel", "in_person"), ("applicant", "natural"), ("applicant_name", evil), ("arrived", "bad")],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains(escaped) && !r.text().contains("<script>"));
    let code = counter(&mut c, evil, "2024-11-01").await;
    for path in [format!("/requests/{code}"), "/requests".to_string(), format!("/requests/{code}/letters/receipt")] {
        let r = c.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.text().contains(escaped), "{path}: {}", r.text());
        assert!(!r.text().contains("<script>"), "{path}");
    }
    let csv = c.get("/requests.csv").await.text();
    assert!(csv.contains(evil), "CSV holds the text as typed");
}
