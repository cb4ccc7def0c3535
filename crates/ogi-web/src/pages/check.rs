//! 报告检查: upload one or many published annual reports (any format
//! `ogi_report::read` reads) and see, per file, who published it, for which
//! year and template, what the checker finds, and the report's tables with the
//! cells each finding names highlighted. A file that cannot be read gets its
//! own message; the others are still checked.
//!
//! Also the helpers the year's report page shares: diagnostics as the page
//! shows them, and the report's tables with an anchor on every cell.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::HttpBody;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use ogi_report::check::{Diagnostic, Severity};
use ogi_report::Report;
use ogi_vocab::cells::CellKey;
use serde::Serialize;
use serde_json::json;

use crate::auth::Session;
use crate::state::AppState;
use crate::view::{escape, html, AppError, Chrome};
use crate::MAX_UPLOAD;

/// 报告检查, and the old reader page's address.
pub fn routes() -> Router<AppState> {
    Router::new().route("/check", get(index).post(upload)).route("/report/read", get(old_index).post(upload))
}

/// Longest a single report may take to read.
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Largest single file (the whole upload may be up to [`MAX_UPLOAD`]).
pub const MAX_FILE: usize = 10 * 1024 * 1024;

/// Most files checked in one upload.
pub const MAX_FILES: usize = 30;

/// An oversized upload is read and thrown away up to this much, so that the
/// browser sees the Chinese 413 page instead of a reset connection.
const DRAIN_LIMIT: usize = 4 * MAX_UPLOAD;

fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "上传的文件合计超过 {} MB，未予检查。请分批上传，或只上传报告本身（不含附件、扫描图片）。",
        MAX_UPLOAD / (1024 * 1024)
    ))
}

/// One finding as the page shows it.
#[derive(Serialize)]
pub struct DiagView {
    pub rule: &'static str,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub message: String,
    pub arithmetic: Option<String>,
    pub sentence: Option<String>,
    pub cells: Vec<CellLink>,
}

/// A cell a finding names: its key, the anchor of its table cell, its label.
#[derive(Serialize)]
pub struct CellLink {
    pub key: String,
    pub anchor: String,
    pub label: String,
}

pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "错误",
        Severity::Warning => "警告",
        Severity::Info => "提示",
    }
}

/// A cell's place in words: "表三 一、本年新收政府信息公开申请数量 · 自然人".
pub fn cell_label(key: CellKey) -> String {
    match key {
        CellKey::T2(r, c) => format!("表二 {} · {}", r.label(), c.label()),
        CellKey::T3(r, c) => format!("表三 {} · {}", r.label(), c.label()),
        CellKey::T4(g, c) => format!("表四 {} · {}", g.label(), c.label()),
    }
}

/// The anchor id of a cell in the tables rendered with prefix `prefix`.
pub fn anchor(prefix: &str, key: CellKey) -> String {
    format!("{prefix}cell-{key}")
}

pub fn diag_views(diags: &[Diagnostic], prefix: &str) -> Vec<DiagView> {
    diags
        .iter()
        .map(|d| DiagView {
            rule: d.rule,
            severity: d.severity.as_str(),
            severity_label: severity_label(d.severity),
            message: d.message.clone(),
            arithmetic: d.arithmetic.clone(),
            sentence: d.sentence.clone(),
            cells: d
                .cells
                .iter()
                .map(|k| CellLink { key: k.to_string(), anchor: anchor(prefix, *k), label: cell_label(*k) })
                .collect(),
        })
        .collect()
}

/// Every cell any finding names (highlighted in the tables).
pub fn named_cells(diags: &[Diagnostic]) -> Vec<CellKey> {
    let mut cells: Vec<CellKey> = diags.iter().flat_map(|d| d.cells.iter().copied()).collect();
    cells.sort();
    cells.dedup();
    cells
}

/// A note of the reader as the page lists it: numbered, with an anchor the
/// cells it left out link to.
#[derive(Serialize)]
pub struct NoteView {
    pub number: usize,
    pub anchor: String,
    pub message: String,
}

/// The anchor id of the `number`-th (1-based) reader note in the page part with prefix `prefix`.
pub fn note_anchor(prefix: &str, number: usize) -> String {
    format!("{prefix}note-{number}")
}

