//! A small WebDriver client: Debian's `chromedriver` driving headless `chromium`, spoken to as
//! plain JSON over HTTP (ureq). A test that cannot start them FAILS: `.ci/run` installs the
//! `chromium` and `chromium-driver` packages.

use base64::Engine as _;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running chromedriver with one browser session; both end on drop.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn find(names: &[&str]) -> String {
    for name in names {
        for dir in ["/usr/bin", "/usr/lib/chromium"] {
            let path = Path::new(dir).join(name);
            if path.exists() {
                return path.display().to_string();
            }
        }
    }
    panic!(
        "{} not found: install Debian's chromium and chromium-driver packages (.ci/run does)",
        names.join(" or ")
    )
}

/// The `value` of a chromedriver answer.
fn json_of(response: ureq::Response) -> Value {
    let text = response.into_string().expect("an answer from chromedriver");
    serde_json::from_str::<Value>(&text).expect("JSON from chromedriver")["value"].clone()
}

impl Browser {
    /// Starts chromedriver and a headless chromium session with a fresh profile; panics (the
    /// test fails) when either cannot start.
    pub fn start() -> Browser {
        let driver_bin = find(&["chromedriver"]);
        let chromium = find(&["chromium", "chromium-browser"]);
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {driver_bin}: {err}"));
        let base = format!("http://127.0.0.1:{port}");
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            agent,
            _profile: profile,
        };
        // The driver is ready when /status says so.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = browser
                .agent
                .get(&format!("{}/status", browser.base))
                .call()
                .ok()
                .and_then(|r| r.into_string().ok())
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start in 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1300,1000",
        ];
        let mut args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            browser._profile.path().display()
        ));
        let created = browser.post(
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": chromium, "args": args},
                "goog:loggingPrefs": {"browser": "ALL"},
                "unhandledPromptBehavior": "ignore",
            }}}),
        );
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {created}"))
            .to_owned();
        browser
    }

    fn url(&self, path: &str) -> String {
        if path == "/session" {
            format!("{}/session", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        }
    }

    fn answer(result: Result<ureq::Response, ureq::Error>) -> Result<Value, Value> {
        match result {
            Ok(response) => Ok(json_of(response)),
            Err(ureq::Error::Status(_, response)) => Err(json_of(response)),
            Err(err) => panic!("chromedriver: {err}"),
        }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        Browser::answer(
            self.agent
                .post(&self.url(path))
                .set("Content-Type", "application/json")
                .send_string(&body.to_string()),
        )
        .unwrap_or_else(|err| panic!("POST {path}: {err}"))
    }

    fn get(&self, path: &str) -> Result<Value, Value> {
        Browser::answer(self.agent.get(&self.url(path)).call())
    }

    /// Opens `url` (and waits for the load, as WebDriver does).
    pub fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url}));
    }

    /// The current URL.
    pub fn current_url(&self) -> String {
        self.get("/url")
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns its value.
    pub fn eval(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// The visible text of the first element matching `css`, if one does.
    pub fn text(&self, css: &str) -> Option<String> {
        self.eval(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
            json!([css]),
        )
        .as_str()
        .map(str::to_owned)
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> u64 {
        self.eval(
            "return document.querySelectorAll(arguments[0]).length;",
            json!([css]),
        )
        .as_u64()
        .unwrap_or(0)
    }

    /// Clicks the first element matching `css` whose text contains `text` (a real click, through
    /// the driver).
    pub fn click(&self, css: &str, text: &str) {
        let elements = self.post("/elements", json!({"using": "css selector", "value": css}));
        for element in elements.as_array().into_iter().flatten() {
            let id = element
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let shown = self.get(&format!("/element/{id}/text")).unwrap_or_default();
            if shown.as_str().unwrap_or_default().contains(text) {
                self.post(&format!("/element/{id}/click"), json!({}));
                return;
            }
        }
        panic!("no {css} containing {text:?} on {}", self.current_url());
    }

    /// Waits until `check` (a JavaScript function body returning a boolean) is true, polling
    /// the DOM; returns the time it took, or panics with `what` after `limit`.
    pub fn wait_for(&self, check: &str, limit: Duration, what: &str) -> Duration {
        let start = Instant::now();
        loop {
            if self.eval(check, json!([])) == Value::Bool(true) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what} on {}",
                self.current_url()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The text of an open dialog (alert, confirm, prompt), if one is open.
    pub fn dialog(&self) -> Option<String> {
        self.get("/alert/text")
            .ok()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    /// The browser console's entries since the last call (level, message).
    pub fn console(&self) -> Vec<(String, String)> {
        let entries = self.post("/se/log", json!({"type": "browser"}));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or_default().to_owned(),
                    e["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Saves a PNG screenshot of the window at `path`.
    pub fn screenshot(&self, path: &Path) {
        let data = self.get("/screenshot").expect("a screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("base64 PNG");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(&format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
