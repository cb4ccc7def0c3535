//! The year's annual report (条例第四十九、五十条) drafted from the agency's
//! own records, never counted by hand:
//!
//! - **Table 二** from the register of 规章 and 行政规范性文件 (each with its
//!   issue and repeal dates: 本年制发 = issued in Y, 本年废止 = repealed in Y,
//!   现行有效 = issued by Y-12-31 and not repealed by then) and the year's
//!   第二十条 figures (行政许可, 行政处罚, 行政强制 decisions; 行政事业性收费 in 万元).
//! - **Table 三** from the request register ([`crate::table3`]).
//! - **Table 四** from the 行政复议 / 行政诉讼 cases about disclosure. Like a
//!   request, a case belongs to every year in which it was open: it counts in
//!   Y if it was received in Y, or received earlier and not yet decided on
//!   Y-01-01; its column is its result as of Y-12-31 (尚未审结 if undecided).
//! - **Sections 一, 五, 六** from texts the agency edits, with placeholders
//!   (`{新收申请}`, `{予以公开占比}` …) that take the year's figures, so the
//!   prose cannot disagree with the tables. Percentages are computed here.
//!
//! Only the 2021 template (国办公开办函〔2021〕30号) is generated: it applies to
//! every report from 2021 on.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use ogi_vocab::cells::{ApplicantColumn, CellKey, Outcome, T2Column, T2Row, T3Row, T4Column, T4Group, Template};
use ogi_vocab::model::{Meta, Report, Section, SectionKind};
use ogi_vocab::Number;
use ogi_vocab::Origin;

use crate::request::{Event, Request};

/// The first year the generator drafts (the 2021 template's first year).
pub const FIRST_YEAR: i16 = 2021;

/// A 规章 or 行政规范性文件 the agency issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: DocumentKind,
    pub title: String,
    /// 文号, e.g. 聊政规〔2023〕1号.
    pub number: String,
    pub issued: Date,
    pub repealed: Option<Date>,
}

impl Document {
    /// What is wrong with the document as a record: (field, Chinese message).
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() {
            out.push(("title", "文件标题不能为空"));
        }
        if self.repealed.is_some_and(|r| r < self.issued) {
            out.push(("repealed", "废止日期早于印发日期"));
        }
        out
    }

    /// 本年制发: issued in `year`.
    pub fn issued_in(&self, year: i16) -> bool {
        self.issued.year() == year
    }

    /// 本年废止: repealed in `year`.
    pub fn repealed_in(&self, year: i16) -> bool {
        self.repealed.is_some_and(|r| r.year() == year)
    }

    /// 现行有效 at the end of `year`: issued by then and not repealed by then.
    pub fn in_force_after(&self, year: i16) -> bool {
        self.issued.year() <= year && self.repealed.is_none_or(|r| r.year() > year)
    }

    /// What the document is in `year`'s report, as the records page says it.
    pub fn status_in(&self, year: i16) -> &'static str {
        if self.issued.year() > year {
            "本年以后印发"
        } else if self.repealed_in(year) {
            "本年废止"
        } else if !self.in_force_after(year) {
            "已废止"
        } else if self.issued_in(year) {
            "本年制发，现行有效"
        } else {
            "现行有效"
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// 规章
    Regulation,
    /// 行政规范性文件
    Normative,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 2] = [DocumentKind::Regulation, DocumentKind::Normative];

    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::Regulation => "regulation",
            DocumentKind::Normative => "normative",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Regulation => "规章",
            DocumentKind::Normative => "行政规范性文件",
        }
    }

    /// From the key or the Chinese name (规范性文件 accepted for short).
    pub fn parse(s: &str) -> Option<DocumentKind> {
        match s.trim() {
            "regulation" | "规章" => Some(DocumentKind::Regulation),
            "normative" | "行政规范性文件" | "规范性文件" => Some(DocumentKind::Normative),
            _ => None,
        }
    }

    fn row(self) -> T2Row {
        match self {
            DocumentKind::Regulation => T2Row::Regulation,
            DocumentKind::Normative => T2Row::Normative,
        }
    }
}

