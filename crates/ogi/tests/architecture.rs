//! Keeps ARCHITECTURE.md true: every crate, module and test file it names
//! exists, every crate of the workspace is on its map, and the boundaries it
//! states as invariants hold in the code, checked as plain text rules.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The crates of the workspace, from its manifest.
fn members() -> Vec<String> {
    let manifest = read(&root().join("Cargo.toml"));
    let line = manifest.lines().find(|l| l.trim_start().starts_with("members")).expect("members");
    line.split('"').skip(1).step_by(2).map(|m| m.trim_start_matches("crates/").to_string()).collect()
}

/// The `[dependencies]` of a crate (not dev-dependencies): the names only.
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = read(&root().join("crates").join(krate).join("Cargo.toml"));
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == "[dependencies]" || t.starts_with("[target.") && t.ends_with(".dependencies]");
            continue;
        }
        if inside && !t.is_empty() && !t.starts_with('#') {
            if let Some((name, _)) = t.split_once('=') {
                out.push(name.trim().trim_end_matches(".workspace").to_string());
            }
        }
    }
    out
}

/// The non-test source of a crate: each `.rs` file under `src/`, cut at its `#[cfg(test)]`.
fn sources(krate: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("crates").join(krate).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = read(&p);
                let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
                out.push((p, code));
            }
        }
    }
    out
}

