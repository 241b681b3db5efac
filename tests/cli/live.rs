//! Live consoles (issue 7): real pipes, files, FIFOs and signals. Every wait ends on its event
//! (a line read, `watch` at the end of a file it follows); the bounds only keep a broken build
//! from hanging the suite.

use crate::util::{fixture, legolog, legolog_std, wait_until_at, wait_until_at_end, HANG};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

fn seed() -> Vec<u8> {
    std::fs::read(fixture("0826-w9-1.log")).expect("seed log")
}

/// The seed with its process id `pid` (the seed's is 20), so each round's report is its own.
fn seed_with_pid(pid: u32) -> Vec<u8> {
    let seed = String::from_utf8(seed()).expect("the seed is text");
    let text = seed.replace("PID: 20 ", &format!("PID: {pid} "));
    assert_ne!(text, seed);
    text.into_bytes()
}

/// A first line for a followed file: `watch` starts at the end of a file, which must not be
/// empty for [`wait_until_at_end`] to tell.
const BOOT: &[u8] = b"[    0.000000] Linux version 4.0.0-lego+\n";

/// A running `legolog` whose stdout lines arrive with the time they were read.
struct Running {
    child: Child,
    lines: Receiver<(Instant, String)>,
    stderr: Receiver<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = legolog_std()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("legolog starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        let errors = child.stderr.take().expect("stderr");
        let (tx, stderr) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(errors).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            stderr,
        }
    }

    fn stdin(&mut self) -> ChildStdin {
        self.child.stdin.take().expect("stdin")
    }

    /// The next stdout line matching `want`, or a failure after `deadline`.
    fn wait_for(
        &self,
        what: &str,
        deadline: Duration,
        want: impl Fn(&str) -> bool,
    ) -> (Instant, String) {
        let end = Instant::now() + deadline;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) if want(&line) => return (at, line),
                Ok(_) => {}
                Err(_) => panic!(
                    "no {what} within {deadline:?}; stderr: {:?}",
                    self.stderr_lines()
                ),
            }
        }
    }

    fn stderr_lines(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }

    fn interrupt(&mut self) -> std::process::ExitStatus {
        self.signal(rustix::process::Signal::INT)
    }

    /// Sends `signal`; the process must end within 3 s.
    fn signal(&mut self, signal: rustix::process::Signal) -> std::process::ExitStatus {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).expect("a pid");
        rustix::process::kill_process(pid, signal).expect("signal sent");
        let end = Instant::now() + Duration::from_secs(3);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("did not end within 3 s of {signal:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_report(line: &str) -> bool {
    serde_json::from_str::<Value>(line).is_ok_and(|v| v["type"] == "report")
}

// Acceptance 1: `(cat seed; sleep 6; cat other) | legolog analyze --format jsonl -`.
#[test]
fn issue_7_pipe_report_arrives_while_the_pipe_is_open() {
    for format in ["jsonl", "text"] {
        let mut running = Running::start(&["analyze", "--no-db", "--format", format, "-"]);
        let mut stdin = running.stdin();
        stdin.write_all(&seed()).unwrap();
        stdin.flush().unwrap();
        let written = Instant::now();
        let want = |line: &str| match format {
            "jsonl" => is_report(line),
            _ => line.contains("watchdog: worker stuck in mlx4_ib_poll_cq"),
        };
        // The pipe is still open (we hold it): the report comes before the input ends.
        let (at, _) = running.wait_for("seed report", HANG, want);
        assert!(at >= written);
        // Then a second log comes and the input ends.
        stdin.write_all(&seed()).unwrap();
        drop(stdin);
        let summary = |line: &str| match format {
            "jsonl" => serde_json::from_str::<Value>(line).is_ok_and(|v| v["type"] == "summary"),
            _ => line.starts_with("-: "),
        };
        let (_, line) = running.wait_for("summary", HANG, summary);
        if format == "jsonl" {
            let summary: Value = serde_json::from_str(&line).unwrap();
            assert_eq!(summary["inputs"][0]["path"], "-");
            assert!(
                summary["inputs"][0]["reports"].as_u64().unwrap() >= 2,
                "{summary}"
            );
        }
        let status = running.child.wait().unwrap();
        assert!(status.success(), "{format}: {status}");
    }
}

