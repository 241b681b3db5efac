//! `legolog bug name|merge|split|show|review|confirm|fix|invalid|dup|undup|reopen|pin|unpin`:
//! the user's word on what is one bug and where it stands (docs/lifecycle.md), and on the
//! similar matches that attached reports to bugs (`review`, `confirm`, `split`).

use crate::cli::args::{BugAction as Action, BugArgs, HistoryFormat};
use crate::cli::exit::EXIT_OK;
use crate::history::lifecycle::default_actor;
use crate::identity::rules::RuleSet;
use crate::pipeline::store;
use crate::render::terminal::terminal_style_auto;
use crate::render::{self, groups};
use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;

/// Runs `legolog bug …`.
pub fn run(args: BugArgs) -> anyhow::Result<ExitCode> {
    let settings = crate::config::settings::Settings::load(&[])?;
    let location = store::locate_required(&settings, args.db.as_deref())?;
    if location.is_missing() {
        bail!("{}: no history yet", location.shown());
    }
    let rules = RuleSet::load(None, &settings.limits)?;
    let mut history = store::open(
        &location,
        &rules,
        &settings,
        &*crate::render::stderr::Stderr::new(),
    )?;
    let by = args.by.clone().unwrap_or_else(default_actor);
    let json = matches!(
        args.action,
        Action::Show {
            format: HistoryFormat::Json,
            ..
        } | Action::Review {
            format: HistoryFormat::Json
        }
    );
    let mut out = crate::render::sanitize::stdout(json, false);
    match args.action {
        Action::Name { id, name, link } => {
            let bug = history.find_bug(&id)?;
            history.name_bug_audited(bug, &name, link.as_deref(), &by)?;
            let details = history.bug_details(bug)?;
            writeln!(out, "bug {} is now \"{name}\"", details.row.id)?;
        }
        Action::Merge { ids } => {
            let bugs = ids
                .iter()
                .map(|id| history.find_bug(id))
                .collect::<anyhow::Result<Vec<i64>>>()?;
            history.merge_bugs(bugs[0], &bugs[1..], &by)?;
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
            let (bug, signature) = match signature {
                Some(signature) => (history.find_bug(&id)?, signature),
                None => {
                    // An attachment of the review queue: its signature names its bug.
                    let pending: Vec<_> = history
                        .review_queue()?
                        .into_iter()
                        .filter(|a| a.signature.starts_with(id.as_str()))
                        .collect();
                    match pending.as_slice() {
                        [one] => (history.find_bug(&one.bug)?, one.signature.clone()),
                        [] => bail!(
                            "{}: no attachment waiting for review starts with {id}; to split a bug, give the bug and the signature",
                            history.name()
                        ),
                        _ => bail!(
                            "{}: {} attachments waiting for review start with {id}; give more of the id",
                            history.name(),
                            pending.len()
                        ),
                    }
                }
            };
            let new_bug = history.split_bug(bug, &signature, &by)?;
            let old = history.bug_details(bug)?;
            let new = history.bug_details(new_bug)?;
            writeln!(
                out,
                "split signature {signature} out of bug {} (seen {}) into bug {} (seen {})",
                old.row.id, old.row.history.seen, new.row.id, new.row.history.seen
            )?;
        }
        Action::Show { id, crash, format } => {
            let bug = history.find_bug(&id)?;
            match crash {
                Some(crash) => {
                    let (row, document) = history.crash_document(bug, Some(crash))?;
                    let id = history.public_id(bug)?;
                    match format {
                        HistoryFormat::Json => {
                            render::lifecycle::write_crash_json(&mut out, &id, &row, &document)?
                        }
                        HistoryFormat::Text => {
                            render::lifecycle::write_crash_text(&mut out, &id, &row, &document)?
                        }
                    }
                }
                None => {
                    let details = history.bug_details(bug)?;
                    match format {
                        HistoryFormat::Json => {
                            render::lifecycle::write_bug_json(&mut out, &details)?
                        }
                        HistoryFormat::Text => {
                            groups::write_bug_text(&mut out, &details, terminal_style_auto())?
                        }
                    }
                }
            }
        }
        Action::Review { format } => {
            let queue = history.review_queue()?;
            match format {
                HistoryFormat::Json => {
                    serde_json::to_writer_pretty(
                        &mut out,
                        &render::lifecycle::review_value(&queue),
                    )?;
                    writeln!(out)?;
                }
                HistoryFormat::Text => render::lifecycle::write_review_text(&mut out, &queue)?,
            }
        }
        Action::Confirm { target } => {
            let confirmed = history.confirm(&target, &by)?;
            for attached in &confirmed {
                writeln!(
                    out,
                    "confirmed signature {} in bug {} (similarity {})",
                    attached.signature.get(..12).unwrap_or(&attached.signature),
                    attached.bug,
                    attached
                        .similarity
                        .map_or_else(|| "?".to_owned(), |s| format!("{s:.2}"))
                )?;
            }
        }
        Action::Fix {
            id,
            build,
            commit,
            note,
        } => {
            let bug = history.find_bug(&id)?;
            let status = history.fix_bug(bug, &build, commit.as_deref(), note.as_deref(), &by)?;
            writeln!(out, "bug {}: {status}", history.public_id(bug)?)?;
        }
        Action::Invalid { id, why } => {
            let bug = history.find_bug(&id)?;
            let status = history.invalidate_bug(bug, &why, &by)?;
            writeln!(out, "bug {}: {status}", history.public_id(bug)?)?;
        }
        Action::Dup { id, of } => {
            let bug = history.find_bug(&id)?;
            let target = history.find_bug(&of)?;
            let status = history.dup_bug(bug, target, &by)?;
            let canonical = history.canonical(bug)?;
            let details = history.bug_details(canonical)?;
            writeln!(
                out,
                "bug {}: {status}; its reports count to bug {} (seen {})",
                history.public_id(bug)?,
                details.row.id,
                details.row.history.seen
            )?;
        }
        Action::Undup { id } => {
            let bug = history.find_bug(&id)?;
            let status = history.undup_bug(bug, &by)?;
            let details = history.bug_details(bug)?;
            writeln!(
                out,
                "bug {}: {status} (seen {})",
                details.row.id, details.row.history.seen
            )?;
        }
        Action::Reopen { id } => {
            let bug = history.find_bug(&id)?;
            let status = history.reopen_bug(bug, &by)?;
            writeln!(out, "bug {}: {status}", history.public_id(bug)?)?;
        }
        Action::Pin { id, crash } => {
            let bug = history.find_bug(&id)?;
            history.pin_crash(bug, crash, &by)?;
            writeln!(out, "bug {}: crash {crash} pinned", history.public_id(bug)?)?;
        }
        Action::Unpin { id, crash } => {
            let bug = history.find_bug(&id)?;
            history.unpin_crash(bug, crash, &by)?;
            writeln!(
                out,
                "bug {}: crash {crash} unpinned",
                history.public_id(bug)?
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
