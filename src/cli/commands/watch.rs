//! `legolog watch`: consoles followed until SIGINT/SIGTERM, one line (or jsonl object) per
//! report as it completes, recorded into the history as each source grows.

use crate::cli::args::{WatchArgs, WatchFormat};
use crate::cli::exit::exit_code;
use crate::config::settings::Settings;
use crate::ops::load::{load_rules, open_history};
use crate::ops::watch;
use crate::render::live::LiveFormat;
use crate::render::sanitize;
use crate::render::stderr::Stderr;
use crate::symbolize::locate::Locator;
use legolog_parsers::ParseConfig;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let specs = args.db.nodes.specs(&args.sources);
    let settings = Settings::load(&args.limit.limits)?;
    let limits = settings.limits.clone();
    let rules = load_rules(args.rules.file.as_deref(), &limits)?;
    let (mut history, history_failed) = open_history(args.db.history(), &rules, &settings)?;
    let style = args.color.style();
    let events = Stderr::new();
    // Each report is decoded as `analyze` decodes it: --vmlinux, else the image the log's
    // banner or build id names (--debug-dir, --debug-root, debuginfod).
    let locator = Locator::new(
        args.locate.options(&args.symbols, &settings)?,
        events.sink(),
    );
    let format = match args.format {
        WatchFormat::Text => LiveFormat::Lines(style),
        WatchFormat::Jsonl => LiveFormat::Jsonl,
    };
    let out = sanitize::stdout(args.format == WatchFormat::Jsonl, style.color);
    let setup = watch::Setup {
        output: format.output(out),
        rules: &rules,
        limits: &limits,
        locator: Some(&locator),
        history: history.as_mut(),
        idle: Duration::from_secs_f64(args.idle.idle),
        exec: args.exec.clone(),
        overrides: args.db.overrides(),
        events: events.sink(),
    };
    let options = watch::WatchOptions {
        from_start: args.from_start,
        baud: args.baud,
    };
    let ended = watch::watch(&specs, &ParseConfig::standard(), &options, setup)?;
    let failed = ended.failed || locator.failed();
    let history_failed = history_failed || ended.history_failed;
    Ok(exit_code(
        &ended.analysis,
        args.locate.strict,
        (failed, history_failed),
    ))
}
