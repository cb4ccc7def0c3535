//! A letter's [`Context`] from the register: the request as registered and
//! its events, the agency's details, and what staff typed for the letter
//! (补正事项, 延期理由, …; anything left blank is printed as 【请填写……】).
//! The deadlines a letter prints are counted here with `ogi-rules`, from the
//! events the letter is about.

use ogi_rules::request::{limits, Event, Request};
use ogi_rules::{Calendar, Date};
use ogi_vocab::cells::{ApplicantColumn, OtherReason, Outcome};
use serde::Deserialize;

use crate::{format_date, Answer, Context, Correction, Extension, Fee, FeeMethod, LetterError, LetterKind, ThirdParty};

/// Longest detail typed into a letter's form.
pub const MAX_DETAIL: usize = 2000;

/// A request as the register holds it: what letters print of it.
#[derive(Debug, Clone, Copy)]
pub struct Registered<'a> {
    pub code: &'a str,
    pub applicant_name: &'a str,
    pub summary: &'a str,
    pub request: &'a Request,
}

/// Why no letter can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextError {
    /// The request's events do not call for this letter.
    NotCalledFor,
    /// What was typed, or a deadline that cannot be counted, in Chinese.
    Bad(String),
}

/// Details typed for a letter (all optional; what is missing is printed as 【请填写……】).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LetterDetails {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub items: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub third_party: String,
    #[serde(default)]
    pub third_party_org: String,
    #[serde(default)]
    pub concern: String,
    #[serde(default)]
    pub fee_method: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub how_to_pay: String,
    #[serde(default)]
    pub reasons: String,
    #[serde(default)]
    pub provision: String,
    #[serde(default)]
    pub published: String,
    #[serde(default)]
    pub responsible_agency: String,
    /// When the letter reaches its addressee (a period the law counts "from
    /// receipt" starts there); the letter's date if not given.
    #[serde(default)]
    pub delivered: String,
}

impl LetterDetails {
    /// The day the addressee receives the letter sent on `sent`: as typed
    /// for this letter, else as the register recorded it.
    fn delivered(&self, sent: Date, recorded: Date) -> Result<Date, ContextError> {
        match self.delivered.trim() {
            "" => Ok(recorded),
            t => match t.parse::<Date>() {
                Ok(d) if d >= sent => Ok(d),
                Ok(_) => Err(ContextError::Bad("送达日期不能早于发出日期".into())),
                Err(_) => Err(ContextError::Bad("送达日期格式应为 2025-03-01".into())),
            },
        }
    }

    /// Refuses details too long for a letter.
    pub fn check(&self) -> Result<(), ContextError> {
        let fields = [
            &self.number,
            &self.items,
            &self.reason,
            &self.third_party,
            &self.concern,
            &self.basis,
            &self.how_to_pay,
            &self.reasons,
            &self.provision,
            &self.responsible_agency,
        ];
        if fields.iter().any(|f| f.chars().count() > MAX_DETAIL) {
            return Err(ContextError::Bad(format!("文书填写的内容过长（每项最多 {MAX_DETAIL} 字）")));
        }
        Ok(())
    }
}

/// `text`, or what to fill in when it is blank.
fn or_fill(text: &str, what: &str) -> String {
    match text.trim() {
        "" => format!("【请填写{what}】"),
        t => t.to_string(),
    }
}

/// The event a letter is about (its index), or `None` for the receipt.
/// `Err` when the request's events do not call for this letter.
fn event_of(r: &Request, kind: LetterKind) -> Result<Option<usize>, ContextError> {
    let matches = |e: &Event| match (kind, e) {
        (LetterKind::Correction, Event::CorrectionRequested { .. })
        | (LetterKind::Extension, Event::Extended { .. })
        | (LetterKind::ThirdParty, Event::ConsultationStarted { .. })
        | (LetterKind::Fee, Event::FeeNoticed { .. }) => true,
        (LetterKind::Answer(o), Event::Answered { outcome, .. }) => o == *outcome,
        (LetterKind::Answer(Outcome::Other(OtherReason::OverdueCorrection)), Event::CorrectionLapsed { .. })
        | (LetterKind::Answer(Outcome::Other(OtherReason::OverdueFee)), Event::FeeLapsed { .. })
        | (LetterKind::Answer(Outcome::Other(OtherReason::Other)), Event::Withdrawn { .. }) => true,
        _ => false,
    };
    if kind == LetterKind::Receipt {
        return Ok(None);
    }
    r.events().iter().rposition(matches).map(Some).ok_or(ContextError::NotCalledFor)
}

/// The answer deadline as it stood after the first `n` events.
fn due_as_of(r: &Request, n: usize, cal: &Calendar) -> Option<Date> {
    r.as_of(n).explain_deadline(cal).ok().map(|e| e.due)
}

