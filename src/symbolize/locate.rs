//! Finding the kernel image and modules that printed a report, without being told.
//!
//! What the log says about its kernel comes from `legolog_parsers::kernel` (the boot banner,
//! the task line's release and build, `%pSb` build ids of module frames). The candidates are
//! tried in this order, each verified with the decoder's mismatch checks before it is used:
//!
//! 1. `--vmlinux` / `--modules`;
//! 2. `--debug-dir` trees: a `vmlinux*` whose `linux_banner` is the build the log printed
//!    (indexed in `$XDG_CACHE_HOME/legolog/debug-dirs.json`, so unchanged files are not read
//!    again), its modules below its directory;
//! 3. `--debug-root` (default `/`) distro layouts for the release; modules under
//!    `usr/lib/debug/lib/modules/REL` and `lib/modules/REL`;
//! 4. by build id: `usr/lib/debug/.build-id/xx/yyyy.debug` under the debug root, then
//!    debuginfod (`DEBUGINFOD_URLS`), for module build ids the log prints and for a vmlinux
//!    found without DWARF.

use crate::config::events::{Event, EventSink};
use crate::config::settings::Settings;
use crate::symbolize::debuginfod::Debuginfod;
use crate::symbolize::decode::{Decoded, Decoder, How, ImageInfo, ModuleImage};
use crate::symbolize::source::SourceTree;
use legolog_parsers::kernel::{self, KernelBuild};
use legolog_parsers::Report;
use legolog_symbols::Image;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::UNIX_EPOCH;

/// Directory levels searched below each `--debug-dir`.
const MAX_DEBUG_DIR_DEPTH: usize = 8;

/// Where to look, from the command line and the config file.
#[derive(Debug, Clone, Default)]
pub struct LocateOptions {
    /// `--vmlinux`.
    pub vmlinux: Option<PathBuf>,
    /// `--modules`, used with every candidate vmlinux.
    pub module_dirs: Vec<PathBuf>,
    /// `--debug-dir`.
    pub debug_dirs: Vec<PathBuf>,
    /// `--debug-root` (default `/`).
    pub debug_root: PathBuf,
    /// Whether the debug root was chosen by the user (a miss is then worth a warning).
    pub debug_root_given: bool,
    /// `-r/--release`: the release when the log prints none.
    pub release: Option<String>,
    /// `--src` and `--context`.
    pub src: Option<(PathBuf, u32)>,
    /// The most bytes one symbol file or section may decompress to (`max_symbol_bytes`).
    pub max_symbol_bytes: u64,
}

impl LocateOptions {
    /// The command line's options completed by the config file's places (`debug_dirs = [...]`
    /// are searched after the command line's, `debug_root` applies without `--debug-root`) and
    /// its `max_symbol_bytes`. A bad `debug_dirs` or `debug_root` is an error.
    pub fn with_settings(
        vmlinux: Option<PathBuf>,
        module_dirs: Vec<PathBuf>,
        mut debug_dirs: Vec<PathBuf>,
        debug_root: Option<PathBuf>,
        release: Option<String>,
        src: Option<(PathBuf, u32)>,
        settings: &Settings,
    ) -> anyhow::Result<LocateOptions> {
        let config = settings.debug_places()?;
        let max_symbol_bytes = settings.limits.max_symbol_bytes;
        debug_dirs.extend(config.debug_dirs);
        let debug_root_given = debug_root.is_some() || config.debug_root.is_some();
        Ok(LocateOptions {
            vmlinux,
            module_dirs,
            debug_dirs,
            debug_root: debug_root
                .or(config.debug_root)
                .unwrap_or_else(|| PathBuf::from("/")),
            debug_root_given,
            release,
            src,
            max_symbol_bytes,
        })
    }
}

/// One candidate vmlinux.
#[derive(Debug, Clone)]
struct Candidate {
    path: PathBuf,
    how: How,
    why: String,
    module_dirs: Vec<PathBuf>,
}

