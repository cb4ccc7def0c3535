//! Bulk checking, end to end, as whole processes:
//! - 10,000 text and HTML reports made from the corpus (each a corpus report
//!   with a few digits changed), checked by `ogi report check DIR --summary`;
//! - 2,000 copies of one real 65 KB web page (the corpus's Pingtan HTML
//!   report), checked by `ogi report check DIR` (median of 5 runs).
//!
//! Prints reports/s. `cargo bench -p ogi --bench check_dir`
//! (`OGI_BENCH_REPORTS`, `OGI_BENCH_COPIES` change the counts).
//!
//! Target: ≥ 5,000 reports/s for parse + check on the 2-core machine, for
//! both.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn corpus() -> PathBuf {
    std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn sources(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if p.is_dir() && name != "expected" {
            sources(&p, out);
        } else if name.ends_with(".txt") || name.ends_with(".html") {
            out.push((name, std::fs::read(&p).expect("read")));
        }
    }
}

fn main() {
    let n: usize = std::env::var("OGI_BENCH_REPORTS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let mut src = Vec::new();
    sources(&corpus(), &mut src);
    if src.is_empty() {
        eprintln!("no corpus at {}", corpus().display());
        return;
    }
    let dir = std::env::temp_dir().join(format!("ogi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut seed = 12345u64;
    let mut bytes = 0usize;
    for i in 0..n {
        let (name, body) = &src[i % src.len()];
        let mut b = body.clone();
        // Change a few ASCII digits so the reports are not all alike.
        for _ in 0..3 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let at = (seed >> 33) as usize % b.len();
            if let Some(p) = b[at..].iter().position(u8::is_ascii_digit) {
                b[at + p] = b'0' + ((seed >> 20) % 10) as u8;
            }
        }
        bytes += b.len();
        std::fs::write(dir.join(format!("{i:05}-{name}")), b).expect("write");
    }
    let csv = dir.join("summary.csv");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .args(["report", "check", dir.to_str().unwrap(), "--summary", csv.to_str().unwrap()])
        .output()
        .expect("run ogi");
    let el = start.elapsed().as_secs_f64();
    let rows = std::fs::read_to_string(&csv).map(|s| s.lines().count().saturating_sub(1)).unwrap_or(0);
    println!(
        "ogi report check DIR --summary: {rows} reports ({:.1} MB) in {el:.2} s = {:.0} reports/s, {:.1} MB/s ({} cores; exit {:?})",
        bytes as f64 / 1e6,
        rows as f64 / el,
        bytes as f64 / 1e6 / el,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        out.status.code()
    );
    std::fs::remove_dir_all(&dir).ok();
    html_copies();
}

/// `ogi report check DIR` over copies of the Pingtan page: what a bulk run
/// over one site's many HTML reports costs.
fn html_copies() {
    let n: usize = std::env::var("OGI_BENCH_COPIES").ok().and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let page = corpus().join("real/pingtan/2025_gwh.html");
    let Ok(body) = std::fs::read(&page) else {
        eprintln!("no {}", page.display());
        return;
    };
    let dir = std::env::temp_dir().join(format!("ogi-bench-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for i in 0..n {
        std::fs::write(dir.join(format!("{i:05}.html")), &body).expect("write");
    }
    let run = || {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_ogi"))
            .args(["report", "check", dir.to_str().unwrap()])
            .output()
            .expect("run ogi");
        (start.elapsed().as_secs_f64(), out.status.code())
    };
    run();
    let mut runs: Vec<(f64, Option<i32>)> = (0..5).map(|_| run()).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (el, code) = runs[runs.len() / 2];
    println!(
        "ogi report check DIR ({n} copies of {}, {} KB): median {el:.3} s (min {:.3}, max {:.3}) = {:.0} reports/s ({} cores; exit {code:?})",
        page.file_name().unwrap().to_string_lossy(),
        body.len() / 1024,
        runs[0].0,
        runs[runs.len() - 1].0,
        n as f64 / el,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    std::fs::remove_dir_all(&dir).ok();
}
