//! A 政府信息公开申请 and its statutory clock (条例第二十九条至第四十五条).
//!
//! A request is its receipt plus the events that happened to it; its state
//! and its due date are *computed* from them, never typed in. Every event is
//! checked against the state it arrives in: an illegal transition is an
//! error, and the request is unchanged.

use std::fmt;

use jiff::civil::Date;
use ogi_vocab::cells::{ApplicantColumn, OtherReason, Outcome, UnavailableReason};

use crate::calendar::{Calendar, CalendarError};

/// How the request arrived (第三十一条 decides its receipt date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// 当面提交: received the day it is handed in.
    InPerson,
    /// 邮寄, registered: the day the agency signs for it.
    RegisteredPost,
    /// 邮寄, ordinary letter: the day the office confirms with the requester.
    OrdinaryPost,
    /// 网络 (online form): the day both sides confirm.
    Online,
    /// 传真: the day both sides confirm.
    Fax,
    /// 电子邮件: the day both sides confirm.
    Email,
    /// 其他.
    Other,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::InPerson,
        Channel::RegisteredPost,
        Channel::OrdinaryPost,
        Channel::Online,
        Channel::Fax,
        Channel::Email,
        Channel::Other,
    ];

    /// The key stored and typed (`in_person`, `registered_post`, …).
    pub fn key(self) -> &'static str {
        match self {
            Channel::InPerson => "in_person",
            Channel::RegisteredPost => "registered_post",
            Channel::OrdinaryPost => "ordinary_post",
            Channel::Online => "online",
            Channel::Fax => "fax",
            Channel::Email => "email",
            Channel::Other => "other",
        }
    }

    /// A channel by its key or its Chinese label.
    pub fn from_key(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.key() == s || c.label() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::InPerson => "当面",
            Channel::RegisteredPost => "邮寄（挂号）",
            Channel::OrdinaryPost => "邮寄（平信）",
            Channel::Online => "网络",
            Channel::Fax => "传真",
            Channel::Email => "电子邮件",
            Channel::Other => "其他",
        }
    }

    /// Whether the receipt date is a confirmation with the requester rather
    /// than the day the request arrived (第三十一条).
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Channel::OrdinaryPost | Channel::Online | Channel::Fax | Channel::Email)
    }
}

/// The deadlines of the 条例, in working days.
pub mod limits {
    /// 第三十三条: answer within 20 working days of receipt.
    pub const ANSWER: u32 = 20;
    /// 第三十三条: one extension of at most 20 working days.
    pub const MAX_EXTENSION: u32 = 20;
    /// 第三十条: ask for corrections within 7 working days of receipt.
    pub const CORRECTION_NOTICE: u32 = 7;
    /// 第三十二条: a third party has 15 working days to give its view.
    pub const CONSULTATION: u32 = 15;
    /// 国办函〔2020〕109号: pay within 20 working days of receiving the fee notice.
    pub const FEE_PAYMENT: u32 = 20;
}

/// Something that happened to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// 补正告知 (第三十条): once, within 7 working days of receipt.
    CorrectionRequested {
        on: Date,
        reply_by: Date,
    },
    /// The corrected request arrived: the answer period counts again from here.
    CorrectionReceived {
        on: Date,
    },
    /// No correction by `reply_by`: the request ends (other.overdue_correction).
    CorrectionLapsed {
        on: Date,
    },
    /// 第三方/其他机关意见征询 (第三十二条、第三十四条): the clock pauses from
    /// the day the letter is sent until the opinion arrives, at most until
    /// 15 working days after the letter `delivered` (then it runs again).
    ConsultationStarted {
        on: Date,
        /// The day the letter reached them (default: the day it was sent).
        delivered: Date,
        party: Consulted,
    },
    ConsultationEnded {
        on: Date,
    },
    /// 延期 (第三十三条): once, at most 20 working days, before the deadline.
    Extended {
        on: Date,
        days: u32,
        approver: String,
    },
    /// 收费通知: the clock pauses until payment. The applicant pays within 20
    /// working days from the day after `delivered` (国办函〔2020〕109号).
    FeeNoticed {
        on: Date,
        yuan: u64,
        /// The day the applicant received the notice (default: the sending
        /// day for in-person, online and e-mail delivery; entered for post).
        delivered: Date,
    },
    FeePaid {
        on: Date,
    },
    /// Not paid in time: the request ends (other.overdue_fee).
    FeeLapsed {
        on: Date,
    },
    /// 答复: exactly one outcome of table 三.
    Answered {
        on: Date,
        outcome: Outcome,
    },
    /// The requester withdrew (counted as 其他处理·其他).
    Withdrawn {
        on: Date,
    },
}

/// Whom a request's consultation asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consulted {
    /// 第三十二条: a third party whose rights the information may touch; the
    /// agency decides if it does not answer in time.
    ThirdParty,
    /// 第三十四条: another agency that made the information with this one;
    /// silence within the window counts as consent.
    Agency,
}

impl Consulted {
    pub const ALL: [Consulted; 2] = [Consulted::ThirdParty, Consulted::Agency];

    pub fn key(self) -> &'static str {
        match self {
            Consulted::ThirdParty => "third_party",
            Consulted::Agency => "agency",
        }
    }

    pub fn from_key(s: &str) -> Option<Consulted> {
        Consulted::ALL.into_iter().find(|c| c.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Consulted::ThirdParty => "第三方",
            Consulted::Agency => "其他机关",
        }
    }

    /// The article, and what silence within the window means.
    pub fn silence(self) -> &'static str {
        match self {
            Consulted::ThirdParty => "第三方逾期未提出意见的，由本机关依照条例决定是否公开（第三十二条）",
            Consulted::Agency => "其他机关逾期未提出意见的，视为同意公开（第三十四条）",
        }
    }
}

impl Event {
    /// Whether recording the event needs a 负责人's decision (第三十三条:
    /// an extension; the answer is the agency's decision).
    pub fn needs_head(&self) -> bool {
        Event::kind_needs_head(self.key())
    }

    /// [`Event::needs_head`] by kind key.
    pub fn kind_needs_head(key: &str) -> bool {
        matches!(key, "extended" | "answered")
    }

