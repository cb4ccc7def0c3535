//! 新建申请 and 申请详情: registering a request (第三十一条 decides its receipt
//! date), the request's page with "why this due date", its timeline and audit
//! lines, and a form for every event the law allows in its current state.
//! 延期 and 答复 need a 负责人 (第三十三条); the law's refusals come back on the
//! form that asked, nothing saved.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ogi_rules::input::{self, EventInput, NewRequestInput};
use ogi_rules::request::{Channel, Consulted, Event, State as RState};
use ogi_rules::Date;
use ogi_store::{AuditEntry, Store, StoreError, Stored};
use ogi_vocab::cells::{Outcome, T3Row};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{applicant_options, workdays_left};
use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

/// Field errors of a form: field name → Chinese message.
type Errors = input::FieldErrors;

// ------------------------------------------------------------------ 新建申请

/// The registration form as typed (every field kept on an error).
pub type NewForm = NewRequestInput;

/// A date typed into a form, checked as every door checks it.
pub fn check_date(text: &str, today: Date, state: &AppState) -> Result<Date, String> {
    input::past_date(text, today, &state.cal())
}

fn channel_options() -> Vec<Value> {
    Channel::ALL
        .iter()
        .map(|c| json!({"key": c.key(), "label": c.label(), "confirm": c.needs_confirmation()}))
        .collect()
}

fn new_page(
    state: &AppState,
    session: &Session,
    form: &NewForm,
    errors: &Errors,
    general: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let body = state.templates.render(
        "request_new.html",
        json!({
            "chrome": Chrome::new(session, "新建申请", "new"),
            "f": form,
            "errors": errors,
            "general": general,
            "channels": channel_options(),
            "applicants": applicant_options(),
            "today": state.today().to_string(),
            "max": {
                "applicant_name": input::max::APPLICANT_NAME,
                "contact": input::max::CONTACT,
                "summary": input::max::SUMMARY,
            },
        }),
    )?;
    Ok((status, html(body)).into_response())
}

