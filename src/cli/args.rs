//! The command line's clap definitions: a flag's doc comment is its help. Each subcommand's
//! arguments and the flag groups several share; `cli/mod.rs` joins them into `Command`.

use crate::identity::node::NodeSpec;
use crate::identity::run::Date;
use crate::identity::signature;
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Log files to read; `-` reads standard input. gzip, xz and zstd are detected by content.
    #[arg(required_unless_present = "nodes", value_name = "LOG")]
    pub(crate) logs: Vec<PathBuf>,

    /// Output format. text and jsonl print each report as soon as it is complete (the summary
    /// comes at the end); json and markdown are documents written at the end.
    #[arg(long, short = 'f', value_enum, default_value_t = AnalyzeFormat::Text)]
    pub(crate) format: AnalyzeFormat,

    #[command(flatten)]
    pub(crate) idle: IdleArgs,

    #[command(flatten)]
    pub(crate) color: ColorArgs,

    #[command(flatten)]
    pub(crate) db: DbArgs,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) symbols: SymbolArgs,

    #[command(flatten)]
    pub(crate) locate: LocateArgs,

    /// After the reports, explain each one's signature and bug (as `legolog explain`).
    #[arg(long)]
    pub(crate) why: bool,

    #[command(flatten)]
    pub(crate) fail_on: FailOnArgs,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

/// Consoles of named nodes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NodeArgs {
    /// A node's console: NAME=PATH, or NAME=PATH,id=N with the node's id in the cluster (the
    /// LegoOS FIT node id); repeatable. A bare NAME is the node of the other logs given.
    /// Without it, a file named like a run (`0827-w14-6`) names its node (`w14`).
    #[arg(long = "node", value_name = "NAME[=PATH[,id=N]]", value_parser = crate::identity::node::parse_spec)]
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
    pub fn consoles(&self) -> impl Iterator<Item = &NodeSpec> {
        self.nodes
            .iter()
            .filter(|spec| !spec.path.as_os_str().is_empty())
    }

    /// The bare `--node NAME` (the last one given).
    pub fn name(&self) -> Option<String> {
        self.nodes
            .iter()
            .rev()
            .find(|spec| spec.path.as_os_str().is_empty())
            .and_then(|spec| spec.name.clone())
    }
}

/// When a live input counts as paused.
#[derive(Debug, Clone, clap::Args)]
pub struct IdleArgs {
    /// Seconds without input after which the report in progress on a live source (pipe, FIFO,
    /// terminal, followed file) is shown as it is. Should it go on after all, it is shown again
    /// as a correction that replaces it.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, value_parser = parse_idle)]
    pub idle: f64,
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Consoles to follow: files (followed like `tail -F`, through truncation and replacement),
    /// FIFOs, `-` for stdin, serial devices (`/dev/ttyS0`, `/dev/ttyUSB0`).
    #[arg(required_unless_present = "nodes", value_name = "SOURCE")]
    pub(crate) sources: Vec<PathBuf>,

    /// Read files from their start instead of only what is appended from now on.
    #[arg(long)]
    pub(crate) from_start: bool,

    /// Baud rate of serial devices (raw 8N1); the device's setting is kept without it.
    #[arg(long, value_name = "RATE")]
    pub(crate) baud: Option<u32>,

    /// Output: one line per report (text) or one JSON object per line (jsonl, as `analyze`).
    #[arg(long, short = 'f', value_enum, default_value_t = WatchFormat::Text)]
    pub(crate) format: WatchFormat,

    /// Run this shell command for every report, with the report's JSON (a jsonl line) on its
    /// stdin. Runs one at a time without holding up reading; a failure is a warning.
    #[arg(long, value_name = "CMD")]
    pub(crate) exec: Option<String>,

    #[command(flatten)]
    pub(crate) color: ColorArgs,

    #[command(flatten)]
    pub(crate) idle: IdleArgs,

    #[command(flatten)]
    pub(crate) db: DbArgs,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) symbols: SymbolArgs,

    #[command(flatten)]
    pub(crate) locate: LocateArgs,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

#[derive(Debug, clap::Args)]
pub struct TimelineArgs {
    /// Log files or directories (searched recursively, as for `correlate`).
    #[arg(required_unless_present = "nodes", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) nodes: NodeArgs,

