//! The checker: the rules an auditor applies to an annual report, over the
//! report model (it never re-reads text). Every diagnostic names its rule,
//! its severity, the cells involved and the arithmetic, in Chinese with an
//! English gloss.
//!
//! A rule only judges cells the report shows: a cell the reader could not
//! read, or a row a fragment cuts off, is reported as missing, never as an
//! arithmetic error.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::cells::{ApplicantColumn, CellKey, Outcome, T2Column, T2Row, T3Row, T4Column, T4Group, Template};
use crate::model::{Number, Report, SectionKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The numbers cannot all be true.
    Error,
    /// Implausible, or the report is incomplete in a way that is not an error of arithmetic.
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    /// Chinese, for the clerk who fixes the report.
    pub message: String,
    /// The same in English.
    pub gloss: String,
    /// The cells involved.
    pub cells: Vec<CellKey>,
    /// The arithmetic that fails, e.g. `5 + 0 ≠ 4 + 0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arithmetic: Option<String>,
    /// The sentence a prose figure was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentence: Option<String>,
}

/// A rule: stable id, severity, what it checks.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub gloss: &'static str,
    run: fn(&Ctx, &mut Vec<Diagnostic>),
}

/// What a rule sees.
struct Ctx<'a> {
    report: &'a Report,
    previous: Option<&'a Report>,
    /// Cells the reader saw but could not read with certainty.
    unreadable: BTreeSet<CellKey>,
}

impl Ctx<'_> {
    fn v(&self, k: CellKey) -> Option<Number> {
        self.report.value(k)
    }
    fn template(&self) -> Template {
        self.report.meta.template.unwrap_or(Template::Y2021)
    }
}

/// Every rule, in the order diagnostics are reported.
pub static RULES: &[Rule] = &[
    Rule {
        id: "structure.section",
        severity: Severity::Error,
        title: "六个部分齐全且顺序正确",
        gloss: "The six sections are present, in order",
        run: structure_sections,
    },
    Rule {
        id: "structure.table-missing",
        severity: Severity::Error,
        title: "表二、表三、表四齐全",
        gloss: "Tables 二, 三 and 四 are present",
        run: structure_tables,
    },
    Rule {
        id: "structure.row-missing",
        severity: Severity::Error,
        title: "每张表包含模板的全部行",
        gloss: "Every table has every row of its template",
        run: structure_rows,
    },
    Rule {
        id: "read.uncertain",
        severity: Severity::Warning,
        title: "数字无法确定地读取（如数字粘连）",
        gloss: "Cells the reader could not read with certainty (e.g. glued digits)",
        run: read_uncertain,
    },
    Rule {
        id: "read.split-by-identity",
        severity: Severity::Info,
        title: "粘连的数字按合计关系拆分（其中的算术错误无法发现）",
        gloss: "Glued digits split by the identities (arithmetic errors in them cannot show)",
        run: read_split,
    },
    Rule {
        id: "structure.title-year",
        severity: Severity::Warning,
        title: "标题写明统计年度",
        gloss: "The title states the statistics year",
        run: title_year,
    },
    Rule {
        id: "structure.period-year",
        severity: Severity::Error,
        title: "统计期限与报告年度一致",
        gloss: "The statistics period is the report's year",
        run: period_year,
    },
    Rule {
        id: "structure.template",
        severity: Severity::Warning,
        title: "2021年起应使用2021版模板",
        gloss: "Reports from 2021 on use the 2021 template",
        run: template_year,
    },
    Rule {
        id: "t2.negative",
        severity: Severity::Error,
        title: "表二数量不为负数",
        gloss: "Table 二 counts are not negative",
        run: t2_negative,
    },
    Rule {
        id: "t2.published-exceeds-total",
        severity: Severity::Warning,
        title: "本年新公开数量不超过对外公开总数量（2019版）",
        gloss: "Newly published ≤ total published (2019 template)",
        run: t2_published,
    },
    Rule {
        id: "t3.row-sum",
        severity: Severity::Error,
        title: "表三每行：总计 = 六类申请人之和",
        gloss: "Table 三, each row: total = sum of the six applicant columns",
        run: t3_row_sum,
    },
    Rule {
        id: "t3.balance",
        severity: Severity::Error,
        title: "表三每列：一 + 二 = 三（七）总计 + 四",
        gloss: "Table 三, each column: new + carried over = total answered + carried forward",
        run: t3_balance,
    },
    Rule {
        id: "t3.outcomes-sum",
        severity: Severity::Error,
        title: "表三每列：（七）总计 = （一）至（六）各项之和",
        gloss: "Table 三, each column: total = sum of the outcome rows",
        run: t3_outcomes,
    },
    Rule {
        id: "t4.group-sum",
        severity: Severity::Error,
        title: "表四：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
        gloss: "Table 四, each group: total = upheld + corrected + other + pending",
        run: t4_groups,
    },
    Rule {
        id: "prose.count",
        severity: Severity::Error,
        title: "正文所述件数与表格一致",
        gloss: "Counts stated in the text agree with the tables",
        run: prose_counts,
    },
    Rule {
        id: "prose.percent",
        severity: Severity::Error,
        title: "正文所述百分比与表格一致",
        gloss: "Percentages stated in the text agree with the tables",
        run: prose_percents,
    },
    Rule {
        id: "prose.t2",
        severity: Severity::Error,
        title: "正文所述表二数字可由表中印出的数字得出",
        gloss: "A table 二 figure the text states can be read from the digits the table prints",
        run: prose_t2,
    },
    Rule {
        id: "cross.carry-over",
        severity: Severity::Error,
        title: "上年结转 = 上一年度报告的结转下年度继续办理",
        gloss: "Carried over = last year's carried forward",
        run: cross_carry,
    },
    Rule {
        id: "cross.in-force",
        severity: Severity::Warning,
        title: "现行有效件数 = 上年现行有效 + 本年制发 − 本年废止",
        gloss: "In force = last year's in force + issued − repealed",
        run: cross_in_force,
    },
];

