//! Chunk boundaries never change the reports: the push-based [`Scanner`] fed in chunks of
//! random sizes (plainly, and with each chunk's triggers found beforehand) gives the same
//! reports and counters as [`Parser`] reading the whole file, on
//! the seed, the real logs, the LegoOS corpus and the syzkaller corpus (when ../shared is
//! present), and on random mixes of report lines.

use legolog_parsers::{ParseConfig, Parser, Scanner, Triggers};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

#[path = "common/skip.rs"]
mod skip;

/// Every report and the final counters, rendered for comparison.
fn whole(bytes: &[u8], config: &ParseConfig) -> String {
    let mut parser = Parser::new(bytes, config.clone());
    let mut out = String::new();
    for report in parser.by_ref() {
        out.push_str(&format!(
            "{:?}\n",
            report.expect("reading a slice cannot fail")
        ));
    }
    out.push_str(&format!("{:?}\n", parser.stats()));
    out
}

/// The same through the push interface, cut at the given sizes (cycled), each chunk pushed
/// both plainly and with its [`Triggers`] found beforehand, in all or in part (as the default
/// path finds them on another thread): the two must agree, and the plain one is returned.
fn chunked(bytes: &[u8], config: &ParseConfig, sizes: &[usize]) -> String {
    let plain = chunked_with(bytes, config, sizes, false);
    let ahead = chunked_with(bytes, config, sizes, true);
    assert_eq!(
        ahead, plain,
        "push_found differs from push in chunks of {sizes:?}"
    );
    plain
}

fn chunked_with(bytes: &[u8], config: &ParseConfig, sizes: &[usize], ahead: bool) -> String {
    let mut scanner = Scanner::new(config.clone());
    let mut out = String::new();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes[i % sizes.len()].clamp(1, rest.len());
        let (chunk, after) = rest.split_at(size);
        if ahead {
            // The search ahead covers the whole chunk, none of it, or its head up to some line
            // (the rest is searched by the scanner), as two threads share it.
            let head = match i % 3 {
                0 => chunk.len(),
                1 => 0,
                _ => i.wrapping_mul(7919) % chunk.len(),
            };
            scanner.push_found(chunk, &Triggers::find_head(chunk, head));
        } else {
            scanner.push(chunk);
        }
        while let Some(report) = scanner.pop() {
            out.push_str(&format!("{report:?}\n"));
        }
        rest = after;
        i += 1;
    }
    scanner.finish();
    while let Some(report) = scanner.pop() {
        out.push_str(&format!("{report:?}\n"));
    }
    out.push_str(&format!("{:?}\n", scanner.stats()));
    out
}

/// A config whose line limit is small enough for the corpora to have long lines.
fn short_lines() -> ParseConfig {
    ParseConfig {
        max_line_len: 100,
        ..ParseConfig::standard()
    }
}

/// Every log under `dir`, sorted.
fn logs(dir: PathBuf) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable log directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_none_or(|e| e != "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A tiny deterministic generator, so a failure names its sizes.
fn sizes(seed: u64, n: usize, max: u64) -> Vec<usize> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % max + 1) as usize
        })
        .collect()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_log_gives_the_same_reports_in_any_chunks() {
    let files = logs(root().join("fixtures/logs"));
    assert!(
        files.iter().any(|p| p.ends_with("0826-w9-1.log")),
        "the seed log is missing"
    );
    same_reports_in_any_chunks(&files);
}

#[test]
fn every_corpus_log_gives_the_same_reports_in_any_chunks() {
    let shared = root().join("../shared/corpus");
    if !shared.is_dir() {
        return skip::skipped("../shared", "../shared/corpus not found");
    }
    same_reports_in_any_chunks(&logs(shared));
}

fn same_reports_in_any_chunks(files: &[PathBuf]) {
    for (n, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).expect("readable log");
        for config in [ParseConfig::standard(), short_lines()] {
            let expected = whole(&bytes, &config);
            let cuts = sizes(n as u64, 64, 300);
            assert_eq!(
                chunked(&bytes, &config, &cuts),
                expected,
                "{} in chunks of {cuts:?}",
                path.display()
            );
        }
    }
}

