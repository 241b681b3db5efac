//! Source positions and inline chains from DWARF, through addr2line.
//!
//! Nothing is parsed when an image is opened. On the first lookup `.debug_aranges` is read into
//! an index (address range → compilation unit), and each unit that a lookup lands in gets an
//! addr2line `Context` of its own, built over that unit's bytes of `.debug_info` only: a
//! whole-file `Context` parses every unit's header, abbreviations and line-program header up
//! front, which for a distribution vmlinux (2,300 units, 5.5 MB of abbreviations) costs more than
//! symbolizing a whole trace. Addresses that `.debug_aranges` does not cover, and units that
//! refer to other units (`DW_FORM_ref_addr` and friends, which a one-unit context cannot
//! follow), go to the whole-file `Context`, built on first need as before.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gimli::Reader as _;
use std::path::{Path, PathBuf};

use crate::bytes::{Bytes, Reader, Slice};
use crate::elf::Section;
use crate::error::{Error, Result};

/// One source position of an address, as `addr2line -f -i` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFrame {
    /// The function (for an inlined frame, the inlined function), or `None` when unknown.
    pub function: Option<String>,
    /// The file, relative to the kernel source tree when the DWARF's build directory could be
    /// stripped, otherwise as recorded.
    pub file: Option<String>,
    /// 1-based line, `None` when unknown.
    pub line: Option<u32>,
    /// 1-based column, `None` when unknown or not recorded.
    pub column: Option<u32>,
}

pub(crate) struct DwarfInfo {
    sections: Sections,
    /// `.debug_aranges` as `(begin, end, unit offset)`, sorted by `begin`; built on first use.
    unit_index: OnceCell<Vec<(u64, u64, usize)>>,
    /// Unit offset → its own context; `None` when the unit must go to the whole-file context.
    unit_contexts: RefCell<HashMap<usize, Option<Rc<Context>>>>,
    context: OnceCell<std::result::Result<Context, gimli::Error>>,
}

/// The plain data a lookup needs (shared by the worker threads of
/// [`DwarfInfo::find_frames_batch`]; the caches stay in [`DwarfInfo`]).
struct Sections {
    path: PathBuf,
    endian: gimli::RunTimeEndian,
    /// `(name, bytes)` of every `.debug_*` section; gimli readers are made from them on first use.
    debug_sections: Vec<(String, Slice)>,
    extra_prefixes: Vec<String>,
}

type Context = addr2line::Context<Reader>;

/// Upper bound on [`DwarfInfo::find_frames_batch`]'s threads: each holds one unit's parsed
/// functions and lines.
const MAX_WORKERS: usize = 8;

/// Attribute forms that refer outside the unit; a unit using one cannot be read on its own.
const CROSS_UNIT_FORMS: [u64; 5] = [
    0x10,   // DW_FORM_ref_addr
    0x16,   // DW_FORM_indirect (the real form is only known per DIE)
    0x1c,   // DW_FORM_ref_sup4
    0x24,   // DW_FORM_ref_sup8
    0x1f20, // DW_FORM_GNU_ref_alt
];

impl DwarfInfo {
    /// Keeps the debug sections, or returns `None` when there is no `.debug_info`.
    pub(crate) fn new(
        path: &Path,
        endian: gimli::RunTimeEndian,
        sections: &[Section],
        extra_prefixes: &[String],
    ) -> Option<DwarfInfo> {
        let has_info = sections
            .iter()
            .any(|s| s.name == ".debug_info" && s.size > 0);
        if !has_info {
            return None;
        }
        let debug_sections = sections
            .iter()
            .filter(|s| s.name.starts_with(".debug_"))
            .filter_map(|s| Some((s.name.clone(), s.data.clone()?)))
            .collect();
        Some(DwarfInfo {
            sections: Sections {
                path: path.to_owned(),
                endian,
                debug_sections,
                extra_prefixes: extra_prefixes.to_vec(),
            },
            unit_index: OnceCell::new(),
            unit_contexts: RefCell::new(HashMap::new()),
            context: OnceCell::new(),
        })
    }

    /// The whole-file context: every unit's ranges, parsed on first use.
    fn context(&self) -> Result<&Context> {
        let res = self.context.get_or_init(|| {
            let load = |id: gimli::SectionId| -> std::result::Result<Reader, gimli::Error> {
                Ok(self.sections.reader(self.sections.section(id)))
            };
            addr2line::Context::from_dwarf(gimli::Dwarf::load(load)?)
        });
        match res {
            Ok(ctx) => Ok(ctx),
            Err(err) => Err(Error::Dwarf {
                path: self.sections.path.clone(),
                source: *err,
            }),
        }
    }

