//! Read-only views of a history for the dashboard (`legolog serve`): the bug list with its
//! filters, a bug's signatures, nodes, kernels and crashes, a node's and a run's crashes, the
//! counts behind the graphs, and a cheap change marker for live pages.
//!
//! Every query here only reads, and a history opened with [`History::open_read_only`] cannot
//! write: the SQLite file is opened `SQLITE_OPEN_READ_ONLY` (its bytes and mtime never change),
//! a PostgreSQL session runs with `default_transaction_read_only`. Answers are bounded: lists
//! are paged, per-bug detail is capped.

use super::{basis_from_str, split_frames, split_labels, History, Value};
use crate::identity::signature;
use anyhow::bail;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The status of a bug nobody has judged yet.
pub const STATUS_OPEN: &str = "open";

/// Which bugs a list shows (syzbot's tabs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tab {
    /// Open bugs (status `open`, not merged).
    Open,
    /// Bugs fixed in a build (`bug fix`).
    Fixed,
    /// Bugs judged not a bug (`bug invalid`).
    Invalid,
    /// Dups (`bug dup`) and bugs merged into another (`bug merge`).
    Dup,
    /// Open bugs silent for longer than their own crash rate leads to expect (the lifecycle's
    /// rule, docs/lifecycle.md).
    Quiet,
}

impl Tab {
    /// Every tab, in display order.
    pub const ALL: [Tab; 5] = [Tab::Open, Tab::Fixed, Tab::Invalid, Tab::Dup, Tab::Quiet];

    /// Its name in URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Open => "open",
            Tab::Fixed => "fixed",
            Tab::Invalid => "invalid",
            Tab::Dup => "dup",
            Tab::Quiet => "quiet",
        }
    }

    /// The tab named `text`.
    pub fn parse(text: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// The order of a bug list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BugSort {
    /// Most recently seen first.
    Last,
    /// Most recently founded first.
    First,
    /// Most logs first.
    Count,
}

impl BugSort {
    /// Its name in URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BugSort::Last => "last",
            BugSort::First => "first",
            BugSort::Count => "count",
        }
    }

    /// The order named `text`.
    pub fn parse(text: &str) -> Option<BugSort> {
        [BugSort::Last, BugSort::First, BugSort::Count]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What a bug list asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BugFilter {
    /// The tab.
    pub tab: Tab,
    /// Only bugs with this label.
    pub label: Option<String>,
    /// Only bugs seen on this node.
    pub node: Option<String>,
    /// Only bugs seen with this kernel build.
    pub build: Option<String>,
    /// Only bugs seen in this run.
    pub run: Option<String>,
    /// Only bugs whose title, name or id contains this text.
    pub text: Option<String>,
    /// The order.
    pub sort: BugSort,
    /// Page (0-based).
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
}

impl BugFilter {
    /// What the number of matching bugs depends on (the tab and the filters, not the order or
    /// the page), for sharing a count among requests: `None` for the quiet tab, whose bugs
    /// depend on today's date too.
    pub fn count_key(&self) -> Option<String> {
        if self.tab == Tab::Quiet {
            return None;
        }
        serde_json::to_string(&(
            self.tab,
            &self.label,
            &self.node,
            &self.build,
            &self.run,
            &self.text,
        ))
        .ok()
    }
}

/// One bug of a list.
#[derive(Debug, Clone, Serialize)]
pub struct BugSummary {
    /// Short stable id.
    pub id: String,
    /// Kind name.
    pub kind: String,
    /// Title of the founding report.
    pub title: String,
    /// The user's name.
    pub name: Option<String>,
    /// The user's link.
    pub link: Option<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// `open`, `fixed`, `invalid` or `dup` (a dup, or a bug merged into another).
    pub status: String,
    /// The bug it is a dup of, or was merged into.
    pub dup_of: Option<String>,
    /// The build it was fixed in (status `fixed`).
    pub fixed_in: Option<String>,
    /// Open, and silent for longer than its crash rate leads to expect.
    pub quiet: bool,
    /// Open again because it was seen on its fixed-in build or a newer one.
    pub regression: bool,
    /// Distinct logs.
    pub count: u64,
    /// Distinct nodes, sorted.
    pub nodes: Vec<String>,
    /// Distinct kernel builds, sorted.
    pub builds: Vec<String>,
    /// First seen (run date).
    pub first_seen: Option<String>,
    /// Last seen (run date).
    pub last_seen: Option<String>,
    /// Logs per day over the [`SPARK_DAYS`] days up to the history's newest date, oldest first.
    pub per_day: Vec<u64>,
}

/// Days in a bug list's sparkline.
pub const SPARK_DAYS: i64 = 30;

/// A page of a bug list.
#[derive(Debug, Clone, Serialize)]
pub struct BugList {
    /// Bugs matching the filter (all pages).
    pub total: u64,
    /// This page's bugs.
    pub bugs: Vec<BugSummary>,
    /// The history's newest run date (the end of the sparklines).
    pub newest: Option<String>,
}

/// One signature of a bug.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    /// Full id.
    pub id: String,
    /// Scheme version.
    pub version: i64,
    /// Where its frames came from.
    pub basis: String,
    /// Frames.
    pub frames: Vec<String>,
    /// It founded the bug.
    pub founding: bool,
    /// For a similar one: its similarity to the closest founding signature.
    pub similarity: Option<f64>,
    /// Reports with this signature.
    pub reports: u64,
}

/// A bug related to another.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedBug {
    /// Short id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Similarity of the closest founding signatures.
    pub similarity: Option<f64>,
}

/// Where a bug was seen: a node or a kernel build, with counts and dates.
#[derive(Debug, Clone, Serialize)]
pub struct SeenOn {
    /// The node or build.
    pub name: String,
    /// Reports.
    pub reports: u64,
    /// Distinct logs.
    pub logs: u64,
    /// First run date.
    pub first_seen: Option<String>,
    /// Last run date.
    pub last_seen: Option<String>,
}

/// One recorded report (a crash).
#[derive(Debug, Clone, Serialize)]
pub struct CrashRow {
    /// The log's content hash (the crash's stable id with `position`).
    pub log: String,
    /// 1-based position of the report in the log.
    pub position: u64,
    /// Run name.
    pub run: String,
    /// Node.
    pub node: Option<String>,
    /// Run date.
    pub date: String,
    /// When the log was recorded (seconds since the epoch).
    pub recorded_at: i64,
    /// Kernel timestamp, seconds.
    pub time: Option<f64>,
    /// Kernel build.
    pub build: Option<String>,
    /// Path the log was read from.
    pub path: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: String,
    /// Labels.
    pub labels: Vec<String>,
    /// The bug's short id.
    pub bug: Option<String>,
    /// Its crash id while the history keeps its document (`bug show --crash N`, `bug pin`).
    pub crash: Option<i64>,
    /// Its document is pinned (retention always keeps it).
    pub pinned: bool,
}

