//! Issue 17: grouping measured against syzbot's buckets.
//!
//! syzbot's buckets are titles, so the shared syzkaller corpus is a labelled set: two crash
//! files are the same bug when their expected `TITLE:` is equal (titles containing `corrupted`
//! name no bug and are left out). Every crash file's console log is analyzed into one fresh
//! history in one command; each file's first report gives legolog's bug, its exact signature
//! and legolog's own title. Each grouping is scored with BCubed precision, recall and F1
//! (Amigó et al. 2009; Campbell et al., MSR'16) and checked against
//! `grouping-floors.txt`, which is raised whenever the score rises.
//!
//! The corpus is `../shared` next to the checkout, or `$LEGOLOG_SHARED`.
//! `bench/grouping.sh` runs this test and shows its output. `GROUPING_SWEEP=1` also scores
//! the bugs under a range of similarity thresholds (`[grouping] similarity` in a rules file).

use crate::util::{legolog, root};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One labelled crash file.
struct Case {
    name: String,
    title: String,
    log: Vec<u8>,
}

/// The header block up to the first empty line, `KEY: value` lines; the console log after it,
/// up to an optional `REPORT:` section (the corpus's NOTICE.md).
fn read_case(path: &Path) -> Option<Case> {
    let bytes: Vec<u8> = std::fs::read(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .into_iter()
        .filter(|&b| b != b'\r')
        .collect();
    let (head, log) = if bytes.first() == Some(&b'\n') {
        (&[][..], &bytes[1..])
    } else {
        match find(&bytes, b"\n\n") {
            Some(idx) => (&bytes[..idx], &bytes[idx + 2..]),
            None => (&bytes[..], &[][..]),
        }
    };
    let log = match find(log, b"\nREPORT:\n") {
        Some(idx) => &log[..idx],
        None => log,
    };
    let title = String::from_utf8_lossy(head)
        .lines()
        .find_map(|l| l.strip_prefix("TITLE:").map(|t| t.trim().to_owned()))?;
    if title.is_empty() || title.contains("corrupted") {
        return None;
    }
    Some(Case {
        name: path.file_name()?.to_str()?.to_owned(),
        title,
        log: log.to_vec(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One scored file: its label and what legolog made of its first report.
struct Item {
    name: String,
    label: String,
    bug: String,
    signature: String,
    title: String,
}

/// What a grouping puts an item in.
type Cluster = dyn Fn(&Item) -> &str;

/// BCubed precision, recall and F1 of `cluster` against the labels.
fn bcubed(items: &[Item], cluster: &dyn Fn(&Item) -> &str) -> (f64, f64, f64) {
    let mut by_cluster: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_label: HashMap<&str, usize> = HashMap::new();
    for (idx, item) in items.iter().enumerate() {
        by_cluster.entry(cluster(item)).or_default().push(idx);
        *by_label.entry(item.label.as_str()).or_default() += 1;
    }
    let (mut precision, mut recall) = (0.0, 0.0);
    for item in items {
        let members = &by_cluster[cluster(item)];
        let same = members
            .iter()
            .filter(|&&j| items[j].label == item.label)
            .count() as f64;
        precision += same / members.len() as f64;
        recall += same / by_label[item.label.as_str()] as f64;
    }
    let n = items.len() as f64;
    let (precision, recall) = (precision / n, recall / n);
    let f1 = 2.0 * precision * recall / (precision + recall);
    (precision, recall, f1)
}

/// Analyzes every log into a fresh history (in one command) and returns the scored items.
fn analyze(dir: &Path, cases: &[Case], rules: Option<&Path>) -> Vec<Item> {
    let db = dir.join(format!(
        "h-{}.sqlite3",
        rules.map_or("builtin".into(), |p| p
            .file_name()
            .unwrap()
            .to_string_lossy())
    ));
    let _ = std::fs::remove_file(&db);
    let mut cmd = legolog();
    cmd.args(["analyze", "--format", "json", "--db"]).arg(&db);
    if let Some(rules) = rules {
        cmd.arg("--rules").arg(rules);
    }
    let logs: Vec<PathBuf> = cases.iter().map(|c| dir.join(&c.name)).collect();
    let output = cmd.args(&logs).output().expect("legolog runs");
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "analyze failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let mut first: HashMap<String, &Value> = HashMap::new();
    for report in json["reports"].as_array().expect("reports") {
        let path = report["source"]["path"].as_str().expect("source path");
        let name = Path::new(path).file_name().unwrap().to_string_lossy();
        first.entry(name.into_owned()).or_insert(report);
    }
    cases
        .iter()
        .filter_map(|case| {
            let report = first.get(&case.name)?;
            Some(Item {
                name: case.name.clone(),
                label: case.title.clone(),
                bug: report["history"]["bug"].as_str().expect("a bug").to_owned(),
                signature: report["signature"]["id"].as_str().unwrap().to_owned(),
                title: report["title"].as_str().unwrap().to_owned(),
            })
        })
        .collect()
}

/// The legolog bugs holding the most labels, and the labels spread over the most bugs.
fn print_worst(items: &[Item], n: usize) {
    let mut by_bug: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    let mut by_label: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for item in items {
        by_bug.entry(&item.bug).or_default().push(item);
        by_label.entry(&item.label).or_default().insert(&item.bug);
    }
    let mut merges: Vec<(usize, &str, &Vec<&Item>)> = by_bug
        .iter()
        .map(|(bug, members)| {
            let labels: BTreeSet<&str> = members.iter().map(|i| i.label.as_str()).collect();
            (labels.len(), *bug, members)
        })
        .filter(|(labels, _, _)| *labels > 1)
        .collect();
    merges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    println!("worst merges (legolog bug: files, distinct syzbot titles):");
    for (labels, bug, members) in merges.iter().take(n) {
        println!("  bug {bug}: {} files, {labels} titles", members.len());
        let mut shown = BTreeSet::new();
        for item in members
            .iter()
            .filter(|i| shown.insert(i.label.as_str()))
            .take(4)
        {
            println!(
                "    {} ({}; legolog: {})",
                item.label, item.name, item.title
            );
        }
    }
    let mut splits: Vec<(usize, &str)> = by_label
        .iter()
        .map(|(label, bugs)| (bugs.len(), *label))
        .filter(|(bugs, _)| *bugs > 1)
        .collect();
    splits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    println!("worst splits (syzbot title: legolog bugs):");
    for (bugs, label) in splits.iter().take(n) {
        let files: Vec<&str> = items
            .iter()
            .filter(|i| i.label == *label)
            .map(|i| i.name.as_str())
            .collect();
        println!("  {label}: {bugs} bugs (files {})", files.join(" "));
    }
}

fn read_floors() -> BTreeMap<String, f64> {
    let path = root().join("tests/cli/grouping-floors.txt");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, value) = l.split_once('=').expect("key = value");
            (
                key.trim().to_owned(),
                value.trim().parse().expect("a number"),
            )
        })
        .collect()
}

#[test]
fn issue_17_grouping_against_syzbot_buckets() {
    // The shared data sits next to the checkout (`LEGOLOG_SHARED` names it elsewhere).
    let shared = std::env::var_os("LEGOLOG_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    let corpus = shared.join("corpus/syzkaller-linux/report");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        println!("grouping: ../shared/corpus/syzkaller-linux not found, skipped");
        return;
    };
    let mut cases: Vec<Case> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|p| read_case(&p))
        .collect();
    // In the order a shell glob lists them: the first report of a bug founds it.
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    let dir = tempfile::tempdir().unwrap();
    for case in &cases {
        std::fs::write(dir.path().join(&case.name), &case.log).unwrap();
    }
    let items = analyze(dir.path(), &cases, None);
    let mut bucket_sizes: HashMap<&str, usize> = HashMap::new();
    for item in &items {
        *bucket_sizes.entry(&item.label).or_default() += 1;
    }
    let in_shared: usize = bucket_sizes.values().filter(|&&n| n > 1).sum();
    println!(
        "grouping: {} crash files with a report ({} without), {in_shared} in buckets of more than one file",
        items.len(),
        cases.len() - items.len()
    );
    println!("| grouping by | precision | recall | F1 |");
    println!("|---|---|---|---|");
    let groupings: [(&str, &str, &Cluster); 3] = [
        ("bugs", "legolog's bugs (exact + similar)", &|i| &i.bug),
        ("signatures", "exact signatures only", &|i| &i.signature),
        ("titles", "legolog's own titles", &|i| &i.title),
    ];
    let mut scores = BTreeMap::new();
    for (key, shown, cluster) in groupings {
        let (p, r, f) = bcubed(&items, cluster);
        println!("| {shown} | {p:.3} | {r:.3} | {f:.3} |");
        scores.insert(format!("{key}_precision"), p);
        scores.insert(format!("{key}_recall"), r);
        scores.insert(format!("{key}_f1"), f);
    }
    print_worst(&items, 10);

    if std::env::var_os("GROUPING_SWEEP").is_some() {
        println!("similarity sweep (bugs):");
        println!("| threshold | precision | recall | F1 |");
        println!("|---|---|---|---|");
        let thresholds = ["0.5", "0.6", "0.7", "0.75", "0.8", "0.85", "0.9", "1"];
        for across in [false, true] {
            for threshold in thresholds {
                let rules = dir.path().join(format!("rules-{threshold}-{across}.toml"));
                std::fs::write(
                    &rules,
                    format!(
                        "[grouping]\nsimilarity = {threshold}\nsimilar_across_functions = {across}\n"
                    ),
                )
                .unwrap();
                let swept = analyze(dir.path(), &cases, Some(&rules));
                let (p, r, f) = bcubed(&swept, &|i| &i.bug);
                let shown = if across {
                    format!("{threshold}, across guilty functions")
                } else {
                    threshold.to_owned()
                };
                println!("| {shown} | {p:.3} | {r:.3} | {f:.3} |");
            }
        }
    }

    let floors = read_floors();
    let mut below = Vec::new();
    for (key, floor) in &floors {
        let score = scores
            .get(key)
            .unwrap_or_else(|| panic!("grouping-floors.txt: unknown key {key}"));
        // Floors are written with three decimals, as the scores are printed.
        if (score * 1000.0).round() / 1000.0 < *floor {
            below.push(format!("{key} {score:.3} < {floor}"));
        }
    }
    assert!(below.is_empty(), "grouping below its floors: {below:?}");
}

fn bug_of(db: &Path, log: &Path) -> (String, Value) {
    let output = crate::util::succeed(
        legolog()
            .args(["analyze", "--format", "json", "--db"])
            .arg(db)
            .arg(log),
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let report = json["reports"][0].clone();
    (
        report["history"]["bug"].as_str().unwrap().to_owned(),
        report,
    )
}

/// Acceptance 4: a history recorded under signature version 2 is re-signed and regrouped on
/// the first open, keeping every report, the user's names and merges, and every old bug id.
#[test]
fn issue_17_version_2_history_is_resigned_keeping_the_users_word() {
    use crate::util::{fixture, succeed};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let runs: Vec<PathBuf> = (1..=2)
        .map(|idx| {
            let path = dir.path().join(format!("0826-w9-{idx}.log"));
            std::fs::write(&path, seed.replace("CPU: 10", &format!("CPU: {idx}"))).unwrap();
            path
        })
        .collect();
    let gone = dir.path().join("0901-w9-3.log");
    std::fs::write(&gone, seed.replace("CPU: 10", "CPU: 3")).unwrap();
    let warning = fixture("real/6.1-warning.log");
    let oops = fixture("real/6.1-oops.log");
    let lockup = fixture("real/6.1-softlockup.log");
    let mut all = runs.clone();
    all.extend([gone.clone(), warning.clone(), oops.clone(), lockup.clone()]);
    succeed(
        legolog()
            .args(["analyze", "--format", "json", "--db"])
            .arg(&db)
            .args(&all),
    );
    let (seed_bug, _) = bug_of(&db, &runs[0]);
    let (warning_bug, _) = bug_of(&db, &warning);
    let (oops_bug, _) = bug_of(&db, &oops);
    let (lockup_bug, _) = bug_of(&db, &lockup);
    assert_ne!(warning_bug, oops_bug);
    succeed(
        legolog()
            .args(["bug", "name", &seed_bug, "lost send CQE", "--db"])
            .arg(&db),
    );
    succeed(
        legolog()
            .args(["bug", "merge", &oops_bug, &warning_bug, "--db"])
            .arg(&db),
    );
    // Make it a history of signature version 2: the same rows under scheme 2, and the schema
    // as it was before step 5, which asks for the re-signing (the later steps undone too).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "UPDATE reports SET signature_version = 2;
         UPDATE signatures SET version = 2;
         UPDATE bug_index SET version = 2;
         ALTER TABLE signatures DROP COLUMN similarity;
         ALTER TABLE signatures DROP COLUMN match_rule;
         ALTER TABLE signatures DROP COLUMN review;
         DROP TABLE builtin_rules;
         DROP TABLE resign_pending;
         DROP INDEX audit_by_bug;
         ALTER TABLE audit RENAME TO bug_audit;
         DROP INDEX bug_nodes_by_node;
         DROP INDEX logs_by_node;
         DROP INDEX logs_by_run;
         DROP INDEX logs_by_date;
         DROP INDEX bug_runs_by_run;
         DROP INDEX reports_by_kernel;
         DROP INDEX bugs_list_last;
         DROP INDEX bugs_list_first;
         DROP INDEX bugs_list_count;
         DROP INDEX bugs_by_merged;
         PRAGMA user_version = 4;",
    )
    .unwrap();
    let count = |conn: &rusqlite::Connection, sql: &str| -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let reports_before = count(&conn, "SELECT COUNT(*) FROM reports");
    let logs_before = count(&conn, "SELECT COUNT(*) FROM logs");
    drop(conn);
    std::fs::remove_file(&gone).unwrap();

    let output = succeed(
        legolog()
            .args(["history", "--format", "json", "--db"])
            .arg(&db),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said = format!(
        "signature version 3: re-signed {} report(s) from their logs (1 kept",
        reports_before - 1
    );
    assert!(stderr.contains(&said), "{stderr}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM reports"), reports_before);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM logs"), logs_before);
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM reports WHERE signature_version = 3"
        ),
        reports_before - 1,
        "every report whose log is there is re-signed"
    );
    drop(conn);
    // The runs are one bug under its name; the user's merge holds; old ids resolve.
    let (new_seed, report) = bug_of(&db, &runs[1]);
    assert_eq!(report["history"]["bug_name"], "lost send CQE");
    // The report whose log is gone kept its stored signature; its stored frames are the
    // seed's, so it joins the bug as a similar match: three logs.
    assert_eq!(report["history"]["seen"], 3, "{report:#}");
    assert_eq!(bug_of(&db, &runs[0]).0, new_seed);
    let (new_warning, _) = bug_of(&db, &warning);
    assert_eq!(bug_of(&db, &oops).0, new_warning, "the user's merge holds");
    assert_ne!(bug_of(&db, &lockup).0, new_warning);
    for (old, new) in [
        (&seed_bug, &new_seed),
        (&warning_bug, &new_warning),
        (&oops_bug, &new_warning),
        (&lockup_bug, &bug_of(&db, &lockup).0),
    ] {
        let show = succeed(legolog().args(["bug", "show", old, "--db"]).arg(&db));
        let text = String::from_utf8_lossy(&show.stdout);
        assert!(text.contains(new.as_str()), "{old} → {new}: {text}");
    }
    // A new run of the seed joins by its exact version-3 signature; nothing is re-signed again.
    let third = dir.path().join("0902-w9-4.log");
    std::fs::write(&third, seed.replace("CPU: 10", "CPU: 4")).unwrap();
    let output = succeed(
        legolog()
            .args(["analyze", "--format", "json", "--db"])
            .arg(&db)
            .arg(&third),
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("re-signed"));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["reports"][0]["history"]["bug"], new_seed.as_str());
    assert_eq!(json["reports"][0]["history"]["match"], "exact");
}

