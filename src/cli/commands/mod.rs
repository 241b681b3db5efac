//! The work of each subcommand, one module per subcommand (as ripgrep's `flags` are separate
//! from its searcher): `cli/mod.rs` parses and dispatches, these modules open what a command
//! needs (through `config::settings` and `ops::load`), call the library and hand the results to
//! `render/`.

pub mod analyze;
pub mod bug;
pub mod correlate;
pub mod decode;
pub mod explain;
pub mod generate;
pub mod history;
pub mod report;
pub mod rules;
pub mod serve;
pub mod symbolize;
pub mod timeline;
pub mod watch;
