//! `legolog history`: what the run history knows.

use super::terminal_style;
use crate::cli::{ColorChoice, HistoryArgs, HistoryFormat, EXIT_OK};
use crate::render;
use crate::rules::RuleSet;
use crate::store;
use anyhow::bail;
use std::io::{self, Write};
use std::process::ExitCode;

pub fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let location = store::locate_required(args.db.as_deref())?;
    if location.is_missing() {
        match args.format {
            HistoryFormat::Json => render::groups::write_history_json(&mut io::stdout(), &[])?,
            HistoryFormat::Text => println!("no history yet at {}", location.shown()),
        }
        return Ok(ExitCode::from(EXIT_OK));
    }
    let mut history = store::open(&location, &RuleSet::load(None)?, &*super::Stderr::new())?;
    let path = location.shown();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if let Some(prefix) = &args.signature {
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
                    .map_or(true, |since| o.date.is_some_and(|d| d >= since))
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
            HistoryFormat::Text => render::groups::write_history_text(
                &mut out,
                &rows,
                terminal_style(ColorChoice::Auto),
            )?,
        }
    }
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
