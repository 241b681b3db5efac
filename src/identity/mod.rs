//! "Is it the same?": report signatures and the similarity rule, known-bug rules (labels), a
//! live console's key in the history, runs, nodes and dates.

pub mod live;
pub mod node;
pub mod rules;
pub mod run;
pub mod signature;
