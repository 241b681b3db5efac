//! The text symbol table, with sizes computed the way kallsyms computes them.
//!
//! The kernel prints `sym+off/size` where `size` is the distance from the symbol to the next
//! symbol (alignment padding included), not the ELF `st_size`. Comparing a log against an ELF must
//! compare like with like, so every entry carries both.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::elf::{Section, TextSymbol};

/// A text symbol as the kernel sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolInfo {
    /// The symbol name, unnormalized (e.g. `__free_pages`, or `foo.cold` / `bar.isra.0` as the
    /// compiler named them).
    pub name: String,
    /// Its address in the image (link address; a module's synthetic address).
    pub start: u64,
    /// Distance to the next symbol: what the kernel prints after the `/` of `sym+off/size`.
    pub kallsyms_size: u64,
    /// The ELF `st_size`: the bytes the compiler emitted, without padding.
    pub elf_size: u64,
}

struct Entry {
    sym: TextSymbol,
    kallsyms_size: u64,
}

/// Text symbols sorted by address; aliases (several names at one address) are kept, and the
/// preferred one is reported by address lookups.
pub(crate) struct SymbolTable {
    entries: Vec<Entry>,
    /// Index of the preferred entry of each distinct address, in address order.
    primary: Vec<usize>,
    by_name: OnceLock<HashMap<String, Vec<usize>>>,
}

impl SymbolTable {
    pub(crate) fn new(mut symbols: Vec<TextSymbol>, sections: &[Section]) -> SymbolTable {
        symbols.sort_by(|a, b| a.addr.cmp(&b.addr).then(a.rank.cmp(&b.rank)));
        let mut primary = Vec::new();
        for (idx, sym) in symbols.iter().enumerate() {
            let is_new_addr = match idx.checked_sub(1).and_then(|prev| symbols.get(prev)) {
                Some(prev) => prev.addr != sym.addr,
                None => true,
            };
            if is_new_addr {
                primary.push(idx);
            }
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(symbols.len());
        for (pos, &first_idx) in primary.iter().enumerate() {
            let next_first = primary.get(pos + 1).copied().unwrap_or(symbols.len());
            let Some(group) = symbols.get(first_idx..next_first) else {
                continue;
            };
            let Some(first) = group.first() else { continue };
            let section_end = sections
                .get(first.section_idx)
                .map_or(first.addr, |s| s.addr.saturating_add(s.size));
            // The next symbol in the same section ends this one; the last one of a section ends at
            // the section's end.
            let end = match symbols.get(next_first) {
                Some(next) if next.section_idx == first.section_idx => next.addr,
                _ => section_end.max(first.addr.saturating_add(first.elf_size)),
            };
            let kallsyms_size = end.saturating_sub(first.addr);
            for sym in group {
                entries.push(Entry {
                    sym: sym.clone(),
                    kallsyms_size,
                });
            }
        }
        SymbolTable {
            entries,
            primary,
            by_name: OnceLock::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The symbol whose `[start, start + kallsyms_size)` contains `addr`.
    pub(crate) fn find(&self, addr: u64) -> Option<SymbolInfo> {
        let pos = self
            .primary
            .partition_point(|&idx| self.entries.get(idx).is_some_and(|e| e.sym.addr <= addr));
        let entry = self.entries.get(*self.primary.get(pos.checked_sub(1)?)?)?;
        if addr - entry.sym.addr >= entry.kallsyms_size {
            return None;
        }
        Some(entry.info())
    }

    /// The symbol named `name`; when the name repeats (static functions), the one whose kallsyms
    /// size equals `size_hint`, else the first one in address order.
    pub(crate) fn find_by_name(&self, name: &str, size_hint: Option<u64>) -> Option<SymbolInfo> {
        let by_name = self.by_name.get_or_init(|| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::with_capacity(self.entries.len());
            for (idx, entry) in self.entries.iter().enumerate() {
                map.entry(entry.sym.name.clone()).or_default().push(idx);
            }
            map
        });
        let candidates = by_name.get(name)?;
        let sized = size_hint.and_then(|size| {
            candidates
                .iter()
                .filter_map(|&idx| self.entries.get(idx))
                .find(|e| e.kallsyms_size == size)
        });
        let entry = match sized {
            Some(entry) => entry,
            None => self.entries.get(*candidates.first()?)?,
        };
        Some(entry.info())
    }

    /// Every symbol, in address order (aliases included).
    pub(crate) fn iter(&self) -> impl Iterator<Item = SymbolInfo> + '_ {
        self.entries.iter().map(Entry::info)
    }
}

impl Entry {
    fn info(&self) -> SymbolInfo {
        SymbolInfo {
            name: self.sym.name.clone(),
            start: self.sym.addr,
            kallsyms_size: self.kallsyms_size,
            elf_size: self.sym.elf_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(name: &str, addr: u64, elf_size: u64, rank: u8) -> TextSymbol {
        TextSymbol {
            name: name.into(),
            addr,
            elf_size,
            section_idx: 1,
            rank: (rank, 0, 0),
        }
    }

    fn table() -> SymbolTable {
        let text = Section {
            name: ".text".into(),
            addr: 0x1000,
            size: 0x100,
            flags: 0x6,
            data: None,
        };
        let symbols = vec![
            sym("helper", 0x1000, 0x1e, 0),
            sym("alias_of_helper", 0x1000, 0x1e, 1),
            sym("setup", 0x1020, 0x10, 0),
            // Two static functions of the same name in different files.
            sym("setup", 0x1040, 0x3c, 0),
            sym("last", 0x1080, 0x8, 0),
        ];
        SymbolTable::new(
            symbols,
            &[
                Section {
                    name: String::new(),
                    addr: 0,
                    size: 0,
                    flags: 0,
                    data: None,
                },
                text,
            ],
        )
    }

    #[test]
    fn kallsyms_sizes_include_padding() {
        let table = table();
        let helper = table.find(0x101f).unwrap();
        assert_eq!(
            (
                helper.name.as_str(),
                helper.start,
                helper.kallsyms_size,
                helper.elf_size
            ),
            ("helper", 0x1000, 0x20, 0x1e)
        );
        // The last symbol of a section ends at the section's end.
        assert_eq!(table.find(0x10ff).unwrap().kallsyms_size, 0x80);
        assert_eq!(table.find(0x1100), None);
        assert_eq!(table.find(0xfff), None);
    }

    #[test]
    fn repeated_names_are_told_apart_by_size() {
        let table = table();
        assert_eq!(
            table.find_by_name("setup", Some(0x40)).unwrap().start,
            0x1040
        );
        assert_eq!(
            table.find_by_name("setup", Some(0x20)).unwrap().start,
            0x1020
        );
        assert_eq!(table.find_by_name("setup", None).unwrap().start, 0x1020);
        assert_eq!(
            table.find_by_name("setup", Some(0x999)).unwrap().start,
            0x1020
        );
        assert_eq!(
            table.find_by_name("alias_of_helper", None).unwrap().start,
            0x1000
        );
        assert_eq!(table.find_by_name("nothing", None), None);
    }
}
