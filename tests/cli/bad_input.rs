//! Issue 2, acceptance 6: bad input gives a one-line error naming the file, or a report
//! flagged corrupted; never a panic.

use crate::util::{analyze_json, fixture, legolog};

fn assert_one_line_error(args: &[&std::ffi::OsStr], needle: &str) {
    let output = legolog().arg("analyze").args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "exit code 2 for {args:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.contains(needle), "{stderr:?} should name {needle:?}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn missing_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.log");
    assert_one_line_error(&[missing.as_os_str()], "nope.log: cannot open");
}

#[test]
fn directory() {
    let dir = tempfile::tempdir().unwrap();
    assert_one_line_error(&[dir.path().as_os_str()], "is a directory");
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.log");
    std::fs::write(&path, b"").unwrap();
    assert_one_line_error(&[path.as_os_str()], "empty.log: empty input");
}

#[test]
fn fifty_megabytes_of_random_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.bin");
    let mut state = 0x9e3779b97f4a7c15u64;
    let bytes: Vec<u8> = (0..50 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    std::fs::write(&path, bytes).unwrap();
    assert_one_line_error(&[path.as_os_str()], "random.bin: not a text console log");
}

#[test]
fn corrupt_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.gz");
    std::fs::write(
        &path,
        [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00],
    )
    .unwrap();
    assert_one_line_error(&[path.as_os_str()], "broken.gz");
}

#[test]
fn a_bad_input_does_not_hide_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.log");
    let output = legolog()
        .args(["analyze", "--format", "json"])
        .arg(&missing)
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["reports"].as_array().unwrap().len(), 1);
}

#[test]
fn log_cut_in_the_middle_of_a_trace_is_flagged() {
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    // Keep the header, registers and the first five frames, then cut mid-line.
    let cut: String =
        seed.lines().take(27).collect::<Vec<_>>().join("\n") + "\n[187736.857031] [<ffffffff810";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.log");
    std::fs::write(&path, cut).unwrap();
    let json = analyze_json(&[path.as_os_str()]);
    let report = &json["reports"][0];
    assert_eq!(report["kind"], "lego-watchdog");
    assert_eq!(report["corrupted"], true);
    assert!(report["corrupted_reason"]
        .as_str()
        .unwrap()
        .contains("ends inside the call trace"));
}

#[test]
fn help_documents_exit_codes() {
    let output = legolog().args(["analyze", "--help"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("Exit codes:"));
    assert!(text.contains("2  an input could not be read"));
}
