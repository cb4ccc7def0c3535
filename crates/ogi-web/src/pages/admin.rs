//! 系统管理 (管理员 only): user accounts (create, role, disable, reset the
//! password; unlock an account locked by failed logins, make the next login
//! change the password, end a user's sessions), the agency's name and
//! contact details, and API tokens for other systems (a scope and an expiry;
//! shown once, only the hash is stored; listed with their last use, revocable).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ogi_store::{NewToken, Role, Store, StoreError, TokenScope, AGENCY_NAME};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{self, Session};
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub const AGENCY_ADDRESS: &str = "agency.address";
pub const AGENCY_PHONE: &str = "agency.phone";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/users", post(create_user))
        .route("/admin/users/update", post(update_user))
        .route("/admin/users/password", post(reset_password))
        .route("/admin/settings", post(save_settings))
        .route("/admin/users/unlock", post(unlock_user))
        .route("/admin/users/force-password", post(force_password_change))
        .route("/admin/users/revoke-sessions", post(revoke_sessions))
        .route("/admin/tokens", post(issue_token))
        .route("/admin/tokens/revoke", post(revoke_token))
}

/// A token's life when the form does not say, and the longest allowed.
pub const TOKEN_DAYS_DEFAULT: i64 = 90;
pub const TOKEN_DAYS_MAX: i64 = 366;

/// A form shown back: what was typed, and what is wrong.
#[derive(Serialize, Default, Clone)]
struct FormView {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    error: Option<String>,
}

/// What the page shows besides the lists: a refused form (by name and user
/// row), a confirmation, or a token just issued.
#[derive(Default)]
struct Extra {
    form: Option<(&'static str, Option<i64>, FormView)>,
    token: Option<(String, String)>,
    ok: Option<&'static str>,
}

/// `?ok=key` after a form was saved (the admin pages' confirmations).
#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    pub(crate) ok: String,
}

/// Confirmations by key (never text from the address bar).
fn ok_message(key: &str) -> Option<&'static str> {
    match key {
        "user" => Some("已创建用户。"),
        "update" => Some("已修改用户。"),
        "password" => Some("已重设密码，该用户须用新密码重新登录。"),
        "settings" => Some("已保存机关信息。"),
        "unlock" => Some("已解锁该账号。"),
        "unlocked_none" => Some("该账号未被锁定，无需解锁。"),
        "force" => Some("已要求该用户下次登录时修改密码，其现有登录已全部退出。"),
        "sessions" => Some("已退出该用户的全部登录。"),
        "token_revoked" => Some("已撤销接口令牌，使用它的系统将无法再调用接口。"),
        _ => None,
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<OkQuery>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    render(&state, &session, Extra { ok: ok_message(&q.ok), ..Extra::default() }).await
}

