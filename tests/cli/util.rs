//! Shared helpers for the CLI tests.

use assert_cmd::Command;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture log by name.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/logs").join(name)
}

/// A home of its own for the running test (named after the test's thread), emptied once per
/// test process: `XDG_DATA_HOME` and `XDG_CONFIG_HOME` point inside it, so no test ever reads
/// or writes the real user's history or rules, and tests do not see each other's history.
pub fn test_home() -> PathBuf {
    static CLEANED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let name = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .replace("::", "-");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-home")
        .join(&name);
    let mut cleaned = CLEANED.lock().unwrap_or_else(|e| e.into_inner());
    if cleaned.get_or_insert_with(HashSet::new).insert(name) {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creates the test home");
    }
    dir
}

/// The environment every test run of `legolog` gets: colour and terminal detection
/// neutralized (`COLUMNS=120`), the XDG directories inside [`test_home`], no debuginfod and no
/// user history. `None` removes the variable.
pub fn isolated_env() -> Vec<(&'static str, Option<std::ffi::OsString>)> {
    let home = test_home();
    vec![
        ("NO_COLOR", None),
        ("CLICOLOR_FORCE", None),
        ("CLICOLOR", None),
        ("COLUMNS", Some("120".into())),
        ("HOME", Some(home.clone().into())),
        ("XDG_DATA_HOME", Some(home.join("data").into())),
        ("XDG_CONFIG_HOME", Some(home.join("config").into())),
        ("XDG_CACHE_HOME", Some(home.join("cache").into())),
        ("DEBUGINFOD_URLS", None),
        ("DEBUGINFOD_CACHE_PATH", None),
        ("LEGOLOG_DB", None),
    ]
}

/// The `legolog` binary in the [`isolated_env`].
pub fn legolog() -> Command {
    let mut cmd = Command::cargo_bin("legolog").expect("the binary is built for tests");
    for (key, value) in isolated_env() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd
}

/// [`legolog`] as a plain `std::process::Command`, for tests that need its pipes or stdin.
pub fn legolog_std() -> std::process::Command {
    let cmd = legolog();
    let mut std_cmd = std::process::Command::new(cmd.get_program());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => std_cmd.env(key, value),
            None => std_cmd.env_remove(key),
        };
    }
    std_cmd
}

/// Runs a command that must succeed; on failure the assertion shows its stderr.
pub fn succeed(cmd: &mut Command) -> std::process::Output {
    let output = cmd.output().expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs `legolog analyze --format json ARGS…` and parses stdout.
pub fn analyze_json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let output = succeed(legolog().args(["analyze", "--format", "json"]).args(args));
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// `n` logs of the seed's bug in `dir/prefix/`, each with its own content (the content is the
/// identity) and a run name `0826-w<n % 16>-<n>`.
pub fn seed_copies(dir: &std::path::Path, prefix: &str, n: usize) -> PathBuf {
    let logs = dir.join(prefix);
    std::fs::create_dir_all(&logs).unwrap();
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    for idx in 0..n {
        let text = format!("{seed}[    {idx}.000000] {prefix} run {idx} done\n");
        std::fs::write(logs.join(format!("0826-w{}-{idx}.log", idx % 16)), text).unwrap();
    }
    logs
}
