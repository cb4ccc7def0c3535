//! The layout generator: consistent reports (every identity of the template
//! holds) printed the ways real sites, converters and archives print them.
//! Shared by `tests/layouts.rs` and the `layouts` fuzz target, which plant
//! the truth and assert the reader never prints a number that differs from it.
#![allow(dead_code)] // each user takes a part

use std::collections::BTreeMap;

use ogi_report::cells::{ApplicantColumn, CellKey, T2Column, T3Row, T4Column, T4Group, Template};
use ogi_report::layout::{self, GridCell};
use ogi_report::Number;

/// A small seeded generator (xorshift64*), so runs repeat exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    /// True with probability `pct` percent.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

pub type Truth = BTreeMap<CellKey, Number>;

/// A report to print: what it is and every cell of its template.
#[derive(Debug, Clone)]
pub struct Case {
    pub agency: String,
    pub year: u16,
    pub template: Template,
    pub cells: Truth,
}

impl Case {
    /// Whether （六）其他处理 has its three sub-rows.
    pub fn split_other(&self) -> bool {
        self.cells.keys().any(|k| matches!(k, CellKey::T3(T3Row::Outcome(ogi_report::cells::Outcome::Other(_)), _)))
    }
}

/// A count as real reports have them: mostly 0, some small, a few large.
fn count(rng: &mut Rng, zero_pct: u64) -> i64 {
    if rng.pct(zero_pct) {
        return 0;
    }
    match rng.below(100) {
        0..=59 => rng.range(1, 9),
        60..=84 => rng.range(10, 99),
        85..=96 => rng.range(100, 999),
        _ => rng.range(1000, 9999),
    }
}

fn amount(rng: &mut Rng) -> Number {
    match rng.below(4) {
        0 => Number::ZERO,
        1 => Number::int(rng.range(1, 999)),
        2 => Number::from_scaled(rng.range(1, 99_999) as i128, 1),
        _ => Number::from_scaled(rng.range(1, 99_999_999) as i128, rng.range(2, 6) as u8),
    }
}

/// A synthetic report consistent with every identity of its template.
pub fn synthetic(rng: &mut Rng) -> Case {
    let template = if rng.pct(70) { Template::Y2021 } else { Template::Y2019 };
    let year = match template {
        Template::Y2021 => rng.range(2021, 2025) as u16,
        Template::Y2019 => rng.range(2019, 2023) as u16,
    };
    let mut cells = Truth::new();
    // Table 二.
    for (row, cols) in T2Row::layout(template) {
        let mut vals: Vec<Number> = Vec::new();
        for &c in cols.iter() {
            let v = match c {
                T2Column::Amount => amount(rng),
                T2Column::Change => Number::int(if rng.pct(30) { -count(rng, 30).min(99) } else { count(rng, 50) }),
                _ => Number::int(count(rng, 40)),
            };
            vals.push(v);
        }
        // 2019: 本年新公开 ≤ 对外公开总数量.
        if template == Template::Y2019 && cols.contains(&T2Column::TotalPublished) {
            let (p, t) = (vals[1], vals[2]);
            if p > t {
                vals[1] = t;
                vals[2] = p;
            }
        }
        for (&c, v) in cols.iter().zip(vals) {
            cells.insert(CellKey::T2(*row, c), v);
        }
    }
    // Table 三, column by column.
    let outcomes = T3Row::outcomes(template);
    let mut totals: BTreeMap<T3Row, i64> = BTreeMap::new();
    for (ci, &col) in ApplicantColumn::KINDS.iter().enumerate() {
        // Most organisations' columns are empty.
        let active = ci == 0 || rng.pct(35);
        let zero = if ci == 0 { rng.range(40, 90) as u64 } else { 85 };
        let mut put = |row: T3Row, v: i64, cells: &mut Truth| {
            cells.insert(CellKey::T3(row, col), Number::int(v));
            *totals.entry(row).or_default() += v;
        };
        let mut sum = 0;
        for &o in &outcomes {
            let v = if active { count(rng, zero) } else { 0 };
            sum += v;
            put(T3Row::Outcome(o), v, &mut cells);
        }
        put(T3Row::Total, sum, &mut cells);
        let carried = if active { count(rng, 70).min(sum + 5) } else { 0 };
        let forward = if active { count(rng, 70) } else { 0 };
        // 一 + 二 = 总计 + 四.
        let (carried, new) =
            if sum + forward >= carried { (carried, sum + forward - carried) } else { (0, sum + forward) };
        put(T3Row::New, new, &mut cells);
        put(T3Row::CarriedOver, carried, &mut cells);
        put(T3Row::CarryForward, forward, &mut cells);
    }
    for (row, v) in totals {
        cells.insert(CellKey::T3(row, ApplicantColumn::Total), Number::int(v));
    }
    // Table 四.
    for &g in T4Group::ALL {
        let mut sum = 0;
        for &c in &T4Column::ALL[..4] {
            let v = count(rng, 75).min(99);
            sum += v;
            cells.insert(CellKey::T4(g, c), Number::int(v));
        }
        cells.insert(CellKey::T4(g, T4Column::Total), Number::int(sum));
    }
    let agency =
        rng.pick(&["某某市自然资源和规划局", "某县人民政府办公室", "某某区大钟庄镇人民政府", "某市公安局"]).to_string();
    Case { agency, year, template, cells }
}

