//! The letters (文书) of a request: which ones its events call for, each as a
//! printable page or a Word file filled from the register (agency, applicant,
//! dates, the event's details), with optional details the events do not hold
//! (补正事项, 延期理由, …) typed in a small form or left as 【请填写……】; and
//! the administrator's editor of the agency's letter templates.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ogi_letters::{Agency, Context, ContextError, LetterDetails, LetterError, LetterKind, Registered};
use ogi_store::{Store, Stored};
use ogi_vocab::cells::{Outcome, T3Row, UnavailableReason};
use serde::Deserialize;
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
    q.check().map_err(letter_error)?;
    let tkey = kind.key();
    let (stored, agency, template) = state
        .read_as(&session, move |s| {
            let stored = s.get(&code)?;
            let agency = Agency {
                name: s.setting(ogi_store::AGENCY_NAME)?.unwrap_or_default(),
                address: s.setting(AGENCY_ADDRESS)?.unwrap_or_default(),
                phone: s.setting(AGENCY_PHONE)?.unwrap_or_default(),
            };
            Ok((stored, agency, s.letter_template(&tkey)?))
        })
        .await?;
    let ctx = ogi_letters::context(&registered(&stored), kind, &q, &agency, &state.cal()).map_err(letter_error)?;
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
        let ascii = format!("{}-{key}", stored.code);
        let name = format!("{}-{}", stored.code, kind_label(kind).replace('：', "-"));
        return Ok((
            [
                (header::CONTENT_TYPE, DOCX_TYPE.to_string()),
                (header::CONTENT_DISPOSITION, crate::view::attachment(&name, &ascii, "docx")),
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
        .read_as(&session, {
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
