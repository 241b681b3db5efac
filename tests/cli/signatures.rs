//! Issue 4, acceptance 1: variants of one bug share one signature, different bugs never do,
//! and `cq-stall` labels exactly the send-CQ stalls.

use crate::util::{fixture, legolog, succeed};
use regex::{Captures, Regex};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One way real runs of the same bug differ.
#[derive(Debug, Clone, Copy)]
enum Change {
    OtherCpu,
    OtherWorker,
    Timestamps,
    StackWords,
    Kaslr,
    GuessedFrames,
    IsraSuffixes,
}

const ALL_CHANGES: [Change; 7] = [
    Change::OtherCpu,
    Change::OtherWorker,
    Change::Timestamps,
    Change::StackWords,
    Change::Kaslr,
    Change::GuessedFrames,
    Change::IsraSuffixes,
];

fn apply(text: &str, change: Change, seed: u64) -> String {
    match change {
        Change::OtherCpu => {
            let cpu = 1 + seed % 23;
            let text = Regex::new(r"CPU(: ?| )?(\d+)")
                .unwrap()
                .replace_all(text, |c: &Captures| {
                    format!("CPU{}{cpu}", c.get(1).map_or("", |m| m.as_str()))
                })
                .into_owned();
            Regex::new(r"PID: \d+")
                .unwrap()
                .replace_all(&text, format!("PID: {}", 100 + seed).as_str())
                .into_owned()
        }
        Change::OtherWorker => {
            let worker = 1 + seed % 7;
            let text = Regex::new(r"worker\[\d+\]")
                .unwrap()
                .replace_all(text, format!("worker[{worker}]").as_str())
                .into_owned();
            Regex::new(r"thpool-worker\d+")
                .unwrap()
                .replace_all(&text, format!("thpool-worker{worker}").as_str())
                .into_owned()
        }
        Change::Timestamps => Regex::new(r"\[ *(\d+)\.(\d{6})\]")
            .unwrap()
            .replace_all(text, |c: &Captures| {
                let secs: u64 = c[1].parse().unwrap();
                format!("[{:>5}.{}]", secs + 1000 * (seed + 1), &c[2])
            })
            .into_owned(),
        Change::StackWords => {
            let word_re = Regex::new(r"\b[0-9a-f]{16}\b").unwrap();
            let mut in_stack = false;
            let mut out = String::new();
            for line in text.lines() {
                if line.contains("Stack:") {
                    in_stack = true;
                } else if line.contains("Call Trace:") {
                    in_stack = false;
                } else if in_stack {
                    let line = word_re.replace_all(line, |c: &Captures| {
                        let word = u64::from_str_radix(&c[0], 16).unwrap();
                        format!("{:016x}", word ^ (0x1111 * (seed + 1)))
                    });
                    out.push_str(&line);
                    out.push('\n');
                    continue;
                }
                out.push_str(line);
                out.push('\n');
            }
            out
        }
        Change::Kaslr => {
            let slide = 0x20_0000 * (1 + seed % 31);
            Regex::new(r"ffffffff8[0-9a-f]{7}")
                .unwrap()
                .replace_all(text, |c: &Captures| {
                    format!("{:x}", u64::from_str_radix(&c[0], 16).unwrap() + slide)
                })
                .into_owned()
        }
        Change::GuessedFrames => {
            // Drop every other `?` frame and add a stale one after the first frame.
            let mut out = String::new();
            let mut n_guessed = 0;
            let mut added = false;
            for line in text.lines() {
                if line.contains("] ? ") {
                    n_guessed += 1;
                    if (n_guessed + seed).is_multiple_of(2) {
                        continue;
                    }
                }
                out.push_str(line);
                out.push('\n');
                if !added && line.contains("[<") && !line.contains("RIP") {
                    let prefix = line.split("[<").next().unwrap();
                    out.push_str(&format!(
                        "{prefix}[<ffffffff8101{:04x}>] ? stale_helper_{seed}+0x10/0x40\n",
                        seed % 0xffff
                    ));
                    added = true;
                }
            }
            out
        }
        Change::IsraSuffixes => {
            let suffixes = [".isra.2", ".constprop.0", ".part.1", ".cold", ".isra.11"];
            let mut idx = seed as usize;
            Regex::new(r"\] ([A-Za-z_][A-Za-z0-9_]*)\+0x")
                .unwrap()
                .replace_all(text, |c: &Captures| {
                    idx += 1;
                    if idx.is_multiple_of(2) {
                        format!("] {}{}+0x", &c[1], suffixes[idx % suffixes.len()])
                    } else {
                        c[0].to_owned()
                    }
                })
                .into_owned()
        }
    }
}

/// A deterministic selection of changes for variant `n` (each change in about half of them,
/// every change alone once, and all of them together once).
fn changes_for(n: u64, n_variants: u64) -> Vec<Change> {
    if n < ALL_CHANGES.len() as u64 {
        return vec![ALL_CHANGES[n as usize]];
    }
    if n == n_variants - 1 {
        return ALL_CHANGES.to_vec();
    }
    let mut state = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    ALL_CHANGES
        .iter()
        .copied()
        .filter(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state & 1 == 1
        })
        .collect()
}

