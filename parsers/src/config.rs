//! The parser's limits ([`ParseConfig`]) and its counters ([`Stats`]).

/// Limits and options of the parser. Passed explicitly; see [`ParseConfig::standard`].
#[derive(Debug, Clone)]
pub struct ParseConfig {
    /// Lines longer than this many bytes are cut (and counted in [`Stats::long_lines`]).
    pub max_line_len: usize,
    /// At most this many lines of a report are kept in [`crate::Report::excerpt`].
    pub max_excerpt_lines: usize,
    /// A report is closed after this many lines even if it seems to go on.
    pub max_report_lines: usize,
}

impl ParseConfig {
    /// The limits the CLI uses: 64 KiB lines, 400 excerpt lines, 5000-line reports.
    pub fn standard() -> ParseConfig {
        ParseConfig {
            max_line_len: 64 * 1024,
            max_excerpt_lines: 400,
            max_report_lines: 5000,
        }
    }
}

/// Counters about one input stream, complete once the parser is exhausted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines read.
    pub lines: u64,
    /// Lines that belong to no report.
    pub unclaimed_lines: u64,
    /// Lines cut at [`ParseConfig::max_line_len`].
    pub long_lines: u64,
}