    #[command(flatten)]
    pub(crate) walk: WalkArgs,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = HistoryFormat::Text)]
    pub(crate) format: HistoryFormat,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

/// Output formats of `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// One line per report.
    Text,
    /// One JSON object per line (docs/json.md).
    Jsonl,
}

/// The limits on hostile or endless input (src/limits.rs, docs/limits.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LimitArgs {
    /// Sets one limit for this run, KEY=N (N may end in K, M, G); repeatable. Keys:
    /// max_reports, max_report_bytes, max_log_bytes, max_symbol_bytes, max_rules,
    /// max_regex_bytes, max_query_bytes; also `[limits]` in $XDG_CONFIG_HOME/legolog/config.toml.
    #[arg(long = "limit", value_name = "KEY=N")]
    pub limits: Vec<String>,
}

/// Failing a CI run on what was found.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FailOnArgs {
    /// Exit with code 1 when a report matches: `new` (its bug is new in the history this run),
    /// `regression` (seen on a build at or after the one its bug was fixed in), `label:NAME` (known-bug rule NAME matched), `kind:KIND` (e.g. `kind:kasan`); repeatable,
    /// any match fails. The output is written first; each match is one line on stderr.
    #[arg(long = "fail-on", value_name = "CONDITION", value_parser = parse_fail_on)]
    pub conditions: Vec<FailOn>,
}

/// A `--fail-on` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailOn {
    /// The report's bug was created by this run.
    New,
    /// The report is on a build at or after the one its bug was fixed in.
    Regression,
    /// A known-bug rule of this name matched.
    Label(String),
    /// The report is of this kind.
    Kind(String),
}

fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    if text == "new" {
        return Ok(FailOn::New);
    }
    if text == "regression" {
        return Ok(FailOn::Regression);
    }
    if let Some(name) = text.strip_prefix("label:").filter(|n| !n.is_empty()) {
        return Ok(FailOn::Label(name.to_owned()));
    }
    if let Some(kind) = text.strip_prefix("kind:") {
        let kinds: Vec<&str> = legolog_parsers::Kind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        if kinds.contains(&kind) {
            return Ok(FailOn::Kind(kind.to_owned()));
        }
        return Err(format!(
            "unknown kind {kind:?}; kinds: {}",
            kinds.join(", ")
        ));
    }
    Err(format!(
        "{text:?}: expected new, regression, label:NAME or kind:KIND"
    ))
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
    pub(crate) vmlinux: Option<PathBuf>,

    /// Directory searched recursively for module files (NAME.ko, .ko.xz, .ko.zst, .ko.gz),
    /// Debian's debug layout included; repeatable. Used with whichever vmlinux decodes a report.
    #[arg(long = "modules", value_name = "DIR")]
    pub(crate) module_dirs: Vec<PathBuf>,
}

impl LocateArgs {
    /// Where kernel images are: these flags, `symbols`' and the config file's places.
    pub fn options(
        &self,
        symbols: &SymbolArgs,
        settings: &crate::config::settings::Settings,
    ) -> anyhow::Result<crate::symbolize::locate::LocateOptions> {
        crate::symbolize::locate::LocateOptions::with_settings(
            symbols.vmlinux.clone(),
            symbols.module_dirs.clone(),
            self.debug_dirs.clone(),
            self.debug_root.clone(),
            self.release.clone(),
            self.src.clone().map(|src| (src, self.context)),
            settings,
        )
    }
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
    pub(crate) debug_dirs: Vec<PathBuf>,

    /// Root of installed distro debug packages (default /, also `debug_root` in the config
    /// file): usr/lib/debug/boot/vmlinux-REL, usr/lib/debug/lib/modules/REL/vmlinux,
    /// lib/modules/REL/build/vmlinux and usr/lib/debug/.build-id/xx/yyyy.debug; modules under
    /// usr/lib/debug/lib/modules/REL. Then debuginfod (DEBUGINFOD_URLS) by build id.
    #[arg(long, value_name = "DIR")]
    pub(crate) debug_root: Option<PathBuf>,

