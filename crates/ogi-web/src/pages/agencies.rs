//! 机关管理 (管理员 only): the agencies the administrator's agency has below
//! it, as a tree; one created by a form or many by pasting `code,name,parent,kind`
//! lines; each agency's tracking-code pattern. What an administrator may
//! touch is the store's to decide (its scope): their own agency's pattern and
//! every agency below it, never a sibling or a parent.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ogi_rules::agency::{AgencyKind, CodePattern};
use ogi_store::agency::NewAgency;
use ogi_store::{Store, StoreError};
use serde::Deserialize;
use serde_json::json;

use super::admin::OkQuery;
use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/agencies", get(page).post(create))
        .route("/admin/agencies/import", post(import))
        .route("/admin/agencies/pattern", post(pattern))
}

fn ok_message(key: &str) -> Option<&'static str> {
    match key {
        "created" => Some("已新建机关。"),
        "imported" => Some("已导入机关。"),
        "pattern" => Some("已保存申请编号格式。"),
        _ => None,
    }
}

/// A refused form: which one, what was typed, why.
struct Refused {
    form: &'static str,
    values: serde_json::Value,
    error: String,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<OkQuery>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    render(&state, &session, ok_message(&q.ok), None).await
}

async fn render(
    state: &AppState,
    session: &Session,
    ok: Option<&str>,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let agencies = state.read_as(session, |s| s.agencies()).await?;
    let top = agencies.first().map_or(0, |a| a.depth);
    let rows: Vec<serde_json::Value> = agencies
        .iter()
        .map(|a| {
            json!({
                "code": a.code, "name": a.name, "kind": a.kind.label(),
                "indent": a.depth.saturating_sub(top), "parent": a.parent,
                "pattern": a.code_pattern.as_str(),
                "example": a.code_pattern.render(&a.code, 2025, 1),
                "own": a.id == session.user.agency_id,
            })
        })
        .collect();
    let (form, values, error) = match &refused {
        Some(r) => (r.form, r.values.clone(), Some(r.error.clone())),
        None => ("", json!({}), None),
    };
    let body = state.templates.render(
        "agencies.html",
        json!({
            "chrome": Chrome::new(session, "机关管理", "admin"),
            "agencies": rows,
            "kinds": AgencyKind::ALL.iter().map(|k| (k.key(), k.label())).collect::<Vec<_>>(),
            "ok": ok,
            "form": form, "values": values, "error": error,
        }),
    )?;
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, html(body)).into_response())
}

/// The store's refusal shown on the form; anything else is an error page.
async fn refuse(
    state: &AppState,
    session: &Session,
    form: &'static str,
    values: serde_json::Value,
    e: StoreError,
) -> Result<Response, AppError> {
    let error = match e {
        StoreError::Invalid(m) | StoreError::Forbidden(m) => m,
        e @ StoreError::Duplicate(_) => e.to_string(),
        e => return Err(e.into()),
    };
    render(state, session, None, Some(Refused { form, values, error })).await
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let values = json!({"code": f.code, "name": f.name, "kind": f.kind, "parent": f.parent});
    let Some(kind) = AgencyKind::from_key(f.kind.trim()) else {
        let e = StoreError::Invalid("请选择机关类型".into());
        return refuse(&state, &session, "create", values, e).await;
    };
    let new =
        NewAgency { code: f.code.trim().into(), name: f.name.trim().into(), kind, parent: f.parent.trim().into() };
    let actor = session.user.username.clone();
    match state.write_as(&session, move |s| s.create_agency(&new, &actor)).await {
        Ok(_) => Ok(Redirect::to("/admin/agencies?ok=created").into_response()),
        Err(e) => refuse(&state, &session, "create", values, e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
}

pub async fn import(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<ImportForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let values = json!({"csv": f.csv});
    let actor = session.user.username.clone();
    match state.write_as(&session, move |s| s.import_agencies(f.csv.as_bytes(), &actor)).await {
        Ok(_) => Ok(Redirect::to("/admin/agencies?ok=imported").into_response()),
        Err(e) => refuse(&state, &session, "import", values, e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct PatternForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    pattern: String,
}

pub async fn pattern(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<PatternForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let values = json!({"code": f.code, "pattern": f.pattern});
    let pattern = match CodePattern::parse(&f.pattern) {
        Ok(p) => p,
        Err(m) => return refuse(&state, &session, "pattern", values, StoreError::Invalid(m)).await,
    };
    let (actor, code) = (session.user.username.clone(), f.code.trim().to_string());
    match state.write_as(&session, move |s| s.set_code_pattern(&code, &pattern, &actor)).await {
        Ok(()) => Ok(Redirect::to("/admin/agencies?ok=pattern").into_response()),
        Err(e) => refuse(&state, &session, "pattern", values, e).await,
    }
}