/// The order of a crash table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CrashSort {
    /// Newest first.
    Date,
    /// By run name.
    Run,
    /// By node.
    Node,
    /// By kernel build.
    Build,
}

impl CrashSort {
    /// Its name in URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CrashSort::Date => "date",
            CrashSort::Run => "run",
            CrashSort::Node => "node",
            CrashSort::Build => "build",
        }
    }

    /// The order named `text`.
    pub fn parse(text: &str) -> Option<CrashSort> {
        [
            CrashSort::Date,
            CrashSort::Run,
            CrashSort::Node,
            CrashSort::Build,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    fn order_by(self) -> &'static str {
        match self {
            CrashSort::Date => "l.seen_on DESC, l.id DESC, r.position DESC",
            CrashSort::Run => "l.run, l.id, r.position",
            CrashSort::Node => "l.node, l.seen_on DESC, l.id DESC, r.position",
            CrashSort::Build => "r.kernel, l.seen_on DESC, l.id DESC, r.position",
        }
    }
}

/// A page of crashes.
#[derive(Debug, Clone, Serialize)]
pub struct CrashPage {
    /// Crashes in all pages.
    pub total: u64,
    /// This page.
    pub crashes: Vec<CrashRow>,
}

/// Everything a bug page shows.
#[derive(Debug, Clone, Serialize)]
pub struct BugView {
    /// The bug as listed.
    pub summary: BugSummary,
    /// Its signatures, founding first.
    pub signatures: Vec<SignatureView>,
    /// Bugs merged into it.
    pub dups: Vec<RelatedBug>,
    /// Other live bugs of the same kind with a similar founding signature.
    pub similar: Vec<RelatedBug>,
    /// Nodes it was seen on.
    pub nodes: Vec<SeenOn>,
    /// Kernel builds it was seen with.
    pub builds: Vec<SeenOn>,
    /// Logs per run date, oldest first.
    pub per_day: Vec<(String, u64)>,
    /// Where it stands: status, fix, dup chain, changes.
    pub lifecycle: BugLifecycle,
}

/// A bug's status with what goes with it, for its page.
#[derive(Debug, Clone, Serialize)]
pub struct BugLifecycle {
    /// `open`, `fixed`, `invalid` or `dup`.
    pub status: String,
    /// The status in words (`fixed in 4.0.0-lego+ #27, commit abc (note)`), as `bug show`.
    pub text: String,
    /// The fixed-in build.
    pub fixed_in: Option<String>,
    /// The fix's commit.
    pub fix_commit: Option<String>,
    /// The note of a fix, or the reason it is invalid.
    pub note: Option<String>,
    /// The day the status last changed.
    pub status_on: Option<String>,
    /// The bugs its dup chain goes through, the canonical bug last (empty unless a dup).
    pub dup_chain: Vec<String>,
    /// Open, and silent for longer than its crash rate leads to expect.
    pub quiet: bool,
    /// The silence that would make it quiet, in days (`None` below the minimum of crashes).
    pub expected_silence_days: Option<f64>,
    /// The change that reopened it, when the latest change is a regression.
    pub regression: Option<AuditView>,
    /// Every change, oldest first.
    pub audit: Vec<AuditView>,
}

/// One change of a bug (the audit table that `bug show` lists).
#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    /// Unix seconds.
    pub at: i64,
    /// The same, as an RFC 3339 UTC time.
    pub when: String,
    /// Who made it (`legolog` for a regression found while recording).
    pub who: String,
    /// `name`, `link`, `fixed`, `invalid`, `dup`, `undup`, `reopen`, `regression`, `merge`,
    /// `split`, `confirm`, `pin`, `unpin`.
    pub what: String,
    /// The value before.
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
}

/// One run (a log name) of the history.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    /// Run name.
    pub run: String,
    /// Node.
    pub node: Option<String>,
    /// Run date.
    pub date: String,
    /// Logs recorded under it.
    pub logs: u64,
    /// Reports.
    pub reports: u64,
    /// Paths of its logs.
    pub paths: Vec<String>,
}

/// A recorded log.
#[derive(Debug, Clone, Serialize)]
pub struct LogRow {
    /// Run name.
    pub run: String,
    /// Node.
    pub node: Option<String>,
    /// The path it was read from.
    pub path: String,
    /// Its content hash.
    pub log: String,
}

/// A node of the history.
#[derive(Debug, Clone, Serialize)]
pub struct NodeView {
    /// Name.
    pub name: String,
    /// Reports per run date, oldest first.
    pub per_day: Vec<(String, u64)>,
    /// Its bugs, most reports on it first.
    pub bugs: Vec<SeenOn>,
    /// Runs.
    pub runs: Vec<String>,
}

/// The counts behind the graphs page.
#[derive(Debug, Clone, Serialize)]
pub struct Graphs {
    /// Reports per run date.
    pub crashes_per_day: Vec<(String, u64)>,
    /// New bugs per week (the Monday of the week).
    pub new_bugs_per_week: Vec<(String, u64)>,
    /// Open bugs after each date on which a bug was first seen.
    pub open_bugs: Vec<(String, u64)>,
}

/// Similar bugs below this are not listed on a bug page.
pub const RELATED_SIMILARITY: f64 = 0.5;

/// Caps on per-bug detail lists.
const MAX_SIGNATURES: usize = 200;
const MAX_RELATED: usize = 20;
const MAX_AUDIT: usize = 200;
/// Nodes, and builds, listed on a bug page.
const MAX_SEEN_ON: usize = 200;

/// Where a bug's reports were seen ([`History::bug_reports_seen`]).
#[derive(Default)]
struct ReportsSeen {
    nodes: Vec<SeenOn>,
    builds: Vec<SeenOn>,
    signatures: BTreeMap<(String, i64), u64>,
    reports: u64,
    per_day: Vec<(String, u64)>,
}

