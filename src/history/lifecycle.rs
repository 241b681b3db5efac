//! Bugs have a life (docs/lifecycle.md): a status (open, fixed in a build, invalid, dup of
//! another bug) changed by the user and audited row by row; dup chains that resolve to one
//! canonical bug and can be undone exactly; each report judged against its bug's fix (a
//! regression, or a build without the fix); a bug gone quiet by its own crash rate; where a
//! bug was seen, per build and per node.

use super::backend::Value;
use super::builds::{self, Build};
use super::{Attachment, History};
use crate::identity::run::Date;
use anyhow::bail;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

pub use crate::config::settings::LifecycleConfig;

impl LifecycleConfig {
    /// syzbot's rule: with `crashes` sightings between `first` and `last`, the rate is
    /// (crashes − 1) / days and the bug is expected to fire again within
    /// log(1 / (1 − 0.99)) / rate × 3 days, clamped to [min, max]. `None` below the minimum
    /// number of crashes: never quiet.
    pub fn expected_silence(&self, crashes: u64, first: Date, last: Date) -> Option<f64> {
        if crashes < self.quiet_min_crashes {
            return None;
        }
        let days = ((last.days_since_epoch() - first.days_since_epoch()) as f64).max(1.0);
        let rate = (crashes - 1) as f64 / days;
        let period = (1.0f64 / (1.0 - 0.99)).ln() / rate * 3.0;
        Some(period.clamp(self.quiet_min_days, self.quiet_max_days))
    }

    /// Whether a bug is quiet on `today`: silent for longer than its expected silence.
    pub fn is_quiet(&self, crashes: u64, first: Date, last: Date, today: Date) -> bool {
        self.expected_silence(crashes, first, last)
            .is_some_and(|period| {
                (today.days_since_epoch() - last.days_since_epoch()) as f64 > period
            })
    }
}

/// A bug's status.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Open.
    Open,
    /// Fixed in a build, with an optional commit and note.
    Fixed {
        /// The build's name.
        build: String,
        /// The fix's commit.
        commit: Option<String>,
        /// The user's note.
        note: Option<String>,
    },
    /// Not a bug (a broken test setup): the reason.
    Invalid(String),
    /// A duplicate of another bug (its id; chains resolve to the canonical bug).
    Dup(String),
}

impl Status {
    /// The status from a bug's `status, fixed-in build's name, fix_commit, status_note, dup's
    /// public id` columns, in that order.
    pub(super) fn from_row(row: &[Value]) -> Status {
        match row[0].text().as_str() {
            "fixed" => Status::Fixed {
                build: row[1].text(),
                commit: row[2].opt_text(),
                note: row[3].opt_text(),
            },
            "invalid" => Status::Invalid(row[3].text()),
            "dup" => Status::Dup(row[4].text()),
            _ => Status::Open,
        }
    }

    /// `open`, `fixed`, `invalid` or `dup`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Fixed { .. } => "fixed",
            Status::Invalid(_) => "invalid",
            Status::Dup(_) => "dup",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Open => f.write_str("open"),
            Status::Fixed {
                build,
                commit,
                note,
            } => {
                write!(f, "fixed in {build}")?;
                if let Some(commit) = commit {
                    write!(f, ", commit {commit}")?;
                }
                if let Some(note) = note {
                    write!(f, " ({note})")?;
                }
                Ok(())
            }
            Status::Invalid(reason) => write!(f, "invalid: {reason}"),
            Status::Dup(of) => write!(f, "dup of {of}"),
        }
    }
}

/// One change of a bug, as `bug show` lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// Unix seconds.
    pub at: i64,
    /// `--by`, else user@host; `legolog` for a regression found while recording.
    pub who: String,
    /// `name`, `link`, `fixed`, `invalid`, `dup`, `undup`, `reopen`, `regression`, `merge`,
    /// `split`, `confirm`, `pin`, `unpin`.
    pub what: String,
    /// The value before.
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
}

/// Where a bug was seen: one build or node, with its count of reports and dates.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenOn {
    /// The build's name or the node.
    pub name: String,
    /// Reports.
    pub reports: u64,
    /// First day.
    pub first_seen: Option<Date>,
    /// Last day.
    pub last_seen: Option<Date>,
}

/// How a report stands against its bug's fix, as recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// The report's build is the fixed-in build or newer: the bug regressed.
    pub regression: bool,
    /// The fixed-in build (row).
    pub fixed_in: i64,
    /// The report's build (row).
    pub seen_on: i64,
}

/// [`Fix`] with the builds' names, for output.
#[derive(Debug, Clone, PartialEq)]
pub struct FixNote {
    /// A regression (else: seen on a build without the fix).
    pub regression: bool,
    /// The fixed-in build, short when it shares the release (`#27`).
    pub fixed_in: String,
    /// The report's build, short likewise (`#28`).
    pub seen_on: String,
}

/// The state of a bug that judging a report needs.
#[derive(Debug, Clone)]
pub(super) struct BugState {
    status: String,
    fixed_in: Option<i64>,
    n_logs: u64,
    first_seen: Option<Date>,
    last_seen: Option<Date>,
}

/// What recording learned about one report.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Verdict {
    pub fix: Option<Fix>,
    pub back_after: Option<u32>,
}