    pub fn date(&self) -> Date {
        match self {
            Event::CorrectionRequested { on, .. }
            | Event::CorrectionReceived { on }
            | Event::CorrectionLapsed { on }
            | Event::ConsultationStarted { on, .. }
            | Event::ConsultationEnded { on }
            | Event::Extended { on, .. }
            | Event::FeeNoticed { on, .. }
            | Event::FeePaid { on }
            | Event::FeeLapsed { on }
            | Event::Answered { on, .. }
            | Event::Withdrawn { on } => *on,
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// The answer period is running.
    Open,
    /// Waiting for the requester's correction (the period starts again when it arrives).
    AwaitingCorrection { reply_by: Date },
    /// Waiting for a third party or another agency: the clock is stopped.
    Consulting { since: Date },
    /// Waiting for the fee: the clock is stopped.
    AwaitingPayment { since: Date, yuan: u64 },
    /// Ended, counted in table 三 under `outcome`.
    Closed { on: Date, outcome: Outcome },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The event cannot happen in the request's state.
    Illegal {
        event: &'static str,
        state: String,
        why: String,
    },
    Calendar(CalendarError),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Illegal { event, state, why } => write!(f, "不能在“{state}”状态下登记“{event}”：{why}"),
            RequestError::Calendar(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RequestError {}

impl From<CalendarError> for RequestError {
    fn from(e: CalendarError) -> Self {
        RequestError::Calendar(e)
    }
}

/// A request: its receipt and the events after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub channel: Channel,
    pub applicant: ApplicantColumn,
    /// The receipt date of 第三十一条.
    pub received: Date,
    events: Vec<Event>,
}

impl Request {
    /// A request received by `channel` on the day the request `arrived`;
    /// for channels that need it, `confirmed` is the day of confirmation with
    /// the requester, which is then the receipt date (第三十一条).
    pub fn receive(
        channel: Channel,
        applicant: ApplicantColumn,
        arrived: Date,
        confirmed: Option<Date>,
    ) -> Result<Request, RequestError> {
        let illegal =
            |why: &str| RequestError::Illegal { event: "收到申请", state: "新申请".into(), why: why.into() };
        if applicant == ApplicantColumn::Total {
            return Err(illegal("申请人类型不能是“总计”"));
        }
        let received = match (channel.needs_confirmation(), confirmed) {
            (true, Some(c)) if c >= arrived => c,
            (true, Some(_)) => return Err(illegal("确认日期早于收到日期")),
            (true, None) => return Err(illegal("该渠道以双方确认之日为收到申请之日，须登记确认日期")),
            (false, _) => arrived,
        };
        Ok(Request { channel, applicant, received, events: Vec::new() })
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The current state, from the events.
    pub fn state(&self) -> State {
        let mut s = State::Open;
        for e in &self.events {
            s = next_state(&s, e);
        }
        s
    }

    /// Appends an event if the law allows it in the current state.
    pub fn apply(&mut self, cal: &Calendar, event: Event) -> Result<(), RequestError> {
        self.check(cal, &event)?;
        self.events.push(event);
        Ok(())
    }

    /// Whether the law allows `event` now (what [`Request::apply`] decides,
    /// without applying it).
    pub fn check(&self, cal: &Calendar, event: &Event) -> Result<(), RequestError> {
        let state = self.state();
        let name = event.label();
        let illegal = |why: String| RequestError::Illegal { event: name, state: state.label().into(), why };
        let last = self.events.last().map_or(self.received, Event::date);
        if event.date() < last {
            return Err(illegal(format!("日期 {} 早于上一事项（{last}）", event.date())));
        }
        if let State::Closed { .. } = state {
            return Err(illegal("申请已办结".into()));
        }
        let count = |f: fn(&Event) -> bool| self.events.iter().filter(|e| f(e)).count();
        // A consultation whose window has run out: the clock runs again and
        // the agency goes on as if the request were open (第三十二条、第三十四条).
        let window = self.consultation_window(cal)?;
        let open_again = matches!(state, State::Consulting { .. }) && window.is_some_and(|w| event.date() > w);
        let open = matches!(state, State::Open) || open_again;
        let due_check = |what: &str| -> Result<(), RequestError> {
            if let Some(due) = self.due(cal)? {
                if event.date() > due {
                    return Err(illegal(format!("{what}应在答复期限（最迟 {due}）内")));
                }
            }
            Ok(())
        };
        match (&state, event) {
            (State::Open, Event::CorrectionRequested { on, reply_by }) => {
                if count(|e| matches!(e, Event::CorrectionRequested { .. })) > 0 {
                    return Err(illegal("补正只能一次性告知".into()));
                }
                let limit = cal.add_workdays(self.received, limits::CORRECTION_NOTICE)?;
                if *on > limit {
                    return Err(illegal(format!("补正告知应在收到申请后 7 个工作日内发出（最迟 {limit}）")));
                }
                if reply_by <= on {
                    return Err(illegal("补正期限须晚于告知日期".into()));
                }
            }
            (State::AwaitingCorrection { reply_by }, Event::CorrectionReceived { on }) => {
                if on > reply_by {
                    return Err(illegal(format!("补正期限（最迟 {reply_by}）已过，应登记“逾期未补正”")));
                }
            }
            (State::AwaitingCorrection { reply_by }, Event::CorrectionLapsed { on }) => {
                if on <= reply_by {
                    return Err(illegal(format!("补正期限尚未届满（最迟 {reply_by}）")));
                }
            }
            (State::AwaitingCorrection { .. }, Event::Withdrawn { .. }) => {}
            (State::Open, Event::ConsultationStarted { on, delivered, .. }) => {
                if delivered < on {
                    return Err(illegal("送达日期不能早于发出日期".into()));
                }
                due_check("征求意见")?;
            }
            (State::Consulting { .. }, Event::ConsultationEnded { .. }) => {}
            (_, Event::Extended { days, approver, .. }) if open => {
                if count(|e| matches!(e, Event::Extended { .. })) > 0 {
                    return Err(illegal("延期只能一次".into()));
                }
                if *days == 0 || *days > limits::MAX_EXTENSION {
                    return Err(illegal("延长期限最长 20 个工作日".into()));
                }
                if approver.trim().is_empty() {
                    return Err(illegal("延期须经政府信息公开工作机构负责人同意，须登记批准人".into()));
                }
                due_check("延期告知")?;
            }
            (_, Event::FeeNoticed { yuan, on, delivered }) if open => {
                if *yuan == 0 {
                    return Err(illegal("收费金额须大于 0".into()));
                }
                if delivered < on {
                    return Err(illegal("送达日期不能早于发出日期".into()));
                }
                due_check("收费通知")?;
            }
            (State::AwaitingPayment { .. }, Event::FeePaid { on }) => {
                let limit = self.payment_window(cal)?.unwrap_or(*on);
                if on > &limit {
                    return Err(illegal(format!("缴费期限（最迟 {limit}）已过，应登记“逾期未缴费”")));
                }
            }
            (State::AwaitingPayment { .. }, Event::FeeLapsed { on }) => {
                let limit = self.payment_window(cal)?.unwrap_or(*on);
                if on <= &limit {
                    return Err(illegal(format!("缴费期限尚未届满（最迟 {limit}）")));
                }
            }
            (_, Event::Answered { outcome, .. }) if open => {
                if matches!(outcome, Outcome::Other(OtherReason::OverdueCorrection | OtherReason::OverdueFee)) {
                    return Err(illegal("逾期未补正、逾期未缴费由相应事项登记，不作为答复结果".into()));
                }
                // The register counts in the 2021 rows; the old single row is
                // derived for a 2019-template report, never recorded.
                if *outcome == Outcome::OtherUnsplit {
                    return Err(illegal("“其他处理”须登记具体结果（如 other.other）".into()));
                }
                // 第三十条: only a request asked to correct can still be unclear after it.
                if *outcome == Outcome::Unavailable(UnavailableReason::StillUnclear)
                    && count(|e| matches!(e, Event::CorrectionRequested { .. })) == 0
                {
                    return Err(illegal("未告知补正的申请不能答复“补正后申请内容仍不明确”：请先登记补正告知".into()));
                }
            }
            (State::Consulting { .. }, Event::Answered { .. } | Event::Extended { .. } | Event::FeeNoticed { .. }) => {
                let w = window.map_or(String::new(), |w| format!("（最迟 {w}）"));
                return Err(illegal(format!("征求意见期限{w}届满前，请先登记“收到意见”")));
            }
            (State::Open | State::Consulting { .. } | State::AwaitingPayment { .. }, Event::Withdrawn { .. }) => {}
            _ => return Err(illegal("此状态下不能发生该事项".into())),
        }
        Ok(())
    }

    /// The open consultation's last day for an opinion: 15 working days from
    /// the day the letter reached the party (第三十二条、第三十四条).
    pub fn consultation_window(&self, cal: &Calendar) -> Result<Option<Date>, CalendarError> {
        let delivered = |e: &Event| match e {
            Event::ConsultationStarted { delivered, .. } => Some(*delivered),
            _ => None,
        };
        self.open_window(cal, matches!(self.state(), State::Consulting { .. }), delivered, limits::CONSULTATION)
    }

    /// The open fee notice's last day to pay: 20 working days from the day
    /// after the applicant received it (国办函〔2020〕109号).
    pub fn payment_window(&self, cal: &Calendar) -> Result<Option<Date>, CalendarError> {
        let delivered = |e: &Event| match e {
            Event::FeeNoticed { delivered, .. } => Some(*delivered),
            _ => None,
        };
        self.open_window(cal, matches!(self.state(), State::AwaitingPayment { .. }), delivered, limits::FEE_PAYMENT)
    }

    /// `days` working days from the delivery of the latest letter `delivered`
    /// picks out, while the state it opened (`open`) lasts.
    fn open_window(
        &self,
        cal: &Calendar,
        open: bool,
        delivered: impl Fn(&Event) -> Option<Date>,
        days: u32,
    ) -> Result<Option<Date>, CalendarError> {
        match self.events.iter().rev().find_map(delivered).filter(|_| open) {
            Some(d) => Ok(Some(cal.add_workdays(d, days)?)),
            None => Ok(None),
        }
    }

    /// Every kind of event (as [`Event::KINDS`]) and whether the law allows
    /// it `on` that day, with the reason when it does not. Pages and the API
    /// offer exactly the allowed ones.
    pub fn allowed_events(&self, cal: &Calendar, on: Date) -> Vec<AllowedEvent> {
        let last = self.events.last().map_or(self.received, Event::date);
        let on = on.max(last);
        let later = on.checked_add(jiff::Span::new().days(15)).unwrap_or(on);
        Event::KINDS
            .iter()
            .map(|(key, label)| {
                let probe = match *key {
                    "correction_requested" => Event::CorrectionRequested { on, reply_by: later },
                    "correction_received" => Event::CorrectionReceived { on },
                    "correction_lapsed" => Event::CorrectionLapsed { on },
                    "consultation_started" => {
                        Event::ConsultationStarted { on, delivered: on, party: Consulted::ThirdParty }
                    }
                    "consultation_ended" => Event::ConsultationEnded { on },
                    "extended" => Event::Extended { on, days: 1, approver: "负责人".into() },
                    "fee_noticed" => Event::FeeNoticed { on, yuan: 1, delivered: on },
                    "fee_paid" => Event::FeePaid { on },
                    "fee_lapsed" => Event::FeeLapsed { on },
                    "answered" => Event::Answered { on, outcome: Outcome::Granted },
                    _ => Event::Withdrawn { on },
                };
                let refused = match self.check(cal, &probe) {
                    Ok(()) => None,
                    Err(RequestError::Illegal { why, .. }) if why == "此状态下不能发生该事项" => {
                        Some(format!("当前状态（{}）下不能登记", self.state().label()))
                    }
                    Err(RequestError::Illegal { why, .. }) => Some(why),
                    Err(RequestError::Calendar(e)) => Some(e.to_string()),
                };
                AllowedEvent { key, label, refused }
            })
            .collect()
    }

    /// The outcomes an answer may record now: table 三's 2021 rows, less
    /// those recorded by their own events (逾期未补正, 逾期未缴费), the old
    /// single 其他处理 row, and 补正后仍不明确 for a request never asked to correct.
    pub fn allowed_outcomes(&self) -> Vec<Outcome> {
        let corrected = self.events.iter().any(|e| matches!(e, Event::CorrectionRequested { .. }));
        ogi_vocab::cells::T3Row::outcomes(ogi_vocab::cells::Template::Y2021)
            .into_iter()
            .filter(|o| {
                !matches!(
                    o,
                    Outcome::Other(OtherReason::OverdueCorrection | OtherReason::OverdueFee) | Outcome::OtherUnsplit
                ) && (corrected || *o != Outcome::Unavailable(UnavailableReason::StillUnclear))
            })
            .collect()
    }

    /// An answer given after its due date: the due date it missed and by how
    /// many working days (what evaluators count first).
    pub fn late_answer(&self, cal: &Calendar) -> Result<Option<LateAnswer>, CalendarError> {
        let Some((Event::Answered { on, .. }, before)) = self.events.split_last() else { return Ok(None) };
        let due = self.as_of(before.len()).explain_deadline(cal)?.due;
        match *on > due {
            true => Ok(Some(LateAnswer { due, workdays: cal.workdays_between(due, *on)? })),
            false => Ok(None),
        }
    }

    /// The request as it stood after its first `n` events (for a letter
    /// written then, or the deadline an answer was given against).
    pub fn as_of(&self, n: usize) -> Request {
        let mut earlier = self.clone();
        earlier.events.truncate(n);
        earlier
    }

    /// Appends an event that was checked when it was first recorded (loading
    /// a stored request); use [`Request::apply`] for anything new.
    pub fn replay(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The answer deadline, computed from the receipt and the events: 20
    /// working days (plus an extension) from receipt, or from the day a
    /// correction arrived; days waiting for a consultation or a fee are not
    /// counted. While a consultation is open, the date it would be if no
    /// opinion came within the window. `None` while the clock is stopped
    /// (awaiting correction or payment) and once the request is closed.
    pub fn due(&self, cal: &Calendar) -> Result<Option<Date>, CalendarError> {
        match self.state() {
            // A consultation stops the clock only until its window ends.
            State::Open | State::Consulting { .. } => Ok(Some(self.deadline(cal)?)),
            _ => Ok(None),
        }
    }

    /// [`Request::due`] with whether it is provisional (暂定), as every
    /// screen, letter, list and export shows it.
    pub fn due_status(&self, cal: &Calendar) -> Result<Option<Due>, CalendarError> {
        Ok(self.due(cal)?.map(|date| Due::new(cal, self.received, date)))
    }

    fn deadline(&self, cal: &Calendar) -> Result<Date, CalendarError> {
        Ok(self.explain_deadline(cal)?.due)
    }

    /// The answer deadline step by step, as a clerk defends it to a requester
    /// or a court: the receipt date and why, each event that moved the clock,
    /// the days counted and every day skipped (weekends, holidays, stopped
    /// time), and the working weekends counted. The deadline of an open
    /// request is [`Request::due`]; this also explains it while the clock is stopped.
    pub fn explain_deadline(&self, cal: &Calendar) -> Result<DueExplanation, CalendarError> {
        let mut steps = Vec::new();
        steps.push(match self.channel.needs_confirmation() {
            true => format!(
                "{} 收到申请（{}提交，以与申请人确认之日为收到申请之日，条例第三十一条）",
                self.received,
                self.channel.label()
            ),
            false => format!("{} 收到申请（{}提交，条例第三十一条）", self.received, self.channel.label()),
        });
        let mut start = self.received;
        let mut budget = limits::ANSWER;
        // Stopped intervals (from, to]: working days in them are not counted.
        let mut stopped: Vec<(Date, Date)> = Vec::new();
        // An open consultation: (sent, last day for an opinion, whom).
        let mut consult: Option<(Date, Date, Consulted)> = None;
        let mut fee: Option<Date> = None;
        for e in &self.events {
            match e {
                Event::CorrectionRequested { on, reply_by } => steps.push(format!(
                    "{on} 告知补正，补正期限最迟 {reply_by}；答复期限自收到补正之日起重新计算（第三十条）"
                )),
                Event::CorrectionReceived { on } => {
                    start = *on;
                    stopped.clear();
                    steps.push(format!("{on} 收到补正，答复期限自此重新计算（第三十条）"));
                }
                Event::ConsultationStarted { on, delivered, party } => {
                    let cap = cal.add_workdays(*delivered, limits::CONSULTATION)?;
                    let received = match delivered == on {
                        true => String::new(),
                        false => format!("，{delivered} 送达"),
                    };
                    steps.push(format!(
                        "{on} 发出征求{}意见书{received}，{}应在送达后 15 个工作日内（最迟 {cap}）提出意见；所需时间不计算在答复期限内（{}）",
                        party.label(),
                        party.label(),
                        if *party == Consulted::ThirdParty { "第三十二条" } else { "第三十四条" }
                    ));
                    consult = Some((*on, cap, *party));
                }
                Event::FeeNoticed { on, yuan, delivered } => {
                    if let Some((p, cap, party)) = consult.take() {
                        steps.push(lapsed_consultation(cal, p, cap, party)?);
                        stopped.push((p, cap));
                    }
                    fee = Some(*on);
                    let pay_by = cal.add_workdays(*delivered, limits::FEE_PAYMENT)?;
                    steps.push(format!(
                        "{on} 发出收费通知 {yuan} 元，{delivered} 送达申请人，自送达次日起 20 个工作日内缴费（最迟 {pay_by}）；缴费前答复期限中止（国办函〔2020〕109号）"
                    ));
                }
                Event::ConsultationEnded { on } => {
                    // Waiting past the window is not a reason to stop the clock.
                    if let Some((p, cap, party)) = consult.take() {
                        let until = (*on).min(cap);
                        let n = cal.workdays_between(p, until)?;
                        let capped = if *on > cap {
                            format!("（超过 15 个工作日的部分照常计算，至 {cap} 止）")
                        } else {
                            String::new()
                        };
                        steps.push(format!(
                            "{on} 收到{}意见：{p} 至 {until} 不计算在答复期限内，共 {n} 个工作日{capped}",
                            party.label()
                        ));
                        stopped.push((p, until));
                    }
                }
                Event::FeePaid { on } => {
                    if let Some(p) = fee.take() {
                        let n = cal.workdays_between(p, *on)?;
                        steps.push(format!("{on} 缴费，{p} 至 {on} 不计算在答复期限内，共 {n} 个工作日"));
                        stopped.push((p, *on));
                    }
                }
                Event::Extended { on, days, approver } => {
                    budget += days;
                    steps.push(format!("{on} 经 {approver} 同意延期 {days} 个工作日（第三十三条第二款）"));
                }
                _ => {}
            }
        }
        // Still consulting: the clock runs again after the window.
        if let Some((p, cap, party)) = consult {
            steps.push(lapsed_consultation(cal, p, cap, party)?);
            stopped.push((p, cap));
        }
        steps.push(match budget - limits::ANSWER {
            0 => format!("答复期限为 {} 个工作日，自 {start} 的次日起算", limits::ANSWER),
            extra => format!("答复期限为 {} + {extra} = {budget} 个工作日，自 {start} 的次日起算", limits::ANSWER),
        });
        let mut d = start;
        let mut counted = 0;
        let mut skipped: Vec<(Date, Date, Skip)> = Vec::new();
        let mut worked_weekends = Vec::new();
        while counted < budget {
            d = d.tomorrow().map_err(|_| CalendarError::UnknownYear { date: d })?;
            let skip = if stopped.iter().any(|&(a, b)| d > a && d <= b) {
                Some(Skip::Stopped)
            } else if !cal.is_workday(d)? {
                Some(if is_weekend(d) && holiday_name(d, cal).is_none() { Skip::Weekend } else { Skip::Holiday })
            } else {
                None
            };
            match skip {
                Some(kind) => match skipped.last_mut() {
                    Some((_, to, k)) if *k == kind && to.tomorrow().ok() == Some(d) => *to = d,
                    _ => skipped.push((d, d, kind)),
                },
                None => {
                    counted += 1;
                    if is_weekend(d) {
                        worked_weekends.push(d);
                    }
                }
            }
        }
        let weekends: usize = skipped.iter().filter(|s| s.2 == Skip::Weekend).map(|(a, b, _)| days(*a, *b)).sum();
        if weekends > 0 {
            steps.push(format!("跳过周末 {weekends} 天"));
        }
        for (a, b, _) in skipped.iter().filter(|s| s.2 == Skip::Holiday) {
            let name = holiday_name(*a, cal).or_else(|| holiday_name(*b, cal)).unwrap_or("法定节假日");
            let span = if a == b { a.to_string() } else { format!("{a} 至 {b}") };
            steps.push(format!("跳过{name}假期 {span}，共 {} 天", days(*a, *b)));
        }
        for w in &worked_weekends {
            steps.push(format!("{w} 为调休上班日，计入工作日"));
        }
        let provisional = cal.provisional_years(start, d);
        for y in &provisional {
            let days = cal.statutory(*y).map(|s| s.describe()).unwrap_or_default();
            steps.push(format!(
                "{y} 年的节假日安排（国务院办公厅通知）尚未载入：该年暂按《全国年节及纪念日放假办法》规定的法定节假日计算（{days}），不含调休；载入该年安排后自动重新计算"
            ));
        }
        match provisional.is_empty() {
            true => steps.push(format!("答复期限届满日：{d}")),
            false => steps.push(format!("答复期限届满日：{d}（暂定）")),
        }
        Ok(DueExplanation { due: d, steps, provisional })
    }
}

/// A due date, and the years it was counted through provisionally (their
/// holiday notices not loaded): a provisional date is never final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub date: Date,
    pub provisional: Vec<i16>,
}

impl Due {
    /// `date`, counted from `from` with `cal`.
    pub fn new(cal: &Calendar, from: Date, date: Date) -> Due {
        Due { date, provisional: cal.provisional_years(from, date) }
    }

    pub fn is_provisional(&self) -> bool {
        !self.provisional.is_empty()
    }

    /// Why the date is provisional, if it is.
    pub fn reason(&self) -> Option<String> {
        self.is_provisional().then(|| crate::calendar::provisional_reason(&self.provisional))
    }
}

/// "2027-01-04" or "2027-01-04（暂定）".
impl fmt::Display for Due {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.is_provisional() {
            false => write!(f, "{}", self.date),
            true => write!(f, "{}（暂定）", self.date),
        }
    }
}

/// The step of a consultation whose window ran out without an opinion.
fn lapsed_consultation(cal: &Calendar, p: Date, cap: Date, party: Consulted) -> Result<String, CalendarError> {
    let n = cal.workdays_between(p, cap)?;
    Ok(format!(
        "{p} 至 {cap} 征求{}意见，不计算在答复期限内，共 {n} 个工作日；期满未收到意见的，答复期限自 {cap} 的次日起恢复计算，{}",
        party.label(),
        party.silence()
    ))
}

/// One kind of event and whether it may be recorded now (see [`Request::allowed_events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedEvent {
    pub key: &'static str,
    pub label: &'static str,
    /// Why the law does not allow it now; `None` when it does.
    pub refused: Option<String>,
}

/// An answer after its due date (see [`Request::late_answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateAnswer {
    pub due: Date,
    /// Working days after the due date, the answer day counted.
    pub workdays: u32,
}

/// The answer deadline and how it was reached (see [`Request::explain_deadline`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueExplanation {
    pub due: Date,
    /// One Chinese sentence per step, in order.
    pub steps: Vec<String>,
    /// The years counted provisionally (their notices not loaded): the date
    /// is 暂定 while this is not empty.
    pub provisional: Vec<i16>,
}