impl History {
    /// Opens `spec` (a `postgresql://` URL, else a SQLite file) for reading only. A SQLite file
    /// must exist and be a legolog history at this legolog's schema version; it is opened
    /// read-only, so nothing can change it. A PostgreSQL session refuses writes
    /// (`default_transaction_read_only`).
    pub fn open_read_only(spec: &str) -> anyhow::Result<History> {
        let db: Box<dyn super::Backend> = if super::postgres::is_url(spec) {
            Box::new(super::postgres::Postgres::connect_read_only(spec)?)
        } else {
            let path = Path::new(spec);
            crate::history::dbfile::check_path(path)?;
            if std::fs::symlink_metadata(path).is_err() {
                bail!("{spec}: no history there");
            }
            Box::new(super::sqlite::Sqlite::open_read_only(path)?)
        };
        let mut history = History {
            db,
            similarity: crate::identity::signature::DEFAULT_SIMILARITY,
            similarity_origin: "default",
            lifecycle: super::lifecycle::LifecycleConfig::default(),
            across_functions: false,
        };
        let version = history.db.schema_version()?;
        history.check_version(version)?;
        if version != super::schema::current() {
            bail!(
                "{}: history schema version {version} is older than this legolog's ({}); it is opened read-only, so run `legolog history --db …` once to upgrade it",
                history.db.name(),
                super::schema::current()
            );
        }
        Ok(history)
    }

