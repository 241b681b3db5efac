//! The run history: every report seen, grouped into bugs, keyed so that reading the same log
//! twice never counts twice. It lives in SQLite (a file, the default) or PostgreSQL (a URL, for
//! a lab); both sit behind [`Backend`] and share the schema steps in [`schema`].
//!
//! `logs` has one row per distinct log *content* (SHA-256 of the decompressed bytes); `reports`
//! one per report position, with its signature, frames and bug; `bugs` the user-facing groups
//! with aggregates (distinct logs, first/last seen); `signatures` maps each signature to its bug;
//! `bug_index` is the inverted index (kind, frame, position) over founding signatures that the
//! fuzzy lookup reads. Every write is one transaction that excludes other writers.

pub mod backend;
pub mod builds;
pub mod dbfile;
pub mod documents;
pub mod lifecycle;
pub mod postgres;
mod resign;
pub mod schema;
pub mod sqlite;
pub mod views;

use crate::identity::run::Date;
use crate::identity::signature::{self, Basis};
use anyhow::bail;
pub use backend::{Backend, Value};
pub use resign::{GroupingDiff, Merge, Resigned, Split};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// One log to record.
#[derive(Debug, Clone)]
pub struct LogRecord {
    /// SHA-256 of the log's decompressed content, hex.
    pub content_hash: String,
    /// The path it was read from (`-` for stdin).
    pub path: String,
    /// Run name (`0826-w9-1`).
    pub run: String,
    /// Node (`w9`), when known.
    pub node: Option<String>,
    /// The run date, when known; otherwise the day it is first recorded.
    pub date: Option<Date>,
    /// Its reports, in log order.
    pub reports: Vec<ReportRecord>,
}

/// One report to record.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    /// Full signature id.
    pub signature: String,
    /// Signature scheme version.
    pub signature_version: u32,
    /// Kind name.
    pub kind: String,
    /// Where the signature frames came from.
    pub basis: Basis,
    /// The signature's frames.
    pub frames: Vec<String>,
    /// Title.
    pub title: String,
    /// Matched rule names.
    pub labels: Vec<String>,
    /// Kernel timestamp of the report, seconds.
    pub time: Option<f64>,
    /// Kernel release and build (`6.1.0-28-amd64 #1 Debian …`).
    pub kernel: Option<String>,
    /// The report's document ([`documents::Document::compress`]), kept as a crash.
    pub document: Option<Vec<u8>>,
}

/// How a report was attached to its bug when it was first recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Match {
    /// Its signature was already the bug's.
    Exact,
    /// Its signature is similar (this much) to one that founded the bug.
    Similar(f64),
    /// It founded the bug.
    New,
}

impl Match {
    /// `exact`, `similar` or `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            Match::Exact => "exact",
            Match::Similar(_) => "similar",
            Match::New => "new",
        }
    }

    fn similarity(self) -> Option<f64> {
        match self {
            Match::Similar(s) => Some(s),
            _ => None,
        }
    }
}

/// Where a recorded report went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attachment {
    /// Internal bug row.
    pub bug: i64,
    /// How it matched.
    pub matched: Match,
    /// The bug was created by this write.
    pub created: bool,
    /// How the report stands against its bug's fix, when the bug was fixed.
    pub fix: Option<lifecycle::Fix>,
    /// A quiet or fixed bug came back after this many days.
    pub back_after: Option<u32>,
    /// The report's crash id, while its document is kept.
    pub crash: Option<i64>,
}

impl Attachment {
    /// An attachment without per-report notes.
    pub fn plain(bug: i64, matched: Match, created: bool) -> Attachment {
        Attachment {
            bug,
            matched,
            created,
            fix: None,
            back_after: None,
            crash: None,
        }
    }
}

/// What the history knows about a report's bug.
#[derive(Debug, Clone, PartialEq)]
pub struct BugHistory {
    /// The bug's short stable id.
    pub bug: String,
    /// The user's name for it.
    pub name: Option<String>,
    /// The user's link.
    pub link: Option<String>,
    /// Distinct logs of the bug.
    pub seen: u64,
    /// Earliest run date.
    pub first_seen: Option<Date>,
    /// Latest run date.
    pub last_seen: Option<Date>,
    /// Distinct run names, oldest first.
    pub runs: Vec<String>,
    /// How this report matched.
    pub matched: Match,
    /// The bug was created by this run (`--fail-on new`).
    pub created: bool,
    /// `open`, `fixed`, `invalid` or `dup` (of the canonical bug: `open`, `fixed`, `invalid`).
    pub status: String,
    /// The build the bug is fixed in.
    pub fixed_in: Option<String>,
    /// Silent for longer than its own crash rate predicts (display only).
    pub quiet: bool,
    /// This report against the bug's fix: a regression, or a build without the fix.
    pub fix: Option<lifecycle::FixNote>,
    /// A quiet or fixed bug came back after this many days.
    pub back_after: Option<u32>,
    /// This report's crash id in the history, while its document is kept.
    pub crash: Option<i64>,
}

/// A bug as `legolog history` and `legolog bug show` list it.
#[derive(Debug, Clone)]
pub struct BugRow {
    /// Short stable id.
    pub id: String,
    /// Kind name.
    pub kind: String,
    /// Title of the report that founded it.
    pub title: String,
    /// Labels of the latest report.
    pub labels: Vec<String>,
    /// The user's name.
    pub name: Option<String>,
    /// The user's link.
    pub link: Option<String>,
    /// Its signatures (full ids, version 2 first).
    pub signatures: Vec<String>,
    /// Counts, dates and runs (`matched` is `Exact`).
    pub history: BugHistory,
}

/// Details of a bug for `legolog bug show`.
#[derive(Debug, Clone)]
pub struct BugDetails {
    /// The bug.
    pub row: BugRow,
    /// Distinct nodes.
    pub nodes: Vec<String>,
    /// Distinct kernels.
    pub kernels: Vec<String>,
    /// The status.
    pub status: lifecycle::Status,
    /// Every change of the status, oldest first.
    pub audit: Vec<lifecycle::AuditRow>,
    /// Every build it was seen on, in build order, with counts and dates.
    pub builds: Vec<lifecycle::SeenOn>,
    /// Every node it was seen on, with counts and dates.
    pub node_counts: Vec<lifecycle::SeenOn>,
    /// The crash documents kept.
    pub crashes: Vec<documents::CrashRow>,
    /// For a dup: the bug at the end of its chain, which its reports count to. A dup's
    /// `row.history` counts, builds and nodes are then its own reports'.
    pub counts_to: Option<String>,
}

/// One occurrence of a signature (`legolog history --signature`).
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// Run name.
    pub run: String,
    /// Date of the run.
    pub date: Option<Date>,
    /// Path the log was first read from.
    pub path: String,
    /// 1-based report position in the log.
    pub position: u64,
    /// Title.
    pub title: String,
}

/// A recorded log whose reports have no bug yet (recorded by a version-1 legolog).
#[derive(Debug, Clone)]
pub struct LegacyLog {
    /// Row id.
    pub id: i64,
    /// Recorded content hash.
    pub content_hash: String,
    /// Recorded path.
    pub path: String,
}

