//! The letters (文书) of a request: which ones its events call for, each as a
//! printable page or a Word file filled from the register (agency, applicant,
//! dates, the event's details), with optional details the events do not hold
//! (补正事项, 延期理由, …) typed in a small form or left as 【请填写……】; and
//! the administrator's editor of the agency's letter templates.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ogi_letters::{
    format_date, Answer, Context, Correction, Extension, Fee, FeeMethod, LetterError, LetterKind, ThirdParty,
};
use ogi_rules::request::{limits, Event, Request};
use ogi_rules::{Calendar, Date};
use ogi_store::{Store, Stored};
use ogi_vocab::cells::{ApplicantColumn, OtherReason, Outcome, T3Row, UnavailableReason};
use serde::Deserialize;
use serde_json::{json, Value};

use super::request::as_of;
use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// Settings beside the agency's name that letters print.
pub const AGENCY_ADDRESS: &str = "agency.address";
pub const AGENCY_PHONE: &str = "agency.phone";
/// Longest detail typed into a letter's form.
const MAX_DETAIL: usize = 2000;
/// Longest template an administrator may save.
const MAX_TEMPLATE: usize = 20_000;

/// How staff name a letter: its title, and for an answer its outcome.
pub fn kind_label(kind: LetterKind) -> String {
    match kind {
        LetterKind::Answer(o) => format!("答复告知书：{}", T3Row::Outcome(o).label()),
        k => k.title().trim_start_matches("政府信息公开").to_string(),
    }
}

/// Which group of optional details a letter's form asks for.
fn family(kind: LetterKind) -> &'static str {
    match kind {
        LetterKind::Receipt => "receipt",
        LetterKind::Correction => "correction",
        LetterKind::Extension => "extension",
        LetterKind::ThirdParty => "third_party",
        LetterKind::Fee => "fee",
        LetterKind::Answer(_) => "answer",
    }
}

/// The letters a request's events call for (each once), for its page.
/// `opened`: a letter whose link was followed without what it must contain
/// (its details form is shown open, with the message and the field marked).
pub fn suggested_views(stored: &Stored, opened: Option<(&str, &str)>) -> Vec<Value> {
    let mut seen = Vec::new();
    for k in ogi_letters::suggested(&stored.request) {
        if !seen.contains(&k) {
            seen.push(k);
        }
    }
    seen.into_iter()
        .map(|k| {
            let key = k.key();
            let (granted_like, not_held) = match k {
                LetterKind::Answer(Outcome::Granted | Outcome::Partial) => (true, false),
                LetterKind::Answer(Outcome::Unavailable(UnavailableReason::NotHeld)) => (false, true),
                _ => (false, false),
            };
            let missing = opened.filter(|(k, _)| *k == key).map(|(_, m)| m.to_string());
            json!({
                "key": key, "label": kind_label(k), "family": family(k),
                "granted_like": granted_like, "not_held": not_held,
                "open": missing.is_some(), "missing": missing,
            })
        })
        .collect()
}

/// Details typed for a letter (all optional; what is missing is printed as 【请填写……】).
#[derive(Debug, Default, Deserialize)]
pub struct LetterQuery {
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

impl LetterQuery {
    /// The day the addressee receives the letter sent on `sent`: as typed
    /// for this letter, else as the register recorded it.
    fn delivered(&self, sent: Date, recorded: Date) -> Result<Date, AppError> {
        match self.delivered.trim() {
            "" => Ok(recorded),
            t => match t.parse::<Date>() {
                Ok(d) if d >= sent => Ok(d),
                Ok(_) => Err(AppError::BadRequest("送达日期不能早于发出日期".into())),
                Err(_) => Err(AppError::BadRequest("送达日期格式应为 2025-03-01".into())),
            },
        }
    }