    /// A value that changes whenever another process commits to the history (SQLite's
    /// `data_version`; on PostgreSQL, the counts of logs, reports and bugs and the newest
    /// audited change of status).
    pub fn change_marker(&mut self) -> anyhow::Result<String> {
        let rows = match self.db.dialect() {
            super::backend::Dialect::Sqlite => self.query("PRAGMA data_version", &[])?,
            super::backend::Dialect::Postgres => self.query(
                "SELECT COALESCE(MAX(id), 0), CAST(COALESCE(SUM(n_reports), 0) AS BIGINT),
                        (SELECT COUNT(*) FROM bugs WHERE merged_into IS NULL),
                        (SELECT CAST(COALESCE(SUM(n_logs), 0) AS BIGINT) FROM bugs),
                        (SELECT COUNT(*) FROM bugs WHERE name IS NOT NULL),
                        (SELECT COALESCE(MAX(id), 0) FROM audit)
                 FROM logs",
                &[],
            )?,
        };
        Ok(rows
            .first()
            .map(|row| {
                row.iter()
                    .map(|v| v.int().to_string())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .unwrap_or_default())
    }

    /// Runs `read` in one read transaction on SQLite: one snapshot of the history for a
    /// whole page, and the file's lock taken and its change counter checked once for the
    /// page instead of once per query. On PostgreSQL each query stays its own statement (a
    /// transaction would cost two more round trips per page).
    pub fn reading<T>(
        &mut self,
        read: impl FnOnce(&mut History) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        if self.db.dialect() != super::backend::Dialect::Sqlite {
            return read(self);
        }
        self.db.batch("BEGIN")?;
        let result = read(self);
        // Nothing was written: ending it either way only drops the lock.
        let end = self.db.batch("COMMIT");
        if end.is_err() {
            self.db.rollback();
        }
        let value = result?;
        end?;
        Ok(value)
    }

    /// A cheap value that changes whenever any transaction that writes starts or ends, on
    /// PostgreSQL (its snapshot: the next transaction id and those in progress, for the whole
    /// server): while it stays, [`History::change_marker`] cannot have moved, and reading
    /// that one counts every bug and log (40 ms at 1M reports). `None` on SQLite, whose
    /// marker costs nothing.
    pub fn change_gate(&mut self) -> anyhow::Result<Option<String>> {
        match self.db.dialect() {
            super::backend::Dialect::Sqlite => Ok(None),
            super::backend::Dialect::Postgres => Ok(self
                .query("SELECT CAST(txid_current_snapshot() AS TEXT)", &[])?
                .first()
                .map(|row| row[0].text())),
        }
    }

    /// The newest run date recorded.
    pub fn newest_date(&mut self) -> anyhow::Result<Option<String>> {
        Ok(self
            .query("SELECT MAX(seen_on) FROM logs", &[])?
            .first()
            .and_then(|r| r[0].opt_text()))
    }

    /// The `WHERE` clause of the bugs matching `filter` (over `bugs b`) and its parameters.
    fn list_clause(&mut self, filter: &BugFilter) -> anyhow::Result<(String, Vec<Value>)> {
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        let param = |value: Value, params: &mut Vec<Value>| {
            params.push(value);
            format!("?{}", params.len())
        };
        match filter.tab {
            Tab::Open => conditions.push("b.merged_into IS NULL AND b.status = 'open'".into()),
            Tab::Fixed => conditions.push("b.merged_into IS NULL AND b.status = 'fixed'".into()),
            Tab::Invalid => {
                conditions.push("b.merged_into IS NULL AND b.status = 'invalid'".into())
            }
            Tab::Dup => conditions.push("(b.merged_into IS NOT NULL OR b.status = 'dup')".into()),
            Tab::Quiet => {
                let quiet = self.quiet_bugs()?;
                if quiet.is_empty() {
                    conditions.push("1 = 0".into());
                } else {
                    let list: Vec<String> = quiet.iter().map(i64::to_string).collect();
                    conditions.push(format!("b.id IN ({})", list.join(", ")));
                }
            }
        }
        if let Some(label) = &filter.label {
            let p = param(format!("%,{},%", like_escape(label)).into(), &mut params);
            conditions.push(format!("(',' || b.labels || ',') LIKE {p} ESCAPE '\\'"));
        }
        if let Some(node) = &filter.node {
            let p = param(node.as_str().into(), &mut params);
            // The per-node counts the lifecycle keeps for each canonical bug: one index lookup
            // per bug seen there, where going through its logs cost one per log.
            conditions.push(format!(
                "b.id IN (SELECT bug_id FROM bug_nodes WHERE node = {p})"
            ));
        }
        if let Some(run) = &filter.run {
            let p = param(run.as_str().into(), &mut params);
            conditions.push(format!(
                "b.id IN (SELECT bug_id FROM bug_runs WHERE run = {p})"
            ));
        }
        if let Some(build) = &filter.build {
            let p = param(build.as_str().into(), &mut params);
            // The lifecycle's per-build rows: one per bug seen on the build, where the
            // reports were one per crash.
            conditions.push(format!(
                "b.id IN (SELECT s.bug_id FROM bug_builds s JOIN builds f ON f.id = s.build_id
                          WHERE f.name = {p})"
            ));
        }
        if let Some(text) = &filter.text {
            let p = param(
                format!("%{}%", like_escape(&text.to_lowercase())).into(),
                &mut params,
            );
            conditions.push(format!(
                "(LOWER(b.title) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(b.name, '')) LIKE {p} ESCAPE '\\' OR b.public_id LIKE {p} ESCAPE '\\')"
            ));
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        Ok((clause, params))
    }

    /// The number of bugs matching `filter` (all its pages).
    pub fn bug_count(&mut self, filter: &BugFilter) -> anyhow::Result<u64> {
        let (clause, params) = self.list_clause(filter)?;
        Ok(
            self.query(&format!("SELECT COUNT(*) FROM bugs b {clause}"), &params)?[0][0].int()
                as u64,
        )
    }

    /// A page of bugs matching `filter`.
    pub fn bug_list(&mut self, filter: &BugFilter) -> anyhow::Result<BugList> {
        self.bug_list_counted(filter, None)
    }

    /// [`History::bug_list`] with the number of bugs matching the filter already known
    /// (`total`, from [`BugFilter::count_key`] at the same state of the history): the count
    /// walks every bug of the tab, more than the rest of the page, so the dashboard counts a
    /// filter once per change of the history and shares it among its sorts and pages. The
    /// quiet tab depends on today's date as well and is always counted.
    pub fn bug_list_counted(
        &mut self,
        filter: &BugFilter,
        total: Option<u64>,
    ) -> anyhow::Result<BugList> {
        let newest = self.newest_date()?;
        let (clause, mut params) = self.list_clause(filter)?;
        let param = |value: Value, params: &mut Vec<Value>| {
            params.push(value);
            format!("?{}", params.len())
        };
        let total = match total.filter(|_| filter.tab != Tab::Quiet) {
            Some(total) => total,
            None => self.query(&format!("SELECT COUNT(*) FROM bugs b {clause}"), &params)?[0][0]
                .int() as u64,
        };
        let order = match filter.sort {
            BugSort::Last => "b.last_seen DESC, b.n_logs DESC, b.public_id",
            BugSort::First => "b.first_seen DESC, b.n_logs DESC, b.public_id",
            BugSort::Count => "b.n_logs DESC, b.last_seen DESC, b.public_id",
        };
        let limit = param(i64::from(filter.per_page).into(), &mut params);
        let offset = param(
            (i64::from(filter.page) * i64::from(filter.per_page)).into(),
            &mut params,
        );
        let rows = self.query(
            &format!(
                "SELECT b.id, b.public_id, b.kind, b.title, b.name, b.link, b.labels, b.n_logs,
                        b.first_seen, b.last_seen, b.status, f.name,
                        COALESCE(m.public_id, d.public_id)
                 FROM bugs b LEFT JOIN bugs m ON m.id = b.merged_into
                 LEFT JOIN bugs d ON d.id = b.dup_of LEFT JOIN builds f ON f.id = b.fixed_in
                 {clause} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            ),
            &params,
        )?;
        let mut bugs = Vec::with_capacity(rows.len());
        let mut internal = Vec::with_capacity(rows.len());
        for row in rows {
            let mut summary = summary_of(&row[1..]);
            self.fill_status(&mut summary, &row[10..]);
            internal.push(row[0].int());
            bugs.push(summary);
        }
        self.fill_summaries(&internal, &mut bugs, newest.as_deref())?;
        Ok(BugList {
            total,
            bugs,
            newest,
        })
    }

    /// Open bugs that are quiet today (the lifecycle's rule), by row.
    fn quiet_bugs(&mut self) -> anyhow::Result<Vec<i64>> {
        let config = self.lifecycle();
        let today = crate::identity::run::Date::from_system_time(std::time::SystemTime::now());
        // No bug silent for less than the smallest expected silence is quiet.
        let cutoff = crate::identity::run::Date::from_days_since_epoch(
            today.days_since_epoch() - config.quiet_min_days.floor() as i64,
        );
        let rows = self.query(
            "SELECT id, n_logs, first_seen, last_seen FROM bugs
             WHERE merged_into IS NULL AND status = 'open' AND n_logs >= ?1 AND last_seen <= ?2",
            &[
                (config.quiet_min_crashes as i64).into(),
                cutoff.to_string().into(),
            ],
        )?;
        Ok(rows
            .iter()
            .filter(|r| {
                self.is_quiet(
                    r[1].int() as u64,
                    r[2].opt_text()
                        .as_deref()
                        .and_then(crate::identity::run::Date::parse),
                    r[3].opt_text()
                        .as_deref()
                        .and_then(crate::identity::run::Date::parse),
                )
            })
            .map(|r| r[0].int())
            .collect())
    }

    /// The status of a listed bug from `status, fixed-in build, dup of (or merged into)`.
    fn fill_status(&self, summary: &mut BugSummary, row: &[Value]) {
        summary.status = row[0].text();
        summary.fixed_in = row[1].opt_text();
        summary.dup_of = row[2].opt_text();
        if summary.dup_of.is_some() {
            summary.status = "dup".to_owned();
        }
        if summary.status == STATUS_OPEN {
            summary.quiet = self.is_quiet(
                summary.count,
                summary
                    .first_seen
                    .as_deref()
                    .and_then(crate::identity::run::Date::parse),
                summary
                    .last_seen
                    .as_deref()
                    .and_then(crate::identity::run::Date::parse),
            );
        }
    }

    /// Nodes, builds, the sparkline and the regression mark of listed bugs (`bugs[i]` is the
    /// row of `summaries[i]`), four queries for the whole page: on PostgreSQL each query is a
    /// round trip, and per bug they cost more than the page.
    fn fill_summaries(
        &mut self,
        bugs: &[i64],
        summaries: &mut [BugSummary],
        newest: Option<&str>,
    ) -> anyhow::Result<()> {
        if bugs.is_empty() {
            return Ok(());
        }
        let list = bugs
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        // The sparklines' days: the SPARK_DAYS up to the history's newest date.
        let first_day = newest
            .and_then(crate::identity::run::Date::parse)
            .map(|end| end.days_since_epoch() - SPARK_DAYS + 1);
        if first_day.is_some() {
            for summary in summaries.iter_mut() {
                summary.per_day = vec![0u64; SPARK_DAYS as usize];
            }
        }
        let start =
            first_day.map(|day| crate::identity::run::Date::from_days_since_epoch(day).to_string());
        // Only bugs last seen in the sparkline's days have logs there: the others' logs are
        // not read at all.
        let recent: Vec<String> = bugs
            .iter()
            .zip(summaries.iter())
            .filter(|(_, summary)| {
                start
                    .as_deref()
                    .is_some_and(|start| summary.last_seen.as_deref() >= Some(start))
            })
            .map(|(bug, _)| bug.to_string())
            .collect();
        let idx_of: std::collections::HashMap<i64, usize> = bugs
            .iter()
            .enumerate()
            .map(|(idx, &bug)| (bug, idx))
            .collect();
        let mut each = |rows: Vec<Vec<Value>>, put: &mut dyn FnMut(&mut BugSummary, &[Value])| {
            for row in rows {
                if let Some(summary) = idx_of
                    .get(&row[0].int())
                    .and_then(|&i| summaries.get_mut(i))
                {
                    put(summary, &row[1..]);
                }
            }
        };
        // Nodes (0), builds (1) and the last change of status (2) in one statement: on
        // PostgreSQL each statement is a round trip, and those cost more than the lookups.
        // The per-node and per-build counts are the lifecycle's (one row per bug and node or
        // build), not the bugs' reports: at 1M reports those were most of a fresh list
        // page's time. A bug is a regression while the last change of its status is one
        // (it reopened it).
        let rows = self.query(
            &format!(
                "SELECT 0, bug_id, node FROM bug_nodes WHERE bug_id IN ({list})
                 UNION ALL
                 SELECT 1, s.bug_id, b.name FROM bug_builds s JOIN builds b ON b.id = s.build_id
                 WHERE s.bug_id IN ({list})
                 UNION ALL
                 SELECT 2, bug_id, what FROM audit WHERE id IN
                     (SELECT MAX(id) FROM audit WHERE bug_id IN ({list}) GROUP BY bug_id)
                 ORDER BY 1, 2, 3"
            ),
            &[],
        )?;
        let mut parts: [Vec<Vec<Value>>; 3] = Default::default();
        for mut row in rows {
            if let Some(part) = usize::try_from(row[0].int())
                .ok()
                .and_then(|i| parts.get_mut(i))
            {
                row.remove(0);
                part.push(row);
            }
        }
        let [nodes, builds, changes] = parts;
        each(nodes, &mut |summary, row| {
            if summary.nodes.len() < 50 {
                summary.nodes.push(row[0].text());
            }
        });
        each(builds, &mut |summary, row| {
            if summary.builds.len() < 20 {
                summary.builds.push(row[0].text());
            }
        });
        each(changes, &mut |summary, row| {
            summary.regression = summary.status == STATUS_OPEN && row[0].text() == "regression";
        });
        let (Some(first_day), Some(start)) = (first_day, start) else {
            return Ok(());
        };
        if recent.is_empty() {
            return Ok(());
        }
        // The first day is in the text, not a parameter (it is a date, digits and dashes), so
        // PostgreSQL plans for that day rather than a generic one. And it reads the bugs' logs
        // first (`OFFSET 0` keeps the subquery whole): joined directly, it walked the last
        // days' logs probing every listed bug for each, 12665 buffers for 50 bugs at 1M
        // reports where this reads 167. SQLite reads them in that order already.
        let ids = recent.join(", ");
        let logs_of_bugs = match self.db.dialect() {
            super::backend::Dialect::Sqlite => {
                format!("SELECT bug_id, log_id FROM bug_logs WHERE bug_id IN ({ids})")
            }
            super::backend::Dialect::Postgres => {
                format!("SELECT bug_id, log_id FROM bug_logs WHERE bug_id IN ({ids}) OFFSET 0")
            }
        };
        let rows = self.query(
            &format!(
                "SELECT b.bug_id, l.seen_on, COUNT(*) FROM ({logs_of_bugs}) b
                 JOIN logs l ON l.id = b.log_id
                 WHERE l.seen_on >= '{start}' GROUP BY b.bug_id, l.seen_on"
            ),
            &[],
        )?;
        each(rows, &mut |summary, row| {
            if let Some(day) = crate::identity::run::Date::parse(&row[0].text()) {
                let idx = day.days_since_epoch() - first_day;
                if let Some(slot) = usize::try_from(idx)
                    .ok()
                    .and_then(|i| summary.per_day.get_mut(i))
                {
                    *slot += row[1].int() as u64;
                }
            }
        });
        Ok(())
    }

    /// The internal row of a bug by its short id (or unique prefix), following merges; `None`
    /// when there is no such bug.
    pub fn lookup_bug(&mut self, id: &str) -> anyhow::Result<Option<i64>> {
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        let rows = self.query(
            "SELECT id, merged_into FROM bugs WHERE public_id = ?1",
            &[id.into()],
        )?;
        Ok(rows
            .first()
            .map(|row| row[1].opt_int().unwrap_or(row[0].int())))
    }

    /// Everything the bug page shows about `bug` (an internal row).
    pub fn bug_view(&mut self, bug: i64) -> anyhow::Result<BugView> {
        Ok(self.bug_view_counted(bug)?.0)
    }

    /// [`History::bug_view`] and the number of the bug's reports (its crash table's length).
    ///
    /// A fresh bug page is about ten statements, each a round trip on PostgreSQL: the bug's
    /// row carries the history's newest date and its lifecycle's columns, and one pass over
    /// its reports counts them by node, build, signature and in all.
    pub fn bug_view_counted(&mut self, bug: i64) -> anyhow::Result<(BugView, u64)> {
        let rows = self.query(
            "SELECT b.public_id, b.kind, b.title, b.name, b.link, b.labels, b.n_logs,
                    b.first_seen, b.last_seen, b.status, f.name,
                    COALESCE(m.public_id, d.public_id),
                    b.fix_commit, b.status_note, d.public_id, b.status_on,
                    (SELECT MAX(seen_on) FROM logs)
             FROM bugs b LEFT JOIN bugs m ON m.id = b.merged_into
             LEFT JOIN bugs d ON d.id = b.dup_of LEFT JOIN builds f ON f.id = b.fixed_in
             WHERE b.id = ?1",
            &[bug.into()],
        )?;
        let Some(row) = rows.first() else {
            bail!("{}: bug {bug} vanished", self.db.name());
        };
        let newest = row[16].opt_text();
        // `status, fixed-in build, fix_commit, status_note, dup's id`, as `History::status`.
        let status = super::lifecycle::Status::from_row(&[
            row[9].clone(),
            row[10].clone(),
            row[12].clone(),
            row[13].clone(),
            row[14].clone(),
        ]);
        let (fix_commit, note, status_on) =
            (row[12].opt_text(), row[13].opt_text(), row[15].opt_text());
        let mut summary = summary_of(row);
        self.fill_status(&mut summary, &row[9..]);
        let mut one = [summary];
        self.fill_summaries(&[bug], &mut one, newest.as_deref())?;
        let [summary] = one;
        let lifecycle = self.bug_lifecycle(bug, &summary, status, fix_commit, note, status_on)?;
        let kind = summary.kind.clone();
        let seen = self.bug_reports_seen(bug)?;
        let counts = seen.signatures;
        let mut signatures: Vec<SignatureView> = self
            .query(
                "SELECT signature, version, basis, frames, founding FROM signatures
                 WHERE bug_id = ?1 ORDER BY founding DESC, version DESC, signature",
                &[bug.into()],
            )?
            .iter()
            .take(MAX_SIGNATURES)
            .map(|r| SignatureView {
                reports: counts.get(&(r[0].text(), r[1].int())).copied().unwrap_or(0),
                id: r[0].text(),
                version: r[1].int(),
                basis: basis_from_str(&r[2].text()).as_str().to_owned(),
                frames: split_frames(&r[3].text()),
                founding: r[4].int() != 0,
                similarity: None,
            })
            .collect();
        let founders: Vec<Vec<String>> = signatures
            .iter()
            .filter(|s| s.founding)
            .map(|s| s.frames.clone())
            .collect();
        for view in signatures.iter_mut().filter(|s| !s.founding) {
            view.similarity = founders
                .iter()
                .map(|f| signature::similarity(f, &view.frames))
                .max_by(f64::total_cmp);
        }
        let dups = self
            .query(
                // Ordered by an expression (ids are lowercase): by the column, SQLite walked
                // every bug in id order instead of looking the few up by index.
                // The two lookups by index are spelled out: with `merged_into = ?1 OR dup_of =
                // ?1`, SQLite's statistics (both columns NULL on almost every bug) made it
                // scan every bug, 3 ms of a page at 20k bugs.
                "SELECT public_id, title FROM bugs WHERE id IN
                     (SELECT id FROM bugs WHERE merged_into = ?1
                      UNION ALL SELECT id FROM bugs WHERE dup_of = ?1)
                 ORDER BY LOWER(public_id) LIMIT 100",
                &[bug.into()],
            )?
            .iter()
            .map(|r| RelatedBug {
                id: r[0].text(),
                title: r[1].text(),
                similarity: None,
            })
            .collect();
        let similar = self.similar_bugs(bug, &kind, &founders)?;
        Ok((
            BugView {
                summary,
                signatures,
                dups,
                similar,
                nodes: seen.nodes,
                builds: seen.builds,
                per_day: seen.per_day,
                lifecycle,
            },
            seen.reports,
        ))
    }

    /// Where `bug`'s reports were seen, in one statement: one pass over its reports and their
    /// logs (materialized once) grouped by node (0, most reports first, at most
    /// [`MAX_SEEN_ON`]), build (1, latest first, as many), signature (2) and in all (3), and
    /// its logs per run date (4, oldest first). Each part's order is the database's (its
    /// collation), carried in the last column.
    fn bug_reports_seen(&mut self, bug: i64) -> anyhow::Result<ReportsSeen> {
        let rows = self.query(
            "WITH x AS MATERIALIZED (
                 SELECT l.id AS log, l.node AS node, l.seen_on AS seen_on, r.kernel AS kernel,
                        r.signature AS signature, r.signature_version AS version
                 FROM reports r JOIN logs l ON l.id = r.log_id WHERE r.bug_id = ?1)
             SELECT * FROM (
                 SELECT 0 AS part, node AS name, 0 AS version, COUNT(*) AS reports,
                        COUNT(DISTINCT log) AS logs, MIN(seen_on) AS first, MAX(seen_on) AS last,
                        ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, node) AS k
                 FROM x WHERE node IS NOT NULL GROUP BY node) AS n WHERE k <= ?2
             UNION ALL
             SELECT * FROM (
                 SELECT 1, kernel, 0, COUNT(*), COUNT(DISTINCT log), MIN(seen_on), MAX(seen_on),
                        ROW_NUMBER() OVER (ORDER BY MAX(seen_on) DESC, kernel) AS k
                 FROM x WHERE kernel IS NOT NULL GROUP BY kernel) AS b WHERE k <= ?2
             UNION ALL
             SELECT 2, signature, version, COUNT(*), 0, NULL, NULL, 0
             FROM x GROUP BY signature, version
             UNION ALL
             SELECT 3, NULL, 0, COUNT(*), 0, NULL, NULL, 0 FROM x
             UNION ALL
             SELECT 4, l.seen_on, 0, COUNT(*), 0, NULL, NULL,
                    ROW_NUMBER() OVER (ORDER BY l.seen_on)
             FROM bug_logs b JOIN logs l ON l.id = b.log_id
             WHERE b.bug_id = ?1 GROUP BY l.seen_on
             ORDER BY 1, 8",
            &[bug.into(), (MAX_SEEN_ON as i64).into()],
        )?;
        let mut seen = ReportsSeen::default();
        for r in rows {
            let seen_on = || SeenOn {
                name: r[1].text(),
                reports: r[3].int() as u64,
                logs: r[4].int() as u64,
                first_seen: r[5].opt_text(),
                last_seen: r[6].opt_text(),
            };
            match r[0].int() {
                0 => seen.nodes.push(seen_on()),
                1 => seen.builds.push(seen_on()),
                2 => {
                    seen.signatures
                        .insert((r[1].text(), r[2].int()), r[3].int() as u64);
                }
                3 => seen.reports = r[3].int() as u64,
                _ => seen.per_day.push((r[1].text(), r[3].int() as u64)),
            }
        }
        Ok(seen)
    }

