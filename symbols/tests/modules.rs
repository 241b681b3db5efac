//! Kernel modules: found recursively, decompressed in-process, relocated, judged.

use std::io::Write;
use std::path::{Path, PathBuf};

use legolog_symbols::{Confidence, Error, FrameQuery, LogSymbol, Probe, Symbolizer, Verdict};

use crate::util::{
    config_with_modules, gnu_addr2line, run_addr2line, tempdir, FIXTURE, MODULE_FIXTURE,
};

fn module_bytes() -> Vec<u8> {
    std::fs::read(MODULE_FIXTURE).unwrap()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn frame<'a>(name: &'a str, offset: u64, confidence: Confidence) -> FrameQuery<'a> {
    FrameQuery {
        addr: Some(0xffffffffc0a01000),
        symbol: Some(LogSymbol {
            name,
            offset,
            size: None,
        }),
        module: Some("lego_test_mod"),
        build_id: None,
        confidence,
    }
}

#[test]
fn debian_debug_layout_and_name_equivalence() {
    let dir = tempdir();
    let debug = dir
        .path()
        .join("usr/lib/debug/lib/modules/6.1.0-99-amd64/kernel/drivers/misc/lego_test-mod.ko");
    write(&debug, &module_bytes());
    // A compressed copy outside the debug tree loses to the debug one.
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&module_bytes()).unwrap();
    write(
        &dir.path()
            .join("lib/modules/6.1.0-99-amd64/kernel/drivers/misc/lego_test-mod.ko.xz"),
        &xz.finish().unwrap(),
    );
    let symbolizer = Symbolizer::open(FIXTURE, &config_with_modules(dir.path())).unwrap();
    assert_eq!(symbolizer.module_path("lego_test_mod"), Some(debug.clone()));
    assert_eq!(symbolizer.module_path("lego-test-mod"), Some(debug));
    assert!(symbolizer.module("no_such_module").unwrap().is_none());
    let image = symbolizer.module("lego_test_mod").unwrap().unwrap();
    assert!(image.is_relocatable() && image.has_dwarf());
}

#[test]
fn compressed_modules_load() {
    let bytes = module_bytes();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&bytes).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    let compressed: [(&str, Vec<u8>); 3] = [
        ("ko.xz", xz.finish().unwrap()),
        ("ko.zst", zstd::encode_all(bytes.as_slice(), 1).unwrap()),
        ("ko.gz", gz.finish().unwrap()),
    ];
    for (ext, data) in compressed {
        let dir = tempdir();
        write(
            &dir.path().join(format!("extra/lego_test_mod.{ext}")),
            &data,
        );
        let symbolizer = Symbolizer::open(FIXTURE, &config_with_modules(dir.path())).unwrap();
        let image = symbolizer
            .module("lego_test_mod")
            .unwrap()
            .unwrap_or_else(|| panic!("{ext}"));
        assert!(
            image.find_symbol_by_name("lego_test_init", None).is_some(),
            "{ext}"
        );
    }
}

#[test]
fn corrupt_compressed_module_is_an_error_once() {
    let dir = tempdir();
    write(
        &dir.path().join("lego_test_mod.ko.xz"),
        b"\xfd7zXZ\0 this is not really xz",
    );
    // A module that is not ELF at all. Files are indexed on the first lookup, so it is written first.
    write(&dir.path().join("junk.ko"), b"junk");
    let symbolizer = Symbolizer::open(FIXTURE, &config_with_modules(dir.path())).unwrap();
    let err = symbolizer.module("lego_test_mod").err().unwrap();
    assert!(
        matches!(err, Error::Decompress { format: "xz", .. }),
        "{err:?}"
    );
    assert!(symbolizer.module("lego_test_mod").unwrap().is_none());
    let judgement = symbolizer.judge(
        &frame("lego_test_init", 0x16, Confidence::Reliable),
        None,
        0,
    );
    assert_eq!(judgement.verdict, Verdict::Unknown);
    assert!(matches!(
        symbolizer.module("junk"),
        Err(Error::NotElf { .. })
    ));
}

fn loaded() -> (tempfile::TempDir, Symbolizer) {
    let dir = tempdir();
    write(&dir.path().join("lego_test-mod.ko"), &module_bytes());
    let symbolizer = Symbolizer::open(FIXTURE, &config_with_modules(dir.path())).unwrap();
    (dir, symbolizer)
}

#[test]
fn text_init_and_exit_text_are_kept_apart() {
    let (_dir, symbolizer) = loaded();
    let image = symbolizer.module("lego_test_mod").unwrap().unwrap();
    let do_action = image
        .find_symbol_by_name("lego_test_do_action", None)
        .unwrap();
    let init = image.find_symbol_by_name("lego_test_init", None).unwrap();
    let exit = image.find_symbol_by_name("lego_test_exit", None).unwrap();
    assert_eq!(
        do_action.start, 0,
        ".text stays at 0 so offsets agree with addr2line -j .text"
    );
    assert!(init.start >= do_action.start + do_action.kallsyms_size);
    assert!(exit.start >= init.start + init.kallsyms_size);
    assert_eq!(
        image.find_symbol(init.start + 0x10).unwrap().name,
        "lego_test_init"
    );
    assert_eq!(
        image.find_symbol(exit.start + 3).unwrap().name,
        "lego_test_exit"
    );
}

