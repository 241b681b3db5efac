//! `legolog serve --export DIR`: the dashboard's pages as static files that link to each other
//! relatively, so they open from `file://` or any web server, with no script and no request
//! beyond the export's own stylesheet.

use super::layout::{self, Ctx};
use super::pages::{bug, crash, list, node, run};
use super::Bounds;
use crate::config::limits::Limits;
use crate::history::views::{BugFilter, BugSort, Tab};
use crate::history::History;
use crate::identity::rules::RuleSet;
use anyhow::Context as _;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Bugs exported at most (per tab).
const MAX_BUGS: u32 = 10_000;
/// Crashes listed (and exported as pages) per bug at most.
const MAX_CRASHES: u32 = 1000;

/// Writes every page under `dir`; returns how many.
pub fn write(history: &mut History, dir: &Path, limits: &Limits) -> anyhow::Result<u64> {
    let bounds = Bounds::standard(Duration::from_secs(60));
    let rules = RuleSet::load(None, limits)?;
    let mut out = Writer { dir, written: 0 };
    out.file("assets/style.css", layout::STYLE)?;
    let filter = |tab| BugFilter {
        tab,
        label: None,
        node: None,
        build: None,
        run: None,
        text: None,
        sort: BugSort::Last,
        page: 0,
        per_page: MAX_BUGS,
    };
    let open = list::load(history, filter(Tab::Open), None)?;
    out.page("index.html", &list::render(&Ctx::exported(0), &open))?;
    let dups = history.bug_list(&filter(Tab::Dup))?;
    let ids: Vec<String> = open
        .list
        .bugs
        .iter()
        .chain(&dups.bugs)
        .filter(|b| b.dup_of.is_none())
        .map(|b| b.id.clone())
        .collect();
    let table = bug::Table {
        sort: crate::history::views::CrashSort::Date,
        page: 0,
        per_page: MAX_CRASHES,
    };
    let mut crashes: BTreeSet<(String, u64)> = BTreeSet::new();
    let mut nodes: BTreeSet<String> = BTreeSet::new();
    for id in &ids {
        let Some(page) = bug::load(history, id, table)? else {
            continue;
        };
        for crash in &page.crashes.crashes {
            crashes.insert((crash.log.clone(), crash.position));
        }
        nodes.extend(page.bug.nodes.iter().map(|n| n.name.clone()));
        out.page(
            &format!("bug/{}.html", layout::slug(id)),
            &bug::render(&Ctx::exported(1), &page),
        )?;
    }
    for (log, position) in &crashes {
        let Some(page) = crash::load(history, log, *position, (&rules, limits), None)? else {
            continue;
        };
        let name = format!("crash/{}-{position}", layout::slug(log));
        out.page(
            &format!("{name}.html"),
            &crash::render(&Ctx::exported(1), &page),
        )?;
        out.file(&format!("{name}.txt"), &crash::raw_text(&page))?;
    }
    let runs = run::load_runs(history, 10_000)?;
    out.page("runs.html", &run::render_runs(&Ctx::exported(0), &runs))?;
    let keys: BTreeSet<String> = runs
        .runs
        .iter()
        .map(|r| r.run.clone())
        .chain(runs.days.iter().map(|d| d.0.clone()))
        .collect();
    for key in &keys {
        if let Some(page) = run::load_run(history, key, bounds.max_per_page, limits)? {
            out.page(
                &format!("run/{}.html", layout::slug(key)),
                &run::render_run(&Ctx::exported(1), &page),
            )?;
        }
        nodes.extend(runs.runs.iter().filter_map(|r| r.node.clone()));
    }
    for name in &nodes {
        if let Some(page) = node::load(history, name, table)? {
            out.page(
                &format!("node/{}.html", layout::slug(name)),
                &node::render(&Ctx::exported(1), &page),
            )?;
        }
    }
    let graphs = history.graphs()?;
    out.page(
        "graphs.html",
        &node::render_graphs(&Ctx::exported(0), &graphs),
    )?;
    Ok(out.written)
}

struct Writer<'a> {
    dir: &'a Path,
    written: u64,
}

impl Writer<'_> {
    fn file(&mut self, name: &str, text: &str) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))
    }

    fn page(&mut self, name: &str, markup: &maud::Markup) -> anyhow::Result<()> {
        self.written += 1;
        self.file(name, &markup.0)
    }
}
