//! Every limit that keeps time, memory and disk bounded on hostile or endless input, in one
//! place.
//!
//! Each limit has a key in the `[limits]` table of `$XDG_CONFIG_HOME/legolog/config.toml` and
//! can be set for one run with `--limit KEY=N` (repeatable); `config::settings` reads both. Reaching a limit is never a crash or
//! a silent drop: it is a warning on stderr naming the input and the limit, and the input's
//! counters (`skipped_reports`, `trimmed_reports`) say what was not kept. The defaults keep a
//! whole `analyze` run on any single input under 256 MB of RSS.

use anyhow::{bail, Context as _};
use legolog_parsers::Report;
use serde::Deserialize;

/// The limits. See the module documentation and docs/limits.md.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// `max_reports`: reports kept per input; the rest are counted (`skipped_reports`), not
    /// kept.
    pub max_reports: usize,
    /// `max_report_bytes`: bytes of excerpt, frame and register text kept per report; a larger
    /// report keeps its first lines and frames and is counted in `trimmed_reports`.
    pub max_report_bytes: usize,
    /// `max_log_bytes`: decompressed size of one compressed log stream; reading stops there
    /// (the reports complete before it are kept).
    pub max_log_bytes: u64,
    /// `max_symbol_bytes`: decompressed size of one symbol file (`.ko.xz`, …) or one
    /// `SHF_COMPRESSED` ELF section.
    pub max_symbol_bytes: u64,
    /// `max_rules`: known-bug rules in a rules file.
    pub max_rules: usize,
    /// `max_regex_bytes`: compiled size of one rule's regex (`regex::RegexBuilder::size_limit`
    /// and `dfa_size_limit`); the rules' regexes together may take 8 times this.
    pub max_regex_bytes: usize,
    /// `max_query_bytes`: one `symbolize` query line; a longer line is an error, echoed cut.
    pub max_query_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_reports: 2_000,
            max_report_bytes: 64 * 1024,
            max_log_bytes: 16 << 30,
            max_symbol_bytes: 1 << 30,
            max_rules: 2_000,
            max_regex_bytes: 1 << 20,
            max_query_bytes: 4096,
        }
    }
}

/// The keys, for `--limit` messages.
const KEYS: &str = "max_reports, max_report_bytes, max_log_bytes, max_symbol_bytes, max_rules, \
                    max_regex_bytes, max_query_bytes";

impl Limits {
    /// Applies one `KEY=N` (N may end in K, M or G, powers of 1024).
    pub fn set(&mut self, item: &str) -> anyhow::Result<()> {
        let Some((key, value)) = item.split_once('=') else {
            bail!("--limit {item}: expected KEY=N (keys: {KEYS})");
        };
        let n = parse_size(value.trim())
            .with_context(|| format!("--limit {key}: not a number: {value}"))?;
        let small = || usize::try_from(n).unwrap_or(usize::MAX);
        match key.trim() {
            "max_reports" => self.max_reports = small(),
            "max_report_bytes" => self.max_report_bytes = small(),
            "max_log_bytes" => self.max_log_bytes = n,
            "max_symbol_bytes" => self.max_symbol_bytes = n,
            "max_rules" => self.max_rules = small(),
            "max_regex_bytes" => self.max_regex_bytes = small(),
            "max_query_bytes" => self.max_query_bytes = small(),
            other => bail!("--limit {other}: unknown limit (keys: {KEYS})"),
        }
        Ok(())
    }
}

fn parse_size(text: &str) -> Option<u64> {
    let (digits, shift) = match text.as_bytes().last()? {
        b'K' | b'k' => (&text[..text.len() - 1], 10),
        b'M' | b'm' => (&text[..text.len() - 1], 20),
        b'G' | b'g' => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// Cuts a report to about `max_bytes` of text: the excerpt keeps its first lines, the frames
/// their first (innermost) frames, the registers and stack words their first ones. Returns
/// whether anything was cut.
pub fn trim_report(report: &mut Report, max_bytes: usize) -> bool {
    const FRAME_COST: usize = 64;
    let mut budget = max_bytes.saturating_sub(report.title.len());
    let frame_cost =
        |f: &legolog_parsers::Frame| FRAME_COST + f.symbol.as_ref().map_or(0, |s| s.name.len());
    // Each part keeps what fits of the budget left by the parts before it.
    let cut_frames = keep_prefix(&mut report.frames, frame_cost, &mut budget);
    let cut_excerpt = keep_prefix(&mut report.excerpt, |l| l.text.len() + 16, &mut budget);
    let cut_registers = keep_prefix(&mut report.registers, |_| 32, &mut budget);
    let cut_words = keep_prefix(&mut report.stack_words, |_| 8, &mut budget);
    cut_frames || cut_excerpt || cut_registers || cut_words
}

/// Keeps the longest prefix of `items` whose cost fits in `budget` (and takes it from the
/// budget; all of it once something does not fit). Returns whether anything was cut.
fn keep_prefix<T>(items: &mut Vec<T>, cost: impl Fn(&T) -> usize, budget: &mut usize) -> bool {
    let mut kept = 0;
    for item in items.iter() {
        match budget.checked_sub(cost(item)) {
            Some(left) => {
                *budget = left;
                kept += 1;
            }
            None => {
                *budget = 0;
                break;
            }
        }
    }
    let cut = kept < items.len();
    items.truncate(kept);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_name_a_key_and_a_size() {
        let mut limits = Limits::default();
        limits.set("max_reports=10").unwrap();
        limits.set("max_log_bytes=2M").unwrap();
        assert_eq!(limits.max_reports, 10);
        assert_eq!(limits.max_log_bytes, 2 << 20);
        assert!(limits.set("max_nothing=1").is_err());
        assert!(limits.set("max_reports").is_err());
        assert!(limits.set("max_reports=x").is_err());
    }

    #[test]
    fn a_report_is_cut_to_its_byte_budget() {
        let mut scanner = legolog_parsers::Scanner::new(legolog_parsers::ParseConfig::standard());
        scanner.push(include_bytes!("../../fixtures/logs/0826-w9-1.log"));
        scanner.finish();
        let report = scanner.pop().unwrap();
        let mut whole = report.clone();
        assert!(!trim_report(&mut whole, 1 << 20));
        assert_eq!(whole.frames.len(), report.frames.len());
        let mut cut = report.clone();
        assert!(trim_report(&mut cut, 1000));
        assert!(cut.frames.len() < report.frames.len());
        assert!(!cut.frames.is_empty(), "the innermost frames are kept");
        assert!(cut.excerpt.len() < report.excerpt.len());
        assert_eq!(cut.frames[0], report.frames[0]);
    }
}
