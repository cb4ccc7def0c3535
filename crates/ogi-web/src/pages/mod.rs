//! The workbench's pages, one module per screen.

pub mod account;
pub mod admin;
pub mod agencies;
pub mod annual;
pub mod calendar;
pub mod challenge;
pub mod check;
pub mod dashboard;
pub mod letters;
pub mod portal;
pub mod region;
pub mod register;
pub mod request;

use ogi_rules::request::Due;
use ogi_rules::{Calendar, Date};
use ogi_store::ListRow;
use ogi_vocab::cells::{ApplicantColumn, T3Row};
use serde::Serialize;

/// A request as a line of a list.
#[derive(Serialize)]
pub struct RowView {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub channel: &'static str,
    pub received: String,
    pub state: &'static str,
    pub state_label: &'static str,
    /// "2027-01-04" or "2027-01-04（暂定）".
    pub due: String,
    /// Why the due date is provisional (its year's holidays not loaded).
    pub due_note: Option<String>,
    /// "剩 3 个工作日", "今日到期", "逾期 2 个工作日".
    pub left: String,
    pub late: bool,
    pub outcome: String,
    pub summary: String,
    /// "逾期答复 3 个工作日" for an answer after its due date.
    pub late_answer: String,
    /// An open consultation's last day for an opinion.
    pub consult_until: String,
    /// The agency, when it is not the viewer's own (a supervisor's lists).
    pub agency: String,
}

impl RowView {
    pub fn new(r: &ListRow, own_agency: i64, today: Date, cal: &Calendar) -> RowView {
        let (left, late) = match r.due {
            Some(due) if matches!(r.state, "open" | "consulting") => workdays_left(today, due, cal),
            _ => (String::new(), false),
        };
        let due = r.due.map(|d| Due::new(cal, r.received, d));
        RowView {
            code: r.code.clone(),
            name: r.applicant_name.clone(),
            kind: r.applicant.label(),
            channel: r.channel.label(),
            received: r.received.to_string(),
            state: r.state,
            state_label: r.state_label(),
            due: due.as_ref().map(|d| d.to_string()).unwrap_or_default(),
            due_note: due.as_ref().and_then(Due::reason),
            left,
            late,
            outcome: r.outcome.map(T3Row::label).unwrap_or_default(),
            summary: shorten(&r.summary, 40),
            late_answer: r.late_days.map(|d| format!("逾期答复 {d} 个工作日")).unwrap_or_default(),
            consult_until: r.consult_until.map(|d| d.to_string()).unwrap_or_default(),
            agency: if r.agency_id == own_agency { String::new() } else { r.agency_name.clone() },
        }
    }
}

/// How long until `due`, in working days, as a clerk says it.
pub fn workdays_left(today: Date, due: Date, cal: &Calendar) -> (String, bool) {
    if due == today {
        return ("今日到期".into(), false);
    }
    if due > today {
        return match cal.workdays_between(today, due) {
            Ok(n) => (format!("剩 {n} 个工作日"), false),
            Err(_) => (String::new(), false),
        };
    }
    match cal.workdays_between(due, today) {
        Ok(n) => (format!("逾期 {n} 个工作日"), true),
        Err(_) => ("已逾期".into(), true),
    }
}

/// The due dates a calendar load moved, as the dashboard and the calendar page list them.
pub fn due_changes_view(changes: &[ogi_store::DueChange]) -> Vec<serde_json::Value> {
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    changes
        .iter()
        .map(|c| serde_json::json!({"code": c.code, "year": c.year, "before": date(c.before), "after": date(c.after)}))
        .collect()
}

pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// (key, label) of each applicant kind.
pub fn applicant_options() -> Vec<(&'static str, &'static str)> {
    ApplicantColumn::KINDS.iter().map(|a| (a.key(), a.label())).collect()
}

/// (key, label) of each outcome family and each outcome row of the 2021 template.
pub fn outcome_options() -> Vec<(String, String)> {
    ogi_store::export::outcome_filters()
}