/// Per-call caches of the recording path.
#[derive(Default)]
pub(super) struct Caches {
    canonical: HashMap<i64, i64>,
    builds: HashMap<String, Option<i64>>,
    states: HashMap<i64, BugState>,
}

/// The user and host the audit names when `--by` is not given.
pub fn default_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{user}@{host}")
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn today() -> Date {
    Date::from_system_time(SystemTime::now())
}

impl History {
    /// The thresholds in use.
    pub fn lifecycle(&self) -> LifecycleConfig {
        self.lifecycle
    }

    /// Sets the thresholds (from the config file).
    pub fn set_lifecycle(&mut self, config: LifecycleConfig) {
        self.lifecycle = config;
    }

    /// The canonical bug of `bug`: its `dup` chain followed to the end.
    pub fn canonical(&mut self, bug: i64) -> anyhow::Result<i64> {
        let mut current = bug;
        for _ in 0..256 {
            let rows = self.query(
                "SELECT dup_of, merged_into FROM bugs WHERE id = ?1",
                &[current.into()],
            )?;
            match rows.first() {
                Some(row) => match row[0].opt_int().or(row[1].opt_int()) {
                    Some(next) if next != current => current = next,
                    _ => return Ok(current),
                },
                None => return Ok(current),
            }
        }
        bail!(
            "{}: the dup chain of bug row {bug} does not end",
            self.name()
        )
    }

    pub(super) fn canonical_cached(
        &mut self,
        bug: i64,
        caches: &mut Caches,
    ) -> anyhow::Result<i64> {
        if let Some(&canon) = caches.canonical.get(&bug) {
            return Ok(canon);
        }
        let canon = self.canonical(bug)?;
        caches.canonical.insert(bug, canon);
        Ok(canon)
    }

    /// Every bug whose dup chain ends at `bug`, `bug` first.
    pub(super) fn dup_members(&mut self, bug: i64) -> anyhow::Result<Vec<i64>> {
        let mut members = vec![bug];
        let mut idx = 0;
        while idx < members.len() {
            let rows = self.query(
                "SELECT id FROM bugs WHERE dup_of = ?1 ORDER BY id",
                &[members[idx].into()],
            )?;
            for row in rows {
                let id = row[0].int();
                if !members.contains(&id) {
                    members.push(id);
                }
            }
            idx += 1;
        }
        Ok(members)
    }

    /// The public id of a bug row.
    pub fn public_id(&mut self, bug: i64) -> anyhow::Result<String> {
        let rows = self.query("SELECT public_id FROM bugs WHERE id = ?1", &[bug.into()])?;
        match rows.first() {
            Some(row) => Ok(row[0].text()),
            None => bail!("{}: bug row {bug} vanished", self.name()),
        }
    }

    /// A bug's status.
    pub fn status(&mut self, bug: i64) -> anyhow::Result<Status> {
        let rows = self.query(
            "SELECT b.status, f.name, b.fix_commit, b.status_note, d.public_id
             FROM bugs b LEFT JOIN builds f ON f.id = b.fixed_in
             LEFT JOIN bugs d ON d.id = b.dup_of WHERE b.id = ?1",
            &[bug.into()],
        )?;
        let Some(row) = rows.first() else {
            bail!("{}: bug row {bug} vanished", self.name());
        };
        Ok(Status::from_row(row))
    }

