//! Live inputs: consoles that never close. A reader thread hands chunks over a bounded
//! channel, so the scanning side can wait with a timeout and finish a report when its input
//! has been idle, however long a read blocks. Files can be followed like `tail -F` (through
//! truncation and replacement); FIFOs are reopened for the next writer; serial devices get
//! their baud rate.

use anyhow::Context as _;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::Arc;
use std::time::Duration;

/// Bytes per chunk handed from a reader thread, and of every chunk but the last of a direct
/// feed.
pub const CHUNK: usize = 256 * 1024;
/// Chunks in flight per source: the channel bounds memory (4 × 256 KiB).
const IN_FLIGHT: usize = 4;
/// How often a followed file is looked at again when it has not grown.
const POLL: Duration = Duration::from_millis(100);

/// What a source delivered.
#[derive(Debug)]
pub enum Chunk {
    /// Bytes.
    Data(Vec<u8>),
    /// Nothing arrived for the idle time.
    Idle,
    /// Something worth telling about the source (truncated, replaced, gone); it goes on.
    Warning(String),
    /// The source ended.
    End,
    /// The source failed; it ends.
    Failed(anyhow::Error),
}

enum Msg {
    Data(Vec<u8>),
    Warning(String),
    End,
    Failed(anyhow::Error),
}

/// Where the chunks of one source come from: read in place (a regular file, where a read
/// never blocks) or from a reader thread (anything live).
pub struct Feed(Inner);

enum Inner {
    /// Synchronous reads, straight into each chunk's own buffer (no copy); an error met after
    /// some bytes of a chunk waits for the next call.
    Direct(Direct),
    /// A reader thread, and the way back for the buffers it filled.
    Thread(Receiver<Msg>, Sender<Vec<u8>>),
}

impl Feed {
    /// Reads `reader` in place.
    pub fn direct(reader: Box<dyn Read + Send>) -> Feed {
        Feed(Inner::Direct(Direct {
            reader,
            pending: None,
            spare: Vec::new(),
        }))
    }

    /// Whether the chunks come from reads that never wait for more input (a file read to its
    /// end), so reading one chunk ahead delays nothing.
    pub fn is_direct(&self) -> bool {
        matches!(self.0, Inner::Direct(_))
    }

    /// Hands back the buffer of a chunk that was looked at, so that the next chunk is read (or,
    /// from a reader thread, copied) into it instead of a new allocation (whose pages the
    /// kernel would zero again). A direct feed keeps at most [`SPARE`].
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        match &mut self.0 {
            Inner::Direct(direct) => {
                if direct.spare.len() < SPARE && buffer.capacity() >= CHUNK {
                    direct.spare.push(buffer);
                }
            }
            // The reader thread takes one back for each chunk it sends, so no more wait there
            // than chunks were in flight. It may be gone; then the buffer is simply freed.
            Inner::Thread(_, back) => {
                let _ = back.send(buffer);
            }
        }
    }

    /// Reads `reader` on a thread of its own.
    pub fn threaded(reader: Box<dyn Read + Send>) -> Feed {
        let (tx, rx) = mpsc::sync_channel(IN_FLIGHT);
        let (back, spares) = mpsc::channel();
        std::thread::spawn(move || pump(reader, &tx, &Spares(spares)));
        Feed(Inner::Thread(rx, back))
    }

    /// A followed path (file, FIFO or device), read on a thread.
    pub fn follow(follow: Follow) -> Feed {
        let (tx, rx) = mpsc::sync_channel(IN_FLIGHT);
        let (back, spares) = mpsc::channel();
        std::thread::spawn(move || follow.run(&tx, &Spares(spares)));
        Feed(Inner::Thread(rx, back))
    }

    /// The next chunk; on a live source waits at most `wait` (then [`Chunk::Idle`]).
    pub fn next(&mut self, wait: Duration) -> Chunk {
        match &mut self.0 {
            Inner::Direct(direct) => direct.next(),
            Inner::Thread(rx, _) => match rx.recv_timeout(wait) {
                Ok(Msg::Data(data)) => Chunk::Data(data),
                Ok(Msg::Warning(text)) => Chunk::Warning(text),
                Ok(Msg::End) | Err(RecvTimeoutError::Disconnected) => Chunk::End,
                Ok(Msg::Failed(err)) => Chunk::Failed(err),
                Err(RecvTimeoutError::Timeout) => Chunk::Idle,
            },
        }
    }
}

/// Buffers kept for reuse by a direct feed.
const SPARE: usize = 2;

