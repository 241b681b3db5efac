//! The command line: clap definitions and the `run` that wires them to the library.

use crate::analysis::{self, Analysis, Identity};
use crate::bugreport;
use crate::correlate;
use crate::decode::{self, Decoder};
use crate::history::History;
use crate::input::Source;
use crate::limits::Limits;
use crate::locate::{self, LocateOptions, Locator};
use crate::query;
use crate::render::{self, Style};
use crate::rules::RuleSet;
use crate::run::Date;
use crate::sanitize;
use anyhow::bail;
use clap::{Parser, Subcommand, ValueEnum};
use legolog_parsers::ParseConfig;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when reports were read (whether or not any were found).
pub const EXIT_OK: u8 = 0;
/// Exit code for bad input or usage: a missing or unreadable file, binary data, an empty log.
pub const EXIT_ERROR: u8 = 2;
/// Exit code with `--strict` when a report does not match its kernel image.
pub const EXIT_MISMATCH: u8 = 3;
/// Exit code when the analysis was printed but the history could not be opened or written
/// (read-only, full disk, locked, not a legolog history, `--db /dev/null`).
pub const EXIT_HISTORY: u8 = 4;

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  every input was read (whether or not it held reports)
  2  an input could not be read (missing, a directory, empty, binary, corrupt compression)
     or the command line was wrong; other inputs are still analyzed and printed
  3  with --strict: a report does not match the kernel image that decoded it
  4  the analysis was printed, but the history could not be opened or written (one warning
     line says why; codes 3 and 2 take precedence)";

/// Turn kernel console logs (LegoOS and Linux) into structured reports.
#[derive(Debug, Parser)]
#[command(name = "legolog", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find and parse every report (oops, WARNING, lockup, LegoOS watchdog, …) in console logs.
    #[command(after_help = EXIT_CODES_HELP)]
    Analyze(AnalyzeArgs),
    /// Group the reports of many logs (files or directories, read in parallel) by signature.
    #[command(after_help = EXIT_CODES_HELP)]
    Correlate(CorrelateArgs),
    /// List what the run history knows: signatures, counts, runs, dates.
    History(HistoryArgs),
    /// Write one report as a Markdown bug report (environment, occurrences, trace, excerpt).
    #[command(after_help = EXIT_CODES_HELP)]
    Report(ReportArgs),
    /// Resolve addresses or SYM+OFF[/SIZE] to function, file:line and inline chain, like
    /// `addr2line -f -i -p`.
    #[command(after_help = EXIT_CODES_HELP)]
    Symbolize(SymbolizeArgs),
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    /// Log files to read; `-` reads standard input. gzip, xz and zstd are detected by content.
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Colour on the terminal: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    #[command(flatten)]
    db: DbArgs,

    #[command(flatten)]
    rules: RulesArgs,

    #[command(flatten)]
    symbols: SymbolArgs,

    #[command(flatten)]
    locate: LocateArgs,

    #[command(flatten)]
    limit: LimitArgs,
}

/// The kernel image that symbolizes frames.
#[derive(Debug, Clone, clap::Args)]
struct SymbolArgs {
    /// Kernel ELF with symbols (ideally DWARF) of the kernel that printed the log.
    ///
    /// Every frame and the RIP get a verdict (reliable, plausible, stale, fn-pointer, mismatch)
    /// and file:line with the inline chain; the KASLR slide is inferred from the log. A vmlinux
    /// that does not belong to the log is reported as a mismatch, never symbolized. An unusable
    /// file is a warning: the analysis goes on without symbols (exit code 2). Without it (or
    /// when it does not match), `analyze` and `report` look for the image themselves: see
    /// --debug-dir and --debug-root.
    #[arg(long, value_name = "VMLINUX")]
    vmlinux: Option<PathBuf>,

    /// Directory searched recursively for module files (NAME.ko, .ko.xz, .ko.zst, .ko.gz),
    /// Debian's debug layout included; repeatable. Used with whichever vmlinux decodes a report.
    #[arg(long = "modules", value_name = "DIR")]
    module_dirs: Vec<PathBuf>,
}

