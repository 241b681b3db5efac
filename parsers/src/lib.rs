//! Kernel console logs in, structured reports out.
//!
//! `legolog-parsers` reads the serial-console output of a LegoOS or Linux kernel and finds
//! every crash, stall and stack dump in it: kind, title, task, registers, raw stack words,
//! `Code:` bytes and the call trace with each frame's address, symbol, module and the
//! kernel's own reliability mark. It knows nothing about ELF files or output formats.
//!
//! # Brief overview
//!
//! * [`Parser`] streams [`Report`]s out of any [`std::io::Read`]; [`Parser::stats`] counts
//!   lines, including those that belong to no report.
//! * [`Scanner`] is the push-based core under it, for live inputs: chunks in, each report out
//!   as soon as it is complete, [`Scanner::flush`] when the input goes quiet.
//! * [`line::normalize`] strips timestamps, caller ids, syslog prefixes and transport noise.
//! * [`Kind`] lists every report kind with its stable name.
//!
//! ```
//! use legolog_parsers::{ParseConfig, Parser};
//!
//! let log = "[ 1.0] watchdog: worker[0] CPU10 stucked\n\
//!            [ 1.1] RIP: 0010:[<ffffffff810522c3>]  [<ffffffff810522c3>] mlx4_ib_poll_cq+0x1d3/0x850\n";
//! let reports: Vec<_> = Parser::new(log.as_bytes(), ParseConfig::standard()).collect::<Result<_, _>>()?;
//! assert_eq!(reports[0].title, "watchdog: worker stuck in mlx4_ib_poll_cq");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::indexing_slicing))]

mod body;
mod config;
mod dialect;
mod draft;
mod guilty;
mod header;
pub mod kernel;
mod lego;
pub mod line;
pub(crate) mod linux;
pub mod lone;
mod pattern;
mod report;
mod scan;
mod source;
mod view;
mod vocab;

pub use config::{ParseConfig, Stats};
pub use guilty::{guilty, guilty_frame, Guilty, GuiltyAt};
pub use header::Dialect;
pub use report::*;
pub use scan::{Parser, Scanner, Triggers};
pub use vocab::base_name;

/// How titles are made: the table row behind a title and the guilty-frame skip classes.
pub mod titles {
    pub use crate::linux::skip::{class_of, SkipClass, CLASSES};
    pub use crate::linux::{origin, rows, Origin, Row};
}