/// The state of synchronous reads.
struct Direct {
    reader: Box<dyn Read + Send>,
    /// An error met after some bytes of a chunk: it ends the next call.
    pending: Option<io::Error>,
    /// Buffers handed back ([`Feed::recycle`]), each of [`CHUNK`] bytes' capacity.
    spare: Vec<Vec<u8>>,
}

impl Direct {
    /// Fills one chunk with as many reads as it takes. Each read asks for all the room left, so
    /// a large read goes straight from the kernel into the chunk, past the reader's own buffer
    /// (`read_to_end` would start small and copy through it).
    fn next(&mut self) -> Chunk {
        if let Some(err) = self.pending.take() {
            return Chunk::Failed(err.into());
        }
        // A new buffer comes zeroed from the allocator (fresh pages, no writes); a recycled one
        // is zeroed only where a short last chunk left it short.
        let mut data = self.spare.pop().unwrap_or_else(|| vec![0; CHUNK]);
        data.resize(CHUNK, 0);
        let mut filled = 0;
        while let Some(room) = data.get_mut(filled..).filter(|room| !room.is_empty()) {
            match self.reader.read(room) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if filled == 0 => return Chunk::Failed(err.into()),
                Err(err) => {
                    self.pending = Some(err);
                    break;
                }
            }
        }
        data.truncate(filled);
        if filled == 0 {
            Chunk::End
        } else {
            Chunk::Data(data)
        }
    }
}

/// The buffers a reader thread's consumer handed back ([`Feed::recycle`]). Each read is
/// copied into one of them, sized by the reads it held before, rather than into a fresh
/// allocation: a fresh 256 KiB one is mapped and zeroed by the kernel page by page, which cost
/// a full-speed stream more than the copy. A slow console's buffers stay as small as its
/// reads.
struct Spares(Receiver<Vec<u8>>);

impl Spares {
    /// `bytes` in a buffer of their own.
    fn copy(&self, bytes: &[u8]) -> Vec<u8> {
        let mut data = self.0.try_recv().unwrap_or_default();
        data.clear();
        data.extend_from_slice(bytes);
        data
    }
}

/// The reader thread of a plain stream.
fn pump(mut reader: Box<dyn Read + Send>, tx: &SyncSender<Msg>, spares: &Spares) {
    let mut buf = vec![0; CHUNK];
    loop {
        let msg = match reader.read(&mut buf) {
            Ok(0) => Msg::End,
            Ok(n) => Msg::Data(spares.copy(buf.get(..n).unwrap_or_default())),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => Msg::Failed(err.into()),
        };
        let last = !matches!(msg, Msg::Data(_));
        if tx.send(msg).is_err() || last {
            return;
        }
    }
}

/// Whether reading `file` can block waiting for more (a pipe, FIFO, socket or terminal) rather
/// than reaching an end (a regular file).
pub fn is_live(meta: &std::fs::Metadata) -> bool {
    let kind = meta.file_type();
    kind.is_fifo() || kind.is_char_device() || kind.is_socket()
}

/// Asks for a pipe buffer of one [`CHUNK`] when `fd` is a pipe or FIFO with less; anything
/// else, or a refusal (the user's pipe quota), leaves it as it is. With the default 64 KiB, a
/// console written at full speed wakes the reader for every 64 KiB and each read returns at
/// most that: the writer and the reader take turns instead of running side by side.
pub fn widen_pipe(fd: impl rustix::fd::AsFd) {
    let is_pipe = rustix::fs::fstat(&fd).is_ok_and(|st| {
        rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Fifo
    });
    if is_pipe && rustix::pipe::fcntl_getpipe_size(&fd).is_ok_and(|size| size < CHUNK) {
        let _ = rustix::pipe::fcntl_setpipe_size(&fd, CHUNK);
    }
}

/// Whether standard input is live (see [`is_live`]).
pub fn stdin_is_live() -> bool {
    rustix::fs::fstat(rustix::stdio::stdin())
        .map(|st| {
            let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
            !matches!(kind, rustix::fs::FileType::RegularFile)
        })
        .unwrap_or(true)
}

/// Where `watch` starts reading a followed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At its current end, like `tail -F`.
    End,
    /// At its first byte.
    Beginning,
}

/// A path followed like `tail -F`: regular files from the end (or start), through truncation
/// (copytruncate) and replacement (mv + new file); FIFOs reopened for the next writer;
/// terminals and serial devices read as they come (with the baud rate set when asked).
pub struct Follow {
    path: PathBuf,
    start: Start,
    baud: Option<u32>,
    stop: Arc<AtomicBool>,
}