impl DueExplanation {
    /// "2027-01-04" or "2027-01-04（暂定）".
    pub fn due_text(&self) -> String {
        match self.provisional.is_empty() {
            true => self.due.to_string(),
            false => format!("{}（暂定）", self.due),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    Weekend,
    Holiday,
    Stopped,
}

fn days(a: Date, b: Date) -> usize {
    b.since(a).map_or(1, |s| s.get_days() as usize + 1)
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday)
}

/// The name of the public holiday `d` falls in, from its place in the year
/// (the notices give dates, not names): a day off on a weekday, or a weekend
/// day inside a run of days off that includes a weekday holiday.
fn holiday_name(d: Date, cal: &Calendar) -> Option<&'static str> {
    // Find the run of days off around d; it is a holiday if any day of it is a weekday off.
    let off = |x: Date| cal.is_workday(x).map(|w| !w).unwrap_or(false);
    if !off(d) {
        return None;
    }
    let (mut a, mut b) = (d, d);
    while let Ok(p) = a.yesterday() {
        if !off(p) {
            break;
        }
        a = p;
    }
    while let Ok(n) = b.tomorrow() {
        if !off(n) {
            break;
        }
        b = n;
    }
    let mut x = a;
    let mut holiday = false;
    while x <= b {
        holiday |= !is_weekend(x);
        x = match x.tomorrow() {
            Ok(n) => n,
            Err(_) => break,
        };
    }
    if !holiday {
        return None;
    }
    let md = |x: Date| (x.month(), x.day());
    let contains = |m: i8, day: i8| {
        md(a) <= (m, day) && (m, day) <= md(b) && a.year() == b.year()
            || (a.year() != b.year() && ((m, day) >= md(a) || (m, day) <= md(b)))
    };
    Some(if contains(10, 1) {
        if a.month() == 9 {
            "中秋节、国庆节"
        } else {
            "国庆节"
        }
    } else if contains(1, 1) {
        "元旦"
    } else if matches!(a.month(), 1 | 2) {
        "春节"
    } else if a.month() == 4 {
        "清明节"
    } else if contains(5, 1) {
        "劳动节"
    } else if matches!(a.month(), 5 | 6) {
        "端午节"
    } else if matches!(a.month(), 9) {
        "中秋节"
    } else {
        "法定节假日"
    })
}

