//! Issue 8, acceptance 4 and 6 on a real PostgreSQL server ([`PgServer`]): idempotent
//! recording, two processes with their own homes writing at once, a third one's `history`
//! seeing both, a killed writer leaving no partial log, and bad URLs / newer schemas refused
//! in one line with exit 2 — never a silent fallback to a local file.

use crate::pg::PgServer;
use crate::util::{fixture, legolog, seed_copies, succeed};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// Logs whose reports are not all recorded (must be none) and the number of logs.
fn consistency(server: &PgServer, db: &str) -> (i64, i64) {
    let mut client = server.client(db);
    let tables: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'logs'",
            &[],
        )
        .unwrap()
        .get(0);
    if tables == 0 {
        return (0, 0);
    }
    let row = client
        .query_one(
            "SELECT (SELECT COUNT(*) FROM logs l
                     WHERE n_reports != (SELECT COUNT(*) FROM reports r WHERE r.log_id = l.id)
                        OR EXISTS (SELECT 1 FROM reports r WHERE r.log_id = l.id AND r.bug_id IS NULL)),
                    (SELECT COUNT(*) FROM logs)",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

#[test]
fn issue_8_postgres_history_is_shared() {
    let server = PgServer::start();
    let url = server.create_db("shared");
    let dir = tempfile::tempdir().unwrap();
    // Idempotent recording.
    let analyze = |log: &Path| -> Value {
        let output = succeed(
            legolog()
                .args(["analyze", "--format", "json", "--db", &url])
                .arg(log),
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let first = analyze(&fixture("0826-w9-1.log"));
    assert_eq!(first["reports"][0]["history"]["seen"], 1);
    assert_eq!(first["reports"][0]["history"]["match"], "new");
    let again = analyze(&fixture("0826-w9-1.log"));
    assert_eq!(
        again["reports"][0]["history"],
        first["reports"][0]["history"]
    );
    // LEGOLOG_DB selects it too; nothing is written locally.
    let output = succeed(
        legolog()
            .env("LEGOLOG_DB", &url)
            .args(["analyze", "--format", "json"])
            .arg(fixture("0826-w9-1.log"))
            .current_dir(dir.path()),
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["reports"][0]["history"]["bug"],
        first["reports"][0]["history"]["bug"]
    );
    assert!(!crate::util::test_home()
        .join("data/legolog/history.sqlite3")
        .exists());
    // Two processes with their own homes write at once.
    let a_logs = seed_copies(dir.path(), "a", 60);
    let b_logs = seed_copies(dir.path(), "b", 60);
    let spawn = |logs: &Path, home: &str| {
        let home = dir.path().join(home);
        std::fs::create_dir_all(&home).unwrap();
        Command::new(assert_cmd::cargo::cargo_bin("legolog"))
            .args(["correlate", "--format", "json", "--db", &url])
            .arg(logs)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(&a_logs, "home-a"), spawn(&b_logs, "home-b"));
    for child in [a, b] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // A third one's history sees both: one bug, 1 + 60 + 60 logs.
    let output = succeed(legolog().args(["history", "--format", "json", "--db", &url]));
    let listing: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listing["bugs"].as_array().unwrap().len(), 1, "{listing:#}");
    assert_eq!(listing["bugs"][0]["seen"], 121);
    assert_eq!(consistency(&server, "shared"), (0, 121));
}

#[test]
fn issue_8_postgres_killed_writer_leaves_no_partial_log() {
    let server = PgServer::start();
    let url = server.create_db("killed");
    let dir = tempfile::tempdir().unwrap();
    let logs = seed_copies(dir.path(), "k", 400);
    // Create the schema first so the writer's transaction is the recording itself.
    succeed(
        legolog()
            .args(["analyze", "--db", &url])
            .arg(fixture("0826-w9-1.log")),
    );
    let mut watcher = server.client("killed");
    let mut caught_mid_write = 0;
    for attempt in 0..5 {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("legolog"))
            .args(["correlate", "--db", &url])
            .arg(&logs)
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the writer holds the write lock: it is inside its transaction.
        let started = std::time::Instant::now();
        let mut in_write = false;
        while started.elapsed() < std::time::Duration::from_secs(60) {
            if write_lock_held(&mut watcher) {
                in_write = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let (incomplete, n_logs) = consistency(&server, "killed");
        eprintln!("attempt {attempt}: killed in the write: {in_write}, {n_logs} logs recorded");
        assert_eq!(incomplete, 0, "attempt {attempt}");
        assert!(n_logs == 1 || n_logs == 401, "all or nothing: {n_logs}");
        if in_write && n_logs == 1 {
            caught_mid_write += 1;
            // The server ended the dead connection's transaction: its lock is gone.
            let started = std::time::Instant::now();
            loop {
                if !write_lock_held(&mut watcher) {
                    break;
                }
                assert!(
                    started.elapsed().as_secs() < 30,
                    "the lock outlived the writer"
                );
            }
        }
        if n_logs == 401 {
            break;
        }
    }
    assert!(
        caught_mid_write > 0,
        "no kill landed inside a write transaction"
    );
    // The server drops the writer's connection in the middle of the write: one line, exit 2,
    // nothing recorded.
    let child = Command::new(assert_cmd::cargo::cargo_bin("legolog"))
        .args(["correlate", "--db", &url])
        .arg(&logs)
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !write_lock_held(&mut watcher) {
        assert!(
            started.elapsed().as_secs() < 60,
            "the writer never took the lock"
        );
    }
    watcher
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted",
        )
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("connection dropped by the server: {stderr}");
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
    assert!(!stderr.contains(crate::pg::PASSWORD), "{stderr}");
    assert_eq!(consistency(&server, "killed"), (0, 1));
    let output = legolog()
        .args(["correlate", "--db", &url])
        .arg(&logs)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(consistency(&server, "killed"), (0, 401));
}

/// Whether some connection holds legolog's write lock (is inside a write transaction).
fn write_lock_held(client: &mut postgres::Client) -> bool {
    let held: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
            &[],
        )
        .unwrap()
        .get(0);
    held > 0
}

