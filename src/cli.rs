//! The command line: clap definitions and the `run` that wires them to the library.

use crate::analysis::{self, Analysis, Identity};
use crate::bugreport;
use crate::console::LiveFormat;
use crate::correlate;
use crate::decode::{self, Decoder};
use crate::history::History;
use crate::input::Source;
use crate::limits::Limits;
use crate::locate::{self, LocateOptions, Locator};
use crate::node::NodeSpec;
use crate::query;
use crate::render::{self, Style};
use crate::rules::RuleSet;
use crate::run::Date;
use crate::sanitize;
use crate::store;
use crate::watch;
use anyhow::bail;
use clap::{Parser, Subcommand, ValueEnum};
use legolog_parsers::ParseConfig;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    /// Follow live consoles (files like `tail -F`, FIFOs, stdin, serial devices) and print one
    /// line per report the moment it is complete; Ctrl-C ends it.
    #[command(after_help = EXIT_CODES_HELP)]
    Watch(WatchArgs),
    /// Put the reports of one run's nodes on one timeline and link related reports across
    /// nodes into incidents.
    #[command(after_help = EXIT_CODES_HELP)]
    Timeline(TimelineArgs),
    /// Resolve addresses or SYM+OFF[/SIZE] to function, file:line and inline chain, like
    /// `addr2line -f -i -p`.
    #[command(after_help = EXIT_CODES_HELP)]
    Symbolize(SymbolizeArgs),
    /// Name, merge, split or show the bugs of the history (like syzbot's `#syz dup`).
    Bug(crate::bugcmd::BugArgs),
    /// Why a log's reports got their signature and bug: frames kept and skipped (and by which
    /// rule), and for a similar match both frame lists side by side.
    #[command(after_help = EXIT_CODES_HELP)]
    Explain(crate::explain::ExplainArgs),
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    /// Log files to read; `-` reads standard input. gzip, xz and zstd are detected by content.
    #[arg(required_unless_present = "nodes", value_name = "LOG")]
    logs: Vec<PathBuf>,

    /// Output format. text and jsonl print each report as soon as it is complete (the summary
    /// comes at the end); json and markdown are documents written at the end.
    #[arg(long, short = 'f', value_enum, default_value_t = AnalyzeFormat::Text)]
    format: AnalyzeFormat,

    #[command(flatten)]
    idle: IdleArgs,

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

    /// After the reports, explain each one's signature and bug (as `legolog explain`).
    #[arg(long)]
    why: bool,

    #[command(flatten)]
    limit: LimitArgs,
}

/// Consoles of named nodes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NodeArgs {
    /// A node's console: NAME=PATH, or NAME=PATH,id=N with the node's id in the cluster (the
    /// LegoOS FIT node id); repeatable. A bare NAME is the node of the other logs given.
    /// Without it, a file named like a run (`0827-w14-6`) names its node (`w14`).
    #[arg(long = "node", value_name = "NAME[=PATH[,id=N]]", value_parser = crate::node::parse_spec)]
    pub nodes: Vec<NodeSpec>,
}

impl NodeArgs {
    /// The named consoles, then the plain paths.
    pub fn specs(&self, paths: &[PathBuf]) -> Vec<NodeSpec> {
        let mut specs: Vec<NodeSpec> = self.consoles().cloned().collect();
        specs.extend(paths.iter().cloned().map(NodeSpec::plain));
        specs
    }

    /// The `NAME=PATH` consoles.
    fn consoles(&self) -> impl Iterator<Item = &NodeSpec> {
        self.nodes
            .iter()
            .filter(|spec| !spec.path.as_os_str().is_empty())
    }

    /// The bare `--node NAME` (the last one given).
    fn name(&self) -> Option<String> {
        self.nodes
            .iter()
            .rev()
            .find(|spec| spec.path.as_os_str().is_empty())
            .and_then(|spec| spec.name.clone())
    }
}

