//! Debian's `chromedriver` driving a real headless Chromium through
//! `fantoccini` (a maintained W3C WebDriver client): start the driver on a
//! free port, open a session, visit pages, fill and submit forms, read the
//! page, take screenshots, and let the browser download files. This module
//! only starts the driver, keeps the test's vocabulary (CSS selectors,
//! waiting for the next page) and reports failures with the page they
//! happened on.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// How long to wait for an element, a settled page or a download.
const PATIENCE: Duration = Duration::from_secs(15);

pub struct Browser {
    driver: Child,
    client: Option<Client>,
    pub downloads: PathBuf,
}

/// A Chromium DevTools command through chromedriver's `goog/cdp/execute`
/// (download directory, device emulation): not part of W3C WebDriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({"cmd": self.cmd, "params": self.params}).to_string()))
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium at 1366×768 that saves
    /// downloads to `downloads`.
    pub async fn start(downloads: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .args(std::env::var("OGI_WEBDRIVER_LOG").map(|p| format!("--log-path={p}")))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed: apt-get install chromium chromium-driver (.ci/run installs them)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut b = Browser { driver, client: None, downloads: downloads.to_path_buf() };
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--window-size=1366,768", "--lang=zh-CN",
                         "--no-first-run", "--no-default-browser-check"],
                "prefs": {"download.default_directory": downloads.display().to_string(),
                          "download.prompt_for_download": false,
                          "intl.accept_languages": "zh-CN"}
            }
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("a WebDriver session: {e}"));
        b.client = Some(client);
        // Headless Chromium saves downloads only when told where, per session.
        b.cdp(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": downloads.display().to_string()}),
        )
        .await;
        b
    }

    fn c(&self) -> &Client {
        self.client.as_ref().expect("an open WebDriver session")
    }

    async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.c().issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("WebDriver {cmd}: {e}"))
    }

    /// Ends the session (and the browser) before the driver goes.
    pub async fn quit(mut self) {
        if let Some(c) = self.client.take() {
            c.close().await.expect("close the WebDriver session");
        }
    }

    pub async fn goto(&self, url: &str) {
        self.c().goto(url).await.unwrap_or_else(|e| panic!("WebDriver goto {url}: {e}"));
    }

    pub async fn url(&self) -> String {
        self.c().current_url().await.map(|u| u.to_string()).unwrap_or_else(|e| panic!("WebDriver url: {e}"))
    }

    pub async fn source(&self) -> String {
        self.c().source().await.unwrap_or_else(|e| panic!("WebDriver source: {e}"))
    }

    /// The visible text of the page, read again while the page is between
    /// two documents (after a click that submits a form, the old page's
    /// elements go stale).
    pub async fn text(&self) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.try_text().await {
                Ok(t) => return t,
                Err(e) if Instant::now() < deadline && settling(&e) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("WebDriver text: {e}"),
            }
        }
    }

    async fn try_text(&self) -> Result<String, CmdError> {
        self.c().find(Locator::Css("body")).await?.text().await
    }

    /// Waits until an element matching `css` is on the page.
    pub async fn wait_for(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.exists(css).await {
            if Instant::now() > deadline {
                self.missing(css).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn missing(&self, css: &str) -> ! {
        let url = self.url().await;
        let page = self.source().await;
        panic!("no element {css} on {url}:\n{}", page.chars().take(3000).collect::<String>())
    }

    pub async fn find(&self, css: &str) -> Element {
        self.wait_for(css).await;
        match self.c().find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(_) => self.missing(css).await,
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.c().find_all(Locator::Css(css)).await.is_ok_and(|all| !all.is_empty())
    }

    /// Types into an input (clearing it first). Date inputs are set through
    /// the DOM: what keys a date picker takes depends on the browser's locale.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        let what = format!("fill {css}");
        if done(&what, e.attr("type").await).as_deref() == Some("date") {
            let arg = serde_json::to_value(&e).expect("an element reference");
            done(&what, self.c().execute("arguments[0].value = arguments[1];", vec![arg, json!(text)]).await);
            return;
        }
        done(&what, e.clear().await);
        done(&what, e.send_keys(text).await);
    }

    /// Chooses a file for an `<input type=file>` (as a person picking it).
    pub async fn upload(&self, css: &str, file: &Path) {
        let e = self.find(css).await;
        done(&format!("upload {css}"), e.send_keys(&file.display().to_string()).await);
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        let e = self.find(css).await;
        done(&format!("text of {css}"), e.text().await)
    }

    /// Runs an asynchronous script: it ends by calling its last argument.
    pub async fn script_async(&self, js: &str) -> Value {
        self.c().execute_async(js, Vec::new()).await.unwrap_or_else(|e| panic!("WebDriver async script: {e}"))
    }

    /// Chooses an option of a `<select>` by its value.
    pub async fn select(&self, select_css: &str, value: &str) {
        self.click(&format!("{select_css} option[value=\"{value}\"]")).await;
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        e.click().await.unwrap_or_else(|err| panic!("WebDriver click {css}: {err}"));
    }

    /// Runs a script in the page (for what WebDriver cannot express simply).
    pub async fn script(&self, js: &str) -> Value {
        self.c().execute(js, Vec::new()).await.unwrap_or_else(|e| panic!("WebDriver script: {e}"))
    }

    /// Sets the viewport to exactly `width`×`height` CSS pixels (what a
    /// screen of that size shows), through Chromium's device emulation.
    pub async fn viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.c().screenshot().await.unwrap_or_else(|e| panic!("WebDriver screenshot: {e}"))
    }

    /// A PNG of the whole page (the window made as tall as the page), at most `max_height` px tall.
    pub async fn screenshot_page(&self, max_height: u32) -> Vec<u8> {
        let h = self
            .script("return document.documentElement.scrollHeight")
            .await
            .as_u64()
            .unwrap_or(768)
            .min(u64::from(max_height)) as u32;
        let resize = |w, h| async move {
            self.c().set_window_size(w, h).await.unwrap_or_else(|e| panic!("WebDriver window size: {e}"))
        };
        resize(1366, h + 140).await;
        let png = self.screenshot().await;
        resize(1366, 768).await;
        png
    }

    /// Waits until a file whose name ends in `suffix` has been downloaded.
    pub async fn wait_download(&self, suffix: &str) -> PathBuf {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(entries) = std::fs::read_dir(&self.downloads) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.ends_with(suffix) && !name.ends_with(".crdownload") {
                        // Complete once its size has stopped changing.
                        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                        let first = size(&e.path());
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        if first > 0 && size(&e.path()) == first {
                            return e.path();
                        }
                    }
                }
            }
            assert!(Instant::now() < deadline, "no download ending in {suffix} in {}", self.downloads.display());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The command's result, or a panic naming the command.
fn done<T>(what: &str, r: Result<T, CmdError>) -> T {
    r.unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
}

/// Errors of a page being replaced by the next one.
fn settling(e: &CmdError) -> bool {
    e.is_stale_element_reference() || e.is_no_such_element()
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed midway: end the session (and so Chromium) before
        // the driver, waiting on the test's own multi-threaded runtime.
        if let Some(c) = self.client.take() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                if rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                    tokio::task::block_in_place(|| {
                        let _ = rt.block_on(tokio::time::timeout(Duration::from_secs(10), c.close()));
                    });
                }
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}
