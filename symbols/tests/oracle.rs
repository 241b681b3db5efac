//! `find_frames` against GNU `addr2line -f -i` for every code byte of the fixture.

use std::path::Path;

use legolog_symbols::{Probe, SourceFrame, Symbolizer};

use crate::util::{config, gnu_addr2line, run_addr2line, FIXTURE};

/// The fixture was built in this directory (see build.py's -fdebug-prefix-map).
const BUILD_DIR: &str = "/build/lego/";

/// A frame in the shape GNU addr2line prints: `(function, "file:line")`, with our relative file
/// name put back under the build directory.
pub fn gnu_style(frame: &SourceFrame) -> (String, String) {
    let function = frame.function.clone().unwrap_or_else(|| "??".into());
    let file = match frame.file.as_deref() {
        Some(file) if file.starts_with('/') => file.to_owned(),
        Some(file) => format!("{BUILD_DIR}{file}"),
        None => "??".into(),
    };
    let line = frame.line.map_or("?".to_owned(), |line| line.to_string());
    (function, format!("{file}:{line}"))
}

fn strip_discriminator(mut frames: Vec<(String, String)>) -> Vec<(String, String)> {
    for (_, location) in &mut frames {
        if let Some(idx) = location.find(" (discriminator") {
            location.truncate(idx);
        }
        // Module objects record paths relative to the build directory.
        if !location.starts_with('/') && !location.starts_with("??") {
            *location = format!("{BUILD_DIR}{location}");
        }
    }
    frames
}

#[test]
fn every_code_byte_matches_addr2line() {
    let Some(addr2line) = gnu_addr2line() else {
        eprintln!("skipped: GNU addr2line is not installed");
        return;
    };
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let kernel = symbolizer.kernel();
    let addrs: Vec<u64> = kernel
        .symbols()
        .flat_map(|sym| sym.start..sym.start + sym.elf_size)
        .collect();
    let expected = run_addr2line(&addr2line, Path::new(FIXTURE), &[], &addrs);
    assert_eq!(expected.len(), addrs.len());
    let mut n_inlined = 0;
    for (addr, expected) in addrs.iter().zip(expected) {
        let frames = kernel.find_frames(Probe::Exact(*addr)).unwrap();
        n_inlined += usize::from(frames.len() > 1);
        let actual: Vec<(String, String)> = frames.iter().map(gnu_style).collect();
        assert_eq!(actual, strip_discriminator(expected), "{addr:#x}");
    }
    eprintln!(
        "checked {} addresses against GNU addr2line, {n_inlined} with inline frames",
        addrs.len()
    );
    assert!(addrs.len() > 5000 && n_inlined > 10);
}