/// A report that went on after the idle pause is corrected, not dropped.
#[test]
fn issue_7_a_report_that_goes_on_after_a_pause_is_corrected() {
    let seed = seed();
    let text = String::from_utf8_lossy(&seed).into_owned();
    let cut = text.find("ret_from_fork").expect("seed has a trace bottom");
    let cut = text[..cut].rfind('\n').unwrap() - 200;
    let cut = text[..cut].rfind('\n').unwrap() + 1;
    let mut running = Running::start(&[
        "analyze", "--no-db", "--format", "jsonl", "--idle", "0.3", "-",
    ]);
    let mut stdin = running.stdin();
    stdin.write_all(&seed[..cut]).unwrap();
    stdin.flush().unwrap();
    let (_, first) = running.wait_for("paused report", HANG, is_report);
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["paused"], true);
    stdin.write_all(&seed[cut..]).unwrap();
    drop(stdin);
    let (_, warning) = running.wait_for("warning", HANG, |l| l.contains("\"warning\""));
    assert!(warning.contains("went on after a pause"), "{warning}");
    let (_, second) = running.wait_for("corrected report", HANG, is_report);
    let second: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(second["replaces"], first["id"]);
    let whole =
        crate::util::analyze_json(&[fixture("0826-w9-1.log").as_os_str(), "--no-db".as_ref()]);
    assert_eq!(
        second["frames"], whole["reports"][0]["frames"],
        "the corrected report is the whole one"
    );
    assert_ne!(first["frames"], second["frames"]);
}

fn append(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

// Acceptance 2: follow a file through appends, copytruncate and mv + recreate; SIGINT ends it.
#[test]
fn issue_7_watch_follows_a_file_through_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("console.log");
    std::fs::write(&path, BOOT).unwrap();
    let mut running = Running::start(&["watch", "--format", "jsonl", path.to_str().unwrap()]);
    let pid = running.child.id();
    wait_until_at_end(pid, &path);
    type Rotation = fn(&Path, u32);
    let rounds: [(&str, Rotation); 3] = [
        ("appended", |_, _| {}),
        ("after truncation", |p, pid| {
            std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(p)
                .unwrap();
            // `watch` saw the truncation: it reads the file from its start again.
            wait_until_at(pid, p, 0);
        }),
        ("after mv + recreate", |p, pid| {
            std::fs::rename(p, p.with_extension("log.1")).unwrap();
            std::fs::write(p, BOOT).unwrap();
            // `watch` follows the new file.
            wait_until_at_end(pid, p);
        }),
    ];
    // Each round its own report (its own pid), so reading old data again cannot pass.
    for (round, (what, rotate)) in rounds.into_iter().enumerate() {
        rotate(&path, pid);
        let task = 100 + round as u32;
        append(&path, &seed_with_pid(task));
        let (_, line) = running.wait_for(what, HANG, is_report);
        let report: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(report["title"], "watchdog: worker stuck in mlx4_ib_poll_cq");
        assert_eq!(report["pid"], task, "{what}: {line}");
    }
    let status = running.interrupt();
    assert!(status.success(), "SIGINT ends watch with 0: {status}");
    // The history was committed: the watched log holds the three reports.
    let output = legolog()
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    let listing: Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = listing.to_string();
    assert!(text.contains("mlx4_ib_poll_cq"), "{text}");
}

