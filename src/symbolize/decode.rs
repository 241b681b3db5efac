//! Joining reports with a kernel image: every frame and the RIP get a verdict and a source
//! location, the report a KASLR slide, its `Stack:` words and registers an explanation and its
//! `Code:` bytes a disassembly. The ELF work is `legolog_symbols`'; this module only decides
//! what to ask it and what to warn about.

use crate::config::events::{Event, EventSink};
use crate::identity::signature::Trust;
use anyhow::Context as _;
use legolog_parsers::{Confidence, Frame, Report};
use legolog_symbols::{
    FrameQuery, Instruction, LogSymbol, Observation, SourceFrame, SymbolizeConfig, Symbolizer,
    Verdict,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What the kernel image says about one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameDecoding {
    /// The frame's verdict.
    pub verdict: Verdict,
    /// Source positions, innermost first (`addr2line -i` order); empty when unknown or when the
    /// frame does not match the image (a mismatch is never shown as a fact).
    pub location: Vec<SourceFrame>,
    /// Source lines around the innermost location, with `--src`.
    pub source: Option<crate::symbolize::source::Snippet>,
}

/// How a kernel image or module file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// `--vmlinux` / `--modules`.
    Given,
    /// In a `--debug-dir`, chosen because its `linux_banner` is the build the log printed.
    DebugDir,
    /// At a distro path for the release under `--debug-root`.
    DebugRoot,
    /// At `.build-id/xx/yyyy.debug` under `--debug-root`, by the build id.
    BuildId,
    /// Downloaded from (or cached for) a debuginfod server, by the build id.
    Debuginfod,
}

impl How {
    /// The stable word used in JSON: `given`, `debug-dir`, `debug-root`, `build-id`, `debuginfod`.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Given => "given",
            How::DebugDir => "debug-dir",
            How::DebugRoot => "debug-root",
            How::BuildId => "build-id",
            How::Debuginfod => "debuginfod",
        }
    }
}

/// Which file decoded a report (or one of its modules), and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The file.
    pub path: PathBuf,
    /// How it was found.
    pub how: How,
    /// Why, in a sentence (`its linux_banner equals the log's`, `--vmlinux`, …).
    pub why: String,
    /// Its GNU build id (hex), when it has one.
    pub build_id: Option<String>,
}

/// A module file used for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleImage {
    /// The module name as the log printed it.
    pub name: String,
    /// The file and how it was found.
    pub image: ImageInfo,
}

/// What the kernel image says about one report.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    /// KASLR slide (runtime − link address), when the log allows inferring it.
    pub kaslr_slide: Option<i64>,
    /// Problems found while decoding (mismatch, stripped ELF, missing module, …).
    pub warnings: Vec<String>,
    /// The RIP's decoding, when the report has a RIP.
    pub rip: Option<FrameDecoding>,
    /// One entry per frame of `report.frames`.
    pub frames: Vec<FrameDecoding>,
    /// One entry per `Stack:` word: the verdict it would get as a `?` frame, `None` for words
    /// that are not kernel text.
    pub stack_verdicts: Vec<Option<Verdict>>,
    /// Register name → explanation, for registers that have one.
    pub register_notes: Vec<(String, String)>,
    /// The `Code:` bytes decoded, the faulting instruction marked.
    pub instructions: Vec<Instruction>,
    /// The vmlinux that decoded the report, and why it was chosen.
    pub image: Option<ImageInfo>,
    /// The module files used, in the order the report names them.
    pub modules: Vec<ModuleImage>,
    /// Whether a frame proved the vmlinux not to be the build that printed the report.
    pub foreign_kernel: bool,
    /// Whether any frame (vmlinux or module) is a mismatch.
    pub mismatch: bool,
}

impl Decoded {
    /// How far a signature may trust each frame: the verdict where the image judged it, the
    /// kernel's `?` mark where it could not — including a mismatch, where the image has no say,
    /// so a wrong `--vmlinux` never changes a signature.
    pub fn trust(&self, report: &Report, frame_idx: usize) -> Trust {
        let verdict = self.frames.get(frame_idx).map(|d| d.verdict);
        match verdict {
            Some(Verdict::Reliable) => Trust::Reliable,
            Some(Verdict::Plausible) => Trust::Plausible,
            Some(Verdict::Stale | Verdict::FnPointer) => Trust::Unreliable,
            _ => match report.frames.get(frame_idx).map(|f| f.confidence) {
                Some(Confidence::Reliable) => Trust::Reliable,
                _ => Trust::Unreliable,
            },
        }
    }
}