/// Checks a report (and, with `previous`, the same agency's report of the year before).
pub fn check(report: &Report, previous: Option<&Report>) -> Vec<Diagnostic> {
    let unreadable = report.notes.iter().filter(|n| n.cells_left_out()).flat_map(|n| n.cells.iter().copied()).collect();
    let ctx = Ctx { report, previous, unreadable };
    let mut out = Vec::new();
    for r in RULES {
        (r.run)(&ctx, &mut out);
    }
    out
}

fn diag(rule: &'static str, cells: Vec<CellKey>, message: String, gloss: String) -> Diagnostic {
    let severity = RULES.iter().find(|r| r.id == rule).map_or(Severity::Error, |r| r.severity);
    Diagnostic { rule, severity, message, gloss, cells, arithmetic: None, sentence: None }
}

fn sum(vals: &[Number]) -> Number {
    vals.iter().fold(Number::ZERO, |a, &b| a.checked_add(b).unwrap_or(a))
}

fn plus(vals: &[Number]) -> String {
    let v: Vec<String> = vals.iter().map(Number::to_string).collect();
    v.join(" + ")
}

/// Values of all keys, or None if any is not shown.
fn all(ctx: &Ctx, keys: &[CellKey]) -> Option<Vec<Number>> {
    keys.iter().map(|&k| ctx.v(k)).collect()
}

fn col_name(c: ApplicantColumn) -> &'static str {
    c.label()
}

// ---- structure ----

fn structure_sections(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let found: Vec<SectionKind> = ctx.report.sections.iter().map(|s| s.kind).collect();
    let missing: Vec<&str> = SectionKind::ALL.iter().filter(|k| !found.contains(k)).map(|k| k.heading()).collect();
    if !missing.is_empty() {
        out.push(diag(
            "structure.section",
            vec![],
            format!("缺少部分：{}", missing.join("、")),
            format!("{} section(s) missing", missing.len()),
        ));
    }
}

fn has_table(ctx: &Ctx, table: u8) -> bool {
    ctx.report
        .cells
        .keys()
        .chain(ctx.unreadable.iter())
        .any(|k| matches!((table, k), (2, CellKey::T2(..)) | (3, CellKey::T3(..)) | (4, CellKey::T4(..))))
}

fn structure_tables(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let names = [
        (2, "表二（主动公开政府信息情况）"),
        (3, "表三（收到和处理政府信息公开申请情况）"),
        (4, "表四（行政复议、行政诉讼情况）"),
    ];
    for (t, name) in names {
        if !has_table(ctx, t) {
            let why = if t == 2 && ctx.report.meta.template.is_none() { "（模板无法识别）" } else { "" };
            out.push(diag(
                "structure.table-missing",
                vec![],
                format!("未找到{name}{why}：表格缺失、以图片发布或报告不完整"),
                format!("table {t} not found"),
            ));
        }
    }
}