/// Acceptance 2: two crash functions reached through the same caller are two bugs; the KASLR
/// twins of a real WARNING, and the seed with and without its kernel image, stay one bug;
/// the reply-flag spin (0827-w9-5) stays apart from the lost-CQE bug.
#[test]
fn issue_17_crash_function_decides_and_twins_stay_one_bug() {
    use crate::util::{fixture, succeed};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    // lkdtm's WARNING_MESSAGE warns from its own function, called like WARNING from
    // `direct_entry`: the same trace below the crash PC. Both captured from Debian's 6.1
    // kernel by scripts/real-kernel/capture.sh (scenarios warning and warning-message).
    let message = fixture("real/6.1-warning-message.log");
    let (warning_bug, warning) = bug_of(&db, &fixture("real/6.1-warning.log"));
    let (message_bug, report) = bug_of(&db, &message);
    assert_ne!(warning_bug, message_bug, "WARNING and WARNING_MESSAGE");
    assert_eq!(report["history"]["match"], "new");
    assert_eq!(report["title"], "WARNING in lkdtm_WARNING_MESSAGE");
    assert_eq!(warning["signature"]["frames"][0], "lkdtm_WARNING");
    assert_eq!(report["signature"]["frames"][0], "lkdtm_WARNING_MESSAGE");
    // The same caller: only the crash function tells them apart.
    let below = |report: &Value| report["signature"]["frames"].as_array().unwrap()[1..].to_vec();
    assert_eq!(below(&report), below(&warning));
    assert!(!below(&report).is_empty());
    let (twin_bug, report) = bug_of(&db, &fixture("real/6.1-warning-boot2.log"));
    assert_eq!(twin_bug, warning_bug, "two boots, two KASLR offsets");
    assert_eq!(report["history"]["match"], "exact");
    // The crash function of another kind through the same caller is yet another bug.
    let (oops_bug, _) = bug_of(&db, &fixture("real/6.1-oops.log"));
    assert!(oops_bug != warning_bug && oops_bug != message_bug);

    let seed = fixture("0826-w9-1.log");
    let elf = root().join("fixtures/vmlinux/vmlinux-0826-w9-1");
    let (seed_bug, _) = bug_of(&db, &seed);
    let copy = dir.path().join("0827-w9-9.log");
    std::fs::write(
        &copy,
        std::fs::read_to_string(&seed)
            .unwrap()
            .replace("CPU: 10", "CPU: 3"),
    )
    .unwrap();
    let output = succeed(
        legolog()
            .args(["analyze", "--format", "json", "--vmlinux"])
            .arg(&elf)
            .arg("--db")
            .arg(&db)
            .arg(&copy),
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["reports"][0]["history"]["bug"], seed_bug.as_str());
    assert_eq!(json["reports"][0]["history"]["match"], "exact");

    let shared = std::env::var_os("LEGOLOG_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    let spin = shared.join("corpus/lego/diary-180827-b07-0827-w9-5.log");
    if !spin.is_file() {
        println!("grouping: ../shared/corpus/lego not found, 0827-w9-5 skipped");
        return;
    }
    let (spin_bug, report) = bug_of(&db, &spin);
    assert_ne!(
        spin_bug, seed_bug,
        "the reply-flag spin is not the lost CQE"
    );
    assert_eq!(report["history"]["match"], "new");
}

/// The partition of a history's reports into bugs, as sets of `path:position`.
fn partition(db: &Path) -> BTreeSet<BTreeSet<String>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT l.path, r.position, COALESCE(b.merged_into, r.bug_id)
             FROM reports r JOIN logs l ON l.id = r.log_id JOIN bugs b ON b.id = r.bug_id",
        )
        .unwrap();
    let mut bugs: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (path, position, bug) = row.unwrap();
        bugs.entry(bug)
            .or_default()
            .insert(format!("{path}:{position}"));
    }
    bugs.into_values().collect()
}

