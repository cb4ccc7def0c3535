//! Table 三 derived from a register of 1,000,000 requests (target < 1 s).
//! `cargo bench -p ogi-store`. Prints figures; asserts nothing.

use std::time::Instant;

use ogi_rules::Calendar;
use ogi_store::{Database, Store};
use ogi_vocab::Template;

fn main() {
    let n: usize = std::env::var("OGI_BENCH_REQUESTS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let cal = Calendar::embedded();
    let dir = std::env::temp_dir().join(format!("ogi-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("register.db");
    let t = Instant::now();
    let requests = ogi_rules::sim::requests(&cal, 42, n, "2023-01-03".parse().unwrap(), 480);
    let simulated = t.elapsed();
    let t = Instant::now();
    let mut store = Database::open(&path).expect("open");
    for chunk in requests.chunks(100_000) {
        store.import_requests(chunk, "模拟申请", "bench", &cal).expect("import");
    }
    let imported = t.elapsed();
    drop(store);
    let store = Database::open(&path).expect("reopen");
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let cells = store.table3(2024, Template::Y2021).expect("table3");
        std::hint::black_box(cells);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "register of {n} requests: simulated in {:.1} s, stored in {:.1} s; table 三 for 2024 in {:.3} s (best of 3; target < 1 s)",
        simulated.as_secs_f64(),
        imported.as_secs_f64(),
        best
    );
    std::fs::remove_dir_all(&dir).ok();
}
