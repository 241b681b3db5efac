//! `legolog timeline`: the reports of one run's nodes on one timeline, and *incidents*: a FIT
//! send/reply timeout on one node that names the node it was talking to (`dest node: 1`),
//! linked with that node's reports of the same run.
//!
//! Logs belong together when they were given with `--node`, or when their file names follow
//! the run naming (`0827-w14-6`, `0827-w9-5`: the nodes of one day). A node's FIT id comes
//! from `--node NAME=PATH,id=N`, else from the LegoOS boot lines that print it
//! (`FIT_LOCAL_ID: N`, the node table's row marked `<---`), else it is inferred when the run
//! leaves one choice: the timeout names id N, exactly one other node has no id, and nothing
//! it printed rules N out.

use crate::config::events::{Event, EventSink};
use crate::config::limits::Limits;
use crate::identity::node::{self, NodeSpec};
use crate::input::{self, Source};
use crate::pipeline::analysis::{self, Identity};
use legolog_parsers::{ParseConfig, Report};
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;

/// One report on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The node (or the log's run name when the node is unknown).
    pub node: String,
    /// The log it came from.
    pub path: String,
    /// Kind and title.
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// Lines of the log.
    pub line_start: u64,
    /// Last line.
    pub line_end: u64,
    /// dmesg seconds.
    pub time: Option<f64>,
    /// Wall-clock time as printed, when a prefix gave one.
    pub wall_time: Option<String>,
    #[serde(skip)]
    wall_epoch: Option<f64>,
    /// The FIT node the report says it was sending to (`dest node: N`).
    pub dest_node_id: Option<u32>,
    /// The FIT node the report's request came from (`src_nid:N`).
    pub src_node_id: Option<u32>,
}

/// A node of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Its name.
    pub name: String,
    /// Its logs.
    pub paths: Vec<String>,
    /// Its FIT node id, when known.
    pub id: Option<u32>,
    /// Where the id comes from: `given` (`--node …,id=N`), `boot-lines`, `inferred`.
    pub id_source: Option<&'static str>,
}

/// Reports on different nodes that belong together.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// Index (in `entries`) of the timeout that names the other node.
    pub cause: usize,
    /// The FIT id it names.
    pub dest_node_id: u32,
    /// The node with that id.
    pub dest_node: String,
    /// Indexes of that node's reports.
    pub related: Vec<usize>,
}

/// The logs of one run (or one day of run-named logs).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `0827` (the name's `MMDD`) for run-named logs of that day, `nodes` for `--node` logs,
    /// else the run.
    pub key: String,
    /// Whether the entries are ordered by wall time (else per node, by dmesg time).
    pub by_wall_time: bool,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The reports in timeline order.
    pub entries: Vec<Entry>,
    /// Linked reports.
    pub incidents: Vec<Incident>,
}

/// Every group, by key.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// Groups with reports, by key.
    pub groups: Vec<Group>,
}

struct LogRead {
    node: String,
    path: String,
    group: String,
    given_id: Option<u32>,
    boot_id: Option<u32>,
    /// FIT id → host name from the boot table.
    hosts: BTreeMap<u32, String>,
    entries: Vec<Entry>,
}

/// Reads every log and builds the timeline; `true` when a log could not be read (said to
/// `events`, with the warnings of each log read).
pub fn build(
    specs: &[NodeSpec],
    config: (&ParseConfig, &Limits),
    events: &EventSink,
) -> (Timeline, bool) {
    let mut failed = false;
    let mut logs = Vec::new();
    for spec in specs {
        match read_log(spec, config) {
            Ok((log, warnings)) => {
                for warning in warnings {
                    events.event(Event::Error(&format!("warning: {warning}")));
                }
                logs.push(log);
            }
            Err(err) => {
                events.event(Event::Error(&format!("{err:#}")));
                failed = true;
            }
        }
    }
    let mut by_group: BTreeMap<String, Vec<LogRead>> = BTreeMap::new();
    for log in logs {
        by_group.entry(log.group.clone()).or_default().push(log);
    }
    let groups = by_group
        .into_iter()
        .map(|(key, logs)| group(key, logs))
        .filter(|g| !g.entries.is_empty())
        .collect();
    (Timeline { groups }, failed)
}

