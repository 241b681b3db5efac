//! `legolog timeline`'s output: the groups and incidents of `pipeline::timeline`, as text for
//! people or as JSON (`version`, `groups`).

use crate::pipeline::output::timeline::{Group, Timeline};
use serde::Serialize;
use std::io::Write;

/// The timeline for people.
pub fn write_text(out: &mut dyn Write, timeline: &Timeline) -> anyhow::Result<()> {
    let mut n_incidents = 0;
    for group in &timeline.groups {
        let nodes: Vec<String> = group
            .nodes
            .iter()
            .map(|n| match (n.id, n.id_source) {
                (Some(id), Some(how)) => format!("{} (id {id}, {how})", n.name),
                _ => n.name.clone(),
            })
            .collect();
        let order = if group.by_wall_time {
            "by wall time"
        } else {
            "per node"
        };
        writeln!(out, "{}: {} ({order})", group.key, nodes.join(", "))?;
        for entry in &group.entries {
            let when = match (&entry.wall_time, entry.time) {
                (Some(wall), _) => wall.clone(),
                (None, Some(t)) => format!("t={t:.6}"),
                (None, None) => "-".to_owned(),
            };
            writeln!(
                out,
                "  {:<8} {when:<16} {} {}  ({}:{}-{})",
                entry.node, entry.kind, entry.title, entry.path, entry.line_start, entry.line_end
            )?;
        }
        for incident in &group.incidents {
            n_incidents += 1;
            let cause = &group.entries[incident.cause];
            writeln!(
                out,
                "  incident {n_incidents}: {} {} (dest node {}) ↔ {}:",
                cause.node, cause.title, incident.dest_node_id, incident.dest_node
            )?;
            for &idx in &incident.related {
                let entry = &group.entries[idx];
                writeln!(out, "      {} {} {}", entry.node, entry.kind, entry.title)?;
            }
        }
        writeln!(out)?;
    }
    if timeline.groups.is_empty() {
        writeln!(out, "no reports found")?;
    }
    Ok(())
}

/// The timeline as JSON (`version`, `groups`).
pub fn write_json(out: &mut dyn Write, timeline: &Timeline) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct Document<'a> {
        version: u32,
        groups: &'a [Group],
    }
    let document = Document {
        version: 1,
        groups: &timeline.groups,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
