//! The proof for "never a wrong number": consistent reports, synthetic and
//! from the corpus's expected cells, printed in every family of layouts real
//! sites and converters produce (`layout_gen`), read back; no cell may differ
//! from the truth. Missing cells are allowed and counted per family.
//!
//! `OGI_LAYOUT_CASES` sets the number of synthetic reports (default 700, each
//! printed in every family, so about 10,500 documents); `OGI_LAYOUT_FAMILY`
//! runs one family.

mod common;
mod layout_gen;

use std::collections::BTreeMap;

use layout_gen::{Case, Family, Rng};
use ogi_report::CellKey;

#[derive(Default)]
struct Tally {
    time: std::time::Duration,
    reports: usize,
    cells: usize,
    read: usize,
    refused: usize,
    wrong: Vec<String>,
}

/// Prints `case` in `family`, reads it back, and records what came back.
fn run(case: &Case, family: Family, rng: &mut Rng, tally: &mut Tally, seed: u64) {
    let doc = layout_gen::print(case, family, rng);
    tally.reports += 1;
    tally.cells += case.cells.len();
    let report = match ogi_report::read(doc.text.as_bytes(), Some(doc.name)) {
        Ok(r) => r,
        Err(e) => {
            tally.refused += 1;
            if tally.refused <= 3 {
                tally.wrong.push(format!("[{} seed {seed}] refused: {e}", family.name()));
            }
            return;
        }
    };
    let mut bad = Vec::new();
    for (k, c) in &report.cells {
        match case.cells.get(k) {
            Some(v) if *v == c.value => tally.read += 1,
            Some(v) => bad.push(format!("{k}: read {} (printed {v})", c.value)),
            None => bad.push(format!("{k}: read {}, not a cell of the report", c.value)),
        }
    }
    if report.meta.year.is_some_and(|y| y != case.year) {
        bad.push(format!("meta.year {:?} (printed {})", report.meta.year, case.year));
    }
    if report.meta.template.is_some_and(|t| t != case.template) {
        bad.push(format!("meta.template {:?} (printed {})", report.meta.template, case.template));
    }
    if !bad.is_empty() && tally.wrong.len() < 4 {
        tally.wrong.push(format!(
            "[{} seed {seed}] {}\n--- document ---\n{}",
            family.name(),
            bad.join("; "),
            doc.text.chars().take(6000).collect::<String>()
        ));
    } else if !bad.is_empty() {
        tally.wrong.push(format!("[{} seed {seed}] {}", family.name(), bad.join("; ")));
    }
}

fn corpus_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for file in common::corpus_files() {
        if file.components().any(|c| c.as_os_str() == "fragments") {
            continue;
        }
        if let Some(exp) = common::expected_for(&file) {
            if let Some(case) = layout_gen::from_tsv(&std::fs::read_to_string(exp).unwrap()) {
                out.push(case);
            }
        }
    }
    out
}