/// The year's figures under 第二十条 items (五), (六) and (八).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Art20Figures {
    /// 行政许可 decisions.
    pub licensing: u64,
    /// 行政处罚 decisions.
    pub penalty: u64,
    /// 行政强制 decisions.
    pub enforcement: u64,
    /// 行政事业性收费 collected, in 万元.
    pub fees_wan: Number,
}

/// A 行政复议 or 行政诉讼 case about the agency's disclosure work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub kind: CaseKind,
    pub received: Date,
    pub summary: String,
    pub decided: Option<(Date, CaseResult)>,
}

/// 审结 before 收到 is impossible.
pub const DECIDED_BEFORE_RECEIVED: &str = "审结日期早于收到日期";

impl Case {
    /// What is wrong with the case as a record: (field, Chinese message).
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        match self.decided {
            Some((on, _)) if on < self.received => vec![("decided", DECIDED_BEFORE_RECEIVED)],
            _ => Vec::new(),
        }
    }

    /// Whether the case is in `year`'s table 四: received by the end of the
    /// year and not decided before it (decided in it, or still pending).
    pub fn counts_in(&self, year: i16) -> bool {
        self.received.year() <= year && self.decided.is_none_or(|(d, _)| d.year() >= year)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// 行政复议
    Review,
    /// 行政诉讼，未经复议直接起诉
    SuitDirect,
    /// 行政诉讼，复议后起诉
    SuitAfterReview,
}

impl CaseKind {
    pub const ALL: [CaseKind; 3] = [CaseKind::Review, CaseKind::SuitDirect, CaseKind::SuitAfterReview];

    pub fn key(self) -> &'static str {
        self.group().key()
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Review => "行政复议",
            CaseKind::SuitDirect => "行政诉讼（未经复议直接起诉）",
            CaseKind::SuitAfterReview => "行政诉讼（复议后起诉）",
        }
    }

    pub fn parse(s: &str) -> Option<CaseKind> {
        match s.trim() {
            "review" | "复议" | "行政复议" => Some(CaseKind::Review),
            "suit_direct" | "直接起诉" | "未经复议直接起诉" => Some(CaseKind::SuitDirect),
            "suit_after_review" | "复议后起诉" => Some(CaseKind::SuitAfterReview),
            _ => None,
        }
    }

    pub fn group(self) -> T4Group {
        match self {
            CaseKind::Review => T4Group::Review,
            CaseKind::SuitDirect => T4Group::SuitDirect,
            CaseKind::SuitAfterReview => T4Group::SuitAfterReview,
        }
    }
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseResult {
    /// 维持 (复议) / 驳回诉讼请求 (诉讼): the agency's act stands.
    Upheld,
    /// 撤销、变更、确认违法、责令履行: the act was corrected.
    Corrected,
    /// 驳回申请、撤回、终止 and the like.
    Other,
}

impl CaseResult {
    pub const ALL: [CaseResult; 3] = [CaseResult::Upheld, CaseResult::Corrected, CaseResult::Other];

    pub fn key(self) -> &'static str {
        self.column().key()
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseResult::Upheld => "维持",
            CaseResult::Corrected => "纠正",
            CaseResult::Other => "其他结果",
        }
    }

    pub fn parse(s: &str) -> Option<CaseResult> {
        match s.trim() {
            "upheld" | "维持" | "结果维持" => Some(CaseResult::Upheld),
            "corrected" | "纠正" | "结果纠正" => Some(CaseResult::Corrected),
            "other" | "其他" | "其他结果" => Some(CaseResult::Other),
            _ => None,
        }
    }

    fn column(self) -> T4Column {
        match self {
            CaseResult::Upheld => T4Column::Upheld,
            CaseResult::Corrected => T4Column::Corrected,
            CaseResult::Other => T4Column::Other,
        }
    }
}

/// The sections whose text the agency writes (the others are tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EditableSection {
    /// 一、总体情况
    Overview,
    /// 五、存在的主要问题及改进情况
    Problems,
    /// 六、其他需要报告的事项
    Other,
    /// The opening paragraph before section 一 (legal basis, statistics period).
    Preamble,
}

