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

/// Says that the running test skips as a whole because it lacks `needs` (`../shared`, `the
/// real-kernel cache`, …; `why` is the detail), on stderr and, when `LEGOLOG_TEST_SKIPS` names a
/// file, as one appended line `NEEDS<TAB>crate::test` there: `scripts/test.sh` counts those lines
/// into the one line it ends with.
pub fn skipped(needs: &str, why: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned();
    eprintln!("{test}: skipped, needs {needs}: {why}");
    if let Some(path) = std::env::var_os("LEGOLOG_TEST_SKIPS") {
        use std::io::Write;
        let line = format!("{needs}\t{}::{test}\n", env!("CARGO_CRATE_NAME"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        // One write per line: O_APPEND keeps lines from parallel tests whole.
        if let Ok(mut file) = file {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// `../shared/corpus/NAME` when it is there; otherwise the test is [`skipped`] (`None`).
pub fn shared_corpus(name: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/corpus").join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped("../shared", &format!("{} not found", dir.display()));
        None
    }
}

/// The offsets of the read-only descriptors process `pid` holds on `path` (`/proc/PID/fdinfo`):
/// where a follower such as `watch` is in the file.
pub fn read_positions(pid: u32, path: &std::path::Path) -> Vec<u64> {
    use std::os::unix::fs::MetadataExt;
    let Ok(want) = std::fs::metadata(path) else {
        return Vec::new();
    };
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let mut positions = Vec::new();
    for entry in std::fs::read_dir(proc.join("fd"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let same = std::fs::metadata(entry.path())
            .is_ok_and(|meta| meta.dev() == want.dev() && meta.ino() == want.ino());
        let Ok(info) = std::fs::read_to_string(proc.join("fdinfo").join(entry.file_name())) else {
            continue;
        };
        let field = |name: &str| {
            info.lines()
                .find_map(|line| line.strip_prefix(name))
                .map(|value| value.trim().to_owned())
        };
        let read_only = field("flags:")
            .and_then(|flags| u64::from_str_radix(&flags, 8).ok())
            .is_some_and(|flags| flags & 3 == 0);
        if let (true, true, Some(pos)) = (same, read_only, field("pos:")) {
            positions.extend(pos.parse::<u64>().ok());
        }
    }
    positions
}

/// Bounds a wait on an event so that a broken program fails its test instead of hanging it.
/// Never a measure of speed: the waits end on their event, long before.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(120);

/// Waits until process `pid` holds `path` open for reading at its current end (the file must
/// not be empty, so a descriptor that merely opened it does not count): from then on, whatever
/// is appended reaches it.
pub fn wait_until_at_end(pid: u32, path: &std::path::Path) {
    let start = std::time::Instant::now();
    loop {
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0, "{} must not be empty", path.display());
        if read_positions(pid, path).contains(&len) {
            return;
        }
        assert!(
            start.elapsed() < HANG,
            "process {pid} never reached the end of {}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Waits until process `pid` holds `path` open for reading at offset `pos`.
pub fn wait_until_at(pid: u32, path: &std::path::Path, pos: u64) {
    let start = std::time::Instant::now();
    while !read_positions(pid, path).contains(&pos) {
        assert!(
            start.elapsed() < HANG,
            "process {pid} never got to offset {pos} of {}: {:?}",
            path.display(),
            read_positions(pid, path)
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Runs `command` to its end; a run that outlives [`HANG`] is killed and fails the test (a hang,
/// not slowness).
pub fn output_or_hang(command: &mut std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = tx.send(());
        output
    });
    if rx.recv_timeout(HANG).is_err() {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("{command:?} hung: still running after {HANG:?}");
    }
    waiter.join().unwrap().expect("waits")
}
