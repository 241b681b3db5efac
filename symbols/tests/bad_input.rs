//! Hostile and damaged input: an error (or a degraded answer), never a panic.

use legolog_symbols::{Error, Probe, SourceFrame, Symbolizer, Verdict};

use crate::seed::{judge_all, DESIGNED, SEED_FRAMES};
use crate::util::{config, fixture_bytes, tempdir};

/// Byte offset of the section header whose name is `name`.
fn section_header_offset(bytes: &[u8], name: &str) -> usize {
    let elf = goblin::elf::Elf::parse(bytes).unwrap();
    let idx = elf
        .section_headers
        .iter()
        .position(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(name))
        .unwrap();
    elf.header.e_shoff as usize + idx * elf.header.e_shentsize as usize
}

/// Renames every `.debug_*` section to `.xebug_*`, which is what `strip --strip-debug` leaves
/// for our purposes: the code and the symbol table without DWARF.
fn strip_debug(bytes: &mut [u8]) {
    let elf = goblin::elf::Elf::parse(bytes).unwrap();
    let shstrtab = &elf.section_headers[elf.header.e_shstrndx as usize];
    let (start, end) = (
        shstrtab.sh_offset as usize,
        (shstrtab.sh_offset + shstrtab.sh_size) as usize,
    );
    let mut idx = start;
    while idx + 7 <= end {
        if &bytes[idx..idx + 7] == b".debug_" {
            bytes[idx + 1] = b'x';
        }
        idx += 1;
    }
}

#[test]
fn not_elf() {
    let dir = tempdir();
    let path = dir.path().join("vmlinux");
    std::fs::write(&path, b"this is a console log, not a kernel\n").unwrap();
    assert!(matches!(
        Symbolizer::open(&path, &config()),
        Err(Error::NotElf { .. })
    ));
    assert!(matches!(
        Symbolizer::from_bytes(Vec::new(), &config()),
        Err(Error::NotElf { .. })
    ));
    let err = Symbolizer::open(dir.path().join("missing"), &config())
        .err()
        .unwrap();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().starts_with("cannot read "), "{err}");
}

#[test]
fn truncated_elf() {
    let bytes = fixture_bytes();
    for len in [
        4,
        5,
        16,
        20,
        63,
        64,
        1000,
        4096,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        let res = Symbolizer::from_bytes(bytes[..len].to_vec(), &config());
        assert!(
            matches!(res, Err(Error::Truncated { .. })),
            "len {len}: {:?}",
            res.err()
        );
    }
}

