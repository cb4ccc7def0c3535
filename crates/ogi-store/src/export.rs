//! The register as the outside world gets it: the list filter as typed (a
//! query string, command-line flags) checked into a [`ListFilter`], and the
//! one CSV writer of the register, used by the workbench's download and by
//! `ogi request export` alike, so both give the same bytes for the same filter.

use ogi_rules::input::{self, FieldErrors};
use ogi_rules::request::{Channel, Due};
use ogi_rules::Calendar;
use ogi_vocab::cells::{ApplicantColumn, T3Row, Template};
use serde::{Deserialize, Serialize};

use crate::{ListFilter, ListRow, StateFilter};

/// The longest search text, in characters.
pub const MAX_SEARCH: usize = 100;

/// A list filter as typed; every field optional.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilterInput {
    /// A [`StateFilter`] key.
    pub state: String,
    pub applicant: String,
    pub channel: String,
    /// An outcome key or its family (`denied`, `denied.state_secret`).
    pub outcome: String,
    /// Received on or after.
    pub from: String,
    /// Received on or before.
    pub to: String,
    /// Words in the applicant's name, contact, content or code.
    pub q: String,
    /// `1`: only requests answered after their due date (逾期答复).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub late: String,
}

impl FilterInput {
    /// The filter, or a Chinese message per wrong field.
    pub fn filter(&self) -> Result<ListFilter, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut f = ListFilter::default();
        if !self.state.is_empty() {
            match StateFilter::from_key(&self.state) {
                Some(s) => f.state = Some(s),
                None => _ = errors.insert("state", "未知的状态".to_string()),
            }
        }
        if !self.applicant.is_empty() {
            match ApplicantColumn::KINDS.into_iter().find(|a| a.key() == self.applicant) {
                Some(a) => f.applicant = Some(a),
                None => _ = errors.insert("applicant", "未知的申请人类型".to_string()),
            }
        }
        if !self.channel.is_empty() {
            match Channel::from_key(&self.channel) {
                Some(c) => f.channel = Some(c),
                None => _ = errors.insert("channel", "未知的渠道".to_string()),
            }
        }
        if !self.outcome.is_empty() {
            if outcome_filters().iter().any(|(k, _)| *k == self.outcome) {
                f.outcome = Some(self.outcome.clone());
            } else {
                errors.insert("outcome", "未知的办理结果".to_string());
            }
        }
        for (field, text, slot) in [("from", &self.from, &mut f.from), ("to", &self.to, &mut f.to)] {
            if !text.trim().is_empty() {
                match input::date(text) {
                    Ok(d) => *slot = Some(d),
                    Err(m) => _ = errors.insert(field, m),
                }
            }
        }
        if let (Some(a), Some(b)) = (f.from, f.to) {
            if a > b {
                errors.insert("to", "截止日期早于起始日期".to_string());
            }
        }
        match self.late.as_str() {
            "" | "0" => {}
            "1" => f.late = true,
            _ => _ = errors.insert("late", "“逾期答复”筛选应为 1 或留空".to_string()),
        }
        if self.q.chars().count() > MAX_SEARCH {
            errors.insert("q", format!("搜索词过长（最多 {MAX_SEARCH} 字）"));
        } else if !self.q.trim().is_empty() {
            f.text = Some(self.q.trim().to_string());
        }
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(errors)
        }
    }
}

/// (key, label) of each outcome family and each outcome row of the 2021
/// template: what the outcome filter takes.
pub fn outcome_filters() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut last_family = String::new();
    for o in T3Row::outcomes(Template::Y2021) {
        let key = T3Row::Outcome(o).key();
        let label = T3Row::Outcome(o).label();
        if let Some((family, _)) = key.split_once('.') {
            if family != last_family {
                let family_label = label.split('·').next().unwrap_or_default().to_string();
                out.push((family.to_string(), format!("{family_label}（全部）")));
                last_family = family.to_string();
            }
        }
        out.push((key, label));
    }
    out
}

/// The register's CSV columns, in Chinese.
pub const CSV_HEADER: [&str; 11] = [
    "编号",
    "申请人",
    "申请人类型",
    "渠道",
    "收到日期",
    "状态",
    "答复期限",
    "办结日期",
    "办理结果",
    "逾期答复（工作日）",
    "内容",
];

