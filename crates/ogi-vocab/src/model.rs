//! The report model: what one 政府信息公开工作年度报告 says, with where each
//! number was read. Plain data; no I/O.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cells::{CellKey, Template};

/// A number as a report prints it: an integer count or a decimal amount,
/// exact (no floating point: fees are printed with up to 6 decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Number {
    /// The value times 10^scale.
    units: i128,
    scale: u8,
}

impl Number {
    pub const ZERO: Number = Number { units: 0, scale: 0 };

    /// `units / 10^scale`.
    pub fn from_scaled(units: i128, scale: u8) -> Number {
        Number { units, scale }.normalized()
    }

    pub fn int(v: i64) -> Number {
        Number { units: v as i128, scale: 0 }
    }

    /// The value as an integer, if it has no fractional part.
    pub fn as_int(self) -> Option<i64> {
        let n = self.normalized();
        if n.scale == 0 {
            i64::try_from(n.units).ok()
        } else {
            None
        }
    }

    pub fn is_negative(self) -> bool {
        self.units < 0
    }

    fn normalized(self) -> Number {
        let mut n = self;
        while n.scale > 0 && n.units % 10 == 0 {
            n.units /= 10;
            n.scale -= 1;
        }
        n
    }

    /// Sum of numbers (exact); `None` on overflow.
    pub fn checked_add(self, other: Number) -> Option<Number> {
        let scale = self.scale.max(other.scale);
        let a = self.units.checked_mul(10i128.checked_pow((scale - self.scale) as u32)?)?;
        let b = other.units.checked_mul(10i128.checked_pow((scale - other.scale) as u32)?)?;
        Some(Number { units: a.checked_add(b)?, scale }.normalized())
    }
}

impl Number {
    /// Difference (exact); `None` on overflow.
    pub fn checked_sub(self, other: Number) -> Option<Number> {
        self.checked_add(Number { units: other.units.checked_neg()?, scale: other.scale })
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let scale = self.scale.max(other.scale) as u32;
        let a = self.units.saturating_mul(10i128.saturating_pow(scale - self.scale as u32));
        let b = other.units.saturating_mul(10i128.saturating_pow(scale - other.scale as u32));
        a.cmp(&b)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.normalized();
        if n.scale == 0 {
            return write!(f, "{}", n.units);
        }
        let sign = if n.units < 0 { "-" } else { "" };
        let abs = n.units.unsigned_abs();
        let p = 10u128.pow(n.scale as u32);
        write!(f, "{sign}{}.{:0width$}", abs / p, abs % p, width = n.scale as usize)
    }
}

impl FromStr for Number {
    type Err = String;
    /// Parses plain ASCII `-12`, `4166.241619`; nothing else.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("not a number: {s:?}");
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if body.contains('.') && frac.is_empty() {
            return Err(bad());
        }
        // i128 holds 38 digits; a report never prints more than that.
        if int.len() + frac.len() > 30 {
            return Err(bad());
        }
        let mut units: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            units = units * 10 + (b - b'0') as i128;
        }
        if neg {
            units = -units;
        }
        Ok(Number { units, scale: frac.len() as u8 }.normalized())
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            S(String),
            I(i64),
        }
        match Either::deserialize(d)? {
            Either::S(s) => s.parse().map_err(serde::de::Error::custom),
            Either::I(i) => Ok(Number::int(i)),
        }
    }
}

/// Where a value was read, and the text as printed there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub origin: Origin,
    /// The text as printed (for a glued run of digits, the run itself).
    pub raw: String,
    /// The reading needed the template's identities (row sums, 一+二=三+四)
    /// to decide which digits belong to which cell.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolved_by_identity: bool,
}

/// One cell of tables 二/三/四.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub value: Number,
    /// `None` for a cell ogi generated rather than read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// The report's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The reporting agency as printed in the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The statistics year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
    /// The title as printed (lines joined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The six sections of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// 一、总体情况
    Overview,
    /// 二、主动公开政府信息情况
    Proactive,
    /// 三、收到和处理政府信息公开申请情况
    Requests,
    /// 四、政府信息公开行政复议、行政诉讼情况
    Disputes,
    /// 五、存在的主要问题及改进情况
    Problems,
    /// 六、其他需要报告的事项
    Other,
}

impl SectionKind {
    pub const ALL: [SectionKind; 6] = [
        SectionKind::Overview,
        SectionKind::Proactive,
        SectionKind::Requests,
        SectionKind::Disputes,
        SectionKind::Problems,
        SectionKind::Other,
    ];

    /// The heading as the template prints it.
    pub fn heading(self) -> &'static str {
        match self {
            SectionKind::Overview => "一、总体情况",
            SectionKind::Proactive => "二、主动公开政府信息情况",
            SectionKind::Requests => "三、收到和处理政府信息公开申请情况",
            SectionKind::Disputes => "四、政府信息公开行政复议、行政诉讼情况",
            SectionKind::Problems => "五、存在的主要问题及改进情况",
            SectionKind::Other => "六、其他需要报告的事项",
        }
    }
}