// Acceptance 3 and 7: named nodes; a source that cannot be opened is one line, others go on.
#[test]
fn issue_7_watch_names_nodes_and_survives_bad_sources() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    std::fs::write(&a, BOOT).unwrap();
    std::fs::write(&b, BOOT).unwrap();
    let missing = dir.path().join("missing.log");
    let node_a = format!("P={}", a.display());
    let node_b = format!("M={}", b.display());
    let mut running = Running::start(&[
        "watch",
        "--no-db",
        "--format",
        "jsonl",
        "--node",
        &node_a,
        "--node",
        &node_b,
        missing.to_str().unwrap(),
        "/dev/ttyS99-no-such-device",
        dir.path().to_str().unwrap(),
    ]);
    wait_until_at_end(running.child.id(), &a);
    wait_until_at_end(running.child.id(), &b);
    append(&a, &seed());
    let (_, line) = running.wait_for("P's report", HANG, is_report);
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap()["node"], "P");
    append(&b, &seed());
    let (_, line) = running.wait_for("M's report", HANG, is_report);
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap()["node"], "M");
    // A watched source that disappears is a warning naming it; the others go on.
    std::fs::remove_file(&b).unwrap();
    let (_, warning) = running.wait_for("warning", HANG, |l| l.contains("\"warning\""));
    assert!(
        warning.contains("b.log") && warning.contains("disappeared"),
        "{warning}"
    );
    append(&a, &seed());
    let (_, line) = running.wait_for("P's second report", HANG, is_report);
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap()["node"], "P");
    let status = running.interrupt();
    assert_eq!(status.code(), Some(2), "a source could not be opened");
    let stderr = running.stderr_lines();
    for name in ["missing.log", "ttyS99-no-such-device"] {
        let lines: Vec<_> = stderr.iter().filter(|l| l.contains(name)).collect();
        assert_eq!(lines.len(), 1, "one line naming {name}: {stderr:?}");
    }
    assert!(
        stderr.iter().any(|l| l.contains("is a directory")),
        "{stderr:?}"
    );
}

// Text lines: time, node, kind, title, new / seen N times, known-bug label.
#[test]
fn issue_7_watch_text_line_and_exec_from_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("0827-w9-5.log");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let sink = dir.path().join("exec-out.json");
    let exec = format!("cat >> {}", sink.display());
    let db = dir.path().join("history.sqlite3");
    let db_arg = db.to_str().unwrap();
    let mut running = Running::start(&[
        "watch",
        "--db",
        db_arg,
        "--exec",
        &exec,
        fifo.to_str().unwrap(),
    ]);
    let mut bug = String::new();
    for round in 0..2 {
        let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        writer.write_all(&seed()).unwrap();
        drop(writer);
        let (_, line) = running.wait_for("text line", HANG, |l| l.contains("lego-watchdog"));
        assert!(
            line.contains(" w9 lego-watchdog watchdog: worker stuck in mlx4_ib_poll_cq"),
            "{line}"
        );
        assert!(line.contains("[known bug: cq-stall]"), "{line}");
        if round == 0 {
            // A new bug; then another log of it is recorded while watch goes on.
            assert!(line.contains("— new (bug "), "{line}");
            let output = crate::util::succeed(legolog().args([
                "analyze",
                "--format",
                "json",
                "--db",
                db_arg,
                crate::util::fixture("0826-w9-1.log").to_str().unwrap(),
            ]));
            let json: Value = serde_json::from_slice(&output.stdout).unwrap();
            bug = json["reports"][0]["history"]["bug"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(line.contains(&format!("(bug {bug})")), "{line} vs {bug}");
        } else {
            // The same bug, now in two logs (the watched console counts once).
            assert!(line.contains("— seen 2 times since"), "{line}");
            assert!(line.contains(&format!("bug {bug}")), "{line} vs {bug}");
        }
    }
    let status = running.signal(rustix::process::Signal::TERM);
    assert!(status.success(), "SIGTERM ends watch with 0: {status}");
    let passed = std::fs::read_to_string(&sink).unwrap();
    let objects: Vec<Value> = passed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2, "{passed}");
    assert_eq!(objects[0]["node"], "w9");
}

