//! The HTTP side of ogi: the disclosure office's workbench (工作台, 申请登记簿,
//! requests and their letters, the year's report, report checking, accounts),
//! the JSON API, and the report reader. Server-rendered HTML from embedded
//! templates, no JavaScript build, nothing loaded from outside (government
//! intranets are offline).
//!
//! `app(state)` is the router (tests start it on a random port); `serve()`
//! opens the register, prints the address (and the one-time setup link while
//! there is no user), and stops cleanly on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub mod api;
pub mod auth;
pub mod net;
pub mod notify;
pub mod pages;
pub mod state;
pub mod view;

pub use net::{parse_trusted_proxy, TrustedProxy};
pub use state::{AppState, DEFAULT_POOL};

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// The register: a SQLite file (created with its directory on first
    /// start) or a PostgreSQL database.
    pub db: ogi_store::Location,
    /// Database connections at once.
    pub pool: usize,
    /// A fixed "today" for demonstrations and training; `None` is the clock.
    pub today: Option<ogi_rules::Date>,
    /// Users reach ogi over HTTPS (a TLS reverse proxy): cookies are `Secure`.
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// The longest a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// E-mail to applicants on every public step (`--smtp`); none without it.
    pub mail: Option<notify::MailConfig>,
}

/// How the server treats its network: the parts of [`Config`] the router
/// and the middleware need (tests set them through `AppState::open_with`).
#[derive(Debug, Clone)]
pub struct Options {
    pub trusted_proxies: Vec<TrustedProxy>,
    pub request_timeout: Duration,
    /// Database connections at once (see `state::DEFAULT_POOL`).
    pub pool: usize,
}

/// `--request-timeout`'s default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for Options {
    fn default() -> Options {
        Options { trusted_proxies: Vec::new(), request_timeout: DEFAULT_REQUEST_TIMEOUT, pool: state::DEFAULT_POOL }
    }
}

/// Largest upload accepted (a published report, or several at once).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;
/// Largest body of every other request (forms, JSON).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// An upload's body: the files and the form fields around them.
pub const MAX_UPLOAD_BODY: usize = MAX_UPLOAD + 64 * 1024;

/// What every response carries: no framing (clickjacking), no sniffing, no
/// referrer, and a policy that allows nothing from outside and no script at
/// all (the pages have none). Inline styles are allowed: the report and the
/// letters are standalone documents with a `<style>` of their own.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// Every route, without the layers (`app` adds them; a test may add a route first).
pub fn routes() -> Router<AppState> {
    let forms = Router::new()
        .route("/", get(pages::dashboard::page))
        .route("/requests", get(pages::register::page))
        .route("/requests.csv", get(pages::register::csv))
        .route("/requests", post(pages::request::create))
        .route("/requests/new", get(pages::request::new_form))
        .route("/requests/{code}", get(pages::request::page))
        .route("/requests/{code}/events", post(pages::request::post_event))
        .route("/requests/{code}/letters/{kind}", get(pages::letters::letter))
        .route("/admin/letters", get(pages::letters::admin_page).post(pages::letters::admin_save))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/setup", get(auth::setup_form).post(auth::setup))
        .route("/apply", get(pages::portal::apply_form))
        .route("/apply/{agency}", get(pages::portal::apply_form_for))
        .route("/text-size", get(pages::portal::text_size))
        .route("/track", get(pages::portal::track_form))
        .route("/track/{code}", get(pages::portal::track))
        .route("/track/{code}/withdraw", post(pages::portal::withdraw))
        .route("/track/{code}/letters/{file}", get(pages::portal::track_letter))
        .route("/track/{code}/files/{id}", get(pages::portal::track_file))
        .route("/online", get(pages::portal::pending))
        .route("/online/{id}/confirm", post(pages::portal::confirm))
        .route("/online/files/{id}", get(pages::portal::file))
        .merge(pages::account::routes())
        .merge(pages::annual::routes())
        .merge(pages::admin::routes())
        .merge(pages::agencies::routes())
        .merge(pages::calendar::routes())
        .merge(pages::region::routes())
        .route("/static/style.css", get(style))
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::routes());
    // Published reports, one or several at once; an application or a 补正 with its
    // attachments; a letter delivered online with the information itself.
    let uploads = Router::new()
        .merge(pages::check::routes())
        .merge(api::upload_routes())
        .route("/apply", post(pages::portal::apply))
        .route("/apply/{agency}", post(pages::portal::apply_to))
        .route("/track/{code}/correction", post(pages::portal::correction))
        .route("/requests/{code}/letters/{kind}/deliver", post(pages::letters::deliver))
        .route("/region/intake", post(pages::region::intake_upload));
    body_limit(forms, MAX_BODY).merge(body_limit(uploads, MAX_UPLOAD_BODY))
}

