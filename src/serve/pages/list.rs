//! The bug list: tabs, filters (label, node, build, run, text), sorting, paging.

use crate::history::views::{BugFilter, BugList, BugSort, Tab, SPARK_DAYS};
use crate::history::History;
use crate::serve::layout::Bounds;
use crate::serve::layout::{self, bug_title, labels, page, query, shown, Ctx, Section};
use crate::serve::svg;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

/// The list's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    tab: Option<String>,
    label: Option<String>,
    node: Option<String>,
    build: Option<String>,
    run: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    /// The filter it asks for, within `bounds`; an unknown tab or sort is an error message.
    pub fn filter(&self, bounds: &Bounds) -> Result<BugFilter, String> {
        let text = |value: &Option<String>| -> Result<Option<String>, String> {
            match value.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) if v.len() > bounds.max_text => {
                    Err(format!("a filter is longer than {} bytes", bounds.max_text))
                }
                Some(v) => Ok(Some(v.to_owned())),
            }
        };
        let tab = match self.tab.as_deref() {
            None | Some("") => Tab::Open,
            Some(name) => Tab::parse(name).ok_or_else(|| format!("no tab {name:?}"))?,
        };
        let sort = match self.sort.as_deref() {
            None | Some("") => BugSort::Last,
            Some(name) => BugSort::parse(name).ok_or_else(|| format!("no sort order {name:?}"))?,
        };
        Ok(BugFilter {
            tab,
            label: text(&self.label)?,
            node: text(&self.node)?,
            build: text(&self.build)?,
            run: text(&self.run)?,
            text: text(&self.q)?,
            sort,
            page: self.page.unwrap_or(0).min(bounds.max_page),
            per_page: self
                .per_page
                .unwrap_or(bounds.per_page)
                .clamp(1, bounds.max_per_page),
        })
    }
}

/// The bug list page's data (its JSON twin).
#[derive(Debug, Clone, Serialize)]
pub struct ListPage {
    /// What was asked.
    pub filter: BugFilter,
    /// What was found.
    #[serde(flatten)]
    pub list: BugList,
}

/// Reads the page; `total`: the number of bugs matching the filter when already counted at
/// this state of the history ([`BugFilter::count_key`]).
pub fn load(
    history: &mut History,
    filter: BugFilter,
    total: Option<u64>,
) -> anyhow::Result<ListPage> {
    let list = history.bug_list_counted(&filter, total)?;
    Ok(ListPage { filter, list })
}

fn filter_pairs(filter: &BugFilter) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if filter.tab != Tab::Open {
        pairs.push(("tab", filter.tab.as_str().to_owned()));
    }
    for (key, value) in [
        ("label", &filter.label),
        ("node", &filter.node),
        ("build", &filter.build),
        ("run", &filter.run),
        ("q", &filter.text),
    ] {
        if let Some(value) = value {
            pairs.push((key, value.clone()));
        }
    }
    pairs
}

fn href(ctx: &Ctx, filter: &BugFilter, change: impl FnOnce(&mut BugFilter)) -> String {
    let mut next = filter.clone();
    change(&mut next);
    let mut pairs = filter_pairs(&next);
    if next.sort != BugSort::Last {
        pairs.push(("sort", next.sort.as_str().to_owned()));
    }
    if next.page > 0 {
        pairs.push(("page", next.page.to_string()));
    }
    format!("{}{}", ctx.list(), query(&pairs))
}

