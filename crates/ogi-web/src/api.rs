//! The JSON API under `/api/`: the register's operations for the 政务服务
//! platforms that push online requests in, and for scripts. Described by a
//! hand-written OpenAPI document (`static/openapi.json`, served at
//! `/api/openapi.json`).
//!
//! Authentication is the workbench's: `Authorization: Bearer <token>` (an API
//! token issued to a user), or a browser session cookie with `X-CSRF-Token`
//! on writes (both resolved by [`crate::auth::middleware`]). Role rules are
//! the pages' (延期 and 答复 need a 负责人). Every error is JSON with a
//! Chinese `error` (and `fields` for invalid input), never HTML.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, RawQuery, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ogi_rules::input::{self, EventInput, NewRequestInput};
use ogi_rules::request::{Due, Event, State as ReqState};
use ogi_rules::{Calendar, Date};
use ogi_store::{ListRow, Store, StoreError, Stored};
use ogi_vocab::cells::T3Row;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::auth::Session;
use crate::state::AppState;
use crate::view::AppError;

/// The OpenAPI 3.0 document of every route below.
pub const OPENAPI: &str = include_str!("../static/openapi.json");

/// Most rows one page of `GET /api/requests` returns.
pub const MAX_PER_PAGE: u64 = 200;
const DEFAULT_PER_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/requests", get(list).post(create))
        .route("/api/requests/{code}", get(detail))
        .route("/api/requests/{code}/events", post(add_event))
        .route("/api/reports/{year}", get(report))
        .route("/api/openapi.json", get(openapi))
}

/// The routes that take a published report (the larger body limit).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/api/check", post(check))
}

// ---- errors ----

/// An API error: status, Chinese message, and the fields at fault.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: String,
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError { status, error: error.into(), fields: BTreeMap::new() }
    }

    fn fields(status: StatusCode, error: &str, fields: BTreeMap<String, String>) -> ApiError {
        ApiError { status, error: error.into(), fields }
    }

    fn not_found() -> ApiError {
        // The same body whatever the code was: nothing about what exists.
        ApiError::new(StatusCode::NOT_FOUND, "未找到")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.error});
        if !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        (self.status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) | StoreError::NoRecord { .. } => ApiError::not_found(),
            // The law's refusal, in its own words; nothing was saved.
            StoreError::Rule(e) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            StoreError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            other => ApiError::from(AppError::from(other)),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        e.log();
        ApiError::new(e.status(), e.message())
    }
}

type ApiResult = Result<Response, ApiError>;

/// Errors made outside the API's handlers (the CSRF check, an unknown path,
/// a wrong method, a body over the limit) as JSON for `/api/` paths: a
/// client of the API never gets an HTML page.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let limit = resp.extensions().get::<crate::view::BodyLimit>().map_or(crate::MAX_UPLOAD, |l| l.0);
    let too_large = format!("请求体过大（上限 {} MB）", limit / (1024 * 1024));
    let message = match status {
        StatusCode::UNAUTHORIZED => "未登录或令牌无效",
        // The only page-style 403 under /api/ is the CSRF check of a cookie session.
        StatusCode::FORBIDDEN => {
            "CSRF 校验失败：用浏览器会话调用写操作须带 X-CSRF-Token 请求头；外部系统请使用 Authorization: Bearer 令牌"
        }
        StatusCode::NOT_FOUND => "没有这个接口",
        StatusCode::METHOD_NOT_ALLOWED => "该接口不支持此请求方法",
        StatusCode::PAYLOAD_TOO_LARGE => too_large.as_str(),
        StatusCode::REQUEST_TIMEOUT => "请求处理超时，未完成；写操作可能已经生效，请先查询结果再决定是否重试",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "请求体类型不受支持",
        StatusCode::TOO_MANY_REQUESTS => "请求过于频繁，请稍后再试",
        s if s.is_server_error() => "服务器内部错误，请稍后再试；如果问题持续，请联系管理员查看日志",
        _ => "请求有误，无法处理",
    };
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut out = ApiError::new(status, message).into_response();
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out
}

