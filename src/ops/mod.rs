//! What joins the pipeline to the renderers: loading before any output (`load`), the per-report
//! console (`console`, also `--exec`) and streaming `analyze`/`watch` (`watch`).

pub mod console;
pub mod load;
pub mod watch;
