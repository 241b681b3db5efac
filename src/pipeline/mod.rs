//! Inputs through the scanner to enriched reports: the streaming driver (`stream`), the enrich
//! stage (`enrich`: decode, sign, label), per-input analysis and recording (`analysis`),
//! opening the history (`store`), the trait every renderer implements (`output`), `correlate`
//! and `timeline`.

pub mod analysis;
pub mod correlate;
pub mod enrich;
pub mod output;
pub mod store;
pub mod stream;
pub mod timeline;
