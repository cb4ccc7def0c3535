//! The public side, no login: 网上申请 (`/apply`, the form of 第二十九条), and
//! 申请查询 (`/track/{code}`: the status, the due date once it runs, the public
//! timeline). And the staff's side of it: 网上申请待确认 (`/online`), where a
//! clerk confirms an application — the day of confirmation is its receipt
//! date (第三十一条) — and it becomes a request of the register.
//!
//! Nothing internal is shown to the public: no notes, no staff names, no
//! audit; an unknown code gets the same 404 as a mistyped one, and more than
//! [`MAX_UNKNOWN_LOOKUPS`] a minute from one address get 429.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequest;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use axum::Form;
use ogi_rules::identity::{mask, TrackingCode};
use ogi_rules::input::{self, ApplicationInput, Delivery, FieldErrors, IdKind};
use ogi_rules::request::{Due, Event, State as RState};
use ogi_store::online::{Attachment, AttachmentsOf, Filed};
use ogi_store::{Store, StoreError};
use ogi_vocab::cells::ApplicantColumn;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{token_hash, Session};
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

/// Lookups of unknown tracking codes allowed per address and minute.
pub const MAX_UNKNOWN_LOOKUPS: u32 = 20;
/// Applications allowed per address, and per ID number, in an hour.
pub const MAX_SUBMISSIONS_PER_ADDRESS: u32 = 30;
pub const MAX_SUBMISSIONS_PER_ID: u32 = 5;

/// What the public side keeps between requests: counters and the form's challenges.
#[derive(Default)]
pub struct PublicSide {
    counts: Counters,
    challenges: super::challenge::Challenges,
}

/// Counts per key in a fixed window (lookups of unknown codes, submissions).
#[derive(Default)]
struct Counters {
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Counters {
    /// Counts one more for `key`; false once `limit` is reached within `window`.
    fn allow(&self, key: &str, limit: u32, window: Duration) -> bool {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, t)| t.elapsed() <= window);
        }
        let e = map.entry(key.to_string()).or_insert((0, Instant::now()));
        if e.1.elapsed() > window {
            *e = (0, Instant::now());
        }
        if e.0 >= limit {
            return false;
        }
        e.0 += 1;
        true
    }

    fn over(&self, key: &str, limit: u32, window: Duration) -> bool {
        let map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).is_some_and(|(n, t)| t.elapsed() <= window && *n >= limit)
    }
}

/// The public pages' frame: no staff navigation.
fn public_chrome(title: &str) -> Chrome<'_> {
    Chrome { title, nav: "public", user: None, csrf: String::new() }
}

fn too_many(state: &AppState, what: &str) -> Result<Response, AppError> {
    let body = state.templates.render(
        "error.html",
        json!({"chrome": public_chrome("请求过于频繁"), "title": "请求过于频繁", "message": format!("{what}过于频繁，请稍后再试。")}),
    )?;
    Ok((StatusCode::TOO_MANY_REQUESTS, [(axum::http::header::RETRY_AFTER, "60")], html(body)).into_response())
}

// ------------------------------------------------------------------ 网上申请

fn options() -> Value {
    json!({
        "applicants": ApplicantColumn::KINDS.iter().map(|a| json!({"key": a.key(), "label": applicant_plain(*a)})).collect::<Vec<_>>(),
        "id_kinds": IdKind::ALL.iter().map(|k| json!({"key": k.key(), "label": k.label()})).collect::<Vec<_>>(),
        "deliveries": Delivery::ALL.iter().map(|d| json!({"key": d.key(), "label": d.label()})).collect::<Vec<_>>(),
        "max_summary": input::max::SUMMARY,
        "max_name": input::max::APPLICANT_NAME,
    })
}

/// The six kinds of applicant (table 三's columns) in plain words.
fn applicant_plain(a: ApplicantColumn) -> &'static str {
    match a {
        ApplicantColumn::Natural => "个人（自然人）",
        ApplicantColumn::Commercial => "企业",
        ApplicantColumn::Research => "科研机构",
        ApplicantColumn::Nonprofit => "社会公益组织",
        ApplicantColumn::LegalService => "法律服务机构（律师事务所等）",
        _ => "其他组织",
    }
}