    /// Where `bug` stands: its status in words, fix, dup chain, quiet, regression, changes,
    /// from its `status` and the columns read with its row.
    fn bug_lifecycle(
        &mut self,
        bug: i64,
        summary: &BugSummary,
        status: super::lifecycle::Status,
        fix_commit: Option<String>,
        note: Option<String>,
        status_on: Option<String>,
    ) -> anyhow::Result<BugLifecycle> {
        let mut dup_chain = Vec::new();
        if matches!(status, super::lifecycle::Status::Dup(_)) {
            let mut current = bug;
            for _ in 0..64 {
                let next = self
                    .query("SELECT dup_of FROM bugs WHERE id = ?1", &[current.into()])?
                    .first()
                    .and_then(|r| r[0].opt_int());
                match next {
                    Some(next) if next != current => {
                        current = next;
                        dup_chain.push(self.public_id(next)?);
                    }
                    _ => break,
                }
            }
        }
        let audit: Vec<AuditView> = self
            .audit(bug)?
            .into_iter()
            .rev()
            .take(MAX_AUDIT)
            .rev()
            .map(|row| AuditView {
                when: jiff::Timestamp::from_second(row.at)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                at: row.at,
                who: row.who,
                what: row.what,
                old: row.old,
                new: row.new,
            })
            .collect();
        let regression = if summary.regression {
            audit.last().cloned()
        } else {
            None
        };
        let expected_silence_days = match (
            summary
                .first_seen
                .as_deref()
                .and_then(crate::identity::run::Date::parse),
            summary
                .last_seen
                .as_deref()
                .and_then(crate::identity::run::Date::parse),
        ) {
            (Some(first), Some(last)) => {
                self.lifecycle()
                    .expected_silence(summary.count, first, last)
            }
            _ => None,
        };
        Ok(BugLifecycle {
            status: status.as_str().to_owned(),
            text: status.to_string(),
            fixed_in: summary.fixed_in.clone(),
            fix_commit,
            note,
            status_on,
            dup_chain,
            quiet: summary.quiet,
            expected_silence_days,
            regression,
            audit,
        })
    }

