//! From a flattened document to the report model: find the title, the six
//! sections and the three tables, anchor every table row at its printed label,
//! and read the numbers after each label into cells.
//!
//! The same extractor serves every format, because every format reduces to
//! text with hard separators (cell, line) and soft ones (spaces): an HTML
//! grid, a Word table, a PDF's lines, a web page dumped as `a | b | c`, and a
//! table whose cells were glued into `行政许可3960181` all go through here.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::cells::{
    ApplicantColumn, CellKey, DenialReason, NotProcessedReason, OtherReason, Outcome, T2Column, T2Row, T3Row, T4Column,
    T4Group, Template, UnavailableReason,
};
use crate::flat::{Flat, Origin};
use crate::model::{Cell, Meta, Number, Provenance, ReadNote, Report, Section, SectionKind, SourceFormat};
use crate::norm::{is_hard, is_sep, Norm};
use crate::scan;
use crate::solve::{self, Identity, Slot, Token};

/// Why a document is not read as an annual report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAReport(pub String);

/// Reads the report out of a flattened document.
pub fn extract(flat: &Flat, format: SourceFormat) -> Result<Report, NotAReport> {
    let norm = Norm::new(flat);
    let text = norm.text.as_str();
    if text.trim().is_empty() {
        return Err(NotAReport("文件中没有可读的文字".into()));
    }
    let mut ex = Extractor { norm: &norm, cells: BTreeMap::new(), notes: Vec::new(), split: Vec::new() };
    let regions = find_regions(text);
    // Section text is the prose: the tables' text is left out.
    let tables: Vec<(usize, usize)> = [regions.t2, regions.t3, regions.t4].into_iter().flatten().collect();
    let sections = find_sections(&norm, &tables);
    let title = find_title(flat);

    let t2_template = regions.t2.and_then(|(a, b)| template_evidence(&text[a..b]));
    let t3_split_other = regions.t3.map(|(a, b)| ex.read_t3(a, b)).unwrap_or(None);
    if let Some((a, b)) = regions.t4 {
        ex.read_t4(a, b);
    }

    let year = title.as_ref().and_then(|t| t.year).or_else(|| year_from_text(text));
    let template = t2_template
        .or(match t3_split_other {
            Some(true) => Some(Template::Y2021),
            _ => None,
        })
        // The 2021 template did not exist before the 2021 reports.
        .or(year.filter(|&y| y <= 2020).map(|_| Template::Y2019));
    if let (Some(t), Some((a, b))) = (template, regions.t2) {
        // What the text outside the tables states ("现行有效…698件").
        let outside = format!("{}\n{}", &text[..a], regions.t4.map_or("", |(_, e)| &text[e..]));
        ex.read_t2(t, a, b, &outside);
    }

    if !ex.split.is_empty() {
        let cells = std::mem::take(&mut ex.split);
        ex.note(
            "read.split-by-identity",
            format!(
                "{} 个单元格的数字粘连，按模板的合计关系拆分；若原表本身算错，这些单元格的错误无法被发现",
                cells.len()
            ),
            cells,
            None,
        );
    }
    let found_tables = regions.t2.is_some() || regions.t3.is_some();
    // A fragment without title or tables is still a report when it says so
    // ("本年度报告根据《中华人民共和国政府信息公开条例》…编制") or shows its sections.
    let says_so = || scan::legal_basis(text) || !sections.is_empty() && scan::report_mention(text).is_some();
    if title.is_none() && !found_tables && sections.len() < 2 && !says_so() {
        return Err(NotAReport("不是政府信息公开工作年度报告：未找到报告标题，也未找到统计表".into()));
    }
    if title.is_none() {
        ex.note("read.no-title", "未找到报告标题：报告机关无法确定，年度取自正文".into(), vec![], None);
    }
    if !found_tables {
        ex.note("read.no-tables", "未找到统计表（表格可能以图片或附件形式发布）".into(), vec![], None);
    }
    if template.is_none() && found_tables {
        ex.note("read.template-unknown", "无法判断报告所用模板（2019 或 2021 版），表二未读取".into(), vec![], None);
    }
    let meta =
        Meta { agency: title.as_ref().and_then(|t| t.agency.clone()), year, template, title: title.map(|t| t.text) };
    let body_start =
        SECTION_RES.iter().filter_map(|(_, re)| re.find(text)).map(|m| m.start()).min().unwrap_or(text.len());
    let preamble = squash(&text[..body_start]);
    Ok(Report { meta, format, preamble, sections, cells: ex.cells, notes: ex.notes })
}

/// A printed label: its characters in order, each possibly separated from
/// the next by separators (labels wrap over lines and cells), optionally
/// preceded by its sequence number (`2.`, which belongs to the label, not to
/// the numbers before it). Matched by hand rather than by a regex: the reader
/// has some fifty of them, and building fifty regexes is most of what reading
/// the first report in a process costs.
pub(crate) struct Label {
    /// Spellings, each a sequence of chars (the longest match at the earliest start wins).
    alts: Vec<Vec<char>>,
    prefix: Option<String>,
    /// Without its sequence number, the label must be followed by a separator
    /// or the end, which the match includes (a bare "其他" is not "其他处理").
    bare_needs_sep: bool,
}

/// Where a label was found (byte offsets in the text searched).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'t> {
    text: &'t str,
    start: usize,
    end: usize,
}

impl<'t> Found<'t> {
    pub(crate) fn start(&self) -> usize {
        self.start
    }
    pub(crate) fn end(&self) -> usize {
        self.end
    }
    pub(crate) fn as_str(&self) -> &'t str {
        &self.text[self.start..self.end]
    }
}

/// Matches `full` at `at`, skipping one line of numbers inside it and
/// spanning-label fragments at line starts (see `Label::find_wrapped`).
fn wrapped_at(text: &str, at: usize, full: &[char], spans: &[&str]) -> Option<(usize, (usize, usize))> {
    let mut pos = at;
    let mut run: Option<(usize, usize)> = None;
    // Whether only skipped fragments stand between the last line break and `pos`.
    let mut line_clean = false;
    let mut i = 0;
    let mut skips = 0;
    while i < full.len() {
        let c = full[i];
        let before = pos;
        pos += text[pos..].len() - text[pos..].trim_start_matches(is_label_sep).len();
        if text[before..pos].contains('\n') {
            line_clean = true;
        }
        if i > 0 && text[pos..].starts_with(c) {
            pos += c.len_utf8();
            line_clean = false;
            i += 1;
            continue;
        }
        if i == 0 {
            if !text[pos..].starts_with(c) {
                return None;
            }
            pos += c.len_utf8();
            i += 1;
            continue;
        }
        if !line_clean || skips > 6 {
            return None;
        }
        skips += 1;
        // A whole line of numbers (the row's), once.
        let line_end = text[pos..].find('\n').map_or(text.len(), |p| pos + p);
        if run.is_none() {
            if let Some(end) = numbers_only(text, pos, line_end) {
                run = Some((pos, end));
                pos = line_end;
                continue;
            }
        }
        // A fragment of a spanning label, up to the next separator.
        let frag_end = text[pos..line_end].find(is_label_sep).map_or(line_end, |p| pos + p);
        let frag = &text[pos..frag_end];
        if frag.is_empty() || !spans.iter().any(|s| s.contains(frag)) {
            return None;
        }
        pos = frag_end;
    }
    run.map(|r| (pos, r))
}

/// The end of the last number when `[from, to)` holds only numbers.
fn numbers_only(text: &str, from: usize, to: usize) -> Option<usize> {
    let mut i = from;
    let mut last = None;
    while i < to {
        let c = text[i..].chars().next()?;
        if is_sep(c) {
            i += c.len_utf8();
            continue;
        }
        let (tok, next) = scan_number(text, i, to)?;
        if tok.blank_mark && tok.digits.is_empty() {
            return None;
        }
        last = Some(next);
        i = next;
    }
    last
}

fn is_label_sep(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\n'
}

fn label(core: &str, prefix: Option<&str>) -> Label {
    Label { alts: vec![core.chars().collect()], prefix: prefix.map(str::to_string), bare_needs_sep: false }
}

fn label_alts(alts: &[&str], prefix: Option<&str>) -> Label {
    Label {
        alts: alts.iter().map(|a| a.chars().collect()).collect(),
        prefix: prefix.map(str::to_string),
        bare_needs_sep: false,
    }
}

impl Label {
    /// The end of spelling `alt` matched at `at`, if it matches there.
    fn match_at(text: &str, at: usize, alt: &[char]) -> Option<usize> {
        let mut pos = at;
        for (i, &c) in alt.iter().enumerate() {
            if i > 0 {
                pos += text[pos..].len() - text[pos..].trim_start_matches(is_label_sep).len();
            }
            if !text[pos..].starts_with(c) {
                return None;
            }
            pos += c.len_utf8();
        }
        Some(pos)
    }

    /// The start of the sequence number before a core found at `at`
    /// (`2 .` then separators), if printed there and not before `from`.
    fn prefix_before(&self, text: &str, from: usize, at: usize) -> Option<usize> {
        let p = self.prefix.as_deref()?;
        let before = text[from..at].trim_end_matches(is_label_sep);
        let before = before.strip_suffix(['.', '、'])?;
        let before = before.trim_end_matches([' ', '\t']);
        let before = before.strip_suffix(p)?;
        Some(from + before.len())
    }

