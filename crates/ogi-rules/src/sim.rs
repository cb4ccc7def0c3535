//! A simulated register: requests with random but lawful lives (every
//! channel and applicant kind, every outcome family, corrections,
//! consultations, extensions, fees, lapses, withdrawals, carry-over). For
//! `ogi demo`, tests and benchmarks. Deterministic for a seed.

use jiff::civil::Date;
use ogi_vocab::cells::{ApplicantColumn, DenialReason, NotProcessedReason, OtherReason, Outcome, UnavailableReason};
use ogi_vocab::Number;

use crate::annual::{Art20Figures, Case, CaseKind, CaseResult, Document, DocumentKind};
use crate::calendar::Calendar;
use crate::request::{Channel, Consulted, Event, Request, State};

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

/// A random outcome the request may be answered with (补正后仍不明确 only after a 补正).
fn lawful_outcome(r: &Request, rng: &mut Rng) -> Outcome {
    let o = outcome(rng);
    if r.allowed_outcomes().contains(&o) {
        o
    } else {
        Outcome::Unavailable(UnavailableReason::NotHeld)
    }
}

/// A random lawful life for a request that arrived on `day`.
pub fn request(cal: &Calendar, rng: &mut Rng, day: Date) -> Request {
    request_until(cal, rng, day, None)
}

/// A random lawful life that stops at `today` (nothing recorded after it);
/// a request whose answer would be due before `today` is closed by then, as
/// an office's register would be (a few are still answered late).
pub fn request_until(cal: &Calendar, rng: &mut Rng, day: Date, today: Option<Date>) -> Request {
    let channel = Channel::ALL[rng.below(7) as usize];
    // Most requesters are natural persons.
    let applicant =
        if rng.below(10) < 7 { ApplicantColumn::Natural } else { ApplicantColumn::KINDS[1 + rng.below(5) as usize] };
    let confirmed = channel.needs_confirmation().then(|| cal.add_workdays(day, rng.below(2) as u32).unwrap_or(day));
    let mut r = Request::receive(channel, applicant, day, confirmed).expect("a valid receipt");
    let mut on = r.received;
    let step = |d: Date, n: u32| cal.add_workdays(d, n).unwrap_or(d);
    let until = today.unwrap_or(Date::MAX);
    for _ in 0..5 {
        let choice = rng.below(12);
        on = step(on, 1 + rng.below(8) as u32);
        let e = match (r.state(), choice) {
            (State::Open, 0) => Event::CorrectionRequested { on, reply_by: step(on, 10) },
            (State::Open, 1) => Event::ConsultationStarted {
                on,
                delivered: step(on, rng.below(3) as u32),
                party: Consulted::ALL[rng.below(2) as usize],
            },
            (State::Open, 2) => {
                Event::Extended { on, days: 1 + rng.below(20) as u32, approver: "公开办负责人".into() }
            }
            (State::Open, 3) => {
                Event::FeeNoticed { on, yuan: 100 * (1 + rng.below(3)), delivered: step(on, rng.below(2) as u32) }
            }
            (State::Open, 4) => Event::Withdrawn { on },
            (State::Open, _) => Event::Answered { on, outcome: lawful_outcome(&r, rng) },
            (State::AwaitingCorrection { reply_by }, c) if c < 8 => Event::CorrectionReceived { on: on.min(reply_by) },
            (State::AwaitingCorrection { reply_by }, _) => Event::CorrectionLapsed { on: step(reply_by, 1) },
            (State::Consulting { .. }, _) => Event::ConsultationEnded { on },
            (State::AwaitingPayment { .. }, c) if c < 9 => {
                Event::FeePaid { on: on.min(r.payment_window(cal).ok().flatten().unwrap_or(on)) }
            }
            (State::AwaitingPayment { .. }, _) => {
                Event::FeeLapsed { on: step(r.payment_window(cal).ok().flatten().unwrap_or(on), 1) }
            }
            (State::Closed { .. }, _) => break,
        };
        if e.date() > until {
            break;
        }
        // A draw the law does not allow (e.g. an extension after the deadline) is refused.
        let _ = r.apply(cal, e);
    }
    // Before `today`, what was due has been done: answered (on time mostly,
    // late now and then), lapsed corrections and fees recorded.
    if let Some(today) = today {
        for _ in 0..4 {
            let last = r.events().last().map_or(r.received, Event::date);
            let next = match r.state() {
                State::AwaitingCorrection { reply_by } => Some(Event::CorrectionLapsed { on: step(reply_by, 1) }),
                State::AwaitingPayment { .. } => {
                    r.payment_window(cal).ok().flatten().map(|w| Event::FeeLapsed { on: step(w, 1) })
                }
                State::Open | State::Consulting { .. } => r.due(cal).ok().flatten().map(|due| {
                    let on = match rng.below(20) {
                        0 => step(due, 1 + rng.below(5) as u32),
                        _ => due.min(step(last, 1 + rng.below(5) as u32)),
                    };
                    Event::Answered { on: on.max(last), outcome: lawful_outcome(&r, rng) }
                }),
                State::Closed { .. } => None,
            };
            match next {
                Some(e) if e.date() < today => {
                    if r.apply(cal, e).is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
    }
    r
}

/// `n` requests arriving on working days from `first` over `span` working days.
pub fn requests(cal: &Calendar, seed: u64, n: usize, first: Date, span: u32) -> Vec<Request> {
    requests_until(cal, seed, n, first, span, None)
}

/// [`requests`] as an office's register stands on `today`: nothing arrives
/// or happens after it (arrivals are spread over the working days up to it).
pub fn requests_until(
    cal: &Calendar,
    seed: u64,
    n: usize,
    first: Date,
    span: u32,
    today: Option<Date>,
) -> Vec<Request> {
    let mut rng = Rng::new(seed);
    let span = match today {
        Some(t) if t >= first => span.min(cal.workdays_between(first, t).unwrap_or(span)),
        Some(_) => 0,
        None => span,
    };
    (0..n)
        .map(|_| {
            let day = cal.add_workdays(first, rng.below(u64::from(span)) as u32).unwrap_or(first);
            request_until(cal, &mut rng, day, today)
        })
        .filter(|r| today.is_none_or(|t| r.received <= t))
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
