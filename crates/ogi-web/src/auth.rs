//! Accounts in the browser: the one-time setup of the first administrator,
//! log in / log out, sessions (random token in an HttpOnly, SameSite=Strict
//! cookie; only its hash is stored; each with its address and browser, listed
//! on 我的账号 and revocable), CSRF tokens on every form, role rules, failed
//! logins slowed per name and address and counted per account (a lock an
//! administrator lifts), forced password changes, and API tokens with a scope
//! and an expiry, enforced here for every route.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use ogi_store::{NewSession, Store, TokenScope, User};
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::net::ClientAddr;
use crate::state::{AppState, ACCOUNT_WINDOW_SECS, MAX_PER_ACCOUNT, MAX_PER_ADDRESS, MAX_PER_USER};
use crate::view::{html, AppError, Chrome};

pub const SESSION_COOKIE: &str = "ogi_session";
/// The double-submit cookie that protects the login and setup forms.
const LOGIN_CSRF_COOKIE: &str = "ogi_login_csrf";
/// A working day and a bit: a clerk logs in once a day.
const SESSION_SECONDS: i64 = 12 * 3600;
/// Largest form body read for a CSRF token.
const MAX_FORM: usize = crate::MAX_BODY;
/// A session's or token's last use is written at most this often (seconds).
const TOUCH_EVERY: i64 = 60;
/// What the login form says of a locked name (whether or not it exists:
/// failed logins on unknown names lock them the same way).
pub const LOCKED: &str = "该账号因多次登录失败已被锁定，请联系系统管理员解锁。";

/// A logged-in user and their session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    /// The browser session's id (`None` for an API token).
    pub id: Option<i64>,
}

impl Session {
    /// Refuses unless the user is a 负责人 or an administrator.
    pub fn must_decide(&self, what: &str) -> Result<(), AppError> {
        if self.user.role.may_decide() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "{what}须经负责人同意：{}（{}）无此权限。",
                self.user.display_name,
                self.user.role.label()
            )))
        }
    }

    pub fn must_administer(&self) -> Result<(), AppError> {
        if self.user.role.may_administer() {
            Ok(())
        } else {
            Err(AppError::Forbidden("只有管理员可以进行此操作。".into()))
        }
    }
}

/// Random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Checks a password off the async workers (argon2 is deliberately slow).
pub async fn verify_password_blocking(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// A hash no password matches, checked for unknown users so that a wrong
/// user name takes as long as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token()).unwrap_or_default());

/// Hashes off the async workers (argon2 is deliberately slow).
pub async fn hash_password_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// A password the office may use: long enough to resist guessing.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < 10 {
        return Err("密码至少 10 位".into());
    }
    if password.chars().count() > 200 {
        return Err("密码过长".into());
    }
    Ok(())
}

/// Equal, in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    !b.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A cookie's value, as the browser sent it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers).get(name).map(|c| c.value().to_string())
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Cookies are marked `Secure` when users reach ogi over HTTPS (`ogi serve
/// --https`, behind a TLS reverse proxy); on plain HTTP a Secure cookie would
/// never come back.
pub static SECURE_COOKIES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// An HttpOnly, SameSite=Strict cookie for the whole site; `max_age` 0 removes it.
fn site_cookie(name: &'static str, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(max_age))
        .secure(SECURE_COOKIES.load(std::sync::atomic::Ordering::Relaxed))
        .build()
}

/// Who a request was for, kept on the response for the access log.
#[derive(Debug, Clone)]
pub struct AccessInfo {
    pub client: ClientAddr,
    pub user: Option<String>,
}

/// A refusal under `/api/`, as JSON.
fn api_refusal(status: StatusCode, message: String) -> Response {
    crate::api::ApiError::new(status, message).into_response()
}

/// China time (UTC+8), to the minute: how times are shown.
pub fn show_time(unix: i64) -> String {
    let offset = jiff::tz::Offset::constant(8);
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::fixed(offset)).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| "—".into())
}

/// Resolves the client's address (trusted proxies), the session (cookie or
/// `Authorization: Bearer` API token: its expiry and scope are enforced
/// here), sends a user who must change their password to 我的账号, and
/// refuses any state-changing request whose CSRF token does not match its
/// session. API calls with a bearer token carry no cookie, so they need no
/// CSRF token.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let client = crate::net::client_addr(&parts, &state.options.trusted_proxies);
    parts.extensions.insert(client);
    let mut user = None;
    let mut resp = resolve(&state, parts, body, next, &mut user).await;
    resp.extensions_mut().insert(AccessInfo { client, user });
    resp
}