    /// `.debug_aranges` as a sorted index; empty when the section is missing or unreadable
    /// (every lookup then goes to the whole-file context, which reads it again and reports).
    fn unit_index(&self) -> &[(u64, u64, usize)] {
        self.unit_index.get_or_init(|| {
            let aranges = gimli::DebugAranges::from(
                self.sections
                    .reader(self.sections.section(gimli::SectionId::DebugAranges)),
            );
            let mut index = Vec::new();
            let mut headers = aranges.headers();
            while let Ok(Some(header)) = headers.next() {
                let unit_offset = header.debug_info_offset().0;
                let mut entries = header.entries();
                while let Ok(Some(entry)) = entries.next() {
                    let range = entry.range();
                    if range.begin < range.end {
                        index.push((range.begin, range.end, unit_offset));
                    }
                }
            }
            index.sort_unstable();
            index
        })
    }

    /// The one-unit context for the unit `.debug_aranges` assigns `addr` to, if any and if
    /// that unit can be read on its own.
    fn unit_context(&self, addr: u64) -> Option<Rc<Context>> {
        let unit_offset = unit_of(self.unit_index(), addr)?;
        if let Some(known) = self.unit_contexts.borrow().get(&unit_offset) {
            return known.clone();
        }
        let context = self.sections.build_unit_context(unit_offset).map(Rc::new);
        self.unit_contexts
            .borrow_mut()
            .insert(unit_offset, context.clone());
        context
    }

    /// Frames for `addr`, innermost first; empty when the DWARF does not cover it.
    pub(crate) fn find_frames(&self, addr: u64) -> Result<Vec<SourceFrame>> {
        if let Some(unit_context) = self.unit_context(addr) {
            if let Ok(frames) = self.sections.find_frames_in(&unit_context, addr) {
                if !frames.is_empty() {
                    return Ok(frames);
                }
            }
        }
        self.find_frames_whole(addr)
    }

    /// Frames for `addr` from the whole-file context.
    fn find_frames_whole(&self, addr: u64) -> Result<Vec<SourceFrame>> {
        self.sections.find_frames_in(self.context()?, addr)
    }

    /// [`DwarfInfo::find_frames`] for many addresses at once, answers in the order of `addrs`.
    ///
    /// The addresses are grouped by unit; each unit's context is built once, answers all of its
    /// addresses and is dropped, so memory stays around one unit per worker instead of growing
    /// with every unit touched, and the units are spread over up to
    /// `std::thread::available_parallelism` worker threads. Addresses that no unit takes go to
    /// the whole-file context, as in [`DwarfInfo::find_frames`]. The per-address cache of
    /// [`DwarfInfo::find_frames`] is neither used nor filled.
    pub(crate) fn find_frames_batch(&self, addrs: &[u64]) -> Vec<Result<Vec<SourceFrame>>> {
        let index = self.unit_index();
        let mut by_unit: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut fallback = Vec::new();
        for (addr_idx, &addr) in addrs.iter().enumerate() {
            match unit_of(index, addr) {
                Some(unit_offset) => by_unit.entry(unit_offset).or_default().push(addr_idx),
                None => fallback.push(addr_idx),
            }
        }
        let groups: Vec<(usize, Vec<usize>)> = by_unit.into_iter().collect();
        let n_workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_WORKERS)
            .min(groups.len().max(1));
        let next_group = AtomicUsize::new(0);
        let sections = &self.sections;
        let work = || {
            let mut answered = Vec::new();
            let mut unanswered = Vec::new();
            loop {
                let Some((unit_offset, addr_idxs)) =
                    groups.get(next_group.fetch_add(1, Ordering::Relaxed))
                else {
                    return (answered, unanswered);
                };
                let Some(context) = sections.build_unit_context(*unit_offset) else {
                    unanswered.extend_from_slice(addr_idxs);
                    continue;
                };
                for &addr_idx in addr_idxs {
                    let Some(&addr) = addrs.get(addr_idx) else {
                        continue;
                    };
                    match sections.find_frames_in(&context, addr) {
                        Ok(frames) if !frames.is_empty() => answered.push((addr_idx, frames)),
                        _ => unanswered.push(addr_idx),
                    }
                }
            }
        };
        let outcomes: Vec<_> = std::thread::scope(|scope| {
            let workers: Vec<_> = (1..n_workers).map(|_| scope.spawn(work)).collect();
            let mut outcomes = vec![work()];
            for worker in workers {
                match worker.join() {
                    Ok(outcome) => outcomes.push(outcome),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            outcomes
        });
        let mut res: Vec<Option<Result<Vec<SourceFrame>>>> = addrs.iter().map(|_| None).collect();
        for (answered, unanswered) in outcomes {
            for (addr_idx, frames) in answered {
                if let Some(slot) = res.get_mut(addr_idx) {
                    *slot = Some(Ok(frames));
                }
            }
            fallback.extend(unanswered);
        }
        for addr_idx in fallback {
            if let (Some(slot), Some(&addr)) = (res.get_mut(addr_idx), addrs.get(addr_idx)) {
                *slot = Some(self.find_frames_whole(addr));
            }
        }
        res.into_iter()
            .map(|answer| answer.unwrap_or_else(|| Ok(Vec::new())))
            .collect()
    }
}

impl Sections {
    fn section(&self, id: gimli::SectionId) -> Option<&Slice> {
        self.debug_sections
            .iter()
            .find(|(name, _)| name == id.name())
            .map(|(_, slice)| slice)
    }

