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
    ("error.html", include_str!("../templates/error.html")),
    ("annual.html", include_str!("../templates/annual.html")),
    ("annual_records.html", include_str!("../templates/annual_records.html")),
    ("annual_macros.html", include_str!("../templates/annual_macros.html")),
    ("check.html", include_str!("../templates/check.html")),
    ("check_macros.html", include_str!("../templates/check_macros.html")),
    ("admin.html", include_str!("../templates/admin.html")),
    ("agencies.html", include_str!("../templates/agencies.html")),
    ("apply.html", include_str!("../templates/apply.html")),
    ("apply_pick.html", include_str!("../templates/apply_pick.html")),
    ("track.html", include_str!("../templates/track.html")),
    ("online.html", include_str!("../templates/online.html")),
    ("account.html", include_str!("../templates/account.html")),
    ("text_size.html", include_str!("../templates/text_size.html")),
    ("region.html", include_str!("../templates/region.html")),
    ("region_rollup.html", include_str!("../templates/region_rollup.html")),
    ("region_drill.html", include_str!("../templates/region_drill.html")),
    ("region_compare.html", include_str!("../templates/region_compare.html")),
    ("region_review.html", include_str!("../templates/region_review.html")),
    ("region_intake.html", include_str!("../templates/region_intake.html")),
    ("region_batch.html", include_str!("../templates/region_batch.html")),
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
        env.add_function("large_text", large_text);
        env.add_function("this_page", this_page);
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

tokio::task_local! {
    /// The reader's text size and the page asked for, while a request is
    /// answered (the layout's size switch links back to it).
    static TEXT_SIZE: TextSize;
}

#[derive(Clone)]
struct TextSize {
    /// Large-text mode (大字版), the reader's choice kept in a cookie.
    large: bool,
    /// The path and query of the page, to come back to after switching.
    page: String,
}

/// The cookie that keeps large-text mode (`ogi_text=large`).
pub const TEXT_COOKIE: &str = "ogi_text";

/// Reads the reader's text size from its cookie for every page rendered
/// while answering the request (error pages included).
pub async fn text_size(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let large = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim() == format!("{TEXT_COOKIE}=large"));
    let page = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    TEXT_SIZE.scope(TextSize { large, page }, next.run(req)).await
}

/// For the layout: `<html class="large-text">` when chosen.
fn large_text() -> bool {
    TEXT_SIZE.try_with(|t| t.large).unwrap_or(false)
}

/// For the size switch: the page being shown.
fn this_page() -> String {
    TEXT_SIZE.try_with(|t| t.page.clone()).unwrap_or_else(|_| "/".into())
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
    /// The user's agency (shown beside their name).
    pub agency: String,
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
                agency: u.agency_name.clone(),
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
    /// 408: the request took longer than the configured timeout (seconds).
    Timeout(u64),
    /// 429
    TooManyAttempts,
    /// 503: too much at once (e.g. password checks); try again shortly.
    Busy,
    /// 409: someone else changed the request since this page was loaded.
    Conflict,
    /// 503: the database server cannot be reached (logged).
    Unavailable(String),
    /// 500: logged, not shown.
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) | StoreError::NoRecord { .. } => AppError::NotFound,
            StoreError::Rule(e) => AppError::BadRequest(e.to_string()),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            StoreError::Duplicate(_) => AppError::BadRequest(e.to_string()),
            StoreError::Conflict => AppError::Conflict,
            StoreError::Forbidden(m) => AppError::Forbidden(m),
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Db(m) | StoreError::Corrupt(m) | StoreError::BadLocation(m) => AppError::Internal(m),
            e @ StoreError::NewerSchema { .. } => AppError::Internal(e.to_string()),
        }
    }
}