/// Chooses, opens and caches the images that decode each report.
pub struct Locator {
    options: LocateOptions,
    debuginfod: Debuginfod,
    sources: Option<SourceTree>,
    /// Decoders by candidate path, with the debug file used instead of a stripped candidate;
    /// `None` when the file could not be used.
    decoders: RefCell<HashMap<PathBuf, Option<Opened>>>,
    /// The verified choice per build the log names.
    chosen: RefCell<HashMap<Option<KernelBuild>, Option<Candidate>>>,
    /// Module files chosen by build id, per (vmlinux, build id).
    modules: RefCell<HashMap<(PathBuf, String), Option<ImageInfo>>>,
    index: RefCell<Option<Vec<IndexEntry>>>,
    failed: Cell<bool>,
    events: EventSink,
}

impl Locator {
    /// A locator; an unusable `--vmlinux` or a missing `--debug-dir` is said here, once, to
    /// `events`, where every warning of locating and decoding goes.
    pub fn new(options: LocateOptions, events: EventSink) -> Locator {
        let sources = options
            .src
            .as_ref()
            .map(|(root, context)| SourceTree::new(root.clone(), *context));
        let locator = Locator {
            options,
            debuginfod: Debuginfod::from_env(),
            sources,
            decoders: RefCell::new(HashMap::new()),
            chosen: RefCell::new(HashMap::new()),
            modules: RefCell::new(HashMap::new()),
            index: RefCell::new(None),
            failed: Cell::new(false),
            events,
        };
        if let Some((root, _)) = &locator.options.src {
            if !root.is_dir() {
                locator.events.event(Event::Error(&format!(
                    "--src {}: not a directory; no source lines",
                    root.display()
                )));
                locator.failed.set(true);
            }
        }
        for dir in &locator.options.debug_dirs {
            if let Err(err) = std::fs::read_dir(dir) {
                let text = format!("--debug-dir {}: {err}", dir.display());
                locator.events.event(Event::Error(&text));
                locator.failed.set(true);
            }
        }
        if let Some(vmlinux) = &locator.options.vmlinux {
            let candidate = locator.given(vmlinux);
            if locator.decoder(&candidate).is_none() {
                locator.failed.set(true);
            }
        }
        locator
    }

    /// Whether something could not be used (exit code 2).
    pub fn failed(&self) -> bool {
        self.failed.get()
    }

    /// Decodes `report` with the image that printed it; `banner` is the boot banner printed
    /// before it, if any. `None` when no image could be found.
    pub fn decode(&self, report: &Report, banner: Option<&KernelBuild>) -> Option<Decoded> {
        let build = self.build_of(report, banner);
        let cached = self.chosen.borrow().get(&build).cloned();
        let candidates = match cached {
            Some(Some(candidate)) => vec![candidate],
            Some(None) => return None,
            None => self.candidates(build.as_ref()),
        };
        let mut first: Option<(Candidate, Decoded)> = None;
        for candidate in candidates {
            let Some(opened) = self.decoder(&candidate) else {
                continue;
            };
            let decoded = self.decode_with(&opened, &candidate, report);
            if !decoded.foreign_kernel {
                self.chosen.borrow_mut().insert(build, Some(candidate));
                return Some(decoded);
            }
            if first.is_none() {
                first = Some((candidate, decoded));
            }
        }
        match first {
            // Every candidate is foreign: show the mismatch of the first (the one the user
            // named, when `--vmlinux` was given).
            Some((candidate, decoded)) => {
                self.chosen.borrow_mut().insert(build, Some(candidate));
                Some(decoded)
            }
            None => {
                self.say_not_found(build.as_ref());
                self.chosen.borrow_mut().insert(build, None);
                None
            }
        }
    }

    /// The build the log names for `report`: its task line, completed by the banner of the
    /// same boot; `-r` replaces the release when the log prints none.
    fn build_of(&self, report: &Report, banner: Option<&KernelBuild>) -> Option<KernelBuild> {
        let task = report.task.kernel.as_deref().and_then(kernel::task_kernel);
        let build = match (task, banner) {
            (Some(task), Some(banner))
                if banner.release == task.release
                    && (task.build.is_none() || banner.build == task.build) =>
            {
                Some(banner.clone())
            }
            (Some(task), _) => Some(task),
            (None, Some(banner)) => Some(banner.clone()),
            (None, None) => None,
        };
        match (build, &self.options.release) {
            (None, Some(release)) => Some(KernelBuild {
                release: release.clone(),
                build: None,
                banner: None,
            }),
            (build, _) => build,
        }
    }