impl EditableSection {
    pub const ALL: [EditableSection; 4] =
        [EditableSection::Preamble, EditableSection::Overview, EditableSection::Problems, EditableSection::Other];

    pub fn key(self) -> &'static str {
        match self {
            EditableSection::Preamble => "preamble",
            EditableSection::Overview => "overview",
            EditableSection::Problems => "problems",
            EditableSection::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EditableSection::Preamble => "引言",
            EditableSection::Overview => "一、总体情况",
            EditableSection::Problems => "五、存在的主要问题及改进情况",
            EditableSection::Other => "六、其他需要报告的事项",
        }
    }

    pub fn parse(s: &str) -> Option<EditableSection> {
        EditableSection::ALL.iter().copied().find(|e| {
            let short = e.label().split('、').next().unwrap_or_default();
            s == e.key() || s == e.label() || s == short
        })
    }

    /// The text a new year starts from.
    pub fn default_text(self) -> &'static str {
        match self {
            EditableSection::Preamble => DEFAULT_PREAMBLE,
            EditableSection::Overview => DEFAULT_OVERVIEW,
            EditableSection::Problems => DEFAULT_PROBLEMS,
            EditableSection::Other => DEFAULT_OTHER,
        }
    }
}

const DEFAULT_PREAMBLE: &str = "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条和国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告格式的要求编制。本报告所列数据的统计期限自{年度}年1月1日起至{年度}年12月31日止。";

const DEFAULT_OVERVIEW: &str = "{年度}年，{机关}认真贯彻落实《条例》，依法做好主动公开和依申请公开工作，现将有关情况报告如下。
主动公开方面，全年制发行政规范性文件{制发规范性文件}件，废止{废止规范性文件}件，现行有效行政规范性文件{现行有效规范性文件}件。
依申请公开方面，全年新收政府信息公开申请{新收申请}件，上年结转{上年结转}件。办结{办结}件，其中予以公开{予以公开}件，占{予以公开占比}；部分公开{部分公开}件，占{部分公开占比}；不予公开{不予公开}件，占{不予公开占比}；无法提供{无法提供}件，占{无法提供占比}；不予处理{不予处理}件，占{不予处理占比}；其他处理{其他处理}件，占{其他处理占比}。结转下年度继续办理{结转下年度}件。
监督保障方面，全年发生政府信息公开行政复议{行政复议}件，行政诉讼{行政诉讼}件。";

const DEFAULT_PROBLEMS: &str = "【请填写本年度政府信息公开工作存在的主要问题】
【请填写改进情况和下一步工作打算】";

const DEFAULT_OTHER: &str = "{信息处理费}
【请填写本年度政务公开工作要点落实情况、人大代表建议和政协提案办理公开情况等其他需要报告的事项】";

/// The marker of text the agency still has to write.
pub const TO_FILL: &str = "【请填写";

/// Everything a year's report is drafted from.
#[derive(Debug, Clone)]
pub struct Records {
    pub agency: String,
    pub year: i16,
    /// Table 三 as the register gives it ([`crate::table3::cells`]).
    pub table3: BTreeMap<CellKey, Number>,
    pub documents: Vec<Document>,
    pub art20: Option<Art20Figures>,
    pub cases: Vec<Case>,
    /// 信息处理费 collected in the year, in 元 (第四十二条).
    pub processing_fees_yuan: u64,
    /// Edited texts; a section without one uses its default.
    pub texts: BTreeMap<EditableSection, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftError {
    /// A year before the 2021 template.
    UnsupportedYear(i16),
    /// An edited text names a placeholder that does not exist.
    UnknownPlaceholder {
        section: &'static str,
        name: String,
    },
    /// An edited text has a `{` without its `}`.
    UnclosedPlaceholder {
        section: &'static str,
    },
    MissingAgency,
}

impl fmt::Display for DraftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DraftError::UnsupportedYear(y) => write!(
                f,
                "{y} 年的报告适用国办公开办函〔2019〕60号旧格式，ogi 只生成 {FIRST_YEAR} 年起的新格式（国办公开办函〔2021〕30号）"
            ),
            DraftError::UnknownPlaceholder { section, name } => write!(
                f,
                "“{section}”中的占位符 {{{name}}} 不存在；可用的占位符：{}",
                PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join("、")
            ),
            DraftError::UnclosedPlaceholder { section } => {
                write!(f, "“{section}”中有未闭合的 {{（占位符应写成 {{新收申请}} 这样的形式）")
            }
            DraftError::MissingAgency => write!(f, "未设置机关名称（报告标题需要）"),
        }
    }
}

