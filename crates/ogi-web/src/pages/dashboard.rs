//! 工作台: what is due this week, what is overdue, what waits for the
//! requester or a third party, and the year's table 三 so far.

use axum::extract::State;
use axum::response::Response;
use ogi_store::Store;
use ogi_vocab::cells::Template;
use ogi_vocab::model::Report;
use serde_json::json;

use super::RowView;
use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

/// "Due soon" means within this many working days.
pub const SOON_WORKDAYS: u32 = 3;

pub async fn page(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let today = state.today();
    // A day beyond the loaded calendar: fall back to calendar days.
    let soon = state
        .cal()
        .add_workdays(today, SOON_WORKDAYS)
        .unwrap_or_else(|_| today.checked_add(jiff::Span::new().days(5)).unwrap_or(today));
    let year = today.year();
    let (board, table3, changes) = state
        .read_as(&session, move |s| Ok((s.dashboard(today, soon)?, s.table3(year, Template::Y2021)?, s.due_changes()?)))
        .await?;
    // Deadlines of the coming months that run into a year not loaded yet.
    let cal = state.cal();
    let horizon = today.checked_add(jiff::Span::new().days(90)).unwrap_or(today);
    let provisional = cal.provisional_years(today, horizon);
    let rows = |list: &[ogi_store::ListRow]| {
        list.iter().map(|r| RowView::new(r, session.user.agency_id, today, &state.cal())).collect::<Vec<_>>()
    };
    let table3_html = table3_html(&state, year, table3);
    let body = state.templates.render(
        "dashboard.html",
        json!({
            "chrome": Chrome::new(&session, "工作台", "dashboard"),
            "today": today.to_string(),
            "soon": soon.to_string(),
            "soon_days": SOON_WORKDAYS,
            "cap": ogi_store::DASHBOARD_CAP,
            "year": year,
            "counts": {
                "overdue": board.counts.overdue,
                "due_soon": board.counts.due_soon,
                "correction": board.counts.awaiting_correction,
                "consulting": board.counts.consulting,
                "payment": board.counts.awaiting_payment,
                "open": board.counts.open,
                "late": board.counts.answered_late,
            },
            "overdue": rows(&board.overdue),
            "due_soon": rows(&board.due_soon),
            "correction": rows(&board.awaiting_correction),
            "consulting": rows(&board.consulting),
            "payment": rows(&board.awaiting_payment),
            "table3_html": table3_html,
            "provisional": (!provisional.is_empty()).then(|| ogi_rules::calendar::provisional_reason(&provisional)),
            "provisional_years": provisional,
            "changes": super::due_changes_view(&changes),
        }),
    )?;
    Ok(html(body))
}

/// Table 三 in the national layout, rebuilt only when its cells change.
fn table3_html(state: &AppState, year: i16, cells: crate::state::TableCells) -> String {
    let mut cache = state.table3_html.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((cached, html)) = cache.as_ref() {
        if *cached == cells {
            return html.clone();
        }
    }
    let report = Report::of_cells(year, Template::Y2021, cells.iter().map(|(k, v)| (*k, *v)));
    let html = ogi_report::render::table_html(&report, &ogi_vocab::layout::table3(true), &[]);
    *cache = Some((cells, html.clone()));
    html
}
