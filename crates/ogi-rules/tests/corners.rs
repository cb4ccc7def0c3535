//! The law's corners, with dates counted by hand on the 2024 and 2025
//! holiday notices: consultations that are never answered, 补正后仍不明确,
//! late answers, and the payment window from the day the notice arrived.

use ogi_rules::request::{Channel, Consulted, Event, Request, State};
use ogi_rules::{Calendar, Date};
use ogi_vocab::cells::{ApplicantColumn, Outcome, UnavailableReason};

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn received(on: &str) -> Request {
    Request::receive(Channel::InPerson, ApplicantColumn::Natural, d(on), None).unwrap()
}

/// Received Mon 2025-09-15; the third party is asked Mon 09-22 and gets the
/// letter Wed 09-24. Its 15 working days: 9/25, 9/26, Sun 9/28 (worked),
/// 9/29, 9/30, [国庆 10/1–8], 10/9, 10/10, Sat 10/11 (worked), 10/13–17, 10/20,
/// 10/21 — the window ends 2025-10-21. It never answers: the clock runs again
/// from 10/22. Counted: 9/16–19 and 9/22 (5), then 10/22–24 (8), 10/27–31
/// (13), 11/3–7 (18), 11/10 (19), 11/11 (20): due 2025-11-11.
#[test]
fn an_unanswered_consultation_ends_by_itself_after_fifteen_working_days() {
    let cal = Calendar::embedded();
    let mut r = received("2025-09-15");
    let started =
        Event::ConsultationStarted { on: d("2025-09-22"), delivered: d("2025-09-24"), party: Consulted::ThirdParty };
    r.apply(&cal, started).unwrap();
    assert!(matches!(r.state(), State::Consulting { .. }));
    assert_eq!(r.consultation_window(&cal).unwrap(), Some(d("2025-10-21")));
    // Never "paused forever": the due date is there, and it can be overdue.
    assert_eq!(r.due(&cal).unwrap(), Some(d("2025-11-11")));
    let why = r.explain_deadline(&cal).unwrap();
    assert!(
        why.steps.iter().any(|s| s.contains("2025-09-24 送达") && s.contains("最迟 2025-10-21")),
        "{:#?}",
        why.steps
    );
    assert!(
        why.steps.iter().any(|s| s.contains("自 2025-10-21 的次日起恢复计算") && s.contains("第三十二条")),
        "{:#?}",
        why.steps
    );
    // Before the window ends the agency waits for the opinion ...
    let early = r.check(&cal, &Event::Answered { on: d("2025-10-21"), outcome: Outcome::Granted });
    assert!(early.unwrap_err().to_string().contains("请先登记“收到意见”"));
    // ... after it, it decides.
    r.apply(&cal, Event::Answered { on: d("2025-10-22"), outcome: Outcome::Granted }).unwrap();
    assert!(r.late_answer(&cal).unwrap().is_none());
}

/// An opinion that comes early shortens the stop: answered 10/09 (a
/// Thursday), stopped (9/22, 10/09] only. Counted: 9/16–19, 9/22 (5), 10/10
/// (6), Sat 10/11 (7), 10/13–17 (12), 10/20–24 (17), 10/27–29 (20).
#[test]
fn an_early_opinion_resumes_the_clock_that_day() {
    let cal = Calendar::embedded();
    let mut r = received("2025-09-15");
    r.apply(
        &cal,
        Event::ConsultationStarted { on: d("2025-09-22"), delivered: d("2025-09-22"), party: Consulted::ThirdParty },
    )
    .unwrap();
    r.apply(&cal, Event::ConsultationEnded { on: d("2025-10-09") }).unwrap();
    assert_eq!(r.due(&cal).unwrap(), Some(d("2025-10-29")));
}

/// 第三十四条: another agency's silence counts as consent; the window is the same.
#[test]
fn a_co_producing_agencys_silence_is_consent() {
    let cal = Calendar::embedded();
    let mut r = received("2025-09-15");
    r.apply(
        &cal,
        Event::ConsultationStarted { on: d("2025-09-22"), delivered: d("2025-09-24"), party: Consulted::Agency },
    )
    .unwrap();
    let why = r.explain_deadline(&cal).unwrap();
    assert!(why.steps.iter().any(|s| s.contains("视为同意公开") && s.contains("第三十四条")), "{:#?}", why.steps);
    assert_eq!(why.due, d("2025-11-11"));
}

#[test]
fn still_unclear_needs_a_correction_first() {
    let cal = Calendar::embedded();
    let unclear = Outcome::Unavailable(UnavailableReason::StillUnclear);
    let mut r = received("2025-03-03");
    let e = r.check(&cal, &Event::Answered { on: d("2025-03-10"), outcome: unclear }).unwrap_err();
    assert!(e.to_string().contains("未告知补正"), "{e}");
    assert!(!r.allowed_outcomes().contains(&unclear));
    r.apply(&cal, Event::CorrectionRequested { on: d("2025-03-05"), reply_by: d("2025-03-20") }).unwrap();
    r.apply(&cal, Event::CorrectionReceived { on: d("2025-03-12") }).unwrap();
    assert!(r.allowed_outcomes().contains(&unclear));
    r.apply(&cal, Event::Answered { on: d("2025-03-20"), outcome: unclear }).unwrap();
}

