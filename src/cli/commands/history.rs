//! `legolog history`: what the run history knows.

use crate::cli::args::{HistoryArgs, HistoryFormat};
use crate::cli::exit::EXIT_OK;
use crate::identity::rules::RuleSet;
use crate::pipeline::store;
use crate::render;
use crate::render::terminal::terminal_style_auto;
use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let settings = crate::config::settings::Settings::load(&[])?;
    let location = store::locate_required(&settings, args.db.as_deref())?;
    if location.is_missing() {
        match args.format {
            HistoryFormat::Json => {
                let mut out = crate::render::sanitize::stdout(true, false);
                render::groups::write_history_json(&mut out, &[])?;
                out.flush()?;
            }
            HistoryFormat::Text => println!(
                "no history yet at {}",
                crate::render::sanitize::terminal(&location.shown())
            ),
        }
        return Ok(ExitCode::from(EXIT_OK));
    }
    let rules = RuleSet::load(None, &settings.limits)?;
    let mut history = store::open(
        &location,
        &rules,
        &settings,
        &*crate::render::stderr::Stderr::new(),
    )?;
    let path = crate::render::sanitize::terminal(&location.shown()).into_owned();
    let style = terminal_style_auto();
    let mut out = crate::render::sanitize::stdout(args.format == HistoryFormat::Json, style.color);
    if let Some(id) = &args.bug {
        let bug = history.find_bug(id)?;
        let details = history.bug_details(bug)?;
        match args.format {
            HistoryFormat::Json => render::lifecycle::write_bug_json(&mut out, &details)?,
            HistoryFormat::Text => render::groups::write_bug_text(&mut out, &details, style)?,
        }
    } else if let Some(prefix) = &args.signature {
        let ids = history.find_signatures(prefix)?;
        let id = match ids.as_slice() {
            [id] => id,
            [] => bail!("{path}: no signature starts with {prefix}"),
            _ => bail!(
                "{path}: {} signatures start with {prefix}; give more of the id",
                ids.len()
            ),
        };
        let occurrences: Vec<_> = history
            .occurrences(id)?
            .into_iter()
            .filter(|o| {
                args.since
                    .is_none_or(|since| o.date.is_some_and(|d| d >= since))
            })
            .collect();
        match args.format {
            HistoryFormat::Json => {
                render::groups::write_occurrences_json(&mut out, id, &occurrences)?
            }
            HistoryFormat::Text => {
                render::groups::write_occurrences_text(&mut out, id, &occurrences)?
            }
        }
    } else {
        let rows = history.bugs(args.since)?;
        match args.format {
            HistoryFormat::Json => render::groups::write_history_json(&mut out, &rows)?,
            HistoryFormat::Text => render::groups::write_history_text(&mut out, &rows, style)?,
        }
    }
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
