//! Per-file read (and check) time: `cargo run --release -p ogi-report --example timing -- FILE…`
use std::time::Instant;
fn main() {
    for f in std::env::args().skip(1) {
        let b = std::fs::read(&f).unwrap();
        let n = 200;
        let t = Instant::now();
        for _ in 0..n {
            if let Ok(r) = ogi_report::read(&b, Some(&f)) {
                std::hint::black_box(ogi_report::check::check(&r, None));
            }
        }
        println!("{:>8.0} µs  {f}", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
}
