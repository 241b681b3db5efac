//! What the user set and where things live: XDG directories, the bounds on hostile input
//! (`Limits`) and the events (warnings, notices) that analysis code returns instead of printing.

pub mod dirs;
pub mod events;
pub mod limits;
pub mod settings;
