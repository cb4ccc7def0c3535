//! Printing a report: the cell contract (`key<TAB>value`, sorted by key,
//! metadata first), JSON, and the national format as a web page, Markdown or
//! a Word file in the look of an official document.

use crate::cells::{CellKey, Outcome, T3Row, Template};
use crate::docx_out::{self, Align, Block, Cell, Document, Table};
use crate::layout::{self, GridCell};
use crate::model::{Report, SectionKind};

/// `--format cells`: `meta.*` lines, then every cell the report shows, sorted by key.
pub fn cells_tsv(report: &Report) -> String {
    let mut lines: Vec<(String, String)> = Vec::new();
    if let Some(a) = &report.meta.agency {
        lines.push(("meta.agency".into(), a.clone()));
    }
    if let Some(t) = report.meta.template {
        lines.push(("meta.template".into(), t.to_string()));
    }
    if let Some(y) = report.meta.year {
        lines.push(("meta.year".into(), y.to_string()));
    }
    let mut cells: Vec<(String, String)> =
        report.cells.iter().map(|(k, c)| (k.to_string(), c.value.to_string())).collect();
    cells.sort();
    lines.extend(cells);
    let mut out = String::new();
    for (k, v) in lines {
        out.push_str(&k);
        out.push('\t');
        out.push_str(&v);
        out.push('\n');
    }
    out
}

/// `--format json`: the whole model with provenance.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serializes")
}

/// The title to print: as the report printed it, else built from its identity.
fn title(report: &Report) -> String {
    if let Some(t) = &report.meta.title {
        return t.trim_start_matches("标题:").to_string();
    }
    let agency = report.meta.agency.clone().unwrap_or_default();
    match report.meta.year {
        Some(y) => format!("{agency}{y}年政府信息公开工作年度报告"),
        None => format!("{agency}政府信息公开工作年度报告"),
    }
}

/// The tables a report has, in section order: (section index, grid).
fn tables(report: &Report) -> Vec<(usize, Vec<Vec<GridCell>>)> {
    let template = report.meta.template.unwrap_or(Template::Y2021);
    let unsplit = report.cells.keys().any(|k| matches!(k, CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), _)));
    vec![
        (1, layout::table2(template)),
        (2, layout::table3(template == Template::Y2021 && !unsplit)),
        (3, layout::table4()),
    ]
}

/// A cell's printed value; a cell the report does not have is printed as
/// 未填报, never as a number (so that reading the output back cannot turn it into 0).
fn shown(report: &Report, key: CellKey) -> String {
    report.value(key).map_or_else(|| "未填报".to_string(), |v| v.to_string())
}

/// A grid cell as printed: (text, rowspan, colspan).
fn printed(report: &Report, cell: &GridCell) -> (String, u16, u16) {
    match cell {
        GridCell::Text { text, rowspan, colspan } => (text.clone(), *rowspan, *colspan),
        GridCell::Value { key, colspan } => (shown(report, *key), 1, *colspan),
    }
}

