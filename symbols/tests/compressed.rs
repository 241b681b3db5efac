//! ELF sections compressed with SHF_COMPRESSED (zlib, zstd), as `--compress-debug-sections`
//! produces them.

use std::io::Write;

use legolog_symbols::{Error, Probe, Symbolizer};

use crate::seed::SEED_FRAMES;
use crate::util::{config, fixture_bytes};

const SHF_COMPRESSED: u64 = 0x800;

/// Moves every `.debug_*` section to the end of the file, compressed with `ch_type` (1 = zlib,
/// 2 = zstd), and lets `claimed_size` override the decompressed size in the header.
fn compress_debug_sections(ch_type: u32, claimed_size: Option<u64>) -> Vec<u8> {
    let mut bytes = fixture_bytes();
    let elf = goblin::elf::Elf::parse(&bytes).unwrap();
    let mut patches = Vec::new();
    for (idx, shdr) in elf.section_headers.iter().enumerate() {
        if !elf
            .shdr_strtab
            .get_at(shdr.sh_name)
            .unwrap()
            .starts_with(".debug_")
        {
            continue;
        }
        let data = &bytes[shdr.sh_offset as usize..(shdr.sh_offset + shdr.sh_size) as usize];
        let payload = match ch_type {
            1 => {
                let mut enc =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(data).unwrap();
                enc.finish().unwrap()
            }
            _ => zstd::encode_all(data, 3).unwrap(),
        };
        let mut section = Vec::new();
        section.extend_from_slice(&ch_type.to_le_bytes());
        section.extend_from_slice(&0u32.to_le_bytes());
        section.extend_from_slice(&claimed_size.unwrap_or(shdr.sh_size).to_le_bytes());
        section.extend_from_slice(&1u64.to_le_bytes());
        section.extend_from_slice(&payload);
        let shdr_offset = elf.header.e_shoff as usize + idx * elf.header.e_shentsize as usize;
        patches.push((shdr_offset, shdr.sh_flags | SHF_COMPRESSED, section));
    }
    drop(elf);
    for (shdr_offset, flags, section) in patches {
        while !bytes.len().is_multiple_of(8) {
            bytes.push(0);
        }
        let offset = bytes.len() as u64;
        bytes.extend_from_slice(&section);
        bytes[shdr_offset + 0x08..shdr_offset + 0x10].copy_from_slice(&flags.to_le_bytes());
        bytes[shdr_offset + 0x18..shdr_offset + 0x20].copy_from_slice(&offset.to_le_bytes());
        bytes[shdr_offset + 0x20..shdr_offset + 0x28]
            .copy_from_slice(&(section.len() as u64).to_le_bytes());
    }
    bytes
}

#[test]
fn compressed_debug_sections_resolve_like_plain_ones() {
    let plain = Symbolizer::from_bytes(fixture_bytes(), &config()).unwrap();
    for ch_type in [1, 2] {
        let compressed =
            Symbolizer::from_bytes(compress_debug_sections(ch_type, None), &config()).unwrap();
        assert!(compressed.kernel().has_dwarf());
        for frame in &SEED_FRAMES {
            let probe = Probe::ReturnAddress(frame.0);
            assert_eq!(
                compressed.kernel().find_frames(probe).unwrap(),
                plain.kernel().find_frames(probe).unwrap(),
                "ch_type {ch_type}"
            );
        }
    }
}

#[test]
fn decompression_bombs_are_refused() {
    let bytes = compress_debug_sections(1, Some(1 << 40));
    assert!(matches!(
        Symbolizer::from_bytes(bytes, &config()),
        Err(Error::LimitExceeded { .. })
    ));
    let bytes = compress_debug_sections(7, None);
    assert!(matches!(
        Symbolizer::from_bytes(bytes, &config()),
        Err(Error::Malformed { .. })
    ));
}
