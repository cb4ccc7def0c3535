//! What people type, checked once for every door: a new request and an event
//! as text fields (from the workbench's forms, the JSON API, `ogi request`
//! and CSV imports), turned into a [`NewRequest`] or an [`Event`], or into a
//! Chinese message per wrong field.
//!
//! The limits and the messages live here only, so that the page, the API and
//! the command line refuse the same input with the same words. Whether an
//! event is lawful *now* (its state, its deadlines) is not judged here but by
//! [`crate::request::Request::check`] when it is recorded.
//!
//! ```
//! use ogi_rules::input::{new_request, NewRequestInput};
//! use ogi_rules::{Calendar, Date};
//! let typed = NewRequestInput { channel: "in_person".into(), applicant: "natural".into(),
//!     applicant_name: "张三".into(), arrived: "2025-03-03".into(), summary: "某文件".into(),
//!     ..Default::default() };
//! let today: Date = "2025-03-05".parse().unwrap();
//! assert!(new_request(&typed, today, &Calendar::embedded()).is_ok());
//! let errors = new_request(&NewRequestInput::default(), today, &Calendar::embedded()).unwrap_err();
//! assert_eq!(errors["channel"], "请选择提交渠道");
//! ```

use std::collections::BTreeMap;

use ogi_vocab::cells::{ApplicantColumn, T3Row, Template};
use serde::{Deserialize, Serialize};

use crate::request::{limits, Channel, Consulted, Event};
use crate::{Calendar, Date};

/// Field name → what is wrong with it, in Chinese.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// How long a typed field may be, in characters, and the largest fee.
pub mod max {
    pub const APPLICANT_NAME: usize = 200;
    pub const CONTACT: usize = 500;
    pub const SUMMARY: usize = 10_000;
    /// 元. Far above any fee of 国办函〔2020〕109号; a typo guard, not a rule.
    pub const YUAN: u64 = 10_000_000;
}

/// A request as registered: how it came in, who asked, what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub channel: Channel,
    pub applicant: ApplicantColumn,
    pub arrived: Date,
    pub confirmed: Option<Date>,
    /// What the requester asked for, in their words.
    pub summary: String,
    /// The requester's name (a person or an organization).
    pub applicant_name: String,
    /// Address, phone or e-mail for the letters.
    pub contact: String,
}

/// A new request as typed: every field text, every field kept on an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewRequestInput {
    /// A [`Channel`] key or label.
    pub channel: String,
    /// An applicant kind's key (`natural`, `commercial`, …).
    pub applicant: String,
    pub applicant_name: String,
    pub contact: String,
    pub arrived: String,
    pub confirmed: String,
    pub summary: String,
}

/// An event as typed. Fields an event does not take must be left empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventInput {
    /// One of [`Event::KINDS`] (`-` may stand for `_`: `fee-noticed`).
    pub kind: String,
    pub on: String,
    /// 补正期限 (correction_requested).
    pub reply_by: String,
    /// Working days of an extension (extended).
    pub days: String,
    /// 元 (fee_noticed).
    pub yuan: String,
    /// A table 三 outcome key of the 2021 template (answered).
    pub outcome: String,
    /// The day a consultation letter or a fee notice arrived (default: `on`).
    pub delivered: String,
    /// `third_party` (default) or `agency` (consultation_started).
    pub party: String,
    /// How many events the request had when the form was drawn (its
    /// `version`): if it has changed since, someone else acted on it first
    /// and the event is refused. Empty: not checked.
    pub version: String,
}

/// The form's `version` (see [`EventInput::version`]); `None` when empty.
pub fn version(input: &EventInput) -> Option<usize> {
    input.version.trim().parse().ok()
}

/// Which fields each kind of event takes besides `kind` and `on`.
pub fn event_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "correction_requested" => &["reply_by"],
        "extended" => &["days"],
        "fee_noticed" => &["yuan", "delivered"],
        "consultation_started" => &["party", "delivered"],
        "answered" => &["outcome"],
        _ => &[],
    }
}

/// A date as typed: well-formed, not after `today`, and in a year the
/// calendar can count in (else no deadline could be given).
pub fn past_date(text: &str, today: Date, cal: &Calendar) -> Result<Date, String> {
    let d = date(text)?;
    if d > today {
        return Err(format!("日期不能晚于今天（{today}）"));
    }
    if cal.is_workday(d).is_err() {
        return Err(format!("{} 年不在工作日历范围内，无法计算期限", d.year()));
    }
    Ok(d)
}