    fn reader(&self, slice: Option<&Slice>) -> Reader {
        match slice {
            Some(slice) => slice.reader(self.endian),
            None => gimli::EndianReader::new(Bytes::from_vec(Vec::new()), self.endian),
        }
    }

    fn build_unit_context(&self, unit_offset: usize) -> Option<Context> {
        let info = self.section(gimli::SectionId::DebugInfo)?;
        let header = gimli::DebugInfo::from(info.reader(self.endian))
            .header_from_offset(gimli::DebugInfoOffset(unit_offset))
            .ok()?;
        let unit_end = unit_offset.checked_add(header.length_including_self())?;
        let abbrev = self.section(gimli::SectionId::DebugAbbrev)?;
        let abbrev_offset = header.debug_abbrev_offset().0;
        if refers_outside_unit(abbrev.as_slice().get(abbrev_offset..)?)? {
            return None;
        }
        let unit_info = info.sub(unit_offset..unit_end)?;
        let load = |id: gimli::SectionId| -> std::result::Result<Reader, gimli::Error> {
            Ok(match id {
                gimli::SectionId::DebugInfo => unit_info.reader(self.endian),
                // Its unit offsets are the whole section's: a one-unit context must not read it
                // (it would take the ranges of the file's first unit for this one).
                gimli::SectionId::DebugAranges => self.reader(None),
                id => self.reader(self.section(id)),
            })
        };
        addr2line::Context::from_dwarf(gimli::Dwarf::load(load).ok()?).ok()
    }

    fn find_frames_in(&self, ctx: &Context, addr: u64) -> Result<Vec<SourceFrame>> {
        // addr2line 0.24 computes `probe + 1` unchecked (a panic in debug builds); no unit
        // can cover the last byte of the address space anyway.
        if addr == u64::MAX {
            return Ok(Vec::new());
        }
        let dwarf_err = |source| Error::Dwarf {
            path: self.path.clone(),
            source,
        };
        let comp_dir = ctx
            .find_dwarf_and_unit(addr)
            .skip_all_loads()
            .and_then(|unit| {
                unit.comp_dir
                    .as_ref()
                    .map(|dir| dir.to_string_lossy().map(|s| s.into_owned()))
            })
            .and_then(|res| res.ok());
        let mut frames = ctx.find_frames(addr).skip_all_loads().map_err(dwarf_err)?;
        let mut res = Vec::new();
        while let Some(frame) = frames.next().map_err(dwarf_err)? {
            let function = match frame.function.as_ref() {
                Some(name) => Some(name.raw_name().map_err(dwarf_err)?.into_owned()),
                None => None,
            };
            let location = frame.location.as_ref();
            let file = location
                .and_then(|loc| loc.file)
                .map(|file| self.relative(file, comp_dir.as_deref()));
            res.push(SourceFrame {
                function,
                file,
                line: location.and_then(|loc| loc.line).filter(|&line| line != 0),
                column: location.and_then(|loc| loc.column),
            });
        }
        Ok(res)
    }