fn next_state(s: &State, e: &Event) -> State {
    match e {
        Event::CorrectionRequested { reply_by, .. } => State::AwaitingCorrection { reply_by: *reply_by },
        Event::CorrectionReceived { .. } | Event::ConsultationEnded { .. } | Event::FeePaid { .. } => State::Open,
        // The request ends when the correction period ends, whenever the
        // lapse is recorded (so it counts in that year's table 三).
        Event::CorrectionLapsed { on } => {
            let ended = match s {
                State::AwaitingCorrection { reply_by } => reply_by.tomorrow().unwrap_or(*on),
                _ => *on,
            };
            State::Closed { on: ended, outcome: Outcome::Other(OtherReason::OverdueCorrection) }
        }
        Event::ConsultationStarted { on, .. } => State::Consulting { since: *on },
        Event::Extended { .. } => s.clone(),
        Event::FeeNoticed { on, yuan, .. } => State::AwaitingPayment { since: *on, yuan: *yuan },
        Event::FeeLapsed { on } => State::Closed { on: *on, outcome: Outcome::Other(OtherReason::OverdueFee) },
        Event::Answered { on, outcome } => State::Closed { on: *on, outcome: *outcome },
        Event::Withdrawn { on } => State::Closed { on: *on, outcome: Outcome::Other(OtherReason::Other) },
    }
}

