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
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
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

/// Markdown: pipe tables cannot merge cells, so every table row is printed
/// with its full label (group and item) followed by its values.
pub fn markdown(report: &Report) -> String {
    let mut out = format!("# {}\n\n", title(report));
    if !report.preamble.is_empty() {
        out.push_str(&format!("{}\n\n", report.preamble));
    }
    let tables = tables(report);
    for (i, heading) in layout::headings().iter().enumerate() {
        let section = report.sections.iter().find(|s| s.kind == SectionKind::ALL[i]);
        out.push_str(&format!("## {}\n\n", section.map_or(*heading, |s| s.heading.as_str())));
        if let Some(s) = section.filter(|s| !s.text.is_empty()) {
            out.push_str(&format!("{}\n\n", s.text));
        }
        for (at, grid) in tables.iter().filter(|(at, _)| *at == i) {
            // One header row naming every value column, as Markdown requires.
            let width = grid
                .iter()
                .map(|r| r.iter().filter(|c| matches!(c, GridCell::Value { .. })).count())
                .max()
                .unwrap_or(0);
            let names: Vec<String> = match at {
                2 => crate::cells::ApplicantColumn::ALL.iter().map(|c| c.label().to_string()).collect(),
                3 => crate::cells::T4Group::ALL
                    .iter()
                    .flat_map(|g| {
                        crate::cells::T4Column::ALL.iter().map(move |c| format!("{}·{}", g.label(), c.label()))
                    })
                    .collect(),
                _ => (1..=width).map(|n| format!("第{n}栏")).collect(),
            };
            out.push_str(&format!("| 项目 | {} |\n|{}\n", names.join(" | "), "---|".repeat(names.len() + 1)));
            // Carry row-spanning labels down so each row reads alone; the
            // header rows of tables 三 and 四 are in the header row above.
            let mut carried: Vec<(u16, String)> = Vec::new();
            for row in grid {
                let mut labels: Vec<String> = Vec::new();
                let mut values: Vec<String> = Vec::new();
                carried.retain(|(left, _)| *left > 0);
                labels.extend(carried.iter().map(|(_, t)| t.clone()));
                for (left, _) in carried.iter_mut() {
                    *left -= 1;
                }
                for cell in row {
                    match cell {
                        GridCell::Text { text, rowspan, .. } => {
                            if *rowspan > 1 {
                                carried.push((*rowspan - 1, text.clone()));
                            }
                            labels.push(text.clone());
                        }
                        GridCell::Value { key, .. } => values.push(shown(report, *key)),
                    }
                }
                if values.is_empty() && *at != 1 {
                    continue;
                }
                values.resize(names.len(), String::new());
                out.push_str(&format!("| {} | {} |\n", labels.join(" "), values.join(" | ")));
            }
            out.push('\n');
        }
    }
    out
}