/// One section: its heading as printed and its prose (tables left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub kind: SectionKind,
    pub heading: String,
    pub text: String,
    /// Where the heading was found.
    pub origin: Origin,
}

/// Something the reader could not do with certainty, said so rather than guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadNote {
    /// Stable id, e.g. `read.ambiguous-digits`.
    pub code: String,
    /// Chinese message for the user.
    pub message: String,
    /// The cells concerned (left out of the report, or read with a caveat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<CellKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl ReadNote {
    /// Whether the note's cells are missing from the report (left out as
    /// uncertain), rather than read with a caveat.
    pub fn cells_left_out(&self) -> bool {
        self.code != "read.split-by-identity"
    }
}

/// The source format a report was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Text,
    Markdown,
    Html,
    Docx,
    Pdf,
    Json,
    /// Made by ogi itself (the generator).
    Generated,
}

impl SourceFormat {
    /// The formats a reader reads (all but `Generated`).
    pub const READABLE: [SourceFormat; 6] = [
        SourceFormat::Text,
        SourceFormat::Markdown,
        SourceFormat::Html,
        SourceFormat::Docx,
        SourceFormat::Pdf,
        SourceFormat::Json,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Text => "text",
            SourceFormat::Markdown => "markdown",
            SourceFormat::Html => "html",
            SourceFormat::Docx => "docx",
            SourceFormat::Pdf => "pdf",
            SourceFormat::Json => "json",
            SourceFormat::Generated => "generated",
        }
    }
}

impl FromStr for SourceFormat {
    type Err = String;

    /// A readable format by its name (`--as pdf`).
    fn from_str(s: &str) -> Result<Self, String> {
        SourceFormat::READABLE
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("未知格式 {s:?}（可用：text、markdown、html、docx、pdf、json）"))
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A whole annual report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub meta: Meta,
    pub format: SourceFormat,
    /// The text before the first section (title, legal basis, statistics period).
    #[serde(default)]
    pub preamble: String,
    #[serde(default)]
    pub sections: Vec<Section>,
    /// Every cell the report shows. A cell not shown (cut off, ambiguous,
    /// table missing) is absent, never 0.
    #[serde(default)]
    pub cells: BTreeMap<CellKey, Cell>,
    #[serde(default)]
    pub notes: Vec<ReadNote>,
}

impl Report {
    /// A report made by ogi holding only `cells` (a table drafted from the
    /// records, a sum): what renderers and the checker take.
    pub fn of_cells(year: i16, template: Template, cells: impl IntoIterator<Item = (CellKey, Number)>) -> Report {
        Report {
            meta: Meta { year: u16::try_from(year).ok(), template: Some(template), ..Meta::default() },
            format: SourceFormat::Generated,
            preamble: String::new(),
            sections: Vec::new(),
            cells: cells.into_iter().map(|(k, value)| (k, Cell { value, provenance: None })).collect(),
            notes: Vec::new(),
        }
    }

    pub fn value(&self, key: CellKey) -> Option<Number> {
        self.cells.get(&key).map(|c| c.value)
    }

    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }
}

/// Where a piece of text was found in the source document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A table cell (HTML `<td>`/`<th>`, DOCX `w:tc`): 0-based table index in
    /// the document, row index in that table, cell index in that row (as
    /// printed, i.e. before expanding colspan/rowspan).
    Cell { table: u32, row: u32, col: u32 },
    /// A line of text (plain text, PDF text layer, HTML/DOCX paragraph):
    /// 1-based line number in the reader's output.
    Line { line: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_the_contract_says() {
        for (s, out) in [
            ("0", "0"),
            ("12", "12"),
            ("-3", "-3"),
            ("12.50", "12.5"),
            ("4166.241619", "4166.241619"),
            ("7545.0", "7545"),
            ("0.05", "0.05"),
        ] {
            assert_eq!(s.parse::<Number>().unwrap().to_string(), out);
        }
        for s in ["", "-", "1.", ".5", "1e3", "１２", "1,000", "99999999999999999999999999999999"] {
            assert!(s.parse::<Number>().is_err(), "{s}");
        }
    }

    #[test]
    fn numbers_add_and_compare_exactly() {
        let a: Number = "0.1".parse().unwrap();
        let b: Number = "0.2".parse().unwrap();
        assert_eq!(a.checked_add(b).unwrap(), "0.3".parse().unwrap());
        assert!(Number::int(3) > "2.99".parse().unwrap());
        assert_eq!(Number::int(7).as_int(), Some(7));
        assert_eq!("1.5".parse::<Number>().unwrap().as_int(), None);
    }
}
