//! "Is it the same?": report signatures, known-bug rules (labels), runs, nodes and dates.

pub mod node;
pub mod rules;
pub mod run;
pub mod signature;