async fn render(state: &AppState, session: &Session, extra: Extra) -> Result<Response, AppError> {
    let (users, name, address, phone, agencies) = state
        .read_as(session, |s| {
            Ok((
                s.users()?,
                s.setting(AGENCY_NAME)?,
                s.setting(AGENCY_ADDRESS)?,
                s.setting(AGENCY_PHONE)?,
                s.agencies()?,
            ))
        })
        .await?;
    let top = agencies.first().map_or(0, |a| a.depth);
    let own_agency =
        agencies.iter().find(|a| a.id == session.user.agency_id).map(|a| a.code.clone()).unwrap_or_default();
    let agency_rows: Vec<serde_json::Value> = agencies
        .iter()
        .map(|a| json!({"code": a.code, "name": a.name, "indent": a.depth.saturating_sub(top)}))
        .collect();
    let now = auth::now();
    let (locked, sessions, tokens) =
        state.read_as(session, move |s| Ok((s.locked_logins()?, s.session_counts(now)?, s.api_tokens()?))).await?;
    let form_for = |name: &str, id: Option<i64>| -> Option<FormView> {
        extra.form.as_ref().filter(|(n, i, _)| *n == name && *i == id).map(|(_, _, v)| v.clone())
    };
    let rows: Vec<serde_json::Value> = users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "username": u.username,
                "name": u.display_name,
                "agency": u.agency_name,
                "role": u.role.key(),
                "role_label": u.role.label(),
                "active": u.active,
                "me": u.id == session.user.id,
                "locked": locked.get(&u.username).map(|at| auth::show_time(*at)),
                "sessions": sessions.get(&u.id).copied().unwrap_or(0),
                "must_change_password": u.must_change_password,
                "update": form_for("update", Some(u.id)).unwrap_or_default(),
                "password": form_for("password", Some(u.id)).unwrap_or_default(),
                "token": form_for("token", Some(u.id)).unwrap_or_default(),
            })
        })
        .collect();
    let settings = form_for("settings", None).unwrap_or_else(|| FormView {
        values: [
            ("name", name.unwrap_or_default()),
            ("address", address.unwrap_or_default()),
            ("phone", phone.unwrap_or_default()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        ..FormView::default()
    });
    let token_rows: Vec<serde_json::Value> = tokens
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "user": format!("{}（{}）", t.user.display_name, t.user.username),
                "name": t.name,
                "scope": t.scope.key(),
                "scope_label": t.scope.label(),
                "created": auth::show_time(t.created),
                "expires": auth::show_time(t.expires),
                "expired": t.expires <= now,
                "last_used": t.last_used.map(auth::show_time),
            })
        })
        .collect();
    let status = if extra.form.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let body = state.templates.render(
        "admin.html",
        json!({
            "chrome": Chrome::new(session, "系统管理", "admin"),
            "users": rows,
            "agencies": agency_rows,
            "own_agency": own_agency,
            "roles": Role::ALL.iter().map(|r| (r.key(), r.label())).collect::<Vec<_>>(),
            "scopes": TokenScope::ALL.iter().map(|s| (s.key(), s.label())).collect::<Vec<_>>(),
            "tokens": token_rows,
            "token_days": TOKEN_DAYS_DEFAULT,
            "token_days_max": TOKEN_DAYS_MAX,
            "create": form_for("create", None).unwrap_or_default(),
            "settings": settings,
            "ok": extra.ok,
            "token": extra.token.as_ref().map(|(user, token)| json!({"user": user, "token": token})),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

fn refused(form: &'static str, id: Option<i64>, values: &[(&str, &str)], errors: Vec<(&str, String)>) -> Extra {
    let view = FormView {
        values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        error: (!errors.is_empty()).then(|| "请修改标红的栏目。".to_string()),
        errors: errors.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    };
    Extra { form: Some((form, id, view)), ..Extra::default() }
}

/// The store's refusal as the form's own error; anything else is an error page.
fn store_refusal(
    e: StoreError,
    form: &'static str,
    id: Option<i64>,
    values: &[(&str, &str)],
) -> Result<Extra, AppError> {
    match e {
        StoreError::Invalid(m) => {
            let mut extra = refused(form, id, values, Vec::new());
            if let Some((_, _, v)) = extra.form.as_mut() {
                v.error = Some(m);
            }
            Ok(extra)
        }
        e => Err(e.into()),
    }
}

fn user_id(s: &str) -> Result<i64, AppError> {
    s.trim().parse().map_err(|_| AppError::BadRequest("用户编号不正确。".into()))
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    /// The agency's code (the administrator's own when absent).
    #[serde(default)]
    agency: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let mut errors = Vec::new();
    let username = f.username.trim().to_string();
    if username.is_empty() || username.chars().count() > 64 || username.chars().any(char::is_whitespace) {
        errors.push(("username", "用户名不能为空、不能含空格，最长 64 个字符".to_string()));
    }
    if f.display_name.trim().is_empty() {
        errors.push(("display_name", "请填写姓名".to_string()));
    } else if f.display_name.trim().chars().count() > 64 {
        errors.push(("display_name", "姓名过长".to_string()));
    }
    let role = Role::from_key(&f.role);
    if role.is_none() {
        errors.push(("role", "请选择角色".to_string()));
    }
    if let Err(m) = auth::check_new_password(&f.password) {
        errors.push(("password", m));
    }
    // The password is never shown back.
    // Only an agency the administrator reads (their own or below).
    let agencies = state.read_as(&session, |s| s.agencies()).await?;
    let agency = match f.agency.trim() {
        "" => Some(session.user.agency_id),
        code => agencies.iter().find(|a| a.code == code).map(|a| a.id),
    };
    if agency.is_none() {
        errors.push(("agency", "请选择本机关或下级机关".to_string()));
    }
    let values = [
        ("username", f.username.as_str()),
        ("display_name", f.display_name.as_str()),
        ("role", f.role.as_str()),
        ("agency", f.agency.as_str()),
    ];
    let (Some(role), Some(agency)) = (role.filter(|_| errors.is_empty()), agency) else {
        return render(&state, &session, refused("create", None, &values, errors)).await;
    };
    let hash = auth::hash_password_blocking(f.password.clone()).await?;
    let (actor, name) = (session.user.username.clone(), f.display_name.clone());
    match state.write_as(&session, move |s| s.create_user_in(agency, &username, &name, role, &hash, &actor)).await {
        Ok(_) => Ok(Redirect::to("/admin?ok=user").into_response()),
        Err(e) => render(&state, &session, store_refusal(e, "create", None, &values)?).await,
    }
}

#[derive(Deserialize, Default)]
pub struct UpdateForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    role: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    active: Option<String>,
}

pub async fn update_user(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<UpdateForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let id = user_id(&f.id)?;
    let active = f.active.is_some();
    let values = [("role", f.role.as_str()), ("active", if active { "1" } else { "" })];
    let Some(role) = Role::from_key(&f.role) else {
        let extra = refused("update", Some(id), &values, vec![("role", "请选择角色".to_string())]);
        return render(&state, &session, extra).await;
    };
    let actor = session.user.username.clone();
    match state.write_as(&session, move |s| s.update_user(id, role, active, &actor)).await {
        Ok(_) => Ok(Redirect::to("/admin?ok=update").into_response()),
        Err(e) => render(&state, &session, store_refusal(e, "update", Some(id), &values)?).await,
    }
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let id = user_id(&f.id)?;
    if let Err(m) = auth::check_new_password(&f.password) {
        return render(&state, &session, refused("password", Some(id), &[], vec![("password", m)])).await;
    }
    let hash = auth::hash_password_blocking(f.password.clone()).await?;
    let actor = session.user.username.clone();
    match state.write_as(&session, move |s| s.set_password(id, &hash, &actor)).await {
        Ok(()) => Ok(Redirect::to("/admin?ok=password").into_response()),
        Err(e) => render(&state, &session, store_refusal(e, "password", Some(id), &[])?).await,
    }
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let (name, address, phone) = (f.name.trim().to_string(), f.address.trim().to_string(), f.phone.trim().to_string());
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(("name", "请填写机关名称（报告标题和文书落款使用）".to_string()));
    } else if name.chars().count() > 100 {
        errors.push(("name", "机关名称过长（最多 100 字）".to_string()));
    }
    if address.chars().count() > 200 {
        errors.push(("address", "地址过长（最多 200 字）".to_string()));
    }
    if phone.chars().count() > 50 {
        errors.push(("phone", "电话过长（最多 50 字）".to_string()));
    }
    let values = [("name", f.name.as_str()), ("address", f.address.as_str()), ("phone", f.phone.as_str())];
    if !errors.is_empty() {
        return render(&state, &session, refused("settings", None, &values, errors)).await;
    }
    let actor = session.user.username.clone();
    state
        .write_as(&session, move |s| {
            // Only what changed, so the audit log says what was done.
            for (key, value) in [(AGENCY_NAME, &name), (AGENCY_ADDRESS, &address), (AGENCY_PHONE, &phone)] {
                if s.setting(key)?.as_deref().unwrap_or_default() != value.as_str() {
                    s.set_setting(key, value, &actor)?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(Redirect::to("/admin?ok=settings").into_response())
}

#[derive(Deserialize, Default)]
pub struct IdForm {
    #[serde(default)]
    id: String,
}

/// Unlocks an account locked by failed logins (audited).
pub async fn unlock_user(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<IdForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let id = user_id(&f.id)?;
    let actor = session.user.username.clone();
    let was_locked = state.write_as(&session, move |s| s.unlock_user(id, &actor)).await?;
    Ok(Redirect::to(if was_locked { "/admin?ok=unlock" } else { "/admin?ok=unlocked_none" }).into_response())
}

/// The user's next login must set a new password; their sessions end now (audited).
pub async fn force_password_change(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<IdForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let id = user_id(&f.id)?;
    if id == session.user.id {
        return Err(AppError::BadRequest("不能对自己这样做：请在“我的账号”中直接修改密码。".into()));
    }
    let actor = session.user.username.clone();
    state.write_as(&session, move |s| s.force_password_change(id, &actor)).await?;
    Ok(Redirect::to("/admin?ok=force").into_response())
}

/// Ends every session of a user (audited); an administrator's own ends too.
pub async fn revoke_sessions(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<IdForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let id = user_id(&f.id)?;
    let actor = session.user.username.clone();
    state.write_as(&session, move |s| s.revoke_sessions(id, None, &actor)).await?;
    if id == session.user.id {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(Redirect::to("/admin?ok=sessions").into_response())
}

/// Revokes an API token (audited).
pub async fn revoke_token(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<IdForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let id: i64 = f.id.trim().parse().map_err(|_| AppError::BadRequest("令牌编号不正确。".into()))?;
    let actor = session.user.username.clone();
    state.write_as(&session, move |s| s.revoke_api_token(id, &actor)).await?;
    Ok(Redirect::to("/admin?ok=token_revoked").into_response())
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    /// Days it is valid (empty: the default).
    #[serde(default)]
    days: String,
    #[serde(default)]
    scope: String,
}

/// Issues an API token and shows it this once (the page is not cached and
/// the token is not in any address).
pub async fn issue_token(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    session.must_administer()?;
    let id = user_id(&f.id)?;
    let name = f.name.trim().to_string();
    let values = [("name", f.name.as_str()), ("days", f.days.as_str()), ("scope", f.scope.as_str())];
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(("name", "请填写令牌用途（例如“门户网站对接”）".to_string()));
    } else if name.chars().count() > 100 {
        errors.push(("name", "用途过长（最多 100 字）".to_string()));
    }
    let days = match f.days.trim() {
        "" => Some(TOKEN_DAYS_DEFAULT),
        d => d.parse::<i64>().ok().filter(|d| (1..=TOKEN_DAYS_MAX).contains(d)),
    };
    if days.is_none() {
        errors.push(("days", format!("有效期应为 1 至 {TOKEN_DAYS_MAX} 天的整数")));
    }
    // Least privilege when the form does not say.
    let scope = match f.scope.trim() {
        "" => Some(TokenScope::Read),
        k => TokenScope::from_key(k),
    };
    if scope.is_none() {
        errors.push(("scope", "请选择令牌权限（只读或读写）".to_string()));
    }
    let (Some(days), Some(scope)) = (days, scope.filter(|_| errors.is_empty())) else {
        return render(&state, &session, refused("token", Some(id), &values, errors)).await;
    };
    let users = state.read_as(&session, |s| s.users()).await?;
    let Some(user) = users.into_iter().find(|u| u.id == id) else { return Err(AppError::NotFound) };
    if !user.active {
        let extra = refused("token", Some(id), &values, vec![("name", "该用户已停用，不能签发令牌".to_string())]);
        return render(&state, &session, extra).await;
    }
    // A platform's token must not carry an administrator's powers.
    if user.role == Role::Admin {
        let m = "不能为管理员签发接口令牌：请为对接平台建立经办人或负责人账号".to_string();
        return render(&state, &session, refused("token", Some(id), &values, vec![("name", m)])).await;
    }
    let token = auth::random_token();
    let hash = auth::token_hash(&token);
    let actor = session.user.username.clone();
    let now = auth::now();
    let new = move |s: &mut ogi_store::Database| {
        let t = NewToken { token_hash: &hash, user_id: id, name: &name, scope, now, expires: now + days * 86_400 };
        s.issue_api_token(&t, &actor)
    };
    match state.write_as(&session, new).await {
        Ok(_) => {
            let extra = Extra {
                token: Some((
                    format!(
                        "{}（{}），{}，有效至 {}",
                        user.display_name,
                        user.username,
                        scope.label(),
                        auth::show_time(now + days * 86_400)
                    ),
                    token,
                )),
                ..Extra::default()
            };
            render(&state, &session, extra).await
        }
        Err(e) => render(&state, &session, store_refusal(e, "token", Some(id), &values)?).await,
    }
}