/// What the letter `key` of this request lacks when nothing is typed for it
/// (the message of `ogi_letters`), if anything.
pub fn missing(request: &Registered, key: &str, cal: &Calendar) -> Option<String> {
    let kind = LetterKind::from_key(key)?;
    let agency = Agency { name: String::new(), address: String::new(), phone: String::new() };
    let ctx = context(request, kind, &LetterDetails::default(), &agency, cal).ok()?;
    match crate::render(kind, &ctx, None) {
        Err(LetterError::Missing(m)) => Some(format!("{m}：请在下面填写后再打印或下载。")),
        _ => None,
    }
}

/// The agency's details from the settings.
pub struct Agency {
    pub name: String,
    pub address: String,
    pub phone: String,
}

/// Everything the letter `kind` of this request needs.
pub fn context(
    stored: &Registered,
    kind: LetterKind,
    q: &LetterDetails,
    agency: &Agency,
    cal: &Calendar,
) -> Result<Context, ContextError> {
    let r = stored.request;
    let at = event_of(r, kind)?;
    let event = at.map(|i| &r.events()[i]);
    let date = match q.date.trim() {
        "" => event.map_or(r.received, Event::date),
        t => t.parse().map_err(|_| ContextError::Bad("文书日期格式应为 2025-03-01".into()))?,
    };
    let n = at.unwrap_or(0);
    let organization = r.applicant != ApplicantColumn::Natural;
    let you = if organization { "你单位" } else { "你" };
    let mut ctx = Context {
        agency: or_fill(&agency.name, "机关名称"),
        agency_address: agency.address.clone(),
        agency_phone: agency.phone.clone(),
        number: q.number.trim().to_string(),
        applicant: stored.applicant_name.to_string(),
        applicant_is_organization: organization,
        tracking_code: stored.code.to_string(),
        received: r.received,
        summary: stored.summary.to_string(),
        due: due_as_of(r, n, cal),
        // Only the years not loaded: a letter's dates can run a year past receipt.
        provisional_years: cal.provisional_years(r.received, r.received.saturating_add(jiff::Span::new().years(1))),
        date,
        correction: None,
        extension: None,
        third_party: None,
        fee: None,
        answer: None,
        complaint_to: String::new(),
        reconsideration_to: String::new(),
        court: String::new(),
    };
    match event {
        Some(Event::CorrectionRequested { reply_by, .. }) => {
            let mut items: Vec<String> =
                q.items.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
            if items.is_empty() {
                items.push("【请填写需要补正的事项】".into());
            }
            ctx.correction = Some(Correction { items, reply_by: *reply_by });
        }
        Some(Event::Extended { days, .. }) => {
            let new_due = due_as_of(r, n + 1, cal)
                .ok_or_else(|| ContextError::Bad("无法计算延长后的答复期限（所涉年度的节假日安排尚未载入）".into()))?;
            ctx.extension = Some(Extension { days: *days, new_due, reason: or_fill(&q.reason, "延期理由") });
        }
        Some(Event::ConsultationStarted { on, delivered, .. }) => {
            // 15 working days from the day the third party receives it (第三十二条).
            let reply_by = cal
                .add_workdays(q.delivered(*on, *delivered)?, limits::CONSULTATION)
                .map_err(|e| ContextError::Bad(format!("无法计算第三方提出意见的期限：{e}")))?;
            ctx.third_party = Some(ThirdParty {
                name: or_fill(&q.third_party, "第三方名称"),
                is_organization: !q.third_party_org.is_empty(),
                concern: q.concern.trim().to_string(),
                reply_by,
            });
        }
        Some(Event::FeeNoticed { on, yuan, delivered }) => {
            // 20 working days from the day after the notice is received.
            let pay_by = cal
                .add_workdays(q.delivered(*on, *delivered)?, limits::FEE_PAYMENT)
                .map_err(|e| ContextError::Bad(format!("无法计算缴费期限：{e}")))?;
            let method = if q.fee_method == "per_volume" { FeeMethod::PerVolume } else { FeeMethod::PerItem };
            ctx.fee = Some(Fee {
                method,
                basis: or_fill(&q.basis, "计费依据"),
                yuan: *yuan,
                pay_by,
                how_to_pay: or_fill(&q.how_to_pay, "缴费方式"),
            });
        }
        _ => {}
    }
    if let LetterKind::Answer(o) = kind {
        let reasons = match (o, event) {
            (_, _) if !q.reasons.trim().is_empty() => q.reasons.trim().to_string(),
            (_, Some(Event::Withdrawn { on })) => {
                format!("{you}已于{}撤回该政府信息公开申请，本机关终止办理。", format_date(*on))
            }
            (Outcome::Other(OtherReason::Other), _) => "【请填写答复理由】".into(),
            _ => String::new(),
        };
        let provision = match o {
            Outcome::Granted | Outcome::Partial => or_fill(&q.provision, "提供方式或者获取途径"),
            _ => q.provision.trim().to_string(),
        };
        ctx.answer = Some(Answer {
            reasons,
            provision,
            already_published: !q.published.is_empty(),
            responsible_agency: q.responsible_agency.trim().to_string(),
        });
    }
    Ok(ctx)
}
