//! The entry point: a vmlinux plus the modules found on demand.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::bytes::Bytes;
use crate::disasm::{self, Instruction};
use crate::dwarf::SourceFrame;
use crate::error::{Error, Result};
use crate::image::{Image, Probe};
use crate::kaslr::{self, Observation, SlideEstimate};
use crate::module::ModuleSet;
use crate::verdict::{self, Confidence, FrameQuery, Judgement, Mismatch, Placement, Verdict};

/// Options for [`Symbolizer`]. There is deliberately no `Default`: every caller states where
/// modules are searched.
#[derive(Clone, Debug)]
pub struct SymbolizeConfig {
    /// Directories searched recursively for `NAME.ko`, `.ko.xz`, `.ko.zst` and `.ko.gz`
    /// (Debian's `usr/lib/debug/lib/modules/VER/...` layout included).
    pub module_dirs: Vec<PathBuf>,
    /// Build-directory prefixes stripped from file names in addition to each unit's
    /// `DW_AT_comp_dir`.
    pub strip_prefixes: Vec<String>,
    /// The most bytes one compressed module file or one `SHF_COMPRESSED` section may
    /// decompress to ([`crate::DEFAULT_MAX_DECOMPRESSED`] unless the caller has a limit of its
    /// own).
    /// The output is checked as it grows; a module's ELF magic before the rest is inflated.
    pub max_decompressed: u64,
}

/// A kernel image and its modules. Open once and reuse: parsing is lazy and cached.
///
/// Addresses taken by [`Image`] lookups are link-time addresses; those taken by the judging
/// methods here are runtime addresses as printed, with the KASLR `slide` (see
/// [`Symbolizer::infer_slide`]) passed explicitly: `link = runtime - slide`.
///
/// Not `Send`: modules are cached behind `Rc`/`RefCell`.
pub struct Symbolizer {
    kernel: Image,
    modules: ModuleSet,
}

impl Symbolizer {
    /// Memory-maps the vmlinux at `path`. Only the ELF headers and the symbol table are read
    /// now; DWARF is parsed per compilation unit on first use.
    pub fn open(path: impl AsRef<Path>, config: &SymbolizeConfig) -> Result<Symbolizer> {
        let path = path.as_ref();
        let io_err = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        // SAFETY: the map is read-only; the usual caveat of memory maps applies (another process
        // truncating the file while it is mapped), which the kernel's own tools accept as well.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io_err)?;
        Symbolizer::from_backing(path, Bytes::from_mmap(map), config)
    }

    /// Like [`Symbolizer::open`] for an image already in memory. The bytes are owned (not
    /// borrowed, unlike the style guide's sketch) so that `Symbolizer` has no lifetime parameter
    /// and can be stored by the CLI; decompressed inputs are owned buffers anyway.
    pub fn from_bytes(bytes: Vec<u8>, config: &SymbolizeConfig) -> Result<Symbolizer> {
        Symbolizer::from_backing(Path::new("<bytes>"), Bytes::from_vec(bytes), config)
    }

    fn from_backing(path: &Path, bytes: Bytes, config: &SymbolizeConfig) -> Result<Symbolizer> {
        let kernel = Image::load(path, bytes, &config.strip_prefixes, config.max_decompressed)?;
        let modules = ModuleSet::new(
            config.module_dirs.clone(),
            config.strip_prefixes.clone(),
            config.max_decompressed,
        );
        Ok(Symbolizer { kernel, modules })
    }

    /// The vmlinux image.
    pub fn kernel(&self) -> &Image {
        &self.kernel
    }

    /// The module named `name` (`-` and `_` are equivalent), loaded (and decompressed) on first
    /// use from the configured directories. `Ok(None)` when no file matches. The first failure
    /// to load it is returned as an error; later calls return `Ok(None)`, so warn on the error.
    ///
    /// A module image is laid out as the loader would: `.text` at 0, then `.init.text`,
    /// `.exit.text` and the other allocated sections at distinct addresses after it, with its
    /// relocations (including `.rela.debug_*`) applied. Frames in modules are placed through
    /// their symbol (`sym+off`), since the module's load address is not in the log.
    pub fn module(&self, name: &str) -> Result<Option<Rc<Image>>> {
        self.modules.load(name)
    }

