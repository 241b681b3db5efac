//! The run history: an embedded SQLite database of every report seen, keyed so that reading
//! the same log twice never counts twice.
//!
//! Schema (version in `PRAGMA user_version`, migrations in [`MIGRATIONS`]):
//! `logs` has one row per distinct log *content* (SHA-256 of the decompressed bytes), with the
//! first path and run it was seen under; `reports` has one row per report position in a log.
//! Every write is one `BEGIN IMMEDIATE` transaction, so a crash leaves either all of a batch
//! or none of it; a second process waits up to [`BUSY_TIMEOUT`] for the lock.

use crate::run::Date;
use anyhow::{anyhow, bail};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a write waits for another process holding the database (override with the
/// environment variable `LEGOLOG_BUSY_TIMEOUT_MS`).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

fn busy_timeout() -> Duration {
    std::env::var("LEGOLOG_BUSY_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(BUSY_TIMEOUT, Duration::from_millis)
}

/// `PRAGMA application_id` of a legolog history ("LgLg"), so another program's SQLite file
/// is recognized and left alone.
const APPLICATION_ID: i32 = 0x4c67_4c67;

/// Schema migrations; `user_version` is the number applied. Never edit one that shipped:
/// append a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: logs and reports.
    "CREATE TABLE logs (
         id INTEGER PRIMARY KEY,
         content_hash TEXT NOT NULL UNIQUE,
         path TEXT NOT NULL,
         run TEXT NOT NULL,
         seen_on TEXT NOT NULL,
         recorded_at INTEGER NOT NULL,
         n_reports INTEGER NOT NULL
     );
     CREATE TABLE reports (
         log_id INTEGER NOT NULL REFERENCES logs(id),
         position INTEGER NOT NULL,
         signature TEXT NOT NULL,
         signature_version INTEGER NOT NULL,
         kind TEXT NOT NULL,
         title TEXT NOT NULL,
         labels TEXT NOT NULL,
         time REAL,
         PRIMARY KEY (log_id, position)
     );
     CREATE INDEX reports_by_signature ON reports(signature, signature_version);",
];

/// One log to record.
#[derive(Debug, Clone)]
pub struct LogRecord {
    /// SHA-256 of the log's decompressed content, hex.
    pub content_hash: String,
    /// The path it was read from (`-` for stdin).
    pub path: String,
    /// Run name (`0826-w9-1`).
    pub run: String,
    /// The run date, when known; otherwise today is recorded.
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
    /// Title.
    pub title: String,
    /// Matched rule names.
    pub labels: Vec<String>,
    /// Kernel timestamp of the report, seconds.
    pub time: Option<f64>,
}

/// What the history knows about one signature.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureHistory {
    /// Distinct logs with this signature.
    pub seen: u64,
    /// Earliest date of those logs.
    pub first_seen: Option<Date>,
    /// Latest date of those logs.
    pub last_seen: Option<Date>,
    /// Distinct run names, oldest first.
    pub runs: Vec<String>,
}

/// A row of `legolog history`.
#[derive(Debug, Clone)]
pub struct SignatureRow {
    /// Full signature id.
    pub signature: String,
    /// Kind name.
    pub kind: String,
    /// The latest title recorded for it.
    pub title: String,
    /// Labels of the latest record.
    pub labels: Vec<String>,
    /// Counts, dates and runs.
    pub history: SignatureHistory,
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

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl History {
    /// `$XDG_DATA_HOME/legolog/history.sqlite3`, else `~/.local/share/legolog/history.sqlite3`.
    pub fn default_path() -> Option<PathBuf> {
        crate::dirs::data_home().map(|dir| dir.join("legolog").join("history.sqlite3"))
    }

    /// Opens (creating when missing) and migrates the database at `path`.
    ///
    /// A file that is not a legolog history (corrupt, another program's database, a newer
    /// schema) is an error naming the file; it is never overwritten.
    pub fn open(path: &Path) -> anyhow::Result<History> {
        crate::dbfile::check_path(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| {
                anyhow!(
                    "{}: cannot create the history directory: {err}",
                    parent.display()
                )
            })?;
        }
        if std::fs::symlink_metadata(path).is_err() {
            crate::dbfile::create_new(path, |new| {
                History::open_file(new, OpenFlags::SQLITE_OPEN_CREATE).map(drop)
            })?;
        }
        History::open_file(path, OpenFlags::empty())
    }