/// The agency an application is made to: its id, code and name as the applicant reads it.
#[derive(Clone)]
struct ToAgency {
    id: i64,
    /// `None`: the deployment's only agency (the form is at `/apply`).
    code: Option<String>,
    name: String,
}

#[derive(Deserialize)]
pub struct TextSizeQuery {
    size: Option<String>,
    back: Option<String>,
}

/// `/text-size?size=large|normal&back=PAGE`: 大字版 on or off (kept a year
/// in a cookie), then back to the page it was chosen on.
pub async fn text_size(
    jar: axum_extra::extract::CookieJar,
    axum::extract::Query(q): axum::extract::Query<TextSizeQuery>,
) -> Response {
    let back = crate::auth::safe_next(q.back.as_deref());
    let (value, max_age) = match q.size.as_deref() {
        Some("large") => ("large", 365 * 24 * 3600),
        _ => ("", 0),
    };
    // Lax, not Strict: the choice holds when the applicant arrives from a link
    // on the government's site. It is a preference, not a credential.
    let cookie = axum_extra::extract::cookie::Cookie::build((crate::view::TEXT_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(axum_extra::extract::cookie::SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .secure(crate::auth::SECURE_COOKIES.load(std::sync::atomic::Ordering::Relaxed))
        .build();
    let jar = jar.add(cookie);
    (jar, Redirect::to(&back)).into_response()
}

/// How the public pages name agency `id`: the root by the agency's name
/// setting (as its letters print it), every other by its name in the tree.
pub(crate) async fn agency_title(state: &AppState, id: i64) -> Result<String, AppError> {
    // Agencies' names are public: read from the directory.
    let named = state
        .read_in(ogi_store::Scope::public_in(id), move |s| {
            let setting = if id == ogi_store::ROOT_AGENCY { s.setting(ogi_store::AGENCY_NAME)? } else { None };
            Ok(setting.or_else(|| s.agency_directory().ok()?.into_iter().find(|a| a.id == id).map(|a| a.name)))
        })
        .await?;
    Ok(named.unwrap_or_default())
}

/// The agency `/apply/{code}` names (404 when there is none).
async fn to_agency(state: &AppState, code: Option<String>) -> Result<ToAgency, AppError> {
    let Some(code) = code else {
        let name = agency_title(state, ogi_store::ROOT_AGENCY).await?;
        return Ok(ToAgency { id: ogi_store::ROOT_AGENCY, code: None, name });
    };
    let c = code.clone();
    let found = state
        .read_in(ogi_store::Scope::PUBLIC, move |s| Ok(s.agency_directory()?.into_iter().find(|a| a.code == c)))
        .await?;
    let agency = found.ok_or(AppError::NotFound)?;
    let name = agency_title(state, agency.id).await?;
    Ok(ToAgency { id: agency.id, code: Some(code), name })
}

async fn apply_page(
    state: &AppState,
    session: Option<&Session>,
    to: &ToAgency,
    form: &ApplicationInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let challenge = state.portal.challenges.new_challenge();
    let body = state.templates.render(
        "apply.html",
        json!({
            "challenge": {"words": challenge.words, "digits": challenge.digits, "token": challenge.token},
            "chrome": public_chrome("网上申请政府信息公开"),
            // A signed-in staff member posting the form still needs the CSRF token.
            "csrf": session.map(|s| s.csrf.clone()).unwrap_or_default(),
            "agency": to.name,
            "to_code": to.code.as_deref().map(utf8_percent),
            "picked": to.code.is_some(),
            "f": form,
            "errors": errors,
            "o": options(),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// An agency code in a path: codes are letters, digits and `-`/`_` as
/// imported, but nothing else is trusted into a URL.
fn utf8_percent(code: &str) -> String {
    code.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct PickQuery {
    /// Words of the agency's name to search for.
    #[serde(default)]
    pub q: String,
}

/// `GET /apply`: the form, or — when the deployment holds many agencies —
/// the agency to apply to, picked from the tree or found by name.
pub async fn apply_form(
    State(state): State<AppState>,
    Extension(session): Extension<Option<Session>>,
    axum::extract::Query(q): axum::extract::Query<PickQuery>,
) -> Result<Response, AppError> {
    // The tree of agencies is public (names and kinds only are shown).
    let agencies = state.read_in(ogi_store::Scope::PUBLIC, |s| s.agency_directory()).await?;
    if agencies.len() <= 1 {
        let to = to_agency(&state, None).await?;
        return apply_page(
            &state,
            session.as_ref(),
            &to,
            &ApplicationInput::default(),
            &FieldErrors::new(),
            StatusCode::OK,
        )
        .await;
    }
    let words: Vec<String> = q.q.split_whitespace().take(5).map(|w| w.chars().take(30).collect()).collect();
    let root_name = agency_title(&state, ogi_store::ROOT_AGENCY).await?;
    let rows: Vec<Value> = agencies
        .iter()
        .map(|a| {
            let name = if a.id == ogi_store::ROOT_AGENCY && !root_name.is_empty() {
                root_name.clone()
            } else {
                a.name.clone()
            };
            (a, name)
        })
        .filter(|(_, name)| words.iter().all(|w| name.contains(w.as_str())))
        .map(|(a, name)| {
            json!({
                "code": utf8_percent(&a.code), "name": name,
                "kind": a.kind.label(),
                // Indented by depth in the tree; flat when searching.
                "depth": if words.is_empty() { a.depth.min(6) } else { 0 },
            })
        })
        .collect();
    let body = state.templates.render(
        "apply_pick.html",
        json!({"chrome": public_chrome("网上申请：选择受理机关"), "rows": rows, "q": q.q.chars().take(100).collect::<String>(), "searched": !words.is_empty()}),
    )?;
    Ok(html(body).into_response())
}

/// `GET /apply/{agency}`: the form for one agency of the deployment.
pub async fn apply_form_for(
    State(state): State<AppState>,
    Extension(session): Extension<Option<Session>>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let to = to_agency(&state, Some(code)).await?;
    apply_page(&state, session.as_ref(), &to, &ApplicationInput::default(), &FieldErrors::new(), StatusCode::OK).await
}

/// Files an applicant may attach: PDF, JPEG, PNG — by their first bytes,
/// whatever their names say — at most this many and this much in all.
pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// The type of an attachment, from its content.
pub fn attachment_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// What the information delivered online may be, by content (and, for the
/// zipped office formats, by name): PDF, images, Word, Excel, OFD.
pub fn information_type(name: &str, bytes: &[u8]) -> Option<&'static str> {
    if let Some(t) = attachment_type(bytes) {
        return Some(t);
    }
    let lower = name.to_lowercase();
    let zipped = bytes.starts_with(b"PK\x03\x04");
    match lower.rsplit('.').next() {
        Some("docx") if zipped => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        Some("xlsx") if zipped => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Some("ofd") if zipped => Some("application/ofd"),
        _ => None,
    }
}

/// The files a form takes: the type of each (none: refused) and, for the
/// refusal, what they may be.
#[derive(Clone, Copy)]
pub(crate) struct Accepts {
    pub kind: fn(&str, &[u8]) -> Option<&'static str>,
    pub what: &'static str,
}

/// What an applicant may attach: PDF, JPG or PNG, by content.
const APPLICANT_FILES: Accepts = Accepts { kind: |_, bytes| attachment_type(bytes), what: "PDF、JPG 或 PNG" };
/// What staff may deliver as the information itself.
pub(crate) const INFORMATION_FILES: Accepts =
    Accepts { kind: information_type, what: "PDF、JPG、PNG、Word、Excel 或 OFD" };

/// The application form as posted.
async fn read_form(state: &AppState, req: axum::extract::Request) -> Result<Posted, AppError> {
    let (fields, files) = read_fields(state, req, APPLICANT_FILES).await?;
    Ok(Posted::from_fields(fields, files))
}

/// A form as posted, urlencoded or multipart: its text fields and its files
/// of the types `kind` takes (or why the files are refused).
#[allow(clippy::type_complexity)]
pub(crate) async fn read_fields(
    state: &AppState,
    req: axum::extract::Request,
    accepts: Accepts,
) -> Result<(Vec<(String, String)>, Result<Vec<Attachment>, String>), AppError> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if !multipart {
        let Form(fields) = Form::<std::collections::BTreeMap<String, String>>::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("提交的内容无法读取".into()))?;
        return Ok((fields.into_iter().collect(), Ok(Vec::new())));
    }
    let too_large = || AppError::TooLarge(format!("附件合计不能超过 {} MB", MAX_ATTACHMENT_BYTES / 1024 / 1024));
    let mut form = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|_| AppError::BadRequest("提交的内容无法读取".into()))?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut refused: Option<String> = None;
    let mut total = 0usize;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(AppError::BadRequest("上传中断或格式不正确，请重新提交".into())),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(AppError::BadRequest("上传中断或格式不正确，请重新提交".into())),
        };
        if name != "attachments" {
            fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            continue;
        }
        let file_name = file_name.unwrap_or_default();
        // A browser sends an empty part when no file was chosen.
        if file_name.is_empty() && bytes.is_empty() {
            continue;
        }
        total += bytes.len();
        let shown: String = file_name.chars().filter(|c| !c.is_control()).take(100).collect();
        let problem = if bytes.is_empty() {
            Some(format!("附件“{shown}”是空文件"))
        } else if files.len() >= MAX_ATTACHMENTS {
            Some(format!("附件最多 {MAX_ATTACHMENTS} 个"))
        } else if total > MAX_ATTACHMENT_BYTES {
            Some(format!("附件合计不能超过 {} MB", MAX_ATTACHMENT_BYTES / 1024 / 1024))
        } else {
            match (accepts.kind)(&shown, &bytes) {
                Some(mime) => {
                    files.push(Attachment { name: shown.clone(), mime, bytes: bytes.to_vec() });
                    None
                }
                None => Some(format!("附件“{shown}”不是 {} 文件（按文件内容判断）", accepts.what)),
            }
        };
        if refused.is_none() {
            refused = problem;
        }
    }
    Ok((fields, refused.map_or(Ok(files), Err)))
}

/// The public form as posted.
struct Posted {
    input: ApplicationInput,
    /// The files, or why they are refused.
    files: Result<Vec<Attachment>, String>,
    challenge: String,
    answer: String,
}

impl Posted {
    fn from_fields(fields: Vec<(String, String)>, files: Result<Vec<Attachment>, String>) -> Posted {
        let mut challenge = String::new();
        let mut answer = String::new();
        let mut map = serde_json::Map::new();
        for (k, v) in fields {
            match k.as_str() {
                "challenge" => challenge = v,
                "answer" => answer = v,
                _ => _ = map.insert(k, Value::String(v)),
            }
        }
        let input = serde_json::from_value(Value::Object(map)).unwrap_or_default();
        Posted { input, files, challenge, answer }
    }
}

pub async fn apply(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Extension(session): Extension<Option<Session>>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let to = to_agency(&state, None).await?;
    file_application(state, peer, session, to, req).await
}

/// `POST /apply/{agency}`: an application to one agency of the deployment.
pub async fn apply_to(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Extension(session): Extension<Option<Session>>,
    Path(code): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let to = to_agency(&state, Some(code)).await?;
    file_application(state, peer, session, to, req).await
}

async fn file_application(
    state: AppState,
    peer: IpAddr,
    session: Option<Session>,
    to: ToAgency,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let Posted { input: form, files, challenge, answer } = read_form(&state, req).await?;
    let checked = input::application(&form);
    let person = state.portal.challenges.solved(&challenge, &answer);
    let (application, files) = match (checked, files, person) {
        (Ok(a), Ok(f), Ok(())) => (a, f),
        (checked, files, person) => {
            let mut errors = checked.err().unwrap_or_default();
            if let Err(m) = files {
                errors.insert("attachments", m);
            }
            if let Err(m) = person {
                errors.insert("answer", m.to_string());
            }
            return apply_page(&state, session.as_ref(), &to, &form, &errors, StatusCode::BAD_REQUEST).await;
        }
    };
    let hour = Duration::from_secs(3600);
    let by_address = format!("submit:{}", peer);
    let by_id = format!("submit-id:{}", token_hash(&application.id_number));
    if state.portal.counts.over(&by_id, MAX_SUBMISSIONS_PER_ID, hour)
        || !state.portal.counts.allow(&by_address, MAX_SUBMISSIONS_PER_ADDRESS, hour)
        || !state.portal.counts.allow(&by_id, MAX_SUBMISSIONS_PER_ID, hour)
    {
        return too_many(&state, "提交申请");
    }
    let mut bytes = [0u8; 10];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    let code = TrackingCode::from_bytes(bytes);
    let (code_text, hash) = (code.to_string(), token_hash(&code.to_string()));
    let today = state.today();
    // Filed into the agency picked (the public scope reads nothing back).
    state
        .write_in(ogi_store::Scope::public_in(to.id), move |s| {
            s.submit_application(&hash, &code_text, today, &application, &files)
        })
        .await?;
    Ok(Redirect::to(&format!("/track/{code}?filed=1")).into_response())
}

// ------------------------------------------------------------------ 申请查询

#[derive(Deserialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    pub code: String,
    /// Just filed: the page is the receipt.
    #[serde(default)]
    pub filed: String,
}

/// `/track`: the form to type a code into (or `?code=` from it).
pub async fn track_form(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<LookupQuery>,
) -> Result<Response, AppError> {
    if let Ok(code) = q.code.parse::<TrackingCode>() {
        return Ok(Redirect::to(&format!("/track/{code}")).into_response());
    }
    let error = (!q.code.trim().is_empty()).then_some("查询码应为 16 位字母和数字，如 7K3M-Q9XD-2HBT-W4ZP");
    let body = state.templates.render(
        "track.html",
        json!({"chrome": public_chrome("申请查询"), "lookup": true, "error": error, "code": q.code}),
    )?;
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, html(body)).into_response())
}