    /// Source frames of `probe` in the vmlinux (`module == None`) or in a module (a probe in the
    /// module's synthetic address space, e.g. from [`Judgement::probe`] or `start + offset` of
    /// [`Image::find_symbol_by_name`]). Empty when the module is not found.
    pub fn find_frames(&self, module: Option<&str>, probe: Probe) -> Result<Vec<SourceFrame>> {
        match module {
            None => self.kernel.find_frames(probe),
            Some(name) => match self.module(name)? {
                Some(image) => image.find_frames(probe),
                None => Ok(Vec::new()),
            },
        }
    }

    /// [`Symbolizer::find_frames`] for many probes in the same image, answers in the same order
    /// (see [`Image::find_frames_batch`]). All empty when the module is not found.
    pub fn find_frames_batch(
        &self,
        module: Option<&str>,
        probes: &[Probe],
    ) -> Result<Vec<Result<Vec<SourceFrame>>>> {
        match module {
            None => Ok(self.kernel.find_frames_batch(probes)),
            Some(name) => match self.module(name)? {
                Some(image) => Ok(image.find_frames_batch(probes)),
                None => Ok(probes.iter().map(|_| Ok(Vec::new())).collect()),
            },
        }
    }

    /// Loads module `name` from `path` from now on, whatever the module directories hold (a
    /// file found by its build ID: `.build-id/xx/yyyy.debug`, a debuginfod download).
    pub fn use_module_file(&self, name: &str, path: PathBuf) {
        self.modules.choose(name, path);
    }

    /// The path module `name` would be loaded from, if any.
    pub fn module_path(&self, name: &str) -> Option<PathBuf> {
        self.modules.find_file(name)
    }

