//! How far a stack-trace frame can be trusted, judged from the machine code.
//!
//! The rules (x86-64), applied in this order to a frame's return address `A` (the log address
//! minus the KASLR slide, or `symbol start + offset` when the log printed no address):
//!
//! 1. [`Verdict::Unknown`]: no image to judge against (no vmlinux, the module was not found) or
//!    `A` is outside every text symbol.
//! 2. [`Verdict::Mismatch`]: the log's `sym+off/size` disagrees with the ELF: the name is not
//!    there, its kallsyms size differs, or (with an address) the symbol at `A` is another one.
//!    Only text symbols count: a frame naming one of the image's data objects, or printing a
//!    size no function has (more than 256 MiB), is [`Verdict::Unknown`], never a mismatch.
//!    The [`Judgement::mismatch`] says which; the caller should warn once and show nothing of
//!    this image as fact.
//! 3. A CALL ending exactly at `A` is searched by decoding each start `A - k`, `k` in 2..=7, and
//!    keeping a CALL of exactly `k` bytes.
//! 4. [`Verdict::FnPointer`]: `A` is a function's first byte and no CALL ends there (a CALL to a
//!    `noreturn` function as the last instruction of the previous function is a genuine return
//!    address and is judged by the next rules). Resolve such a frame with [`Probe::Exact`].
//! 5. [`Verdict::Stale`]: no CALL ends at `A`.
//! 6. [`Verdict::Reliable`]: the frame is not marked `?` and a CALL ends at `A`. Its target is not
//!    checked: tail calls legitimately make the callee differ from the frame above.
//! 7. [`Verdict::Plausible`]: marked `?`, and a CALL ends at `A` that is indirect (also through a
//!    retpoline thunk `__x86_indirect_thunk_*`), or direct to the function of the frame printed
//!    just above (`callee`), or direct while `callee` is unknown.
//! 8. [`Verdict::Stale`]: marked `?` and the CALL ending at `A` calls another function directly:
//!    the word is the return address of an earlier call that has already returned.

use crate::disasm::{self, CallKind, CallSite};
use crate::image::{Image, Probe};
use crate::kallsyms::SymbolInfo;

/// The judgement of one frame. [`Verdict::as_str`] gives the word used in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Not marked `?`, and a CALL ends exactly at the return address.
    Reliable,
    /// Marked `?`, but a CALL ends there that is indirect or calls the frame above.
    Plausible,
    /// No CALL ends there, or a `?` word after a CALL to some other function.
    Stale,
    /// The address is a function's first byte: a function pointer on the stack.
    FnPointer,
    /// The log disagrees with the ELF (see [`Mismatch`]).
    Mismatch,
    /// Nothing to judge against.
    Unknown,
}

impl Verdict {
    /// `reliable`, `plausible`, `stale`, `fn-pointer`, `mismatch` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Reliable => "reliable",
            Verdict::Plausible => "plausible",
            Verdict::Stale => "stale",
            Verdict::FnPointer => "fn-pointer",
            Verdict::Mismatch => "mismatch",
            Verdict::Unknown => "unknown",
        }
    }
}

/// The kernel's own confidence in a frame: printed with or without `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confidence {
    /// Printed without `?`.
    Reliable,
    /// Printed with `?`.
    Guessed,
}

/// `name+offset/size` as the log printed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSymbol<'a> {
    /// The name, unnormalized.
    pub name: &'a str,
    /// The offset after `+`.
    pub offset: u64,
    /// The kallsyms size after `/`, when printed.
    pub size: Option<u64>,
}

/// One frame as the log printed it: plain data, no log text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameQuery<'a> {
    /// The runtime address as printed (the slide is passed separately to
    /// [`crate::Symbolizer::judge`]). Ignored for module frames, whose load address is unknown:
    /// those resolve through `symbol`.
    pub addr: Option<u64>,
    /// `name+offset/size`, when printed.
    pub symbol: Option<LogSymbol<'a>>,
    /// The `[module]` the frame is in, `None` for vmlinux.
    pub module: Option<&'a str>,
    /// The module's printed build ID (hex), if any.
    pub build_id: Option<&'a str>,
    /// Whether the frame was printed with `?`.
    pub confidence: Confidence,
}

