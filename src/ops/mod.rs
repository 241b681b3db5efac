//! What joins the pipeline to the renderers: loading before any output (`load`), the per-report
//! console (`console`, also `--exec`), `correlate`'s walk, read and grouping (`correlate`), streaming `analyze`/`watch` (`watch`) and `decode`'s
//! annotated pass-through (`decode`).

pub mod console;
pub mod correlate;
pub mod decode;
pub mod load;
pub mod watch;
