//! Kernel console logs in, structured reports out.
#![deny(missing_docs)]

mod body;
pub mod line;
mod report;

pub use report::*;
