//! Conformance with syzkaller's Linux report test data (`pkg/report/testdata/linux/report`).
//!
//! Every file of `../shared/corpus/syzkaller-linux/report` (see its NOTICE.md) is a console
//! log plus the title syzkaller expects. The first crash report the parser finds in the log is
//! compared, after syzkaller's title normalization, with that title. The scores are printed and
//! checked against `conformance-thresholds.txt`, which is raised whenever the score rises.
//!
//! `CONFORMANCE_VERBOSE=1` lists every mismatch; `CONFORMANCE_ONLY=N` runs one file.

use legolog_parsers::{Kind, ParseConfig, Parser, Report};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[test]
fn syzkaller_linux_reports() {
    let dir = shared_dir().join("corpus/syzkaller-linux/report");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("conformance: ../shared/corpus/syzkaller-linux not found, skipped");
        return;
    };
    let only = std::env::var("CONFORMANCE_ONLY").ok();
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some() || only.is_some();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter(|p| {
            only.as_deref()
                .is_none_or(|o| p.file_name().is_some_and(|n| n == o))
        })
        .collect();
    paths.sort_by_key(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u64>().ok())
    });

    let mut score = Score::default();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let case = Case::parse(&bytes);
        let crash = first_crash(&case.log);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        score.record(name, &case, crash.as_ref(), verbose);
    }
    score.print();
    score.check(&read_thresholds());
}

/// One test file: expectations plus the log.
struct Case {
    title: String,
    corrupted: bool,
    log: Vec<u8>,
}

impl Case {
    fn parse(bytes: &[u8]) -> Case {
        let bytes: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'\r').collect();
        // The header ends at the first empty line (which may be the very first line).
        let (head, log) = if bytes.first() == Some(&b'\n') {
            (&[][..], &bytes[1..])
        } else {
            match find(&bytes, b"\n\n") {
                Some(idx) => (&bytes[..idx], &bytes[idx + 2..]),
                None => (&bytes[..], &[][..]),
            }
        };
        let log = match find(log, b"\nREPORT:\n") {
            Some(idx) => &log[..idx],
            None => log,
        };
        let mut case = Case {
            title: String::new(),
            corrupted: false,
            log: log.to_vec(),
        };
        for line in String::from_utf8_lossy(head).lines() {
            if let Some(v) = line.strip_prefix("TITLE:") {
                case.title = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("CORRUPTED:") {
                case.corrupted = v.trim() == "Y";
            }
        }
        case
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The first report that syzkaller would call a crash: deliberate dumps and orphan traces
/// are not crashes.
fn first_crash(log: &[u8]) -> Option<Report> {
    Parser::new(log, ParseConfig::standard())
        .filter_map(Result::ok)
        .find(|r| {
            !matches!(
                r.kind,
                Kind::Trace | Kind::DumpStack | Kind::TaskDump | Kind::NmiBacktrace
            )
        })
}

#[derive(Default)]
struct Score {
    n_titled: usize,
    n_title_ok: usize,
    n_corrupted: usize,
    n_corrupted_flagged: usize,
    n_clean: usize,
    n_clean_flagged: usize,
    n_no_crash: usize,
    n_false_reports: usize,
    mismatches: BTreeMap<String, usize>,
}

impl Score {
    fn record(&mut self, name: &str, case: &Case, crash: Option<&Report>, verbose: bool) {
        let expected = normalize_title(&case.title);
        if expected.is_empty() {
            self.n_no_crash += 1;
            if let Some(report) = crash {
                self.n_false_reports += 1;
                if verbose {
                    println!("{name}: false report: {:?} ({})", report.title, report.kind);
                }
            }
            return;
        }
        self.n_titled += 1;
        let got = crash.map(|r| normalize_title(&r.title)).unwrap_or_default();
        if got == expected {
            self.n_title_ok += 1;
        } else {
            let class = expected.split(" in ").next().unwrap_or("").to_owned();
            *self.mismatches.entry(class).or_default() += 1;
            if verbose {
                println!("{name}: title\n    want {expected:?}\n    got  {got:?}");
            }
        }
        let flagged = crash.is_some_and(|r| r.corruption.is_some());
        if case.corrupted {
            self.n_corrupted += 1;
            if flagged {
                self.n_corrupted_flagged += 1;
            } else if verbose {
                println!("{name}: corrupted report not flagged");
            }
        } else {
            self.n_clean += 1;
            if flagged {
                self.n_clean_flagged += 1;
                if verbose {
                    let reason = crash
                        .and_then(|r| r.corruption.as_ref())
                        .map(|c| c.reason.as_str());
                    println!("{name}: wrongly flagged corrupted: {reason:?}");
                }
            }
        }
    }

    fn print(&self) {
        println!("titles {}/{}", self.n_title_ok, self.n_titled);
        println!(
            "corrupted flagged {}/{} (wrongly flagged {}/{})",
            self.n_corrupted_flagged, self.n_corrupted, self.n_clean_flagged, self.n_clean
        );
        println!(
            "false reports on no-crash files: {}/{}",
            self.n_false_reports, self.n_no_crash
        );
        let mut classes: Vec<_> = self.mismatches.iter().collect();
        classes.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = classes
            .iter()
            .take(12)
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        println!("title mismatches by class: {}", top.join(", "));
    }

    fn check(&self, thresholds: &BTreeMap<String, usize>) {
        let get = |key: &str| {
            *thresholds
                .get(key)
                .unwrap_or_else(|| panic!("conformance-thresholds.txt lacks {key}"))
        };
        let mut failures = Vec::new();
        if self.n_title_ok < get("min_titles") {
            failures.push(format!(
                "titles {} < {}",
                self.n_title_ok,
                get("min_titles")
            ));
        }
        if self.n_corrupted_flagged < get("min_corrupted_flagged") {
            failures.push(format!(
                "corrupted flagged {} < {}",
                self.n_corrupted_flagged,
                get("min_corrupted_flagged")
            ));
        }
        if self.n_clean_flagged > get("max_wrongly_flagged") {
            failures.push(format!(
                "wrongly flagged {} > {}",
                self.n_clean_flagged,
                get("max_wrongly_flagged")
            ));
        }
        if self.n_false_reports > get("max_false_reports") {
            failures.push(format!(
                "false reports {} > {}",
                self.n_false_reports,
                get("max_false_reports")
            ));
        }
        assert!(
            failures.is_empty(),
            "conformance below thresholds: {}",
            failures.join("; ")
        );
    }
}

fn read_thresholds() -> BTreeMap<String, usize> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-thresholds.txt");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, value) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("bad threshold line {l:?}"));
            let value = value
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("bad threshold value {l:?}"));
            (key.trim().to_owned(), value)
        })
        .collect()
}