/// A kernel image (and its modules) ready to decode reports. Not `Send` (the symbolizer caches
/// modules behind `Rc`): parallel callers open one per worker.
pub struct Decoder {
    symbolizer: Symbolizer,
    path: PathBuf,
    events: EventSink,
}

impl Decoder {
    /// Opens `vmlinux`; modules are looked up in `module_dirs` when a frame names one, and no
    /// symbol file or section decompresses to more than `max_symbol_bytes` (the run's
    /// [`crate::config::limits::Limits::max_symbol_bytes`]). A vmlinux without DWARF is a
    /// warning to `events`, where every warning of decoding goes.
    pub fn open(
        vmlinux: &Path,
        module_dirs: &[PathBuf],
        max_symbol_bytes: u64,
        events: &EventSink,
    ) -> anyhow::Result<Decoder> {
        let decoder = Decoder::open_quietly(vmlinux, module_dirs, max_symbol_bytes, events)?;
        decoder.say_if_stripped();
        Ok(decoder)
    }

    /// Warns that the vmlinux has no DWARF, if it has none.
    pub fn say_if_stripped(&self) {
        if !self.symbolizer.kernel().has_dwarf() {
            self.events.warning(&format!(
                "{}: no DWARF (stripped ELF): functions from the symbol table only, no file:line",
                self.path.display()
            ));
        }
    }

    /// [`Decoder::open`] without the warning about a stripped vmlinux (for a caller that may
    /// find its debug file).
    pub fn open_quietly(
        vmlinux: &Path,
        module_dirs: &[PathBuf],
        max_symbol_bytes: u64,
        events: &EventSink,
    ) -> anyhow::Result<Decoder> {
        let config = SymbolizeConfig {
            module_dirs: module_dirs.to_vec(),
            strip_prefixes: Vec::new(),
            max_decompressed: max_symbol_bytes,
        };
        let symbolizer = Symbolizer::open(vmlinux, &config)
            .with_context(|| format!("{}: cannot use as --vmlinux", vmlinux.display()))?;
        Ok(Decoder {
            symbolizer,
            path: vmlinux.to_owned(),
            events: events.clone(),
        })
    }

    /// The vmlinux file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The symbolizer, for direct lookups (`legolog symbolize`).
    pub fn symbolizer(&self) -> &Symbolizer {
        &self.symbolizer
    }

