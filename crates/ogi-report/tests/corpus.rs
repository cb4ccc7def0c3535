//! The corpus test: every real report in `shared/corpus` reads to its
//! expected cells; fragments show exactly their visible cells; every other
//! file reads or is refused with a reason, and nothing panics.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

fn parse_tsv(s: &str) -> BTreeMap<String, String> {
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn read_cells(file: &Path) -> Result<BTreeMap<String, String>, ogi_report::ReadError> {
    let bytes = std::fs::read(file).expect("read file");
    let name = file.file_name().and_then(|n| n.to_str());
    let r = std::panic::catch_unwind(|| ogi_report::read(&bytes, name));
    match r {
        Err(_) => panic!("{}: the reader panicked", file.display()),
        Ok(Err(e)) => Err(e),
        Ok(Ok(report)) => Ok(parse_tsv(&ogi_report::render::cells_tsv(&report))),
    }
}

#[test]
fn every_corpus_report_reads_to_its_expected_cells() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in common::corpus_files() {
        let Some(exp_path) = common::expected_for(&file) else { continue };
        checked += 1;
        let expected = parse_tsv(&std::fs::read_to_string(&exp_path).unwrap());
        let got = match read_cells(&file) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{}: refused: {e}", file.display()));
                continue;
            }
        };
        let mut problems = Vec::new();
        for (k, v) in &expected {
            match got.get(k) {
                Some(g) if g == v => {}
                Some(g) => problems.push(format!("{k}: got {g}, expected {v}")),
                None => problems.push(format!("{k}: missing (expected {v})")),
            }
        }
        // Fragments list exactly the cells they show, so they are held to the
        // same equality as whole reports: an extra or shifted cell in a row
        // that is shown is as wrong as one from a row that is not.
        for (k, v) in &got {
            if !expected.contains_key(k) {
                problems.push(format!("{k}={v}: not expected"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{}:\n    {}", file.display(), problems.join("\n    ")));
        }
    }
    assert!(checked >= 20, "only {checked} corpus files have expected cells");
    assert!(failures.is_empty(), "{} of {checked} reports differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn files_without_expected_cells_read_or_are_refused_with_one_line() {
    for file in common::corpus_files() {
        if common::expected_for(&file).is_some() {
            continue;
        }
        if let Err(e) = read_cells(&file) {
            // The reason itself, before Display adds the format.
            assert!(!e.reason.trim().is_empty() && !e.reason.contains('\n'), "{}: {:?}", file.display(), e.reason);
        }
    }
}

#[test]
fn both_templates_are_recognised_in_the_corpus() {
    let mut seen = std::collections::BTreeSet::new();
    for file in common::corpus_files() {
        if let Ok(cells) = read_cells(&file) {
            if let Some(t) = cells.get("meta.template") {
                seen.insert(t.clone());
            }
        }
    }
    assert!(seen.contains("2019") && seen.contains("2021"), "{seen:?}");
}