// ---- request bodies ----

/// A JSON object body. Anything else is a 400 (not JSON, not an object) or a
/// 415 (not declared as JSON), as JSON.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
            });
        if !declared {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "请求体须为 JSON（Content-Type: application/json）",
            ));
        }
        let bytes = body_bytes(req, state).await?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(JsonObject(m)),
            Ok(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "请求体应为 JSON 对象（{…}）")),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("请求体不是有效的 JSON（第 {} 行第 {} 列附近）", e.line(), e.column()),
            )),
        }
    }
}

/// The whole body, within the router's limit (413 as JSON beyond it).
async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // Refused before reading a byte of it.
    if declared.is_some_and(|n| n > crate::MAX_UPLOAD as u64) {
        return Err(too_large());
    }
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "请求体读取失败")
        }
    })
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("请求体过大（上限 {} MB）", crate::MAX_UPLOAD / 1024 / 1024))
}

// ---- views ----

fn date_json(d: Option<Date>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

fn outcome_json(o: Option<T3Row>) -> (Value, Value) {
    match o {
        Some(o) => (Value::String(o.key()), Value::String(o.label())),
        None => (Value::Null, Value::Null),
    }
}

fn list_item(r: &ListRow, cal: &Calendar) -> Value {
    let (outcome, outcome_label) = outcome_json(r.outcome);
    json!({
        "code": r.code,
        "applicant_name": r.applicant_name,
        "applicant": r.applicant.key(),
        "applicant_label": r.applicant.label(),
        "channel": r.channel.key(),
        "channel_label": r.channel.label(),
        "received": r.received.to_string(),
        "state": r.state,
        "state_label": r.state_label(),
        "due": date_json(r.due),
        // Why the due date is 暂定 (its year's holidays not loaded), else null.
        "due_provisional": r.due.and_then(|d| Due::new(cal, r.received, d).reason()),
        "closed_on": date_json(r.closed_on),
        "outcome": outcome,
        "outcome_label": outcome_label,
        "summary": r.summary,
    })
}

fn state_key(s: &ReqState) -> (&'static str, &'static str) {
    (s.key(), s.label())
}

fn event_json(e: &Event) -> Value {
    let mut v = json!({"kind": e.key(), "kind_label": e.label(), "on": e.date().to_string()});
    match e {
        Event::CorrectionRequested { reply_by, .. } => v["reply_by"] = json!(reply_by.to_string()),
        Event::Extended { days, approver, .. } => {
            v["days"] = json!(days);
            v["approver"] = json!(approver);
        }
        Event::FeeNoticed { yuan, delivered, .. } => {
            v["yuan"] = json!(yuan);
            v["delivered"] = json!(delivered.to_string());
        }
        Event::ConsultationStarted { delivered, party, .. } => {
            v["delivered"] = json!(delivered.to_string());
            v["party"] = json!(party.key());
        }
        Event::Answered { outcome, .. } => {
            v["outcome"] = json!(T3Row::Outcome(*outcome).key());
            v["outcome_label"] = json!(T3Row::Outcome(*outcome).label());
        }
        _ => {}
    }
    v
}

/// A request with its events, state, due date and why that date; the
/// applicant's contact masked unless `reveal` (a view the caller audited).
fn request_json(s: &Stored, cal: &Calendar, reveal: bool) -> Value {
    let r = &s.request;
    let state = r.state();
    let (key, label) = state_key(&state);
    let (closed_on, outcome) = match &state {
        ReqState::Closed { on, outcome } => (Some(*on), Some(T3Row::Outcome(*outcome))),
        _ => (None, None),
    };
    let (outcome, outcome_label) = outcome_json(outcome);
    let explanation = r.explain_deadline(cal).ok();
    let mut v = json!({
        "code": s.code,
        // How many events it has: send it back as `version` with an event
        // to have it refused (409) if someone else acted first.
        "version": r.events().len(),
        "applicant_name": s.applicant_name,
        "contact": if reveal { s.contact.clone() } else { ogi_rules::identity::mask_contact(&s.contact) },
        "applicant": r.applicant.key(),
        "applicant_label": r.applicant.label(),
        "channel": r.channel.key(),
        "channel_label": r.channel.label(),
        "received": r.received.to_string(),
        "summary": s.summary,
        "state": key,
        "state_label": label,
        "due": date_json(r.due(cal).ok().flatten()),
        "due_provisional": r.due_status(cal).ok().flatten().and_then(|d| d.reason()),
        // An open consultation's last day for an opinion (then the clock runs again).
        "consultation_until": date_json(r.consultation_window(cal).ok().flatten()),
        "late_answer": r.late_answer(cal).ok().flatten().map_or(Value::Null, |l| json!({"due": l.due.to_string(), "workdays": l.workdays})),
        "due_explanation": explanation.map_or(Value::Null, |e| json!({"due": e.due.to_string(), "steps": e.steps, "provisional": !e.provisional.is_empty()})),
        "closed_on": date_json(closed_on),
        "outcome": outcome,
        "outcome_label": outcome_label,
        "events": r.events().iter().map(event_json).collect::<Vec<_>>(),
    });
    match state {
        ReqState::AwaitingCorrection { reply_by } => v["reply_by"] = json!(reply_by.to_string()),
        ReqState::Consulting { since } => v["paused_since"] = json!(since.to_string()),
        ReqState::AwaitingPayment { since, yuan } => {
            v["paused_since"] = json!(since.to_string());
            v["fee_yuan"] = json!(yuan);
        }
        _ => {}
    }
    v
}

fn ok_json(status: StatusCode, v: Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(v)).into_response()
}

