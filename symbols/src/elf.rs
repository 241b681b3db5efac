//! Reading an ELF with goblin into owned tables: sections (with their bytes), text symbols and the
//! build ID. Relocatable objects (kernel modules) are laid out at synthetic addresses and their
//! relocations applied, so that everything downstream sees one flat address space.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use goblin::elf::header::{EM_X86_64, ET_REL};
use goblin::elf::section_header::{SHF_ALLOC, SHF_COMPRESSED, SHF_EXECINSTR, SHT_NOBITS, SHT_RELA};
use goblin::elf::sym::{STB_GLOBAL, STB_WEAK, STT_FUNC, STT_NOTYPE, STT_OBJECT};

use crate::bytes::{Bytes, Slice};
use crate::error::{Error, Result};

/// Decompressed sections may not grow beyond this many times their compressed size.
const MAX_INFLATE_RATIO: u64 = 1024;

/// One section, at its final address (the link address, or the synthetic one of a module).
#[derive(Clone, Debug)]
pub(crate) struct Section {
    pub(crate) name: String,
    pub(crate) addr: u64,
    pub(crate) size: u64,
    pub(crate) flags: u64,
    /// `None` for NOBITS sections.
    pub(crate) data: Option<Slice>,
}

impl Section {
    pub(crate) fn is_text(&self) -> bool {
        self.flags & u64::from(SHF_EXECINSTR) != 0 && self.flags & u64::from(SHF_ALLOC) != 0
    }

    pub(crate) fn contains(&self, addr: u64) -> bool {
        addr >= self.addr && addr - self.addr < self.size
    }
}

/// A symbol that names code: FUNC or NOTYPE, defined in an executable section.
#[derive(Clone, Debug)]
pub(crate) struct TextSymbol {
    pub(crate) name: String,
    pub(crate) addr: u64,
    pub(crate) elf_size: u64,
    pub(crate) section_idx: usize,
    /// Lower is preferred when several symbols share an address (see `kallsyms`).
    pub(crate) rank: (u8, u8, usize),
}

/// Everything this crate needs from one ELF file.
pub(crate) struct ElfFile {
    pub(crate) endian: gimli::RunTimeEndian,
    pub(crate) is_relocatable: bool,
    pub(crate) sections: Vec<Section>,
    pub(crate) symbols: Vec<TextSymbol>,
    pub(crate) build_id: Option<Vec<u8>>,
    /// For relocatable objects: address of a PC-relative field → the undefined symbol it refers
    /// to (e.g. a module's `call printk`), so direct call targets can still be named.
    pub(crate) reloc_names: HashMap<u64, String>,
    /// Names of symbols that are not code (data objects, labels outside executable sections):
    /// a log naming one of them says nothing about whether the image is the right build.
    pub(crate) data_names: HashSet<String>,
    /// The `linux_banner` string (`Linux version REL (…) #N …`), when the image holds its bytes.
    pub(crate) banner: Option<String>,
}

