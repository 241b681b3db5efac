//! Runs: the list of runs, and a run page with its nodes on one timeline and the cross-node
//! incidents `legolog timeline` finds (read from the logs the history recorded, when they are
//! still there). A day key (`0827`) gathers the runs named `0827-…`: one day's nodes.

use crate::config::events::Collect;
use crate::config::limits::Limits;
use crate::history::views::{CrashPage, CrashScope, CrashSort, RunRow};
use crate::history::History;
use crate::identity::node::NodeSpec;
use crate::pipeline::timeline::{self, Group};
use crate::serve::layout::{node_link, page, shown, Ctx, Section};
use legolog_parsers::ParseConfig;
use maud::{html, Markup};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Logs read for one run page at most.
const MAX_RUN_LOGS: u32 = 64;

/// The runs page's data.
#[derive(Debug, Clone, Serialize)]
pub struct RunsPage {
    /// Runs, newest first.
    pub runs: Vec<RunRow>,
    /// Day keys (`MMDD`) that gather several runs, with their run count.
    pub days: Vec<(String, u64)>,
}

/// Reads the runs page.
pub fn load_runs(history: &mut History, limit: u32) -> anyhow::Result<RunsPage> {
    let runs = history.runs(limit)?;
    let mut days: std::collections::BTreeMap<String, u64> = Default::default();
    for run in &runs {
        if let Some((day, _)) = run.run.split_once('-') {
            if day.len() == 4 && day.bytes().all(|b| b.is_ascii_digit()) {
                *days.entry(day.to_owned()).or_default() += 1;
            }
        }
    }
    Ok(RunsPage {
        runs,
        days: days.into_iter().filter(|(_, n)| *n > 1).collect(),
    })
}

/// The runs page.
pub fn render_runs(ctx: &Ctx, data: &RunsPage) -> Markup {
    let body = html! {
        h1 { "Runs" }
        @if !data.days.is_empty() {
            p { "Days with several nodes' runs (one timeline each): "
                @for (idx, (day, n)) in data.days.iter().enumerate() {
                    @if idx > 0 { ", " }
                    a href=(ctx.run(day)) { (day) } " (" (n) ")"
                }
            }
        }
        div #runs data-live-region {
            table data-sortable {
                thead { tr { th { "run" } th { "node" } th { "date" } th.num { "logs" } th.num { "reports" } } }
                tbody {
                    @for run in &data.runs {
                        tr data-key=(run.run) data-count=(run.reports) {
                            td { a href=(ctx.run(&run.run)) { (shown(&run.run)) } }
                            td { (node_link(ctx, run.node.as_deref())) }
                            td { (run.date) }
                            td.num { (run.logs) }
                            td.num { (run.reports) }
                        }
                    }
                }
            }
        }
    };
    page(ctx, "Runs", Section::Runs, body)
}

/// One log of a run page.
#[derive(Debug, Clone, Serialize)]
pub struct RunLog {
    /// Run name.
    pub run: String,
    /// Node.
    pub node: Option<String>,
    /// Recorded path.
    pub path: String,
    /// Content hash.
    pub log: String,
    /// Whether the file is still there to be read for the timeline.
    pub readable: bool,
}

/// A run page's data.
#[derive(Debug, Clone, Serialize)]
pub struct RunPage {
    /// The run name or day key.
    pub key: String,
    /// Its logs.
    pub logs: Vec<RunLog>,
    /// The timeline groups of its logs (`legolog timeline`'s JSON groups).
    pub timeline: Vec<Group>,
    /// What reading the logs said.
    pub warnings: Vec<String>,
    /// The recorded crashes of the run (all its runs for a day key: the first page).
    pub crashes: CrashPage,
}

