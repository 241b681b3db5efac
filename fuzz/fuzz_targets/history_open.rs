//! Arbitrary bytes as a history database file: opening refuses or accepts it without panic or
//! hang, and an accepted one takes a record and answers queries.
#![no_main]

use legolog::history::{History, LogRecord, ReportRecord};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn db_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("legolog-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir.join("h.sqlite3")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = db_path();
    let _ = std::fs::remove_file(path);
    if !data.is_empty() {
        std::fs::write(path, data).expect("writes the database file");
    }
    let Ok(mut history) = History::open(path) else {
        return;
    };
    let record = LogRecord {
        content_hash: "00".repeat(32),
        path: "fuzz.log".to_owned(),
        run: "0826-w9-1".to_owned(),
        node: Some("w9".to_owned()),
        date: None,
        reports: vec![ReportRecord {
            signature: "s".repeat(40),
            signature_version: legolog::identity::signature::VERSION,
            kind: "oops".to_owned(),
            basis: legolog::identity::signature::Basis::Trusted,
            frames: vec!["f".to_owned(), "g".to_owned()],
            title: "t".to_owned(),
            labels: vec![],
            time: None,
            kernel: None,
            document: None,
        }],
    };
    if let Ok(attached) = history.record(&[record]) {
        if let Some(attachment) = attached.first().and_then(|log| log.first()) {
            let _ = history.bug_history(attachment);
        }
    }
    let _ = history.bugs(None);
    let _ = history.bug_of_signature(&"s".repeat(40));
});
