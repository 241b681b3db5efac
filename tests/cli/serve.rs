//! Issue 19: `legolog serve`, checked in a real browser (headless Chromium through
//! chromedriver, `webdriver.rs`) over histories filled from `fixtures/logs` and, when
//! `../shared/corpus/lego` is there, the LegoOS corpus (those parts are skipped as a whole when
//! it is absent). Screenshots of every page go to `target/tmp/serve-screenshots/`.

use crate::util::{fixture, legolog, legolog_std, root};
use crate::webdriver::Browser;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-screenshots")
}

fn corpus() -> Option<PathBuf> {
    let dir = root().join("../shared/corpus/lego");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped the corpus parts: {} is absent", dir.display());
        None
    }
}

/// The logs of `fixtures/logs` (the seed and the real Debian logs).
fn fixture_logs() -> Vec<PathBuf> {
    let mut logs = vec![fixture("0826-w9-1.log")];
    let mut real: Vec<PathBuf> = std::fs::read_dir(fixture("real"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    real.sort();
    logs.extend(real);
    logs
}

/// Records `logs` into the history `db` (a second process, as a lab's writers are).
fn record(db: &Path, logs: &[PathBuf]) {
    let output = legolog()
        .arg("analyze")
        .arg("--db")
        .arg(db)
        .args(["--format", "json"])
        .args(logs)
        .output()
        .unwrap();
    assert!(
        output.status.code() == Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running `legolog serve`; Ctrl-C on [`Server::stop`] (or kill on drop).
struct Server {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(db: &Path) -> Server {
        Server::start_with(db, &[], None)
    }

    /// `serve` with more flags, and `LEGOLOG_EDIT_TOKEN` when `token` is given.
    fn start_with(db: &Path, flags: &[&str], token: Option<&str>) -> Server {
        Server::start_env(db, flags, token, &[])
    }

    /// [`Server::start_with`], with more environment.
    fn start_env(db: &Path, flags: &[&str], token: Option<&str>, env: &[(&str, &str)]) -> Server {
        let mut command = legolog_std();
        command.envs(env.iter().copied());
        command.env_remove("LEGOLOG_EDIT_TOKEN");
        if let Some(token) = token {
            command.env("LEGOLOG_EDIT_TOKEN", token);
        }
        let mut child = command
            .arg("serve")
            .arg("--db")
            .arg(db)
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let Some(url) = first.split_whitespace().find(|w| w.starts_with("http://")) else {
            let rest: Vec<String> = lines.map_while(Result::ok).collect();
            panic!("no address in {first:?} {rest:?}")
        };
        let url = url.trim_end_matches('/').to_owned();
        let stderr = Arc::new(Mutex::new(String::new()));
        let rest = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut text = rest.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        Server { child, url, stderr }
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        self.get_with(path, None)
    }

    fn get_with(&self, path: &str, accept: Option<&str>) -> (u16, String, String) {
        let mut request = ureq::get(&format!("{}{path}", self.url));
        if let Some(accept) = accept {
            request = request.set("Accept", accept);
        }
        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(err) => panic!("GET {path}: {err}"),
        };
        let status = response.status();
        let kind = response.content_type().to_owned();
        (status, kind, response.into_string().unwrap())
    }

    fn json(&self, path: &str) -> Value {
        let (status, kind, body) = self.get(path);
        assert_eq!(
            (status, kind.as_str()),
            (200, "application/json"),
            "{path}: {body}"
        );
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["version"], 1, "{path}");
        value
    }

    /// The history's change counter, as `/changes` says it.
    fn counter(&self) -> u64 {
        self.json("/changes")["counter"].as_u64().unwrap()
    }

    /// Waits (10 s at most, then fails) until the change counter moves past `before`: the
    /// server saw a write of another process.
    fn wait_for_change(&self, before: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.counter() == before {
            assert!(
                std::time::Instant::now() < deadline,
                "the change was not seen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ctrl-C, then the exit status and what it said.
    fn stop(mut self) -> (ExitStatus, String) {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
        let status = self.child.wait().unwrap();
        // The reader thread ends with the pipe.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !self.stderr.lock().unwrap().contains("stopped")
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let text = self.stderr.lock().unwrap().clone();
        (status, text)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fingerprint(path: &Path) -> (Vec<u8>, SystemTime) {
    (
        std::fs::read(path).unwrap(),
        std::fs::metadata(path).unwrap().modified().unwrap(),
    )
}

/// The bug whose title contains `text`, from the list's JSON.
fn bug_id(server: &Server, query: &str, text: &str) -> String {
    let list = server.json(&format!("/?json=1&per_page=200{query}"));
    list["data"]["bugs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["title"].as_str().unwrap_or_default().contains(text))
        .unwrap_or_else(|| panic!("no bug {text:?} in {list}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// No CSP violation (nor any other error) from the page's own assets in the console.
fn assert_quiet_console(browser: &Browser, page: &str) {
    let errors: Vec<(String, String)> = browser
        .console()
        .into_iter()
        .filter(|(level, message)| {
            level == "SEVERE"
                || message.contains("Content Security Policy")
                || message.contains("Refused")
        })
        // The favicon nobody asked for is the browser's own request.
        .filter(|(_, message)| !message.contains("favicon.ico"))
        .collect();
    assert!(errors.is_empty(), "{page}: console errors {errors:?}");
}

// Acceptance 1 (list → bug → crash, filters, run page, screenshots) and 4 (read-only).
#[test]
fn issue_19_pages_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    let mut logs = fixture_logs();
    let corpus = corpus();
    if let Some(corpus) = &corpus {
        let mut lego: Vec<PathBuf> = std::fs::read_dir(corpus)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .collect();
        lego.sort();
        logs.extend(lego);
    }
    record(&db, &logs);
    let before = fingerprint(&db);
    let server = Server::start(&db);
    let browser = Browser::start();
    let shot = |name: &str| browser.screenshot(&shots().join(format!("{name}.png")));

    // The list, with JavaScript on: every bug, the seed's among them.
    browser.goto(&format!("{}/", server.url));
    assert_eq!(browser.text("h1").as_deref(), Some("Bugs"));
    let seed_bug = bug_id(&server, "", "worker stuck in mlx4_ib_poll_cq");
    assert!(browser.count(&format!("tr[data-key='{seed_bug}']")) == 1);
    // The script followed the live stream.
    browser.wait_for(
        "return document.getElementById('live-status').textContent === 'live';",
        Duration::from_secs(5),
        "the live stream",
    );
    shot("list");
    assert_quiet_console(&browser, "list");

    // Filter by label through the form, as a person would.
    browser.eval(
        "document.querySelector('input[name=label]').value = 'cq-stall';",
        json!([]),
    );
    browser.click("form.filters button", "filter");
    browser.wait_for(
        "return location.search.includes('label=cq-stall');",
        Duration::from_secs(5),
        "the filtered list",
    );
    let labels: Vec<Value> = browser
        .eval(
            "return Array.from(document.querySelectorAll('#bugs tbody tr')).map(r => r.cells[1].innerText);",
            json!([]),
        )
        .as_array()
        .unwrap()
        .clone();
    assert!(!labels.is_empty());
    assert!(
        labels
            .iter()
            .all(|l| l.as_str().unwrap().contains("cq-stall")),
        "{labels:?}"
    );
    shot("list-cq-stall");

    // list → bug: the seed's bug, its signature frames, its node.
    browser.click("#bugs a.bug-title", "worker stuck in mlx4_ib_poll_cq");
    browser.wait_for(
        "return location.pathname.startsWith('/bug/');",
        Duration::from_secs(5),
        "the bug page",
    );
    assert!(browser.current_url().ends_with(&format!("/bug/{seed_bug}")));
    let page = browser.text("main").unwrap();
    for expected in [
        "founding",
        "fit_internal_poll_sendcq",
        "thpool_worker_func",
        "Nodes",
        "w9",
        "open",
    ] {
        assert!(
            page.contains(expected),
            "bug page lacks {expected:?}: {page}"
        );
    }
    shot("bug");
    assert_quiet_console(&browser, "bug");

    // bug → crash: the recorded report read again from its log.
    browser.click("#crashes a", "worker stuck in mlx4_ib_poll_cq");
    browser.wait_for(
        "return location.pathname.startsWith('/crash/');",
        Duration::from_secs(5),
        "the crash page",
    );
    let page = browser.text("main").unwrap();
    for expected in [
        "Call trace",
        "fit_send_reply_with_rdma_write_with_imm+0x25f/0x3a0",
        "Registers",
        "RSP",
        "Stack",
        "0000000ffc53fddc",
        "thpool-worker0",
        "[187736.669027] watchdog: worker[0] CPU10 stucked",
    ] {
        assert!(
            page.contains(expected),
            "crash page lacks {expected:?}: {page}"
        );
    }
    // The `?` marks: 13 of the seed's 19 frames are unreliable.
    assert_eq!(browser.count("table.trace tr.guessed"), 13);
    shot("crash");
    assert_quiet_console(&browser, "crash");
    let download = browser.eval(
        "return document.querySelector('a[href$=\"log.txt\"]').href;",
        json!([]),
    );
    let (status, kind, text) =
        server.get(download.as_str().unwrap().trim_start_matches(&server.url));
    assert_eq!((status, kind.as_str()), (200, "text/plain"));
    assert!(
        text.starts_with("[187736.669027] watchdog: worker[0] CPU10 stucked\n"),
        "{text}"
    );

    // Node, runs, graphs.
    browser.click("dl.facts a[href='/node/w9']", "w9");
    browser.wait_for(
        "return location.pathname === '/node/w9';",
        Duration::from_secs(5),
        "the node page",
    );
    assert!(browser.text("main").unwrap().contains(&seed_bug));
    shot("node");
    browser.goto(&format!("{}/runs", server.url));
    assert!(browser.text("main").unwrap().contains("0826-w9-1"));
    shot("runs");
    browser.goto(&format!("{}/graphs", server.url));
    assert_eq!(browser.count("svg.chart"), 3);
    shot("graphs");
    assert_quiet_console(&browser, "graphs");

    // Sorting by script: the count column, descending after two clicks.
    browser.goto(&format!("{}/run/0826-w9-1", server.url));
    shot("run-0826");
    browser.goto(&format!("{}/", server.url));
    browser.click("#bugs th", "nodes");

    if corpus.is_some() {
        // Node w14: the bugs seen there, the send-CQ timeout among them.
        browser.goto(&format!("{}/?node=w14", server.url));
        let titles = browser.text("#bugs tbody").unwrap();
        assert!(titles.contains("send CQE timeout"), "{titles}");
        let nodes: Vec<Value> = browser
            .eval(
                "return Array.from(document.querySelectorAll('#bugs tbody tr')).map(r => r.cells[4].innerText);",
                json!([]),
            )
            .as_array()
            .unwrap()
            .clone();
        assert!(
            nodes
                .iter()
                .all(|n| n.as_str().unwrap().split(", ").any(|n| n == "w14")),
            "{nodes:?}"
        );
        shot("list-w14");
        // The 0827 run: w14's send-CQ timeout linked to w9's stuck worker.
        browser.goto(&format!("{}/run/0827", server.url));
        let incident = browser
            .text("div.incident")
            .expect("an incident on the 0827 page");
        assert!(
            incident.contains("w14") && incident.contains("send CQE timeout"),
            "{incident}"
        );
        assert!(
            incident.contains("w9") && incident.contains("fit_send_reply_with_rdma_write_with_imm"),
            "{incident}"
        );
        assert_eq!(browser.count("div.incident"), 1);
        assert_eq!(browser.count("tr.cause"), 1);
        shot("run-0827");
        assert_quiet_console(&browser, "run 0827");
    }
    drop(browser);
    let (status, said) = server.stop();
    assert!(
        status.success(),
        "Ctrl-C is a clean stop: {status:?} {said}"
    );
    assert!(said.contains("stopped"), "{said}");
    // Acceptance 4: every page was read, nothing was written.
    let after = fingerprint(&db);
    assert!(before.0 == after.0, "the history's bytes changed");
    assert_eq!(before.1, after.1, "the history's mtime changed");
}

// Acceptance 1: a report recorded by another process appears on an open bug page within 2 s.
#[test]
fn issue_19_a_new_report_appears_on_an_open_page_within_2_s() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &[fixture("0826-w9-1.log")]);
    let server = Server::start(&db);
    let seed_bug = bug_id(&server, "", "worker stuck in mlx4_ib_poll_cq");
    let browser = Browser::start();
    browser.goto(&format!("{}/bug/{seed_bug}", server.url));
    browser.wait_for(
        "return document.getElementById('live-status').textContent === 'live';",
        Duration::from_secs(5),
        "the live stream",
    );
    assert_eq!(browser.count("#crashes tbody tr"), 1);
    // Another node's console with the same watchdog, recorded by `analyze` in a second process.
    let later = dir.path().join("0901-w11-3.log");
    let mut text = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    text.push_str("[187740.000000] another line\n");
    std::fs::write(&later, text).unwrap();
    record(&db, &[later]);
    let took = browser.wait_for(
        "return document.querySelectorAll('#crashes tbody tr').length === 2;",
        Duration::from_secs(10),
        "the new crash",
    );
    assert!(
        took < Duration::from_secs(2),
        "the new report took {took:?}"
    );
    // It is marked new; the one there before is not.
    assert_eq!(browser.count("#crashes tbody tr.new"), 1);
    assert!(browser
        .text("#crashes tr.new")
        .unwrap()
        .contains("0901-w11-3"));
    assert!(browser
        .text("#bug-facts")
        .unwrap()
        .contains("2 logs, 2 reports"));
    browser.screenshot(&shots().join("bug-live.png"));
    assert_quiet_console(&browser, "live bug page");
}

/// Acceptance 3: after a change, a page kept from before it is answered while one request makes
/// the new one (here every time: the grace to wait for the new one is 0), a live page's refresh
/// always gets the new one, and the new one replaces the kept one.
#[test]
fn issue_19_a_kept_page_is_answered_while_the_new_one_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &[fixture("0826-w9-1.log")]);
    let server = Server::start_env(&db, &[], None, &[("LEGOLOG_SERVE_STALE_GRACE_MS", "0")]);
    let count = |body: &str| -> u64 {
        let value: Value = serde_json::from_str(body).unwrap();
        value["data"]["bugs"][0]["count"].as_u64().unwrap()
    };
    let fresh = |server: &Server| -> u64 {
        count(
            &ureq::get(&format!("{}/?json=1", server.url))
                .set("X-Legolog-Fresh", "1")
                .call()
                .unwrap()
                .into_string()
                .unwrap(),
        )
    };
    // One more report of the bug, recorded by a second process; returns once the server saw it.
    let mut n = 0;
    let mut change = |server: &Server| {
        n += 1;
        let before = server.counter();
        let later = dir.path().join(format!("090{n}-w11-3.log"));
        let mut text = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
        text.push_str(&format!("[187740.000000] another line {n}\n"));
        std::fs::write(&later, text).unwrap();
        record(&db, &[later]);
        server.wait_for_change(before);
    };
    assert_eq!(count(&server.get("/?json=1").2), 1);
    change(&server);
    // A live page's refresh is made anew, and kept.
    assert_eq!(fresh(&server), 2);
    let kept = std::time::Instant::now();
    assert_eq!(count(&server.get("/?json=1").2), 2);
    change(&server);
    // The page kept from before the change, while the new one is made; unless it is older than
    // the bound (10 s: a machine loaded enough for the second process to take that long).
    let stale = count(&server.get("/?json=1").2);
    let age = kept.elapsed();
    if age < Duration::from_secs(10) {
        assert_eq!(stale, 2, "a page at most {age:?} old");
    }
    assert_eq!(fresh(&server), 3);
    assert_eq!(count(&server.get("/?json=1").2), 3);
}

/// Acceptance 3: the list's count is made once per change of the history and shared by its
/// filter's other sorts and pages, so after a change every one of them counts again; and a
/// list's sparklines count the logs of the bugs seen in their days.
#[test]
fn issue_19_the_list_count_follows_each_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &[fixture("0826-w9-1.log")]);
    let server = Server::start(&db);
    let list = |query: &str| server.json(&format!("/?json=1&per_page=200{query}"))["data"].clone();
    let before = list("&sort=first");
    let n_before = before["total"].as_u64().unwrap();
    assert_eq!(n_before, before["bugs"].as_array().unwrap().len() as u64);
    // The same filter in another order: the count made for the first one.
    assert_eq!(list("&sort=count")["total"], n_before);
    let counter = server.counter();
    record(
        &db,
        &[
            fixture("real/6.1-oops.log"),
            fixture("real/6.1-hung-task.log"),
        ],
    );
    server.wait_for_change(counter);
    // Pages not asked before the change, of the filter counted before it.
    for query in ["&sort=last", "&sort=count&page=0"] {
        let after = list(query);
        let bugs = after["bugs"].as_array().unwrap();
        assert!(bugs.len() as u64 > n_before, "{after}");
        assert_eq!(after["total"], bugs.len() as u64, "{query}: {after}");
    }
    // A bug seen only on the newest day has every one of its logs in its sparkline.
    let after = list("");
    let newest = &after["newest"];
    let mut n_checked = 0;
    for bug in after["bugs"].as_array().unwrap() {
        if &bug["first_seen"] != newest || &bug["last_seen"] != newest {
            continue;
        }
        let per_day = bug["per_day"].as_array().unwrap();
        assert_eq!(per_day.last(), Some(&bug["count"]), "{bug}");
        n_checked += 1;
    }
    assert!(n_checked > 0, "{after}");
}

/// A log whose title, comm, file name and lines carry markup, script, `javascript:` links and
/// bidi overrides; the bug gets a hostile name and link too.
fn hostile_history(dir: &Path) -> PathBuf {
    let db = dir.join("hostile.sqlite3");
    let payload = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>javascript:alert(3)\u{202e}gpj.exe";
    let log = format!(
        "[  100.000000] Kernel panic - not syncing: {payload}\n\
         [  100.000100] CPU: 0 PID: 1 Comm: <img/src=x/onerror=alert(4)>\u{202e} Not tainted 6.1.0 #1\n\
         [  100.000200] Call Trace:\n\
         [  100.000300]  <TASK>\n\
         [  100.000400]  dump_stack_lvl+0x44/0x5c\n\
         [  100.000500]  panic+0x10c/0x2e0\n\
         [  100.000600]  </TASK>\n\
         [  100.000700] <script>alert(5)</script> javascript:alert(6) \u{2066}isolate\n"
    );
    let name = "console \"><img src=x onerror=alert(7)> <b>\u{202e}gol.log";
    let path = dir.join(name);
    std::fs::write(&path, log).unwrap();
    let output = legolog()
        .arg("analyze")
        .arg("--db")
        .arg(&db)
        .args([
            "--run",
            "0902-w3-1<script>alert(10)</script>\u{202e}",
            "--node",
            "w3\"><b onmouseover>x",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list: Value = serde_json::from_slice(
        &legolog()
            .args(["history", "--format", "json", "--db"])
            .arg(&db)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let id = list["bugs"][0]["bug"]
        .as_str()
        .or(list["bugs"][0]["id"].as_str())
        .unwrap_or_else(|| panic!("{list}"))
        .to_owned();
    let named = legolog()
        .args(["bug", "name", "--db"])
        .arg(&db)
        .args([
            &id,
            "<script>alert(8)</script>",
            "--link",
            "javascript:alert(9)",
        ])
        .output()
        .unwrap();
    assert!(
        named.status.success(),
        "{}",
        String::from_utf8_lossy(&named.stderr)
    );
    db
}

// Acceptance 2: hostile content renders inert.
#[test]
fn issue_19_hostile_content_is_inert_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_history(dir.path());
    let server = Server::start(&db);
    let browser = Browser::start();
    let list = server.json("/?json=1");
    let bug = list["data"]["bugs"][0].clone();
    assert!(bug["title"].as_str().unwrap().contains("<script>"), "{bug}");
    let id = bug["id"].as_str().unwrap().to_owned();
    let crashes = server.json(&format!("/bug/{id}?json=1"));
    let crash = &crashes["data"]["crashes"]["crashes"][0];
    let pages = [
        ("hostile-list", "/".to_owned()),
        ("hostile-bug", format!("/bug/{id}")),
        (
            "hostile-crash",
            format!(
                "/crash/{}/{}",
                crash["log"].as_str().unwrap(),
                crash["position"]
            ),
        ),
        (
            "hostile-run",
            format!(
                "/run/{}",
                legolog::serve::layout::segment(crash["run"].as_str().unwrap())
            ),
        ),
        (
            "hostile-node",
            format!(
                "/node/{}",
                legolog::serve::layout::segment(crash["node"].as_str().unwrap())
            ),
        ),
        ("hostile-runs", "/runs".to_owned()),
    ];
    for (name, path) in &pages {
        browser.goto(&format!("{}{path}", server.url));
        assert!(browser.dialog().is_none(), "{name}: a dialog opened");
        let text = browser.text("body").unwrap();
        assert!(!text.contains("Error"), "{name}: {text}");
        // The payloads are shown as text…
        // Titles mask numbers, as syzbot's do.
        let title =
            "<script>alert(NUM)</script>\"><img src=x onerror=alert(NUM)>javascript:alert(NUM)";
        let run = "<script>alert(10)</script>\\u{202e}";
        let node = "w3\"><b onmouseover>x";
        let expected: &[&str] = match *name {
            "hostile-list" => &[title, node],
            "hostile-bug" => &[title, node, run],
            "hostile-crash" => &[
                title,
                node,
                run,
                "not syncing: <script>alert(1)</script>",
                "<img/src=x/onerror=alert(4)>",
            ],
            _ => &[run, node],
        };
        for expected in expected {
            assert!(
                text.contains(expected),
                "{name} shows {expected} as text: {text}"
            );
        }
        // …with the bidi controls visible as escapes, never as controls.
        assert!(
            !text.contains('\u{202e}') && !text.contains('\u{2066}'),
            "{name}: a bidi control in the page"
        );
        // No element came from the data: the page's only script is its own file, no image.
        assert_eq!(browser.count("script:not([src])"), 0, "{name}");
        assert_eq!(browser.count("script"), 1, "{name}");
        assert_eq!(browser.count("img, b, iframe, object, embed"), 0, "{name}");
        let schemes = browser.eval(
            "return Array.from(document.querySelectorAll('a[href]')).map(a => a.protocol);",
            json!([]),
        );
        assert!(
            schemes
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p == "http:" || p == "https:"),
            "{name}: {schemes}"
        );
        assert_eq!(browser.eval("return document.querySelectorAll('[onerror], [onclick], [onload], [onmouseover]').length;", json!([])), json!(0));
        browser.screenshot(&shots().join(format!("{name}.png")));
        assert_quiet_console(&browser, name);
    }
    // The user's `javascript:` link is not a link; the name is text.
    browser.goto(&format!("{}/bug/{id}", server.url));
    assert_eq!(browser.count("a.ext"), 0);
    assert!(browser
        .text("h1")
        .unwrap()
        .contains("<script>alert(8)</script>"));
    assert!(browser.dialog().is_none());
}

// The JSON twins, the bounds and the errors (no browser needed).
#[test]
fn issue_19_json_twins_and_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &fixture_logs());
    let server = Server::start(&db);
    let list = server.json("/?json=1");
    assert_eq!(list["page"], "bugs");
    let total = list["data"]["total"].as_u64().unwrap();
    assert!(total >= 2, "{list}");
    // Accept: application/json gives the same document.
    let (_, kind, body) = server.get_with("/", Some("application/json"));
    assert_eq!(kind, "application/json");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["data"]["total"],
        total
    );
    let id = bug_id(&server, "", "worker stuck");
    let bug = server.json(&format!("/bug/{id}?json=1"));
    assert_eq!(bug["data"]["summary"]["id"], id.as_str());
    // The list's builds column and its build filter name the same builds as the bug page.
    let build = bug["data"]["builds"][0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = list["data"]["bugs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id.as_str())
        .unwrap();
    assert!(
        listed["builds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == build.as_str()),
        "{listed}"
    );
    let on_build = server.json(&format!(
        "/?json=1&build={}",
        build
            .replace('+', "%2B")
            .replace(' ', "+")
            .replace('#', "%23")
    ));
    assert!(
        on_build["data"]["bugs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == id.as_str()),
        "{on_build}"
    );
    let none = server.json("/?json=1&build=no+such+build");
    assert_eq!(none["data"]["total"], 0);
    assert_eq!(bug["data"]["summary"]["status"], "open");
    assert_eq!(bug["data"]["signatures"][0]["founding"], true);
    let crash = &bug["data"]["crashes"]["crashes"][0];
    let page = server.json(&format!(
        "/crash/{}/{}?json=1",
        crash["log"].as_str().unwrap(),
        crash["position"]
    ));
    assert_eq!(page["data"]["report"]["kind"], "lego-watchdog");
    assert_eq!(
        page["data"]["report"]["frames"].as_array().unwrap().len(),
        19
    );
    for path in [
        "/runs?json=1",
        "/graphs?json=1",
        "/node/w9?json=1",
        "/run/0826-w9-1?json=1",
    ] {
        server.json(path);
    }
    // Paging is bounded; a page past the end is empty, not an error.
    let one = server.json("/?json=1&per_page=1");
    assert_eq!(one["data"]["bugs"].as_array().unwrap().len(), 1);
    let big = server.json("/?json=1&per_page=100000");
    assert_eq!(big["data"]["filter"]["per_page"], 200);
    // Errors: unknown things are 404, bad filters 400, long queries 414 — each with a CSP.
    for (path, code) in [
        ("/bug/ffffffffff?json=1", 404),
        ("/crash/00/1?json=1", 404),
        ("/nothing", 404),
        ("/?tab=nope&json=1", 400),
        ("/?page=x", 400),
    ] {
        let (status, _, body) = server.get(path);
        assert_eq!(status, code, "{path}: {body}");
    }
    let long = format!("/?q={}", "a".repeat(2000));
    assert_eq!(server.get(&long).0, 414);
    let response = ureq::get(&format!("{}/", server.url)).call().unwrap();
    let csp = response.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    // The text filter and the tabs.
    let found = server.json("/?json=1&q=MLX4_IB");
    assert_eq!(found["data"]["total"], 1);
    let fixed = server.json("/?json=1&tab=fixed");
    assert_eq!(fixed["data"]["total"], 0);
}

// Acceptance 5: the export opens from file:// with working links and no network request.
#[test]
fn issue_19_export_opens_from_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &fixture_logs());
    let out = dir.path().join("site");
    let before = fingerprint(&db);
    let output = legolog()
        .args(["serve", "--db"])
        .arg(&db)
        .arg("--export")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(before, fingerprint(&db));
    assert!(out.join("index.html").exists() && out.join("assets/style.css").exists());
    let browser = Browser::start();
    browser.goto(&format!("file://{}", out.join("index.html").display()));
    assert_eq!(browser.text("h1").as_deref(), Some("Bugs"));
    browser.click("#bugs a.bug-title", "worker stuck in mlx4_ib_poll_cq");
    browser.wait_for(
        "return location.pathname.includes('/bug/');",
        Duration::from_secs(5),
        "the exported bug page",
    );
    assert!(browser
        .text("main")
        .unwrap()
        .contains("fit_internal_poll_sendcq"));
    browser.click("#crashes a", "worker stuck");
    browser.wait_for(
        "return location.pathname.includes('/crash/');",
        Duration::from_secs(5),
        "the exported crash page",
    );
    assert!(browser.text("main").unwrap().contains("Call trace"));
    browser.screenshot(&shots().join("export-crash.png"));
    browser.click("dl.facts a[href$='node/w9.html']", "w9");
    browser.wait_for(
        "return location.pathname.endsWith('/node/w9.html');",
        Duration::from_secs(5),
        "the exported node page",
    );
    browser.click("header a", "graphs");
    browser.wait_for(
        "return location.pathname.endsWith('/graphs.html');",
        Duration::from_secs(5),
        "the exported graphs",
    );
    // Every link of every exported page leads to a file of the export.
    let mut pages = vec![out.join("index.html")];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(page) = pages.pop() {
        if !seen.insert(page.clone()) {
            continue;
        }
        browser.goto(&format!("file://{}", page.display()));
        let links = browser.eval(
            "return Array.from(document.querySelectorAll('a[href], link[href]')).map(a => a.href);",
            json!([]),
        );
        for link in links.as_array().unwrap() {
            let link = link.as_str().unwrap();
            let path = link
                .strip_prefix("file://")
                .unwrap_or_else(|| panic!("{}: a link off the export: {link}", page.display()));
            let path = PathBuf::from(path.split(['?', '#']).next().unwrap());
            assert!(path.is_file(), "{}: a broken link {link}", page.display());
            if path.extension().is_some_and(|e| e == "html") && seen.len() < 60 {
                pages.push(path);
            }
        }
        // No request left the export (resources loaded: only files).
        let resources = browser.eval(
            "return performance.getEntriesByType('resource').map(r => r.name);",
            json!([]),
        );
        assert!(
            resources
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r.as_str().unwrap().starts_with("file://")),
            "{resources}"
        );
        assert_eq!(browser.count("script"), 0);
    }
}

// Acceptance 5: the HTML report of the seed with the fixture vmlinux.
#[test]
fn issue_19_report_html_has_every_frames_verdict_and_line() {
    let output = legolog()
        .args(["report", "--no-db", "--format", "html", "--vmlinux"])
        .arg(root().join("fixtures/vmlinux/vmlinux-0826-w9-1"))
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = String::from_utf8(output.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "self-contained and inert");
    assert!(!html.contains("<link"), "no external stylesheet");
    let body = html
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    let rows: Vec<&str> = body.split("<tr").skip(1).collect();
    assert_eq!(rows.len(), 19, "one row per frame");
    for row in rows {
        assert!(row.contains("class=\"verdict "), "a verdict in {row}");
        let located = row.split("<code>").nth(2).unwrap_or_default();
        assert!(
            located.contains(".c:") || located.contains(".S:") || located.contains(".h:"),
            "file:line in {row}"
        );
    }
    // It opens in the browser as it is.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let browser = Browser::start();
    browser.goto(&format!("file://{}", page.display()));
    assert_eq!(browser.count("table.trace tbody tr"), 19);
    browser.screenshot(&shots().join("report-html.png"));
    assert_quiet_console(&browser, "report.html");
}

/// Writes through a read-only history fail: `name_bug_audited` on the connection the server
/// uses.
fn assert_refuses_writes(spec: &str, why: &str) {
    let mut history = legolog::history::History::open_read_only(spec).unwrap();
    let err = history
        .name_bug_audited(1, "renamed", None, "tester")
        .expect_err("a read-only history refuses a write");
    let text = format!("{err:#}");
    assert!(text.contains(why), "{text}");
}

// Acceptance 4: read-only means read-only, on SQLite and on PostgreSQL.
#[test]
fn issue_19_histories_are_opened_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &[fixture("0826-w9-1.log")]);
    let before = fingerprint(&db);
    assert_refuses_writes(db.to_str().unwrap(), "readonly database");
    assert_eq!(before, fingerprint(&db));
    // A missing file is not created.
    let missing = dir.path().join("none.sqlite3");
    let output = legolog()
        .args(["serve", "--db"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no history yet"));
    assert!(!missing.exists());

    let pg = crate::pg::PgServer::start();
    let url = pg.create_db("dash");
    record(Path::new(&url), &[fixture("0826-w9-1.log")]);
    assert_refuses_writes(&url, "read-only transaction");
    // The server serves it.
    let server = Server::start(Path::new(&url));
    let list = server.json("/?json=1");
    assert_eq!(list["data"]["total"], 1, "{list}");
    let id = list["data"]["bugs"][0]["id"].as_str().unwrap().to_owned();
    let bug = server.json(&format!("/bug/{id}?json=1"));
    assert_eq!(bug["data"]["crashes"]["total"], 1);
    let crash = &bug["data"]["crashes"]["crashes"][0];
    let page = server.json(&format!(
        "/crash/{}/{}?json=1",
        crash["log"].as_str().unwrap(),
        crash["position"]
    ));
    assert_eq!(page["data"]["report"]["kind"], "lego-watchdog");
    for path in [
        "/graphs?json=1",
        "/runs?json=1",
        "/run/0826-w9-1?json=1",
        "/node/w9?json=1",
        "/?json=1&label=cq-stall&node=w9&q=mlx4&sort=count",
        "/?json=1&tab=quiet",
    ] {
        server.json(path);
    }
    // A bug recorded by another process moves the change counter (the poller reads the
    // server's transaction snapshot, then the marker when that moved), and the list counts it.
    let counter = server.counter();
    record(Path::new(&url), &[fixture("real/6.1-oops.log")]);
    server.wait_for_change(counter);
    assert_eq!(server.json("/?json=1&sort=first")["data"]["total"], 2);
    let (status, body) = post_form(
        &server,
        &format!("/bug/{id}/edit"),
        Some(&server.url.clone()),
        None,
        &[("action", "invalid"), ("why", "forged")],
    );
    assert_eq!(status, 403, "{body}");
    let (status, _) = server.stop();
    assert!(status.success());

    // With --edit, an edit goes through the writable connection; pages still read through the
    // read-only ones.
    const TOKEN: &str = "pg-edit-token-0123456789";
    let server = Server::start_with(Path::new(&url), &["--edit"], Some(TOKEN));
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let signed = agent
        .post(&format!("{}/login", server.url))
        .set("Origin", &server.url)
        .send_form(&[("token", TOKEN), ("name", "pg-editor")])
        .unwrap();
    assert_eq!(signed.status(), 303);
    let cookie = signed
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = agent
        .get(&format!("{}/bug/{id}", server.url))
        .set("Cookie", &cookie)
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token on the editor's page")
        .to_owned();
    let (status, body) = post_form(
        &server,
        &format!("/bug/{id}/edit"),
        Some(&server.url.clone()),
        Some(&cookie),
        &[
            ("action", "invalid"),
            ("why", "a broken setup"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(status, 303, "{body}");
    let bug = server.json(&format!("/bug/{id}?json=1"));
    assert_eq!(bug["data"]["lifecycle"]["status"], "invalid", "{bug}");
    assert_eq!(bug["data"]["lifecycle"]["audit"][0]["who"], "pg-editor");
    let (status, _) = server.stop();
    assert!(status.success());
}

/// A form POST as a client other than the pages would send it: `origin` as given (or none),
/// with `cookie` when given. Returns the status and the body.
fn post_form(
    server: &Server,
    path: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, String) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut request = agent.post(&format!("{}{path}", server.url));
    if let Some(origin) = origin {
        request = request.set("Origin", origin);
    }
    if let Some(cookie) = cookie {
        request = request.set("Cookie", cookie);
    }
    match request.send_form(form) {
        // A redirect says where it leads; its body is empty.
        Ok(response) if (300..400).contains(&response.status()) => (
            response.status(),
            response.header("Location").unwrap_or_default().to_owned(),
        ),
        Ok(response) => (
            response.status(),
            response.into_string().unwrap_or_default(),
        ),
        Err(ureq::Error::Status(status, response)) => {
            (status, response.into_string().unwrap_or_default())
        }
        Err(err) => panic!("POST {path}: {err}"),
    }
}

/// A form POST from the open page's own script (same origin, the browser's cookies), as a
/// forged request would be sent: returns its status.
fn post_from_page(browser: &Browser, path: &str, body: &str) -> u64 {
    let status = browser
        .eval(
            "const x = new XMLHttpRequest(); x.open('POST', arguments[0], false);
             x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
             x.send(arguments[1]); return x.status;",
            json!([path, body]),
        )
        .as_u64()
        .unwrap();
    // The console's report of the refusal is this test's doing, not the page's.
    let said = browser.console();
    assert!(
        said.iter()
            .all(|(_, message)| message.contains(&status.to_string())
                || message.contains("favicon.ico")),
        "{said:?}"
    );
    status
}

// Acceptance 1, edits: refused without the token (403, nothing changes; a read-only server
// refuses them all and its history's bytes stay the same), recorded with it in the audit
// table that `bug show` lists, with the editor's name.
#[test]
fn issue_19_edits_are_refused_without_the_token_and_recorded_with_it() {
    const TOKEN: &str = "lab-edit-token-0123456789";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &[fixture("0826-w9-1.log")]);

    // Read-only: every edit is refused and nothing is written.
    let before = fingerprint(&db);
    let server = Server::start(&db);
    let id = bug_id(&server, "", "worker stuck in mlx4_ib_poll_cq");
    let origin = server.url.clone();
    let (status, body) = post_form(
        &server,
        &format!("/bug/{id}/edit"),
        Some(&origin),
        None,
        &[("action", "invalid"), ("why", "forged")],
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("without --edit"), "{body}");
    let (status, _) = post_form(&server, "/login", Some(&origin), None, &[("token", TOKEN)]);
    assert_eq!(status, 403);
    let (status, _) = server.stop();
    assert!(status.success());
    let after = fingerprint(&db);
    assert!(
        before.0 == after.0,
        "a read-only server changed the history's bytes"
    );
    assert_eq!(
        before.1, after.1,
        "a read-only server changed the history's mtime"
    );

    let server = Server::start_with(&db, &["--edit"], Some(TOKEN));
    let bug_json = |server: &Server| server.json(&format!("/bug/{id}?json=1"))["data"].clone();
    let unchanged = |server: &Server| {
        let bug = bug_json(server);
        assert_eq!(bug["lifecycle"]["status"], "open", "{bug}");
        assert_eq!(bug["lifecycle"]["audit"], json!([]), "{bug}");
        assert!(bug["summary"]["name"].is_null(), "{bug}");
    };
    // Without a session: refused, whatever the form says.
    let edit = format!("/bug/{id}/edit");
    let (status, body) = post_form(
        &server,
        &edit,
        Some(&origin_of(&server)),
        None,
        &[("action", "invalid"), ("why", "forged"), ("csrf", "00")],
    );
    assert_eq!(status, 403, "{body}");
    // A wrong token does not sign in; nor does the right one from another site.
    let (status, _) = post_form(
        &server,
        "/login",
        Some(&origin_of(&server)),
        None,
        &[("token", "not-the-token-at-all"), ("name", "eve")],
    );
    assert_eq!(status, 403);
    let (status, body) = post_form(
        &server,
        "/login",
        Some("http://evil.example"),
        None,
        &[("token", TOKEN), ("name", "eve")],
    );
    assert_eq!(status, 403, "{body}");
    // The right one from this origin does; then a form without the session's token, or from
    // another site, is still refused.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let signed = agent
        .post(&format!("{}/login", server.url))
        .set("Origin", &origin_of(&server))
        .send_form(&[("token", TOKEN), ("name", "script")])
        .unwrap();
    assert_eq!(signed.status(), 303);
    let cookie = signed
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(signed.header("set-cookie").unwrap().contains("HttpOnly"));
    let (status, body) = post_form(
        &server,
        &edit,
        Some(&origin_of(&server)),
        Some(&cookie),
        &[("action", "invalid"), ("why", "forged"), ("csrf", "00")],
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("token is missing or stale"), "{body}");
    unchanged(&server);

    // In the browser: signed out, the page offers no form, and a request from the page's own
    // script is refused.
    let browser = Browser::start();
    let shot = |name: &str| browser.screenshot(&shots().join(format!("{name}.png")));
    browser.goto(&format!("{}/bug/{id}", server.url));
    assert_eq!(browser.count("form.edit"), 0);
    assert_eq!(browser.count("a.signin"), 1);
    assert_eq!(
        post_from_page(&browser, &edit, "action=invalid&why=forged&csrf=00"),
        403
    );
    unchanged(&server);

    // Sign in through the form, as a person would.
    browser.click("a.signin", "sign in");
    browser.wait_for(
        "return location.pathname === '/login';",
        Duration::from_secs(5),
        "the sign-in page",
    );
    shot("login");
    browser.eval(
        "document.querySelector('input[name=token]').value = arguments[0];
         document.querySelector('input[name=name]').value = 'ana@lab';",
        json!([TOKEN]),
    );
    browser.click("form.edit button", "sign in");
    browser.wait_for(
        "return location.pathname === '/' && document.querySelector('form.signout') !== null;",
        Duration::from_secs(5),
        "the signed-in list",
    );
    assert!(browser
        .text("header")
        .unwrap()
        .contains("editing as ana@lab"));

    // Signed in, a forged request without the page's form token is still refused.
    browser.goto(&format!("{}/bug/{id}", server.url));
    assert_eq!(
        post_from_page(&browser, &edit, "action=invalid&why=forged&csrf=00"),
        403
    );
    unchanged(&server);

    // Fixed, through the page's form.
    browser.eval(
        "const f = document.querySelector('form[data-edit=fix]');
         f.querySelector('input[name=build]').value = '4.0.0-lego+ #27';
         f.querySelector('input[name=commit]').value = 'abc123';",
        json!([]),
    );
    browser.click("form[data-edit=fix] button", "fixed");
    browser.wait_for(
        "return document.querySelector('#bug-facts .status.fixed') !== null;",
        Duration::from_secs(5),
        "the fixed bug",
    );
    let facts = browser.text("#bug-facts").unwrap();
    assert!(
        facts.contains("4.0.0-lego+ #27") && facts.contains("abc123"),
        "{facts}"
    );
    let audit = browser.text("#audit").unwrap();
    assert!(
        audit.contains("ana@lab") && audit.contains("fixed"),
        "{audit}"
    );
    // Named, then reopened.
    browser.eval(
        "document.querySelector('form[data-edit=name] input[name=name]').value = 'the cq stall';",
        json!([]),
    );
    browser.click("form[data-edit=name] button", "name it");
    browser.wait_for(
        "return document.querySelector('h1').innerText.includes('the cq stall');",
        Duration::from_secs(5),
        "the named bug",
    );
    shot("bug-edited");
    browser.click("form[data-edit=reopen] button", "reopen");
    browser.wait_for(
        "return document.querySelector('#bug-facts .status.open') !== null;",
        Duration::from_secs(5),
        "the reopened bug",
    );
    assert_quiet_console(&browser, "bug (edits)");
    let bug = bug_json(&server);
    let whats: Vec<&str> = bug["lifecycle"]["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row["who"], "ana@lab", "{row}");
            row["what"].as_str().unwrap()
        })
        .collect();
    assert_eq!(whats, ["fixed", "name", "reopen"]);
    drop(browser);
    let (status, said) = server.stop();
    assert!(status.success(), "{said}");

    // The same audit table as the CLI's: `bug show` lists the edits with their editor.
    let output = legolog()
        .args(["bug", "show", &id, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("ana@lab") && text.contains("reopen"),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn origin_of(server: &Server) -> String {
    server.url.clone()
}

/// `legolog bug ARGS… --db DB`, which must succeed.
fn bug_cli(db: &Path, args: &[&str]) {
    let output = legolog()
        .arg("bug")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "bug {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// The lifecycle on the pages: the tabs are statuses; a fixed bug shows its build, an invalid
// one why, a dup its chain; a regression reopens the bug with a banner; the audit history.
#[test]
fn issue_19_pages_show_the_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &fixture_logs());
    let server = Server::start(&db);
    let seed = bug_id(&server, "", "worker stuck in mlx4_ib_poll_cq");
    let other = bug_id(&server, "", "rcu detected stall");
    let open_total = server.json("/?json=1")["data"]["total"].as_u64().unwrap();
    let (status, _) = server.stop();
    assert!(status.success());

    bug_cli(
        &db,
        &[
            "fix",
            &seed,
            "--in",
            "4.0.0-lego+ #27",
            "--commit",
            "c0ffee",
        ],
    );
    bug_cli(&db, &["dup", &other, &seed]);
    let tab = |server: &Server, name: &str| -> Vec<Value> {
        server.json(&format!("/?json=1&tab={name}"))["data"]["bugs"]
            .as_array()
            .unwrap()
            .clone()
    };
    let server = Server::start(&db);
    let fixed = tab(&server, "fixed");
    assert_eq!(fixed.len(), 1, "{fixed:?}");
    assert_eq!(fixed[0]["id"], seed.as_str());
    assert_eq!(fixed[0]["fixed_in"], "4.0.0-lego+ #27");
    let dups = tab(&server, "dup");
    assert!(
        dups.iter()
            .any(|b| b["id"] == other.as_str() && b["dup_of"] == seed.as_str()),
        "{dups:?}"
    );
    assert_eq!(tab(&server, "open").len() as u64, open_total - 2);
    let (_, _, html) = server.get("/?tab=fixed");
    assert!(html.contains("4.0.0-lego+ #27"), "{html}");
    let page = server.json(&format!("/bug/{other}?json=1"))["data"]["lifecycle"].clone();
    assert_eq!(page["status"], "dup");
    assert_eq!(page["dup_chain"], json!([seed]));
    assert_eq!(page["audit"][0]["what"], "dup");
    let (_, _, html) = server.get(&format!("/bug/{other}"));
    assert!(
        html.contains(&format!("class=\"dup-of\" href=\"/bug/{seed}\"")),
        "{html}"
    );
    let page = server.json(&format!("/bug/{seed}?json=1"))["data"].clone();
    assert_eq!(
        page["lifecycle"]["text"],
        "fixed in 4.0.0-lego+ #27, commit c0ffee"
    );
    assert!(
        page["dups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == other.as_str()),
        "{page}"
    );
    let (status, _) = server.stop();
    assert!(status.success());

    // Build #28 crashes the same way: a regression, which reopens the bug.
    let later = dir.path().join("0901-w9-2.log");
    let text = std::fs::read_to_string(fixture("0826-w9-1.log"))
        .unwrap()
        .replace("4.0.0-lego+ #26", "4.0.0-lego+ #28");
    std::fs::write(&later, text).unwrap();
    record(&db, &[later]);
    bug_cli(&db, &["undup", &other]);
    bug_cli(&db, &["invalid", &other, "--why", "a broken test setup"]);
    let server = Server::start(&db);
    let open = tab(&server, "open");
    let row = open
        .iter()
        .find(|b| b["id"] == seed.as_str())
        .expect("the seed's bug is open again");
    assert_eq!(row["regression"], true, "{row}");
    let page = server.json(&format!("/bug/{seed}?json=1"))["data"]["lifecycle"].clone();
    assert_eq!(page["status"], "open");
    assert_eq!(page["regression"]["who"], "legolog");
    let whats: Vec<&str> = page["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["what"].as_str().unwrap())
        .collect();
    assert_eq!(whats, ["fixed", "regression"]);
    let (_, _, html) = server.get(&format!("/bug/{seed}"));
    assert!(html.contains("Regression."), "{html}");
    assert!(html.contains("4.0.0-lego+ #28"), "{html}");
    let invalid = tab(&server, "invalid");
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0]["id"], other.as_str());
    let page = server.json(&format!("/bug/{other}?json=1"))["data"]["lifecycle"].clone();
    assert_eq!(page["note"], "a broken test setup");
    // Nothing here is quiet: every bug was seen today.
    assert_eq!(tab(&server, "quiet").len(), 0);
    let (status, _) = server.stop();
    assert!(status.success());
}

// `serve --vmlinux`: a crash page decoded as `report --format html --vmlinux` decodes it, each
// frame with its verdict and file:line; without it, the same page has no verdicts.
#[test]
fn issue_19_crash_pages_are_decoded_with_vmlinux() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(&db, &[fixture("0826-w9-1.log")]);
    let crash_path = |server: &Server| -> String {
        let id = bug_id(server, "", "worker stuck in mlx4_ib_poll_cq");
        let bug = server.json(&format!("/bug/{id}?json=1"));
        let crash = &bug["data"]["crashes"]["crashes"][0];
        format!(
            "/crash/{}/{}",
            crash["log"].as_str().unwrap(),
            crash["position"]
        )
    };
    let rows = |html: &str| -> Vec<String> {
        let body = html
            .split("<table class=\"trace\"")
            .nth(1)
            .and_then(|t| t.split("<tbody>").nth(1))
            .and_then(|t| t.split("</tbody>").next())
            .unwrap_or_default();
        body.split("<tr").skip(1).map(str::to_owned).collect()
    };
    let plain = Server::start(&db);
    let (_, _, html) = plain.get(&crash_path(&plain));
    let undecoded = rows(&html);
    assert_eq!(undecoded.len(), 19, "{html}");
    assert!(undecoded
        .iter()
        .all(|row| !row.contains("class=\"verdict ")));
    drop(plain);

    let vmlinux = root().join("fixtures/vmlinux/vmlinux-0826-w9-1");
    let server = Server::start_with(&db, &["--vmlinux", vmlinux.to_str().unwrap()], None);
    let (status, _, html) = server.get(&crash_path(&server));
    assert_eq!(status, 200);
    let decoded = rows(&html);
    assert_eq!(decoded.len(), 19, "{html}");
    for row in &decoded {
        assert!(row.contains("class=\"verdict "), "a verdict in {row}");
        assert!(
            row.contains(".c:") || row.contains(".S:") || row.contains(".h:"),
            "file:line in {row}"
        );
    }
    let (status, _) = server.stop();
    assert!(status.success());
}

/// Signs `name` in with `token` (as the sign-in form posts it): the session cookie.
fn sign_in(server: &Server, token: &str, name: &str) -> String {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let signed = agent
        .post(&format!("{}/login", server.url))
        .set("Origin", &server.url)
        .send_form(&[("token", token), ("name", name)])
        .unwrap();
    assert_eq!(signed.status(), 303);
    signed
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// A page as the signed-in editor whose session `cookie` is sees it.
fn get_signed_in(server: &Server, path: &str, cookie: &str) -> String {
    ureq::get(&format!("{}{path}", server.url))
        .set("Cookie", cookie)
        .call()
        .unwrap()
        .into_string()
        .unwrap()
}

/// The form token on a signed-in editor's page.
fn form_token_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token on the editor's page")
        .to_owned()
}

// Edits, item 5: merge, split and pin from the bug page. Each is refused without the form
// token (403, nothing changes) and, with it, applied and recorded in the audit table with the
// editor's name; the forms are there for a signed-in editor only.
#[test]
fn issue_19_merge_split_and_pin_from_the_page() {
    const TOKEN: &str = "lab-edit-token-9876543210";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.sqlite3");
    record(
        &db,
        &[fixture("0826-w9-1.log"), fixture("real/6.1-warning.log")],
    );
    let server = Server::start_with(&db, &["--edit"], Some(TOKEN));
    let seed = bug_id(&server, "", "worker stuck in mlx4_ib_poll_cq");
    let warning = bug_id(&server, "", "WARNING");
    assert_ne!(seed, warning);
    // Signed-out pages are the same before any edit.
    let (_, _, page) = server.get(&format!("/bug/{seed}"));
    for what in ["merge", "split", "pin", "unpin"] {
        assert!(!page.contains(&format!("data-edit=\"{what}\"")), "{what}");
    }
    // Read as a signed-in editor: their pages are made as of now, where a kept one may be a
    // making behind an edit.
    let reader = sign_in(&server, TOKEN, "reader");
    let bug_json = |id: &str| -> Value {
        let body = get_signed_in(&server, &format!("/bug/{id}?json=1"), &reader);
        serde_json::from_str::<Value>(&body).unwrap()["data"].clone()
    };
    let warning_signature = bug_json(&warning)["signatures"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let audit_of = |id: &str| -> Vec<(String, String, String, String)> {
        bug_json(id)["lifecycle"]["audit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let text = |key: &str| row[key].as_str().unwrap_or("-").to_owned();
                (text("who"), text("what"), text("old"), text("new"))
            })
            .collect()
    };
    let edit = format!("/bug/{seed}/edit");
    let origin = origin_of(&server);

    let cookie = sign_in(&server, TOKEN, "ana@lab");
    let page = get_signed_in(&server, &format!("/bug/{seed}"), &cookie);
    let csrf = form_token_of(&page);
    assert!(page.contains("data-edit=\"merge\""), "{page}");
    // One signature: nothing to split, so no split button.
    assert!(!page.contains("data-edit=\"split\""), "{page}");
    // A form asking with the editor's session but without the form token is refused, and
    // one with the token is applied.
    let refused_then_applied = |fields: &[(&str, &str)]| {
        let (status, body) = post_form(&server, &edit, Some(&origin), Some(&cookie), fields);
        assert_eq!(status, 403, "{fields:?}: {body}");
        assert!(body.contains("token is missing or stale"), "{body}");
        let mut with = fields.to_vec();
        with.push(("csrf", &csrf));
        let (status, location) = post_form(&server, &edit, Some(&origin), Some(&cookie), &with);
        assert_eq!(status, 303, "{fields:?}: {location}");
        location
    };

    // Merge the warning's bug into the seed's.
    let merge = [("action", "merge"), ("others", warning.as_str())];
    let (status, _) = post_form(&server, &edit, Some(&origin), Some(&cookie), &merge);
    assert_eq!(status, 403);
    assert_eq!(bug_json(&seed)["signatures"].as_array().unwrap().len(), 1);
    assert_eq!(audit_of(&seed), []);
    let merged_to = refused_then_applied(&merge);
    assert!(merged_to.ends_with(&format!("/bug/{seed}")), "{merged_to}");
    let merged = bug_json(&seed);
    assert_eq!(
        merged["signatures"].as_array().unwrap().len(),
        2,
        "{merged}"
    );
    let (from, into) = (format!("bug {warning}"), format!("bug {seed}"));
    assert_eq!(
        audit_of(&seed),
        [("ana@lab".into(), "merge".into(), from.clone(), into.clone())]
    );
    // Its id now resolves to the seed's bug.
    assert_eq!(bug_json(&warning)["summary"]["id"], seed.as_str());

    // Two signatures: a split button each; split the warning's back out into a new bug.
    let page = get_signed_in(&server, &format!("/bug/{seed}"), &cookie);
    assert_eq!(page.matches("data-edit=\"split\"").count(), 2, "{page}");
    let split = [
        ("action", "split"),
        ("signature", warning_signature.as_str()),
    ];
    let split_to = refused_then_applied(&split);
    let audit = audit_of(&seed);
    assert_eq!(audit.len(), 2, "{audit:?}");
    let (who, what, old, new) = &audit[1];
    assert_eq!((who.as_str(), what.as_str()), ("ana@lab", "split"));
    assert_eq!(old, &format!("signature {}", &warning_signature[..12]));
    let new_bug = new
        .strip_prefix("bug ")
        .expect("the new bug's id")
        .to_owned();
    assert_ne!(new_bug, seed);
    assert_ne!(new_bug, warning);
    // The answer leads to the new bug.
    assert!(split_to.ends_with(&format!("/bug/{new_bug}")), "{split_to}");
    let seed_now = bug_json(&seed);
    let signatures = seed_now["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{seed_now}");
    assert_ne!(signatures[0]["id"], warning_signature.as_str());
    let split_out = bug_json(&new_bug);
    assert_eq!(split_out["summary"]["id"], new_bug.as_str(), "{split_out}");
    let signatures = split_out["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{split_out}");
    assert_eq!(signatures[0]["id"], warning_signature.as_str());
    assert_eq!(split_out["crashes"]["total"], 1, "{split_out}");
    assert_eq!(split_out["lifecycle"]["audit"][0]["what"], "split");

    // Pin the seed's kept crash, then unpin it.
    let crash_row = || bug_json(&seed)["crashes"]["crashes"][0].clone();
    let crash = crash_row()["crash"]
        .as_i64()
        .expect("the seed's crash is kept");
    assert_eq!(crash_row()["pinned"], false);
    let page = get_signed_in(&server, &format!("/bug/{seed}"), &cookie);
    assert!(page.contains("data-edit=\"pin\""), "{page}");
    let crash_text = crash.to_string();
    let pin = [("action", "pin"), ("crash", crash_text.as_str())];
    let (status, _) = post_form(&server, &edit, Some(&origin), Some(&cookie), &pin);
    assert_eq!(status, 403);
    assert_eq!(crash_row()["pinned"], false);
    refused_then_applied(&pin);
    assert_eq!(crash_row()["pinned"], true);
    assert_eq!(
        audit_of(&seed).last().unwrap(),
        &(
            "ana@lab".into(),
            "pin".into(),
            "-".into(),
            format!("crash {crash}")
        )
    );
    // The table says so, and offers to unpin it.
    let page = get_signed_in(&server, &format!("/bug/{seed}"), &cookie);
    assert!(page.contains("class=\"pinned\""), "{page}");
    assert!(page.contains("data-edit=\"unpin\""), "{page}");
    // Signed out: the pinned state once the server has seen the change, and no form.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (_, _, public) = server.get(&format!("/bug/{seed}"));
        assert!(!public.contains("data-edit="), "{public}");
        if public.contains("class=\"pinned\"") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the public page never shows the pin: {public}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let unpin = [("action", "unpin"), ("crash", crash_text.as_str())];
    refused_then_applied(&unpin);
    assert_eq!(crash_row()["pinned"], false);
    assert_eq!(
        audit_of(&seed).last().unwrap(),
        &(
            "ana@lab".into(),
            "unpin".into(),
            format!("crash {crash}"),
            "-".into()
        )
    );
    // Unpinning it again, or pinning a crash the bug does not keep, is a refusal (400) that
    // changes nothing.
    let mut again = unpin.to_vec();
    again.push(("csrf", &csrf));
    let (status, body) = post_form(&server, &edit, Some(&origin), Some(&cookie), &again);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("is not pinned"), "{body}");
    let (status, _) = post_form(
        &server,
        &edit,
        Some(&origin),
        Some(&cookie),
        &[("action", "pin"), ("crash", "999999"), ("csrf", &csrf)],
    );
    assert_eq!(status, 400);
    let n_audit = audit_of(&seed).len();
    let (status, _) = post_form(
        &server,
        &edit,
        Some(&origin),
        Some(&cookie),
        &[("action", "merge"), ("others", &seed), ("csrf", &csrf)],
    );
    assert_eq!(status, 400, "a bug is not merged into itself");
    assert_eq!(audit_of(&seed).len(), n_audit);
    let (status, said) = server.stop();
    assert!(status.success(), "{said}");

    // The same audit table as the CLI's.
    let output = legolog()
        .args(["bug", "show", &seed, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for what in ["merge", "split", "pin", "unpin"] {
        assert!(text.contains(what), "{what}: {text}");
    }
}
