//! `legolog correlate`: many logs read in parallel, grouped by signature.

use super::{identity_for, open_decoder, open_history, terminal_style, Stderr};
use crate::cli::{CorrelateArgs, Format, EXIT_ERROR, EXIT_OK};
use crate::correlate;
use crate::render;
use crate::rules::RuleSet;
use legolog_parsers::ParseConfig;
use std::io::{self, Write};
use std::process::ExitCode;

pub fn run(args: CorrelateArgs) -> anyhow::Result<ExitCode> {
    let rules = RuleSet::load(args.rules.file.as_deref())?;
    let mut history = open_history(&args.db, &rules)?;
    if let Some(history) = &mut history {
        history.set_similarity(args.similarity);
    }
    let (paths, walk_errors) = correlate::collect_paths(&args.paths);
    let mut failed = !walk_errors.is_empty();
    for err in walk_errors {
        eprintln!("legolog: {err:#}");
    }
    let events = Stderr::new();
    // Open the image once here to report an unusable file before the work starts; the
    // workers open their own.
    let (decoder, decoder_failed) = open_decoder(&args.symbols, &events.sink());
    failed |= decoder_failed;
    let image = decoder.map(|_| correlate::KernelImage {
        vmlinux: args.symbols.vmlinux.clone().unwrap_or_default(),
        module_dirs: args.symbols.module_dirs.clone(),
    });
    let results = correlate::read_logs(
        &paths,
        &ParseConfig::standard(),
        &rules,
        image.as_ref(),
        identity_for(&history),
        &events.sink(),
    );
    events.finish();
    let mut logs = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(log) => logs.push(log),
            Err(err) => {
                eprintln!("legolog: {err:#}");
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
        groups = correlate::record_and_attach(history, &logs, groups)?;
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => render::groups::write_json(&mut out, &logs, &groups)?,
        Format::Markdown => render::groups::write_markdown(&mut out, &logs, &groups)?,
        Format::Text => {
            let style = terminal_style(args.color);
            render::groups::write_text(&mut out, &logs, &groups, style)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_OK }))
}