/// Finding the kernel image without `--vmlinux`, and showing source lines.
#[derive(Debug, Clone, clap::Args)]
struct LocateArgs {
    /// Directory of kernel build trees or archived builds, searched for `vmlinux*` (and modules
    /// below it); repeatable, also `debug_dirs = [...]` in $XDG_CONFIG_HOME/legolog/config.toml.
    ///
    /// A vmlinux is chosen when its linux_banner is the build the log printed (its `Linux
    /// version` banner, or the release and #build of its `CPU: … Comm:` lines). What was read
    /// is indexed in $XDG_CACHE_HOME/legolog/debug-dirs.json, so unchanged files are not read
    /// again.
    #[arg(long = "debug-dir", value_name = "DIR")]
    debug_dirs: Vec<PathBuf>,

    /// Root of installed distro debug packages (default /, also `debug_root` in the config
    /// file): usr/lib/debug/boot/vmlinux-REL, usr/lib/debug/lib/modules/REL/vmlinux,
    /// lib/modules/REL/build/vmlinux and usr/lib/debug/.build-id/xx/yyyy.debug; modules under
    /// usr/lib/debug/lib/modules/REL. Then debuginfod (DEBUGINFOD_URLS) by build id.
    #[arg(long, value_name = "DIR")]
    debug_root: Option<PathBuf>,

    /// Kernel release (`uname -r`) to look up when the log prints none.
    #[arg(long, short = 'r', value_name = "RELEASE")]
    release: Option<String>,

    /// Exit with code 3 when a report does not match the kernel image that decoded it.
    #[arg(long)]
    strict: bool,

    /// Kernel source tree: show the source lines around each frame's line.
    #[arg(long, value_name = "DIR")]
    src: Option<PathBuf>,

    /// Lines of source shown before and after each frame's line with --src.
    #[arg(long, value_name = "N", default_value_t = 3, requires = "src")]
    context: u32,
}

#[derive(Debug, clap::Args)]
struct SymbolizeArgs {
    /// Kernel ELF with symbols.
    #[arg(long, value_name = "VMLINUX", required = true)]
    vmlinux: PathBuf,

    /// Directory searched recursively for module files; repeatable.
    #[arg(long = "modules", value_name = "DIR")]
    module_dirs: Vec<PathBuf>,

    /// Output format: text (addr2line -f -i -p shape) or json.
    #[arg(long, short = 'f', value_enum, default_value_t = SymbolizeFormat::Text)]
    format: SymbolizeFormat,

    /// Addresses (hex, link-time) or SYM+OFF[/SIZE], each optionally followed by a module
    /// name; none reads one query per line from standard input.
    #[arg(value_name = "QUERY")]
    queries: Vec<String>,

    #[command(flatten)]
    limit: LimitArgs,
}

/// Output formats of `symbolize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SymbolizeFormat {
    /// `function at file:line`, then ` (inlined by) …` lines.
    Text,
    /// One JSON document with a location list per query.
    Json,
}

/// Where the run history lives.
#[derive(Debug, Clone, clap::Args)]
struct DbArgs {
    /// History database to read and record into.
    ///
    /// Default: $XDG_DATA_HOME/legolog/history.sqlite3 (~/.local/share/legolog/history.sqlite3).
    /// Created when missing; a file that is not a legolog history is never overwritten.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,

    /// Neither read nor record the run history.
    #[arg(long, conflicts_with = "db")]
    no_db: bool,
}

/// The limits on hostile or endless input (src/limits.rs, docs/limits.md).
#[derive(Debug, Clone, clap::Args)]
struct LimitArgs {
    /// Sets one limit for this run, KEY=N (N may end in K, M, G); repeatable. Keys:
    /// max_reports, max_report_bytes, max_log_bytes, max_symbol_bytes, max_rules,
    /// max_regex_bytes, max_query_bytes; also `[limits]` in $XDG_CONFIG_HOME/legolog/config.toml.
    #[arg(long = "limit", value_name = "KEY=N")]
    limits: Vec<String>,
}

