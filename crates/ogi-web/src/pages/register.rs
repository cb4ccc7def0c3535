//! 申请登记簿: every request, filtered by status, applicant kind, channel,
//! outcome and receipt dates, searched in applicant, contact and content,
//! paged, and exported as CSV with the same filters.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ogi_rules::Date;
use ogi_store::{ListFilter, StateFilter, Store};
use ogi_vocab::cells::ApplicantColumn;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{applicant_options, outcome_options, RowView};
use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub const PAGE_SIZE: u64 = 50;

/// The query string as typed; every field optional, validated into a [`ListFilter`].
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct ListQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub applicant: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub q: String,
    /// `1`: only requests answered after their due date (逾期答复).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub late: String,
    /// Typed in the address bar too: validated, never a framework error.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub page: String,
}

impl ListQuery {
    /// The filter, or the fields that are wrong with a Chinese message each.
    pub fn filter(&self) -> Result<ListFilter, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut f = ListFilter::default();
        if !self.state.is_empty() {
            match StateFilter::from_key(&self.state) {
                Some(s) => f.state = Some(s),
                None => errors.push(("state", "未知的状态".to_string())),
            }
        }
        if !self.applicant.is_empty() {
            match ApplicantColumn::from_key(&self.applicant).filter(|a| *a != ApplicantColumn::Total) {
                Some(a) => f.applicant = Some(a),
                None => errors.push(("applicant", "未知的申请人类型".to_string())),
            }
        }
        if !self.channel.is_empty() {
            match ogi_store::parse_channel(&self.channel) {
                Some(c) => f.channel = Some(c),
                None => errors.push(("channel", "未知的渠道".to_string())),
            }
        }
        if !self.outcome.is_empty() {
            if outcome_options().iter().any(|(k, _)| *k == self.outcome) {
                f.outcome = Some(self.outcome.clone());
            } else {
                errors.push(("outcome", "未知的办理结果".to_string()));
            }
        }
        for (field, text, slot) in [("from", &self.from, &mut f.from), ("to", &self.to, &mut f.to)] {
            if !text.trim().is_empty() {
                match text.trim().parse::<Date>() {
                    Ok(d) => *slot = Some(d),
                    Err(_) => errors.push((field, "日期格式应为 2025-03-01".to_string())),
                }
            }
        }
        if let (Some(a), Some(b)) = (f.from, f.to) {
            if a > b {
                errors.push(("to", "截止日期早于起始日期".to_string()));
            }
        }
        match self.late.as_str() {
            "" | "0" => {}
            "1" => f.late = true,
            _ => errors.push(("late", "“逾期答复”筛选应为 1 或留空".to_string())),
        }
        if self.q.chars().count() > 100 {
            errors.push(("q", "搜索词过长（最多 100 字）".to_string()));
        } else if !self.q.trim().is_empty() {
            f.text = Some(self.q.trim().to_string());
        }
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(errors)
        }
    }

    /// The page asked for (1 when none); a page that is not a number is an error.
    pub fn page_number(&self) -> Result<u64, (&'static str, String)> {
        match self.page.trim() {
            "" => Ok(1),
            // Far beyond any register: a typed huge page number is just an empty page.
            t => {
                t.parse::<u64>().map(|p| p.clamp(1, 1_000_000_000)).map_err(|_| ("page", "页码应为正整数".to_string()))
            }
        }
    }

    fn link(&self, page: u64) -> String {
        let mut q = self.clone();
        q.page = page.to_string();
        format!("/requests?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
    }

    fn csv_link(&self) -> String {
        let mut q = self.clone();
        q.page = String::new();
        format!("/requests.csv?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (page, page_error) = match query.page_number() {
        Ok(p) => (p, None),
        Err(e) => (1, Some(e)),
    };
    let filter = query.filter().and_then(|f| match page_error {
        None => Ok(f),
        Some(e) => Err(vec![e]),
    });
    let (rows, total, errors) = match filter {
        Ok(filter) => {
            let offset = (page - 1).saturating_mul(PAGE_SIZE);
            let (rows, total) = state.read(move |s| s.list(&filter, offset, PAGE_SIZE)).await?;
            (rows, total, Vec::new())
        }
        Err(errors) => (Vec::new(), 0, errors),
    };
    let today = state.today();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let errors: std::collections::BTreeMap<&str, String> = errors.into_iter().collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let body = state.templates.render(
        "requests.html",
        json!({
            "chrome": Chrome::new(&session, "申请登记簿", "requests"),
            "rows": rows.iter().map(|r| RowView::new(r, today, &state.cal())).collect::<Vec<_>>(),
            "total": total,
            "page": page,
            "pages": pages,
            "prev": (page > 1).then(|| query.link(page - 1)),
            "next": (page < pages).then(|| query.link(page + 1)),
            "csv": query.csv_link(),
            "q": &query,
            "errors": errors,
            "states": StateFilter::ALL.iter().map(|s| (s.key(), s.label())).collect::<Vec<_>>(),
            "applicants": applicant_options(),
            "channels": ogi_rules::request::Channel::ALL.iter().map(|c| (ogi_store::channel_key(*c), c.label())).collect::<Vec<_>>(),
            "outcomes": outcome_options(),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// The filtered register as CSV (UTF-8 with BOM, so Excel opens it in Chinese).
pub async fn csv(
    State(state): State<AppState>,
    _session: Session,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let filter = query
        .filter()
        .map_err(|e| AppError::BadRequest(e.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join("；")))?;
    let today = state.today();
    let rows = state.read(move |s| s.export(&filter)).await?;
    let mut out = String::from(
        "\u{feff}编号,申请人,申请人类型,渠道,收到日期,状态,答复期限,办结日期,办理结果,逾期答复（工作日）,内容\n",
    );
    for r in &rows {
        let v = RowView::new(r, today, &state.cal());
        let fields = [
            v.code,
            v.name,
            v.kind.to_string(),
            v.channel.to_string(),
            v.received,
            v.state_label.to_string(),
            v.due,
            r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            v.outcome,
            r.late_days.map(|d| d.to_string()).unwrap_or_default(),
            r.summary.clone(),
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            // Names and contacts: never kept in a shared cache.
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"requests.csv\""),
        ],
        out,
    )
        .into_response())
}

/// A CSV field, quoted when needed; a leading = + - @ is defused so that a
/// spreadsheet never runs an applicant's text as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
