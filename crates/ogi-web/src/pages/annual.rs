//! 年度报告: the year's report drafted from the records (never counted by
//! hand), checked as any published report would be, with its section texts
//! editable and exports in HTML, Word, Markdown and JSON; and the records it
//! is drafted from (规章 and 行政规范性文件, the 第二十条 figures, 复议/诉讼
//! cases), each form validated with the field marked.
//!
//! Every logged-in user may edit the records and texts: all roles are 经办人
//! or above, and every change is audited by the store.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ogi_report::check::Severity;
use ogi_rules::annual::{
    self, Art20Figures, Case, CaseKind, CaseResult, Document, DocumentKind, DraftError, EditableSection, Records,
};
use ogi_rules::Date;
use ogi_store::{Store, StoreError};
use ogi_vocab::cells::Template;
use ogi_vocab::model::Report;
use ogi_vocab::Number;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::check::{anchored_body, diag_views, named_cells};
use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

/// 年度报告 and its records.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/annual", get(page))
        .route("/annual/texts", post(save_text))
        .route("/annual/export", get(export))
        .route("/annual/records", get(records_page))
        .route("/annual/records/document", post(add_document))
        .route("/annual/records/repeal", post(repeal_document))
        .route("/annual/records/art20", post(set_art20))
        .route("/annual/records/case", post(add_case))
        .route("/annual/records/decide", post(decide_case))
}

/// Longest section text accepted.
const MAX_TEXT: usize = 20_000;

/// The year a report is usually being written for: last year's until the
/// end of March (reports are due by 31 January, corrections follow), else this year's.
pub fn default_year(today: Date) -> i16 {
    if today.month() <= 3 {
        today.year() - 1
    } else {
        today.year()
    }
}

/// The years offered in the selector, newest first (with `year` itself, if
/// one outside the range was asked for).
fn year_choices(today: Date, year: i16) -> Vec<i16> {
    let mut years: Vec<i16> = (annual::FIRST_YEAR..=today.year().max(annual::FIRST_YEAR)).rev().collect();
    if !years.contains(&year) {
        years.push(year);
        years.sort_unstable_by(|a, b| b.cmp(a));
    }
    years
}

/// A year as typed, or the default when empty.
fn parse_year(s: &str, today: Date) -> Result<i16, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(default_year(today));
    }
    match s.parse::<i16>() {
        Ok(y) if (1990..=2100).contains(&y) => Ok(y),
        _ => Err(AppError::BadRequest(format!("年度“{s}”不正确：应为 4 位数字，例如 {}。", default_year(today)))),
    }
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
    /// The section just saved (for the confirmation line).
    #[serde(default)]
    saved: String,
}

/// A form as shown again: what was typed, and what is wrong with it.
#[derive(Serialize, Default, Clone)]
pub struct FormView {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    error: Option<String>,
}

impl FormView {
    fn with(values: &[(&str, &str)]) -> FormView {
        FormView { values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..FormView::default() }
    }
}

/// An edited section text that was refused, to show it back.
struct RefusedText {
    section: EditableSection,
    text: String,
    error: String,
}

/// What the draft and its check give for a year.
struct Drafted {
    records: Records,
    report: Result<Report, DraftError>,
    diagnostics: Vec<ogi_report::check::Diagnostic>,
}

async fn draft_year(state: &AppState, session: &Session, year: i16) -> Result<Drafted, AppError> {
    Ok(state
        .read_as(session, move |s| {
            let records = s.annual_records(year)?;
            let report = annual::draft(&records);
            let diagnostics = report.as_ref().map(|r| ogi_report::check::check(r, None)).unwrap_or_default();
            Ok(Drafted { records, report, diagnostics })
        })
        .await?)
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = parse_year(&q.year, state.today())?;
    let saved = EditableSection::parse(&q.saved);
    render_page(&state, &session, year, None, saved).await
}