    /// Infers the KASLR slide from vmlinux frames that print both an address and a symbol.
    pub fn infer_slide(&self, observations: &[Observation<'_>]) -> SlideEstimate {
        kaslr::infer(&self.kernel, observations)
    }

    /// Judges a call-trace frame (a return address). `callee` is the function of the frame
    /// printed just before it (for the first frame: the RIP's function); `slide` is the KASLR
    /// slide, applied to `frame.addr` here. The rules are documented on [`Verdict`]'s module
    /// and in `fixtures/vmlinux/README.md`. A module that cannot be loaded gives
    /// [`Verdict::Unknown`]; call [`Symbolizer::module`] to learn why.
    pub fn judge(&self, frame: &FrameQuery<'_>, callee: Option<&str>, slide: i64) -> Judgement {
        self.judge_in_image(frame, slide, |image, placement| {
            verdict::judge_return(image, frame, placement, callee)
        })
    }

    /// Judges the RIP (or any exact instruction address): [`Verdict::Reliable`] when the log's
    /// symbol agrees with the ELF and the address is on an instruction boundary of its function,
    /// [`Verdict::Mismatch`] otherwise. `frame.confidence` is ignored.
    pub fn judge_ip(&self, frame: &FrameQuery<'_>, slide: i64) -> Judgement {
        self.judge_in_image(frame, slide, |image, placement| {
            verdict::judge_ip(image, frame, placement)
        })
    }

    /// Runs `judge` on the image that holds `frame`: its module (placed by symbol, after the
    /// build id check; [`Verdict::Unknown`] when it cannot be loaded) or the vmlinux (placed by
    /// address minus `slide` when the log printed one).
    fn judge_in_image(
        &self,
        frame: &FrameQuery<'_>,
        slide: i64,
        judge: impl FnOnce(&Image, Placement) -> Judgement,
    ) -> Judgement {
        let Some(name) = frame.module else {
            return judge(&self.kernel, self.kernel_placement(frame, slide));
        };
        let Ok(Some(image)) = self.module(name) else {
            return Judgement::unknown();
        };
        if let Some(mismatch) = module_build_id_mismatch(&image, frame) {
            return Judgement {
                verdict: Verdict::Mismatch,
                mismatch: Some(mismatch),
                probe: None,
            };
        }
        judge(&image, Placement::SymbolOnly)
    }

    /// For each raw `Stack:` word: `None` unless it is (after removing `slide`) an address in
    /// the vmlinux's text, else the verdict it would get as a `?` frame with an unknown callee.
    pub fn stack_word_verdicts(&self, words: &[u64], slide: i64) -> Vec<Option<Verdict>> {
        words
            .iter()
            .map(|&word| {
                let link = word.wrapping_sub(slide as u64);
                if !self.kernel.is_text(link) {
                    return None;
                }
                let frame = FrameQuery {
                    addr: Some(word),
                    symbol: None,
                    module: None,
                    build_id: None,
                    confidence: Confidence::Guessed,
                };
                Some(self.judge(&frame, None, slide).verdict)
            })
            .collect()
    }

    /// Explains a register value: `sym+0xoff/0xsize` for an address in the vmlinux's text
    /// (after removing `slide`), otherwise [`crate::annotate_value`].
    pub fn annotate_register(&self, value: u64, slide: i64) -> Option<String> {
        let link = value.wrapping_sub(slide as u64);
        if self.kernel.is_text(link) {
            if let Some(sym) = self.kernel.find_symbol(link) {
                return Some(format!(
                    "{}+{:#x}/{:#x}",
                    sym.name,
                    link - sym.start,
                    sym.kallsyms_size
                ));
            }
        }
        crate::annotate::annotate_value(value)
    }

    /// [`crate::disassemble`] with direct CALL/JMP targets in the vmlinux's text printed as
    /// `sym+0xoff` (`ip` is the runtime faulting IP; `slide` is removed to look targets up).
    pub fn disassemble(
        &self,
        bytes: &[u8],
        fault_index: Option<usize>,
        ip: Option<u64>,
        slide: i64,
    ) -> Vec<Instruction> {
        let plain = disasm::disassemble(bytes, fault_index, ip);
        let mut names = HashMap::new();
        for target in plain.iter().filter_map(|instruction| instruction.target) {
            let link = target.wrapping_sub(slide as u64);
            let Some(sym) = self.kernel.find_symbol(link) else {
                continue;
            };
            let name = match link - sym.start {
                0 => sym.name,
                offset => format!("{}+{offset:#x}", sym.name),
            };
            names.insert(target, name);
        }
        if names.is_empty() {
            return plain;
        }
        disasm::disassemble_with_names(bytes, fault_index, ip, &names)
    }

    /// A mismatch when the build ID printed by the log (hex) is not the vmlinux's; `None` when
    /// they agree or the vmlinux has no build ID note.
    pub fn check_build_id(&self, printed_hex: &str) -> Option<Mismatch> {
        build_id_mismatch(&self.kernel, printed_hex)
    }

    fn kernel_placement(&self, frame: &FrameQuery<'_>, slide: i64) -> Placement {
        match frame.addr {
            Some(addr) => Placement::Address(addr.wrapping_sub(slide as u64)),
            None => Placement::SymbolOnly,
        }
    }
}

fn module_build_id_mismatch(image: &Image, frame: &FrameQuery<'_>) -> Option<Mismatch> {
    build_id_mismatch(image, frame.build_id?)
}

fn build_id_mismatch(image: &Image, printed_hex: &str) -> Option<Mismatch> {
    if image.build_id_matches(printed_hex)? {
        return None;
    }
    let elf = image
        .build_id()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(Mismatch::BuildIdDiffers {
        log: printed_hex.trim().to_owned(),
        elf,
    })
}
