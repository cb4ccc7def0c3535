//! The review of findings (issue 14): every error or warning the checker
//! finds on an agency's report can be marked 已确认 (a real error, sent for
//! 整改), 误报 (the reader or the rule was wrong; a note says why) or 已整改
//! (a corrected version arrived and no longer shows it). A finding is known
//! by its rule and its cells, so it is the same finding in every version of
//! the report that shows it.

use ogi_report::check::{check, Severity};
use ogi_vocab::Report;

/// What a reviewer decided about a finding (no decision yet: 待审核).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReviewState {
    Confirmed,
    FalsePositive,
    Rectified,
}

impl ReviewState {
    pub const ALL: [ReviewState; 3] = [ReviewState::Confirmed, ReviewState::FalsePositive, ReviewState::Rectified];

    pub fn key(self) -> &'static str {
        match self {
            ReviewState::Confirmed => "confirmed",
            ReviewState::FalsePositive => "false_positive",
            ReviewState::Rectified => "rectified",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewState::Confirmed => "已确认",
            ReviewState::FalsePositive => "误报",
            ReviewState::Rectified => "已整改",
        }
    }

    /// A state as stored (`confirmed`) or as typed (`已确认`).
    pub fn parse(s: &str) -> Option<ReviewState> {
        let s = s.trim();
        ReviewState::ALL.into_iter().find(|r| r.key() == s || r.label() == s)
    }
}

/// The label of a finding's state, 待审核 when none was marked.
pub fn state_label(state: Option<ReviewState>) -> &'static str {
    state.map_or("待审核", ReviewState::label)
}

/// One finding of the checker on a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `rule@cell,cell` — the same in every version that shows it.
    pub key: String,
    pub rule: String,
    /// `error` or `warning`.
    pub severity: &'static str,
    pub message: String,
}

/// The errors and warnings the checker finds on a report, each once.
pub fn findings(report: &Report) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for d in check(report, None) {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            _ => continue,
        };
        let cells: Vec<String> = d.cells.iter().map(ToString::to_string).collect();
        let key = format!("{}@{}", d.rule, cells.join(","));
        if out.iter().all(|f| f.key != key) {
            out.push(Finding { key, rule: d.rule.to_string(), severity, message: d.message });
        }
    }
    out
}

/// Whether a mark may be made: 误报 needs a note saying why; 已整改 only
/// once the active version no longer shows the finding; 已确认 only while
/// it does.
pub fn check_mark(state: ReviewState, note: &str, shown_now: bool) -> Result<(), String> {
    match state {
        ReviewState::FalsePositive if note.trim().is_empty() => Err("标记误报须说明理由".into()),
        ReviewState::Rectified if shown_now => {
            Err("现行版本中仍有该问题，不能标记已整改（收到更正后的版本后再标记）".into())
        }
        ReviewState::Confirmed if !shown_now => Err("现行版本中没有该问题，不能标记已确认".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_as_stored_and_as_typed() {
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.key()), Some(s));
            assert_eq!(ReviewState::parse(s.label()), Some(s));
        }
        assert_eq!(ReviewState::parse("待定"), None);
        assert_eq!(state_label(None), "待审核");
    }

    #[test]
    fn marks_follow_what_the_active_version_shows() {
        assert!(check_mark(ReviewState::FalsePositive, " ", true).unwrap_err().contains("理由"));
        assert!(check_mark(ReviewState::FalsePositive, "读取有误", true).is_ok());
        assert!(check_mark(ReviewState::Rectified, "", true).is_err());
        assert!(check_mark(ReviewState::Rectified, "", false).is_ok());
        assert!(check_mark(ReviewState::Confirmed, "", false).is_err());
        assert!(check_mark(ReviewState::Confirmed, "", true).is_ok());
    }
}