/// A history that cannot be used (issue 12): one warning line, exit code 4, the analysis
/// still printed.
fn one_line_history_warning(output: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains(needle),
        "{stderr:?} should contain {needle:?}"
    );
    assert!(
        !stderr.contains(crate::pg::PASSWORD),
        "the password leaked: {stderr}"
    );
    assert!(!output.stdout.is_empty(), "the analysis is printed");
}

#[test]
fn issue_8_postgres_bad_urls_and_newer_schema() {
    let server = PgServer::start();
    let url = server.create_db("newer");
    let dir = tempfile::tempdir().unwrap();
    let run = |db: &str| {
        legolog()
            .args(["analyze", "--db", db])
            .arg(fixture("0826-w9-1.log"))
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let wrong_password = url.replace(crate::pg::PASSWORD, "nope");
    one_line_history_warning(&run(&wrong_password), "password authentication failed");
    one_line_history_warning(
        &run(&server.url("no_such_db")),
        "database \"no_such_db\" does not exist",
    );
    one_line_history_warning(
        &run(&format!(
            "postgresql://legolog:x@no-such-host.invalid:{}/x",
            server.port
        )),
        "cannot connect",
    );
    // Nothing listens on this port: unreachable.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    one_line_history_warning(
        &run(&format!("postgresql://legolog@127.0.0.1:{free}/x")),
        "cannot connect",
    );
    // Never a silent local fallback.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A database from a newer legolog is refused and left as it is.
    succeed(
        legolog()
            .args(["analyze", "--db", &url])
            .arg(fixture("0826-w9-1.log")),
    );
    let mut client = server.client("newer");
    client
        .batch_execute("UPDATE legolog_meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    one_line_history_warning(&run(&url), "is newer than this legolog");
    let version: String = client
        .query_one(
            "SELECT value FROM legolog_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(version, "99");
    // Another program's database is refused too.
    let other = server.create_db("other");
    server
        .client("other")
        .batch_execute("CREATE TABLE customers (id INT)")
        .unwrap();
    one_line_history_warning(&run(&other), "not a legolog history");
    let _ = server.dir();
}