    pub(crate) fn find_at<'t>(&self, text: &'t str, from: usize) -> Option<Found<'t>> {
        let mut search = from;
        loop {
            // The earliest start of any spelling at or after `search`.
            let mut best: Option<(usize, usize)> = None;
            for alt in &self.alts {
                let first = *alt.first()?;
                let mut at = search;
                while let Some(off) = text.get(at..).and_then(|t| scan::find_char(t, first)) {
                    let q = at + off;
                    if best.is_some_and(|(b, _)| q > b) {
                        break;
                    }
                    if let Some(e) = Self::match_at(text, q, alt) {
                        if best.is_none_or(|(b, be)| q < b || q == b && e > be) {
                            best = Some((q, e));
                        }
                        break;
                    }
                    at = q + first.len_utf8();
                }
            }
            let (q, e) = best?;
            if let Some(p) = self.prefix_before(text, from, q) {
                return Some(Found { text, start: p, end: e });
            }
            if self.bare_needs_sep {
                match text[e..].chars().next() {
                    None => return Some(Found { text, start: q, end: e }),
                    Some(c) if is_label_sep(c) => return Some(Found { text, start: q, end: e + c.len_utf8() }),
                    Some(_) => {
                        search = q + text[q..].chars().next().map_or(1, char::len_utf8);
                        continue;
                    }
                }
            }
            return Some(Found { text, start: q, end: e });
        }
    }

    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<Found<'t>> {
        self.find_at(text, 0)
    }

    /// A label printed around its row's numbers, as PDFs lay out a wrapped
    /// label cell (`2.其他法律行政法规禁` / `2 0 0 0 0 1 3` / `三、 止公开`): the
    /// label's chars followed by `rest` (the rest of the printed label) in
    /// order, with one line of numbers strictly inside, and at line starts
    /// fragments of the spanning labels beside it (`spans`: 三、本年度办理结果,
    /// the group's label, printed one piece per line). Returns the label's
    /// start and end and the numbers' span. The numbers belong to this row:
    /// a row's label and its numbers share the row's height, and no other
    /// row's text comes between.
    fn find_wrapped(
        &self,
        rest: &str,
        text: &str,
        from: usize,
        spans: &[&str],
    ) -> Option<(usize, usize, (usize, usize))> {
        let mut best: Option<(usize, usize, (usize, usize))> = None;
        for alt in &self.alts {
            let full: Vec<char> = alt.iter().copied().chain(rest.chars()).collect();
            if full.len() < 4 {
                continue;
            }
            let first = full[0];
            let mut at = from;
            while let Some(off) = text.get(at..).and_then(|t| scan::find_char(t, first)) {
                let q = at + off;
                if best.is_some_and(|b| q >= b.0) {
                    break;
                }
                if let Some((e, run)) = wrapped_at(text, q, &full, spans) {
                    let start = self.prefix_before(text, from, q).unwrap_or(q);
                    best = Some((start, e, run));
                    break;
                }
                at = q + first.len_utf8();
            }
        }
        best
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.find(text).is_some()
    }

    /// Successive matches, each after the last.
    pub(crate) fn find_iter<'a, 't>(&'a self, text: &'t str) -> impl Iterator<Item = Found<'t>> + 'a
    where
        't: 'a,
    {
        let mut at = 0;
        std::iter::from_fn(move || {
            let m = self.find_at(text, at)?;
            at = if m.end > m.start { m.end } else { m.end + 1 };
            Some(m)
        })
    }
}

struct RowLabel {
    row: T3Row,
    re: Label,
}

static T3_LABELS: LazyLock<Vec<RowLabel>> = LazyLock::new(|| {
    let mut v = vec![
        RowLabel { row: T3Row::New, re: label("本年新收政府信息公开申请", None) },
        RowLabel { row: T3Row::CarriedOver, re: label("上年结转政府信息公开申请", None) },
        RowLabel { row: T3Row::Outcome(Outcome::Granted), re: label("予以公开", None) },
        RowLabel { row: T3Row::Outcome(Outcome::Partial), re: label("部分公开", None) },
    ];
    for (i, r) in DenialReason::ALL.iter().enumerate() {
        let re = match r {
            // Printed with typos in real reports ("其他法律行政止公开").
            DenialReason::ProhibitedByLaw => label_alts(
                &["其他法律行政法规禁止公开", "其他法律行政法规止公开", "其他法律行政禁止公开", "其他法律行政止公开"],
                Some("2"),
            ),
            DenialReason::SafetyStability => label("危及三安全一稳定", Some("3")),
            _ => label(r.label(), Some(&(i + 1).to_string())),
        };
        v.push(RowLabel { row: T3Row::Outcome(Outcome::Denied(*r)), re });
    }
    for (i, r) in UnavailableReason::ALL.iter().enumerate() {
        v.push(RowLabel {
            row: T3Row::Outcome(Outcome::Unavailable(*r)),
            re: label(r.label(), Some(&(i + 1).to_string())),
        });
    }
    for (i, r) in NotProcessedReason::ALL.iter().enumerate() {
        v.push(RowLabel {
            row: T3Row::Outcome(Outcome::NotProcessed(*r)),
            re: label(r.label(), Some(&(i + 1).to_string())),
        });
    }
    v.push(RowLabel { row: T3Row::Outcome(Outcome::OtherUnsplit), re: label("其他处理", None) });
    v.push(RowLabel {
        row: T3Row::Outcome(Outcome::Other(OtherReason::OverdueCorrection)),
        re: label("申请人无正当理由逾期不补正", Some("1")),
    });
    v.push(RowLabel {
        row: T3Row::Outcome(Outcome::Other(OtherReason::OverdueFee)),
        re: label("申请人逾期未按收费通知要求缴纳费用", Some("2")),
    });
    // "3.其他", or a bare "其他" that is not the group label "（六）其他处理"
    // (Markdown and PDF repeat the group label before each sub-row).
    v.push(RowLabel {
        row: T3Row::Outcome(Outcome::Other(OtherReason::Other)),
        re: Label { bare_needs_sep: true, ..label("其他", Some("3")) },
    });
    v.push(RowLabel { row: T3Row::Total, re: label("总计", None) });
    v.push(RowLabel {
        row: T3Row::CarryForward,
        re: label_alts(&["结转下一年度继续办理", "结转下一年继续办理", "结转下年度继续办理", "结转下年继续办理"], None),
    });
    v
});

static T2_LABELS: LazyLock<Vec<(T2Row, Label)>> = LazyLock::new(|| {
    T2Row::ALL
        .iter()
        .map(|&r| {
            let re = match r {
                T2Row::Normative => label_alts(&["行政规范性文件", "规范性文件"], None),
                _ => label(r.label(), None),
            };
            (r, re)
        })
        .collect()
});