/// A date as typed, in the one form every door takes.
pub fn date(text: &str) -> Result<Date, String> {
    text.trim().parse().map_err(|_| "日期格式应为 2025-03-01".to_string())
}

/// Checks a new request as typed; `today` bounds its dates.
pub fn new_request(input: &NewRequestInput, today: Date, cal: &Calendar) -> Result<NewRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let channel = match input.channel.trim() {
        "" => fail(&mut errors, "channel", "请选择提交渠道"),
        c => Channel::from_key(c).or_else(|| {
            let keys: Vec<_> = Channel::ALL.iter().map(|c| c.key()).collect();
            fail(&mut errors, "channel", format!("未知的提交渠道（可选：{}）", keys.join("、")))
        }),
    };
    let applicant = match input.applicant.trim() {
        "" => fail(&mut errors, "applicant", "请选择申请人类型"),
        a => ApplicantColumn::KINDS.into_iter().find(|k| k.key() == a || k.label() == a).or_else(|| {
            let keys: Vec<_> = ApplicantColumn::KINDS.iter().map(|k| k.key()).collect();
            fail(&mut errors, "applicant", format!("未知的申请人类型（可选：{}）", keys.join("、")))
        }),
    };
    let name =
        text(&mut errors, "applicant_name", &input.applicant_name, "申请人姓名或者名称", max::APPLICANT_NAME, true);
    let contact = text(&mut errors, "contact", &input.contact, "联系方式", max::CONTACT, false);
    let summary = text(&mut errors, "summary", &input.summary, "申请内容", max::SUMMARY, true);
    let arrived = match input.arrived.trim() {
        "" => fail(&mut errors, "arrived", "请填写收到日期"),
        t => past_date(t, today, cal).map_err(|m| errors.insert("arrived", m)).ok(),
    };
    // 第三十一条: for these channels the receipt date is the day both sides confirm.
    let confirmed = match (channel, input.confirmed.trim()) {
        (Some(c), "") if c.needs_confirmation() => fail(
            &mut errors,
            "confirmed",
            format!("{}提交的申请以双方确认之日为收到申请之日（条例第三十一条），请填写确认日期", c.label()),
        ),
        (Some(c), t) if c.needs_confirmation() => match past_date(t, today, cal) {
            Ok(d) if arrived.is_some_and(|a| d < a) => fail(&mut errors, "confirmed", "确认日期不能早于收到日期"),
            Ok(d) => Some(d),
            Err(m) => fail(&mut errors, "confirmed", m),
        },
        (Some(_), "") | (None, _) => None,
        (Some(c), _) => fail(&mut errors, "confirmed", format!("{}提交的申请以收到之日为准，不填确认日期", c.label())),
    };
    match (channel, applicant, arrived) {
        (Some(channel), Some(applicant), Some(arrived)) if errors.is_empty() => {
            Ok(NewRequest { channel, applicant, arrived, confirmed, summary, applicant_name: name, contact })
        }
        _ => Err(errors),
    }
}