/// The application behind a typed code, counting unknown ones against the
/// address; `Err` is the response to give instead (404 alike, or 429).
async fn find(
    state: &AppState,
    peer: IpAddr,
    typed: &str,
) -> Result<Result<(TrackingCode, Filed), Response>, AppError> {
    let minute = Duration::from_secs(60);
    let key = format!("lookup:{}", peer);
    if state.portal.counts.over(&key, MAX_UNKNOWN_LOOKUPS, minute) {
        return too_many(state, "查询").map(Err);
    }
    let found = match typed.parse::<TrackingCode>() {
        Ok(code) => {
            let hash = token_hash(&code.to_string());
            state.read(move |s| s.application(&hash)).await?.map(|f| (code, f))
        }
        Err(_) => None,
    };
    match found {
        Some(found) => Ok(Ok(found)),
        None => {
            // Unknown and malformed alike: nothing said about what exists.
            state.portal.counts.allow(&key, MAX_UNKNOWN_LOOKUPS, minute);
            let body = state.templates.render(
                "track.html",
                json!({"chrome": public_chrome("申请查询"), "lookup": true, "error": "未找到与该查询码对应的申请，请核对查询码。", "code": typed}),
            )?;
            Ok(Err((StatusCode::NOT_FOUND, html(body)).into_response()))
        }
    }
}

