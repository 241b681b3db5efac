//! What `analyze`, `report`, `explain`, `correlate` and `watch` share before any output: the
//! rules, the history, the kernel image (said on stderr when unusable), and for the document
//! formats every log parsed, decoded, signed and recorded.

use crate::config::events::EventSink;
use crate::config::limits::Limits;
use crate::config::settings::Settings;
use crate::history::History;
use crate::identity::node::NodeSpec;
use crate::identity::rules::RuleSet;
use crate::identity::run::RunOverrides;
use crate::input::Source;
use crate::pipeline::analysis::{self, Analysis, Identity};
use crate::pipeline::store;
use crate::render::stderr::Stderr;
use crate::symbolize::decode::Decoder;
use crate::symbolize::locate::{LocateOptions, Locator};
use legolog_parsers::ParseConfig;
use std::path::{Path, PathBuf};

/// Opens the history `--db`, the environment or the config file name (none with `no_db`).
/// Where it is is settled first: a bad config file is an error (exit 2) before any output. A
/// history that cannot be opened is one warning line and `true` (exit code 4); the analysis
/// goes on without it.
pub fn open_history(
    (no_db, db): (bool, Option<&str>),
    rules: &RuleSet,
    settings: &Settings,
) -> anyhow::Result<(Option<History>, bool)> {
    if no_db {
        return Ok((None, false));
    }
    let Some(location) = store::locate(settings, db)? else {
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

/// The rules, with a warning for each limit their loading reached.
pub fn load_rules(file: Option<&Path>, limits: &Limits) -> anyhow::Result<RuleSet> {
    let rules = RuleSet::load(file, limits)?;
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
pub fn identity_for(recorded: bool) -> Identity {
    match recorded {
        true => Identity::Hash,
        false => Identity::Skip,
    }
}

/// Opens `--vmlinux` (with `--modules`) when given; an unusable file is reported and the
/// analysis goes on.
pub fn open_decoder(
    (vmlinux, module_dirs): (Option<&Path>, &[PathBuf]),
    limits: &Limits,
    events: &EventSink,
) -> (Option<Decoder>, bool) {
    let Some(vmlinux) = vmlinux else {
        return (None, false);
    };
    match Decoder::open(vmlinux, module_dirs, limits.max_symbol_bytes, events) {
        Ok(decoder) => (Some(decoder), false),
        Err(err) => {
            crate::eprint_safe!("legolog: {err:#}; continuing without symbols");
            (None, true)
        }
    }
}

/// Parses, decodes and signs every log in turn, saying each one's warnings.
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

/// What to load, as the flags say.
pub struct Request<'a> {
    /// The logs, each with the node `--node NAME=PATH` gave it.
    pub specs: Vec<NodeSpec>,
    /// `--run`, `--node NAME`, `--run-date`.
    pub overrides: RunOverrides,
    /// `--rules`.
    pub rules: Option<&'a Path>,
    /// `--no-db` and `--db`.
    pub history: (bool, Option<&'a str>),
    /// Where the kernel images are.
    pub locate: LocateOptions,
}

/// Loads rules and history first (a bad rules file or database stops before any output), then
/// the kernel image, then parses, decodes and records every log.
pub fn load(settings: &Settings, request: Request<'_>) -> anyhow::Result<Loaded> {
    let limits = &settings.limits;
    let rules = load_rules(request.rules, limits)?;
    let (mut history, mut history_failed) = open_history(request.history, &rules, settings)?;
    let locator = Locator::new(request.locate, Stderr::new().sink());
    let specs = request.specs;
    let logs: Vec<PathBuf> = specs.iter().map(|s| s.path.clone()).collect();
    let (mut analysis, failed) = analyze_all(
        &logs,
        (&rules, limits),
        Some(&locator),
        identity_for(history.is_some()),
    );
    analysis.override_runs(&request.overrides);
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