fn analyze_dir(paths: &[PathBuf]) -> Vec<(String, Value)> {
    let output = succeed(
        legolog()
            .args(["analyze", "--no-db", "--format", "json"])
            .args(paths),
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"]["path"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

fn write_variants(dir: &Path, name: &str, text: &str, n_variants: u64) -> Vec<PathBuf> {
    (0..n_variants)
        .map(|n| {
            let mut variant = text.to_owned();
            for change in changes_for(n, n_variants) {
                variant = apply(&variant, change, n);
            }
            let path = dir.join(format!("{name}-variant{n:02}.log"));
            std::fs::write(&path, variant).unwrap();
            path
        })
        .collect()
}

fn labels(report: &Value) -> Vec<String> {
    report["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect()
}

/// Issue 4, acceptance 1 (seed): 40 variants, one signature, all labelled cq-stall.
#[test]
fn issue_4_seed_variants_share_one_signature_and_cq_stall() {
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut paths = vec![fixture("0826-w9-1.log")];
    paths.extend(write_variants(dir.path(), "0826-w9-1", &seed, 40));
    let reports = analyze_dir(&paths);
    assert_eq!(reports.len(), 41, "one report per variant");
    let seed_id = reports[0].1["signature"]["id"].clone();
    assert_eq!(
        reports[0].1["signature"]["frames"],
        serde_json::json!([
            "mlx4_ib_poll_cq",
            "fit_internal_poll_sendcq",
            "fit_send_message_with_rdma_write_with_imm_request",
            "fit_ack_reply_callback",
            "thpool_worker_func"
        ])
    );
    for (path, report) in &reports {
        assert_eq!(
            report["signature"]["id"], seed_id,
            "{path}: {}",
            report["signature"]
        );
        assert_eq!(labels(report), vec!["cq-stall"], "{path}");
    }
    // The variants really differ from the seed where they should.
    let text = std::fs::read_to_string(&paths[40]).unwrap();
    assert!(text.contains(".isra.") || text.contains(".constprop."));
    assert!(!text.contains("ffffffff810522c3"), "KASLR shift applied");
}

/// Issue 4, acceptance 1 (corpus): variants of every corpus report keep its signature; reports
/// with different signatures stay apart in every variant; cq-stall is on exactly the send-CQ
/// stalls.
#[test]
fn issue_4_corpus_variants_and_cq_stall() {
    let Some(corpus) = crate::util::shared_corpus("lego") else {
        return;
    };
    let mut originals: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    originals.sort();
    let reports = analyze_dir(&originals);

    // cq-stall: exactly the seed's copy and the two FIT send-CQE timeouts.
    let labelled: BTreeSet<String> = reports
        .iter()
        .filter(|(_, r)| labels(r).contains(&"cq-stall".to_owned()))
        .map(|(path, r)| format!("{}:{}", file_name(path), r["source"]["line_start"]))
        .collect();
    let expected: BTreeSet<String> = [
        "diary-180826-b09-0826-w9-1.log:3",
        "diary-180827-b08-0827-w14-6.log:4",
        "diary-180911-b03.log:3",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(labelled, expected);
    let w9_5 = reports
        .iter()
        .find(|(path, _)| path.ends_with("0827-w9-5.log"))
        .expect("0827-w9-5 has a report");
    assert!(
        labels(&w9_5.1).is_empty(),
        "the reply-flag spin is another bug"
    );
    let seed_id = &reports
        .iter()
        .find(|(path, _)| path.ends_with("0826-w9-1.log"))
        .unwrap()
        .1["signature"]["id"];
    assert_ne!(&w9_5.1["signature"]["id"], seed_id);

    // Variants: per original report, signature of every variant = the original's.
    let dir = tempfile::tempdir().unwrap();
    let mut variant_paths = Vec::new();
    let n_variants = 6;
    for original in &originals {
        let text = String::from_utf8_lossy(&std::fs::read(original).unwrap()).into_owned();
        if !reports.iter().any(|(p, _)| Path::new(p) == original) {
            continue;
        }
        let stem = original.file_stem().unwrap().to_string_lossy().into_owned();
        variant_paths.extend(write_variants(dir.path(), &stem, &text, n_variants));
    }
    let variant_reports = analyze_dir(&variant_paths);
    let mut by_original: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for (path, report) in &reports {
        by_original.entry(file_stem(path)).or_default().push(report);
    }
    let mut by_variant: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for (path, report) in &variant_reports {
        by_variant.entry(file_stem(path)).or_default().push(report);
    }
    let mut n_checked = 0;
    for (variant, got) in &by_variant {
        let original = variant.rsplit_once("-variant").unwrap().0;
        let want = &by_original[original];
        // Removing `?` frames may merge or split reports whose only frames were guessed;
        // compare only variants that kept the report structure.
        if got.len() != want.len() {
            continue;
        }
        for (got, want) in got.iter().zip(want.iter()) {
            if want["signature"]["basis"] != "trusted"
                && got["signature"]["basis"] != want["signature"]["basis"]
            {
                continue;
            }
            assert_eq!(
                got["signature"]["id"], want["signature"]["id"],
                "{variant}: {} vs {}",
                got["signature"], want["signature"]
            );
            assert_eq!(labels(got), labels(want), "{variant}");
            n_checked += 1;
        }
    }
    eprintln!("signatures: {n_checked} corpus report variants checked");
    assert!(n_checked > 300, "only {n_checked} variants compared");

    // Different bugs never share: a signature never spans two different sets of frames,
    // and the seed's signature belongs to the seed's bug alone.
    let mut frames_by_id: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, report) in reports.iter().chain(variant_reports.iter()) {
        frames_by_id
            .entry(report["signature"]["id"].to_string())
            .or_default()
            .insert(format!(
                "{}|{}",
                report["kind"], report["signature"]["frames"]
            ));
    }
    for (id, frames) in &frames_by_id {
        assert_eq!(frames.len(), 1, "{id} names different bugs: {frames:?}");
    }
    let seed_sharers: BTreeSet<String> = reports
        .iter()
        .filter(|(_, r)| &r["signature"]["id"] == seed_id)
        .map(|(p, _)| file_name(p))
        .collect();
    assert_eq!(seed_sharers.len(), 1, "{seed_sharers:?}");
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn file_stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}
