//! Printing a report: the cell contract (`key<TAB>value`, sorted by key,
//! metadata first) and JSON.

use crate::model::Report;

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