// ---- handlers ----

/// `GET /api/requests`: the register with the page's filters, paged.
async fn list(State(state): State<AppState>, session: Session, RawQuery(raw): RawQuery) -> ApiResult {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default())
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "查询字符串无法解析"))?;
    let mut query = ogi_store::export::FilterInput::default();
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let (mut page, mut per_page) = (1u64, DEFAULT_PER_PAGE);
    for (k, v) in pairs {
        match k.as_str() {
            "state" => query.state = v,
            "applicant" => query.applicant = v,
            "channel" => query.channel = v,
            "outcome" => query.outcome = v,
            "from" => query.from = v,
            "to" => query.to = v,
            "q" => query.q = v,
            "late" => query.late = v,
            "page" => match v.parse::<u64>() {
                Ok(n) if n >= 1 => page = n,
                _ => {
                    errors.insert(k, "页码应为正整数".into());
                }
            },
            "per_page" => match v.parse::<u64>() {
                Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => per_page = n,
                _ => {
                    errors.insert(k, format!("每页条数应为 1 到 {MAX_PER_PAGE} 之间的整数"));
                }
            },
            _ => {
                errors.insert(k, "未知的查询参数".into());
            }
        }
    }
    let filter = query.filter();
    if let Err(e) = &filter {
        errors.extend(e.iter().map(|(k, m)| (k.to_string(), m.clone())));
    }
    let filter = match filter {
        Ok(f) if errors.is_empty() => f,
        _ => return Err(ApiError::fields(StatusCode::BAD_REQUEST, "查询条件有误，请按 fields 修改", errors)),
    };
    let offset = (page - 1).saturating_mul(per_page);
    let (rows, total) = state.read_as(&session, move |s| s.list(&filter, offset, per_page)).await?;
    let cal = state.cal();
    Ok(ok_json(
        StatusCode::OK,
        json!({
            "total": total,
            "page": page,
            "per_page": per_page,
            "items": rows.iter().map(|r| list_item(r, &cal)).collect::<Vec<_>>(),
        }),
    ))
}