/// How the log disagrees with the ELF.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// The ELF has no text symbol of that name.
    UnknownSymbol {
        /// The log's name.
        name: String,
    },
    /// The symbol exists but its kallsyms size differs.
    SizeDiffers {
        /// The symbol.
        name: String,
        /// The size the log printed.
        log_size: u64,
        /// The ELF's kallsyms size.
        elf_size: u64,
    },
    /// After removing the slide, the address belongs to another symbol (or offset).
    SymbolDiffers {
        /// The link-time address.
        addr: u64,
        /// What the log printed: `name+0xoff`.
        log: String,
        /// What the ELF has there: `name+0xoff`, or `None` outside every symbol.
        elf: Option<String>,
    },
    /// An instruction address that is not on an instruction boundary of the ELF's code.
    NotInstructionBoundary {
        /// The link-time address.
        addr: u64,
    },
    /// The printed build ID is not the image's.
    BuildIdDiffers {
        /// The printed build ID.
        log: String,
        /// The image's, in hex.
        elf: String,
    },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::UnknownSymbol { name } => write!(f, "the ELF has no symbol {name}"),
            Mismatch::SizeDiffers {
                name,
                log_size,
                elf_size,
            } => {
                write!(
                    f,
                    "{name} has size {log_size:#x} in the log but {elf_size:#x} in the ELF"
                )
            }
            Mismatch::SymbolDiffers { addr, log, elf } => match elf {
                Some(elf) => write!(
                    f,
                    "the ELF has {elf} there, not {log} (link address {addr:#x})"
                ),
                None => write!(
                    f,
                    "the ELF has no symbol there, not {log} (link address {addr:#x})"
                ),
            },
            Mismatch::NotInstructionBoundary { addr } => {
                write!(f, "{addr:#x} is not an instruction boundary in the ELF")
            }
            Mismatch::BuildIdDiffers { log, elf } => {
                write!(f, "build id {log} in the log but {elf} in the ELF")
            }
        }
    }
}

/// The result of [`crate::Symbolizer::judge`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is [`Verdict::Mismatch`].
    pub mismatch: Option<Mismatch>,
    /// What to pass to [`Image::find_frames`] of the frame's image (the vmlinux, or
    /// [`crate::Symbolizer::module`]): a link-time address, `None` when it could not be placed.
    /// Do not show the frames of a mismatching frame as facts.
    pub probe: Option<Probe>,
}

impl Judgement {
    pub(crate) fn unknown() -> Judgement {
        Judgement {
            verdict: Verdict::Unknown,
            mismatch: None,
            probe: None,
        }
    }

    fn mismatch(mismatch: Mismatch, probe: Option<Probe>) -> Judgement {
        Judgement {
            verdict: Verdict::Mismatch,
            mismatch: Some(mismatch),
            probe,
        }
    }
}

/// Where a frame's address comes from: the printed address (kernel) or `symbol + offset`.
pub(crate) enum Placement {
    Address(u64),
    SymbolOnly,
}

/// The largest kallsyms size taken as evidence about a build. No function is this large; a
/// larger printed size is the distance from a data object to the next text symbol (lkdtm's
/// EXEC_DATA prints `data_area+0x0/0xffffffffffff76e0`), not a function's size.
const MAX_TEXT_SYMBOL_SIZE: u64 = 1 << 28;

/// Whether the log's `sym+off/size` can tell anything about the build: only text symbols can.
/// A data object named in a trace (the RIP of a jump into data), or an absurd size, says nothing
/// and must never condemn the image as foreign.
fn is_text_evidence(image: &Image, sym: &LogSymbol<'_>) -> bool {
    if sym.size.is_some_and(|size| size > MAX_TEXT_SYMBOL_SIZE) {
        return false;
    }
    !(image.is_data_symbol(sym.name) && image.find_symbol_by_name(sym.name, None).is_none())
}

/// Checks the log's symbol against the image and returns the link-time address to judge.
fn place(
    image: &Image,
    frame: &FrameQuery<'_>,
    placement: Placement,
    exact: bool,
) -> Result<u64, Judgement> {
    if frame
        .symbol
        .is_some_and(|sym| !is_text_evidence(image, &sym))
    {
        return Err(Judgement::unknown());
    }
    match (placement, frame.symbol) {
        (Placement::Address(link), Some(sym)) => {
            // `%pB` names the symbol of `addr - 1` (so `off == size` is possible); `%pS` the
            // symbol of `addr`. Accept either.
            let candidates = [Some(link), link.checked_sub(1)];
            let found = candidates
                .iter()
                .flatten()
                .filter_map(|&probe| image.find_symbol(probe))
                .find(|elf| elf.name == sym.name && elf.start.wrapping_add(sym.offset) == link);
            match found {
                Some(elf) => same_size(image, elf, sym.size).map(|_| link),
                None => {
                    let at = if exact { link } else { link.wrapping_sub(1) };
                    let elf = image
                        .find_symbol(at)
                        .map(|elf| format!("{}+{:#x}", elf.name, link.wrapping_sub(elf.start)));
                    let log = format!("{}+{:#x}", sym.name, sym.offset);
                    Err(Judgement::mismatch(
                        Mismatch::SymbolDiffers {
                            addr: link,
                            log,
                            elf,
                        },
                        None,
                    ))
                }
            }
        }
        (Placement::Address(link), None) => Ok(link),
        (Placement::SymbolOnly, Some(sym)) => match image.find_symbol_by_name(sym.name, sym.size) {
            None => Err(Judgement::mismatch(
                Mismatch::UnknownSymbol {
                    name: sym.name.to_owned(),
                },
                None,
            )),
            Some(elf) => {
                let start = elf.start;
                same_size(image, elf, sym.size).map(|_| start.wrapping_add(sym.offset))
            }
        },
        (Placement::SymbolOnly, None) => Err(Judgement::unknown()),
    }
}

