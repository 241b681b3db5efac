//! Inputs through the scanner to enriched reports: the streaming driver (`stream`), per-input
//! analysis and recording (`analysis`), opening the history (`store`), `correlate` and
//! `timeline`.

pub mod analysis;
pub mod correlate;
pub mod store;
pub mod stream;
pub mod timeline;
