//! What joins the pipeline to the renderers: loading before any output (`load`), the per-report
//! console (`console`, also `--exec`), streaming `analyze`/`watch` (`watch`) and `decode`'s
//! annotated pass-through (`decode`).

pub mod console;
pub mod decode;
pub mod load;
pub mod watch;