/// A piece of a section heading's pattern.
#[derive(Clone, Copy)]
enum Part {
    /// Chars in order, spaces or tabs allowed between them.
    Lit(&'static str),
    /// The same, or nothing.
    Opt(&'static str),
    /// Up to `n` chars, as few as possible, none of them in the stop set
    /// (a heading's own words: "二、行政机关主动公开…").
    Gap(usize, &'static str),
}

/// A section heading, matched by hand (see `Label`). No boundary is required
/// before it: archives glue a heading to the table's last number
/// ("…0000000四、政府信息公开行政复议…").
pub(crate) struct Heading(&'static [Part]);

impl Heading {
    fn sep(text: &str, pos: usize) -> usize {
        pos + text[pos..].len() - text[pos..].trim_start_matches([' ', '\t']).len()
    }

    fn lit(text: &str, mut pos: usize, s: &str, sep_first: bool) -> Option<usize> {
        for (i, c) in s.chars().enumerate() {
            if i > 0 || sep_first {
                pos = Self::sep(text, pos);
            }
            if !text[pos..].starts_with(c) {
                return None;
            }
            pos += c.len_utf8();
        }
        Some(pos)
    }

    /// The end of a match of `parts` at `pos` (lazy gaps, greedy options).
    fn match_parts(text: &str, pos: usize, parts: &[Part], after_gap: bool, first: bool) -> Option<usize> {
        let Some((&part, rest)) = parts.split_first() else { return Some(pos) };
        let sep_first = !first && !after_gap;
        match part {
            Part::Lit(s) => {
                let e = Self::lit(text, pos, s, sep_first)?;
                Self::match_parts(text, e, rest, false, false)
            }
            Part::Opt(s) => Self::lit(text, pos, s, sep_first)
                .and_then(|e| Self::match_parts(text, e, rest, false, false))
                .or_else(|| Self::match_parts(text, pos, rest, after_gap, first)),
            Part::Gap(n, stops) => {
                let mut at = pos;
                for taken in 0..=n {
                    if let Some(e) = Self::match_parts(text, at, rest, true, false) {
                        return Some(e);
                    }
                    let c = text[at..].chars().next()?;
                    if taken == n || stops.contains(c) {
                        return None;
                    }
                    at += c.len_utf8();
                }
                None
            }
        }
    }

    pub(crate) fn find_at<'t>(&self, text: &'t str, from: usize) -> Option<Found<'t>> {
        let Some(Part::Lit(first)) = self.0.first() else { return None };
        let c = first.chars().next()?;
        let mut at = from;
        while let Some(off) = text.get(at..).and_then(|t| scan::find_char(t, c)) {
            let q = at + off;
            if let Some(end) = Self::match_parts(text, q, self.0, false, true) {
                return Some(Found { text, start: q, end });
            }
            at = q + c.len_utf8();
        }
        None
    }

    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<Found<'t>> {
        self.find_at(text, 0)
    }
}

static SECTION_RES: [(SectionKind, Heading); 6] = {
    use Part::*;
    [
        (SectionKind::Overview, Heading(&[Lit("一、总体情况")])),
        // "二、行政机关主动公开政府信息情况" in some reports.
        (SectionKind::Proactive, Heading(&[Lit("二、"), Gap(6, "\n。、"), Lit("主动公开政府信息")])),
        (SectionKind::Requests, Heading(&[Lit("三、"), Gap(6, "\n。、"), Lit("收到和处理政府信息公开申请")])),
        (
            SectionKind::Disputes,
            Heading(&[
                Lit("四、"),
                Opt("因"),
                Lit("政府信息公开"),
                Gap(12, "\n。"),
                Lit("行政"),
                Opt("法"),
                Lit("复议"),
            ]),
        ),
        (SectionKind::Problems, Heading(&[Lit("五、存在的主要问题")])),
        (SectionKind::Other, Heading(&[Lit("六、其他需要报告")])),
    ]
};

fn find_sections(norm: &Norm, tables: &[(usize, usize)]) -> Vec<Section> {
    let text = norm.text.as_str();
    let mut found: Vec<(SectionKind, usize, usize)> = Vec::new();
    let mut from = 0;
    for (kind, re) in SECTION_RES.iter() {
        if let Some(m) = re.find_at(text, from) {
            found.push((*kind, m.start(), m.end()));
            from = m.end();
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for (i, &(kind, start, end)) in found.iter().enumerate() {
        let stop = found.get(i + 1).map_or(text.len(), |n| n.1);
        // The heading runs to its closing 情况/事项 (glued text has no line
        // break after it), else to the end of a short line.
        let line_end = text[end..stop].find('\n').map_or(stop, |p| end + p);
        let heading_end = match heading_tail(&text[end..line_end]) {
            Some(len) => end + len,
            None if line_end - end <= 30 && !text[end..line_end].contains('。') => line_end,
            None => end,
        };
        let heading = squash(&text[start..heading_end]);
        let mut prose = String::new();
        let mut at = heading_end;
        let mut spans: Vec<(usize, usize)> =
            tables.iter().map(|&(a, b)| (a.max(heading_end), b.min(stop))).filter(|(a, b)| a < b).collect();
        spans.sort_unstable();
        for (a, b) in spans {
            if a > at {
                prose.push_str(&text[at..a]);
                prose.push('\n');
            }
            at = at.max(b);
        }
        if at < stop {
            prose.push_str(&text[at..stop]);
        }
        let body = squash(&prose);
        out.push(Section {
            kind,
            heading,
            text: body,
            origin: norm.origin_at(start).unwrap_or(Origin::Line { line: 1 }),
        });
    }
    out
}

/// Separators to single spaces, trimmed.
fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_sep(c) {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

/// Byte ranges of the normalized text holding each table.
#[derive(Debug, Default)]
struct Regions {
    t2: Option<(usize, usize)>,
    t3: Option<(usize, usize)>,
    t4: Option<(usize, usize)>,
}

static T2_ANCHOR: LazyLock<Label> = LazyLock::new(|| label("第二十条第(一)项", None));
static INFO_CONTENT: LazyLock<Label> = LazyLock::new(|| label("信息内容", None));
/// The length of a heading's rest up to its closing 情况/事项: at most 16
/// chars before it, none of them a separator or a sentence's punctuation.
fn heading_tail(s: &str) -> Option<usize> {
    for (n, (i, c)) in s.char_indices().enumerate() {
        if s[i..].starts_with("情况") || s[i..].starts_with("事项") {
            return Some(i + "情况".len());
        }
        if n >= 16 || matches!(c, ' ' | '\t' | '\n' | '。' | '，' | ',') {
            return None;
        }
    }
    None
}
static T3_NOTE: LazyLock<Label> = LazyLock::new(|| label("(本列数据的勾稽关系", None));
static T3_HEADER: LazyLock<Label> = LazyLock::new(|| label("申请人情况", None));
static T3_RESULTS: LazyLock<Label> = LazyLock::new(|| label("本年度办理结果", None));
static T4_HEADER: LazyLock<Label> = LazyLock::new(|| label("行政复议", None));

fn find_regions(text: &str) -> Regions {
    let mut r = Regions::default();
    // Table 三 starts at its first row (not at prose that names it: "本年新收
    // 政府信息公开申请5件"); a fragment may show only later rows.
    let t3_row = T3_LABELS[0]
        .re
        .find_iter(text)
        .find(|m| starts_table_row(text, m.end()))
        .or_else(|| T3_HEADER.find(text))
        .or_else(|| T3_LABELS[1].re.find(text))
        .or_else(|| T3_RESULTS.find(text))
        .or_else(|| T3_LABELS.iter().find(|l| l.row == T3Row::CarryForward).and_then(|l| l.re.find(text)))
        // A fragment holding only middle rows: the first outcome row printed
        // as a table row (its label, then numbers that are not a prose count).
        .or_else(|| {
            T3_LABELS
                .iter()
                .filter(|l| matches!(l.row, T3Row::Outcome(_)))
                .filter_map(|l| l.re.find_iter(text).find(|m| starts_table_row(text, m.end())))
                .min_by_key(|m| m.start())
        });
    let t2_start = T2_ANCHOR
        .find(text)
        .or_else(|| INFO_CONTENT.find(text))
        .map(|m| m.start())
        .filter(|&s| t3_row.is_none_or(|m| s < m.start()));
    let t3_start = t3_row.map(|m| m.start());
    if let Some(a) = t2_start {
        let b = t3_start.unwrap_or(text.len());
        // The table ends where table 三's section heading starts, if printed.
        let b = SECTION_RES[2].1.find_at(text, a).map_or(b, |m| m.start().min(b));
        r.t2 = Some((a, b));
    }
    if let Some(a) = t3_start {
        // Table 四 starts after table 三's last row, at its header.
        let carry = T3_LABELS.iter().find(|l| l.row == T3Row::CarryForward).expect("carry label");
        let t3_end = carry.re.find_at(text, a).map(|m| m.end());
        let t4_start = t3_end.and_then(|e| T4_HEADER.find_at(text, e).map(|m| m.start()));
        let b = match (t4_start, t3_end) {
            (Some(t4), _) => {
                // Stop table 三 at the 四、 heading when printed before the header.
                SECTION_RES[3].1.find_at(text, a).map_or(t4, |m| m.start().min(t4))
            }
            (None, _) => SECTION_RES[3].1.find_at(text, a).map_or(text.len(), |m| m.start()),
        };
        // The table's header (the 勾稽关系 note, 申请人情况…) belongs to it, not to the prose.
        let header_from = r.t2.map_or(0, |t| t.1);
        let a = if header_from < a {
            T3_NOTE
                .find_at(&text[..a], header_from)
                .or_else(|| T3_HEADER.find_at(&text[..a], header_from))
                .map_or(a, |m| m.start())
        } else {
            a
        };
        r.t3 = Some((a, b.max(a)));
        if let Some(t4) = t4_start {
            let end = scan::t4_end(text, t4).unwrap_or(text.len());
            r.t4 = Some((t4, end));
        }
    } else if let Some(h) = SECTION_RES[3].1.find(text) {
        // No table 三 (a fragment, or 三 published as a picture): table 四 is
        // its header after the 四、 heading.
        if let Some(t4) = T4_HEADER.find_at(text, h.end()) {
            let end = scan::t4_end(text, t4.start()).unwrap_or(text.len());
            r.t4 = Some((t4.start(), end));
        }
    }
    r
}

/// After a row label: (数量) then a number that is not a prose count ("5件").
fn starts_table_row(text: &str, at: usize) -> bool {
    let rest = &text[at..];
    let rest = rest.strip_prefix("数量").or_else(|| rest.strip_prefix("数")).unwrap_or(rest);
    let skipped = rest.len() - rest.trim_start_matches(is_sep).len();
    let start = text.len() - rest.len() + skipped;
    match scan_number(text, start, text.len()) {
        Some((tok, _)) => !text[tok.span.1..].starts_with(['件', '条', '个', '次']),
        None => false,
    }
}

struct Extractor<'a> {
    norm: &'a Norm<'a>,
    cells: BTreeMap<CellKey, Cell>,
    notes: Vec<ReadNote>,
    /// Cells whose digits were split by the template's identities.
    split: Vec<CellKey>,
}

/// The numbers printed after a label.
struct Area {
    tokens: Vec<Token>,
    /// In an explicit grid, the cells of the label's row after the label
    /// (`None` for a cell that holds text, not a number).
    grid: Option<Vec<Option<Token>>>,
    /// The area runs into the end of the document: the row may be cut off.
    open: bool,
    /// Text that is not the rest of the row's own label stands between the
    /// label and the numbers: they may belong to another row (a label wrapped
    /// around its numbers, a row whose label was not recognised).
    detached: Option<String>,
}

/// What may stand between a row's label (as the pattern matches it) and its
/// numbers: the rest of the label as the template prints it (normalized:
/// ASCII parentheses and commas, no quotes), then the row's group label
/// (PDFs print a spanning group label in the middle of its rows).
#[derive(Clone, Copy)]
struct LeadIn {
    rest: &'static str,
    group: Option<&'static str>,
}

impl LeadIn {
    const NONE: LeadIn = LeadIn { rest: "", group: None };

    fn of_t3(row: T3Row) -> LeadIn {
        let rest = match row {
            T3Row::New | T3Row::CarriedOver => "数量",
            T3Row::Outcome(Outcome::Partial) => "(区分处理的,只计这一情形,不计其他情形)",
            T3Row::Outcome(Outcome::Other(OtherReason::OverdueCorrection | OtherReason::OverdueFee)) => {
                "、行政机关不再处理其政府信息公开申请"
            }
            _ => "",
        };
        let group = match row {
            T3Row::Outcome(Outcome::Denied(_)) => Some("(三)不予公开"),
            T3Row::Outcome(Outcome::Unavailable(_)) => Some("(四)无法提供"),
            T3Row::Outcome(Outcome::NotProcessed(_)) => Some("(五)不予处理"),
            T3Row::Outcome(Outcome::Other(_)) => Some("(六)其他处理"),
            _ => None,
        };
        LeadIn { rest, group }
    }

    /// Whether `seen` (the text between label and numbers, separators
    /// dropped) is a prefix of the label's rest, optionally followed by the
    /// whole group label.
    fn admits(&self, seen: &str) -> bool {
        let mut rest = self.rest.chars();
        let mut it = seen.char_indices();
        for (i, c) in it.by_ref() {
            if rest.next() != Some(c) {
                return self.group.is_some_and(|g| &seen[i..] == g);
            }
        }
        true
    }
}

/// The row keyword a prose figure must follow.
fn row_keyword(row: T2Row) -> &'static str {
    match row {
        T2Row::Regulation => "规章",
        T2Row::Normative => "规范性文件",
        T2Row::Licensing => "许可",
        T2Row::OtherServices => "服务事项",
        T2Row::Penalty => "处罚",
        T2Row::Enforcement => "强制",
        T2Row::Fees => "收费",
        T2Row::Procurement => "采购",
    }
}

/// Words that say which column a prose figure is about.
fn column_keywords(col: T2Column) -> &'static [&'static str] {
    match col {
        T2Column::Issued => &["制发", "印发", "出台", "制定"],
        T2Column::Repealed => &["废止", "失效"],
        T2Column::InForce => &["现行有效"],
        T2Column::Made => &["新制作", "制作", "制发"],
        T2Column::Published => &["新公开"],
        T2Column::TotalPublished => &["对外公开总", "累计公开"],
        T2Column::PrevItems => &["上一年", "上年"],
        T2Column::Change => &["增减", "增/减", "新增"],
        T2Column::Decisions => &["处理决定", "作出决定", "决定"],
        T2Column::Items => &["批次", "采购项目"],
        T2Column::Amount => &["金额", "万元", "元"],
    }
}

/// The figures a text states about one row, each with the column it names:
/// a number with a unit (`698件`, `3601627.4元`) whose clause names the row
/// as its nearest row keyword, and a column word between that keyword and
/// the number ("现行有效行政规范性文件698件" → in force 698).
fn prose_figures(text: &str, row: T2Row, cols: &[T2Column]) -> Vec<(T2Column, Number)> {
    let keyword = row_keyword(row);
    let mut out = Vec::new();
    for (m, number) in scan::prose_numbers(text) {
        let before = &text[..m.start];
        let from = before.char_indices().rev().nth(39).map_or(0, |(i, _)| i);
        let window = &before[from..];
        let clause = window.rsplit(['。', '；', ';', '，', ',', '、', '\n']).next().unwrap_or(window);
        // The nearest row keyword in the clause must be this row's.
        let nearest =
            T2Row::ALL.iter().filter_map(|&r| clause.rfind(row_keyword(r)).map(|p| (p, r))).max_by_key(|x| x.0);
        if nearest.map(|x| x.1) != Some(row) || !clause.contains(keyword) {
            continue;
        }
        // The column: named by the unit ("197批次", "3601627.4元"), else by
        // the column word nearest before the number.
        let unit = &text[m.clone()];
        let in_unit: Vec<T2Column> =
            cols.iter().copied().filter(|&col| column_keywords(col).iter().any(|k| unit.contains(k))).collect();
        let col = match in_unit.as_slice() {
            [col] => Some(*col),
            _ => cols
                .iter()
                .filter_map(|&col| column_keywords(col).iter().filter_map(|k| clause.rfind(k)).max().map(|p| (p, col)))
                .max_by_key(|x| x.0)
                .map(|x| x.1),
        };
        if let (Some(col), Ok(v)) = (col, text[number].parse::<Number>()) {
            out.push((col, v));
        }
    }
    out
}

/// A table-二 row with several readings (no identity binds its cells) is
/// settled by the report's own prose when exactly one reading agrees with at
/// least two figures the prose states about that row *and* column, more than
/// any other reading: `规范性文件8855698` with "现行有效…规范性文件698件" and
/// "制发的规范性文件88件" reads 88/55/698.
fn confirm_by_prose(mut p: Pending, figures: &[(T2Column, Number)]) -> Pending {
    if p.candidates.len() < 2 || figures.is_empty() {
        return p;
    }
    let score = |c: &[solve::Read]| {
        p.keys
            .iter()
            .zip(c)
            .filter(|(k, r)| {
                r.token.is_some() && matches!(k, CellKey::T2(_, col) if figures.contains(&(*col, r.value)))
            })
            .count()
    };
    let mut scores: Vec<(usize, usize)> = p.candidates.iter().enumerate().map(|(i, c)| (score(c), i)).collect();
    scores.sort_unstable_by(|a, b| b.cmp(a));
    let (best, i) = scores[0];
    if best >= 2 && scores[1].0 < best {
        p.cells = p.candidates[i].iter().copied().map(Some).collect();
        p.what.push_str("（数字按正文所述确定）");
        p.readings = 1;
    }
    p
}

/// A row whose reading its own identities could not settle.
struct Pending {
    keys: Vec<CellKey>,
    tokens: Vec<Token>,
    cells: Vec<Option<solve::Read>>,
    readings: usize,
    candidates: Vec<Vec<solve::Read>>,
    what: String,
    origin: Option<Origin>,
}

const COUNT: Slot = Slot { negative_ok: false, decimal_ok: false };

/// A cell in a column identity: known, or a cell of a pending row.
#[derive(Clone, Copy)]
enum Term {
    Known(i64),
    /// (pending row, cell of that row)
    Pending(usize, usize),
}

/// Σ sign × term = 0; `last` is the last pending row it involves.
struct ColumnIdentity {
    last: usize,
    terms: Vec<(i64, Term)>,
}

impl Extractor<'_> {
    fn note(&mut self, code: &str, message: String, cells: Vec<CellKey>, origin: Option<Origin>) {
        self.notes.push(ReadNote { code: code.into(), message, cells, origin });
    }

