//! Feeds arbitrary bytes to the parser and walks every report it returns. Uses the push
//! `Scanner` directly: no read buffer to allocate and clear per input, so an execution costs
//! what parsing the bytes costs.
#![no_main]

use legolog_parsers::{ParseConfig, Scanner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = ParseConfig {
        max_line_len: 256,
        max_excerpt_lines: 16,
        max_report_lines: 64,
    };
    let mut scanner = Scanner::new(config);
    // Two pushes: the line carried across a chunk boundary is exercised too.
    let (first, second) = data.split_at(data.len() / 2);
    scanner.push(first);
    scanner.push(second);
    scanner.finish();
    while let Some(report) = scanner.pop() {
        let _ = (report.title.len(), report.frames.len(), report.excerpt.len());
        assert!(report.span.start <= report.span.end);
    }
    assert!(scanner.stats().unclaimed_lines <= scanner.stats().lines);
});