/// Rows of the template whose cells are neither shown nor noted as unreadable.
fn structure_rows(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(template) = ctx.report.meta.template else { return };
    // A 2021 report that printed the old single （六） row is not missing its sub-rows.
    let unsplit = ctx.report.cells.keys().any(|k| matches!(k, CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), _)));
    let mut by_table: [(u8, Vec<String>, Vec<CellKey>); 3] =
        [(2, vec![], vec![]), (3, vec![], vec![]), (4, vec![], vec![])];
    // A row of any table; its label is only built when the row is missing.
    enum Row {
        T2(T2Row),
        T3(T3Row),
        T4(T4Group),
    }
    let label = |r: &Row| match r {
        Row::T2(r) => r.label().to_string(),
        Row::T3(r) => r.label(),
        Row::T4(g) => g.label().to_string(),
    };
    let mut rows: Vec<(u8, Row, Vec<CellKey>)> = Vec::new();
    for (row, cols) in T2Row::layout(template) {
        rows.push((2, Row::T2(*row), cols.iter().map(|&c| CellKey::T2(*row, c)).collect()));
    }
    let mut t3 = T3Row::rows(template);
    if unsplit && template == Template::Y2021 {
        t3.retain(|r| !matches!(r, T3Row::Outcome(Outcome::Other(_))));
        let at = t3.iter().position(|r| *r == T3Row::Total).unwrap_or(t3.len());
        t3.insert(at, T3Row::Outcome(Outcome::OtherUnsplit));
    }
    for row in t3 {
        rows.push((3, Row::T3(row), ApplicantColumn::ALL.iter().map(|&c| CellKey::T3(row, c)).collect()));
    }
    for &g in T4Group::ALL {
        rows.push((4, Row::T4(g), T4Column::ALL.iter().map(|&c| CellKey::T4(g, c)).collect()));
    }
    // Asked once per table, not per row (each asking walks the cells).
    let shown = [2, 3, 4].map(|t| has_table(ctx, t));
    for (t, row, keys) in rows {
        if !shown[(t - 2) as usize] {
            continue; // reported as a missing table
        }
        let absent: Vec<CellKey> =
            keys.iter().copied().filter(|k| !ctx.report.cells.contains_key(k) && !ctx.unreadable.contains(k)).collect();
        if !absent.is_empty() {
            let slot = &mut by_table[(t - 2) as usize];
            let partial = absent.len() < keys.len();
            slot.1.push(if partial { format!("{}（部分单元格）", label(&row)) } else { label(&row) });
            slot.2.extend(absent);
        }
    }
    for (t, labels, cells) in by_table {
        if !labels.is_empty() {
            out.push(diag(
                "structure.row-missing",
                cells,
                format!("表{}缺少 {} 行：{}", ["二", "三", "四"][(t - 2) as usize], labels.len(), labels.join("、")),
                format!("table {t}: {} row(s) missing", labels.len()),
            ));
        }
    }
}

fn read_uncertain(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for n in ctx.report.notes.iter().filter(|n| !n.cells.is_empty() && n.cells_left_out()) {
        out.push(diag("read.uncertain", n.cells.clone(), n.message.clone(), "cells not read with certainty".into()));
    }
}

fn read_split(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for n in ctx.report.notes.iter().filter(|n| !n.cells.is_empty() && !n.cells_left_out()) {
        out.push(diag(
            "read.split-by-identity",
            n.cells.clone(),
            n.message.clone(),
            "glued digits were split by the template's identities; an error in them cannot show".into(),
        ));
    }
}

static TITLE_YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new("(?:19|20)\\d\\d").expect("year"));
static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("统计(?:期限|时限|区间|时间|期间)?[^。\\n]{0,12}?((?:19|20)\\d\\d) ?年 ?1 ?月 ?1 ?日").expect("period")
});

fn title_year(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    if let Some(t) = &ctx.report.meta.title {
        if !TITLE_YEAR.is_match(t) {
            out.push(diag(
                "structure.title-year",
                vec![],
                format!("标题“{t}”未写明统计年度"),
                "title lacks the year".into(),
            ));
        }
    }
}

fn period_year(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(year) = ctx.report.meta.year else { return };
    let texts = std::iter::once(ctx.report.preamble.as_str())
        .chain(ctx.report.sections.iter().flat_map(|s| [s.heading.as_str(), s.text.as_str()]));
    {
        for text in texts {
            if let Some(c) = PERIOD.captures(text) {
                if let Ok(y) = c[1].parse::<u16>() {
                    if y != year {
                        let mut d = diag(
                            "structure.period-year",
                            vec![],
                            format!("统计期限写的是 {y} 年，而报告年度为 {year} 年（可能沿用了上一年的文字）"),
                            format!("statistics period says {y}, report year is {year}"),
                        );
                        d.sentence = Some(sentence_around(text, c.get(0).expect("m").start()));
                        out.push(d);
                    }
                }
                return;
            }
        }
    }
}

fn template_year(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    if let (Some(Template::Y2019), Some(y)) = (ctx.report.meta.template, ctx.report.meta.year) {
        if y >= 2021 {
            out.push(diag(
                "structure.template",
                vec![],
                format!("{y} 年度报告仍使用 2019 版模板（国办公开办函〔2019〕60号），应使用 2021 版（国办公开办函〔2021〕30号）"),
                "2019 template used for a 2021+ report".into(),
            ));
        }
    }
}

