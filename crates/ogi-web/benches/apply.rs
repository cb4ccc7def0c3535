//! Load test of 网上申请 (issue 17): a steady stream of applications on
//! loopback — by default 200 a second for 60 s — each sent as a person
//! sends it: the form loaded, its sum read off the page and solved, the
//! form posted. Every applicant has an address of their own (forwarded by
//! a trusted proxy, as behind the government's gateway) and an ID number of
//! their own, so the per-address and per-ID limits hold as in production
//! and none is bypassed. Afterwards every receipt is looked up: a receipt
//! whose tracking code finds nothing is a lost request.
//!
//! Prints the rate reached, latency percentiles, errors and lost requests;
//! exits 1 when any submission failed or any receipt is lost.
//!
//! `cargo bench -p ogi-web --bench apply`; shorter:
//! `OGI_APPLY_RATE=50 OGI_APPLY_SECS=5 cargo bench -p ogi-web --bench apply`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ogi_store::Store;
use ogi_web::AppState;
use tokio::task::JoinSet;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A valid 18-digit 居民身份证 number, different for every `i` (birth date
/// and sequence vary; the check character computed as GB 11643 says).
fn resident_id(i: usize) -> String {
    let (days, seq) = (i / 1000, i % 1000);
    let year = 1940 + days / 28;
    let day = 1 + days % 28;
    let body = format!("110105{year:04}01{day:02}{seq:03}");
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// The applicant's own address, as the proxy forwards it.
fn address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

/// The form's challenge as a person reads it: (token, answer).
fn solve(page: &str) -> Option<(String, String)> {
    let token = page.split("name=\"challenge\" value=\"").nth(1)?.split('"').next()?.to_string();
    let sum = page.split('（').find(|p| p.contains(" = ?）"))?.split(" = ?").next()?;
    let parts: Vec<&str> = sum.split(' ').collect();
    let (a, b): (i32, i32) = (parts.first()?.parse().ok()?, parts.get(2)?.parse().ok()?);
    Some((token, if parts.get(1) == Some(&"+") { a + b } else { a - b }.to_string()))
}

/// One application from applicant `i`: its tracking code and how long it took.
async fn apply(http: reqwest::Client, base: String, i: usize) -> Result<(String, Duration), String> {
    let started = Instant::now();
    let from = address(i);
    let form = http.get(format!("{base}/apply")).header("X-Forwarded-For", &from).send().await;
    let form = form.map_err(|e| format!("GET /apply: {e}"))?;
    if form.status() != 200 {
        return Err(format!("GET /apply: {}", form.status()));
    }
    let page = form.text().await.map_err(|e| format!("GET /apply: {e}"))?;
    let (token, answer) = solve(&page).ok_or("no challenge on the form")?;
    let id = resident_id(i);
    let name = format!("申请人{i}");
    let fields = [
        ("applicant", "natural"),
        ("name", &name),
        ("id_kind", "resident_id"),
        ("id_number", &id),
        ("phone", "0635-1234567"),
        ("email", ""),
        ("address", "山东省聊城市东昌府区某路 1 号"),
        ("summary", "2024年本区老旧小区改造项目清单"),
        ("document", ""),
        ("delivery", "online"),
        ("challenge", &token),
        ("answer", &answer),
    ];
    let body = serde_urlencoded::to_string(fields).unwrap();
    let r = http
        .post(format!("{base}/apply"))
        .header("X-Forwarded-For", &from)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("POST /apply: {e}"))?;
    let status = r.status();
    let location = r.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_string);
    match (status.as_u16(), location) {
        (303, Some(l)) if l.starts_with("/track/") => {
            let code = l.trim_start_matches("/track/").split('?').next().unwrap_or_default().to_string();
            Ok((code, started.elapsed()))
        }
        _ => {
            let text = r.text().await.unwrap_or_default();
            let why = text.split("role=\"alert\"").nth(1).map(|t| t.chars().take(120).collect::<String>());
            Err(format!("POST /apply: {status} {}", why.unwrap_or_default()))
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let rate: usize = env_or("OGI_APPLY_RATE", 200);
    let secs: usize = env_or("OGI_APPLY_SECS", 60);
    let dir = std::env::temp_dir().join(format!("ogi-apply-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let options = ogi_web::Options {
        trusted_proxies: vec![ogi_web::net::parse_trusted_proxy("127.0.0.1").expect("loopback")],
        ..ogi_web::Options::default()
    };
    let state = AppState::open_with(dir.join("ogi.db"), None, options).expect("a register");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("its address");
    let app = ogi_web::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");

    // Each application starts on its tick, however long the earlier ones take.
    let total = rate * secs;
    println!("网上申请 load: {rate}/s for {secs} s ({total} applications), SQLite at {}", dir.display());
    let start = Instant::now();
    let mut running = JoinSet::new();
    for i in 0..total {
        tokio::time::sleep_until((start + Duration::from_secs_f64(i as f64 / rate as f64)).into()).await;
        running.spawn(apply(http.clone(), base.clone(), i));
    }
    let sent_in = start.elapsed();
    let (mut codes, mut took, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(done) = running.join_next().await {
        match done.expect("a submission task") {
            Ok((code, t)) => {
                codes.push(code);
                took.push(t);
            }
            Err(e) => errors.push(e),
        }
    }
    let all_in = start.elapsed();
    took.sort();
    let at = |q: f64| took.get(((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1))).copied();
    println!(
        "sent in {:.1} s ({:.0}/s), all answered in {:.1} s; ok {}, errors {}",
        sent_in.as_secs_f64(),
        total as f64 / sent_in.as_secs_f64(),
        all_in.as_secs_f64(),
        codes.len(),
        errors.len()
    );
    if let (Some(p50), Some(p99), Some(max)) = (at(0.5), at(0.99), took.last().copied()) {
        println!("form + submit latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", ms(p50), ms(p99), ms(max));
    }
    let mut kinds: Vec<&String> = errors.iter().collect();
    kinds.sort();
    kinds.dedup();
    for e in kinds.iter().take(5) {
        println!("  error: {e}");
    }

    // Every receipt has its row: in the clerk's list, and found by its code.
    // Read as the operator: the public side's own scope reads no agency's rows.
    let pending =
        state.read_in(ogi_store::Scope::OPERATOR, |s| s.pending_applications()).await.expect("the pending list").len();
    let mut lost = 0usize;
    let mut lookups = JoinSet::new();
    for (i, code) in codes.iter().enumerate() {
        let (http, url, from) = (http.clone(), format!("{base}/track/{code}"), address(total + i));
        lookups.spawn(async move {
            let r = http.get(url).header("X-Forwarded-For", from).send().await;
            r.map(|r| r.status().as_u16()).unwrap_or(0)
        });
        if lookups.len() >= 32 {
            lost += usize::from(lookups.join_next().await.expect("a lookup").expect("a lookup task") != 200);
        }
    }
    while let Some(status) = lookups.join_next().await {
        lost += usize::from(status.expect("a lookup task") != 200);
    }
    println!("receipts {}, rows awaiting confirmation {pending}, receipts not found {lost}", codes.len());
    let _ = std::fs::remove_dir_all(&dir);
    if !errors.is_empty() || lost > 0 || pending != codes.len() {
        std::process::exit(1);
    }
}