/// Known-bug rules.
#[derive(Debug, Clone, clap::Args)]
struct RulesArgs {
    /// Known-bug rules (TOML, docs/rules.md), used with the built-in ones.
    ///
    /// Default: $XDG_CONFIG_HOME/legolog/rules.toml (~/.config/legolog/rules.toml) when it
    /// exists. A rules file that cannot be read or compiled is an error (exit 2).
    #[arg(long = "rules", value_name = "FILE")]
    file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CorrelateArgs {
    /// Log files or directories (searched recursively); gzip, xz and zstd are detected by content.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Colour on the terminal: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Cluster signatures of one kind whose frame similarity is at least this (0–1; 1 = exact).
    ///
    /// Similarity is one minus the edit distance over frame names divided by the signature
    /// length; 0.8 lets one frame of five differ.
    #[arg(long, value_name = "0..1", default_value_t = correlate::DEFAULT_SIMILARITY,
          value_parser = parse_similarity)]
    similarity: f64,

    #[command(flatten)]
    db: DbArgs,

    #[command(flatten)]
    rules: RulesArgs,

    #[command(flatten)]
    symbols: SymbolArgs,

    #[command(flatten)]
    limit: LimitArgs,
}

#[derive(Debug, clap::Args)]
struct HistoryArgs {
    /// Show every recorded occurrence of one signature (a prefix of its id is enough).
    #[arg(long, value_name = "ID")]
    signature: Option<String>,

    /// Only signatures seen in runs dated on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    since: Option<Date>,

    /// Output format (text or json).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// History database to read.
    ///
    /// Default: $XDG_DATA_HOME/legolog/history.sqlite3 (~/.local/share/legolog/history.sqlite3).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// The log with the report; further logs count as occurrences when they hold the same bug.
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,

    /// Which report of the given logs to write (1-based, in log order).
    #[arg(long = "report", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    index: u32,

    #[command(flatten)]
    db: DbArgs,

    #[command(flatten)]
    rules: RulesArgs,

    #[command(flatten)]
    symbols: SymbolArgs,

    #[command(flatten)]
    locate: LocateArgs,

    #[command(flatten)]
    limit: LimitArgs,
}

fn parse_similarity(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("not a number: {text}"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{value} is not between 0 and 1"));
    }
    Ok(value)
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("not a date (YYYY-MM-DD): {text}"))
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A summary table and each report with its trace, for people.
    Text,
    /// The stable JSON contract (docs/json.md).
    Json,
    /// GitHub-flavoured Markdown, a section per report.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parses the command line and runs the command.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Correlate(args) => correlate(args),
        Command::History(args) => history(args),
        Command::Report(args) => report(args),
        Command::Symbolize(args) => symbolize(args),
    }
}

fn symbolize(args: SymbolizeArgs) -> anyhow::Result<ExitCode> {
    let limits = load_limits(&args.limit)?;
    let decoder = Decoder::open(&args.vmlinux, &args.module_dirs)?;
    let queries = if args.queries.is_empty() {
        query::from_reader(io::stdin().lock(), limits.max_query_bytes)?
    } else {
        query::from_args(&args.queries, limits.max_query_bytes)
    };
    let json = args.format == SymbolizeFormat::Json;
    let mut out = sanitize::stdout(json, false);
    let failed = query::run(&decoder, &queries, json, &mut out)?;
    out.flush()?;
    Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_OK }))
}

/// Opens the history unless `--no-db`; `None` also when no default location can be found.
/// A history that cannot be opened is one warning line (and `true`: exit code 4); the
/// analysis goes on without it.
fn open_history(args: &DbArgs) -> (Option<History>, bool) {
    match try_open_history(args) {
        Ok(history) => (history, false),
        Err(err) => {
            crate::eprint_safe!("legolog: warning: {err:#}; the analysis is not recorded");
            (None, true)
        }
    }
}

/// Prints why the history could not be written; `true` for the exit code.
fn history_write_failed(err: &anyhow::Error) -> bool {
    crate::eprint_safe!("legolog: warning: {err:#}; the analysis is not recorded");
    true
}

fn try_open_history(args: &DbArgs) -> anyhow::Result<Option<History>> {
    if args.no_db {
        return Ok(None);
    }
    let path = match &args.db {
        Some(path) => path.clone(),
        None => match History::default_path() {
            Some(path) => path,
            None => {
                crate::eprint_safe!(
                    "legolog: no history (neither XDG_DATA_HOME nor HOME is set; use --db)"
                );
                return Ok(None);
            }
        },
    };
    History::open(&path).map(Some)
}

/// Logs are hashed only when a history will record them.
fn identity_for(history: &Option<History>) -> Identity {
    match history {
        Some(_) => Identity::Hash,
        None => Identity::Skip,
    }
}