/// When a live input counts as paused.
#[derive(Debug, Clone, clap::Args)]
struct IdleArgs {
    /// Seconds without input after which the report in progress on a live source (pipe, FIFO,
    /// terminal, followed file) is shown as it is. Should it go on after all, it is shown again
    /// as a correction that replaces it.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, value_parser = parse_idle)]
    idle: f64,
}

#[derive(Debug, clap::Args)]
struct WatchArgs {
    /// Consoles to follow: files (followed like `tail -F`, through truncation and replacement),
    /// FIFOs, `-` for stdin, serial devices (`/dev/ttyS0`, `/dev/ttyUSB0`).
    #[arg(required_unless_present = "nodes", value_name = "SOURCE")]
    sources: Vec<PathBuf>,

    /// Read files from their start instead of only what is appended from now on.
    #[arg(long)]
    from_start: bool,

    /// Baud rate of serial devices (raw 8N1); the device's setting is kept without it.
    #[arg(long, value_name = "RATE")]
    baud: Option<u32>,

    /// Output: one line per report (text) or one JSON object per line (jsonl, as `analyze`).
    #[arg(long, short = 'f', value_enum, default_value_t = WatchFormat::Text)]
    format: WatchFormat,

    /// Run this shell command for every report, with the report's JSON (a jsonl line) on its
    /// stdin. Runs one at a time without holding up reading; a failure is a warning.
    #[arg(long, value_name = "CMD")]
    exec: Option<String>,

    /// Colour on the terminal: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    #[command(flatten)]
    idle: IdleArgs,

    #[command(flatten)]
    db: DbArgs,

    #[command(flatten)]
    rules: RulesArgs,

    #[command(flatten)]
    limit: LimitArgs,
}

#[derive(Debug, clap::Args)]
struct TimelineArgs {
    /// Log files or directories (searched recursively).
    #[arg(required_unless_present = "nodes", value_name = "PATH")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    nodes: NodeArgs,

    /// Output format (text or json).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    #[command(flatten)]
    limit: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WatchFormat {
    /// One line per report.
    Text,
    /// One JSON object per line (docs/json.md).
    Jsonl,
}

/// The kernel image that symbolizes frames.
#[derive(Debug, Clone, clap::Args)]
pub struct SymbolArgs {
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
pub struct LocateArgs {
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
    pub(crate) strict: bool,

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

/// Where the run history lives, and what to record about the run.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DbArgs {
    /// History to read and record into: a SQLite file, or a shared PostgreSQL database
    /// (`postgresql://user[:password]@host[:port]/db`).
    ///
    /// Default: $LEGOLOG_DB, else `db = "…"` in $XDG_CONFIG_HOME/legolog/config.toml, else
    /// $XDG_DATA_HOME/legolog/history.sqlite3 (~/.local/share/legolog/history.sqlite3). A file
    /// is created when missing; one that is not a legolog history is never overwritten. A
    /// server that cannot be reached is an error (exit 2), never a fallback to a local file.
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,

    /// Neither read nor record the run history.
    #[arg(long, conflicts_with = "db")]
    pub no_db: bool,

    /// Run name to record (default: `MMDD-wN-R` from the file name, else the file stem).
    #[arg(long, value_name = "NAME")]
    pub run: Option<String>,

    /// `--node`: the node to record (default: `wN` of a run name), or named consoles.
    #[command(flatten)]
    pub nodes: NodeArgs,

