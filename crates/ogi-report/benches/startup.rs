//! The cost of reading the first report in a process (what `ogi report parse
//! FILE` pays once): the reader's patterns are built on first use. Prints the
//! first read, each part of it, and a warm read. `cargo bench -p ogi-report --bench startup`
//! (`-- FILE` reads that file instead of the seed report).
//!
//! Prints figures; asserts nothing.

use std::path::Path;
use std::time::Instant;

fn main() {
    let seed =
        std::env::args().skip(1).find(|a| !a.starts_with("--")).map(std::path::PathBuf::from).unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/liaocheng-gxj-2023.txt")
        });
    let bytes = std::fs::read(&seed).expect("the seed report");
    let name = seed.file_name().and_then(|n| n.to_str()).map(str::to_string);
    let name = name.as_deref();
    let t = Instant::now();
    let r = ogi_report::read(&bytes, name).expect("reads");
    let first = t.elapsed();
    let t = Instant::now();
    let d = ogi_report::check::check(&r, None);
    let first_check = t.elapsed();
    let t = Instant::now();
    let n: u32 = std::env::var("OGI_WARM_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(200).max(1);
    for _ in 0..n {
        std::hint::black_box(ogi_report::read(std::hint::black_box(&bytes), name).ok());
    }
    let warm = t.elapsed() / n;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(ogi_report::check::check(&r, None));
    }
    let warm_check = t.elapsed() / n;
    println!(
        "{} bytes, {} cells, {} diagnostics\nfirst read  {first:>10.2?}   warm read  {warm:>10.2?}\nfirst check {first_check:>10.2?}   warm check {warm_check:>10.2?}",
        bytes.len(),
        r.cells.len(),
        d.len()
    );
}