/// Opens `--vmlinux` when given; an unusable file is reported and the analysis goes on.
fn open_decoder(args: &SymbolArgs) -> (Option<Decoder>, bool) {
    let Some(vmlinux) = &args.vmlinux else {
        return (None, false);
    };
    match Decoder::open(vmlinux, &args.module_dirs) {
        Ok(decoder) => (Some(decoder), false),
        Err(err) => {
            crate::eprint_safe!("legolog: {err:#}; continuing without symbols");
            (None, true)
        }
    }
}

fn analyze_all(
    logs: &[PathBuf],
    (rules, limits): (&RuleSet, &Limits),
    locator: Option<&Locator>,
    identity: Identity,
) -> (Analysis, bool) {
    let config = ParseConfig::standard();
    let mut analysis = Analysis::default();
    let mut failed = false;
    for log in logs {
        let source = Source::from_arg(log);
        let config = (&config, limits);
        match analysis::analyze_source(&mut analysis, source, config, rules, locator, identity) {
            Ok(()) => {
                if let Some(input) = analysis.inputs.last() {
                    failed |= warn_about(input, limits);
                }
            }
            Err(err) => {
                crate::eprint_safe!("legolog: {err:#}");
                failed = true;
            }
        }
    }
    (analysis, failed)
}

/// Prints the warnings of one input (limits reached, damage); true when it was damaged.
fn warn_about(input: &analysis::InputSummary, limits: &Limits) -> bool {
    for warning in input.warnings(limits) {
        crate::eprint_safe!("legolog: warning: {warning}");
    }
    input.damaged()
}

/// The run's limits (config file, then `--limit`); the symbol-file limit applies to every
/// image opened from now on.
fn load_limits(args: &LimitArgs) -> anyhow::Result<Limits> {
    let limits = Limits::load(&args.limits)?;
    decode::set_max_symbol_bytes(limits.max_symbol_bytes);
    Ok(limits)
}

/// The rules, with a warning for each limit their loading reached.
fn load_rules(args: &RulesArgs, limits: &Limits) -> anyhow::Result<RuleSet> {
    let rules = RuleSet::load(args.file.as_deref(), limits)?;
    for warning in &rules.warnings {
        crate::eprint_safe!("legolog: warning: {warning}");
    }
    Ok(rules)
}

/// What `analyze` and `report` share: rules, history, the kernel image, the parsed logs.
struct Loaded {
    rules: RuleSet,
    analysis: Analysis,
    /// An input or the kernel image could not be read (exit code 2).
    failed: bool,
    /// The history could not be opened or written (exit code 4).
    history_failed: bool,
}

/// Loads rules and history first (a bad rules file or database stops before any output), then
/// the kernel image, then parses, decodes and records every log.
fn load(
    logs: &[PathBuf],
    (rules, limit): (&RulesArgs, &LimitArgs),
    db: &DbArgs,
    (symbols, locate): (&SymbolArgs, &LocateArgs),
) -> anyhow::Result<Loaded> {
    let limits = load_limits(limit)?;
    let rules = load_rules(rules, &limits)?;
    let (mut history, mut history_failed) = open_history(db);
    let options = LocateOptions::with_config(
        symbols.vmlinux.clone(),
        symbols.module_dirs.clone(),
        locate.debug_dirs.clone(),
        locate.debug_root.clone(),
        locate.release.clone(),
        locate.src.clone().map(|src| (src, locate.context)),
    )?;
    let locator = Locator::new(options);
    let (mut analysis, failed) = analyze_all(
        logs,
        (&rules, &limits),
        Some(&locator),
        identity_for(&history),
    );
    if let Some(history) = &mut history {
        if let Err(err) = analysis.record_and_attach(history) {
            history_failed = history_write_failed(&err);
        }
    }
    Ok(Loaded {
        rules,
        analysis,
        failed: failed || locator.failed(),
        history_failed,
    })
}

/// The exit code once the output is written: 3 for `--strict` mismatches (explained on
/// stderr), 2 when something could not be read, 4 when only the history failed.
fn exit_code(
    analysis: &Analysis,
    strict: bool,
    (failed, history_failed): (bool, bool),
) -> ExitCode {
    if strict {
        if let Some(explanation) = locate::strict_failure(analysis) {
            crate::eprint_safe!("legolog: {explanation}");
            return ExitCode::from(EXIT_MISMATCH);
        }
    }
    plain_exit_code(failed, history_failed)
}

