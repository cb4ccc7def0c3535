//! The letters (文书) of a request: which ones its events call for, each as a
//! printable page or a Word file filled from the register (agency, applicant,
//! dates, the event's details), with optional details the events do not hold
//! (补正事项, 延期理由, …) typed in a small form or left as 【请填写……】; and
//! the administrator's editor of the agency's letter templates.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ogi_letters::{Agency, Context, ContextError, Letter, LetterDetails, LetterError, LetterKind, Registered};
use ogi_store::{Store, Stored};
use ogi_vocab::cells::{Outcome, T3Row, UnavailableReason};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// Settings beside the agency's name that letters print.
pub const AGENCY_ADDRESS: &str = "agency.address";
pub const AGENCY_PHONE: &str = "agency.phone";
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

/// What letters print of a stored request.
pub fn registered(stored: &Stored) -> Registered<'_> {
    Registered {
        code: &stored.code,
        applicant_name: &stored.applicant_name,
        summary: &stored.summary,
        request: &stored.request,
    }
}

fn letter_error(e: ContextError) -> AppError {
    match e {
        ContextError::NotCalledFor => AppError::NotFound,
        ContextError::Bad(m) => AppError::BadRequest(m),
    }
}

/// A request's letter as the register fills it, or where to send the clerk
/// instead (back to the request with the letter's form open: it lacks what
/// it must contain).
async fn fill_letter(
    state: &AppState,
    session: &Session,
    code: String,
    kind: LetterKind,
    q: &LetterDetails,
) -> Result<Result<(Stored, Letter), Response>, AppError> {
    q.check().map_err(letter_error)?;
    let tkey = kind.key();
    let (stored, agency, template) = state
        .read_as(session, move |s| {
            let stored = s.get(&code)?;
            let agency = Agency {
                name: s.setting(ogi_store::AGENCY_NAME)?.unwrap_or_default(),
                address: s.setting(AGENCY_ADDRESS)?.unwrap_or_default(),
                phone: s.setting(AGENCY_PHONE)?.unwrap_or_default(),
            };
            Ok((stored, agency, s.letter_template(&tkey)?))
        })
        .await?;
    let ctx = ogi_letters::context(&registered(&stored), kind, q, &agency, &state.cal()).map_err(letter_error)?;
    match ogi_letters::render(kind, &ctx, template.as_deref()) {
        Ok(l) => Ok(Ok((stored, l))),
        Err(LetterError::Missing(_)) => {
            let to = format!("/requests/{}?letter={}#letter-{}", stored.code, kind.key(), kind.key());
            Ok(Err(Redirect::to(&to).into_response()))
        }
        Err(LetterError::Template(t)) => Err(AppError::BadRequest(format!(
            "本机关修改后的文书模板无法使用：{t}。请管理员在“文书模板”中修改或恢复默认。"
        ))),
    }
}