impl std::error::Error for DraftError {}

/// Every placeholder a text may use.
pub const PLACEHOLDERS: &[&str] = &[
    "年度",
    "机关",
    "新收申请",
    "上年结转",
    "办结",
    "结转下年度",
    "予以公开",
    "予以公开占比",
    "部分公开",
    "部分公开占比",
    "不予公开",
    "不予公开占比",
    "无法提供",
    "无法提供占比",
    "不予处理",
    "不予处理占比",
    "其他处理",
    "其他处理占比",
    "制发规章",
    "废止规章",
    "现行有效规章",
    "制发规范性文件",
    "废止规范性文件",
    "现行有效规范性文件",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
    "行政复议",
    "行政诉讼",
    "信息处理费",
];

/// Table 二 of `year` (2021 template).
pub fn table2(year: i16, documents: &[Document], art20: Option<&Art20Figures>) -> BTreeMap<CellKey, Number> {
    let mut cells = BTreeMap::new();
    for kind in DocumentKind::ALL {
        let of_kind = || documents.iter().filter(move |d| d.kind == kind);
        let issued = of_kind().filter(|d| d.issued_in(year)).count();
        let repealed = of_kind().filter(|d| d.repealed_in(year)).count();
        let in_force = of_kind().filter(|d| d.in_force_after(year)).count();
        for (column, n) in [(T2Column::Issued, issued), (T2Column::Repealed, repealed), (T2Column::InForce, in_force)] {
            cells.insert(CellKey::T2(kind.row(), column), Number::int(n as i64));
        }
    }
    if let Some(f) = art20 {
        for (row, n) in
            [(T2Row::Licensing, f.licensing), (T2Row::Penalty, f.penalty), (T2Row::Enforcement, f.enforcement)]
        {
            cells.insert(CellKey::T2(row, T2Column::Decisions), Number::int(n.min(i64::MAX as u64) as i64));
        }
        cells.insert(CellKey::T2(T2Row::Fees, T2Column::Amount), f.fees_wan);
    }
    cells
}

/// Tables 二 and 四 of `year` as the records give them, as a report to render.
pub fn records_tables(year: i16, documents: &[Document], art20: Option<&Art20Figures>, cases: &[Case]) -> Report {
    let mut cells = table2(year, documents, art20);
    cells.extend(table4(year, cases));
    Report::of_cells(year, Template::Y2021, cells)
}

/// Table 四 of `year` (see the module doc for which cases count).
pub fn table4(year: i16, cases: &[Case]) -> BTreeMap<CellKey, Number> {
    let mut counts: BTreeMap<CellKey, i64> = BTreeMap::new();
    for group in T4Group::ALL {
        for column in T4Column::ALL {
            counts.insert(CellKey::T4(*group, *column), 0);
        }
    }
    for c in cases.iter().filter(|c| c.counts_in(year)) {
        let column = match c.decided {
            Some((d, result)) if d.year() == year => result.column(),
            _ => T4Column::Pending,
        };
        let group = c.kind.group();
        *counts.entry(CellKey::T4(group, column)).or_default() += 1;
        *counts.entry(CellKey::T4(group, T4Column::Total)).or_default() += 1;
    }
    counts.into_iter().map(|(k, n)| (k, Number::int(n))).collect()
}

/// 信息处理费 collected in `year`: fees noticed and paid, counted on the day of payment.
pub fn processing_fees(requests: &[Request], year: i16) -> u64 {
    let mut total = 0u64;
    for r in requests {
        let mut noticed = 0;
        for e in r.events() {
            match e {
                Event::FeeNoticed { yuan, .. } => noticed = *yuan,
                Event::FeePaid { on } if on.year() == year => total = total.saturating_add(noticed),
                _ => {}
            }
        }
    }
    total
}

