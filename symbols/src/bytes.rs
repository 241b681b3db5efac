//! Shared, cheaply clonable byte buffers that gimli can read from.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// The default `SymbolizeConfig::max_decompressed`: the most bytes one compressed module file
/// or one `SHF_COMPRESSED` section may decompress to, 1 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 1 << 30;

/// The bytes behind an image: a memory map of the file or an owned buffer (decompressed module,
/// relocated section).
pub(crate) enum Backing {
    Mmap(memmap2::Mmap),
    Owned(Vec<u8>),
}

/// A reference-counted handle to a [`Backing`]; cloning it does not copy the bytes.
#[derive(Clone)]
pub(crate) struct Bytes(Arc<Backing>);

impl Bytes {
    pub(crate) fn from_mmap(map: memmap2::Mmap) -> Bytes {
        Bytes(Arc::new(Backing::Mmap(map)))
    }

    pub(crate) fn from_vec(vec: Vec<u8>) -> Bytes {
        Bytes(Arc::new(Backing::Owned(vec)))
    }
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &*self.0 {
            Backing::Mmap(map) => map,
            Backing::Owned(vec) => vec,
        }
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({} bytes)", self.len())
    }
}

// SAFETY: the bytes live in an `Arc` that is never mutated after construction; neither a memory
// map nor a `Vec` moves its heap allocation when the handle that owns it moves, so the slice
// returned by `deref` stays valid and at the same address for as long as any clone exists.
unsafe impl stable_deref_trait::StableDeref for Bytes {}

// SAFETY: a clone shares the same `Arc`, so it derefs to the very same slice.
unsafe impl stable_deref_trait::CloneStableDeref for Bytes {}

/// The reader type every DWARF section is read through.
pub(crate) type Reader = gimli::EndianReader<gimli::RunTimeEndian, Bytes>;

/// A section's bytes: a range of a shared buffer. The range is checked against the buffer when
/// the slice is built, so `as_slice` cannot fail.
#[derive(Clone, Debug)]
pub(crate) struct Slice {
    bytes: Bytes,
    range: Range<usize>,
}

impl Slice {
    /// Returns `None` when `range` does not lie within `bytes`.
    pub(crate) fn new(bytes: Bytes, range: Range<usize>) -> Option<Slice> {
        if range.start > range.end || range.end > bytes.len() {
            return None;
        }
        Some(Slice { bytes, range })
    }

    pub(crate) fn whole(bytes: Bytes) -> Slice {
        let len = bytes.len();
        Slice {
            bytes,
            range: 0..len,
        }
    }

    /// The sub-range `range` (relative to this slice); `None` when it does not lie within it.
    pub(crate) fn sub(&self, range: Range<usize>) -> Option<Slice> {
        let start = self.range.start.checked_add(range.start)?;
        let end = self.range.start.checked_add(range.end)?;
        if end > self.range.end {
            return None;
        }
        Slice::new(self.bytes.clone(), start..end)
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        self.bytes.get(self.range.clone()).unwrap_or(&[])
    }

    pub(crate) fn reader(&self, endian: gimli::RunTimeEndian) -> Reader {
        // `range` was checked against the buffer in `new`, so `EndianReader::range` cannot panic.
        gimli::EndianReader::new(self.bytes.clone(), endian).range(self.range.clone())
    }
}
