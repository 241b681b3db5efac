//! Issue 8: one answer to "is this the same bug?". Signatures that do not depend on symbols
//! (acceptance 1), bugs that survive fuzzy matches and runs (2), the user's word (3), the
//! version-1 migration (5) and bad databases (6).

use crate::real_kernel::real_kernel;
use crate::util::{fixture, legolog, root, succeed};
use serde_json::{json, Value};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn signatures(args: &[&OsStr]) -> Vec<String> {
    let json = json_of(&succeed(
        legolog()
            .args(["analyze", "--no-db", "--format", "json"])
            .args(args),
    ));
    json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["signature"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Acceptance 1: the same report keeps one signature with and without a matching kernel image.
#[test]
fn issue_8_signatures_do_not_depend_on_symbols() {
    let seed = fixture("0826-w9-1.log");
    let elf = root().join("fixtures/vmlinux/vmlinux-0826-w9-1");
    let without = signatures(&[seed.as_os_str()]);
    let with = signatures(&[OsStr::new("--vmlinux"), elf.as_os_str(), seed.as_os_str()]);
    assert_eq!(without.len(), 1);
    assert_eq!(without, with, "the seed with and without the fixture ELF");
    let kernel = match real_kernel() {
        Ok(kernel) => kernel,
        Err(reason) => {
            eprintln!("real_kernel: {reason}, skipped the real logs");
            return;
        }
    };
    let boots = [
        signatures(&[fixture("real/6.1-warning.log").as_os_str()]),
        signatures(&[fixture("real/6.1-warning-boot2.log").as_os_str()]),
    ];
    assert_eq!(
        boots[0], boots[1],
        "two boots (two KASLR offsets) of one WARNING"
    );
    for name in [
        "6.1-warning.log",
        "6.1-warning-boot2.log",
        "6.1-oops.log",
        "6.1-hung-task.log",
        "6.1-softlockup.log",
    ] {
        let log = fixture(&format!("real/{name}"));
        let without = signatures(&[log.as_os_str()]);
        let with = signatures(&[
            OsStr::new("--vmlinux"),
            kernel.vmlinux.as_os_str(),
            OsStr::new("--modules"),
            kernel.modules.as_os_str(),
            log.as_os_str(),
        ]);
        assert!(!without.is_empty(), "{name}: no report");
        assert_eq!(
            without, with,
            "{name}: with and without the matching vmlinux"
        );
    }
}

/// A run of the seed: other CPU, other timestamps, its own name.
fn seed_run(dir: &Path, name: &str, idx: u32, rename: Option<(&str, &str)>) -> PathBuf {
    let mut text = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    text = text
        .replace("CPU10", &format!("CPU{idx}"))
        .replace("CPU: 10", &format!("CPU: {idx}"));
    if let Some((from, to)) = rename {
        assert!(text.contains(from));
        text = text.replace(from, to);
    }
    text.push_str(&format!("[ {idx}000.000000] run {name} done\n"));
    let path = dir.join(format!("{name}.log"));
    std::fs::write(&path, text).unwrap();
    path
}

fn analyze_db(db: &Path, log: &Path, extra: &[&str]) -> Value {
    json_of(&succeed(
        legolog()
            .args(["analyze", "--format", "json", "--db"])
            .arg(db)
            .args(extra)
            .arg(log),
    ))
}

/// Acceptance 2: six runs of the seed and one with a renamed function are one bug, seen 7
/// times; correlate on an eighth log reports that bug seen 8 times.
#[test]
fn issue_8_runs_and_a_renamed_function_are_one_bug() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let mut bugs = Vec::new();
    let mut last = Value::Null;
    for idx in 1..=6 {
        let log = seed_run(dir.path(), &format!("0826-w{idx}-{idx}"), idx, None);
        last = analyze_db(&db, &log, &[]);
        bugs.push(last["reports"][0]["history"]["bug"].clone());
        assert_eq!(last["reports"][0]["history"]["seen"], idx);
    }
    let renamed = seed_run(
        dir.path(),
        "0903-w14-6",
        7,
        Some(("fit_ack_reply_callback", "fit_ack_reply_callback_v2")),
    );
    let json = analyze_db(&db, &renamed, &[]);
    let history = &json["reports"][0]["history"];
    assert_ne!(
        json["reports"][0]["signature"]["id"],
        last["reports"][0]["signature"]["id"]
    );
    bugs.push(history["bug"].clone());
    assert!(bugs.iter().all(|b| *b == bugs[0]), "{bugs:?}");
    assert_eq!(history["seen"], 7);
    assert_eq!(history["match"], "similar");
    assert_eq!(history["similarity"], 0.8);
    crate::schema::assert_valid(&json);
    assert_eq!(history["runs"].as_array().unwrap().len(), 7);
    // The same content again under another name counts once.
    let copy = dir.path().join("copy-of-a-run.log");
    std::fs::copy(&renamed, &copy).unwrap();
    assert_eq!(
        analyze_db(&db, &copy, &[])["reports"][0]["history"]["seen"],
        7
    );
    // correlate --db on an eighth log answers from the history.
    let eighth_dir = dir.path().join("eighth");
    std::fs::create_dir(&eighth_dir).unwrap();
    seed_run(&eighth_dir, "0904-w3-1", 8, None);
    let output = succeed(
        legolog()
            .args(["correlate", "--format", "json", "--db"])
            .arg(&db)
            .arg(&eighth_dir),
    );
    let groups = json_of(&output);
    let group = &groups["groups"][0];
    assert_eq!(group["bug"], bugs[0]);
    assert_eq!(group["seen"], 8);
    assert_eq!(group["new"], false);
    // A bug the history never saw is new in this run, and only in this run.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    std::fs::copy(fixture("real/6.1-warning.log"), other_dir.join("w.log")).unwrap();
    let correlate_other = || {
        json_of(&succeed(
            legolog()
                .args(["correlate", "--format", "json", "--db"])
                .arg(&db)
                .arg(&other_dir),
        ))
    };
    let first = correlate_other();
    assert_eq!(first["groups"][0]["new"], true);
    assert_eq!(first["groups"][0]["seen"], 1);
    assert_ne!(first["groups"][0]["bug"], bugs[0]);
    assert_eq!(correlate_other()["groups"][0]["new"], false);
    // Without a history the fields are null.
    let no_db = json_of(&succeed(
        legolog()
            .args(["correlate", "--format", "json", "--no-db"])
            .arg(&other_dir),
    ));
    assert_eq!(no_db["groups"][0]["bug"], Value::Null);
}

/// Runs and dates: the log's wall clock, else --run-date, else the day of first recording;
/// run and node from the name or the flags.
#[test]
fn issue_8_runs_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let warning = analyze_db(&db, &fixture("real/6.1-warning.log"), &[]);
    let history = &warning["reports"][0]["history"];
    // rtc_cmos: setting system clock to 2026-11-25T10:45:22 UTC
    assert_eq!(history["first_seen"], "2026-11-25");
    let seed = seed_run(dir.path(), "0827-w14-6", 3, None);
    let json = analyze_db(&db, &seed, &["--run-date", "2018-08-27"]);
    let history = &json["reports"][0]["history"];
    assert_eq!(history["first_seen"], "2018-08-27");
    assert_eq!(history["runs"], serde_json::json!(["0827-w14-6"]));
    let bug = history["bug"].as_str().unwrap().to_owned();
    let show = succeed(legolog().args(["bug", "show", &bug, "--db"]).arg(&db));
    let show = String::from_utf8(show.stdout).unwrap();
    assert!(show.contains("nodes: w14"), "{show}");
    let other = seed_run(dir.path(), "console", 4, None);
    let json = analyze_db(
        &db,
        &other,
        &["--run", "lab-7", "--node", "n3", "--run-date", "2018-08-30"],
    );
    let history = &json["reports"][0]["history"];
    assert_eq!(history["runs"], serde_json::json!(["0827-w14-6", "lab-7"]));
    assert_eq!(history["last_seen"], "2018-08-30");
    // No date anywhere: the day it is first recorded (UTC, by this machine's clock, whatever
    // it says), kept on later reads.
    let undated = seed_run(dir.path(), "0101-w1-1", 5, None);
    let before = utc_today();
    let json = analyze_db(&db, &undated, &[]);
    let after = utc_today();
    let recorded = json["reports"][0]["history"]["last_seen"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        recorded == before || recorded == after,
        "{recorded}, not {before}"
    );
    let again = analyze_db(&db, &undated, &[]);
    assert_eq!(
        again["reports"][0]["history"]["last_seen"],
        recorded.as_str()
    );
}