/// The report's reader notes as the page lists them (`id` = [`note_anchor`]).
pub fn note_views(report: &Report, prefix: &str) -> Vec<NoteView> {
    report
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| NoteView { number: i + 1, anchor: note_anchor(prefix, i + 1), message: n.message.clone() })
        .collect()
}

/// The cells the report prints but the reader could not read with certainty:
/// left out of the report with a note saying why (`ReadNote::cells_left_out`).
/// Each maps to its note's number (1-based, as [`note_views`] numbers them).
/// A cell that is absent without such a note is really blank or missing in
/// the report.
pub fn unread_cells(report: &Report) -> BTreeMap<CellKey, usize> {
    let mut out = BTreeMap::new();
    for (i, note) in report.notes.iter().enumerate().filter(|(_, n)| n.cells_left_out()) {
        for key in note.cells.iter().filter(|k| !report.cells.contains_key(k)) {
            out.entry(*key).or_insert(i + 1);
        }
    }
    out
}

/// The report's text and tables (`render::body_html`) with an `id` on every
/// value cell, so that a finding can link to the cells it names. A cell the
/// reader left out as uncertain says 未能读取 (not 未填报, which `render`
/// prints for every absent cell) with the reason as its title and a link to
/// the note (the page lists the notes with [`note_views`]).
pub fn anchored_body(report: &Report, highlight: &[CellKey], prefix: &str) -> String {
    let body = ogi_report::render::body_html(report, highlight);
    let unread = unread_cells(report);
    let marker = " data-key=\"";
    let mut out = String::with_capacity(body.len() + body.len() / 4);
    let mut rest = body.as_str();
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len()..];
        let end = after.find('"').unwrap_or(after.len());
        let key = &after[..end];
        out.push_str(&format!(" id=\"{prefix}cell-{key}\" data-key=\"{key}\""));
        rest = after.get(end + 1..).unwrap_or_default();
        let note =
            key.parse::<CellKey>().ok().and_then(|k| unread.get(&k)).and_then(|&n| Some((n, report.notes.get(n - 1)?)));
        if let Some((n, note)) = note {
            // The rest of the tag (` class="hl"`), then the printed 未填报.
            let Some(close) = rest.find('>') else { continue };
            let absent = "未填报</td>";
            if rest[close + 1..].starts_with(absent) {
                out.push_str(&rest[..close]);
                out.push_str(&format!(
                    " title=\"未能读取：{}\">未能读取<sup><a href=\"#{}\">注{n}</a></sup></td>",
                    escape(&note.message),
                    note_anchor(prefix, n)
                ));
                rest = &rest[close + 1 + absent.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One uploaded file's result.
#[derive(Serialize, Default)]
struct FileView {
    name: String,
    error: Option<String>,
    agency: Option<String>,
    year: Option<u16>,
    template: Option<String>,
    title: Option<String>,
    errors: usize,
    warnings: usize,
    infos: usize,
    diagnostics: Vec<DiagView>,
    notes: Vec<NoteView>,
    cells: usize,
    body_html: String,
    anchor: String,
}

pub async fn index(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let body = state.templates.render(
        "check.html",
        json!({
            "chrome": Chrome::new(&session, "报告检查", "check"),
            "files": Vec::<FileView>::new(),
            "max_mb": MAX_UPLOAD / (1024 * 1024),
            "max_files": MAX_FILES,
        }),
    )?;
    Ok(html(body))
}

/// The old address of the reader page.
pub async fn old_index() -> Redirect {
    Redirect::to("/check")
}

/// Reads and checks every file of the `reports` field (`report` is accepted
/// too, the old reader page's field).
pub async fn upload(State(state): State<AppState>, session: Session, req: Request) -> Result<Response, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD) {
        drain(req).await;
        return Err(too_large());
    }
    let mut form = Multipart::from_request(req, &state)
        .await
        .map_err(|_| AppError::BadRequest("上传格式不正确：请通过本页的表单选择文件后提交。".into()))?;
    let mut files: Vec<FileView> = Vec::new();
    let mut skipped = 0usize;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(AppError::BadRequest("上传中断或格式不正确，请重新选择文件上传。".into())),
        };
        if !matches!(field.name(), Some("reports" | "report")) {
            continue;
        }
        let name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(AppError::BadRequest("上传中断或格式不正确，请重新选择文件上传。".into())),
        };
        // A browser sends an empty part when no file was chosen.
        if name.as_deref().unwrap_or_default().is_empty() && bytes.is_empty() {
            continue;
        }
        if files.len() >= MAX_FILES {
            skipped += 1;
            continue;
        }
        let n = files.len() + 1;
        files.push(check_file(n, name, bytes.to_vec()).await);
    }
    if files.is_empty() {
        let body = state.templates.render(
            "check.html",
            json!({
                "chrome": Chrome::new(&session, "报告检查", "check"),
                "files": files,
                "max_mb": MAX_UPLOAD / (1024 * 1024),
                "max_files": MAX_FILES,
                "error": "没有收到文件：请选择一份或多份年度报告后再提交。",
            }),
        )?;
        return Ok((StatusCode::BAD_REQUEST, html(body)).into_response());
    }
    let read = files.iter().filter(|f| f.error.is_none()).count();
    let total_errors: usize = files.iter().map(|f| f.errors).sum();
    let body = state.templates.render(
        "check.html",
        json!({
            "chrome": Chrome::new(&session, "报告检查结果", "check"),
            "files": files,
            "read": read,
            "total_errors": total_errors,
            "skipped": skipped,
            "max_mb": MAX_UPLOAD / (1024 * 1024),
            "max_files": MAX_FILES,
        }),
    )?;
    // Nothing could be read at all: say so in the status too.
    let status = if read == 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html(body)).into_response())
}