/// The page.
pub fn render(ctx: &Ctx, data: &ListPage) -> Markup {
    let filter = &data.filter;
    let sort_link = |sort: BugSort, text: &str| -> Markup {
        if ctx.export {
            html! { (text) }
        } else {
            html! {
                a href=(href(ctx, filter, |f| { f.sort = sort; f.page = 0; })) { (text) }
            }
        }
    };
    let body = html! {
        h1 { "Bugs" }
        @if !ctx.export {
            nav.tabs {
                @for tab in Tab::ALL {
                    a href=(href(ctx, filter, |f| { f.tab = tab; f.page = 0; }))
                        class=[(tab == filter.tab).then_some("here")] { (tab.as_str()) }
                }
            }
            form.filters method="get" action=(ctx.list()) {
                @if filter.tab != Tab::Open { input type="hidden" name="tab" value=(filter.tab.as_str()); }
                label { "label" input name="label" value=[filter.label.as_deref()] placeholder="cq-stall"; }
                label { "node" input name="node" value=[filter.node.as_deref()] placeholder="w14"; }
                label { "build" input name="build" value=[filter.build.as_deref()]; }
                label { "run" input name="run" value=[filter.run.as_deref()]; }
                label { "text" input name="q" value=[filter.text.as_deref()] placeholder="title, name or id"; }
                label { "sort"
                    select name="sort" {
                        option value="last" selected[filter.sort == BugSort::Last] { "last seen" }
                        option value="first" selected[filter.sort == BugSort::First] { "first seen" }
                        option value="count" selected[filter.sort == BugSort::Count] { "count" }
                    }
                }
                button type="submit" { "filter" }
                " " a href=(ctx.list()) { "clear" }
            }
        }
        @if filter.tab == Tab::Quiet {
            p.note { "Open bugs silent for longer than their own crash rate leads to expect (at least 10 crashes; 7 to 90 days)." }
        }
        div #bug-list data-live-region {
            p.dim { (data.list.total) " bugs" }
            table #bugs data-sortable {
                thead { tr {
                    th { "title" }
                    th { "labels" }
                    th { "status" }
                    th.num { (sort_link(BugSort::Count, "count")) }
                    th { "nodes" }
                    th { "builds" }
                    th { (sort_link(BugSort::First, "first seen")) }
                    th { (sort_link(BugSort::Last, "last seen")) }
                    th { "last " (SPARK_DAYS) " days" }
                } }
                tbody {
                    @for bug in &data.list.bugs {
                        tr data-key=(bug.id) data-count=(bug.count) {
                            td.title {
                                (bug_title(ctx, &bug.id, &bug.title, bug.name.as_deref(), bug.link.as_deref()))
                                br;
                                span.dim { code { (bug.id) } " " (shown(&bug.kind)) }
                            }
                            td { (labels(ctx, &bug.labels)) }
                            td {
                                span class={ "status " (bug.status) } { (bug.status) }
                                @if let Some(into) = &bug.dup_of {
                                    " of " a href=(ctx.bug(into)) { code { (into) } }
                                }
                                @if let Some(build) = &bug.fixed_in {
                                    " in " span.dim { (shown(build)) }
                                }
                                @if bug.quiet { " " span.status.quiet { "quiet" } }
                                @if bug.regression { " " span.status.regression { "regression" } }
                            }
                            td.num data-value=(bug.count) { (bug.count) }
                            td {
                                @for (idx, node) in bug.nodes.iter().enumerate() {
                                    @if idx > 0 { ", " }
                                    a href=(ctx.node(node)) { (shown(node)) }
                                }
                            }
                            td {
                                @for (idx, build) in bug.builds.iter().enumerate() {
                                    @if idx > 0 { br; }
                                    span.dim { (shown(build)) }
                                }
                            }
                            td.date { (bug.first_seen.as_deref().unwrap_or("-")) }
                            td.date { (bug.last_seen.as_deref().unwrap_or("-")) }
                            td { (svg::spark(&bug.per_day)) }
                        }
                    }
                }
            }
            @if data.list.bugs.is_empty() { p.dim { "No bug matches." } }
            @if !ctx.export {
                (layout::pager(filter.page, filter.per_page, data.list.total, |p| href(ctx, filter, |f| f.page = p)))
            }
        }
    };
    page(ctx, "Bugs", Section::Bugs, body)
}
