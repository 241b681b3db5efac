//! The parser never panics and never loses count of lines, whatever the bytes.

use legolog_parsers::{ParseConfig, Parser};
use proptest::prelude::*;

const SEED: &str = include_str!("../../fixtures/logs/0826-w9-1.log");

/// Lines a report is made of, plus noise, to build adversarial logs from.
fn fragments() -> Vec<String> {
    let mut lines: Vec<String> = SEED.lines().map(str::to_owned).collect();
    lines.extend(
        [
            "Call Trace:",
            " <IRQ>",
            " </TASK>",
            "---[ end trace 0000000000000000 ]---",
            "WARNING: CPU: 0 PID: 1 at mm/slab.c:1 f+0x1/0x2",
            "BUG: unable to handle kernel NULL pointer dereference at 0000000000000008",
            "Oops: 0002 [#1] SMP MEMORY",
            "Kernel panic - not syncing: Fatal exception",
            "task:kworker/0:1    state:I stack:0     pid:18    ppid:2      flags:0x00004000",
            "NMI backtrace for cpu 1",
            "[   10.000000][ T100]  ? foo+0x10/0x20 [mod abcdef]",
            "Code: 48 89 e5 <0f> 0b",
            "\u{1b}[31m",
            "",
            "*****",
            "***** Fail to to get the CQE from send_cq after 20 seconds!",
            "[<ffffffffffffffff>] ? 0xffffffffffffffff",
            "RIP: 0010:[<",
            "Stack:",
            "ffffffffffffffff ffffffffffffffff ffffffffffffffff",
        ]
        .map(str::to_owned),
    );
    lines
}

/// Lines as the parser splits them: LF endings, or CR endings when a bare CR (one followed by a
/// byte other than LF) comes before the first LF.
fn count_lines(bytes: &[u8]) -> u64 {
    let first_lf = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let cr_endings = bytes[..first_lf]
        .windows(2)
        .any(|pair| pair[0] == b'\r' && pair[1] != b'\n');
    if cr_endings {
        let lines: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == b'\r' { b'\n' } else { b })
            .collect();
        return count_lf_lines(&lines);
    }
    count_lf_lines(bytes)
}

fn count_lf_lines(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

fn check_invariants(bytes: &[u8], config: ParseConfig) {
    let mut parser = Parser::new(bytes, config);
    let mut last_end = 0;
    for report in parser.by_ref() {
        let report = report.expect("reading memory cannot fail");
        assert!(report.span.start <= report.span.end);
        assert!(report.span.start > last_end, "reports do not overlap");
        last_end = report.span.end;
        for frame in report.frames.iter().chain(report.rip.iter()) {
            assert!(frame.line >= report.span.start && frame.line <= report.span.end);
        }
    }
    let stats = parser.stats();
    assert_eq!(stats.lines, count_lines(bytes));
    assert!(stats.unclaimed_lines <= stats.lines);
}

fn small_config() -> ParseConfig {
    ParseConfig {
        max_line_len: 100,
        max_excerpt_lines: 10,
        max_report_lines: 30,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_invariants(&bytes, ParseConfig::standard());
        check_invariants(&bytes, small_config());
    }

    #[test]
    fn shuffled_report_lines(picks in proptest::collection::vec((0usize..64, 0usize..200, any::<bool>()), 0..120)) {
        let fragments = fragments();
        let mut log = Vec::new();
        for (idx, cut, crlf) in picks {
            let line = &fragments[idx % fragments.len()];
            let cut = cut.min(line.len());
            let cut = (0..=cut).rev().find(|&c| line.is_char_boundary(c)).unwrap_or(0);
            log.extend_from_slice(&line.as_bytes()[..cut]);
            log.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        check_invariants(&log, ParseConfig::standard());
        check_invariants(&log, small_config());
    }
}
