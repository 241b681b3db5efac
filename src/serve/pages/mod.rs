//! One module per page: what it reads from the history (its JSON twin) and its markup.

pub mod bug;
pub mod crash;
pub mod edit;
pub mod list;
pub mod node;
pub mod run;
