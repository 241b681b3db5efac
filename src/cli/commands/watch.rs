//! `legolog watch`: consoles followed until SIGINT/SIGTERM, one line (or jsonl object) per
//! report as it completes, recorded into the history as each source grows.

use crate::cli::args::{WatchArgs, WatchFormat};
use crate::cli::shared::{
    load_limits, load_rules, open_history, plain_exit_code, terminal_style, Stderr,
};
use crate::ops::console::LiveFormat;
use crate::ops::watch;
use crate::render::sanitize;
use legolog_parsers::ParseConfig;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let specs = args.db.nodes.specs(&args.sources);
    let limits = load_limits(&args.limit)?;
    let rules = load_rules(&args.rules, &limits)?;
    let (mut history, history_failed) = open_history(&args.db, &rules)?;
    let style = terminal_style(args.color);
    let events = Stderr::new();
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
        events: events.sink(),
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
