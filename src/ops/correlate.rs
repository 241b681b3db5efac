//! `correlate` before any output: the paths walked (like fd), every log read in parallel and
//! signed, the groups formed by the one similarity rule, and recorded into the history.

use crate::config::settings::Settings;
use crate::history::History;
use crate::identity::rules::RuleSet;
use crate::identity::run::RunOverrides;
use crate::identity::signature::SimilarRule;
use crate::input::walk::{self, Skip, Walk, WalkOptions};
use crate::ops::load::{history_failed, identity_for, open_decoder, warn_about};
use crate::pipeline::correlate::{self, Group, KernelImage, LogResult};
use crate::render::stderr::Stderr;
use legolog_parsers::ParseConfig;
use std::path::PathBuf;

/// What the flags ask of `correlate`, besides its output.
pub struct Request<'a> {
    /// The files and directories given.
    pub paths: &'a [PathBuf],
    /// `--hidden`, `--glob`.
    pub walk: WalkOptions,
    /// `-v`: name every entry skipped.
    pub verbose: bool,
    /// `--vmlinux` and `--modules`.
    pub image: (Option<PathBuf>, Vec<PathBuf>),
    /// `--similarity`.
    pub similarity: f64,
    /// `--run`, `--node NAME`, `--run-date`.
    pub overrides: RunOverrides,
}

/// The logs read and their groups.
pub struct Correlated {
    /// Each log read, in the walk's order.
    pub logs: Vec<LogResult>,
    /// The groups (with their bugs when the history recorded them).
    pub groups: Vec<Group>,
    /// A path, a log or the kernel image could not be read (exit code 2).
    pub failed: bool,
    /// The history could not be written (exit code 4).
    pub history_failed: bool,
}

/// Walks, reads, groups and records; says on stderr what was skipped and what failed.
pub fn correlate(
    settings: &Settings,
    rules: &RuleSet,
    mut history: Option<&mut History>,
    request: Request<'_>,
) -> anyhow::Result<Correlated> {
    let limits = &settings.limits;
    if let Some(history) = history.as_deref_mut() {
        history.set_similarity(request.similarity);
    }
    let Walk {
        files,
        mut skipped,
        errors,
    } = walk::walk(request.paths, &request.walk)?;
    let mut failed = !errors.is_empty();
    for err in errors {
        crate::eprint_safe!("legolog: {err:#}");
    }
    let paths: Vec<PathBuf> = files.iter().map(|found| found.path.clone()).collect();
    let events = Stderr::new();
    // Open the image once here to report an unusable file before the work starts; the
    // workers open their own.
    let (vmlinux, module_dirs) = request.image;
    let (decoder, decoder_failed) =
        open_decoder((vmlinux.as_deref(), &module_dirs), limits, &events.sink());
    failed |= decoder_failed;
    let image = decoder.map(|_| KernelImage {
        vmlinux: vmlinux.clone().unwrap_or_default(),
        module_dirs: module_dirs.clone(),
        max_symbol_bytes: limits.max_symbol_bytes,
    });
    let identity = identity_for(history.is_some());
    let results = correlate::read_logs(
        &paths,
        (&ParseConfig::standard(), limits),
        rules,
        image.as_ref(),
        identity,
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
                failed |= warn_about(&log.input, limits);
                logs.push(log);
            }
            Err(err) => {
                crate::eprint_safe!("legolog: {err:#}");
                failed = true;
            }
        }
    }
    say_skipped(&skipped, request.verbose);
    for log in &mut logs {
        request.overrides.apply(&mut log.input.run);
    }
    let rule = SimilarRule {
        threshold: request.similarity,
        across_functions: rules.grouping.similar_across_functions,
    };
    let mut groups = correlate::group(&logs, rule);
    let mut history_broke = false;
    if let Some(history) = history {
        match correlate::record_and_attach(history, &logs, groups.clone()) {
            Ok(attached) => groups = attached,
            Err(err) => history_broke = history_failed(&err),
        }
    }
    Ok(Correlated {
        logs,
        groups,
        failed,
        history_failed: history_broke,
    })
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
