//! The law's corners on the workbench: late answers marked everywhere an
//! evaluator looks, open consultations with the day their window ends, the
//! answer list offering only what the law allows, and a fee notice's
//! delivery date.

mod common;

use common::{Client, Resp};
use ogi_store::Role;

const TODAY: &str = "2024-11-15";

async fn counter(c: &mut Client, name: &str, arrived: &str) -> String {
    c.get("/requests/new").await;
    let r = c
        .submit(
            "/requests",
            &[
                ("channel", "in_person"),
                ("applicant", "natural"),
                ("applicant_name", name),
                ("contact", "某市某路1号"),
                ("arrived", arrived),
                ("summary", "某项目的立项批复"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("location").unwrap().strip_prefix("/requests/").unwrap().to_string()
}

async fn event(c: &mut Client, code: &str, fields: &[(&str, &str)]) -> Resp {
    c.get(&format!("/requests/{code}")).await;
    c.submit(&format!("/requests/{code}/events"), fields).await
}

/// Received Fri 2024-09-27, due Wed 10-30; answered Mon 11-04: 10/31, 11/01,
/// 11/04 — 逾期答复 3 个工作日. Another answered on its due date is not marked.
#[tokio::test]
async fn a_late_answer_is_marked_on_the_page_the_register_the_csv_and_the_dashboard() {
    let server = common::start("late", Some(TODAY)).await;
    let mut head = server.login("wang", Role::Head).await;
    let late = counter(&mut head, "迟复", "2024-09-27").await;
    let on_time = counter(&mut head, "准时", "2024-09-27").await;
    let r = event(&mut head, &late, &[("kind", "answered"), ("on", "2024-11-04"), ("outcome", "granted")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = event(&mut head, &on_time, &[("kind", "answered"), ("on", "2024-10-30"), ("outcome", "granted")]).await;
    assert_eq!(r.status, 303, "{}", r.text());

    let page = head.get(&format!("/requests/{late}")).await.text();
    assert!(page.contains("逾期答复 3 个工作日") && page.contains("答复期限为 2024-10-30"), "{page}");
    assert!(!head.get(&format!("/requests/{on_time}")).await.text().contains("逾期答复"));

    let list = head.get("/requests?late=1").await.text();
    assert!(list.contains(&late) && !list.contains(&on_time), "{list}");
    assert!(list.contains("<span class=\"tag late\">逾期答复 3 个工作日</span>"), "{list}");
    let all = head.get("/requests").await.text();
    assert!(all.contains(&late) && all.contains(&on_time));
    assert_eq!(head.get("/requests?late=yes").await.status, 400);

    let csv = head.get("/requests.csv?late=1").await.text();
    let header = csv.lines().next().unwrap();
    assert!(header.contains("逾期答复（工作日）"), "{header}");
    let row = csv.lines().find(|l| l.starts_with(&late)).unwrap();
    assert!(row.contains(",3,"), "{row}");
    assert!(!csv.contains(&on_time));

    let board = head.get("/").await.text();
    assert!(board.contains("<div class=\"n\" id=\"count-late\">1</div>2024 年逾期答复"), "{board}");
}

/// A consultation shows on the dashboard with the last day of its window;
/// past the window it is overdue like any request whose clock runs.
#[tokio::test]
async fn open_consultations_show_their_window_and_can_be_overdue() {
    let server = common::start("consult", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    // Received 09-02; asked 09-09, delivered Wed 09-11. Its 15 working days:
    // 9/12, 9/13 (2), Sat 9/14 worked (3), [中秋 9/15–17], 9/18–20 (6),
    // 9/23–27 (11), Sun 9/29 worked (12), 9/30 (13), [国庆 10/1–7], 10/8 (14), 10/9 (15).
    let code = counter(&mut c, "第三方", "2024-09-02").await;
    let r = event(
        &mut c,
        &code,
        &[
            ("kind", "consultation_started"),
            ("on", "2024-09-09"),
            ("party", "third_party"),
            ("delivered", "2024-09-11"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let board = c.get("/").await.text();
    let consulting = &board[board.find("id=\"consulting\"").unwrap()..];
    assert!(consulting.contains(&code) && consulting.contains("意见最迟 2024-10-09"), "{consulting}");
    // Nobody answered: the clock ran again after 10-09, and the request is overdue by now.
    let overdue = &board[board.find("id=\"overdue\"").unwrap()..board.find("id=\"due-soon\"").unwrap()];
    assert!(overdue.contains(&code), "{overdue}");
    let page = c.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("意见期限已于 2024-10-09 届满：答复期限已恢复计算"), "{page}");
    assert!(page.contains("2024-09-11 送达"), "{page}");
}

/// The answer list offers only outcomes the law allows; 补正后仍不明确 only
/// after a 补正 was asked.
#[tokio::test]
async fn the_answer_list_offers_only_what_the_law_allows() {
    let server = common::start("outcomes", Some(TODAY)).await;
    let mut head = server.login("wang", Role::Head).await;
    let code = counter(&mut head, "张三", "2024-11-11").await;
    let page = head.get(&format!("/requests/{code}")).await.text();
    let form = &page[page.find("id=\"form-answered\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains("value=\"granted\"") && form.contains("value=\"other.other\""), "{form}");
    for refused in ["other.overdue_correction", "other.overdue_fee", "unavailable.still_unclear"] {
        assert!(!form.contains(&format!("value=\"{refused}\"")), "{refused} offered: {form}");
    }
    // Posted anyway: refused with the reason, nothing saved.
    let r = event(
        &mut head,
        &code,
        &[("kind", "answered"), ("on", "2024-11-12"), ("outcome", "unavailable.still_unclear")],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("未告知补正的申请不能答复“补正后申请内容仍不明确”"), "{}", r.text());
    // After a 补正 it is offered.
    let r =
        event(&mut head, &code, &[("kind", "correction_requested"), ("on", "2024-11-12"), ("reply_by", "2024-11-14")])
            .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = event(&mut head, &code, &[("kind", "correction_received"), ("on", "2024-11-14")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = head.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("value=\"unavailable.still_unclear\""));
}

/// A fee notice sent by post: the payment window counts from the day the
/// applicant signed for it. Sent Tue 2024-11-12, signed Thu 11-14: 20
/// working days from 11-15: 11/15 (1), 11/18–22 (6), 11/25–29 (11), 12/2–6
/// (16), 12/9–12 (20) — 2024-12-12.
#[tokio::test]
async fn a_fee_notices_window_counts_from_its_delivery() {
    let server = common::start("fee", Some(TODAY)).await;
    let mut c = server.login("li", Role::Clerk).await;
    let code = counter(&mut c, "张三", "2024-11-11").await;
    let r = event(
        &mut c,
        &code,
        &[("kind", "fee_noticed"), ("on", "2024-11-12"), ("yuan", "100"), ("delivered", "2024-11-14")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = c.get(&format!("/requests/{code}")).await.text();
    assert!(page.contains("2024-11-14 送达申请人") && page.contains("最迟 2024-12-12"), "{page}");
    // A delivery before the sending is refused on the form.
    let code = counter(&mut c, "李四", "2024-11-11").await;
    let r = event(
        &mut c,
        &code,
        &[("kind", "fee_noticed"), ("on", "2024-11-12"), ("yuan", "100"), ("delivered", "2024-11-11")],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("送达日期不能早于发出日期"));
}