impl AppError {
    /// What the operator must see (the user is told less): internal errors
    /// and an unreachable database, on standard error.
    pub fn log(&self) {
        match self {
            AppError::Internal(m) => eprintln!("ogi: 内部错误：{m}"),
            AppError::Unavailable(m) => eprintln!("ogi: 数据库无法连接：{m}"),
            _ => {}
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Conflict => StatusCode::CONFLICT,
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
            AppError::Timeout(secs) => timeout_message(*secs),
            AppError::Busy => "系统繁忙，请稍后再试。".into(),
            AppError::Conflict => StoreError::Conflict.to_string(),
            AppError::Unavailable(_) => "数据库暂时无法连接，请稍后再试；如果问题持续，请联系管理员。".into(),
            AppError::Internal(_) => "服务器内部错误，请稍后再试；如果问题持续，请联系管理员查看日志。".into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权操作",
            StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
            StatusCode::REQUEST_TIMEOUT => "请求超时",
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
        let mut resp = (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response();
        // `error_pages` shows it again in the workbench's layout when a user is logged in.
        resp.extensions_mut().insert(ErrorPage { title, message: self.message() });
        resp
    }
}

/// What a request that ran out of time is told (pages and API alike).
pub fn timeout_message(secs: u64) -> String {
    format!(
        "请求处理超时（超过 {secs} 秒），未完成。如果是提交表单，内容可能已经保存：请先返回查看，再决定是否重新提交。"
    )
}

/// The body limit that refused a request (set on 413 responses by the
/// limit layer of its route), so that the refusal names it.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// What an error page says, kept on the response for `error_pages`.
#[derive(Clone)]
pub struct ErrorPage {
    title: &'static str,
    message: String,
}

/// Every rejection of a page request as a Chinese page in the workbench's
/// layout: the handlers' own errors, and what the framework refuses before a
/// handler runs (a query or form it cannot read, a method a route does not
/// take, a body too large), which would otherwise be English text or empty.
/// A query string that is not UTF-8 is refused here too. Runs inside
/// `auth::middleware` (it needs the session); `/api/` is `api::json_errors`'s.
pub async fn error_pages(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        return next.run(req).await;
    }
    let session = req.extensions().get::<Option<crate::auth::Session>>().cloned().flatten();
    if req.uri().query().is_some_and(|q| !decodes_as_utf8(q.as_bytes())) {
        return page(
            &state,
            session.as_ref(),
            StatusCode::BAD_REQUEST,
            "无法处理",
            "地址中含有无法识别的字符（不是 UTF-8 编码）。".into(),
        );
    }
    let get_logout = path == "/logout" && req.method() == axum::http::Method::GET;
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    if let Some(e) = resp.extensions().get::<ErrorPage>().cloned() {
        return match session {
            Some(s) => page(&state, Some(&s), status, e.title, e.message),
            None => resp,
        };
    }
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        return resp;
    }
    // A rejection by the framework (plain English text, or nothing at all).
    let (status, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED if get_logout => (status, "退出登录请使用页面右上角的“退出”按钮。".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => {
            (status, "此页面不接受这种请求方式：请从页面上的链接或按钮进入。".to_string())
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = resp.extensions().get::<BodyLimit>().map_or(crate::MAX_UPLOAD, |l| l.0);
            (status, format!("提交内容过大（上限 {} MB），未保存。", limit.div_ceil(1024 * 1024)))
        }
        // The request timeout (`TimeoutLayer`, inside this middleware).
        StatusCode::REQUEST_TIMEOUT => (status, timeout_message(state.options.request_timeout.as_secs())),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            (StatusCode::BAD_REQUEST, "提交的内容格式不正确：请使用页面上的表单提交。".to_string())
        }
        // Query strings and forms the handler's types cannot hold (a
        // duplicated field, a word where a number belongs).
        s if s.is_client_error() => (
            StatusCode::BAD_REQUEST,
            "地址或表单的内容无法识别（例如栏目重复、数字栏填了文字），未保存：请返回页面重新填写。".to_string(),
        ),
        s => (s, "服务器内部错误，请稍后再试；如果问题持续，请联系管理员查看日志。".to_string()),
    };
    let title = match status {
        StatusCode::INTERNAL_SERVER_ERROR => "出错了",
        StatusCode::REQUEST_TIMEOUT => "请求超时",
        _ => "无法处理",
    };
    let mut out = page(&state, session.as_ref(), status, title, message);
    if let Some(allow) = resp.headers().get(header::ALLOW).cloned() {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// An error page: in the layout (with the menu) for a logged-in user, else standalone.
fn page(
    state: &crate::AppState,
    session: Option<&crate::auth::Session>,
    status: StatusCode,
    title: &'static str,
    message: String,
) -> Response {
    let rendered = session.and_then(|s| {
        state
            .templates
            .render(
                "error.html",
                serde_json::json!({"chrome": Chrome::new(s, title, ""), "title": title, "message": message}),
            )
            .ok()
    });
    let body = rendered.unwrap_or_else(|| {
        format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} - ogi</title>\
             <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body class=\"plain\"><main>\
             <h1>{title}</h1><p class=\"err\">{}</p><p><a href=\"/\">返回工作台</a></p></main></body></html>",
            escape(&message)
        )
    });
    (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// Whether a urlencoded string's percent-escapes decode to UTF-8 (a form or
/// query from a page always does; `%FF` is refused rather than stored as "�").
pub fn decodes_as_utf8(bytes: &[u8]) -> bool {
    bytes.split(|b| *b == b'&').all(|pair| {
        let spaced: Vec<u8> = pair.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
        percent_encoding::percent_decode(&spaced).decode_utf8().is_ok()
    })
}

pub fn escape(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

/// Characters left as they are in a URL's query value or path (RFC 3986 unreserved, and `/`).
const URL_SAFE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// Characters allowed unencoded in `filename*` (RFC 5987 `attr-char`).
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Percent-encodes a query value or a path.
pub fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, URL_SAFE).to_string()
}

/// `Content-Disposition: attachment` for a download named `name.ext` in
/// Chinese, with `fallback.ext` for clients that only read ASCII (RFC 6266).
/// Characters a file system refuses become `_`.
pub fn attachment(name: &str, fallback: &str, ext: &str) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
    let encoded = percent_encoding::utf8_percent_encode(&format!("{clean}.{ext}"), ATTR_CHAR).to_string();
    format!("attachment; filename=\"{fallback}.{ext}\"; filename*=UTF-8''{encoded}")
}
