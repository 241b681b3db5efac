//! ELF/DWARF knowledge about a kernel image (placeholder until the symbols issue lands).
#![deny(missing_docs)]
