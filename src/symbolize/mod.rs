//! What a kernel image says about a report: which image (`locate`, `debuginfod`), the decoding
//! itself (`decode`), `symbolize` queries and source snippets.

pub mod debuginfod;
pub mod decode;
pub mod locate;
pub mod query;
pub mod source;
