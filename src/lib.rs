//! legolog: kernel console logs in, answers out.
//!
//! The binary's library half: it joins [`legolog_parsers`] (bytes → reports) and
//! [`legolog_symbols`] (ELF/DWARF knowledge), computes signatures and known-bug labels,
//! keeps the run history and renders the result for people (terminal tables, Markdown) and
//! programs (JSON). See ARCHITECTURE.md for the map: the modules below are layers, lowest
//! first config, input, identity, symbolize, history, pipeline, render, ops, serve, cli; each
//! uses only the layers before it (`tests/layering.rs`).

pub mod cli;
pub mod config;
pub mod history;
pub mod identity;
pub mod input;
pub mod ops;
pub mod pipeline;
pub mod render;
pub mod serve;
pub mod symbolize;
