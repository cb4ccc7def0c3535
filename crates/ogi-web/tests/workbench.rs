//! 工作台 and 申请登记簿 over real HTTP on a simulated register.

mod common;

use ogi_store::{ListFilter, Role, StateFilter, Store};

#[tokio::test]
async fn the_dashboard_counts_what_the_register_holds() {
    let server = common::start("dashboard", Some("2025-06-16")).await;
    common::fill(&server, 2025, 400, 7).await;
    let mut c = server.login("zhang", Role::Clerk).await;
    let page = c.get("/").await;
    assert_eq!(page.status, 200);
    let t = page.text();
    let board = server
        .state
        .read_in(ogi_store::Scope::OPERATOR, |s| {
            s.dashboard("2025-06-16".parse().unwrap(), "2025-06-19".parse().unwrap())
        })
        .await
        .unwrap();
    assert!(board.counts.overdue + board.counts.due_soon > 0, "the simulation has work due");
    assert!(t.contains(&format!("id=\"count-overdue\">{}<", board.counts.overdue)), "{t}");
    assert!(t.contains(&format!("id=\"count-due-soon\">{}<", board.counts.due_soon)));
    for r in board.due_soon.iter().take(3) {
        assert!(t.contains(&format!("/requests/{}", r.code)));
    }
    // The year's table 三 so far, in the national layout.
    assert!(t.contains("本年新收政府信息公开申请数量") && t.contains("data-key=\"t3.new.total\""));
}

#[tokio::test]
async fn the_register_filters_pages_and_exports() {
    let server = common::start("register", Some("2025-12-31")).await;
    common::fill(&server, 2025, 180, 3).await;
    let mut c = server.login("li", Role::Clerk).await;
    let all = c.get("/requests").await;
    assert_eq!(all.status, 200);
    assert!(all.text().contains("共 180 件，第 1 / 4 页"), "{}", all.text());
    let closed = server
        .state
        .read_in(ogi_store::Scope::OPERATOR, |s| {
            s.list(&ListFilter { state: Some(StateFilter::Closed), ..Default::default() }, 0, 1)
        })
        .await
        .unwrap()
        .1;
    let page = c.get("/requests?state=closed&page=1").await;
    assert!(page.text().contains(&format!("共 {closed} 件")));
    let p4 = c.get("/requests?page=4").await;
    assert!(p4.text().contains("第 4 / 4 页") && p4.text().contains("上一页") && !p4.text().contains("下一页"));
    // A bad value gets the form back with the field marked, nothing else.
    let bad = c.get("/requests?from=2025-13-40&applicant=martian").await;
    assert_eq!(bad.status, 400);
    let t = bad.text();
    assert!(t.contains("日期格式应为") && t.contains("未知的申请人类型") && t.contains("field-error"), "{t}");
    // CSV with the same filters, Excel-friendly.
    let csv = c.get("/requests.csv?state=closed").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.text();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count() as u64, closed + 1);
}

#[tokio::test]
async fn an_absurd_page_number_is_an_empty_page_and_exports_are_not_cached() {
    let server = common::start("bigpage", Some("2025-12-31")).await;
    common::fill(&server, 2025, 20, 3).await;
    let mut c = server.login("he", Role::Clerk).await;
    let r = c.get("/requests?page=999999999999999999").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("没有符合条件的申请"));
    let csv = c.get("/requests.csv").await;
    assert_eq!(csv.header("cache-control"), Some("no-store"));
    assert_eq!(csv.text().lines().count(), 21);
}

#[tokio::test]
async fn everything_a_page_needs_is_served_by_ogi_itself() {
    let server = common::start("offline", Some("2025-06-16")).await;
    common::fill(&server, 2025, 30, 2).await;
    let mut anon = server.client();
    let css = anon.get("/static/style.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.text().contains("@media print"), "pages print cleanly");
    assert_eq!(anon.get("/healthz").await.text(), "ok");
    let mut c = server.login("tian", Role::Clerk).await;
    let code = c.get("/requests").await.text().split("/requests/YSQ").nth(1).unwrap()[..11].to_string();
    // No page refers to anything outside (government intranets are offline).
    for path in ["/", "/requests", "/requests/new", &format!("/requests/YSQ{code}"), "/annual?year=2025", "/check"] {
        let page = c.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let t = page.text();
        for outside in ["src=\"http", "href=\"http", "url(http", "@import", "src=\"//", "href=\"//"] {
            assert!(!t.contains(outside), "{path} loads {outside}…");
        }
        assert!(!css.text().contains("url("), "the stylesheet loads no fonts or images");
    }
}