/// Received Fri 2024-09-27, due Wed 2024-10-30 (国庆 between); answered Mon
/// 11-04: 10/31, 11/01, 11/04 — three working days late.
#[test]
fn a_late_answer_counts_its_working_days() {
    let cal = Calendar::embedded();
    let mut r = received("2024-09-27");
    assert_eq!(r.due(&cal).unwrap(), Some(d("2024-10-30")));
    let mut on_time = r.clone();
    r.apply(&cal, Event::Answered { on: d("2024-11-04"), outcome: Outcome::Granted }).unwrap();
    let late = r.late_answer(&cal).unwrap().unwrap();
    assert_eq!((late.due, late.workdays), (d("2024-10-30"), 3));
    on_time.apply(&cal, Event::Answered { on: d("2024-10-30"), outcome: Outcome::Granted }).unwrap();
    assert!(on_time.late_answer(&cal).unwrap().is_none());
}

/// 国办函〔2020〕109号: 20 working days from the day after the applicant
/// received the notice. Sent Mon 2025-03-03 by post, signed for Wed 03-05:
/// 3/6, 3/7 (2), 3/10–14 (7), 3/17–21 (12), 3/24–28 (17), 3/31, 4/1, 4/2 (20).
#[test]
fn the_payment_window_runs_from_the_applicants_receipt() {
    let cal = Calendar::embedded();
    let mut r = received("2025-02-28");
    r.apply(&cal, Event::FeeNoticed { on: d("2025-03-03"), yuan: 100, delivered: d("2025-03-05") }).unwrap();
    assert_eq!(r.payment_window(&cal).unwrap(), Some(d("2025-04-02")));
    assert!(r.check(&cal, &Event::FeePaid { on: d("2025-04-03") }).is_err());
    assert!(r.check(&cal, &Event::FeeLapsed { on: d("2025-04-02") }).is_err());
    assert!(r.check(&cal, &Event::FeePaid { on: d("2025-04-02") }).is_ok());
    r.apply(&cal, Event::FeeLapsed { on: d("2025-04-03") }).unwrap();
    let why = r.explain_deadline(&cal).unwrap();
    assert!(
        why.steps.iter().any(|s| s.contains("2025-03-05 送达申请人") && s.contains("最迟 2025-04-02")),
        "{:#?}",
        why.steps
    );
    // A delivery before the sending is refused.
    let mut r = received("2025-02-28");
    assert!(r.apply(&cal, Event::FeeNoticed { on: d("2025-03-03"), yuan: 100, delivered: d("2025-03-02") }).is_err());
}

/// What the forms offer is what the law allows on the day, with the reason.
#[test]
fn allowed_events_say_what_is_not_allowed_and_why() {
    let cal = Calendar::embedded();
    let r = received("2025-03-03");
    let refused = |r: &Request, on: &str, key: &str| {
        r.allowed_events(&cal, d(on)).into_iter().find(|a| a.key == key).unwrap().refused
    };
    // 补正 within 7 working days of receipt (最迟 2025-03-12), not after.
    assert_eq!(refused(&r, "2025-03-12", "correction_requested"), None);
    let why = refused(&r, "2025-03-13", "correction_requested").unwrap();
    assert!(why.contains("最迟 2025-03-12"), "{why}");
    // Events of other states are refused by the state.
    assert!(refused(&r, "2025-03-05", "fee_paid").unwrap().starts_with("当前状态（办理中）"));
    // Once asked, never again.
    let mut asked = r.clone();
    asked.apply(&cal, Event::CorrectionRequested { on: d("2025-03-05"), reply_by: d("2025-03-20") }).unwrap();
    asked.apply(&cal, Event::CorrectionReceived { on: d("2025-03-10") }).unwrap();
    assert!(refused(&asked, "2025-03-11", "correction_requested").unwrap().contains("一次性"));
    // The outcomes an answer offers never include those recorded by their own events.
    let offered = r.allowed_outcomes();
    assert!(offered.iter().all(|o| !matches!(
        o,
        Outcome::Other(ogi_vocab::cells::OtherReason::OverdueCorrection | ogi_vocab::cells::OtherReason::OverdueFee)
            | Outcome::OtherUnsplit
    )));
    // 21 outcome rows of the 2021 template, less 逾期未补正, 逾期未缴费 and (no 补正 yet) 补正后仍不明确.
    assert_eq!(offered.len(), 18, "{offered:?}");
    assert_eq!(asked.allowed_outcomes().len(), 19);
}
