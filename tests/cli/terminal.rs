//! Width and colour by the conventions: tables fit the terminal without cutting identifiers,
//! and colour follows `--color` > `CLICOLOR_FORCE` > `NO_COLOR` > `TERM=dumb` > terminal
//! detection. Terminal cases run under a pseudo-terminal from util-linux `script`.

use crate::util::{fixture, isolated_env, legolog};
use std::process::Command;

const ESC: &str = "\x1b[";

/// Runs `legolog ARGS` on a pseudo-terminal of `cols` columns; stdout as the terminal saw it.
fn on_tty(cols: u16, env: &[(&str, &str)], args: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin("legolog");
    let mut cmd = Command::new("script");
    cmd.arg("-qec")
        .arg(format!("stty cols {cols}; {} {args}", bin.display()))
        .arg("/dev/null");
    for (key, value) in isolated_env() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    // The width must come from the terminal itself.
    cmd.env_remove("COLUMNS").env("TERM", "xterm");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let output = cmd.output().expect("util-linux `script` runs (bsdutils)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).replace('\r', "")
}

fn strip_ansi(text: &str) -> String {
    let pattern = regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap();
    pattern.replace_all(text, "").into_owned()
}

fn table_lines(text: &str) -> Vec<String> {
    strip_ansi(text)
        .lines()
        .filter(|line| line.starts_with(['┌', '│', '╞', '└', '├']))
        .map(str::to_owned)
        .collect()
}

fn seed_args() -> String {
    format!("analyze --no-db {}", fixture("0826-w9-1.log").display())
}

#[test]
fn table_fits_an_80_column_terminal_with_identifiers_whole() {
    let out = on_tty(80, &[], &seed_args());
    let table = table_lines(&out);
    assert!(table.len() >= 4, "no table:\n{out}");
    for line in &table {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
    assert!(
        table.iter().any(|line| line.contains("mlx4_ib_poll_cq")),
        "mlx4_ib_poll_cq cut:\n{}",
        table.join("\n")
    );
    // All columns fit at 80.
    assert!(table.iter().any(|line| line.contains("frames")));
}

#[test]
fn narrow_terminal_drops_columns_or_lists_never_cuts() {
    for cols in [40, 24] {
        let out = strip_ansi(&on_tty(cols, &[], &seed_args()));
        // The table (or its list layout) and the note under it: after the per-input line,
        // which comes once the report blocks were streamed.
        let summary: Vec<&str> = out
            .lines()
            .skip_while(|line| !line.contains(" lines, "))
            .skip(1)
            .collect();
        for line in &summary {
            assert!(
                line.chars().count() <= cols as usize,
                "wider than {cols}: {line}"
            );
        }
        assert!(
            summary.iter().any(|line| line.contains("mlx4_ib_poll_cq")),
            "{cols} columns: mlx4_ib_poll_cq cut:\n{}",
            summary.join("\n")
        );
    }
}

#[test]
fn piped_tables_stay_narrow() {
    let dir = tempfile::tempdir().unwrap();
    crate::util::seed_copies(dir.path(), "0826-w9", 3);
    let out = legolog()
        .env_remove("COLUMNS")
        .args(["correlate", "--no-db"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let table = table_lines(&text);
    assert!(!table.is_empty(), "{text}");
    for line in table {
        assert!(line.chars().count() <= 100, "piped table too wide: {line}");
    }
}

#[test]
fn colour_precedence() {
    let seed = fixture("0826-w9-1.log");
    let piped = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = legolog();
        cmd.args(["analyze", "--no-db"]).args(extra).arg(&seed);
        for (key, value) in env {
            cmd.env(key, value);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    // --color always beats NO_COLOR; --color never beats CLICOLOR_FORCE.
    assert!(piped(&[("NO_COLOR", "1")], &["--color", "always"]).contains(ESC));
    assert!(!piped(&[("CLICOLOR_FORCE", "1")], &["--color", "never"]).contains(ESC));
    // Piped: no colour, unless CLICOLOR_FORCE, which beats NO_COLOR.
    assert!(!piped(&[], &[]).contains(ESC));
    assert!(piped(&[("CLICOLOR_FORCE", "1")], &[]).contains(ESC));
    assert!(piped(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]).contains(ESC));
    assert!(!piped(&[("CLICOLOR_FORCE", "0")], &[]).contains(ESC));
    // On a terminal: colour, except with NO_COLOR or TERM=dumb.
    assert!(on_tty(80, &[], &seed_args()).contains(ESC));
    assert!(!on_tty(80, &[("NO_COLOR", "1")], &seed_args()).contains(ESC));
    assert!(!on_tty(80, &[("TERM", "dumb")], &seed_args()).contains(ESC));
    assert!(on_tty(
        80,
        &[("TERM", "dumb"), ("CLICOLOR_FORCE", "1")],
        &seed_args()
    )
    .contains(ESC));
}