    /// Decodes one report.
    ///
    /// A report is all or nothing per image: when one of its frames (or its RIP) shows that the
    /// vmlinux, or a module, is not the build that printed the report, every frame of that image
    /// becomes a mismatch without a location, and nothing else about the report (slide, stack
    /// words, register symbols, branch targets) is read from a vmlinux that does not belong to
    /// it. Frames that happen to agree with a foreign image (`ret_from_fork+0x22/0x30` exists in
    /// the LegoOS fixture and in Debian 6.1 alike) would otherwise be shown as facts.
    pub fn decode(&self, report: &Report) -> Decoded {
        let mut warnings = BTreeSet::new();
        let slide = self.slide(report, &mut warnings);
        let applied = slide.unwrap_or(0);
        let mut mismatches = Vec::new();
        let mut rip = report
            .rip
            .as_ref()
            .map(|rip| self.decode_frame(rip, None, applied, &mut warnings, &mut mismatches));
        let mut callee = report
            .rip
            .as_ref()
            .and_then(|rip| rip.symbol.as_ref())
            .map(|s| s.name.clone());
        let mut frames = Vec::with_capacity(report.frames.len());
        for frame in &report.frames {
            // The RIP of a register dump inside the trace is an exact address, like the RIP.
            let callee_of_frame = (!frame.from_registers).then_some(callee.as_deref());
            frames.push(self.decode_frame(
                frame,
                callee_of_frame,
                applied,
                &mut warnings,
                &mut mismatches,
            ));
            callee = frame.symbol.as_ref().map(|s| s.name.clone());
        }
        let foreign: BTreeSet<Option<&str>> = mismatches
            .iter()
            .map(|(image, _)| image.as_deref())
            .collect();
        let decoded_frames = report
            .rip
            .iter()
            .zip(rip.iter_mut())
            .chain(report.frames.iter().zip(frames.iter_mut()));
        for (frame, decoding) in decoded_frames {
            if foreign.contains(&frame.module.as_deref()) && frame.symbol.is_some() {
                decoding.verdict = Verdict::Mismatch;
                decoding.location.clear();
            }
        }
        // Said once per image to the events (below), once per report in `warnings`.
        let mut mismatch_warnings = Vec::new();
        for image in &foreign {
            let reasons: Vec<&String> = mismatches
                .iter()
                .filter(|(mismatched, _)| mismatched.as_deref() == *image)
                .map(|(_, reason)| reason)
                .collect();
            let path = match image {
                None => self.path.display().to_string(),
                Some(module) => format!("module {module}"),
            };
            let more = match reasons.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            mismatch_warnings.push(format!(
                "{path} does not match the log ({}{more}): no frame of this report is symbolized with it",
                reasons[0]
            ));
            self.events.event(Event::Warning {
                key: &format!("mismatch {path}"),
                text: &format!(
                    "{path} does not match the log ({}): reports it does not match are not symbolized",
                    reasons[0]
                ),
            });
        }
        // Raw stack words and register values can only be read as kernel addresses when the
        // slide is known (or printed addresses show there is none to apply) and the vmlinux is
        // the one that printed the report.
        let kernel_fits = !foreign.contains(&None);
        let slide = match kernel_fits {
            true => slide,
            false => report.kernel_offset.map(|offset| offset as i64),
        };
        let stack_verdicts = match slide.filter(|_| kernel_fits) {
            Some(slide) => self
                .symbolizer
                .stack_word_verdicts(&report.stack_words, slide),
            None => vec![None; report.stack_words.len()],
        };
        let register_notes = report
            .registers
            .iter()
            .filter(|register| holds_values(&register.name))
            .filter_map(|register| {
                let note = match slide.filter(|_| kernel_fits) {
                    Some(slide) => self.symbolizer.annotate_register(register.value, slide),
                    None => legolog_symbols::annotate_value(register.value),
                };
                note.map(|note| (register.name.clone(), note))
            })
            .collect();
        let instructions = report
            .code
            .as_ref()
            .map(|code| {
                let ip = report.rip.as_ref().and_then(|rip| rip.addr);
                match kernel_fits {
                    true => self
                        .symbolizer
                        .disassemble(&code.bytes, code.fault_index, ip, applied),
                    false => legolog_symbols::disassemble(&code.bytes, code.fault_index, ip),
                }
            })
            .unwrap_or_default();
        for warning in &warnings {
            self.events.warning(warning);
        }
        warnings.extend(mismatch_warnings);
        let mismatch = rip
            .iter()
            .chain(&frames)
            .any(|decoding| decoding.verdict == Verdict::Mismatch);
        Decoded {
            kaslr_slide: slide,
            warnings: warnings.into_iter().collect(),
            rip,
            frames,
            stack_verdicts,
            register_notes,
            instructions,
            image: None,
            modules: Vec::new(),
            foreign_kernel: !kernel_fits,
            mismatch,
        }
    }

    /// The slide from the frames that print both an address and a symbol, else the one the
    /// kernel printed (`Kernel Offset:`).
    fn slide(&self, report: &Report, warnings: &mut BTreeSet<String>) -> Option<i64> {
        let observations: Vec<Observation<'_>> = report
            .rip
            .iter()
            .chain(&report.frames)
            .filter(|frame| frame.module.is_none())
            .filter_map(|frame| {
                let symbol = frame.symbol.as_ref()?;
                Some(Observation {
                    addr: frame.addr?,
                    name: &symbol.name,
                    offset: symbol.offset,
                    size: symbol.size,
                })
            })
            .collect();
        if observations.is_empty() {
            return report.kernel_offset.map(|offset| offset as i64);
        }
        let estimate = self.symbolizer.infer_slide(&observations);
        if !estimate.disagreeing.is_empty() {
            warnings.insert(format!(
                "{}: {} of {} frames disagree on the KASLR slide {}: the log may interleave two boots or the vmlinux may not match",
                self.path.display(),
                estimate.disagreeing.len(),
                observations.len(),
                estimate.slide_hex().unwrap_or_else(|| "?".to_owned())
            ));
        }
        estimate
            .slide
            .or(report.kernel_offset.map(|offset| offset as i64))
    }

