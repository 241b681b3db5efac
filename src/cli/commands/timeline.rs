//! `legolog timeline`: the reports of one run's nodes on one timeline, with incidents.

use crate::cli::args::{HistoryFormat, TimelineArgs};
use crate::cli::exit::{EXIT_ERROR, EXIT_OK};
use crate::config::settings::Settings;
use crate::identity::node::NodeSpec;
use crate::input::walk::{self, WalkOptions};
use crate::render::sanitize;
use legolog_parsers::ParseConfig;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: TimelineArgs) -> anyhow::Result<ExitCode> {
    let limits = Settings::load(&args.limit.limits)?.limits;
    let walk_options = WalkOptions {
        hidden: args.walk.hidden,
        globs: args.walk.globs.clone(),
    };
    let found = walk::walk(&args.paths, &walk_options)?;
    let mut failed = !found.errors.is_empty();
    for err in &found.errors {
        crate::eprint_safe!("legolog: {err:#}");
    }
    crate::ops::correlate::say_skipped(&found.skipped, args.walk.verbose);
    let mut specs: Vec<NodeSpec> = args.nodes.consoles().cloned().collect();
    specs.extend(found.files.into_iter().map(|f| NodeSpec::plain(f.path)));
    let events = crate::render::stderr::Stderr::new();
    let (timeline, read_failed) = crate::pipeline::timeline::build(
        &specs,
        (&ParseConfig::standard(), &limits),
        &events.sink(),
    );
    failed |= read_failed;
    let json = args.format == HistoryFormat::Json;
    let mut out = sanitize::stdout(json, false);
    match args.format {
        HistoryFormat::Json => crate::render::timeline::write_json(&mut out, &timeline)?,
        HistoryFormat::Text => crate::render::timeline::write_text(&mut out, &timeline)?,
    }
    out.flush()?;
    Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_OK }))
}
