//! `legolog decode`: decode_stacktrace.sh's pass-through, every input line kept in order and
//! every frame line annotated.

use crate::real_kernel::{real_kernel, real_logs};
use crate::util::{fixture, legolog, root, succeed};
use std::path::Path;

/// A line the kernel prints as a frame or RIP with `sym+off/size`: `[<addr>] ? sym+off/size`,
/// ` sym+off/size [mod]`, `RIP: 0010:sym+off/size`.
fn is_frame_line(line: &str) -> bool {
    let pattern = regex::Regex::new(
        r"(RIP: 0010:|\]  (\? )?|>\] (\? )?)[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+",
    )
    .unwrap();
    pattern.is_match(line)
}

/// Checks that `output` is `input` line for line, with only annotations added: a suffix on
/// annotated lines and disassembly lines after `Code:` lines. Returns the number of input
/// frame lines and of those annotated.
fn check_pass_through(input: &str, output: &str) -> (usize, usize) {
    let mut out = output.lines().peekable();
    let (mut frames, mut annotated) = (0, 0);
    for (idx, line) in input.lines().enumerate() {
        let got = out
            .next()
            .unwrap_or_else(|| panic!("output ends before input line {}", idx + 1));
        assert!(
            got.starts_with(line),
            "input line {} changed or out of order:\n  in:  {line}\n  out: {got}",
            idx + 1
        );
        let suffix = &got[line.len()..];
        if is_frame_line(line) {
            frames += 1;
            if suffix.starts_with(" (")
                && suffix.contains(":")
                && suffix.ends_with(|c: char| c.is_ascii_lowercase())
            {
                annotated += 1;
            } else {
                eprintln!("not annotated: {got}");
            }
        } else {
            assert!(suffix.is_empty(), "a non-frame line was changed: {got}");
        }
        if line.contains("Code: ") && !suffix.is_empty() {
            unreachable!("a Code: line itself is never changed");
        }
        // Disassembly after a Code: line: `  off:\tbytes\tinstruction`.
        while out.peek().is_some_and(|next| {
            line.contains("Code: ") && next.starts_with("  ") && next.contains(":\t")
        }) {
            out.next();
        }
    }
    assert!(out.next().is_none(), "output has lines the input has not");
    (frames, annotated)
}

fn decode(args: &[&std::ffi::OsStr], stdin: Option<&Path>) -> String {
    let mut cmd = legolog();
    cmd.arg("decode").args(args);
    if let Some(path) = stdin {
        cmd.pipe_stdin(path).unwrap();
    }
    String::from_utf8(succeed(&mut cmd).stdout).unwrap()
}

#[test]
fn seed_log_passes_through_with_every_frame_annotated() {
    let log = fixture("0826-w9-1.log");
    let vmlinux = root().join("fixtures/vmlinux/vmlinux-0826-w9-1");
    let input = std::fs::read_to_string(&log).unwrap();
    let output = decode(
        &["--vmlinux".as_ref(), vmlinux.as_os_str(), log.as_os_str()],
        None,
    );
    let (frames, annotated) = check_pass_through(&input, &output);
    assert_eq!(frames, 20, "the seed prints a RIP and 19 frames");
    assert_eq!(annotated, frames);
    assert!(output
        .contains("fit_internal_poll_sendcq+0x6c/0xe0 (net/lego/fit_internal.c:10) reliable\n"));
    // The inline chain, innermost first, as decode_stacktrace.sh lists it.
    assert!(output.contains(
        "fit_ack_reply_callback+0x185/0x1e0 (include/lego/fit_ibapi.h:8 include/lego/fit_ibapi.h:15 net/lego/fit_internal.c:32) reliable"
    ));
    assert!(output.contains("handle_bad_request+0x40/0x40 (managers/memory/core.c:14) fn-pointer"));
    // Standard input gives the same bytes.
    let from_stdin = decode(&["--vmlinux".as_ref(), vmlinux.as_os_str()], Some(&log));
    assert_eq!(from_stdin, output);
}

#[test]
fn without_an_image_lines_pass_through_unchanged() {
    let log = fixture("0826-w9-1.log");
    let output = decode(&[log.as_os_str()], None);
    assert_eq!(output, std::fs::read_to_string(&log).unwrap());
}

#[test]
fn real_logs_with_modules() {
    let real = match real_kernel() {
        Ok(real) => real,
        Err(reason) => return eprintln!("decode: {reason}, skipped the real logs"),
    };
    let mut total = 0;
    for log in real_logs() {
        let input = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
        let args = [
            "--vmlinux".as_ref(),
            real.vmlinux.as_os_str(),
            "--modules".as_ref(),
            real.modules.as_os_str(),
            log.as_os_str(),
        ];
        let output = decode(&args, None);
        let (frames, annotated) = check_pass_through(&input, &output);
        assert_eq!(annotated, frames, "{}: frames not annotated", log.display());
        total += frames;
        if input.contains("Code: ") && input.contains("RIP: 0010:") {
            assert!(
                output.contains("<-- trapping instruction"),
                "{}: no disassembly after Code:",
                log.display()
            );
        }
        let from_stdin = decode(&args[..4], Some(&log));
        assert_eq!(from_stdin, output, "{}: stdin differs", log.display());
    }
    assert!(total > 50, "only {total} frames in the real logs");
    // Found by the debug-info discovery of `analyze` (the release the log prints, under
    // --debug-root), the same annotations as with --vmlinux.
    let debug_root = real.vmlinux.ancestors().nth(5).unwrap();
    assert!(
        debug_root.join("usr/lib/debug/boot").is_dir(),
        "{}",
        debug_root.display()
    );
    let log = real_logs()
        .into_iter()
        .find(|l| l.ends_with("6.1-oops.log"))
        .unwrap();
    let given = decode(
        &[
            "--vmlinux".as_ref(),
            real.vmlinux.as_os_str(),
            "--modules".as_ref(),
            real.modules.as_os_str(),
            log.as_os_str(),
        ],
        None,
    );
    let found = decode(
        &[
            "--debug-root".as_ref(),
            debug_root.as_os_str(),
            "--modules".as_ref(),
            real.modules.as_os_str(),
            log.as_os_str(),
        ],
        None,
    );
    assert_eq!(found, given);
}