    /// Reads table 三. Returns whether （六）其他处理 was split in three rows
    /// (`None` when the table shows no （六） at all).
    fn read_t3(&mut self, start: usize, end: usize) -> Option<bool> {
        let text = &self.norm.text[..end];
        // (row, label start, label end, the numbers' span when printed inside the label)
        type Row = (T3Row, usize, usize, Option<(usize, usize)>);
        let mut found: Vec<Row> = Vec::new();
        let mut cursor = start;
        let mut split_other = None;
        for l in T3_LABELS.iter() {
            let is_sub_other = matches!(l.row, T3Row::Outcome(Outcome::Other(_)));
            if is_sub_other && split_other != Some(true) {
                continue;
            }
            if let T3Row::Outcome(Outcome::OtherUnsplit) = l.row {
                // （六） is split in three when its first sub-row stands before
                // 总计. Look from the last row, not from the group label: PDFs
                // print a group label in the middle of its sub-rows.
                let total = T3_LABELS.iter().find(|l| l.row == T3Row::Total).expect("total");
                let stop = total.re.find_at(text, cursor).map_or(text.len(), |t| t.start());
                let sub = T3_LABELS
                    .iter()
                    .find(|l| l.row == T3Row::Outcome(Outcome::Other(OtherReason::OverdueCorrection)))
                    .expect("sub");
                let split = sub.re.find_at(&text[..stop], cursor).is_some();
                split_other = Some(split);
                if split {
                    continue;
                }
            }
            let normal = l.re.find_at(text, cursor);
            // In text without explicit cells, the label may be wrapped around its numbers.
            let wrapped = if self.norm.explicit() {
                None
            } else {
                let lead = LeadIn::of_t3(l.row);
                let spans: Vec<&str> = ["三、本年度办理结果"].into_iter().chain(lead.group).collect();
                l.re.find_wrapped(lead.rest, text, cursor, &spans)
            };
            match (normal, wrapped) {
                (n, Some((a, b, run))) if n.is_none_or(|n| a <= n.start()) => {
                    found.push((l.row, a, b, Some(run)));
                    cursor = b;
                }
                (Some(m), _) => {
                    // A label pattern may end on the separator after it; the separator
                    // (a cell boundary, say) belongs to the numbers.
                    let end = m.start() + m.as_str().trim_end_matches(is_sep).len();
                    found.push((l.row, m.start(), end, None));
                    cursor = end;
                }
                (None, _) => {}
            }
        }
        let mut pending: Vec<Pending> = Vec::new();
        for (i, &(row, _, label_end, run)) in found.iter().enumerate() {
            let area_end = found.get(i + 1).map_or(end, |n| n.1);
            let keys: Vec<CellKey> = ApplicantColumn::ALL.iter().map(|&c| CellKey::T3(row, c)).collect();
            let slots = vec![COUNT; 7];
            let identities = [Identity { total: 6, parts: (0..6).collect() }];
            let area = match run {
                Some((a, b)) => self.area_from(a, b, false, false, LeadIn::NONE),
                None => self.area(label_end, area_end, end == self.norm.text.len(), LeadIn::of_t3(row)),
            };
            let what = format!("表三“{}”行", row.label());
            if let Some(p) = self.read_row(&keys, &slots, &identities, area, &what) {
                pending.push(p);
            }
        }
        let outcome_rows: Vec<T3Row> = found.iter().map(|f| f.0).filter(|r| matches!(r, T3Row::Outcome(_))).collect();
        let expected_outcomes = match split_other {
            Some(true) => T3Row::outcomes(Template::Y2021).len(),
            _ => T3Row::outcomes(Template::Y2019).len(),
        };
        // Σ outcomes is only known when every outcome row was found.
        let outcome_rows = if outcome_rows.len() == expected_outcomes { outcome_rows } else { Vec::new() };
        self.resolve_by_columns(pending, &outcome_rows);
        split_other
    }

    fn read_t4(&mut self, start: usize, end: usize) {
        let keys: Vec<CellKey> =
            T4Group::ALL.iter().flat_map(|&g| T4Column::ALL.iter().map(move |&c| CellKey::T4(g, c))).collect();
        let slots = vec![COUNT; 15];
        let identities: Vec<Identity> =
            (0..3).map(|g| Identity { total: g * 5 + 4, parts: (g * 5..g * 5 + 4).collect() }).collect();
        // The numbers are the trailing run of the table: everything before is
        // header text (printed across, down, or one character per line).
        let text = &self.norm.text;
        let mut run_start = end;
        for (p, c) in text[start..end].char_indices().rev() {
            if is_sep(c) || c.is_ascii_digit() || matches!(c, '-' | '.' | '/' | '无') {
                run_start = start + p;
            } else {
                break;
            }
        }
        // In a grid the run is the data row: start it at its first cell.
        let run_start = text[run_start..end].find(|c: char| !is_sep(c)).map_or(end, |p| run_start + p);
        let open = end == text.len();
        // The table starts at the last 行政复议 before its numbers (the
        // section heading and prose before it say 行政复议 too).
        let table_start =
            T4_HEADER.find_iter(&text[..run_start]).filter(|m| m.start() >= start).last().map_or(start, |m| m.start());
        if text[table_start..run_start].bytes().any(|b| b.is_ascii_digit()) {
            // Numbers before the trailing run: the table is not one header and
            // one data row. Reading the trailing run as the whole table (blank
            // cells dropped) would set cells printed elsewhere to 0.
            self.read_t4_by_group(table_start, end);
            return;
        }
        let area = self.t4_area(run_start, end, open);
        if let Some(p) = self.read_row(&keys, &slots, &identities, area, "表四") {
            self.commit(p);
        }
    }

    fn t4_area(&self, run_start: usize, end: usize, open: bool) -> Area {
        let grid = self.norm.explicit() && self.norm.in_cells(run_start);
        let mut area = self.area_from(run_start, end, open, false, LeadIn::NONE);
        if grid {
            area.grid = self.grid_cells(run_start, end, false);
        }
        area
    }

    /// Table 四 printed as three small tables (or three rows), one per group:
    /// each group's label, its header, and one run of five numbers. Read only
    /// when each group's part of the text holds exactly one run of numbers.
    fn read_t4_by_group(&mut self, start: usize, end: usize) {
        static DIRECT: LazyLock<Label> = LazyLock::new(|| label("未经复议直接起诉", None));
        static AFTER: LazyLock<Label> = LazyLock::new(|| label("复议后起诉", None));
        let text = &self.norm.text;
        let all: Vec<CellKey> =
            T4Group::ALL.iter().flat_map(|&g| T4Column::ALL.iter().map(move |&c| CellKey::T4(g, c))).collect();
        let fail = |ex: &mut Self| {
            ex.note(
                "read.t4-layout",
                "表四的数字分散在多处，无法确定各组对应关系，表四未读取".into(),
                all.clone(),
                ex.norm.origin_at(start),
            );
        };
        let g1 = T4_HEADER.find_at(text, start).filter(|m| m.start() < end);
        let g2 = g1.and_then(|m| DIRECT.find_at(text, m.end())).filter(|m| m.start() < end);
        let g3 = g2.and_then(|m| AFTER.find_at(text, m.end())).filter(|m| m.start() < end);
        let (Some(g1), Some(g2), Some(g3)) = (g1, g2, g3) else { return fail(self) };
        let segments = [(g1.end(), g2.start()), (g2.end(), g3.start()), (g3.end(), end)];
        // Each segment: header words, then one run of numbers, then at most
        // text without digits (the next group's "行政诉讼").
        let mut areas = Vec::new();
        for (a, b) in segments {
            let Some(first) = (a..b).find(|&i| text.is_char_boundary(i) && scan_number(text, i, b).is_some()) else {
                return fail(self);
            };
            let area = self.t4_area(first, b, b == text.len());
            let after = area.tokens.last().map_or(b, |t| t.span.1);
            if area.tokens.is_empty() || text[after..b].bytes().any(|c| c.is_ascii_digit()) {
                return fail(self);
            }
            areas.push(area);
        }
        let slots = vec![COUNT; 5];
        let identities = [Identity { total: 4, parts: (0..4).collect() }];
        for (&g, area) in T4Group::ALL.iter().zip(areas) {
            let keys: Vec<CellKey> = T4Column::ALL.iter().map(|&c| CellKey::T4(g, c)).collect();
            let what = format!("表四“{}”", g.label());
            if let Some(p) = self.read_row(&keys, &slots, &identities, area, &what) {
                self.commit(p);
            }
        }
    }

