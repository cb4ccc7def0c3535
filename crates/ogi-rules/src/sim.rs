//! A simulated register: requests with random but lawful lives (every
//! channel and applicant kind, every outcome family, corrections,
//! consultations, extensions, fees, lapses, withdrawals, carry-over). For
//! `ogi demo`, tests and benchmarks. Deterministic for a seed.

use jiff::civil::Date;
use ogi_report::cells::{ApplicantColumn, DenialReason, NotProcessedReason, OtherReason, Outcome, UnavailableReason};
use ogi_report::Number;

use crate::annual::{Art20Figures, Case, CaseKind, CaseResult, Document, DocumentKind};
use crate::calendar::Calendar;
use crate::request::{Channel, Event, Request, State};

/// A small deterministic generator (no dependency, reproducible by seed).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

fn outcome(rng: &mut Rng) -> Outcome {
    match rng.below(10) {
        0..=3 => Outcome::Granted,
        4 => Outcome::Partial,
        5 => Outcome::Denied(DenialReason::ALL[rng.below(8) as usize]),
        6 | 7 => Outcome::Unavailable(UnavailableReason::ALL[rng.below(3) as usize]),
        8 => Outcome::NotProcessed(NotProcessedReason::ALL[rng.below(5) as usize]),
        _ => Outcome::Other(OtherReason::Other),
    }
}

/// A random lawful life for a request that arrived on `day`.
pub fn request(cal: &Calendar, rng: &mut Rng, day: Date) -> Request {
    let channel = Channel::ALL[rng.below(7) as usize];
    // Most requesters are natural persons.
    let applicant =
        if rng.below(10) < 7 { ApplicantColumn::Natural } else { ApplicantColumn::KINDS[1 + rng.below(5) as usize] };
    let confirmed = channel.needs_confirmation().then(|| cal.add_workdays(day, rng.below(2) as u32).unwrap_or(day));
    let mut r = Request::receive(channel, applicant, day, confirmed).expect("a valid receipt");
    let mut today = r.received;
    let step = |d: Date, n: u32| cal.add_workdays(d, n).unwrap_or(d);
    for _ in 0..5 {
        let choice = rng.below(12);
        today = step(today, 1 + rng.below(8) as u32);
        let e = match (r.state(), choice) {
            (State::Open, 0) => Event::CorrectionRequested { on: today, reply_by: step(today, 10) },
            (State::Open, 1) => Event::ConsultationStarted { on: today },
            (State::Open, 2) => {
                Event::Extended { on: today, days: 1 + rng.below(20) as u32, approver: "公开办负责人".into() }
            }
            (State::Open, 3) => Event::FeeNoticed { on: today, yuan: 100 * (1 + rng.below(3)) },
            (State::Open, 4) => Event::Withdrawn { on: today },
            (State::Open, _) => Event::Answered { on: today, outcome: outcome(rng) },
            (State::AwaitingCorrection { reply_by }, c) if c < 8 => {
                Event::CorrectionReceived { on: today.min(reply_by) }
            }
            (State::AwaitingCorrection { reply_by }, _) => Event::CorrectionLapsed { on: step(reply_by, 1) },
            (State::Consulting { .. }, _) => Event::ConsultationEnded { on: today },
            (State::AwaitingPayment { since, .. }, c) if c < 9 => Event::FeePaid { on: today.min(step(since, 20)) },
            (State::AwaitingPayment { since, .. }, _) => Event::FeeLapsed { on: step(since, 21) },
            (State::Closed { .. }, _) => break,
        };
        // A draw the law does not allow (e.g. an extension after the deadline) is refused.
        let _ = r.apply(cal, e);
    }
    r
}

/// `n` requests arriving on working days from `first` over `span` working days.
pub fn requests(cal: &Calendar, seed: u64, n: usize, first: Date, span: u32) -> Vec<Request> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let day = cal.add_workdays(first, rng.below(u64::from(span)) as u32).unwrap_or(first);
            request(cal, &mut rng, day)
        })
        .collect()
}

/// Simulated records for a year's report: documents issued and repealed
/// over the years before and in `year`, the year's 第二十条 figures, and
/// disclosure disputes, some still open at the end of the year before.
pub fn records(seed: u64, year: i16) -> (Vec<Document>, Art20Figures, Vec<Case>) {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let day = |rng: &mut Rng, y: i16| {
        Date::new(y, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8).expect("days 1–28 exist in every month")
    };
    let mut documents = Vec::new();
    for y in year - 4..=year {
        for _ in 0..2 + rng.below(6) {
            let kind = if rng.below(8) == 0 { DocumentKind::Regulation } else { DocumentKind::Normative };
            let issued = day(&mut rng, y);
            let repealed = if rng.below(4) == 0 {
                let ry = (y + 1 + rng.below(3) as i16).min(year + 1);
                Some(day(&mut rng, ry)).filter(|r| *r > issued)
            } else {
                None
            };
            let n = documents.len() + 1;
            documents.push(Document {
                kind,
                title: format!("关于规范第{n}类事项管理的办法"),
                number: format!("模规〔{y}〕{n}号"),
                issued,
                repealed,
            });
        }
    }
    let art20 = Art20Figures {
        licensing: rng.below(5000),
        penalty: rng.below(800),
        enforcement: rng.below(50),
        fees_wan: Number::from_scaled(i128::from(rng.below(1_000_000)), 2),
    };
    let mut cases = Vec::new();
    for _ in 0..(2 + rng.below(8)) {
        let kind = CaseKind::ALL[rng.below(3) as usize];
        let y = year - rng.below(2) as i16;
        let received = day(&mut rng, y);
        let decided = match rng.below(4) {
            0 => None,
            _ => {
                let on = received.checked_add(jiff::Span::new().days(30 + rng.below(200) as i64)).unwrap_or(received);
                Some((on, CaseResult::ALL[rng.below(3) as usize]))
            }
        };
        cases.push(Case { kind, received, summary: "对政府信息公开答复不服".into(), decided });
    }
    (documents, art20, cases)
}