impl Follow {
    /// Follows `path`; the reader ends when `stop` is set.
    pub fn new(path: &Path, start: Start, baud: Option<u32>, stop: Arc<AtomicBool>) -> Follow {
        Follow {
            path: path.to_owned(),
            start,
            baud,
            stop,
        }
    }

    /// Checks that the path can be opened now (a clear error before watching starts).
    pub fn check(&self) -> anyhow::Result<()> {
        let meta = std::fs::metadata(&self.path)
            .with_context(|| format!("{}: cannot open", self.path.display()))?;
        if meta.is_dir() {
            anyhow::bail!("{}: is a directory", self.path.display());
        }
        if meta.file_type().is_fifo() {
            // Opening a FIFO for reading blocks until a writer comes; check permission only.
            rustix::fs::access(&self.path, rustix::fs::Access::READ_OK)
                .map_err(io::Error::from)
                .with_context(|| format!("{}: cannot open", self.path.display()))?;
            return Ok(());
        }
        let file = File::open(&self.path)
            .with_context(|| format!("{}: cannot open", self.path.display()))?;
        if let Some(baud) = self.baud {
            if meta.file_type().is_char_device() {
                set_baud(&file, baud)
                    .with_context(|| format!("{}: cannot set {baud} baud", self.path.display()))?;
            }
        }
        Ok(())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn run(self, tx: &SyncSender<Msg>, spares: &Spares) {
        let name = self.path.display().to_string();
        let send = |msg: Msg| tx.send(msg).is_ok();
        let meta = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            Err(err) => {
                send(Msg::Failed(
                    anyhow::Error::new(err).context(format!("{name}: cannot open")),
                ));
                return;
            }
        };
        if meta.file_type().is_fifo() || meta.file_type().is_char_device() {
            self.run_stream(tx, spares, meta.file_type().is_fifo());
            return;
        }
        let mut buf = vec![0; CHUNK];
        let mut current: Option<(File, u64, u64)> = None; // file, dev, ino
                                                          // The first bytes of the file: a file truncated and written again past the position
                                                          // read so far between two looks shows itself by a different start.
        let mut head: Vec<u8> = Vec::new();
        let mut first = true;
        let mut gone = false;
        while !self.stopped() {
            if current.is_none() {
                match File::open(&self.path).and_then(|f| Ok((f.metadata()?, f))) {
                    Ok((meta, mut file)) => {
                        if first && self.start == Start::End {
                            if let Err(err) = file.seek(SeekFrom::End(0)) {
                                send(Msg::Failed(
                                    anyhow::Error::new(err).context(format!("{name}: cannot seek")),
                                ));
                                return;
                            }
                        }
                        if gone
                            && !send(Msg::Warning(format!(
                                "{name}: appeared again; following it"
                            )))
                        {
                            return;
                        }
                        gone = false;
                        head = read_head(&file);
                        current = Some((file, meta.dev(), meta.ino()));
                    }
                    Err(err) => {
                        if !gone {
                            let text = format!("{name}: cannot open ({err}); waiting for it");
                            if !send(Msg::Warning(text)) {
                                return;
                            }
                            gone = true;
                        }
                        std::thread::sleep(POLL);
                        continue;
                    }
                }
                first = false;
            }
            let Some((file, dev, ino)) = current.as_mut() else {
                continue;
            };
            match file.read(&mut buf) {
                Ok(0) => {}
                Ok(n) => {
                    if rewritten(file, &head) {
                        // Truncated and written again past where we were: what was just
                        // read is the middle of the new content; read it from its start.
                        head = read_head(file);
                        if file.seek(SeekFrom::Start(0)).is_err() {
                            current = None;
                        }
                        let text = format!("{name}: truncated; reading it from the start");
                        if !send(Msg::Warning(text)) {
                            return;
                        }
                        continue;
                    }
                    if head.len() < HEAD {
                        head = read_head(file);
                    }
                    if !send(Msg::Data(spares.copy(buf.get(..n).unwrap_or_default()))) {
                        return;
                    }
                    continue;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    let text = format!("{name}: read error ({err}); reopening");
                    if !send(Msg::Warning(text)) {
                        return;
                    }
                    current = None;
                    continue;
                }
            }
            // At the end: has the file been truncated or replaced?
            let pos = file.stream_position().unwrap_or(0);
            match std::fs::metadata(&self.path) {
                Ok(meta) if meta.dev() != *dev || meta.ino() != *ino => {
                    // Replaced: whatever the old file still got was read above; the new one
                    // is read from its start.
                    if !send(Msg::Warning(format!(
                        "{name}: replaced by a new file; following it"
                    ))) {
                        return;
                    }
                    current = None;
                    continue;
                }
                Ok(meta) if meta.len() < pos || rewritten(file, &head) => {
                    head = read_head(file);
                    if file.seek(SeekFrom::Start(0)).is_err() {
                        current = None;
                    }
                    if !send(Msg::Warning(format!(
                        "{name}: truncated; reading it from the start"
                    ))) {
                        return;
                    }
                    continue;
                }
                Ok(_) => {}
                Err(_) => {
                    if !gone {
                        let text = format!("{name}: disappeared; waiting for it to come back");
                        if !send(Msg::Warning(text)) {
                            return;
                        }
                        gone = true;
                    }
                    current = None;
                }
            }
            std::thread::sleep(POLL);
        }
        send(Msg::End);
    }

