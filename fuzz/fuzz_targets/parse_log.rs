//! Feeds arbitrary bytes to the parser and walks every report it returns.
#![no_main]

use legolog_parsers::{ParseConfig, Parser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = ParseConfig {
        max_line_len: 256,
        max_excerpt_lines: 16,
        max_report_lines: 64,
    };
    let mut parser = Parser::new(data, config);
    for report in parser.by_ref() {
        let report = report.expect("reading memory cannot fail");
        let _ = (report.title.len(), report.frames.len(), report.excerpt.len());
        assert!(report.span.start <= report.span.end);
    }
    assert!(parser.stats().unclaimed_lines <= parser.stats().lines);
});