/// The signature of a stored report, as candidates are compared.
struct Candidate {
    bug: i64,
    frames: Vec<String>,
}

/// An open history.
pub struct History {
    db: Box<dyn Backend>,
    similarity: f64,
    /// Where the threshold comes from, for the rule an attachment names (`bug review`).
    similarity_origin: &'static str,
    across_functions: bool,
    lifecycle: lifecycle::LifecycleConfig,
}

impl History {
    /// Opens (creating when missing) and migrates the SQLite history at `path`.
    ///
    /// A file that is not a legolog history (corrupt, another program's database, a newer
    /// schema, an empty or non-database file, a dangling symlink; one carrying triggers or
    /// views) is an error naming the file; it is never overwritten. A new history is built
    /// aside and linked into place ([`crate::history::dbfile`]).
    pub fn open(path: &Path) -> anyhow::Result<History> {
        crate::history::dbfile::check_path(path)?;
        if std::fs::symlink_metadata(path).is_err() {
            sqlite::Sqlite::make_parent(path)?;
            crate::history::dbfile::create_new(path, |new| {
                // The file is built aside and linked into place whole (and synced once before
                // that), so building it needs no journal on disk and no sync per commit.
                let db = sqlite::Sqlite::open(new, true)?;
                db.build_aside()?;
                let mut history = History::with_backend(Box::new(db))?;
                // What the first open would write right away (a new history has nothing to
                // re-sign, and is grouped under this legolog's rules), in the same file.
                let digest = crate::identity::rules::builtin_grouping_digest();
                history
                    .resign_stored(&std::collections::HashMap::new(), &digest)
                    .map(drop)
            })?;
        }
        History::with_backend(Box::new(sqlite::Sqlite::open(path, false)?))
    }

    /// Opens `spec`: a `postgresql://` URL, else a SQLite file path.
    pub fn open_spec(spec: &str) -> anyhow::Result<History> {
        if postgres::is_url(spec) {
            History::with_backend(Box::new(postgres::Postgres::connect(spec)?))
        } else {
            History::open(Path::new(spec))
        }
    }

    /// Migrates and wraps an opened backend.
    pub fn with_backend(db: Box<dyn Backend>) -> anyhow::Result<History> {
        let mut history = History {
            db,
            similarity: signature::DEFAULT_SIMILARITY,
            similarity_origin: "default",
            across_functions: false,
            lifecycle: lifecycle::LifecycleConfig::default(),
        };
        history.migrate()?;
        Ok(history)
    }

    /// The similarity threshold for attaching reports to bugs.
    pub fn set_similarity(&mut self, threshold: f64) {
        self.similarity = threshold;
        self.similarity_origin = "--similarity";
    }

    /// The grouping options of a rules file (`[grouping]`).
    pub fn set_grouping(&mut self, grouping: &crate::identity::rules::Grouping) {
        if let Some(threshold) = grouping.similarity {
            self.similarity = threshold;
            self.similarity_origin = "[grouping] similarity";
        }
        self.across_functions = grouping.similar_across_functions;
    }

    /// The database as shown in messages.
    pub fn name(&self) -> &str {
        self.db.name()
    }

    fn check_version(&self, version: i64) -> anyhow::Result<()> {
        if version < 0 || version > schema::current() {
            bail!(
                "{}: history schema version {version} is newer than this legolog knows ({}); left untouched, use a newer legolog",
                self.db.name(),
                schema::current()
            );
        }
        Ok(())
    }

    fn migrate(&mut self) -> anyhow::Result<()> {
        let version = self.db.schema_version()?;
        self.check_version(version)?;
        if version == schema::current() {
            return Ok(());
        }
        self.write(|history| {
            // Another process may have migrated while we waited for the lock.
            let version = history.db.schema_version()?;
            history.check_version(version)?;
            let steps = schema::migrations(history.db.dialect());
            for (idx, step) in steps.iter().enumerate().skip(version as usize) {
                history.db.batch(step)?;
                if idx + 1 == schema::LIFECYCLE_STEP {
                    history.backfill_lifecycle()?;
                }
            }
            history.db.set_schema_version(schema::current())
        })
    }

    /// Runs `body` in one write transaction: all of it is committed or none.
    fn write<T>(
        &mut self,
        body: impl FnOnce(&mut History) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.db.begin()?;
        match body(self) {
            Ok(value) => {
                self.db.commit()?;
                Ok(value)
            }
            Err(err) => {
                self.db.rollback();
                Err(err)
            }
        }
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Vec<Vec<Value>>> {
        self.db.query(sql, params)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<u64> {
        self.db.execute(sql, params)
    }

    /// Records logs and their reports in one transaction and returns, per log and report, the
    /// bug it belongs to. A log whose content was recorded before is not recorded again; its
    /// stored attachments are returned (idempotent).
    pub fn record(&mut self, logs: &[LogRecord]) -> anyhow::Result<Vec<Vec<Attachment>>> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let today = Date::from_system_time(SystemTime::now());
        self.write(|history| {
            let mut out = Vec::with_capacity(logs.len());
            for log in logs {
                out.push(history.record_log(log, now, today)?);
            }
            Ok(out)
        })
    }

    fn record_log(
        &mut self,
        log: &LogRecord,
        now: i64,
        today: Date,
    ) -> anyhow::Result<Vec<Attachment>> {
        let existing = self.query(
            "SELECT id FROM logs WHERE content_hash = ?1",
            &[log.content_hash.as_str().into()],
        )?;
        if let Some(row) = existing.first() {
            return self.stored_attachments(row[0].int());
        }
        let seen_on = log.date.unwrap_or(today).to_string();
        let rows = self.query(
            "INSERT INTO logs (content_hash, path, run, seen_on, recorded_at, n_reports, node)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            &[
                log.content_hash.as_str().into(),
                log.path.as_str().into(),
                log.run.as_str().into(),
                seen_on.as_str().into(),
                now.into(),
                (log.reports.len() as i64).into(),
                log.node.clone().into(),
            ],
        )?;
        let log_id = rows[0][0].int();
        self.insert_reports(log_id, 0, log, &seen_on)
    }

