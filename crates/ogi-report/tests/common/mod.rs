//! Shared by the integration tests: where the corpus is, and its files.
#![allow(dead_code)] // each test binary uses a part of these helpers

use std::path::{Path, PathBuf};

/// `../shared/corpus` beside the repository (or `OGI_CORPUS`).
pub fn corpus_dir() -> PathBuf {
    if let Ok(p) = std::env::var("OGI_CORPUS") {
        return PathBuf::from(p);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(dir.is_dir(), "the corpus is not at {} (set OGI_CORPUS)", dir.display());
    dir
}

/// Every report file of the corpus (not the READMEs, manifests and expected files).
pub fn corpus_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).expect("read corpus dir").flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if p.is_dir() {
                if name != "expected" {
                    walk(&p, out);
                }
            } else if !(name.ends_with(".md") || name.starts_with("MANIFEST")) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&corpus_dir(), &mut out);
    assert!(out.len() >= 20, "corpus looks incomplete: {} files", out.len());
    out
}

/// The expected cells file of a report, if the corpus has one.
pub fn expected_for(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_str()?;
    let p = file.parent()?.join("expected").join(format!("{name}.cells.tsv"));
    p.is_file().then_some(p)
}