/// Parses `bytes` as an x86-64 ELF.
pub(crate) fn parse(path: &Path, bytes: Bytes, max_decompressed: u64) -> Result<ElfFile> {
    check_header(path, &bytes)?;
    let elf = goblin::elf::Elf::parse(&bytes).map_err(|err| goblin_error(path, err))?;
    let endian = if elf.little_endian {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let is_relocatable = elf.header.e_type == ET_REL;
    if elf.syms.is_empty() {
        return Err(Error::NoSymbols {
            path: path.to_owned(),
        });
    }

    let mut sections = Vec::with_capacity(elf.section_headers.len());
    for shdr in &elf.section_headers {
        let name = elf
            .shdr_strtab
            .get_at(shdr.sh_name)
            .unwrap_or("")
            .to_owned();
        let data = if shdr.sh_type == SHT_NOBITS {
            None
        } else {
            let range = usize::try_from(shdr.sh_offset)
                .ok()
                .zip(usize::try_from(shdr.sh_size).ok())
                .and_then(|(start, len)| Some(start..start.checked_add(len)?));
            let Some(slice) = range.and_then(|range| Slice::new(bytes.clone(), range)) else {
                return Err(Error::Truncated {
                    path: path.to_owned(),
                    what: format!("section {name}"),
                });
            };
            Some(slice)
        };
        let mut section = Section {
            name,
            addr: shdr.sh_addr,
            size: shdr.sh_size,
            flags: shdr.sh_flags,
            data,
        };
        if shdr.sh_flags & u64::from(SHF_COMPRESSED) != 0 {
            decompress_section(path, &mut section, max_decompressed)?;
        }
        sections.push(section);
    }

    if is_relocatable {
        assign_synthetic_addresses(&elf, &mut sections);
    }

    let mut symbols = Vec::new();
    let mut data_names = HashSet::new();
    let mut banner = None;
    for (sym_idx, sym) in elf.syms.iter().enumerate() {
        let typ = sym.st_type();
        let Some(section) = sections.get(sym.st_shndx) else {
            continue;
        };
        let Some(name) = elf.strtab.get_at(sym.st_name) else {
            continue;
        };
        if sym.st_shndx == 0 || name.is_empty() {
            continue;
        }
        // Code symbols only: FUNC, and NOTYPE labels of assembly entry code.
        if (typ != STT_FUNC && typ != STT_NOTYPE) || !section.is_text() {
            if typ == STT_OBJECT || typ == STT_NOTYPE {
                if name == "linux_banner" {
                    banner = read_c_string(section, sym.st_value, is_relocatable);
                }
                data_names.insert(name.to_owned());
            }
            continue;
        }
        let addr = if is_relocatable {
            section.addr.wrapping_add(sym.st_value)
        } else {
            sym.st_value
        };
        let bind_rank = match sym.st_bind() {
            STB_GLOBAL => 0,
            STB_WEAK => 1,
            _ => 2,
        };
        let type_rank = u8::from(typ != STT_FUNC);
        let underscores = name.bytes().take_while(|&b| b == b'_').count();
        symbols.push(TextSymbol {
            name: name.to_owned(),
            addr,
            elf_size: sym.st_size,
            section_idx: sym.st_shndx,
            rank: (
                bind_rank,
                type_rank,
                underscores.saturating_mul(1 << 20).saturating_add(sym_idx),
            ),
        });
    }

    let mut reloc_names = HashMap::new();
    if is_relocatable {
        apply_relocations(&elf, &mut sections, &mut reloc_names);
    }
    let build_id = sections.iter().find_map(|section| {
        let data = section.data.as_ref()?;
        if !section.name.starts_with(".note") && section.name != ".notes" {
            return None;
        }
        find_build_id(data.as_slice())
    });
    Ok(ElfFile {
        endian,
        is_relocatable,
        sections,
        symbols,
        build_id,
        reloc_names,
        data_names,
        banner,
    })
}

/// The NUL-terminated string at symbol value `value` in `section` (bytes present, i.e. not a
/// debug-only file where the section is NOBITS), without its trailing newline; at most 4 KiB.
fn read_c_string(section: &Section, value: u64, is_relocatable: bool) -> Option<String> {
    let data = section.data.as_ref()?.as_slice();
    let offset = match is_relocatable {
        true => value,
        false => value.checked_sub(section.addr)?,
    };
    let start = usize::try_from(offset).ok()?;
    let rest = data.get(start..)?;
    let rest = rest.get(..rest.len().min(4096))?;
    let end = rest.iter().position(|&b| b == 0)?;
    let text = std::str::from_utf8(rest.get(..end)?).ok()?;
    let text = text.trim_end_matches('\n');
    (!text.is_empty()).then(|| text.to_owned())
}

/// Checks the identification bytes and the header tables' extents before goblin sees the file, so
/// that the common defects get a precise error.
fn check_header(path: &Path, bytes: &[u8]) -> Result<()> {
    if bytes.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err(Error::NotElf {
            path: path.to_owned(),
        });
    }
    if bytes.len() < 64 {
        return Err(Error::Truncated {
            path: path.to_owned(),
            what: "ELF header".to_owned(),
        });
    }
    let class_bits = match bytes.get(4) {
        Some(1) => 32,
        Some(2) => 64,
        _ => {
            return Err(Error::Malformed {
                path: path.to_owned(),
                what: "bad EI_CLASS".to_owned(),
            })
        }
    };
    let little = match bytes.get(5) {
        Some(1) => true,
        Some(2) => false,
        _ => {
            return Err(Error::Malformed {
                path: path.to_owned(),
                what: "bad EI_DATA".to_owned(),
            })
        }
    };
    let read_u16 = |offset: usize| -> Option<u16> {
        let raw: [u8; 2] = bytes.get(offset..offset + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(raw)
        } else {
            u16::from_be_bytes(raw)
        })
    };
    let read_u64 = |offset: usize| -> Option<u64> {
        let raw: [u8; 8] = bytes.get(offset..offset + 8)?.try_into().ok()?;
        Some(if little {
            u64::from_le_bytes(raw)
        } else {
            u64::from_be_bytes(raw)
        })
    };
    let Some(machine) = read_u16(18) else {
        return Err(Error::Truncated {
            path: path.to_owned(),
            what: "ELF header".to_owned(),
        });
    };
    if machine != EM_X86_64 || class_bits != 64 {
        return Err(Error::WrongArch {
            path: path.to_owned(),
            machine,
            class_bits,
        });
    }
    let header = (read_u64(0x28), read_u16(0x3a), read_u16(0x3c));
    let (Some(shoff), Some(shentsize), Some(shnum)) = header else {
        return Err(Error::Truncated {
            path: path.to_owned(),
            what: "ELF header".to_owned(),
        });
    };
    let table_end = u64::from(shentsize)
        .checked_mul(u64::from(shnum))
        .and_then(|len| len.checked_add(shoff));
    if table_end.is_none_or(|end| end > bytes.len() as u64) {
        return Err(Error::Truncated {
            path: path.to_owned(),
            what: "section header table".to_owned(),
        });
    }
    Ok(())
}