async fn resolve(state: &AppState, mut parts: Parts, body: Body, next: Next, who: &mut Option<String>) -> Response {
    // API tokens are for the JSON API only: a page never accepts one.
    let on_api = parts.uri.path().starts_with("/api/");
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|_| on_api)
        .map(|t| token_hash(t.trim()));
    let session_token = cookie(&parts.headers, SESSION_COOKIE);
    let read_only = matches!(parts.method, Method::GET | Method::HEAD);
    let now = now();
    let session = if let Some(hash) = bearer.clone() {
        let token = match state.read(move |s| s.api_token(&hash)).await {
            Ok(t) => t,
            Err(e) => return AppError::from(e).into_response(),
        };
        match token {
            Some(t) if t.expires <= now => {
                *who = Some(t.user.username);
                return api_refusal(
                    StatusCode::UNAUTHORIZED,
                    format!("接口令牌已于 {} 过期，请联系管理员重新签发。", show_time(t.expires)),
                );
            }
            Some(t) if t.scope == TokenScope::Read && !read_only => {
                *who = Some(t.user.username);
                return api_refusal(
                    StatusCode::FORBIDDEN,
                    "此接口令牌只读（read）：只能查询（GET），不能提交或修改。需要写入请让管理员签发读写令牌。".into(),
                );
            }
            Some(t) => {
                if t.last_used.is_none_or(|at| now - at >= TOUCH_EVERY) {
                    let id = t.id;
                    if let Err(e) = state.write(move |s| s.touch_api_token(id, now)).await {
                        eprintln!("ogi: 记录令牌使用时间失败：{e}");
                    }
                }
                Some(Session { user: t.user, csrf: String::new(), id: None })
            }
            None => None,
        }
    } else if let Some(token) = session_token {
        let hash = token_hash(&token);
        match state.read(move |s| s.live_session(&hash, now)).await {
            Ok(Some(live)) => {
                if now - live.last_seen >= TOUCH_EVERY {
                    let id = live.id;
                    if let Err(e) = state.write(move |s| s.touch_session(id, now)).await {
                        eprintln!("ogi: 记录会话使用时间失败：{e}");
                    }
                }
                Some(Session { user: live.user, csrf: live.csrf, id: Some(live.id) })
            }
            Ok(None) => None,
            Err(e) => return AppError::from(e).into_response(),
        }
    } else {
        None
    };
    *who = session.as_ref().map(|s| s.user.username.clone());
    let path = parts.uri.path().to_string();
    // A password the administrator asked to be changed opens only 我的账号.
    if session.as_ref().is_some_and(|s| s.user.must_change_password && s.id.is_some())
        && !matches!(path.as_str(), "/account" | "/account/password" | "/logout" | "/static/style.css" | "/healthz")
    {
        if on_api {
            return api_refusal(
                StatusCode::FORBIDDEN,
                "管理员要求您先修改密码：请在浏览器中打开“我的账号”修改后再使用。".into(),
            );
        }
        return Redirect::to("/account").into_response();
    }
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let exempt = path == "/login" || path == "/setup";
    let mut body = body;
    if unsafe_method && !exempt && bearer.is_none() {
        if let Some(s) = &session {
            match csrf_matches(&parts, body, &s.csrf, state.options.request_timeout).await {
                Ok(rebuilt) => body = rebuilt,
                Err(e) => return e.into_response(),
            }
        }
    }
    parts.extensions.insert(session);
    next.run(Request::from_parts(parts, body)).await
}

/// Whether the request carries `expected`: in `X-CSRF-Token`, or as the
/// `csrf` field of a urlencoded or multipart form (upload forms put it
/// first). Returns the body for the handler (read and put back); a body over
/// the limit is refused as too large, whatever its token, and never echoed.
async fn csrf_matches(
    parts: &Parts,
    body: Body,
    expected: &str,
    timeout: std::time::Duration,
) -> Result<Body, AppError> {
    let given = |v: &str| same_secret(v, expected);
    if parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).is_some_and(given) {
        return Ok(body);
    }
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Ok(boundary) = multer::parse_boundary(content_type) {
        // The files and the form fields around them.
        let limit = crate::MAX_UPLOAD + 64 * 1024;
        let bytes = read_body(body, limit, timeout).await?;
        let mut form = multer::Multipart::new(
            futures_util::stream::once(std::future::ready(Ok::<_, std::io::Error>(bytes.clone()))),
            boundary,
        );
        let mut ok = false;
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some("csrf") {
                ok = field.text().await.is_ok_and(|v| given(&v));
                break;
            }
        }
        return if ok { Ok(Body::from(bytes)) } else { Err(AppError::Csrf) };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::Csrf);
    }
    let bytes = read_body(body, MAX_FORM, timeout).await?;
    if !crate::view::decodes_as_utf8(&bytes) {
        return Err(AppError::BadRequest("提交的内容含有无法识别的字符（不是 UTF-8 编码），未保存。".into()));
    }
    match serde_urlencoded_field(&bytes, "csrf").is_some_and(|v| given(&v)) {
        true => Ok(Body::from(bytes)),
        false => Err(AppError::Csrf),
    }
}