// ---- table 二 ----

fn t2_negative(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (&k, c) in &ctx.report.cells {
        if matches!(k, CellKey::T2(..)) && !k.may_be_negative() && c.value.is_negative() {
            out.push(diag("t2.negative", vec![k], format!("表二 {k} 为负数 {}", c.value), format!("{k} is negative")));
        }
    }
}

fn t2_published(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    if ctx.report.meta.template != Some(Template::Y2019) {
        return;
    }
    for row in [T2Row::Regulation, T2Row::Normative] {
        let (p, t) = (CellKey::T2(row, T2Column::Published), CellKey::T2(row, T2Column::TotalPublished));
        if let (Some(pv), Some(tv)) = (ctx.v(p), ctx.v(t)) {
            if pv > tv {
                let mut d = diag(
                    "t2.published-exceeds-total",
                    vec![p, t],
                    format!("表二“{}”本年新公开数量 {pv} 大于对外公开总数量 {tv}", row.label()),
                    format!("{}: published {pv} > total {tv}", row.key()),
                );
                d.arithmetic = Some(format!("{pv} > {tv}"));
                out.push(d);
            }
        }
    }
}

// ---- table 三 ----

fn t3_rows_shown(ctx: &Ctx) -> Vec<T3Row> {
    let mut rows: Vec<T3Row> =
        ctx.report.cells.keys().filter_map(|k| if let CellKey::T3(r, _) = k { Some(*r) } else { None }).collect();
    rows.dedup();
    rows
}

/// `parts` against their `total`, when all are shown and disagree: the cells
/// (parts then total), the parts' sum, the total, and the arithmetic (for a
/// long list, zero parts left out, so that it reads `4 + 1 + 1 = 6 ≠ 5`).
fn parts_vs_total(ctx: &Ctx, parts: &[CellKey], total: CellKey) -> Option<(Vec<CellKey>, Number, Number, String)> {
    let (Some(v), Some(t)) = (all(ctx, parts), ctx.v(total)) else { return None };
    let s = sum(&v);
    if s == t {
        return None;
    }
    let nonzero: Vec<Number> = v.iter().copied().filter(|n| *n != Number::ZERO).collect();
    let shown = if v.len() <= 6 {
        plus(&v)
    } else if nonzero.is_empty() {
        "0".into()
    } else {
        plus(&nonzero)
    };
    let mut cells = parts.to_vec();
    cells.push(total);
    Some((cells, s, t, format!("{shown} = {s} ≠ {t}")))
}

/// Rows the reader left out because every split of their glued digits breaks
/// the row's sums: an error of the printed table, whatever the split.
fn inconsistent_rows(ctx: &Ctx, rule: &'static str, table: u8, out: &mut Vec<Diagnostic>) {
    for n in ctx.report.notes.iter().filter(|n| n.code == "read.inconsistent-row") {
        let in_table = n.cells.first().is_some_and(|k| match k {
            CellKey::T3(..) => table == 3,
            CellKey::T4(..) => table == 4,
            CellKey::T2(..) => false,
        });
        if in_table {
            out.push(diag(rule, n.cells.clone(), n.message.clone(), "no split of the glued digits adds up".into()));
        }
    }
}

fn t3_row_sum(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    inconsistent_rows(ctx, "t3.row-sum", 3, out);
    for row in t3_rows_shown(ctx) {
        let parts: Vec<CellKey> = ApplicantColumn::KINDS.iter().map(|&c| CellKey::T3(row, c)).collect();
        let Some((cells, s, t, arithmetic)) = parts_vs_total(ctx, &parts, CellKey::T3(row, ApplicantColumn::Total))
        else {
            continue;
        };
        let mut d = diag(
            "t3.row-sum",
            cells,
            format!("表三“{}”行：六类申请人之和为 {s}，总计栏却为 {t}", row.label()),
            format!("table 三 row {}: applicant columns sum to {s}, total says {t}", row.key()),
        );
        d.arithmetic = Some(arithmetic);
        out.push(d);
    }
}

fn t3_balance(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for &c in ApplicantColumn::ALL {
        let keys = [T3Row::New, T3Row::CarriedOver, T3Row::Total, T3Row::CarryForward].map(|r| CellKey::T3(r, c));
        let Some(v) = all(ctx, &keys) else { continue };
        let (lhs, rhs) = (sum(&v[..2]), sum(&v[2..]));
        if lhs != rhs {
            let mut d = diag(
                "t3.balance",
                keys.to_vec(),
                format!(
                    "表三“{}”栏：本年新收 {} + 上年结转 {} = {lhs}，而办理结果总计 {} + 结转下年度 {} = {rhs}",
                    col_name(c),
                    v[0],
                    v[1],
                    v[2],
                    v[3]
                ),
                format!("table 三 column {}: new + carried over = {lhs}, answered + carried forward = {rhs}", c.key()),
            );
            d.arithmetic = Some(format!("{} + {} ≠ {} + {}", v[0], v[1], v[2], v[3]));
            out.push(d);
        }
    }
}

