//! Live commands that still join a pipeline to a renderer by hand: the per-report printer
//! (`console`, also `--exec`) and streaming `analyze`/`watch` (`watch`).

pub mod console;
pub mod watch;