use ogi_report::cells::T2Row;

/// Whether a case's cells satisfy every identity the reader may rely on
/// (corpus reports are kept only when they do).
pub fn consistent(case: &Case) -> bool {
    let v = |k: CellKey| case.cells.get(&k).and_then(|n| n.as_int());
    let rows = T3Row::rows(case.template);
    let mut ok = CellKey::all(case.template).iter().all(|k| case.cells.contains_key(k));
    for &row in &rows {
        let parts: Option<i64> = ApplicantColumn::KINDS.iter().map(|&c| v(CellKey::T3(row, c))).sum();
        ok &= parts == v(CellKey::T3(row, ApplicantColumn::Total));
    }
    for &col in ApplicantColumn::ALL {
        let g = |r| v(CellKey::T3(r, col)).unwrap_or(-1);
        ok &= g(T3Row::New) + g(T3Row::CarriedOver) == g(T3Row::Total) + g(T3Row::CarryForward);
        let s: i64 = T3Row::outcomes(case.template).iter().map(|&o| g(T3Row::Outcome(o))).sum();
        ok &= s == g(T3Row::Total);
    }
    for &g in T4Group::ALL {
        let s: Option<i64> = T4Column::ALL[..4].iter().map(|&c| v(CellKey::T4(g, c))).sum();
        ok &= s == v(CellKey::T4(g, T4Column::Total));
    }
    ok
}

/// A corpus expected-cells file as a case (None when it is not a whole report).
pub fn from_tsv(tsv: &str) -> Option<Case> {
    let mut cells = Truth::new();
    let (mut agency, mut year, mut template) = (None, None, None);
    for line in tsv.lines() {
        let (k, val) = line.split_once('\t')?;
        match k {
            "meta.agency" => agency = Some(val.to_string()),
            "meta.year" => year = val.parse().ok(),
            "meta.template" => template = val.parse().ok(),
            _ if k.starts_with("meta.") => {}
            _ => {
                cells.insert(k.parse().ok()?, val.parse().ok()?);
            }
        }
    }
    let case = Case { agency: agency?, year: year?, template: template?, cells };
    consistent(&case).then_some(case)
}

// ---------------------------------------------------------------- printing

/// One printed cell: its text, and the cell key when it is a number.
#[derive(Debug, Clone)]
pub struct PCell {
    pub text: String,
    pub key: Option<CellKey>,
    pub rowspan: u16,
    pub colspan: u16,
}

pub type PGrid = Vec<Vec<PCell>>;

fn fill(grid: Vec<Vec<GridCell>>, case: &Case) -> PGrid {
    grid.into_iter()
        .map(|row| {
            row.into_iter()
                .map(|c| match c {
                    GridCell::Text { text, rowspan, colspan } => PCell { text, key: None, rowspan, colspan },
                    GridCell::Value { key, colspan } => PCell {
                        text: case.cells.get(&key).map(|n| n.to_string()).unwrap_or_default(),
                        key: Some(key),
                        rowspan: 1,
                        colspan,
                    },
                })
                .collect()
        })
        .collect()
}

pub struct Tables {
    pub t2: PGrid,
    pub t3: PGrid,
    pub t4: PGrid,
}

pub fn tables(case: &Case) -> Tables {
    Tables {
        t2: fill(layout::table2(case.template), case),
        t3: fill(layout::table3(case.split_other()), case),
        t4: fill(layout::table4(), case),
    }
}

fn is_data(row: &[PCell]) -> bool {
    row.iter().any(|c| c.key.is_some())
}

