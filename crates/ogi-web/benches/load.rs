//! Load test of the workbench's two busiest pages on a large register: the
//! real server (loopback only) over 100,000 simulated requests, 50 clients
//! with keep-alive HTTP/1.1 connections, ~10 s per scenario. Prints
//! requests/s and latency percentiles; asserts nothing.
//!
//! `cargo bench -p ogi-web --bench load`. Smaller runs for a look:
//! `OGI_LOAD_N=10000 OGI_LOAD_SECS=3 cargo bench -p ogi-web --bench load`;
//! `OGI_LOAD_DB=path` keeps the register there (and reuses it if it exists);
//! `OGI_LOAD_DB=postgres://…` runs on that PostgreSQL database, and
//! `OGI_LOAD_DB=postgres` on a fresh one on the server of
//! `OGI_TEST_POSTGRES_URL` (dropped afterwards).
//!
//! A shared deployment: `OGI_LOAD_AGENCIES=2000 OGI_LOAD_N=500` makes 2,000
//! agencies under one government with 500 requests each, and the 50 clients
//! are clerks of 50 different agencies (each sees its own register).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ogi_rules::{Calendar, Date};
use ogi_store::{Database, Role, Store};
use ogi_web::AppState;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CLIENTS: usize = 50;
/// Longest any one request may take before the run gives up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let agencies: usize = env_or("OGI_LOAD_AGENCIES", 0);
    let n: usize = env_or("OGI_LOAD_N", if agencies > 0 { 500 } else { 100_000 });
    let secs: u64 = env_or("OGI_LOAD_SECS", 10);
    let kept = std::env::var("OGI_LOAD_DB").ok();
    let dir = std::env::temp_dir().join(format!("ogi-load-{}", std::process::id()));
    let mut scratch = None;
    let db: ogi_store::Location = match kept.as_deref() {
        Some("postgres") => {
            let s = tokio::task::spawn_blocking(|| ogi_store::scratch::ScratchPostgres::create("load"))
                .await
                .expect("create")
                .expect("a PostgreSQL database");
            let url = s.url().to_string();
            scratch = Some(s);
            ogi_store::Location::Postgres(url)
        }
        Some(loc) => ogi_store::Location::parse(loc).expect("OGI_LOAD_DB"),
        None => {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            ogi_store::Location::Sqlite(dir.join("ogi.db"))
        }
    };

    // The register: two years of simulated requests, today late in the second.
    let started = Instant::now();
    let cal = Calendar::embedded();
    let today = Date::constant(2025, 11, 20);
    // One clerk per client (one agency each in a shared deployment).
    let clerks = if agencies > 0 { CLIENTS } else { 1 };
    let tokens: Vec<String> = (0..clerks).map(|_| ogi_web::auth::random_token()).collect();
    // Off the async workers: the PostgreSQL client blocks.
    let (at, sessions) = (db.clone(), tokens.clone());
    let total = tokio::task::spawn_blocking(move || {
        let db = at;
        let mut store = Database::connect(&db).expect("open the register");
        let first = Date::constant(2024, 1, 2);
        let span = cal.workdays_between(first, today).expect("the calendar covers 2024–2025");
        let mut clerk_agencies = vec![ogi_store::ROOT_AGENCY];
        if store.user_count().expect("users") == 0 {
            if agencies == 0 {
                let requests = ogi_rules::sim::requests(&cal, 20_251_120, n, first, span);
                store.import_requests(&requests, "模拟申请：请公开某项目的审批材料", "load", &cal).expect("import");
                store.set_setting(ogi_store::AGENCY_NAME, "某市数据局", "load").expect("agency");
                store.create_user("clerk0", "王经办", Role::Clerk, "!", "load").expect("user");
            } else {
                let mut csv = String::from("code,name,parent,kind\n");
                for i in 0..agencies {
                    csv.push_str(&format!("d{i:04},模拟机关{i:04},root,department\n"));
                }
                store.import_agencies(csv.as_bytes(), "load").expect("agencies");
                let ids: Vec<i64> =
                    store.agencies().expect("tree").into_iter().filter(|a| a.depth == 1).map(|a| a.id).collect();
                // One transaction for the whole region (see `import_registers`).
                let registers = ids.iter().enumerate().map(|(i, id)| {
                    if i % 200 == 199 {
                        println!("  已生成 {} 个机关（{:.0} s）", i + 1, started.elapsed().as_secs_f64());
                    }
                    (*id, ogi_rules::sim::requests(&cal, 20_251_120 + i as u64, n, first, span))
                });
                store
                    .import_registers(registers, "模拟申请：请公开某项目的审批材料", "load", &cal, 4096)
                    .expect("import");
                clerk_agencies = (0..CLIENTS).map(|c| ids[c * ids.len() / CLIENTS]).collect();
                for (c, agency) in clerk_agencies.iter().enumerate() {
                    store
                        .create_user_in(*agency, &format!("clerk{c}"), "经办人", Role::Clerk, "!", "load")
                        .expect("user");
                }
            }
        }
        let expires = 4_102_444_800; // 2100-01-01: outlives the run
        for (c, token) in sessions.iter().enumerate() {
            let user = store.login_user(&format!("clerk{c}")).expect("user").expect("the clerk").0;
            store.create_session(&ogi_web::auth::token_hash(token), user.id, "csrf", expires).expect("session");
        }
        let total = store.list(&Default::default(), 0, 1).expect("count").1;
        total
    })
    .await
    .expect("prepare");
    let shape = if agencies > 0 { format!("{agencies} 个机关 × {n} 件，") } else { String::new() };
    println!(
        "登记簿（{db}）：{shape}共 {total} 件模拟申请，今天 {today}，准备用时 {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let at = db.clone();
    let state = tokio::task::spawn_blocking(move || AppState::open(&at, Some(today)))
        .await
        .expect("open")
        .expect("open the state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let app = ogi_web::app(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let cookies: Vec<String> = tokens.iter().map(|t| format!("{}={t}", ogi_web::auth::SESSION_COOKIE)).collect();
    // An agency's register is 500 requests: its deep page is page 20, and its
    // codes begin with the agency's code.
    let (mid, deep, code) = if agencies > 0 {
        ("/requests?page=10", "/requests?page=20", "/requests?q=审批材料")
    } else {
        ("/requests?page=40", "/requests?page=1500", "/requests?q=YSQ2025-00012")
    };

    let scenarios: [(&str, &[&str]); 3] = [
        ("工作台 GET /", &["/"]),
        ("登记簿首页 GET /requests", &["/requests"]),
        (
            "登记簿筛选与深页",
            &[
                "/requests?state=open",
                "/requests?state=not_closed&applicant=commercial",
                "/requests?channel=online&outcome=denied&from=2025-01-01&to=2025-06-30",
                mid,
                deep,
                code,
            ],
        ),
    ];
    println!("{CLIENTS} 个并发客户端（keep-alive），每个场景 {secs} s（另预热 1 s）\n");
    // `OGI_LOAD_ONLY=2`: only the second scenario (for profiling).
    let only: usize = env_or("OGI_LOAD_ONLY", 0);
    for (i, (name, paths)) in scenarios.into_iter().enumerate() {
        if only != 0 && only != i + 1 {
            continue;
        }
        // Warm the caches (SQLite pages, read connections) before measuring.
        run(addr, &cookies, paths, Duration::from_secs(1)).await;
        let result = run(addr, &cookies, paths, Duration::from_secs(secs)).await;
        result.print(name);
    }
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    // Dropping it connects to the server: off the async workers too.
    let _ = tokio::task::spawn_blocking(move || drop(scratch)).await;
}

#[derive(Default)]
struct Outcome {
    elapsed: Duration,
    /// Latencies per path.
    latencies: BTreeMap<String, Vec<Duration>>,
    failures: BTreeMap<String, usize>,
}

impl Outcome {
    fn print(&self, name: &str) {
        let all: Vec<Duration> = self.latencies.values().flatten().copied().collect();
        println!("{name}");
        line("  合计", &all, self.elapsed);
        if self.latencies.len() > 1 {
            for (path, l) in &self.latencies {
                line(&format!("  {path}"), l, self.elapsed);
            }
        }
        for (what, n) in &self.failures {
            println!("  失败 {n} 次：{what}");
        }
        println!();
    }
}

fn line(label: &str, latencies: &[Duration], elapsed: Duration) {
    let mut l = latencies.to_vec();
    l.sort();
    let pct = |p: f64| -> f64 {
        if l.is_empty() {
            return 0.0;
        }
        let i = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len()) - 1;
        l[i].as_secs_f64() * 1000.0
    };
    println!(
        "{label}: {} 次，{:.0} 次/s，p50 {:.1} ms，p95 {:.1} ms，p99 {:.1} ms，最大 {:.1} ms",
        l.len(),
        l.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.95),
        pct(0.99),
        l.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
}