    /// Strips the build directory (the unit's `DW_AT_comp_dir`, or a configured prefix) and a
    /// leading `./` from a path, leaving it relative to the source tree.
    fn relative(&self, file: &str, comp_dir: Option<&str>) -> String {
        let prefixes = comp_dir
            .into_iter()
            .chain(self.extra_prefixes.iter().map(String::as_str));
        let mut rest = file;
        for prefix in prefixes {
            let prefix = prefix.trim_end_matches('/');
            if prefix.is_empty() {
                continue;
            }
            if let Some(stripped) = file.strip_prefix(prefix).and_then(|s| s.strip_prefix('/')) {
                rest = stripped;
                break;
            }
        }
        if rest == file {
            if let Some(stripped) = comp_dir.and_then(|dir| strip_tree_ancestor(file, dir)) {
                rest = stripped;
            }
        }
        while let Some(stripped) = rest.strip_prefix("./") {
            rest = stripped;
        }
        rest.to_owned()
    }
}

/// `file` relative to the deepest ancestor of `comp_dir` (at least three levels below `/`, so
/// shared roots such as `/usr/src` are never taken for a tree) that holds it. Assembly units of an out-of-tree build (Debian builds in
/// `linux-6.1.192/debian/build/build_amd64_none_amd64`) record their build directory as
/// `DW_AT_comp_dir` but their sources by absolute path in the tree above it
/// (`linux-6.1.192/arch/x86/entry/entry_64.S`), where C units record paths relative to the tree.
fn strip_tree_ancestor<'a>(file: &'a str, comp_dir: &str) -> Option<&'a str> {
    if !file.starts_with('/') {
        return None;
    }
    let mut dir = comp_dir.trim_end_matches('/');
    while dir.matches('/').count() >= 3 {
        if let Some(rest) = file.strip_prefix(dir).and_then(|s| s.strip_prefix('/')) {
            return Some(rest);
        }
        dir = dir.get(..dir.rfind('/')?)?;
    }
    None
}

/// The unit `.debug_aranges` assigns `addr` to.
fn unit_of(index: &[(u64, u64, usize)], addr: u64) -> Option<usize> {
    let idx = index.partition_point(|&(begin, _, _)| begin <= addr);
    let &(_, end, unit_offset) = index.get(idx.checked_sub(1)?)?;
    (addr < end).then_some(unit_offset)
}

/// Whether an abbreviation table (the bytes from its start to the end of `.debug_abbrev`) uses
/// a form that refers outside its unit. `None` when the table cannot be read.
fn refers_outside_unit(table: &[u8]) -> Option<bool> {
    let mut pos = 0;
    loop {
        let code = read_uleb(table, &mut pos)?;
        if code == 0 {
            return Some(false);
        }
        let _tag = read_uleb(table, &mut pos)?;
        pos = pos.checked_add(1)?; // DW_CHILDREN_yes/no
        loop {
            let name = read_uleb(table, &mut pos)?;
            let form = read_uleb(table, &mut pos)?;
            if name == 0 && form == 0 {
                break;
            }
            if CROSS_UNIT_FORMS.contains(&form) {
                return Some(true);
            }
            if form == 0x21 {
                // DW_FORM_implicit_const: the value (SLEB128) sits in the table.
                read_uleb(table, &mut pos)?;
            }
        }
    }
}

/// Reads an (S|U)LEB128 at `pos` (the bytes are skipped the same way for both), advancing it.
fn read_uleb(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    let mut shift = 0u32;
    loop {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        if shift < 64 {
            value |= u64::from(byte & 0x7f) << shift;
        }
        shift = shift.saturating_add(7);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembly_paths_are_made_relative_to_the_tree_above_the_build_directory() {
        let build = "/build/reproducible-path/linux-6.1.192/debian/build/build_amd64_none_amd64";
        assert_eq!(
            strip_tree_ancestor(
                "/build/reproducible-path/linux-6.1.192/arch/x86/entry/entry_64.S",
                build
            ),
            Some("arch/x86/entry/entry_64.S")
        );
        assert_eq!(strip_tree_ancestor("/usr/include/stddef.h", build), None);
        assert_eq!(strip_tree_ancestor("arch/x86/a.c", build), None);
        // Out-of-tree modules: headers of a sibling tree stay absolute.
        assert_eq!(
            strip_tree_ancestor(
                "/usr/src/linux-headers-6.1.0-56-common/arch/x86/include/asm/vdso/processor.h",
                "/usr/src/linux-headers-6.1.0-56-amd64"
            ),
            None
        );
    }

    #[test]
    fn abbreviation_tables_with_cross_unit_forms_are_recognized() {
        // code 1, DW_TAG_compile_unit, children; DW_AT_name/DW_FORM_string; end; end of table.
        let plain = [1, 0x11, 1, 0x03, 0x08, 0, 0, 0];
        assert_eq!(refers_outside_unit(&plain), Some(false));
        // code 1, DW_TAG_subprogram, no children; DW_AT_abstract_origin/DW_FORM_ref_addr.
        let cross = [1, 0x2e, 0, 0x31, 0x10, 0, 0, 0];
        assert_eq!(refers_outside_unit(&cross), Some(true));
        // DW_FORM_implicit_const carries a value; DW_FORM_GNU_ref_alt is two bytes of ULEB.
        let implicit = [1, 0x2e, 0, 0x3a, 0x21, 0x7f, 0x31, 0xa0, 0x3e, 0, 0, 0];
        assert_eq!(refers_outside_unit(&implicit), Some(true));
        assert_eq!(refers_outside_unit(&[1, 0x2e]), None);
    }
}