/// Checks an event as typed. `approver` is who approves an extension (the
/// 负责人 recording it); whether they may is the caller's role check.
pub fn event(input: &EventInput, approver: &str, today: Date, cal: &Calendar) -> Result<Event, FieldErrors> {
    let mut errors = FieldErrors::new();
    if !input.version.trim().is_empty() && version(input).is_none() {
        fail::<()>(&mut errors, "version", "版本号应为整数（申请的事项数）");
    }
    let kind = input.kind.trim().replace('-', "_");
    let kind = match kind.as_str() {
        "" => fail(&mut errors, "kind", "请选择办理事项"),
        k => Event::KINDS.iter().map(|(key, _)| *key).find(|key| *key == k).or_else(|| {
            let keys: Vec<_> = Event::KINDS.iter().map(|(k, _)| *k).collect();
            fail(&mut errors, "kind", format!("未知的事项（可选：{}）", keys.join("、")))
        }),
    };
    let on = match input.on.trim() {
        "" => fail(&mut errors, "on", "请填写日期"),
        t => past_date(t, today, cal).map_err(|m| errors.insert("on", m)).ok(),
    };
    let Some(kind) = kind else { return Err(errors) };
    let takes = event_fields(kind);
    for (name, value) in [
        ("reply_by", &input.reply_by),
        ("days", &input.days),
        ("yuan", &input.yuan),
        ("outcome", &input.outcome),
        ("delivered", &input.delivered),
        ("party", &input.party),
    ] {
        if !value.trim().is_empty() && !takes.contains(&name) {
            errors.insert(
                name,
                format!("“{}”不填此项", Event::KINDS.iter().find(|(k, _)| *k == kind).map_or(kind, |(_, l)| l)),
            );
        }
    }
    // When the letter reached its addressee: as typed, else the day it was sent.
    let delivered = |errors: &mut FieldErrors| match input.delivered.trim() {
        "" => on,
        t => match date(t) {
            Ok(d) if on.is_some_and(|on| d < on) => fail(errors, "delivered", "送达日期不能早于发出日期"),
            Ok(d) => Some(d),
            Err(m) => fail(errors, "delivered", m),
        },
    };
    let event = match kind {
        "correction_requested" => {
            // The reply date lies ahead: parsed, not bounded by today.
            let reply_by = match input.reply_by.trim() {
                "" => fail(&mut errors, "reply_by", "请填写补正期限"),
                t => match date(t) {
                    Ok(d) if on.is_some_and(|on| d <= on) => fail(&mut errors, "reply_by", "补正期限应晚于告知日期"),
                    Ok(d) => Some(d),
                    Err(m) => fail(&mut errors, "reply_by", m),
                },
            };
            on.zip(reply_by).map(|(on, reply_by)| Event::CorrectionRequested { on, reply_by })
        }
        "extended" => {
            let days = match input.days.trim().parse::<u32>() {
                _ if input.days.trim().is_empty() => fail(&mut errors, "days", "请填写延长的工作日数"),
                Ok(d) if (1..=limits::MAX_EXTENSION).contains(&d) => Some(d),
                _ => fail(&mut errors, "days", format!("延长的期限应为 1 至 {} 个工作日", limits::MAX_EXTENSION)),
            };
            if approver.trim().is_empty() {
                errors.insert("approver", "延期须经负责人同意，请写明批准人".into());
            }
            on.zip(days).map(|(on, days)| Event::Extended { on, days, approver: approver.trim().to_string() })
        }
        "fee_noticed" => {
            let yuan = match input.yuan.trim().parse::<u64>() {
                _ if input.yuan.trim().is_empty() => fail(&mut errors, "yuan", "请填写收费金额"),
                Ok(y) if (1..=max::YUAN).contains(&y) => Some(y),
                _ => fail(&mut errors, "yuan", format!("收费金额应为 1 至 {} 之间的整数元", max::YUAN)),
            };
            let delivered = delivered(&mut errors);
            on.zip(yuan).zip(delivered).map(|((on, yuan), delivered)| Event::FeeNoticed { on, yuan, delivered })
        }
        "consultation_started" => {
            let party = match input.party.trim() {
                "" => Some(Consulted::ThirdParty),
                p => Consulted::from_key(p).or_else(|| {
                    fail(&mut errors, "party", "征求意见的对象应为 third_party（第三方）或 agency（其他机关）")
                }),
            };
            let delivered = delivered(&mut errors);
            on.zip(delivered).zip(party).map(|((on, delivered), party)| Event::ConsultationStarted {
                on,
                delivered,
                party,
            })
        }
        "answered" => {
            let outcome = match input.outcome.trim() {
                "" => fail(&mut errors, "outcome", "请选择答复结果"),
                o => {
                    T3Row::outcomes(Template::Y2021).into_iter().find(|x| T3Row::Outcome(*x).key() == o).or_else(|| {
                        fail(&mut errors, "outcome", "未知的办理结果（表三的行键，如 granted、denied.state_secret）")
                    })
                }
            };
            on.zip(outcome).map(|(on, outcome)| Event::Answered { on, outcome })
        }
        simple => on.and_then(|on| match simple {
            "correction_received" => Some(Event::CorrectionReceived { on }),
            "correction_lapsed" => Some(Event::CorrectionLapsed { on }),
            "consultation_ended" => Some(Event::ConsultationEnded { on }),
            "fee_paid" => Some(Event::FeePaid { on }),
            "fee_lapsed" => Some(Event::FeeLapsed { on }),
            "withdrawn" => Some(Event::Withdrawn { on }),
            _ => None,
        }),
    };
    match event {
        Some(e) if errors.is_empty() => Ok(e),
        _ => Err(errors),
    }
}