    fn given(&self, vmlinux: &Path) -> Candidate {
        Candidate {
            path: vmlinux.to_owned(),
            how: How::Given,
            why: "--vmlinux".to_owned(),
            module_dirs: self.options.module_dirs.clone(),
        }
    }

    fn candidates(&self, build: Option<&KernelBuild>) -> Vec<Candidate> {
        let mut candidates = Vec::new();
        if let Some(vmlinux) = &self.options.vmlinux {
            candidates.push(self.given(vmlinux));
        }
        let Some(build) = build else {
            return candidates;
        };
        for entry in self.index_entries() {
            if entry
                .banner
                .as_deref()
                .is_some_and(|b| build.matches_banner(b))
            {
                let mut module_dirs = self.options.module_dirs.clone();
                module_dirs.extend(entry.path.parent().map(Path::to_owned));
                candidates.push(Candidate {
                    why: format!(
                        "in --debug-dir, its linux_banner is the log's {}",
                        match &build.banner {
                            Some(_) => "banner".to_owned(),
                            None => format!("build {build}"),
                        }
                    ),
                    path: entry.path,
                    how: How::DebugDir,
                    module_dirs,
                });
            }
        }
        let root = &self.options.debug_root;
        let release = &build.release;
        let mut module_dirs = self.options.module_dirs.clone();
        for dir in [
            format!("usr/lib/debug/lib/modules/{release}"),
            format!("lib/modules/{release}"),
        ] {
            let dir = root.join(dir);
            if dir.is_dir() {
                module_dirs.push(dir);
            }
        }
        for layout in [
            format!("usr/lib/debug/boot/vmlinux-{release}"),
            format!("usr/lib/debug/lib/modules/{release}/vmlinux"),
            format!("lib/modules/{release}/build/vmlinux"),
        ] {
            let path = root.join(&layout);
            if path.is_file() {
                candidates.push(Candidate {
                    path,
                    how: How::DebugRoot,
                    why: format!("under --debug-root as {layout} for release {release}"),
                    module_dirs: module_dirs.clone(),
                });
            }
        }
        candidates
    }

    fn say_not_found(&self, build: Option<&KernelBuild>) {
        let asked = !self.options.debug_dirs.is_empty()
            || self.options.debug_root_given
            || self.options.release.is_some();
        if !asked {
            return;
        }
        let what = match build {
            Some(build) => format!("for Linux {build}"),
            None => "(the log names no release; try -r RELEASE)".to_owned(),
        };
        self.events.warning(&format!(
            "no kernel image {what} in --debug-dir or --debug-root: its reports are not symbolized"
        ));
    }

    /// The decoder of a candidate, opened once; a vmlinux without DWARF is replaced by its
    /// debug file when one is found by build id (`.build-id` link, debuginfod).
    fn decoder(&self, candidate: &Candidate) -> Option<Opened> {
        if let Some(cached) = self.decoders.borrow().get(&candidate.path) {
            return cached.clone();
        }
        let opened = match Decoder::open_quietly(
            &candidate.path,
            &candidate.module_dirs,
            self.options.max_symbol_bytes,
            &self.events,
        ) {
            Ok(decoder) => {
                let kernel = decoder.symbolizer().kernel();
                let debug = match (kernel.has_dwarf(), kernel.build_id_hex()) {
                    (false, Some(id)) => {
                        let mut warnings = Vec::new();
                        let found = self.find_by_build_id(&id, &mut warnings);
                        for warning in &warnings {
                            self.events.warning(warning);
                        }
                        found.and_then(|info| {
                            match Decoder::open(
                                &info.path,
                                &candidate.module_dirs,
                                self.options.max_symbol_bytes,
                                &self.events,
                            ) {
                                Ok(debug) => Some((Rc::new(debug), info)),
                                Err(err) => {
                                    self.events.warning(&format!("{err:#}"));
                                    None
                                }
                            }
                        })
                    }
                    _ => None,
                };
                Some(match debug {
                    Some((debug, info)) => Opened {
                        decoder: debug,
                        debug_file: Some(info),
                    },
                    None => {
                        decoder.say_if_stripped();
                        Opened {
                            decoder: Rc::new(decoder),
                            debug_file: None,
                        }
                    }
                })
            }
            Err(err) => {
                let text = format!("{err:#}; continuing without symbols");
                self.events.event(Event::Error(&text));
                None
            }
        };
        self.decoders
            .borrow_mut()
            .insert(candidate.path.clone(), opened.clone());
        opened
    }