fn t3_outcomes(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let shown = t3_rows_shown(ctx);
    let unsplit = shown.contains(&T3Row::Outcome(Outcome::OtherUnsplit));
    let template = if unsplit { Template::Y2019 } else { ctx.template() };
    let outcomes: Vec<T3Row> = T3Row::outcomes(template).into_iter().map(T3Row::Outcome).collect();
    for &c in ApplicantColumn::ALL {
        let keys: Vec<CellKey> = outcomes.iter().map(|&r| CellKey::T3(r, c)).collect();
        let Some((cells, s, t, arithmetic)) = parts_vs_total(ctx, &keys, CellKey::T3(T3Row::Total, c)) else {
            continue;
        };
        let mut d = diag(
            "t3.outcomes-sum",
            cells,
            format!("表三“{}”栏：（一）至（六）各项之和为 {s}，（七）总计却为 {t}", col_name(c)),
            format!("table 三 column {}: outcome rows sum to {s}, total says {t}", c.key()),
        );
        d.arithmetic = Some(arithmetic);
        out.push(d);
    }
}

// ---- table 四 ----

fn t4_groups(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    inconsistent_rows(ctx, "t4.group-sum", 4, out);
    for &g in T4Group::ALL {
        let parts: Vec<CellKey> = T4Column::ALL[..4].iter().map(|&c| CellKey::T4(g, c)).collect();
        let Some((cells, s, t, arithmetic)) = parts_vs_total(ctx, &parts, CellKey::T4(g, T4Column::Total)) else {
            continue;
        };
        let mut d = diag(
            "t4.group-sum",
            cells,
            format!("表四“{}”：结果维持、结果纠正、其他结果、尚未审结之和为 {s}，总计却为 {t}", g.label()),
            format!("table 四 {}: parts sum to {s}, total says {t}", g.key()),
        );
        d.arithmetic = Some(arithmetic);
        out.push(d);
    }
}

// ---- prose against tables ----

/// A figure the text states, and the cells it must equal (any of the alternatives).
struct Claim {
    what: &'static str,
    re: &'static LazyLock<Regex>,
    /// Alternatives: the claim holds if it equals the sum of any one list.
    cells: fn(Template) -> Vec<Vec<CellKey>>,
}

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pat).expect("prose pattern"));
    };
}

/// Digits are `[0-9]`, not `\d`: the text is already folded to ASCII digits,
/// and Unicode `\d` makes each pattern take twice as long to build (the
/// build is most of what checking the first report in a process costs).
///
/// Requests are counted in 件; disputes also in 起/宗. "不予公开21条" counts
/// documents, not requests, and is not a claim about table 三.
const UNIT: &str = "件";
const CASES: &str = "(?:件|起|宗)";
const DOCS: &str = "(?:件|个|条|份)";
re!(RE_RECEIVED, &format!("(?:收到|受理|新收|接收|接到)[^。；，,:：]{{0,16}}?申请[^。；，,0-9]{{0,4}}?([0-9]+){UNIT}"));
re!(RE_ANSWERED, &format!("(?:办结|答复|办理完毕|已答复)[^。；，,0-9]{{0,6}}?([0-9]+){UNIT}"));
re!(RE_GRANTED, &format!("予以公开([0-9]+){UNIT}"));
re!(RE_PARTIAL, &format!("部分公开([0-9]+){UNIT}"));
re!(RE_GRANTED_PARTIAL, &format!("予以公开(?:及|和|与|、)部分公开([0-9]+){UNIT}"));
re!(RE_DENIED, &format!("不予(?:以)?公开([0-9]+){UNIT}"));
re!(RE_UNAVAILABLE, &format!("无法提供([0-9]+){UNIT}"));
re!(RE_NOT_PROCESSED, &format!("不予处理([0-9]+){UNIT}"));
re!(RE_CARRY, &format!("结转(?:至|到)?(?:(?:19|20)[0-9][0-9]年度?)?(?:下一?年度?)?(?:继续办理)?([0-9]+){UNIT}"));
re!(RE_REVIEW, &format!("行政复议(?:案件)?(?:共)?([0-9]+){CASES}"));
re!(RE_SUIT, &format!("行政诉讼(?:案件)?(?:共)?([0-9]+){CASES}"));
re!(RE_ISSUED, &format!("(?:制发|印发|出台)(?:了)?(?:行政)?规范性文件([0-9]+){DOCS}"));
re!(RE_IN_FORCE, &format!("现行有效(?:的)?(?:行政)?规范性文件(?:共)?([0-9]+){DOCS}"));