    /// Live bugs of `kind` whose founding signature shares a frame with one of `founders`, at
    /// least [`RELATED_SIMILARITY`] alike.
    fn similar_bugs(
        &mut self,
        bug: i64,
        kind: &str,
        founders: &[Vec<String>],
    ) -> anyhow::Result<Vec<RelatedBug>> {
        let mut frames: Vec<&String> = founders.iter().flatten().collect();
        frames.sort();
        frames.dedup();
        frames.truncate(32);
        if frames.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..frames.len()).map(|i| format!("?{}", i + 3)).collect();
        let mut params: Vec<Value> = vec![kind.into(), bug.into()];
        params.extend(frames.iter().map(|f| Value::from(f.as_str())));
        let rows = self.query(
            &format!(
                "SELECT DISTINCT b.id, b.public_id, b.title, s.frames FROM bug_index i
                 JOIN signatures s ON s.signature = i.signature AND s.version = i.version
                 JOIN bugs b ON b.id = s.bug_id
                 WHERE i.kind = ?1 AND s.bug_id != ?2 AND b.merged_into IS NULL
                   AND i.frame IN ({}) LIMIT 500",
                placeholders.join(", ")
            ),
            &params,
        )?;
        let mut best: BTreeMap<i64, RelatedBug> = BTreeMap::new();
        for row in rows {
            let theirs = split_frames(&row[3].text());
            let similarity = founders
                .iter()
                .map(|f| signature::similarity(f, &theirs))
                .fold(0.0, f64::max);
            if similarity + 1e-9 < RELATED_SIMILARITY {
                continue;
            }
            let entry = best.entry(row[0].int()).or_insert_with(|| RelatedBug {
                id: row[1].text(),
                title: row[2].text(),
                similarity: Some(similarity),
            });
            if entry.similarity.is_some_and(|s| s < similarity) {
                entry.similarity = Some(similarity);
            }
        }
        let mut similar: Vec<RelatedBug> = best.into_values().collect();
        similar.sort_by(|a, b| {
            b.similarity
                .unwrap_or(0.0)
                .total_cmp(&a.similarity.unwrap_or(0.0))
                .then_with(|| a.id.cmp(&b.id))
        });
        similar.truncate(MAX_RELATED);
        Ok(similar)
    }

    /// A page of crashes: of a bug, a node or a run (at most one of them; none: all).
    pub fn crashes(
        &mut self,
        scope: CrashScope<'_>,
        sort: CrashSort,
        page: u32,
        per_page: u32,
    ) -> anyhow::Result<CrashPage> {
        self.crashes_counted(scope, sort, page, per_page, None)
    }

    /// [`History::crashes`] with the number of crashes in `scope` already known (`total`, read
    /// for the same page: in its read transaction on SQLite, one statement earlier on
    /// PostgreSQL, as the count made here would be), or counted here when `None`.
    pub fn crashes_counted(
        &mut self,
        scope: CrashScope<'_>,
        sort: CrashSort,
        page: u32,
        per_page: u32,
        total: Option<u64>,
    ) -> anyhow::Result<CrashPage> {
        let (clause, key): (&str, Value) = match scope {
            CrashScope::Bug(bug) => ("r.bug_id = ?1", bug.into()),
            CrashScope::Node(node) => ("l.node = ?1", node.into()),
            CrashScope::Run(run) => ("l.run = ?1", run.into()),
            CrashScope::All => ("?1 = 1", 1i64.into()),
        };
        let total = match total {
            Some(total) => total,
            None => self.query(
                &format!(
                    "SELECT COUNT(*) FROM reports r JOIN logs l ON l.id = r.log_id WHERE {clause}"
                ),
                std::slice::from_ref(&key),
            )?[0][0]
                .int() as u64,
        };
        let rows = self.query(
            &format!(
                "SELECT l.content_hash, r.position, l.run, l.node, l.seen_on, l.recorded_at, r.time,
                        r.kernel, l.path, r.title, r.kind, r.labels, COALESCE(m.public_id, b.public_id),
                        c.id, c.pinned
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 LEFT JOIN bugs b ON b.id = r.bug_id LEFT JOIN bugs m ON m.id = b.merged_into
                 LEFT JOIN crashes c ON c.log_id = r.log_id AND c.position = r.position
                 WHERE {clause} ORDER BY {} LIMIT ?2 OFFSET ?3",
                sort.order_by()
            ),
            &[
                key,
                i64::from(per_page).into(),
                (i64::from(page) * i64::from(per_page)).into(),
            ],
        )?;
        Ok(CrashPage {
            total,
            crashes: rows.iter().map(|r| crash_of(r)).collect(),
        })
    }

    /// One recorded report by its log's content hash and position.
    pub fn crash(&mut self, log: &str, position: u64) -> anyhow::Result<Option<CrashRow>> {
        let rows = self.query(
            "SELECT l.content_hash, r.position, l.run, l.node, l.seen_on, l.recorded_at, r.time,
                    r.kernel, l.path, r.title, r.kind, r.labels, COALESCE(m.public_id, b.public_id),
                    c.id, c.pinned
             FROM reports r JOIN logs l ON l.id = r.log_id
             LEFT JOIN bugs b ON b.id = r.bug_id LEFT JOIN bugs m ON m.id = b.merged_into
             LEFT JOIN crashes c ON c.log_id = r.log_id AND c.position = r.position
             WHERE l.content_hash = ?1 AND r.position = ?2",
            &[log.into(), (position as i64).into()],
        )?;
        Ok(rows.first().map(|r| crash_of(r)))
    }

    /// Every run, newest first (at most `limit`).
    pub fn runs(&mut self, limit: u32) -> anyhow::Result<Vec<RunRow>> {
        let rows = self.query(
            "SELECT run, MIN(node), MAX(seen_on), COUNT(*), CAST(SUM(n_reports) AS BIGINT) FROM logs
             GROUP BY run ORDER BY MAX(seen_on) DESC, run LIMIT ?1",
            &[i64::from(limit).into()],
        )?;
        Ok(rows
            .iter()
            .map(|r| RunRow {
                run: r[0].text(),
                node: r[1].opt_text(),
                date: r[2].text(),
                logs: r[3].int() as u64,
                reports: r[4].int() as u64,
                paths: Vec::new(),
            })
            .collect())
    }

    /// The logs of the runs named `key` or, for a day key (`0827`), of the runs named
    /// `0827-…`, at most `limit`.
    pub fn run_logs(&mut self, key: &str, limit: u32) -> anyhow::Result<Vec<LogRow>> {
        let escaped = like_escape(key);
        let rows = self.query(
            "SELECT run, node, path, content_hash FROM logs
             WHERE run = ?1 OR run LIKE ?2 ESCAPE '\\' ORDER BY run, id LIMIT ?3",
            &[
                key.into(),
                format!("{escaped}-%").into(),
                i64::from(limit).into(),
            ],
        )?;
        Ok(rows
            .iter()
            .map(|r| LogRow {
                run: r[0].text(),
                node: r[1].opt_text(),
                path: r[2].text(),
                log: r[3].text(),
            })
            .collect())
    }

    /// What the node page shows; `None` for a node never recorded.
    pub fn node_view(&mut self, node: &str) -> anyhow::Result<Option<NodeView>> {
        let per_day: Vec<(String, u64)> = self
            .query(
                "SELECT l.seen_on, COUNT(*) FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE l.node = ?1 GROUP BY l.seen_on ORDER BY l.seen_on",
                &[node.into()],
            )?
            .iter()
            .map(|r| (r[0].text(), r[1].int() as u64))
            .collect();
        let runs: Vec<String> = self
            .query(
                "SELECT DISTINCT run FROM logs WHERE node = ?1 ORDER BY run LIMIT 500",
                &[node.into()],
            )?
            .iter()
            .map(|r| r[0].text())
            .collect();
        if runs.is_empty() {
            return Ok(None);
        }
        let bugs = self
            .query(
                "SELECT COALESCE(m.public_id, b.public_id), COUNT(*), COUNT(DISTINCT l.id),
                        MIN(l.seen_on), MAX(l.seen_on)
                 FROM reports r JOIN logs l ON l.id = r.log_id JOIN bugs b ON b.id = r.bug_id
                 LEFT JOIN bugs m ON m.id = b.merged_into
                 WHERE l.node = ?1 GROUP BY COALESCE(m.public_id, b.public_id)
                 ORDER BY COUNT(*) DESC LIMIT 500",
                &[node.into()],
            )?
            .iter()
            .map(|r| SeenOn {
                name: r[0].text(),
                reports: r[1].int() as u64,
                logs: r[2].int() as u64,
                first_seen: r[3].opt_text(),
                last_seen: r[4].opt_text(),
            })
            .collect();
        Ok(Some(NodeView {
            name: node.to_owned(),
            per_day,
            bugs,
            runs,
        }))
    }

    /// Titles of bugs by short id (for tables that list bugs by id).
    pub fn bug_titles(&mut self, ids: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for id in ids.iter().take(500) {
            if let Some(row) = self
                .query(
                    "SELECT COALESCE(name, title) FROM bugs WHERE public_id = ?1",
                    &[id.as_str().into()],
                )?
                .first()
            {
                out.insert(id.clone(), row[0].text());
            }
        }
        Ok(out)
    }

    /// The counts behind the graphs page.
    pub fn graphs(&mut self) -> anyhow::Result<Graphs> {
        let crashes_per_day = self
            .query(
                "SELECT l.seen_on, COUNT(*) FROM reports r JOIN logs l ON l.id = r.log_id
                 GROUP BY l.seen_on ORDER BY l.seen_on",
                &[],
            )?
            .iter()
            .map(|r| (r[0].text(), r[1].int() as u64))
            .collect();
        let firsts: Vec<(String, u64)> = self
            .query(
                "SELECT first_seen, COUNT(*) FROM bugs
                 WHERE merged_into IS NULL AND first_seen IS NOT NULL
                 GROUP BY first_seen ORDER BY first_seen",
                &[],
            )?
            .iter()
            .map(|r| (r[0].text(), r[1].int() as u64))
            .collect();
        let mut weeks: BTreeMap<String, u64> = BTreeMap::new();
        let mut open_bugs = Vec::with_capacity(firsts.len());
        let mut open = 0;
        for (day, n) in &firsts {
            if let Some(date) = crate::identity::run::Date::parse(day) {
                let days = date.days_since_epoch();
                // 1970-01-01 was a Thursday: Monday is 3 days before day 0's weekday.
                let monday = days - (days + 3).rem_euclid(7);
                *weeks
                    .entry(crate::identity::run::Date::from_days_since_epoch(monday).to_string())
                    .or_default() += n;
            }
            open += n;
            open_bugs.push((day.clone(), open));
        }
        Ok(Graphs {
            crashes_per_day,
            new_bugs_per_week: weeks.into_iter().collect(),
            open_bugs,
        })
    }
}

