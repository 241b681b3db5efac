//! What several commands share (as cargo's `command_prelude`): loading logs with rules, history
//! and kernel image, the exit code, the terminal style, the `Stderr` events sink. It imports no
//! command.

use crate::cli::args::{ColorChoice, DbArgs, FailOn, LimitArgs, LocateArgs, RulesArgs, SymbolArgs};
use crate::cli::exit::{EXIT_ERROR, EXIT_HISTORY, EXIT_MISMATCH, EXIT_OK};
use crate::config::events::{Event, Events, Sink};
use crate::config::limits::Limits;
use crate::config::settings::Settings;
use crate::history::History;
use crate::identity::node::NodeSpec;
use crate::identity::rules::RuleSet;
use crate::input::Source;
use crate::pipeline::analysis::{self, Analysis, Identity};
use crate::pipeline::store;
use crate::render::Style;
use crate::symbolize::decode::Decoder;
use crate::symbolize::locate::{LocateOptions, Locator};
use legolog_parsers::ParseConfig;
use std::collections::BTreeSet;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// The CLI's event sink: warnings on stderr once per key, errors on stderr, and a progress bar
/// for many logs when stderr is a terminal.
#[derive(Default)]
pub struct Stderr {
    said: Mutex<BTreeSet<String>>,
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Stderr {
    /// A new sink, shared.
    pub fn new() -> Arc<Stderr> {
        Arc::new(Stderr::default())
    }

    /// The sink as the library takes it.
    pub fn sink(self: &Arc<Self>) -> Sink {
        self.clone()
    }

    /// Removes the progress bar, if one is shown.
    pub fn finish(&self) {
        if let Some(bar) = lock(&self.bar).take() {
            bar.finish_and_clear();
        }
    }

    fn say(&self, line: &str) {
        match lock(&self.bar).as_ref() {
            Some(bar) => bar.suspend(|| crate::eprint_safe!("legolog: {line}")),
            None => crate::eprint_safe!("legolog: {line}"),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Events for Stderr {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Warning { key, text } => {
                if lock(&self.said).insert(key.to_owned()) {
                    self.say(&format!("warning: {text}"));
                }
            }
            Event::Error(text) | Event::Notice(text) => self.say(text),
            Event::Started { total } => {
                if io::stderr().is_terminal() && total > 1 {
                    let bar = indicatif::ProgressBar::new(total);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} logs, {elapsed} (eta {eta})",
                    ) {
                        bar.set_style(style);
                    }
                    *lock(&self.bar) = Some(bar);
                }
            }
            Event::Done => {
                if let Some(bar) = lock(&self.bar).as_ref() {
                    bar.inc(1);
                }
            }
        }
    }
}

/// Opens the history the flags, environment or config file name (none with `--no-db`). Where
/// it is (flags, environment, config file) is settled first: a bad config file is an error
/// (exit 2) before any output. A history that cannot be opened is one warning line and `true`
/// (exit code 4); the analysis goes on without it.
pub fn open_history(
    args: &DbArgs,
    rules: &RuleSet,
    settings: &Settings,
) -> anyhow::Result<(Option<History>, bool)> {
    if args.no_db {
        return Ok((None, false));
    }
    let Some(location) = store::locate(settings, args.db.as_deref())? else {
        crate::eprint_safe!(
            "legolog: no history (neither XDG_DATA_HOME nor HOME is set; use --db)"
        );
        return Ok((None, false));
    };
    Ok(
        match store::open(&location, rules, settings, &*Stderr::new()) {
            Ok(history) => (Some(history), false),
            Err(err) => (None, history_failed(&err)),
        },
    )
}

/// Says why the history could not be used; `true` for the exit code.
pub fn history_failed(err: &anyhow::Error) -> bool {
    crate::eprint_safe!("legolog: warning: {err:#}; the analysis is not recorded");
    true
}

/// The run's settings, loaded once: the config file, then `--limit`.
pub fn load_settings(args: &LimitArgs) -> anyhow::Result<Settings> {
    Settings::load(&args.limits)
}

/// The rules, with a warning for each limit their loading reached.
pub fn load_rules(args: &RulesArgs, limits: &Limits) -> anyhow::Result<RuleSet> {
    let rules = RuleSet::load(args.file.as_deref(), limits)?;
    for warning in &rules.warnings {
        crate::eprint_safe!("legolog: warning: {warning}");
    }
    Ok(rules)
}

/// Prints the warnings of one input (limits reached, damage); true when it was damaged.
pub fn warn_about(input: &analysis::InputSummary, limits: &Limits) -> bool {
    for warning in input.warnings(limits) {
        crate::eprint_safe!("legolog: warning: {warning}");
    }
    input.damaged()
}

/// Logs are hashed only when a history will record them.
pub fn identity_for(history: &Option<History>) -> Identity {
    match history {
        Some(_) => Identity::Hash,
        None => Identity::Skip,
    }
}