/// 2 when something could not be read, else 4 when the history failed, else 0.
fn plain_exit_code(failed: bool, history_failed: bool) -> ExitCode {
    ExitCode::from(match (failed, history_failed) {
        (true, _) => EXIT_ERROR,
        (false, true) => EXIT_HISTORY,
        (false, false) => EXIT_OK,
    })
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let symbols = (&args.symbols, &args.locate);
    let loaded = load(&args.logs, (&args.rules, &args.limit), &args.db, symbols)?;
    let Loaded {
        analysis,
        failed,
        history_failed,
        ..
    } = loaded;
    let style = terminal_style(args.color);
    let mut out = sanitize::stdout(args.format == Format::Json, style.color);
    match args.format {
        Format::Json => render::json::write(&mut out, &analysis)?,
        Format::Markdown => render::markdown::write(&mut out, &analysis)?,
        Format::Text => render::text::write(&mut out, &analysis, style)?,
    }
    out.flush()?;
    Ok(exit_code(
        &analysis,
        args.locate.strict,
        (failed, history_failed),
    ))
}

fn correlate(args: CorrelateArgs) -> anyhow::Result<ExitCode> {
    let limits = load_limits(&args.limit)?;
    let rules = load_rules(&args.rules, &limits)?;
    let (mut history, mut history_failed) = open_history(&args.db);
    let correlate::Collected {
        paths,
        errors: walk_errors,
        notes,
    } = correlate::collect_paths(&args.paths);
    let mut failed = !walk_errors.is_empty();
    for err in walk_errors {
        crate::eprint_safe!("legolog: {err:#}");
    }
    for note in notes {
        crate::eprint_safe!("legolog: note: {note}");
    }
    let progress = if io::stderr().is_terminal() && paths.len() > 1 {
        let bar = indicatif::ProgressBar::new(paths.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} logs, {elapsed} (eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Open the image once here to report an unusable file before the work starts; the
    // workers open their own.
    let (decoder, decoder_failed) = open_decoder(&args.symbols);
    failed |= decoder_failed;
    let image = decoder.map(|_| correlate::KernelImage {
        vmlinux: args.symbols.vmlinux.clone().unwrap_or_default(),
        module_dirs: args.symbols.module_dirs.clone(),
    });
    let results = correlate::read_logs(
        &paths,
        (&ParseConfig::standard(), &limits),
        &rules,
        image.as_ref(),
        identity_for(&history),
        &progress,
    );
    progress.finish_and_clear();
    let mut logs = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(log) => {
                failed |= warn_about(&log.input, &limits);
                logs.push(log);
            }
            Err(err) => {
                crate::eprint_safe!("legolog: {err:#}");
                failed = true;
            }
        }
    }
    if let Some(history) = &mut history {
        let records: Vec<_> = logs.iter().filter_map(|log| log.log_record()).collect();
        if let Err(err) = history.record(&records) {
            history_failed = history_write_failed(&err);
        }
    }
    let groups = correlate::group(&logs, args.similarity);
    let style = terminal_style(args.color);
    let mut out = sanitize::stdout(args.format == Format::Json, style.color);
    match args.format {
        Format::Json => render::groups::write_json(&mut out, &logs, &groups)?,
        Format::Markdown => render::groups::write_markdown(&mut out, &logs, &groups)?,
        Format::Text => render::groups::write_text(&mut out, &logs, &groups, style)?,
    }
    out.flush()?;
    Ok(plain_exit_code(failed, history_failed))
}

fn history(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let path = match args.db {
        Some(path) => path,
        None => match History::default_path() {
            Some(path) => path,
            None => bail!("no history location (neither XDG_DATA_HOME nor HOME is set; use --db)"),
        },
    };
    if !path.exists() {
        println!(
            "no history yet at {}",
            sanitize::terminal(&path.display().to_string())
        );
        return Ok(ExitCode::from(EXIT_OK));
    }
    let history = History::open(&path)?;
    let style = terminal_style(ColorChoice::Auto);
    let mut out = sanitize::stdout(
        args.format == Format::Json && args.signature.is_none(),
        style.color,
    );
    if let Some(prefix) = &args.signature {
        let ids = history.find_signatures(prefix)?;
        let id = match ids.as_slice() {
            [id] => id,
            [] => bail!("{}: no signature starts with {prefix}", path.display()),
            _ => bail!(
                "{}: {} signatures start with {prefix}; give more of the id",
                path.display(),
                ids.len()
            ),
        };
        let occurrences: Vec<_> = history
            .occurrences(id)?
            .into_iter()
            .filter(|o| {
                args.since
                    .map_or(true, |since| o.date.is_some_and(|d| d >= since))
            })
            .collect();
        render::groups::write_occurrences_text(&mut out, id, &occurrences)?;
    } else {
        let rows = history.signatures(args.since)?;
        match args.format {
            Format::Json => render::groups::write_history_json(&mut out, &rows)?,
            _ => render::groups::write_history_text(&mut out, &rows, style)?,
        }
    }
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}

fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let symbols = (&args.symbols, &args.locate);
    let Loaded {
        rules,
        analysis,
        failed,
        history_failed,
    } = load(&args.logs, (&args.rules, &args.limit), &args.db, symbols)?;
    let subject_idx = args.index as usize - 1;
    if subject_idx >= analysis.reports.len() {
        let logs: Vec<String> = args.logs.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "{}: no report {} (found {})",
            logs.join(", "),
            args.index,
            analysis.reports.len()
        );
    }
    let mut out = sanitize::stdout(false, false);
    bugreport::write(&mut out, &analysis, subject_idx, &rules)?;
    out.flush()?;
    Ok(exit_code(
        &analysis,
        args.locate.strict,
        (failed, history_failed),
    ))
}

fn terminal_style(choice: ColorChoice) -> Style {
    let on_terminal = io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match choice {
        ColorChoice::Always => !no_color,
        ColorChoice::Never => false,
        ColorChoice::Auto => on_terminal && !no_color,
    };
    Style {
        color,
        width: on_terminal.then(terminal_width).flatten(),
    }
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or(Some(120))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(args)
    }

    #[test]
    fn analyze_takes_several_logs_and_stdin() {
        let Command::Analyze(args) = analyze_args(&["a.log", "-", "b.log.gz"]) else {
            unreachable!()
        };
        assert_eq!(args.logs.len(), 3);
        assert_eq!(args.format, Format::Text);
    }

    #[test]
    fn format_flag() {
        let Command::Analyze(args) = analyze_args(&["--format", "json", "a.log"]) else {
            unreachable!()
        };
        assert_eq!(args.format, Format::Json);
        assert!(parse(&["legolog", "analyze", "--format", "yaml", "a.log"]).is_err());
    }

    #[test]
    fn analyze_needs_a_log() {
        assert!(parse(&["legolog", "analyze"]).is_err());
    }

    #[test]
    fn color_flag() {
        let Command::Analyze(args) = analyze_args(&["--color", "never", "a.log"]) else {
            unreachable!()
        };
        assert_eq!(args.color, ColorChoice::Never);
    }

    fn analyze_args(rest: &[&str]) -> Command {
        let mut argv = vec!["legolog", "analyze"];
        argv.extend_from_slice(rest);
        parse(&argv).unwrap().command
    }

    fn command(argv: &[&str]) -> Command {
        let mut full = vec!["legolog"];
        full.extend_from_slice(argv);
        parse(&full).unwrap().command
    }

    // --db PATH
    #[test]
    fn db_flag() {
        let Command::Analyze(args) = analyze_args(&["--db", "/tmp/h.sqlite3", "a.log"]) else {
            unreachable!()
        };
        assert_eq!(args.db.db, Some(PathBuf::from("/tmp/h.sqlite3")));
        assert!(!args.db.no_db);
        let Command::Correlate(args) = command(&["correlate", "--db", "h", "dir"]) else {
            unreachable!()
        };
        assert_eq!(args.db.db, Some(PathBuf::from("h")));
    }

    // --no-db
    #[test]
    fn no_db_flag() {
        let Command::Analyze(args) = analyze_args(&["--no-db", "a.log"]) else {
            unreachable!()
        };
        assert!(args.db.no_db);
        assert!(parse(&["legolog", "analyze", "--no-db", "--db", "h", "a.log"]).is_err());
    }

    // --rules FILE
    #[test]
    fn rules_flag() {
        let Command::Analyze(args) = analyze_args(&["--rules", "my.toml", "a.log"]) else {
            unreachable!()
        };
        assert_eq!(args.rules.file, Some(PathBuf::from("my.toml")));
        let Command::Report(args) = command(&["report", "--rules", "r.toml", "a.log"]) else {
            unreachable!()
        };
        assert_eq!(args.rules.file, Some(PathBuf::from("r.toml")));
    }

    // correlate PATH…
    #[test]
    fn correlate_takes_paths() {
        let Command::Correlate(args) = command(&["correlate", "dir", "a.log.gz"]) else {
            unreachable!()
        };
        assert_eq!(args.paths.len(), 2);
        assert_eq!(args.similarity, correlate::DEFAULT_SIMILARITY);
        assert!(parse(&["legolog", "correlate"]).is_err());
    }

    // --similarity
    #[test]
    fn similarity_flag() {
        let Command::Correlate(args) = command(&["correlate", "--similarity", "1", "d"]) else {
            unreachable!()
        };
        assert_eq!(args.similarity, 1.0);
        assert!(parse(&["legolog", "correlate", "--similarity", "1.5", "d"]).is_err());
        assert!(parse(&["legolog", "correlate", "--similarity", "x", "d"]).is_err());
    }

    // history --signature ID --since DATE
    #[test]
    fn history_flags() {
        let Command::History(args) =
            command(&["history", "--signature", "abc123", "--since", "2018-08-01"])
        else {
            unreachable!()
        };
        assert_eq!(args.signature.as_deref(), Some("abc123"));
        assert_eq!(args.since, Date::parse("2018-08-01"));
        assert!(parse(&["legolog", "history", "--since", "yesterday"]).is_err());
    }

    // report LOG --report N
    #[test]
    fn report_flags() {
        let Command::Report(args) = command(&["report", "--report", "2", "a.log"]) else {
            unreachable!()
        };
        assert_eq!(args.index, 2);
        assert!(parse(&["legolog", "report", "--report", "0", "a.log"]).is_err());
        assert!(parse(&["legolog", "report"]).is_err());
    }

    // --vmlinux FILE, --modules DIR (repeatable, needs --vmlinux)
    #[test]
    fn vmlinux_and_modules_flags() {
        let Command::Analyze(args) = command(&[
            "analyze",
            "--vmlinux",
            "vmlinux",
            "--modules",
            "a",
            "--modules",
            "b",
            "x.log",
        ]) else {
            unreachable!()
        };
        assert_eq!(args.symbols.vmlinux, Some(PathBuf::from("vmlinux")));
        assert_eq!(
            args.symbols.module_dirs,
            vec![PathBuf::from("a"), PathBuf::from("b")]
        );
        assert!(parse(&["legolog", "analyze", "--context", "5", "x.log"]).is_err());
        let Command::Analyze(args) = command(&[
            "analyze",
            "--debug-dir",
            "a",
            "--debug-dir",
            "b",
            "--debug-root",
            "/r",
            "-r",
            "6.1.0-56-amd64",
            "--strict",
            "--src",
            "linux",
            "--context",
            "5",
            "x.log",
        ]) else {
            unreachable!()
        };
        assert_eq!(args.locate.debug_dirs.len(), 2);
        assert_eq!(args.locate.debug_root, Some(PathBuf::from("/r")));
        assert_eq!(args.locate.release.as_deref(), Some("6.1.0-56-amd64"));
        assert!(args.locate.strict);
        assert_eq!(args.locate.context, 5);
        let Command::Correlate(args) = command(&["correlate", "--vmlinux", "v", "dir"]) else {
            unreachable!()
        };
        assert!(args.symbols.vmlinux.is_some());
        let Command::Report(args) = command(&["report", "--vmlinux", "v", "x.log"]) else {
            unreachable!()
        };
        assert!(args.symbols.vmlinux.is_some());
    }

    // symbolize --vmlinux FILE [--modules DIR] [--format json] QUERY…
    #[test]
    fn symbolize_command() {
        let Command::Symbolize(args) = command(&[
            "symbolize",
            "--vmlinux",
            "v",
            "--format",
            "json",
            "0xffffffff81000000",
            "f+0x1/0x2",
            "lkdtm",
        ]) else {
            unreachable!()
        };
        assert_eq!(args.format, SymbolizeFormat::Json);
        assert_eq!(args.queries.len(), 3);
        assert!(
            parse(&["legolog", "symbolize", "0x1"]).is_err(),
            "--vmlinux is required"
        );
    }
}