    fn read_t2(&mut self, template: Template, start: usize, end: usize, prose: &str) {
        let text = &self.norm.text[..end];
        let layout = T2Row::layout(template);
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        let mut cursor = start;
        for (i, (row, _)) in layout.iter().enumerate() {
            let re = &T2_LABELS.iter().find(|(r, _)| r == row).expect("t2 label").1;
            if let Some(m) = re.find_at(text, cursor) {
                found.push((i, m.start(), m.end()));
                cursor = m.end();
            }
        }
        for (n, &(i, _, label_end)) in found.iter().enumerate() {
            let (row, cols) = layout[i];
            let area_end = found.get(n + 1).map_or(end, |x| x.1);
            let keys: Vec<CellKey> = cols.iter().map(|&c| CellKey::T2(row, c)).collect();
            let slots: Vec<Slot> =
                keys.iter().map(|k| Slot { negative_ok: k.may_be_negative(), decimal_ok: k.is_amount() }).collect();
            let area = self.area(label_end, area_end, end == self.norm.text.len(), LeadIn::NONE);
            let what = format!("表二“{}”行", row.label());
            if let Some(p) = self.read_row(&keys, &slots, &[], area, &what) {
                let figures = prose_figures(prose, row, cols);
                let p = confirm_by_prose(p, &figures);
                self.prose_contradictions(&p, &figures);
                self.commit(p);
            }
        }
    }

    /// The numbers after a label, up to the first text after them.
    fn area(&self, label_end: usize, area_end: usize, region_open: bool, lead: LeadIn) -> Area {
        self.area_from(label_end, area_end, region_open, self.norm.in_cells(label_end.saturating_sub(1)), lead)
    }

    fn area_from(&self, from: usize, to: usize, region_open: bool, grid: bool, lead: LeadIn) -> Area {
        let text = &self.norm.text;
        let mut tokens = Vec::new();
        let mut i = from;
        let mut stopped = false;
        let mut seen = String::new();
        while i < to {
            let c = text[i..].chars().next().expect("in range");
            if is_sep(c) {
                i += 1;
                continue;
            }
            if let Some((tok, next)) = scan_number(text, i, to) {
                tokens.push(tok);
                i = next;
                continue;
            }
            if !tokens.is_empty() {
                stopped = true;
                break;
            }
            seen.push(c);
            i += c.len_utf8();
        }
        let open = region_open && !stopped && to == text.len();
        let grid = if grid { self.grid_cells(from, to, true) } else { None };
        let detached = (!tokens.is_empty() && !lead.admits(&seen)).then_some(seen);
        Area { tokens, grid, open, detached }
    }

    /// In an explicit grid: the cells after the label's cell, to the row's end.
    fn grid_cells(&self, from: usize, to: usize, after_label: bool) -> Option<Vec<Option<Token>>> {
        let text = &self.norm.text;
        let mut pos = from;
        if after_label {
            // Skip the rest of the label's own cell.
            let rest = &text[from..to];
            let first = rest.find(is_hard)?;
            if rest.as_bytes()[first] == b'\n' {
                return None;
            }
            pos = from + first + 1;
        }
        let mut cells = Vec::new();
        loop {
            let seg_end = text[pos..to].find(is_hard).map_or(to, |p| pos + p);
            let seg = text[pos..seg_end].trim_matches(' ');
            let seg_start = pos + (text[pos..seg_end].len() - text[pos..seg_end].trim_start_matches(' ').len());
            cells.push(if seg.is_empty() {
                Some(Token { negative: false, digits: "0".into(), frac: None, blank_mark: true, span: (pos, pos) })
            } else {
                scan_number(text, seg_start, seg_end)
                    .filter(|(_, n)| text[*n..seg_end].trim_matches(' ').is_empty())
                    .map(|(t, _)| t)
            });
            if seg_end >= to || text.as_bytes()[seg_end] == b'\n' {
                break;
            }
            pos = seg_end + 1;
        }
        Some(cells)
    }

    /// Reads one row into cells. A row whose reading stays ambiguous is
    /// returned, so that the table's column identities can still decide it.
    fn read_row(
        &mut self,
        keys: &[CellKey],
        slots: &[Slot],
        identities: &[Identity],
        area: Area,
        what: &str,
    ) -> Option<Pending> {
        let n = keys.len();
        let text_len = self.norm.text.len();
        // A number that touches the end of a cut-off document may itself be
        // cut ("12" printed as "1"); only a lone 0 cannot be.
        let cut_short = |t: &Token| t.span.1 >= text_len && !(t.blank_mark || t.digits == "0" && t.frac.is_none());
        let mut area = area;
        // A row of a real table: each cell is where it is printed.
        if let Some(mut grid) = area.grid.take() {
            let mut popped = false;
            while grid.len() > n && matches!(grid.last(), Some(Some(t)) if t.blank_mark && t.span.0 == t.span.1) {
                grid.pop();
                popped = true;
            }
            if area.open && grid.last().is_some_and(|c| c.as_ref().is_none_or(cut_short)) {
                grid.pop();
            }
            // Dropping trailing empty cells is only safe when no other cell is
            // empty: otherwise an empty spacer cell may have shifted the row.
            let shifted = popped && grid.iter().flatten().any(|t| t.blank_mark && t.span.0 == t.span.1);
            let numbers: Option<Vec<Number>> = grid.iter().map(|c| c.as_ref().and_then(Token::number)).collect();
            if let Some(numbers) = numbers.filter(|v| !shifted && (v.len() == n || area.open && v.len() < n)) {
                for ((k, t), v) in keys.iter().zip(grid.iter().flatten()).zip(numbers) {
                    self.put(*k, v, t.span, false);
                }
                return None;
            }
        }
        if let Some(between) = &area.detached {
            let between: String = between.chars().take(24).collect();
            self.note(
                "read.label-apart",
                format!("{what}的标签与数字之间隔有其他文字（“{between}”），数字可能属于别的行，该行未读取"),
                keys.to_vec(),
                self.norm.origin_at(area.tokens[0].span.0),
            );
            return None;
        }
        if area.open {
            if area.tokens.last().is_some_and(cut_short) {
                area.tokens.pop();
            }
            // Cut off by the end of the document. Blank cells may have been
            // dropped, so only a leading run of zeros is certain: whichever
            // cells those zeros (or dropped blanks) stand for, they are 0.
            if area.tokens.len() < n {
                for (k, t) in keys.iter().zip(&area.tokens) {
                    if !(t.blank_mark || t.digits == "0" && t.frac.is_none()) {
                        break;
                    }
                    self.put(*k, Number::ZERO, t.span, false);
                }
                return None;
            }
        }
        if area.tokens.is_empty() {
            if !area.open {
                self.note("read.row-without-numbers", format!("{what}未找到数字"), keys.to_vec(), None);
            }
            return None;
        }
        let origin = self.norm.origin_at(area.tokens[0].span.0);
        match solve::solve(&area.tokens, slots, identities, true) {
            solve::Outcome::Unique { cells, by_identity } => {
                for (k, r) in keys.iter().zip(cells) {
                    self.put_read(*k, &area.tokens, r, by_identity);
                }
                None
            }
            solve::Outcome::Partial { cells, readings, candidates } => {
                let pending = Pending {
                    keys: keys.to_vec(),
                    tokens: area.tokens,
                    cells,
                    readings,
                    candidates,
                    what: what.to_string(),
                    origin,
                };
                if pending.cells.iter().all(Option::is_some) {
                    self.commit(pending);
                    None
                } else {
                    Some(pending)
                }
            }
            solve::Outcome::Inconsistent => {
                self.note(
                    "read.inconsistent-row",
                    format!(
                        "{what}印作“{}”，无论怎样拆分都不满足合计关系（总计 = 各栏之和），原表有误；各栏数值无法确定，该行未读取",
                        self.printed(&area.tokens)
                    ),
                    keys.to_vec(),
                    origin,
                );
                None
            }
            solve::Outcome::NoReading => {
                self.note(
                    "read.unreadable-row",
                    format!(
                        "{what}的数字“{}”无法与 {n} 个单元格对应（或不满足合计关系），该行未读取",
                        self.printed(&area.tokens)
                    ),
                    keys.to_vec(),
                    origin,
                );
                None
            }
        }
    }

    /// A figure the prose states for a cell of a glued row that no reading
    /// of the printed digits gives: prose and table contradict each other
    /// whichever split is right (`现行有效…393件` against `77132470`).
    fn prose_contradictions(&mut self, p: &Pending, figures: &[(T2Column, Number)]) {
        if p.candidates.is_empty() || p.readings == 1 {
            return;
        }
        for (i, k) in p.keys.iter().enumerate() {
            let CellKey::T2(row, col) = *k else { continue };
            if p.cells[i].is_some() {
                continue;
            }
            let stated: Vec<Number> = figures.iter().filter(|f| f.0 == col).map(|f| f.1).collect();
            // Only a single figure for the cell: two different ones are the prose's own business.
            let [v] = stated.as_slice() else { continue };
            if p.candidates.iter().all(|c| c[i].value != *v) {
                self.note(
                    "read.prose-contradicts",
                    format!(
                        "正文称“{}”{}为 {v}，而表二该行印作“{}”，无论怎样拆分都得不出 {v}",
                        row.label(),
                        col.label(),
                        self.printed(&p.tokens)
                    ),
                    vec![*k],
                    p.origin,
                );
            }
        }
    }

    /// Writes what is certain of an ambiguous row, and says what is not.
    fn commit(&mut self, p: Pending) {
        let mut missing = Vec::new();
        for (k, r) in p.keys.iter().zip(&p.cells) {
            match r {
                Some(r) => self.put_read(*k, &p.tokens, *r, true),
                None => missing.push(*k),
            }
        }
        if !missing.is_empty() {
            let how = if p.readings == usize::MAX {
                "读法过多".to_string()
            } else {
                format!("有 {} 种读法", p.readings)
            };
            self.note(
                "read.ambiguous",
                format!("{}的数字“{}”{how}，无法确定各栏数值，这些单元格未读取", p.what, self.printed(&p.tokens)),
                missing,
                p.origin,
            );
        }
    }

