//! One loaded ELF image (vmlinux, or a module at synthetic addresses): symbols, DWARF and code.

use std::path::{Path, PathBuf};

use crate::bytes::Bytes;
use crate::dwarf::{DwarfInfo, SourceFrame};
use crate::elf::{self, ElfFile};
use crate::error::Result;
use crate::kallsyms::{SymbolInfo, SymbolTable};

/// Which byte an address designates, following the kernel's `%pS`/`%pB` conventions.
///
/// A return address points after the CALL; its source line and inline chain are those of
/// `addr - 1` (the CALL itself). The faulting/interrupted IP (`RIP:`) points at the instruction
/// itself. A function pointer found on the stack (`off == size` in the log) is also an exact
/// address: the first byte of the next function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// A return address from a stack trace: resolved at `addr - 1`.
    ReturnAddress(u64),
    /// An instruction address (RIP, function pointer): resolved at `addr`.
    Exact(u64),
}

impl Probe {
    /// The address whose source position is looked up.
    pub fn source_addr(self) -> u64 {
        match self {
            Probe::ReturnAddress(addr) => addr.saturating_sub(1),
            Probe::Exact(addr) => addr,
        }
    }
}

/// A loaded ELF image. Obtained from [`crate::Symbolizer::kernel`] or
/// [`crate::Symbolizer::module`]; all addresses are link-time addresses of the image (for a
/// module: `.text` at 0 and its other allocated sections after it, see [`crate::Symbolizer::module`]).
pub struct Image {
    path: PathBuf,
    elf: ElfFile,
    symbols: SymbolTable,
    dwarf: Option<DwarfInfo>,
}

impl Image {
    pub(crate) fn load(
        path: &Path,
        bytes: Bytes,
        strip_prefixes: &[String],
        max_decompressed: u64,
    ) -> Result<Image> {
        let mut elf = elf::parse(path, bytes, max_decompressed)?;
        let symbols = SymbolTable::new(std::mem::take(&mut elf.symbols), &elf.sections);
        if symbols.len() == 0 {
            return Err(crate::Error::NoSymbols {
                path: path.to_owned(),
            });
        }
        let dwarf = DwarfInfo::new(path, elf.endian, &elf.sections, strip_prefixes);
        Ok(Image {
            path: path.to_owned(),
            elf,
            symbols,
            dwarf,
        })
    }

    /// The file this image was read from (`<bytes>` for [`crate::Symbolizer::from_bytes`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the image has DWARF. Without it, [`Image::find_frames`] falls back to the symbol
    /// table (function names, no file:line); the caller should say so once.
    pub fn has_dwarf(&self) -> bool {
        self.dwarf.is_some()
    }

    /// Whether the image is a relocatable object (a kernel module).
    pub fn is_relocatable(&self) -> bool {
        self.elf.is_relocatable
    }

    /// The GNU build ID note, if present.
    pub fn build_id(&self) -> Option<&[u8]> {
        self.elf.build_id.as_deref()
    }

    /// The build ID in lower-case hex, as logs and debuginfod print it.
    pub fn build_id_hex(&self) -> Option<String> {
        Some(
            self.build_id()?
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }

    /// The kernel's `linux_banner` (`Linux version REL (…) #N …`, without the newline), when the
    /// image holds its bytes; a debug-only file (`.rodata` NOBITS) does not.
    pub fn banner(&self) -> Option<&str> {
        self.elf.banner.as_deref()
    }

    /// Whether `name` is a symbol of the image that is not code (a data object): a log that
    /// prints it as `sym+off/size` is no evidence about the build.
    pub fn is_data_symbol(&self, name: &str) -> bool {
        self.elf.data_names.contains(name)
    }

    /// Opens an ELF file on its own (vmlinux, module or `.debug` file) to read its identity:
    /// build ID, banner, symbols. Modules are laid out as [`crate::Symbolizer::module`] does.
    pub fn open(path: &Path) -> Result<Image> {
        let file = std::fs::File::open(path).map_err(|source| crate::Error::Io {
            path: path.to_owned(),
            source,
        })?;
        // SAFETY: read-only map, see `Symbolizer::open`.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|source| crate::Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Image::load(
            path,
            Bytes::from_mmap(map),
            &[],
            crate::bytes::DEFAULT_MAX_DECOMPRESSED,
        )
    }

    /// Whether `build_id_hex` (as a log prints it, hex, any case) is this image's build ID.
    /// `None` when the image has no build ID to compare with.
    pub fn build_id_matches(&self, build_id_hex: &str) -> Option<bool> {
        let own = self.build_id()?;
        let printed = build_id_hex.trim();
        if printed.len() != own.len() * 2 {
            return Some(false);
        }
        let own_hex: String = own.iter().map(|b| format!("{b:02x}")).collect();
        Some(own_hex.eq_ignore_ascii_case(printed))
    }