    pub(super) fn audit_row(
        &mut self,
        bug: i64,
        who: &str,
        what: &str,
        old: Option<String>,
        new: Option<String>,
    ) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO audit (bug_id, at, who, what, old_value, new_value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                bug.into(),
                now_secs().into(),
                who.into(),
                what.into(),
                old.into(),
                new.into(),
            ],
        )?;
        Ok(())
    }

    /// Every change of a bug, oldest first.
    pub fn audit(&mut self, bug: i64) -> anyhow::Result<Vec<AuditRow>> {
        Ok(self
            .query(
                "SELECT at, who, what, old_value, new_value FROM audit
                 WHERE bug_id = ?1 ORDER BY id",
                &[bug.into()],
            )?
            .iter()
            .map(|r| AuditRow {
                at: r[0].int(),
                who: r[1].text(),
                what: r[2].text(),
                old: r[3].opt_text(),
                new: r[4].opt_text(),
            })
            .collect())
    }

    fn set_status(
        &mut self,
        bug: i64,
        who: &str,
        what: &str,
        apply: impl FnOnce(&mut History) -> anyhow::Result<()>,
    ) -> anyhow::Result<Status> {
        self.write(|history| {
            let old = history.status(bug)?;
            apply(history)?;
            history.execute(
                "UPDATE bugs SET status_on = ?2 WHERE id = ?1",
                &[bug.into(), today().to_string().into()],
            )?;
            let new = history.status(bug)?;
            history.audit_row(bug, who, what, Some(old.to_string()), Some(new.to_string()))?;
            Ok(new)
        })
    }

    /// Marks a bug fixed in `build` (a recorded build's name, `#N` of the bug's release, or
    /// a build not seen yet).
    pub fn fix_bug(
        &mut self,
        bug: i64,
        build: &str,
        commit: Option<&str>,
        note: Option<&str>,
        who: &str,
    ) -> anyhow::Result<Status> {
        self.refuse_dup(bug, "fix")?;
        let build_id = self.resolve_build(bug, build)?;
        self.set_status(bug, who, "fixed", |history| {
            history.execute(
                "UPDATE bugs SET status = 'fixed', fixed_in = ?2, fix_commit = ?3, status_note = ?4
                 WHERE id = ?1",
                &[
                    bug.into(),
                    build_id.into(),
                    commit.map(str::to_owned).into(),
                    note.map(str::to_owned).into(),
                ],
            )?;
            Ok(())
        })
    }

    /// Names a bug, and sets its link when one is given, with a row in the audit table (`bug
    /// name` and the dashboard's editors alike).
    pub fn name_bug_audited(
        &mut self,
        bug: i64,
        name: &str,
        link: Option<&str>,
        who: &str,
    ) -> anyhow::Result<()> {
        self.write(|history| {
            let old = history
                .query("SELECT name, link FROM bugs WHERE id = ?1", &[bug.into()])?
                .first()
                .map(|r| (r[0].opt_text(), r[1].opt_text()))
                .unwrap_or_default();
            history.execute(
                "UPDATE bugs SET name = ?2, link = COALESCE(?3, link) WHERE id = ?1",
                &[bug.into(), name.into(), link.map(str::to_owned).into()],
            )?;
            history.audit_row(bug, who, "name", old.0, Some(name.to_owned()))?;
            if let Some(link) = link.filter(|l| old.1.as_deref() != Some(*l)) {
                history.audit_row(bug, who, "link", old.1, Some(link.to_owned()))?;
            }
            Ok(())
        })
    }

    /// Marks a bug invalid (a broken test setup, …).
    pub fn invalidate_bug(&mut self, bug: i64, why: &str, who: &str) -> anyhow::Result<Status> {
        self.refuse_dup(bug, "invalidate")?;
        self.set_status(bug, who, "invalid", |history| {
            history.execute(
                "UPDATE bugs SET status = 'invalid', fixed_in = NULL, fix_commit = NULL,
                     status_note = ?2 WHERE id = ?1",
                &[bug.into(), why.into()],
            )?;
            Ok(())
        })
    }

    /// Reopens a fixed or invalid bug.
    pub fn reopen_bug(&mut self, bug: i64, who: &str) -> anyhow::Result<Status> {
        self.refuse_dup(bug, "reopen")?;
        self.set_status(bug, who, "reopen", |history| {
            history.execute(
                "UPDATE bugs SET status = 'open', fixed_in = NULL, fix_commit = NULL,
                     status_note = NULL WHERE id = ?1",
                &[bug.into()],
            )?;
            Ok(())
        })
    }

    fn refuse_dup(&mut self, bug: i64, what: &str) -> anyhow::Result<()> {
        if let Status::Dup(of) = self.status(bug)? {
            let id = self.public_id(bug)?;
            bail!(
                "{}: bug {id} is a dup of {of}; {what} bug {of}, or `bug undup {id}` first",
                self.name()
            );
        }
        Ok(())
    }

    /// Makes `bug` a dup of `of`: its reports count to `of`'s canonical bug until
    /// [`History::undup_bug`]. A chain that would loop is refused.
    pub fn dup_bug(&mut self, bug: i64, of: i64, who: &str) -> anyhow::Result<Status> {
        let target = self.canonical(of)?;
        if target == bug || of == bug {
            let (a, b) = (self.public_id(bug)?, self.public_id(of)?);
            bail!(
                "{}: bug {b} resolves to bug {a}; a bug cannot be a dup of itself",
                self.name()
            );
        }
        let status = self.set_status(bug, who, "dup", |history| {
            history.execute(
                "UPDATE bugs SET status = 'dup', dup_of = ?2 WHERE id = ?1",
                &[bug.into(), of.into()],
            )?;
            history.recount(bug)?;
            history.recount(target)
        })?;
        Ok(status)
    }

    /// Undoes [`History::dup_bug`]: the bug is open again and its reports count to it; the
    /// canonical bug's counts are what they were before the dup.
    pub fn undup_bug(&mut self, bug: i64, who: &str) -> anyhow::Result<Status> {
        let Status::Dup(_) = self.status(bug)? else {
            let id = self.public_id(bug)?;
            bail!("{}: bug {id} is not a dup", self.name());
        };
        let old_canonical = self.canonical(bug)?;
        self.set_status(bug, who, "undup", |history| {
            history.execute(
                "UPDATE bugs SET status = 'open', dup_of = NULL WHERE id = ?1",
                &[bug.into()],
            )?;
            history.recount(bug)?;
            history.recount(old_canonical)
        })
    }

    /// The aggregates of a bug recomputed from the reports of every bug whose dup chain ends
    /// at it; a dup's own aggregates are empty.
    pub(super) fn recount_group(&mut self, bug: i64) -> anyhow::Result<()> {
        for table in ["bug_logs", "bug_runs", "bug_nodes", "bug_builds"] {
            self.execute(
                &format!("DELETE FROM {table} WHERE bug_id = ?1"),
                &[bug.into()],
            )?;
        }
        let is_dup = self
            .query("SELECT dup_of FROM bugs WHERE id = ?1", &[bug.into()])?
            .first()
            .and_then(|r| r[0].opt_int())
            .is_some();
        if !is_dup {
            let members = self.dup_members(bug)?;
            let list = members
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            self.execute(
                &format!(
                    "INSERT INTO bug_logs (bug_id, log_id)
                     SELECT DISTINCT CAST(?1 AS BIGINT), log_id FROM reports WHERE bug_id IN ({list})"
                ),
                &[bug.into()],
            )?;
            self.execute(
                &format!(
                    "INSERT INTO bug_runs (bug_id, run, first_seen)
                     SELECT CAST(?1 AS BIGINT), l.run, MIN(l.seen_on) FROM reports r JOIN logs l ON l.id = r.log_id
                     WHERE r.bug_id IN ({list}) GROUP BY l.run"
                ),
                &[bug.into()],
            )?;
            self.execute(
                &format!(
                    "INSERT INTO bug_nodes (bug_id, node, n_reports, first_seen, last_seen)
                     SELECT CAST(?1 AS BIGINT), l.node, COUNT(*), MIN(l.seen_on), MAX(l.seen_on)
                     FROM reports r JOIN logs l ON l.id = r.log_id
                     WHERE r.bug_id IN ({list}) AND l.node IS NOT NULL GROUP BY l.node"
                ),
                &[bug.into()],
            )?;
            self.execute(
                &format!(
                    "INSERT INTO bug_builds (bug_id, build_id, n_reports, first_seen, last_seen)
                     SELECT CAST(?1 AS BIGINT), r.build_id, COUNT(*), MIN(l.seen_on), MAX(l.seen_on)
                     FROM reports r JOIN logs l ON l.id = r.log_id
                     WHERE r.bug_id IN ({list}) AND r.build_id IS NOT NULL GROUP BY r.build_id"
                ),
                &[bug.into()],
            )?;
        }
        self.execute(
            "UPDATE bugs SET
                 n_logs = (SELECT COUNT(*) FROM bug_logs WHERE bug_id = ?1),
                 first_seen = (SELECT MIN(l.seen_on) FROM bug_logs b JOIN logs l ON l.id = b.log_id WHERE b.bug_id = ?1),
                 last_seen = (SELECT MAX(l.seen_on) FROM bug_logs b JOIN logs l ON l.id = b.log_id WHERE b.bug_id = ?1)
             WHERE id = ?1",
            &[bug.into()],
        )?;
        Ok(())
    }

    /// The build row named by `text` for fixing `bug`: a recorded build of that name; `#N` (or
    /// `N`) of the release the bug was last seen on (recorded builds first); else a new build.
    fn resolve_build(&mut self, bug: i64, text: &str) -> anyhow::Result<i64> {
        let text = text.trim();
        if let Some(id) = self.find_build(text)? {
            return Ok(id);
        }
        let number = text
            .strip_prefix('#')
            .unwrap_or(text)
            .parse::<i64>()
            .ok()
            .filter(|_| !text.contains(' '));
        let name = match number {
            Some(n) => {
                let members = self.dup_members(bug)?;
                let list = members
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let releases: Vec<String> = self
                    .query(
                        &format!(
                            "SELECT b.release FROM reports r JOIN builds b ON b.id = r.build_id
                             JOIN logs l ON l.id = r.log_id
                             WHERE r.bug_id IN ({list}) ORDER BY l.seen_on DESC, b.id DESC LIMIT 1"
                        ),
                        &[],
                    )?
                    .iter()
                    .map(|r| r[0].text())
                    .collect();
                let Some(release) = releases.first() else {
                    bail!(
                        "{}: the bug was seen on no known build; give the whole build (`4.0.0-lego+ #{n}`)",
                        self.name()
                    );
                };
                format!("{release} #{n}")
            }
            None => text.to_owned(),
        };
        let Some(build) = Build::parse(&name) else {
            bail!(
                "{}: {text:?} is not a build (RELEASE [#N [VERSION]], e.g. `4.0.0-lego+ #27`, or #N)",
                self.name()
            );
        };
        if let Some(id) = self.find_build(&build.name)? {
            return Ok(id);
        }
        self.insert_build(&build, &today().to_string())
    }

    fn find_build(&mut self, name: &str) -> anyhow::Result<Option<i64>> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(self
            .query("SELECT id FROM builds WHERE name = ?1", &[name.into()])?
            .first()
            .map(|r| r[0].int()))
    }

    fn insert_build(&mut self, build: &Build, first_seen: &str) -> anyhow::Result<i64> {
        let rows = self.query(
            "INSERT INTO builds (name, release, number, version, first_seen)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            &[
                build.name.as_str().into(),
                build.release.as_str().into(),
                build.number.into(),
                build.version.clone().into(),
                first_seen.into(),
            ],
        )?;
        Ok(rows[0][0].int())
    }

    /// The build row of a report's kernel string, recorded on first sight.
    pub(super) fn build_of(
        &mut self,
        kernel: Option<&str>,
        seen_on: &str,
        caches: &mut Caches,
    ) -> anyhow::Result<Option<i64>> {
        let Some(kernel) = kernel else {
            return Ok(None);
        };
        if let Some(id) = caches.builds.get(kernel) {
            return Ok(*id);
        }
        let id = match Build::parse(kernel) {
            None => None,
            Some(build) => match self.find_build(&build.name)? {
                Some(id) => {
                    // A build first seen on a later day than this log's: the earlier day.
                    self.execute(
                        "UPDATE builds SET first_seen = ?2 WHERE id = ?1 AND first_seen > ?2",
                        &[id.into(), seen_on.into()],
                    )?;
                    Some(id)
                }
                None => Some(self.insert_build(&build, seen_on)?),
            },
        };
        caches.builds.insert(kernel.to_owned(), id);
        Ok(id)
    }

    fn load_build(&mut self, id: i64) -> anyhow::Result<Option<(Build, String)>> {
        let rows = self.query(
            "SELECT name, release, number, version, first_seen FROM builds WHERE id = ?1",
            &[id.into()],
        )?;
        Ok(rows.first().map(|r| {
            (
                Build {
                    name: r[0].text(),
                    release: r[1].text(),
                    number: r[2].opt_int(),
                    version: r[3].opt_text(),
                },
                r[4].text(),
            )
        }))
    }

    /// The order of two build rows (docs/lifecycle.md, "Builds").
    pub fn compare_builds(&mut self, a: i64, b: i64) -> anyhow::Result<Ordering> {
        if a == b {
            return Ok(Ordering::Equal);
        }
        let (Some(x), Some(y)) = (self.load_build(a)?, self.load_build(b)?) else {
            return Ok(a.cmp(&b));
        };
        Ok(builds::order((&x.0, &x.1, a), (&y.0, &y.1, b)))
    }

    fn bug_state(&mut self, bug: i64, caches: &mut Caches) -> anyhow::Result<BugState> {
        if let Some(state) = caches.states.get(&bug) {
            return Ok(state.clone());
        }
        let rows = self.query(
            "SELECT status, fixed_in, n_logs, first_seen, last_seen FROM bugs WHERE id = ?1",
            &[bug.into()],
        )?;
        let Some(row) = rows.first() else {
            bail!("{}: bug row {bug} vanished", self.name());
        };
        let state = BugState {
            status: row[0].text(),
            fixed_in: row[1].opt_int(),
            n_logs: row[2].int() as u64,
            first_seen: row[3].opt_text().as_deref().and_then(Date::parse),
            last_seen: row[4].opt_text().as_deref().and_then(Date::parse),
        };
        caches.states.insert(bug, state.clone());
        Ok(state)
    }

    /// Judges one report of `bug` (canonical) on `build`, dated `seen_on`, before it is
    /// counted: against the bug's fix (a regression reopens the bug, audited), and whether a
    /// quiet or fixed bug is back (`first_in_log`: the log's first report of the bug).
    pub(super) fn judge(
        &mut self,
        bug: i64,
        build: Option<i64>,
        seen_on: &str,
        first_in_log: bool,
        caches: &mut Caches,
    ) -> anyhow::Result<Verdict> {
        let state = self.bug_state(bug, caches)?;
        let date = Date::parse(seen_on);
        let mut verdict = Verdict::default();
        if first_in_log {
            if let (Some(first), Some(last), Some(date)) = (state.first_seen, state.last_seen, date)
            {
                let gap = date.days_since_epoch() - last.days_since_epoch();
                let quiet = self.lifecycle.is_quiet(state.n_logs, first, last, date);
                if gap > 0 && (state.status == "fixed" || quiet) {
                    verdict.back_after = Some(gap as u32);
                }
            }
        }
        if let (Some(fixed_in), Some(build), "fixed") =
            (state.fixed_in, build, state.status.as_str())
        {
            let regression = self.compare_builds(build, fixed_in)? != Ordering::Less;
            verdict.fix = Some(Fix {
                regression,
                fixed_in,
                seen_on: build,
            });
            if regression {
                let old = self.status(bug)?;
                self.execute(
                    "UPDATE bugs SET status = 'open', status_on = ?2 WHERE id = ?1",
                    &[bug.into(), seen_on.into()],
                )?;
                let seen = self
                    .load_build(build)?
                    .map(|b| b.0.name)
                    .unwrap_or_default();
                self.audit_row(
                    bug,
                    "legolog",
                    "regression",
                    Some(old.to_string()),
                    Some(format!("open: seen on {seen}")),
                )?;
                caches.states.remove(&bug);
            }
        }
        Ok(verdict)
    }

    /// What [`History::judge`] would say, without writing (`peek`): `build` by name.
    pub(super) fn judge_peek(
        &mut self,
        bug: i64,
        kernel: Option<&str>,
        date: Date,
        counted: bool,
    ) -> anyhow::Result<(Option<FixNote>, Option<u32>)> {
        let mut caches = Caches::default();
        let state = self.bug_state(bug, &mut caches)?;
        let mut back_after = None;
        if !counted {
            if let (Some(first), Some(last)) = (state.first_seen, state.last_seen) {
                let gap = date.days_since_epoch() - last.days_since_epoch();
                if gap > 0
                    && (state.status == "fixed"
                        || self.lifecycle.is_quiet(state.n_logs, first, last, date))
                {
                    back_after = Some(gap as u32);
                }
            }
        }
        let build = kernel.and_then(Build::parse);
        let fix = match (state.fixed_in, build, state.status.as_str()) {
            (Some(fixed_in), Some(build), "fixed") => {
                let Some((fixed, fixed_first)) = self.load_build(fixed_in)? else {
                    return Ok((None, back_after));
                };
                let first = match self.find_build(&build.name)? {
                    Some(id) => self.load_build(id)?.map(|b| (b.1, id)),
                    None => None,
                }
                .unwrap_or((date.to_string(), i64::MAX));
                let order = builds::order(
                    (&build, &first.0, first.1),
                    (&fixed, &fixed_first, fixed_in),
                );
                Some(FixNote {
                    regression: order != Ordering::Less,
                    fixed_in: fixed.short_against(&build),
                    seen_on: build.short_against(&fixed),
                })
            }
            _ => None,
        };
        Ok((fix, back_after))
    }

    /// The names of a recorded [`Fix`].
    pub fn fix_note(&mut self, fix: &Fix) -> anyhow::Result<Option<FixNote>> {
        let (Some(fixed), Some(seen)) = (
            self.load_build(fix.fixed_in)?,
            self.load_build(fix.seen_on)?,
        ) else {
            return Ok(None);
        };
        Ok(Some(FixNote {
            regression: fix.regression,
            fixed_in: fixed.0.short_against(&seen.0),
            seen_on: seen.0.short_against(&fixed.0),
        }))
    }

    /// Counts one report of `bug` (canonical) on its node and build.
    pub(super) fn count_seen(
        &mut self,
        bug: i64,
        node: Option<&str>,
        build: Option<i64>,
        seen_on: &str,
    ) -> anyhow::Result<()> {
        if let Some(node) = node {
            self.execute(
                "INSERT INTO bug_nodes (bug_id, node, n_reports, first_seen, last_seen)
                 VALUES (?1, ?2, 1, ?3, ?3)
                 ON CONFLICT (bug_id, node) DO UPDATE SET n_reports = bug_nodes.n_reports + 1,
                     first_seen = CASE WHEN excluded.first_seen < bug_nodes.first_seen
                                       THEN excluded.first_seen ELSE bug_nodes.first_seen END,
                     last_seen = CASE WHEN excluded.last_seen > bug_nodes.last_seen
                                      THEN excluded.last_seen ELSE bug_nodes.last_seen END",
                &[bug.into(), node.into(), seen_on.into()],
            )?;
        }
        if let Some(build) = build {
            self.execute(
                "INSERT INTO bug_builds (bug_id, build_id, n_reports, first_seen, last_seen)
                 VALUES (?1, ?2, 1, ?3, ?3)
                 ON CONFLICT (bug_id, build_id) DO UPDATE SET n_reports = bug_builds.n_reports + 1,
                     first_seen = CASE WHEN excluded.first_seen < bug_builds.first_seen
                                       THEN excluded.first_seen ELSE bug_builds.first_seen END,
                     last_seen = CASE WHEN excluded.last_seen > bug_builds.last_seen
                                      THEN excluded.last_seen ELSE bug_builds.last_seen END",
                &[bug.into(), build.into(), seen_on.into()],
            )?;
        }
        Ok(())
    }

    /// Every build a bug was seen on, in build order, with counts and dates.
    pub fn builds_of_bug(&mut self, bug: i64) -> anyhow::Result<Vec<SeenOn>> {
        let rows = self.query(
            "SELECT s.build_id, b.name, s.n_reports, s.first_seen, s.last_seen
             FROM bug_builds s JOIN builds b ON b.id = s.build_id WHERE s.bug_id = ?1",
            &[bug.into()],
        )?;
        self.in_build_order(rows)
    }

    /// The builds of a dup bug's own reports (its aggregates count to its canonical bug).
    pub(super) fn own_builds(&mut self, bug: i64) -> anyhow::Result<Vec<SeenOn>> {
        let rows = self.query(
            "SELECT r.build_id, b.name, COUNT(*), MIN(l.seen_on), MAX(l.seen_on)
             FROM reports r JOIN logs l ON l.id = r.log_id JOIN builds b ON b.id = r.build_id
             WHERE r.bug_id = ?1 GROUP BY r.build_id, b.name",
            &[bug.into()],
        )?;
        self.in_build_order(rows)
    }

    /// The nodes of a dup bug's own reports.
    pub(super) fn own_nodes(&mut self, bug: i64) -> anyhow::Result<Vec<SeenOn>> {
        Ok(self
            .query(
                "SELECT l.node, COUNT(*), MIN(l.seen_on), MAX(l.seen_on)
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.bug_id = ?1 AND l.node IS NOT NULL GROUP BY l.node ORDER BY l.node",
                &[bug.into()],
            )?
            .iter()
            .map(|row| SeenOn {
                name: row[0].text(),
                reports: row[1].int() as u64,
                first_seen: Date::parse(&row[2].text()),
                last_seen: Date::parse(&row[3].text()),
            })
            .collect())
    }

    /// A dup bug's own counts (logs seen in, first and last day, runs) in `history`, from
    /// its own reports.
    pub(super) fn own_counts(
        &mut self,
        bug: i64,
        history: &mut super::BugHistory,
    ) -> anyhow::Result<()> {
        let rows = self.query(
            "SELECT COUNT(DISTINCT r.log_id), MIN(l.seen_on), MAX(l.seen_on)
             FROM reports r JOIN logs l ON l.id = r.log_id WHERE r.bug_id = ?1",
            &[bug.into()],
        )?;
        let row = &rows[0];
        history.seen = row[0].int() as u64;
        history.first_seen = row[1].opt_text().as_deref().and_then(Date::parse);
        history.last_seen = row[2].opt_text().as_deref().and_then(Date::parse);
        history.runs = self
            .query(
                "SELECT l.run FROM reports r JOIN logs l ON l.id = r.log_id WHERE r.bug_id = ?1
                 GROUP BY l.run ORDER BY MIN(l.seen_on), l.run",
                &[bug.into()],
            )?
            .iter()
            .map(|r| r[0].text())
            .collect();
        history.quiet = self.is_quiet(history.seen, history.first_seen, history.last_seen);
        Ok(())
    }

    /// `rows` of (build id, name, reports, first, last) in build order.
    fn in_build_order(&mut self, rows: Vec<Vec<super::Value>>) -> anyhow::Result<Vec<SeenOn>> {
        let mut keyed = Vec::with_capacity(rows.len());
        for row in &rows {
            let id = row[0].int();
            let build = self.load_build(id)?;
            keyed.push((id, build, row));
        }
        keyed.sort_by(|a, b| match (&a.1, &b.1) {
            (Some(x), Some(y)) => builds::order((&x.0, &x.1, a.0), (&y.0, &y.1, b.0)),
            _ => a.0.cmp(&b.0),
        });
        Ok(keyed
            .into_iter()
            .map(|(_, _, row)| SeenOn {
                name: row[1].text(),
                reports: row[2].int() as u64,
                first_seen: Date::parse(&row[3].text()),
                last_seen: Date::parse(&row[4].text()),
            })
            .collect())
    }

    /// Every node a bug was seen on, by name, with counts and dates.
    pub fn nodes_of_bug(&mut self, bug: i64) -> anyhow::Result<Vec<SeenOn>> {
        Ok(self
            .query(
                "SELECT node, n_reports, first_seen, last_seen FROM bug_nodes
                 WHERE bug_id = ?1 ORDER BY node",
                &[bug.into()],
            )?
            .iter()
            .map(|row| SeenOn {
                name: row[0].text(),
                reports: row[1].int() as u64,
                first_seen: Date::parse(&row[2].text()),
                last_seen: Date::parse(&row[3].text()),
            })
            .collect())
    }

    /// Whether a bug (its counts) is quiet today.
    pub fn is_quiet(&self, seen: u64, first: Option<Date>, last: Option<Date>) -> bool {
        match (first, last) {
            (Some(first), Some(last)) => self.lifecycle.is_quiet(seen, first, last, today()),
            _ => false,
        }
    }

    /// Fills what the lifecycle step adds from the rows an older legolog recorded: builds
    /// from the reports' kernels, each report's build, and the per-build and per-node counts.
    pub(super) fn backfill_lifecycle(&mut self) -> anyhow::Result<()> {
        let kernels = self.query(
            "SELECT r.kernel, MIN(l.seen_on) FROM reports r JOIN logs l ON l.id = r.log_id
             WHERE r.kernel IS NOT NULL GROUP BY r.kernel ORDER BY MIN(l.seen_on), r.kernel",
            &[],
        )?;
        let mut caches = Caches::default();
        for row in kernels {
            let kernel = row[0].text();
            if let Some(id) = self.build_of(Some(&kernel), &row[1].text(), &mut caches)? {
                self.execute(
                    "UPDATE reports SET build_id = ?1 WHERE kernel = ?2",
                    &[id.into(), kernel.into()],
                )?;
            }
        }
        self.execute(
            "INSERT INTO bug_nodes (bug_id, node, n_reports, first_seen, last_seen)
             SELECT r.bug_id, l.node, COUNT(*), MIN(l.seen_on), MAX(l.seen_on)
             FROM reports r JOIN logs l ON l.id = r.log_id
             WHERE r.bug_id IS NOT NULL AND l.node IS NOT NULL GROUP BY r.bug_id, l.node",
            &[],
        )?;
        self.execute(
            "INSERT INTO bug_builds (bug_id, build_id, n_reports, first_seen, last_seen)
             SELECT r.bug_id, r.build_id, COUNT(*), MIN(l.seen_on), MAX(l.seen_on)
             FROM reports r JOIN logs l ON l.id = r.log_id
             WHERE r.bug_id IS NOT NULL AND r.build_id IS NOT NULL GROUP BY r.bug_id, r.build_id",
            &[],
        )?;
        Ok(())
    }

    /// The per-report notes of an attachment (fix verdict with names, return after silence,
    /// crash document id) put on its bug's answer.
    pub fn annotate_history(
        &mut self,
        attachment: &Attachment,
        history: &mut super::BugHistory,
    ) -> anyhow::Result<()> {
        history.fix = match &attachment.fix {
            Some(fix) => self.fix_note(fix)?,
            None => None,
        };
        history.back_after = attachment.back_after;
        history.crash = attachment.crash;
        Ok(())
    }
}