    /// Opens (with `create`, creating) and migrates the database file at `path`.
    fn open_file(path: &Path, create: OpenFlags) -> anyhow::Result<History> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | create;
        let conn = Connection::open_with_flags(path, flags).map_err(|err| db_error(path, err))?;
        conn.busy_timeout(busy_timeout())
            .map_err(|err| db_error(path, err))?;
        crate::dbfile::harden(&conn, path, |err| db_error(path, err))?;
        let mut history = History {
            conn,
            path: path.to_owned(),
        };
        history.migrate()?;
        Ok(history)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self) -> anyhow::Result<()> {
        let path = self.path.clone();
        let err = |e| db_error(&path, e);
        // Reading the header is where a corrupt file shows itself (SQLITE_NOTADB).
        let (version, app_id, n_tables) = read_header(&self.conn).map_err(err)?;
        check_header(&self.path, version, app_id, n_tables)?;
        if version as usize == MIGRATIONS.len() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        // Another process may have migrated while we waited for the lock.
        let (version, app_id, n_tables) = read_header(&tx).map_err(err)?;
        check_header(&self.path, version, app_id, n_tables)?;
        for migration in &MIGRATIONS[version as usize..] {
            tx.execute_batch(migration).map_err(err)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(err)?;
        tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// Records logs and their reports in one transaction. A log whose content was recorded
    /// before is left as it is (idempotent).
    pub fn record(&mut self, logs: &[LogRecord]) -> anyhow::Result<()> {
        let path = self.path.clone();
        let err = |e| db_error(&path, e);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let today = Date::from_system_time(SystemTime::now());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut insert_log = tx
                .prepare_cached(
                    "INSERT INTO logs (content_hash, path, run, seen_on, recorded_at, n_reports)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (content_hash) DO NOTHING",
                )
                .map_err(err)?;
            let mut insert_report = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO reports
                     (log_id, position, signature, signature_version, kind, title, labels, time)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            for log in logs {
                let seen_on = log.date.unwrap_or(today).to_string();
                let inserted = insert_log
                    .execute(params![
                        log.content_hash,
                        log.path,
                        log.run,
                        seen_on,
                        now,
                        log.reports.len() as i64
                    ])
                    .map_err(err)?;
                if inserted == 0 {
                    continue;
                }
                let log_id = tx.last_insert_rowid();
                for (position, report) in log.reports.iter().enumerate() {
                    insert_report
                        .execute(params![
                            log_id,
                            position as i64 + 1,
                            report.signature,
                            report.signature_version,
                            report.kind,
                            report.title,
                            report.labels.join(","),
                            report.time
                        ])
                        .map_err(err)?;
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// Counts, dates and runs for one signature (full id).
    pub fn summary(&self, signature: &str, version: u32) -> anyhow::Result<SignatureHistory> {
        let err = |e| db_error(&self.path, e);
        let (seen, first, last): (i64, Option<String>, Option<String>) = self
            .conn
            .prepare_cached(
                "SELECT COUNT(DISTINCT l.id), MIN(l.seen_on), MAX(l.seen_on)
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.signature = ?1 AND r.signature_version = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![signature, version], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
            })
            .map_err(err)?;
        let runs = self
            .conn
            .prepare_cached(
                "SELECT l.run FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.signature = ?1 AND r.signature_version = ?2
                 GROUP BY l.run ORDER BY MIN(l.seen_on), l.run",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![signature, version], |row| row.get(0))?
                    .collect::<Result<Vec<String>, _>>()
            })
            .map_err(err)?;
        Ok(SignatureHistory {
            seen: seen as u64,
            first_seen: first.as_deref().and_then(Date::parse),
            last_seen: last.as_deref().and_then(Date::parse),
            runs,
        })
    }

    /// Every signature seen on or after `since` (by run date), most frequent first.
    pub fn signatures(&self, since: Option<Date>) -> anyhow::Result<Vec<SignatureRow>> {
        let err = |e| db_error(&self.path, e);
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        let rows: Vec<(String, u32, String, String, String)> = self
            .conn
            .prepare(
                // SQLite takes bare columns from the row that holds the MAX(): the latest.
                "SELECT r.signature, r.signature_version, r.kind, r.title, r.labels,
                        MAX(l.recorded_at * 100000 + l.id)
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE l.seen_on >= ?1
                 GROUP BY r.signature, r.signature_version",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![since], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                })?
                .collect()
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for (signature, version, kind, title, labels) in rows {
            let history = self.summary(&signature, version)?;
            out.push(SignatureRow {
                signature,
                kind,
                title,
                labels: split_labels(&labels),
                history,
            });
        }
        out.sort_by(|a, b| {
            b.history
                .seen
                .cmp(&a.history.seen)
                .then_with(|| a.signature.cmp(&b.signature))
        });
        Ok(out)
    }

    /// The full ids that start with `prefix`.
    pub fn find_signatures(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let err = |e| db_error(&self.path, e);
        self.conn
            .prepare("SELECT DISTINCT signature FROM reports WHERE substr(signature, 1, ?2) = ?1")
            .and_then(|mut stmt| {
                stmt.query_map(params![prefix, prefix.len() as i64], |row| row.get(0))?
                    .collect()
            })
            .map_err(err)
    }

    /// Every recorded report with this signature (full id), oldest first.
    pub fn occurrences(&self, signature: &str) -> anyhow::Result<Vec<Occurrence>> {
        let err = |e| db_error(&self.path, e);
        self.conn
            .prepare(
                "SELECT l.run, l.seen_on, l.path, r.position, r.title
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 WHERE r.signature = ?1 ORDER BY l.seen_on, l.run, r.position",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![signature], |row| {
                    let date: String = row.get(1)?;
                    Ok(Occurrence {
                        run: row.get(0)?,
                        date: Date::parse(&date),
                        path: row.get(2)?,
                        position: row.get::<_, i64>(3)? as u64,
                        title: row.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(err)
    }

    /// Number of logs and reports recorded.
    pub fn counts(&self) -> anyhow::Result<(u64, u64)> {
        let err = |e| db_error(&self.path, e);
        self.conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM logs), (SELECT COUNT(*) FROM reports)",
                [],
                |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
            )
            .map_err(err)
    }
}

fn split_labels(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn read_header(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let version = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let app_id = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    let n_tables = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |row| row.get(0),
    )?;
    Ok((version, app_id, n_tables))
}

fn check_header(path: &Path, version: i64, app_id: i64, n_tables: i64) -> anyhow::Result<()> {
    let shown = path.display();
    if app_id != 0 && app_id != i64::from(APPLICATION_ID) {
        bail!(
            "{shown}: not a legolog history database (application id {app_id:#x}); left untouched"
        );
    }
    if app_id == 0 && n_tables > 0 {
        bail!("{shown}: not a legolog history database (it holds other tables); left untouched");
    }
    if version < 0 || version as usize > MIGRATIONS.len() {
        bail!(
            "{shown}: history schema version {version} is newer than this legolog knows ({}); left untouched",
            MIGRATIONS.len()
        );
    }
    Ok(())
}

/// One line naming the database and the problem.
fn db_error(path: &Path, err: rusqlite::Error) -> anyhow::Error {
    let shown = path.display();
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            anyhow!("{shown}: not a SQLite database (corrupt or another kind of file); left untouched, move it away or pass --db/--no-db")
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            anyhow!("{shown}: the history database is corrupt; left untouched, move it away or pass --db/--no-db")
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => anyhow!(
            "{shown}: the history database is locked by another process (waited {} ms)",
            busy_timeout().as_millis()
        ),
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
            anyhow!("{shown}: cannot write the history database: {err}")
        }
        _ => anyhow!("{shown}: history database error: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(hash: &str, run: &str, signatures: &[&str]) -> LogRecord {
        LogRecord {
            content_hash: hash.to_owned(),
            path: format!("/logs/{run}.log"),
            run: run.to_owned(),
            date: Date::parse("2018-08-26"),
            reports: signatures
                .iter()
                .map(|s| ReportRecord {
                    signature: (*s).to_owned(),
                    signature_version: 1,
                    kind: "lego-watchdog".to_owned(),
                    title: "t".to_owned(),
                    labels: vec!["cq-stall".to_owned()],
                    time: Some(1.5),
                })
                .collect(),
        }
    }

    #[test]
    fn recording_twice_counts_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut history = History::open(&path).unwrap();
        history
            .record(&[log("h1", "0826-w9-1", &["s1", "s1"])])
            .unwrap();
        history
            .record(&[log("h1", "0826-w9-1", &["s1", "s1"])])
            .unwrap();
        assert_eq!(history.summary("s1", 1).unwrap().seen, 1);
        assert_eq!(history.counts().unwrap(), (1, 2));
        history.record(&[log("h2", "0827-w9-2", &["s1"])]).unwrap();
        let summary = history.summary("s1", 1).unwrap();
        assert_eq!(summary.seen, 2);
        assert_eq!(summary.runs, vec!["0826-w9-1", "0827-w9-2"]);
        drop(history);
        // Reopening does not migrate again.
        let history = History::open(&path).unwrap();
        assert_eq!(history.counts().unwrap(), (2, 3));
        assert_eq!(history.find_signatures("s").unwrap(), vec!["s1"]);
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
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let text = format!("{:#}", History::open(&path).err().unwrap());
        assert!(text.contains("holds other tables"), "{text}");
    }
}
