//! 我的账号: one's own password, and one's sessions (where and in which
//! browser one is logged in), each of which can be ended, or all the others
//! at once. An administrator's "must change the password" lands here.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ogi_store::Store;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{self, Session};
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/password", post(change_password))
        .route("/account/sessions/revoke", post(revoke))
        .route("/account/sessions/revoke-others", post(revoke_others))
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    ok: String,
}

/// Confirmations by key (never text from the address bar).
fn ok_message(key: &str) -> Option<&'static str> {
    match key {
        "password" => Some("已修改密码；您在其他地方的登录已全部退出。"),
        "revoked" => Some("已退出该处的登录。"),
        "others" => Some("已退出其他全部登录。"),
        _ => None,
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<OkQuery>,
) -> Result<Response, AppError> {
    render(&state, &session, ok_message(&q.ok), None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    session: &Session,
    ok: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let id = session.user.id;
    let sessions = state.read_as(session, move |s| s.sessions_of(id, auth::now())).await?;
    let rows: Vec<serde_json::Value> = sessions
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "created": auth::show_time(s.created),
                "last_seen": auth::show_time(s.last_seen),
                "expires": auth::show_time(s.expires),
                "address": if s.address.is_empty() { "—" } else { s.address.as_str() },
                "user_agent": if s.user_agent.is_empty() { "—" } else { s.user_agent.as_str() },
                "current": Some(s.id) == session.id,
            })
        })
        .collect();
    let body = state.templates.render(
        "account.html",
        json!({
            "chrome": Chrome::new(session, "我的账号", "account"),
            "must_change": session.user.must_change_password,
            "sessions": rows,
            "ok": ok,
            "error": error,
            "browser": session.id.is_some(),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// A browser session (an API token has no account page).
fn session_id(session: &Session) -> Result<i64, AppError> {
    session.id.ok_or_else(|| AppError::Forbidden("请在浏览器中登录后操作。".into()))
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let keep = session_id(&session)?;
    let refuse = |m: &str| Some(m.to_string());
    let problem = if f.password != f.password2 {
        refuse("两次输入的新密码不一致")
    } else if f.password == f.current {
        refuse("新密码不能与当前密码相同")
    } else {
        auth::check_new_password(&f.password).err()
    };
    if let Some(m) = problem {
        return render(&state, &session, None, Some(m), StatusCode::BAD_REQUEST).await;
    }
    let username = session.user.username.clone();
    let hash = state.read(move |s| s.login_user(&username)).await?.map(|(_, h)| h).unwrap_or_default();
    if !auth::verify_password_blocking(f.current.clone(), hash).await? {
        return render(&state, &session, None, refuse("当前密码不正确"), StatusCode::BAD_REQUEST).await;
    }
    let hash = auth::hash_password_blocking(f.password.clone()).await?;
    let id = session.user.id;
    state.write_as(&session, move |s| s.change_own_password(id, &hash, keep)).await?;
    Ok(Redirect::to("/account?ok=password").into_response())
}

#[derive(Deserialize, Default)]
pub struct RevokeForm {
    #[serde(default)]
    id: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    session_id(&session)?;
    let id: i64 = f.id.trim().parse().map_err(|_| AppError::BadRequest("会话编号不正确。".into()))?;
    let (user, actor) = (session.user.id, session.user.username.clone());
    // Only one's own sessions: another user's id is "not found".
    if !state.write_as(&session, move |s| s.revoke_session(user, id, &actor)).await? {
        return Err(AppError::NotFound);
    }
    // Ending the session one is using is logging out.
    if Some(id) == session.id {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(Redirect::to("/account?ok=revoked").into_response())
}

pub async fn revoke_others(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let keep = session_id(&session)?;
    let (user, actor) = (session.user.id, session.user.username.clone());
    state.write_as(&session, move |s| s.revoke_sessions(user, Some(keep), &actor)).await?;
    Ok(Redirect::to("/account?ok=others").into_response())
}