/// Reads (off the async workers, bounded in time) and checks one file.
async fn check_file(n: usize, name: Option<String>, bytes: Vec<u8>) -> FileView {
    let shown = name.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| format!("（第 {n} 个文件，未命名）"));
    let fail = |error: String| FileView {
        name: shown.clone(),
        error: Some(error),
        anchor: format!("f{n}"),
        ..Default::default()
    };
    if bytes.is_empty() {
        return fail("文件是空的。".into());
    }
    if bytes.len() > MAX_FILE {
        return fail(format!(
            "文件大小 {:.1} MB，超过单个文件 {} MB 的上限，未检查。",
            bytes.len() as f64 / 1_048_576.0,
            MAX_FILE / (1024 * 1024)
        ));
    }
    let reading = tokio::task::spawn_blocking(move || {
        let report = ogi_report::read(&bytes, name.as_deref())?;
        let diags = ogi_report::check::check(&report, None);
        Ok::<_, ogi_report::ReadError>((report, diags))
    });
    let (report, diags) = match tokio::time::timeout(READ_TIMEOUT, reading).await {
        Ok(Ok(Ok(r))) => r,
        Ok(Ok(Err(e))) => return fail(format!("无法读取：{e}")),
        Ok(Err(_)) => return fail("读取时出现内部错误：文件可能已损坏。".into()),
        Err(_) => return fail(format!("读取超时（超过 {} 秒）：文件过于复杂或已损坏。", READ_TIMEOUT.as_secs())),
    };
    let prefix = format!("f{n}-");
    let highlight = named_cells(&diags);
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let m = &report.meta;
    FileView {
        name: shown,
        error: None,
        agency: m.agency.clone(),
        year: m.year,
        template: m.template.map(|t| t.to_string()),
        title: m.title.clone(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        diagnostics: diag_views(&diags, &prefix),
        notes: note_views(&report, &prefix),
        cells: report.cells.len(),
        body_html: anchored_body(&report, &highlight, &prefix),
        anchor: format!("f{n}"),
    }
}

/// Reads and discards the body of a refused upload (up to [`DRAIN_LIMIT`]).
async fn drain(req: Request) {
    let mut body = req.into_body();
    let mut seen = 0usize;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen <= DRAIN_LIMIT {
        let next = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx));
        match tokio::time::timeout_at(deadline, next).await {
            Ok(Some(Ok(frame))) => seen += frame.data_ref().map_or(0, |d| d.len()),
            _ => break,
        }
    }
}