    /// Adds reports to a log that grows (a watched console, whose `content_hash` names the
    /// watch): the log row is created on the first call, and each report goes in after those
    /// recorded before, all in one transaction. Returns where each report went.
    pub fn append(&mut self, log: &LogRecord) -> anyhow::Result<Vec<Attachment>> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let today = Date::from_system_time(SystemTime::now());
        self.write(|history| {
            let existing = history.query(
                "SELECT id, n_reports, seen_on FROM logs WHERE content_hash = ?1",
                &[log.content_hash.as_str().into()],
            )?;
            let (log_id, before, seen_on) = match existing.first() {
                Some(row) => (row[0].int(), row[1].int(), row[2].text()),
                None => {
                    let seen_on = log.date.unwrap_or(today).to_string();
                    let rows = history.query(
                        "INSERT INTO logs (content_hash, path, run, seen_on, recorded_at, n_reports, node)
                         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6) RETURNING id",
                        &[
                            log.content_hash.as_str().into(),
                            log.path.as_str().into(),
                            log.run.as_str().into(),
                            seen_on.as_str().into(),
                            now.into(),
                            log.node.clone().into(),
                        ],
                    )?;
                    (rows[0][0].int(), 0, seen_on)
                }
            };
            let out = history.insert_reports(log_id, before, log, &seen_on)?;
            history.execute(
                "UPDATE logs SET n_reports = ?1 WHERE id = ?2",
                &[(before + log.reports.len() as i64).into(), log_id.into()],
            )?;
            Ok(out)
        })
    }

    /// Inserts `log`'s reports after the `before` already recorded under `log_id`, each
    /// attached to its bug; each bug counts the log once.
    fn insert_reports(
        &mut self,
        log_id: i64,
        before: i64,
        log: &LogRecord,
        seen_on: &str,
    ) -> anyhow::Result<Vec<Attachment>> {
        let mut out = Vec::with_capacity(log.reports.len());
        // A log often repeats one report (a watchdog every few seconds): its signature is
        // looked up and its bug counted once per log.
        let mut known: HashMap<(&str, u32), Attachment> = HashMap::new();
        let mut counted: HashSet<i64> = HashSet::new();
        let mut caches = lifecycle::Caches::default();
        let mut documented: Vec<i64> = Vec::new();
        for (position, report) in log.reports.iter().enumerate() {
            let key = (report.signature.as_str(), report.signature_version);
            let owner = match known.get(&key) {
                Some(&found) => Attachment::plain(found.bug, Match::Exact, false),
                None => self.assign(report)?,
            };
            known.insert(key, owner);
            // Reports keep the bug that owns their signature; they count to its canonical
            // bug (its dup chain followed), so `bug undup` gives them back exactly.
            let canonical = self.canonical_cached(owner.bug, &mut caches)?;
            let build = self.build_of(report.kernel.as_deref(), seen_on, &mut caches)?;
            let first_in_log = !counted.contains(&canonical);
            let verdict = self.judge(canonical, build, seen_on, first_in_log, &mut caches)?;
            let position = before + position as i64 + 1;
            self.execute(
                "INSERT INTO reports (log_id, position, signature, signature_version, kind, title,
                     labels, time, basis, frames, kernel, bug_id, match_kind, similarity,
                     build_id, fix_state, fix_build, back_after)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                &[
                    log_id.into(),
                    position.into(),
                    report.signature.as_str().into(),
                    i64::from(report.signature_version).into(),
                    report.kind.as_str().into(),
                    report.title.as_str().into(),
                    report.labels.join(",").into(),
                    report.time.into(),
                    report.basis.as_str().into(),
                    report.frames.join("\n").into(),
                    report.kernel.clone().into(),
                    owner.bug.into(),
                    owner.matched.as_str().into(),
                    owner.matched.similarity().into(),
                    build.into(),
                    verdict
                        .fix
                        .map(|f| if f.regression { "regression" } else { "without-fix" })
                        .into(),
                    verdict.fix.map(|f| f.fixed_in).into(),
                    verdict.back_after.map(i64::from).into(),
                ],
            )?;
            if counted.insert(canonical) {
                self.count_log(canonical, log_id, &log.run, seen_on, &report.labels)?;
            }
            self.count_seen(canonical, log.node.as_deref(), build, seen_on)?;
            let crash = match &report.document {
                Some(document) => {
                    if !documented.contains(&owner.bug) {
                        documented.push(owner.bug);
                    }
                    Some(self.store_crash(
                        owner.bug,
                        (log_id, position),
                        &report.signature,
                        log.node.as_deref(),
                        build,
                        seen_on,
                        document,
                    )?)
                }
                None => None,
            };
            out.push(Attachment {
                bug: canonical,
                matched: owner.matched,
                created: owner.created,
                fix: verdict.fix,
                back_after: verdict.back_after,
                crash,
            });
        }
        for bug in documented {
            self.prune_crashes(bug)?;
        }
        // A crash pruned right away has no document to point at.
        if out.iter().any(|a| a.crash.is_some()) {
            for attachment in &mut out {
                if let Some(crash) = attachment.crash {
                    let kept =
                        self.query("SELECT 1 FROM crashes WHERE id = ?1", &[crash.into()])?;
                    if kept.is_empty() {
                        attachment.crash = None;
                    }
                }
            }
        }
        Ok(out)
    }

    fn stored_attachments(&mut self, log_id: i64) -> anyhow::Result<Vec<Attachment>> {
        let rows = self.query(
            "SELECT r.bug_id, r.match_kind, r.similarity, r.fix_state, r.fix_build, r.build_id,
                    r.back_after, c.id
             FROM reports r LEFT JOIN crashes c ON c.log_id = r.log_id AND c.position = r.position
             WHERE r.log_id = ?1 ORDER BY r.position",
            &[log_id.into()],
        )?;
        let mut caches = lifecycle::Caches::default();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let fix = match (
                row[3].opt_text().as_deref(),
                row[4].opt_int(),
                row[5].opt_int(),
            ) {
                (Some(state), Some(fixed_in), Some(seen_on)) => Some(lifecycle::Fix {
                    regression: state == "regression",
                    fixed_in,
                    seen_on,
                }),
                _ => None,
            };
            out.push(Attachment {
                bug: self.canonical_cached(row[0].int(), &mut caches)?,
                matched: match (row[1].text().as_str(), row[2].opt_real()) {
                    ("similar", Some(s)) => Match::Similar(s),
                    ("new", _) => Match::New,
                    _ => Match::Exact,
                },
                created: false,
                fix,
                back_after: row[6].opt_int().map(|d| d as u32),
                crash: row[7].opt_int(),
            });
        }
        Ok(out)
    }

    /// Adds one log to a bug's aggregates (once per log) and its run to the bug's runs.
    fn count_log(
        &mut self,
        bug: i64,
        log_id: i64,
        run: &str,
        seen_on: &str,
        labels: &[String],
    ) -> anyhow::Result<()> {
        let added = self.execute(
            "INSERT INTO bug_logs (bug_id, log_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &[bug.into(), log_id.into()],
        )?;
        if added > 0 {
            self.execute(
                "UPDATE bugs SET n_logs = n_logs + 1,
                     first_seen = CASE WHEN first_seen IS NULL OR ?2 < first_seen THEN ?2 ELSE first_seen END,
                     last_seen = CASE WHEN last_seen IS NULL OR ?2 > last_seen THEN ?2 ELSE last_seen END
                 WHERE id = ?1",
                &[bug.into(), seen_on.into()],
            )?;
        }
        if !labels.is_empty() {
            self.execute(
                "UPDATE bugs SET labels = ?2 WHERE id = ?1",
                &[bug.into(), labels.join(",").into()],
            )?;
        }
        self.execute(
            "INSERT INTO bug_runs (bug_id, run, first_seen) VALUES (?1, ?2, ?3)
             ON CONFLICT (bug_id, run) DO UPDATE SET first_seen =
                 CASE WHEN excluded.first_seen < bug_runs.first_seen THEN excluded.first_seen
                      ELSE bug_runs.first_seen END",
            &[bug.into(), run.into(), seen_on.into()],
        )?;
        Ok(())
    }

    /// The bug of a signature: the exact one, else the most similar founding signature at or
    /// above the threshold (docs/signatures.md, "Bugs"), else a new bug.
    fn assign(&mut self, report: &ReportRecord) -> anyhow::Result<Attachment> {
        let version = i64::from(report.signature_version);
        let exact = self.query(
            "SELECT bug_id FROM signatures WHERE signature = ?1 AND version = ?2",
            &[report.signature.as_str().into(), version.into()],
        )?;
        if let Some(row) = exact.first() {
            return Ok(Attachment::plain(row[0].int(), Match::Exact, false));
        }
        let frames_text = report.frames.join("\n");
        if let Some((bug, similarity, across)) = self.most_similar(report)? {
            self.execute(
                "INSERT INTO signatures (signature, version, bug_id, kind, basis, frames, founding,
                     similarity, match_rule)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
                &[
                    report.signature.as_str().into(),
                    version.into(),
                    bug.into(),
                    report.kind.as_str().into(),
                    report.basis.as_str().into(),
                    frames_text.into(),
                    similarity.into(),
                    self.match_rule(across).into(),
                ],
            )?;
            return Ok(Attachment::plain(bug, Match::Similar(similarity), false));
        }
        let bug = self.create_bug(report)?;
        Ok(Attachment::plain(bug, Match::New, true))
    }

    /// A new bug founded by `report`'s signature, indexed for the fuzzy lookup.
    fn create_bug(&mut self, report: &ReportRecord) -> anyhow::Result<i64> {
        let version = i64::from(report.signature_version);
        let public_id = self.unused_public_id(&report.signature, version)?;
        let rows = self.query(
            "INSERT INTO bugs (public_id, kind, title, labels) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            &[
                public_id.into(),
                report.kind.as_str().into(),
                report.title.as_str().into(),
                report.labels.join(",").into(),
            ],
        )?;
        let bug = rows[0][0].int();
        self.execute(
            "INSERT INTO signatures (signature, version, bug_id, kind, basis, frames, founding)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
             ON CONFLICT (signature, version) DO UPDATE SET bug_id = excluded.bug_id, founding = 1",
            &[
                report.signature.as_str().into(),
                version.into(),
                bug.into(),
                report.kind.as_str().into(),
                report.basis.as_str().into(),
                report.frames.join("\n").into(),
            ],
        )?;
        self.index_signature(report, version)?;
        Ok(bug)
    }

    fn index_signature(&mut self, report: &ReportRecord, version: i64) -> anyhow::Result<()> {
        if matches!(report.basis, Basis::Title | Basis::Fingerprint) || report.frames.is_empty() {
            return Ok(());
        }
        for (pos, frame) in report.frames.iter().enumerate() {
            self.execute(
                "INSERT INTO bug_index (kind, frame, pos, signature, version)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                &[
                    report.kind.as_str().into(),
                    frame.as_str().into(),
                    (pos as i64).into(),
                    report.signature.as_str().into(),
                    version.into(),
                ],
            )?;
        }
        Ok(())
    }

    /// A short id derived from the founding signature: 10 hex characters, longer on the rare
    /// collision.
    fn unused_public_id(&mut self, signature: &str, version: i64) -> anyhow::Result<String> {
        let digest = Sha256::digest(format!("bug|{version}|{signature}").as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        for len in (10..=64).step_by(2) {
            let candidate = &hex[..len];
            let taken = self.query(
                "SELECT 1 FROM bugs WHERE public_id = ?1",
                &[candidate.into()],
            )?;
            if taken.is_empty() {
                return Ok(candidate.to_owned());
            }
        }
        bail!(
            "{}: no free bug id for signature {signature}",
            self.db.name()
        )
    }

    /// The rule that lets a similar match attach, as `bug review` shows it: the threshold and
    /// where it comes from, and `similar_across_functions` when the guilty functions differ.
    fn match_rule(&self, across: bool) -> String {
        let mut rule = format!(
            "similarity >= {:.2} ({})",
            self.similarity, self.similarity_origin
        );
        if across {
            rule.push_str(", across guilty functions ([grouping] similar_across_functions)");
        }
        rule
    }

    /// The most similar founding signature of the same kind, when at or above the threshold:
    /// its bug, the similarity and whether the guilty functions (first frames) differ.
    /// Candidates come from the index: within `e` edits two signatures share a frame among
    /// their first `2e + 1` positions.
    fn most_similar(&mut self, report: &ReportRecord) -> anyhow::Result<Option<(i64, f64, bool)>> {
        let rule = signature::SimilarRule {
            threshold: self.similarity,
            across_functions: self.across_functions,
        };
        if !rule.applies(report.basis, &report.frames) {
            return Ok(None);
        }
        let longest = report.frames.len().max(signature::DEFAULT_DEPTH);
        let edits = ((1.0 - self.similarity) * longest as f64 + 1e-9).floor() as usize;
        let window = (2 * edits + 1).min(report.frames.len());
        let probe: Vec<&String> = report.frames[..window].iter().collect();
        let placeholders: Vec<String> = (0..probe.len()).map(|i| format!("?{}", i + 3)).collect();
        let sql = format!(
            "SELECT DISTINCT s.bug_id, s.frames FROM bug_index i
             JOIN signatures s ON s.signature = i.signature AND s.version = i.version
             WHERE i.kind = ?1 AND i.pos < ?2 AND i.frame IN ({})",
            placeholders.join(", ")
        );
        let mut params: Vec<Value> = vec![report.kind.as_str().into(), (window as i64).into()];
        params.extend(probe.iter().map(|f| Value::from(f.as_str())));
        let candidates: Vec<Candidate> = self
            .query(&sql, &params)?
            .into_iter()
            .map(|row| Candidate {
                bug: row[0].int(),
                frames: split_frames(&row[1].text()),
            })
            .collect();
        // A similar match never crosses the function the title blames (the first frame of a
        // signature, docs/signatures.md) unless the rules say so; `bug review` shows when it did.
        let best = rule
            .best(
                &report.frames,
                candidates
                    .iter()
                    .enumerate()
                    .map(|(idx, candidate)| ((candidate.bug, idx), candidate.frames.as_slice())),
            )
            .map(|((bug, idx), similarity)| {
                let across = candidates[idx].frames.first() != report.frames.first();
                (bug, similarity, across)
            });
        Ok(best)
    }

    /// What the history would say about a report not recorded yet (a live input, recorded when
    /// it ends; a report shown at a pause): its bug, exact or similar, with this log counted as
    /// one more sighting in `run` on `date` (default today) unless the log recorded as
    /// `content_hash` already counts for it; a report of no known bug is new, under the id it
    /// would get. Nothing is written.
    pub fn peek(
        &mut self,
        report: &ReportRecord,
        run: &str,
        date: Option<Date>,
        content_hash: Option<&str>,
    ) -> anyhow::Result<BugHistory> {
        let date = date.unwrap_or_else(|| Date::from_system_time(SystemTime::now()));
        let version = i64::from(report.signature_version);
        let exact = self.query(
            "SELECT bug_id FROM signatures WHERE signature = ?1 AND version = ?2",
            &[report.signature.as_str().into(), version.into()],
        )?;
        let found = match exact.first() {
            Some(row) => Some((row[0].int(), Match::Exact)),
            None => self
                .most_similar(report)?
                .map(|(bug, similarity, _)| (bug, Match::Similar(similarity))),
        };
        let Some((bug, matched)) = found else {
            let digest = Sha256::digest(format!("bug|{version}|{}", report.signature).as_bytes());
            let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
            return Ok(BugHistory {
                bug: hex,
                name: None,
                link: None,
                seen: 1,
                first_seen: Some(date),
                last_seen: Some(date),
                runs: vec![run.to_owned()],
                matched: Match::New,
                created: true,
                status: "open".to_owned(),
                fixed_in: None,
                quiet: false,
                fix: None,
                back_after: None,
                crash: None,
            });
        };
        let bug = self.canonical(bug)?;
        let mut answer = self.bug_history(&Attachment::plain(bug, matched, false))?;
        let counted = match content_hash {
            Some(hash) => !self
                .query(
                    "SELECT 1 FROM bug_logs b JOIN logs l ON l.id = b.log_id
                     WHERE b.bug_id = ?1 AND l.content_hash = ?2",
                    &[bug.into(), hash.into()],
                )?
                .is_empty(),
            None => false,
        };
        let (fix, back_after) = self.judge_peek(bug, report.kernel.as_deref(), date, counted)?;
        answer.fix = fix;
        answer.back_after = back_after;
        if counted {
            return Ok(answer);
        }
        answer.seen += 1;
        answer.first_seen = Some(answer.first_seen.map_or(date, |d| d.min(date)));
        answer.last_seen = Some(answer.last_seen.map_or(date, |d| d.max(date)));
        if !answer.runs.iter().any(|r| r == run) {
            answer.runs.push(run.to_owned());
        }
        Ok(answer)
    }

    /// What the history knows about the bug of an attachment.
    pub fn bug_history(&mut self, attachment: &Attachment) -> anyhow::Result<BugHistory> {
        let bug = self.canonical(attachment.bug)?;
        self.bug_history_at(&Attachment { bug, ..*attachment })
    }

    /// [`History::bug_history`] of the bug row itself (a dup's own, empty, counts).
    fn bug_history_at(&mut self, attachment: &Attachment) -> anyhow::Result<BugHistory> {
        let rows = self.query(
            "SELECT b.public_id, b.name, b.link, b.n_logs, b.first_seen, b.last_seen, b.status, f.name
             FROM bugs b LEFT JOIN builds f ON f.id = b.fixed_in WHERE b.id = ?1",
            &[attachment.bug.into()],
        )?;
        let Some(row) = rows.first() else {
            bail!("{}: bug {} vanished", self.db.name(), attachment.bug);
        };
        let runs = self
            .query(
                "SELECT run FROM bug_runs WHERE bug_id = ?1 ORDER BY first_seen, run",
                &[attachment.bug.into()],
            )?
            .iter()
            .map(|r| r[0].text())
            .collect();
        Ok(BugHistory {
            bug: row[0].text(),
            name: row[1].opt_text(),
            link: row[2].opt_text(),
            seen: row[3].int() as u64,
            first_seen: row[4].opt_text().as_deref().and_then(Date::parse),
            last_seen: row[5].opt_text().as_deref().and_then(Date::parse),
            runs,
            matched: attachment.matched,
            created: attachment.created,
            status: row[6].text(),
            fixed_in: row[7].opt_text().filter(|_| row[6].text() == "fixed"),
            quiet: self.is_quiet(
                row[3].int() as u64,
                row[4].opt_text().as_deref().and_then(Date::parse),
                row[5].opt_text().as_deref().and_then(Date::parse),
            ),
            fix: None,
            back_after: None,
            crash: None,
        })
        .and_then(|mut history| {
            self.annotate_history(attachment, &mut history)?;
            Ok(history)
        })
    }

    /// The bug holding a signature (full id, current version), when recorded.
    pub fn bug_of_signature(&mut self, signature: &str) -> anyhow::Result<Option<i64>> {
        let rows = self.query(
            "SELECT bug_id FROM signatures WHERE signature = ?1 AND version = ?2",
            &[signature.into(), i64::from(signature::VERSION).into()],
        )?;
        Ok(rows.first().map(|r| r[0].int()))
    }

    /// Every live bug seen on or after `since`, most logs first.
    pub fn bugs(&mut self, since: Option<Date>) -> anyhow::Result<Vec<BugRow>> {
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        let ids: Vec<i64> = self
            .query(
                "SELECT id FROM bugs WHERE merged_into IS NULL AND dup_of IS NULL AND last_seen >= ?1
                 ORDER BY n_logs DESC, public_id",
                &[since.into()],
            )?
            .iter()
            .map(|r| r[0].int())
            .collect();
        ids.into_iter().map(|id| self.bug_row(id)).collect()
    }

    fn bug_row(&mut self, id: i64) -> anyhow::Result<BugRow> {
        let history = self.bug_history_at(&Attachment::plain(id, Match::Exact, false))?;
        let rows = self.query(
            "SELECT kind, title, labels FROM bugs WHERE id = ?1",
            &[id.into()],
        )?;
        let signatures = self
            .query(
                "SELECT signature FROM signatures WHERE bug_id = ?1 ORDER BY version DESC, founding DESC, signature",
                &[id.into()],
            )?
            .iter()
            .map(|r| r[0].text())
            .collect();
        Ok(BugRow {
            id: history.bug.clone(),
            kind: rows[0][0].text(),
            title: rows[0][1].text(),
            labels: split_labels(&rows[0][2].text()),
            name: history.name.clone(),
            link: history.link.clone(),
            signatures,
            history,
        })
    }

    /// Resolves a bug id (or unique prefix) to its row, following merges.
    pub fn find_bug(&mut self, prefix: &str) -> anyhow::Result<i64> {
        // A whole id through the index; `LIKE` reads every bug (it is case-insensitive in
        // SQLite and collation-bound in PostgreSQL, so neither uses the index for it).
        let exact = self.query(
            "SELECT id, merged_into FROM bugs WHERE public_id = ?1",
            &[prefix.into()],
        )?;
        if let Some(row) = exact.first() {
            return Ok(row[1].opt_int().unwrap_or(row[0].int()));
        }
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        let rows = self.query(
            "SELECT id, merged_into, public_id FROM bugs WHERE public_id LIKE ?1",
            &[pattern.into()],
        )?;
        // A whole id is never ambiguous, even when a longer one starts with it.
        if let Some(row) = rows.iter().find(|row| row[2].text() == prefix) {
            return Ok(row[1].opt_int().unwrap_or(row[0].int()));
        }
        match rows.as_slice() {
            [row] => Ok(row[1].opt_int().unwrap_or(row[0].int())),
            [] => bail!("{}: no bug {prefix}", self.db.name()),
            _ => bail!(
                "{}: {} bugs start with {prefix}; give more of the id",
                self.db.name(),
                rows.len()
            ),
        }
    }

    /// Details of a bug.
    pub fn bug_details(&mut self, bug: i64) -> anyhow::Result<BugDetails> {
        let row = self.bug_row(bug)?;
        let nodes = self
            .query(
                "SELECT DISTINCT l.node FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.bug_id = ?1 AND l.node IS NOT NULL ORDER BY l.node",
                &[bug.into()],
            )?
            .iter()
            .map(|r| r[0].text())
            .collect();
        let kernels = self
            .query(
                "SELECT DISTINCT kernel FROM reports WHERE bug_id = ?1 AND kernel IS NOT NULL ORDER BY kernel",
                &[bug.into()],
            )?
            .iter()
            .map(|r| r[0].text())
            .collect();
        let status = self.status(bug)?;
        let audit = self.audit(bug)?;
        let mut row = row;
        // A dup's aggregates are its canonical bug's; it shows its own reports instead.
        let (builds, node_counts, counts_to) = if let lifecycle::Status::Dup(_) = status {
            self.own_counts(bug, &mut row.history)?;
            let canonical = self.canonical(bug)?;
            (
                self.own_builds(bug)?,
                self.own_nodes(bug)?,
                Some(self.public_id(canonical)?),
            )
        } else {
            (self.builds_of_bug(bug)?, self.nodes_of_bug(bug)?, None)
        };
        let crashes = self.crashes_of_bug(bug)?;
        Ok(BugDetails {
            row,
            counts_to,
            nodes,
            kernels,
            status,
            audit,
            builds,
            node_counts,
            crashes,
        })
    }

    /// Merges `others` into `into` (like syzbot's `#syz dup`): their signatures, reports, runs
    /// and kept crashes move; their ids keep resolving to `into`. Audited as `who`'s, on
    /// `into` and on each merged bug (`merge`, bug OTHER → bug INTO). A bug that already is
    /// `into` (itself, or merged into it) is refused: there would be nothing to merge.
    pub fn merge_bugs(&mut self, into: i64, others: &[i64], who: &str) -> anyhow::Result<()> {
        let mut merged = Vec::with_capacity(others.len());
        for &other in others {
            if other == into {
                let id = self.public_id(into)?;
                bail!(
                    "{}: an id given is bug {id} itself (or merged into it already); nothing to merge",
                    self.name()
                );
            }
            if !merged.contains(&other) {
                merged.push(other);
            }
        }
        self.write(|history| {
            history.merge_rows(into, &merged)?;
            let into_id = history.public_id(into)?;
            for &other in &merged {
                let other_id = history.public_id(other)?;
                for bug in [into, other] {
                    history.audit_row(
                        bug,
                        who,
                        "merge",
                        Some(format!("bug {other_id}")),
                        Some(format!("bug {into_id}")),
                    )?;
                }
            }
            Ok(())
        })
    }

    /// [`History::merge_bugs`] inside the caller's transaction.
    fn merge_rows(&mut self, into: i64, others: &[i64]) -> anyhow::Result<()> {
        for &other in others.iter().filter(|&&o| o != into) {
            self.execute(
                "UPDATE signatures SET bug_id = ?1 WHERE bug_id = ?2",
                &[into.into(), other.into()],
            )?;
            self.execute(
                "UPDATE reports SET bug_id = ?1 WHERE bug_id = ?2",
                &[into.into(), other.into()],
            )?;
            self.execute(
                "UPDATE bugs SET merged_into = ?1 WHERE id = ?2 OR merged_into = ?2",
                &[into.into(), other.into()],
            )?;
            // A merged bug keeps no aggregates: its reports count in `into`'s, and rows left
            // here would list it under its nodes and builds twice.
            for table in ["bug_logs", "bug_runs", "bug_nodes", "bug_builds"] {
                self.execute(
                    &format!("DELETE FROM {table} WHERE bug_id = ?1"),
                    &[other.into()],
                )?;
            }
            // Its kept crashes go with its reports (`bug show`, `bug pin` find them there).
            self.execute(
                "UPDATE crashes SET bug_id = ?1 WHERE bug_id = ?2",
                &[into.into(), other.into()],
            )?;
        }
        self.recount(into)
    }

    /// Moves one signature (full id or unique prefix) out of `bug` into a bug of its own,
    /// audited on both bugs as `who`'s. Returns the new bug's row.
    pub fn split_bug(
        &mut self,
        bug: i64,
        signature_prefix: &str,
        who: &str,
    ) -> anyhow::Result<i64> {
        let pattern = format!("{}%", signature_prefix.replace(['%', '_'], ""));
        let rows = self.query(
            "SELECT signature, version, kind, basis, frames FROM signatures
             WHERE bug_id = ?1 AND signature LIKE ?2",
            &[bug.into(), pattern.into()],
        )?;
        let row = match rows.as_slice() {
            [row] => row.clone(),
            [] => bail!(
                "{}: the bug has no signature {signature_prefix}",
                self.db.name()
            ),
            _ => bail!(
                "{}: {} of the bug's signatures start with {signature_prefix}; give more of the id",
                self.db.name(),
                rows.len()
            ),
        };
        let total = self.query(
            "SELECT COUNT(*) FROM signatures WHERE bug_id = ?1",
            &[bug.into()],
        )?[0][0]
            .int();
        if total < 2 {
            bail!(
                "{}: the bug has only that signature; nothing to split",
                self.db.name()
            );
        }
        let (signature, version) = (row[0].text(), row[1].int());
        let title_rows = self.query(
            "SELECT title, labels FROM reports WHERE signature = ?1 AND signature_version = ?2 LIMIT 1",
            &[signature.as_str().into(), version.into()],
        )?;
        let (title, labels) = title_rows
            .first()
            .map(|r| (r[0].text(), r[1].text()))
            .unwrap_or_default();
        let record = ReportRecord {
            signature: signature.clone(),
            signature_version: version as u32,
            kind: row[2].text(),
            basis: basis_from_str(&row[3].text()),
            frames: split_frames(&row[4].text()),
            title,
            labels: split_labels(&labels),
            time: None,
            kernel: None,
            document: None,
        };
        self.write(|history| {
            // The signature no longer attracts reports to the old bug.
            history.execute(
                "DELETE FROM bug_index WHERE signature = ?1 AND version = ?2",
                &[signature.as_str().into(), version.into()],
            )?;
            let new_bug = history.create_bug(&record)?;
            history.execute(
                "UPDATE reports SET bug_id = ?1 WHERE signature = ?2 AND signature_version = ?3",
                &[new_bug.into(), signature.as_str().into(), version.into()],
            )?;
            // The kept crashes of those reports go with them.
            history.execute(
                "UPDATE crashes SET bug_id = ?1 WHERE EXISTS (SELECT 1 FROM reports r
                     WHERE r.log_id = crashes.log_id AND r.position = crashes.position
                       AND r.bug_id = ?1)",
                &[new_bug.into()],
            )?;
            // The old bug needs a founding signature left to attract similar reports.
            let founders = history.query(
                "SELECT COUNT(*) FROM signatures WHERE bug_id = ?1 AND founding = 1",
                &[bug.into()],
            )?[0][0]
                .int();
            if founders == 0 {
                let rows = history.query(
                    "SELECT signature, version, kind, basis, frames FROM signatures WHERE bug_id = ?1 ORDER BY signature LIMIT 1",
                    &[bug.into()],
                )?;
                if let Some(row) = rows.first() {
                    let founder = ReportRecord {
                        signature: row[0].text(),
                        signature_version: row[1].int() as u32,
                        kind: row[2].text(),
                        basis: basis_from_str(&row[3].text()),
                        frames: split_frames(&row[4].text()),
                        title: String::new(),
                        labels: Vec::new(),
                        time: None,
                        kernel: None,
                        document: None,
                    };
                    history.execute(
                        "UPDATE signatures SET founding = 1 WHERE signature = ?1 AND version = ?2",
                        &[founder.signature.as_str().into(), row[1].clone()],
                    )?;
                    history.index_signature(&founder, row[1].int())?;
                }
            }
            history.recount(bug)?;
            history.recount(new_bug)?;
            let short = &signature[..12.min(signature.len())];
            let (old_id, new_id) = (history.public_id(bug)?, history.public_id(new_bug)?);
            history.audit_row(
                bug,
                who,
                "split",
                Some(format!("signature {short}")),
                Some(format!("bug {new_id}")),
            )?;
            history.audit_row(
                new_bug,
                who,
                "split",
                Some(format!("bug {old_id}")),
                Some(format!("signature {short}")),
            )?;
            Ok(new_bug)
        })
    }

    /// Recomputes a bug's aggregates from its reports (after merge or split).
    fn recount(&mut self, bug: i64) -> anyhow::Result<()> {
        self.recount_group(bug)
    }

    /// Logs recorded by an older legolog whose reports have no bug yet (see
    /// [`History::regroup_log`]).
    pub fn legacy_logs(&mut self) -> anyhow::Result<Vec<LegacyLog>> {
        Ok(self
            .query(
                "SELECT id, content_hash, path FROM logs
                 WHERE id IN (SELECT log_id FROM reports WHERE bug_id IS NULL) ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| LegacyLog {
                id: r[0].int(),
                content_hash: r[1].text(),
                path: r[2].text(),
            })
            .collect())
    }

    /// Logs recorded under a SHA-256 content key (before schema 3) that were not yet offered a
    /// BLAKE3 one.
    pub fn legacy_keys(&mut self) -> anyhow::Result<Vec<LegacyLog>> {
        Ok(self
            .query(
                "SELECT l.id, l.content_hash, l.path FROM legacy_keys k JOIN logs l ON l.id = k.log_id
                 ORDER BY l.id",
                &[],
            )?
            .iter()
            .map(|r| LegacyLog {
                id: r[0].int(),
                content_hash: r[1].text(),
                path: r[2].text(),
            })
            .collect())
    }

    /// Ends the re-keying of a legacy log in one transaction: with `key` (its file still has
    /// the recorded content), the log takes it; without, it keeps its SHA-256 key. Returns
    /// whether the key changed.
    pub fn rekey_log(&mut self, log: &LegacyLog, key: Option<&str>) -> anyhow::Result<bool> {
        self.write(|history| {
            let taken = match key {
                Some(key) => history
                    .query("SELECT id FROM logs WHERE content_hash = ?1", &[key.into()])?
                    .is_empty(),
                None => false,
            };
            if let (true, Some(key)) = (taken, key) {
                history.db.execute(
                    "UPDATE logs SET content_hash = ?1 WHERE id = ?2",
                    &[key.into(), log.id.into()],
                )?;
            }
            history.db.execute(
                "DELETE FROM legacy_keys WHERE log_id = ?1",
                &[log.id.into()],
            )?;
            Ok(taken)
        })
    }

    /// Gives the reports of a legacy log a bug, in one transaction. With `resigned` (the log
    /// read again, same content, same report count), each report takes its current signature
    /// and frames; without, it keeps its stored signature and joins the bug of that exact
    /// signature (or founds one). Report and log counts never change.
    pub fn regroup_log(
        &mut self,
        log: &LegacyLog,
        resigned: Option<&[ReportRecord]>,
    ) -> anyhow::Result<()> {
        self.write(|history| {
            let rows = history.query(
                "SELECT r.position, r.signature, r.signature_version, r.kind, r.title, r.labels,
                        l.run, l.seen_on, l.node
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.log_id = ?1 AND r.bug_id IS NULL ORDER BY r.position",
                &[log.id.into()],
            )?;
            let resigned = resigned.filter(|records| {
                records.len() as i64
                    == history
                        .query("SELECT n_reports FROM logs WHERE id = ?1", &[log.id.into()])
                        .ok()
                        .and_then(|r| r.first().map(|r| r[0].int()))
                        .unwrap_or(-1)
            });
            let mut caches = lifecycle::Caches::default();
            for row in rows {
                let position = row[0].int();
                let record = match resigned.and_then(|r| r.get(position as usize - 1)) {
                    Some(record) => record.clone(),
                    None => ReportRecord {
                        signature: row[1].text(),
                        signature_version: row[2].int() as u32,
                        kind: row[3].text(),
                        basis: Basis::Title,
                        frames: Vec::new(),
                        title: row[4].text(),
                        labels: split_labels(&row[5].text()),
                        time: None,
                        kernel: None,
                        document: None,
                    },
                };
                let attachment = history.assign(&record)?;
                let canonical = history.canonical_cached(attachment.bug, &mut caches)?;
                let build =
                    history.build_of(record.kernel.as_deref(), &row[7].text(), &mut caches)?;
                let frames = (!record.frames.is_empty()).then(|| record.frames.join("\n"));
                history.execute(
                    "UPDATE reports SET signature = ?3, signature_version = ?4, basis = ?5,
                         frames = ?6, bug_id = ?7, match_kind = ?8, similarity = ?9,
                         kernel = COALESCE(?10, kernel), build_id = COALESCE(?11, build_id)
                     WHERE log_id = ?1 AND position = ?2",
                    &[
                        log.id.into(),
                        position.into(),
                        record.signature.as_str().into(),
                        i64::from(record.signature_version).into(),
                        frames.as_ref().map(|_| record.basis.as_str()).into(),
                        frames.into(),
                        attachment.bug.into(),
                        attachment.matched.as_str().into(),
                        attachment.matched.similarity().into(),
                        record.kernel.clone().into(),
                        build.into(),
                    ],
                )?;
                history.count_log(
                    canonical,
                    log.id,
                    &row[6].text(),
                    &row[7].text(),
                    &record.labels,
                )?;
                history.count_seen(
                    canonical,
                    row[8].opt_text().as_deref(),
                    build,
                    &row[7].text(),
                )?;
            }
            Ok(())
        })
    }

    /// The full ids that start with `prefix`.
    pub fn find_signatures(&mut self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        Ok(self
            .query(
                "SELECT DISTINCT signature FROM reports WHERE signature LIKE ?1",
                &[pattern.into()],
            )?
            .iter()
            .map(|r| r[0].text())
            .collect())
    }

    /// Every recorded report with this signature (full id), oldest first.
    pub fn occurrences(&mut self, signature: &str) -> anyhow::Result<Vec<Occurrence>> {
        Ok(self
            .query(
                "SELECT l.run, l.seen_on, l.path, r.position, r.title
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.signature = ?1 ORDER BY l.seen_on, l.run, r.position",
                &[signature.into()],
            )?
            .iter()
            .map(|row| Occurrence {
                run: row[0].text(),
                date: Date::parse(&row[1].text()),
                path: row[2].text(),
                position: row[3].int() as u64,
                title: row[4].text(),
            })
            .collect())
    }

    /// The bug's founding signature closest to `frames`: (id, frames, similarity).
    pub fn closest_founder(
        &mut self,
        bug: &str,
        frames: &[String],
    ) -> anyhow::Result<Option<(String, Vec<String>, f64)>> {
        let bug = self.find_bug(bug)?;
        let rows = self.query(
            "SELECT signature, frames FROM signatures WHERE bug_id = ?1 AND founding = 1",
            &[bug.into()],
        )?;
        Ok(rows
            .iter()
            .map(|row| {
                let theirs = split_frames(&row[1].text());
                let similarity = signature::similarity(&theirs, frames);
                (row[0].text(), theirs, similarity)
            })
            .max_by(|a, b| a.2.total_cmp(&b.2)))
    }

    /// Number of logs, reports and live bugs recorded.
    pub fn counts(&mut self) -> anyhow::Result<(u64, u64, u64)> {
        let rows = self.query(
            "SELECT (SELECT COUNT(*) FROM logs), (SELECT COUNT(*) FROM reports),
                    (SELECT COUNT(*) FROM bugs WHERE merged_into IS NULL AND dup_of IS NULL)",
            &[],
        )?;
        Ok((
            rows[0][0].int() as u64,
            rows[0][1].int() as u64,
            rows[0][2].int() as u64,
        ))
    }
}

