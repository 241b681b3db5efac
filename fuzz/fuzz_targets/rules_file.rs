//! Arbitrary bytes as a known-bug rules file: loading never panics and stays within the
//! limits; a rules file that loads is matched against the seed report.
#![no_main]

use legolog::config::limits::Limits;
use legolog::identity::rules::RuleSet;
use legolog_parsers::{ParseConfig, Report, Scanner};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn seed_report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let mut scanner = Scanner::new(ParseConfig::standard());
        scanner.push(include_bytes!("../../fixtures/logs/0826-w9-1.log"));
        scanner.finish();
        scanner.pop().expect("the seed holds a report")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_rules: 64,
        max_regex_bytes: 256 * 1024,
        ..Limits::default()
    };
    let Ok(rules) = RuleSet::with_text(text, Path::new("fuzz.toml"), &limits) else {
        return;
    };
    let report = seed_report();
    let (signature, labels) = legolog::pipeline::analysis::annotate(report, &rules);
    assert!(!signature.id.is_empty());
    assert!(labels.len() <= rules.rules.len());
});
