//! What a cell of a report holds, as a reviewer sees it, and a reviewer's
//! correction of a report's cells (issue 14's versions).
//!
//! A cell keeps its meaning: a number (a printed 0 is the number 0), a blank,
//! 不适用 ("/", "—", "-"), or text ("详见附件"). Only a number is summed; the
//! others are kept in the report as a note on the cell (`cell.blank`,
//! `cell.not_applicable`, `cell.text`), so the roll-up leaves the cell out
//! and says why, and a later version can tell a blank from an unread cell.

use std::fmt;

use ogi_vocab::cells::CellKey;
use ogi_vocab::model::{Cell, ReadNote, Report};
use ogi_vocab::Number;

/// What a report holds in one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellValue {
    /// A number as printed (0 included).
    Number(Number),
    /// Printed empty.
    Blank,
    /// Printed as not applicable: `/`, `—`, `-`, 不适用.
    NotApplicable,
    /// Words where a number belongs (`详见附件`).
    Text(String),
    /// Not in the report: not printed, or not read with certainty.
    Unread,
}

const BLANK: &str = "cell.blank";
const NOT_APPLICABLE: &str = "cell.not_applicable";
const TEXT: &str = "cell.text";

impl CellValue {
    /// A value as a reviewer types it: a number; nothing, `空` or `空白`
    /// for a blank; `/`, `—`, `-`, `不适用` for 不适用; anything else is text.
    pub fn parse(typed: &str) -> CellValue {
        let t = typed.trim();
        match t {
            "" | "空" | "空白" => CellValue::Blank,
            "/" | "／" | "—" | "——" | "-" | "－" | "不适用" => CellValue::NotApplicable,
            _ => match t.replace(['，', ','], "").parse::<Number>() {
                Ok(n) => CellValue::Number(n),
                Err(_) => CellValue::Text(t.to_string()),
            },
        }
    }

    /// The number, if the cell holds one (the only values summed).
    pub fn number(&self) -> Option<Number> {
        match self {
            CellValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// What a report holds in `key`.
    pub fn of(report: &Report, key: CellKey) -> CellValue {
        if let Some(c) = report.cells.get(&key) {
            return CellValue::Number(c.value);
        }
        let note = report.notes.iter().rev().find(|n| n.cells.contains(&key) && n.code.starts_with("cell."));
        match note.map(|n| (n.code.as_str(), n)) {
            Some((BLANK, _)) => CellValue::Blank,
            Some((NOT_APPLICABLE, _)) => CellValue::NotApplicable,
            Some((TEXT, n)) => CellValue::Text(n.message.clone()),
            _ => CellValue::Unread,
        }
    }
}

impl fmt::Display for CellValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CellValue::Number(n) => write!(f, "{n}"),
            CellValue::Blank => f.write_str("空白"),
            CellValue::NotApplicable => f.write_str("不适用"),
            CellValue::Text(t) => write!(f, "文字“{t}”"),
            CellValue::Unread => f.write_str("未读出"),
        }
    }
}

/// `report` with `changes` applied, and the lines saying what changed
/// (`t3.new.total：10→12`, one per cell). A change to what the cell already
/// holds is no change; none at all is an error.
pub fn correct(report: &Report, changes: &[(CellKey, CellValue)]) -> Result<(Report, String), String> {
    let mut out = report.clone();
    let mut changed = Vec::new();
    for (key, new) in changes {
        if *new == CellValue::Unread {
            return Err(format!("{key}：更正的值不能是“未读出”"));
        }
        let old = CellValue::of(&out, *key);
        if old == *new {
            continue;
        }
        out.notes.retain(|n| !(n.code.starts_with("cell.") && n.cells.contains(key)));
        out.cells.remove(key);
        let note =
            |code: &str, message: String| ReadNote { code: code.into(), message, cells: vec![*key], origin: None };
        match new {
            CellValue::Number(n) => _ = out.cells.insert(*key, Cell { value: *n, provenance: None }),
            CellValue::Blank => out.notes.push(note(BLANK, "该项填报为空白".into())),
            CellValue::NotApplicable => out.notes.push(note(NOT_APPLICABLE, "该项填报为不适用".into())),
            CellValue::Text(t) => out.notes.push(note(TEXT, t.clone())),
            CellValue::Unread => {}
        }
        changed.push(format!("{key}：{old}→{new}"));
    }
    if changed.is_empty() {
        return Err("没有改动：各单元格已是所填的值".into());
    }
    Ok((out, changed.join("\n")))
}

/// `KEY=VALUE` as typed on the command line or a form.
pub fn parse_change(typed: &str) -> Result<(CellKey, CellValue), String> {
    let Some((key, value)) = typed.split_once('=') else {
        return Err(format!("{typed}：应写成 单元格=值，如 t3.new.total=12"));
    };
    let key: CellKey = key.trim().parse().map_err(|_| format!("不认识的单元格：{}（如 t3.new.total）", key.trim()))?;
    Ok((key, CellValue::parse(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ogi_vocab::Template;

    #[test]
    fn typed_values_keep_their_meaning() {
        assert_eq!(CellValue::parse("12"), CellValue::Number(Number::int(12)));
        assert_eq!(CellValue::parse(" 0 "), CellValue::Number(Number::ZERO));
        assert_eq!(CellValue::parse("-3"), CellValue::Number(Number::int(-3)));
        assert_eq!(CellValue::parse(""), CellValue::Blank);
        for na in ["/", "—", "-", "不适用"] {
            assert_eq!(CellValue::parse(na), CellValue::NotApplicable, "{na}");
        }
        assert_eq!(CellValue::parse("详见附件"), CellValue::Text("详见附件".into()));
    }

    #[test]
    fn a_correction_changes_only_its_cells_and_says_how() {
        let key: CellKey = "t3.new.total".parse().unwrap();
        let other: CellKey = "t3.new.natural".parse().unwrap();
        let r = Report::of_cells(2024, Template::Y2021, [(key, Number::int(10)), (other, Number::int(4))]);
        let (fixed, changed) = correct(&r, &[(key, CellValue::Number(Number::int(12)))]).unwrap();
        assert_eq!(changed, "t3.new.total：10→12");
        assert_eq!(fixed.value(key), Some(Number::int(12)));
        assert_eq!(fixed.value(other), Some(Number::int(4)));
        let (blank, changed) = correct(&fixed, &[(key, CellValue::NotApplicable)]).unwrap();
        assert_eq!(changed, "t3.new.total：12→不适用");
        assert_eq!(blank.value(key), None, "不适用 is not a number");
        assert_eq!(CellValue::of(&blank, key), CellValue::NotApplicable);
        assert!(correct(&blank, &[(key, CellValue::NotApplicable)]).is_err(), "no change");
        assert_eq!(parse_change("t3.new.total=/").unwrap(), (key, CellValue::NotApplicable));
        assert!(parse_change("t9.x=1").is_err() && parse_change("t3.new.total").is_err());
    }
}
