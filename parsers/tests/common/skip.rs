//! Skips that `scripts/test.sh` can count (the same helper as `tests/cli/util.rs::skipped`).

/// Says that the running test skips as a whole because it lacks `needs` (`../shared`; `why` is
/// the detail), on stderr and, when `LEGOLOG_TEST_SKIPS` names a file, as one appended line
/// `NEEDS<TAB>crate::test` there.
pub fn skipped(needs: &str, why: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned();
    eprintln!("{test}: skipped, needs {needs}: {why}");
    if let Some(path) = std::env::var_os("LEGOLOG_TEST_SKIPS") {
        use std::io::Write;
        let line = format!("{needs}\t{}::{test}\n", env!("CARGO_CRATE_NAME"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        // One write per line: O_APPEND keeps lines from parallel tests whole.
        if let Ok(mut file) = file {
            let _ = file.write_all(line.as_bytes());
        }
    }
}
