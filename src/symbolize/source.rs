//! `--src DIR`: the source lines around a frame's line (the `faddr2line --list` habit).

use legolog_symbols::SourceFrame;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

/// Source files larger than this are not read.
const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// Lines of one source file around a frame's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The file, relative to the source tree.
    pub file: String,
    /// `(line number, text)` in order.
    pub lines: Vec<(u32, String)>,
    /// The frame's line.
    pub marked: u32,
}

/// A kernel source tree and how many lines to show around each frame's line.
pub struct SourceTree {
    root: PathBuf,
    context: u32,
    files: RefCell<HashMap<String, Option<Rc<Vec<String>>>>>,
}

impl SourceTree {
    /// The tree at `root`, `context` lines before and after each line.
    pub fn new(root: PathBuf, context: u32) -> SourceTree {
        SourceTree {
            root,
            context,
            files: RefCell::new(HashMap::new()),
        }
    }

    /// The lines around the innermost location of `location`; `None` without a file:line or
    /// when the file is not in the tree.
    pub fn snippet(&self, location: &[SourceFrame]) -> Option<Snippet> {
        let first = location.first()?;
        let file = first.file.as_deref()?;
        let line = first.line?;
        let text = self.file(file)?;
        let first_line = line.saturating_sub(self.context).max(1);
        let last_line = line.saturating_add(self.context);
        let lines: Vec<(u32, String)> = (first_line..=last_line)
            .filter_map(|number| {
                let text = text.get(usize::try_from(number).ok()?.checked_sub(1)?)?;
                Some((number, text.clone()))
            })
            .collect();
        if !lines.iter().any(|(number, _)| *number == line) {
            return None;
        }
        Some(Snippet {
            file: file.to_owned(),
            lines,
            marked: line,
        })
    }

    fn file(&self, file: &str) -> Option<Rc<Vec<String>>> {
        if let Some(cached) = self.files.borrow().get(file) {
            return cached.clone();
        }
        let loaded = self.read(Path::new(file)).map(Rc::new);
        self.files
            .borrow_mut()
            .insert(file.to_owned(), loaded.clone());
        loaded
    }

    /// Only relative paths inside the tree are read (no `..`, no absolute DWARF paths).
    fn read(&self, relative: &Path) -> Option<Vec<String>> {
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return None;
        }
        let path = self.root.join(relative);
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_SOURCE_BYTES {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        Some(
            String::from_utf8_lossy(&bytes)
                .lines()
                .map(|line| line.replace('\t', "        "))
                .collect(),
        )
    }
}
