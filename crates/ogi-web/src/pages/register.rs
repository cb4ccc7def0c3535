//! 申请登记簿: every request, filtered by status, applicant kind, channel,
//! outcome and receipt dates, searched in applicant, contact and content,
//! paged, and exported as CSV with the same filters.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use ogi_store::export::FilterInput;
use ogi_store::{ListFilter, StateFilter, Store};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{applicant_options, outcome_options, RowView};
use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub const PAGE_SIZE: u64 = 50;

/// The query string as typed: the filter (checked by the store's
/// [`FilterInput`], as `ogi request export` checks its flags) and the page.
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct ListQuery {
    #[serde(flatten)]
    pub filter: FilterInput,
    /// Typed in the address bar too: validated, never a framework error.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub page: String,
}

impl ListQuery {
    pub fn filter(&self) -> Result<ListFilter, Vec<(&'static str, String)>> {
        self.filter.filter().map(Ok).unwrap_or_else(|e| Err(e.into_iter().collect()))
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
            let (rows, total) = state.read_as(&session, move |s| s.list(&filter, offset, PAGE_SIZE)).await?;
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
            "rows": rows.iter().map(|r| RowView::new(r, session.user.agency_id, today, &state.cal())).collect::<Vec<_>>(),
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
            "channels": ogi_rules::request::Channel::ALL.iter().map(|c| (c.key(), c.label())).collect::<Vec<_>>(),
            "outcomes": outcome_options(),
        }),
    )?;
    Ok((status, html(body)).into_response())
}

/// The filtered register as CSV (UTF-8 with BOM, so Excel opens it in Chinese).
pub async fn csv(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let filter = query
        .filter()
        .map_err(|e| AppError::BadRequest(e.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join("；")))?;
    let rows = state.read_as(&session, move |s| s.export(&filter)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            // Names and contacts: never kept in a shared cache.
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"requests.csv\""),
        ],
        ogi_store::export::register_csv(&rows, &state.cal()),
    )
        .into_response())
}