#[test]
fn the_seed_in_single_bytes() {
    let seed = include_bytes!("../../fixtures/logs/0826-w9-1.log");
    for config in [ParseConfig::standard(), short_lines()] {
        assert_eq!(chunked(seed, &config, &[1]), whole(seed, &config));
    }
}

#[test]
fn a_final_end_marker_hands_the_report_out_at_once() {
    let mut scanner = Scanner::new(ParseConfig::standard());
    scanner.push(b"Kernel panic - not syncing: Fatal exception\nCall Trace:\n f+0x1/0x2\n");
    assert!(scanner.pop().is_none(), "the trace may go on");
    assert!(scanner.in_progress());
    scanner.push(b"---[ end Kernel panic - not syncing: Fatal exception ]---\n");
    let report = scanner.pop().expect("the final marker ends the report");
    assert_eq!(report.frames.len(), 1);
    assert!(!scanner.in_progress());
}

#[test]
fn the_next_header_hands_the_report_out_without_more_input() {
    let mut scanner = Scanner::new(ParseConfig::standard());
    scanner.push(b"WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\nCall Trace:\n g+0x1/0x2\n");
    assert!(scanner.pop().is_none());
    // The header line of the next report is incomplete, but its start is enough to tell.
    scanner.push(b"BUG: unable to handle page fault for address: 0\n");
    assert_eq!(
        scanner.pop().expect("closed by the next header").title,
        "WARNING in g"
    );
    scanner.flush();
    assert!(
        scanner.pop().is_some(),
        "flush finishes the report in progress"
    );
    assert!(!scanner.in_progress());
}

const SEED: &str = include_str!("../../fixtures/logs/0826-w9-1.log");

fn fragment() -> impl Strategy<Value = String> {
    let mut lines: Vec<String> = SEED.lines().map(str::to_owned).collect();
    lines.extend(
        [
            "Call Trace:",
            " <IRQ>",
            " </IRQ>",
            " <TASK>",
            " </TASK>",
            "---[ end trace 0000000000000000 ]---",
            "---[ end Kernel panic - not syncing: Fatal exception ]---",
            "WARNING: CPU: 0 PID: 1 at mm/slab.c:1 f+0x1/0x2",
            "Oops: 0002 [#1] SMP MEMORY",
            "Kernel panic - not syncing: Fatal exception",
            "[   10.000000][ T100]  ? foo+0x10/0x20 [mod abcdef]",
            "[   10.000000][ T200] BUG: KASAN: use-after-free in f+0x1/0x2",
            "[   10.000000][ T200]  g+0x1/0x2",
            "RIP: 0010:native_safe_halt+0xb/0x10",
            "",
            "x",
        ]
        .map(str::to_owned),
    );
    prop_oneof![
        8 => proptest::sample::select(lines),
        1 => "[ -~]{0,300}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_logs_in_random_chunks(
        lines in proptest::collection::vec(fragment(), 0..80),
        cuts in proptest::collection::vec(1usize..200, 1..20),
        final_newline in any::<bool>(),
    ) {
        let mut log = lines.join("\n");
        if final_newline {
            log.push('\n');
        }
        for config in [ParseConfig::standard(), short_lines()] {
            prop_assert_eq!(chunked(log.as_bytes(), &config, &cuts), whole(log.as_bytes(), &config));
        }
    }
}

#[test]
fn a_snapshot_of_the_report_in_progress_leaves_it_open() {
    let seed = include_bytes!("../../fixtures/logs/0826-w9-1.log");
    let mut scanner = Scanner::new(ParseConfig::standard());
    let half = seed.len() / 2;
    scanner.push(&seed[..half]);
    let snapshot = scanner.provisional();
    assert_eq!(snapshot.len(), 1, "the watchdog report is in progress");
    assert!(scanner.in_progress(), "a snapshot does not close it");
    assert!(scanner.pop().is_none());
    scanner.push(&seed[half..]);
    scanner.finish();
    let report = scanner.pop().expect("the whole report");
    assert!(report.frames.len() > snapshot[0].frames.len());
    assert_eq!(report.span.start, snapshot[0].span.start);
    assert_eq!(
        format!("{report:?}"),
        whole(seed, &ParseConfig::standard())
            .lines()
            .next()
            .unwrap()
    );
}
