//! `legolog correlate`: many logs read in parallel, grouped by signature.

use crate::cli::args::{CorrelateArgs, Format};
use crate::cli::exit::{check_fail_on, fail_on, plain_exit_code, Candidate};
use crate::cli::exit::{EXIT_ERROR, EXIT_FAIL_ON, EXIT_HISTORY, EXIT_OK};
use crate::config::settings::Settings;
use crate::identity::signature::SimilarRule;
use crate::input::walk::{self, Skip, Walk, WalkOptions};
use crate::ops::load::{
    history_failed, identity_for, load_rules, open_decoder, open_history, warn_about,
};
use crate::pipeline::correlate;
use crate::render;
use crate::render::sanitize;
use crate::render::stderr::Stderr;
use legolog_parsers::ParseConfig;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(args: CorrelateArgs) -> anyhow::Result<ExitCode> {
    check_fail_on(&args.fail_on.conditions, &args.db)?;
    let settings = Settings::load(&args.limit.limits)?;
    let limits = settings.limits.clone();
    let rules = load_rules(args.rules.file.as_deref(), &limits)?;
    let (mut history, mut history_broke) = open_history(args.db.history(), &rules, &settings)?;
    if let Some(history) = &mut history {
        history.set_similarity(args.similarity);
    }
    let walk_options = WalkOptions {
        hidden: args.walk.hidden,
        globs: args.walk.globs.clone(),
    };
    let Walk {
        files,
        mut skipped,
        errors,
    } = walk::walk(&args.paths, &walk_options)?;
    let mut failed = !errors.is_empty();
    for err in errors {
        crate::eprint_safe!("legolog: {err:#}");
    }
    let paths: Vec<PathBuf> = files.iter().map(|found| found.path.clone()).collect();
    let events = Stderr::new();
    // Open the image once here to report an unusable file before the work starts; the
    // workers open their own.
    let (decoder, decoder_failed) = open_decoder(
        (args.symbols.vmlinux.as_deref(), &args.symbols.module_dirs),
        &limits,
        &events.sink(),
    );
    failed |= decoder_failed;
    let image = decoder.map(|_| correlate::KernelImage {
        vmlinux: args.symbols.vmlinux.clone().unwrap_or_default(),
        module_dirs: args.symbols.module_dirs.clone(),
        max_symbol_bytes: limits.max_symbol_bytes,
    });
    let results = correlate::read_logs(
        &paths,
        (&ParseConfig::standard(), &limits),
        &rules,
        image.as_ref(),
        identity_for(&history),
        &events.sink(),
    );
    events.finish();
    let mut logs = Vec::with_capacity(results.len());
    for (found, result) in files.iter().zip(results) {
        match result {
            // A text file found in a directory with no console line and no report: a README.
            Ok(log) if !found.given && !found.console_head && log.sightings.is_empty() => {
                skipped.push((found.path.clone(), Skip::NotALog));
            }
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
    say_skipped(&skipped, args.walk.verbose);
    let overrides = args.db.overrides();
    for log in &mut logs {
        overrides.apply(&mut log.input.run);
    }
    let rule = SimilarRule {
        threshold: args.similarity,
        across_functions: rules.grouping.similar_across_functions,
    };
    let mut groups = correlate::group(&logs, rule);
    if let Some(history) = &mut history {
        match correlate::record_and_attach(history, &logs, groups.clone()) {
            Ok(attached) => groups = attached,
            Err(err) => history_broke = history_failed(&err),
        }
    }
    let json = args.format == Format::Json;
    let mut out = sanitize::stdout(json, args.color.style().color);
    match args.format {
        Format::Json => render::groups::write_json(&mut out, &logs, &groups)?,
        Format::Markdown => render::groups::write_markdown(&mut out, &logs, &groups)?,
        Format::Text => {
            let style = args.color.style();
            render::groups::write_text(&mut out, &logs, &groups, style)?;
        }
    }
    out.flush()?;
    let candidates: Vec<Candidate> = groups
        .iter()
        .map(|group| {
            let leader = group.leader();
            Candidate {
                kind: &leader.signature.kind,
                labels: group
                    .members
                    .iter()
                    .flat_map(|m| &m.labels)
                    .map(String::as_str)
                    .collect(),
                new: group.new,
                regression: group
                    .bug
                    .as_ref()
                    .and_then(|b| b.fix.as_ref())
                    .is_some_and(|f| f.regression),
                place: format!("group {} {}", leader.signature.short_id(), leader.title),
            }
        })
        .collect();
    if failed {
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    if fail_on(&args.fail_on.conditions, &candidates) {
        return Ok(ExitCode::from(EXIT_FAIL_ON));
    }
    let code = plain_exit_code(false, history_broke);
    debug_assert!(code == ExitCode::from(EXIT_OK) || code == ExitCode::from(EXIT_HISTORY));
    Ok(code)
}

/// One line on stderr for what the walk skipped (each file with `-v`); never an error.
pub fn say_skipped(skipped: &[(PathBuf, Skip)], verbose: bool) {
    if skipped.is_empty() {
        return;
    }
    for (path, why) in skipped {
        // FIFOs, sockets and devices are named always: opening one could have blocked.
        if verbose || *why == Skip::NotAFile {
            crate::eprint_safe!("legolog: skipped {}: {}", path.display(), why.as_str());
        }
    }
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for (_, why) in skipped {
        match counts.iter_mut().find(|(what, _)| *what == why.as_str()) {
            Some((_, n)) => *n += 1,
            None => counts.push((why.as_str(), 1)),
        }
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    let hint = if verbose { "" } else { "; -v lists them" };
    crate::eprint_safe!(
        "legolog: skipped {} entries that are not logs ({}){hint}",
        skipped.len(),
        parts.join(", ")
    );
}
