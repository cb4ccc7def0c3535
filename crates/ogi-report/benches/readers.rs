//! Reader throughput over the corpus: reports/s and MB/s per reader, and the
//! time for one 50 KB-class HTML report. `cargo bench -p ogi-report`.
//!
//! Prints figures; asserts nothing (speed targets live here, not in tests).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ogi_report::Format;

fn corpus() -> PathBuf {
    std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if p.is_dir() {
            if name != "expected" {
                files(&p, out);
            }
        } else if !name.ends_with(".md") && !name.starts_with("MANIFEST") {
            out.push(p);
        }
    }
}

/// Runs `f` over `inputs` repeatedly for about `budget`; returns (runs of the whole set, elapsed).
fn measure(inputs: &[Vec<u8>], format: Format, budget: Duration) -> (u64, Duration) {
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < budget || rounds == 0 {
        for b in inputs {
            std::hint::black_box(ogi_report::read_as(std::hint::black_box(b), format).ok());
        }
        rounds += 1;
    }
    (rounds, start.elapsed())
}

fn main() {
    let mut all = Vec::new();
    files(&corpus(), &mut all);
    all.sort();
    if all.is_empty() {
        eprintln!("no corpus at {} (set OGI_CORPUS)", corpus().display());
        return;
    }
    let budget = Duration::from_millis(std::env::var("OGI_BENCH_MS").ok().and_then(|s| s.parse().ok()).unwrap_or(1500));
    println!("{:<10} {:>7} {:>10} {:>12} {:>10} {:>12}", "reader", "files", "bytes", "reports/s", "MB/s", "µs/report");
    for format in Format::READABLE {
        let inputs: Vec<Vec<u8>> = all
            .iter()
            .filter_map(|p| std::fs::read(p).ok().map(|b| (p, b)))
            .filter(|(p, b)| ogi_report::readers::sniff(b, p.file_name().and_then(|n| n.to_str())) == format)
            .map(|(_, b)| b)
            .collect();
        // The corpus has no .md file: pipe-table web dumps are Markdown tables
        // without the rule line, so they stand in for the Markdown reader.
        let inputs = if format == Format::Markdown {
            all.iter()
                .filter_map(|p| std::fs::read(p).ok())
                .filter(|b| ogi_report::readers::sniff(b, None) == Format::Text && b.windows(3).any(|w| w == b" | "))
                .collect()
        } else {
            inputs
        };
        let inputs = if format == Format::Json {
            // ogi's own JSON: what the text reader made of the seed, read back.
            let seed = std::fs::read(corpus().join("liaocheng-gxj-2023.txt")).expect("seed");
            let r = ogi_report::read(&seed, Some("seed.txt")).expect("seed reads");
            vec![ogi_report::render::json(&r).into_bytes()]
        } else {
            inputs
        };
        if inputs.is_empty() {
            println!("{:<10} {:>7}", format.name(), 0);
            continue;
        }
        let bytes: usize = inputs.iter().map(Vec::len).sum();
        let (rounds, el) = measure(&inputs, format, budget);
        let reports = rounds as f64 * inputs.len() as f64;
        let secs = el.as_secs_f64();
        println!(
            "{:<10} {:>7} {:>10} {:>12.0} {:>10.1} {:>12.1}",
            format.name(),
            inputs.len(),
            bytes,
            reports / secs,
            rounds as f64 * bytes as f64 / secs / 1e6,
            secs * 1e6 / reports
        );
    }
    // The target: a 50 KB HTML report in under 1 ms on one core.
    let html = corpus().join("real/pingtan/2025_gwh.html");
    if let Ok(b) = std::fs::read(&html) {
        let (rounds, el) = measure(std::slice::from_ref(&b), Format::Html, budget);
        println!(
            "\n{} ({} KB): {:.0} µs per report (target < 1000 µs)",
            html.file_name().unwrap().to_string_lossy(),
            b.len() / 1024,
            el.as_secs_f64() * 1e6 / rounds as f64
        );
    }
}