    /// A FIFO (reopened when its writer goes) or a device.
    fn run_stream(self, tx: &SyncSender<Msg>, spares: &Spares, fifo: bool) {
        let name = self.path.display().to_string();
        let mut buf = vec![0; CHUNK];
        while !self.stopped() {
            let mut file = match File::open(&self.path) {
                Ok(file) => file,
                Err(err) => {
                    let _ = tx.send(Msg::Failed(
                        anyhow::Error::new(err).context(format!("{name}: cannot open")),
                    ));
                    return;
                }
            };
            if fifo {
                widen_pipe(&file);
            }
            if let Some(baud) = self.baud.filter(|_| !fifo) {
                if let Err(err) = set_baud(&file, baud) {
                    let text = format!("{name}: cannot set {baud} baud");
                    let _ = tx.send(Msg::Failed(anyhow::Error::new(err).context(text)));
                    return;
                }
            }
            loop {
                match file.read(&mut buf) {
                    Ok(0) if fifo => break,
                    Ok(0) => std::thread::sleep(POLL),
                    Ok(n) => {
                        if tx
                            .send(Msg::Data(spares.copy(buf.get(..n).unwrap_or_default())))
                            .is_err()
                        {
                            return;
                        }
                    }
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => {
                        let _ = tx.send(Msg::Failed(
                            anyhow::Error::new(err).context(format!("{name}: read error")),
                        ));
                        return;
                    }
                }
                if self.stopped() {
                    break;
                }
            }
        }
        let _ = tx.send(Msg::End);
    }
}

/// Bytes compared to tell a rewritten file from a grown one.
const HEAD: usize = 64;

fn read_head(file: &File) -> Vec<u8> {
    let mut head = vec![0; HEAD];
    let n = file.read_at(&mut head, 0).unwrap_or(0);
    head.truncate(n);
    head
}

/// Whether the file's start is no longer `head` (it was truncated and written again).
fn rewritten(file: &File, head: &[u8]) -> bool {
    let now = read_head(file);
    let common = now.len().min(head.len());
    now.get(..common) != head.get(..common)
}

