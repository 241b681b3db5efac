//! legolog: kernel console logs in, answers out.
//!
//! The binary's library half: it joins [`legolog_parsers`] (bytes → reports) and
//! [`legolog_symbols`] (ELF/DWARF knowledge) and renders the result for people (terminal
//! tables, Markdown) and programs (JSON). See ARCHITECTURE.md for the map.

pub mod analysis;
pub mod cli;
pub mod input;
pub mod render;