// ------------------------------------------------------------------ online applications

/// The kind of identity document an applicant gives (第二十九条: 身份证明).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// 居民身份证 (18 digits, checked).
    ResidentId,
    /// 统一社会信用代码 of an organization (18 characters, checked).
    CreditCode,
    /// 护照、港澳台居民居住证等其他证件 (not checked beyond its length).
    Other,
}

impl IdKind {
    pub const ALL: [IdKind; 3] = [IdKind::ResidentId, IdKind::CreditCode, IdKind::Other];

    pub fn key(self) -> &'static str {
        match self {
            IdKind::ResidentId => "resident_id",
            IdKind::CreditCode => "credit_code",
            IdKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IdKind::ResidentId => "居民身份证",
            IdKind::CreditCode => "统一社会信用代码",
            IdKind::Other => "其他有效证件",
        }
    }

    pub fn from_key(s: &str) -> Option<IdKind> {
        IdKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// How the applicant wants the information (第二十九条: 获取信息的方式、途径).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Paper,
    Email,
    OnlineDownload,
    Disc,
}

impl Delivery {
    pub const ALL: [Delivery; 4] = [Delivery::Paper, Delivery::Email, Delivery::OnlineDownload, Delivery::Disc];

    pub fn key(self) -> &'static str {
        match self {
            Delivery::Paper => "paper",
            Delivery::Email => "email",
            Delivery::OnlineDownload => "online",
            Delivery::Disc => "disc",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Delivery::Paper => "纸质文本（邮寄或自取）",
            Delivery::Email => "电子邮件",
            Delivery::OnlineDownload => "在线下载",
            Delivery::Disc => "光盘",
        }
    }

    pub fn from_key(s: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// An application as filed online (第二十九条). It becomes a request of the
/// register when staff confirm it: its receipt date is that day (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub applicant: ApplicantColumn,
    pub name: String,
    pub id_kind: IdKind,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// 所需政府信息的名称、文号或者便于查询的其他特征性描述.
    pub summary: String,
    /// A document number or title, if known.
    pub document: String,
    pub delivery: Delivery,
}

impl Application {
    /// The contact line the register and the letters print.
    pub fn contact(&self) -> String {
        [self.phone.as_str(), self.email.as_str(), self.address.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// The public form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicationInput {
    pub applicant: String,
    pub name: String,
    pub id_kind: String,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub summary: String,
    pub document: String,
    pub delivery: String,
}

/// Checks an application as typed on the public form.
pub fn application(input: &ApplicationInput) -> Result<Application, FieldErrors> {
    use crate::identity::{check_credit_code, check_resident_id};
    let mut errors = FieldErrors::new();
    let applicant = match input.applicant.trim() {
        "" => fail(&mut errors, "applicant", "请选择申请人类型"),
        a => ApplicantColumn::KINDS
            .into_iter()
            .find(|k| k.key() == a)
            .or_else(|| fail(&mut errors, "applicant", "未知的申请人类型")),
    };
    let name = text(&mut errors, "name", &input.name, "申请人姓名或者名称", max::APPLICANT_NAME, true);
    let id_kind = match input.id_kind.trim() {
        "" => fail(&mut errors, "id_kind", "请选择证件类型"),
        k => IdKind::from_key(k).or_else(|| fail(&mut errors, "id_kind", "未知的证件类型")),
    };
    let id_number = input.id_number.trim().to_ascii_uppercase();
    match (id_kind, id_number.as_str()) {
        (_, "") => _ = errors.insert("id_number", "请填写证件号码".into()),
        (Some(IdKind::ResidentId), n) => {
            if let Err(e) = check_resident_id(n) {
                errors.insert("id_number", e.to_string());
            }
        }
        (Some(IdKind::CreditCode), n) => {
            if let Err(e) = check_credit_code(n) {
                errors.insert("id_number", e.to_string());
            }
        }
        (_, n) if n.chars().count() > 40 || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            _ = errors.insert("id_number", "证件号码应为不超过 40 位的字母和数字".into())
        }
        _ => {}
    }
    let phone = input.phone.trim().to_string();
    let phone_ok = phone.len() <= 20 && phone.chars().all(|c| c.is_ascii_digit() || "-+ ()".contains(c));
    if !phone.is_empty() && !phone_ok {
        errors.insert("phone", "电话号码只含数字（可有 - + 和括号），最多 20 位".into());
    }
    let email = input.email.trim().to_string();
    if !email.is_empty() && !plausible_email(&email) {
        errors.insert("email", "电子邮箱格式不正确".into());
    }
    if phone.is_empty() && email.is_empty() {
        errors.insert("phone", "请至少填写电话或电子邮箱中的一项".into());
    }
    let address = text(&mut errors, "address", &input.address, "通信地址", 200, false);
    let summary = text(&mut errors, "summary", &input.summary, "所需信息的描述", max::SUMMARY, true);
    let document = text(&mut errors, "document", &input.document, "文件名称或文号", 200, false);
    let delivery = match input.delivery.trim() {
        "" => fail(&mut errors, "delivery", "请选择获取信息的方式"),
        d => Delivery::from_key(d).or_else(|| fail(&mut errors, "delivery", "未知的获取方式")),
    };
    if delivery == Some(Delivery::Email) && email.is_empty() {
        errors.insert("email", "以电子邮件获取信息的，请填写电子邮箱".into());
    }
    if delivery == Some(Delivery::Paper) && address.is_empty() {
        errors.insert("address", "以纸质文本获取信息的，请填写通信地址".into());
    }
    match (applicant, id_kind, delivery) {
        (Some(applicant), Some(id_kind), Some(delivery)) if errors.is_empty() => {
            Ok(Application { applicant, name, id_kind, id_number, phone, email, address, summary, document, delivery })
        }
        _ => Err(errors),
    }
}

/// `local@domain.tld`, no spaces, one `@`: enough to catch a typo, not a mail server's rules.
fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    s.len() <= 200
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
}