/// Sets a serial line to raw 8N1 input at `baud`.
fn set_baud(file: &File, baud: u32) -> io::Result<()> {
    use rustix::termios::{self, OptionalActions};
    let mut attrs = termios::tcgetattr(file)?;
    attrs.make_raw();
    attrs.set_speed(baud)?;
    termios::tcsetattr(file, OptionalActions::Now, &attrs)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Instant;

    /// A reader fed by a channel: each read waits for the next piece.
    struct Gate(Receiver<Vec<u8>>);

    impl Read for Gate {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Ok(piece) = self.0.recv() else {
                return Ok(0);
            };
            buf[..piece.len()].copy_from_slice(&piece);
            Ok(piece.len())
        }
    }

    /// A threaded feed copies each read into a buffer handed back by `recycle` (its capacity
    /// shows it) instead of a new one.
    #[test]
    fn threaded_feed_reuses_recycled_buffers() {
        let (give, pieces) = mpsc::channel();
        let mut feed = Feed::threaded(Box::new(Gate(pieces)));
        let wait = Duration::from_secs(60);
        give.send(b"first\n".to_vec()).unwrap();
        let Chunk::Data(first) = feed.next(wait) else {
            panic!("no first chunk");
        };
        assert_eq!(first, b"first\n");
        let mut returned = Vec::with_capacity(12345);
        returned.extend_from_slice(&first);
        feed.recycle(returned);
        give.send(b"second\n".to_vec()).unwrap();
        let Chunk::Data(second) = feed.next(wait) else {
            panic!("no second chunk");
        };
        assert_eq!(second, b"second\n");
        assert!(
            second.capacity() >= 12345,
            "a new buffer: {}",
            second.capacity()
        );
        drop(give);
        assert!(matches!(feed.next(wait), Chunk::End));
    }

    /// A pipe with less than a chunk of buffer gets one chunk, a larger one keeps its size,
    /// and a regular file is left alone without an error.
    #[test]
    fn widen_pipe_sizes_small_pipes_only() {
        let size = |fd: &rustix::fd::OwnedFd| rustix::pipe::fcntl_getpipe_size(fd).unwrap();
        let (small, _write) = rustix::pipe::pipe().unwrap();
        rustix::pipe::fcntl_setpipe_size(&small, 4096).unwrap();
        assert!(size(&small) < CHUNK);
        widen_pipe(&small);
        assert_eq!(size(&small), CHUNK);
        let (large, _write) = rustix::pipe::pipe().unwrap();
        rustix::pipe::fcntl_setpipe_size(&large, 4 * CHUNK).unwrap();
        widen_pipe(&large);
        assert_eq!(size(&large), 4 * CHUNK);
        let file = tempfile::tempfile().unwrap();
        widen_pipe(&file);
        assert!(rustix::pipe::fcntl_getpipe_size(&file).is_err());
    }

    /// Bounds every wait below so a broken follower fails the test instead of hanging it; the
    /// waits end on their event.
    const HANG: Duration = Duration::from_secs(60);

    fn collect_until(feed: &mut Feed, want: &[u8]) -> Vec<u8> {
        let start = Instant::now();
        let mut got = Vec::new();
        while !got.windows(want.len()).any(|w| w == want) {
            assert!(start.elapsed() < HANG, "no {want:?} in {got:?}");
            if let Chunk::Data(data) = feed.next(Duration::from_millis(50)) {
                got.extend(data);
            }
        }
        got
    }

    /// The offsets of this process's read-only descriptors on `path` (the follower's), from
    /// `/proc/self/fdinfo`.
    fn read_positions(path: &Path) -> Vec<u64> {
        let Ok(want) = std::fs::metadata(path) else {
            return Vec::new();
        };
        let mut positions = Vec::new();
        for entry in std::fs::read_dir("/proc/self/fd")
            .into_iter()
            .flatten()
            .flatten()
        {
            let same = std::fs::metadata(entry.path())
                .is_ok_and(|meta| meta.dev() == want.dev() && meta.ino() == want.ino());
            let info = Path::new("/proc/self/fdinfo").join(entry.file_name());
            let Ok(info) = std::fs::read_to_string(info) else {
                continue;
            };
            let field = |name: &str| {
                info.lines()
                    .find_map(|line| line.strip_prefix(name))
                    .map(str::trim)
                    .map(str::to_owned)
            };
            let read_only = field("flags:")
                .and_then(|flags| u64::from_str_radix(&flags, 8).ok())
                .is_some_and(|flags| flags & 3 == 0);
            if let (true, true, Some(pos)) = (same, read_only, field("pos:")) {
                positions.extend(pos.parse::<u64>().ok());
            }
        }
        positions
    }

    /// Waits until the follower holds `path` open at offset `pos`: from there on, whatever is
    /// written to the file reaches it.
    fn wait_for_position(path: &Path, pos: u64) {
        let start = Instant::now();
        while !read_positions(path).contains(&pos) {
            assert!(
                start.elapsed() < HANG,
                "the follower never reached offset {pos} of {}: {:?}",
                path.display(),
                read_positions(path)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn follows_through_truncation_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("console.log");
        std::fs::write(&path, b"old line\n").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let follow = Follow::new(&path, Start::End, None, stop.clone());
        let mut feed = Feed::follow(follow);
        // At the end of the file: what comes next is read, the old line is not.
        wait_for_position(&path, 9);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"first\n").unwrap();
        let got = collect_until(&mut feed, b"first\n");
        assert_eq!(got, b"first\n", "from the end, without the old line");
        // copytruncate: the follower sees the empty file and goes back to its start.
        std::fs::write(&path, b"").unwrap();
        wait_for_position(&path, 0);
        std::fs::write(&path, b"second\n").unwrap();
        let got = collect_until(&mut feed, b"second\n");
        assert_eq!(got, b"second\n");
        // Truncated and at once written again past the position read so far.
        std::fs::write(&path, b"rewritten with more bytes than before\n").unwrap();
        let got = collect_until(&mut feed, b"before\n");
        assert!(
            got.ends_with(b"rewritten with more bytes than before\n"),
            "{got:?}"
        );
        // mv + new file
        std::fs::rename(&path, dir.path().join("console.log.1")).unwrap();
        std::fs::write(&path, b"third\n").unwrap();
        let got = collect_until(&mut feed, b"third\n");
        assert!(got.ends_with(b"third\n"), "{got:?}");
        stop.store(true, Ordering::Relaxed);
    }
}