/// A body over `limit` is refused 413 (by its declared length, or as soon as
/// it is read past it); the refusal says which limit it was.
fn body_limit(router: Router<AppState>, limit: usize) -> Router<AppState> {
    router.layer(RequestBodyLimitLayer::new(limit)).layer(axum::middleware::map_response(
        move |mut resp: Response| async move {
            if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
                resp.extensions_mut().insert(view::BodyLimit(limit));
            }
            resp
        },
    ))
}

pub fn app(state: AppState) -> Router {
    with_layers(routes(), state)
}

/// The layers every route runs in, innermost first: the request timeout,
/// Chinese error pages, sessions and CSRF, JSON errors under `/api/`, the
/// security headers, and the access log.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let timeout = state.options.request_timeout;
    let mut router = routes
        .fallback(|| async { view::AppError::NotFound })
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), view::error_pages))
        .layer(axum::middleware::from_fn(view::text_size))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::middleware))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY))
        .layer(axum::middleware::from_fn(api::json_errors));
    for (name, value) in SECURITY_HEADERS {
        router = router
            .layer(SetResponseHeaderLayer::overriding(HeaderName::from_static(name), HeaderValue::from_static(value)));
    }
    let access_log = TraceLayer::new_for_http()
        .make_span_with(access_span as fn(&axum::extract::Request) -> tracing::Span)
        .on_request(())
        .on_response(access_line as fn(&Response, Duration, &tracing::Span))
        .on_body_chunk(())
        .on_eos(())
        .on_failure(());
    router.layer(access_log).with_state(state)
}

/// The access log's span: method and path (never the query: the setup
/// link's token is in it; nor an applicant's tracking code, their only key).
fn access_span(req: &axum::extract::Request) -> tracing::Span {
    tracing::info_span!("http", method = %req.method(), path = %logged_path(req.uri().path()))
}

/// The path as the access log keeps it: `/track/{code}…` with the code hidden.
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/track/") {
        Some(rest) => {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            format!("/track/***{tail}").into()
        }
        None => path.into(),
    }
}

/// The access log's line, one per request: status, latency, client, user.
fn access_line(resp: &Response, latency: Duration, _span: &tracing::Span) {
    let who = resp.extensions().get::<auth::AccessInfo>();
    tracing::info!(
        target: "ogi::access",
        status = resp.status().as_u16(),
        ms = latency.as_millis() as u64,
        client = %who.map_or(String::from("-"), |w| w.client.0.to_string()),
        user = %who.and_then(|w| w.user.as_deref()).unwrap_or("-"),
    );
}

async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], view::STYLE)
}

/// Opens the register, binds, and serves until Ctrl-C or SIGTERM.
/// A line on stdout that may fail: a server whose output nobody reads any more
/// goes on serving (`println!` would panic on the closed pipe).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

macro_rules! esay {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

pub async fn serve(config: Config) -> std::io::Result<()> {
    if config.https {
        auth::SECURE_COOKIES.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    // The access log (and nothing else: every other message is printed).
    let _ = tracing_subscriber::fmt().with_target(false).try_init();
    let options = Options {
        trusted_proxies: config.trusted_proxies.clone(),
        request_timeout: config.request_timeout,
        pool: config.pool,
    };
    // A relay or sender that cannot work is refused before anything starts.
    let mailer = config.mail.as_ref().map(notify::Mailer::new).transpose().map_err(std::io::Error::other)?;
    // Off the async workers: the PostgreSQL client blocks while it connects.
    let (db, today) = (config.db.clone(), config.today);
    let state = tokio::task::spawn_blocking(move || AppState::open_with(&db, today, options))
        .await
        .map_err(std::io::Error::other)?
        .map_err(|e| std::io::Error::other(format!("{}: {e}", config.db)))?;
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    // A year loaded by another process (the CLI, a second server) is used
    // here within seconds.
    let watched = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            if let Err(e) = watched.refresh_calendar().await {
                esay!("ogi: 重新载入节假日安排失败：{e}");
            }
        }
    });
    say!("ogi 已启动：http://{addr}/ （数据库 {}）", config.db);
    if let (Some(mailer), Some(mail)) = (mailer, &config.mail) {
        say!("申请人通知邮件经 {} 发送", notify::relay_shown(&mail.relay));
        tokio::spawn(notify::run(state.clone(), std::sync::Arc::new(mailer)));
    }
    let users = state.read(ogi_store::Store::user_count).await.map_err(|e| std::io::Error::other(e.to_string()))?;
    if users == 0 {
        let token = auth::random_token();
        *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        say!("首次使用：请在浏览器中打开 http://{addr}/setup?token={token} 创建管理员（此链接只能使用一次）");
    }
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    say!("ogi 已停止");
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
