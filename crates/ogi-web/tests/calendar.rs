//! The next year's calendar: until its notice is loaded, due dates running
//! into it are provisional (暂定) wherever they appear; the administrator
//! loads it on a page (typed, pasted or uploaded), sees it as month calendars
//! before saving, and every open request is recomputed at once.

mod common;

use common::NOTICE_2027;
use ogi_store::Role;

#[tokio::test]
async fn the_next_years_due_dates_are_provisional_until_its_notice_is_loaded() {
    let server = common::start("calendar", Some("2026-12-04")).await;
    let mut clerk = server.login("clerk", Role::Clerk).await;
    clerk.get("/requests/new").await;
    let csrf = clerk.csrf.clone();
    let r = clerk
        .post_form(
            "/requests",
            &[
                ("channel", "in_person"),
                ("applicant", "natural"),
                ("arrived", "2026-12-04"),
                ("applicant_name", "王五"),
                ("contact", "13800000000"),
                ("summary", "某项目批复文件"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let code = "YSQ2026-000001";

    // Provisional everywhere: the page, "why", the register, the CSV, the API, the dashboard.
    let page = clerk.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("<strong>2027-01-04（暂定）</strong>"), "{page}");
    assert!(page.contains("暂定：2027 年节假日安排尚未载入"), "{page}");
    assert!(page.contains("2027 年的节假日安排（国务院办公厅通知）尚未载入"), "{page}");
    assert!(page.contains("答复期限届满日：2027-01-04（暂定）"), "{page}");
    let list = clerk.get("/requests").await.text();
    assert!(list.contains("2027-01-04（暂定）"), "{list}");
    let csv = clerk.get("/requests.csv").await.text();
    assert!(csv.contains(",2027-01-04（暂定）,"), "{csv}");
    let board = clerk.get("/").await.text();
    assert!(board.contains("id=\"provisional-banner\"") && board.contains("请管理员"), "{board}");
    let letter = clerk.get(&format!("/requests/{code}/letters/receipt")).await.text();
    assert!(letter.contains("答复期限截至2027年1月4日（暂定"), "{letter}");

    // Only the administrator loads a year.
    assert_eq!(clerk.get("/admin/calendar").await.status, 403);
    let mut admin = server.login("admin", Role::Admin).await;
    let page = admin.get("/admin/calendar").await.text();
    assert!(page.contains("暂按法定节假日计算的年度") && page.contains("春节 2月5日至8日"), "{page}");

    // A notice that leaves 除夕 a working day is refused, with what was typed kept.
    let bad = NOTICE_2027.replace("2月5日（农历除夕、周五）至11日", "2月6日至12日");
    let r =
        admin.post_multipart("/admin/calendar/preview", &[("year", "", b"2027"), ("text", "", bad.as_bytes())]).await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("节假日安排：2月5日（春节）是法定节假日") && r.text().contains("2月6日至12日"),
        "{}",
        r.text()
    );

    // The pasted notice is shown as month calendars, not saved yet.
    let r = admin
        .post_multipart("/admin/calendar/preview", &[("year", "", b"2027"), ("text", "", NOTICE_2027.as_bytes())])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let preview = r.text();
    assert!(preview.contains("核对 2027 年安排（尚未保存）"), "{preview}");
    assert!(
        preview.contains("title=\"2027-02-20\">20</td>")
            || preview.contains("class=\"day worked\" title=\"2027-02-20\""),
        "{preview}"
    );
    assert!(!preview.contains("全年工作日"), "as many working days as the statutory count: {preview}");
    assert!(admin.get(&format!("/requests/{code}")).await.text().contains("（暂定）"));

    // Saved: in force at once, the request recomputed and listed as moved.
    admin.get("/admin/calendar").await;
    let csrf = admin.csrf.clone();
    let text = ogi_rules::calendar::parse_notice(2027, NOTICE_2027).unwrap();
    let r = admin.post_form("/admin/calendar/save", &[("csrf", &csrf), ("year", "2027"), ("text", &text)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = admin.get("/admin/calendar?saved=2027").await.text();
    assert!(page.contains("已载入 2027 年节假日安排") && page.contains(code), "{page}");
    assert!(page.contains("2027-01-04") && page.contains("2027-01-05"), "{page}");
    let detail = clerk.get(&format!("/requests/{code}")).await.text();
    assert!(detail.contains("<strong>2027-01-05</strong>") && !detail.contains("暂定"), "{detail}");
    let board = clerk.get("/").await.text();
    assert!(board.contains("载入节假日安排后答复期限变动的申请") && !board.contains("provisional-banner"), "{board}");
    // Audited.
    let audit = server.state.read_in(ogi_store::Scope::OPERATOR, ogi_store::Store::audit).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "载入 2027 年节假日安排" && a.actor == "admin"));
}

/// The arrangement as a file, as a Chinese office's Notepad saves it (GB18030).
#[tokio::test]
async fn an_uploaded_file_is_read_in_gb18030() {
    let server = common::start("calendar-file", Some("2026-12-04")).await;
    let mut admin = server.login("admin", Role::Admin).await;
    admin.get("/admin/calendar").await;
    let (gbk, _, _) = encoding_rs::GB18030.encode(NOTICE_2027);
    let r = admin.post_multipart("/admin/calendar/preview", &[("year", "", b"2027"), ("file", "2027.txt", &gbk)]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("holiday 2027-02-05..2027-02-11"), "{}", r.text());
    // Not text at all.
    let r = admin
        .post_multipart(
            "/admin/calendar/preview",
            &[("year", "", b"2027"), ("file", "x.png", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfd")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("上传的文件无法读取"), "{}", r.text());
}