    fn decode_with(&self, opened: &Opened, candidate: &Candidate, report: &Report) -> Decoded {
        let decoder = &opened.decoder;
        let mut warnings = Vec::new();
        let modules = self.prepare_modules(decoder, candidate, report, &mut warnings);
        for warning in &warnings {
            self.events.warning(warning);
        }
        let mut decoded = decoder.decode(report);
        decoded.warnings.extend(warnings);
        let kernel = decoder.symbolizer().kernel();
        decoded.image = Some(match &opened.debug_file {
            Some(debug) => ImageInfo {
                why: format!(
                    "the debug file of {} ({}), which has no DWARF: {}",
                    candidate.path.display(),
                    candidate.why,
                    debug.why
                ),
                ..debug.clone()
            },
            None => ImageInfo {
                path: candidate.path.clone(),
                how: candidate.how,
                why: candidate.why.clone(),
                build_id: kernel.build_id_hex(),
            },
        });
        decoded.modules = modules;
        if let Some(sources) = &self.sources {
            for decoding in decoded.rip.iter_mut().chain(decoded.frames.iter_mut()) {
                decoding.source = sources.snippet(&decoding.location);
            }
        }
        decoded
    }

    /// Makes the decoder use, for each module frame that prints a build id, a file with that
    /// build id (from the module directories, the debug root's `.build-id` tree or debuginfod),
    /// and says which file each module of the report comes from.
    fn prepare_modules(
        &self,
        decoder: &Decoder,
        candidate: &Candidate,
        report: &Report,
        warnings: &mut Vec<String>,
    ) -> Vec<ModuleImage> {
        let mut named: BTreeMap<String, Option<String>> = BTreeMap::new();
        for frame in report.rip.iter().chain(&report.frames) {
            if let Some(module) = &frame.module {
                let entry = named.entry(module.clone()).or_default();
                if entry.is_none() {
                    entry.clone_from(&frame.build_id);
                }
            }
        }
        let symbolizer = decoder.symbolizer();
        let mut used = Vec::new();
        for (name, build_id) in named {
            let by_id = build_id.and_then(|id| {
                let key = (candidate.path.clone(), id.to_ascii_lowercase());
                if let Some(known) = self.modules.borrow().get(&key) {
                    return known.clone();
                }
                let found = match symbolizer.module(&name) {
                    Ok(Some(image)) if image.build_id_matches(&id) == Some(true) => None,
                    _ => self.find_by_build_id(&id, warnings),
                };
                if let Some(info) = &found {
                    symbolizer.use_module_file(&name, info.path.clone());
                }
                self.modules.borrow_mut().insert(key, found.clone());
                found
            });
            let image = by_id.or_else(|| {
                let path = symbolizer.module_path(&name)?;
                let build_id = symbolizer
                    .module(&name)
                    .ok()
                    .flatten()
                    .and_then(|image| image.build_id_hex());
                let given = self
                    .options
                    .module_dirs
                    .iter()
                    .any(|dir| path.starts_with(dir));
                let (how, why) = match (given, candidate.how) {
                    (true, _) | (_, How::Given) => {
                        (How::Given, "in a --modules directory".to_owned())
                    }
                    (false, How::DebugDir) => {
                        (How::DebugDir, "below the vmlinux's directory".to_owned())
                    }
                    (false, how) => (how, "under --debug-root for the release".to_owned()),
                };
                Some(ImageInfo {
                    path,
                    how,
                    why,
                    build_id,
                })
            });
            if let Some(image) = image {
                used.push(ModuleImage { name, image });
            }
        }
        used
    }

