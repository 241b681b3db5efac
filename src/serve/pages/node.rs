//! A node page (its crashes over time, its bugs, its runs) and the graphs page.

use crate::history::views::{CrashPage, CrashScope, CrashSort, Graphs, NodeView};
use crate::history::History;
use crate::serve::layout::{page, query, shown, Ctx, Section};
use crate::serve::pages::bug::{crash_table, seen_table, Table, TableOf};
use crate::serve::svg;
use maud::{html, Markup};
use serde::Serialize;
use std::collections::BTreeMap;

/// A node page's data.
#[derive(Debug, Clone, Serialize)]
pub struct NodePage {
    /// The node.
    #[serde(flatten)]
    pub node: NodeView,
    /// Titles of its bugs, by id.
    pub titles: BTreeMap<String, String>,
    /// The crash table asked for.
    pub table: Table,
    /// Its crashes (this page).
    pub crashes: CrashPage,
}

/// Reads a node page; `None` for a node never recorded.
pub fn load(history: &mut History, name: &str, table: Table) -> anyhow::Result<Option<NodePage>> {
    let Some(node) = history.node_view(name)? else {
        return Ok(None);
    };
    let ids: Vec<String> = node.bugs.iter().map(|b| b.name.clone()).collect();
    let titles = history.bug_titles(&ids)?;
    let crashes = history.crashes(
        CrashScope::Node(name),
        table.sort,
        table.page,
        table.per_page,
    )?;
    Ok(Some(NodePage {
        node,
        titles,
        table,
        crashes,
    }))
}

/// The node page.
pub fn render(ctx: &Ctx, data: &NodePage) -> Markup {
    let name = &data.node.name;
    let base = ctx.node(name);
    let href = |sort: CrashSort, page: u32| -> String {
        let mut pairs = Vec::new();
        if sort != CrashSort::Date {
            pairs.push(("sort", sort.as_str().to_owned()));
        }
        if page > 0 {
            pairs.push(("page", page.to_string()));
        }
        format!("{base}{}", query(&pairs))
    };
    let body = html! {
        h1 { "Node " (shown(name)) }
        p {
            @if !ctx.export { a href={ (ctx.list()) (query(&[("node", name.clone())])) } { "its bugs in the bug list" } " · " }
            "runs: "
            @for (idx, run) in data.node.runs.iter().enumerate() {
                @if idx > 0 { ", " }
                a href=(ctx.run(run)) { (shown(run)) }
            }
        }
        h2 { "Crashes per day" }
        (svg::bars("reports per run date on this node", &data.node.per_day))
        h2 { "Bugs" }
        div #node-bugs data-live-region {
            (seen_table("bug", &data.node.bugs, |id| Some(ctx.bug(id))))
            @if !data.titles.is_empty() {
                ul.dim { @for (id, title) in &data.titles { li { code { (id) } " " (shown(title)) } } }
            }
        }
        h2 { "Crashes" }
        (crash_table(ctx, "node-crashes", &data.crashes, data.table, TableOf::Bugs, &href))
    };
    page(ctx, &format!("Node {name}"), Section::Other, body)
}

/// The graphs page.
pub fn render_graphs(ctx: &Ctx, data: &Graphs) -> Markup {
    let body = html! {
        h1 { "Graphs" }
        div #graphs data-live-region {
            h2 { "Crashes per day" }
            p.dim { "Reports recorded per run date." }
            (svg::bars("crashes per day", &data.crashes_per_day))
            h2 { "New bugs per week" }
            p.dim { "Bugs by the week (from Monday) of their first sighting." }
            (svg::bars("new bugs per week", &data.new_bugs_per_week))
            h2 { "Open bugs over time" }
            p.dim { "Live bugs first seen on or before each date (no bug is closed until the history records bug status)." }
            (svg::line("open bugs over time", &data.open_bugs))
        }
    };
    page(ctx, "Graphs", Section::Graphs, body)
}