    /// Judges and locates one frame; `callee` is `None` for the RIP (an exact address) and
    /// `Some(function above)` for a trace frame (a return address).
    fn decode_frame(
        &self,
        frame: &Frame,
        callee: Option<Option<&str>>,
        slide: i64,
        warnings: &mut BTreeSet<String>,
        mismatches: &mut Vec<(Option<String>, String)>,
    ) -> FrameDecoding {
        let query = FrameQuery {
            addr: frame.addr,
            symbol: frame.symbol.as_ref().map(|s| LogSymbol {
                name: &s.name,
                offset: s.offset,
                size: s.size,
            }),
            module: frame.module.as_deref(),
            build_id: frame.build_id.as_deref(),
            confidence: match frame.confidence {
                Confidence::Reliable => legolog_symbols::Confidence::Reliable,
                Confidence::Guessed => legolog_symbols::Confidence::Guessed,
            },
        };
        if let Some(module) = frame.module.as_deref() {
            match self.symbolizer.module(module) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    warnings.insert(format!(
                        "module {module} not found in --modules directories: its frames stay unknown"
                    ));
                }
                Err(err) => {
                    warnings.insert(format!("module {module}: {err}"));
                }
            }
        }
        let judgement = match callee {
            None => self.symbolizer.judge_ip(&query, slide),
            Some(callee) => self.symbolizer.judge(&query, callee, slide),
        };
        if let Some(mismatch) = &judgement.mismatch {
            mismatches.push((
                frame.module.clone(),
                format!("the log printed {}: {mismatch}", printed(frame)),
            ));
        }
        let location = match (judgement.verdict, judgement.probe) {
            (Verdict::Mismatch, _) | (_, None) => Vec::new(),
            (_, Some(probe)) => match self.symbolizer.find_frames(frame.module.as_deref(), probe) {
                Ok(location) => location,
                Err(err) => {
                    warnings.insert(format!("{}: {err}", self.path.display()));
                    Vec::new()
                }
            },
        };
        FrameDecoding {
            verdict: judgement.verdict,
            location,
            source: None,
        }
    }
}

/// A frame as the log printed it: `ADDR SYM+OFF/SIZE [MOD BUILD-ID]`, for quoting in warnings.
fn printed(frame: &Frame) -> String {
    let mut parts = Vec::new();
    if let Some(addr) = frame.addr {
        parts.push(format!("{addr:x}"));
    }
    if let Some(symbol) = &frame.symbol {
        let mut text = format!("{}+{:#x}", symbol.name, symbol.offset);
        if let Some(size) = symbol.size {
            text.push_str(&format!("/{size:#x}"));
        }
        parts.push(text);
    }
    if let Some(module) = &frame.module {
        match &frame.build_id {
            Some(id) => parts.push(format!("[{module} {id}]")),
            None => parts.push(format!("[{module}]")),
        }
    }
    format!("`{}`", parts.join(" "))
}

/// Whether a register holds data or addresses worth explaining; flags, segment selectors and
/// control registers other than CR2 (the faulting address) do not.
fn holds_values(name: &str) -> bool {
    !matches!(
        name,
        "EFLAGS"
            | "CS"
            | "DS"
            | "ES"
            | "SS"
            | "CR0"
            | "CR3"
            | "CR4"
            | "DR6"
            | "DR7"
            | "PKRU"
            | "ORIG_RAX"
            | "pstate"
    )
}

/// `file:line` of the innermost location, for one-line renderings.
pub fn location_text(location: &[SourceFrame]) -> Option<String> {
    let first = location.first()?;
    let file = first.file.as_deref()?;
    Some(match first.line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    })
}
