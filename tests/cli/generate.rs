//! `legolog completions SHELL` and `legolog man` name every subcommand `--help` lists.

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

#[test]
fn bash_completions_parse() {
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
    for name in subcommands() {
        assert!(script.contains(&name), "bash completions lack {name}");
    }
}

#[test]
fn zsh_fish_and_man_name_every_subcommand() {
    let zsh = generated(&["completions", "zsh"]);
    let fish = generated(&["completions", "fish"]);
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
            fish.contains(&format!("-a \"{name}\"")),
            "fish completions lack {name}"
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
