//! Exit codes, all of them, in one place (also shown by `--help` and the man page).

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