    /// Run date for logs that print no wall-clock date (default: the day it is first recorded).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub run_date: Option<Date>,
}

impl DbArgs {
    /// The run flags.
    pub fn overrides(&self) -> crate::run::RunOverrides {
        crate::run::RunOverrides {
            run: self.run.clone(),
            node: self.nodes.name(),
            date: self.run_date,
        }
    }
}

/// The limits on hostile or endless input (src/limits.rs, docs/limits.md).
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Sets one limit for this run, KEY=N (N may end in K, M, G); repeatable. Keys:
    /// max_reports, max_report_bytes, max_log_bytes, max_symbol_bytes, max_rules,
    /// max_regex_bytes, max_query_bytes; also `[limits]` in $XDG_CONFIG_HOME/legolog/config.toml.
    #[arg(long = "limit", value_name = "KEY=N")]
    pub limits: Vec<String>,
}

/// Known-bug rules.
#[derive(Debug, Clone, clap::Args)]
pub struct RulesArgs {
    /// Known-bug rules (TOML, docs/rules.md), used with the built-in ones.
    ///
    /// Default: $XDG_CONFIG_HOME/legolog/rules.toml (~/.config/legolog/rules.toml) when it
    /// exists. A rules file that cannot be read or compiled is an error (exit 2).
    #[arg(long = "rules", value_name = "FILE")]
    pub file: Option<PathBuf>,
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