impl Event {
    /// Every kind of event: its key (as stored and in the API) and its Chinese name.
    pub const KINDS: [(&'static str, &'static str); 11] = [
        ("correction_requested", "补正告知"),
        ("correction_received", "收到补正"),
        ("correction_lapsed", "逾期未补正"),
        ("consultation_started", "征求意见"),
        ("consultation_ended", "收到意见"),
        ("extended", "延期答复"),
        ("fee_noticed", "收费通知"),
        ("fee_paid", "缴费"),
        ("fee_lapsed", "逾期未缴费"),
        ("answered", "答复"),
        ("withdrawn", "撤回申请"),
    ];

    /// What the event recorded, in Chinese, as the timeline and `ogi request
    /// show` print it ("补正期限 2025-03-25", "延长 10 个工作日，批准人：王主任").
    pub fn details(&self) -> String {
        let outcome = |o: Outcome| ogi_vocab::cells::T3Row::Outcome(o).label();
        match self {
            Event::CorrectionRequested { reply_by, .. } => format!("补正期限 {reply_by}"),
            Event::CorrectionReceived { .. } => "答复期限重新计算".into(),
            Event::CorrectionLapsed { .. } => outcome(Outcome::Other(OtherReason::OverdueCorrection)),
            Event::ConsultationStarted { on, delivered, party } => match on == delivered {
                true => format!("征求{}意见，期限中止", party.label()),
                false => format!("征求{}意见，{delivered} 送达，期限中止", party.label()),
            },
            Event::ConsultationEnded { .. } | Event::FeePaid { .. } => "期限恢复计算".into(),
            Event::Extended { days, approver, .. } => format!("延长 {days} 个工作日，批准人：{approver}"),
            Event::FeeNoticed { yuan, on, delivered } => match on == delivered {
                true => format!("{yuan} 元，缴费前期限中止"),
                false => format!("{yuan} 元，{delivered} 送达，缴费前期限中止"),
            },
            Event::FeeLapsed { .. } => outcome(Outcome::Other(OtherReason::OverdueFee)),
            Event::Answered { outcome: o, .. } => outcome(*o),
            Event::Withdrawn { .. } => outcome(Outcome::Other(OtherReason::Other)),
        }
    }