fn t3_sum(t: Template, pick: fn(&Outcome) -> bool) -> Vec<CellKey> {
    T3Row::outcomes(t)
        .into_iter()
        .filter(pick)
        .map(|o| CellKey::T3(T3Row::Outcome(o), ApplicantColumn::Total))
        .collect()
}

fn tot(r: T3Row) -> CellKey {
    CellKey::T3(r, ApplicantColumn::Total)
}

static CLAIMS: &[Claim] = &[
    // Some agencies count last year's carried-over requests as received.
    Claim {
        what: "收到申请",
        re: &RE_RECEIVED,
        cells: |_| vec![vec![tot(T3Row::New)], vec![tot(T3Row::New), tot(T3Row::CarriedOver)]],
    },
    Claim { what: "办结/答复", re: &RE_ANSWERED, cells: |_| vec![vec![tot(T3Row::Total)]] },
    Claim { what: "予以公开", re: &RE_GRANTED, cells: |_| vec![vec![tot(T3Row::Outcome(Outcome::Granted))]] },
    Claim { what: "部分公开", re: &RE_PARTIAL, cells: |_| vec![vec![tot(T3Row::Outcome(Outcome::Partial))]] },
    Claim {
        what: "予以公开及部分公开",
        re: &RE_GRANTED_PARTIAL,
        cells: |_| vec![vec![tot(T3Row::Outcome(Outcome::Granted)), tot(T3Row::Outcome(Outcome::Partial))]],
    },
    Claim { what: "不予公开", re: &RE_DENIED, cells: |t| vec![t3_sum(t, |o| matches!(o, Outcome::Denied(_)))] },
    Claim {
        what: "无法提供",
        re: &RE_UNAVAILABLE,
        cells: |t| vec![t3_sum(t, |o| matches!(o, Outcome::Unavailable(_)))],
    },
    Claim {
        what: "不予处理",
        re: &RE_NOT_PROCESSED,
        cells: |t| vec![t3_sum(t, |o| matches!(o, Outcome::NotProcessed(_)))],
    },
    Claim {
        what: "结转下年度",
        re: &RE_CARRY,
        cells: |_| vec![vec![tot(T3Row::CarryForward)], vec![tot(T3Row::CarriedOver)]],
    },
    Claim {
        what: "行政复议", re: &RE_REVIEW, cells: |_| vec![vec![CellKey::T4(T4Group::Review, T4Column::Total)]]
    },
    Claim {
        what: "行政诉讼",
        re: &RE_SUIT,
        cells: |_| {
            vec![vec![
                CellKey::T4(T4Group::SuitDirect, T4Column::Total),
                CellKey::T4(T4Group::SuitAfterReview, T4Column::Total),
            ]]
        },
    },
    Claim {
        what: "制发规范性文件",
        re: &RE_ISSUED,
        cells: |_| {
            vec![
                vec![CellKey::T2(T2Row::Normative, T2Column::Issued)],
                vec![CellKey::T2(T2Row::Normative, T2Column::Made)],
            ]
        },
    },
    Claim {
        what: "现行有效规范性文件",
        re: &RE_IN_FORCE,
        cells: |_| {
            vec![
                vec![CellKey::T2(T2Row::Normative, T2Column::InForce)],
                vec![CellKey::T2(T2Row::Normative, T2Column::TotalPublished)],
            ]
        },
    },
];

/// The prose that states the year's figures: 一、总体情况 (where reports
/// summarize), without any table text glued into it.
fn prose<'a>(ctx: &Ctx<'a>) -> Vec<&'a str> {
    ctx.report.sections.iter().filter(|s| s.kind == SectionKind::Overview).map(|s| s.text.as_str()).collect()
}

fn sentence_around(text: &str, at: usize) -> String {
    let start =
        text[..at].rfind(['。', '；', '\n']).map_or(0, |p| p + text[p..].chars().next().map_or(1, char::len_utf8));
    let end = text[at..]
        .find(['。', '；', '\n'])
        .map_or(text.len(), |p| at + p + text[at + p..].chars().next().map_or(0, char::len_utf8));
    text[start..end].trim().to_string()
}