    /// Table 三's column identities decide rows their own row sum could not:
    /// for every column, 一 + 二 = 总计 + 四 and 总计 = Σ outcomes. Readings of
    /// the ambiguous rows are combined; a cell is read when every combination
    /// that satisfies the identities gives it the same value.
    fn resolve_by_columns(&mut self, pending: Vec<Pending>, outcome_rows: &[T3Row]) {
        const MAX_COMBOS: usize = 200_000;
        const MAX_VALID: usize = 10_000;
        let combos = pending.iter().try_fold(1usize, |acc, p| acc.checked_mul(p.candidates.len().max(1)));
        let decidable = !pending.is_empty()
            && pending.iter().all(|p| !p.candidates.is_empty())
            && combos.is_some_and(|c| c <= MAX_COMBOS);
        // Candidate values as integers (table 三 holds counts only).
        let values: Option<Vec<Vec<Vec<i64>>>> = pending
            .iter()
            .map(|p| p.candidates.iter().map(|c| c.iter().map(|r| r.value.as_int()).collect()).collect())
            .collect();
        let (true, Some(values)) = (decidable, values) else {
            pending.into_iter().for_each(|p| self.commit(p));
            return;
        };
        let ids = self.column_identities(&pending, outcome_rows);
        // Backtracking over the rows' readings; an identity is checked as soon
        // as the last pending row it involves has a reading.
        let mut valid: Vec<Vec<usize>> = Vec::new();
        let mut choice = vec![0usize; pending.len()];
        let holds = |ids: &[ColumnIdentity], depth: usize, choice: &[usize]| {
            ids.iter().filter(|id| id.last == depth).all(|id| {
                let s: i64 = id
                    .terms
                    .iter()
                    .map(|&(sign, t)| {
                        sign * match t {
                            Term::Known(v) => v,
                            Term::Pending(pi, ci) => values[pi][choice[pi]][ci],
                        }
                    })
                    .sum();
                s == 0
            })
        };
        fn walk(
            depth: usize,
            choice: &mut Vec<usize>,
            counts: &[usize],
            valid: &mut Vec<Vec<usize>>,
            holds: &dyn Fn(usize, &[usize]) -> bool,
        ) {
            if valid.len() > MAX_VALID {
                return;
            }
            if depth == counts.len() {
                valid.push(choice.clone());
                return;
            }
            for c in 0..counts[depth] {
                choice[depth] = c;
                if holds(depth, choice) {
                    walk(depth + 1, choice, counts, valid, holds);
                }
            }
        }
        let counts: Vec<usize> = pending.iter().map(|p| p.candidates.len()).collect();
        walk(0, &mut choice, &counts, &mut valid, &|d, ch| holds(&ids, d, ch));
        for (pi, mut p) in pending.into_iter().enumerate() {
            if !valid.is_empty() && valid.len() <= MAX_VALID {
                let chosen: Vec<&[solve::Read]> = valid.iter().map(|v| p.candidates[v[pi]].as_slice()).collect();
                let agreed = solve::agree(p.keys.len(), chosen.into_iter());
                p.readings = valid.iter().map(|v| v[pi]).collect::<std::collections::BTreeSet<_>>().len();
                p.cells = agreed;
            }
            self.commit(p);
        }
    }

    /// Table 三's column identities that involve a pending cell and whose
    /// other cells are all known: for every column, 一 + 二 − 总计 − 四 = 0
    /// and Σ outcomes − 总计 = 0 (the latter only when every outcome row was found).
    fn column_identities(&self, pending: &[Pending], outcome_rows: &[T3Row]) -> Vec<ColumnIdentity> {
        let mut at: BTreeMap<CellKey, (usize, usize)> = BTreeMap::new();
        for (pi, p) in pending.iter().enumerate() {
            for (ci, k) in p.keys.iter().enumerate() {
                at.insert(*k, (pi, ci));
            }
        }
        let term = |k: CellKey| -> Option<Term> {
            match at.get(&k) {
                Some(&(pi, ci)) => Some(Term::Pending(pi, ci)),
                None => self.cells.get(&k).and_then(|c| c.value.as_int()).map(Term::Known),
            }
        };
        let mut ids = Vec::new();
        let mut add = |terms: Vec<(i64, CellKey)>| {
            let resolved: Option<Vec<(i64, Term)>> = terms.iter().map(|&(s, k)| term(k).map(|t| (s, t))).collect();
            let Some(terms) = resolved else { return };
            let last = terms.iter().filter_map(|t| if let Term::Pending(pi, _) = t.1 { Some(pi) } else { None }).max();
            if let Some(last) = last {
                ids.push(ColumnIdentity { last, terms });
            }
        };
        for &col in ApplicantColumn::ALL {
            let k = |r: T3Row| CellKey::T3(r, col);
            add(vec![
                (1, k(T3Row::New)),
                (1, k(T3Row::CarriedOver)),
                (-1, k(T3Row::Total)),
                (-1, k(T3Row::CarryForward)),
            ]);
            if !outcome_rows.is_empty() {
                let mut terms: Vec<(i64, CellKey)> = outcome_rows.iter().map(|&r| (1, k(r))).collect();
                terms.push((-1, k(T3Row::Total)));
                add(terms);
            }
        }
        ids
    }

    fn printed(&self, tokens: &[Token]) -> String {
        let a = tokens.first().map_or(0, |t| t.span.0);
        let b = tokens.last().map_or(0, |t| t.span.1);
        squash(&self.norm.text[a..b])
    }

    fn put_read(&mut self, key: CellKey, tokens: &[Token], r: solve::Read, by_identity: bool) {
        match r.token {
            Some(t) => {
                let tok = &tokens[t];
                let digits_at = tok.span.0 + usize::from(tok.negative);
                let span = if tok.blank_mark || (r.digits.0 == 0 && r.digits.1 == tok.digits.len()) {
                    tok.span
                } else {
                    (digits_at + r.digits.0 - usize::from(tok.negative && r.digits.0 == 0), digits_at + r.digits.1)
                };
                self.put(key, r.value, span, by_identity);
            }
            None => {
                self.cells.insert(key, Cell { value: r.value, provenance: None });
            }
        }
    }

    fn put(&mut self, key: CellKey, value: Number, span: (usize, usize), by_identity: bool) {
        if by_identity {
            self.split.push(key);
        }
        let provenance = self.norm.origin_at(span.0).map(|origin| Provenance {
            origin,
            raw: if span.0 == span.1 { String::new() } else { self.norm.raw(span.0, span.1) },
            resolved_by_identity: by_identity,
        });
        self.cells.insert(key, Cell { value, provenance });
    }
}

impl Token {
    /// The value when the token is one number, as printed.
    fn number(&self) -> Option<Number> {
        if self.blank_mark {
            return Some(Number::ZERO);
        }
        if self.digits.len() > 1 && self.digits.starts_with('0') {
            return None;
        }
        let mut s = String::new();
        if self.negative {
            s.push('-');
        }
        s.push_str(&self.digits);
        if let Some(f) = &self.frac {
            s.push('.');
            s.push_str(f);
        }
        s.parse().ok()
    }
}

/// Units printed inside cells (`251000元`, `2笔`).
const UNITS: [&str; 9] = ["万元", "元", "笔", "件", "个", "项", "条", "次", "%"];

/// A number token at `i`: `-?digits(.digits)?unit?`, or a blank mark
/// (`-`, `/`, `无` standing alone). Returns the token and the end offset.
fn scan_number(text: &str, i: usize, to: usize) -> Option<(Token, usize)> {
    let bytes = text.as_bytes();
    let standalone =
        |a: usize, b: usize| (a == 0 || text[..a].ends_with(is_sep)) && (b >= to || text[b..].starts_with(is_sep));
    let mut j = i;
    let negative = bytes.get(j) == Some(&b'-') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit);
    if negative {
        j += 1;
    }
    if bytes.get(j).is_some_and(u8::is_ascii_digit) {
        let ds = j;
        while j < to && bytes[j].is_ascii_digit() {
            j += 1;
        }
        let mut digits = text[ds..j].to_string();
        // Thousands separators: 12,345
        while j + 3 < to
            && bytes[j] == b','
            && bytes[j + 1..j + 4].iter().all(u8::is_ascii_digit)
            && !bytes.get(j + 4).is_some_and(u8::is_ascii_digit)
        {
            digits.push_str(&text[j + 1..j + 4]);
            j += 4;
        }
        let mut frac = None;
        if j + 1 < to && bytes[j] == b'.' && bytes[j + 1].is_ascii_digit() {
            let fs = j + 1;
            j += 1;
            while j < to && bytes[j].is_ascii_digit() {
                j += 1;
            }
            frac = Some(text[fs..j].to_string());
        }
        let end = j;
        for u in UNITS {
            if text[j..to].starts_with(u) {
                j += u.len();
                break;
            }
        }
        return Some((Token { negative, digits, frac, blank_mark: false, span: (i, end) }, j));
    }
    // Blank marks.
    let c = text[i..].chars().next()?;
    if matches!(c, '-' | '/' | '无') {
        let mut k = i;
        while k < to && text[k..].starts_with(c) {
            k += c.len_utf8();
        }
        if standalone(i, k) {
            return Some((
                Token { negative: false, digits: "0".into(), frac: None, blank_mark: true, span: (i, k) },
                k,
            ));
        }
    }
    None
}

/// Which template table 二's headers and rows belong to.
fn template_evidence(t2: &str) -> Option<Template> {
    static Y2021: LazyLock<Vec<Label>> = LazyLock::new(|| {
        ["本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额"]
            .iter()
            .map(|s| label(s, None))
            .collect()
    });
    static Y2019: LazyLock<Vec<Label>> = LazyLock::new(|| {
        [
            "本年新制作数量",
            "本年新公开数量",
            "对外公开总数量",
            "上一年项目数量",
            "其他对外管理服务事项",
            "采购项目数量",
            "政府集中采购",
        ]
        .iter()
        .map(|s| label(s, None))
        .collect()
    });
    let new = Y2021.iter().filter(|r| r.is_match(t2)).count();
    let old = Y2019.iter().filter(|r| r.is_match(t2)).count();
    match (new, old) {
        (0, 0) => None,
        (n, o) if n > o => Some(Template::Y2021),
        (n, o) if o > n => Some(Template::Y2019),
        _ => None,
    }
}

/// The report's title and what it says.
struct Title {
    text: String,
    agency: Option<String>,
    year: Option<u16>,
}

fn find_title(flat: &Flat) -> Option<Title> {
    // Titles stand near the top, before the first section, on one line or two.
    let mut lines: Vec<String> = Vec::new();
    for p in flat.pieces.iter().take(60) {
        // A title is short; a long piece (a whole page glued into one line) is not one.
        if p.text.len() > 400 {
            lines.push(String::new());
            continue;
        }
        let t: String = p.text.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}').collect();
        let t = fold_punct(&t);
        // Traditional characters and inline pinyin of mirror sites.
        let mut t = strip_pinyin(&t);
        // Page chrome on the title's line ("…年度报告 发布日期：2024-01-20 来源：…").
        if let Some(at) = ["发布日期", "发布时间", "发表日期", "来源:", "浏览次数", "字号:"]
            .iter()
            .filter_map(|w| t.find(w))
            .filter(|&at| at > 0)
            .min()
        {
            t.truncate(at);
        }
        if t.starts_with("一、") && (t.contains("总体情况") || t.contains("總體情況")) {
            break;
        }
        if !t.is_empty() {
            lines.push(t);
        }
    }
    let try_line = |s: &str| -> Option<Title> {
        if s.chars().count() > 70 || s.ends_with('。') {
            return None;
        }
        // Match on simplified characters; keep the agency as printed.
        let simplified: String = s.chars().map(crate::tradsimp::simplify).collect();
        let printed = |m: std::ops::Range<usize>| -> String {
            let from = simplified[..m.start].chars().count();
            let len = simplified[m].chars().count();
            s.chars().skip(from).take(len).collect()
        };
        for pattern in 0..3 {
            if let Some(c) = scan::title(pattern, &simplified) {
                // The agency as the pattern allows it: 2 to 40 chars.
                if !(2..=40).contains(&simplified[c.agency.clone()].chars().count()) {
                    continue;
                }
                let agency = Some(clean_agency(printed(c.agency).trim_matches(|c: char| !is_name_char(c))))
                    .filter(|a| a.chars().count() >= 2 && !a.contains("关于"));
                // Page chrome glued to a title ("无障碍|关怀版…") is not a name.
                if agency.as_deref().is_some_and(|a| a.contains(['|', ':', '>', '/'])) {
                    continue;
                }
                let year = simplified[c.year].parse().ok();
                return Some(Title { text: s.to_string(), agency, year });
            }
        }
        None
    };
    for i in 0..lines.len() {
        if let Some(t) = try_line(&lines[i]) {
            return Some(t);
        }
        if let Some(next) = lines.get(i + 1) {
            if lines[i].chars().count() <= 40 {
                if let Some(t) = try_line(&format!("{}{}", lines[i], next)) {
                    return Some(t);
                }
            }
        }
    }
    None
}

