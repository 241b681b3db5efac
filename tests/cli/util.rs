//! Shared helpers for the CLI tests.

use assert_cmd::Command;
use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture log by name.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/logs").join(name)
}

/// The `legolog` binary, with colour and terminal detection neutralized.
pub fn legolog() -> Command {
    let mut cmd = Command::cargo_bin("legolog").expect("the binary is built for tests");
    cmd.env_remove("NO_COLOR").env("COLUMNS", "120");
    cmd
}

/// Runs `legolog analyze --format json ARGS…` and parses stdout.
pub fn analyze_json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let output = legolog()
        .arg("analyze")
        .arg("--format")
        .arg("json")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "legolog failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}
