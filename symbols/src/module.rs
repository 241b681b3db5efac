//! Finding and loading kernel modules (`NAME.ko`, `.ko.xz`, `.ko.zst`, `.ko.gz`) from directories.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::bytes::Bytes;
use crate::error::{Error, Result};
use crate::image::Image;

/// Directory levels searched below each module directory (Debian's debug layout
/// `usr/lib/debug/lib/modules/VER/kernel/drivers/net/ethernet/intel/e1000e/` needs 11).
const MAX_DEPTH: usize = 24;

/// The compression of a module file, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compression {
    None,
    Xz,
    Zstd,
    Gzip,
}

/// Normalized module name → candidate files.
type Index = HashMap<String, Vec<(PathBuf, Compression)>>;

enum Cached {
    Loaded(Rc<Image>),
    Missing,
    Failed,
}

/// Module files under the configured directories, indexed on first use, and the modules loaded
/// so far.
pub(crate) struct ModuleSet {
    dirs: Vec<PathBuf>,
    strip_prefixes: Vec<String>,
    max_decompressed: u64,
    index: RefCell<Option<Index>>,
    loaded: RefCell<HashMap<String, Cached>>,
    /// Files chosen for a module by the caller (found by build ID), taking precedence over the
    /// directories.
    chosen: RefCell<HashMap<String, PathBuf>>,
}

/// Module names match with `-` and `_` treated as the same character, as `modprobe` does.
pub(crate) fn normalize(name: &str) -> String {
    name.replace('-', "_")
}

impl ModuleSet {
    pub(crate) fn new(
        dirs: Vec<PathBuf>,
        strip_prefixes: Vec<String>,
        max_decompressed: u64,
    ) -> ModuleSet {
        ModuleSet {
            dirs,
            strip_prefixes,
            max_decompressed,
            index: RefCell::new(None),
            loaded: RefCell::new(HashMap::new()),
            chosen: RefCell::new(HashMap::new()),
        }
    }

    /// Makes `path` the file of module `name` from now on (forgetting what was loaded before).
    pub(crate) fn choose(&self, name: &str, path: PathBuf) {
        let key = normalize(name);
        self.loaded.borrow_mut().remove(&key);
        self.chosen.borrow_mut().insert(key, path);
    }

    /// The file that would be loaded for module `name`: among all matches, one under a `debug`
    /// directory wins (it carries DWARF), then the shortest path, then the lexically first.
    pub(crate) fn find_file(&self, name: &str) -> Option<PathBuf> {
        self.find_entry(name).map(|(path, _)| path)
    }

    fn find_entry(&self, name: &str) -> Option<(PathBuf, Compression)> {
        if let Some(path) = self.chosen.borrow().get(&normalize(name)) {
            let compression = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(split_module_name)
                .map_or(Compression::None, |(_, compression)| compression);
            return Some((path.clone(), compression));
        }
        let mut index = self.index.borrow_mut();
        let index = index.get_or_insert_with(|| build_index(&self.dirs));
        let candidates = index.get(&normalize(name))?;
        candidates
            .iter()
            .min_by_key(|(path, _)| {
                let in_debug = path.components().any(|c| c.as_os_str() == "debug");
                (!in_debug, path.as_os_str().len(), path.clone())
            })
            .cloned()
    }

    /// Loads module `name`. `Ok(None)` when no file matches; the first failure is returned as an
    /// error and later calls for the same module return `Ok(None)`, so the caller warns once.
    pub(crate) fn load(&self, name: &str) -> Result<Option<Rc<Image>>> {
        let key = normalize(name);
        if let Some(cached) = self.loaded.borrow().get(&key) {
            return Ok(match cached {
                Cached::Loaded(image) => Some(Rc::clone(image)),
                Cached::Missing | Cached::Failed => None,
            });
        }
        let Some((path, compression)) = self.find_entry(name) else {
            self.loaded.borrow_mut().insert(key, Cached::Missing);
            return Ok(None);
        };
        let res = read_module(&path, compression, self.max_decompressed).and_then(|bytes| {
            Image::load(&path, bytes, &self.strip_prefixes, self.max_decompressed)
        });
        match res {
            Ok(image) => {
                let image = Rc::new(image);
                self.loaded
                    .borrow_mut()
                    .insert(key, Cached::Loaded(Rc::clone(&image)));
                Ok(Some(image))
            }
            Err(err) => {
                self.loaded.borrow_mut().insert(key, Cached::Failed);
                Err(err)
            }
        }
    }
}