/// Reads a run page; `None` when no log has that run or day.
pub fn load_run(
    history: &mut History,
    key: &str,
    per_page: u32,
    limits: &Limits,
) -> anyhow::Result<Option<RunPage>> {
    let rows = history.run_logs(key, MAX_RUN_LOGS)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let logs: Vec<RunLog> = rows
        .into_iter()
        .map(|row| RunLog {
            readable: row.path != "-" && std::path::Path::new(&row.path).is_file(),
            run: row.run,
            node: row.node,
            path: row.path,
            log: row.log,
        })
        .collect();
    let specs: Vec<NodeSpec> = logs
        .iter()
        .filter(|l| l.readable)
        .map(|l| NodeSpec::plain(PathBuf::from(&l.path)))
        .collect();
    let collect = Arc::new(Collect::default());
    let sink: crate::config::events::EventSink = collect.clone();
    let (built, _) = timeline::build(&specs, (&ParseConfig::standard(), limits), &sink);
    let warnings = collect.0.lock().map(|w| w.clone()).unwrap_or_default();
    // A run name is its own scope; a day key lists the crashes of its first run's node logs
    // through the timeline and the per-run tables of each run.
    let crashes = if logs.iter().all(|l| l.run == key) {
        history.crashes(CrashScope::Run(key), CrashSort::Date, 0, per_page)?
    } else {
        CrashPage {
            total: 0,
            crashes: Vec::new(),
        }
    };
    Ok(Some(RunPage {
        key: key.to_owned(),
        logs,
        timeline: built.groups,
        warnings,
        crashes,
    }))
}

/// A run page.
pub fn render_run(ctx: &Ctx, data: &RunPage) -> Markup {
    let body = html! {
        h1 { "Run " (shown(&data.key)) }
        h2 { "Logs" }
        table {
            thead { tr { th { "run" } th { "node" } th { "log" } } }
            tbody {
                @for log in &data.logs {
                    tr {
                        td { a href=(ctx.run(&log.run)) { (shown(&log.run)) } }
                        td { (node_link(ctx, log.node.as_deref())) }
                        td { code { (shown(&log.path)) } @if !log.readable { " " span.dim { "(not there any more: left out of the timeline)" } } }
                    }
                }
            }
        }
        @for warning in &data.warnings { p.note { (shown(warning)) } }
        @for group in &data.timeline {
            h2 { "Timeline " (shown(&group.key)) }
            p.dim {
                "Nodes: "
                @for (idx, node) in group.nodes.iter().enumerate() {
                    @if idx > 0 { ", " }
                    @if data.logs.iter().any(|l| l.node.as_deref() == Some(node.name.as_str())) {
                        a href=(ctx.node(&node.name)) { (shown(&node.name)) }
                    } @else {
                        (shown(&node.name))
                    }
                    @if let (Some(id), Some(how)) = (node.id, node.id_source) { " (FIT id " (id) ", " (how) ")" }
                }
                " · ordered " (if group.by_wall_time { "by wall time" } else { "per node, by kernel time" })
            }
            @for (idx, incident) in group.incidents.iter().enumerate() {
                @let cause = &group.entries[incident.cause];
                div.incident data-incident=(idx + 1) {
                    strong { "Incident " (idx + 1) ": " }
                    (shown(&cause.node)) " " (shown(&cause.title))
                    " (dest node " (incident.dest_node_id) ") ↔ " (shown(&incident.dest_node)) ":"
                    ul { @for idx in &incident.related {
                        @let entry = &group.entries[*idx];
                        li { (shown(&entry.node)) " " (entry.kind) " " (shown(&entry.title)) }
                    } }
                }
            }
            table.timeline {
                thead { tr { th { "node" } th { "when" } th { "kind" } th { "title" } th { "lines" } } }
                tbody {
                    @for (idx, entry) in group.entries.iter().enumerate() {
                        @let cause = group.incidents.iter().any(|i| i.cause == idx);
                        @let related = group.incidents.iter().any(|i| i.related.contains(&idx));
                        tr class=[if cause { Some("cause") } else if related { Some("related") } else { None }] {
                            td { (shown(&entry.node)) }
                            td { @match (&entry.wall_time, entry.time) {
                                (Some(wall), _) => (wall),
                                (None, Some(t)) => { "t=" (format!("{t:.6}")) },
                                (None, None) => "-",
                            } }
                            td { (entry.kind) }
                            td { (shown(&entry.title)) }
                            td { code { (shown(&entry.path)) } ":" (entry.line_start) "-" (entry.line_end) }
                        }
                    }
                }
            }
        }
        @if data.timeline.is_empty() { p.dim { "No timeline: none of the logs can be read again." } }
        @if data.crashes.total > 0 {
            h2 { "Recorded crashes" }
            (crate::serve::pages::bug::crash_table(ctx, "run-crashes", &data.crashes,
                crate::serve::pages::bug::Table { sort: CrashSort::Date, page: 0, per_page: data.crashes.crashes.len().max(1) as u32 },
                crate::serve::pages::bug::TableOf::Bugs, &|_, _| ctx.run(&data.key)))
        }
    };
    page(ctx, &format!("Run {}", data.key), Section::Runs, body)
}
