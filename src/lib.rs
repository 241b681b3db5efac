//! legolog: kernel console logs in, answers out.
//!
//! The binary's library half: it joins [`legolog_parsers`] (bytes → reports) and
//! [`legolog_symbols`] (ELF/DWARF knowledge), computes signatures and known-bug labels,
//! keeps the run history and renders the result for people (terminal tables, Markdown) and
//! programs (JSON). See ARCHITECTURE.md for the map.

pub mod analysis;
pub mod cli;
pub mod cmd;
pub mod console;
pub mod correlate;
pub mod dbfile;
pub mod debuginfod;
pub mod decode;
pub mod dirs;
pub mod events;
pub mod history;
pub mod input;
pub mod limits;
pub mod live;
pub mod locate;
pub mod node;
pub mod query;
pub mod render;
pub mod rules;
pub mod run;
pub mod sanitize;
pub mod serve;
pub mod signature;
pub mod source;
pub mod store;
pub mod stream;
pub mod timeline;
pub mod walk;
pub mod watch;
