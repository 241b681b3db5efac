//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use legolog_symbols::SymbolizeConfig;

/// The fixture vmlinux (fixtures/vmlinux/README.md).
pub const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/vmlinux/vmlinux-0826-w9-1"
);
/// The module-shaped fixture object.
pub const MODULE_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/vmlinux/lego_test-mod.ko"
);

/// No module directories, no extra prefixes.
pub fn config() -> SymbolizeConfig {
    SymbolizeConfig {
        module_dirs: vec![],
        strip_prefixes: vec![],
        max_decompressed: legolog_symbols::DEFAULT_MAX_DECOMPRESSED,
    }
}

pub fn config_with_modules(dir: &Path) -> SymbolizeConfig {
    SymbolizeConfig {
        module_dirs: vec![dir.to_owned()],
        strip_prefixes: vec![],
        max_decompressed: legolog_symbols::DEFAULT_MAX_DECOMPRESSED,
    }
}

pub fn fixture_bytes() -> Vec<u8> {
    std::fs::read(FIXTURE).unwrap()
}

/// GNU addr2line, when installed; tests that need it say so and skip otherwise.
pub fn gnu_addr2line() -> Option<PathBuf> {
    let out = std::process::Command::new("addr2line")
        .arg("--version")
        .output()
        .ok()?;
    if !out.status.success() || !String::from_utf8_lossy(&out.stdout).contains("GNU") {
        return None;
    }
    Some(PathBuf::from("addr2line"))
}

/// Runs `addr2line -f -i -e file [extra...]` over `addrs` and splits the output into one list of
/// `(function, "file:line")` pairs per address (using `-a` markers to split).
pub fn run_addr2line(
    bin: &Path,
    file: &Path,
    extra: &[&str],
    addrs: &[u64],
) -> Vec<Vec<(String, String)>> {
    use std::io::Write;
    let mut child = std::process::Command::new(bin)
        .args(["-a", "-f", "-i", "-e"])
        .arg(file)
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Feed stdin from another thread: addr2line's output would otherwise fill the pipe while we
    // are still writing, and both sides would wait forever.
    let mut stdin = child.stdin.take().unwrap();
    let input: String = addrs.iter().map(|addr| format!("{addr:#x}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut res: Vec<Vec<(String, String)>> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("0x") {
            res.push(Vec::new());
            continue;
        }
        let location = lines.next().unwrap_or("").to_owned();
        res.last_mut().unwrap().push((line.to_owned(), location));
    }
    res
}

/// A fresh, empty temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
