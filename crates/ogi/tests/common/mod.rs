//! The binary as a user runs it, and `ogi serve` as a child process reached
//! over real HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The corpus of real reports beside the repository (or `OGI_CORPUS`).
pub fn corpus() -> PathBuf {
    std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

pub fn ogi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ogi")).args(args).output().expect("run ogi")
}

/// A fresh directory for one test.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ogi-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `ogi serve` as a child process, stopped when dropped.
pub struct Served {
    child: Child,
    pub addr: String,
}

impl Served {
    /// Kills the server without warning (SIGKILL), as a power cut would.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// What `--db` takes: a path or a URL.
pub fn db_arg(db: &ogi_store::Location) -> String {
    match db {
        ogi_store::Location::Sqlite(p) => p.display().to_string(),
        ogi_store::Location::Postgres(url) => url.clone(),
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(db: impl Into<ogi_store::Location>, today: &str) -> Served {
    let db = db_arg(&db.into());
    let mut child = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .args(["serve", "--db", &db, "--bind", "127.0.0.1:0", "--today", today])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ogi serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect("the address").to_string();
    // The access log goes on: read it, so that the server never waits on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    Served { child, addr }
}

/// The CSRF token of the sessions [`sign_in`] makes.
pub const CSRF: &str = "csrf-of-the-test-session";

/// A user of `role` with a signed-in session (what a login makes) and an API
/// token, made in the register before or while the server runs.
pub fn sign_in(db: impl Into<ogi_store::Location>, username: &str, role: ogi_store::Role) -> (String, String) {
    use ogi_store::Store;
    let mut store = ogi_store::Database::connect(&db.into()).unwrap();
    let hash = ogi_web::auth::hash_password("correct-horse-battery").unwrap();
    let user = store.create_user(username, &format!("{username}的姓名"), role, &hash, "test").unwrap();
    let session = ogi_web::auth::random_token();
    let expires = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    store.create_session(&ogi_web::auth::token_hash(&session), user.id, CSRF, expires as i64).unwrap();
    let token = ogi_web::auth::random_token();
    store.create_api_token(&ogi_web::auth::token_hash(&token), user.id, "测试", "test").unwrap();
    (session, token)
}

pub struct Resp {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// One HTTP/1.1 exchange; `headers` as `Name: value` lines.
pub fn http(addr: &str, method: &str, path: &str, headers: &[String], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let rest = &raw[split + 4..];
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(rest) } else { rest.to_vec() };
    Resp { status, head, body }
}

pub fn cookie(session: &str) -> String {
    format!("Cookie: {}={session}", ogi_web::auth::SESSION_COOKIE)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&body[..end]).unwrap_or("0").trim(), 16).unwrap_or(0);
        if size == 0 || body.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[(end + 4 + size).min(body.len())..];
    }
    out
}

/// Runs `cmd`, killing it after `limit` (a hung office suite must not hang CI).
pub fn run_with_limit(mut cmd: Command, limit: std::time::Duration) -> std::process::ExitStatus {
    let mut child =
        cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect(
            "LibreOffice (soffice) must be installed: `apt-get install libreoffice-writer` (.ci/run installs it)",
        );
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("soffice did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
