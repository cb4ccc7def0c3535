//! The 主管部门's status list for a year (issue 14): one row per agency —
//! 未提交, 逾期 (after the due date of 第四十九条), 有错误, 有提醒, 通过.
//!
//! Dates are ISO `YYYY-MM-DD` strings (compared as text): the crate does not
//! know the calendar, and 第四十九条's dates are fixed days of the year.

/// An agency as the status list needs it.
#[derive(Debug, Clone)]
pub struct Agency {
    pub code: String,
    pub name: String,
    /// A government's own report is due on 31 March; a department's,
    /// a town's or a street's on 31 January.
    pub government: bool,
    pub depth: usize,
}

/// What an agency submitted: its active version.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// When it was received (or published), ISO.
    pub received: String,
    pub errors: usize,
    pub warnings: usize,
    pub version: i64,
}

/// Where an agency stands, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    Missing,
    Errors,
    Warnings,
    Passed,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::Missing => "未提交",
            Standing::Errors => "有错误",
            Standing::Warnings => "有提醒",
            Standing::Passed => "通过",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Standing::Missing => "missing",
            Standing::Errors => "errors",
            Standing::Warnings => "warnings",
            Standing::Passed => "passed",
        }
    }
}

/// One row of the list.
#[derive(Debug, Clone)]
pub struct Row {
    pub agency: Agency,
    pub due: String,
    pub submitted: Option<Submitted>,
    pub standing: Standing,
    /// Received after the due date (逾期), or not at all once it passed.
    pub late: bool,
}

/// 第四十九条: the year's report by 31 January of the next year (a
/// government's own by 31 March).
pub fn due_date(year: i16, government: bool) -> String {
    format!("{}-{}", year + 1, if government { "03-31" } else { "01-31" })
}

/// The list, in the order the agencies were given (the tree's). `today`
/// decides whether a missing report is already late.
pub fn status(year: i16, agencies: Vec<(Agency, Option<Submitted>)>, today: &str) -> Vec<Row> {
    agencies
        .into_iter()
        .map(|(agency, submitted)| {
            let due = due_date(year, agency.government);
            let (standing, late) = match &submitted {
                None => (Standing::Missing, today > due.as_str()),
                Some(s) => {
                    let standing = if s.errors > 0 {
                        Standing::Errors
                    } else if s.warnings > 0 {
                        Standing::Warnings
                    } else {
                        Standing::Passed
                    };
                    (standing, s.received.as_str() > due.as_str())
                }
            };
            Row { agency, due, submitted, standing, late }
        })
        .collect()
}

/// The date a web page printed as its 发布日期 / 发布时间 near its top
/// (`2024-01-26`, `2024/1/26`, `2024年1月26日`), as ISO: what a report's
/// lateness is judged by when no date was entered. Only the first 3,000
/// characters are looked at (page chrome), so a date in the prose is not taken.
pub fn printed_date(text: &str) -> Option<String> {
    let head: String = text.chars().take(3000).collect();
    for label in ["发布日期", "发布时间", "发文日期", "成文日期"] {
        let Some(at) = head.find(label) else { continue };
        let rest = head[at + label.len()..].trim_start_matches([':', '：', ' ', '\u{3000}', '\u{a0}']);
        if let Some(d) = leading_date(rest) {
            return Some(d);
        }
    }
    None
}

/// `2024-01-26…`, `2024/1/26…`, `2024年1月26日…` at the start of `s`.
fn leading_date(s: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut digits = String::new();
    for c in s.chars().take(12) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.is_empty() {
            break;
        }
        parts.push(std::mem::take(&mut digits));
        if parts.len() == 3 || !matches!(c, '-' | '/' | '.' | '年' | '月') {
            break;
        }
    }
    if !digits.is_empty() && parts.len() < 3 {
        parts.push(digits);
    }
    let [y, m, d] = parts.as_slice() else { return None };
    let (y, m, d): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((2000..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(code: &str, government: bool) -> Agency {
        Agency { code: code.into(), name: code.into(), government, depth: 1 }
    }

    fn sent(on: &str, errors: usize, warnings: usize) -> Option<Submitted> {
        Some(Submitted { received: on.into(), errors, warnings, version: 1 })
    }

    #[test]
    fn each_agency_stands_by_its_report_and_its_due_date() {
        let rows = status(
            2024,
            vec![
                (agency("gov", true), sent("2025-03-20", 0, 0)),
                (agency("ontime", false), sent("2025-01-31", 0, 1)),
                (agency("late", false), sent("2025-02-01", 0, 0)),
                (agency("wrong", false), sent("2025-01-10", 2, 1)),
                (agency("missing", false), None),
            ],
            "2025-02-15",
        );
        let got: Vec<(&str, Standing, bool)> =
            rows.iter().map(|r| (r.agency.code.as_str(), r.standing, r.late)).collect();
        assert_eq!(
            got,
            [
                ("gov", Standing::Passed, false),
                ("ontime", Standing::Warnings, false),
                ("late", Standing::Passed, true),
                ("wrong", Standing::Errors, false),
                ("missing", Standing::Missing, true),
            ]
        );
        // Before the due date a missing report is not yet late.
        let early = status(2024, vec![(agency("missing", false), None)], "2025-01-20");
        assert!(!early[0].late);
        assert_eq!(due_date(2024, true), "2025-03-31");
    }

    #[test]
    fn the_printed_publication_date_is_read_from_the_page_head() {
        assert_eq!(printed_date("标题\n发布时间: 2024-03-08 15:34\n正文").as_deref(), Some("2024-03-08"));
        assert_eq!(printed_date("发布日期：2024年1月5日 来源：本站").as_deref(), Some("2024-01-05"));
        assert_eq!(printed_date("发布日期:2024/1/30").as_deref(), Some("2024-01-30"));
        assert_eq!(printed_date("2024年1月5日，本局召开会议"), None, "a date without its label");
        assert_eq!(printed_date("发布时间：待定"), None);
    }
}