pub async fn track(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Extension(session): Extension<Option<Session>>,
    Path(typed): Path<String>,
    axum::extract::Query(q): axum::extract::Query<LookupQuery>,
) -> Result<Response, AppError> {
    let (code, filed) = match find(&state, peer, &typed).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    track_page(&state, session.as_ref(), code, &filed, !q.filed.is_empty(), None, StatusCode::OK).await
}

async fn track_page(
    state: &AppState,
    session: Option<&Session>,
    code: TrackingCode,
    filed: &Filed,
    just_filed: bool,
    error: Option<(&str, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let view = public_view(state, filed).await?;
    let body = state.templates.render(
        "track.html",
        json!({
            "chrome": public_chrome("申请查询"),
            "csrf": session.map(|s| s.csrf.clone()).unwrap_or_default(),
            "code": code.to_string(),
            "filed": just_filed,
            "agency": agency_title(state, filed.agency_id).await?,
            "a": view,
            "error_field": error.as_ref().map(|(f, _)| *f),
            "error": error.map(|(_, m)| m),
            "max_summary": input::max::SUMMARY,
        }),
    )?;
    Ok((
        status,
        // The page is the applicant's own: never kept by a shared cache.
        [(axum::http::header::CACHE_CONTROL, "no-store"), (axum::http::header::REFERRER_POLICY, "no-referrer")],
        html(body),
    )
        .into_response())
}

/// What the applicant may see of their application and the request it became.
async fn public_view(state: &AppState, f: &Filed) -> Result<Value, AppError> {
    let a = &f.application;
    let mut v = json!({
        "submitted_on": f.submitted_on.to_string(),
        "name": a.name,
        "id": format!("{}：{}", a.id_kind.label(), mask(&a.id_number)),
        "summary": a.summary,
        "document": a.document,
        "delivery": a.delivery.label(),
        "confirmed": false,
    });
    let Some(code) = f.request_code.clone() else { return Ok(v) };
    // The tracking code (already checked) is the applicant's authority over
    // this one request of the agency it was made to.
    let theirs = ogi_store::Scope::code_holder_in(f.agency_id);
    let stored = state.read_in(theirs.clone(), move |s| s.get(&code)).await?;
    let r = &stored.request;
    let cal = state.cal();
    let current = r.state();
    let mut timeline = vec![
        json!({"date": f.submitted_on.to_string(), "what": "提交申请"}),
        json!({"date": r.received.to_string(), "what": "确认收到申请（收到申请之日，条例第三十一条）"}),
    ];
    for (i, e) in r.events().iter().enumerate() {
        timeline.push(json!({"date": e.date().to_string(), "what": e.for_applicant(), "details": step_details(&r.as_of(i + 1), e, &cal)}));
    }
    let due = match current {
        RState::Open | RState::Consulting { .. } => {
            r.due(&cal).ok().flatten().map(|d| Due::new(&cal, r.received, d).to_string())
        }
        _ => None,
    };
    // What the applicant sent and what was delivered to them, in one read.
    let code = stored.code.clone();
    let (messages, letters, files) = state
        .read_in(theirs, move |s| {
            Ok((s.applicant_messages(&code)?, s.delivered_letters(&code, None)?, s.delivered_files(&code)?))
        })
        .await?;
    let messages: Vec<Value> =
        messages.into_iter().map(|(on, _, text)| json!({"date": on.to_string(), "text": text})).collect();
    v["messages"] = json!(messages);
    v["letters"] = json!(letters
        .iter()
        .map(|(l, _)| {
            let with: Vec<Value> = files.iter().filter(|(id, _)| *id == l.id).map(|(_, f)| file_view(f)).collect();
            json!({"id": l.id, "title": l.title, "date": l.on.to_string(), "files": with})
        })
        .collect::<Vec<_>>());
    v["awaiting_correction"] = json!(matches!(current, RState::AwaitingCorrection { .. }));
    if let RState::AwaitingCorrection { reply_by } = current {
        v["reply_by"] = json!(reply_by.to_string());
    }
    v["open"] = json!(!matches!(current, RState::Closed { .. }));
    v["confirmed"] = json!(true);
    v["received"] = json!(r.received.to_string());
    v["state"] = json!(current.label());
    v["due"] = json!(due);
    v["timeline"] = json!(timeline);
    Ok(v)
}

/// What a step of the timeline means for the applicant's dates, as it stood
/// right after it (`then`): how long a consultation may pause the clock, the
/// due date an extension gives, by when a fee is to be paid.
pub(crate) fn step_details(then: &ogi_rules::request::Request, e: &Event, cal: &ogi_rules::Calendar) -> Option<String> {
    let due = || then.due(cal).ok().flatten();
    match e {
        Event::ConsultationStarted { .. } => {
            then.consultation_window(cal).ok().flatten().map(|d| format!("征求意见期间答复期限暂停计算，最迟至 {d}"))
        }
        Event::Extended { .. } => due().map(|d| format!("延长后的答复期限：{d}")),
        Event::FeeNoticed { yuan, .. } => then.payment_window(cal).ok().flatten().map(|d| {
            format!(
                "应缴信息处理费 {yuan} 元（计费方式和依据见收费通知书），请于 {d} 前缴纳；逾期未缴纳的，视为放弃申请"
            )
        }),
        Event::CorrectionReceived { .. } | Event::ConsultationEnded { .. } | Event::FeePaid { .. } => {
            due().map(|d| format!("答复期限：{d}"))
        }
        _ => None,
    }
}

/// The request an application became and the scope its tracking code
/// grants: that agency's rows only (404 before staff confirmed it).
fn holder(filed: &Filed) -> Result<(String, ogi_store::Scope), AppError> {
    let code = filed.request_code.clone().ok_or(AppError::NotFound)?;
    Ok((code, ogi_store::Scope::code_holder_in(filed.agency_id)))
}

/// `GET /track/{code}/letters/{id}[.docx]`: a letter delivered online, as
/// the agency sent it — a printable page or a Word file.
pub async fn track_letter(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path((typed, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (_, filed) = match find(&state, peer, &typed).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    let (id, docx) = match file.strip_suffix(".docx") {
        Some(id) => (id, true),
        None => (file.as_str(), false),
    };
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (code, theirs) = holder(&filed)?;
    let c = code.clone();
    let found = state.read_in(theirs, move |s| s.delivered_letters(&c, Some(id))).await?;
    let (kept, body) = found.into_iter().next().ok_or(AppError::NotFound)?;
    let letter = super::letters::kept_letter(&kept.kind, &body)
        .ok_or_else(|| AppError::Internal(format!("在线送达的文书 #{id} 无法读取")))?;
    if docx {
        return Ok(super::letters::docx_response(&letter, &code, &kept.kind));
    }
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store"), (axum::http::header::REFERRER_POLICY, "no-referrer")],
        html(ogi_letters::to_html(&letter)),
    )
        .into_response())
}

/// `GET /track/{code}/files/{id}`: the information itself, delivered online
/// with a letter (behind the same lookup limit and 404s as the page).
pub async fn track_file(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path((typed, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (_, filed) = match find(&state, peer, &typed).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (code, theirs) = holder(&filed)?;
    let found = state.read_in(theirs, move |s| s.delivered_file(&code, id)).await?;
    let (name, mime, bytes) = found.ok_or(AppError::NotFound)?;
    Ok(download(&name, mime, bytes, &format!("information-{id}")))
}

/// A stored file as a download (its type as checked when it came in; never
/// shown inline). The extension is the checked type's, whatever the uploader
/// named it: a JPEG named `证明.pdf` downloads as `证明.jpg`.
fn download(name: &str, mime: String, bytes: Vec<u8>, fallback: &str) -> Response {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let ext = match mime.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/ofd" => "ofd",
        _ => "png",
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, mime),
            (axum::http::header::CONTENT_DISPOSITION, crate::view::attachment(stem, fallback, ext)),
            (axum::http::header::CACHE_CONTROL, "no-store".to_string()),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// What the applicant sends from the tracking page.
#[derive(Deserialize, Default)]
pub struct ApplicantForm {
    /// The 补正: what was missing, in the applicant's words.
    #[serde(default)]
    pub text: String,
    /// A withdrawal must be confirmed (`1`).
    #[serde(default)]
    pub confirm: String,
}

/// `POST /track/{code}/correction`: the applicant's 补正, with files if
/// they like (PDF/JPG/PNG, checked as the application's); the clock restarts
/// today (第三十条).
pub async fn correction(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Extension(session): Extension<Option<Session>>,
    Path(typed): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let (fields, files) = read_fields(&state, req, APPLICANT_FILES).await?;
    let text = fields.into_iter().find(|(k, _)| k == "text").map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let (error, field) = match &files {
        _ if text.is_empty() => (Some("请填写补正的内容".to_string()), "text"),
        _ if text.chars().count() > input::max::SUMMARY => (Some("补正内容过长".to_string()), "text"),
        Err(m) => (Some(m.clone()), "attachments"),
        Ok(_) => (None, "text"),
    };
    let files = files.unwrap_or_default();
    let act = Act { field, error, words: text, files };
    applicant_act(&state, peer, session, &typed, act, |on| Event::CorrectionReceived { on }).await
}

/// `POST /track/{code}/withdraw`: the applicant withdraws while the request is open.
pub async fn withdraw(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Extension(session): Extension<Option<Session>>,
    Path(typed): Path<String>,
    Form(form): Form<ApplicantForm>,
) -> Result<Response, AppError> {
    let error = (form.confirm != "1").then(|| "请勾选“确认撤回”后再提交".to_string());
    let words = form.text.trim().chars().take(input::max::SUMMARY).collect::<String>();
    let act = Act { field: "confirm", error, words, files: Vec::new() };
    applicant_act(&state, peer, session, &typed, act, |on| Event::Withdrawn { on }).await
}

/// What the applicant sent from the tracking page, checked: their words and
/// files, or why they are refused (and which field to mark).
struct Act {
    field: &'static str,
    error: Option<String>,
    words: String,
    files: Vec<Attachment>,
}

async fn applicant_act(
    state: &AppState,
    peer: IpAddr,
    session: Option<Session>,
    typed: &str,
    act: Act,
    event: impl FnOnce(ogi_rules::Date) -> Event,
) -> Result<Response, AppError> {
    let (code, filed) = match find(state, peer, typed).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    let Act { field, error, words, files } = act;
    if let Some(e) = error {
        let back = Some((field, e));
        return track_page(state, session.as_ref(), code, &filed, false, back, StatusCode::BAD_REQUEST).await;
    }
    let event = event(state.today());
    let (hash, st) = (token_hash(&code.to_string()), state.clone());
    match state.write(move |s| s.applicant_event(&hash, event, &words, &files, &st.cal())).await {
        Ok(_) => Ok(Redirect::to(&format!("/track/{code}")).into_response()),
        Err(StoreError::Rule(e)) => {
            let back = Some((field, e.to_string()));
            track_page(state, session.as_ref(), code, &filed, false, back, StatusCode::BAD_REQUEST).await
        }
        Err(StoreError::Invalid(m)) => {
            track_page(state, session.as_ref(), code, &filed, false, Some((field, m)), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ staff: 网上申请待确认

#[derive(Deserialize, Default)]
pub struct PendingQuery {
    /// An application whose ID number and contacts to show unmasked (audited).
    #[serde(default)]
    pub reveal: String,
}

pub async fn pending(
    State(state): State<AppState>,
    session: Session,
    axum::extract::Query(q): axum::extract::Query<PendingQuery>,
) -> Result<Response, AppError> {
    let reveal: Option<i64> = q.reveal.parse().ok();
    if let Some(id) = reveal {
        // Every unmasked view of personal data is in the audit log.
        let actor = session.user.username.clone();
        match state
            .write_as(&session, move |s| s.audit_unmasked_view(ogi_store::online::Viewed::Application(id), &actor))
            .await
        {
            Ok(()) => {}
            Err(StoreError::NotFound(_)) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        }
    }
    let list = state
        .read_as(&session, |s| {
            let list = s.pending_applications()?;
            let mut files = Vec::new();
            for f in &list {
                files.push(s.attachments(AttachmentsOf::Application(f.id))?);
            }
            Ok((list, files))
        })
        .await?;
    let (list, files) = list;
    let rows: Vec<Value> = list
        .iter()
        .zip(&files)
        .map(|(f, attached)| {
            let a = &f.application;
            // Masked in the list; one application's in full when asked for.
            let full = reveal == Some(f.id);
            json!({
                "files": attached.iter().map(file_view).collect::<Vec<_>>(),
                "id": f.id, "submitted_on": f.submitted_on.to_string(), "name": a.name,
                "kind": a.applicant.label(),
                "id_number": if full { a.id_number.clone() } else { mask(&a.id_number) },
                "revealed": full,
                "id_kind": a.id_kind.label(),
                "contact": if full { a.contact() } else { ogi_rules::identity::mask_contact(&a.contact()) },
                "summary": a.summary,
                "document": a.document, "delivery": a.delivery.label(),
            })
        })
        .collect();
    let body = state.templates.render(
        "online.html",
        json!({"chrome": Chrome::new(&session, "网上申请待确认", "online"), "rows": rows, "today": state.today().to_string()}),
    )?;
    Ok(html(body).into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (actor, st) = (session.user.username.clone(), state.clone());
    let today = state.today();
    match state.write_as(&session, move |s| s.confirm_application(id, today, &actor, &st.cal())).await {
        Ok(stored) => Ok(Redirect::to(&format!("/requests/{}", stored.code)).into_response()),
        Err(StoreError::NoRecord { .. }) => Err(AppError::NotFound),
        Err(StoreError::Invalid(m)) => Err(AppError::BadRequest(m)),
        Err(e) => Err(e.into()),
    }
}

/// An attachment as staff lists show it.
pub fn file_view(f: &ogi_store::online::AttachmentInfo) -> Value {
    json!({"id": f.id, "name": f.name, "kb": f.size.div_ceil(1024), "mime": f.mime,
        "with_correction": f.with_message.map(|d| d.to_string())})
}

/// `GET /online/files/{id}`: an attachment, for staff only.
pub async fn file(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (name, mime, bytes) = state.read_as(&session, move |s| s.attachment(id)).await?.ok_or(AppError::NotFound)?;
    Ok(download(&name, mime, bytes, &format!("attachment-{id}")))
}
