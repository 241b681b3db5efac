//! Output of the bug lifecycle (docs/lifecycle.md): `bug show` with the status, its audit,
//! every build and node with counts and dates, the crashes kept; one recorded crash.

use crate::history::documents::{CrashRow, Document};
use crate::history::lifecycle::SeenOn;
use crate::history::BugDetails;
use crate::identity::run::Date;
use serde::Serialize;
use std::io::Write;

fn date_text(date: Option<Date>) -> String {
    date.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC`.
fn time_text(at: i64) -> String {
    let day = Date::from_days_since_epoch(at.div_euclid(86_400));
    let secs = at.rem_euclid(86_400);
    format!(
        "{day} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn seen_lines(out: &mut dyn Write, what: &str, rows: &[SeenOn]) -> anyhow::Result<()> {
    writeln!(out, "  {what} ({}):", rows.len())?;
    for row in rows {
        writeln!(
            out,
            "    {}: {} report{}, first {}, last {}",
            row.name,
            row.reports,
            if row.reports == 1 { "" } else { "s" },
            date_text(row.first_seen),
            date_text(row.last_seen)
        )?;
    }
    Ok(())
}

/// The lifecycle part of `bug show`: status, quiet, builds, nodes, crashes, audit.
pub fn write_bug_text(out: &mut dyn Write, details: &BugDetails) -> anyhow::Result<()> {
    let quiet = if details.row.history.quiet {
        " (quiet: silent for longer than its crash rate predicts)"
    } else {
        ""
    };
    writeln!(out, "  status: {}{quiet}", details.status)?;
    seen_lines(out, "builds", &details.builds)?;
    seen_lines(out, "nodes", &details.node_counts)?;
    writeln!(out, "  crashes kept ({}):", details.crashes.len())?;
    for crash in &details.crashes {
        writeln!(out, "    {}", crash_line(crash))?;
    }
    writeln!(out, "  audit ({}):", details.audit.len())?;
    for row in &details.audit {
        writeln!(
            out,
            "    {} {} {}: {} -> {}",
            time_text(row.at),
            row.who,
            row.what,
            row.old.as_deref().unwrap_or("-"),
            row.new.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

/// `crash 12: 2026-01-02 w9 4.0.0-lego+ #26 (pinned) log.txt report 1`.
fn crash_line(crash: &CrashRow) -> String {
    format!(
        "crash {}: {} {} {}{} {} report {}",
        crash.id,
        date_text(crash.seen_on),
        crash.node.as_deref().unwrap_or("-"),
        crash.build.as_deref().unwrap_or("-"),
        if crash.pinned { " (pinned)" } else { "" },
        crash.path,
        crash.position
    )
}

#[derive(Serialize)]
struct JsonSeen<'a> {
    name: &'a str,
    reports: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
}

fn json_seen(rows: &[SeenOn]) -> Vec<JsonSeen<'_>> {
    rows.iter()
        .map(|r| JsonSeen {
            name: &r.name,
            reports: r.reports,
            first_seen: r.first_seen.map(|d| d.to_string()),
            last_seen: r.last_seen.map(|d| d.to_string()),
        })
        .collect()
}

/// The lifecycle fields of a bug in JSON (`bug show -f json`, `history --bug -f json`).
pub fn bug_value(details: &BugDetails) -> serde_json::Value {
    let row = &details.row;
    let (fixed_in, commit, note, reason, dup_of) = match &details.status {
        crate::history::lifecycle::Status::Fixed {
            build,
            commit,
            note,
        } => (Some(build), commit.as_ref(), note.as_ref(), None, None),
        crate::history::lifecycle::Status::Invalid(why) => (None, None, None, Some(why), None),
        crate::history::lifecycle::Status::Dup(of) => (None, None, None, None, Some(of)),
        crate::history::lifecycle::Status::Open => (None, None, None, None, None),
    };
    serde_json::json!({
        "id": row.id,
        "name": row.name,
        "link": row.link,
        "kind": row.kind,
        "title": row.title,
        "labels": row.labels,
        "signatures": row.signatures,
        "seen": row.history.seen,
        "first_seen": row.history.first_seen.map(|d| d.to_string()),
        "last_seen": row.history.last_seen.map(|d| d.to_string()),
        "runs": row.history.runs,
        "status": details.status.as_str(),
        "fixed_in": fixed_in,
        "fix_commit": commit,
        "fix_note": note,
        "invalid_reason": reason,
        "dup_of": dup_of,
        "quiet": row.history.quiet,
        "builds": json_seen(&details.builds),
        "nodes": json_seen(&details.node_counts),
        "crashes": details.crashes.iter().map(|c| serde_json::json!({
            "id": c.id,
            "date": c.seen_on.map(|d| d.to_string()),
            "node": c.node,
            "build": c.build,
            "signature": c.signature,
            "pinned": c.pinned,
            "path": c.path,
            "position": c.position,
        })).collect::<Vec<_>>(),
        "audit": details.audit.iter().map(|a| serde_json::json!({
            "at": a.at,
            "who": a.who,
            "what": a.what,
            "old": a.old,
            "new": a.new,
        })).collect::<Vec<_>>(),
    })
}

/// `bug show ID -f json`: `{"version": …, "bug": {…}}`.
pub fn write_bug_json(out: &mut dyn Write, details: &BugDetails) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({ "version": super::json::VERSION, "bug": bug_value(details) }),
    )?;
    writeln!(out)?;
    Ok(())
}

/// One recorded crash as text: a line saying where it was recorded, then the report's block
/// as `analyze` printed it, then its lines.
pub fn write_crash_text(
    out: &mut dyn Write,
    bug: &str,
    crash: &CrashRow,
    document: &Document,
) -> anyhow::Result<()> {
    writeln!(out, "bug {bug}, {}", crash_line(crash))?;
    write!(out, "{}", document.text)?;
    if !document.lines.is_empty() {
        writeln!(out)?;
        writeln!(out, "    Log lines ({}):", document.lines.len())?;
        for line in &document.lines {
            writeln!(out, "      {line}")?;
        }
    }
    Ok(())
}

/// One recorded crash as JSON: `{"version", "bug", "crash", "report", "lines"}`.
pub fn write_crash_json(
    out: &mut dyn Write,
    bug: &str,
    crash: &CrashRow,
    document: &Document,
) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({
            "version": super::json::VERSION,
            "bug": bug,
            "crash": crash.id,
            "report": document.report,
            "lines": document.lines,
        }),
    )?;
    writeln!(out)?;
    Ok(())
}
