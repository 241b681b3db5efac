//! A bug page: status, signatures with their frames (founding and similar), dups, similar
//! bugs, nodes and builds with counts and dates, crashes per day, and the paged crash table.

use crate::history::views::{BugView, CrashPage, CrashScope, CrashSort, SeenOn};
use crate::history::History;
use crate::serve::layout::Bounds;
use crate::serve::layout::{
    self, bug_title, fraction, labels, node_link, page, query, shown, Ctx, Section,
};
use crate::serve::pages::edit;
use crate::serve::svg;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

/// The crash table's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TableQuery {
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// What a crash table asks for.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Table {
    /// The order.
    pub sort: CrashSort,
    /// Page (0-based).
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
}

impl TableQuery {
    /// The table it asks for, within `bounds`.
    pub fn table(&self, bounds: &Bounds) -> Result<Table, String> {
        let sort = match self.sort.as_deref() {
            None | Some("") => CrashSort::Date,
            Some(name) => {
                CrashSort::parse(name).ok_or_else(|| format!("no sort order {name:?}"))?
            }
        };
        Ok(Table {
            sort,
            page: self.page.unwrap_or(0).min(bounds.max_page),
            per_page: self
                .per_page
                .unwrap_or(bounds.per_page)
                .clamp(1, bounds.max_per_page),
        })
    }
}

/// The bug page's data (its JSON twin).
#[derive(Debug, Clone, Serialize)]
pub struct BugPage {
    /// The bug.
    #[serde(flatten)]
    pub bug: BugView,
    /// The crash table asked for.
    pub table: Table,
    /// Its crashes (this page of the table).
    pub crashes: CrashPage,
}

/// Reads the page; `None` when there is no such bug.
pub fn load(history: &mut History, id: &str, table: Table) -> anyhow::Result<Option<BugPage>> {
    let Some(row) = history.lookup_bug(id)? else {
        return Ok(None);
    };
    // The bug's reports are counted with the rest of its page.
    let (bug, reports) = history.bug_view_counted(row)?;
    let crashes = history.crashes_counted(
        CrashScope::Bug(row),
        table.sort,
        table.page,
        table.per_page,
        Some(reports),
    )?;
    Ok(Some(BugPage {
        bug,
        table,
        crashes,
    }))
}

/// A table of where a bug was seen (nodes or builds).
pub fn seen_table(what: &str, rows: &[SeenOn], link: impl Fn(&str) -> Option<String>) -> Markup {
    html! {
        @if rows.is_empty() {
            p.dim { "No " (what) " recorded." }
        } @else {
            table data-sortable {
                thead { tr { th { (what) } th.num { "reports" } th.num { "logs" } th { "first seen" } th { "last seen" } } }
                tbody {
                    @for row in rows {
                        tr data-key=(row.name) data-count=(row.reports) {
                            td { @match link(&row.name) {
                                Some(href) => a href=(href) { (shown(&row.name)) },
                                None => (shown(&row.name)),
                            } }
                            td.num data-value=(row.reports) { (row.reports) }
                            td.num data-value=(row.logs) { (row.logs) }
                            td { (row.first_seen.as_deref().unwrap_or("-")) }
                            td { (row.last_seen.as_deref().unwrap_or("-")) }
                        }
                    }
                }
            }
        }
    }
}

/// Whose crashes a crash table lists.
#[derive(Debug, Clone, Copy)]
pub enum TableOf<'a> {
    /// One bug's, on its page (by its id): a column says which crashes are pinned, with a
    /// signed-in editor's pin and unpin buttons.
    Bug(&'a str),
    /// Many bugs' (a node's, a run's): a column names each crash's bug.
    Bugs,
}