/// `part` as a percentage of `whole`, to one decimal, rounded half up ("41.7%").
/// 0 of 0 is "0%": a year with no answers has no shares.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 || part < 0 {
        return "0%".to_string();
    }
    let tenths = (i128::from(part) * 2000 + i128::from(whole)) / (2 * i128::from(whole));
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// What the figures are drafted for: the agency, the year, the fees collected.
struct Subject<'a> {
    agency: &'a str,
    year: i16,
    processing_fees_yuan: u64,
    /// Shown for a figure whose cell is missing; `None`: the cell counts as 0
    /// (an agency's own records, where a missing cell is one never entered).
    missing: Option<&'a str>,
}

/// The value of every placeholder for these tables.
fn figures(who: &Subject, cells: &BTreeMap<CellKey, Number>) -> BTreeMap<&'static str, String> {
    // Without a `missing` marker a cell not there counts as 0, as before.
    let zero = if who.missing.is_none() { Some(0) } else { None };
    let int = |k: CellKey| cells.get(&k).map_or(zero, |n| n.as_int().or(zero));
    let show = |v: Option<i64>| v.map_or_else(|| who.missing.unwrap_or("0").to_string(), |n| n.to_string());
    let t3 = |row: T3Row| int(CellKey::T3(row, ApplicantColumn::Total));
    let outcomes = T3Row::outcomes(Template::Y2021);
    let family = |pick: fn(&Outcome) -> bool| -> Option<i64> {
        outcomes.iter().filter(|o| pick(o)).map(|&o| t3(T3Row::Outcome(o))).sum()
    };
    let answered = t3(T3Row::Total);
    let families: [(&str, &str, Option<i64>); 6] = [
        ("予以公开", "予以公开占比", family(|o| matches!(o, Outcome::Granted))),
        ("部分公开", "部分公开占比", family(|o| matches!(o, Outcome::Partial))),
        ("不予公开", "不予公开占比", family(|o| matches!(o, Outcome::Denied(_)))),
        ("无法提供", "无法提供占比", family(|o| matches!(o, Outcome::Unavailable(_)))),
        ("不予处理", "不予处理占比", family(|o| matches!(o, Outcome::NotProcessed(_)))),
        ("其他处理", "其他处理占比", family(|o| matches!(o, Outcome::Other(_) | Outcome::OtherUnsplit))),
    ];
    let t2 = |row, col| match cells.get(&CellKey::T2(row, col)) {
        Some(n) => n.to_string(),
        None => who.missing.unwrap_or("0").to_string(),
    };
    let t4 = |g| int(CellKey::T4(g, T4Column::Total));
    let mut v: BTreeMap<&'static str, String> = BTreeMap::new();
    v.insert("年度", who.year.to_string());
    v.insert("机关", who.agency.to_string());
    v.insert("新收申请", show(t3(T3Row::New)));
    v.insert("上年结转", show(t3(T3Row::CarriedOver)));
    v.insert("办结", show(answered));
    v.insert("结转下年度", show(t3(T3Row::CarryForward)));
    for (count, share, n) in families {
        v.insert(PLACEHOLDERS.iter().find(|p| **p == count).expect("listed"), show(n));
        let pct = match (n, answered) {
            (Some(n), Some(a)) => percent(n, a),
            _ => who.missing.unwrap_or("0").to_string(),
        };
        v.insert(PLACEHOLDERS.iter().find(|p| **p == share).expect("listed"), pct);
    }
    for (name, row, col) in [
        ("制发规章", T2Row::Regulation, T2Column::Issued),
        ("废止规章", T2Row::Regulation, T2Column::Repealed),
        ("现行有效规章", T2Row::Regulation, T2Column::InForce),
        ("制发规范性文件", T2Row::Normative, T2Column::Issued),
        ("废止规范性文件", T2Row::Normative, T2Column::Repealed),
        ("现行有效规范性文件", T2Row::Normative, T2Column::InForce),
        ("行政许可", T2Row::Licensing, T2Column::Decisions),
        ("行政处罚", T2Row::Penalty, T2Column::Decisions),
        ("行政强制", T2Row::Enforcement, T2Column::Decisions),
        ("行政事业性收费", T2Row::Fees, T2Column::Amount),
    ] {
        v.insert(name, t2(row, col));
    }
    v.insert("行政复议", show(t4(T4Group::Review)));
    let suits = t4(T4Group::SuitDirect).zip(t4(T4Group::SuitAfterReview)).map(|(a, b)| a + b);
    v.insert("行政诉讼", show(suits));
    v.insert(
        "信息处理费",
        match who.processing_fees_yuan {
            0 => "本年度未收取政府信息公开信息处理费。".to_string(),
            yuan => format!("本年度依据《政府信息公开信息处理费管理办法》收取信息处理费{yuan}元。"),
        },
    );
    v
}