/// Opens `--vmlinux` when given; an unusable file is reported and the analysis goes on.
pub fn open_decoder(args: &SymbolArgs, limits: &Limits, events: &Sink) -> (Option<Decoder>, bool) {
    let Some(vmlinux) = &args.vmlinux else {
        return (None, false);
    };
    match Decoder::open(vmlinux, &args.module_dirs, limits.max_symbol_bytes, events) {
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
    logs: &[PathBuf],
    (rules, limit): (&RulesArgs, &LimitArgs),
    db: &DbArgs,
    (symbols, locate): (&SymbolArgs, &LocateArgs),
) -> anyhow::Result<Loaded> {
    let settings = load_settings(limit)?;
    let limits = &settings.limits;
    let rules = load_rules(rules, limits)?;
    let (mut history, mut history_failed) = open_history(db, &rules, &settings)?;
    let locator = locator((symbols, locate), &settings, Stderr::new().sink())?;
    let specs = db.nodes.specs(logs);
    let logs: Vec<PathBuf> = specs.iter().map(|s| s.path.clone()).collect();
    let (mut analysis, failed) = analyze_all(
        &logs,
        (&rules, limits),
        Some(&locator),
        identity_for(&history),
    );
    analysis.override_runs(&db.overrides());
    name_nodes(&mut analysis, &specs);
    if let Some(db) = &mut history {
        if let Err(err) = analysis.record_and_attach(db, crate::render::document::compressed_at) {
            history_failed = self::history_failed(&err);
            history = None;
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

/// Gives each input the node name its `--node NAME=PATH` gave it.
pub fn name_nodes(analysis: &mut Analysis, specs: &[NodeSpec]) {
    for input in &mut analysis.inputs {
        let named = specs
            .iter()
            .find(|spec| spec.name.is_some() && Source::from_arg(&spec.path) == input.source);
        if let Some(spec) = named {
            input.run.node = spec.name.clone();
        }
    }
}

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

/// The locator the kernel-image flags describe (`analyze`, `report`, `explain`, `decode`).
pub fn locator(
    (symbols, locate): (&SymbolArgs, &LocateArgs),
    settings: &Settings,
    events: Sink,
) -> anyhow::Result<Locator> {
    let options = LocateOptions::with_settings(
        symbols.vmlinux.clone(),
        symbols.module_dirs.clone(),
        locate.debug_dirs.clone(),
        locate.debug_root.clone(),
        locate.release.clone(),
        locate.src.clone().map(|src| (src, locate.context)),
        settings,
    )?;
    Ok(Locator::new(options, events))
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

/// The style for standard output.
pub fn terminal_style_auto() -> Style {
    terminal_style(ColorChoice::Auto)
}

/// Colour and width for standard output. Colour: `--color always|never` first, then
/// `CLICOLOR_FORCE` (set and not 0: colour, even piped), then `NO_COLOR` (set and not empty:
/// none), `CLICOLOR=0` (none), `TERM=dumb` or unset (none), and last whether stdout is a
/// terminal. Width: the terminal's (TIOCGWINSZ); piped, `$COLUMNS` or
/// [`PIPED_WIDTH`], so a table never grows past that.
pub fn terminal_style(choice: ColorChoice) -> Style {
    let on_terminal = io::stdout().is_terminal();
    Style {
        color: color_enabled(choice, on_terminal),
        width: Some(output_width(on_terminal)),
    }
}

/// The width of tables written to a pipe or file when `$COLUMNS` says nothing.
pub const PIPED_WIDTH: u16 = 100;

/// Whether to colour, by the precedence of [`terminal_style`].
pub fn color_enabled(choice: ColorChoice, on_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            // The CLICOLOR convention: CLICOLOR_FORCE set and not 0 (anstyle-query takes any
            // non-empty value, 0 included).
            let force =
                std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
            if force {
                true
            } else if anstyle_query::no_color() || anstyle_query::clicolor() == Some(false) {
                false
            } else {
                on_terminal && anstyle_query::term_supports_color()
            }
        }
    }
}

fn output_width(on_terminal: bool) -> u16 {
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|&c| c > 0)
    };
    terminal_columns(on_terminal)
        .or_else(columns)
        .unwrap_or(PIPED_WIDTH)
}

/// The terminal's columns (TIOCGWINSZ). Only the columns: a pseudo-terminal set up with
/// `stty cols 80` alone reports 0 rows, which `terminal_size` takes for no terminal.
#[cfg(unix)]
fn terminal_columns(on_terminal: bool) -> Option<u16> {
    let size = on_terminal
        .then(|| rustix::termios::tcgetwinsize(io::stdout()).ok())
        .flatten()?;
    (size.ws_col > 0).then_some(size.ws_col)
}

#[cfg(not(unix))]
fn terminal_columns(_on_terminal: bool) -> Option<u16> {
    None
}
