//! Issue 12: hostile and endless input. Each case of the issue's "Why" reproduced: memory is
//! measured with `/usr/bin/time` (the test FAILS without it; `.ci/run` installs it), hangs run
//! under a timeout, terminal escapes are checked under a pseudo-terminal (`script`).

use crate::util::{fixture, legolog, root, test_home};
use serde_json::Value;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The memory bound of the issue: a whole `analyze` run on any single input.
const RSS_LIMIT_KB: u64 = 256 * 1024;

fn fixture_elf() -> PathBuf {
    root().join("fixtures/vmlinux/vmlinux-0826-w9-1")
}

/// Runs `legolog ARGS` under `/usr/bin/time`, feeding `stdin`; returns the output and the peak
/// RSS in KiB.
/// Writes a test's standard input.
type Feed<'a> = &'a mut dyn FnMut(&mut dyn Write);

fn measured(args: &[&OsStr], stdin: Option<Feed<'_>>) -> (Output, u64) {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "/usr/bin/time is needed to measure memory (apt-get install time)"
    );
    let home = test_home();
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(time)
        .args(["-f", "%M", "-o"])
        .arg(report.path())
        .arg(assert_cmd::cargo::cargo_bin("legolog"))
        .args(args)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(feed) = stdin {
        feed(&mut input);
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    let text = std::fs::read_to_string(report.path()).unwrap();
    let rss = text
        .lines()
        .rev()
        .find_map(|line| line.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no RSS in {text:?}"));
    (output, rss)
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {}",
            String::from_utf8_lossy(&output.stderr)
                .chars()
                .take(2000)
                .collect::<String>()
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// 47 MB of repeated report headers: a bounded number of reports kept, the rest counted, a
/// warning naming the limit, under 256 MB.
#[test]
fn issue_12_a_log_full_of_headers_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("headers.log");
    let line = b"[    1.000000] BUG: unable to handle kernel NULL pointer dereference at 0000000000000000\n";
    let log = line.repeat(47 * 1024 * 1024 / line.len());
    std::fs::write(&path, &log).unwrap();
    let (output, rss) = measured(
        &[
            "analyze".as_ref(),
            "--no-db".as_ref(),
            "-f".as_ref(),
            "json".as_ref(),
            path.as_os_str(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = json(&output);
    let input = &doc["inputs"][0];
    let kept = input["reports"].as_u64().unwrap();
    let skipped = input["skipped_reports"].as_u64().unwrap();
    assert_eq!(kept, doc["reports"].as_array().unwrap().len() as u64);
    assert!(skipped > 100_000, "{input}");
    assert_eq!(
        kept + skipped,
        input["lines"].as_u64().unwrap(),
        "one report a line"
    );
    let err = stderr(&output);
    assert!(
        err.contains("headers.log") && err.contains("max_reports"),
        "{err}"
    );
    assert!(rss < RSS_LIMIT_KB, "peak RSS {rss} KiB");
}

fn rules_file(dir: &Path, name: &str, n: usize, when: &str) -> PathBuf {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "[[rule]]\nname = \"r{i}\"\ndescription = \"d\"\n[[rule.when]]\n{when}\n\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// 300 rules with a regex that compiles huge, and 100,000 simple rules: both under 256 MB with
/// a warning naming the limit; the analysis goes on.
#[test]
fn issue_12_rules_files_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let heavy = rules_file(
        dir.path(),
        "heavy.toml",
        300,
        "text_regex = \"\\\\w{100}N\"",
    );
    let many = rules_file(dir.path(), "many.toml", 100_000, "text = \"x\"");
    for (rules, limit) in [(heavy, "max_regex_bytes"), (many, "max_rules")] {
        let (output, rss) = measured(
            &[
                "analyze".as_ref(),
                "--no-db".as_ref(),
                "--rules".as_ref(),
                rules.as_os_str(),
                "-f".as_ref(),
                "json".as_ref(),
                fixture("0826-w9-1.log").as_os_str(),
            ],
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(json(&output)["reports"].as_array().unwrap().len(), 1);
        let err = stderr(&output);
        assert!(
            err.contains(limit),
            "{limit}: {}",
            &err[..err.len().min(500)]
        );
        assert!(rss < RSS_LIMIT_KB, "{limit}: peak RSS {rss} KiB");
    }
}

/// A `.ko.zst` that inflates to hundreds of MB of zeros is refused on its first bytes (no ELF
/// magic), never inflated.
#[test]
fn issue_12_a_compressed_module_bomb_is_refused_before_inflating() {
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("bomb.ko.zst")).unwrap();
    let mut encoder = zstd::stream::write::Encoder::new(file, 1).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..512 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap();
    let (output, rss) = measured(
        &[
            "symbolize".as_ref(),
            "--vmlinux".as_ref(),
            fixture_elf().as_os_str(),
            "--modules".as_ref(),
            dir.path().as_os_str(),
            "f+0x1/0x10".as_ref(),
            "bomb".as_ref(),
        ],
        None,
    );
    let err = stderr(&output);
    assert_ne!(output.status.code(), Some(0));
    assert!(
        err.contains("bomb.ko.zst") && err.contains("not an ELF"),
        "{err}"
    );
    assert!(rss < 64 * 1024, "peak RSS {rss} KiB: the bomb was inflated");
}

/// A gzip log cut at 90%: the complete first report is kept, the damage is a warning with its
/// byte offset, the exit code is 2.
#[test]
fn issue_12_a_truncated_gz_keeps_its_first_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = std::fs::read(fixture("0826-w9-1.log")).unwrap();
    for i in 0..100_000u64 {
        log.extend_from_slice(
            format!(
                "[{i}.000000] boot chatter {:016x}\n",
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            )
            .as_bytes(),
        );
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&log).unwrap();
    let gz = encoder.finish().unwrap();
    let path = dir.path().join("cut.log.gz");
    std::fs::write(&path, &gz[..gz.len() * 9 / 10]).unwrap();
    let output = legolog()
        .args(["analyze", "--no-db", "-f", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let doc = json(&output);
    assert_eq!(doc["reports"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(
        doc["reports"][0]["title"],
        "watchdog: worker stuck in mlx4_ib_poll_cq"
    );
    let err = stderr(&output);
    assert!(
        err.contains("cut.log.gz") && err.contains("decompressed byte"),
        "{err}"
    );
    assert!(doc["inputs"][0]["stopped"].is_string());
}

/// A history that cannot be written (`--db /dev/null`): one warning, the analysis printed,
/// exit code 4.
#[test]
fn issue_12_an_unwritable_history_still_prints_the_analysis() {
    let output = legolog()
        .args(["analyze", "--db", "/dev/null", "-f", "json"])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert_eq!(json(&output)["reports"].as_array().unwrap().len(), 1);
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/dev/null"), "{err}");
}

/// A database whose trigger would run on insert (and grow the file without end) is refused
/// with one line, in bounded time, and the file is unchanged.
#[test]
fn issue_12_a_history_with_a_foreign_trigger_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    // A real history first, then the hostile trigger added to it.
    legolog()
        .args(["analyze", "--db"])
        .arg(&db)
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE junk (x);
         CREATE TRIGGER grow AFTER INSERT ON logs BEGIN
           INSERT INTO junk WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c)
           SELECT randomblob(1000) FROM c;
         END;",
    )
    .unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let mut variant = std::fs::read(fixture("0826-w9-1.log")).unwrap();
    variant.extend_from_slice(b"[187800.000000] one more line\n");
    let log = dir.path().join("0901-w9-1.log");
    std::fs::write(&log, variant).unwrap();
    let output = legolog()
        .timeout(Duration::from_secs(60))
        .args(["analyze", "--db"])
        .arg(&db)
        .arg(&log)
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(4), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("trigger `grow`"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is unchanged");
}

/// `--db` on an empty file or through a dangling symlink never creates a database there.
#[test]
fn issue_12_no_database_replaces_an_empty_file_or_follows_a_dangling_link() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.sqlite3");
    std::fs::write(&empty, b"").unwrap();
    let dangling = dir.path().join("link.sqlite3");
    let target = dir.path().join("nowhere.sqlite3");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    for db in [&empty, &dangling] {
        let output = legolog()
            .args(["analyze", "--db"])
            .arg(db)
            .arg(fixture("0826-w9-1.log"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
        assert!(!output.stdout.is_empty());
    }
    assert_eq!(std::fs::read(&empty).unwrap(), b"");
    assert!(!target.exists(), "nothing created through the link");
}

/// CR-only line endings: the seed gives the same report as with LF.
#[test]
fn issue_12_cr_only_endings() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let path = dir.path().join("cr.log");
    std::fs::write(&path, seed.replace('\n', "\r")).unwrap();
    let run = |path: &Path| {
        let output = legolog()
            .args(["analyze", "--no-db", "-f", "json"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        json(&output)
    };
    let (cr, lf) = (run(&path), run(&fixture("0826-w9-1.log")));
    assert_eq!(cr["inputs"][0]["lines"], lf["inputs"][0]["lines"]);
    assert_eq!(cr["reports"][0]["title"], lf["reports"][0]["title"]);
    assert_eq!(cr["reports"][0]["frames"], lf["reports"][0]["frames"]);
    assert_eq!(cr["reports"][0]["corrupted"], false);
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A FIFO inside a `correlate` directory, or named like a module under `--modules`, is
/// skipped: nothing blocks.
#[test]
fn issue_12_walks_never_open_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("0826-w9-1.log"), dir.path().join("0826-w9-1.log")).unwrap();
    mkfifo(&dir.path().join("pipe.log"));
    let output = legolog()
        .timeout(Duration::from_secs(60))
        .args(["correlate", "--no-db", "-f", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("pipe.log") && err.contains("not a regular file"),
        "{err}"
    );

    let modules = tempfile::tempdir().unwrap();
    mkfifo(&modules.path().join("lego_test_mod.ko"));
    let output = legolog()
        .timeout(Duration::from_secs(60))
        .args(["symbolize", "--vmlinux"])
        .arg(fixture_elf())
        .arg("--modules")
        .arg(modules.path())
        .args(["lego_test_init+0x16/0x1b", "lego_test_mod"])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert!(err.contains("not found"), "{err}");
}

/// `symbolize`: an offset past the printed size, an offset that wraps, an address outside any
/// text symbol are error lines and exit 1 (issue 10: `symbolize`'s code for failed queries);
/// the good queries are still answered.
#[test]
fn issue_12_symbolize_is_strict() {
    for bad in [
        "mlx4_ib_poll_cq+0x900/0x850",
        "mlx4_ib_poll_cq+0xffffffffffffffff/0x1",
        "mlx4_ib_poll_cq+0xffffffffffffffff",
        "0x10",
    ] {
        let output = legolog()
            .args(["symbolize", "--vmlinux"])
            .arg(fixture_elf())
            .args([bad, "mlx4_ib_poll_cq+0x1d3/0x850"])
            .output()
            .unwrap();
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{bad}: {err}");
        assert_eq!(err.lines().count(), 1, "{bad}: {err}");
        assert!(err.contains(bad.split('/').next().unwrap()), "{bad}: {err}");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            out.contains("mlx4_ib_poll_cq"),
            "{bad}: the good query is answered: {out}"
        );
    }
}

/// A 500 MB query line costs neither its size in memory nor its size on stderr.
#[test]
fn issue_12_a_huge_query_line_is_cut() {
    let vmlinux = fixture_elf();
    let (output, rss) = measured(
        &[
            "symbolize".as_ref(),
            "--vmlinux".as_ref(),
            vmlinux.as_os_str(),
        ],
        Some(&mut |stdin: &mut dyn Write| {
            let block = vec![b'z'; 1 << 20];
            for _ in 0..500 {
                if stdin.write_all(&block).is_err() {
                    return;
                }
            }
            let _ = stdin.write_all(b"\nmlx4_ib_poll_cq+0x1d3/0x850\n");
        }),
    );
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        &err[..err.len().min(500)]
    );
    assert_eq!(err.lines().count(), 1);
    assert!(err.len() < 1000, "echoed cut: {} bytes", err.len());
    assert!(err.contains("max_query_bytes"), "{err}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("mlx4_ib_poll_cq"));
    assert!(rss < 64 * 1024, "peak RSS {rss} KiB");
}

/// What a pseudo-terminal shows of `legolog ARGS` (stdout and stderr together), through
/// `script`; `None` in the environment list removes the variable.
fn on_a_terminal(args: &[&OsStr], env: &[(&str, Option<&str>)]) -> Vec<u8> {
    on_a_terminal_reading(args, env, None)
}

/// [`on_a_terminal`] with standard input read from `stdin` (else the terminal).
fn on_a_terminal_reading(
    args: &[&OsStr],
    env: &[(&str, Option<&str>)],
    stdin: Option<&Path>,
) -> Vec<u8> {
    let home = test_home();
    use std::os::unix::ffi::OsStringExt;
    let mut command = shell_quote(assert_cmd::cargo::cargo_bin("legolog").as_os_str());
    for arg in args {
        command.push(b' ');
        command.extend(shell_quote(arg));
    }
    if let Some(stdin) = stdin {
        command.extend_from_slice(b" < ");
        command.extend(shell_quote(stdin.as_os_str()));
    }
    let mut script = Command::new("script");
    script
        .args(["-q", "-e", "-c"])
        .arg(std::ffi::OsString::from_vec(command))
        .arg("/dev/null")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null());
    for (key, value) in env {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let output = script
        .output()
        .expect("`script` (util-linux) gives a pseudo-terminal");
    output.stdout
}

fn shell_quote(arg: &OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let mut quoted = vec![b'\''];
    for &b in arg.as_bytes() {
        if b == b'\'' {
            quoted.extend_from_slice(b"'\\''");
        } else {
            quoted.push(b);
        }
    }
    quoted.push(b'\'');
    quoted
}

/// Bytes that would act on a terminal: C0 controls other than newline and tab, a CR that is not
/// the terminal's own line end (CR LF), DEL, C1 controls (UTF-8 `c2 80`–`c2 9f`, and raw 8-bit
/// bytes `80`–`9f`, which a terminal in 8-bit mode obeys: found in the bytes, not through a
/// lossy decoding that would hide them), bidi overrides and isolates. legolog's progress bar
/// may redraw its line (CR, erase line); with `colour`, its own SGR sequences are allowed.
fn unsafe_bytes(shown: &[u8], colour: bool) -> Vec<String> {
    const PROGRESS_REDRAW: &[u8] = b"\r\x1b[2K";
    let own = [
        &b"\x1b[0m"[..],
        b"\x1b[1m",
        b"\x1b[2m",
        b"\x1b[31m",
        b"\x1b[33m",
    ];
    let mut found = Vec::new();
    let mut i = 0;
    while i < shown.len() {
        let b = shown[i];
        // The progress bar's own redraw: back to the line start, clear the line.
        if shown[i..].starts_with(PROGRESS_REDRAW) {
            i += PROGRESS_REDRAW.len();
            continue;
        }
        if colour && b == 0x1b {
            if let Some(sgr) = own.iter().find(|sgr| shown[i..].starts_with(sgr)) {
                i += sgr.len();
                continue;
            }
        }
        let line_end = b == b'\r' && shown.get(i + 1) == Some(&b'\n');
        if (b < 0x20 && !matches!(b, b'\n' | b'\t') && !line_end) || b == 0x7f {
            found.push(format!("byte {b:#04x} at {i}"));
        }
        i += 1;
    }
    for chunk in shown.utf8_chunks() {
        for c in chunk.valid().chars() {
            if matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                found.push(format!("{c:?}"));
            }
        }
        for &b in chunk.invalid() {
            if (0x80..=0x9f).contains(&b) {
                found.push(format!("raw byte {b:#04x}"));
            }
        }
    }
    found
}

/// No byte below 0x20 (but newline and tab), no C1 control and no bidi override reaches the
/// terminal from a hostile file name, log line or database row, in text, Markdown and errors.
#[test]
fn issue_12_nothing_unsafe_reaches_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    // The task name is shown: C1 CSI and OSC, a bidi override inside it.
    // Then raw 8-bit C1 (CSI) and a bare CR, which would move the cursor back over the line.
    let mut hostile_log = seed
        .replace(
            "Comm: thpool-worker0",
            "Comm: thpool\u{9b}2J\u{9d}0;pwned\u{202e}desrever@@",
        )
        .into_bytes();
    assert!(hostile_log.ends_with(b"\n"));
    let at = hostile_log.windows(2).position(|w| w == b"@@").unwrap();
    hostile_log.splice(at..at + 2, b"\x9b3J\rX".iter().copied());
    let name = "0826-w9-1 \x1b]0;owned\x07 \x1b[2J |x|\nname.log";
    let path = dir.path().join(name);
    std::fs::write(&path, &hostile_log).unwrap();
    // A Linux panic whose message (the title) carries raw C1, an OSC, a bare CR and UTF-8 C1.
    let panic = dir.path().join("panic \u{9b}1m.log");
    std::fs::write(
        &panic,
        b"[    0.000000] Linux version 6.1.0-56-amd64\n\
          [    1.000000] Kernel panic - not syncing: hijacked \x9b2J \x1b]0;t\x07 over\rwrite \xc2\x9b1m end\n\
          [    1.000001] CPU: 0 PID: 1 Comm: swap\x9bper/0 Not tainted 6.1.0 #1\n\
          [    1.000002] Call Trace:\n\
          [    1.000003]  <TASK>\n\
          [    1.000004]  dump_stack_lvl+0x1/0x2\n\
          [    1.000005]  panic+0x1/0x2\n\
          [    1.000006]  </TASK>\n\
          [    1.000007] ---[ end Kernel panic - not syncing: hijacked ]---\n",
    )
    .unwrap();
    let missing = dir.path().join("missing \x1b[2J\u{9b}1m.log");
    let db = dir.path().join("h.sqlite3");
    let mut shown = Vec::new();
    for format in ["text", "markdown"] {
        for colour in [Some("1"), None] {
            let run = |args: &[&OsStr]| on_a_terminal(args, &[("NO_COLOR", colour)]);
            let output = run(&[
                "analyze".as_ref(),
                "--db".as_ref(),
                db.as_os_str(),
                "-f".as_ref(),
                format.as_ref(),
                path.as_os_str(),
                missing.as_os_str(),
            ]);
            assert!(
                String::from_utf8_lossy(&output).contains("watchdog"),
                "the analysis is shown: {}",
                String::from_utf8_lossy(&output)
            );
            shown.push((format, colour.is_none(), output));
        }
    }
    // The history read back: titles and paths from the database.
    for colour in [Some("1"), None] {
        let output = on_a_terminal(
            &["history".as_ref(), "--db".as_ref(), db.as_os_str()],
            &[("NO_COLOR", colour)],
        );
        assert!(String::from_utf8_lossy(&output).contains("watchdog"));
        shown.push(("history", colour.is_none(), output));
    }
    // Every other command that shows what a log says, on both hostile logs; what each shows
    // of them (`marker`) must reach the terminal, escaped, or the check would prove nothing.
    let (log, panic_log) = (path.as_os_str(), panic.as_os_str());
    let commands: [(&str, Vec<&OsStr>, &str); 6] = [
        ("decode", vec!["decode".as_ref(), log], "pwned"),
        ("decode", vec!["decode".as_ref(), panic_log], "hijacked"),
        (
            "correlate",
            vec!["correlate".as_ref(), "--no-db".as_ref(), log, panic_log],
            "hijacked",
        ),
        (
            "report",
            vec!["report".as_ref(), "--no-db".as_ref(), log],
            "pwned",
        ),
        (
            "report",
            vec!["report".as_ref(), "--no-db".as_ref(), panic_log],
            "hijacked",
        ),
        (
            "explain",
            vec!["explain".as_ref(), "--no-db".as_ref(), log, panic_log],
            "hijacked",
        ),
    ];
    for (what, args, marker) in commands {
        for colour in [Some("1"), None] {
            let output = on_a_terminal(&args, &[("NO_COLOR", colour)]);
            assert!(
                String::from_utf8_lossy(&output).contains(marker),
                "{what}: {}",
                String::from_utf8_lossy(&output)
            );
            shown.push((what, colour.is_none(), output));
        }
    }
    // `watch` reading the panic on standard input, until it ends.
    for colour in [Some("1"), None] {
        let args = ["watch".as_ref(), "--no-db".as_ref(), "-".as_ref()];
        let output = on_a_terminal_reading(&args, &[("NO_COLOR", colour)], Some(&panic));
        assert!(
            String::from_utf8_lossy(&output).contains("hijacked"),
            "watch: {}",
            String::from_utf8_lossy(&output)
        );
        shown.push(("watch", colour.is_none(), output));
    }
    for (what, colour, output) in &shown {
        let bad = unsafe_bytes(output, *colour);
        assert!(
            bad.is_empty(),
            "{what} (colour {colour}): {bad:?} in {:?}",
            String::from_utf8_lossy(output)
        );
    }
    // The hostile parts are shown, visibly.
    let text = String::from_utf8_lossy(&shown[0].2);
    assert!(text.contains("\\x1b]0;owned\\x07"), "{text}");
    assert!(text.contains("\\u{9b}2J"), "{text}");
}

/// The `--limit` flag and its keys.
#[test]
fn issue_12_limits_are_flags() {
    let output = legolog()
        .args([
            "analyze",
            "--no-db",
            "-f",
            "json",
            "--limit",
            "max_reports=0",
        ])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let doc = json(&output);
    assert_eq!(doc["inputs"][0]["skipped_reports"], 1);
    assert!(stderr(&output).contains("max_reports"));
    let output = legolog()
        .args(["analyze", "--no-db", "--limit", "max_nothing=1"])
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown limit"));
}

/// clap's usage errors quote the user's words; a word carrying a C1 CSI, an ESC sequence or a
/// bidi override must not reach the terminal raw (an unknown command, an unexpected flag, a
/// bad value), and the exit code stays clap's 2.
#[test]
fn issue_12_usage_errors_quote_arguments_safely() {
    let hostile = "x\u{9b}31m\u{1b}]0;owned\u{7}\u{202e}y";
    let cases: Vec<Vec<String>> = vec![
        vec![hostile.to_string()],
        vec!["analyze".into(), format!("--{hostile}")],
        vec!["analyze".into(), "--format".into(), hostile.to_string()],
    ];
    for args in cases {
        let output = legolog().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}: clap said nothing");
        let found = unsafe_bytes(&output.stderr, false);
        assert!(
            found.is_empty(),
            "{args:?}: {found:?} in {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