fn read_log(
    spec: &NodeSpec,
    config: (&ParseConfig, &Limits),
) -> anyhow::Result<(LogRead, Vec<String>)> {
    let source = Source::from_arg(&spec.path);
    let run_name = source.run_name();
    let name = spec
        .node_name()
        .unwrap_or_else(|| crate::identity::run::run_info(&run_name, &[]).name);
    let (summary, entries) =
        analysis::parse_source(source.clone(), config, Identity::Skip, |report| {
            let wall = report.wall_time;
            (entry(&report, &name, &source.to_string(), None), wall)
        })?;
    // A wall time printed without a year takes the run's (the date the log prints).
    let year = summary.run.date.map(|d| d.year);
    let entries = entries
        .into_iter()
        .map(|(mut entry, wall)| {
            if entry.wall_epoch.is_none() {
                entry.wall_epoch = wall.as_ref().and_then(|w| node::wall_epoch(w, year));
            }
            entry
        })
        .collect();
    let run = summary.run.clone();
    let group = if spec.name.is_some() {
        "nodes".to_owned()
    } else if run.node.is_some() {
        // Run-named logs (`0827-w14-6`): the nodes of one day, the `MMDD` the name carries.
        run.name.split('-').next().unwrap_or(&run.name).to_owned()
    } else {
        run.name.clone()
    };
    let (boot_id, hosts) = fit_ids(&source, config.1.max_log_bytes)?;
    let warnings = summary.warnings(config.1);
    let read = LogRead {
        node: name,
        path: source.to_string(),
        group,
        given_id: spec.id,
        boot_id,
        hosts,
        entries,
    };
    Ok((read, warnings))
}

fn entry(report: &Report, node: &str, path: &str, year: Option<i32>) -> Entry {
    Entry {
        node: node.to_owned(),
        path: path.to_owned(),
        kind: report.kind.as_str(),
        title: report.title.clone(),
        line_start: report.span.start,
        line_end: report.span.end,
        time: report.time,
        wall_time: report.wall_time.as_ref().map(node::wall_text),
        wall_epoch: report
            .wall_time
            .as_ref()
            .and_then(|w| node::wall_epoch(w, year)),
        dest_node_id: report.excerpt.iter().find_map(|line| dest_node(&line.text)),
        src_node_id: report.lego.as_ref().and_then(|l| l.src_nid),
    }
}

/// `dest node: 1`, `dest_nid:1`, `destination node 1` in a line.
fn dest_node(text: &str) -> Option<u32> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)\bdest(?:ination)?[ _](?:node|nid)\s*[:=]?\s*(\d+)").expect("valid regex")
    });
    re.captures(text)?.get(1)?.as_str().parse().ok()
}