    /// Kernel release (`uname -r`) to look up when the log prints none.
    #[arg(long, short = 'r', value_name = "RELEASE")]
    pub(crate) release: Option<String>,

    /// Exit with code 3 when a report does not match the kernel image that decoded it.
    #[arg(long)]
    pub(crate) strict: bool,

    /// Kernel source tree: show the source lines around each frame's line.
    #[arg(long, value_name = "DIR")]
    pub(crate) src: Option<PathBuf>,

    /// Lines of source shown before and after each frame's line with --src.
    #[arg(long, value_name = "N", default_value_t = 3, requires = "src")]
    pub(crate) context: u32,
}

#[derive(Debug, clap::Args)]
pub struct SymbolizeArgs {
    /// Kernel ELF with symbols (`-e` as in addr2line).
    #[arg(long, short = 'e', value_name = "VMLINUX", required = true)]
    pub(crate) vmlinux: PathBuf,

    /// Directory searched recursively for module files; repeatable.
    #[arg(long = "modules", value_name = "DIR")]
    pub(crate) module_dirs: Vec<PathBuf>,

    /// Output style: GNU (`addr2line -f -i -p`: `function at file:line`, ` (inlined by) …`),
    /// LLVM (llvm-symbolizer: function and file:line:column lines, a blank line after each
    /// query) or JSON (one document, `version` and a result per query). `--format text|json`
    /// is the same flag.
    #[arg(long = "output-style", visible_alias = "format", value_enum, ignore_case = true,
          default_value_t = SymbolizeFormat::Gnu)]
    pub(crate) format: SymbolizeFormat,

    /// Print each query's address before its location, as `addr2line -a`.
    #[arg(long = "addresses", short = 'a')]
    pub(crate) addresses: bool,

    /// Accepted for addr2line's `-f`: function names are always shown.
    #[arg(long = "functions", short = 'f')]
    pub(crate) functions: bool,

    /// Accepted for addr2line's `-i`: inline chains are always shown.
    #[arg(long = "inlines", short = 'i')]
    pub(crate) inlines: bool,

    /// Accepted for addr2line's `-p`: the GNU style is addr2line's pretty print.
    #[arg(long = "pretty-print", short = 'p')]
    pub(crate) pretty_print: bool,

    /// Queries: an address (hex, link-time) or SYM+OFF[/SIZE], each optionally followed by a
    /// module name, or a trace line as the kernel printed it (`[<addr>] ? sym+off/size [mod]`,
    /// ` sym+off/size [mod]`, `RIP: 0010:sym+off/size`, with or without a timestamp). None
    /// reads one query per line from standard input.
    #[arg(value_name = "QUERY")]
    pub(crate) queries: Vec<String>,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

/// Output styles of `symbolize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SymbolizeFormat {
    /// `function at file:line`, then ` (inlined by) …` lines (addr2line -f -i -p).
    #[value(alias = "text")]
    Gnu,
    /// llvm-symbolizer's: function, then file:line:column, per frame; a blank line per query.
    Llvm,
    /// One JSON document with a result per query.
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
    /// history that cannot be used (a server that cannot be reached, a read-only file) is a
    /// warning and exit code 4 after the output, never a fallback to a local file.
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
    /// `--no-db` and `--db`.
    pub fn history(&self) -> (bool, Option<&str>) {
        (self.no_db, self.db.as_deref())
    }

    /// What `ops::load::load` reads for `logs`, with these flags and `rules`.
    pub fn request<'a>(
        &'a self,
        logs: &[PathBuf],
        rules: &'a RulesArgs,
        locate: crate::symbolize::locate::LocateOptions,
    ) -> crate::ops::load::Request<'a> {
        crate::ops::load::Request {
            specs: self.nodes.specs(logs),
            overrides: self.overrides(),
            rules: rules.file.as_deref(),
            history: self.history(),
            locate,
        }
    }

    /// The run flags.
    pub fn overrides(&self) -> crate::identity::run::RunOverrides {
        crate::identity::run::RunOverrides {
            run: self.run.clone(),
            node: self.nodes.name(),
            date: self.run_date,
        }
    }
}