/// Acceptance 3: over a history of both shared corpora, `rules diff` with a rule that marks
/// `fit_internal_poll_sendcq` as a prefix frame prints exactly the bugs that merge (the two
/// FIT send-CQE timeouts, whose callers decide now), writes nothing, and `rules apply` gives
/// the grouping of a fresh history recorded with that rule.
#[test]
fn issue_17_rules_diff_shows_and_apply_makes_the_grouping_of_the_rule() {
    use crate::util::succeed;
    let shared = std::env::var_os("LEGOLOG_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    let (Ok(syzkaller), Ok(lego)) = (
        std::fs::read_dir(shared.join("corpus/syzkaller-linux/report")),
        std::fs::read_dir(shared.join("corpus/lego")),
    ) else {
        println!("grouping: ../shared/corpus not found, skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut logs: Vec<PathBuf> = lego
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    for path in syzkaller.filter_map(|e| e.ok().map(|e| e.path())) {
        if let Some(case) = read_case(&path) {
            let log = dir.path().join(format!("syz-{}", case.name));
            std::fs::write(&log, &case.log).unwrap();
            logs.push(log);
        }
    }
    logs.sort();
    let rules = dir.path().join("prefix.toml");
    std::fs::write(
        &rules,
        "[[grouping.frames]]\nprefix = [\"fit_internal_poll_sendcq\"]\n",
    )
    .unwrap();
    let record = |db: &Path, with_rules: bool| {
        let mut cmd = legolog();
        cmd.args(["analyze", "--format", "json", "--db"]).arg(db);
        if with_rules {
            cmd.arg("--rules").arg(&rules);
        }
        let output = cmd.args(&logs).output().unwrap();
        assert!(output.status.code().is_some_and(|c| c <= 1));
    };
    let db = dir.path().join("h.sqlite3");
    record(&db, false);
    let before = partition(&db);

    let diff = |format: &str| {
        succeed(
            legolog()
                .args(["rules", "diff", "--format", format, "--rules"])
                .arg(&rules)
                .arg("--db")
                .arg(&db),
        )
    };
    let json: Value = serde_json::from_slice(&diff("json").stdout).unwrap();
    assert_eq!(json["applied"], false);
    let merges = json["merges"].as_array().unwrap();
    assert_eq!(merges.len(), 1, "{json:#}");
    let merged: Vec<&str> = merges[0]["bugs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        merged,
        [
            "fit: send CQE timeout in fit_internal_poll_sendcq",
            "fit: send CQE timeout in fit_internal_poll_sendcq"
        ]
    );
    assert_eq!(json["splits"], serde_json::json!([]));
    assert_eq!(json["moved_reports"], 2);
    assert_eq!(
        json["bugs_after"].as_u64().unwrap() + 1,
        json["bugs_before"].as_u64().unwrap()
    );
    let text = String::from_utf8(diff("text").stdout).unwrap();
    assert!(text.contains("merge: 2 bugs would become one"), "{text}");
    assert_eq!(partition(&db), before, "diff writes nothing");

    let output = succeed(
        legolog()
            .args(["rules", "apply", "--rules"])
            .arg(&rules)
            .arg("--db")
            .arg(&db),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("merge: 2 bugs did become one"));
    let fresh = dir.path().join("fresh.sqlite3");
    record(&fresh, true);
    let applied = partition(&db);
    assert_ne!(applied, before);
    assert_eq!(
        applied,
        partition(&fresh),
        "apply = a fresh history under the rule"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let audit: String = conn
        .query_row(
            "SELECT new_value FROM audit WHERE what = 'rules apply' AND bug_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audit.contains("prefix.toml"), "{audit}");
}

/// Item 6: the review queue. Reports attached by a similar match are listed weakest first,
/// with both frame lists aligned, their similarity and the rule that decided; `bug confirm`
/// takes one out of the queue, `bug split` moves one to a bug of its own; both are audited.
#[test]
fn issue_17_review_queue_confirm_and_split() {
    use crate::util::{fixture, succeed};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let rules = dir.path().join("loose.toml");
    std::fs::write(&rules, "[grouping]\nsimilarity = 0.6\n").unwrap();
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    // One frame of five differs (0.8), twice with the same signature; two frames (0.6).
    let variants = [
        (
            "0827-w9-2.log",
            seed.replace("fit_ack_reply_callback", "fit_other_callback"),
        ),
        (
            "0827-w9-3.log",
            seed.replace("fit_ack_reply_callback", "fit_other_callback")
                .replace("CPU: 10", "CPU: 3"),
        ),
        (
            "0828-w9-4.log",
            seed.replace("fit_ack_reply_callback", "fit_far_callback")
                .replace("thpool_worker_func", "thpool_far_func"),
        ),
    ];
    let mut logs = vec![fixture("0826-w9-1.log")];
    for (name, text) in &variants {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        logs.push(path);
    }
    let bug = |log: &Path| {
        let output = succeed(
            legolog()
                .args(["analyze", "--format", "json", "--rules"])
                .arg(&rules)
                .arg("--db")
                .arg(&db)
                .arg(log),
        );
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        json["reports"][0]["history"].clone()
    };
    let histories: Vec<Value> = logs.iter().map(|log| bug(log)).collect();
    let seed_bug = histories[0]["bug"].as_str().unwrap().to_owned();
    for history in &histories[1..] {
        assert_eq!(history["bug"], seed_bug.as_str(), "{history:#}");
    }
    assert_eq!(histories[1]["match"], "similar");
    assert_eq!(histories[2]["match"], "exact", "the same signature again");
    assert_eq!(histories[3]["match"], "similar");

    let bug_cmd = |args: &[&str]| {
        let mut cmd = legolog();
        cmd.arg("bug")
            .args(args)
            .arg("--db")
            .arg(&db)
            .arg("--by")
            .arg("tester");
        cmd
    };
    let review = || -> Value {
        serde_json::from_slice(&succeed(&mut bug_cmd(&["review", "--format", "json"])).stdout)
            .unwrap()
    };
    let json = review();
    let queue = json["attachments"].as_array().unwrap();
    assert_eq!(queue.len(), 2, "{json:#}");
    // Weakest first.
    assert!(
        (queue[0]["similarity"].as_f64().unwrap() - 0.6).abs() < 1e-9,
        "{json:#}"
    );
    assert!(
        (queue[1]["similarity"].as_f64().unwrap() - 0.8).abs() < 1e-9,
        "{json:#}"
    );
    assert_eq!(
        queue[1]["rule"],
        "similarity >= 0.60 ([grouping] similarity)"
    );
    assert_eq!(queue[1]["bug"], seed_bug.as_str());
    assert_eq!(queue[1]["reports"], 2, "both logs of the one-frame variant");
    assert_eq!(queue[1]["example"]["run"], "0827-w9-2");
    let aligned = queue[1]["aligned"].as_array().unwrap();
    assert_eq!(aligned.len(), 5, "{json:#}");
    assert!(
        aligned.contains(&serde_json::json!([
            "fit_other_callback",
            "fit_ack_reply_callback"
        ])),
        "{json:#}"
    );
    assert_eq!(queue[1]["frames"][0], queue[1]["founder_frames"][0]);
    let text = String::from_utf8(succeed(&mut bug_cmd(&["review"])).stdout).unwrap();
    assert!(
        text.starts_with("2 similar match(es) waiting for review"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("fit_other_callback"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.starts_with("  ~ fit_other_callback"), "{text}");
    assert!(
        line.trim_end().ends_with("fit_ack_reply_callback"),
        "{text}"
    );

    // Confirm the one-frame variant: it leaves the queue, audited on the bug.
    let near = queue[1]["signature"].as_str().unwrap()[..12].to_owned();
    let far = queue[0]["signature"].as_str().unwrap()[..12].to_owned();
    let output = succeed(&mut bug_cmd(&["confirm", &near]));
    assert!(String::from_utf8_lossy(&output.stdout).contains("confirmed signature"));
    let json = review();
    assert_eq!(json["attachments"].as_array().unwrap().len(), 1, "{json:#}");
    assert_eq!(
        json["attachments"][0]["signature"].as_str().unwrap()[..12],
        far
    );
    bug_cmd(&["confirm", "ffffffffffff"]).assert().failure();
    // A regrouping under the same rules keeps the confirmation.
    succeed(
        legolog()
            .args(["rules", "apply", "--rules"])
            .arg(&rules)
            .arg("--db")
            .arg(&db),
    );
    let json = review();
    assert_eq!(json["attachments"].as_array().unwrap().len(), 1, "{json:#}");
    assert_eq!(
        json["attachments"][0]["signature"].as_str().unwrap()[..12],
        far
    );

    // Split the two-frame variant: it becomes a bug of its own, its reports with it.
    succeed(&mut bug_cmd(&["split", &far]));
    assert_eq!(review()["attachments"], serde_json::json!([]));
    // (`rules apply` gave the bug a new id; the old one resolves to it.)
    let seed_now = bug(&logs[0])["bug"].clone();
    let moved = bug(&logs[3]);
    assert_ne!(moved["bug"], seed_now);
    assert_eq!(bug(&logs[2])["bug"], seed_now, "the confirmed one stays");
    let show: Value = serde_json::from_slice(
        &succeed(&mut bug_cmd(&["show", &seed_bug, "--format", "json"])).stdout,
    )
    .unwrap();
    let audit: Vec<(&str, &str)> = show["bug"]["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["what"].as_str().unwrap(), a["who"].as_str().unwrap()))
        .collect();
    assert!(audit.contains(&("confirm", "tester")), "{show:#}");
    assert!(audit.contains(&("split", "tester")), "{show:#}");
}

/// Item 4: a `[[grouping.fingerprint]]` rule gives the reports it matches one fixed bug key,
/// whatever their frames; the built-in skip list is a rules file (rules/grouping.toml); and
/// `explain` names the rule, and the file, that touched each frame.
#[test]
fn issue_17_fingerprint_rules_and_explain_names_each_rule() {
    use crate::util::{fixture, succeed};
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("fp.toml");
    std::fs::write(
        &rules,
        "[[grouping.frames]]\nskip = [\"thpool_worker_func\"]\n\n\
         [[grouping.fingerprint]]\nkey = \"fit-send-cqe\"\n\
         [[grouping.fingerprint.when]]\nframes = [{ glob = \"*_poll_sendcq\", trust = \"any\" }]\n",
    )
    .unwrap();
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    // Three frames of five differ: another bug by its frames.
    let other = dir.path().join("0827-w9-2.log");
    std::fs::write(
        &other,
        seed.replace("fit_send_message_with_rdma_write_with_imm_request", "fit_a")
            .replace("fit_ack_reply_callback", "fit_b")
            .replace("thpool_worker_func", "fit_c"),
    )
    .unwrap();
    let analyze = |db: &Path, with_rules: bool, log: &Path| -> Value {
        let mut cmd = legolog();
        cmd.args(["analyze", "--format", "json", "--db"]).arg(db);
        if with_rules {
            cmd.arg("--rules").arg(&rules);
        }
        serde_json::from_slice(&succeed(cmd.arg(log)).stdout).unwrap()
    };
    let plain = dir.path().join("plain.sqlite3");
    let a = analyze(&plain, false, &fixture("0826-w9-1.log"));
    let b = analyze(&plain, false, &other);
    assert_ne!(
        a["reports"][0]["history"]["bug"],
        b["reports"][0]["history"]["bug"]
    );
    let db = dir.path().join("fp.sqlite3");
    let a = analyze(&db, true, &fixture("0826-w9-1.log"));
    let b = analyze(&db, true, &other);
    let warning = analyze(&db, true, &fixture("real/6.1-warning.log"));
    assert_eq!(a["reports"][0]["signature"]["basis"], "fingerprint");
    assert_eq!(
        a["reports"][0]["signature"]["frames"],
        serde_json::json!(["fit-send-cqe"])
    );
    assert_eq!(
        a["reports"][0]["history"]["bug"],
        b["reports"][0]["history"]["bug"]
    );
    assert_eq!(b["reports"][0]["history"]["match"], "exact");
    assert_ne!(warning["reports"][0]["signature"]["basis"], "fingerprint");
    assert_ne!(
        warning["reports"][0]["history"]["bug"],
        a["reports"][0]["history"]["bug"]
    );
    crate::schema::assert_valid(&a);

    // Without the fingerprint, explain names each rule and its file.
    let frames_only = dir.path().join("frames.toml");
    std::fs::write(
        &frames_only,
        "[[grouping.frames]]\nskip = [\"thpool_worker_func\"]\n",
    )
    .unwrap();
    let explain = |rules: &Path| -> String {
        let output = succeed(
            legolog()
                .args(["explain", "--no-db", "--rules"])
                .arg(rules)
                .arg(fixture("0826-w9-1.log")),
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let text = explain(&frames_only);
    let line = |name: &str| -> String {
        text.lines()
            .find(|l| {
                let l = l.trim_start();
                (l.starts_with("+ ") || l.starts_with("- ")) && l[2..].starts_with(name)
            })
            .unwrap_or_else(|| panic!("{name}: {text}"))
            .to_owned()
    };
    assert!(
        line("thpool_worker_func").ends_with(&format!(
            "skip rule: thpool_worker_func ({})",
            frames_only.display()
        )),
        "{text}"
    );
    assert!(
        line("ret_from_fork").ends_with("skip list: ret_from_fork* (built-in rules/grouping.toml)"),
        "{text}"
    );
    let text = explain(&rules);
    assert!(
        text.contains(&format!(
            "fingerprint rule: fit-send-cqe ({}) matched",
            rules.display()
        )),
        "{text}"
    );
}

/// Item 5: a legolog whose built-in grouping rules differ from those a history was grouped
/// under re-signs and regroups it once, at its first open, and says what merged and split.
/// (The history is recorded under a fingerprint rule, then its stored digest of the built-in
/// rules is made another: opened without the rule, the two reports part.)
#[test]
fn issue_17_changed_builtin_rules_regroup_once_and_print_the_diff() {
    use crate::util::{fixture, succeed};
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let rules = dir.path().join("fp.toml");
    std::fs::write(
        &rules,
        "[[grouping.fingerprint]]\nkey = \"fit-send-cqe\"\n\
         [[grouping.fingerprint.when]]\nframes = [{ glob = \"*_poll_sendcq\", trust = \"any\" }]\n",
    )
    .unwrap();
    let seed = fixture("0826-w9-1.log");
    let other = dir.path().join("0827-w9-2.log");
    std::fs::write(
        &other,
        std::fs::read_to_string(&seed)
            .unwrap()
            .replace("fit_send_message_with_rdma_write_with_imm_request", "fit_a")
            .replace("fit_ack_reply_callback", "fit_b")
            .replace("thpool_worker_func", "fit_c"),
    )
    .unwrap();
    succeed(
        legolog()
            .args(["analyze", "--format", "json", "--rules"])
            .arg(&rules)
            .arg("--db")
            .arg(&db)
            .arg(&seed)
            .arg(&other),
    );
    let digest = |db: &Path| -> String {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("SELECT digest FROM builtin_rules", [], |r| r.get(0))
            .unwrap()
    };
    let ours: String =
        sha2::Sha256::digest(std::fs::read(root().join("rules/grouping.toml")).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    assert_eq!(digest(&db), ours, "a new history knows its built-in rules");
    let history = || {
        let output = succeed(legolog().args(["history", "--db"]).arg(&db));
        String::from_utf8(output.stderr).unwrap()
    };
    assert!(
        !history().contains("re-signed"),
        "same rules: nothing to do"
    );
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE builtin_rules SET digest = 'an older legolog'", [])
        .unwrap();
    let said = history();
    assert!(
        said.contains(
            "the built-in grouping rules changed: re-signed 2 report(s) from their logs (0 kept"
        ),
        "{said}"
    );
    assert!(said.contains("1 bug(s) before, 2 after"), "{said}");
    assert!(
        said.lines()
            .any(|l| l.contains("split: bug ") && l.ends_with("did part in 2")),
        "{said}"
    );
    assert_eq!(digest(&db), ours);
    assert!(!history().contains("re-signed"), "once");
}

/// One audit table (schema step 7): the lifecycle's `bug_audit` and the `audit` of
/// `rules apply` become one, keeping every row; `bug show` still lists a bug's rows.
#[test]
fn issue_17_audit_tables_become_one_keeping_every_row() {
    use crate::util::succeed;
    use legolog::history::backend::Dialect;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    for step in &legolog::history::schema::migrations(Dialect::Sqlite)[..6] {
        conn.execute_batch(step).unwrap();
    }
    conn.execute_batch(
        "DELETE FROM resign_pending;
         INSERT INTO bugs (id, public_id, kind, title, labels, n_logs, first_seen, last_seen)
             VALUES (1, 'aaaaaaaaaa', 'kasan', 'KASAN: x', '', 0, '2026-12-01', '2026-12-01');
         INSERT INTO bug_audit (bug_id, at, who, what, old_value, new_value)
             VALUES (1, 100, 'ann@lab', 'invalid', 'open', 'invalid: setup');
         INSERT INTO bug_audit (bug_id, at, who, what, old_value, new_value)
             VALUES (1, 50, 'bob@lab', 'reopen', 'invalid: setup', 'open');
         INSERT INTO audit (at, action, detail) VALUES (70, 'rules apply', 'fit.toml: 2 bug(s) before');
         PRAGMA application_id = 1281838183; PRAGMA user_version = 6;",
    )
    .unwrap();
    drop(conn);
    let show = succeed(
        legolog()
            .args(["bug", "show", "aaaaaaaaaa", "--format", "json", "--db"])
            .arg(&db),
    );
    let json: Value = serde_json::from_slice(&show.stdout).unwrap();
    let audit: Vec<(&str, &str)> = json["bug"]["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["who"].as_str().unwrap(), a["what"].as_str().unwrap()))
        .collect();
    assert_eq!(
        audit,
        [("ann@lab", "invalid"), ("bob@lab", "reopen")],
        "a bug's rows, in their order"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'bug_audit'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
    // bug_id, at, who, what, new_value.
    type Row = (Option<i64>, i64, String, String, Option<String>);
    let rows: Vec<Row> = conn
        .prepare("SELECT bug_id, at, who, what, new_value FROM audit ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[2],
        (
            None,
            70,
            "unknown".to_owned(),
            "rules apply".to_owned(),
            Some("fit.toml: 2 bug(s) before".to_owned())
        )
    );
}
