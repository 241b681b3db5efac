//! The one error type of the crate: each variant names what is wrong with which input.

use std::path::PathBuf;

/// A specialized `Result` whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Why an ELF image, a module or its debug information could not be used.
///
/// A lookup that finds nothing is not an error (it returns `None` or an empty list); these
/// variants are reserved for inputs that cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened, mapped or read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes do not start with the ELF magic.
    #[error("{} is not an ELF file", path.display())]
    NotElf {
        /// The file.
        path: PathBuf,
    },
    /// A header or table points past the end of the file.
    #[error("{} is truncated: {what} extends past the end of the file", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// The structure that does not fit, e.g. `ELF header` or a section name.
        what: String,
    },
    /// The ELF structure is inconsistent in a way other than truncation.
    #[error("{} is a malformed ELF file: {what}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is inconsistent.
        what: String,
    },
    /// The ELF is for another architecture or is not 64-bit; only x86-64 is supported.
    #[error("{} is not an x86-64 ELF (e_machine {machine}, {class_bits}-bit)", path.display())]
    WrongArch {
        /// The file.
        path: PathBuf,
        /// The ELF `e_machine` value.
        machine: u16,
        /// 32 or 64.
        class_bits: u8,
    },
    /// The ELF has no symbol table (fully stripped), so nothing can be resolved.
    #[error("{} has no symbol table (fully stripped)", path.display())]
    NoSymbols {
        /// The file.
        path: PathBuf,
    },
    /// A compressed module or a compressed ELF section could not be decompressed.
    #[error("cannot decompress {} ({format})", path.display())]
    Decompress {
        /// The file.
        path: PathBuf,
        /// `xz`, `zstd`, `gzip` or `zlib`.
        format: &'static str,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// The DWARF debug information could not be parsed.
    #[error("bad DWARF in {}", path.display())]
    Dwarf {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: gimli::Error,
    },
    /// A limit that protects memory was exceeded, e.g. a section that claims to decompress to
    /// more than the configured maximum.
    #[error("{} exceeds a limit: {what}", path.display())]
    LimitExceeded {
        /// The file.
        path: PathBuf,
        /// Which limit.
        what: String,
    },
}
