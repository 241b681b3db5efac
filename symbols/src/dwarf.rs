//! Source positions and inline chains from DWARF, through addr2line.
//!
//! Nothing is parsed when an image is opened: the addr2line `Context` (unit address ranges) is
//! built on the first lookup, and addr2line parses a unit's lines and functions only when an
//! address inside that unit is looked up.

use std::cell::OnceCell;

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
    path: PathBuf,
    endian: gimli::RunTimeEndian,
    /// `(name, bytes)` of every `.debug_*` section; gimli readers are made from them on first use.
    debug_sections: Vec<(String, Slice)>,
    context: OnceCell<std::result::Result<addr2line::Context<Reader>, gimli::Error>>,
    extra_prefixes: Vec<String>,
}

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
            path: path.to_owned(),
            endian,
            debug_sections,
            context: OnceCell::new(),
            extra_prefixes: extra_prefixes.to_vec(),
        })
    }

    fn context(&self) -> Result<&addr2line::Context<Reader>> {
        let res = self.context.get_or_init(|| {
            let load = |id: gimli::SectionId| -> std::result::Result<Reader, gimli::Error> {
                let slice = self
                    .debug_sections
                    .iter()
                    .find(|(name, _)| name == id.name());
                Ok(match slice {
                    Some((_, slice)) => slice.reader(self.endian),
                    None => gimli::EndianReader::new(Bytes::from_vec(Vec::new()), self.endian),
                })
            };
            addr2line::Context::from_dwarf(gimli::Dwarf::load(load)?)
        });
        match res {
            Ok(ctx) => Ok(ctx),
            Err(err) => Err(Error::Dwarf {
                path: self.path.clone(),
                source: *err,
            }),
        }
    }

    /// Frames for `addr`, innermost first; empty when the DWARF does not cover it.
    pub(crate) fn find_frames(&self, addr: u64) -> Result<Vec<SourceFrame>> {
        let ctx = self.context()?;
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
        while let Some(stripped) = rest.strip_prefix("./") {
            rest = stripped;
        }
        rest.to_owned()
    }
}