/// The families of printing (issue 15 and the earlier rounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// A web page dumped as text, cells between ` | ` (the baseline).
    Pipes,
    /// A real HTML table with rowspan/colspan.
    Html,
    /// An archive that glued every cell of a table together.
    Glued,
    /// Blank cells printed for 0 and dropped by the dump (`| 3 | 3 |`).
    DroppedBlanks,
    /// Table 三 cut in two tables, the header repeated (text).
    SplitTables,
    /// Table 三 as two HTML tables.
    SplitTablesHtml,
    /// Table 四 as three small tables, one per group.
    T4PerGroup,
    /// Table 四 as three small HTML tables.
    T4PerGroupHtml,
    /// Every row of table 三 its own Markdown table with generic headers.
    MdPerRow,
    /// One cell per line with a stray `|` at the end.
    CellPerLine,
    /// PDF→text: long labels wrapped, parts before and after the numbers.
    Wrapped,
    /// PDF→text: the group labels of table 三 cut in two around their sub-rows.
    GroupCut,
    /// Rows of numbers without labels, in template order.
    Unlabeled,
    /// Page numbers (and a repeated header) inside the tables.
    PageBreaks,
    /// Full-width digits and bars.
    FullWidth,
}

impl Family {
    pub const ALL: [Family; 15] = [
        Family::Pipes,
        Family::Html,
        Family::Glued,
        Family::DroppedBlanks,
        Family::SplitTables,
        Family::SplitTablesHtml,
        Family::T4PerGroup,
        Family::T4PerGroupHtml,
        Family::MdPerRow,
        Family::CellPerLine,
        Family::Wrapped,
        Family::GroupCut,
        Family::Unlabeled,
        Family::PageBreaks,
        Family::FullWidth,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Pipes => "pipes",
            Family::Html => "html",
            Family::Glued => "glued",
            Family::DroppedBlanks => "dropped-blanks",
            Family::SplitTables => "split-tables",
            Family::SplitTablesHtml => "split-tables-html",
            Family::T4PerGroup => "t4-per-group",
            Family::T4PerGroupHtml => "t4-per-group-html",
            Family::MdPerRow => "md-per-row",
            Family::CellPerLine => "cell-per-line",
            Family::Wrapped => "wrapped-labels",
            Family::GroupCut => "group-cut",
            Family::Unlabeled => "unlabeled-rows",
            Family::PageBreaks => "page-breaks",
            Family::FullWidth => "full-width",
        }
    }
}

/// A printed report: file name (its extension picks the reader on a tie) and bytes.
pub struct Doc {
    pub name: &'static str,
    pub text: String,
}

fn head_lines(case: &Case) -> Vec<String> {
    vec![
        format!("{}{}年政府信息公开工作年度报告", case.agency, case.year),
        format!(
            "本年度报告根据《中华人民共和国政府信息公开条例》要求编制。本报告中所列数据的统计期限自{}年1月1日起至{}年12月31日止。",
            case.year, case.year
        ),
        "一、总体情况".into(),
        "本年度依法做好政府信息公开工作。".into(),
    ]
}

const TAIL: [&str; 4] = ["五、存在的主要问题及改进情况", "公开工作仍有不足。", "六、其他需要报告的事项", "无。"];

fn pipes(row: &[PCell]) -> String {
    let cells: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
    format!("| {} |", cells.join(" | "))
}

/// A text document: head, the three tables printed by `t`, tail.
fn text_doc(case: &Case, t: &Tables, print: &mut dyn FnMut(usize, &PGrid) -> Vec<String>) -> String {
    let mut lines = head_lines(case);
    lines.push("二、主动公开政府信息情况".into());
    lines.extend(print(2, &t.t2));
    lines.push("三、收到和处理政府信息公开申请情况".into());
    lines.extend(print(3, &t.t3));
    lines.push("四、政府信息公开行政复议、行政诉讼情况".into());
    lines.extend(print(4, &t.t4));
    lines.extend(TAIL.iter().map(|s| s.to_string()));
    lines.join("\n") + "\n"
}