fn goblin_error(path: &Path, err: goblin::error::Error) -> Error {
    match err {
        goblin::error::Error::BadMagic(_) => Error::NotElf {
            path: path.to_owned(),
        },
        goblin::error::Error::Scroll(err) => Error::Truncated {
            path: path.to_owned(),
            what: err.to_string(),
        },
        goblin::error::Error::BufferTooShort(_, what) => Error::Truncated {
            path: path.to_owned(),
            what: what.to_owned(),
        },
        other => Error::Malformed {
            path: path.to_owned(),
            what: other.to_string(),
        },
    }
}

/// Replaces an `SHF_COMPRESSED` section's bytes by their decompressed form (zlib or zstd).
fn decompress_section(path: &Path, section: &mut Section, max_decompressed: u64) -> Result<()> {
    let Some(data) = section.data.as_ref() else {
        return Ok(());
    };
    let raw = data.as_slice();
    let truncated = || Error::Truncated {
        path: path.to_owned(),
        what: format!("compression header of {}", section.name),
    };
    let ch_type = raw
        .get(0..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(truncated)?;
    let ch_size = raw
        .get(8..16)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(truncated)?;
    let payload = raw.get(24..).ok_or_else(truncated)?;
    let limit = (payload.len() as u64)
        .saturating_mul(MAX_INFLATE_RATIO)
        .max(1 << 20)
        .min(max_decompressed);
    if ch_size > limit {
        return Err(Error::LimitExceeded {
            path: path.to_owned(),
            what: format!(
                "section {} claims {ch_size} decompressed bytes",
                section.name
            ),
        });
    }
    // The claimed size is below the limit; the output is read no further than it either way.
    let capacity = usize::try_from(ch_size).unwrap_or(0);
    let mut out = Vec::with_capacity(capacity);
    let (format, res) = match ch_type {
        1 => (
            "zlib",
            flate2::read::ZlibDecoder::new(payload)
                .take(ch_size)
                .read_to_end(&mut out),
        ),
        2 => (
            "zstd",
            zstd::stream::read::Decoder::new(payload)
                .and_then(|dec| dec.take(ch_size).read_to_end(&mut out)),
        ),
        other => {
            return Err(Error::Malformed {
                path: path.to_owned(),
                what: format!("section {} uses unknown compression {other}", section.name),
            })
        }
    };
    if let Err(source) = res {
        return Err(Error::Decompress {
            path: path.to_owned(),
            format,
            source,
        });
    }
    section.size = out.len() as u64;
    section.data = Some(Slice::whole(Bytes::from_vec(out)));
    Ok(())
}

/// Gives each allocated section of a relocatable object its own address range, as the module
/// loader would: `.text` at 0 (so offsets agree with `addr2line -e mod.ko`), the others after it,
/// in file order. This keeps `.text`, `.init.text` and `.exit.text` apart even though all of them
/// start at 0 in the file.
fn assign_synthetic_addresses(elf: &goblin::elf::Elf<'_>, sections: &mut [Section]) {
    let mut order: Vec<usize> = Vec::new();
    if let Some(text_idx) = sections.iter().position(|s| s.name == ".text") {
        order.push(text_idx);
    }
    for (idx, section) in sections.iter().enumerate() {
        if section.flags & u64::from(SHF_ALLOC) != 0 && section.name != ".text" {
            order.push(idx);
        }
    }
    let mut next: u64 = 0;
    for idx in order {
        let align = elf
            .section_headers
            .get(idx)
            .map_or(1, |shdr| shdr.sh_addralign)
            .clamp(16, 1 << 20);
        let Some(section) = sections.get_mut(idx) else {
            continue;
        };
        let addr = next.saturating_add(align - 1) / align * align;
        section.addr = addr;
        // One byte of gap keeps a zero-sized section from sharing an address with its neighbour.
        next = addr.saturating_add(section.size).saturating_add(1);
    }
}

/// Applies the RELA relocations that target executable or debug sections of a relocatable object.
/// Unknown relocation types and entries outside their section are skipped: debug information
/// stays usable where the entries are sound.
fn apply_relocations(
    elf: &goblin::elf::Elf<'_>,
    sections: &mut [Section],
    reloc_names: &mut HashMap<u64, String>,
) {
    const R_X86_64_64: u32 = 1;
    const R_X86_64_PC32: u32 = 2;
    const R_X86_64_PLT32: u32 = 4;
    const R_X86_64_32: u32 = 10;
    const R_X86_64_32S: u32 = 11;
    const R_X86_64_PC64: u32 = 24;

    for (rela_idx, relocs) in &elf.shdr_relocs {
        let Some(rela_shdr) = elf.section_headers.get(*rela_idx) else {
            continue;
        };
        if rela_shdr.sh_type != SHT_RELA {
            continue;
        }
        let target_idx = rela_shdr.sh_info as usize;
        let Some(target) = sections.get(target_idx) else {
            continue;
        };
        let is_debug =
            target.flags & u64::from(SHF_ALLOC) == 0 && target.name.starts_with(".debug");
        if !is_debug && !target.is_text() {
            continue;
        }
        let Some(data) = target.data.as_ref() else {
            continue;
        };
        let mut copy = data.as_slice().to_vec();
        let target_addr = target.addr;
        let target_is_text = target.is_text();
        for reloc in relocs.iter() {
            let Some(sym) = elf.syms.get(reloc.r_sym) else {
                continue;
            };
            let addend = reloc.r_addend.unwrap_or(0);
            let sym_addr = match sym.st_shndx {
                0 => None,
                0xfff1 => Some(sym.st_value),
                shndx => sections
                    .get(shndx)
                    .map(|s| s.addr.wrapping_add(sym.st_value)),
            };
            let place = target_addr.wrapping_add(reloc.r_offset);
            let value_and_width = match (reloc.r_type, sym_addr) {
                (R_X86_64_64, Some(s)) => Some((s.wrapping_add_signed(addend), 8)),
                (R_X86_64_32 | R_X86_64_32S, Some(s)) => Some((s.wrapping_add_signed(addend), 4)),
                (R_X86_64_PC32 | R_X86_64_PLT32, Some(s)) => {
                    Some((s.wrapping_add_signed(addend).wrapping_sub(place), 4))
                }
                (R_X86_64_PC64, Some(s)) => {
                    Some((s.wrapping_add_signed(addend).wrapping_sub(place), 8))
                }
                (R_X86_64_PC32 | R_X86_64_PLT32, None) if target_is_text => {
                    if let Some(name) = elf.strtab.get_at(sym.st_name) {
                        reloc_names.insert(place, name.to_owned());
                    }
                    None
                }
                _ => None,
            };
            let Some((value, width)) = value_and_width else {
                continue;
            };
            let Ok(offset) = usize::try_from(reloc.r_offset) else {
                continue;
            };
            let Some(field) = offset
                .checked_add(width)
                .and_then(|end| copy.get_mut(offset..end))
            else {
                continue;
            };
            let le = value.to_le_bytes();
            field.copy_from_slice(le.get(..width).unwrap_or(&[]));
        }
        if let Some(target) = sections.get_mut(target_idx) {
            target.data = Some(Slice::whole(Bytes::from_vec(copy)));
        }
    }
}

/// Finds an `NT_GNU_BUILD_ID` note in a note section's bytes.
fn find_build_id(mut notes: &[u8]) -> Option<Vec<u8>> {
    const NT_GNU_BUILD_ID: u32 = 3;
    let align4 = |n: usize| n.checked_add(3).map(|n| n & !3);
    while notes.len() >= 12 {
        let word = |offset: usize| -> Option<u32> {
            Some(u32::from_le_bytes(
                notes.get(offset..offset + 4)?.try_into().ok()?,
            ))
        };
        let namesz = word(0)? as usize;
        let descsz = word(4)? as usize;
        let n_type = word(8)?;
        let name_end = 12usize.checked_add(namesz)?;
        let desc_start = align4(name_end)?;
        let desc_end = desc_start.checked_add(descsz)?;
        let name = notes.get(12..name_end)?;
        let desc = notes.get(desc_start..desc_end)?;
        if n_type == NT_GNU_BUILD_ID && name.strip_suffix(b"\0").unwrap_or(name) == b"GNU" {
            return Some(desc.to_vec());
        }
        notes = notes.get(align4(desc_end)?..)?;
    }
    None
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    /// A section claiming 1.5 GiB decompressed, with a payload large enough for the inflate
    /// ratio to allow it, is refused at its header under a 1 GiB limit: nothing is inflated.
    #[test]
    fn a_compressed_section_over_the_limit_is_refused_before_inflating() {
        let mut raw = Vec::new();
        raw.extend_from_slice(&1u32.to_le_bytes()); // ELFCOMPRESS_ZLIB
        raw.extend_from_slice(&0u32.to_le_bytes());
        raw.extend_from_slice(&(3u64 << 29).to_le_bytes()); // 1.5 GiB
        raw.extend_from_slice(&1u64.to_le_bytes());
        raw.extend(std::iter::repeat_n(0u8, 2 << 20));
        let mut section = Section {
            name: ".debug_info".to_owned(),
            addr: 0,
            size: raw.len() as u64,
            flags: u64::from(SHF_COMPRESSED),
            data: Some(Slice::whole(Bytes::from_vec(raw))),
        };
        let err = decompress_section(Path::new("v"), &mut section, 1 << 30).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded { .. }), "{err}");
    }
}
