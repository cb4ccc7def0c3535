//! A minimal W3C WebDriver client for Debian's `chromedriver` driving a real
//! headless Chromium: start the driver on a free port, open a session, visit
//! pages, fill and submit forms, read the page, take screenshots, and let
//! the browser download files. Plain HTTP/JSON over a TCP stream.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    pub downloads: PathBuf,
}

/// The W3C element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    /// Starts chromedriver and a headless Chromium at 1366×768 that saves
    /// downloads to `downloads`.
    pub fn start(downloads: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .args(std::env::var("OGI_WEBDRIVER_LOG").map(|p| format!("--log-path={p}")))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed: apt-get install chromium chromium-driver (.ci/run installs them)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut b = Browser { driver, port, session: String::new(), downloads: downloads.to_path_buf() };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,768", "--lang=zh-CN", "--no-first-run", "--no-default-browser-check"],
                "prefs": {"download.default_directory": downloads.display().to_string(),
                          "download.prompt_for_download": false,
                          "intl.accept_languages": "zh-CN"}
            }
        }}});
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"].as_str().expect("a WebDriver session").to_string();
        // Headless Chromium saves downloads only when told where, per session.
        b.call(
            "POST",
            &format!("/session/{}/goog/cdp/execute", b.session),
            Some(json!({"cmd": "Browser.setDownloadBehavior",
                        "params": {"behavior": "allow", "downloadPath": downloads.display().to_string()}})),
        );
        b
    }

    fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.try_call(method, path, body) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// Retries while the page is between two documents (after a click that
    /// submits a form, elements of the old page go stale).
    fn settled<T>(&mut self, mut f: impl FnMut(&mut Self) -> Result<T, String>) -> T {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match f(self) {
                Ok(v) => return v,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    fn try_call(&mut self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        if std::env::var_os("OGI_WEBDRIVER_DEBUG").is_some() {
            eprintln!("webdriver: {method} {path} {}", body.chars().take(200).collect::<String>());
        }
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to chromedriver");
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).expect("send to chromedriver");
        // chromedriver keeps connections alive: read exactly one response.
        let mut raw = Vec::new();
        let mut buf = [0u8; 65536];
        let (head_end, length) = loop {
            let n = s.read(&mut buf).expect("read from chromedriver");
            assert!(n > 0, "chromedriver closed the connection");
            raw.extend_from_slice(&buf[..n]);
            if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..p]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok());
                break (p + 4, length);
            }
        };
        match length {
            Some(len) => {
                while raw.len() < head_end + len {
                    let n = s.read(&mut buf).expect("read from chromedriver");
                    assert!(n > 0, "chromedriver closed the connection early");
                    raw.extend_from_slice(&buf[..n]);
                }
            }
            None => {
                let _ = s.read_to_end(&mut raw);
            }
        }
        let text = String::from_utf8_lossy(&raw);
        let (head, json_body) = text.split_once("\r\n\r\n").expect("an HTTP response");
        let json_body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(json_body)
        } else {
            json_body.to_string()
        };
        let v: Value = serde_json::from_str(&json_body).unwrap_or(Value::Null);
        let value = v["value"].clone();
        if let Some(err) = value.get("error") {
            return Err(format!("WebDriver {method} {path}: {err}: {}", value["message"]));
        }
        Ok(value)
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&mut self, url: &str) {
        let p = self.s("/url");
        self.call("POST", &p, Some(json!({"url": url})));
    }

    pub fn url(&mut self) -> String {
        let p = self.s("/url");
        self.call("GET", &p, None).as_str().unwrap_or_default().to_string()
    }

    pub fn source(&mut self) -> String {
        let p = self.s("/source");
        self.call("GET", &p, None).as_str().unwrap_or_default().to_string()
    }

    /// The visible text of the page.
    pub fn text(&mut self) -> String {
        self.settled(|b| {
            let body = b.try_find("body")?;
            let p = b.s(&format!("/element/{body}/text"));
            Ok(b.try_call("GET", &p, None)?.as_str().unwrap_or_default().to_string())
        })
    }

    fn try_find(&mut self, css: &str) -> Result<String, String> {
        let p = self.s("/element");
        let v = self.try_call("POST", &p, Some(json!({"using": "css selector", "value": css})))?;
        v[ELEMENT].as_str().map(str::to_string).ok_or_else(|| format!("no element {css}"))
    }

    /// Waits until an element matching `css` is on the page.
    pub fn wait_for(&mut self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.exists(css) {
            if Instant::now() > deadline {
                let url = self.url();
                let page = self.source();
                panic!("no element {css} on {url}:\n{}", page.chars().take(3000).collect::<String>());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn find(&mut self, css: &str) -> String {
        self.wait_for(css);
        let p = self.s("/element");
        let v = self.call("POST", &p, Some(json!({"using": "css selector", "value": css})));
        match v[ELEMENT].as_str() {
            Some(e) => e.to_string(),
            None => {
                let url = self.url();
                let page = self.source();
                panic!("no element {css} on {url}:\n{}", page.chars().take(3000).collect::<String>())
            }
        }
    }

    pub fn exists(&mut self, css: &str) -> bool {
        let p = self.s("/elements");
        let v = self.try_call("POST", &p, Some(json!({"using": "css selector", "value": css})));
        v.ok().and_then(|v| v.as_array().map(|a| !a.is_empty())).unwrap_or(false)
    }

    /// Types into an input (clearing it first). Date inputs are set through
    /// the DOM: what keys a date picker takes depends on the browser's locale.
    pub fn fill(&mut self, css: &str, text: &str) {
        let e = self.find(css);
        let p = self.s(&format!("/element/{e}/attribute/type"));
        if self.call("GET", &p, None).as_str() == Some("date") {
            let p = self.s("/execute/sync");
            self.call(
                "POST",
                &p,
                Some(json!({"script": "arguments[0].value = arguments[1];", "args": [{ELEMENT: e}, text]})),
            );
            return;
        }
        let p = self.s(&format!("/element/{e}/clear"));
        self.call("POST", &p, Some(json!({})));
        let p = self.s(&format!("/element/{e}/value"));
        self.call("POST", &p, Some(json!({"text": text})));
    }

    /// Chooses an option of a `<select>` by its value.
    pub fn select(&mut self, select_css: &str, value: &str) {
        self.click(&format!("{select_css} option[value=\"{value}\"]"));
    }

    pub fn click(&mut self, css: &str) {
        let e = self.find(css);
        let p = self.s(&format!("/element/{e}/click"));
        self.call("POST", &p, Some(json!({})));
    }

    /// Runs a script in the page (for what WebDriver cannot express simply).
    pub fn script(&mut self, js: &str) -> Value {
        let p = self.s("/execute/sync");
        self.call("POST", &p, Some(json!({"script": js, "args": []})))
    }

    /// Sets the viewport to exactly `width`×`height` CSS pixels (what a
    /// screen of that size shows), through Chromium's device emulation.
    pub fn viewport(&mut self, width: u32, height: u32) {
        let p = self.s("/goog/cdp/execute");
        self.call(
            "POST",
            &p,
            Some(json!({"cmd": "Emulation.setDeviceMetricsOverride",
                        "params": {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}})),
        );
    }

    /// A PNG of the viewport.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let p = self.s("/screenshot");
        let b64 = self.call("GET", &p, None).as_str().unwrap_or_default().to_string();
        base64_decode(&b64)
    }

    /// A PNG of the whole page (Chromium's full-page capture), at most `max_height` px tall.
    pub fn screenshot_page(&mut self, max_height: u32) -> Vec<u8> {
        let h =
            self.script("return document.documentElement.scrollHeight").as_u64().unwrap_or(768).min(max_height as u64);
        let p = self.s("/window/rect");
        self.call("POST", &p, Some(json!({"width": 1366, "height": h + 140})));
        let png = self.screenshot();
        self.call("POST", &p, Some(json!({"width": 1366, "height": 768})));
        png
    }

    /// Waits until a file whose name ends in `suffix` has been downloaded.
    pub fn wait_download(&self, suffix: &str) -> PathBuf {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(entries) = std::fs::read_dir(&self.downloads) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.ends_with(suffix) && !name.ends_with(".crdownload") {
                        // Complete once its size has stopped changing.
                        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                        let first = size(&e.path());
                        std::thread::sleep(Duration::from_millis(300));
                        if first > 0 && size(&e.path()) == first {
                            return e.path();
                        }
                    }
                }
            }
            assert!(Instant::now() < deadline, "no download ending in {suffix} in {}", self.downloads.display());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let p = format!("/session/{}", self.session);
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                // Ends the browser; the reply is not awaited (the driver keeps connections open).
                s.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let _ = s.write_all(
                    format!("DELETE {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                        .as_bytes(),
                );
                let _ = s.read(&mut [0u8; 1024]);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