/// `POST /api/requests`: registers one request.
async fn create(State(state): State<AppState>, session: Session, JsonObject(body): JsonObject) -> ApiResult {
    let (typed, mut errors): (NewRequestInput, _) = typed_fields(&body, NEW_REQUEST_FIELDS, &[]);
    let new = input::new_request(&typed, state.today(), &state.cal());
    let new = checked(new, &mut errors)?;
    let actor = session.user.username.clone();
    let st = state.clone();
    let stored = state.write_as(&session, move |s| s.create(new, &actor, &st.cal())).await?;
    let mut resp = ok_json(StatusCode::CREATED, request_json(&stored, &state.cal(), false));
    if let Ok(v) = HeaderValue::from_str(&format!("/api/requests/{}", stored.code)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

const NEW_REQUEST_FIELDS: &[&str] =
    &["channel", "applicant", "applicant_name", "contact", "arrived", "confirmed", "summary"];
const EVENT_FIELDS: &[&str] = &["kind", "on", "reply_by", "days", "yuan", "outcome", "delivered", "party", "version"];

/// A JSON object as the text fields every door checks alike (`ogi_rules::input`):
/// strings as they are, whole numbers (for `numeric` fields) as digits, `null`
/// as absent; and what JSON alone can get wrong (an unknown field, a value of
/// the wrong type), to be reported with the rest.
fn typed_fields<T: serde::de::DeserializeOwned + Default>(
    body: &Map<String, Value>,
    known: &[&str],
    numeric: &[&str],
) -> (T, BTreeMap<String, String>) {
    let mut errors = BTreeMap::new();
    let mut fields = Map::new();
    for (k, v) in body {
        if !known.contains(&k.as_str()) {
            errors.insert(k.clone(), "未知字段".to_string());
            continue;
        }
        let text = match v {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) if numeric.contains(&k.as_str()) && n.is_u64() => n.to_string(),
            _ if numeric.contains(&k.as_str()) => {
                errors.insert(k.clone(), "应为整数".to_string());
                continue;
            }
            _ => {
                errors.insert(k.clone(), "应为字符串".to_string());
                continue;
            }
        };
        fields.insert(k.clone(), Value::String(text));
    }
    (serde_json::from_value(Value::Object(fields)).unwrap_or_default(), errors)
}

/// The checked value, or every wrong field: the JSON's own and the rules'.
fn checked<T>(checked: Result<T, input::FieldErrors>, errors: &mut BTreeMap<String, String>) -> Result<T, ApiError> {
    if let Err(rules) = &checked {
        for (k, v) in rules {
            errors.entry(k.to_string()).or_insert_with(|| v.clone());
        }
    }
    match checked {
        Ok(v) if errors.is_empty() => Ok(v),
        _ => Err(ApiError::fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "提交的内容有误，请按 fields 修改",
            std::mem::take(errors),
        )),
    }
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    /// `contact`: the applicant's contact in full, the view written to the audit log.
    #[serde(default)]
    reveal: String,
}

/// `GET /api/requests/{code}[?reveal=contact]`.
async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Query(q): Query<DetailQuery>,
) -> ApiResult {
    let reveal = match q.reveal.as_str() {
        "" => false,
        "contact" => true,
        _ => return Err(ApiError::new(StatusCode::BAD_REQUEST, "reveal 只能是 contact")),
    };
    let c = code.clone();
    let stored = state.read_as(&session, move |s| s.get(&c)).await?;
    if reveal {
        let actor = session.user.username.clone();
        state
            .write_as(&session, move |s| s.audit_unmasked_view(ogi_store::online::Viewed::Request(&code), &actor))
            .await?;
    }
    Ok(ok_json(StatusCode::OK, request_json(&stored, &state.cal(), reveal)))
}

