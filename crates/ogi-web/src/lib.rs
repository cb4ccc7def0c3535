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
use std::path::PathBuf;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod auth;
pub mod pages;
pub mod state;
pub mod view;

pub use state::AppState;

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// The SQLite register (created with its directory on first start).
    pub db: PathBuf,
    /// A fixed "today" for demonstrations and training; `None` is the clock.
    pub today: Option<ogi_rules::Date>,
    /// Users reach ogi over HTTPS (a TLS reverse proxy): cookies are `Secure`.
    pub https: bool,
}

/// Largest upload accepted (a published report, or several at once).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

pub fn app(state: AppState) -> Router {
    Router::new()
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
        .route("/apply", get(pages::portal::apply_form).post(pages::portal::apply))
        .route("/track", get(pages::portal::track_form))
        .route("/track/{code}", get(pages::portal::track))
        .route("/track/{code}/correction", post(pages::portal::correction))
        .route("/track/{code}/withdraw", post(pages::portal::withdraw))
        .route("/online", get(pages::portal::pending))
        .route("/online/{id}/confirm", post(pages::portal::confirm))
        .route("/online/files/{id}", get(pages::portal::file))
        .merge(pages::annual::routes())
        .merge(pages::check::routes())
        .merge(pages::admin::routes())
        .merge(pages::calendar::routes())
        .route("/static/style.css", get(style))
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::routes())
        .fallback(|| async { view::AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(state.clone(), view::error_pages))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::middleware))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .layer(axum::middleware::from_fn(api::json_errors))
        .with_state(state)
}

async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], view::STYLE)
}

/// Opens the register, binds, and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> std::io::Result<()> {
    if config.https {
        auth::SECURE_COOKIES.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let state = AppState::open(&config.db, config.today)
        .map_err(|e| std::io::Error::other(format!("{}: {e}", config.db.display())))?;
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    // A year loaded by another process (the CLI, a second server) is used
    // here within seconds.
    let watched = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            if let Err(e) = watched.refresh_calendar().await {
                eprintln!("ogi: 重新载入节假日安排失败：{e}");
            }
        }
    });
    println!("ogi 已启动：http://{addr}/ （数据库 {}）", config.db.display());
    let users = state.read(ogi_store::Store::user_count).await.map_err(|e| std::io::Error::other(e.to_string()))?;
    if users == 0 {
        let token = auth::random_token();
        *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        println!("首次使用：请在浏览器中打开 http://{addr}/setup?token={token} 创建管理员（此链接只能使用一次）");
    }
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    println!("ogi 已停止");
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