fn split_labels(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn split_frames(text: &str) -> Vec<String> {
    text.split('\n')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn basis_from_str(text: &str) -> Basis {
    match text {
        "trusted" => Basis::Trusted,
        "rip" => Basis::Rip,
        "unreliable" => Basis::Unreliable,
        "header" => Basis::Header,
        "fingerprint" => Basis::Fingerprint,
        _ => Basis::Title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(signature: &str, frames: &[&str]) -> ReportRecord {
        ReportRecord {
            signature: signature.to_owned(),
            signature_version: signature::VERSION,
            kind: "lego-watchdog".to_owned(),
            basis: Basis::Trusted,
            frames: frames.iter().map(|s| (*s).to_owned()).collect(),
            title: "t".to_owned(),
            labels: vec!["cq-stall".to_owned()],
            time: Some(1.5),
            kernel: None,
            document: None,
        }
    }

    fn log(hash: &str, run: &str, reports: Vec<ReportRecord>) -> LogRecord {
        LogRecord {
            content_hash: hash.to_owned(),
            path: format!("/logs/{run}.log"),
            run: run.to_owned(),
            node: None,
            date: Date::parse("2018-08-26"),
            reports,
        }
    }

    const F: &[&str] = &["a", "b", "c", "d", "e"];

    #[test]
    fn recording_twice_counts_once_and_similar_signatures_share_a_bug() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut history = History::open(&path).unwrap();
        let first = history
            .record(&[log(
                "h1",
                "0826-w9-1",
                vec![report("s1", F), report("s1", F)],
            )])
            .unwrap();
        assert_eq!(first[0][0].matched, Match::New);
        assert_eq!(first[0][1].matched, Match::Exact);
        let again = history
            .record(&[log(
                "h1",
                "0826-w9-1",
                vec![report("s1", F), report("s1", F)],
            )])
            .unwrap();
        assert_eq!(again[0][0].bug, first[0][0].bug);
        assert_eq!(history.bug_history(&first[0][0]).unwrap().seen, 1);
        assert_eq!(history.counts().unwrap(), (1, 2, 1));
        // One renamed frame: the same bug, matched as similar.
        let renamed = history
            .record(&[log(
                "h2",
                "0827-w9-2",
                vec![report("s2", &["a", "x", "c", "d", "e"])],
            )])
            .unwrap();
        assert_eq!(renamed[0][0].bug, first[0][0].bug);
        assert_eq!(renamed[0][0].matched, Match::Similar(0.8));
        let summary = history.bug_history(&renamed[0][0]).unwrap();
        assert_eq!(summary.seen, 2);
        assert_eq!(summary.runs, vec!["0826-w9-1", "0827-w9-2"]);
        // Two frames off the founding signature: not chained through s2.
        let far = history
            .record(&[log(
                "h3",
                "0828-w9-3",
                vec![report("s3", &["a", "x", "y", "d", "e"])],
            )])
            .unwrap();
        assert_ne!(far[0][0].bug, first[0][0].bug);
        drop(history);
        let mut history = History::open(&path).unwrap();
        assert_eq!(history.counts().unwrap(), (3, 4, 2));
        assert_eq!(history.find_signatures("s").unwrap().len(), 3);
    }

    #[test]
    fn merge_and_split() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::open(&dir.path().join("h.sqlite3")).unwrap();
        let a = history
            .record(&[log("h1", "r1", vec![report("s1", F)])])
            .unwrap()[0][0];
        let b = history
            .record(&[log("h2", "r2", vec![report("s2", &["p", "q", "r"])])])
            .unwrap()[0][0];
        let (a_id, b_id) = (
            history.public_id(a.bug).unwrap(),
            history.public_id(b.bug).unwrap(),
        );
        history.merge_bugs(a.bug, &[b.bug], "tester").unwrap();
        assert_eq!(history.bug_history(&a).unwrap().seen, 2);
        assert_eq!(history.find_bug(&b_id).unwrap(), a.bug);
        // Who merged what into what, on both bugs.
        for bug in [a.bug, b.bug] {
            let audit = history.audit(bug).unwrap();
            let rows: Vec<_> = audit
                .iter()
                .map(|r| {
                    (
                        r.who.as_str(),
                        r.what.as_str(),
                        r.old.clone(),
                        r.new.clone(),
                    )
                })
                .collect();
            assert_eq!(
                rows,
                [(
                    "tester",
                    "merge",
                    Some(format!("bug {b_id}")),
                    Some(format!("bug {a_id}"))
                )]
            );
        }
        // A bug merged already is the bug itself: nothing to merge, nothing written.
        let b_now = history.find_bug(&b_id).unwrap();
        let err = history.merge_bugs(a.bug, &[b_now], "tester").unwrap_err();
        assert!(format!("{err:#}").contains("nothing to merge"), "{err:#}");
        assert_eq!(history.audit(a.bug).unwrap().len(), 1);
        assert_eq!(history.counts().unwrap().2, 1);
        let split = history.split_bug(a.bug, "s2", "tester").unwrap();
        assert_eq!(history.bug_history(&a).unwrap().seen, 1);
        let after = history
            .record(&[log("h3", "r3", vec![report("s2", &["p", "q", "r"])])])
            .unwrap()[0][0];
        assert_eq!(after.bug, split);
        assert_eq!(history.counts().unwrap(), (3, 3, 2));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let junk = b"this is not sqlite at all, just text that is long enough ".repeat(100);
        std::fs::write(&path, &junk).unwrap();
        let err = History::open(&path).err().unwrap();
        let text = format!("{err:#}");
        assert!(text.contains("h.sqlite3: not a SQLite database"), "{text}");
        assert_eq!(std::fs::read(&path).unwrap(), junk);
    }

    #[test]
    fn another_programs_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let text = format!("{:#}", History::open(&path).err().unwrap());
        assert!(text.contains("holds other tables"), "{text}");
    }
}
