//! `legolog completions SHELL` complete every subcommand `--help` lists (bash and fish are run),
//! and `legolog man` has a section for each.

use crate::util::{legolog, succeed};
use std::io::Write;
use std::process::{Command, Stdio};

/// The subcommands `legolog --help` lists under `Commands:`.
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(succeed(legolog().arg("--help")).stdout).unwrap();
    let names: Vec<String> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(
        names.len() >= 10,
        "too few subcommands in --help: {names:?}"
    );
    names
}

fn generated(args: &[&str]) -> String {
    String::from_utf8(succeed(legolog().args(args)).stdout).unwrap()
}

/// Completes the last of `words` (after `legolog`) the way bash does on Tab: the generated
/// script is sourced, and the function it registers for `legolog` (`complete -p`) is called
/// with `COMP_WORDS`/`COMP_CWORD` set. Returns `COMPREPLY`.
fn bash_complete(script: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legolog.bash");
    std::fs::write(&path, script).unwrap();
    let program = r#"
        source "$1"; shift
        function=$(complete -p legolog | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
        [ -n "$function" ] || { echo "no completion registered for legolog" >&2; exit 1; }
        COMP_WORDS=(legolog "$@")
        COMP_CWORD=$#
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        "$function" legolog "$cur" "$prev"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let output = Command::new("bash")
        .args(["--norc", "-c", program, "bash"])
        .arg(&path)
        .args(words)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completions_complete() {
    let script = generated(&["completions", "bash"]);
    let mut bash = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    bash.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let status = bash.wait_with_output().unwrap();
    assert!(
        status.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    // Tab after `legolog `: every subcommand --help lists.
    let offered = bash_complete(&script, &[""]);
    for name in subcommands() {
        assert!(
            offered.contains(&name),
            "Tab does not offer {name}: {offered:?}"
        );
    }
    // A prefix completes to its one subcommand; an option and its values complete too.
    assert_eq!(bash_complete(&script, &["ana"]), ["analyze"]);
    assert_eq!(bash_complete(&script, &["analyze", "--form"]), ["--format"]);
    let mut formats = bash_complete(&script, &["analyze", "--format", ""]);
    formats.sort();
    assert_eq!(formats, ["json", "jsonl", "markdown", "text"]);
    assert!(bash_complete(&script, &["nosuchcommand"]).is_empty());
}

/// What fish offers for `line` (`complete -C`) with the generated script sourced: the words,
/// without their descriptions.
fn fish_complete(script: &str, line: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legolog.fish");
    std::fs::write(&path, script).unwrap();
    let output = Command::new("fish")
        .args(["--no-config", "-c", "source $argv[1]; complete -C $argv[2]"])
        .arg(&path)
        .arg(line)
        .output()
        .expect("fish runs (Debian package `fish`; scripts/test.sh installs it)");
    assert!(
        output.status.success(),
        "fish: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split('\t').next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn fish_completions_complete() {
    let script = generated(&["completions", "fish"]);
    let offered = fish_complete(&script, "legolog ");
    for name in subcommands() {
        assert!(
            offered.contains(&name),
            "fish does not offer {name}: {offered:?}"
        );
    }
    assert_eq!(fish_complete(&script, "legolog ana"), ["analyze"]);
    let mut formats = fish_complete(&script, "legolog analyze --format ");
    formats.sort();
    assert_eq!(formats, ["json", "jsonl", "markdown", "text"]);
}

/// zsh completion needs a line editor to run (zpty), so its script is only checked to name
/// every subcommand; bash and fish complete for real above.
#[test]
fn zsh_and_man_name_every_subcommand() {
    let zsh = generated(&["completions", "zsh"]);
    let man = generated(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH legolog"),
        "not roff"
    );
    for name in subcommands() {
        assert!(
            zsh.contains(&format!("'{name}:")),
            "zsh completions lack {name}"
        );
        assert!(
            man.contains(&format!("LEGOLOG {}", name.to_uppercase())),
            "the man page has no section for {name}"
        );
    }
    // The other shells generate too.
    for shell in ["elvish", "powershell"] {
        assert!(generated(&["completions", shell]).contains("decode"));
    }
    assert!(
        legolog()
            .args(["completions", "tcsh"])
            .output()
            .unwrap()
            .status
            .code()
            == Some(2)
    );
}
