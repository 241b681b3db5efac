//! Output of `legolog correlate` (groups) and `legolog history` (bugs from the database).

use super::markdown::escape;
use super::{list_runs, Style};
use crate::history::{BugRow, Occurrence};
use crate::identity::run::Date;
use crate::identity::signature;
use crate::pipeline::output::correlated::{Group, LogResult};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Write;

/// Group titles carry the labels: `[cq-stall] watchdog: worker stuck in mlx4_ib_poll_cq`.
pub fn labelled_title<'a>(labels: impl IntoIterator<Item = &'a String>, title: &str) -> String {
    let labels: Vec<&str> = labels.into_iter().map(String::as_str).collect();
    if labels.is_empty() {
        return title.to_owned();
    }
    format!("[{}] {title}", labels.join(", "))
}

fn date_text(date: Option<Date>) -> String {
    date.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

fn set_text<T: Ord>(set: &BTreeSet<T>, show: impl Fn(&T) -> String) -> String {
    const MAX: usize = 6;
    let mut parts: Vec<String> = set.iter().take(MAX).map(show).collect();
    if set.len() > MAX {
        parts.push(format!("+{}", set.len() - MAX));
    }
    parts.join(",")
}

/// The correlate table, then how the members of each fuzzy group differ.
pub fn write_text(
    out: &mut dyn Write,
    logs: &[LogResult],
    groups: &[Group],
    style: Style,
) -> anyhow::Result<()> {
    let n_reports: usize = logs.iter().map(|l| l.sightings.len()).sum();
    writeln!(
        out,
        "{} logs, {} reports, {} groups ({} signatures)",
        logs.len(),
        n_reports,
        groups.len(),
        groups.iter().map(|g| g.members.len()).sum::<usize>()
    )?;
    if groups.is_empty() {
        return Ok(());
    }
    let mut table = super::Grid::new(
        &[
            ("id", 0),
            ("bug", 1),
            ("title", 0),
            ("labels", 3),
            ("count", 0),
            ("runs", 2),
            ("first seen", 3),
            ("last seen", 2),
            ("CPUs", 4),
            ("ops", 4),
        ],
        style,
    );
    for group in groups {
        let leader = group.leader();
        let labels = group.union(|m| &m.labels);
        let runs: Vec<String> = group.union(|m| &m.runs).into_iter().collect();
        let mut id = leader.signature.short_id().to_owned();
        if group.members.len() > 1 {
            id.push_str(&format!(" (+{})", group.members.len() - 1));
        }
        table.add_row(vec![
            id,
            group_bug_text(group),
            labelled_title(&labels, &leader.title),
            labels.into_iter().collect::<Vec<_>>().join(","),
            group.count().to_string(),
            list_runs(&runs, 4),
            date_text(group.first_seen()),
            date_text(group.last_seen()),
            set_text(&group.union(|m| &m.cpus), u32::to_string),
            set_text(&group.union(|m| &m.ops), |op| format!("{op:#x}")),
        ]);
    }
    writeln!(out, "{table}")?;
    for group in groups.iter().filter(|g| g.members.len() > 1) {
        let leader = group.leader();
        writeln!(out)?;
        writeln!(
            out,
            "{} {} signatures, leader {} ({} reports): {}",
            style.bold(leader.signature.short_id()),
            group.members.len(),
            leader.signature.short_id(),
            leader.count,
            leader.signature.frames_text()
        )?;
        for (member_idx, member) in group.members.iter().enumerate().skip(1) {
            writeln!(
                out,
                "  {} ({} reports, similarity {:.2}): {}",
                member.signature.short_id(),
                member.count,
                signature::similarity(&leader.signature.frames, &member.signature.frames),
                difference_text(group, member_idx)
            )?;
        }
    }
    Ok(())
}

/// `3f2a9c01d2 "lost send CQE" seen 8 (new)`, or `-` without a history.
fn group_bug_text(group: &Group) -> String {
    let Some(bug) = &group.bug else {
        return "-".to_owned();
    };
    let mut text = bug.bug.clone();
    if let Some(name) = &bug.name {
        text.push_str(&format!(" \"{name}\""));
    }
    text.push_str(&format!(" seen {}", bug.seen));
    if group.new {
        text.push_str(" (new)");
    }
    if let Some(fix) = super::fix_sentence(bug) {
        text.push_str(&format!(" {fix}"));
    } else if bug.status != "open" {
        text.push_str(&format!(" ({})", bug.status));
    }
    if let Some(days) = bug.back_after {
        text.push_str(&format!(" back after {days} days"));
    }
    text
}

fn difference_text(group: &Group, member_idx: usize) -> String {
    let diff = group.difference(member_idx);
    let mut parts: Vec<String> = diff.missing.iter().map(|f| format!("-{f}")).collect();
    parts.extend(diff.extra.iter().map(|f| format!("+{f}")));
    if parts.is_empty() {
        return "same frames in another order".to_owned();
    }
    parts.join(" ")
}

#[derive(Serialize)]
struct JsonCorrelation {
    version: u32,
    logs: usize,
    reports: usize,
    groups: Vec<JsonGroup>,
}

#[derive(Serialize)]
struct JsonGroup {
    bug: Option<String>,
    bug_name: Option<String>,
    seen: Option<u64>,
    new: Option<bool>,
    status: Option<String>,
    fixed_in: Option<String>,
    regression: bool,
    without_fix: bool,
    quiet: bool,
    back_after_days: Option<u32>,
    id: String,
    short_id: String,
    kind: String,
    title: String,
    labels: Vec<String>,
    count: usize,
    runs: Vec<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    cpus: Vec<u32>,
    lego_ops: Vec<String>,
    members: Vec<JsonMember>,
}

#[derive(Serialize)]
struct JsonMember {
    id: String,
    version: u32,
    frames: Vec<String>,
    title: String,
    count: usize,
    similarity: f64,
    missing: Vec<String>,
    extra: Vec<String>,
}

/// The correlate JSON document (docs/json.md, "correlate").
pub fn write_json(out: &mut dyn Write, logs: &[LogResult], groups: &[Group]) -> anyhow::Result<()> {
    let document = JsonCorrelation {
        version: super::json::VERSION,
        logs: logs.len(),
        reports: logs.iter().map(|l| l.sightings.len()).sum(),
        groups: groups
            .iter()
            .map(|group| {
                let leader = group.leader();
                JsonGroup {
                    bug: group.bug.as_ref().map(|b| b.bug.clone()),
                    bug_name: group.bug.as_ref().and_then(|b| b.name.clone()),
                    seen: group.bug.as_ref().map(|b| b.seen),
                    new: group.bug.as_ref().map(|_| group.new),
                    status: group.bug.as_ref().map(|b| b.status.clone()),
                    fixed_in: group.bug.as_ref().and_then(|b| b.fixed_in.clone()),
                    regression: group
                        .bug
                        .as_ref()
                        .and_then(|b| b.fix.as_ref())
                        .is_some_and(|f| f.regression),
                    without_fix: group
                        .bug
                        .as_ref()
                        .and_then(|b| b.fix.as_ref())
                        .is_some_and(|f| !f.regression),
                    quiet: group.bug.as_ref().is_some_and(|b| b.quiet),
                    back_after_days: group.bug.as_ref().and_then(|b| b.back_after),
                    id: leader.signature.id.clone(),
                    short_id: leader.signature.short_id().to_owned(),
                    kind: leader.signature.kind.clone(),
                    title: leader.title.clone(),
                    labels: group.union(|m| &m.labels).into_iter().collect(),
                    count: group.count(),
                    runs: group.union(|m| &m.runs).into_iter().collect(),
                    first_seen: group.first_seen().map(|d| d.to_string()),
                    last_seen: group.last_seen().map(|d| d.to_string()),
                    cpus: group.union(|m| &m.cpus).into_iter().collect(),
                    lego_ops: group
                        .union(|m| &m.ops)
                        .into_iter()
                        .map(|op| format!("{op:#x}"))
                        .collect(),
                    members: group
                        .members
                        .iter()
                        .enumerate()
                        .map(|(member_idx, member)| {
                            let diff = group.difference(member_idx);
                            JsonMember {
                                id: member.signature.id.clone(),
                                version: signature::VERSION,
                                frames: member.signature.frames.clone(),
                                title: member.title.clone(),
                                count: member.count,
                                similarity: signature::similarity(
                                    &leader.signature.frames,
                                    &member.signature.frames,
                                ),
                                missing: diff.missing,
                                extra: diff.extra,
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// The correlate table as GitHub-flavoured Markdown.
pub fn write_markdown(
    out: &mut dyn Write,
    logs: &[LogResult],
    groups: &[Group],
) -> anyhow::Result<()> {
    let n_reports: usize = logs.iter().map(|l| l.sightings.len()).sum();
    writeln!(out, "# legolog correlate")?;
    writeln!(out)?;
    writeln!(
        out,
        "{} logs, {} reports, {} groups.",
        logs.len(),
        n_reports,
        groups.len()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| id | bug | title | count | runs | first seen | last seen | CPUs | ops |"
    )?;
    writeln!(out, "|---|---|---|---:|---|---|---|---|---|")?;
    for group in groups {
        let leader = group.leader();
        let runs: Vec<String> = group.union(|m| &m.runs).into_iter().collect();
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            leader.signature.short_id(),
            escape(&group_bug_text(group)),
            escape(&labelled_title(&group.union(|m| &m.labels), &leader.title)),
            group.count(),
            escape(&list_runs(&runs, 4)),
            date_text(group.first_seen()),
            date_text(group.last_seen()),
            set_text(&group.union(|m| &m.cpus), u32::to_string),
            set_text(&group.union(|m| &m.ops), |op| format!("`{op:#x}`")),
        )?;
    }
    for group in groups.iter().filter(|g| g.members.len() > 1) {
        let leader = group.leader();
        writeln!(out)?;
        writeln!(out, "Group `{}`:", leader.signature.short_id())?;
        writeln!(out)?;
        for (member_idx, member) in group.members.iter().enumerate().skip(1) {
            writeln!(
                out,
                "- `{}` ({} reports): {}",
                member.signature.short_id(),
                member.count,
                escape(&difference_text(group, member_idx))
            )?;
        }
    }
    Ok(())
}

/// `legolog history`: one row per bug.
pub fn write_history_text(
    out: &mut dyn Write,
    rows: &[BugRow],
    style: Style,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        writeln!(out, "no reports recorded")?;
        return Ok(());
    }
    let mut table = super::Grid::new(
        &[
            ("bug", 0),
            ("name", 1),
            ("kind", 2),
            ("title", 0),
            ("status", 1),
            ("seen", 0),
            ("first seen", 3),
            ("last seen", 2),
            ("runs", 2),
        ],
        style,
    );
    for row in rows {
        let mut status = match (row.history.status.as_str(), &row.history.fixed_in) {
            ("fixed", Some(build)) => format!("fixed in {build}"),
            (status, _) => status.to_owned(),
        };
        if row.history.quiet {
            status.push_str(", quiet");
        }
        table.add_row(vec![
            row.id.clone(),
            row.name.clone().unwrap_or_default(),
            row.kind.clone(),
            labelled_title(&row.labels, &row.title),
            status,
            row.history.seen.to_string(),
            date_text(row.history.first_seen),
            date_text(row.history.last_seen),
            list_runs(&row.history.runs, 4),
        ]);
    }
    writeln!(out, "{table}")?;
    Ok(())
}

/// `legolog history --signature ID`: every occurrence.
pub fn write_occurrences_text(
    out: &mut dyn Write,
    signature: &str,
    occurrences: &[Occurrence],
) -> anyhow::Result<()> {
    writeln!(out, "signature {signature}: {} reports", occurrences.len())?;
    for occurrence in occurrences {
        writeln!(
            out,
            "  {}  {:<14} {} report {}: {}",
            date_text(occurrence.date),
            occurrence.run,
            occurrence.path,
            occurrence.position,
            occurrence.title
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonOccurrences<'a> {
    version: u32,
    signature: &'a str,
    occurrences: Vec<JsonOccurrence<'a>>,
}

#[derive(Serialize)]
struct JsonOccurrence<'a> {
    run: &'a str,
    date: Option<String>,
    path: &'a str,
    position: u64,
    title: &'a str,
}

/// `legolog history --signature ID --format json`: every occurrence of one signature.
pub fn write_occurrences_json(
    out: &mut dyn Write,
    signature: &str,
    occurrences: &[Occurrence],
) -> anyhow::Result<()> {
    let document = JsonOccurrences {
        version: super::json::VERSION,
        signature,
        occurrences: occurrences
            .iter()
            .map(|o| JsonOccurrence {
                run: &o.run,
                date: o.date.map(|d| d.to_string()),
                path: &o.path,
                position: o.position,
                title: &o.title,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

#[derive(Serialize)]
struct JsonBugRow<'a> {
    id: &'a str,
    name: Option<&'a str>,
    link: Option<&'a str>,
    kind: &'a str,
    title: &'a str,
    labels: &'a [String],
    signatures: &'a [String],
    seen: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    runs: &'a [String],
    status: &'a str,
    fixed_in: Option<&'a str>,
    quiet: bool,
}

#[derive(Serialize)]
struct JsonHistoryRow<'a> {
    id: &'a str,
    bug: &'a str,
    kind: &'a str,
    title: &'a str,
    labels: &'a [String],
    seen: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    runs: &'a [String],
}

/// `legolog history --format json`: `bugs`, and `signatures` (each with its bug's counts).
pub fn write_history_json(out: &mut dyn Write, rows: &[BugRow]) -> anyhow::Result<()> {
    let bugs: Vec<JsonBugRow> = rows
        .iter()
        .map(|row| JsonBugRow {
            id: &row.id,
            name: row.name.as_deref(),
            link: row.link.as_deref(),
            kind: &row.kind,
            title: &row.title,
            labels: &row.labels,
            signatures: &row.signatures,
            seen: row.history.seen,
            first_seen: row.history.first_seen.map(|d| d.to_string()),
            last_seen: row.history.last_seen.map(|d| d.to_string()),
            runs: &row.history.runs,
            status: &row.history.status,
            fixed_in: row.history.fixed_in.as_deref(),
            quiet: row.history.quiet,
        })
        .collect();
    let signatures: Vec<JsonHistoryRow> = rows
        .iter()
        .flat_map(|row| {
            row.signatures.iter().map(move |signature| JsonHistoryRow {
                id: signature,
                bug: &row.id,
                kind: &row.kind,
                title: &row.title,
                labels: &row.labels,
                seen: row.history.seen,
                first_seen: row.history.first_seen.map(|d| d.to_string()),
                last_seen: row.history.last_seen.map(|d| d.to_string()),
                runs: &row.history.runs,
            })
        })
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({ "version": super::json::VERSION, "bugs": bugs, "signatures": signatures }),
    )?;
    writeln!(out)?;
    Ok(())
}

/// `legolog bug show ID`.
pub fn write_bug_text(
    out: &mut dyn Write,
    details: &crate::history::BugDetails,
    _style: Style,
) -> anyhow::Result<()> {
    let row = &details.row;
    let name = row
        .name
        .as_ref()
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    writeln!(
        out,
        "bug {}{name}: {}",
        row.id,
        labelled_title(&row.labels, &row.title)
    )?;
    if let Some(link) = &row.link {
        writeln!(out, "  link: {link}")?;
    }
    writeln!(out, "  kind: {}", row.kind)?;
    writeln!(
        out,
        "  seen: {} logs, first {}, last {}",
        row.history.seen,
        date_text(row.history.first_seen),
        date_text(row.history.last_seen)
    )?;
    writeln!(out, "  runs: {}", row.history.runs.join(", "))?;
    writeln!(out, "  nodes: {}", details.nodes.join(", "))?;
    writeln!(out, "  kernels: {}", details.kernels.join("; "))?;
    writeln!(out, "  signatures:")?;
    for signature in &row.signatures {
        writeln!(out, "    {signature}")?;
    }
    super::lifecycle::write_bug_text(out, details)
}