fn build_index(dirs: &[PathBuf]) -> Index {
    let mut index = Index::new();
    let files = files_below(dirs, MAX_DEPTH, |name| split_module_name(name).is_some());
    for path in files {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((stem, compression)) = split_module_name(file_name) else {
            continue;
        };
        index
            .entry(normalize(stem))
            .or_default()
            .push((path.clone(), compression));
    }
    index
}

/// The files below `dirs` (at most `max_depth` levels down) whose name `keep` accepts, in walk
/// order; only regular files (FIFOs, sockets and devices are never listed). `file_type` does
/// not follow symlinks: a symlinked directory is not entered (no
/// loops), a symlinked file is still listed. Unreadable directories are skipped.
pub fn files_below(
    dirs: &[PathBuf],
    max_depth: usize,
    mut keep: impl FnMut(&str) -> bool,
) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = dirs.iter().map(|dir| (dir.clone(), 0)).collect();
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if file_type.is_dir() {
                if depth < max_depth {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(&mut keep)
                // Only regular files (a symlink is followed): opening a FIFO, socket or device
                // named like a module could block forever.
                && std::fs::metadata(&path).is_ok_and(|meta| meta.is_file())
            {
                found.push(path);
            }
        }
    }
    found
}

fn split_module_name(file_name: &str) -> Option<(&str, Compression)> {
    let suffixes = [
        (".ko", Compression::None),
        (".ko.xz", Compression::Xz),
        (".ko.zst", Compression::Zstd),
        (".ko.gz", Compression::Gzip),
        (".ko.debug", Compression::None),
    ];
    suffixes.iter().find_map(|(suffix, compression)| {
        let stem = file_name.strip_suffix(suffix)?;
        (!stem.is_empty()).then_some((stem, *compression))
    })
}

fn read_module(path: &Path, compression: Compression, max_bytes: u64) -> Result<Bytes> {
    let io_err = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let (format, reader): (&'static str, Box<dyn Read>) = match compression {
        Compression::None => {
            // SAFETY: read-only map, see `Symbolizer::open`.
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io_err)?;
            return Ok(Bytes::from_mmap(map));
        }
        Compression::Xz => ("xz", Box::new(xz2::read::XzDecoder::new(file))),
        Compression::Zstd => match zstd::stream::read::Decoder::new(file) {
            Ok(decoder) => ("zstd", Box::new(decoder)),
            Err(source) => {
                return Err(Error::Decompress {
                    path: path.to_owned(),
                    format: "zstd",
                    source,
                })
            }
        },
        Compression::Gzip => ("gzip", Box::new(flate2::read::GzDecoder::new(file))),
    };
    decompress(path, format, reader, max_bytes).map(Bytes::from_vec)
}

/// Reads a decompression stream, refusing output beyond `max_bytes` as it grows, and anything
/// that does not start with the ELF magic after its first four bytes (so a bomb that is not an
/// ELF is never inflated).
pub(crate) fn decompress(
    path: &Path,
    format: &'static str,
    mut reader: impl Read,
    max_bytes: u64,
) -> Result<Vec<u8>> {
    let decompress_err = |source| Error::Decompress {
        path: path.to_owned(),
        format,
        source,
    };
    let mut magic = [0u8; 4];
    reader.read_exact(&mut magic).map_err(decompress_err)?;
    if magic != *b"\x7fELF" {
        return Err(Error::NotElf {
            path: path.to_owned(),
        });
    }
    let mut out = magic.to_vec();
    let res = reader.take(max_bytes).read_to_end(&mut out);
    res.map_err(decompress_err)?;
    if out.len() as u64 > max_bytes {
        return Err(Error::LimitExceeded {
            path: path.to_owned(),
            what: format!("decompresses to more than {max_bytes} bytes (limit max_symbol_bytes)"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_file_names() {
        assert_eq!(
            split_module_name("lkdtm.ko"),
            Some(("lkdtm", Compression::None))
        );
        assert_eq!(
            split_module_name("mlx4_ib.ko.xz"),
            Some(("mlx4_ib", Compression::Xz))
        );
        assert_eq!(
            split_module_name("e1000e.ko.zst"),
            Some(("e1000e", Compression::Zstd))
        );
        assert_eq!(
            split_module_name("dm-crypt.ko.gz"),
            Some(("dm-crypt", Compression::Gzip))
        );
        assert_eq!(split_module_name(".ko"), None);
        assert_eq!(split_module_name("vmlinux"), None);
        assert_eq!(normalize("dm-crypt"), "dm_crypt");
    }
}