    /// The text symbol containing `addr`, with kallsyms and ELF sizes; `None` outside every
    /// symbol. `addr` is used as is: for a return address, pass `addr - 1` (or use
    /// [`Probe::source_addr`]) to get what the kernel's `%pB` printed.
    pub fn find_symbol(&self, addr: u64) -> Option<SymbolInfo> {
        self.symbols.find(addr)
    }

    /// The text symbol named `name` (unnormalized). When the name repeats, as static functions
    /// do, the one whose kallsyms size is `size_hint` wins; without a match, the first one.
    pub fn find_symbol_by_name(&self, name: &str, size_hint: Option<u64>) -> Option<SymbolInfo> {
        self.symbols.find_by_name(name, size_hint)
    }

    /// Every text symbol in address order, aliases included.
    pub fn symbols(&self) -> impl Iterator<Item = SymbolInfo> + '_ {
        self.symbols.iter()
    }

    /// Source frames of `probe`, innermost first (the order of `addr2line -i`); the last entry is
    /// the function that physically holds the address. Without DWARF coverage the result is one
    /// frame naming the symbol (no file); outside every symbol it is empty.
    pub fn find_frames(&self, probe: Probe) -> Result<Vec<SourceFrame>> {
        let addr = probe.source_addr();
        let frames = match &self.dwarf {
            Some(dwarf) => dwarf.find_frames(addr)?,
            None => Vec::new(),
        };
        Ok(self.with_symbol_name(addr, frames))
    }

    /// [`Image::find_frames`] for many probes, answers in the same order: meant for large
    /// batches (`legolog symbolize` on a list). The DWARF work is grouped by compilation unit
    /// and spread over worker threads, and each unit's parsed tables are dropped once its
    /// probes are answered, so memory stays bounded by a few units instead of growing with
    /// every unit touched.
    pub fn find_frames_batch(&self, probes: &[Probe]) -> Vec<Result<Vec<SourceFrame>>> {
        let addrs: Vec<u64> = probes.iter().map(|probe| probe.source_addr()).collect();
        let answers = match &self.dwarf {
            Some(dwarf) => dwarf.find_frames_batch(&addrs),
            None => addrs.iter().map(|_| Ok(Vec::new())).collect(),
        };
        addrs
            .iter()
            .zip(answers)
            .map(|(&addr, answer)| answer.map(|frames| self.with_symbol_name(addr, frames)))
            .collect()
    }

    /// Names the outermost frame from the symbol table when DWARF could not, or makes the only
    /// frame from it when DWARF has nothing.
    fn with_symbol_name(&self, addr: u64, mut frames: Vec<SourceFrame>) -> Vec<SourceFrame> {
        let symbol_name = || self.find_symbol(addr).map(|sym| sym.name);
        match frames.last_mut() {
            Some(outer) if outer.function.is_none() => outer.function = symbol_name(),
            Some(_) => {}
            None => {
                if let Some(name) = symbol_name() {
                    frames.push(SourceFrame {
                        function: Some(name),
                        file: None,
                        line: None,
                        column: None,
                    });
                }
            }
        }
        frames
    }

    /// Whether `addr` lies in an executable section.
    pub fn is_text(&self, addr: u64) -> bool {
        self.elf
            .sections
            .iter()
            .any(|s| s.is_text() && s.contains(addr))
    }

    /// Up to `len` code bytes ending at `end` (exclusive), from the executable section containing
    /// `end - 1`. Fewer bytes are returned near the start of the section.
    pub(crate) fn code_before(&self, end: u64, len: u64) -> Option<&[u8]> {
        let last = end.checked_sub(1)?;
        let section = self
            .elf
            .sections
            .iter()
            .find(|s| s.is_text() && s.contains(last))?;
        let data = section.data.as_ref()?.as_slice();
        let end_offset = usize::try_from(end - section.addr).ok()?;
        let start_offset = end_offset.saturating_sub(usize::try_from(len).ok()?);
        data.get(start_offset..end_offset)
    }

    /// The code bytes `[start, start + len)`, cut at the end of the executable section that
    /// contains `start`.
    pub(crate) fn code_at(&self, start: u64, len: u64) -> Option<&[u8]> {
        let section = self
            .elf
            .sections
            .iter()
            .find(|s| s.is_text() && s.contains(start))?;
        let data = section.data.as_ref()?.as_slice();
        let start_offset = usize::try_from(start - section.addr).ok()?;
        let end_offset = start_offset
            .saturating_add(usize::try_from(len).ok()?)
            .min(data.len());
        data.get(start_offset..end_offset)
    }

    /// The name of the undefined symbol a relocatable image's PC-relative field at `addr` refers
    /// to (e.g. a module's `call printk`).
    pub(crate) fn reloc_name(&self, addr: u64) -> Option<&str> {
        self.elf.reloc_names.get(&addr).map(String::as_str)
    }
}