/// Records `message` for `field` and yields nothing, so a `match` arm can fail in one expression.
fn fail<T>(errors: &mut FieldErrors, field: &'static str, message: impl Into<String>) -> Option<T> {
    errors.entry(field).or_insert_with(|| message.into());
    None
}

/// A trimmed text field of at most `max` characters.
fn text(errors: &mut FieldErrors, field: &'static str, value: &str, what: &str, max: usize, required: bool) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.insert(field, format!("请填写{what}"));
    } else if v.chars().count() > max {
        errors.insert(field, format!("{what}过长（最多 {max} 字）"));
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2025-06-30".parse().unwrap()
    }

    #[test]
    fn an_event_takes_only_its_own_fields() {
        let cal = Calendar::embedded();
        let typed =
            EventInput { kind: "fee_paid".into(), on: "2025-06-02".into(), yuan: "5".into(), ..Default::default() };
        let errors = event(&typed, "", today(), &cal).unwrap_err();
        assert_eq!(errors["yuan"], "“缴费”不填此项");
        let typed =
            EventInput { kind: "fee-noticed".into(), on: "2025-06-02".into(), yuan: "5".into(), ..Default::default() };
        let on: Date = "2025-06-02".parse().unwrap();
        assert_eq!(event(&typed, "", today(), &cal), Ok(Event::FeeNoticed { on, yuan: 5, delivered: on }));
    }

    #[test]
    fn confirmation_dates_follow_article_31() {
        let cal = Calendar::embedded();
        let mut typed = NewRequestInput {
            channel: "email".into(),
            applicant: "natural".into(),
            applicant_name: "张三".into(),
            arrived: "2025-06-02".into(),
            summary: "某文件".into(),
            ..Default::default()
        };
        assert!(new_request(&typed, today(), &cal).unwrap_err()["confirmed"].contains("第三十一条"));
        typed.confirmed = "2025-06-01".into();
        assert_eq!(new_request(&typed, today(), &cal).unwrap_err()["confirmed"], "确认日期不能早于收到日期");
        typed.confirmed = "2025-06-03".into();
        assert_eq!(new_request(&typed, today(), &cal).unwrap().confirmed, Some("2025-06-03".parse().unwrap()));
        typed.channel = "in_person".into();
        assert!(new_request(&typed, today(), &cal).unwrap_err()["confirmed"].contains("不填确认日期"));
    }
}