/// `CLIENTS` clients, each cycling through `paths` on one connection, for `length`.
async fn run(addr: SocketAddr, cookies: &[String], paths: &[&str], length: Duration) -> Outcome {
    let start = Instant::now();
    let deadline = start + length;
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let cookie = cookies[i % cookies.len()].clone();
        let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            let mut conn: Option<Conn> = None;
            let mut k = i;
            while Instant::now() < deadline {
                let path = &paths[k % paths.len()];
                k += 1;
                if conn.is_none() {
                    match TcpStream::connect(addr).await {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            conn = Some(Conn(BufReader::new(s)));
                        }
                        Err(e) => {
                            *out.failures.entry(format!("连接：{e}")).or_default() += 1;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    }
                }
                let Some(c) = conn.as_mut() else { continue };
                let t = Instant::now();
                match tokio::time::timeout(REQUEST_TIMEOUT, c.get(path, &cookie)).await {
                    Ok(Ok(200)) => out.latencies.entry(path.clone()).or_default().push(t.elapsed()),
                    Ok(Ok(status)) => *out.failures.entry(format!("{path}：HTTP {status}")).or_default() += 1,
                    Ok(Err(e)) => {
                        *out.failures.entry(format!("{path}：{e}")).or_default() += 1;
                        conn = None;
                    }
                    Err(_) => {
                        *out.failures.entry(format!("{path}：超时")).or_default() += 1;
                        conn = None;
                    }
                }
            }
            out
        }));
    }
    let mut total = Outcome::default();
    for t in tasks {
        if let Ok(o) = t.await {
            for (p, l) in o.latencies {
                total.latencies.entry(p).or_default().extend(l);
            }
            for (f, n) in o.failures {
                *total.failures.entry(f).or_default() += n;
            }
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// A keep-alive HTTP/1.1 connection.
struct Conn(BufReader<TcpStream>);

impl Conn {
    /// Sends a GET and reads the whole response; returns its status.
    async fn get(&mut self, path: &str, cookie: &str) -> std::io::Result<u16> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n");
        self.0.get_mut().write_all(req.as_bytes()).await?;
        let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        let mut line = String::new();
        self.0.read_line(&mut line).await?;
        let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("状态行"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            if self.0.read_line(&mut line).await? == 0 {
                return Err(bad("连接提前关闭"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse::<usize>().ok();
                } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                    chunked = true;
                }
            }
        }
        if chunked {
            loop {
                line.clear();
                self.0.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16).map_err(|_| bad("分块长度"))?;
                let mut chunk = vec![0; size + 2];
                self.0.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
            }
        } else {
            let mut body = vec![0; length.ok_or_else(|| bad("没有 Content-Length"))?];
            self.0.read_exact(&mut body).await?;
        }
        Ok(status)
    }
}