fn esc(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

/// The report's content as HTML to embed in a page (title excluded): the
/// preamble, the six sections and tables 二/三/四. Value cells carry
/// `data-key="t3.new.total"`; those in `highlight` also `class="hl"` (cells a
/// diagnostic names).
pub fn body_html(report: &Report, highlight: &[CellKey]) -> String {
    let mut out = String::new();
    if !report.preamble.is_empty() {
        out.push_str(&format!("<p>{}</p>\n", esc(&report.preamble)));
    }
    let tables = tables(report);
    for (i, heading) in layout::headings().iter().enumerate() {
        let section = report.sections.iter().find(|s| s.kind == SectionKind::ALL[i]);
        out.push_str(&format!("<h2>{}</h2>\n", esc(section.map_or(*heading, |s| s.heading.as_str()))));
        if let Some(s) = section.filter(|s| !s.text.is_empty()) {
            for para in s.text.lines().filter(|l| !l.trim().is_empty()) {
                out.push_str(&format!("<p>{}</p>\n", esc(para)));
            }
        }
        for (_, grid) in tables.iter().filter(|(at, _)| *at == i) {
            out.push_str(&table_html(report, grid, highlight));
        }
    }
    out
}

/// One table of the national layout as an HTML `<table>`.
pub fn table_html(report: &Report, grid: &[Vec<GridCell>], highlight: &[CellKey]) -> String {
    let mut out = String::from("<table>\n");
    for row in grid {
        out.push_str("<tr>");
        for cell in row {
            let (text, rowspan, colspan) = printed(report, cell);
            let mut attrs = String::new();
            if rowspan > 1 {
                attrs.push_str(&format!(" rowspan=\"{rowspan}\""));
            }
            if colspan > 1 {
                attrs.push_str(&format!(" colspan=\"{colspan}\""));
            }
            if let GridCell::Value { key, .. } = cell {
                attrs.push_str(&format!(" data-key=\"{key}\""));
                if highlight.contains(key) {
                    attrs.push_str(" class=\"hl\"");
                }
            }
            out.push_str(&format!("<td{attrs}>{}</td>", esc(&text)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// A web page in the national format: the six sections, tables 二/三/四 with
/// the standard's merged header cells. Self-contained (no outside fonts or scripts).
pub fn html(report: &Report) -> String {
    let mut out = String::new();
    let t = esc(&title(report));
    out.push_str(&format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
         body{{font-family:'FangSong','仿宋','Noto Serif CJK SC',serif;max-width:48rem;margin:2rem auto;line-height:1.8}}\
         h1{{text-align:center;font-family:'SimHei','黑体','Noto Sans CJK SC',sans-serif}}\
         h2{{font-family:'SimHei','黑体','Noto Sans CJK SC',sans-serif;font-size:1.1rem}}\
         table{{border-collapse:collapse;width:100%;margin:1rem 0}}td{{border:1px solid #000;padding:.2rem .4rem;text-align:center}}\
         </style></head>\n<body>\n<h1>{t}</h1>\n"
    ));
    out.push_str(&body_html(report, &[]));
    out.push_str("</body></html>\n");
    out
}

/// A Word file in the look of an official document (GB/T 9704: 小标宋 title,
/// 黑体 headings, 仿宋 body, A4 with the standard margins), tables 二/三/四
/// with the standard's merged cells.
pub fn docx(report: &Report) -> Vec<u8> {
    let title = title(report);
    let mut doc = Document::new(&title);
    doc.creator = report.meta.agency.clone().unwrap_or_default();
    doc.blocks.push(Block::Title(title));
    paragraphs(&mut doc, &report.preamble);
    let tables = tables(report);
    for (i, heading) in layout::headings().iter().enumerate() {
        let section = report.sections.iter().find(|s| s.kind == SectionKind::ALL[i]);
        doc.blocks.push(Block::Heading1(section.map_or(*heading, |s| s.heading.as_str()).to_string()));
        if let Some(s) = section {
            paragraphs(&mut doc, &s.text);
        }
        for (at, grid) in tables.iter().filter(|(at, _)| *at == i) {
            let rows = grid
                .iter()
                .map(|row| {
                    let labelled = row.iter().any(|c| matches!(c, GridCell::Value { .. }));
                    row.iter()
                        .map(|c| {
                            let (text, rowspan, colspan) = printed(report, c);
                            let cell = Cell::new(&text).span(rowspan, colspan);
                            // A row label reads better flush left; headers, group
                            // labels and numbers stay centred.
                            if labelled && rowspan == 1 && matches!(c, GridCell::Text { .. }) {
                                cell.align(Align::Left)
                            } else {
                                cell
                            }
                        })
                        .collect()
                })
                .collect();
            // Tables 三 (10 columns) and 四 (15) fit a portrait page only in 小五号;
            // 三's widths (twips of the text width, docx_out::TEXT_WIDTH) keep its applicant
            // headers to four characters a line.
            let table = match at {
                2 => Table {
                    rows,
                    widths: [440, 640, 2045].into_iter().chain([817; 7]).collect(),
                    size: 9.0,
                    header_rows: 3,
                },
                3 => Table { rows, widths: Vec::new(), size: 9.0, header_rows: 3 },
                _ => Table { rows, widths: vec![3, 2, 2, 2], size: 10.5, header_rows: 0 },
            };
            doc.blocks.push(Block::Table(table));
        }
    }
    docx_out::to_bytes(&doc)
}

/// One body paragraph per non-blank line.
fn paragraphs(doc: &mut Document, text: &str) {
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        doc.blocks.push(Block::Paragraph(line.to_string()));
    }
}

/// Markdown: the title, the preamble, the six sections and tables 二/三/四.
/// Every piece of user text (title, headings, paragraphs) is escaped so that
/// a Markdown viewer shows it as typed ([`md_line`]). Pipe tables cannot merge
/// cells: each table's header rows are flattened into the one header row
/// (a column's header cells joined by "·", [`md_tables`]), and every data row
/// carries its full label (group and item).
pub fn markdown(report: &Report) -> String {
    let mut out = format!("# {}\n\n", md_heading(&title(report)));
    if !report.preamble.is_empty() {
        out.push_str(&format!("{}\n\n", md_text(&report.preamble)));
    }
    let tables = tables(report);
    for (i, heading) in layout::headings().iter().enumerate() {
        let section = report.sections.iter().find(|s| s.kind == SectionKind::ALL[i]);
        out.push_str(&format!("## {}\n\n", md_heading(section.map_or(*heading, |s| s.heading.as_str()))));
        if let Some(s) = section.filter(|s| !s.text.is_empty()) {
            out.push_str(&format!("{}\n\n", md_text(&s.text)));
        }
        for (_, grid) in tables.iter().filter(|(at, _)| *at == i) {
            for table in md_tables(report, grid) {
                out.push_str(&table);
                out.push('\n');
            }
        }
    }
    out
}

/// A grid cell placed on the table's column grid.
struct Placed<'a> {
    row: usize,
    col: usize,
    rowspan: usize,
    colspan: usize,
    cell: &'a GridCell,
}

/// Places every cell of a grid in its columns, as a browser lays out
/// `rowspan`/`colspan` (a cell goes to the first column not covered by a
/// cell spanning down from a row above).
fn place(grid: &[Vec<GridCell>]) -> Vec<Placed<'_>> {
    let mut covered: Vec<usize> = Vec::new(); // rows still covered, per column
    let mut out = Vec::new();
    for (r, row) in grid.iter().enumerate() {
        let mut col = 0;
        for cell in row {
            while covered.get(col).is_some_and(|&n| n > 0) {
                col += 1;
            }
            let (rowspan, colspan) = match cell {
                GridCell::Text { rowspan, colspan, .. } => ((*rowspan).max(1) as usize, (*colspan).max(1) as usize),
                GridCell::Value { colspan, .. } => (1, (*colspan).max(1) as usize),
            };
            if covered.len() < col + colspan {
                covered.resize(col + colspan, 0);
            }
            for c in &mut covered[col..col + colspan] {
                *c = rowspan;
            }
            out.push(Placed { row: r, col, rowspan, colspan, cell });
            col += colspan;
        }
        for c in covered.iter_mut().filter(|c| **c > 0) {
            *c -= 1;
        }
    }
    out
}

/// One grid as Markdown pipe tables: one table per run of header rows and
/// the data rows under them (table 二 prints a header per 第二十条 item, so
/// it becomes one table per item; 三 and 四 one table each). The header rows
/// become the table's header row: the label columns are one column (headed
/// by the header cells above them), each value column is headed by the
/// header cells above it, top to bottom, joined by "·"; a header cell as wide
/// as the whole table (table 二's 第二十条第（一）项) heads the first column
/// only. Data rows are only data rows: their labels (spanning rows carried
/// down, so each row reads alone), then their values.
fn md_tables(report: &Report, grid: &[Vec<GridCell>]) -> Vec<String> {
    let placed = place(grid);
    let width = placed.iter().map(|p| p.col + p.colspan).max().unwrap_or(0);
    let is_data = |r: usize| grid[r].iter().any(|c| matches!(c, GridCell::Value { .. }));
    // Runs of header rows followed by data rows: (first row, first data row, end).
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut r = 0;
    while r < grid.len() {
        let start = r;
        while r < grid.len() && !is_data(r) {
            r += 1;
        }
        let data = r;
        while r < grid.len() && is_data(r) {
            r += 1;
        }
        if data < r {
            runs.push((start, data, r));
        }
    }
    let mut tables = Vec::new();
    for (start, data, end) in runs {
        let in_data = |p: &&Placed| p.row >= data && p.row < end;
        let values: Vec<&Placed> =
            placed.iter().filter(in_data).filter(|p| matches!(p.cell, GridCell::Value { .. })).collect();
        let label_end = values.iter().map(|p| p.col).min().unwrap_or(width);
        // The table's columns: the labels, then each value column.
        let mut columns: Vec<(usize, usize)> = Vec::new();
        if label_end > 0 {
            columns.push((0, label_end));
        }
        let mut value_columns: Vec<(usize, usize)> = values.iter().map(|p| (p.col, p.col + p.colspan)).collect();
        value_columns.sort();
        value_columns.dedup();
        columns.extend(value_columns);
        let headers: Vec<&Placed> = placed.iter().filter(|p| p.row >= start && p.row < data).collect();
        let head: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, &(from, to))| {
                let parts: Vec<String> = headers
                    .iter()
                    .filter(|p| p.col < to && p.col + p.colspan > from)
                    .filter(|p| i == 0 || columns.len() == 1 || !(p.col == 0 && p.colspan >= width))
                    .filter_map(|p| match p.cell {
                        GridCell::Text { text, .. } => Some(md_cell(text)),
                        GridCell::Value { .. } => None,
                    })
                    .collect();
                parts.join("·")
            })
            .collect();
        let mut out = format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(columns.len()));
        for row in data..end {
            let mut line: Vec<String> = Vec::new();
            if label_end > 0 {
                // The labels covering this row: its own and those spanning down to it.
                let labels: Vec<String> = placed
                    .iter()
                    .filter(|p| p.row <= row && row < p.row + p.rowspan && p.col < label_end)
                    .filter_map(|p| match p.cell {
                        GridCell::Text { text, .. } => Some(md_cell(text)),
                        GridCell::Value { .. } => None,
                    })
                    .collect();
                line.push(labels.join(" "));
            }
            for &(from, _) in columns.iter().skip(usize::from(label_end > 0)) {
                let value = placed.iter().find(|p| p.row == row && p.col == from).and_then(|p| match p.cell {
                    GridCell::Value { key, .. } => Some(shown(report, *key)),
                    GridCell::Text { .. } => None,
                });
                line.push(value.unwrap_or_default());
            }
            out.push_str(&format!("| {} |\n", line.join(" | ")));
        }
        tables.push(out);
    }
    tables
}

/// Text as Markdown that shows as typed: each line escaped ([`md_line`]).
fn md_text(s: &str) -> String {
    s.lines().map(md_line).collect::<Vec<_>>().join("\n")
}

/// A heading's text: one line, escaped.
fn md_heading(s: &str) -> String {
    md_line(&s.replace(['\n', '\r'], " "))
}

/// One line of user text as Markdown that shows as typed: `<`, `>` and `&`
/// as HTML entities (no tag, comment or entity of the text survives);
/// Markdown's inline punctuation (emphasis, code, links, table cells,
/// strikethrough, headings' `#`, the backslash itself) backslash-escaped; and
/// what would start a block at the line's start (a list's `-`/`+`/`1.`, a
/// setext underline's `=`, an indented code block's spaces) neutralized.
fn md_line(line: &str) -> String {
    let line = line.trim_start_matches([' ', '\t']);
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let mut out = String::with_capacity(line.len() + 8);
    for (i, c) in line.char_indices() {
        match c {
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if digits > 0 && i == digits => {
                out.push('\\');
                out.push(c);
            }
            c => push_inline(&mut out, c),
        }
    }
    out
}

/// A table cell's text: inline escapes only (numbers such as `-3` stay as
/// they are), and on one line.
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c => push_inline(&mut out, c),
        }
    }
    out
}

fn push_inline(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    }
}