fn html_table(rows: &[Vec<PCell>]) -> String {
    let mut s = String::from("<table border=\"1\">\n");
    for row in rows {
        s.push_str("<tr>");
        for c in row {
            let mut attrs = String::new();
            if c.rowspan > 1 {
                attrs.push_str(&format!(" rowspan=\"{}\"", c.rowspan));
            }
            if c.colspan > 1 {
                attrs.push_str(&format!(" colspan=\"{}\"", c.colspan));
            }
            s.push_str(&format!("<td{attrs}>{}</td>", c.text));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    s
}

fn html_doc(case: &Case, t: &Tables, print: &mut dyn FnMut(usize, &PGrid) -> String) -> String {
    let mut s = String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n");
    let heads = head_lines(case);
    s.push_str(&format!("<h1>{}</h1>\n", heads[0]));
    for p in &heads[1..] {
        s.push_str(&format!("<p>{p}</p>\n"));
    }
    s.push_str("<p>二、主动公开政府信息情况</p>\n");
    s.push_str(&print(2, &t.t2));
    s.push_str("<p>三、收到和处理政府信息公开申请情况</p>\n");
    s.push_str(&print(3, &t.t3));
    s.push_str("<p>四、政府信息公开行政复议、行政诉讼情况</p>\n");
    s.push_str(&print(4, &t.t4));
    for p in TAIL {
        s.push_str(&format!("<p>{p}</p>\n"));
    }
    s.push_str("</body></html>\n");
    s
}

/// Where a text row is cut to wrap: a char boundary strictly inside.
fn cut(s: &str, rng: &mut Rng) -> (String, String) {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 2 {
        return (s.to_string(), String::new());
    }
    let at = 1 + rng.below(chars.len() as u64 - 1) as usize;
    (chars[..at].iter().collect(), chars[at..].iter().collect())
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '.' | '-' | '|' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            c => c,
        })
        .collect()
}

/// The header rows of table 四 as one line of text per grid row.
fn t4_header_lines(g: &PGrid) -> Vec<String> {
    g.iter().filter(|r| !is_data(r)).map(|r| pipes(r)).collect()
}

