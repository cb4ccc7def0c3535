//! `ogi report parse FILE --format cells` as a whole process, start-up
//! included: what one command-line read of a small report costs. Spawns the
//! release binary N times per file and prints min / median / max wall
//! milliseconds, beside `ogi --version` (the binary's own start-up) as the
//! yardstick. `cargo bench -p ogi --bench parse_file`.
//!
//! Files: the arguments after `--`, else the corpus's small text reports.
//! `OGI_BENCH_RUNS` (default 50) runs per command after 3 warm-ups;
//! `OGI_BIN` times another build of `ogi` (an older one, to compare).
//!
//! Target (issue 15): ≤ 2 ms median for a ~5 KB text report on the 2-core
//! machine. Prints figures; asserts nothing. The children inherit cargo's
//! environment, which makes each start about 0.25 ms slower than from a
//! shell (mimalloc reads its options by scanning the environment: see
//! `src/alloc.rs`); run `target/release/deps/parse_file-*` directly to time
//! what a user's shell sees.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn corpus() -> PathBuf {
    std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// Wall milliseconds of `runs` runs of `args` (after 3 unmeasured ones), sorted.
fn time(args: &[&str], runs: usize) -> Vec<f64> {
    let run = || {
        let t = Instant::now();
        let bin = std::env::var_os("OGI_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_ogi").into());
        let status = Command::new(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run ogi");
        let ms = t.elapsed().as_secs_f64() * 1e3;
        assert!(status.success(), "ogi {args:?}: {status}");
        ms
    };
    for _ in 0..3 {
        run();
    }
    let mut v: Vec<f64> = (0..runs).map(|_| run()).collect();
    v.sort_by(f64::total_cmp);
    v
}

fn row(what: &str, v: &[f64]) {
    println!("{what:<44} {:>7.2} {:>7.2} {:>7.2}", v[0], v[v.len() / 2], v[v.len() - 1]);
}

fn main() {
    let runs: usize = std::env::var("OGI_BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(50).max(1);
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let files: Vec<PathBuf> = if args.is_empty() {
        let real = corpus().join("real");
        let mut f = vec![corpus().join("liaocheng-gxj-2023.txt")];
        for name in ["pingtan/2023_shsyj.txt", "pingtan/2024_nyncj.txt", "pingtan/2021_zrzyj.txt"] {
            f.push(real.join(name));
        }
        f.into_iter().filter(|p| p.exists()).collect()
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    if files.is_empty() {
        eprintln!("no corpus at {} (set OGI_CORPUS)", corpus().display());
        return;
    }
    println!("{runs} runs each, wall ms{:>20} {:>7} {:>7} {:>7}", "", "min", "median", "max");
    row("ogi --version", &time(&["--version"], runs));
    for f in &files {
        let size = std::fs::metadata(f).map_or(0, |m| m.len());
        let name = format!("parse {} ({:.1} KB)", f.file_name().unwrap().to_string_lossy(), size as f64 / 1024.0);
        row(&name, &time(&["report", "parse", f.to_str().expect("utf-8 path"), "--format", "cells"], runs));
    }
}