    /// The event as the applicant's tracking page tells it: no staff names,
    /// nothing internal.
    pub fn for_applicant(&self) -> String {
        let outcome = |o: Outcome| ogi_vocab::cells::T3Row::Outcome(o).label();
        match self {
            Event::CorrectionRequested { reply_by, .. } => {
                format!("告知补正：请于 {reply_by} 前补正申请（条例第三十条）")
            }
            Event::CorrectionReceived { .. } => "收到补正，答复期限自当日起重新计算".into(),
            Event::CorrectionLapsed { .. } => {
                format!("已办结：{}", outcome(Outcome::Other(OtherReason::OverdueCorrection)))
            }
            Event::ConsultationStarted { party, .. } => {
                format!("征求{}意见（所需时间不计入答复期限）", party.label())
            }
            Event::ConsultationEnded { .. } => "征求意见结束，答复期限恢复计算".into(),
            Event::Extended { days, .. } => format!("延长答复期限 {days} 个工作日（条例第三十三条）"),
            Event::FeeNoticed { yuan, .. } => format!("收费通知：信息处理费 {yuan} 元，缴费前答复期限中止"),
            Event::FeePaid { .. } => "已缴费，答复期限恢复计算".into(),
            Event::FeeLapsed { .. } => format!("已办结：{}", outcome(Outcome::Other(OtherReason::OverdueFee))),
            Event::Answered { outcome: o, .. } => format!("已答复：{}", outcome(*o)),
            Event::Withdrawn { .. } => "申请人撤回申请".into(),
        }
    }

    /// The event's kind key, one of [`Event::KINDS`].
    pub fn key(&self) -> &'static str {
        Event::KINDS[self.kind_index()].0
    }

    /// The event's kind in Chinese.
    pub fn label(&self) -> &'static str {
        Event::KINDS[self.kind_index()].1
    }

    fn kind_index(&self) -> usize {
        match self {
            Event::CorrectionRequested { .. } => 0,
            Event::CorrectionReceived { .. } => 1,
            Event::CorrectionLapsed { .. } => 2,
            Event::ConsultationStarted { .. } => 3,
            Event::ConsultationEnded { .. } => 4,
            Event::Extended { .. } => 5,
            Event::FeeNoticed { .. } => 6,
            Event::FeePaid { .. } => 7,
            Event::FeeLapsed { .. } => 8,
            Event::Answered { .. } => 9,
            Event::Withdrawn { .. } => 10,
        }
    }
}

