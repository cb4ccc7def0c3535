//! The real server on a random port with its own SQLite register, and a
//! client (reqwest) that keeps cookies like a browser does; a raw socket
//! only where a test must send what no client would (a body declared, never sent).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use ogi_store::{Role, Store};
use ogi_web::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The corpus of real reports beside the repository (or `OGI_CORPUS`).
pub fn corpus() -> PathBuf {
    std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// The answer to the application form's sum, from text that prints it
/// (`…（3 + 4 = ?）…`), as a person would work it out.
pub fn answer_to_sum(text: &str) -> String {
    let sum = text.split('（').find(|p| p.contains(" = ?）")).unwrap_or_else(|| panic!("a sum in {text}"));
    let parts: Vec<&str> = sum.split(" = ?").next().unwrap().split(' ').collect();
    let (a, b): (i32, i32) = (parts[0].parse().unwrap(), parts[2].parse().unwrap());
    (if parts[1] == "+" { a + b } else { a - b }).to_string()
}

/// The form's challenge token and the answer to its sum, from the page.
pub fn challenge_of(page: &str) -> (String, String) {
    let token = page.split("name=\"challenge\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    (token, answer_to_sum(page))
}

pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh register and server; `today` fixes the workbench's date.
pub async fn start(name: &str, today: Option<&str>) -> Server {
    start_with(name, today, ogi_web::Options::default(), ogi_web::routes()).await
}

/// A server with its own options (trusted proxies, timeout) and routes (the
/// real ones, perhaps with a test's own added) in the real layers.
pub async fn start_with(
    name: &str,
    today: Option<&str>,
    options: ogi_web::Options,
    routes: axum::Router<AppState>,
) -> Server {
    let dir = std::env::temp_dir().join(format!("ogi-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = AppState::open_with(&dir.join("ogi.db"), today.map(|t| t.parse().unwrap()), options).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = ogi_web::with_layers(routes, state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { addr, state, dir }
}

pub const PASSWORD: &str = "correct-horse-battery";

impl Server {
    /// A user of `role` created in the store, logged in through the login form.
    pub async fn login(&self, username: &str, role: Role) -> Client {
        self.login_in(username, "root", role).await
    }

    /// `login`, the user (if new) created in the agency coded `agency`.
    pub async fn login_in(&self, username: &str, agency: &str, role: Role) -> Client {
        let hash = ogi_web::auth::hash_password(PASSWORD).unwrap();
        let (name, agency) = (username.to_string(), agency.to_string());
        self.state
            .write_in(ogi_store::Scope::OPERATOR, move |s| {
                if s.login_user(&name)?.is_none() {
                    let id = s.agencies()?.into_iter().find(|a| a.code == agency).expect("the agency").id;
                    s.create_user_in(id, &name, &format!("{name}的姓名"), role, &hash, "test")?;
                }
                Ok(())
            })
            .await
            .unwrap();
        let mut c = self.client();
        let page = c.get("/login").await;
        let csrf = page.csrf();
        let r = c
            .post_form("/login", &[("username", username), ("password", PASSWORD), ("csrf", &csrf), ("next", "/")])
            .await;
        assert_eq!(r.status, 303, "login as {username}: {}", r.text());
        c
    }

    /// A user of `role` created in the store (if new), not logged in.
    pub async fn user(&self, username: &str, role: Role) -> ogi_store::User {
        let hash = ogi_web::auth::hash_password(PASSWORD).unwrap();
        let name = username.to_string();
        self.state
            .write_in(ogi_store::Scope::OPERATOR, move |s| {
                if s.login_user(&name)?.is_none() {
                    s.create_user(&name, &format!("{name}的姓名"), role, &hash, "test")?;
                }
                Ok(s.login_user(&name)?.unwrap().0)
            })
            .await
            .unwrap()
    }

    /// `Authorization: Bearer …` for a token of `username` (created with
    /// `role` if new), issued a day ago and expiring `expires_in` seconds from now.
    pub async fn bearer(&self, username: &str, role: Role, scope: ogi_store::TokenScope, expires_in: i64) -> String {
        let user = self.user(username, role).await;
        let token = ogi_web::auth::random_token();
        let hash = ogi_web::auth::token_hash(&token);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        self.state
            .write_in(ogi_store::Scope::OPERATOR, move |s| {
                // Issued a day ago, so that one "expiring in -1 s" is valid to the store.
                let t = ogi_store::NewToken {
                    token_hash: &hash,
                    user_id: user.id,
                    name: "测试",
                    scope,
                    now: now - 86_400,
                    expires: now + expires_in,
                };
                s.issue_api_token(&t, "test")
            })
            .await
            .unwrap();
        format!("Bearer {token}")
    }

    pub fn client(&self) -> Client {
        Client { addr: self.addr, cookies: BTreeMap::new(), csrf: String::new() }
    }
}

pub struct Client {
    pub addr: SocketAddr,
    pub cookies: BTreeMap<String, String>,
    /// The last CSRF token seen on a page (for forms posted next).
    pub csrf: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let t = self.text();
        let at = t.find("name=\"csrf\" value=\"").expect("a form with a CSRF token");
        let rest = &t[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

impl Client {
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, &[], Vec::new()).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send("POST", path, &[("Content-Type", "application/x-www-form-urlencoded")], body.into_bytes()).await
    }

    /// Logs in through the form, with extra request headers (e.g. `X-Forwarded-For`).
    pub async fn try_login(&mut self, username: &str, password: &str, headers: &[(&str, &str)]) -> Resp {
        let csrf = self.get("/login").await.csrf();
        let body = serde_urlencoded::to_string([
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .unwrap();
        let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
        h.extend_from_slice(headers);
        self.send("POST", "/login", &h, body.into_bytes()).await
    }

    /// A form as a browser posts it from the page just loaded (with its CSRF token).
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_form(path, &all).await
    }

    pub async fn post_json(&mut self, path: &str, json: &serde_json::Value, headers: &[(&str, &str)]) -> Resp {
        let mut h = vec![("Content-Type", "application/json")];
        h.extend_from_slice(headers);
        self.send("POST", path, &h, serde_json::to_vec(json).unwrap()).await
    }

    /// An upload form as the pages send it: the CSRF token as the first field, then the files.
    pub async fn post_multipart(&mut self, path: &str, files: &[(&str, &str, &[u8])]) -> Resp {
        let csrf = self.csrf.clone();
        self.post_multipart_with(path, Some(&csrf), files).await
    }

    pub async fn post_multipart_with(&mut self, path: &str, csrf: Option<&str>, files: &[(&str, &str, &[u8])]) -> Resp {
        let boundary = "XogiTestBoundary";
        let mut body = Vec::new();
        if let Some(csrf) = csrf {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
            );
        }
        for (field, filename, content) in files {
            // An empty file name is a plain text field.
            let head = match filename.is_empty() {
                true => format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n"),
                false => format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
            };
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.send("POST", path, &[("Content-Type", &ct)], body).await
    }

    /// One request through `reqwest` (no redirects followed, no proxies), with
    /// this client's cookies; keeps the cookies and the CSRF token it answers with.
    pub async fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = http.request(method, format!("http://{}{path}", self.addr)).header("Connection", "close");
        if !self.cookies.is_empty() {
            let c: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header("Cookie", c.join("; "));
        }
        for (k, v) in headers {
            // Bytes as given (a test may send a non-ASCII header value).
            req = req.header(*k, reqwest::header::HeaderValue::from_bytes(v.as_bytes()).unwrap());
        }
        let answer = req.body(body).send().await.unwrap();
        let status = answer.status().as_u16();
        let headers: Vec<(String, String)> = answer
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = answer.bytes().await.unwrap().to_vec();
        let resp = Resp { status, headers, body };
        for (k, v) in &resp.headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let pair = v.split(';').next().unwrap_or_default();
                if let Some((name, value)) = pair.split_once('=') {
                    if value.is_empty() || v.contains("Max-Age=0") {
                        self.cookies.remove(name);
                    } else {
                        self.cookies.insert(name.to_string(), value.to_string());
                    }
                }
            }
        }
        let text = resp.text();
        if let Some(at) = text.find("name=\"csrf\" value=\"") {
            let rest = &text[at + 19..];
            self.csrf = rest[..rest.find('"').unwrap_or(0)].to_string();
        }
        resp
    }
}

/// Sends only the head of a request that declares `length` bytes of body
/// (and `extra` head lines), waits up to 10 s, and returns the answer.
pub async fn declared_but_unsent(addr: SocketAddr, method_path: &str, extra: &[&str], length: usize) -> Resp {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method_path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {length}\r\n");
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out)).await;
    if out.is_empty() {
        return Resp { status: 0, headers: Vec::new(), body: Vec::new() };
    }
    parse(&out)
}