/// Whose crashes a crash table lists.
#[derive(Debug, Clone, Copy)]
pub enum CrashScope<'a> {
    /// A bug's (internal row).
    Bug(i64),
    /// A node's.
    Node(&'a str),
    /// A run's.
    Run(&'a str),
    /// Every crash.
    All,
}

/// `public_id, kind, title, name, link, labels, n_logs, first_seen, last_seen`.
fn summary_of(row: &[Value]) -> BugSummary {
    BugSummary {
        id: row[0].text(),
        kind: row[1].text(),
        title: row[2].text(),
        name: row[3].opt_text(),
        link: row[4].opt_text(),
        labels: split_labels(&row[5].text()),
        status: STATUS_OPEN.to_owned(),
        dup_of: None,
        fixed_in: None,
        quiet: false,
        regression: false,
        count: row[6].int() as u64,
        nodes: Vec::new(),
        builds: Vec::new(),
        first_seen: row[7].opt_text(),
        last_seen: row[8].opt_text(),
        per_day: Vec::new(),
    }
}

fn crash_of(r: &[Value]) -> CrashRow {
    CrashRow {
        log: r[0].text(),
        position: r[1].int() as u64,
        run: r[2].text(),
        node: r[3].opt_text(),
        date: r[4].text(),
        recorded_at: r[5].int(),
        time: r[6].opt_real(),
        build: r[7].opt_text(),
        path: r[8].text(),
        title: r[9].text(),
        kind: r[10].text(),
        labels: split_labels(&r[11].text()),
        bug: r[12].opt_text(),
        crash: r[13].opt_int(),
        pinned: r[14].opt_int().unwrap_or(0) != 0,
    }
}

/// `text` with LIKE's wildcards escaped by `\\` (for `LIKE … ESCAPE '\\'`).
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