/// Today's date in UTC, `YYYY-MM-DD`, from the system clock (days to a civil date as in
/// Howard Hinnant's `civil_from_days`, independent of the code under test).
fn utc_today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Acceptance 3: bug name, merge, split and explain.
#[test]
fn issue_8_bug_name_merge_split_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let seed = analyze_db(&db, &fixture("0826-w9-1.log"), &[]);
    let seed_bug = seed["reports"][0]["history"]["bug"]
        .as_str()
        .unwrap()
        .to_owned();
    let warning = analyze_db(&db, &fixture("real/6.1-warning.log"), &[]);
    let warning_bug = warning["reports"][0]["history"]["bug"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(seed_bug, warning_bug);
    // Name: shown in JSON, text and history.
    let output = succeed(
        legolog()
            .args(["bug", "name", &seed_bug[..6], "lost send CQE", "--link"])
            .arg("https://example.org/bugs/1")
            .arg("--db")
            .arg(&db),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("lost send CQE"));
    let again = analyze_db(&db, &fixture("0826-w9-1.log"), &[]);
    let history = &again["reports"][0]["history"];
    assert_eq!(history["bug_name"], "lost send CQE");
    assert_eq!(history["bug_link"], "https://example.org/bugs/1");
    // The rule's label and the user's name both show.
    assert_eq!(
        again["reports"][0]["labels"],
        serde_json::json!(["cq-stall"])
    );
    let text = succeed(
        legolog()
            .args(["analyze", "--db"])
            .arg(&db)
            .arg(fixture("0826-w9-1.log")),
    );
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("\"lost send CQE\""), "{text}");
    assert!(text.contains("cq-stall"), "{text}");
    let listing = succeed(legolog().args(["history", "--db"]).arg(&db));
    assert!(String::from_utf8(listing.stdout)
        .unwrap()
        .contains("lost send CQE"));
    // Merge: the warning joins the seed's bug; its id still resolves. The merged bug keeps no
    // per-node or per-build rows (they listed it under its nodes and builds twice).
    let aggregates_of = |bug: &str| -> i64 {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT (SELECT COUNT(*) FROM bug_nodes WHERE bug_id = b.id)
                  + (SELECT COUNT(*) FROM bug_builds WHERE bug_id = b.id)
             FROM bugs b WHERE public_id = ?1",
            [bug],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(aggregates_of(&warning_bug) > 0);
    succeed(
        legolog()
            .args(["bug", "merge", &seed_bug, &warning_bug, "--db"])
            .arg(&db),
    );
    assert_eq!(aggregates_of(&warning_bug), 0);
    assert!(aggregates_of(&seed_bug) > 0);
    let merged = analyze_db(&db, &fixture("real/6.1-warning.log"), &[]);
    assert_eq!(merged["reports"][0]["history"]["bug"], seed_bug.as_str());
    assert_eq!(merged["reports"][0]["history"]["seen"], 2);
    let show = succeed(
        legolog()
            .args(["bug", "show", &warning_bug, "--db"])
            .arg(&db),
    );
    assert!(String::from_utf8(show.stdout).unwrap().contains(&seed_bug));
    // Split the warning's signature back out.
    let warning_sig = warning["reports"][0]["signature"]["short_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let output = succeed(
        legolog()
            .args(["bug", "split", &seed_bug, &warning_sig, "--db"])
            .arg(&db),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("split signature"));
    let split = analyze_db(&db, &fixture("real/6.1-warning.log"), &[]);
    assert_ne!(split["reports"][0]["history"]["bug"], seed_bug.as_str());
    assert_eq!(split["reports"][0]["history"]["seen"], 1);
    let seed_again = analyze_db(&db, &fixture("0826-w9-1.log"), &[]);
    assert_eq!(seed_again["reports"][0]["history"]["seen"], 1);
    // A bad id is one line and exit 2.
    let output = legolog()
        .args(["bug", "name", "zzzz", "x", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
    // Explain: skipped frames with their rule; a similar match aligned side by side.
    let renamed = seed_run(
        dir.path(),
        "0903-w14-6",
        7,
        Some(("fit_ack_reply_callback", "fit_ack_reply_callback_v2")),
    );
    let output = succeed(legolog().args(["explain", "--db"]).arg(&db).arg(&renamed));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("marked ? by the kernel"), "{text}");
    assert!(text.contains("+ fit_internal_poll_sendcq"), "{text}");
    assert!(text.contains("similar (0.80)"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("fit_ack_reply_callback_v2")
            && l.contains(" ~ ")
            && l.trim_end().ends_with("fit_ack_reply_callback")),
        "{text}"
    );
    let why = succeed(
        legolog()
            .args(["analyze", "--why", "--db"])
            .arg(&db)
            .arg(fixture("0826-w9-1.log")),
    );
    let why = String::from_utf8(why.stdout).unwrap();
    assert!(why.contains("founded by this signature"), "{why}");
    let skip = succeed(
        legolog()
            .args(["explain", "--no-db"])
            .arg(fixture("real/6.1-warning.log")),
    );
    let skip = String::from_utf8(skip.stdout).unwrap();
    assert!(skip.contains("no history: no bug"), "{skip}");
}

/// The version-1 canonical text and id (docs/signatures.md before version 2).
fn v1_id(kind: &str, frames: &[&str]) -> String {
    use sha2::Digest;
    let text = format!("v1|{kind}|trusted|{}", frames.join("|"));
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Acceptance 5: a version-1 database is migrated and regrouped; no report is lost.
#[test]
fn issue_8_version_1_history_is_regrouped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    // The version-1 schema exactly as legolog 0.1 created it.
    conn.execute_batch(
        "CREATE TABLE logs (id INTEGER PRIMARY KEY, content_hash TEXT NOT NULL UNIQUE,
             path TEXT NOT NULL, run TEXT NOT NULL, seen_on TEXT NOT NULL,
             recorded_at INTEGER NOT NULL, n_reports INTEGER NOT NULL);
         CREATE TABLE reports (log_id INTEGER NOT NULL REFERENCES logs(id),
             position INTEGER NOT NULL, signature TEXT NOT NULL,
             signature_version INTEGER NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,
             labels TEXT NOT NULL, time REAL, PRIMARY KEY (log_id, position));
         CREATE INDEX reports_by_signature ON reports(signature, signature_version);
         PRAGMA application_id = 1281838183; PRAGMA user_version = 1;",
    )
    .unwrap();
    let frames = [
        "fit_internal_poll_sendcq",
        "fit_send_message_with_rdma_write_with_imm_request",
        "fit_ack_reply_callback",
        "thpool_worker_func",
        "kthread",
    ];
    let renamed_frames = [
        "fit_internal_poll_sendcq",
        "fit_send_message_with_rdma_write_with_imm_request",
        "fit_ack_reply_callback_v2",
        "thpool_worker_func",
        "kthread",
    ];
    // Three logs still on disk (one with a renamed frame: another v1 id, the same bug), and one
    // whose file is gone (it keeps its v1 signature).
    let mut rows = Vec::new();
    for (idx, (name, rename)) in [
        ("0826-w9-1", None),
        ("0827-w9-2", None),
        (
            "0828-w9-3",
            Some(("fit_ack_reply_callback", "fit_ack_reply_callback_v2")),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let path = seed_run(dir.path(), name, idx as u32 + 1, rename);
        let id = if rename.is_some() {
            v1_id("lego-watchdog", &renamed_frames)
        } else {
            v1_id("lego-watchdog", &frames)
        };
        rows.push((
            sha256_file(&path),
            path.display().to_string(),
            name.to_owned(),
            id,
        ));
    }
    rows.push((
        "0".repeat(64),
        "/gone/0701-w2-1.log".to_owned(),
        "0701-w2-1".to_owned(),
        v1_id("lego-watchdog", &["gone_a", "gone_b"]),
    ));
    for (idx, (hash, path, run, id)) in rows.iter().enumerate() {
        conn.execute(
            "INSERT INTO logs VALUES (?1, ?2, ?3, ?4, '2018-08-26', 1, 1)",
            rusqlite::params![idx as i64 + 1, hash, path, run],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO reports VALUES (?1, 1, ?2, 1, 'lego-watchdog', 'watchdog: worker stuck', 'cq-stall', 1.0)",
            rusqlite::params![idx as i64 + 1, id],
        )
        .unwrap();
    }
    drop(conn);
    let count = |db: &Path| -> (i64, i64) {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.query_row(
            "SELECT (SELECT COUNT(*) FROM logs), (SELECT COUNT(*) FROM reports)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let before = count(&db);
    let output = succeed(
        legolog()
            .args(["history", "--format", "json", "--db"])
            .arg(&db),
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("regrouped 4 log(s)"));
    let listing = json_of(&output);
    assert_eq!(count(&db), before, "no log or report lost");
    let bugs = listing["bugs"].as_array().unwrap();
    assert_eq!(bugs.len(), 2, "{listing:#}");
    assert_eq!(bugs[0]["seen"], 3);
    assert_eq!(bugs[0]["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(bugs[1]["seen"], 1);
    // New logs of the bug join it: the v2 signature matches what the migration stored.
    let json = analyze_db(&db, &seed_run(dir.path(), "0829-w9-4", 9, None), &[]);
    assert_eq!(json["reports"][0]["history"]["bug"], bugs[0]["id"]);
    assert_eq!(json["reports"][0]["history"]["seen"], 4);
    assert_eq!(json["reports"][0]["history"]["match"], "exact");
    // Opening again does not regroup again.
    let output = succeed(legolog().args(["history", "--db"]).arg(&db));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("regrouped"));
}

/// Acceptance 6: a history from a newer legolog is refused, left as it is.
#[test]
fn issue_8_newer_history_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    analyze_db(&db, &fixture("0826-w9-1.log"), &[]);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let bytes = std::fs::read(&db).unwrap();
    let output = legolog()
        .args(["analyze", "--db"])
        .arg(&db)
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    crate::history::history_warning(&output, "is newer than this legolog");
    assert_eq!(std::fs::read(&db).unwrap(), bytes);
}

/// The history's location: `db = "…"` in the config file, overridden by LEGOLOG_DB, overridden
/// by --db; a bad config file is one line and exit 2.
#[test]
fn issue_8_history_location_from_config_and_environment() {
    let home = crate::util::test_home();
    let dir = tempfile::tempdir().unwrap();
    let from_config = dir.path().join("from-config.sqlite3");
    std::fs::create_dir_all(home.join("config/legolog")).unwrap();
    std::fs::write(
        home.join("config/legolog/config.toml"),
        format!("db = {:?}\n", from_config.to_str().unwrap()),
    )
    .unwrap();
    succeed(legolog().arg("analyze").arg(fixture("0826-w9-1.log")));
    assert_eq!(logs_in(&from_config), 1);
    assert!(!home.join("data/legolog/history.sqlite3").exists());
    let from_env = dir.path().join("from-env.sqlite3");
    succeed(
        legolog()
            .env("LEGOLOG_DB", &from_env)
            .arg("analyze")
            .arg(fixture("0826-w9-1.log")),
    );
    assert_eq!(logs_in(&from_env), 1);
    assert_eq!(logs_in(&from_config), 1, "LEGOLOG_DB beats the config file");
    let from_flag = dir.path().join("from-flag.sqlite3");
    succeed(
        legolog()
            .env("LEGOLOG_DB", &from_env)
            .args(["analyze", "--db"])
            .arg(&from_flag)
            .arg(fixture("0826-w9-1.log")),
    );
    assert_eq!(logs_in(&from_flag), 1);
    assert_eq!(logs_in(&from_env), 1, "--db beats LEGOLOG_DB");
    std::fs::write(home.join("config/legolog/config.toml"), "db = 3\n").unwrap();
    let output = legolog()
        .arg("analyze")
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    crate::history::one_line_error(&output, "config.toml: `db` must be a string");
}

/// The logs recorded in the SQLite history `db` (each holding the seed's one report).
fn logs_in(db: &Path) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|err| panic!("{}: {err}", db.display()));
    let (logs, reports): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM logs), (SELECT COUNT(*) FROM reports)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(reports, logs, "{}", db.display());
    logs
}