/// Walking directories, like fd.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WalkArgs {
    /// In directories, read only files whose name matches this glob (`*.log`, `0826-w*`);
    /// repeatable. Files named on the command line are always read.
    #[arg(long = "glob", short = 'g', value_name = "PATTERN")]
    pub globs: Vec<String>,

    /// Also enter hidden directories and read hidden files (names starting with `.`).
    #[arg(long, short = 'H')]
    pub hidden: bool,

    /// List each file a directory walk skipped (binary data, text that is no log, symlink
    /// loops, FIFOs and devices) and why; without it one line counts them.
    #[arg(long, short = 'v')]
    pub verbose: bool,
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
pub struct CorrelateArgs {
    /// Log files or directories (searched recursively, symlinks followed, each file read once);
    /// gzip, xz and zstd are detected by content.
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) walk: WalkArgs,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,

    #[command(flatten)]
    pub(crate) color: ColorArgs,

    /// Cluster signatures of one kind whose frame similarity is at least this (0–1; 1 = exact).
    ///
    /// Similarity is one minus the edit distance over frame names divided by the signature
    /// length; 0.8 lets one frame of five differ.
    #[arg(long, value_name = "0..1", default_value_t = signature::DEFAULT_SIMILARITY,
          value_parser = parse_similarity)]
    pub(crate) similarity: f64,

    #[command(flatten)]
    pub(crate) db: DbArgs,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) symbols: SymbolArgs,

    #[command(flatten)]
    pub(crate) fail_on: FailOnArgs,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Show every recorded occurrence of one signature (a prefix of its id is enough).
    #[arg(long, value_name = "ID")]
    pub(crate) signature: Option<String>,

    /// Only signatures seen in runs dated on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub(crate) since: Option<Date>,

    /// Show one bug as `bug show` does: every build and node with counts and dates.
    #[arg(long, value_name = "ID", conflicts_with = "signature")]
    pub(crate) bug: Option<String>,

    /// Output format (text or json; both for the bug list and for --signature).
    #[arg(long, short = 'f', value_enum, default_value_t = HistoryFormat::Text)]
    pub(crate) format: HistoryFormat,

    /// History to read: a SQLite file or a `postgresql://` URL.
    ///
    /// Default: $LEGOLOG_DB, else the config file's `db`, else
    /// $XDG_DATA_HOME/legolog/history.sqlite3 (~/.local/share/legolog/history.sqlite3).
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) db: Option<String>,
}

/// Output formats of `legolog report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Markdown, ready to paste into a tracker (a log's report; the default).
    Markdown,
    /// One self-contained HTML page (a log's report).
    Html,
    /// The report's block (a recorded crash, --bug; the default there).
    Text,
    /// The recorded document (a recorded crash, --bug).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The log with the report; further logs count as occurrences when they hold the same bug.
    #[arg(required_unless_present = "bug", value_name = "LOG")]
    pub(crate) logs: Vec<PathBuf>,

    /// Print a crash recorded in the history for this bug (the newest kept; see --crash),
    /// without its log.
    #[arg(long, value_name = "ID", conflicts_with = "logs")]
    pub(crate) bug: Option<String>,

    /// With --bug: the crash id (`bug show ID` lists them).
    #[arg(long, value_name = "N", requires = "bug")]
    pub(crate) crash: Option<i64>,

    /// Which report of the given logs to write (1-based, in log order).
    #[arg(long = "report", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) index: u32,

    /// A log's report: markdown for a tracker (default) or html, one self-contained page (mail,
    /// an attachment). A recorded crash (--bug): text, the report's block (default), or json, its
    /// recorded document.
    #[arg(long, short = 'f', value_enum)]
    pub(crate) format: Option<ReportFormat>,

    #[command(flatten)]
    pub(crate) db: DbArgs,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) symbols: SymbolArgs,

    #[command(flatten)]
    pub(crate) locate: LocateArgs,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

/// `legolog explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The log to explain (it is recorded in the history like `analyze` does).
    #[arg(required = true, value_name = "LOG")]
    pub(crate) logs: Vec<PathBuf>,

    /// Only this report (1-based, in log order).
    #[arg(long = "report", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) index: Option<u32>,

    #[command(flatten)]
    pub(crate) db: DbArgs,

    #[command(flatten)]
    pub(crate) rules: RulesArgs,

    #[command(flatten)]
    pub(crate) symbols: SymbolArgs,

    #[command(flatten)]
    pub(crate) locate: LocateArgs,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