    fn check(&self) -> Result<(), AppError> {
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
            return Err(AppError::BadRequest(format!("文书填写的内容过长（每项最多 {MAX_DETAIL} 字）")));
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
fn event_of(r: &Request, kind: LetterKind) -> Result<Option<usize>, AppError> {
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
    r.events().iter().rposition(matches).map(Some).ok_or(AppError::NotFound)
}

/// The answer deadline as it stood after the first `n` events.
fn due_as_of(r: &Request, n: usize, cal: &Calendar) -> Option<Date> {
    as_of(r, n).and_then(|x| x.explain_deadline(cal).ok()).map(|e| e.due)
}

/// What the letter `key` of this request lacks when nothing is typed for it
/// (the message of `ogi_letters`), if anything.
pub fn missing(stored: &Stored, key: &str, cal: &Calendar) -> Option<String> {
    let kind = LetterKind::from_key(key)?;
    let agency = Agency { name: String::new(), address: String::new(), phone: String::new() };
    let ctx = context(stored, kind, &LetterQuery::default(), &agency, cal).ok()?;
    match ogi_letters::render(kind, &ctx, None) {
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
    stored: &Stored,
    kind: LetterKind,
    q: &LetterQuery,
    agency: &Agency,
    cal: &Calendar,
) -> Result<Context, AppError> {
    let r = &stored.request;
    let at = event_of(r, kind)?;
    let event = at.map(|i| &r.events()[i]);
    let date = match q.date.trim() {
        "" => event.map_or(r.received, Event::date),
        t => t.parse().map_err(|_| AppError::BadRequest("文书日期格式应为 2025-03-01".into()))?,
    };
    let n = at.unwrap_or(0);
    let organization = r.applicant != ApplicantColumn::Natural;
    let you = if organization { "你单位" } else { "你" };
    let mut ctx = Context {
        agency: or_fill(&agency.name, "机关名称"),
        agency_address: agency.address.clone(),
        agency_phone: agency.phone.clone(),
        number: q.number.trim().to_string(),
        applicant: stored.applicant_name.clone(),
        applicant_is_organization: organization,
        tracking_code: stored.code.clone(),
        received: r.received,
        summary: stored.summary.clone(),
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
            let new_due = due_as_of(r, n + 1, cal).ok_or_else(|| {
                AppError::BadRequest("无法计算延长后的答复期限（所涉年度的节假日安排尚未载入）".into())
            })?;
            ctx.extension = Some(Extension { days: *days, new_due, reason: or_fill(&q.reason, "延期理由") });
        }
        Some(Event::ConsultationStarted { on, delivered, .. }) => {
            // 15 working days from the day the third party receives it (第三十二条).
            let reply_by = cal
                .add_workdays(q.delivered(*on, *delivered)?, limits::CONSULTATION)
                .map_err(|e| AppError::BadRequest(format!("无法计算第三方提出意见的期限：{e}")))?;
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
                .map_err(|e| AppError::BadRequest(format!("无法计算缴费期限：{e}")))?;
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

/// `attachment` with an ASCII fallback and the Chinese name (RFC 5987/6266).
pub fn attachment(ascii: &str, name: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// GET /requests/{code}/letters/{kind}[.docx]
pub async fn letter(
    State(state): State<AppState>,
    _session: Session,
    Path((code, kind_key)): Path<(String, String)>,
    Query(q): Query<LetterQuery>,
) -> Result<Response, AppError> {
    let (key, docx) = match kind_key.strip_suffix(".docx") {
        Some(k) => (k.to_string(), true),
        None => (kind_key.clone(), false),
    };
    let kind = LetterKind::from_key(&key).ok_or(AppError::NotFound)?;
    q.check()?;
    let tkey = kind.key();
    let (stored, agency, template) = state
        .read(move |s| {
            let stored = s.get(&code)?;
            let agency = Agency {
                name: s.setting(ogi_store::AGENCY_NAME)?.unwrap_or_default(),
                address: s.setting(AGENCY_ADDRESS)?.unwrap_or_default(),
                phone: s.setting(AGENCY_PHONE)?.unwrap_or_default(),
            };
            Ok((stored, agency, s.letter_template(&tkey)?))
        })
        .await?;
    let ctx = context(&stored, kind, &q, &agency, &state.cal())?;
    let letter = match ogi_letters::render(kind, &ctx, template.as_deref()) {
        Ok(l) => l,
        // Back to the request, with the letter's form open and what it lacks marked.
        Err(LetterError::Missing(_)) => {
            let to = format!("/requests/{}?letter={key}#letter-{key}", stored.code);
            return Ok(Redirect::to(&to).into_response());
        }
        Err(LetterError::Template(t)) => {
            return Err(AppError::BadRequest(format!(
                "本机关修改后的文书模板无法使用：{t}。请管理员在“文书模板”中修改或恢复默认。"
            )))
        }
    };
    if docx {
        let ascii = format!("{}-{key}.docx", stored.code);
        let name = format!("{}-{}.docx", stored.code, kind_label(kind).replace('：', "-"));
        return Ok((
            [
                (header::CONTENT_TYPE, DOCX_TYPE.to_string()),
                (header::CONTENT_DISPOSITION, attachment(&ascii, &name)),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            ogi_letters::to_docx(&letter),
        )
            .into_response());
    }
    Ok(html(ogi_letters::to_html(&letter)))
}

// ------------------------------------------------------------------ templates (管理员)

#[derive(Debug, Default, Deserialize)]
pub struct AdminQuery {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub done: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AdminForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub action: String,
}

fn preview(kind: LetterKind, text: &str) -> Option<Vec<String>> {
    ogi_letters::render(kind, &Context::sample(), Some(text)).ok().map(|l| l.paragraphs)
}

async fn admin_render(
    state: &AppState,
    session: &Session,
    kind: LetterKind,
    text: Option<String>,
    error: Option<String>,
    done: &str,
    status: StatusCode,
) -> Result<Response, AppError> {
    let keys: Vec<String> = LetterKind::all().into_iter().map(LetterKind::key).collect();
    let (edited, stored) = state
        .read({
            let key = kind.key();
            move |s| {
                let mut edited = Vec::new();
                for k in &keys {
                    if s.letter_template(k)?.is_some() {
                        edited.push(k.clone());
                    }
                }
                Ok((edited, s.letter_template(&key)?))
            }
        })
        .await?;
    let is_edited = stored.is_some();
    let text = text.or(stored).unwrap_or_else(|| kind.default_template().to_string());
    let kinds: Vec<Value> = LetterKind::all()
        .into_iter()
        .map(|k| json!({"key": k.key(), "label": kind_label(k), "edited": edited.contains(&k.key()), "on": k == kind}))
        .collect();
    let message = match done {
        "saved" => Some("模板已保存。"),
        "reset" => Some("已恢复默认模板。"),
        _ => None,
    };
    let body = state.templates.render(
        "letters_admin.html",
        json!({
            "chrome": Chrome::new(session, "文书模板", "admin"),
            "kinds": kinds, "kind": kind.key(), "label": kind_label(kind), "text": text,
            "is_edited": is_edited, "error": error, "message": message,
            "placeholders": ogi_letters::PLACEHOLDERS.iter().map(|(n, d)| json!({
                "tag": format!("{{{{ {n} }}}}"),
                "what": d,
            })).collect::<Vec<_>>(),
            "preview": if error.is_none() { preview(kind, &text) } else { None },
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// GET /admin/letters
pub async fn admin_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<AdminQuery>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let kind = match q.kind.as_str() {
        "" => LetterKind::Receipt,
        k => LetterKind::from_key(k).ok_or(AppError::NotFound)?,
    };
    admin_render(&state, &session, kind, None, None, &q.done, StatusCode::OK).await
}

/// POST /admin/letters: save an edited template (validated first) or restore the default.
pub async fn admin_save(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<AdminForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let kind = LetterKind::from_key(&f.kind).ok_or_else(|| AppError::BadRequest("未知的文书类型".into()))?;
    let key = kind.key();
    let actor = session.user.username.clone();
    if f.action == "reset" {
        state.write(move |s| s.set_letter_template(&key, None, &actor)).await?;
        return Ok(Redirect::to(&format!("/admin/letters?kind={}&done=reset", kind.key())).into_response());
    }
    // Browsers send CRLF; templates are stored with plain line ends.
    let text = f.text.replace("\r\n", "\n");
    let problem = if text.chars().count() > MAX_TEMPLATE {
        Some(format!("模板过长（最多 {MAX_TEMPLATE} 字）"))
    } else {
        ogi_letters::validate(kind, &text).err().map(|e| e.to_string())
    };
    if let Some(error) = problem {
        return admin_render(&state, &session, kind, Some(text), Some(error), "", StatusCode::BAD_REQUEST).await;
    }
    state.write(move |s| s.set_letter_template(&key, Some(&text), &actor)).await?;
    Ok(Redirect::to(&format!("/admin/letters?kind={}&done=saved", kind.key())).into_response())
}