/// The register's rows as CSV (see [`csv_bytes`]).
pub fn register_csv(rows: &[ListRow], cal: &Calendar) -> Vec<u8> {
    csv_bytes(
        &CSV_HEADER,
        rows.iter().map(|r| {
            let due = r.due.map(|d| Due::new(cal, r.received, d).to_string()).unwrap_or_default();
            [
                r.code.clone(),
                r.applicant_name.clone(),
                r.applicant.label().to_string(),
                r.channel.label().to_string(),
                r.received.to_string(),
                r.state_label().to_string(),
                due,
                r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
                r.outcome.map(T3Row::label).unwrap_or_default(),
                r.late_days.map(|d| d.to_string()).unwrap_or_default(),
                r.summary.clone(),
            ]
        }),
    )
}

/// Any table as CSV, the one way ogi writes CSV: UTF-8 with a BOM (so that
/// Excel opens it in Chinese), CRLF line ends, and every field that a
/// spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR)
/// defused with a leading `'`.
pub fn csv_bytes<R: IntoIterator<Item = String>>(header: &[&str], rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::from("\u{feff}"));
    // Writing to memory cannot fail.
    let _ = w.write_record(header.iter().map(|h| defused(h)));
    for row in rows {
        let _ = w.write_record(row.into_iter().map(|f| defused(&f)));
    }
    w.into_inner().unwrap_or_default()
}

/// Any table as an XLSX workbook of one sheet (`rust_xlsxwriter`): the
/// header in bold, a plain number (`12`, `-3`, `4166.241619`) as a number,
/// everything else as text — a text cell is never a formula, so nothing a
/// report printed can run in a spreadsheet.
pub fn xlsx_bytes<R: IntoIterator<Item = String>>(
    sheet: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let e = |e: rust_xlsxwriter::XlsxError| format!("无法生成 XLSX：{e}");
    ws.set_name(sheet).map_err(e)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(e)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| "行数过多".to_string())?;
        for (c, field) in row.into_iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| "列数过多".to_string())?;
            match plain_number(&field) {
                Some(n) => ws.write_number(r, c, n).map_err(e)?,
                None => ws.write_string(r, c, field).map_err(e)?,
            };
        }
    }
    book.save_to_buffer().map_err(e)
}

/// `12`, `-3`, `0.5`, `4166.241619` — not `012`, `1e5`, `2024-01-20` or `20%`.
fn plain_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let ok = digits(int) && digits(frac) && (int == "0" || !int.starts_with('0')) && int.len() <= 15;
    ok.then(|| s.parse().ok()).flatten()
}

/// A field a spreadsheet will show as text, never run (OWASP "CSV injection").
fn defused(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_kept() {
        assert_eq!(defused("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defused("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defused("普通内容"), "普通内容");
    }

    #[test]
    fn plain_numbers_are_numbers_and_nothing_else_is() {
        for (s, n) in [("12", 12.0), ("-3", -3.0), ("0.5", 0.5), ("4166.241619", 4166.241619), ("0", 0.0)] {
            assert_eq!(plain_number(s), Some(n), "{s}");
        }
        for s in ["012", "1e5", "2024-01-20", "20.00%", "", "-", "1.", ".5", "=1+1", "NaN", "inf"] {
            assert_eq!(plain_number(s), None, "{s}");
        }
        let xlsx = xlsx_bytes("表", &["a", "b"], [vec!["1".to_string(), "=1+1".to_string()]]).unwrap();
        assert!(xlsx.starts_with(b"PK\x03\x04"));
    }

    #[test]
    fn a_bad_filter_names_its_fields() {
        let typed =
            FilterInput { state: "x".into(), from: "2025-13-01".into(), late: "2".into(), ..Default::default() };
        let errors = typed.filter().unwrap_err();
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["from", "late", "state"]);
        let typed = FilterInput { outcome: "denied".into(), q: " 张三 ".into(), ..Default::default() };
        let f = typed.filter().unwrap();
        assert_eq!((f.outcome.as_deref(), f.text.as_deref()), (Some("denied"), Some("张三")));
    }
}