/// `legolog bug`.
#[derive(Debug, clap::Args)]
pub struct BugArgs {
    #[command(subcommand)]
    pub(crate) action: BugAction,

    /// History: a SQLite file or a `postgresql://` URL (default as for `analyze`).
    #[arg(long, value_name = "PATH|URL", global = true)]
    pub(crate) db: Option<String>,

    /// Who makes the change, for the audit (default: user@host).
    #[arg(long, value_name = "WHO", global = true)]
    pub(crate) by: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum BugAction {
    /// Give a bug a name (shown in every output) and optionally a link.
    Name {
        /// Bug id (a unique prefix is enough).
        id: String,
        /// The name, e.g. "lost send CQE".
        name: String,
        /// A link (tracker issue, mailing-list thread).
        #[arg(long, value_name = "URL")]
        link: Option<String>,
    },
    /// Merge bugs into the first one (like syzbot's `#syz dup`); the others' ids keep
    /// resolving to it.
    Merge {
        /// The bug that stays, then the bugs merged into it.
        #[arg(required = true, num_args = 2.., value_name = "ID")]
        ids: Vec<String>,
    },
    /// Move one signature out of a bug into a bug of its own: `split BUG SIGNATURE`, or
    /// `split SIGNATURE` for an attachment of `bug review`.
    Split {
        /// Bug id; or, alone, an attachment of `bug review` (a unique prefix of its
        /// signature).
        id: String,
        /// The signature to move out (a unique prefix of its id).
        signature: Option<String>,
    },
    /// List the signatures attached to bugs by a similar (not exact) match and not confirmed
    /// yet, weakest first, each with its frames aligned against the bug's closest founding
    /// signature, its similarity and the rule that decided it.
    Review {
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = HistoryFormat::Text)]
        format: HistoryFormat,
    },
    /// Accept a similar match of `bug review`: the attachment (a unique prefix of its
    /// signature) or every attachment of a bug leaves the queue; audited on the bug.
    Confirm {
        /// An attachment's signature (prefix), or a bug id.
        #[arg(value_name = "ID|REPORT")]
        target: String,
    },
    /// Show a bug: status and its audit, signatures, counts, runs, every build and node with
    /// counts and dates, the crashes kept; `--crash N` prints one recorded crash.
    Show {
        /// Bug id.
        id: String,
        /// Print this recorded crash (its id from the crash list) from the history alone.
        #[arg(long, value_name = "N")]
        crash: Option<i64>,
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = HistoryFormat::Text)]
        format: HistoryFormat,
    },
    /// Mark a bug fixed in a kernel build; a report on that build or a newer one is a
    /// regression (docs/lifecycle.md).
    Fix {
        /// Bug id.
        id: String,
        /// The build: as the log prints it (`4.0.0-lego+ #27`), or `#27` of the bug's release.
        #[arg(long = "in", value_name = "BUILD")]
        build: String,
        /// The fix's commit.
        #[arg(long, value_name = "SHA")]
        commit: Option<String>,
        /// A note.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Mark a bug invalid (a broken test setup, …).
    Invalid {
        /// Bug id.
        id: String,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        why: String,
    },
    /// Mark a bug a duplicate of another: its reports count to the other (reversible with
    /// `undup`).
    Dup {
        /// The duplicate.
        id: String,
        /// The bug it duplicates.
        of: String,
    },
    /// Undo `dup`: the bug is open again and its reports count to it.
    Undup {
        /// Bug id.
        id: String,
    },
    /// Reopen a fixed or invalid bug.
    Reopen {
        /// Bug id.
        id: String,
    },
    /// Pin a recorded crash so that retention always keeps it.
    Pin {
        /// Bug id.
        id: String,
        /// Crash id (from `bug show`).
        crash: i64,
    },
    /// Undo `pin`: retention treats the crash as any other again.
    Unpin {
        /// Bug id.
        id: String,
        /// Crash id (from `bug show`).
        crash: i64,
    },
}

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// The log to pass through (`-` or none: standard input). gzip, xz and zstd are detected by
    /// content.
    #[arg(value_name = "LOG")]
    pub(crate) log: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) symbols: SymbolArgs,

    #[command(flatten)]
    pub(crate) locate: LocateArgs,

    #[command(flatten)]
    pub(crate) limit: LimitArgs,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
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
pub enum Format {
    /// A summary table and each report with its trace, for people.
    Text,
    /// The stable JSON contract (docs/json.md).
    Json,
    /// GitHub-flavoured Markdown, a section per report.
    Markdown,
}

