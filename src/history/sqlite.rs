//! The SQLite backend: one file, `PRAGMA user_version` for the schema, `application_id` to
//! recognize a legolog history, `BEGIN IMMEDIATE` write transactions with a busy timeout.

use super::backend::{Backend, Dialect, Value};
use anyhow::{anyhow, bail};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::Path;
use std::time::Duration;

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
pub const APPLICATION_ID: i32 = 0x4c67_4c67;

/// An open SQLite history file.
pub struct Sqlite {
    conn: Connection,
    name: String,
}

impl Sqlite {
    /// Creates the directory a history file goes in.
    pub fn make_parent(path: &Path) -> anyhow::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| {
                anyhow!(
                    "{}: cannot create the history directory: {err}",
                    parent.display()
                )
            })?;
        }
        Ok(())
    }

    /// Opens the file at `path` (creating it only with `create`) over a defensive connection
    /// that refuses foreign triggers and views ([`crate::history::dbfile::harden`]).
    pub fn open(path: &Path, create: bool) -> anyhow::Result<Sqlite> {
        let name = path.display().to_string();
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|err| db_error(&name, err))?;
        conn.busy_timeout(busy_timeout())
            .map_err(|err| db_error(&name, err))?;
        crate::history::dbfile::harden(&conn, path, |err| db_error(&name, err))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Sqlite { conn, name })
    }

    /// Makes this connection write without a journal file or syncs: for a new file built under
    /// a temporary name, which is synced once and linked into place only when complete
    /// ([`crate::history::dbfile::create_new`]); a crash leaves only the temporary file.
    pub fn build_aside(&self) -> anyhow::Result<()> {
        self.conn
            .execute_batch("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;")
            .map_err(|err| self.err(err))
    }

    /// Opens the existing file at `path` for reading only (`SQLITE_OPEN_READ_ONLY`): no
    /// statement on this connection can change the file, its journal or its mtime.
    pub fn open_read_only(path: &Path) -> anyhow::Result<Sqlite> {
        let name = path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|err| db_error(&name, err))?;
        conn.busy_timeout(busy_timeout())
            .map_err(|err| db_error(&name, err))?;
        crate::history::dbfile::harden(&conn, path, |err| db_error(&name, err))?;
        conn.set_prepared_statement_cache_capacity(64);
        // 16 MiB of pages (the default is 2 MiB): a dashboard's connection reads the same bug
        // and index pages request after request, and at 1M reports a page's rows no longer
        // fit the default, so every page read them again from the file.
        conn.pragma_update(None, "cache_size", -16384)
            .map_err(|err| db_error(&name, err))?;
        Ok(Sqlite { conn, name })
    }

    fn err(&self, err: rusqlite::Error) -> anyhow::Error {
        db_error(&self.name, err)
    }
}

fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Int(v) => SqlValue::Integer(*v),
        Value::Real(v) => SqlValue::Real(*v),
        Value::Text(v) => SqlValue::Text(v.clone()),
        Value::Bytes(v) => SqlValue::Blob(v.clone()),
    }
}

fn from_sql(value: SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(v) => Value::Int(v),
        SqlValue::Real(v) => Value::Real(v),
        SqlValue::Text(v) => Value::Text(v),
        SqlValue::Blob(v) => Value::Bytes(v),
    }
}

impl Backend for Sqlite {
    fn name(&self) -> &str {
        &self.name
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn schema_version(&mut self) -> anyhow::Result<i64> {
        // Reading the header is where a corrupt file shows itself (SQLITE_NOTADB).
        let header = (|| -> rusqlite::Result<(i64, i64, i64)> {
            let version = self
                .conn
                .query_row("PRAGMA user_version", [], |row| row.get(0))?;
            let app_id = self
                .conn
                .query_row("PRAGMA application_id", [], |row| row.get(0))?;
            let n_tables = self.conn.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |row| row.get(0),
            )?;
            Ok((version, app_id, n_tables))
        })();
        let (version, app_id, n_tables) = header.map_err(|e| self.err(e))?;
        let shown = &self.name;
        if app_id != 0 && app_id != i64::from(APPLICATION_ID) {
            bail!("{shown}: not a legolog history database (application id {app_id:#x}); left untouched");
        }
        if app_id == 0 && n_tables > 0 {
            bail!(
                "{shown}: not a legolog history database (it holds other tables); left untouched"
            );
        }
        Ok(version)
    }

    fn set_schema_version(&mut self, version: i64) -> anyhow::Result<()> {
        self.conn
            .pragma_update(None, "application_id", APPLICATION_ID)
            .and_then(|()| self.conn.pragma_update(None, "user_version", version))
            .map_err(|e| self.err(e))
    }

    fn begin(&mut self) -> anyhow::Result<()> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))
    }

    fn commit(&mut self) -> anyhow::Result<()> {
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn batch(&mut self, sql: &str) -> anyhow::Result<()> {
        self.conn.execute_batch(sql).map_err(|e| self.err(e))
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<u64> {
        let params: Vec<SqlValue> = params.iter().map(to_sql).collect();
        self.conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute(rusqlite::params_from_iter(params)))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Vec<Vec<Value>>> {
        let params: Vec<SqlValue> = params.iter().map(to_sql).collect();
        let result = (|| {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let n = stmt.column_count();
            let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| {
                (0..n)
                    .map(|idx| row.get::<_, SqlValue>(idx).map(from_sql))
                    .collect::<rusqlite::Result<Vec<Value>>>()
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })();
        result.map_err(|e| self.err(e))
    }
}

/// One line naming the database and the problem.
fn db_error(shown: &str, err: rusqlite::Error) -> anyhow::Error {
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