fn parse(raw: &[u8]) -> Resp {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Resp { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

/// Registers `n` simulated requests (a register to look at).
pub async fn fill(server: &Server, year: i16, n: usize, seed: u64) {
    let cal = ogi_rules::Calendar::embedded();
    let first = jiff::civil::Date::new(year, 1, 2).unwrap();
    let requests = ogi_rules::sim::requests(&cal, seed, n, first, 240);
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, move |s| s.import_requests(&requests, "模拟申请", "test", &cal))
        .await
        .unwrap();
}

/// A made-up 2027 notice (the real one is not out): every statutory day off,
/// as many working days as the statutory count, 元旦 through Monday 1月4日.
pub const NOTICE_2027: &str = "国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）
一、元旦：1月1日（周五）至4日（周一）放假调休，共4天。1月9日（周六）上班。
二、春节：2月5日（农历除夕、周五）至11日（周四）放假调休，共7天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。";

/// Every route the server's source declares (`.route("…"`), so that a test
/// walking routes can say it walked all of them.
pub fn routes_in_source() -> std::collections::BTreeSet<String> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("lib.rs"), src.join("api.rs"), src.join("auth.rs")];
    for e in std::fs::read_dir(src.join("pages")).unwrap() {
        files.push(e.unwrap().path());
    }
    let mut out = std::collections::BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for piece in text.split(".route(\"").skip(1) {
            out.insert(piece[..piece.find('"').unwrap()].to_string());
        }
    }
    out
}