#[test]
fn every_crate_is_on_the_map_and_every_named_file_exists() {
    let doc = read(&root().join("ARCHITECTURE.md"));
    for m in members() {
        assert!(doc.contains(&format!("## `crates/{m}`")), "ARCHITECTURE.md has no section for crates/{m}");
    }
    // In each crate's section, a file named in backticks is in that crate
    // (`src/` for modules, or the crate's root for `tests/…`, `benches/…`).
    let mut checked = 0;
    let mut krate: Option<String> = None;
    for line in doc.lines() {
        if let Some(rest) = line.strip_prefix("## `crates/") {
            krate = rest.split('`').next().map(str::to_string);
            continue;
        }
        if line.starts_with("## ") {
            krate = None;
        }
        for (i, token) in line.split('`').enumerate() {
            let file = token.split(['(', ' ', ':']).next().unwrap_or_default();
            if i % 2 == 0 || !(file.ends_with(".rs") || file.ends_with(".txt") || file.ends_with(".html")) {
                continue;
            }
            let candidates: Vec<PathBuf> = if file.starts_with("crates/") {
                vec![root().join(file)]
            } else if let Some(k) = &krate {
                let c = root().join("crates").join(k);
                vec![
                    c.join("src").join(file),
                    c.join(file),
                    c.join("src/pages").join(file),
                    c.join("src/readers").join(file),
                ]
            } else {
                continue;
            };
            // `calendar/YYYY.txt`, `<data-dir>/calendar/*.txt` name families of files.
            if file.contains("YYYY") || file.contains('*') || file.starts_with('<') {
                continue;
            }
            assert!(
                candidates.iter().any(|c| c.exists()),
                "ARCHITECTURE.md names `{file}` (in {:?}) but there is no such file",
                krate
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "the map names files ({checked} checked)");
}

/// Which crates a crate may not depend on, and why (the invariants of ARCHITECTURE.md).
const FORBIDDEN: &[(&str, &[&str], &str)] = &[
    (
        "ogi-vocab",
        &["ogi-report", "ogi-rules", "ogi-store", "ogi-web", "ogi-letters", "ogi-docx"],
        "the vocabulary depends on nothing of ogi",
    ),
    (
        "ogi-docx",
        &["ogi-vocab", "ogi-report", "ogi-rules", "ogi-store", "ogi-web", "ogi-letters"],
        "the Word writer knows nothing about what it writes",
    ),
    (
        "ogi-rules",
        &["ogi-report", "ogi-store", "ogi-web", "ogi-letters", "rusqlite", "axum", "tokio"],
        "the law needs no parser, storage or HTTP",
    ),
    (
        "ogi-report",
        &["ogi-rules", "ogi-store", "ogi-web", "ogi-letters", "rusqlite", "axum", "tokio"],
        "readers and checker do no I/O",
    ),
    ("ogi-letters", &["ogi-report", "ogi-store", "ogi-web", "rusqlite", "axum", "tokio"], "letters are pure"),
    (
        "ogi-region",
        &["ogi-rules", "ogi-store", "ogi-web", "ogi-letters", "rusqlite", "axum", "tokio"],
        "the roll-up is arithmetic over reports: no storage, no HTTP",
    ),
    (
        "ogi-store",
        &["ogi-report", "ogi-web", "ogi-letters", "axum", "tokio"],
        "the store needs neither parsers nor HTTP",
    ),
];

#[test]
fn the_crates_depend_only_downwards() {
    for (krate, forbidden, why) in FORBIDDEN {
        let deps = dependencies(krate);
        for f in *forbidden {
            assert!(!deps.iter().any(|d| d == f), "{krate} depends on {f}, but {why}");
        }
    }
    // And the floors the map draws are real: the pure crates are reached through the vocabulary.
    assert!(dependencies("ogi-rules").contains(&"ogi-vocab".to_string()));
    assert!(dependencies("ogi-report").contains(&"ogi-vocab".to_string()));
}

/// Text that may not appear in a crate's non-test source, and why.
const NOT_IN_SOURCE: &[(&str, &[&str], &str)] = &[
    ("ogi-vocab", &["std::fs", "std::net", "std::process"], "pure: no I/O"),
    ("ogi-docx", &["std::fs", "std::net", "std::process"], "pure: it returns bytes"),
    ("ogi-report", &["std::fs", "std::net", "std::process", "ogi_store"], "readers take &[u8]"),
    ("ogi-rules", &["std::fs", "std::net", "std::process"], "pure: the law as code"),
    ("ogi-letters", &["std::fs", "std::net", "std::process"], "pure: no I/O"),
    ("ogi-region", &["std::fs", "std::net", "std::process"], "pure: reports in, sums out"),
    // A page never decides what is lawful: it offers `Request::allowed_events` and the store judges.
    ("ogi-web", &[".apply(", "Request::receive(", "fn lawful"], "the lawful life of a request is decided in ogi-rules"),
    // Who sees what is the store's: the server never widens a user's scope to
    // the operator's, nor spells an agency filter of its own.
    (
        "ogi-web",
        &["Scope::OPERATOR", "Scope::agency(", ".visible(", "agency_id = ?", "agency_id IN"],
        "who sees what is decided by the store's Scope",
    ),
    // One validator, one CSV writer: the doors do not spell their own limits.
    (
        "ogi-web",
        &["chars().count() > MAX_NAME", "csv_field(", "\\u{feff}"],
        "input rules and the CSV writer live in ogi-rules / ogi-store",
    ),
    (
        "ogi",
        &["csv::Writer", "Channel::from_key(", "T3Row::from_key("],
        "the binary parses arguments and calls the crates",
    ),
];

#[test]
fn the_invariants_hold_in_the_code() {
    for (krate, needles, why) in NOT_IN_SOURCE {
        let files = sources(krate);
        assert!(!files.is_empty(), "{krate} has sources");
        for (path, code) in &files {
            for n in *needles {
                assert!(!code.contains(n), "{} contains {n:?}, but {why}", path.display());
            }
        }
    }
    // One SQL layer: the store's other modules never name a driver.
    for (path, code) in &sources("ogi-store") {
        let name = path.file_name().unwrap().to_string_lossy();
        if ["sql.rs", "schema.rs", "table3.rs", "lib.rs", "scratch.rs"].contains(&name.as_ref()) {
            continue;
        }
        for n in ["rusqlite", "postgres::"] {
            assert!(!code.contains(n), "{} names {n}: SQL goes through sql.rs", path.display());
        }
    }
    // The readers only flatten their format: nothing about the report's cells.
    for (path, code) in sources("ogi-report").iter().filter(|(p, _)| p.to_string_lossy().contains("/readers/")) {
        for n in ["CellKey", "T3Row", "Outcome"] {
            assert!(!code.contains(n), "{} mentions {n}: readers never interpret the report", path.display());
        }
    }
}