    /// A debug file whose build id is `id`: `.build-id/xx/yyyy.debug` under the debug root,
    /// else debuginfod. Unusable files are warnings.
    fn find_by_build_id(&self, id: &str, warnings: &mut Vec<String>) -> Option<ImageInfo> {
        let id = id.to_ascii_lowercase();
        if id.len() > 2 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            let path = self.options.debug_root.join(format!(
                "usr/lib/debug/.build-id/{}/{}.debug",
                id.get(..2).unwrap_or_default(),
                id.get(2..).unwrap_or_default()
            ));
            if path.symlink_metadata().is_ok() {
                match crate::symbolize::debuginfod::verify(&path, &id) {
                    Ok(()) => {
                        return Some(ImageInfo {
                            path,
                            how: How::BuildId,
                            why: "the .build-id link of that build id".to_owned(),
                            build_id: Some(id),
                        })
                    }
                    Err(why) => warnings.push(format!("{}: {why}", path.display())),
                }
            }
        }
        let found = self.debuginfod.fetch(&id, warnings)?;
        Some(ImageInfo {
            path: found.path,
            how: How::Debuginfod,
            why: match found.server {
                Some(server) => format!("downloaded from {server} by build id"),
                None => "in the debuginfod cache by build id".to_owned(),
            },
            build_id: Some(id),
        })
    }

    /// Every `vmlinux*` below the debug dirs with its banner, from the index when the file
    /// has not changed.
    fn index_entries(&self) -> Vec<IndexEntry> {
        if self.options.debug_dirs.is_empty() {
            return Vec::new();
        }
        if let Some(entries) = self.index.borrow().as_ref() {
            return entries.clone();
        }
        let index_path = crate::config::dirs::cache_home()
            .map(|dir| dir.join("legolog").join("debug-dirs.json"));
        let mut stored: BTreeMap<PathBuf, IndexEntry> = index_path
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| serde_json::from_slice::<Vec<IndexEntry>>(&bytes).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|entry| (entry.path.clone(), entry))
            .collect();
        let mut changed = false;
        let mut entries = Vec::new();
        for file in vmlinux_files(&self.options.debug_dirs) {
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let size = meta.len();
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            if let Some(entry) = stored.get(&file) {
                if entry.size == size && entry.mtime == mtime {
                    entries.push(entry.clone());
                    continue;
                }
            }
            let (banner, build_id) = match Image::open(&file) {
                Ok(image) => (image.banner().map(str::to_owned), image.build_id_hex()),
                Err(err) => {
                    self.events.warning(&format!("{err:#} (in --debug-dir)"));
                    (None, None)
                }
            };
            let entry = IndexEntry {
                path: file.clone(),
                size,
                mtime,
                banner,
                build_id,
            };
            stored.insert(file, entry.clone());
            entries.push(entry);
            changed = true;
        }
        if changed {
            if let Some(path) = &index_path {
                let all: Vec<&IndexEntry> = stored.values().collect();
                let written = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| {
                        let json = serde_json::to_vec(&all).map_err(std::io::Error::other)?;
                        let tmp = path.with_extension(format!("json.{}", std::process::id()));
                        std::fs::write(&tmp, json)?;
                        std::fs::rename(&tmp, path)
                    });
                if let Err(err) = written {
                    self.events.warning(&format!(
                        "{}: cannot write the debug-dir index: {err}",
                        path.display()
                    ));
                }
            }
        }
        *self.index.borrow_mut() = Some(entries.clone());
        entries
    }
}

/// An opened candidate: its decoder, and the debug file found for it by build id when the
/// candidate itself has no DWARF.
#[derive(Clone)]
struct Opened {
    decoder: Rc<Decoder>,
    debug_file: Option<ImageInfo>,
}

/// What the index remembers of one file in a debug dir.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexEntry {
    path: PathBuf,
    size: u64,
    /// Modification time, nanoseconds since the epoch.
    mtime: u128,
    banner: Option<String>,
    build_id: Option<String>,
}

/// Files named `vmlinux` or `vmlinux-*`/`vmlinux.*` (not objects, scripts or maps) below
/// `dirs`; symlinked directories are not entered, so a link loop cannot trap the walk.
fn vmlinux_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    const NOT_IMAGES: [&str; 8] = [".o", ".lds", ".a", ".cmd", ".map", ".symvers", ".h", ".c"];
    let mut found = legolog_symbols::files_below(dirs, MAX_DEBUG_DIR_DEPTH, |name| {
        name == "vmlinux"
            || (name.starts_with("vmlinux") && !NOT_IMAGES.iter().any(|ext| name.ends_with(ext)))
    });
    found.sort();
    found
}
