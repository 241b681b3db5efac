//! Opening inputs: paths, `-` for stdin, compressed streams detected by their magic bytes.

pub mod live;
pub mod walk;

use anyhow::{bail, Context as _};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Where a log comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    Path(PathBuf),
}

impl Source {
    /// Whether reading it can wait for more (stdin or a path that is a pipe, FIFO, socket or
    /// terminal) rather than reach an end: such a source is read on a thread of its own.
    pub fn is_live(&self) -> bool {
        match self {
            Source::Stdin => live::stdin_is_live(),
            Source::Path(path) => std::fs::metadata(path).is_ok_and(|m| live::is_live(&m)),
        }
    }

    /// `-` means standard input; anything else is a path.
    pub fn from_arg(arg: &Path) -> Source {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::Path(arg.to_owned())
        }
    }

    /// The run name of a log: the file stem without compression suffixes (`0826-w9-1`).
    pub fn run_name(&self) -> String {
        match self {
            Source::Stdin => "stdin".to_owned(),
            Source::Path(path) => {
                let mut name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                for suffix in [".gz", ".xz", ".zst", ".log", ".txt"] {
                    if let Some(stripped) = name.strip_suffix(suffix) {
                        name = stripped.to_owned();
                    }
                }
                name
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Stdin => f.write_str("-"),
            Source::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The compression a stream starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (`1f 8b`).
    Gzip,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// Detects the compression from the first bytes of a stream.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Opens a source as a stream of (decompressed) log bytes. A compressed stream ends with an
/// error once it has given `max_decompressed` bytes
/// (see [`is_limit`]).
///
/// Fails with a message naming the source when it is missing, a directory, empty, or binary
/// data that is not a console log.
pub fn open(source: &Source, max_decompressed: u64) -> anyhow::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = match source {
        Source::Stdin => {
            live::widen_pipe(io::stdin());
            Box::new(io::stdin())
        }
        Source::Path(path) => {
            let meta = std::fs::metadata(path)
                .with_context(|| format!("{}: cannot open", path.display()))?;
            if meta.is_dir() {
                bail!(
                    "{}: is a directory (analyze takes log files; correlate reads directories)",
                    path.display()
                );
            }
            let file =
                File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
            Box::new(file)
        }
    };
    // The scan reads whole chunks, which a `BufReader` hands straight to the file once its
    // buffer is empty: the buffer only serves the head read here, so it is sized for the
    // sniff below, not for throughput.
    let mut buffered = BufReader::with_capacity(SNIFF, raw);
    let head = buffered
        .fill_buf()
        .with_context(|| format!("{source}: cannot read"))?;
    if head.is_empty() {
        bail!("{source}: empty input");
    }
    let compression = Compression::detect(head);
    let stream: Box<dyn Read + Send> = match compression {
        Compression::None => {
            // The head read is already the text's first bytes.
            refuse_binary(source, head)?;
            return Ok(Box::new(buffered));
        }
        Compression::Gzip => Box::new(Bounded::new(
            flate2::read::MultiGzDecoder::new(buffered),
            max_decompressed,
        )),
        Compression::Xz => Box::new(Bounded::new(
            xz2::read::XzDecoder::new_multi_decoder(buffered),
            max_decompressed,
        )),
        Compression::Zstd => Box::new(Bounded::new(
            zstd::stream::read::Decoder::with_buffer(buffered)
                .with_context(|| format!("{source}: cannot start zstd decoder"))?,
            max_decompressed,
        )),
    };
    // Look at the start of the text to refuse binary data with a clear message.
    let mut sniff = BufReader::with_capacity(SNIFF, stream);
    let head = sniff
        .fill_buf()
        .with_context(|| format!("{source}: corrupt {compression:?} stream"))?;
    if head.is_empty() {
        bail!("{source}: empty input (after {compression:?} decompression)");
    }
    refuse_binary(source, head)?;
    Ok(Box::new(sniff))
}

/// Refuses a source whose first bytes are binary data, with a message naming it.
fn refuse_binary(source: &Source, head: &[u8]) -> anyhow::Result<()> {
    match binary_evidence(head) {
        Some(offset) => bail!("{source}: not a text console log (binary data near byte {offset})"),
        None => Ok(()),
    }
}

/// How much of a log's (decompressed) start is read to tell text from binary data.
const SNIFF: usize = 64 * 1024;

/// A decompressed stream that stops with an error once it has given `limit` bytes: the limit
/// is checked as the output grows, never after inflating everything.
struct Bounded<R> {
    inner: R,
    given: u64,
    limit: u64,
}

impl<R: Read> Bounded<R> {
    fn new(inner: R, limit: u64) -> Bounded<R> {
        Bounded {
            inner,
            given: 0,
            limit,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.given >= self.limit {
            // One byte more would show whether the stream really goes on.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            return Err(io::Error::other(LimitReached(self.limit)));
        }
        let room = usize::try_from(self.limit - self.given).unwrap_or(usize::MAX);
        let len = buf.len().min(room);
        let n = self.inner.read(&mut buf[..len])?;
        self.given += n as u64;
        Ok(n)
    }
}

/// The error a [`Bounded`] stream ends with.
#[derive(Debug)]
struct LimitReached(u64);

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "decompresses to more than {} bytes (limit max_log_bytes)",
            self.0
        )
    }
}

impl std::error::Error for LimitReached {}

/// Whether a read error is the decompressed-size limit of [`open`] rather than damage.
pub fn is_limit(err: &io::Error) -> bool {
    err.get_ref()
        .is_some_and(|inner| inner.is::<LimitReached>())
}

/// Returns an offset if the sample looks like binary data rather than console text: more than
/// a third of its bytes are control bytes or invalid UTF-8. Real consoles produce some garbage
/// (baud-rate switches, boot firmware), never that much.
pub fn binary_evidence(sample: &[u8]) -> Option<usize> {
    let mut bad = 0usize;
    let mut first_bad = None;
    for chunk in sample.utf8_chunks() {
        let valid = chunk.valid();
        for (i, b) in valid.bytes().enumerate() {
            if b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x1b | 0x08 | 0x07) {
                bad += 1;
                first_bad.get_or_insert(i);
            }
        }
        bad += chunk.invalid().len();
    }
    if bad * 3 > sample.len() {
        return Some(first_bad.unwrap_or(0));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_compression_by_magic() {
        assert_eq!(Compression::detect(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(Compression::detect(b"\xfd7zXZ\x00rest"), Compression::Xz);
        assert_eq!(
            Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Compression::Zstd
        );
        assert_eq!(Compression::detect(b"[ 1.0] hi"), Compression::None);
    }

    #[test]
    fn binary_is_refused_text_with_garbage_is_not() {
        let mut noisy = b"[ 1.0] boot\n".repeat(100);
        noisy.extend_from_slice(b"\xff\xfe\x00\x01");
        assert_eq!(binary_evidence(&noisy), None);
        let random: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert!(binary_evidence(&random).is_some());
    }

    #[test]
    fn run_names_drop_suffixes() {
        let source = Source::from_arg(Path::new("/logs/0826-w9-1.log.gz"));
        assert_eq!(source.run_name(), "0826-w9-1");
    }
}