/// `POST /api/requests/{code}/events`: records what happened, if the law allows it.
async fn add_event(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult {
    let (typed, mut errors): (EventInput, _) = typed_fields(&body, EVENT_FIELDS, &["days", "yuan", "version"]);
    // The role rule before anything else is judged: a clerk learns that they
    // may not, not what else was wrong.
    let kind = typed.kind.trim().replace('-', "_");
    if let Some((_, label)) = Event::KINDS.iter().find(|(k, _)| *k == kind && Event::kind_needs_head(k)) {
        session.must_decide(label)?;
    }
    let event = input::event(&typed, &session.user.display_name, state.today(), &state.cal());
    let event = checked(event, &mut errors)?;
    let seen = input::version(&typed);
    let actor = session.user.username.clone();
    let st = state.clone();
    let stored = state.write_as(&session, move |s| s.record_seen(&code, seen, event, &actor, &st.cal())).await?;
    Ok(ok_json(StatusCode::OK, request_json(&stored, &state.cal(), false)))
}

/// `GET /api/reports/{year}`: the year's report drafted from the records, and what the checker says of it.
async fn report(State(state): State<AppState>, session: Session, Path(year): Path<String>) -> ApiResult {
    let year: i16 = year
        .parse()
        .ok()
        .filter(|y| (1000..=9999).contains(y))
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "年度应为四位数字，如 2024"))?;
    let draft_err = |e: ogi_rules::annual::DraftError| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
    if year < ogi_rules::annual::FIRST_YEAR {
        return Err(draft_err(ogi_rules::annual::DraftError::UnsupportedYear(year)));
    }
    if year > state.today().year() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{year} 年尚未开始，不能生成年度报告")));
    }
    let (records, previous) = state
        .read_as(&session, move |s| {
            let previous = if year > ogi_rules::annual::FIRST_YEAR { Some(s.annual_records(year - 1)?) } else { None };
            Ok((s.annual_records(year)?, previous))
        })
        .await?;
    let report = ogi_rules::annual::draft(&records).map_err(draft_err)?;
    // The year before, when it drafts, lets the checker compare carried-over figures.
    let previous = previous.and_then(|p| ogi_rules::annual::draft(&p).ok());
    let diagnostics = ogi_report::check::check(&report, previous.as_ref());
    // The report as `ogi report render --to json` prints it.
    let report: Value = serde_json::from_str(&ogi_report::render::json(&report))
        .map_err(|e| ApiError::from(AppError::Internal(e.to_string())))?;
    Ok(ok_json(StatusCode::OK, json!({"year": year, "report": report, "diagnostics": diagnostics})))
}

#[derive(Deserialize)]
struct CheckQuery {
    filename: Option<String>,
}

/// `POST /api/check`: reads a published report (the body's bytes) and checks it.
async fn check(
    State(state): State<AppState>,
    _session: Session,
    Query(q): Query<CheckQuery>,
    req: Request,
) -> ApiResult {
    let bytes = body_bytes(req, &state).await?;
    if bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请求体为空：请把年度报告文件的内容作为请求体上传",
        ));
    }
    let name = q.filename.filter(|n| !n.trim().is_empty());
    // Reading is CPU work: off the async workers, and bounded in time.
    let reading = tokio::task::spawn_blocking(move || {
        ogi_report::read(&bytes, name.as_deref()).map(|r| {
            let diagnostics = ogi_report::check::check(&r, None);
            (r, diagnostics)
        })
    });
    let (report, diagnostics) = match tokio::time::timeout(crate::pages::check::READ_TIMEOUT, reading).await {
        Ok(Ok(Ok(r))) => r,
        Ok(Ok(Err(e))) => return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
        Ok(Err(_)) => return Err(AppError::Internal("读取报告的任务失败".into()).into()),
        Err(_) => return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "读取超时：文件过于复杂")),
    };
    let cells: BTreeMap<String, Value> = report.cells.iter().map(|(k, c)| (k.to_string(), json!(c.value))).collect();
    Ok(ok_json(
        StatusCode::OK,
        json!({
            "agency": report.meta.agency,
            "year": report.meta.year,
            "template": report.meta.template,
            "title": report.meta.title,
            "cells": cells,
            "notes": report.notes,
            "diagnostics": diagnostics,
        }),
    ))
}

/// `GET /api/openapi.json` (no login: it describes, it does not reveal).
async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "max-age=3600")], OPENAPI).into_response()
}