/// Whether the figure at `start..end` is the year's own figure of the claim,
/// not last year's ("较去年…8件"), a sub-count ("其中网上申请3件"), another
/// matter ("受理行政复议申请0件"), or part of a longer phrase ("不予以公开").
fn is_this_years_figure(claim: &Claim, text: &str, start: usize, end: usize, year: Option<u16>) -> bool {
    let before = &text[..start];
    let clause_start = before
        .rfind(['，', ',', '；', ';', '。', '\n', '：', ':'])
        .map_or(0, |p| p + before[p..].chars().next().map_or(1, char::len_utf8));
    let clause = &text[clause_start..end];
    const OTHER_YEAR: [&str; 7] = ["去年", "上年", "上一年", "同比", "较", "比上", "往年"];
    if OTHER_YEAR.iter().any(|w| clause.contains(w)) {
        return false;
    }
    // "2022年收到申请9件" in a 2023 report.
    if TITLE_YEAR
        .find_iter(clause)
        .any(|m| clause[m.end()..].starts_with('年') && m.as_str().parse::<u16>().ok() != year)
    {
        return false;
    }
    // "不予以公开" is not 予以公开; "予以公开及部分公开42件" is one claim about both rows.
    if before.ends_with(['不', '及', '和', '与', '、']) {
        return false;
    }
    if matches!(claim.what, "收到申请" | "办结/答复") {
        const SUB: [&str; 15] = [
            "其中",
            "延期",
            "网上",
            "当面",
            "信函",
            "来信",
            "传真",
            "邮件",
            "现场",
            "自然人",
            "企业",
            "法人",
            "复议",
            "诉讼",
            "电话",
        ];
        if SUB.iter().any(|w| clause.contains(w)) {
            return false;
        }
    }
    true
}

fn prose_counts(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let t = ctx.template();
    for text in prose(ctx) {
        for claim in CLAIMS {
            // A claim about last year ("上年结转…") or a sub-count is not this year's figure.
            for c in claim.re.captures_iter(text) {
                let m = c.get(0).expect("match");
                let Ok(stated) = c[1].parse::<Number>() else { continue };
                if !is_this_years_figure(claim, text, m.start(), m.end(), ctx.report.meta.year) {
                    continue;
                }
                let alts = (claim.cells)(t);
                let mut known = Vec::new();
                for keys in &alts {
                    if let Some(v) = all(ctx, keys) {
                        known.push((keys.clone(), sum(&v), v));
                    }
                }
                if known.is_empty() || known.iter().any(|(_, s, _)| *s == stated) {
                    continue;
                }
                let (keys, s, v) = known.swap_remove(0);
                let shown = if v.len() > 1 { format!("{} = {s}", plus(&v)) } else { s.to_string() };
                let mut d = diag(
                    "prose.count",
                    keys,
                    format!("正文称“{}”{stated}，表格为 {shown}", claim.what),
                    format!("the text says {} {stated}, the table says {s}", claim.what),
                );
                d.arithmetic = Some(format!("{stated} ≠ {s}"));
                d.sentence = Some(sentence_around(text, m.start()));
                out.push(d);
            }
        }
    }
}

re!(RE_PERCENT, "(予以公开|部分公开|不予公开|无法提供|不予处理|其他处理)([0-9]+)(?:件|个|条)[,，、]?(?:占|比例为|占比)?(?:总数的|比例为)?([0-9]+(?:\\.[0-9]+)?)%");

/// The 总计 cells of the rows a percentage's count is about ("予以公开4件" →
/// `t3.granted.total`; a group → its sub-rows' totals).
fn numerator_cells(template: Template, word: &str) -> Vec<CellKey> {
    let rows = T3Row::outcomes(template);
    let of = |f: fn(&Outcome) -> bool| -> Vec<CellKey> {
        rows.iter().filter(|o| f(o)).map(|&o| tot(T3Row::Outcome(o))).collect()
    };
    match word {
        "予以公开" => vec![tot(T3Row::Outcome(Outcome::Granted))],
        "部分公开" => vec![tot(T3Row::Outcome(Outcome::Partial))],
        "不予公开" => of(|o| matches!(o, Outcome::Denied(_))),
        "无法提供" => of(|o| matches!(o, Outcome::Unavailable(_))),
        "不予处理" => of(|o| matches!(o, Outcome::NotProcessed(_))),
        "其他处理" => of(|o| matches!(o, Outcome::Other(_) | Outcome::OtherUnsplit)),
        _ => vec![],
    }
}