/// A letter as a Word file to download.
pub fn docx_response(letter: &Letter, code: &str, key: &str) -> Response {
    let ascii = format!("{code}-{key}");
    let name = format!("{code}-{}", kind_label(letter.kind).replace('：', "-"));
    (
        [
            (header::CONTENT_TYPE, DOCX_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, crate::view::attachment(&name, &ascii, "docx")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        ogi_letters::to_docx(letter),
    )
        .into_response()
}

/// GET /requests/{code}/letters/{kind}[.docx]
pub async fn letter(
    State(state): State<AppState>,
    session: Session,
    Path((code, kind_key)): Path<(String, String)>,
    Query(q): Query<LetterDetails>,
) -> Result<Response, AppError> {
    let (key, docx) = match kind_key.strip_suffix(".docx") {
        Some(k) => (k.to_string(), true),
        None => (kind_key.clone(), false),
    };
    let kind = LetterKind::from_key(&key).ok_or(AppError::NotFound)?;
    let (stored, letter) = match fill_letter(&state, &session, code, kind, &q).await? {
        Ok(filled) => filled,
        Err(back) => return Ok(back),
    };
    if docx {
        return Ok(docx_response(&letter, &stored.code, &key));
    }
    Ok(html(ogi_letters::to_html(&letter)))
}

/// A letter as kept once delivered: what was printed, without its kind
/// (stored beside it).
#[derive(Serialize, Deserialize)]
struct Kept {
    title: String,
    number: String,
    recipient: String,
    paragraphs: Vec<String>,
    signature: String,
    date: String,
}

/// The delivered letter `body` (as [`deliver`] kept it) of kind `kind`.
pub fn kept_letter(kind: &str, body: &str) -> Option<Letter> {
    let kind = LetterKind::from_key(kind)?;
    let k: Kept = serde_json::from_str(body).ok()?;
    Some(Letter {
        kind,
        title: k.title,
        number: k.number,
        recipient: k.recipient,
        paragraphs: k.paragraphs,
        signature: k.signature,
        date: k.date,
    })
}

/// POST /requests/{code}/letters/{kind}/deliver: the letter, filled from the
/// register and the details typed, delivered to the applicant online (送达):
/// kept as it is now and offered on their tracking page. A letter that still
/// says 【请填写……】 is not sent.
pub async fn deliver(
    State(state): State<AppState>,
    session: Session,
    Path((code, key)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let kind = LetterKind::from_key(&key).ok_or(AppError::NotFound)?;
    // The letter's details, and the information itself if it goes with it.
    let (fields, files) = super::portal::read_fields(&state, req, super::portal::INFORMATION_FILES).await?;
    let files = files.map_err(AppError::BadRequest)?;
    let fields: serde_json::Map<String, serde_json::Value> =
        fields.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
    let q: LetterDetails = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|_| AppError::BadRequest("提交的内容无法读取".into()))?;
    let (stored, letter) = match fill_letter(&state, &session, code, kind, &q).await? {
        Ok(filled) => filled,
        Err(back) => return Ok(back),
    };
    // Below one's own agency a supervisor reads, never sends.
    if stored.agency_id != session.user.agency_id {
        return Err(AppError::Forbidden("只能查看下级机关的申请，不能修改".into()));
    }
    if stored.request.channel != ogi_rules::request::Channel::Online {
        return Err(AppError::BadRequest("只有网上提交的申请可以在线送达文书".into()));
    }
    let mut texts = [&letter.title, &letter.recipient, &letter.signature].into_iter().chain(&letter.paragraphs);
    if let Some(t) = texts.find(|t| t.contains("【请填写")) {
        let blank = t.split("【请填写").nth(1).and_then(|r| r.split('】').next()).unwrap_or_default();
        return Err(AppError::BadRequest(format!(
            "文书中还有未填写的内容（{blank}），请补全后再送达申请人（机关名称在“用户与机关信息”中设置）"
        )));
    }
    let body = serde_json::to_string(&Kept {
        title: letter.title.clone(),
        number: letter.number.clone(),
        recipient: letter.recipient.clone(),
        paragraphs: letter.paragraphs.clone(),
        signature: letter.signature.clone(),
        date: letter.date.clone(),
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let (actor, today, title) = (session.user.username.clone(), state.today(), kind_label(kind));
    let c = stored.code.clone();
    state.write_as(&session, move |s| s.deliver_letter(&c, &key, &title, &body, today, &actor, &files)).await?;
    Ok(Redirect::to(&format!("/requests/{}?delivered=1#letters", stored.code)).into_response())
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
        .read_as(session, {
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
        state.write_as(&session, move |s| s.set_letter_template(&key, None, &actor)).await?;
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
    state.write_as(&session, move |s| s.set_letter_template(&key, Some(&text), &actor)).await?;
    Ok(Redirect::to(&format!("/admin/letters?kind={}&done=saved", kind.key())).into_response())
}