async fn render_page(
    state: &AppState,
    session: &Session,
    year: i16,
    refused: Option<RefusedText>,
    saved: Option<EditableSection>,
) -> Result<Response, AppError> {
    let d = draft_year(state, session, year).await?;
    let (report_error, body_html, title) = match &d.report {
        Ok(r) => (None, anchored_body(r, &named_cells(&d.diagnostics), ""), r.meta.title.clone()),
        Err(DraftError::MissingAgency) => (
            Some("尚未设置机关名称，报告标题无法生成。请管理员在“系统管理”中填写机关名称。".to_string()),
            String::new(),
            None,
        ),
        Err(e) => (Some(e.to_string()), String::new(), None),
    };
    let count = |s: Severity| d.diagnostics.iter().filter(|x| x.severity == s).count();
    let mut notes = Vec::new();
    if let Ok(r) = &d.report {
        if d.records.art20.is_none() {
            notes.push(format!(
                "尚未登记 {year} 年第二十条数据（行政许可、行政处罚、行政强制、行政事业性收费），表二相应栏目显示为“未填报”；请在“基础记录”中登记。"
            ));
        }
        let unwritten: Vec<&str> = std::iter::once(("引言", r.preamble.as_str()))
            .chain(r.sections.iter().map(|s| (s.heading.as_str(), s.text.as_str())))
            .filter(|(_, text)| text.contains(annual::TO_FILL))
            .map(|(h, _)| h)
            .collect();
        if !unwritten.is_empty() {
            notes.push(format!("以下部分还有“【请填写…】”的内容，发布前须写好：{}。", unwritten.join("、")));
        }
    }
    let texts: Vec<serde_json::Value> = EditableSection::ALL
        .iter()
        .map(|&s| {
            let (text, error) = match &refused {
                Some(r) if r.section == s => (r.text.clone(), Some(r.error.clone())),
                _ => (d.records.texts.get(&s).cloned().unwrap_or_else(|| s.default_text().to_string()), None),
            };
            json!({
                "key": s.key(),
                "label": s.label(),
                "text": text,
                "error": error,
                "edited": d.records.texts.contains_key(&s),
                "saved": saved == Some(s),
            })
        })
        .collect();
    let today = state.today();
    let years = year_choices(today, year);
    let exports = [("html", "网页 HTML"), ("docx", "Word 文档"), ("md", "Markdown"), ("json", "JSON 数据")];
    let status = if refused.is_some() || matches!(d.report, Err(DraftError::UnsupportedYear(_))) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = state.templates.render(
        "annual.html",
        json!({
            "chrome": Chrome::new(session, "年度报告", "annual"),
            "year": year,
            "years": years,
            "title": title,
            "report_error": report_error,
            "body_html": body_html,
            "diagnostics": diag_views(&d.diagnostics, ""),
            "errors": count(Severity::Error),
            "warnings": count(Severity::Warning),
            "infos": count(Severity::Info),
            "notes": notes,
            "texts": texts,
            "placeholders": annual::PLACEHOLDERS,
            "exports": exports,
            "documents": d.records.documents.len(),
            "cases": d.records.cases.len(),
            "has_art20": d.records.art20.is_some(),
            "drafted": d.report.is_ok(),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    text: String,
}

/// Saves one section's text; a text naming an unknown placeholder comes back
/// marked, and nothing is saved.
pub async fn save_text(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<TextForm>,
) -> Result<Response, AppError> {
    let year = parse_year(&f.year, state.today())?;
    if year < annual::FIRST_YEAR {
        return Err(AppError::BadRequest(DraftError::UnsupportedYear(year).to_string()));
    }
    let section = EditableSection::parse(&f.section).ok_or_else(|| AppError::BadRequest("未知的报告章节。".into()))?;
    let text = f.text.replace("\r\n", "\n").trim_end().to_string();
    let problem = if text.chars().count() > MAX_TEXT {
        Some(format!("文字过长（最多 {MAX_TEXT} 字）"))
    } else {
        annual::validate_text(section, &text).err().map(|e| e.to_string())
    };
    if let Some(error) = problem {
        return render_page(&state, &session, year, Some(RefusedText { section, text, error }), None).await;
    }
    let actor = session.user.username.clone();
    let saving = text.clone();
    match state.write_as(&session, move |s| s.set_text(year, section, &saving, &actor)).await {
        Ok(()) => Ok(Redirect::to(&format!("/annual?year={year}&saved={}#text-{}", section.key(), section.key()))
            .into_response()),
        Err(StoreError::Invalid(error)) => {
            render_page(&state, &session, year, Some(RefusedText { section, text, error }), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    to: String,
}

/// The draft as a file to download.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let year = parse_year(&q.year, state.today())?;
    let (ext, content_type) = match q.to.as_str() {
        "html" => ("html", "text/html; charset=utf-8"),
        "docx" => ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "md" => ("md", "text/markdown; charset=utf-8"),
        "json" => ("json", "application/json"),
        _ => return Err(AppError::BadRequest("未知的导出格式：可选 html、docx、md、json。".into())),
    };
    let d = draft_year(&state, &session, year).await?;
    let report = d.report.map_err(|e| match e {
        DraftError::MissingAgency => AppError::BadRequest("尚未设置机关名称，无法生成报告。".into()),
        e => AppError::BadRequest(e.to_string()),
    })?;
    let to = q.to.clone();
    let bytes = tokio::task::spawn_blocking(move || match to.as_str() {
        "html" => ogi_report::render::html(&report).into_bytes(),
        "docx" => ogi_report::render::docx(&report),
        "md" => ogi_report::render::markdown(&report).into_bytes(),
        _ => (ogi_report::render::json(&report) + "\n").into_bytes(),
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let title = d.records.agency.trim().to_string() + &format!("{year}年政府信息公开工作年度报告");
    let disposition = crate::view::attachment(&title, &format!("annual-report-{year}"), ext);
    let mut resp = ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

// ---- the records ----

pub async fn records_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = parse_year(&q.year, state.today())?;
    render_records(&state, &session, year, None).await
}

/// A records form that was refused: which form (and row), shown back.
struct Refused {
    form: &'static str,
    id: Option<i64>,
    view: FormView,
}

async fn render_records(
    state: &AppState,
    session: &Session,
    year: i16,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let (documents, art20, cases) =
        state.read_as(session, move |s| Ok((s.documents()?, s.art20(year)?, s.cases()?))).await?;
    let form_for = |name: &str, id: Option<i64>| -> Option<FormView> {
        refused.as_ref().filter(|r| r.form == name && r.id == id).map(|r| r.view.clone())
    };
    let doc_rows: Vec<serde_json::Value> = documents
        .iter()
        .map(|(id, d)| {
            json!({
                "id": id,
                "kind": d.kind.label(),
                "title": d.title,
                "number": d.number,
                "issued": d.issued.to_string(),
                "repealed": d.repealed.map(|r| r.to_string()),
                "status": d.status_in(year),
                "form": form_for("repeal", Some(*id)).unwrap_or_default(),
            })
        })
        .collect();
    let case_rows: Vec<serde_json::Value> = cases
        .iter()
        .map(|(id, c)| {
            json!({
                "id": id,
                "kind": c.kind.label(),
                "received": c.received.to_string(),
                "summary": c.summary,
                "decided": c.decided.map(|(d, _)| d.to_string()),
                "result": c.decided.map(|(_, r)| r.label()),
                "counts": c.counts_in(year),
                "form": form_for("decide", Some(*id)).unwrap_or_default(),
            })
        })
        .collect();
    let art20_form = form_for("art20", None).unwrap_or_else(|| match &art20 {
        Some(f) => FormView::with(&[
            ("licensing", &f.licensing.to_string()),
            ("penalty", &f.penalty.to_string()),
            ("enforcement", &f.enforcement.to_string()),
            ("fees", &f.fees_wan.to_string()),
        ]),
        None => FormView::default(),
    });
    // The year's tables 二 and 四 as these records give them.
    let docs: Vec<Document> = documents.iter().map(|(_, d)| d.clone()).collect();
    let case_list: Vec<_> = cases.iter().map(|(_, c)| c.clone()).collect();
    let tables = annual::records_tables(year, &docs, art20.as_ref(), &case_list);
    let table2_html = ogi_report::render::table_html(&tables, &ogi_vocab::layout::table2(Template::Y2021), &[]);
    let table4_html = ogi_report::render::table_html(&tables, &ogi_vocab::layout::table4(), &[]);
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let today = state.today();
    let years = year_choices(today, year);
    let body = state.templates.render(
        "annual_records.html",
        json!({
            "chrome": Chrome::new(session, "年度报告的基础记录", "annual"),
            "year": year,
            "years": years,
            "documents": doc_rows,
            "cases": case_rows,
            "has_art20": art20.is_some(),
            "document_form": form_for("document", None).unwrap_or_default(),
            "art20_form": art20_form,
            "case_form": form_for("case", None).unwrap_or_default(),
            "document_kinds": DocumentKind::ALL.iter().map(|k| (k.key(), k.label())).collect::<Vec<_>>(),
            "case_kinds": CaseKind::ALL.iter().map(|k| (k.key(), k.label())).collect::<Vec<_>>(),
            "case_results": CaseResult::ALL.iter().map(|r| (r.key(), r.label())).collect::<Vec<_>>(),
            "table2_html": table2_html,
            "table4_html": table4_html,
            "today": today.to_string(),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// Field errors collected while reading a form.
#[derive(Default)]
struct Errors(BTreeMap<String, String>);

impl Errors {
    fn add(&mut self, field: &str, msg: impl Into<String>) {
        self.0.entry(field.to_string()).or_insert_with(|| msg.into());
    }

    fn date(&mut self, field: &str, text: &str, required: bool) -> Option<Date> {
        let t = text.trim();
        if t.is_empty() {
            if required {
                self.add(field, "请填写日期");
            }
            return None;
        }
        match t.parse::<Date>() {
            Ok(d) if (1949..=2100).contains(&d.year()) => Some(d),
            Ok(_) => {
                self.add(field, "日期不在合理范围内");
                None
            }
            Err(_) => {
                self.add(field, "日期格式应为 2025-03-01");
                None
            }
        }
    }

    fn count(&mut self, field: &str, text: &str) -> u64 {
        let t = text.trim();
        if t.is_empty() {
            self.add(field, "请填写（没有则填 0）");
            return 0;
        }
        match t.parse::<u64>() {
            Ok(n) if n <= 1_000_000_000 => n,
            Ok(_) => {
                self.add(field, "数量过大");
                0
            }
            Err(_) => {
                self.add(field, "应为不小于 0 的整数");
                0
            }
        }
    }

    fn text(&mut self, field: &str, text: &str, max: usize, required: bool) -> String {
        let t = text.trim();
        if required && t.is_empty() {
            self.add(field, "不能为空");
        } else if t.chars().count() > max {
            self.add(field, format!("过长（最多 {max} 字）"));
        }
        t.to_string()
    }
}

/// A records form as read: which form (and row), what was typed, what is wrong,
/// and where to return to on the page once saved.
struct Submission {
    year: i16,
    form: &'static str,
    id: Option<i64>,
    values: FormView,
    errors: Errors,
    anchor: String,
}

/// Saves a records change, or shows the form back: validation errors are
/// marked on their fields; a refusal by the store is the form's error.
async fn submit<F>(state: &AppState, session: &Session, sub: Submission, save: F) -> Result<Response, AppError>
where
    F: FnOnce(&mut ogi_store::Database, &str) -> Result<(), StoreError> + Send + 'static,
{
    let Submission { year, form, id, values, errors, anchor } = sub;
    if !errors.0.is_empty() {
        let view = FormView { errors: errors.0, error: Some("请修改标红的栏目。".into()), ..values };
        return render_records(state, session, year, Some(Refused { form, id, view })).await;
    }
    let actor = session.user.username.clone();
    match state.write_as(session, move |s| save(s, &actor)).await {
        Ok(()) => Ok(Redirect::to(&format!("/annual/records?year={year}#{anchor}")).into_response()),
        Err(StoreError::Invalid(m)) => {
            let view = FormView { error: Some(m), ..values };
            render_records(state, session, year, Some(Refused { form, id, view })).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct DocumentForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issued: String,
    #[serde(default)]
    repealed: String,
}

pub async fn add_document(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<DocumentForm>,
) -> Result<Response, AppError> {
    let year = parse_year(&f.year, state.today())?;
    let mut e = Errors::default();
    let kind = DocumentKind::parse(&f.kind);
    if kind.is_none() {
        e.add("kind", "请选择文件类型");
    }
    let title = e.text("title", &f.title, 200, true);
    let number = e.text("number", &f.number, 100, false);
    let issued = e.date("issued", &f.issued, true);
    let repealed = e.date("repealed", &f.repealed, false);
    let values = FormView::with(&[
        ("kind", &f.kind),
        ("title", &f.title),
        ("number", &f.number),
        ("issued", &f.issued),
        ("repealed", &f.repealed),
    ]);
    let doc = match (kind, issued) {
        (Some(kind), Some(issued)) => Some(Document { kind, title, number, issued, repealed }),
        _ => None,
    };
    // The record's own rules, as the store will judge them, shown at their fields.
    for (field, m) in doc.as_ref().map(Document::problems).unwrap_or_default() {
        e.add(field, m);
    }
    submit(
        &state,
        &session,
        Submission { year, form: "document", id: None, values, errors: e, anchor: "documents".to_string() },
        move |s, actor| match doc {
            Some(d) => s.add_document(&d, actor).map(|_| ()),
            None => Err(StoreError::Invalid("表单不完整".into())),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct RowDateForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    result: String,
}

fn row_id(s: &str) -> Result<i64, AppError> {
    s.trim().parse::<i64>().map_err(|_| AppError::BadRequest("记录编号不正确。".into()))
}

pub async fn repeal_document(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<RowDateForm>,
) -> Result<Response, AppError> {
    let year = parse_year(&f.year, state.today())?;
    let id = row_id(&f.id)?;
    let mut e = Errors::default();
    let on = e.date("on", &f.on, true);
    let values = FormView::with(&[("on", &f.on)]);
    submit(
        &state,
        &session,
        Submission { year, form: "repeal", id: Some(id), values, errors: e, anchor: format!("doc-{id}") },
        move |s, actor| match on {
            Some(on) => s.repeal_document(id, on, actor),
            None => Err(StoreError::Invalid("请填写废止日期".into())),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct Art20Form {
    #[serde(default)]
    year: String,
    #[serde(default)]
    licensing: String,
    #[serde(default)]
    penalty: String,
    #[serde(default)]
    enforcement: String,
    #[serde(default)]
    fees: String,
}

/// 万元 as typed: a plain decimal, not negative, at most 6 decimals.
fn parse_fees(s: &str) -> Result<Number, &'static str> {
    let t = s.trim().trim_end_matches("万元").trim().replace(',', "");
    if t.is_empty() {
        return Err("请填写（没有则填 0）");
    }
    if t.starts_with('-') {
        return Err("金额不能为负数");
    }
    let n: Number = t.parse().map_err(|_| "应为数字，单位万元，例如 12.5")?;
    if t.split_once('.').is_some_and(|(_, frac)| frac.len() > 6) {
        return Err("最多 6 位小数");
    }
    Ok(n)
}

pub async fn set_art20(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<Art20Form>,
) -> Result<Response, AppError> {
    let year = parse_year(&f.year, state.today())?;
    let mut e = Errors::default();
    let licensing = e.count("licensing", &f.licensing);
    let penalty = e.count("penalty", &f.penalty);
    let enforcement = e.count("enforcement", &f.enforcement);
    let fees = parse_fees(&f.fees).map_err(|m| e.add("fees", m)).ok();
    let values = FormView::with(&[
        ("licensing", &f.licensing),
        ("penalty", &f.penalty),
        ("enforcement", &f.enforcement),
        ("fees", &f.fees),
    ]);
    let figures = fees.map(|fees_wan| Art20Figures { licensing, penalty, enforcement, fees_wan });
    submit(
        &state,
        &session,
        Submission { year, form: "art20", id: None, values, errors: e, anchor: "art20".to_string() },
        move |s, actor| match figures {
            Some(f) => s.set_art20(year, &f, actor),
            None => Err(StoreError::Invalid("表单不完整".into())),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CaseForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    received: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    decided: String,
    #[serde(default)]
    result: String,
}

pub async fn add_case(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<CaseForm>,
) -> Result<Response, AppError> {
    let year = parse_year(&f.year, state.today())?;
    let mut e = Errors::default();
    let kind = CaseKind::parse(&f.kind);
    if kind.is_none() {
        e.add("kind", "请选择案件类型");
    }
    let received = e.date("received", &f.received, true);
    let summary = e.text("summary", &f.summary, 500, false);
    let decided = e.date("decided", &f.decided, false);
    let result = if f.result.trim().is_empty() { None } else { CaseResult::parse(&f.result) };
    if !f.result.trim().is_empty() && result.is_none() {
        e.add("result", "未知的审结结果");
    }
    match (f.decided.trim().is_empty(), f.result.trim().is_empty()) {
        (false, true) => e.add("result", "已填审结日期，请选择审结结果"),
        (true, false) => e.add("decided", "已选审结结果，请填写审结日期"),
        _ => {}
    }
    let values = FormView::with(&[
        ("kind", &f.kind),
        ("received", &f.received),
        ("summary", &f.summary),
        ("decided", &f.decided),
        ("result", &f.result),
    ]);
    let case = match (kind, received) {
        (Some(kind), Some(received)) => {
            Some(Case { kind, received, summary, decided: decided.and_then(|d| result.map(|r| (d, r))) })
        }
        _ => None,
    };
    for (field, m) in case.as_ref().map(Case::problems).unwrap_or_default() {
        e.add(field, m);
    }
    submit(
        &state,
        &session,
        Submission { year, form: "case", id: None, values, errors: e, anchor: "cases".to_string() },
        move |s, actor| match case {
            Some(c) => s.add_case(&c, actor).map(|_| ()),
            None => Err(StoreError::Invalid("表单不完整".into())),
        },
    )
    .await
}

pub async fn decide_case(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<RowDateForm>,
) -> Result<Response, AppError> {
    let year = parse_year(&f.year, state.today())?;
    let id = row_id(&f.id)?;
    let mut e = Errors::default();
    let on = e.date("on", &f.on, true);
    let result = CaseResult::parse(&f.result);
    if result.is_none() {
        e.add("result", "请选择审结结果");
    }
    let values = FormView::with(&[("on", &f.on), ("result", &f.result)]);
    submit(
        &state,
        &session,
        Submission { year, form: "decide", id: Some(id), values, errors: e, anchor: format!("case-{id}") },
        move |s, actor| match (on, result) {
            (Some(on), Some(r)) => s.decide_case(id, on, r, actor),
            _ => Err(StoreError::Invalid("表单不完整".into())),
        },
    )
    .await
}
