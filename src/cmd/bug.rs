//! `legolog bug name|merge|split|show`: the user's word on what is one bug.

use super::terminal_style_auto;
use crate::cli::{BugAction as Action, BugArgs, EXIT_OK};
use crate::render::groups;
use crate::rules::RuleSet;
use crate::store;
use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;

/// Runs `legolog bug …`.
pub fn run(args: BugArgs) -> anyhow::Result<ExitCode> {
    let location = store::locate_required(args.db.as_deref())?;
    if location.is_missing() {
        bail!("{}: no history yet", location.shown());
    }
    let rules = RuleSet::load(None, &crate::limits::Limits::default())?;
    let mut history = store::open(&location, &rules, &*super::Stderr::new())?;
    let mut out = crate::sanitize::stdout(false, false);
    match args.action {
        Action::Name { id, name, link } => {
            let bug = history.find_bug(&id)?;
            history.name_bug(bug, &name, link.as_deref())?;
            let details = history.bug_details(bug)?;
            writeln!(out, "bug {} is now \"{name}\"", details.row.id)?;
        }
        Action::Merge { ids } => {
            let bugs = ids
                .iter()
                .map(|id| history.find_bug(id))
                .collect::<anyhow::Result<Vec<i64>>>()?;
            history.merge_bugs(bugs[0], &bugs[1..])?;
            let details = history.bug_details(bugs[0])?;
            writeln!(
                out,
                "merged {} into bug {}: {} signatures, seen {}",
                ids[1..].join(", "),
                details.row.id,
                details.row.signatures.len(),
                details.row.history.seen
            )?;
        }
        Action::Split { id, signature } => {
            let bug = history.find_bug(&id)?;
            let new_bug = history.split_bug(bug, &signature)?;
            let old = history.bug_details(bug)?;
            let new = history.bug_details(new_bug)?;
            writeln!(
                out,
                "split signature {signature} out of bug {} (seen {}) into bug {} (seen {})",
                old.row.id, old.row.history.seen, new.row.id, new.row.history.seen
            )?;
        }
        Action::Show { id } => {
            let bug = history.find_bug(&id)?;
            let details = history.bug_details(bug)?;
            groups::write_bug_text(&mut out, &details, terminal_style_auto())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
