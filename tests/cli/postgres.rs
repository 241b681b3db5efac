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

/// Five writers, each killed (SIGKILL) inside its write transaction after it wrote a log row,
/// leave nothing behind; a writer whose connection the server drops mid-write says so in one
/// line. The kill cannot race the commit: another connection holds the `reports` table, so the
/// writer blocks on its first report, inside its transaction, until the test has killed it.
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
    let mut blocker = server.client("killed");
    let writer = || {
        Command::new(assert_cmd::cargo::cargo_bin("legolog"))
            .args(["correlate", "--db", &url])
            .arg(&logs)
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut caught_mid_write = 0;
    for attempt in 0..5 {
        blocker
            .batch_execute("BEGIN; LOCK TABLE reports IN EXCLUSIVE MODE")
            .unwrap();
        let mut child = writer();
        let backend = wait_mid_write(&mut watcher, &mut child);
        child.kill().unwrap();
        child.wait().unwrap();
        blocker.batch_execute("ROLLBACK").unwrap();
        // The server ends the dead connection's transaction: its locks go, nothing stays.
        wait_gone(&mut watcher, backend);
        let (incomplete, n_logs) = consistency(&server, "killed");
        assert_eq!((incomplete, n_logs), (0, 1), "attempt {attempt}");
        caught_mid_write += 1;
    }
    assert_eq!(caught_mid_write, 5, "every kill landed inside a write");
    // The server drops the writer's connection in the middle of the write: one line, exit 4,
    // nothing recorded.
    blocker
        .batch_execute("BEGIN; LOCK TABLE reports IN EXCLUSIVE MODE")
        .unwrap();
    let mut child = writer();
    let backend = wait_mid_write(&mut watcher, &mut child);
    watcher
        .execute("SELECT pg_terminate_backend($1)", &[&backend])
        .unwrap();
    blocker.batch_execute("ROLLBACK").unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("connection dropped by the server: {stderr}");
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
    assert!(!stderr.contains(crate::pg::PASSWORD), "{stderr}");
    wait_gone(&mut watcher, backend);
    assert_eq!(consistency(&server, "killed"), (0, 1));
    let output = legolog()
        .args(["correlate", "--db", &url])
        .arg(&logs)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(consistency(&server, "killed"), (0, 401));
}

/// Waits until a writer is inside its write, past its first log row (a log's reports follow
/// its row) and blocked on the `reports` table: its backend holds legolog's write lock
/// (advisory) and waits for `reports`. Returns the backend's pid. Fails when the writer ends
/// first.
fn wait_mid_write(client: &mut postgres::Client, child: &mut std::process::Child) -> i32 {
    let started = std::time::Instant::now();
    loop {
        let row = client
            .query_opt(
                "SELECT a.pid FROM pg_locks a
                 JOIN pg_locks r ON r.pid = a.pid AND r.relation = 'reports'::regclass
                      AND NOT r.granted
                 WHERE a.locktype = 'advisory' AND a.granted",
                &[],
            )
            .unwrap();
        if let Some(row) = row {
            return row.get(0);
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the writer ended ({status}) before it was seen inside its write");
        }
        assert!(
            started.elapsed() < crate::util::HANG,
            "the writer never got inside its write"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Waits until backend `pid` is gone (its transaction ended).
fn wait_gone(client: &mut postgres::Client, pid: i32) {
    let started = std::time::Instant::now();
    loop {
        let alive: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )
            .unwrap()
            .get(0);
        if alive == 0 {
            return;
        }
        assert!(
            started.elapsed() < crate::util::HANG,
            "backend {pid} outlived its writer"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A history that cannot be used (issue 12): one warning line, exit code 4, the analysis
/// still printed, and `password` (the one in the URL given) nowhere in it.
fn one_line_history_warning(output: &std::process::Output, needle: &str, password: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains(needle),
        "{stderr:?} should contain {needle:?}"
    );
    assert!(!password.is_empty());
    assert!(!stderr.contains(password), "the password leaked: {stderr}");
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
    // Every bad URL carries a password of its own, which must not leak.
    let wrong = "Wr0ngPassw0rd";
    let wrong_password = url.replace(crate::pg::PASSWORD, wrong);
    one_line_history_warning(
        &run(&wrong_password),
        "password authentication failed",
        wrong,
    );
    one_line_history_warning(
        &run(&server.url("no_such_db")),
        "database \"no_such_db\" does not exist",
        crate::pg::PASSWORD,
    );
    let unknown = "N0H0stPassw0rd";
    one_line_history_warning(
        &run(&format!(
            "postgresql://legolog:{unknown}@no-such-host.invalid:{}/x",
            server.port
        )),
        "cannot connect",
        unknown,
    );
    // Nothing listens on this port: unreachable.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = "Cl0sedP0rtPassw0rd";
    one_line_history_warning(
        &run(&format!("postgresql://legolog:{closed}@127.0.0.1:{free}/x")),
        "cannot connect",
        closed,
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
    one_line_history_warning(
        &run(&url),
        "is newer than this legolog",
        crate::pg::PASSWORD,
    );
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
    one_line_history_warning(&run(&other), "not a legolog history", crate::pg::PASSWORD);
    let _ = server.dir();
}
