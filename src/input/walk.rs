//! Directory walks for the commands that take directories (`correlate`; `timeline` and `watch`
//! can use the same): like fd, hidden entries are skipped unless asked for and `--glob` filters
//! file names; symlinks are followed with loops detected (walkdir), every file is read once
//! however many links lead to it, and files that are not console logs by their content are
//! skipped and counted rather than failing the run.

use crate::input::{binary_evidence, Compression};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Enter hidden directories and read hidden files (names starting with `.`).
    pub hidden: bool,
    /// Only files whose name matches one of these globs (fd's `--glob`); none: every file.
    pub globs: Vec<String>,
}

/// A file found by a walk.
#[derive(Debug, Clone)]
pub struct Found {
    /// The path, as reached from the argument.
    pub path: PathBuf,
    /// Whether its first 64 KiB hold console-shaped lines (a timestamp, a log level or a
    /// caller id), or it is compressed. A text file without them that also holds no report is
    /// not a log ([`Walk::not_logs`] is then told by the caller, which parsed it).
    pub console_head: bool,
    /// Given on the command line rather than found in a directory (never skipped).
    pub given: bool,
}

/// Why a file or directory was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Binary data (and no compression magic).
    Binary,
    /// Text with no console-shaped line and no report.
    NotALog,
    /// A symlink leading back to a directory it is inside.
    SymlinkLoop,
    /// Not a regular file (FIFO, socket, device).
    NotAFile,
    /// Empty.
    Empty,
}

impl Skip {
    /// A few words for the `-v` list and the summary.
    pub fn as_str(&self) -> &'static str {
        match self {
            Skip::Binary => "binary data",
            Skip::NotALog => "text without console lines or reports",
            Skip::SymlinkLoop => "symlink loop",
            Skip::NotAFile => "not a regular file",
            Skip::Empty => "empty",
        }
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files to read, in argument order, each directory's entries sorted by name.
    pub files: Vec<Found>,
    /// What was skipped, and why.
    pub skipped: Vec<(PathBuf, Skip)>,
    /// Directories or files that could not be read.
    pub errors: Vec<anyhow::Error>,
}

/// Bytes looked at to tell a log from other files.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Walks `args`: files are kept as given, directories searched recursively.
pub fn walk(args: &[PathBuf], options: &WalkOptions) -> anyhow::Result<Walk> {
    let globs = match options.globs.is_empty() {
        true => None,
        false => {
            let mut set = globset::GlobSetBuilder::new();
            for glob in &options.globs {
                set.add(
                    globset::Glob::new(glob)
                        .map_err(|err| anyhow::anyhow!("--glob {glob}: {err}"))?,
                );
            }
            Some(set.build()?)
        }
    };
    let mut walk = Walk::default();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for arg in args {
        if !arg.is_dir() {
            walk.files.push(Found {
                path: arg.clone(),
                console_head: true,
                given: true,
            });
            continue;
        }
        let mut entries = walkdir::WalkDir::new(arg)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                options.hidden || entry.depth() == 0 || !is_hidden(entry.file_name())
            });
        while let Some(entry) = entries.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) if err.loop_ancestor().is_some() => {
                    let path = err.path().map(Path::to_owned).unwrap_or_default();
                    walk.skipped.push((path, Skip::SymlinkLoop));
                    continue;
                }
                Err(err) => {
                    let path = err
                        .path()
                        .map(Path::to_owned)
                        .unwrap_or_else(|| arg.clone());
                    walk.errors
                        .push(anyhow::anyhow!("{}: cannot read: {err}", path.display()));
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                // A directory reached a second way (a symlink to it): its files are read once.
                let canonical =
                    std::fs::canonicalize(entry.path()).unwrap_or_else(|_| entry.path().to_owned());
                if !seen.insert(canonical) {
                    entries.skip_current_dir();
                }
                continue;
            }
            let path = entry.path().to_owned();
            if !entry.file_type().is_file() {
                walk.skipped.push((path, Skip::NotAFile));
                continue;
            }
            if let Some(globs) = &globs {
                if !globs.is_match(entry.file_name()) {
                    continue;
                }
            }
            // Each file once, however many links lead to it.
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !seen.insert(canonical) {
                continue;
            }
            match sniff(&path) {
                Ok(Some(console_head)) => walk.files.push(Found {
                    path,
                    console_head,
                    given: false,
                }),
                Ok(None) => walk.skipped.push((path, Skip::Binary)),
                Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => {
                    walk.skipped.push((path, Skip::Empty))
                }
                Err(err) => walk
                    .errors
                    .push(anyhow::anyhow!("{}: cannot read: {err}", path.display())),
            }
        }
    }
    Ok(walk)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".")
}

/// `None` for binary data; else whether the head holds console-shaped lines (compressed files
/// count as logs: their content is looked at when they are read).
fn sniff(path: &Path) -> std::io::Result<Option<bool>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)?;
    if head.is_empty() {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    if Compression::detect(&head) != Compression::None {
        return Ok(Some(true));
    }
    if binary_evidence(&head).is_some() {
        return Ok(None);
    }
    let console = head.split(|&b| b == b'\n').enumerate().any(|(idx, raw)| {
        // Pasted logs are often indented: `  [93182.657376] …`.
        let line = legolog_parsers::line::normalize(idx as u64 + 1, raw.trim_ascii_start());
        line.time.is_some() || line.level.is_some() || line.caller.is_some()
    });
    Ok(Some(console))
}
