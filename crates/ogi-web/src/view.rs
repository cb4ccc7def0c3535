//! Pages: the embedded templates (minijinja, HTML auto-escaped), the common
//! layout, and errors as Chinese pages (never a stack trace).

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};
use ogi_store::StoreError;
use serde::Serialize;

use crate::auth::Session;

/// Every template, embedded in the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("setup.html", include_str!("../templates/setup.html")),
    ("dashboard.html", include_str!("../templates/dashboard.html")),
    ("requests.html", include_str!("../templates/requests.html")),
    ("request_rows.html", include_str!("../templates/request_rows.html")),
    ("request_new.html", include_str!("../templates/request_new.html")),
    ("request.html", include_str!("../templates/request.html")),
    ("letters_admin.html", include_str!("../templates/letters_admin.html")),
    ("calendar.html", include_str!("../templates/calendar.html")),
    ("annual.html", include_str!("../templates/annual.html")),
    ("annual_records.html", include_str!("../templates/annual_records.html")),
    ("annual_macros.html", include_str!("../templates/annual_macros.html")),
    ("check.html", include_str!("../templates/check.html")),
    ("check_macros.html", include_str!("../templates/check_macros.html")),
    ("admin.html", include_str!("../templates/admin.html")),
];

/// The stylesheet (served at /static/style.css; no outside fonts or CDNs).
pub const STYLE: &str = include_str!("../static/style.css");

pub struct Templates(Environment<'static>);

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source).expect("embedded templates are valid");
        }
        Templates(env)
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, AppError> {
        let t = self.0.get_template(name).map_err(|e| AppError::Internal(e.to_string()))?;
        t.render(Value::from(minijinja::value::Serde(&ctx))).map_err(|e| AppError::Internal(format!("{e:#}")))
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

/// The layout's part of every page's context: who is logged in, the CSRF
/// token for forms, the menu item to highlight, the page title.
#[derive(Serialize)]
pub struct Chrome<'a> {
    pub title: &'a str,
    pub nav: &'a str,
    pub user: Option<UserView>,
    pub csrf: String,
}

#[derive(Serialize)]
pub struct UserView {
    pub name: String,
    pub username: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub may_decide: bool,
    pub may_administer: bool,
}

impl<'a> Chrome<'a> {
    pub fn new(session: &Session, title: &'a str, nav: &'a str) -> Chrome<'a> {
        let u = &session.user;
        Chrome {
            title,
            nav,
            user: Some(UserView {
                name: u.display_name.clone(),
                username: u.username.clone(),
                role: u.role.key(),
                role_label: u.role.label(),
                may_decide: u.role.may_decide(),
                may_administer: u.role.may_administer(),
            }),
            csrf: session.csrf.clone(),
        }
    }

    pub fn anonymous(title: &'a str, csrf: String) -> Chrome<'a> {
        Chrome { title, nav: "", user: None, csrf }
    }
}

/// A page's HTML, marked not to be cached (pages show live registers).
pub fn html(body: String) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// Everything a handler can fail with, as the user sees it.
#[derive(Debug)]
pub enum AppError {
    /// 404: the same page whether the thing does not exist or is not yours to see.
    NotFound,
    /// 403 with the reason (a role rule).
    Forbidden(String),
    /// 400 with a Chinese message.
    BadRequest(String),
    /// 403: the form's CSRF token is missing or wrong.
    Csrf,
    /// 413
    TooLarge(String),
    /// 429
    TooManyAttempts,
    /// 503: too much at once (e.g. password checks); try again shortly.
    Busy,
    /// 500: logged, not shown.
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) | StoreError::NoRecord { .. } => AppError::NotFound,
            StoreError::Rule(e) => AppError::BadRequest(e.to_string()),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            StoreError::Db(e) => AppError::Internal(e.to_string()),
            StoreError::Corrupt(m) => AppError::Internal(m),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown (Chinese; internal errors are not described).
    pub fn message(&self) -> String {
        match self {
            AppError::NotFound => "页面不存在，或您无权查看。".into(),
            AppError::Forbidden(why) => why.clone(),
            AppError::BadRequest(m) | AppError::TooLarge(m) => m.clone(),
            AppError::Csrf => "表单已过期或来源不明（CSRF 校验失败），请返回刷新页面后重新提交。".into(),
            AppError::TooManyAttempts => "登录失败次数过多，请 15 分钟后再试。".into(),
            AppError::Busy => "系统繁忙，请稍后再试。".into(),
            AppError::Internal(_) => "服务器内部错误，请稍后再试；如果问题持续，请联系管理员查看日志。".into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(m) = &self {
            eprintln!("ogi: 内部错误：{m}");
        }
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权操作",
            StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
            StatusCode::INTERNAL_SERVER_ERROR => "出错了",
            _ => "无法处理",
        };
        // The error page stands alone: it must render even if the session is gone.
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} - ogi</title>\
             <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body class=\"plain\"><main>\
             <h1>{title}</h1><p class=\"err\">{}</p><p><a href=\"/\">返回工作台</a></p></main></body></html>",
            escape(&self.message())
        );
        (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
    }
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
