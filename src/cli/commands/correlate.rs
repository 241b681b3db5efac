//! `legolog correlate`: many logs read in parallel, grouped by signature (`ops::correlate`).

use crate::cli::args::{CorrelateArgs, Format};
use crate::cli::exit::{check_fail_on, fail_on, plain_exit_code, Candidate};
use crate::cli::exit::{EXIT_ERROR, EXIT_FAIL_ON, EXIT_HISTORY, EXIT_OK};
use crate::config::settings::Settings;
use crate::input::walk::WalkOptions;
use crate::ops::correlate::{self, Correlated};
use crate::ops::load::{load_rules, open_history};
use crate::render;
use crate::render::sanitize;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: CorrelateArgs) -> anyhow::Result<ExitCode> {
    check_fail_on(&args.fail_on.conditions, &args.db)?;
    let settings = Settings::load(&args.limit.limits)?;
    let rules = load_rules(args.rules.file.as_deref(), &settings.limits)?;
    let (mut history, history_broke) = open_history(args.db.history(), &rules, &settings)?;
    let request = correlate::Request {
        paths: &args.paths,
        walk: WalkOptions {
            hidden: args.walk.hidden,
            globs: args.walk.globs.clone(),
        },
        verbose: args.walk.verbose,
        image: (
            args.symbols.vmlinux.clone(),
            args.symbols.module_dirs.clone(),
        ),
        similarity: args.similarity,
        overrides: args.db.overrides(),
    };
    let Correlated {
        logs,
        groups,
        failed,
        history_failed,
    } = correlate::correlate(&settings, &rules, history.as_mut(), request)?;
    let history_broke = history_broke || history_failed;
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