#[test]
fn module_frames_are_judged() {
    let (_dir, symbolizer) = loaded();
    // `call printk` (undefined: named through the relocation) ends at lego_test_do_action+0x19.
    let reliable = symbolizer.judge(
        &frame("lego_test_do_action", 0x19, Confidence::Reliable),
        None,
        0,
    );
    assert_eq!(reliable.verdict, Verdict::Reliable);
    let guessed = frame("lego_test_do_action", 0x19, Confidence::Guessed);
    assert_eq!(
        symbolizer.judge(&guessed, Some("printk"), 0).verdict,
        Verdict::Plausible
    );
    assert_eq!(
        symbolizer.judge(&guessed, Some("vprintk"), 0).verdict,
        Verdict::Stale
    );
    // `call lego_test_do_action` (defined in .text, relocated into .init.text) ends at +0x16.
    let guessed = frame("lego_test_init", 0x16, Confidence::Guessed);
    assert_eq!(
        symbolizer
            .judge(&guessed, Some("lego_test_do_action"), 0)
            .verdict,
        Verdict::Plausible
    );
    assert_eq!(
        symbolizer.judge(&guessed, Some("printk"), 0).verdict,
        Verdict::Stale
    );
    // No CALL ends at +0x4; a printed size that disagrees is a mismatch (0x1000 would not be:
    // the last symbol of a module's text region prints the page-aligned region, see
    // `a_modules_last_text_symbol_may_print_its_page_aligned_region`).
    let stale = symbolizer.judge(&frame("lego_test_init", 0x4, Confidence::Reliable), None, 0);
    assert_eq!(stale.verdict, Verdict::Stale);
    let mut sized = frame("lego_test_init", 0x16, Confidence::Reliable);
    sized.symbol = Some(LogSymbol {
        name: "lego_test_init",
        offset: 0x16,
        size: Some(0x18),
    });
    assert_eq!(symbolizer.judge(&sized, None, 0).verdict, Verdict::Mismatch);
}

/// Module frames against GNU addr2line run on the .ko with `-j SECTION`.
#[test]
fn module_frames_match_addr2line() {
    let Some(addr2line) = gnu_addr2line() else {
        eprintln!("skipped: GNU addr2line is not installed");
        return;
    };
    let (_dir, symbolizer) = loaded();
    let image = symbolizer.module("lego_test_mod").unwrap().unwrap();
    let cases = [
        ("lego_test_do_action", ".text"),
        ("lego_test_init", ".init.text"),
        ("lego_test_exit", ".exit.text"),
    ];
    let mut n_checked = 0;
    for (name, section) in cases {
        let sym = image.find_symbol_by_name(name, None).unwrap();
        let offsets: Vec<u64> = (0..sym.elf_size).collect();
        let expected = run_addr2line(
            &addr2line,
            &PathBuf::from(MODULE_FIXTURE),
            &["-j", section],
            &offsets,
        );
        for (offset, expected) in offsets.iter().zip(expected) {
            let frames = image.find_frames(Probe::Exact(sym.start + offset)).unwrap();
            let actual: Vec<(String, String)> =
                frames.iter().map(crate::oracle::gnu_style).collect();
            assert_eq!(actual, expected, "{name}+{offset:#x}");
            n_checked += 1;
        }
    }
    assert!(n_checked > 40);
}

/// kernel/module/kallsyms.c `find_kallsyms_symbol`: the last symbol of a module's text region
/// ends at the region's end, page-aligned, so `lego_test_init` (0x1b bytes, alone in
/// `.init.text`) prints as `lego_test_init+0x…/0x1000`. Up to a page more than the section
/// gives is the same symbol; more is a mismatch.
#[test]
fn a_modules_last_text_symbol_may_print_its_page_aligned_region() {
    let dir = tempdir();
    write(&dir.path().join("lego_test-mod.ko"), &module_bytes());
    let symbolizer = Symbolizer::open(FIXTURE, &config_with_modules(dir.path())).unwrap();
    let image = symbolizer.module("lego_test_mod").unwrap().unwrap();
    let elf_size = image
        .find_symbol_by_name("lego_test_init", None)
        .unwrap()
        .kallsyms_size;
    let judge = |size: u64| {
        let query = FrameQuery {
            symbol: Some(LogSymbol {
                name: "lego_test_init",
                offset: 0x5,
                size: Some(size),
            }),
            ..frame("lego_test_init", 0x5, Confidence::Reliable)
        };
        symbolizer.judge(&query, None, 0).mismatch
    };
    assert_eq!(judge(elf_size), None);
    assert_eq!(judge(0x1000), None);
    assert!(judge(elf_size + 0x1000).is_some());
}