/// Replaces every `{名称}` in `text`; an unknown name or an unclosed brace is an error.
pub fn fill(text: &str, values: &BTreeMap<&'static str, String>, section: &'static str) -> Result<String, DraftError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or(DraftError::UnclosedPlaceholder { section })?;
        let name = after[..close].trim();
        let value =
            values.get(name).ok_or_else(|| DraftError::UnknownPlaceholder { section, name: name.to_string() })?;
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks an edited text before it is saved: every placeholder must exist.
pub fn validate_text(section: EditableSection, text: &str) -> Result<(), DraftError> {
    let values: BTreeMap<&'static str, String> = PLACEHOLDERS.iter().map(|p| (*p, String::new())).collect();
    fill(text, &values, section.label()).map(|_| ())
}

/// The draft report: tables computed, texts filled.
pub fn draft(records: &Records) -> Result<Report, DraftError> {
    if records.year < FIRST_YEAR {
        return Err(DraftError::UnsupportedYear(records.year));
    }
    let mut cells = table2(records.year, &records.documents, records.art20.as_ref());
    cells.extend(records.table3.iter().map(|(k, v)| (*k, *v)));
    cells.extend(table4(records.year, &records.cases));
    let who = Subject {
        agency: &records.agency,
        year: records.year,
        processing_fees_yuan: records.processing_fees_yuan,
        missing: None,
    };
    draft_with(&who, cells, &records.texts)
}

/// A report drafted from tables already made — a region's sum (issue 14):
/// the texts filled from `cells`, and a figure whose cell the tables lack
/// shown as `missing` (never as 0). `{信息处理费}` is not known for a sum:
/// texts that use it get the words for none collected, so give texts without it.
pub fn draft_from_cells(
    agency: &str,
    year: i16,
    cells: BTreeMap<CellKey, Number>,
    texts: &BTreeMap<EditableSection, String>,
    missing: &str,
) -> Result<Report, DraftError> {
    if year < FIRST_YEAR {
        return Err(DraftError::UnsupportedYear(year));
    }
    let who = Subject { agency, year, processing_fees_yuan: 0, missing: Some(missing) };
    draft_with(&who, cells, texts)
}