#[test]
fn other_architectures() {
    let mut aarch64 = fixture_bytes();
    aarch64[18..20].copy_from_slice(&183u16.to_le_bytes());
    let err = Symbolizer::from_bytes(aarch64, &config()).err().unwrap();
    assert!(
        matches!(
            err,
            Error::WrongArch {
                machine: 183,
                class_bits: 64,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "<bytes> is not an x86-64 ELF (e_machine 183, 64-bit)"
    );
    let mut elf32 = fixture_bytes();
    elf32[4] = 1;
    assert!(matches!(
        Symbolizer::from_bytes(elf32, &config()),
        Err(Error::WrongArch { class_bits: 32, .. })
    ));
}

#[test]
fn hostile_header_counts() {
    let mut bytes = fixture_bytes();
    bytes[0x3c..0x3e].copy_from_slice(&u16::MAX.to_le_bytes());
    assert!(matches!(
        Symbolizer::from_bytes(bytes, &config()),
        Err(Error::Truncated { .. })
    ));
    let mut bytes = fixture_bytes();
    bytes[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        Symbolizer::from_bytes(bytes, &config()),
        Err(Error::Truncated { .. })
    ));
    // A section whose size runs past the end of the file.
    let mut bytes = fixture_bytes();
    let shdr = section_header_offset(&bytes, ".debug_info");
    bytes[shdr + 0x20..shdr + 0x28].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(Symbolizer::from_bytes(bytes, &config()).is_err());
}

#[test]
fn stripped_elf_falls_back_to_the_symbol_table() {
    let mut bytes = fixture_bytes();
    strip_debug(&mut bytes);
    let symbolizer = Symbolizer::from_bytes(bytes, &config()).unwrap();
    assert!(!symbolizer.kernel().has_dwarf());
    let frames = symbolizer
        .kernel()
        .find_frames(Probe::ReturnAddress(0xffffffff81069ab5))
        .unwrap();
    assert_eq!(
        frames,
        vec![SourceFrame {
            function: Some("fit_ack_reply_callback".into()),
            file: None,
            line: None,
            column: None
        }]
    );
    // Verdicts come from the code, which a stripped ELF still has.
    assert_eq!(judge_all(&symbolizer, 0, 0), DESIGNED);
}

#[test]
fn fully_stripped_elf_has_no_symbols() {
    let mut bytes = fixture_bytes();
    let shdr = section_header_offset(&bytes, ".symtab");
    bytes[shdr + 4..shdr + 8].copy_from_slice(&0u32.to_le_bytes()); // sh_type = SHT_NULL
    assert!(matches!(
        Symbolizer::from_bytes(bytes, &config()),
        Err(Error::NoSymbols { .. })
    ));
}

#[test]
fn corrupted_bytes_never_panic() {
    let original = fixture_bytes();
    let elf = goblin::elf::Elf::parse(&original).unwrap();
    // Positions in the ELF header, the section header table, the symbol table and every DWARF
    // section, each overwritten with 0xff and with 0x00.
    let mut positions: Vec<usize> = (0..64).collect();
    let shoff = elf.header.e_shoff as usize;
    positions.extend((shoff..original.len()).step_by(7));
    for shdr in &elf.section_headers {
        let name = elf.shdr_strtab.get_at(shdr.sh_name).unwrap_or("");
        if name.starts_with(".debug") || name == ".symtab" || name == ".strtab" {
            let start = shdr.sh_offset as usize;
            let len = (shdr.sh_size as usize).min(4096);
            positions.extend((start..start + len).step_by(13));
        }
    }
    drop(elf);
    let mut n_opened = 0;
    for pos in positions {
        for value in [0xffu8, 0x00] {
            let mut bytes = original.clone();
            bytes[pos] = value;
            let Ok(symbolizer) = Symbolizer::from_bytes(bytes, &config()) else {
                continue;
            };
            n_opened += 1;
            for frame in &SEED_FRAMES {
                let _ = symbolizer
                    .kernel()
                    .find_frames(Probe::ReturnAddress(frame.0));
                let _ = symbolizer
                    .kernel()
                    .find_symbol_by_name(frame.1, Some(frame.3));
            }
            let verdicts = judge_all(&symbolizer, 0, 0);
            assert_eq!(verdicts.len(), 19);
            let _ = verdicts.contains(&Verdict::Unknown);
        }
    }
    assert!(n_opened > 0);
}

#[test]
fn corrupted_module_bytes_never_panic() {
    let original = std::fs::read(crate::util::MODULE_FIXTURE).unwrap();
    // A relocatable object opened directly is laid out and relocated like a module.
    let symbolizer = Symbolizer::from_bytes(original.clone(), &config()).unwrap();
    assert!(symbolizer.kernel().is_relocatable());
    let mut n_opened = 0;
    for pos in (0..original.len()).step_by(3) {
        for value in [0xffu8, 0x00, 0x80] {
            let mut bytes = original.clone();
            bytes[pos] = value;
            let Ok(symbolizer) = Symbolizer::from_bytes(bytes, &config()) else {
                continue;
            };
            n_opened += 1;
            let kernel = symbolizer.kernel();
            for sym in kernel.symbols().collect::<Vec<_>>() {
                for offset in [0, 1, sym.elf_size / 2, sym.kallsyms_size] {
                    let _ = kernel.find_frames(Probe::ReturnAddress(sym.start + offset));
                    let _ = kernel.find_frames(Probe::Exact(sym.start + offset));
                }
            }
        }
    }
    assert!(n_opened > 0);
}

/// DWARF is not parsed when the image is opened: broken DWARF surfaces as an error of the first
/// source lookup that needs the broken unit, while symbols, verdicts and the other units keep
/// working.
#[test]
fn broken_dwarf_is_reported_lazily() {
    let mut bytes = fixture_bytes();
    let elf = goblin::elf::Elf::parse(&bytes).unwrap();
    let info = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".debug_info"))
        .unwrap();
    let version = info.sh_offset as usize + 4;
    drop(elf);
    bytes[version..version + 2].copy_from_slice(&0xffffu16.to_le_bytes());
    let symbolizer = Symbolizer::from_bytes(bytes, &config()).unwrap();
    assert!(symbolizer.kernel().has_dwarf());
    assert_eq!(
        symbolizer
            .kernel()
            .find_symbol(0xffffffff8106920b)
            .unwrap()
            .name,
        "fit_internal_poll_sendcq"
    );
    assert_eq!(judge_all(&symbolizer, 0, 0), DESIGNED);
    // The first unit (the one whose version is broken) holds ret_from_fork.
    let err = symbolizer
        .kernel()
        .find_frames(Probe::ReturnAddress(0xffffffff8100e632))
        .err()
        .unwrap();
    assert!(matches!(err, Error::Dwarf { .. }), "{err:?}");
    // Other units are read on their own (through .debug_aranges) and still resolve.
    let frames = symbolizer
        .kernel()
        .find_frames(Probe::ReturnAddress(0xffffffff8106920c))
        .unwrap();
    assert_eq!(frames[0].file.as_deref(), Some("net/lego/fit_internal.c"));
}