// Acceptance 6.
#[test]
fn issue_7_timeline_links_the_0827_incident() {
    let Some(corpus) = crate::util::shared_corpus("lego") else {
        return;
    };
    let output = legolog()
        .args(["timeline", "--format", "json"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let groups = json["groups"].as_array().unwrap();
    let day = groups
        .iter()
        .find(|g| g["key"] == "0827")
        .expect("the 0827 run");
    let incidents = day["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{day:#}");
    let incident = &incidents[0];
    let entries = day["entries"].as_array().unwrap();
    let cause = &entries[incident["cause"].as_u64().unwrap() as usize];
    assert_eq!(cause["node"], "w14");
    assert!(cause["title"]
        .as_str()
        .unwrap()
        .contains("send CQE timeout"));
    assert_eq!(incident["dest_node"], "w9");
    assert_eq!(incident["dest_node_id"], 1);
    let related: Vec<&Value> = incident["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &entries[i.as_u64().unwrap() as usize])
        .collect();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["node"], "w9");
    assert!(related[0]["title"]
        .as_str()
        .unwrap()
        .contains("fit_send_reply_with_rdma_write_with_imm"));
    // No other day links anything.
    assert_eq!(
        groups
            .iter()
            .map(|g| g["incidents"].as_array().unwrap().len())
            .sum::<usize>(),
        1
    );
}

/// Given ids and boot lines decide ids; a node id that matches nobody links nothing.
#[test]
fn issue_7_timeline_node_ids_from_flags_and_boot_lines() {
    let dir = tempfile::tempdir().unwrap();
    let Some(corpus) = crate::util::shared_corpus("lego") else {
        return;
    };
    let w14 = corpus.join("diary-180827-b08-0827-w14-6.log");
    let w9 = corpus.join("diary-180827-b07-0827-w9-5.log");
    // The memory node's log starts with the FIT boot table that names it node 1.
    let booted = dir.path().join("mem.log");
    let mut text = b"[   12.725453] fit: ***  FIT_LOCAL_ID:            1\n".to_vec();
    text.extend(std::fs::read(&w9).unwrap());
    std::fs::write(&booted, text).unwrap();
    let run = |args: &[String]| -> Value {
        let output = legolog()
            .args(["timeline", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let json = run(&[
        "--node".into(),
        format!("P={},id=0", w14.display()),
        "--node".into(),
        format!("M={}", booted.display()),
    ]);
    let group = &json["groups"][0];
    let nodes = group["nodes"].as_array().unwrap();
    let m = nodes.iter().find(|n| n["name"] == "M").unwrap();
    assert_eq!(
        (m["id"].as_u64(), m["id_source"].as_str()),
        (Some(1), Some("boot-lines"))
    );
    assert_eq!(group["incidents"].as_array().unwrap().len(), 1);
    // With M declared as node 2, the timeout to node 1 links nothing.
    let json = run(&[
        "--node".into(),
        format!("P={},id=0", w14.display()),
        "--node".into(),
        format!("M={},id=2", w9.display()),
    ]);
    assert_eq!(json["groups"][0]["incidents"].as_array().unwrap().len(), 0);
}

/// A serial console: a pseudo-terminal stands in for /dev/ttyUSB0; `--baud` configures it.
#[test]
fn issue_7_watch_reads_a_terminal_device_with_a_baud_rate() {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pty");
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let name = name.to_str().unwrap().to_owned();
    let mut running = Running::start(&[
        "watch",
        "--no-db",
        "--format",
        "jsonl",
        "--baud",
        "115200",
        "--node",
        &format!("P={name}"),
    ]);
    // `watch` has the line: it set the rate (a new pseudo-terminal has 38400) and raw mode, and
    // what is written from now on waits in the terminal for it.
    let slave = std::fs::File::open(&name).unwrap();
    let started = Instant::now();
    while rustix::termios::tcgetattr(&slave).unwrap().input_speed() != 115200 {
        assert!(started.elapsed() < HANG, "watch never set the baud rate");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut master = std::fs::File::from(master);
    master.write_all(&seed()).unwrap();
    let (_, line) = running.wait_for("the report on the terminal", HANG, is_report);
    let report: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(report["node"], "P");
    assert_eq!(report["title"], "watchdog: worker stuck in mlx4_ib_poll_cq");
    // The line was set to the rate asked for.
    let attrs = rustix::termios::tcgetattr(&slave).unwrap();
    assert_eq!(attrs.input_speed(), 115200);
    assert!(running.interrupt().success());
}

/// A live input of `analyze` is recorded when it ends; while it streams, each report's answer
/// comes from the bug model as if its log were recorded (`History::peek`): the same bug and
/// count the document form gives once the log is recorded.
#[test]
fn streamed_reports_answer_from_the_bug_model() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let run = |input: Vec<u8>, format: &str| -> Value {
        let output = crate::util::succeed(
            legolog()
                .args(["analyze", "--format", format, "--db"])
                .arg(&db)
                .arg("-")
                .write_stdin(input),
        );
        let text = String::from_utf8(output.stdout).unwrap();
        match format {
            "jsonl" => serde_json::from_str(text.lines().next().unwrap()).unwrap(),
            _ => serde_json::from_str::<Value>(&text).unwrap()["reports"][0].clone(),
        }
    };
    let first = run(seed(), "jsonl");
    assert_eq!(first["history"]["match"], "new", "{first}");
    assert_eq!(first["history"]["seen"], 1);
    let bug = first["history"]["bug"].clone();
    let mut other = seed();
    other.extend_from_slice(b"another log's last line\n");
    let second = run(other.clone(), "jsonl");
    assert_eq!(second["history"]["bug"], bug, "{second}");
    assert_eq!(second["history"]["match"], "exact");
    assert_eq!(second["history"]["seen"], 2);
    // Recorded once: the document form of the same log agrees.
    let document = run(other, "json");
    assert_eq!(document["history"]["bug"], bug);
    assert_eq!(document["history"]["seen"], 2);
}

// Issue 15, acceptance 6: `watch --vmlinux` decodes each report as `analyze` does, and a
// console watched again after a restart (same file, same boot) is the same log in the history.
#[test]
fn issue_15_watch_decodes_and_a_restart_is_the_same_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("console.log");
    let db = dir.path().join("history.sqlite3");
    let vmlinux = crate::util::root().join("fixtures/vmlinux/vmlinux-0826-w9-1");
    std::fs::write(&path, BOOT).unwrap();
    let args = [
        "watch",
        "--format",
        "jsonl",
        "--db",
        db.to_str().unwrap(),
        "--vmlinux",
        vmlinux.to_str().unwrap(),
        path.to_str().unwrap(),
    ];
    // Two runs of `watch` on the same console, each seeing a report of its own.
    for task in [301, 302] {
        let mut running = Running::start(&args);
        wait_until_at_end(running.child.id(), &path);
        append(&path, &seed_with_pid(task));
        let (_, line) = running.wait_for("report", HANG, is_report);
        let report: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(report["pid"], task, "{line}");
        assert_eq!(report["image"]["why"], "--vmlinux", "{line}");
        let frame = &report["frames"][0];
        assert_eq!(frame["symbol"], "fit_internal_poll_sendcq", "{line}");
        assert_eq!(
            frame["location"][0]["file"], "net/lego/fit_internal.c",
            "decoded as analyze decodes: {line}"
        );
        assert!(running.interrupt().success());
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let logs: Vec<(String, i64)> = conn
        .prepare("SELECT content_hash, n_reports FROM logs")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(logs.len(), 1, "one console, one boot: one log {logs:?}");
    assert_eq!(logs[0].1, 2, "both runs' reports in it: {logs:?}");
    assert!(logs[0].0.starts_with("live:"), "{logs:?}");

    // A new boot on the same console (the file rotated: another first line) is another log.
    std::fs::write(&path, b"[    0.000000] Linux version 4.0.0-lego+ #2\n").unwrap();
    let mut running = Running::start(&args);
    wait_until_at_end(running.child.id(), &path);
    append(&path, &seed_with_pid(303));
    running.wait_for("report", HANG, is_report);
    assert!(running.interrupt().success());
    let n_logs: i64 = conn
        .query_row("SELECT count(*) FROM logs", [], |row| row.get(0))
        .unwrap();
    assert_eq!(n_logs, 2, "a new boot is a new log");
}