fn too_large(limit: usize) -> AppError {
    AppError::TooLarge(format!(
        "提交内容过大（上限 {} MB），未保存。请缩短内容或分批提交后重试。",
        limit.div_ceil(1024 * 1024)
    ))
}

/// The body, up to `limit` bytes. Past it, the rest is read and dropped (up
/// to four times the limit, within the request timeout) so that the browser
/// sees the answer rather than a reset connection: 413. A body that does not
/// arrive within the timeout: 408.
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<axum::body::Bytes, AppError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    let deadline = tokio::time::Instant::now() + timeout;
    while seen <= 4 * limit {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    seen += d.len();
                    if seen <= limit {
                        kept.extend_from_slice(d);
                    }
                }
            }
            Ok(None) => break,
            Ok(Some(Err(_))) if seen > limit => break,
            Ok(Some(Err(_))) => return Err(AppError::BadRequest("提交中断，未保存，请重新提交。".into())),
            Err(_) => return Err(AppError::Timeout(timeout.as_secs())),
        }
    }
    if seen > limit {
        return Err(too_large(limit));
    }
    Ok(kept.into())
}

fn serde_urlencoded_field(bytes: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A logged-in page: the session, or a redirect to the login page.
impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Option<Session>>().cloned().flatten() {
            Some(s) => Ok(s),
            None if parts.uri.path().starts_with("/api/") => {
                Err((StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({"error": "未登录或令牌无效"})))
                    .into_response())
            }
            None => {
                let next = parts.uri.path_and_query().map_or("/".to_string(), |p| p.as_str().to_string());
                let target =
                    if next == "/" { "/login".to_string() } else { format!("/login?next={}", urlencode(&next)) };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

pub use crate::view::urlencode;

/// Only paths of this site (never `//evil.example`).
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        // No control characters: browsers drop tabs and newlines, so "/\t/evil" would become "//evil".
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c == '\u{7f}') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    token: Option<String>,
}

fn login_page(
    state: &AppState,
    next: &str,
    error: Option<&str>,
    username: &str,
    status: StatusCode,
) -> Result<Response, AppError> {
    let csrf = random_token();
    let body = state.templates.render(
        "login.html",
        json!({"chrome": Chrome::anonymous("登录", csrf.clone()), "next": next, "error": error, "username": username}),
    )?;
    let jar = CookieJar::new().add(site_cookie(LOGIN_CSRF_COOKIE, csrf, 3600));
    Ok((status, jar, html(body)).into_response())
}

pub async fn login_form(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    let needs_setup = state.read(|s| s.user_count()).await? == 0;
    if needs_setup {
        return Ok(html(state.templates.render(
            "setup.html",
            json!({"chrome": Chrome::anonymous("首次使用", String::new()), "token": "", "missing_token": true}),
        )?));
    }
    login_page(&state, &safe_next(q.next.as_deref()), None, "", StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(Some(&f.next));
    if !cookie(&headers, LOGIN_CSRF_COOKIE).is_some_and(|c| same_secret(&c, &f.csrf)) {
        return Err(AppError::Csrf);
    }
    let name = f.username.trim().to_string();
    // Only a name that could be a user's (64 characters, no spaces) is
    // counted: a megabyte of "name" is neither kept nor a key.
    let countable = !name.is_empty() && name.chars().count() <= 64 && !name.chars().any(char::is_whitespace);
    // One guesser (a name from one address) is slowed down here; the
    // account's own count, across addresses, is the store's.
    let short: String = name.chars().take(64).collect();
    let user_key = format!("user:{short}@{addr}");
    let addr_key = format!("addr:{addr}");
    let keys = [(user_key.as_str(), MAX_PER_USER), (addr_key.as_str(), MAX_PER_ADDRESS)];
    if !state.limiter.attempt(&keys) {
        return Err(AppError::TooManyAttempts);
    }
    // A few password checks at a time; the rest are told to wait.
    let Ok(_permit) = state.password_checks.try_acquire() else {
        state.limiter.succeeded(&[&user_key, &addr_key]);
        return Err(AppError::Busy);
    };
    let username = name.clone();
    let (found, locked) = state.read(move |s| Ok((s.login_user(&username)?, s.login_locked(&username)?))).await?;
    if locked.is_some() {
        // Not checked at all while locked (so not counted against the address either).
        state.limiter.succeeded(&[&user_key, &addr_key]);
        return login_page(&state, &next, Some(LOCKED), &f.username, StatusCode::LOCKED);
    }
    // Verifying is deliberately slow (argon2): keep it off the async workers.
    // An unknown user is checked against a dummy hash so both take as long.
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, DUMMY_HASH.clone()),
    };
    let verified = verify_password_blocking(f.password.clone(), hash).await?;
    let Some(user) = user.filter(|u| verified && u.active) else {
        let username = name.clone();
        let now = now();
        let locked = countable
            && state.write(move |s| s.login_failed(&username, now, MAX_PER_ACCOUNT, ACCOUNT_WINDOW_SECS)).await?;
        return match locked {
            true => login_page(&state, &next, Some(LOCKED), &f.username, StatusCode::LOCKED),
            false => login_page(&state, &next, Some("用户名或密码错误"), &f.username, StatusCode::UNAUTHORIZED),
        };
    };
    state.limiter.succeeded(&[&user_key, &addr_key]);
    state.write(move |s| s.login_succeeded(&name)).await?;
    let next = if user.must_change_password { "/account".to_string() } else { next };
    start_session(&state, &user, &next, addr, &headers).await
}