/// An agency name without what a page put before it: a label word (`名称`),
/// an image's alt text (`图片`), the site's column name (`政府信息公开年报`).
fn clean_agency(a: &str) -> String {
    const PREFIXES: [&str; 12] = [
        "名称",
        "标题",
        "题名",
        "图片",
        "政府信息公开工作年度报告",
        "政府信息公开年度报告",
        "政府信息公开年报",
        "政务公开年度报告",
        "信息公开年报",
        "年度报告",
        "年报",
        "正文",
    ];
    let mut a = a;
    loop {
        let before = a;
        for p in PREFIXES {
            if let Some(rest) = a.strip_prefix(p) {
                let rest = rest.trim_start_matches(|c: char| !is_name_char(c));
                if rest.chars().count() >= 2 {
                    a = rest;
                }
            }
        }
        if a == before {
            return a.to_string();
        }
    }
}

fn is_name_char(c: char) -> bool {
    !(c.is_ascii_punctuation() || c.is_whitespace() || "、，。：；《》（）【】".contains(c))
}

fn strip_pinyin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if let Some(len) = crate::norm::pinyin_group(s, i) {
            i += len;
            continue;
        }
        let c = s[i..].chars().next().expect("in range");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn fold_punct(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// The statistics year when no title says it: the statistics period, else
/// the year the opening text mentions most.
fn year_from_text(text: &str) -> Option<u16> {
    let head = match text.char_indices().nth(3000) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    // The report named with its year ("现公开…2025年政府信息公开工作报告", a
    // title the title patterns did not take) outranks the statistics period.
    if let Some(y) = scan::report_mention(head).and_then(|y| y.parse().ok()) {
        return Some(y);
    }
    if let Some(y) = scan::stat_period(text) {
        return y.parse().ok();
    }
    let mut counts: BTreeMap<u16, (usize, usize)> = BTreeMap::new();
    for (n, y) in scan::year_mentions(head).enumerate() {
        if let Ok(y) = y.parse::<u16>() {
            let e = counts.entry(y).or_insert((0, n));
            e.0 += 1;
        }
    }
    counts.into_iter().max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1))).map(|(y, _)| y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(s: &str) -> Report {
        let mut f = Flat::default();
        for (i, l) in s.lines().enumerate() {
            f.line(i as u32 + 1, l);
        }
        extract(&f, SourceFormat::Text).expect("reads")
    }

    fn get(r: &Report, key: &str) -> Option<String> {
        r.value(key.parse().expect("key")).map(|n| n.to_string())
    }

    #[test]
    fn titles_give_agency_and_year() {
        for (text, agency, year) in [
            ("聊城市工业和信息化局\n2023年政府信息公开工作年度报告", Some("聊城市工业和信息化局"), 2023),
            (
                "无障碍 | 关怀版 | 简体| 繁体\n宝坻区大钟庄镇政府信息公开工作年度报告 (2019年)",
                Some("宝坻区大钟庄镇"),
                2019,
            ),
            ("市政府研究室2019年政府信息公开\n工作年度报告", Some("市政府研究室"), 2019),
            ("标题: 平潭综合实验区2022年度政府信息公开工作年度报告", Some("平潭综合实验区"), 2022),
            ("大冶市自然资源和规划局2025年政府信息公开工作报告", Some("大冶市自然资源和规划局"), 2025),
        ] {
            let r = read_text(&format!("{text}\n一、总体情况\n正文。"));
            assert_eq!(r.meta.agency.as_deref(), agency, "{text}");
            assert_eq!(r.meta.year, Some(year), "{text}");
        }
    }

    #[test]
    fn agency_names_lose_what_the_page_put_before_them() {
        for (line, agency) in [
            ("名称：某某市交通运输局2023年政府信息公开工作年度报告", "某某市交通运输局"),
            ("图片某某县人民政府办公室2022年政府信息公开工作年度报告", "某某县人民政府办公室"),
            ("政府信息公开年报某某区司法局2024年度政府信息公开工作年度报告", "某某区司法局"),
            ("标题: 政府信息公开年报 某某镇人民政府2021年政府信息公开工作年度报告", "某某镇人民政府"),
        ] {
            let r = read_text(&format!("{line}\n一、总体情况\n正文。"));
            assert_eq!(r.meta.agency.as_deref(), Some(agency), "{line}");
        }
    }

    #[test]
    fn the_year_the_report_names_outranks_a_stale_statistics_period() {
        // The title has page chrome on its line, so no title pattern takes it;
        // the period was copied from last year's report.
        let r = read_text(
            "某某县统计局2023年政府信息公开工作年度报告 发布日期：2024-01-20 来源：本站 浏览次数：35\n\
             本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n一、总体情况\n正文。",
        );
        assert_eq!(r.meta.year, Some(2023));
    }

    #[test]
    fn a_fragment_that_says_it_is_a_report_is_read_and_says_what_is_missing() {
        let r = read_text(
            "本年度报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和有关规定编制。\n\
             一、总体情况\n2023年，我局认真贯彻落实《条例》。",
        );
        assert!(r.notes.iter().any(|n| n.code == "read.no-title"));
        assert!(r.notes.iter().any(|n| n.code == "read.no-tables"));
        let mut f = Flat::default();
        f.line(1, "会议纪要：本报告根据会议讨论编制。");
        assert!(extract(&f, SourceFormat::Text).is_err());
    }

    #[test]
    fn a_mirror_site_in_traditional_characters_with_pinyin_reads() {
        let r = read_text(
            "某某縣衛生健康局2023年政府信息公開工作年度報告\n\
             一、本年新收政府信息公開申請數(shù)量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n二、上年結轉政府信息公開申請數量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        );
        assert_eq!(r.meta.agency.as_deref(), Some("某某縣衛生健康局"));
        assert_eq!(r.meta.year, Some(2023));
        assert_eq!(get(&r, "t3.new.total").as_deref(), Some("2"));
        assert_eq!(get(&r, "t3.carried_over.natural").as_deref(), Some("0"));
    }

    #[test]
    fn template_comes_from_the_tables_not_the_year() {
        let old = "某局2023年政府信息公开工作年度报告\n第二十条第（一）项\n信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量\n规章 | 0 | 0 | 0\n规范性文件 | 1 | 2 | 3\n第二十条第（五）项";
        let r = read_text(old);
        assert_eq!(r.meta.template, Some(Template::Y2019));
        assert_eq!(get(&r, "t2.normative.total").as_deref(), Some("3"));
        let new = "某局2020年政府信息公开工作年度报告\n第二十条第（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 0 | 0 | 0";
        assert_eq!(read_text(new).meta.template, Some(Template::Y2021));
        // No table 二 header: a 2020 report can only be the 2019 template.
        let r = read_text("某局2020年政府信息公开工作年度报告\n四、结转下年度继续办理 0 0 0 0 0 0 0");
        assert_eq!(r.meta.template, Some(Template::Y2019));
        assert_eq!(get(&r, "t3.carry_forward.total").as_deref(), Some("0"));
    }

    const T3_GLUED: &str = "某局2021年政府信息公开工作年度报告\n\
        一、本年新收政府信息公开申请数量640020470二、上年结转政府信息公开申请数量0000000\
        三、本年度办理结果（一）予以公开270020130（二）部分公开（区分处理的，只计这一情形，不计其他情形）5000005\
        （三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”0000000\
        4.保护第三方合法权益00000005.属于三类内部事务信息10000016.属于四类过程性信息00000007.属于行政执法案卷6000006\
        8.属于行政查询事项1000001（四）无法提供1.本机关不掌握相关政府信息2200003252.没有现成信息需要另行制作0000000\
        3.补正后申请内容仍不明确0000000（五）不予处理1.信访举报投诉类申请00000002.重复申请00000003.要求提供公开出版物0000000\
        4.无正当理由大量反复申请00000005.要求行政机关确认或重新出具已获取信息0000000（六）其他处理\
        1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000\
        2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请00000003.其他1000001\
        （七）总计630020469四、结转下年度继续办理1000001\
        四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计\
        未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计10203120001200000\
        五、存在的主要问题及改进情况";

    #[test]
    fn glued_table_three_is_split_by_row_and_column_identities() {
        let r = read_text(T3_GLUED);
        assert_eq!(r.meta.template, Some(Template::Y2021));
        // 640020470: two splits fit the row sum (64|0|0|2|0|4|70 and 6|40|0|2|0|…);
        // only one fits 一 + 二 = 总计 + 四 in every column.
        let new: Vec<_> = ["natural", "commercial", "research", "nonprofit", "legal_service", "other_org", "total"]
            .iter()
            .map(|c| get(&r, &format!("t3.new.{c}")).unwrap_or_default())
            .collect();
        assert_eq!(new, ["64", "0", "0", "2", "0", "4", "70"]);
        assert_eq!(get(&r, "t3.unavailable.not_held.total").as_deref(), Some("25"));
        assert_eq!(get(&r, "t3.other.other.natural").as_deref(), Some("1"));
        // "2.其他法律…" keeps its 2: the row before is 0000000, not 00000002.
        assert_eq!(get(&r, "t3.denied.state_secret.total").as_deref(), Some("0"));
        assert_eq!(get(&r, "t4.suit_direct.upheld").as_deref(), Some("12"));
        assert_eq!(r.cells.keys().filter(|k| matches!(k, CellKey::T3(..))).count(), 25 * 7);
        let c = &r.cells[&"t3.new.total".parse::<CellKey>().unwrap()];
        let p = c.provenance.as_ref().unwrap();
        assert_eq!(p.raw, "70");
        assert!(p.resolved_by_identity);
    }

    #[test]
    fn unreadable_glued_rows_are_left_out_and_explained() {
        // Total column printed 0 while the row has 3: no split satisfies the row sum.
        let r = read_text("某局2024年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量3000000二、上年结转政府信息公开申请数量0000000（一）予以公开");
        assert_eq!(get(&r, "t3.new.natural"), None);
        assert_eq!(get(&r, "t3.carried_over.total").as_deref(), Some("0"));
        let note = r.notes.iter().find(|n| n.code == "read.inconsistent-row").expect("a note");
        assert!(note.message.contains("3000000"), "{}", note.message);
        assert!(note.cells.contains(&"t3.new.total".parse().unwrap()));
    }

    #[test]
    fn prose_settles_a_glued_table_two_row_only_with_two_stated_values() {
        let head = "某局2022年政府信息公开工作年度报告\n一、总体情况\n";
        let table = "\n二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件8855698第二十条第（五）项";
        let r = read_text(&format!(
            "{head}集中公开现行有效行政规范性文件698件，动态更新本年度制发的规范性文件88件。{table}"
        ));
        assert_eq!(get(&r, "t2.normative.repealed").as_deref(), Some("55"));
        let r = read_text(&format!("{head}集中公开现行有效行政规范性文件698件。{table}"));
        assert_eq!(get(&r, "t2.normative.repealed"), None);
        assert!(r.notes.iter().any(|n| n.code == "read.ambiguous"));
    }

    #[test]
    fn prose_figures_must_name_the_row_and_the_column() {
        // "12件" is about 规范性文件, not 规章: 规章1120 stays unread.
        let r = read_text(
            "某局2022年政府信息公开工作年度报告\n一、总体情况\n本年制发规章1件、行政规范性文件12件。\n\
             二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章1120行政规范性文件000第二十条第（五）项",
        );
        assert_eq!(get(&r, "t2.regulation.repealed"), None);
        assert_eq!(get(&r, "t2.normative.issued").as_deref(), Some("0"));
    }

    #[test]
    fn prose_naming_a_table_row_does_not_start_the_table() {
        let r = read_text(
            "某局2023年政府信息公开工作年度报告\n一、总体情况\n本年新收政府信息公开申请5件。\n\
             二、主动公开政府信息情况\n第二十条第（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 0 | 0 | 0\n\
             三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 5 | 0 | 0 | 0 | 0 | 0 | 5\n二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0",
        );
        assert_eq!(get(&r, "t2.regulation.in_force").as_deref(), Some("0"));
        assert_eq!(get(&r, "t3.new.total").as_deref(), Some("5"));
    }

    #[test]
    fn fees_with_many_decimals_are_never_rounded() {
        let head = "某局2023年政府信息公开工作年度报告\n第二十条第（一）项\n信息内容 本年制发件数\n";
        let r = read_text(&format!("{head}行政事业性收费 | 0.1234567890123 |\n三、收到"));
        assert_eq!(get(&r, "t2.fees.amount").as_deref(), Some("0.1234567890123"));
        // Glued to other digits, a fraction longer than the solver handles is left out, not cut.
        let r = read_text(&format!("{head}规章0.1234567890123456789012345\n行政事业性收费 1\n三、收到"));
        assert!(get(&r, "t2.regulation.issued").is_none());
    }

    /// The text layer of ogi's own draft printed to PDF by LibreOffice: wrapped
    /// label cells put each row's numbers on the label's middle line, and the
    /// spanning cells (三、本年度办理结果, the group labels) one piece per line.
    #[test]
    fn labels_wrapped_around_their_numbers_read_as_libreoffice_prints_them() {
        let r = read_text(
            "某市数据局2023年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量 265 15 17 25 19 19 360\n\
             （二）部分公开（区分处理的，\n24 2 2 1 3 1 33\n只计这一情形，不计其他情形）\n\
             1.属于国家秘密 3 0 0 1 0 1 5\n2.其他法律行政法规禁\n2 0 0 0 0 1 3\n三、 止公开\n本年 3.危及“三安全一稳\n\
             3 1 0 2 0 0 6\n度办 定”\n理结 （三）\n4.保护第三方合法权益 5 0 0 0 0 0 5\n果 不予公\n开 5.属于三类内部事务信\n\
             0 0 1 0 0 0 1\n息\n6.属于四类过程性信息 3 0 0 0 0 0 3\n\
             1.本机关不掌握相关政\n28 2 2 1 6 0 39\n府信息\n（四）\n2.没有现成信息需要另\n无法提 14 0 1 1 1 1 18\n行制作\n供\n\
             3.补正后申请内容仍不\n2 0 0 0 0 0 2\n明确\n1.信访举报投诉类申请 3 1 0 0 0 1 5\n\
             1.申请人无正当理由逾\n期不补正、行政机关不\n6 0 0 1 2 0 9\n再处理其政府信息公开\n（六） 申请\n\
             其他处 2.申请人逾期未按收费\n理 通知要求缴纳费用、行\n6 1 1 0 0 1 9\n政机关不再处理其政府\n信息公开申请\n\
             3.其他 50 2 3 6 4 4 69\n（七）总计 261 15 18 25 18 18 355",
        );
        for (key, v) in [
            ("t3.partial.total", "33"),
            ("t3.denied.prohibited_by_law.total", "3"),
            ("t3.denied.safety_stability.natural", "3"),
            ("t3.denied.safety_stability.total", "6"),
            ("t3.denied.internal_affairs.research", "1"),
            ("t3.unavailable.not_held.total", "39"),
            ("t3.unavailable.needs_creation.total", "18"),
            ("t3.unavailable.still_unclear.total", "2"),
            ("t3.other.overdue_correction.total", "9"),
            ("t3.other.overdue_fee.total", "9"),
            ("t3.other.overdue_fee.commercial", "1"),
            ("t3.other.other.total", "69"),
        ] {
            assert_eq!(get(&r, key).as_deref(), Some(v), "{key}");
        }
        // Numbers after the whole label on its own line are not taken into it.
        let r = read_text(
            "某市数据局2023年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1\n\
             1.本机关不掌握相关政府信息\n2.没有现成信息需要另\n5 0 0 0 0 0 5\n行制作",
        );
        assert_eq!(get(&r, "t3.unavailable.needs_creation.total").as_deref(), Some("5"));
        assert_eq!(get(&r, "t3.unavailable.not_held.total"), None);
    }

    #[test]
    fn pdf_group_labels_between_sub_rows_do_not_confuse_the_rows() {
        let s = "某市2024年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1\n\
            5.要求行政机关确认或重新出具已获取信息 1 0 0 0 0 0 1\n\
            1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 67 3 0 0 1 0 71\n（六）其他处理\n\
            2、申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 6 0 0 0 0 0 6\n3、其他 108 2 0 0 0 0 110\n\
            （七）总计 2932 53 0 0 61 4 3050";
        let r = read_text(s);
        assert_eq!(get(&r, "t3.not_processed.confirmation.total").as_deref(), Some("1"));
        assert_eq!(get(&r, "t3.other.overdue_correction.total").as_deref(), Some("71"));
        assert_eq!(get(&r, "t3.other.other.natural").as_deref(), Some("108"));
        assert_eq!(get(&r, "t3.other.natural"), None);
    }

    #[test]
    fn a_fragment_cut_mid_row_shows_only_the_cells_it_certainly_shows() {
        let head =
            "某局2023年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n";
        let r = read_text(&format!("{head}6.属于四类过程性信息 | 0 | 0 | 0 | 0 | 0 | 0"));
        assert_eq!(get(&r, "t3.denied.process_info.other_org").as_deref(), Some("0"));
        assert_eq!(get(&r, "t3.denied.process_info.total"), None);
        // The last number may be cut ("12" printed as "1"); a blank may have
        // been dropped before a non-zero number: neither is read.
        let r = read_text(&format!("{head}6.属于四类过程性信息 | 0 | 0 | 0 | 0 | 0 | 0 | 1"));
        assert_eq!(get(&r, "t3.denied.process_info.total"), None);
        let r = read_text(&format!("{head}6.属于四类过程性信息 | 0 | 3 | 3 |\n"));
        assert_eq!(get(&r, "t3.denied.process_info.natural").as_deref(), Some("0"));
        assert_eq!(get(&r, "t3.denied.process_info.commercial"), None);
        // Glued digits at the end of a cut document are not read at all.
        let r = read_text("某局2023年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量640020470");
        assert!(!r.cells.keys().any(|k| k.to_string().starts_with("t3.new.")));
    }

    fn grid(rows: &[&[&str]]) -> Report {
        let mut f = Flat { explicit_cells: true, ..Flat::default() };
        f.line(1, "某局2023年政府信息公开工作年度报告");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                f.cell(0, r as u32, c as u32, *cell);
            }
        }
        f.line(2, "五、存在的主要问题及改进情况");
        extract(&f, SourceFormat::Html).expect("reads")
    }

    const NEW: &str = "一、本年新收政府信息公开申请数量";

    #[test]
    fn grid_cells_are_read_where_printed_and_blank_is_zero() {
        let r = grid(&[&[NEW, "3", "", "0", "0", "0", "0", "3"]]);
        assert_eq!(get(&r, "t3.new.natural").as_deref(), Some("3"));
        assert_eq!(get(&r, "t3.new.commercial").as_deref(), Some("0"));
        assert_eq!(get(&r, "t3.new.total").as_deref(), Some("3"));
    }

    #[test]
    fn a_grid_cell_that_is_not_a_number_is_never_read_as_zero() {
        let r = grid(&[&[NEW, "05", "0", "0", "0", "0", "0", "5"]]);
        assert_ne!(get(&r, "t3.new.natural").as_deref(), Some("0"));
    }

    #[test]
    fn a_bare_other_label_in_a_grid_keeps_its_first_value() {
        let r = grid(&[
            &[NEW, "4", "0", "0", "0", "0", "0", "4"],
            &[
                "（六）其他处理",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
            ],
            &[
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
            ],
            &["其他", "4", "0", "0", "0", "0", "0", "4"],
            &["（七）总计", "4", "0", "0", "0", "0", "0", "4"],
        ]);
        assert_eq!(get(&r, "t3.other.other.natural").as_deref(), Some("4"));
        assert_eq!(get(&r, "t3.other.other.total").as_deref(), Some("4"));
    }

    #[test]
    fn an_empty_spacer_cell_does_not_shift_the_row() {
        // [label][spacer][3][0×5][blank 总计]: dropping the trailing blank would
        // read natural=0, commercial=3.
        let r = grid(&[&[NEW, "", "3", "0", "0", "0", "0", "0", ""]]);
        assert_ne!(get(&r, "t3.new.commercial").as_deref(), Some("3"));
        assert_ne!(get(&r, "t3.new.natural").as_deref(), Some("0"));
    }

    #[test]
    fn text_that_is_no_report_is_refused() {
        let mut f = Flat::default();
        f.line(1, "会议纪要：讨论食堂菜单。");
        assert!(extract(&f, SourceFormat::Text).is_err());
    }
}