/// The most a module's last text symbol can grow by in the kernel's eyes: its text region
/// is rounded up to a page.
const MODULE_TEXT_ALIGN: u64 = 0x1000;

/// A mismatch when the log printed a kallsyms size that is not the ELF's.
///
/// In a module, the last symbol of a text region ends where the region ends, not where its
/// section does: kernel/module/kallsyms.c `find_kallsyms_symbol` takes the region's end
/// (`init_layout`/`core_layout` base + `text_size`, page-aligned under
/// `CONFIG_STRICT_MODULE_RWX`) as the next symbol. So the last function of `.init.text`
/// prints e.g. `legolog_bugs_init+0x38/0x1000` for 0xdb bytes: a larger size, by less than a
/// page, is the same symbol there.
fn same_size(image: &Image, elf: SymbolInfo, log_size: Option<u64>) -> Result<(), Judgement> {
    let region_end = |size: u64| {
        image.is_relocatable()
            && size > elf.kallsyms_size
            && size - elf.kallsyms_size < MODULE_TEXT_ALIGN
            && image.ends_its_section(&elf)
    };
    match log_size {
        Some(size) if size != elf.kallsyms_size && !region_end(size) => Err(Judgement::mismatch(
            Mismatch::SizeDiffers {
                name: elf.name,
                log_size: size,
                elf_size: elf.kallsyms_size,
            },
            None,
        )),
        _ => Ok(()),
    }
}

/// Judges a return-address frame against `image` (rules in the module docs).
pub(crate) fn judge_return(
    image: &Image,
    frame: &FrameQuery<'_>,
    placement: Placement,
    callee: Option<&str>,
) -> Judgement {
    let link = match place(image, frame, placement, false) {
        Ok(link) => link,
        Err(judgement) => return judgement,
    };
    let containing = image
        .find_symbol(link.wrapping_sub(1))
        .or_else(|| image.find_symbol(link));
    if containing.is_none() {
        return Judgement::unknown();
    }
    let calls = image
        .code_before(link, disasm::MAX_CALL_LEN)
        .map(|code| disasm::calls_ending_at(code, link))
        .unwrap_or_default();
    let is_function_start = image.find_symbol(link).is_some_and(|sym| sym.start == link);
    if calls.is_empty() {
        if is_function_start {
            return Judgement {
                verdict: Verdict::FnPointer,
                mismatch: None,
                probe: Some(Probe::Exact(link)),
            };
        }
        return Judgement {
            verdict: Verdict::Stale,
            mismatch: None,
            probe: Some(Probe::ReturnAddress(link)),
        };
    }
    let verdict = match frame.confidence {
        Confidence::Reliable => Verdict::Reliable,
        Confidence::Guessed => {
            if calls.iter().any(|call| call_matches(image, call, callee)) {
                Verdict::Plausible
            } else {
                Verdict::Stale
            }
        }
    };
    Judgement {
        verdict,
        mismatch: None,
        probe: Some(Probe::ReturnAddress(link)),
    }
}

/// Judges the RIP (an exact instruction address): consistent with the ELF and on an instruction
/// boundary of its function → [`Verdict::Reliable`].
pub(crate) fn judge_ip(image: &Image, frame: &FrameQuery<'_>, placement: Placement) -> Judgement {
    let link = match place(image, frame, placement, true) {
        Ok(link) => link,
        Err(judgement) => return judgement,
    };
    let Some(sym) = image.find_symbol(link) else {
        return Judgement::unknown();
    };
    let offset = link - sym.start;
    // Decode from the function's start through the instruction at `link` (at most 15 bytes long).
    let on_boundary = image
        .code_at(sym.start, offset.saturating_add(15))
        .and_then(|code| {
            Some(disasm::is_instruction_boundary(
                code,
                sym.start,
                usize::try_from(offset).ok()?,
            ))
        });
    match on_boundary {
        Some(false) => Judgement::mismatch(
            Mismatch::NotInstructionBoundary { addr: link },
            Some(Probe::Exact(link)),
        ),
        _ => Judgement {
            verdict: Verdict::Reliable,
            mismatch: None,
            probe: Some(Probe::Exact(link)),
        },
    }
}

fn call_matches(image: &Image, call: &CallSite, callee: Option<&str>) -> bool {
    let CallKind::Direct(target) = call.kind else {
        return true;
    };
    // A relocatable image names an undefined target through the relocation of its rel32 field.
    let name = match image.reloc_name(call.start.wrapping_add(1)) {
        Some(name) => Some(name.to_owned()),
        None => image.find_symbol(target).map(|sym| sym.name),
    };
    if name.as_deref().is_some_and(|name| {
        name.starts_with("__x86_indirect_thunk_") || name.starts_with("__x86_indirect_call_thunk_")
    }) {
        return true;
    }
    match callee {
        None => true,
        Some(callee) => name.as_deref() == Some(callee),
    }
}