/// Issue 10: `--fail-on new|label:NAME|kind:KIND` fails a CI run on a new bug or a known one.
#[test]
fn issue_10_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let run = |cmd: &str, conditions: &[&str]| {
        let mut command = legolog();
        command.args([cmd, "--format", "json", "--db"]).arg(&db);
        for condition in conditions {
            command.args(["--fail-on", condition]);
        }
        let output = command.arg(fixture("0826-w9-1.log")).output().unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (code, stderr) = run("analyze", &["new", "kind:kasan"]);
    assert_eq!(code, Some(1), "the first sighting is a new bug: {stderr}");
    assert!(stderr.contains("--fail-on new: "), "{stderr}");
    assert!(stderr.contains("0826-w9-1.log:1 watchdog: worker stuck in mlx4_ib_poll_cq"));
    assert_eq!(
        run("analyze", &["new", "kind:kasan"]).0,
        Some(0),
        "seen before"
    );
    let (code, stderr) = run("analyze", &["label:cq-stall"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("--fail-on label:cq-stall"), "{stderr}");
    assert_eq!(run("analyze", &["kind:lego-watchdog"]).0, Some(1));
    assert_eq!(run("analyze", &["label:nosuch"]).0, Some(0));
    assert_eq!(run("correlate", &["label:cq-stall"]).0, Some(1));
    assert_eq!(run("correlate", &["new"]).0, Some(0));
    let no_db = legolog()
        .args(["analyze", "--no-db", "--fail-on", "new"])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert_eq!(no_db.status.code(), Some(2));
}

/// `bug show ID --format json`'s bug.
fn show_bug(db: &Path, id: &str) -> Value {
    json_of(&succeed(
        legolog()
            .args(["bug", "show", id, "--format", "json", "--db"])
            .arg(db),
    ))["bug"]
        .clone()
}

/// Issue 19 (edits): `bug name` and `bug merge` write audit rows with `--by`, as the status
/// changes do; a merged bug's kept crashes move with its reports, so they can be pinned on the
/// bug they joined, and unpinned again.
#[test]
fn issue_19_bug_name_and_merge_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let bug_of = |log: &str| -> String {
        analyze_db(&db, &fixture(log), &[])["reports"][0]["history"]["bug"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let seed = bug_of("0826-w9-1.log");
    let warning = bug_of("real/6.1-warning.log");
    assert_ne!(seed, warning);
    let warning_crash = show_bug(&db, &warning)["crashes"][0]["id"]
        .as_i64()
        .expect("the warning's crash is kept");
    let bug_cli = |args: &[&str]| {
        succeed(
            legolog()
                .arg("bug")
                .args(args)
                .args(["--by", "ana@lab", "--db"])
                .arg(&db),
        )
    };
    bug_cli(&["name", &seed, "lost send CQE"]);
    bug_cli(&["merge", &seed, &warning]);
    let bug = show_bug(&db, &seed);
    let audit: Vec<(&str, &str, &str, &str)> = bug["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["who"].as_str().unwrap(),
                row["what"].as_str().unwrap(),
                row["old"].as_str().unwrap_or("-"),
                row["new"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    let (from, into) = (format!("bug {warning}"), format!("bug {seed}"));
    assert_eq!(
        audit,
        [
            ("ana@lab", "name", "-", "lost send CQE"),
            ("ana@lab", "merge", from.as_str(), into.as_str()),
        ],
        "{bug:#}"
    );
    // Merging it again is refused: it is the bug already.
    let again = legolog()
        .args(["bug", "merge", &seed, &warning, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing to merge"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // The warning's crash is the seed bug's now: pinned and unpinned there, audited.
    assert!(
        bug["crashes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == warning_crash),
        "{bug:#}"
    );
    let crash = warning_crash.to_string();
    bug_cli(&["pin", &seed, &crash]);
    let pinned = |bug: &Value| {
        bug["crashes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == warning_crash)
            .unwrap()["pinned"]
            .clone()
    };
    assert_eq!(pinned(&show_bug(&db, &seed)), true);
    bug_cli(&["unpin", &seed, &crash]);
    let bug = show_bug(&db, &seed);
    assert_eq!(pinned(&bug), false);
    let last = &bug["audit"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["who"], &last["what"], &last["old"]),
        (
            &json!("ana@lab"),
            &json!("unpin"),
            &json!(format!("crash {crash}"))
        ),
        "{bug:#}"
    );
    // Unpinning what is not pinned is refused.
    let again = legolog()
        .args(["bug", "unpin", &seed, &crash, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not pinned"));
}