pub async fn new_form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let form = NewForm { arrived: state.today().to_string(), ..NewForm::default() };
    new_page(&state, &session, &form, &Errors::new(), None, StatusCode::OK)
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    let new = match input::new_request(&form, state.today(), &state.cal()) {
        Ok(n) => n,
        Err(errors) => return new_page(&state, &session, &form, &errors, None, StatusCode::BAD_REQUEST),
    };
    let (actor, st) = (session.user.username.clone(), state.clone());
    match state.write_as(&session, move |s| s.create(new, &actor, &st.cal())).await {
        Ok(stored) => Ok(Redirect::to(&format!("/requests/{}", stored.code)).into_response()),
        Err(StoreError::Rule(e)) => {
            new_page(&state, &session, &form, &Errors::new(), Some(e.to_string()), StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ events

/// What the form of each event says about it (the law itself is in
/// `ogi_rules::request`: which events are allowed now, which need a 负责人).
fn event_hint(key: &str) -> &'static str {
    match key {
        "correction_requested" => "收到申请后 7 个工作日内一次性告知（第三十条）；答复期限自收到补正之日起重新计算。",
        "correction_received" => "答复期限自收到补正之日起重新计算（第三十条）。",
        "correction_lapsed" => "补正期限届满仍未补正的，视为放弃申请。",
        "consultation_started" => "征求第三方（第三十二条）或其他机关（第三十四条）意见：自送达之日起 15 个工作日内提出意见，所需时间不计入答复期限；期满未提出意见的，答复期限恢复计算（第三方：由本机关决定；其他机关：视为同意）。",
        "consultation_ended" => "收到意见，答复期限恢复计算（征求意见期满后收到的，超出部分照常计算）。",
        "extended" => "经负责人同意，延长一次，最长 20 个工作日，须在答复期限届满前告知申请人（第三十三条第二款）。",
        "fee_noticed" => "在答复期限内发出；申请人自收到通知次日起 20 个工作日内缴费，缴费前答复期限中止（国办函〔2020〕109号）。",
        "fee_paid" => "自收到收费通知次日起 20 个工作日内缴费，答复期限恢复计算。",
        "fee_lapsed" => "缴费期限届满仍未缴费的，不再处理该申请。",
        "answered" => "登记答复结果（表三的一行），申请随即办结。",
        "withdrawn" => "申请人撤回，计入“其他处理·其他”。",
        _ => "",
    }
}

fn event_label(key: &str) -> &'static str {
    Event::KINDS.iter().find(|(k, _)| *k == key).map_or("", |(_, l)| l)
}

/// An event form as typed.
pub type EventForm = EventInput;

/// A form that came back: which one, as typed, what is wrong.
pub(crate) struct Returned {
    form: EventForm,
    errors: Errors,
    general: Option<String>,
}

pub async fn post_event(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Form(form): Form<EventForm>,
) -> Result<Response, AppError> {
    let c = code.clone();
    let stored = state.read_as(&session, move |s| s.get(&c)).await?;
    let label = event_label(&form.kind);
    if label.is_empty() {
        return Err(AppError::BadRequest("未知的事项类型".into()));
    }
    if Event::kind_needs_head(&form.kind) {
        session.must_decide(label)?;
    }
    let event = match input::event(&form, &session.user.display_name, state.today(), &state.cal()) {
        Ok(e) => e,
        Err(errors) => {
            let back = Returned { form, errors, general: None };
            return page_response(&state, &session, stored, Some(back), StatusCode::BAD_REQUEST).await;
        }
    };
    let (actor, st, c) = (session.user.username.clone(), state.clone(), code.clone());
    let seen = input::version(&form);
    match state.write_as(&session, move |s| s.record_seen(&c, seen, event, &actor, &st.cal())).await {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{code}")).into_response()),
        // Refused by the law, or someone else acted first: the page as it is
        // now, with what was typed and why.
        Err(e @ (StoreError::Rule(_) | StoreError::Conflict)) => {
            let status = if matches!(e, StoreError::Conflict) { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
            let back = Returned { form, errors: Errors::new(), general: Some(e.to_string()) };
            let c = code.clone();
            let stored = state.read_as(&session, move |s| s.get(&c)).await?;
            page_response(&state, &session, stored, Some(back), status).await
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ the page

#[derive(Deserialize, Default)]
pub struct PageQuery {
    /// A letter sent back here because it lacks what it must contain.
    #[serde(default)]
    letter: String,
    /// `1`: show the applicant's contact unmasked (audited).
    #[serde(default)]
    reveal: String,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Result<Response, AppError> {
    let reveal = q.reveal == "1";
    let stored = if reveal {
        // Every unmasked view of personal data is in the audit log.
        let actor = session.user.username.clone();
        state
            .write_as(&session, move |s| {
                s.audit_unmasked_view(ogi_store::online::Viewed::Request(&code), &actor)?;
                s.get(&code)
            })
            .await?
    } else {
        state.read_as(&session, move |s| s.get(&code)).await?
    };
    let opened = ogi_letters::missing(&super::letters::registered(&stored), &q.letter, &state.cal())
        .map(|m| (q.letter.clone(), m));
    page_with(&state, &session, stored, None, StatusCode::OK, opened, reveal).await
}

/// What an event was and its details, for the timeline.
pub fn event_line(e: &Event) -> (&'static str, String) {
    (e.label(), e.details())
}

fn outcome_label(o: Outcome) -> String {
    T3Row::Outcome(o).label()
}

/// An audit action as staff read it (event keys in Chinese).
fn audit_action(action: &str) -> String {
    match action.strip_prefix("登记事项：") {
        Some(key) => format!("登记事项：{}", Some(event_label(key)).filter(|l| !l.is_empty()).unwrap_or(key)),
        None => action.to_string(),
    }
}

/// An audit time (UTC, as stored) in Beijing time (UTC+8 all year).
fn beijing(at: &str) -> String {
    at.parse::<jiff::Timestamp>()
        .ok()
        .and_then(|t| t.checked_add(jiff::SignedDuration::from_hours(8)).ok())
        .map_or_else(|| at.to_string(), |t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
}

fn audit_view(a: &AuditEntry) -> Value {
    json!({
        "at": beijing(&a.at),
        "actor": a.actor,
        "action": audit_action(&a.action),
        "before": a.before,
        "after": a.after,
    })
}

/// The fields of one event form, as the template lays them out.
fn form_fields(
    key: &str,
    values: &EventForm,
    errors: &Errors,
    today: Date,
    approver: &str,
    outcomes: &[Outcome],
) -> Vec<Value> {
    let field = |name: &'static str, label: &str, kind: &str, value: &str, extra: Value| {
        json!({
            "name": name,
            "label": label,
            "type": kind,
            "value": value,
            "error": errors.get(name),
            "extra": extra,
        })
    };
    let on_label = match key {
        "correction_requested" => "告知日期",
        "correction_received" => "收到补正日期",
        "consultation_started" => "发出征求意见日期",
        "consultation_ended" => "收到意见日期",
        "extended" => "告知延期日期",
        "fee_noticed" => "发出收费通知日期",
        "fee_paid" => "缴费日期",
        "answered" => "答复日期",
        "withdrawn" => "撤回日期",
        _ => "登记日期",
    };
    let on = if values.kind == key { values.on.clone() } else { today.to_string() };
    let mut v = vec![field("on", on_label, "date", &on, Value::Null)];
    let typed = |f: &str| if values.kind == key { f.to_string() } else { String::new() };
    match key {
        "correction_requested" => v.push(field("reply_by", "补正期限", "date", &typed(&values.reply_by), Value::Null)),
        "extended" => {
            v.push(field("days", "延长工作日数（1–20）", "number", &typed(&values.days), json!({"min": 1, "max": 20})));
            v.push(field("approver", "批准人", "fixed", approver, Value::Null));
        }
        "fee_noticed" => {
            v.push(field("yuan", "金额（元）", "number", &typed(&values.yuan), json!({"min": 1})));
            v.push(field(
                "delivered",
                "申请人收到通知日期（邮寄送达的填写签收日；当面、网上、电子邮件送达的可不填，即发出当日）",
                "date",
                &typed(&values.delivered),
                json!({"optional": true}),
            ));
        }
        "consultation_started" => {
            let parties: Vec<Value> = Consulted::ALL
                .iter()
                .map(|c| {
                    json!({"key": c.key(), "label": match c {
                        Consulted::ThirdParty => "第三方（第三十二条）",
                        Consulted::Agency => "其他机关（第三十四条，共同制作）",
                    }})
                })
                .collect();
            let party = if values.kind == key { values.party.clone() } else { "third_party".into() };
            v.push(field("party", "征求意见对象", "select", &party, json!(parties)));
            v.push(field(
                "delivered",
                "对方收到征求意见书日期（不填即发出当日）",
                "date",
                &typed(&values.delivered),
                json!({"optional": true}),
            ));
        }
        "answered" => {
            let options: Vec<Value> = outcomes
                .iter()
                .map(|o| json!({"key": T3Row::Outcome(*o).key(), "label": T3Row::Outcome(*o).label()}))
                .collect();
            v.push(field("outcome", "答复结果（表三）", "select", &typed(&values.outcome), json!(options)));
        }
        _ => {}
    }
    v
}

pub(crate) async fn page_response(
    state: &AppState,
    session: &Session,
    stored: Stored,
    back: Option<Returned>,
    status: StatusCode,
) -> Result<Response, AppError> {
    page_with(state, session, stored, back, status, None, false).await
}

async fn page_with(
    state: &AppState,
    session: &Session,
    stored: Stored,
    back: Option<Returned>,
    status: StatusCode,
    opened: Option<(String, String)>,
    reveal: bool,
) -> Result<Response, AppError> {
    let code = stored.code.clone();
    let c = code.clone();
    let (audit, files, delivered, notices) = state
        .read_as(session, move |s| {
            Ok((
                s.audit_for(&c)?,
                s.attachments(ogi_store::online::AttachmentsOf::Request(c.clone()))?,
                s.delivered_letters(&c, None)?,
                s.notices_of(&c)?,
            ))
        })
        .await?;
    let today = state.today();
    let r = &stored.request;
    let current = r.state();
    let cal = state.cal();
    let due = r.due_status(&cal).ok().flatten();
    let (left, late) = match &due {
        Some(d) => workdays_left(today, d.date, &cal),
        None => (String::new(), false),
    };
    // "Why this due date": shown in every state, labelled when the clock is not running.
    let why = match r.explain_deadline(&cal) {
        Ok(e) => {
            let note = match &current {
                RState::Open => None,
                RState::AwaitingCorrection { reply_by } => Some(format!(
                    "等待补正（补正期限最迟 {reply_by}）：收到补正后，答复期限自收到补正之日起重新计算 20 个工作日（第三十条）。以下为告知补正前的计算。"
                )),
                RState::Consulting { since } => Some(match r.consultation_window(&cal).ok().flatten() {
                    Some(w) if w < today => format!(
                        "自 {since} 起征求意见，意见期限已于 {w} 届满：答复期限已恢复计算，请依法决定并答复。"
                    ),
                    Some(w) => format!(
                        "自 {since} 起征求意见，对方最迟于 {w} 提出意见；期满未提出的，答复期限自次日起恢复计算。以下按期满计算，提前收到意见的随之提前。"
                    ),
                    None => format!("自 {since} 起征求意见。"),
                }),
                RState::AwaitingPayment { since, yuan } => Some(format!(
                    "自 {since} 起等待缴费 {yuan} 元，答复期限中止；以下为中止前的计算，缴费后顺延。"
                )),
                RState::Closed { on, .. } => Some(format!("已于 {on} 办结；以下为办结前的答复期限计算。")),
            };
            json!({"due": e.due_text(), "steps": e.steps, "note": note})
        }
        Err(e) => json!({"error": format!("无法计算答复期限：{e}")}),
    };
    let mut timeline = vec![
        json!({"date": r.received.to_string(), "what": "收到申请", "details": format!("{}提交", r.channel.label())}),
    ];
    for e in r.events() {
        let (what, details) = event_line(e);
        timeline.push(json!({"date": e.date().to_string(), "what": what, "details": details}));
    }
    let may_decide = session.user.role.may_decide();
    let (back_form, back_errors, back_general) = match &back {
        Some(b) => (b.form.clone(), b.errors.clone(), b.general.clone()),
        None => (EventForm::default(), Errors::new(), None),
    };
    let mut forms = Vec::new();
    let mut hidden = Vec::new();
    let mut refused = Vec::new();
    let allowed = r.allowed_events(&cal, today);
    let outcomes = r.allowed_outcomes();
    // A supervisor reads an agency below: nothing to record there.
    let read_only = stored.agency_id != session.user.agency_id;
    for a in allowed.iter().filter(|_| !read_only) {
        if let Some(why) = &a.refused {
            // What the state rules out entirely is not listed; a time limit or a rule is.
            if !why.starts_with("当前状态") && !matches!(current, RState::Closed { .. }) {
                refused.push(json!({"label": a.label, "why": why}));
            }
            continue;
        }
        if Event::kind_needs_head(a.key) && !may_decide {
            hidden.push(a.label);
            continue;
        }
        let marked = back.is_some() && back_form.kind == a.key;
        let errors = if marked { back_errors.clone() } else { Errors::new() };
        forms.push(json!({
            "key": a.key, "label": a.label, "hint": event_hint(a.key), "marked": marked,
            "general": if marked { back_general.clone() } else { None },
            "fields": form_fields(a.key, &back_form, &errors, today, &session.user.display_name, &outcomes),
        }));
    }
    // A form for an event that is not allowed (the state moved on, or its time ran out): say so on top.
    let orphan = back
        .as_ref()
        .filter(|b| !allowed.iter().any(|a| a.key == b.form.kind && a.refused.is_none()))
        .and_then(|b| b.general.clone().or_else(|| Some(b.errors.values().cloned().collect::<Vec<_>>().join("；"))));
    let late_answer = r.late_answer(&cal).ok().flatten().map(|l| json!({"due": l.due.to_string(), "days": l.workdays}));
    let letters = super::letters::suggested_views(&stored, opened.as_ref().map(|(k, m)| (k.as_str(), m.as_str())));
    let closed = match &current {
        RState::Closed { on, outcome } => Some(json!({"on": on.to_string(), "outcome": outcome_label(*outcome)})),
        _ => None,
    };
    let title = format!("申请 {code}");
    let body = state.templates.render(
        "request.html",
        json!({
            "chrome": Chrome::new(session, &title, "requests"),
            "r": {
                "code": code, "name": stored.applicant_name,
                // Masked unless asked for (and then audited).
                "contact": if reveal { stored.contact.clone() } else { ogi_rules::identity::mask_contact(&stored.contact) },
                "contact_masked": !reveal && ogi_rules::identity::mask_contact(&stored.contact) != stored.contact,
                // Sent back with each event form: a second clerk acting on
                // the same request meanwhile makes the first one's refused.
                "version": r.events().len(),
                "kind": r.applicant.label(), "channel": r.channel.label(),
                "confirmation": r.channel.needs_confirmation(),
                // Filed online: letters can be delivered on the tracking page.
                "online": r.channel == ogi_rules::request::Channel::Online,
                "received": r.received.to_string(), "summary": stored.summary,
                "state": current.key(), "state_label": current.label(),
                "due": due.as_ref().map(|d| d.to_string()), "due_note": due.as_ref().and_then(|d| d.reason()),
                "left": left, "late": late, "closed": closed,
            },
            "why": why, "timeline": timeline,
            "audit": audit.iter().map(audit_view).collect::<Vec<_>>(),
            "attachments": files.iter().map(super::portal::file_view).collect::<Vec<_>>(),
            "forms": forms, "hidden": hidden, "orphan": orphan, "refused": refused, "late_answer": late_answer,
            "letters": letters,
            "delivered": delivered.iter().map(|(d, _)| json!({"date": d.on.to_string(), "title": d.title})).collect::<Vec<_>>(),
            "read_only": read_only,
            "notices": notices.iter().map(|n| notice_view(n, r)).collect::<Vec<_>>(),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// An e-mail to the applicant as the request's page lists it: which step, and
/// whether it went out (the relay's last error if not).
fn notice_view(n: &ogi_store::online::NoticeState, r: &ogi_rules::request::Request) -> Value {
    use ogi_store::online::{Step, MAX_TRIES};
    let what = match n.step {
        Step::Submitted => "回执（含查询码）".to_string(),
        Step::Confirmed => "确认收到申请".to_string(),
        Step::Event => n
            .seq
            .and_then(|i| r.events().get((i as usize).wrapping_sub(1)))
            .map_or_else(|| "办理事项".to_string(), |e| e.label().to_string()),
        Step::Letter => "在线送达文书".to_string(),
    };
    let state = match (n.sent_at, n.attempts) {
        (Some(at), _) => format!("已发送（{}）", crate::auth::show_time(at)),
        (None, t) if t >= MAX_TRIES => format!("未能发送：{}", n.last_error.as_deref().unwrap_or("")),
        (None, 0) => "待发送".to_string(),
        (None, t) => format!("重试中（已试 {t} 次：{}）", n.last_error.as_deref().unwrap_or("")),
    };
    json!({"what": what, "state": state})
}