/// syzkaller's title normalization (`pkg/report`'s dynamic title replacements), applied to
/// both the expected and the produced title.
fn normalize_title(title: &str) -> String {
    static RULES: std::sync::OnceLock<Vec<(Regex, &'static str)>> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (r"syz-executor\.?[0-9]+((/|:)[0-9]+)?", "syz-executor"),
            (r"syzkaller[0-9]+((/|:)[0-9]+)?", "syzkaller"),
            (r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}", "${1}ADDR"),
            (
                r"([^a-zA-Z0-9])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}",
                "${1}IP",
            ),
            (r"(\.\w+)(:[0-9]+)+", "${1}:LINE"),
            (r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+", "${1}"),
            (r"CPU#[0-9]+", "CPU"),
            (r"(\W)(\d+)(\W|$)", "${1}NUM${3}"),
            (r"(\d+){7,}", "NUM"),
        ]
        .into_iter()
        .map(|(re, rep)| (Regex::new(re).expect("valid normalization regex"), rep))
        .collect()
    });
    let mut res: String = title.chars().filter(|c| !c.is_control()).collect();
    for (re, rep) in rules {
        // Matches may overlap (`0,1,2`): repeat until nothing changes.
        loop {
            let next = re.replace_all(&res, *rep).into_owned();
            if next == res {
                break;
            }
            res = next;
        }
    }
    let mut res = res.split_whitespace().collect::<Vec<_>>().join(" ");
    if res.len() > 120 {
        let mut cut = 120;
        while !res.is_char_boundary(cut) {
            cut -= 1;
        }
        res.truncate(cut);
    }
    res
}

/// `../shared` next to the workspace, or `$LEGOLOG_SHARED` (a checkout elsewhere).
fn shared_dir() -> std::path::PathBuf {
    std::env::var_os("LEGOLOG_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
        std::path::PathBuf::from,
    )
}
