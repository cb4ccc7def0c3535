//! 节假日安排 (管理员 only): the years in force, those counted provisionally
//! from the statutory days, and loading a year's notice — typed, pasted as
//! published, or uploaded as a file — checked and shown as month calendars
//! before it is saved. Saving puts it in force at once (this process at
//! once, others within seconds) and lists the requests whose due date moved.

use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiff::civil::{Date, Weekday};
use ogi_rules::calendar::Review;
use ogi_rules::Calendar;
use ogi_store::Store;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar", get(page))
        .route("/admin/calendar/preview", post(preview))
        .route("/admin/calendar/save", post(save))
}

/// Largest arrangement accepted (a notice is a page of text).
const MAX_TEXT: usize = 64 * 1024;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    saved: String,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let saved = q.saved.parse::<i16>().ok();
    render(&state, &session, Shown { saved, ..Shown::default() }).await
}

/// What the page shows besides the years: a refused input, a preview, a confirmation.
#[derive(Default)]
struct Shown {
    year: String,
    text: String,
    error: Option<String>,
    review: Option<Review>,
    saved: Option<i16>,
}

async fn render(state: &AppState, session: &Session, shown: Shown) -> Result<Response, AppError> {
    let cal = state.cal();
    let (saved_years, changes) = state.read_as(session, |s| Ok((s.calendar_years()?, s.due_changes()?))).await?;
    let mut years: Vec<Value> = cal
        .years()
        .map(|(y, title)| {
            let saved = saved_years.iter().find(|s| s.year == y);
            let (holidays, worked) = cal.arrangement(y).unwrap_or_default();
            json!({
                "year": y,
                "title": if title.is_empty() { "（无标题）" } else { title },
                "source": match saved {
                    Some(s) => format!("{} 于 {} 载入", s.saved_by, s.saved_at.replace('T', " ").trim_end_matches('Z').split('.').next().unwrap_or_default()),
                    None if ogi_rules::calendar::EMBEDDED.iter().any(|(e, _)| e.parse() == Ok(y)) => "内置".to_string(),
                    None => "数据目录中的文件".to_string(),
                },
                "holidays": holidays.len(),
                "worked": worked.len(),
            })
        })
        .collect();
    years.reverse();
    let provisional: Vec<Value> =
        cal.provisional().take(3).map(|(y, s)| json!({"year": y, "days": s.describe()})).collect();
    let status = if shown.error.is_some() { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    let preview = shown.review.as_ref().map(|r| {
        json!({
            "year": r.year,
            "text": r.text,
            "warnings": r.warnings,
            "months": months(&r.calendar, r.year),
            "replaces": cal.years().any(|(y, _)| y == r.year),
        })
    });
    let body = state.templates.render(
        "calendar.html",
        json!({
            "chrome": Chrome::new(session, "节假日安排", "admin"),
            "years": years,
            "provisional": provisional,
            "form": {"year": shown.year, "text": shown.text, "error": shown.error},
            "preview": preview,
            "saved": shown.saved,
            "changes": super::due_changes_view(&changes),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// The year as month grids (Monday first): each day with its kind.
fn months(cal: &Calendar, year: i16) -> Vec<Value> {
    let festival = |d: Date| {
        cal.statutory(year).and_then(|s| s.festivals.iter().find(|(_, days)| days.contains(&d)).map(|(n, _)| *n))
    };
    let (holidays, worked) = cal.arrangement(year).unwrap_or_default();
    (1..=12)
        .filter_map(|m| {
            let first = Date::new(year, m, 1).ok()?;
            let mut weeks: Vec<Vec<Value>> = Vec::new();
            let mut week: Vec<Value> = vec![Value::Null; first.weekday().to_monday_zero_offset() as usize];
            let mut d = first;
            while d.month() == m {
                let weekend = matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
                let kind = if holidays.contains(&d) {
                    "holiday"
                } else if worked.contains(&d) {
                    "worked"
                } else if weekend {
                    "weekend"
                } else {
                    "work"
                };
                week.push(json!({"day": d.day(), "kind": kind, "festival": festival(d), "date": d.to_string()}));
                if week.len() == 7 {
                    weeks.push(std::mem::take(&mut week));
                }
                d = d.tomorrow().ok()?;
            }
            if !week.is_empty() {
                week.resize(7, Value::Null);
                weeks.push(week);
            }
            Some(json!({"month": m, "weeks": weeks}))
        })
        .collect()
}

/// The preview: from the form's text, or an uploaded file (UTF-8 or GB18030 text).
pub async fn preview(
    State(state): State<AppState>,
    session: Session,
    mut form: Multipart,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let (mut year, mut text, mut file) = (String::new(), String::new(), Vec::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(AppError::BadRequest("提交中断或格式不正确，请重新提交。".into())),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|_| AppError::BadRequest("提交中断，请重新提交。".into()))?;
        if bytes.len() > MAX_TEXT {
            return Err(AppError::TooLarge(format!("安排文本过长（上限 {} KB）", MAX_TEXT / 1024)));
        }
        match name.as_str() {
            "year" => year = utf8(&bytes)?,
            "text" => text = utf8(&bytes)?,
            "file" => file = bytes.to_vec(),
            _ => {}
        }
    }
    if !file.is_empty() {
        // UTF-8, UTF-16 or GB18030 text (what a Chinese office's Notepad saves).
        text = match ogi_report::readers::decode_text(&file) {
            Ok(t) => t,
            Err(e) => {
                return show_refusal(&state, &session, year, String::new(), format!("上传的文件无法读取：{e}")).await
            }
        };
    }
    review_and_show(&state, &session, year, text).await
}

fn utf8(bytes: &[u8]) -> Result<String, AppError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| AppError::BadRequest("提交的内容不是有效的 UTF-8 文本。".into()))
}

async fn review_and_show(
    state: &AppState,
    session: &Session,
    year: String,
    text: String,
) -> Result<Response, AppError> {
    let typed = year.trim();
    let y = match typed {
        "" => None,
        t => match t.parse::<i16>() {
            Ok(y) => Some(y),
            Err(_) => {
                return show_refusal(state, session, year.clone(), text, "年份应为四位数字，如 2027".into()).await
            }
        },
    };
    if text.trim().is_empty() {
        return show_refusal(state, session, year, text, "请填写或上传当年的节假日安排".into()).await;
    }
    match state.cal().review(y, &text) {
        Ok(review) => {
            let shown =
                Shown { year: review.year.to_string(), text: text.clone(), review: Some(review), ..Shown::default() };
            render(state, session, shown).await
        }
        Err(e) => show_refusal(state, session, year, text, e.to_string()).await,
    }
}

async fn show_refusal(
    state: &AppState,
    session: &Session,
    year: String,
    text: String,
    error: String,
) -> Result<Response, AppError> {
    render(state, session, Shown { year, text, error: Some(error), ..Shown::default() }).await
}

#[derive(Deserialize, Default)]
pub struct SaveForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    text: String,
}

/// Saves the previewed arrangement (checked again: the form came back from the browser).
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<SaveForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let year = f.year.trim().parse::<i16>().ok();
    let review = match state.cal().review(year, &f.text) {
        Ok(r) => r,
        Err(e) => return show_refusal(&state, &session, f.year, f.text, e.to_string()).await,
    };
    let (y, text, cal) = (review.year, review.text.clone(), review.calendar.clone());
    let actor = session.user.username.clone();
    let for_store = cal.clone();
    state.write_as(&session, move |s| s.save_calendar_year(y, &text, &actor, &for_store)).await?;
    state.set_calendar(cal)?;
    Ok(Redirect::to(&format!("/admin/calendar?saved={y}")).into_response())
}
