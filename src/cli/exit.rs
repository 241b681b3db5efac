//! Exit codes, all of them, in one place (also shown by `--help` and the man page), and how a
//! command's outcome picks one (`--strict`, `--fail-on`, an unreadable input, the history).

use crate::cli::args::{DbArgs, FailOn};
use crate::pipeline::analysis::{self, Analysis};
use std::process::ExitCode;

/// Exit code when reports were read (whether or not any were found).
pub const EXIT_OK: u8 = 0;
/// Exit code with `--fail-on` when a report matches a condition.
pub const EXIT_FAIL_ON: u8 = 1;
/// Exit code for bad input or usage: a missing or unreadable file, binary data, an empty log.
pub const EXIT_ERROR: u8 = 2;
/// Exit code with `--strict` when a report does not match its kernel image.
pub const EXIT_MISMATCH: u8 = 3;
/// Exit code when the analysis was printed but the history could not be opened or written
/// (read-only, full disk, locked, unreachable, not a legolog history, `--db /dev/null`).
pub const EXIT_HISTORY: u8 = 4;

pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  every input was read (whether or not it held reports)
  1  with --fail-on: a report matched a condition (each match is one line on stderr)
  2  an input could not be read (missing, a directory, empty, binary, corrupt compression)
     or the command line was wrong; other inputs are still analyzed and printed
  3  with --strict: a report does not match the kernel image that decoded it
  4  the analysis was printed, but the history could not be opened or written (one warning
     line says why; codes 3, 2 and 1 take precedence)";

/// Exit code of `symbolize` when some queries could not be resolved (each said on stderr).
pub const EXIT_QUERY_FAILED: u8 = 1;

pub(crate) const SYMBOLIZE_EXIT_CODES_HELP: &str = "\
Exit codes:
  0  every query was resolved
  1  some queries were not (unknown symbol or module, not an address): each is one line on
     stderr and `?? ??:0` (or its JSON error) in its place on stdout
  2  the kernel image could not be read, or the command line was wrong";

/// One report as `--fail-on` sees it.
pub struct Candidate<'a> {
    /// Kind name.
    pub kind: &'a str,
    /// Matched rule names.
    pub labels: Vec<&'a str>,
    /// Whether its bug was created by this run.
    pub new: bool,
    /// Whether it is a regression of a fixed bug.
    pub regression: bool,
    /// Where it is, for the stderr line.
    pub place: String,
}

/// Says on stderr each report that matches a `--fail-on` condition; whether any did.
pub fn fail_on(conditions: &[FailOn], candidates: &[Candidate<'_>]) -> bool {
    let mut matched = false;
    for candidate in candidates {
        for condition in conditions {
            let why = match condition {
                FailOn::New if candidate.new => "new".to_owned(),
                FailOn::Regression if candidate.regression => "regression".to_owned(),
                FailOn::Label(name) if candidate.labels.contains(&name.as_str()) => {
                    format!("label:{name}")
                }
                FailOn::Kind(kind) if candidate.kind == kind => format!("kind:{kind}"),
                _ => continue,
            };
            crate::eprint_safe!("legolog: --fail-on {why}: {}", candidate.place);
            matched = true;
        }
    }
    matched
}

/// `--fail-on new` needs the history that says what is new.
pub fn check_fail_on(conditions: &[FailOn], db: &DbArgs) -> anyhow::Result<()> {
    if db.no_db && conditions.contains(&FailOn::New) {
        anyhow::bail!("--fail-on new needs the history (drop --no-db)");
    }
    if db.no_db && conditions.contains(&FailOn::Regression) {
        anyhow::bail!("--fail-on regression needs the history (drop --no-db)");
    }
    Ok(())
}

/// The exit code once the output is written: 3 for `--strict` mismatches (explained on
/// stderr), 2 when something could not be read, 4 when only the history failed.
pub fn exit_code(
    analysis: &Analysis,
    strict: bool,
    (failed, history_failed): (bool, bool),
) -> ExitCode {
    if strict {
        if let Some(explanation) = analysis::strict_failure(analysis) {
            crate::eprint_safe!("legolog: {explanation}");
            return ExitCode::from(EXIT_MISMATCH);
        }
    }
    plain_exit_code(failed, history_failed)
}

/// 2 when something could not be read, else 4 when the history failed, else 0.
pub fn plain_exit_code(failed: bool, history_failed: bool) -> ExitCode {
    ExitCode::from(match (failed, history_failed) {
        (true, _) => EXIT_ERROR,
        (false, true) => EXIT_HISTORY,
        (false, false) => EXIT_OK,
    })
}
