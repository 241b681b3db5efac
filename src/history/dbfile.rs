//! History files are data, not code: what is checked before and right after a history database
//! is opened, whatever the backend code around it.
//!
//! * [`check_path`]: a database is only ever created where nothing exists. An existing file
//!   must be a regular file holding an SQLite database; an empty file, a non-database file, a
//!   directory, a device, a FIFO or a dangling symlink is refused, never replaced.
//! * [`harden`]: the connection runs with `SQLITE_DBCONFIG_DEFENSIVE` and without trusting the
//!   schema (`trusted_schema = OFF`), and a database carrying a trigger or view (legolog creates
//!   none) is refused before anything is written, so no SQL from the file ever runs.

use anyhow::{anyhow, bail};
use rusqlite::config::DbConfig;
use rusqlite::Connection;
use std::io::Read;
use std::path::Path;

/// The first bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Whether `path` may be opened as a history: `Ok(())` when it does not exist (and is not a
/// dangling symlink) or is a regular file that starts like an SQLite database.
pub fn check_path(path: &Path) -> anyhow::Result<()> {
    let shown = path.display();
    let link = match std::fs::symlink_metadata(path) {
        Ok(link) => link,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => bail!("{shown}: cannot use as history: {err}"),
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if link.file_type().is_symlink() => {
            bail!("{shown}: a symlink to nothing ({err}); no history is created through it")
        }
        Err(err) => bail!("{shown}: cannot use as history: {err}"),
    };
    if !meta.is_file() {
        bail!("{shown}: not a regular file; a history is a database file");
    }
    if meta.len() == 0 {
        bail!("{shown}: an empty file, not a legolog history; it is left alone");
    }
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|file| file.take(16).read(&mut head))
        .map_err(|err| anyhow!("{shown}: cannot read: {err}"))?;
    if n < head.len() || &head != SQLITE_MAGIC {
        bail!("{shown}: not a SQLite database (not a legolog history); it is left alone");
    }
    Ok(())
}

/// Creates the database at `path`, which does not exist, without ever showing an empty or
/// half-made file there: `init` builds it under a temporary name in the same directory, and it
/// is linked into place only if `path` is still free (a concurrent process that won keeps its
/// file). An empty file at `path` is therefore never a history being created.
pub fn create_new(
    path: &Path,
    init: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = path.with_file_name(format!(".{name}.{}.{nanos}.new", std::process::id()));
    // `init` may build the file without syncs: it is on disk before its name is.
    let synced = |()| {
        std::fs::File::open(&tmp)
            .and_then(|file| file.sync_all())
            .map_err(|err| anyhow!("{}: cannot create the history: {err}", path.display()))
    };
    let made = init(&tmp)
        .and_then(synced)
        .and_then(|()| match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(err) => Err(anyhow!(
                "{}: cannot create the history: {err}",
                path.display()
            )),
        });
    let _ = std::fs::remove_file(&tmp);
    made
}

/// Turns on SQLite's defensive settings for `conn` and refuses a database that carries
/// triggers or views: legolog creates neither, so one is foreign code waiting to run. SQLite's
/// errors are explained by `sql_error`.
pub fn harden(
    conn: &Connection,
    path: &Path,
    sql_error: impl Fn(rusqlite::Error) -> anyhow::Error,
) -> anyhow::Result<()> {
    let shown = path.display();
    let setting = |err| anyhow!("{shown}: cannot make the connection defensive: {err}");
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
        .map_err(setting)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)
        .map_err(setting)?;
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(setting)?;
    let foreign: Vec<(String, String)> = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .map_err(sql_error)?;
    if let Some((kind, name)) = foreign.first() {
        bail!(
            "{shown}: refused: it carries a {kind} `{name}` legolog did not create ({} in all); \
             the file is left unchanged",
            foreign.len()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_missing_paths_and_sqlite_files_pass() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("new.sqlite3");
        assert!(check_path(&missing).is_ok());
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert!(format!("{:#}", check_path(&empty).unwrap_err()).contains("empty file"));
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, b"my notes, not a database at all").unwrap();
        assert!(check_path(&text).is_err());
        assert!(check_path(dir.path()).is_err());
        assert!(check_path(Path::new("/dev/null")).is_err());
        let dangling = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(format!("{:#}", check_path(&dangling).unwrap_err()).contains("symlink"));
        let db = dir.path().join("real.sqlite3");
        Connection::open(&db)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(check_path(&db).is_ok());
    }

    #[test]
    fn triggers_and_views_are_refused() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        let plain = |err| anyhow!("{err}");
        assert!(harden(&conn, Path::new("m"), plain).is_ok());
        conn.execute_batch("CREATE TRIGGER boom AFTER INSERT ON t BEGIN SELECT 1; END")
            .unwrap();
        let err = format!("{:#}", harden(&conn, Path::new("m"), plain).unwrap_err());
        assert!(err.contains("trigger `boom`"), "{err}");
    }
}
