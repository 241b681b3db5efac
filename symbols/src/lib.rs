//! ELF and DWARF knowledge about a kernel image, for symbolizing console logs.
//!
//! This crate takes plain addresses and symbol names (never log text) and answers: which symbol
//! and source position (with the inline chain) an address belongs to, which KASLR slide maps the
//! log's addresses onto the ELF, whether the ELF belongs to the log at all, and how trustworthy a
//! stack-trace frame is, judged from the machine code around its return address.
//!
//! # Brief overview
//!
//! * [`Symbolizer`] opens a vmlinux (memory-mapped, parsed lazily) and finds kernel modules in
//!   the configured directories. It judges frames ([`Symbolizer::judge`]) and infers the KASLR
//!   slide ([`Symbolizer::infer_slide`]).
//! * [`Image`] is one ELF: [`Image::find_symbol`], [`Image::find_symbol_by_name`] (kallsyms
//!   sizes, see [`SymbolInfo`]) and [`Image::find_frames`] (source positions, see [`SourceFrame`]),
//!   taking a [`Probe`] that says whether an address is a return address.
//! * [`Verdict`] is the judgement of a frame; [`disassemble`] decodes a `Code:` line's bytes;
//!   [`annotate_value`] explains a register value.
//!
//! ```
//! use legolog_symbols::{Probe, SymbolizeConfig, Symbolizer};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/vmlinux/vmlinux-0826-w9-1");
//! let config = SymbolizeConfig {
//!     module_dirs: vec![],
//!     strip_prefixes: vec![],
//!     max_decompressed: legolog_symbols::DEFAULT_MAX_DECOMPRESSED,
//! };
//! let symbolizer = Symbolizer::open(path, &config)?;
//! let sym = symbolizer.kernel().find_symbol(0xffffffff810522c3).unwrap();
//! assert_eq!((sym.name.as_str(), sym.kallsyms_size), ("mlx4_ib_poll_cq", 0x850));
//! let frames = symbolizer.kernel().find_frames(Probe::ReturnAddress(0xffffffff8106920c))?;
//! assert_eq!(frames[0].file.as_deref(), Some("net/lego/fit_internal.c"));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::indexing_slicing))]

mod annotate;
mod bytes;
mod disasm;
mod dwarf;
mod elf;
mod error;
mod image;
mod kallsyms;
mod kaslr;
mod module;
mod symbolizer;
mod verdict;

pub use annotate::{annotate_value, errno_name};
pub use bytes::DEFAULT_MAX_DECOMPRESSED;
pub use disasm::{disassemble, Instruction};
pub use dwarf::SourceFrame;
pub use error::{Error, Result};
pub use image::{Image, Probe};
pub use kallsyms::SymbolInfo;
pub use kaslr::{Observation, SlideEstimate};
pub use module::files_below;
pub use symbolizer::{SymbolizeConfig, Symbolizer};
pub use verdict::{Confidence, FrameQuery, Judgement, LogSymbol, Mismatch, Verdict};