/// The FIT id a LegoOS log prints for its own node at boot, and the node table.
fn fit_ids(
    source: &Source,
    max_log_bytes: u64,
) -> anyhow::Result<(Option<u32>, BTreeMap<u32, String>)> {
    static LOCAL: OnceLock<Regex> = OnceLock::new();
    static ROW: OnceLock<Regex> = OnceLock::new();
    let local = LOCAL.get_or_init(|| Regex::new(r"FIT_LOCAL_ID:\s*(\d+)").expect("valid regex"));
    let row = ROW.get_or_init(|| {
        Regex::new(r"fit: \*\*\*\s+(\d+)\s+(\S+)\s+\d+\s+\d+\s*(<---)?").expect("valid regex")
    });
    let mut reader = BufReader::new(input::open(source, max_log_bytes)?);
    let mut line = Vec::new();
    let mut own = None;
    let mut hosts = BTreeMap::new();
    loop {
        line.clear();
        // A line is looked at in pieces of at most 64 KiB: memory stays bounded.
        if reader
            .by_ref()
            .take(64 * 1024)
            .read_until(b'\n', &mut line)?
            == 0
        {
            break;
        }
        if !line.windows(4).any(|w| w == b"FIT_" || w == b"fit:") {
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        if let Some(caps) = local.captures(&text) {
            own = caps.get(1).and_then(|m| m.as_str().parse().ok());
        } else if let Some(caps) = row.captures(&text) {
            let id: Option<u32> = caps.get(1).and_then(|m| m.as_str().parse().ok());
            if let (Some(id), Some(host)) = (id, caps.get(2)) {
                hosts.insert(id, host.as_str().to_owned());
                if caps.get(3).is_some() {
                    own = own.or(Some(id));
                }
            }
        }
    }
    Ok((own, hosts))
}

/// Whether `short` names `host` (`w14` for `wuklab14`): same first letter, same trailing
/// number, the letters in order.
fn abbreviates(short: &str, host: &str) -> bool {
    if short == host {
        return true;
    }
    let digits = |s: &str| {
        s.chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    };
    if short.chars().next() != host.chars().next()
        || digits(short).is_empty()
        || digits(short) != digits(host)
    {
        return false;
    }
    let mut rest = host.chars();
    short.chars().all(|c| rest.any(|h| h == c))
}

fn group(key: String, logs: Vec<LogRead>) -> Group {
    // Nodes and their ids.
    let mut nodes: Vec<Node> = Vec::new();
    for log in &logs {
        let (id, id_source) = match (log.given_id, log.boot_id) {
            (Some(id), _) => (Some(id), Some("given")),
            (None, Some(id)) => (Some(id), Some("boot-lines")),
            _ => (None, None),
        };
        match nodes.iter_mut().find(|n| n.name == log.node) {
            Some(node) => {
                node.paths.push(log.path.clone());
                if node.id.is_none() {
                    node.id = id;
                    node.id_source = id_source;
                }
            }
            None => nodes.push(Node {
                name: log.node.clone(),
                paths: vec![log.path.clone()],
                id,
                id_source,
            }),
        }
    }
    // A boot table on one node names the others.
    for log in &logs {
        for (id, host) in &log.hosts {
            if nodes.iter().any(|n| n.id == Some(*id)) {
                continue;
            }
            if let Some(node) = nodes
                .iter_mut()
                .find(|n| n.id.is_none() && abbreviates(&n.name, host))
            {
                node.id = Some(*id);
                node.id_source = Some("boot-lines");
            }
        }
    }
    let mut entries: Vec<Entry> = logs.into_iter().flat_map(|log| log.entries).collect();
    // The one remaining choice: a timeout names id N that no node has, and exactly one other
    // node has no id and never printed a request from N.
    let named: Vec<(String, u32)> = entries
        .iter()
        .filter_map(|e| Some((e.node.clone(), e.dest_node_id?)))
        .collect();
    for (from, dest) in named {
        if nodes.iter().any(|n| n.id == Some(dest)) {
            continue;
        }
        let candidates: Vec<usize> = nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.name != from && n.id.is_none())
            .filter(|(_, n)| {
                !entries
                    .iter()
                    .any(|e| e.node == n.name && e.src_node_id == Some(dest))
            })
            .map(|(idx, _)| idx)
            .collect();
        if let [only] = candidates.as_slice() {
            nodes[*only].id = Some(dest);
            nodes[*only].id_source = Some("inferred");
        }
    }
    let by_wall_time = entries.iter().all(|e| e.wall_epoch.is_some());
    entries.sort_by(|a, b| {
        let by_wall = if by_wall_time {
            a.wall_epoch
                .partial_cmp(&b.wall_epoch)
                .unwrap_or(std::cmp::Ordering::Equal)
        } else {
            std::cmp::Ordering::Equal
        };
        by_wall
            .then_with(|| a.node.cmp(&b.node))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.line_start.cmp(&b.line_start))
    });
    let mut incidents = Vec::new();
    for (cause_idx, cause) in entries.iter().enumerate() {
        let Some(dest) = cause.dest_node_id else {
            continue;
        };
        let Some(target) = nodes
            .iter()
            .find(|n| n.id == Some(dest) && n.name != cause.node)
        else {
            continue;
        };
        let related: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.node == target.name)
            .map(|(idx, _)| idx)
            .collect();
        if related.is_empty() {
            continue;
        }
        incidents.push(Incident {
            cause: cause_idx,
            dest_node_id: dest,
            dest_node: target.name.clone(),
            related,
        });
    }
    Group {
        key,
        by_wall_time,
        nodes,
        entries,
        incidents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_and_host_names() {
        assert_eq!(dest_node("***** connection_id: 7 dest node: 1"), Some(1));
        assert_eq!(dest_node("dst node 1"), None);
        assert!(abbreviates("w14", "wuklab14"));
        assert!(!abbreviates("w14", "wuklab15"));
        assert!(!abbreviates("w1", "wuklab14"));
    }
}