async fn start_session(
    state: &AppState,
    user: &User,
    next: &str,
    addr: std::net::IpAddr,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let token = random_token();
    let (hash, csrf, user_id) = (token_hash(&token), random_token(), user.id);
    let agent = headers.get(header::USER_AGENT).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let agent = agent.unwrap_or_default();
    let address = addr.to_string();
    let now = now();
    state
        .write(move |s| {
            s.open_session(&NewSession {
                token_hash: &hash,
                user_id,
                csrf: &csrf,
                now,
                expires: now + SESSION_SECONDS,
                address: &address,
                user_agent: &agent,
            })
        })
        .await?;
    let jar = CookieJar::new().add(site_cookie(SESSION_COOKIE, token, SESSION_SECONDS)).add(site_cookie(
        LOGIN_CSRF_COOKIE,
        String::new(),
        0,
    ));
    Ok((jar, Redirect::to(next)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _session: Session,
) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let hash = token_hash(&token);
        state.write(move |s| s.delete_session(&hash)).await?;
    }
    let jar = CookieJar::new().add(site_cookie(SESSION_COOKIE, String::new(), 0));
    Ok((jar, Redirect::to("/login")).into_response())
}

/// The one-time setup link (printed by `ogi serve` while there is no user).
pub async fn setup_form(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    let valid = setup_token_matches(&state, q.token.as_deref().unwrap_or_default());
    if !valid || state.read(|s| s.user_count()).await? > 0 {
        return Err(AppError::NotFound);
    }
    let csrf = random_token();
    let body = state.templates.render(
        "setup.html",
        json!({"chrome": Chrome::anonymous("首次使用：创建管理员", csrf.clone()), "token": q.token, "missing_token": false}),
    )?;
    let jar = CookieJar::new().add(site_cookie(LOGIN_CSRF_COOKIE, csrf, 3600));
    Ok((jar, html(body)).into_response())
}

fn setup_token_matches(state: &AppState, given: &str) -> bool {
    let t = state.setup_token.lock().unwrap_or_else(|p| p.into_inner());
    t.as_deref().is_some_and(|t| same_secret(given, t))
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    csrf: String,
    username: String,
    display_name: String,
    password: String,
    password2: String,
    agency: String,
}

pub async fn setup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> Result<Response, AppError> {
    if !setup_token_matches(&state, &f.token) {
        return Err(AppError::NotFound);
    }
    if !cookie(&headers, LOGIN_CSRF_COOKIE).is_some_and(|c| same_secret(&c, &f.csrf)) {
        return Err(AppError::Csrf);
    }
    let problem = if f.password != f.password2 {
        Some("两次输入的密码不一致".to_string())
    } else if f.agency.trim().is_empty() {
        Some("请填写机关名称".to_string())
    } else {
        check_new_password(&f.password).err()
    };
    if let Some(error) = problem {
        let body = state.templates.render(
            "setup.html",
            json!({
                "chrome": Chrome::anonymous("首次使用：创建管理员", f.csrf.clone()),
                "token": f.token,
                "missing_token": false,
                "error": error,
                "username": f.username,
                "display_name": f.display_name,
                "agency": f.agency,
            }),
        )?;
        return Ok((StatusCode::BAD_REQUEST, html(body)).into_response());
    }
    let hash = hash_password_blocking(f.password.clone()).await?;
    let (username, display_name, agency) = (f.username.clone(), f.display_name.clone(), f.agency.trim().to_string());
    let user = state.write(move |s| s.create_first_admin(&username, &display_name, &hash, &agency)).await?;
    *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    start_session(&state, &user, "/", addr, &headers).await
}
