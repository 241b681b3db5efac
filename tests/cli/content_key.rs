//! Issue 15: a log's content key is BLAKE3 (fast enough to keep up with the scan); histories
//! recorded under SHA-256 keys are migrated without losing a row or counting a log twice.

use crate::util::{legolog, seed_copies, succeed};
use std::path::Path;

fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn keys(db: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT path, content_hash FROM logs ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn issue_15_content_keys_are_blake3_of_the_decompressed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let logs = seed_copies(dir.path(), "k", 1);
    let log = std::fs::read_dir(&logs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let db = dir.path().join("h.sqlite3");
    succeed(legolog().arg("analyze").arg("--db").arg(&db).arg(&log));
    let expected = format!(
        "b3:{}",
        blake3::hash(&std::fs::read(&log).unwrap()).to_hex()
    );
    assert_eq!(keys(&db), vec![(log.display().to_string(), expected)]);
}

#[test]
fn issue_15_sha256_keyed_history_is_rekeyed_keeping_every_row() {
    use legolog::history::backend::Dialect;
    let dir = tempfile::tempdir().unwrap();
    let logs = seed_copies(dir.path(), "k", 2);
    let mut paths: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    // A schema-2 history as the previous legolog wrote it: two logs under SHA-256 keys, their
    // reports not yet grouped (so the migration also re-signs them from the files).
    let db = dir.path().join("h.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    for step in &legolog::history::schema::migrations(Dialect::Sqlite)[..2] {
        conn.execute_batch(step).unwrap();
    }
    for (idx, path) in paths.iter().enumerate() {
        let id = idx as i64 + 1;
        conn.execute(
            "INSERT INTO logs (id, content_hash, path, run, seen_on, recorded_at, n_reports)
             VALUES (?1, ?2, ?3, ?4, '2018-08-26', 0, 1)",
            rusqlite::params![
                id,
                sha256_file(path),
                path.display().to_string(),
                format!("0826-w{idx}-{idx}")
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO reports (log_id, position, signature, signature_version, kind, title, labels)
             VALUES (?1, 1, 'old', 2, 'lego-watchdog', 'watchdog: worker stuck in mlx4_ib_poll_cq', 'cq-stall')",
            rusqlite::params![id],
        )
        .unwrap();
    }
    conn.execute_batch("PRAGMA application_id = 1281838183; PRAGMA user_version = 2;")
        .unwrap();
    drop(conn);
    let gone = &paths[1];
    let gone_key = sha256_file(gone);
    std::fs::remove_file(gone).unwrap();

    // Analyzing the remaining log again: it is the log recorded before, not a new one.
    let output = succeed(
        legolog()
            .args(["analyze", "--format", "json", "--db"])
            .arg(&db)
            .arg(&paths[0]),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gave 1 of 2 log(s)"),
        "the migration says what it did: {stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["reports"][0]["history"]["seen"], 1,
        "the analyzed log is the one recorded before: {json:#}"
    );
    let after = keys(&db);
    assert_eq!(after.len(), 2, "no row dropped, none added: {after:?}");
    let kept = format!(
        "b3:{}",
        blake3::hash(&std::fs::read(&paths[0]).unwrap()).to_hex()
    );
    assert_eq!(after[0], (paths[0].display().to_string(), kept));
    assert_eq!(
        after[1],
        (gone.display().to_string(), gone_key),
        "a log whose file is gone keeps its old key"
    );
    // Opening again re-keys nothing more.
    let output = succeed(legolog().args(["history", "--db"]).arg(&db));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("content key"));
}
