//! Issue 4, acceptance 3 and 5: the run history is idempotent, counts variants, survives a
//! killed writer and a concurrent second process; bad databases and rules files give one line.

use crate::util::{fixture, legolog, root, succeed, test_home};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn analyze_with_db(db: &Path, log: &Path) -> Value {
    let output = succeed(
        legolog()
            .args(["analyze", "--format", "json", "--db"])
            .arg(db)
            .arg(log),
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn seed_variant(dir: &Path, name: &str, cpu: u32) -> PathBuf {
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let path = dir.join(format!("{name}.log"));
    std::fs::write(
        &path,
        seed.replace("CPU10", &format!("CPU{cpu}"))
            .replace("CPU: 10", &format!("CPU: {cpu}")),
    )
    .unwrap();
    path
}

pub fn one_line_error(output: &std::process::Output, needle: &str) {
    one_line_error_with(output, needle, 2);
}

/// A history that cannot be used: one warning line, exit code 4, the analysis still printed.
pub fn history_warning(output: &std::process::Output, needle: &str) {
    one_line_error_with(output, needle, 4);
    assert!(!output.stdout.is_empty(), "the analysis is printed");
}

fn one_line_error_with(output: &std::process::Output, needle: &str, code: i32) {
    assert_eq!(output.status.code(), Some(code));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains(needle),
        "{stderr:?} should contain {needle:?}"
    );
    assert!(!stderr.contains("panicked"));
}

/// Issue 4, acceptance 3: twice the same log → counts unchanged; a variant → +1.
#[test]
fn issue_4_history_is_idempotent_and_counts_variants() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let first = analyze_with_db(&db, &fixture("0826-w9-1.log"));
    let history = &first["reports"][0]["history"];
    assert_eq!(history["seen"], 1);
    assert_eq!(history["runs"], serde_json::json!(["0826-w9-1"]));
    let again = analyze_with_db(&db, &fixture("0826-w9-1.log"));
    assert_eq!(
        again["reports"][0]["history"],
        first["reports"][0]["history"]
    );
    // A gzip copy under another name is the same content: still once.
    let gz = dir.path().join("copy.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &std::fs::read(fixture("0826-w9-1.log")).unwrap()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(
        analyze_with_db(&db, &gz)["reports"][0]["history"]["seen"],
        1
    );
    // A variant from another run counts.
    let variant = seed_variant(dir.path(), "0827-w9-3", 4);
    let json = analyze_with_db(&db, &variant);
    let history = &json["reports"][0]["history"];
    assert_eq!(history["seen"], 2);
    assert_eq!(
        history["runs"],
        serde_json::json!(["0826-w9-1", "0827-w9-3"])
    );
    // The text output says it in words.
    let text = legolog()
        .args(["analyze", "--db"])
        .arg(&db)
        .arg(&variant)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("seen 2 times since"), "{text}");
    assert!(text.contains("in runs 0826-w9-1, 0827-w9-3"), "{text}");
    // `legolog history` lists the signature; --signature lists the occurrences.
    let id = json["reports"][0]["signature"]["short_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listing = legolog()
        .args(["history", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let listing: Value = serde_json::from_slice(&listing.stdout).unwrap();
    assert_eq!(listing["signatures"][0]["seen"], 2);
    assert_eq!(
        listing["signatures"][0]["labels"],
        serde_json::json!(["cq-stall"])
    );
    let occurrences = legolog()
        .args(["history", "--signature", &id, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let occurrences = String::from_utf8(occurrences.stdout).unwrap();
    assert!(occurrences.contains(": 2 reports"), "{occurrences}");
    let future = legolog()
        .args(["history", "--since", "2999-01-01", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(String::from_utf8(future.stdout)
        .unwrap()
        .contains("no reports recorded"));
}

/// Without --db the history goes under XDG_DATA_HOME (the test's own), and --no-db writes none.
#[test]
fn default_location_and_no_db() {
    let home = test_home();
    let output = legolog()
        .arg("analyze")
        .arg("--no-db")
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!home.join("data/legolog/history.sqlite3").exists());
    let output = legolog()
        .arg("analyze")
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(home.join("data/legolog/history.sqlite3").exists());
}

fn corpus_copy(dir: &Path, n_logs: usize) -> PathBuf {
    crate::util::seed_copies(dir, "logs", n_logs)
}

fn count_rows(db: &Path) -> (i64, i64, String) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    if version == 0 {
        // Killed before the schema was created: an empty database, which is consistent.
        return (0, 0, integrity);
    }
    let logs = conn
        .query_row("SELECT COUNT(*) FROM logs", [], |r| r.get(0))
        .unwrap();
    // Every recorded log has all of its reports: no half-written log.
    let incomplete: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM logs l WHERE n_reports != (SELECT COUNT(*) FROM reports r WHERE r.log_id = l.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (logs, incomplete, integrity)
}

/// Issue 4, acceptance 3: two processes recording at once both succeed and count once.
#[test]
fn issue_4_concurrent_second_process() {
    let dir = tempfile::tempdir().unwrap();
    let logs = corpus_copy(dir.path(), 200);
    let db = dir.path().join("h.sqlite3");
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("legolog"))
            .args(["correlate", "--format", "json", "--db"])
            .arg(&db)
            .arg(&logs)
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(count_rows(&db), (200, 0, "ok".to_owned()));
}

/// Issue 4, acceptance 3: a writer killed at any moment leaves a consistent database, and the
/// next run completes it.
#[test]
fn issue_4_killed_writer_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let logs = corpus_copy(dir.path(), 300);
    let db = dir.path().join("h.sqlite3");
    for delay_ms in [5u64, 60, 150, 300] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("legolog"))
            .args(["correlate", "--db"])
            .arg(&db)
            .arg(&logs)
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        if db.exists() {
            let (n_logs, incomplete, integrity) = count_rows(&db);
            assert_eq!(
                (incomplete, integrity.as_str()),
                (0, "ok"),
                "after {delay_ms} ms"
            );
            assert!(n_logs == 0 || n_logs == 300, "all or nothing: {n_logs}");
        }
    }
    let output = legolog()
        .args(["correlate", "--db"])
        .arg(&db)
        .arg(&logs)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(count_rows(&db), (300, 0, "ok".to_owned()));
}

/// Issue 4, acceptance 5: a corrupt database → one line, file untouched (issue 12: the
/// analysis is still printed, exit code 4).
#[test]
fn issue_4_corrupt_database_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("broken.sqlite3");
    let junk = b"SQLite format 3\0 but then garbage garbage garbage ".repeat(200);
    std::fs::write(&db, &junk).unwrap();
    for command in ["analyze", "report"] {
        let output = legolog()
            .args([command, "--db"])
            .arg(&db)
            .arg(fixture("0826-w9-1.log"))
            .output()
            .unwrap();
        history_warning(&output, "broken.sqlite3");
    }
    let output = legolog()
        .args(["history", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    one_line_error(&output, "broken.sqlite3");
    assert_eq!(std::fs::read(&db).unwrap(), junk, "left untouched");
}

/// Issue 4, acceptance 5: a database locked by another process → one line after the wait.
#[test]
fn issue_4_locked_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    analyze_with_db(&db, &fixture("0826-w9-1.log"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let variant = seed_variant(dir.path(), "0901-w9-1", 3);
    let output = legolog()
        .env("LEGOLOG_BUSY_TIMEOUT_MS", "300")
        .args(["analyze", "--db"])
        .arg(&db)
        .arg(&variant)
        .output()
        .unwrap();
    history_warning(
        &output,
        "h.sqlite3: the history database is locked by another process",
    );
    conn.execute_batch("ROLLBACK").unwrap();
}

/// Issue 4, acceptance 5: rules files that cannot be read or compiled.
#[test]
fn issue_4_bad_rules_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let output = legolog()
        .args(["analyze", "--no-db", "--rules"])
        .arg(&missing)
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    one_line_error(&output, "missing.toml: cannot read rules file");
    let bad_regex = dir.path().join("bad.toml");
    std::fs::write(
        &bad_regex,
        "[[rule]]\nname = \"mine\"\ndescription = \"x\"\n[[rule.when]]\nframes = [{ regex = \"fit_(poll\" }]\n",
    )
    .unwrap();
    let output = legolog()
        .args(["correlate", "--no-db", "--rules"])
        .arg(&bad_regex)
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    one_line_error(&output, "bad.toml: rule `mine`: bad regex `fit_(poll`");
    let bad_syntax = dir.path().join("syntax.toml");
    std::fs::write(&bad_syntax, "[[rule]\nname = 1\n").unwrap();
    let output = legolog()
        .args(["analyze", "--no-db", "--rules"])
        .arg(&bad_syntax)
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    one_line_error(&output, "syntax.toml:1: bad rules file");
}

/// User rules: a rule on op, register and text labels the seed; the default location is read.
#[test]
fn user_rules_label_reports() {
    let rules = "\
[[rule]]
name = \"op-30\"
description = \"page-fault RPCs\"
link = \"https://example.invalid/bug/1\"
[[rule.when]]
lego_op = [\"0x30000000\"]
registers = { RAX = \"0xfffffff0..0xffffffff\" }
text = \"stucked\"
frames = [{ regex = \"^thpool_worker_func$\" }, { glob = \"fit_*\", position = 0 }]
";
    let home = test_home();
    std::fs::create_dir_all(home.join("config/legolog")).unwrap();
    std::fs::write(home.join("config/legolog/rules.toml"), rules).unwrap();
    let output = legolog()
        .args(["analyze", "--no-db", "--format", "json"])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["reports"][0]["labels"],
        serde_json::json!(["cq-stall", "op-30"])
    );
    let _ = root();
}

/// Issue 10: every format history accepts is honoured (JSON for --signature too, with
/// `version`), and the ones it does not write are refused at parse time.
#[test]
fn issue_10_history_formats() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let missing = succeed(
        legolog()
            .args(["history", "--format", "json", "--db"])
            .arg(&db),
    );
    let json: serde_json::Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(json["version"], 3);
    assert_eq!(json["bugs"], serde_json::json!([]));
    succeed(
        legolog()
            .args(["analyze", "--db"])
            .arg(&db)
            .arg(fixture("0826-w9-1.log")),
    );
    let listing = succeed(
        legolog()
            .args(["history", "--format", "json", "--db"])
            .arg(&db),
    );
    let json: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let id = json["signatures"][0]["id"].as_str().unwrap().to_owned();
    let occurrences = succeed(
        legolog()
            .args([
                "history",
                "--format",
                "json",
                "--signature",
                &id[..8],
                "--db",
            ])
            .arg(&db),
    );
    let json: serde_json::Value = serde_json::from_slice(&occurrences.stdout).unwrap();
    assert_eq!(json["version"], 3);
    assert_eq!(json["signature"], id.as_str());
    assert_eq!(json["occurrences"][0]["run"], "0826-w9-1");
    assert_eq!(json["occurrences"][0]["position"], 1);
    let markdown = legolog()
        .args(["history", "--format", "markdown", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(markdown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&markdown.stderr).contains("markdown"));
}