/// Prints a case in a family. `rng` picks the family's variations.
pub fn print(case: &Case, family: Family, rng: &mut Rng) -> Doc {
    let t = tables(case);
    match family {
        Family::Pipes => {
            Doc { name: "r.txt", text: text_doc(case, &t, &mut |_, g| g.iter().map(|r| pipes(r)).collect()) }
        }
        Family::Html => Doc { name: "r.html", text: html_doc(case, &t, &mut |_, g| html_table(g)) },
        Family::FullWidth => Doc {
            name: "r.txt",
            text: text_doc(case, &t, &mut |_, g| g.iter().map(|r| full_width(&pipes(r))).collect()),
        },
        Family::Glued => {
            // Each table one line of cells with no separator; sometimes the
            // whole document one line (the archive's 正文).
            let one_line = rng.pct(50);
            let text = text_doc(case, &t, &mut |_, g| {
                vec![g.iter().flat_map(|r| r.iter().map(|c| c.text.clone())).collect::<Vec<_>>().concat()]
            });
            let text = if one_line { text.replace('\n', "") + "\n" } else { text };
            Doc { name: "r.txt", text }
        }
        Family::DroppedBlanks => {
            let sep = *rng.pick(&[" | ", " ", "\t"]);
            Doc {
                name: "r.txt",
                text: text_doc(case, &t, &mut |_, g| {
                    g.iter()
                        .map(|r| {
                            let kept: Vec<&str> = r
                                .iter()
                                .filter(|c| !(c.key.is_some() && c.text == "0"))
                                .map(|c| c.text.as_str())
                                .collect();
                            kept.join(sep)
                        })
                        .collect()
                }),
            }
        }
        Family::SplitTables => {
            let cont = *rng.pick(&["续表", "", "（续）"]);
            Doc {
                name: "r.txt",
                text: text_doc(case, &t, &mut |n, g| {
                    let mut out: Vec<String> = g.iter().map(|r| pipes(r)).collect();
                    if n == 3 {
                        // Cut after a data row; the three header rows repeat.
                        let at = 5 + rng.below(g.len() as u64 - 6) as usize;
                        let mut again: Vec<String> = Vec::new();
                        if !cont.is_empty() {
                            again.push(cont.to_string());
                        }
                        again.extend(g[..3].iter().map(|r| pipes(r)));
                        out.splice(at..at, again);
                    }
                    out
                }),
            }
        }
        Family::SplitTablesHtml => Doc {
            name: "r.html",
            text: html_doc(case, &t, &mut |n, g| {
                if n != 3 {
                    return html_table(g);
                }
                // Cut between two data rows outside any rowspan: a page
                // break in a converter repeats the header and restarts spans.
                let at = 5 + rng.below(g.len() as u64 - 6) as usize;
                let mut second: Vec<Vec<PCell>> = g[..3].to_vec();
                second.extend(restart_spans(g, at));
                let first = trim_spans(&g[..at]);
                format!("{}<p>续表</p>\n{}", html_table(&first), html_table(&second))
            }),
        },
        Family::T4PerGroup | Family::T4PerGroupHtml => {
            let heads: Vec<String> = if rng.pct(50) {
                T4Column::ALL.iter().map(|c| c.label().to_string()).collect()
            } else {
                ["维持", "纠正", "其他结果", "尚未审结", "总计"].iter().map(|s| s.to_string()).collect()
            };
            let titles = ["行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"];
            let group_rows = |case: &Case| -> Vec<(String, Vec<PCell>, Vec<PCell>)> {
                T4Group::ALL
                    .iter()
                    .zip(titles)
                    .map(|(&g, title)| {
                        let head = heads.iter().map(|h| PCell { text: h.clone(), key: None, rowspan: 1, colspan: 1 });
                        let vals = T4Column::ALL.iter().map(|&c| {
                            let key = CellKey::T4(g, c);
                            PCell { text: case.cells[&key].to_string(), key: Some(key), rowspan: 1, colspan: 1 }
                        });
                        (title.to_string(), head.collect(), vals.collect())
                    })
                    .collect()
            };
            let groups = group_rows(case);
            if family == Family::T4PerGroup {
                let md = rng.pct(50);
                Doc {
                    name: if md { "r.md" } else { "r.txt" },
                    text: text_doc(case, &t, &mut |n, g| {
                        if n != 4 {
                            return g.iter().map(|r| pipes(r)).collect();
                        }
                        let mut out = Vec::new();
                        for (title, head, vals) in &groups {
                            out.push(title.clone());
                            out.push(pipes(head));
                            if md {
                                out.push(format!("|{}", "---|".repeat(head.len())));
                            }
                            out.push(pipes(vals));
                        }
                        out
                    }),
                }
            } else {
                Doc {
                    name: "r.html",
                    text: html_doc(case, &t, &mut |n, g| {
                        if n != 4 {
                            return html_table(g);
                        }
                        groups
                            .iter()
                            .map(|(title, head, vals)| {
                                format!("<p>{title}</p>\n{}", html_table(&[head.clone(), vals.clone()]))
                            })
                            .collect()
                    }),
                }
            }
        }
        Family::MdPerRow => {
            let generic = {
                let mut h = vec!["项目".to_string()];
                h.extend((1..=6).map(|i| format!("数据{i}")));
                h.push("总计".into());
                format!("| {} |", h.join(" | "))
            };
            let stray = "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |";
            Doc {
                name: "r.md",
                text: text_doc(case, &t, &mut |n, g| {
                    if n != 3 {
                        return g.iter().map(|r| pipes(r)).collect();
                    }
                    let stray_at = rng.below(g.len() as u64) as usize;
                    let mut out = Vec::new();
                    for (i, r) in g.iter().enumerate() {
                        if !is_data(r) {
                            out.push(pipes(r));
                            continue;
                        }
                        let label: Vec<&str> = r.iter().filter(|c| c.key.is_none()).map(|c| c.text.as_str()).collect();
                        let vals: Vec<&str> = r.iter().filter(|c| c.key.is_some()).map(|c| c.text.as_str()).collect();
                        out.push(String::new());
                        out.push(generic.clone());
                        out.push(format!("|{}", "---|".repeat(8)));
                        out.push(format!("| {} | {} |", label.join(" "), vals.join(" | ")));
                        if i == stray_at {
                            out.push(String::new());
                            out.push(stray.to_string());
                        }
                    }
                    out
                }),
            }
        }
        Family::CellPerLine => {
            let style = rng.below(3);
            Doc {
                name: "r.txt",
                text: text_doc(case, &t, &mut |_, g| {
                    let mut out = Vec::new();
                    for r in g {
                        for c in r {
                            out.push(match style {
                                0 => format!("{} |", c.text),
                                1 => format!("| {}", c.text),
                                _ => c.text.clone(),
                            });
                        }
                        if style == 2 {
                            out.push("|".into());
                        }
                    }
                    out
                }),
            }
        }
        Family::Wrapped => Doc {
            name: "r.txt",
            text: text_doc(case, &t, &mut |_, g| {
                let mut out = Vec::new();
                for r in g {
                    let label: Vec<&str> = r.iter().filter(|c| c.key.is_none()).map(|c| c.text.as_str()).collect();
                    let label = label.join(" ");
                    let vals: Vec<&str> = r.iter().filter(|c| c.key.is_some()).map(|c| c.text.as_str()).collect();
                    let vals = vals.join(" ");
                    if vals.is_empty() {
                        // A header row: its words in fragments ("商业企" / "业").
                        for c in r {
                            if c.text.chars().count() > 3 && rng.pct(40) {
                                let (a, b) = cut(&c.text, rng);
                                out.push(a);
                                out.push(b);
                            } else {
                                out.push(c.text.clone());
                            }
                        }
                        continue;
                    }
                    if label.chars().count() > 12 {
                        let (a, b) = cut(&label, rng);
                        match rng.below(4) {
                            0 => out.extend([a, format!("{b} {vals}")]),
                            1 => out.extend([format!("{a} {vals}"), b]),
                            2 => out.extend([a, vals, b]),
                            _ => out.extend([label, vals]),
                        }
                    } else {
                        out.push(format!("{label} {vals}"));
                    }
                }
                out
            }),
        },
        Family::GroupCut => Doc {
            name: "r.txt",
            text: text_doc(case, &t, &mut |n, g| {
                if n != 3 {
                    return g.iter().map(|r| r.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join(" ")).collect();
                }
                // The group label (rowspan > 1, not 三、本年度办理结果) leaves its
                // row and is printed in two halves among its sub-rows.
                let mut out = Vec::new();
                let mut pending: Vec<(usize, String)> = Vec::new();
                for r in g.iter() {
                    let mut line = Vec::new();
                    for c in r {
                        if c.key.is_none() && c.rowspan > 1 && c.rowspan < 20 && c.text.starts_with('（') {
                            let (a, b) = cut(&c.text, rng);
                            let span = c.rowspan as usize;
                            out.push(a);
                            pending.push((1 + rng.below(span as u64 - 1).min(span as u64 - 1) as usize, b));
                        } else {
                            line.push(c.text.as_str());
                        }
                    }
                    out.push(line.join(" "));
                    pending.retain_mut(|(left, b)| {
                        *left -= 1;
                        if *left == 0 {
                            out.push(std::mem::take(b));
                            false
                        } else {
                            true
                        }
                    });
                }
                out
            }),
        },
        Family::Unlabeled => Doc {
            name: "r.txt",
            text: text_doc(case, &t, &mut |n, g| {
                let drop_from = if n == 3 { rng.below(g.len() as u64) as usize } else { usize::MAX };
                g.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let keep = |c: &&PCell| c.key.is_some() || !is_data(r) || i < drop_from || rng.pct(10);
                        r.iter().filter(keep).map(|c| c.text.as_str()).collect::<Vec<_>>().join(" ")
                    })
                    .collect()
            }),
        },
        Family::PageBreaks => Doc {
            name: "r.txt",
            text: text_doc(case, &t, &mut |n, g| {
                let mut out: Vec<String> = g.iter().map(|r| pipes(r)).collect();
                if n == 4 {
                    return out;
                }
                let at = 1 + rng.below(out.len() as u64 - 1) as usize;
                let page = rng.range(2, 9);
                let mut ins = vec![match rng.below(3) {
                    0 => format!("- {page} -"),
                    1 => format!("第 {page} 页"),
                    _ => format!("—{page}—"),
                }];
                if n == 3 && at > 3 && rng.pct(50) {
                    ins.extend(g[..3].iter().map(|r| pipes(r)));
                }
                out.splice(at..at, ins);
                out
            }),
        },
    }
}

/// The rows before `at`, with rowspans cut at `at`.
fn trim_spans(rows: &[Vec<PCell>]) -> Vec<Vec<PCell>> {
    let n = rows.len();
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            r.iter()
                .map(|c| {
                    let mut c = c.clone();
                    c.rowspan = c.rowspan.min((n - i) as u16);
                    c
                })
                .collect()
        })
        .collect()
}

/// The rows from `at` on, with the spanning cells that cover row `at` from
/// above printed again at `at` (as a converter restarts them after a break).
fn restart_spans(g: &PGrid, at: usize) -> Vec<Vec<PCell>> {
    let mut carried: Vec<PCell> = Vec::new();
    for (i, r) in g[..at].iter().enumerate() {
        for c in r {
            if c.rowspan as usize > at - i {
                let mut c = c.clone();
                c.rowspan -= (at - i) as u16;
                carried.push(c);
            }
        }
    }
    let mut out: Vec<Vec<PCell>> = g[at..].to_vec();
    if let Some(first) = out.first_mut() {
        let mut row = carried;
        row.append(first);
        *first = row;
    }
    out
}