impl State {
    /// The state's key (as stored and in lists and the API).
    pub fn key(&self) -> &'static str {
        match self {
            State::Open => "open",
            State::AwaitingCorrection { .. } => "correction",
            State::Consulting { .. } => "consulting",
            State::AwaitingPayment { .. } => "payment",
            State::Closed { .. } => "closed",
        }
    }

    /// The state in Chinese.
    pub fn label(&self) -> &'static str {
        match self {
            State::Open => "办理中",
            State::AwaitingCorrection { .. } => "等待补正",
            State::Consulting { .. } => "征求意见中",
            State::AwaitingPayment { .. } => "等待缴费",
            State::Closed { .. } => "已办结",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use ogi_vocab::cells::DenialReason;

    fn cal() -> Calendar {
        Calendar::embedded()
    }

    fn counter(on: Date) -> Request {
        Request::receive(Channel::InPerson, ApplicantColumn::Natural, on, None).unwrap()
    }

    fn granted(on: Date) -> Event {
        Event::Answered { on, outcome: Outcome::Granted }
    }

    #[test]
    fn receipt_date_follows_the_channel() {
        let r =
            Request::receive(Channel::Online, ApplicantColumn::Commercial, date(2024, 3, 1), Some(date(2024, 3, 4)))
                .unwrap();
        assert_eq!(r.received, date(2024, 3, 4));
        assert!(Request::receive(Channel::Email, ApplicantColumn::Natural, date(2024, 3, 1), None).is_err());
        assert!(
            Request::receive(Channel::Fax, ApplicantColumn::Natural, date(2024, 3, 4), Some(date(2024, 3, 1))).is_err()
        );
        assert_eq!(
            Request::receive(Channel::RegisteredPost, ApplicantColumn::Natural, date(2024, 3, 1), None)
                .unwrap()
                .received,
            date(2024, 3, 1)
        );
        assert!(Request::receive(Channel::InPerson, ApplicantColumn::Total, date(2024, 3, 1), None).is_err());
    }

    #[test]
    fn plain_deadline_is_twenty_working_days() {
        let r = counter(date(2024, 9, 27));
        assert_eq!(r.due(&cal()).unwrap(), Some(date(2024, 10, 30)));
    }

    #[test]
    fn correction_restarts_the_clock_from_its_arrival() {
        let c = cal();
        let mut r = counter(date(2024, 3, 1)); // Fri
        r.apply(&c, Event::CorrectionRequested { on: date(2024, 3, 5), reply_by: date(2024, 3, 20) }).unwrap();
        assert_eq!(r.due(&c).unwrap(), None, "no clock while waiting for the correction");
        r.apply(&c, Event::CorrectionReceived { on: date(2024, 3, 11) }).unwrap();
        // 20 working days from Mon 3/11: 3/12–15 (4), 3/18–22 (9), 3/25–29 (14), 4/1–3 (17), 4/4–6 清明, 4/7 Sun worked (18), 4/8 (19), 4/9 (20).
        assert_eq!(r.due(&c).unwrap(), Some(date(2024, 4, 9)));
        r.apply(&c, granted(date(2024, 4, 9))).unwrap();
        assert_eq!(r.state(), State::Closed { on: date(2024, 4, 9), outcome: Outcome::Granted });
    }

    #[test]
    fn consultation_days_are_not_counted() {
        let c = cal();
        let mut r = counter(date(2024, 3, 1));
        assert_eq!(r.due(&c).unwrap(), Some(date(2024, 3, 29)));
        r.apply(
            &c,
            Event::ConsultationStarted {
                on: date(2024, 3, 8),
                delivered: date(2024, 3, 8),
                party: Consulted::ThirdParty,
            },
        )
        .unwrap();
        // While it lasts, the date if no opinion came in the 15 working days
        // (to 3/29): 3/4–8 (5), 4/1–3 (8), 4/7 Sun worked (9), 4/8–12 (14), 4/15–19 (19), 4/22 (20).
        assert_eq!(r.due(&c).unwrap(), Some(date(2024, 4, 22)));
        r.apply(&c, Event::ConsultationEnded { on: date(2024, 3, 15) }).unwrap();
        // 3/11–15 (5 working days) not counted: 3/29 + 5 = 4/1, 4/2, 4/3, (清明 4/4–6) 4/7 worked, 4/8.
        assert_eq!(r.due(&c).unwrap(), Some(date(2024, 4, 8)));
    }

    #[test]
    fn an_extension_adds_its_days_once_and_before_the_deadline() {
        let c = cal();
        let mut r = counter(date(2024, 9, 27));
        r.apply(&c, Event::Extended { on: date(2024, 10, 28), days: 20, approver: "张三".into() }).unwrap();
        // 10/30 + 20 working days: 10/31 (1), 11/1 (2), 11/4–8 (7), 11/11–15 (12), 11/18–22 (17), 11/25–27 (20).
        assert_eq!(r.due(&c).unwrap(), Some(date(2024, 11, 27)));
        let again = r.apply(&c, Event::Extended { on: date(2024, 10, 29), days: 5, approver: "张三".into() });
        assert!(matches!(again, Err(RequestError::Illegal { .. })));
        let mut late = counter(date(2024, 9, 27));
        assert!(late.apply(&c, Event::Extended { on: date(2024, 10, 31), days: 10, approver: "张三".into() }).is_err());
        assert!(late.apply(&c, Event::Extended { on: date(2024, 10, 8), days: 21, approver: "张三".into() }).is_err());
        assert!(late.apply(&c, Event::Extended { on: date(2024, 10, 8), days: 10, approver: " ".into() }).is_err());
    }

    #[test]
    fn fee_wait_is_not_counted_and_not_paying_ends_the_request() {
        let c = cal();
        let mut r = counter(date(2024, 3, 1));
        r.apply(&c, Event::FeeNoticed { on: date(2024, 3, 8), yuan: 100, delivered: date(2024, 3, 8) }).unwrap();
        assert_eq!(r.due(&c).unwrap(), None);
        r.apply(&c, Event::FeePaid { on: date(2024, 3, 15) }).unwrap();
        assert_eq!(r.due(&c).unwrap(), Some(date(2024, 4, 8)));

        let mut r = counter(date(2024, 3, 1));
        r.apply(&c, Event::FeeNoticed { on: date(2024, 3, 8), yuan: 100, delivered: date(2024, 3, 8) }).unwrap();
        // 20 working days after 3/8 is 4/8 (清明 4/4–6, 4/7 worked): lapse only after it.
        assert!(r.apply(&c, Event::FeeLapsed { on: date(2024, 4, 8) }).is_err());
        r.apply(&c, Event::FeeLapsed { on: date(2024, 4, 9) }).unwrap();
        assert_eq!(r.state(), State::Closed { on: date(2024, 4, 9), outcome: Outcome::Other(OtherReason::OverdueFee) });
    }

    #[test]
    fn a_consultation_stops_the_clock_for_at_most_fifteen_working_days() {
        let c = cal();
        let mut r = counter(date(2024, 3, 1));
        r.apply(
            &c,
            Event::ConsultationStarted {
                on: date(2024, 3, 4),
                delivered: date(2024, 3, 4),
                party: Consulted::ThirdParty,
            },
        )
        .unwrap();
        r.apply(&c, Event::ConsultationEnded { on: date(2024, 9, 30) }).unwrap();
        // Paused 3/5–3/25 (15 working days): 3/29 + 15 = 4/22 (清明 4/4–6, 4/7 worked).
        assert_eq!(r.due(&c).unwrap(), Some(date(2024, 4, 22)));
    }

    #[test]
    fn fees_are_noticed_within_the_period_for_money_and_paid_in_time() {
        let c = cal();
        let mut r = counter(date(2024, 3, 1));
        assert!(r.apply(&c, Event::FeeNoticed { on: date(2024, 3, 8), yuan: 0, delivered: date(2024, 3, 8) }).is_err());
        assert!(
            r.apply(&c, Event::FeeNoticed { on: date(2024, 4, 1), yuan: 100, delivered: date(2024, 4, 1) }).is_err(),
            "after the 3/29 deadline"
        );
        r.apply(&c, Event::FeeNoticed { on: date(2024, 3, 8), yuan: 100, delivered: date(2024, 3, 8) }).unwrap();
        assert!(r.apply(&c, Event::FeePaid { on: date(2024, 8, 1) }).is_err(), "paid after 4/8");
        r.apply(&c, Event::FeePaid { on: date(2024, 4, 8) }).unwrap();
    }

    #[test]
    fn the_old_single_other_row_is_never_recorded() {
        let c = cal();
        let mut r = counter(date(2024, 3, 1));
        assert!(r.apply(&c, Event::Answered { on: date(2024, 3, 4), outcome: Outcome::OtherUnsplit }).is_err());
        r.apply(&c, Event::Answered { on: date(2024, 3, 4), outcome: Outcome::Other(OtherReason::Other) }).unwrap();
    }

    #[test]
    fn correction_rules() {
        let c = cal();
        // The notice must go out within 7 working days of receipt (3/1 → 3/12).
        let mut r = counter(date(2024, 3, 1));
        assert!(r
            .apply(&c, Event::CorrectionRequested { on: date(2024, 3, 13), reply_by: date(2024, 3, 30) })
            .is_err());
        r.apply(&c, Event::CorrectionRequested { on: date(2024, 3, 12), reply_by: date(2024, 3, 26) }).unwrap();
        assert!(r.apply(&c, Event::CorrectionReceived { on: date(2024, 3, 27) }).is_err(), "after the reply date");
        assert!(r.apply(&c, Event::CorrectionLapsed { on: date(2024, 3, 26) }).is_err(), "not yet lapsed");
        r.apply(&c, Event::CorrectionLapsed { on: date(2024, 3, 27) }).unwrap();
        assert_eq!(
            r.state(),
            State::Closed { on: date(2024, 3, 27), outcome: Outcome::Other(OtherReason::OverdueCorrection) }
        );
        // Closed the day after the reply date, whenever the lapse is recorded.
        let mut late = counter(date(2024, 12, 2));
        late.apply(&c, Event::CorrectionRequested { on: date(2024, 12, 3), reply_by: date(2024, 12, 17) }).unwrap();
        late.apply(&c, Event::CorrectionLapsed { on: date(2025, 1, 6) }).unwrap();
        assert!(matches!(late.state(), State::Closed { on, .. } if on == date(2024, 12, 18)));
        // Only once.
        let mut r = counter(date(2024, 3, 1));
        r.apply(&c, Event::CorrectionRequested { on: date(2024, 3, 4), reply_by: date(2024, 3, 20) }).unwrap();
        r.apply(&c, Event::CorrectionReceived { on: date(2024, 3, 6) }).unwrap();
        assert!(r.apply(&c, Event::CorrectionRequested { on: date(2024, 3, 7), reply_by: date(2024, 3, 20) }).is_err());
    }

    #[test]
    fn every_illegal_transition_is_refused_and_changes_nothing() {
        let c = cal();
        let d = date(2024, 3, 4);
        let all = |on: Date| {
            vec![
                Event::CorrectionRequested { on, reply_by: date(2024, 3, 29) },
                Event::CorrectionReceived { on },
                Event::CorrectionLapsed { on },
                Event::ConsultationStarted { on, delivered: on, party: Consulted::ThirdParty },
                Event::ConsultationEnded { on },
                Event::Extended { on, days: 5, approver: "李四".into() },
                Event::FeeNoticed { on, yuan: 100, delivered: on },
                Event::FeePaid { on },
                Event::FeeLapsed { on },
                Event::Answered { on, outcome: Outcome::Denied(DenialReason::StateSecret) },
                Event::Withdrawn { on },
            ]
        };
        // From each state, the events the law allows there; every other is refused.
        let mut open = counter(date(2024, 3, 1));
        let mut consulting = counter(date(2024, 3, 1));
        consulting
            .apply(
                &c,
                Event::ConsultationStarted {
                    on: date(2024, 3, 2),
                    delivered: date(2024, 3, 2),
                    party: Consulted::ThirdParty,
                },
            )
            .unwrap();
        let mut paying = counter(date(2024, 3, 1));
        paying.apply(&c, Event::FeeNoticed { on: date(2024, 3, 2), yuan: 100, delivered: date(2024, 3, 2) }).unwrap();
        let mut correcting = counter(date(2024, 3, 1));
        correcting.apply(&c, Event::CorrectionRequested { on: date(2024, 3, 2), reply_by: date(2024, 3, 20) }).unwrap();
        let mut closed = counter(date(2024, 3, 1));
        closed.apply(&c, granted(date(2024, 3, 2))).unwrap();
        let cases: [(&mut Request, &[&str]); 5] = [
            (&mut open, &["补正告知", "征求意见", "延期答复", "收费通知", "答复", "撤回申请"]),
            (&mut consulting, &["收到意见", "撤回申请"]),
            (&mut paying, &["缴费", "撤回申请"]),
            (&mut correcting, &["收到补正", "撤回申请"]),
            (&mut closed, &[]),
        ];
        for (r, allowed) in cases {
            for e in all(d) {
                let before = r.clone();
                let name = e.label();
                let mut probe = r.clone();
                let result = probe.apply(&c, e.clone());
                assert_eq!(result.is_ok(), allowed.contains(&name), "{name} in {:?}", r.state());
                if result.is_err() {
                    assert_eq!(probe, before, "{name}: a refused event changed the request");
                }
            }
        }
        // Events may not go back in time.
        let mut r = counter(date(2024, 3, 5));
        assert!(r.apply(&c, granted(date(2024, 3, 4))).is_err());
        // Lapses are events, not answers.
        assert!(r.apply(&c, Event::Answered { on: d, outcome: Outcome::Other(OtherReason::OverdueFee) }).is_err());
    }

    #[test]
    fn the_due_date_is_explained_step_by_step_with_the_holidays_it_skipped() {
        let cal = cal();
        let mut r = counter(date(2024, 9, 27));
        let e = r.explain_deadline(&cal).unwrap();
        assert_eq!(Some(e.due), r.due(&cal).unwrap());
        assert_eq!(e.due, date(2024, 10, 30));
        let text = e.steps.join("\n");
        assert!(text.contains("2024-09-27 收到申请（当面提交"), "{text}");
        assert!(text.contains("跳过国庆节假期 2024-10-01 至 2024-10-07，共 7 天"), "{text}");
        assert!(text.contains("2024-09-29 为调休上班日"), "{text}");
        assert!(text.contains("2024-10-12 为调休上班日"), "{text}");
        assert!(text.ends_with("答复期限届满日：2024-10-30"), "{text}");
        // An extension and a consultation are named with their articles and day counts.
        r.apply(
            &cal,
            Event::ConsultationStarted {
                on: date(2024, 10, 8),
                delivered: date(2024, 10, 8),
                party: Consulted::ThirdParty,
            },
        )
        .unwrap();
        r.apply(&cal, Event::ConsultationEnded { on: date(2024, 10, 15) }).unwrap();
        r.apply(&cal, Event::Extended { on: date(2024, 10, 20), days: 10, approver: "王主任".into() }).unwrap();
        let e = r.explain_deadline(&cal).unwrap();
        assert_eq!(Some(e.due), r.due(&cal).unwrap());
        let text = e.steps.join("\n");
        assert!(
            text.contains("2024-10-15 收到第三方意见：2024-10-08 至 2024-10-15 不计算在答复期限内，共 6 个工作日"),
            "{text}"
        );
        assert!(text.contains("经 王主任 同意延期 10 个工作日（第三十三条第二款）"), "{text}");
        assert!(text.contains("20 + 10 = 30 个工作日"), "{text}");
    }

    #[test]
    fn holidays_are_named_by_their_place_in_the_year() {
        let cal = cal();
        let name = |y, m, d| holiday_name(date(y, m, d), &cal);
        assert_eq!(name(2024, 2, 12), Some("春节"));
        assert_eq!(name(2023, 9, 29), Some("中秋节、国庆节"));
        assert_eq!(name(2024, 10, 5), Some("国庆节"));
        assert_eq!(name(2024, 5, 1), Some("劳动节"));
        assert_eq!(name(2024, 6, 10), Some("端午节"));
        assert_eq!(name(2024, 4, 4), Some("清明节"));
        assert_eq!(name(2024, 9, 16), Some("中秋节"));
        assert_eq!(name(2024, 1, 1), Some("元旦"));
        assert_eq!(name(2024, 3, 2), None, "an ordinary Saturday");
        assert_eq!(name(2024, 3, 4), None, "a working day");
    }
}
