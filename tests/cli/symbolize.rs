//! Issue 3 with the fixture ELF: `--vmlinux` on the seed log, mismatch detection, modules,
//! bad images, and `legolog symbolize` against GNU addr2line.

use crate::util::{fixture, legolog, root};
use serde_json::Value;
use std::path::PathBuf;

fn fixture_elf() -> PathBuf {
    root().join("fixtures/vmlinux/vmlinux-0826-w9-1")
}

/// `legolog analyze --no-db --format json ARGS…`: (status code, stdout JSON, stderr).
fn analyze(args: &[&std::ffi::OsStr]) -> (Option<i32>, Value, String) {
    let output = legolog()
        .args(["analyze", "--no-db", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    (output.status.code(), json, stderr)
}

fn seed_with_fixture() -> Value {
    let (code, json, stderr) = analyze(&[
        "--vmlinux".as_ref(),
        fixture_elf().as_os_str(),
        fixture("0826-w9-1.log").as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "", "no warnings for the matching ELF");
    json["reports"][0].clone()
}

/// Issue 3, acceptance 1: every frame symbolized, verdicts exactly as the fixture was designed
/// (fixtures/vmlinux/README.md).
#[test]
fn issue_3_seed_against_the_fixture_elf() {
    let report = seed_with_fixture();
    assert_eq!(report["kaslr_slide"], "0x0");
    assert_eq!(report["warnings"], serde_json::json!([]));
    let rip = &report["rip"];
    assert_eq!(rip["verdict"], "reliable");
    let rip_chain: Vec<&str> = rip["location"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["function"].as_str().unwrap())
        .collect();
    assert_eq!(rip_chain, ["mlx4_ib_poll_one", "mlx4_ib_poll_cq"]);
    let designed = [
        "reliable",
        "plausible",
        "stale",
        "stale",
        "plausible",
        "stale",
        "stale",
        "stale",
        "plausible",
        "plausible",
        "stale",
        "reliable",
        "reliable",
        "plausible",
        "reliable",
        "fn-pointer",
        "reliable",
        "fn-pointer",
        "reliable",
    ];
    let frames = report["frames"].as_array().unwrap();
    let verdicts: Vec<&str> = frames
        .iter()
        .map(|f| f["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, designed);
    for frame in frames {
        let location = frame["location"].as_array().unwrap();
        assert!(
            !location.is_empty(),
            "frame {} has a location",
            frame["symbol"]
        );
        let innermost = &location[0];
        assert!(innermost["file"]
            .as_str()
            .unwrap()
            .ends_with(['c', 'h', 'S']));
        assert!(innermost["line"].as_u64().unwrap() > 0);
        assert!(
            !innermost["file"].as_str().unwrap().starts_with('/'),
            "relative to the tree"
        );
        // The outermost entry is the function that holds the address.
        let outer = location.last().unwrap()["function"].as_str().unwrap();
        let verdict = frame["verdict"].as_str().unwrap();
        if verdict != "fn-pointer" {
            assert_eq!(outer, frame["symbol"].as_str().unwrap());
        }
    }
    // The three-level inline chain of fit_ack_reply_callback+0x185.
    let chain: Vec<&str> = frames[12]["location"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["function"].as_str().unwrap())
        .collect();
    assert_eq!(
        chain,
        ["fit_do_send_ack", "fit_reply_ack", "fit_ack_reply_callback"]
    );
    // fn-pointer frames resolve at the address itself: the next function's first line.
    assert_eq!(frames[15]["location"][0]["function"], "thpool_worker_func");
    // The one Stack: word in kernel text is the return address of frame 1.
    let stack_verdicts = report["stack_verdicts"].as_array().unwrap();
    assert_eq!(stack_verdicts.len(), 20);
    assert_eq!(stack_verdicts[14], "plausible");
    assert_eq!(stack_verdicts.iter().filter(|v| !v.is_null()).count(), 1);
    assert_eq!(report["register_notes"]["RAX"], "-EAGAIN (32-bit)");
    assert!(
        report["register_notes"].get("EFLAGS").is_none(),
        "flags are not addresses"
    );
}

/// A KASLR shift of every address is found and undone.
#[test]
fn kaslr_slide_is_inferred() {
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let shifted = seed
        .replace("ffffffff810", "ffffffff830")
        .replace("ffffffff811", "ffffffff831");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shifted.log");
    std::fs::write(&path, shifted).unwrap();
    let (code, json, stderr) = analyze(&[
        "--vmlinux".as_ref(),
        fixture_elf().as_os_str(),
        path.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let report = &json["reports"][0];
    assert_eq!(report["kaslr_slide"], "0x2000000");
    assert_eq!(report["frames"][0]["verdict"], "reliable");
    assert_eq!(
        report["frames"][0]["location"][0]["file"],
        "net/lego/fit_internal.c"
    );
}

/// Issue 3, acceptance 3: the fixture ELF against a real Linux log is a mismatch, reported
/// once, and nothing is symbolized into wrong answers.
#[test]
fn issue_3_foreign_vmlinux_is_a_mismatch() {
    let (code, json, stderr) = analyze(&[
        "--vmlinux".as_ref(),
        fixture_elf().as_os_str(),
        fixture("real/6.1-oops.log").as_os_str(),
    ]);
    assert_eq!(code, Some(0));
    assert!(stderr.contains("does not match the log"), "{stderr}");
    let report = &json["reports"][0];
    let warnings = report["warnings"].as_array().unwrap();
    assert!(warnings
        .iter()
        .any(|w| w.as_str().unwrap().contains("does not match")));
    for frame in report["frames"].as_array().unwrap() {
        assert!(
            frame["location"].as_array().unwrap().is_empty(),
            "no location for {frame}"
        );
        assert!(["mismatch", "unknown"].contains(&frame["verdict"].as_str().unwrap()));
    }
    // Each distinct warning is printed once, however many frames hit it.
    let lines: Vec<&str> = stderr.lines().collect();
    let mut unique = lines.clone();
    unique.dedup();
    assert_eq!(lines.len(), unique.len());
}

/// Module frames resolve through the module's own symbols and relocated DWARF.
#[test]
fn module_frames_are_symbolized() {
    let log = "[    1.000000] WARNING: CPU: 0 PID: 1 at drivers/misc/lego_test-mod.c:5 lego_test_do_action+0x19/0x20 [lego_test_mod]\n\
               [    1.000001] Call Trace:\n\
               [    1.000002]  <TASK>\n\
               [    1.000003]  lego_test_init+0x16/0x1b [lego_test_mod]\n\
               [    1.000004]  </TASK>\n";
    let dir = tempfile::tempdir().unwrap();
    let modules = dir.path().join("lib/modules/6.1.0/kernel/drivers/misc");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::copy(
        root().join("fixtures/vmlinux/lego_test-mod.ko"),
        modules.join("lego_test-mod.ko"),
    )
    .unwrap();
    let path = dir.path().join("module.log");
    std::fs::write(&path, log).unwrap();
    let (code, json, stderr) = analyze(&[
        "--vmlinux".as_ref(),
        fixture_elf().as_os_str(),
        "--modules".as_ref(),
        dir.path().as_os_str(),
        path.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let frame = &json["reports"][0]["frames"][0];
    assert_eq!(frame["module"], "lego_test_mod");
    assert_eq!(frame["verdict"], "reliable");
    assert_eq!(frame["location"][0]["function"], "lego_test_init");
    assert!(frame["location"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("lego_test-mod.c"));
}

/// Issue 3, acceptance 4: unusable images are one-line warnings; the analysis still completes.
#[test]
fn issue_3_bad_vmlinux_files() {
    let dir = tempfile::tempdir().unwrap();
    let elf = std::fs::read(fixture_elf()).unwrap();
    let not_elf = dir.path().join("not-elf");
    std::fs::write(&not_elf, b"this is not an ELF file\n").unwrap();
    let truncated = dir.path().join("truncated");
    std::fs::write(&truncated, &elf[..elf.len().min(1000)]).unwrap();
    let mut aarch64 = elf.clone();
    aarch64[18] = 0xb7; // e_machine = EM_AARCH64
    aarch64[19] = 0x00;
    let other_arch = dir.path().join("aarch64");
    std::fs::write(&other_arch, aarch64).unwrap();
    let missing = dir.path().join("missing");
    for bad in [&not_elf, &truncated, &other_arch, &missing] {
        let (code, json, stderr) = analyze(&[
            "--vmlinux".as_ref(),
            bad.as_os_str(),
            fixture("0826-w9-1.log").as_os_str(),
        ]);
        assert_eq!(code, Some(2), "{bad:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line for {bad:?}: {stderr}");
        assert!(
            stderr.contains(&bad.display().to_string()),
            "names the file: {stderr}"
        );
        assert!(stderr.contains("continuing without symbols"));
        let report = &json["reports"][0];
        assert_eq!(report["kind"], "lego-watchdog", "the analysis completed");
        assert_eq!(report["frames"][0]["verdict"], "unknown");
    }
}

/// A stripped ELF falls back to the symbol table and says so once.
#[test]
fn stripped_elf_falls_back_to_the_symbol_table() {
    let dir = tempfile::tempdir().unwrap();
    let stripped = dir.path().join("vmlinux-stripped");
    let status = std::process::Command::new("objcopy")
        .arg("--strip-debug")
        .arg(fixture_elf())
        .arg(&stripped)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("stripped_elf: objcopy not available, skipped");
        return;
    }
    let (code, json, stderr) = analyze(&[
        "--vmlinux".as_ref(),
        stripped.as_os_str(),
        fixture("0826-w9-1.log").as_os_str(),
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no DWARF"), "{stderr}");
    let frame = &json["reports"][0]["frames"][0];
    assert_eq!(frame["verdict"], "reliable", "verdicts need no DWARF");
    assert_eq!(frame["location"][0]["function"], "fit_internal_poll_sendcq");
    assert!(frame["location"][0]["file"].is_null());
}

/// A module that fails to decompress is a warning naming it; the rest is symbolized.
#[test]
fn broken_compressed_module_is_a_warning() {
    let log =
        "[    1.000000] Call Trace:\n[    1.000001]  lego_test_init+0x16/0x1b [lego_test_mod]\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lego_test_mod.ko.xz"),
        b"\xfd7zXZ\x00garbage",
    )
    .unwrap();
    let path = dir.path().join("module.log");
    std::fs::write(&path, log).unwrap();
    let (code, json, stderr) = analyze(&[
        "--vmlinux".as_ref(),
        fixture_elf().as_os_str(),
        "--modules".as_ref(),
        dir.path().as_os_str(),
        path.as_os_str(),
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("lego_test_mod"), "{stderr}");
    assert_eq!(json["reports"][0]["frames"][0]["verdict"], "unknown");
}

/// `legolog symbolize` prints what `addr2line -f -i -p` prints (paths relative to the tree).
#[test]
fn symbolize_agrees_with_addr2line() {
    let addrs = [
        "0xffffffff81069ab4",
        "0xffffffff810522c3",
        "0xffffffff8106920b",
        "0xffffffff8102bd00",
    ];
    let ours = legolog()
        .args(["symbolize", "--vmlinux"])
        .arg(fixture_elf())
        .args(addrs)
        .output()
        .unwrap();
    assert!(ours.status.success());
    let ours = String::from_utf8(ours.stdout).unwrap();
    let Ok(oracle) = std::process::Command::new("addr2line")
        .args(["-f", "-i", "-p", "-e"])
        .arg(fixture_elf())
        .args(addrs)
        .output()
    else {
        eprintln!("symbolize: addr2line not available, skipped");
        return;
    };
    let oracle = String::from_utf8(oracle.stdout)
        .unwrap()
        .replace("/build/lego/", "");
    assert_eq!(ours, oracle);
    assert!(ours.contains(" (inlined by) fit_ack_reply_callback at net/lego/fit_internal.c:32"));
}

#[test]
fn symbolize_by_symbol_and_offset() {
    let output = legolog()
        .args(["symbolize", "--vmlinux"])
        .arg(fixture_elf())
        .arg("mlx4_ib_poll_cq+0x1d3/0x850")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text,
        "mlx4_ib_poll_one at drivers/infiniband/hw/mlx4/cq.c:9\n (inlined by) mlx4_ib_poll_cq at drivers/infiniband/hw/mlx4/cq.c:16\n"
    );
}

/// A vmlinux that does not match has no say in the signature: it stays the one the kernel's
/// own `?` marks give.
#[test]
fn foreign_vmlinux_leaves_signatures_alone() {
    let log = fixture("real/6.1-warning.log");
    let (_, plain, _) = analyze(&[log.as_os_str()]);
    let (_, foreign, _) = analyze(&[
        "--vmlinux".as_ref(),
        fixture_elf().as_os_str(),
        log.as_os_str(),
    ]);
    assert_eq!(foreign["reports"][0]["frames"][1]["verdict"], "mismatch");
    assert_eq!(
        plain["reports"][0]["signature"]["id"],
        foreign["reports"][0]["signature"]["id"]
    );
}

/// Issue 10: `symbolize` as addr2line and llvm-symbolizer users expect.
mod addr2line_habits {
    use super::fixture_elf;
    use crate::util::legolog;

    fn symbolize(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
        let output = legolog()
            .arg("symbolize")
            .arg("-e")
            .arg(fixture_elf())
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    #[test]
    fn pasted_trace_lines_resolve() {
        // Acceptance 4, and the other shapes the kernel prints, with or without a timestamp.
        let lines = "[<ffffffff8106920c>] fit_internal_poll_sendcq+0x6c/0xe0\n\
                     [187736.822416] [<ffffffff8106ab2f>] ? fit_send_reply_with_rdma_write_with_imm+0x25f/0x3a0\n\
                     \x20kthread+0xf6/0x120\n\
                     [    1.000000] RIP: 0010:mlx4_ib_poll_cq+0x1d3/0x850\n";
        let (code, out, err) = symbolize(&[], lines);
        assert_eq!(code, Some(0), "{err}");
        let firsts: Vec<&str> = out.lines().filter(|l| !l.starts_with(' ')).collect();
        assert_eq!(firsts.len(), 4, "{out}");
        assert!(firsts[0].starts_with("fit_internal_poll_sendcq at net/lego/fit_internal.c:"));
        assert!(firsts[1].contains("net/lego/fit_internal.c:"), "{out}");
        assert!(
            firsts[2].starts_with("kthread at kernel/kthread.c:"),
            "{out}"
        );
        assert!(
            out.contains("mlx4_ib_poll_cq at drivers/infiniband/hw/mlx4/cq.c:16"),
            "{out}"
        );
    }

    #[test]
    fn unknown_symbols_and_modules_fail_per_query() {
        let (code, out, err) = symbolize(
            &["-a", "-f", "-i", "-p"],
            "nosuch_function+0x1/0x2\n0xffffffff8106920c\nfoo+0x1/0x2 nosuchmod\n",
        );
        assert_eq!(code, Some(1), "some queries failed: {err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "one answer per query, in order: {out}");
        assert_eq!(lines[0], "??: ?? ??:0");
        assert!(lines[1].starts_with("0xffffffff8106920c: fit_internal_poll_sendcq at "));
        let errors: Vec<&str> = err.lines().collect();
        assert_eq!(errors.len(), 2, "{err}");
        assert!(
            errors[0].contains("nosuch_function+0x1/0x2") && errors[0].contains("no such symbol")
        );
        assert!(errors[1].contains("nosuchmod"), "{err}");
    }

    #[test]
    fn output_styles() {
        let (code, out, _) = symbolize(
            &["--output-style=LLVM", "-a"],
            "mlx4_ib_poll_cq+0x1d3/0x850\n",
        );
        assert_eq!(code, Some(0));
        assert_eq!(
            out,
            "0xffffffff810522c3\nmlx4_ib_poll_one\ndrivers/infiniband/hw/mlx4/cq.c:9:2\nmlx4_ib_poll_cq\ndrivers/infiniband/hw/mlx4/cq.c:16:2\n\n"
        );
        let (code, out, _) = symbolize(
            &["--output-style", "json"],
            "nosuch+0x1\n0xffffffff8106920c\n",
        );
        assert_eq!(code, Some(1));
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["version"], 3);
        assert!(json["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("no such symbol"));
        assert_eq!(
            json["results"][1]["location"][0]["function"],
            "fit_internal_poll_sendcq"
        );
        assert!(json["results"][1].get("error").is_none());
        let (code, _, err) = symbolize(&["--output-style", "yaml"], "0x1\n");
        assert_eq!(code, Some(2), "{err}");
    }

    #[test]
    fn help_shows_its_own_exit_codes() {
        let out = legolog().args(["symbolize", "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("some queries were not"), "{help}");
        assert!(!help.contains("every input was read"), "{help}");
    }
}