    /// History to read: a SQLite file or a `postgresql://` URL.
    ///
    /// Default: $LEGOLOG_DB, else the config file's `db`, else
    /// $XDG_DATA_HOME/legolog/history.sqlite3 (~/.local/share/legolog/history.sqlite3).
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
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

fn parse_idle(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("not a number: {text}"))?;
    if !(0.01..=86_400.0).contains(&value) {
        return Err(format!("{value} is not between 0.01 and 86400 seconds"));
    }
    Ok(value)
}

pub fn parse_date(text: &str) -> Result<Date, String> {
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

/// Output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AnalyzeFormat {
    /// Each report with its trace as it completes, a summary table at the end, for people.
    Text,
    /// The stable JSON contract (docs/json.md), one document at the end.
    Json,
    /// GitHub-flavoured Markdown, a section per report, at the end.
    Markdown,
    /// One JSON object per line, flushed as each report completes (docs/json.md).
    Jsonl,
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
        Command::Bug(args) => crate::bugcmd::run(args),
        Command::Explain(args) => crate::explain::run(args),
        Command::Watch(args) => watch(args),
        Command::Timeline(args) => timeline(args),
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
///
/// Where the history is (flags, environment, config file) is settled first: a bad config file
/// is an error (exit 2) before any output.
pub fn open_history(args: &DbArgs, rules: &RuleSet) -> anyhow::Result<(Option<History>, bool)> {
    if args.no_db {
        return Ok((None, false));
    }
    let Some(location) = store::locate(args.db.as_deref())? else {
        crate::eprint_safe!(
            "legolog: no history (neither XDG_DATA_HOME nor HOME is set; use --db)"
        );
        return Ok((None, false));
    };
    Ok(match store::open(&location, rules) {
        Ok(history) => (Some(history), false),
        Err(err) => (None, history_write_failed(&err)),
    })
}

/// Prints why the history could not be written; `true` for the exit code.
fn history_write_failed(err: &anyhow::Error) -> bool {
    crate::eprint_safe!("legolog: warning: {err:#}; the analysis is not recorded");
    true
}

/// Logs are hashed only when a history will record them.
pub fn identity_for(history: &Option<History>) -> Identity {
    match history {
        Some(_) => Identity::Hash,
        None => Identity::Skip,
    }
}

/// Opens `--vmlinux` when given; an unusable file is reported and the analysis goes on.
pub fn open_decoder(args: &SymbolArgs) -> (Option<Decoder>, bool) {
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

pub fn analyze_all(
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
pub fn warn_about(input: &analysis::InputSummary, limits: &Limits) -> bool {
    for warning in input.warnings(limits) {
        crate::eprint_safe!("legolog: warning: {warning}");
    }
    input.damaged()
}

/// The run's limits (config file, then `--limit`); the symbol-file limit applies to every
/// image opened from now on.
pub fn load_limits(args: &LimitArgs) -> anyhow::Result<Limits> {
    let limits = Limits::load(&args.limits)?;
    decode::set_max_symbol_bytes(limits.max_symbol_bytes);
    Ok(limits)
}

/// The rules, with a warning for each limit their loading reached.
pub fn load_rules(args: &RulesArgs, limits: &Limits) -> anyhow::Result<RuleSet> {
    let rules = RuleSet::load(args.file.as_deref(), limits)?;
    for warning in &rules.warnings {
        crate::eprint_safe!("legolog: warning: {warning}");
    }
    Ok(rules)
}

/// What `analyze`, `report` and `explain` share: rules, history, the kernel image, the parsed
/// logs.
pub struct Loaded {
    /// Known-bug rules.
    pub rules: RuleSet,
    /// The logs, with each report's bug when a history is open.
    pub analysis: Analysis,
    /// The history, when open.
    pub history: Option<History>,
    /// An input or the kernel image could not be read (exit code 2).
    pub failed: bool,
    /// The history could not be opened or written (exit code 4).
    pub history_failed: bool,
}

/// Loads rules and history first (a bad rules file or database stops before any output), then
/// the kernel image, then parses, decodes and records every log.
pub fn load(
    specs: &[NodeSpec],
    (rules, limit): (&RulesArgs, &LimitArgs),
    db: &DbArgs,
    (symbols, locate): (&SymbolArgs, &LocateArgs),
) -> anyhow::Result<Loaded> {
    let limits = load_limits(limit)?;
    let rules = load_rules(rules, &limits)?;
    let (mut history, mut history_failed) = open_history(db, &rules)?;
    let locator = Locator::new(locate_options(symbols, locate)?);
    let logs: Vec<PathBuf> = specs.iter().map(|s| s.path.clone()).collect();
    let (mut analysis, failed) = analyze_all(
        &logs,
        (&rules, &limits),
        Some(&locator),
        identity_for(&history),
    );
    analysis.override_runs(&db.overrides());
    name_nodes(&mut analysis, specs);
    if let Some(history) = &mut history {
        if let Err(err) = analysis.record_and_attach(history) {
            history_failed = history_write_failed(&err);
        }
    }
    Ok(Loaded {
        rules,
        analysis,
        history,
        failed: failed || locator.failed(),
        history_failed,
    })
}

fn locate_options(symbols: &SymbolArgs, locate: &LocateArgs) -> anyhow::Result<LocateOptions> {
    LocateOptions::with_config(
        symbols.vmlinux.clone(),
        symbols.module_dirs.clone(),
        locate.debug_dirs.clone(),
        locate.debug_root.clone(),
        locate.release.clone(),
        locate.src.clone().map(|src| (src, locate.context)),
    )
}

/// The exit code once the output is written: 3 for `--strict` mismatches (explained on
/// stderr), 2 when something could not be read, 4 when only the history failed.
pub fn exit_code(
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
pub fn plain_exit_code(failed: bool, history_failed: bool) -> ExitCode {
    ExitCode::from(match (failed, history_failed) {
        (true, _) => EXIT_ERROR,
        (false, true) => EXIT_HISTORY,
        (false, false) => EXIT_OK,
    })
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let specs = args.db.nodes.specs(&args.logs);
    let live_format = match args.format {
        AnalyzeFormat::Text => Some(LiveFormat::Blocks(terminal_style(args.color))),
        AnalyzeFormat::Jsonl => Some(LiveFormat::Jsonl),
        AnalyzeFormat::Json | AnalyzeFormat::Markdown => None,
    };
    if let Some(format) = live_format {
        let limits = load_limits(&args.limit)?;
        let rules = load_rules(&args.rules, &limits)?;
        let (mut history, history_failed) = open_history(&args.db, &rules)?;
        let locator = Locator::new(locate_options(&args.symbols, &args.locate)?);
        let colour = matches!(format, LiveFormat::Blocks(style) if style.color);
        let setup = watch::Setup {
            format,
            out: sanitize::stdout(matches!(format, LiveFormat::Jsonl), colour),
            rules: &rules,
            limits: &limits,
            locator: Some(&locator),
            history: history.as_mut(),
            idle: Duration::from_secs_f64(args.idle.idle),
            exec: None,
            overrides: args.db.overrides(),
        };
        let ended = watch::analyze(&specs, &ParseConfig::standard(), setup)?;
        if ended.history_failed {
            history = None;
        }
        if args.why {
            let mut out = sanitize::stdout(false, colour);
            crate::explain::write(&mut out, &ended.analysis, &rules, history.as_mut())?;
            out.flush()?;
        }
        return Ok(exit_code(
            &ended.analysis,
            args.locate.strict,
            (
                ended.failed || locator.failed(),
                history_failed || ended.history_failed,
            ),
        ));
    }
    let symbols = (&args.symbols, &args.locate);
    let loaded = load(&specs, (&args.rules, &args.limit), &args.db, symbols)?;
    let Loaded {
        rules,
        analysis,
        mut history,
        failed,
        history_failed,
    } = loaded;
    let style = terminal_style(args.color);
    let mut out = sanitize::stdout(args.format == AnalyzeFormat::Json, style.color);
    match args.format {
        AnalyzeFormat::Markdown => render::markdown::write(&mut out, &analysis)?,
        _ => render::json::write(&mut out, &analysis)?,
    }
    if args.why {
        crate::explain::write(&mut out, &analysis, &rules, history.as_mut())?;
    }
    out.flush()?;
    Ok(exit_code(
        &analysis,
        args.locate.strict,
        (failed, history_failed),
    ))
}

/// Gives each input the node name its `--node` gave it.
fn name_nodes(analysis: &mut Analysis, specs: &[NodeSpec]) {
    for input in &mut analysis.inputs {
        if let Some(spec) = specs
            .iter()
            .find(|spec| Source::from_arg(&spec.path) == input.source)
        {
            if spec.name.is_some() {
                input.run.node = spec.name.clone();
            }
        }
    }
}

fn watch(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let specs = args.db.nodes.specs(&args.sources);
    let limits = load_limits(&args.limit)?;
    let rules = load_rules(&args.rules, &limits)?;
    let (mut history, history_failed) = open_history(&args.db, &rules)?;
    let style = terminal_style(args.color);
    let format = match args.format {
        WatchFormat::Text => LiveFormat::Lines(style),
        WatchFormat::Jsonl => LiveFormat::Jsonl,
    };
    let setup = watch::Setup {
        format,
        out: sanitize::stdout(args.format == WatchFormat::Jsonl, style.color),
        rules: &rules,
        limits: &limits,
        locator: None,
        history: history.as_mut(),
        idle: Duration::from_secs_f64(args.idle.idle),
        exec: args.exec.clone(),
        overrides: args.db.overrides(),
    };
    let options = watch::WatchOptions {
        from_start: args.from_start,
        baud: args.baud,
    };
    let ended = watch::watch(&specs, &ParseConfig::standard(), &options, setup)?;
    Ok(plain_exit_code(
        ended.failed,
        history_failed || ended.history_failed,
    ))
}

fn timeline(args: TimelineArgs) -> anyhow::Result<ExitCode> {
    let limits = load_limits(&args.limit)?;
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
    let mut specs: Vec<NodeSpec> = args.nodes.consoles().cloned().collect();
    specs.extend(paths.into_iter().map(NodeSpec::plain));
    let (timeline, read_failed) =
        crate::timeline::build(&specs, (&ParseConfig::standard(), &limits));
    failed |= read_failed;
    let mut out = sanitize::stdout(args.format == Format::Json, false);
    match args.format {
        Format::Json => crate::timeline::write_json(&mut out, &timeline)?,
        Format::Text | Format::Markdown => crate::timeline::write_text(&mut out, &timeline)?,
    }
    out.flush()?;
    Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_OK }))
}

fn correlate(args: CorrelateArgs) -> anyhow::Result<ExitCode> {
    let limits = load_limits(&args.limit)?;
    let rules = load_rules(&args.rules, &limits)?;
    let (mut history, mut history_failed) = open_history(&args.db, &rules)?;
    if let Some(history) = &mut history {
        history.set_similarity(args.similarity);
    }
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
    let overrides = args.db.overrides();
    for log in &mut logs {
        overrides.apply(&mut log.input.run);
    }
    let mut groups = correlate::group(&logs, args.similarity);
    if let Some(history) = &mut history {
        match correlate::record_and_attach(history, &logs, groups.clone()) {
            Ok(attached) => groups = attached,
            Err(err) => history_failed = history_write_failed(&err),
        }
    }
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
    let Some(location) = store::locate(args.db.as_deref())? else {
        bail!("no history location (neither XDG_DATA_HOME nor HOME is set; use --db)");
    };
    if location.is_missing() {
        println!(
            "no history yet at {}",
            sanitize::terminal(&location.shown())
        );
        return Ok(ExitCode::from(EXIT_OK));
    }
    let mut history = store::open(&location, &RuleSet::load(None, &Limits::default())?)?;
    let path = sanitize::terminal(&location.shown()).into_owned();
    let style = terminal_style(ColorChoice::Auto);
    let mut out = sanitize::stdout(
        args.format == Format::Json && args.signature.is_none(),
        style.color,
    );
    if let Some(prefix) = &args.signature {
        let ids = history.find_signatures(prefix)?;
        let id = match ids.as_slice() {
            [id] => id,
            [] => bail!("{path}: no signature starts with {prefix}"),
            _ => bail!(
                "{path}: {} signatures start with {prefix}; give more of the id",
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
        let rows = history.bugs(args.since)?;
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
        ..
    } = load(
        &args.db.nodes.specs(&args.logs),
        (&args.rules, &args.limit),
        &args.db,
        symbols,
    )?;
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

/// The style for standard output.
pub fn terminal_style_auto() -> Style {
    terminal_style(ColorChoice::Auto)
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
        assert_eq!(args.format, AnalyzeFormat::Text);
    }

    #[test]
    fn format_flag() {
        let Command::Analyze(args) = analyze_args(&["--format", "json", "a.log"]) else {
            unreachable!()
        };
        assert_eq!(args.format, AnalyzeFormat::Json);
        assert!(parse(&["legolog", "analyze", "--format", "yaml", "a.log"]).is_err());
        let Command::Analyze(args) = analyze_args(&["--format", "jsonl", "--idle", "0.5", "-"])
        else {
            unreachable!()
        };
        assert_eq!(args.format, AnalyzeFormat::Jsonl);
        assert_eq!(args.idle.idle, 0.5);
        assert!(parse(&["legolog", "analyze", "--idle", "0", "-"]).is_err());
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
        assert_eq!(args.db.db.as_deref(), Some("/tmp/h.sqlite3"));
        assert!(!args.db.no_db);
        let Command::Correlate(args) = command(&["correlate", "--db", "h", "dir"]) else {
            unreachable!()
        };
        assert_eq!(args.db.db.as_deref(), Some("h"));
        let Command::Analyze(args) = analyze_args(&[
            "--db",
            "postgresql://u@h/d",
            "--run",
            "0827-w14-6",
            "--node",
            "w14",
            "--run-date",
            "2018-08-27",
            "a.log",
        ]) else {
            unreachable!()
        };
        assert_eq!(args.db.db.as_deref(), Some("postgresql://u@h/d"));
        let overrides = args.db.overrides();
        assert_eq!(overrides.run.as_deref(), Some("0827-w14-6"));
        assert_eq!(overrides.node.as_deref(), Some("w14"));
        assert_eq!(overrides.date, Date::parse("2018-08-27"));
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