fn draft_with(
    who: &Subject,
    cells: BTreeMap<CellKey, Number>,
    texts: &BTreeMap<EditableSection, String>,
) -> Result<Report, DraftError> {
    let agency = who.agency.trim();
    if agency.is_empty() {
        return Err(DraftError::MissingAgency);
    }
    let values = figures(who, &cells);
    let text = |s: EditableSection| -> Result<String, DraftError> {
        let raw = texts.get(&s).map_or(s.default_text(), String::as_str);
        Ok(fill(raw, &values, s.label())?.trim().to_string())
    };
    let origin = Origin::Line { line: 0 };
    let mut sections = Vec::new();
    for kind in SectionKind::ALL {
        let body = match kind {
            SectionKind::Overview => text(EditableSection::Overview)?,
            SectionKind::Problems => text(EditableSection::Problems)?,
            SectionKind::Other => text(EditableSection::Other)?,
            _ => String::new(),
        };
        sections.push(Section { kind, heading: kind.heading().to_string(), text: body, origin });
    }
    Ok(Report {
        meta: Meta {
            agency: Some(agency.to_string()),
            year: Some(who.year as u16),
            template: Some(Template::Y2021),
            title: Some(format!("{agency}{}年政府信息公开工作年度报告", who.year)),
        },
        preamble: text(EditableSection::Preamble)?,
        sections,
        ..Report::of_cells(who.year, Template::Y2021, cells)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn doc(kind: DocumentKind, issued: Date, repealed: Option<Date>) -> Document {
        Document { kind, title: "关于…的办法".into(), number: String::new(), issued, repealed }
    }

    fn key(k: &str) -> CellKey {
        k.parse().unwrap()
    }

    #[test]
    fn documents_count_in_the_years_of_their_dates() {
        let docs = [
            doc(DocumentKind::Normative, date(2022, 5, 1), None),
            doc(DocumentKind::Normative, date(2023, 3, 1), Some(date(2023, 12, 31))),
            doc(DocumentKind::Normative, date(2021, 1, 4), Some(date(2024, 1, 1))),
            doc(DocumentKind::Regulation, date(2023, 12, 31), None),
        ];
        let t = table2(2023, &docs, None);
        assert_eq!(t[&key("t2.normative.issued")], Number::int(1));
        assert_eq!(t[&key("t2.normative.repealed")], Number::int(1));
        // 2022's, and 2021's repealed only in 2024.
        assert_eq!(t[&key("t2.normative.in_force")], Number::int(2));
        assert_eq!(t[&key("t2.regulation.in_force")], Number::int(1));
        assert!(!t.contains_key(&key("t2.licensing.decisions")), "no art. 20 figures recorded, no cells");
    }

    #[test]
    fn a_case_counts_while_open_and_with_its_result_in_the_year_it_ends() {
        let case = |received, decided| Case { kind: CaseKind::Review, received, summary: String::new(), decided };
        let cases = [
            case(date(2023, 11, 2), Some((date(2024, 2, 1), CaseResult::Corrected))),
            case(date(2023, 3, 2), Some((date(2023, 6, 1), CaseResult::Upheld))),
            case(date(2024, 3, 2), None),
        ];
        let y23 = table4(2023, &cases);
        assert_eq!(y23[&key("t4.review.pending")], Number::int(1));
        assert_eq!(y23[&key("t4.review.upheld")], Number::int(1));
        assert_eq!(y23[&key("t4.review.total")], Number::int(2));
        let y24 = table4(2024, &cases);
        assert_eq!(y24[&key("t4.review.corrected")], Number::int(1));
        assert_eq!(y24[&key("t4.review.pending")], Number::int(1));
        assert_eq!(y24[&key("t4.review.total")], Number::int(2));
        assert_eq!(y24[&key("t4.suit_direct.total")], Number::int(0));
    }

    #[test]
    fn percentages_round_half_up_to_one_decimal() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(1, 8), "12.5%");
        assert_eq!(percent(1, 16), "6.3%");
        assert_eq!(percent(5, 5), "100.0%");
        assert_eq!(percent(0, 0), "0%");
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_refused() {
        let v: BTreeMap<&'static str, String> = [("年度", "2024".to_string())].into_iter().collect();
        assert_eq!(fill("{年度}年，{ 年度 }", &v, "一").unwrap(), "2024年，2024");
        assert_eq!(
            fill("{新收}", &v, "一"),
            Err(DraftError::UnknownPlaceholder { section: "一", name: "新收".into() })
        );
        assert_eq!(fill("共{年度", &v, "一"), Err(DraftError::UnclosedPlaceholder { section: "一" }));
        for s in EditableSection::ALL {
            validate_text(s, s.default_text()).unwrap();
        }
        assert!(validate_text(EditableSection::Overview, "{收到}").unwrap_err().to_string().contains("{收到}"));
    }

    #[test]
    fn years_before_the_2021_template_are_refused() {
        let r = Records {
            agency: "某局".into(),
            year: 2020,
            table3: BTreeMap::new(),
            documents: Vec::new(),
            art20: None,
            cases: Vec::new(),
            processing_fees_yuan: 0,
            texts: BTreeMap::new(),
        };
        assert_eq!(draft(&r).unwrap_err(), DraftError::UnsupportedYear(2020));
    }
}
