//! Issue 16: bugs have a life. A scripted week of nightly LegoOS builds with a fix and a
//! regression (acceptance 1, SQLite and PostgreSQL), dup chains and their undo (2), quiet bugs
//! (3), crash documents printed with the log gone (4), and the migration of the history of
//! today's schema (6, both backends).

use crate::pg::PgServer;
use crate::util::{fixture, legolog, root, succeed};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// The seed, run on LegoOS build `#build`, with its frames renamed and a last line that
/// makes its content (its identity in the history) its own.
fn night(dir: &Path, name: &str, build: u32, renames: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    text = text.replace("4.0.0-lego+ #26", &format!("4.0.0-lego+ #{build}"));
    for (from, to) in renames {
        text = text.replace(from, to);
    }
    text.push_str(&format!("[187800.000000] {name} done\n"));
    let path = dir.join(format!("{name}.log"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A night on which the bug did not fire: the boot banner of build `#build` and chatter.
fn clean_night(dir: &Path, name: &str, build: u32) -> PathBuf {
    let path = dir.join(format!("{name}.log"));
    std::fs::write(
        &path,
        format!(
            "[    0.000000] Linux version 4.0.0-lego+ (lab@build) (gcc version 4.8.5) #{build} SMP Mon Mar 2 01:00:00 UTC 2026\n\
             [    1.000000] {name}: all tests passed\n"
        ),
    )
    .unwrap();
    path
}

fn analyze(db: &str, date: &str, args: &[&str], log: &Path) -> std::process::Output {
    legolog()
        .args(["analyze", "--db", db, "--run-date", date])
        .args(args)
        .arg(log)
        .output()
        .unwrap()
}

/// Acceptance 1 on the history `db`.
fn scripted_week(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path();
    // Monday and Tuesday: build #26 hits the bug. Wednesday: #27, with the fix, runs clean.
    let mon = night(logs, "0302-w9-1", 26, &[]);
    let out = analyze(db, "2026-03-02", &["--format", "json"], &mon);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = json(&out)["reports"][0]["history"]["bug"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        analyze(db, "2026-03-03", &[], &night(logs, "0303-w9-2", 26, &[]))
            .status
            .success()
    );
    assert!(
        analyze(db, "2026-03-04", &[], &clean_night(logs, "0304-w9-3", 27))
            .status
            .success()
    );
    succeed(legolog().args([
        "bug",
        "name",
        &id,
        "lost send CQE",
        "--by",
        "alice",
        "--db",
        db,
    ]));
    let fixed = stdout(&succeed(legolog().args([
        "bug",
        "fix",
        &id,
        "--in",
        "#27",
        "--commit",
        "c0ffee",
        "--note",
        "poll the send CQ",
        "--by",
        "alice",
        "--db",
        db,
    ])));
    assert!(
        fixed.contains("fixed in 4.0.0-lego+ #27, commit c0ffee"),
        "{fixed}"
    );
    let regression = format!("REGRESSION: bug {id} \"lost send CQE\", fixed in #27, seen on #28");

    // Thursday: #28 hits it again. The watch line says so as the console streams in.
    let thu_console = night(logs, "0305-w9-4", 28, &[]);
    let watched = legolog()
        .args(["watch", "--db", db, "--node", "w9", "-"])
        .pipe_stdin(&thu_console)
        .unwrap()
        .output()
        .unwrap();
    assert!(
        watched.status.success(),
        "{}",
        String::from_utf8_lossy(&watched.stderr)
    );
    let line = stdout(&watched);
    assert!(line.contains(&format!("— {regression}")), "{line}");
    let show = stdout(&succeed(legolog().args(["bug", "show", &id, "--db", db])));
    assert!(show.contains("  status: open"), "{show}");
    assert!(
        show.contains("legolog regression: fixed in 4.0.0-lego+ #27, commit c0ffee (poll the send CQ) -> open: seen on 4.0.0-lego+ #28"),
        "{show}"
    );
    // Fixed again (say the fix was incomplete); the nightly log of #28 is analyzed.
    succeed(legolog().args(["bug", "fix", &id, "--in", "4.0.0-lego+ #27", "--db", db]));
    let thu = night(logs, "0305-w9-5", 28, &[]);
    let out = analyze(db, "2026-03-05", &["--fail-on", "regression"], &thu);
    assert_eq!(out.status.code(), Some(1), "--fail-on regression exits 1");
    let text = stdout(&out);
    assert!(text.contains(&format!("    {regression}\n")), "{text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--fail-on regression:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same log read again says the same (what a report was is recorded with it).
    let out = analyze(db, "2026-03-05", &["--format", "jsonl"], &thu);
    let first: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    let history = &first["history"];
    assert_eq!(history["regression"], true, "{history}");
    assert_eq!(history["without_fix"], false);
    assert_eq!(history["seen_on"], "#28");
    let groups = json(&succeed(
        legolog()
            .args(["correlate", "--db", db, "--format", "json"])
            .arg(&thu),
    ));
    assert_eq!(groups["groups"][0]["regression"], true, "{groups}");
    assert_eq!(groups["groups"][0]["fixed_in"], Value::Null, "reopened");
    // The Markdown bug report (its `#` escaped).
    let out = succeed(legolog().args(["report", "--db", db]).arg(&thu));
    assert!(
        stdout(&out).contains(&format!("**{}**", regression.replace('#', "\\#"))),
        "{}",
        stdout(&out)
    );

    // Friday: an old #26 node after the fix. Not a regression; the bug stays fixed.
    succeed(legolog().args(["bug", "fix", &id, "--in", "#27", "--db", db]));
    let fri = night(logs, "0306-w3-6", 26, &[]);
    let out = analyze(db, "2026-03-06", &["--fail-on", "regression"], &fri);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "seen on a build without the fix: bug {id} \"lost send CQE\" is fixed in #27, this is #26"
        )),
        "{text}"
    );
    assert!(!text.contains("REGRESSION"), "{text}");
    let show = json(&succeed(
        legolog().args(["bug", "show", &id, "--db", db, "-f", "json"]),
    ));
    let bug = &show["bug"];
    assert_eq!(bug["status"], "fixed");
    assert_eq!(bug["fixed_in"], "4.0.0-lego+ #27");
    // Where it was seen: every build and node, with counts and dates.
    let builds: Vec<(String, u64)> = bug["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_owned(),
                b["reports"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        builds,
        vec![
            ("4.0.0-lego+ #26".to_owned(), 3),
            ("4.0.0-lego+ #28".to_owned(), 2)
        ]
    );
    assert_eq!(bug["builds"][1]["first_seen"], "2026-03-05");
    let nodes: Vec<&str> = bug["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, vec!["w3", "w9"]);
    let whats: Vec<&str> = bug["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["what"].as_str().unwrap())
        .collect();
    // `bug name` is audited like the status changes.
    assert_eq!(
        whats,
        vec![
            "name",
            "fixed",
            "regression",
            "fixed",
            "regression",
            "fixed"
        ]
    );
    assert_eq!(bug["audit"][0]["who"], "alice");
    assert_eq!(bug["audit"][0]["new"], "lost send CQE");
    assert_eq!(bug["audit"][1]["who"], "alice");
    // Both nights in one command: each report keeps its own verdict and crash.
    let both = json(&succeed(
        legolog()
            .args(["analyze", "--db", db, "--format", "json"])
            .arg(&thu)
            .arg(&fri),
    ));
    let reports = both["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2, "{both}");
    assert_eq!(reports[0]["history"]["regression"], true, "{both}");
    assert_eq!(reports[1]["history"]["regression"], false, "{both}");
    assert_eq!(reports[1]["history"]["without_fix"], true, "{both}");
    assert_ne!(
        reports[0]["history"]["crash"],
        reports[1]["history"]["crash"]
    );
}

/// Acceptance 1 on SQLite.
#[test]
fn issue_16_scripted_week() {
    let dir = tempfile::tempdir().unwrap();
    scripted_week(dir.path().join("h.sqlite3").to_str().unwrap());
}

/// Acceptance 1 on PostgreSQL.
#[test]
fn issue_16_scripted_week_postgres() {
    let server = PgServer::start();
    scripted_week(&server.create_db("week"));
}

/// Seen counts of the bugs `history` lists, by id.
fn seen(db: &str) -> Vec<(String, u64)> {
    let history = json(&succeed(
        legolog().args(["history", "--db", db, "-f", "json"]),
    ));
    let mut out: Vec<(String, u64)> = history["bugs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_owned(),
                b["seen"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Acceptance 2: A dup of B and B dup of C count to C in `history` and `correlate`; undup
/// restores the counts exactly; every step is in the audit.
#[test]
fn issue_16_dup_chains_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("h.sqlite3");
    let db = db_path.to_str().unwrap();
    // Two renamed frames of five: three bugs (similarity 0.6 < 0.8).
    let variant = |tag: &str, idx: u32| {
        night(
            dir.path(),
            &format!("0401-w{idx}-{tag}{idx}"),
            26,
            &[
                ("fit_internal_poll_sendcq", &format!("{tag}_poll")),
                ("fit_ack_reply_callback", &format!("{tag}_reply")),
            ],
        )
    };
    let mut ids = Vec::new();
    let mut all_logs = Vec::new();
    for (tag, n) in [("a", 2), ("b", 3), ("c", 1)] {
        let logs: Vec<PathBuf> = (0..n).map(|i| variant(tag, i)).collect();
        let out = succeed(
            legolog()
                .args(["analyze", "--db", db, "--format", "json"])
                .args(&logs),
        );
        ids.push(
            json(&out)["reports"][0]["history"]["bug"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        all_logs.extend(logs);
    }
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    let before = seen(db);
    assert_eq!(before.len(), 3);
    succeed(legolog().args(["bug", "dup", a, b, "--db", db]));
    let out = stdout(&succeed(legolog().args(["bug", "dup", b, c, "--db", db])));
    assert!(
        out.contains(&format!("its reports count to bug {c} (seen 6)")),
        "{out}"
    );
    assert_eq!(seen(db), vec![(c.clone(), 6)]);
    // A new report of A counts to C.
    let late = variant("a", 7);
    let out = json(&succeed(
        legolog()
            .args(["analyze", "--db", db, "--format", "json", "--node", "w7"])
            .arg(&late),
    ));
    assert_eq!(out["reports"][0]["history"]["bug"], c.as_str());
    assert_eq!(out["reports"][0]["history"]["seen"], 7);
    all_logs.push(late);
    let groups = json(&succeed(
        legolog()
            .args(["correlate", "--db", db, "--format", "json"])
            .args(&all_logs),
    ));
    let groups = groups["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["bug"], c.as_str());
    assert_eq!(groups[0]["seen"], 7);
    // A dup shows its own reports (A: two logs, then the late one), and where they count.
    let show = json(&succeed(
        legolog().args(["bug", "show", a, "--db", db, "-f", "json"]),
    ));
    let bug = &show["bug"];
    assert_eq!(bug["status"], "dup", "{show}");
    assert_eq!(bug["dup_of"], b.as_str());
    assert_eq!(bug["counts_to"], c.as_str());
    assert_eq!(bug["seen"], 3, "{show}");
    assert_eq!(bug["runs"].as_array().unwrap().len(), 3);
    assert_eq!(bug["builds"][0]["name"], "4.0.0-lego+ #26");
    assert_eq!(bug["builds"][0]["reports"], 3);
    assert_eq!(bug["nodes"][0]["name"], "w7", "{show}");
    assert_eq!(bug["nodes"][0]["reports"], 1, "{show}");
    assert_eq!(bug["nodes"].as_array().unwrap().len(), 1, "{show}");
    let show = stdout(&succeed(legolog().args(["bug", "show", b, "--db", db])));
    assert!(
        show.contains(&format!("status: dup of {c}; its reports count to bug {c}")),
        "{show}"
    );
    assert!(show.contains("seen: 3 logs"), "{show}");
    assert!(show.contains("4.0.0-lego+ #26: 3 reports"), "{show}");
    // Undo, in any order: the counts come back exactly.
    let out = stdout(&succeed(legolog().args(["bug", "undup", a, "--db", db])));
    assert!(out.contains("open (seen 3)"), "{out}");
    let mut expected = vec![(a.clone(), 3), (c.clone(), 4)];
    expected.sort();
    assert_eq!(seen(db), expected);
    succeed(legolog().args(["bug", "undup", b, "--db", db]));
    let mut expected = vec![(a.clone(), 3), (b.clone(), 3), (c.clone(), 1)];
    expected.sort();
    assert_eq!(seen(db), expected);
    let show = stdout(&succeed(legolog().args(["bug", "show", a, "--db", db])));
    assert!(
        show.contains(&format!(" dup: open -> dup of {b}")),
        "{show}"
    );
    assert!(
        show.contains(&format!(" undup: dup of {b} -> open")),
        "{show}"
    );
    let show = stdout(&succeed(legolog().args(["bug", "show", b, "--db", db])));
    assert!(
        show.contains(&format!(" dup: open -> dup of {c}")),
        "{show}"
    );
    assert!(
        show.contains(&format!(" undup: dup of {c} -> open")),
        "{show}"
    );
    assert!(show.contains("  status: open\n"), "{show}");
    // A chain that would loop is refused.
    succeed(legolog().args(["bug", "dup", a, b, "--db", db]));
    let out = legolog()
        .args(["bug", "dup", b, a, "--db", db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be a dup of itself"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `YYYY-MM-DD` of `days` days before today (UTC).
fn days_ago(days: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let z = now / 86_400 - days + 719_468;
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

/// Acceptance 3: ten a day for ten days, then thirty days of silence, is quiet; its next
/// crash is back after 30 days. Fewer than ten sightings is never quiet.
#[test]
fn issue_16_quiet_bugs() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("h.sqlite3");
    let db = db_path.to_str().unwrap();
    let renames = [
        ("fit_internal_poll_sendcq", "q_poll"),
        ("fit_ack_reply_callback", "q_reply"),
    ];
    let mut id = String::new();
    for day in 0..10 {
        let logs: Vec<PathBuf> = (0..10)
            .map(|i| night(dir.path(), &format!("q-w{i}-{day}"), 26, &renames))
            .collect();
        let out = succeed(
            legolog()
                .args([
                    "analyze",
                    "--db",
                    db,
                    "--format",
                    "json",
                    "--run-date",
                    &days_ago(39 - day),
                ])
                .args(&logs),
        );
        id = json(&out)["reports"][0]["history"]["bug"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    // Another bug, seen 9 times long ago: below the threshold, never quiet.
    let few: Vec<PathBuf> = (0..9)
        .map(|i| night(dir.path(), &format!("f-w{i}-{i}"), 26, &[]))
        .collect();
    let out = succeed(
        legolog()
            .args([
                "analyze",
                "--db",
                db,
                "--format",
                "json",
                "--run-date",
                &days_ago(90),
            ])
            .args(&few),
    );
    let few_id = json(&out)["reports"][0]["history"]["bug"]
        .as_str()
        .unwrap()
        .to_owned();
    let history = json(&succeed(
        legolog().args(["history", "--db", db, "-f", "json"]),
    ));
    let quiet = |bug: &str| {
        history["bugs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == bug)
            .unwrap()["quiet"]
            .clone()
    };
    assert_eq!(quiet(&id), true, "{history}");
    assert_eq!(quiet(&few_id), false, "{history}");
    let table = stdout(&succeed(legolog().args(["history", "--db", db])));
    assert!(table.contains("open, quiet"), "{table}");
    let show = stdout(&succeed(legolog().args(["bug", "show", &id, "--db", db])));
    assert!(show.contains("  status: open (quiet"), "{show}");
    // It fires again today.
    let today = night(dir.path(), "q-w1-today", 26, &renames);
    let out = succeed(legolog().args(["analyze", "--db", db]).arg(&today));
    assert!(
        stdout(&out).contains("; back after 30 days"),
        "{}",
        stdout(&out)
    );
}

/// The report block of `analyze`'s text output (from `[1]` to the end).
fn block(text: &str) -> String {
    let start = text.find("\n[1] ").expect("a report block");
    let end = text[start + 1..]
        .find("\n\n")
        .map_or(text.len(), |idx| start + 1 + idx + 1);
    text[start..end].to_owned()
}

/// Acceptance 4: a crash recorded with the fixture vmlinux is printed from the history alone
/// once the log is gone, equal to what `analyze` printed while it existed.
#[test]
fn issue_16_crash_documents_outlive_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("h.sqlite3");
    let db = db_path.to_str().unwrap();
    let log = dir.path().join("0826-w9-1.log");
    std::fs::copy(fixture("0826-w9-1.log"), &log).unwrap();
    let elf = root().join("fixtures/vmlinux/vmlinux-0826-w9-1");
    let elf = elf.to_str().unwrap();
    let printed = stdout(&succeed(
        legolog()
            .args(["analyze", "--no-db", "--vmlinux", elf])
            .arg(&log),
    ));
    let printed_json = json(&succeed(
        legolog()
            .args(["analyze", "--no-db", "--format", "json", "--vmlinux", elf])
            .arg(&log),
    ));
    let recorded = json(&succeed(
        legolog()
            .args(["analyze", "--db", db, "--format", "json", "--vmlinux", elf])
            .arg(&log),
    ));
    let history = &recorded["reports"][0]["history"];
    let id = history["bug"].as_str().unwrap();
    let crash = history["crash"].as_i64().expect("a crash id");
    std::fs::remove_file(&log).unwrap();

    let from_history = stdout(&succeed(
        legolog().args(["report", "--bug", id, "--db", db]),
    ));
    let (head, rest) = from_history.split_once('\n').unwrap();
    assert!(
        head.starts_with(&format!("bug {id}, crash {crash}: ")),
        "{head}"
    );
    let (trace, lines) = rest
        .split_once("\n    Log lines (40):\n")
        .expect("the log lines");
    assert_eq!(trace, block(&printed));
    assert!(
        trace.contains("[reliable] net/lego/fit_internal.c:10"),
        "{trace}"
    );
    assert!(
        lines.contains("1: watchdog: worker[0] CPU10 stucked"),
        "{lines}"
    );
    // `bug show ID --crash N` prints the same.
    let shown = stdout(&succeed(legolog().args([
        "bug",
        "show",
        id,
        "--crash",
        &crash.to_string(),
        "--db",
        db,
    ])));
    assert_eq!(shown, from_history);
    // The JSON document is the report's object, without the history.
    let document = json(&succeed(legolog().args([
        "report",
        "--bug",
        id,
        "--crash",
        &crash.to_string(),
        "-f",
        "json",
        "--db",
        db,
    ])));
    let mut expected = printed_json["reports"][0].clone();
    expected.as_object_mut().unwrap().remove("history");
    assert_eq!(document["report"], expected);
    // An unknown crash is one line, exit 2.
    let out = legolog()
        .args(["report", "--bug", id, "--crash", "999", "--db", db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("bug {id} keeps no crash 999")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The schema before the lifecycle step: the one a history has today.
const BEFORE: usize = legolog::history::schema::LIFECYCLE_STEP - 1;

/// Rows of that schema (the steps before it): three logs, four reports, three bugs (one merged).
const TODAY_ROWS: &str = "
    INSERT INTO logs (id, content_hash, path, run, seen_on, recorded_at, n_reports, node) VALUES
        (1, 'h1', '/l/0826-w9-1.log', '0826-w9-1', '2026-02-01', 0, 2, 'w9'),
        (2, 'h2', '/l/0827-w3-2.log', '0827-w3-2', '2026-02-02', 0, 1, 'w3'),
        (3, 'h3', '/l/boot.log', 'boot', '2026-02-03', 0, 1, NULL);
    INSERT INTO bugs (id, public_id, kind, title, labels, n_logs, first_seen, last_seen) VALUES
        (1, 'aaaaaaaaaa', 'lego-watchdog', 'watchdog', 'cq-stall', 2, '2026-02-01', '2026-02-02'),
        (2, 'bbbbbbbbbb', 'lego-panic', 'panic', '', 1, '2026-02-03', '2026-02-03');
    -- A bug merged into the first (`bug merge`): its signature went with it.
    INSERT INTO bugs (id, public_id, kind, title, labels, n_logs, merged_into) VALUES
        (3, 'cccccccccc', 'lego-watchdog', 'watchdog', '', 0, 1);
    INSERT INTO reports (log_id, position, signature, signature_version, kind, title, labels,
            basis, frames, kernel, bug_id, match_kind) VALUES
        (1, 1, 's1', 2, 'lego-watchdog', 'watchdog', 'cq-stall', 'trusted', 'a', '4.0.0-lego+ #26', 1, 'new'),
        (1, 2, 's1', 2, 'lego-watchdog', 'watchdog', 'cq-stall', 'trusted', 'a', '4.0.0-lego+ #26', 1, 'exact'),
        (2, 1, 's1', 2, 'lego-watchdog', 'watchdog', 'cq-stall', 'trusted', 'a', '4.0.0-lego+ #27', 1, 'exact'),
        (3, 1, 's2', 2, 'lego-panic', 'panic', '', 'title', NULL, NULL, 2, 'new');
    INSERT INTO signatures (signature, version, bug_id, kind, basis, frames, founding) VALUES
        ('s1', 2, 1, 'lego-watchdog', 'trusted', 'a', 1),
        ('s2', 2, 2, 'lego-panic', 'title', NULL, 1),
        ('s3', 2, 1, 'lego-watchdog', 'trusted', 'b', 0);
    INSERT INTO bug_logs (bug_id, log_id) VALUES (1, 1), (1, 2), (2, 3);
    INSERT INTO bug_runs (bug_id, run, first_seen) VALUES
        (1, '0826-w9-1', '2026-02-01'), (1, '0827-w3-2', '2026-02-02'), (2, 'boot', '2026-02-03');";

const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM logs), (SELECT COUNT(*) FROM reports),
    (SELECT COUNT(*) FROM bugs)";

/// Bugs whose status is not `open` (after the migration: none).
const NOT_OPEN: &str = "SELECT COUNT(*) FROM bugs WHERE status <> 'open'";

/// What the migrated history says about bug `aaaaaaaaaa`, and every bug's status.
fn check_migrated(db: &str) {
    let history = json(&succeed(
        legolog().args(["history", "--db", db, "-f", "json"]),
    ));
    let statuses: Vec<&str> = history["bugs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["open", "open"]);
    let show = json(&succeed(legolog().args([
        "history",
        "--bug",
        "aaaaaaaaaa",
        "--db",
        db,
        "-f",
        "json",
    ])));
    let bug = &show["bug"];
    assert_eq!(bug["seen"], 2);
    assert_eq!(bug["builds"][0]["name"], "4.0.0-lego+ #26");
    assert_eq!(bug["builds"][0]["reports"], 2);
    assert_eq!(bug["builds"][1]["name"], "4.0.0-lego+ #27");
    assert_eq!(bug["nodes"][1]["name"], "w9");
    assert_eq!(bug["nodes"][1]["reports"], 2);
}

/// Acceptance 6 on SQLite: a history of today's schema keeps every row; every bug starts open.
#[test]
fn issue_16_migration_keeps_every_row() {
    use legolog::history::backend::Dialect;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for step in &legolog::history::schema::migrations(Dialect::Sqlite)[..BEFORE] {
        conn.execute_batch(step).unwrap();
    }
    conn.execute_batch(TODAY_ROWS).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA application_id = 1281838183; PRAGMA user_version = {BEFORE};"
    ))
    .unwrap();
    let counts = |conn: &rusqlite::Connection| -> (i64, i64, i64) {
        conn.query_row(COUNTS, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
    };
    let before = counts(&conn);
    assert_eq!(before, (3, 4, 3));
    drop(conn);
    check_migrated(path.to_str().unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(counts(&conn), before);
    let not_open: i64 = conn.query_row(NOT_OPEN, [], |r| r.get(0)).unwrap();
    assert_eq!(not_open, 0);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, legolog::history::schema::current());
}

/// Acceptance 6 on PostgreSQL.
#[test]
fn issue_16_migration_keeps_every_row_postgres() {
    use legolog::history::backend::Dialect;
    let server = PgServer::start();
    let url = server.create_db("v2");
    let mut client = server.client("v2");
    for step in &legolog::history::schema::migrations(Dialect::Postgres)[..BEFORE] {
        client.batch_execute(step).unwrap();
    }
    client.batch_execute(TODAY_ROWS).unwrap();
    client
        .batch_execute(&format!(
            "CREATE TABLE legolog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO legolog_meta (key, value) VALUES ('schema_version', '{BEFORE}');"
        ))
        .unwrap();
    let counts = |client: &mut postgres::Client| -> (i64, i64, i64) {
        let row = client.query_one(COUNTS, &[]).unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    let before = counts(&mut client);
    assert_eq!(before, (3, 4, 3));
    check_migrated(&url);
    assert_eq!(counts(&mut client), before);
    let not_open: i64 = client.query_one(NOT_OPEN, &[]).unwrap().get(0);
    assert_eq!(not_open, 0);
    let version: String = client
        .query_one(
            "SELECT value FROM legolog_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(version, legolog::history::schema::current().to_string());
}

/// Schema step 9 on a history of step 8: a bug merged before it keeps no per-node or per-build
/// rows, its canonical bug keeps its own, and the bug list's order has its indexes.
const STEP_9: usize = 9;

/// Rows of step 8: bug 2 merged into bug 1 by a `bug merge` that left bug 2's aggregates.
const MERGED_ROWS: &str = "
    INSERT INTO logs (id, content_hash, path, run, seen_on, recorded_at, n_reports, node) VALUES
        (1, 'h1', '/l/0826-w9-1.log', '0826-w9-1', '2026-02-01', 0, 1, 'w9'),
        (2, 'h2', '/l/0827-w3-2.log', '0827-w3-2', '2026-02-02', 0, 1, 'w3');
    INSERT INTO builds (id, name, release, number, first_seen) VALUES
        (1, '4.0.0-lego+ #26', '4.0.0-lego+', 26, '2026-02-01');
    INSERT INTO bugs (id, public_id, kind, title, labels, n_logs, first_seen, last_seen) VALUES
        (1, 'aaaaaaaaaa', 'lego-watchdog', 'watchdog', '', 2, '2026-02-01', '2026-02-02');
    INSERT INTO bugs (id, public_id, kind, title, labels, n_logs, merged_into) VALUES
        (2, 'bbbbbbbbbb', 'lego-watchdog', 'watchdog', '', 0, 1);
    INSERT INTO reports (log_id, position, signature, signature_version, kind, title, labels,
            basis, frames, kernel, bug_id, match_kind, build_id) VALUES
        (1, 1, 's1', 3, 'lego-watchdog', 'watchdog', '', 'trusted', 'a', '4.0.0-lego+ #26', 1, 'new', 1),
        (2, 1, 's2', 3, 'lego-watchdog', 'watchdog', '', 'trusted', 'b', '4.0.0-lego+ #26', 1, 'new', 1);
    INSERT INTO signatures (signature, version, bug_id, kind, basis, frames, founding) VALUES
        ('s1', 3, 1, 'lego-watchdog', 'trusted', 'a', 1),
        ('s2', 3, 1, 'lego-watchdog', 'trusted', 'b', 1);
    INSERT INTO bug_logs (bug_id, log_id) VALUES (1, 1), (1, 2);
    INSERT INTO bug_runs (bug_id, run, first_seen) VALUES
        (1, '0826-w9-1', '2026-02-01'), (1, '0827-w3-2', '2026-02-02');
    INSERT INTO bug_nodes (bug_id, node, n_reports, first_seen, last_seen) VALUES
        (1, 'w9', 1, '2026-02-01', '2026-02-01'), (1, 'w3', 1, '2026-02-02', '2026-02-02'),
        (2, 'w3', 1, '2026-02-02', '2026-02-02');
    INSERT INTO bug_builds (bug_id, build_id, n_reports, first_seen, last_seen) VALUES
        (1, 1, 2, '2026-02-01', '2026-02-02'), (2, 1, 1, '2026-02-02', '2026-02-02');
    DELETE FROM resign_pending;";

/// Per bug (by id): its per-node and per-build rows.
const AGGREGATES: &str = "SELECT (SELECT COUNT(*) FROM bug_nodes WHERE bug_id = 1),
    (SELECT COUNT(*) FROM bug_builds WHERE bug_id = 1),
    (SELECT COUNT(*) FROM bug_nodes WHERE bug_id = 2),
    (SELECT COUNT(*) FROM bug_builds WHERE bug_id = 2)";

/// Step 9's indexes of the list's orders.
const LIST_INDEXES: [&str; 3] = ["bugs_list_count", "bugs_list_first", "bugs_list_last"];

/// What the migrated history lists under node w3: bug aaaaaaaaaa alone.
fn check_step_9(db: &str) {
    let listing = json(&succeed(
        legolog().args(["history", "--db", db, "-f", "json"]),
    ));
    let ids: Vec<&str> = listing["bugs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["aaaaaaaaaa"]);
}

#[test]
fn issue_19_step_9_drops_a_merged_bugs_aggregates() {
    use legolog::history::backend::Dialect;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v8.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for step in &legolog::history::schema::migrations(Dialect::Sqlite)[..STEP_9 - 1] {
        conn.execute_batch(step).unwrap();
    }
    conn.execute_batch(MERGED_ROWS).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA application_id = 1281838183; PRAGMA user_version = {};",
        STEP_9 - 1
    ))
    .unwrap();
    let aggregates = |conn: &rusqlite::Connection| -> (i64, i64, i64, i64) {
        conn.query_row(AGGREGATES, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
    };
    assert_eq!(aggregates(&conn), (2, 1, 1, 1));
    drop(conn);
    check_step_9(path.to_str().unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(aggregates(&conn), (2, 1, 0, 0));
    let mut indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'bugs_list_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    indexes.sort();
    assert_eq!(indexes, LIST_INDEXES);
}

#[test]
fn issue_19_step_9_drops_a_merged_bugs_aggregates_postgres() {
    use legolog::history::backend::Dialect;
    let server = PgServer::start();
    let url = server.create_db("v8");
    let mut client = server.client("v8");
    for step in &legolog::history::schema::migrations(Dialect::Postgres)[..STEP_9 - 1] {
        client.batch_execute(step).unwrap();
    }
    client.batch_execute(MERGED_ROWS).unwrap();
    client
        .batch_execute(&format!(
            "CREATE TABLE legolog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO legolog_meta (key, value) VALUES ('schema_version', '{}');",
            STEP_9 - 1
        ))
        .unwrap();
    let aggregates = |client: &mut postgres::Client| -> (i64, i64, i64, i64) {
        let row = client.query_one(AGGREGATES, &[]).unwrap();
        (row.get(0), row.get(1), row.get(2), row.get(3))
    };
    assert_eq!(aggregates(&mut client), (2, 1, 1, 1));
    check_step_9(&url);
    assert_eq!(aggregates(&mut client), (2, 1, 0, 0));
    let indexes: Vec<String> = client
        .query(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'bugs_list_%' ORDER BY indexname",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(indexes, LIST_INDEXES);
}

/// A Debian build is named by its banner's `uname -v`: release, build number and the
/// distribution's version string.
#[test]
fn issue_16_debian_builds_carry_their_version_string() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("h.sqlite3");
    let db = db_path.to_str().unwrap();
    let out = json(&succeed(
        legolog()
            .args(["analyze", "--db", db, "--format", "json"])
            .arg(fixture("real/6.1-oops.log")),
    ));
    let id = out["reports"][0]["history"]["bug"].as_str().unwrap();
    let show = json(&succeed(
        legolog().args(["bug", "show", id, "--db", db, "-f", "json"]),
    ));
    assert_eq!(
        show["bug"]["builds"][0]["name"], "6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2",
        "{show}"
    );
}

/// Acceptance 4 (retention) through the commands, on the history `db`: with room for 5
/// documents, 30 crashes of one bug over 3 nodes and 3 builds keep the first, the newest, the
/// latest per node and per build and the one `bug pin` pinned, no more; the counts stay exact.
fn retention(db: &str) {
    let home = crate::util::test_home();
    std::fs::create_dir_all(home.join("config/legolog")).unwrap();
    std::fs::write(
        home.join("config/legolog/config.toml"),
        "[history]\nmax_documents = 5\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Log i: node w(i % 3), build #26 + i / 10 (#26, #27, #28 in turn).
    let logs: Vec<(PathBuf, String, u32)> = (0..30)
        .map(|i| {
            let node = format!("w{}", i % 3);
            let build = 26 + i / 10;
            (
                night(dir.path(), &format!("0401-{node}-{i}"), build, &[]),
                node,
                build,
            )
        })
        .collect();
    let record = |range: std::ops::Range<usize>| -> Vec<i64> {
        let out = json(&succeed(
            legolog()
                .args(["analyze", "--db", db, "--format", "json"])
                .args(logs[range].iter().map(|l| &l.0)),
        ));
        out["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["history"]["crash"].as_i64().unwrap_or(-1))
            .collect()
    };
    let first = record(0..15);
    // Each report names its own crash, even when one command records many logs.
    assert_eq!(first, (first[0]..first[0] + 15).collect::<Vec<i64>>());
    let id = {
        let history = json(&succeed(
            legolog().args(["history", "--db", db, "-f", "json"]),
        ));
        assert_eq!(history["bugs"].as_array().unwrap().len(), 1, "{history}");
        history["bugs"][0]["id"].as_str().unwrap().to_owned()
    };
    let show = |db: &str| {
        json(&succeed(
            legolog().args(["bug", "show", &id, "--db", db, "-f", "json"]),
        ))["bug"]
            .clone()
    };
    let kept: Vec<i64> = show(db)["crashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    // Pin one that nothing else requires: not the first, and older than every latest.
    let pinned = *kept
        .iter()
        .find(|&&c| c != first[0] && !first[12..].contains(&c))
        .unwrap_or_else(|| panic!("a crash to pin among {kept:?} ({first:?})"));
    let out = stdout(&succeed(legolog().args([
        "bug",
        "pin",
        &id,
        &pinned.to_string(),
        "--db",
        db,
    ])));
    assert!(out.contains(&format!("crash {pinned} pinned")), "{out}");
    let second = record(15..30);
    let bug = show(db);
    let crashes = bug["crashes"].as_array().unwrap();
    let ids: Vec<i64> = crashes.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let crash_of = |i: usize| if i < 15 { first[i] } else { second[i - 15] };
    let mut required = vec![crash_of(0), crash_of(29), pinned];
    for node in 0..3 {
        required.push(crash_of((0..30).rev().find(|i| i % 3 == node).unwrap()));
    }
    for build in 0..3 {
        required.push(crash_of(build * 10 + 9));
    }
    required.sort();
    required.dedup();
    for crash in &required {
        assert!(ids.contains(crash), "crash {crash} kept: {ids:?}");
    }
    // Only the required ones are kept beyond the room for 5.
    assert_eq!(ids.len(), required.len().max(5), "{ids:?} {required:?}");
    assert!(crashes
        .iter()
        .any(|c| c["id"] == pinned && c["pinned"] == true));
    assert!(bug["audit"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["what"] == "pin"));
    // Counts are never pruned.
    assert_eq!(bug["seen"], 30);
    let per = |what: &str| -> Vec<u64> {
        bug[what]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["reports"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(per("builds"), vec![10, 10, 10]);
    assert_eq!(per("nodes"), vec![10, 10, 10]);
    // A kept crash prints from the history.
    let printed = stdout(&succeed(legolog().args([
        "report",
        "--bug",
        &id,
        "--crash",
        &pinned.to_string(),
        "--db",
        db,
    ])));
    assert!(
        printed.starts_with(&format!("bug {id}, crash {pinned}: ")),
        "{printed}"
    );
}

#[test]
fn issue_16_retention_through_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    retention(dir.path().join("h.sqlite3").to_str().unwrap());
}

#[test]
fn issue_16_retention_through_the_commands_postgres() {
    let server = PgServer::start();
    retention(&server.create_db("retention"));
}