/// A crash table with server-side sorting and paging (`href(sort, page)` makes the links).
pub fn crash_table(
    ctx: &Ctx,
    id: &str,
    crashes: &CrashPage,
    table: Table,
    of: TableOf<'_>,
    href: &dyn Fn(CrashSort, u32) -> String,
) -> Markup {
    let show_bug = matches!(of, TableOf::Bugs);
    let head = |sort: CrashSort, text: &str| -> Markup {
        if ctx.export {
            html! { (text) }
        } else {
            html! { a href=(href(sort, 0)) class=[(table.sort == sort).then_some("here")] { (text) } }
        }
    };
    html! {
        div id=(id) data-live-region {
            p.dim { (crashes.total) " crashes" }
            table {
                thead { tr {
                    th { (head(CrashSort::Date, "date")) }
                    th.num { "time (s)" }
                    th { (head(CrashSort::Run, "run")) }
                    th { (head(CrashSort::Node, "node")) }
                    th { (head(CrashSort::Build, "build")) }
                    @if show_bug { th { "bug" } }
                    th { "title" }
                    th { "log" }
                    @if let TableOf::Bug(_) = of { th { "kept" } }
                } }
                tbody {
                    @for crash in &crashes.crashes {
                        tr data-key={ (crash.log) "/" (crash.position) } {
                            td { (crash.date) }
                            td.num { @if let Some(t) = crash.time { (format!("{t:.6}")) } @else { "-" } }
                            td { a href=(ctx.run(&crash.run)) { (shown(&crash.run)) } }
                            td { (node_link(ctx, crash.node.as_deref())) }
                            td { span.dim { (shown(crash.build.as_deref().unwrap_or("-"))) } }
                            @if show_bug {
                                td { @if let Some(bug) = &crash.bug { a href=(ctx.bug(bug)) { code { (bug) } } } }
                            }
                            td { a href=(ctx.crash(&crash.log, crash.position)) { (shown(&crash.title)) } }
                            td { code { (shown(&crash.path)) } " #" (crash.position) }
                            @if let TableOf::Bug(bug) = of {
                                td.kept {
                                    @match crash.crash {
                                        Some(n) => {
                                            span.dim { "crash " (n) }
                                            @if crash.pinned { " " span.pinned { "pinned" } }
                                            " " (edit::pin_button(ctx, bug, n, crash.pinned))
                                        },
                                        None => span.dim { "-" },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !ctx.export {
                (layout::pager(table.page, table.per_page, crashes.total, |p| href(table.sort, p)))
            }
        }
    }
}

/// The page.
pub fn render(ctx: &Ctx, data: &BugPage) -> Markup {
    let bug = &data.bug.summary;
    let view = &data.bug;
    let base = ctx.bug(&bug.id);
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
    let founding = view.signatures.iter().filter(|s| s.founding).count();
    let life = &view.lifecycle;
    let body = html! {
        h1 { (bug_title(ctx, &bug.id, &bug.title, bug.name.as_deref(), bug.link.as_deref())) }
        div #bug-facts data-live-region {
            @if let Some(change) = &life.regression {
                p.banner.regression {
                    strong { "Regression. " }
                    "It was " (shown(change.old.as_deref().unwrap_or("fixed"))) "; "
                    (shown(change.new.as_deref().unwrap_or("open"))) " (" (change.when) ")."
                }
            }
            dl.facts {
                dt { "id" } dd { code { (bug.id) } }
                dt { "status" } dd {
                    span class={ "status " (bug.status) } { (bug.status) }
                    @if life.quiet { " " span.status.quiet { "quiet" } }
                    @if bug.regression { " " span.status.regression { "regression" } }
                    @if let Some(since) = &life.status_on { span.dim { " since " (since) } }
                }
                @if let Some(build) = &life.fixed_in {
                    dt { "fixed in" } dd { (shown(build)) @if let Some(commit) = &life.fix_commit { ", commit " code { (shown(commit)) } } }
                }
                @if let Some(note) = &life.note {
                    dt { @if life.status == "invalid" { "why" } @else { "note" } } dd { (shown(note)) }
                }
                @if !life.dup_chain.is_empty() {
                    dt { "dup of" } dd {
                        @for (idx, other) in life.dup_chain.iter().enumerate() {
                            @if idx > 0 { " → " }
                            a.dup-of href=(ctx.bug(other)) { code { (other) } }
                        }
                    }
                }
                @if let Some(days) = life.expected_silence_days {
                    dt { "quiet after" } dd { (format!("{days:.0}")) " days without a crash" }
                }
                dt { "kind" } dd { (shown(&bug.kind)) }
                dt { "labels" } dd { (labels(ctx, &bug.labels)) @if bug.labels.is_empty() { span.dim { "none" } } }
                dt { "seen" } dd { (bug.count) " logs, " (data.crashes.total) " reports" }
                dt { "first seen" } dd { (bug.first_seen.as_deref().unwrap_or("-")) }
                dt { "last seen" } dd { (bug.last_seen.as_deref().unwrap_or("-")) }
            }
        }
        h2 { "Signatures" }
        p.dim { (founding) " founding, " (view.signatures.len() - founding) " similar; frames the kernel trusted, innermost first." }
        @for signature in &view.signatures {
            div.signature {
                p {
                    code { (signature.id.get(..16).unwrap_or(&signature.id)) }
                    " v" (signature.version) " · " (signature.basis) " · "
                    @if signature.founding { strong { "founding" } } @else {
                        "similar"
                        @if let Some(s) = signature.similarity { " (" (fraction(s)) ")" }
                    }
                    " · " (signature.reports) " reports"
                    @if view.signatures.len() > 1 { " " (edit::split_button(ctx, &bug.id, &signature.id)) }
                }
                pre.frames { @for frame in &signature.frames { (shown(frame)) "\n" } }
            }
        }
        (edit::bug_forms(ctx, bug))
        @if !view.dups.is_empty() {
            h2 { "Dups" }
            ul { @for dup in &view.dups { li { a href=(ctx.bug(&dup.id)) { code { (dup.id) } } " " (shown(&dup.title)) } } }
        }
        h2 { "Similar bugs" }
        @if view.similar.is_empty() { p.dim { "None of the same kind share enough frames." } } @else {
            table data-sortable {
                thead { tr { th { "bug" } th { "title" } th.num { "similarity" } } }
                tbody {
                    @for other in &view.similar {
                        tr {
                            td { a href=(ctx.bug(&other.id)) { code { (other.id) } } }
                            td { (shown(&other.title)) }
                            td.num { (other.similarity.map(fraction).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        div.columns {
            div {
                h2 { "Nodes" }
                (seen_table("node", &view.nodes, |n| Some(ctx.node(n))))
            }
            div {
                h2 { "Builds" }
                (seen_table("build", &view.builds, |_| None))
            }
        }
        h2 { "History" }
        div #audit data-live-region {
            @if life.audit.is_empty() {
                p.dim { "No change of status yet." }
            } @else {
                table.audit {
                    thead { tr { th { "when" } th { "who" } th { "what" } th { "before" } th { "after" } } }
                    tbody {
                        @for change in &life.audit {
                            tr data-key=(change.at) {
                                td.date { (change.when) }
                                td { (shown(&change.who)) }
                                td { (change.what) }
                                td { (shown(change.old.as_deref().unwrap_or("-"))) }
                                td { (shown(change.new.as_deref().unwrap_or("-"))) }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Crashes per day" }
        (svg::bars("logs per run date", &view.per_day))
        h2 { "Crashes" }
        (crash_table(ctx, "crashes", &data.crashes, data.table, TableOf::Bug(&bug.id), &href))
    };
    page(ctx, &bug.title, Section::Bugs, body)
}