/// A signature attached to a bug by a similar match, not yet confirmed (`legolog bug review`).
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    /// The attached signature (full id).
    pub signature: String,
    /// Its bug's public id.
    pub bug: String,
    /// Its bug's title.
    pub bug_title: String,
    /// The similarity it was attached with (`None`: not recorded).
    pub similarity: Option<f64>,
    /// The rule that decided it (`None`: attached before rules were recorded).
    pub rule: Option<String>,
    /// Its frames.
    pub frames: Vec<String>,
    /// The bug's founding signature closest to it (full id), when the bug has one with frames.
    pub founder: Option<String>,
    /// That founding signature's frames.
    pub founder_frames: Vec<String>,
    /// Reports recorded with the signature.
    pub reports: u64,
    /// One of them: run, 1-based position, title.
    pub example: Option<(String, u64, String)>,
}

impl History {
    /// Every signature attached by a similar match and not confirmed, weakest first
    /// (ties by signature).
    pub fn review_queue(&mut self) -> anyhow::Result<Vec<Attached>> {
        self.attached("s.review IS NULL", &[])
    }

    fn attached(&mut self, filter: &str, params: &[super::Value]) -> anyhow::Result<Vec<Attached>> {
        let rows = self.query(
            &format!(
                "SELECT s.signature, s.version, s.bug_id, s.frames, s.similarity, s.match_rule,
                        b.public_id, b.title
                 FROM signatures s JOIN bugs b ON b.id = s.bug_id
                 WHERE s.founding = 0 AND s.similarity IS NOT NULL AND {filter}
                 ORDER BY s.similarity, s.signature"
            ),
            params,
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let (signature, version, bug) = (row[0].text(), row[1].int(), row[2].int());
            let frames = super::split_frames(&row[3].opt_text().unwrap_or_default());
            let founder = self
                .query(
                    "SELECT signature, frames FROM signatures
                     WHERE bug_id = ?1 AND founding = 1 ORDER BY signature",
                    &[bug.into()],
                )?
                .iter()
                .map(|r| {
                    let theirs = super::split_frames(&r[1].opt_text().unwrap_or_default());
                    let similarity = crate::identity::signature::similarity(&theirs, &frames);
                    (r[0].text(), theirs, similarity)
                })
                // The closest, the first signature among equals.
                .fold(
                    None::<(String, Vec<String>, f64)>,
                    |best, next| match best {
                        Some(best) if best.2 >= next.2 => Some(best),
                        _ => Some(next),
                    },
                );
            let reports = self.query(
                "SELECT l.run, r.position, r.title, (SELECT COUNT(*) FROM reports c
                     WHERE c.signature = r.signature AND c.signature_version = r.signature_version)
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.signature = ?1 AND r.signature_version = ?2
                 ORDER BY r.log_id, r.position LIMIT 1",
                &[signature.as_str().into(), version.into()],
            )?;
            let (founder, founder_frames) = match founder {
                Some((id, frames, _)) => (Some(id), frames),
                None => (None, Vec::new()),
            };
            out.push(Attached {
                signature,
                bug: row[6].text(),
                bug_title: row[7].text(),
                similarity: row[4].opt_real(),
                rule: row[5].opt_text(),
                frames,
                founder,
                founder_frames,
                reports: reports.first().map_or(0, |r| r[3].int() as u64),
                example: reports
                    .first()
                    .map(|r| (r[0].text(), r[1].int() as u64, r[2].text())),
            });
        }
        Ok(out)
    }

    /// Confirms attachments of the review queue: `target` is an attached signature (a unique
    /// prefix of its id) or a bug id (every attachment of the bug waiting for review). Each is
    /// audited on its bug. Returns what was confirmed.
    pub fn confirm(&mut self, target: &str, who: &str) -> anyhow::Result<Vec<Attached>> {
        let pattern = format!("{}%", target.replace(['%', '_'], ""));
        let by_signature = self.attached(
            "s.review IS NULL AND s.signature LIKE ?1",
            &[pattern.as_str().into()],
        )?;
        let chosen = if by_signature.is_empty() {
            let bug = self.find_bug(target).map_err(|err| {
                anyhow::anyhow!("{err:#} and no attachment waiting for review starts with {target}")
            })?;
            let pending = self.attached("s.review IS NULL AND s.bug_id = ?1", &[bug.into()])?;
            if pending.is_empty() {
                let id = self.public_id(bug)?;
                bail!(
                    "{}: bug {id} has no attachment waiting for review",
                    self.name()
                );
            }
            pending
        } else if by_signature.len() > 1 {
            bail!(
                "{}: {} attachments waiting for review start with {target}; give more of the id",
                self.name(),
                by_signature.len()
            );
        } else {
            by_signature
        };
        self.write(|history| {
            for attached in &chosen {
                history.execute(
                    "UPDATE signatures SET review = 'confirmed' WHERE signature = ?1",
                    &[attached.signature.as_str().into()],
                )?;
                let bug = history.find_bug(&attached.bug)?;
                history.audit_row(
                    bug,
                    who,
                    "confirm",
                    attached.similarity.map(|s| format!("similar {s:.2}")),
                    Some(format!(
                        "signature {} confirmed",
                        &attached.signature[..12.min(attached.signature.len())]
                    )),
                )?;
            }
            Ok(())
        })?;
        Ok(chosen)
    }
}