#[test]
fn no_printed_layout_makes_the_reader_print_a_wrong_number() {
    let n: u64 = std::env::var("OGI_LAYOUT_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(700);
    // `OGI_LAYOUT_FAMILY=glued` runs one family (for debugging a reader).
    let only = std::env::var("OGI_LAYOUT_FAMILY").ok();
    let corpus = corpus_cases();
    assert!(!corpus.is_empty(), "no consistent whole report in the corpus");
    let mut cases: Vec<(u64, Case)> = corpus.into_iter().enumerate().map(|(i, c)| (u64::MAX - i as u64, c)).collect();
    for seed in 0..n {
        let mut rng = Rng::new(seed);
        cases.push((seed, layout_gen::synthetic(&mut rng)));
    }
    // The cases split over the machine's cores; tallies merged after.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = cases.len().div_ceil(threads);
    let parts: Vec<BTreeMap<Family, Tally>> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk.max(1))
            .map(|part| {
                let only = only.clone();
                scope.spawn(move || {
                    let mut tallies: BTreeMap<Family, Tally> = BTreeMap::new();
                    for (seed, case) in part {
                        assert!(layout_gen::consistent(case), "generator made an inconsistent report (seed {seed})");
                        for family in Family::ALL {
                            if only.as_deref().is_some_and(|f| f != family.name()) {
                                continue;
                            }
                            let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(family as u64));
                            let t = tallies.entry(family).or_default();
                            let started = std::time::Instant::now();
                            run(case, family, &mut rng, t, *seed);
                            t.time += started.elapsed();
                        }
                    }
                    tallies
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker")).collect()
    });
    let mut tallies: BTreeMap<Family, Tally> = BTreeMap::new();
    for part in parts {
        for (f, t) in part {
            let all = tallies.entry(f).or_default();
            all.time += t.time;
            all.reports += t.reports;
            all.cells += t.cells;
            all.read += t.read;
            all.refused += t.refused;
            all.wrong.extend(t.wrong);
        }
    }
    let mut summary = String::from("family                 reports   cells read   time\n");
    let (mut reports, mut wrong) = (0, Vec::new());
    for (f, t) in &tallies {
        reports += t.reports;
        summary.push_str(&format!(
            "{:<22} {:>7}   {:>5.1} %   {:>5.2} s{}\n",
            f.name(),
            t.reports,
            100.0 * t.read as f64 / t.cells.max(1) as f64,
            t.time.as_secs_f64(),
            if t.refused > 0 { format!("  ({} refused)", t.refused) } else { String::new() }
        ));
        wrong.extend(t.wrong.iter().cloned());
    }
    eprintln!("{summary}{reports} reports from {} consistent cases", cases.len());
    assert!(reports >= 10_000 || n < 700 || only.is_some(), "only {reports} reports");
    assert!(wrong.is_empty(), "{} wrong readings:\n{}\n{summary}", wrong.len(), wrong.join("\n"));
}

/// The generator itself: what it prints is what the layout says.
#[test]
fn the_generator_prints_every_cell_once_in_the_baseline() {
    let mut rng = Rng::new(7);
    let case = layout_gen::synthetic(&mut rng);
    let doc = layout_gen::print(&case, Family::Html, &mut rng);
    let back = ogi_report::read(doc.text.as_bytes(), Some(doc.name)).expect("reads");
    let keys: Vec<CellKey> = back.cells.keys().copied().collect();
    let all: Vec<CellKey> = case.cells.keys().copied().collect();
    assert_eq!(keys, all);
}

/// Writes fuzz seeds: each family's printing of a few reports (for the text,
/// Markdown and HTML targets), a Word file per report (docx), and the
/// `layouts` target's inputs. `OGI_SEED_DIR=fuzz/seeds cargo test -p ogi-report
/// --test layouts -- --ignored write_fuzz_seeds` (what `fuzz/run` does).
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let Ok(dir) = std::env::var("OGI_SEED_DIR") else { return };
    let dir = std::path::PathBuf::from(dir);
    for t in ["text", "markdown", "html", "docx", "json", "layouts"] {
        std::fs::create_dir_all(dir.join(t)).unwrap();
    }
    for seed in 0..4u64 {
        let case = layout_gen::synthetic(&mut Rng::new(seed));
        for family in Family::ALL {
            let doc = layout_gen::print(&case, family, &mut Rng::new(seed + 100));
            let target = match doc.name.rsplit_once('.').map(|x| x.1) {
                Some("html") => "html",
                Some("md") => "markdown",
                _ => "text",
            };
            std::fs::write(dir.join(target).join(format!("{}-{seed}", family.name())), &doc.text).unwrap();
            let mut input = seed.to_le_bytes().to_vec();
            input.push(family as u8);
            input.extend_from_slice(b"vary");
            std::fs::write(dir.join("layouts").join(format!("{}-{seed}", family.name())), input).unwrap();
        }
        // The national format from ogi's own renderers (Word, JSON) of the same report.
        let doc = layout_gen::print(&case, Family::Html, &mut Rng::new(seed));
        let report = ogi_report::read(doc.text.as_bytes(), Some(doc.name)).expect("reads");
        std::fs::write(dir.join("docx").join(format!("render-{seed}.docx")), ogi_report::render::docx(&report))
            .unwrap();
        std::fs::write(dir.join("json").join(format!("render-{seed}.json")), ogi_report::render::json(&report))
            .unwrap();
    }
}
