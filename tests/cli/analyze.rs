//! `legolog analyze`: the seed log, output formats, stdin and compressed inputs.

use crate::util::{analyze_json, fixture, legolog};
use serde_json::Value;
use std::io::Write;

fn seed_report() -> Value {
    let json = analyze_json(&[fixture("0826-w9-1.log").as_os_str()]);
    assert_eq!(json["version"], 3);
    let reports = json["reports"].as_array().expect("reports array");
    assert_eq!(reports.len(), 1, "exactly one report in the seed log");
    reports[0].clone()
}

/// Issue 2, acceptance 1: every field the user named, on their own log.
#[test]
fn issue_2_seed_watchdog_report() {
    let report = seed_report();
    assert_eq!(report["kind"], "lego-watchdog");
    assert_eq!(report["cpu"], 10);
    assert_eq!(report["pid"], 20);
    assert_eq!(report["comm"], "thpool-worker0");
    assert_eq!(report["kernel"], "4.0.0-lego+ #26");
    assert_eq!(report["lego"]["op"], "0x30000000");
    assert_eq!(report["lego"]["src_nid"], 0);
    assert_eq!(report["lego"]["worker"], 0);
    let rip = &report["rip"];
    assert_eq!(rip["symbol"], "mlx4_ib_poll_cq");
    assert_eq!(rip["offset"], 0x1d3);
    assert_eq!(rip["size"], 0x850);
    assert_eq!(rip["address"], "0xffffffff810522c3");
    assert_eq!(report["registers"]["RAX"], "0x00000000fffffff5");
    assert_eq!(report["registers"]["EFLAGS"], "0x00000286");
    assert_eq!(report["stack_words"].as_array().unwrap().len(), 20);
    let frames = report["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 19);
    let n_reliable = frames.iter().filter(|f| f["reliable"] == true).count();
    assert_eq!((n_reliable, frames.len() - n_reliable), (6, 13));
    let first = &frames[0];
    assert_eq!(first["symbol"], "fit_internal_poll_sendcq");
    assert_eq!(first["offset"], 0x6c);
    assert_eq!(first["size"], 0xe0);
    assert_eq!(first["address"], "0xffffffff8106920c");
    assert_eq!(first["context"], "task");
    assert!(report["title"]
        .as_str()
        .unwrap()
        .contains("mlx4_ib_poll_cq"));
    assert_eq!(report["corrupted"], false);
    assert_eq!(report["source"]["line_start"], 1);
    assert_eq!(report["source"]["line_end"], 40);
}

#[test]
fn seed_stack_words_and_frame_lines() {
    let report = seed_report();
    let words = report["stack_words"].as_array().unwrap();
    assert_eq!(words[0], "0x0000000ffc53fddc");
    assert_eq!(words[19], "0xffff88103e81b008");
    let frames = report["frames"].as_array().unwrap();
    assert_eq!(frames[0]["line"], 22);
    assert_eq!(frames[18]["line"], 40);
    assert_eq!(frames[18]["symbol"], "ret_from_fork");
}

#[test]
fn inputs_count_lines_and_unclaimed_lines() {
    let json = analyze_json(&[fixture("0826-w9-1.log").as_os_str()]);
    let input = &json["inputs"][0];
    assert_eq!(input["lines"], 40);
    assert_eq!(input["reports"], 1);
    assert_eq!(input["unclaimed_lines"], 0);
}

/// Issue 2, acceptance 5: stdin gives what the path gives.
#[test]
fn issue_2_stdin_equals_path() {
    let path = fixture("0826-w9-1.log");
    let by_path = legolog().arg("analyze").arg(&path).output().unwrap();
    // Standard input redirected from the file: not a live input (a pipe would stamp the
    // report with its arrival time and count the stream in the history before it ends).
    let by_stdin = crate::util::legolog_std()
        .arg("analyze")
        .arg("-")
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert!(by_path.status.success() && by_stdin.status.success());
    let path_text = String::from_utf8(by_path.stdout).unwrap();
    let stdin_text = String::from_utf8(by_stdin.stdout).unwrap();
    // Only the name of the input differs, and the node its run name gives.
    assert!(path_text.contains("    node: w9\n"));
    assert_eq!(
        path_text
            .replace(&path.display().to_string(), "-")
            .replace("    node: w9\n", ""),
        stdin_text
    );
    // The run name column too.
    assert!(stdin_text.contains("watchdog: worker stuck in mlx4_ib_poll_cq"));
}

/// Issue 2, acceptance 5: compressed copies give the same JSON.
#[test]
fn issue_2_compressed_inputs_give_the_same_json() {
    let plain = std::fs::read(fixture("0826-w9-1.log")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&plain).unwrap();
        enc.finish().unwrap()
    };
    let xz = {
        let mut enc = xz2::write::XzEncoder::new(Vec::new(), 6);
        enc.write_all(&plain).unwrap();
        enc.finish().unwrap()
    };
    let zst = zstd::encode_all(&plain[..], 3).unwrap();
    let expected = strip_paths(analyze_json(&[fixture("0826-w9-1.log").as_os_str()]));
    // Names without the usual suffixes: detection is by content.
    for (name, bytes) in [("a", gz), ("b", xz), ("c", zst)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let got = strip_paths(analyze_json(&[path.as_os_str()]));
        assert_eq!(got, expected, "compressed copy {name}");
    }
}

fn strip_paths(mut json: Value) -> Value {
    // The node comes from the file name too.
    for input in json["inputs"].as_array_mut().unwrap() {
        input["path"] = Value::Null;
        input["node"] = Value::Null;
    }
    for report in json["reports"].as_array_mut().unwrap() {
        report["source"]["path"] = Value::Null;
        report["node"] = Value::Null;
    }
    json
}

#[test]
fn several_inputs_keep_their_order() {
    let seed = fixture("0826-w9-1.log");
    let json = analyze_json(&[seed.as_os_str(), seed.as_os_str()]);
    assert_eq!(json["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(json["reports"].as_array().unwrap().len(), 2);
}

/// Issue 2, acceptance 4: a table, a trace with `?` marks, no colour when piped or NO_COLOR.
#[test]
fn issue_2_text_output_for_people() {
    let output = legolog()
        .arg("analyze")
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("┌"), "a table:\n{text}");
    assert!(text.contains("lego-watchdog"));
    assert!(text.contains("? fit_send_reply_with_rdma_write_with_imm+0x25f/0x3a0"));
    assert!(text.contains("  fit_internal_poll_sendcq+0x6c/0xe0"));
    assert!(!text.contains('\x1b'), "no colour when piped");
    let forced = legolog()
        .args(["analyze", "--color", "always"])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert!(String::from_utf8(forced.stdout).unwrap().contains('\x1b'));
    // Issue 10: the flag beats the environment (`--color` > CLICOLOR_FORCE > NO_COLOR).
    let no_color = legolog()
        .env("NO_COLOR", "1")
        .args(["analyze", "--color", "always"])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert!(String::from_utf8(no_color.stdout).unwrap().contains('\x1b'));
}

/// Issue 2, acceptance 4: a Markdown section per report.
#[test]
fn issue_2_markdown_sections() {
    let output = legolog()
        .args(["analyze", "--format", "markdown"])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let sections: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        sections,
        vec!["## 1. watchdog: worker stuck in mlx4\\_ib\\_poll\\_cq"]
    );
    assert!(text.contains("| kind | `lego-watchdog` |"));
    assert!(text.contains("? fit_send_reply_with_rdma_write_with_imm+0x25f/0x3a0"));
}
