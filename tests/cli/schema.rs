//! The JSON contract: real output validates against docs/legolog.schema.json, and every kind
//! the parser can emit is documented in docs/json.md.

use crate::util::{analyze_json, fixture, root};
use legolog_parsers::Kind;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/legolog.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema itself is valid")
}

pub fn assert_valid(document: &serde_json::Value) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn seed_output_matches_the_schema() {
    assert_valid(&analyze_json(&[fixture("0826-w9-1.log").as_os_str()]));
}

#[test]
fn lego_corpus_output_matches_the_schema() {
    let Some(dir) = crate::util::shared_corpus("lego") else {
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    paths.sort();
    let args: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
    let document = analyze_json(&args);
    assert!(document["reports"].as_array().unwrap().len() > 50);
    assert_valid(&document);
}

#[test]
fn schema_rejects_a_wrong_document() {
    let mut document = analyze_json(&[fixture("0826-w9-1.log").as_os_str()]);
    document["reports"][0]["frames"][0]["address"] = serde_json::json!(18446744071579193868u64);
    assert!(
        !validator().is_valid(&document),
        "a numeric address must be refused"
    );
}

#[test]
fn every_kind_is_documented() {
    let doc = std::fs::read_to_string(root().join("docs/json.md")).unwrap();
    for kind in Kind::ALL {
        let row = format!(
            "| `{}` | {} |",
            kind.as_str(),
            kind.description().replace('|', "\\|")
        );
        assert!(doc.contains(&row), "docs/json.md lacks the row {row}");
    }
}

/// `--format jsonl`: every line is a report, warning or summary object of the schema.
#[test]
fn jsonl_lines_match_the_schema() {
    let text = std::fs::read_to_string(root().join("docs/legolog.schema.json")).unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let object = schema.as_object_mut().unwrap();
    for key in ["type", "required", "properties"] {
        object.remove(key);
    }
    object.insert("$ref".into(), "#/$defs/jsonl_line".into());
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let output = crate::util::succeed(crate::util::legolog().args([
        "analyze",
        "--no-db",
        "--format",
        "jsonl",
        "--node",
        &format!("w9={}", fixture("0826-w9-1.log").display()),
    ]));
    let lines: Vec<serde_json::Value> = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "one report, one summary");
    assert_eq!(lines[0]["type"], "report");
    assert_eq!(lines[0]["node"], "w9");
    assert_eq!(lines[1]["type"], "summary");
    assert_eq!(lines[1]["inputs"][0]["node"], "w9");
    for line in &lines {
        let errors: Vec<String> = validator.iter_errors(line).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{line}: {errors:?}");
    }
    let warning = serde_json::json!({"type": "warning", "source": "a.log", "node": null, "message": "a.log: truncated"});
    assert!(validator.is_valid(&warning));
    let mut wrong = lines[0].clone();
    wrong["type"] = "reprot".into();
    assert!(!validator.is_valid(&wrong), "an unknown type is refused");
}

/// Issue 18: lockdep's dependency chain (kernel/locking/lockdep.c `print_circular_bug_entry`:
/// `-> #%u`, the lock, the trace that recorded it) is `lock_chain`, link by link, and the
/// report's `frames` are its final `stack backtrace:`.
#[test]
fn issue_18_lockdep_chain_is_in_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("lockdep.log");
    std::fs::write(
        &log,
        "WARNING: possible circular locking dependency detected
6.1.0 #1 Not tainted
------------------------------------------------------
syz/123 is trying to acquire lock:
ffff888012345678 (&tty->ldisc_sem){++++}-{0:0}, at: tty_ldisc_ref_wait+0x22/0x80

but task is already holding lock:
ffff888087654321 (&buf->lock){+.+.}-{3:3}, at: tty_buffer_flush+0x60/0x220

which lock already depends on the new lock.

the existing dependency chain (in reverse order) is:

-> #1 (&buf->lock){+.+.}-{3:3}:
       __mutex_lock+0x1/0x2
       tty_buffer_flush+0x60/0x220

-> #0 (&tty->ldisc_sem){++++}-{0:0}:
       lock_acquire+0x1/0x2
       tty_ldisc_ref_wait+0x22/0x80

stack backtrace:
CPU: 0 PID: 123 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x1/0x2
 tty_ldisc_ref_wait+0x22/0x80
 tty_ioctl+0x1/0x2
 </TASK>
",
    )
    .unwrap();
    let document = analyze_json(&[std::ffi::OsStr::new("--no-db"), log.as_os_str()]);
    assert_valid(&document);
    let report = &document["reports"][0];
    let symbols = |frames: &serde_json::Value| -> Vec<String> {
        frames
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["symbol"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        symbols(&report["frames"]),
        ["dump_stack_lvl", "tty_ldisc_ref_wait", "tty_ioctl"]
    );
    let chain = report["lock_chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2, "{report:#}");
    assert_eq!(chain[0]["index"], 1);
    assert_eq!(chain[0]["lock"], "(&buf->lock){+.+.}-{3:3}");
    assert_eq!(
        symbols(&chain[0]["frames"]),
        ["__mutex_lock", "tty_buffer_flush"]
    );
    assert_eq!(chain[1]["index"], 0);
    assert_eq!(
        symbols(&chain[1]["frames"]),
        ["lock_acquire", "tty_ldisc_ref_wait"]
    );
}
