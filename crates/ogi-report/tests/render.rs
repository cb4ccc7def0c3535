//! A report rendered in the national format (web page, Markdown, JSON) reads
//! back to exactly its cells.

mod common;

const REPORTS: &[&str] = &[
    "liaocheng-gxj-2023.txt",
    "real/pingtan/2025_gwh.html",
    "real/docx/pingtan-2025-lo.docx",
    "real/pdf/huaian-szf-2024.pdf",
    "real/kirogovcompare/huaian-hongzequ-2023.pdf",
    "real/pingtan/2022_gwh.txt",
    "fragments/jianping-wsjkj-2020.txt",
];

#[test]
fn rendered_reports_read_back_to_the_same_cells() {
    for rel in REPORTS {
        let path = common::corpus_dir().join(rel);
        let original = ogi_report::read(&std::fs::read(&path).unwrap(), Some(rel)).expect("reads");
        let cells = ogi_report::render::cells_tsv(&original);
        for (name, text) in [
            ("html", ogi_report::render::html(&original)),
            ("md", ogi_report::render::markdown(&original)),
            ("json", ogi_report::render::json(&original)),
        ] {
            let back = ogi_report::read(text.as_bytes(), Some(&format!("out.{name}")))
                .unwrap_or_else(|e| panic!("{rel} as {name}: {e}"));
            assert_eq!(ogi_report::render::cells_tsv(&back), cells, "{rel} as {name}");
            // The web page and Markdown print all six sections; JSON keeps what was read.
            let sections = if name == "json" { original.sections.len() } else { 6 };
            assert_eq!(back.sections.len(), sections, "{rel} as {name}");
        }
    }
}

#[test]
fn a_missing_cell_is_rendered_as_unreported_never_as_zero() {
    let path = common::corpus_dir().join("liaocheng-gxj-2023.txt");
    let mut r = ogi_report::read(&std::fs::read(&path).unwrap(), None).unwrap();
    r.cells.remove(&"t3.granted.natural".parse().unwrap());
    let html = ogi_report::render::html(&r);
    assert!(html.contains("未填报"));
    let back = ogi_report::read(html.as_bytes(), Some("x.html")).unwrap();
    assert_ne!(back.value("t3.granted.natural".parse().unwrap()), Some(ogi_report::Number::ZERO));
}
