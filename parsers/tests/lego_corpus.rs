//! Every LegoOS console log of ../shared/corpus/lego parses, and every `Call Trace:` in it
//! ends up in a report with exactly as many frames as the trace printed.
//!
//! The frame count here is taken independently of the parser: after a `Call Trace:` line,
//! every following line that carries a `[<address>]` frame or a context marker belongs to the
//! trace, until two lines in a row carry neither (other CPUs print into traces: one stray line
//! between frames does not end them).

use legolog_parsers::{ParseConfig, Parser, Report};
use std::path::{Path, PathBuf};

fn corpus_dir() -> Option<PathBuf> {
    let dir = shared_dir().join("corpus/lego");
    dir.is_dir().then_some(dir)
}

fn strip_timestamp(line: &str) -> &str {
    let trimmed = line.trim_end_matches('\r');
    if let Some(rest) = trimmed.strip_prefix('[') {
        if let Some((stamp, after)) = rest.split_once(']') {
            if stamp.trim().contains('.')
                && stamp.trim().chars().all(|c| c.is_ascii_digit() || c == '.')
            {
                return after.strip_prefix(' ').unwrap_or(after);
            }
        }
    }
    trimmed
}

fn is_frame_line(text: &str) -> bool {
    let text = text.trim_start();
    let text = text
        .strip_prefix("<IRQ>")
        .or_else(|| text.strip_prefix("<EOI>"))
        .map_or(text, str::trim_start);
    text.starts_with("[<") && text.contains(">]")
}

fn is_marker_line(text: &str) -> bool {
    matches!(text.trim(), "<TSK>" | "<EOT>" | "<IRQ>" | "<EOI>" | "<NMI>")
}

/// Frame counts of every trace in the text, in order.
fn trace_frame_counts(text: &str) -> Vec<usize> {
    let mut counts = Vec::new();
    let mut current: Option<usize> = None;
    let mut n_stray = 0;
    for line in text.lines() {
        let body = strip_timestamp(line);
        if body.trim_start().starts_with("Call Trace:") {
            if let Some(n) = current.take() {
                counts.push(n);
            }
            current = Some(0);
            continue;
        }
        if let Some(n) = current.as_mut() {
            if is_frame_line(body) {
                *n += 1;
                n_stray = 0;
            } else if is_marker_line(body) {
                n_stray = 0;
            } else {
                n_stray += 1;
                if n_stray == 2 || body.trim().is_empty() {
                    counts.push(*n);
                    current = None;
                    n_stray = 0;
                }
            }
        }
    }
    counts.extend(current);
    counts
}

fn parse(bytes: &[u8]) -> Vec<Report> {
    Parser::new(bytes, ParseConfig::standard())
        .collect::<Result<_, _>>()
        .expect("reading from memory cannot fail")
}

#[test]
fn every_trace_is_a_report_with_all_its_frames() {
    let Some(dir) = corpus_dir() else {
        eprintln!("lego_corpus: ../shared/corpus/lego not found, skipped");
        return;
    };
    let mut n_files = 0;
    let mut n_traces = 0;
    let mut failures = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        n_files += 1;
        let bytes = std::fs::read(&path).unwrap();
        let reports = parse(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        for expected in trace_frame_counts(&text) {
            n_traces += 1;
            let all_counts: Vec<usize> = reports.iter().map(|r| r.frames.len()).collect();
            if !all_counts.contains(&expected) {
                failures.push(format!(
                    "{}: a trace of {expected} frames, reports have {all_counts:?}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    eprintln!(
        "lego_corpus: {n_files} files, {n_traces} traces, {} failures",
        failures.len()
    );
    assert!(
        n_files >= 100,
        "expected the 113-file corpus, found {n_files} files"
    );
    assert!(
        failures.is_empty(),
        "traces not found whole:\n{}",
        failures.join("\n")
    );
}

#[test]
fn frame_counter_sees_the_seed_trace() {
    let seed = include_str!("../../fixtures/logs/0826-w9-1.log");
    assert_eq!(trace_frame_counts(seed), vec![19]);
}

/// `../shared` next to the workspace, or `$LEGOLOG_SHARED` (a checkout elsewhere).
fn shared_dir() -> std::path::PathBuf {
    std::env::var_os("LEGOLOG_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
        std::path::PathBuf::from,
    )
}
