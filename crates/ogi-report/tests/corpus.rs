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

/// The row a key belongs to: `t3.granted.natural` → `t3.granted`; meta keys are their own row.
fn row_of(key: &str) -> &str {
    if key.starts_with("meta.") {
        key
    } else {
        key.rsplit_once('.').map_or(key, |(r, _)| r)
    }
}

fn read_cells(file: &Path) -> Result<BTreeMap<String, String>, String> {
    let bytes = std::fs::read(file).expect("read file");
    let name = file.file_name().and_then(|n| n.to_str());
    let r = std::panic::catch_unwind(|| ogi_report::read(&bytes, name));
    match r {
        Err(_) => panic!("{}: the reader panicked", file.display()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(report)) => Ok(parse_tsv(&ogi_report::render::cells_tsv(&report))),
    }
}

#[test]
fn every_corpus_report_reads_to_its_expected_cells() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in common::corpus_files() {
        let fragment = file.components().any(|c| c.as_os_str() == "fragments");
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
        if fragment {
            let shown: std::collections::BTreeSet<&str> = expected.keys().map(|k| row_of(k)).collect();
            for (k, v) in &got {
                if !shown.contains(row_of(k)) {
                    problems.push(format!("{k}={v}: a row the fragment does not show"));
                }
            }
        } else {
            for (k, v) in &got {
                if !expected.contains_key(k) {
                    problems.push(format!("{k}={v}: not expected"));
                }
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
            assert!(!e.is_empty() && !e.contains('\n'), "{}: reason must be one line: {e:?}", file.display());
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