fn prose_percents(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let bases = [tot(T3Row::Total), tot(T3Row::New)];
    for text in prose(ctx) {
        for c in RE_PERCENT.captures_iter(text) {
            let (Ok(count), Ok(pct)) = (c[2].parse::<f64>(), c[3].parse::<f64>()) else { continue };
            let decimals = c[3].split_once('.').map_or(0, |(_, f)| f.len()) as i32;
            // Within the rounding of the printed percentage (at least half a point).
            let tolerance = (0.5 * 10f64.powi(-decimals)).max(0.5) + 1e-9;
            let mut tried = Vec::new();
            let mut ok = false;
            for b in bases {
                if let Some(base) = ctx.v(b).and_then(|n| n.to_string().parse::<f64>().ok()).filter(|b| *b > 0.0) {
                    let actual = count * 100.0 / base;
                    tried.push((b, base, actual));
                    ok |= (actual - pct).abs() <= tolerance;
                }
            }
            if ok || tried.is_empty() {
                continue;
            }
            let (b, base, actual) = tried[0];
            let mut cells = numerator_cells(ctx.template(), &c[1]);
            cells.push(b);
            let mut d = diag(
                "prose.percent",
                cells,
                format!("正文称“{}{}件，占{}%”，按表格总计 {base} 计算应为 {actual:.1}%", &c[1], &c[2], &c[3]),
                format!("the text says {}%, the table gives {actual:.1}%", &c[3]),
            );
            d.arithmetic = Some(format!("{} ÷ {base} = {actual:.1}% ≠ {}%", &c[2], &c[3]));
            d.sentence = Some(sentence_around(text, c.get(0).expect("m").start()));
            out.push(d);
        }
    }
}

/// The text states a table 二 figure that no split of the row's glued digits
/// gives (found by the reader, which alone sees the digits).
fn prose_t2(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for n in ctx.report.notes.iter().filter(|n| n.code == "read.prose-contradicts") {
        out.push(diag(
            "prose.t2",
            n.cells.clone(),
            n.message.clone(),
            "the text states a figure no split of the glued row gives".into(),
        ));
    }
}

// ---- across years ----

fn cross_carry(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(prev) = ctx.previous else { return };
    for &c in ApplicantColumn::ALL {
        let now = CellKey::T3(T3Row::CarriedOver, c);
        let before = CellKey::T3(T3Row::CarryForward, c);
        if let (Some(a), Some(b)) = (ctx.v(now), prev.value(before)) {
            if a != b {
                let mut d = diag(
                    "cross.carry-over",
                    vec![now],
                    format!("表三“{}”栏：上年结转 {a}，而上一年度报告的结转下年度继续办理为 {b}", col_name(c)),
                    format!("carried over {a}, last year's report carried forward {b}"),
                );
                d.arithmetic = Some(format!("{a} ≠ {b}"));
                out.push(d);
            }
        }
    }
}

fn cross_in_force(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(prev) = ctx.previous else { return };
    if ctx.report.meta.template != Some(Template::Y2021) {
        return;
    }
    for row in [T2Row::Regulation, T2Row::Normative] {
        let k = |c| CellKey::T2(row, c);
        let last = prev.value(k(T2Column::InForce)).or_else(|| prev.value(k(T2Column::TotalPublished)));
        let (Some(last), Some(issued), Some(repealed), Some(now)) =
            (last, ctx.v(k(T2Column::Issued)), ctx.v(k(T2Column::Repealed)), ctx.v(k(T2Column::InForce)))
        else {
            continue;
        };
        let expected = last.checked_add(issued).and_then(|s| s.checked_sub(repealed));
        if let Some(e) = expected {
            if e != now {
                let mut d = diag(
                    "cross.in-force",
                    vec![k(T2Column::Issued), k(T2Column::Repealed), k(T2Column::InForce)],
                    format!("表二“{}”：上年现行有效 {last} + 本年制发 {issued} − 本年废止 {repealed} = {e}，本年现行有效却为 {now}", row.label()),
                    format!("{}: {last} + {issued} − {repealed} = {e}, in force says {now}", row.key()),
                );
                d.arithmetic = Some(format!("{last} + {issued} − {repealed} = {e} ≠ {now}"));
                out.push(d);
            }
        }
    }
}

/// Renders diagnostics like a compiler: `file: severity[rule]: message`.
pub fn render_text(file: &str, diags: &[Diagnostic]) -> String {
    let mut s = String::new();
    for d in diags {
        let _ = writeln!(s, "{file}: {}[{}]: {}", d.severity.as_str(), d.rule, d.message);
        if let Some(a) = &d.arithmetic {
            let _ = writeln!(s, "    = {a}");
        }
        if let Some(t) = &d.sentence {
            let _ = writeln!(s, "    正文：{t}");
        }
        if !d.cells.is_empty() {
            let keys: Vec<String> = d.cells.iter().take(8).map(ToString::to_string).collect();
            let more = if d.cells.len() > 8 { format!(" …（共 {} 个）", d.cells.len()) } else { String::new() };
            let _ = writeln!(s, "    单元格：{}{more}", keys.join(", "));
        }
        let _ = writeln!(s, "    ({})", d.gloss);
    }
    s
}