/// Output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    /// Each report with its trace as it completes, a summary table at the end, for people.
    Text,
    /// The stable JSON contract (docs/json.md), one document at the end.
    Json,
    /// GitHub-flavoured Markdown, a section per report, at the end.
    Markdown,
    /// One JSON object per line, flushed as each report completes (docs/json.md).
    Jsonl,
}

/// Output formats of `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// A table of bugs, or the occurrences of one signature.
    Text,
    /// The JSON contract (docs/json.md), `version` included.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Colour on the terminal.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ColorArgs {
    /// Colour on the terminal: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

impl ColorArgs {
    /// The style of standard output (`render::terminal`).
    pub fn style(self) -> crate::render::Style {
        crate::render::terminal::terminal_style(match self.color {
            ColorChoice::Auto => None,
            ColorChoice::Always => Some(true),
            ColorChoice::Never => Some(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

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
        assert_eq!(args.color.color, ColorChoice::Never);
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
        assert_eq!(args.similarity, signature::DEFAULT_SIMILARITY);
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
        // Issue 10: a format history does not write is refused at parse time.
        assert!(parse(&["legolog", "history", "--format", "markdown"]).is_err());
        assert!(parse(&["legolog", "history", "--format", "json"]).is_ok());
    }

    // bug pin|unpin ID CRASH [--by WHO]
    #[test]
    fn bug_pin_and_unpin() {
        let Command::Bug(args) = command(&["bug", "unpin", "abc", "7", "--by", "ana"]) else {
            unreachable!()
        };
        assert!(matches!(
            args.action,
            BugAction::Unpin { ref id, crash: 7 } if id == "abc"
        ));
        assert_eq!(args.by.as_deref(), Some("ana"));
        assert!(parse(&["legolog", "bug", "unpin", "abc", "seven"]).is_err());
        assert!(parse(&["legolog", "bug", "pin", "abc"]).is_err());
    }

    // --fail-on new|label:NAME|kind:KIND
    #[test]
    fn fail_on_flag() {
        let Command::Analyze(args) = analyze_args(&[
            "--fail-on",
            "new",
            "--fail-on",
            "label:cq-stall",
            "--fail-on",
            "kind:lego-watchdog",
            "a.log",
        ]) else {
            unreachable!()
        };
        assert_eq!(
            args.fail_on.conditions,
            vec![
                FailOn::New,
                FailOn::Label("cq-stall".into()),
                FailOn::Kind("lego-watchdog".into())
            ]
        );
        assert!(parse(&["legolog", "analyze", "--fail-on", "kind:nosuch", "a.log"]).is_err());
        assert!(parse(&["legolog", "analyze", "--fail-on", "old", "a.log"]).is_err());
        assert!(parse(&["legolog", "correlate", "--fail-on", "new", "d"]).is_ok());
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
        let Command::Symbolize(args) = command(&[
            "symbolize",
            "-e",
            "v",
            "-a",
            "-f",
            "-i",
            "-p",
            "--output-style=LLVM",
            "0x1",
        ]) else {
            unreachable!()
        };
        assert_eq!(args.format, SymbolizeFormat::Llvm);
        assert!(args.addresses);
        assert!(
            parse(&["legolog", "symbolize", "0x1"]).is_err(),
            "--vmlinux is required"
        );
        assert!(crate::symbolize::query::looks_like_query(
            "0xffffffff81000000"
        ));
        assert!(crate::symbolize::query::looks_like_query("f+0x1/0x2"));
        assert!(!crate::symbolize::query::looks_like_query("lkdtm"));
    }
}
