//! Streaming a source through the scanner: each report is handed out the moment it is
//! complete, and on a live source the report in progress is shown when the input has been
//! idle. A report shown at a pause stays open in the scanner; if it turns out to go on, the
//! finished report is handed out again as a correction of the one shown, so the reports of a
//! stream are always those of a read without pauses.

use crate::identity::run;
use crate::input::live::{Chunk, Feed, CHUNK};
use legolog_parsers::kernel::BannerScanner;
use legolog_parsers::{Report, Scanner, Stats, Triggers};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

/// How a report handed out relates to what was shown before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A finished report, shown for the first time with this stream id.
    New(u64),
    /// The report in progress at a pause, shown with this stream id; it may go on. It replaces
    /// an earlier snapshot when the report grew between two pauses.
    Paused { id: u64, replaces: Option<u64> },
    /// The finished report is the one shown at a pause (stream id): nothing new to show.
    Confirms(u64),
    /// The report shown at a pause went on: this finished report (stream id) replaces it.
    Corrects { id: u64, replaces: u64 },
}

impl Status {
    /// Whether this is a finished report (what documents and the history keep).
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Paused { .. })
    }

    /// Whether the report is to be shown now.
    pub fn is_shown(self) -> bool {
        !matches!(self, Status::Confirms(_))
    }

    /// The stream id of the report shown.
    pub fn id(self) -> u64 {
        match self {
            Status::New(id) | Status::Confirms(id) => id,
            Status::Paused { id, .. } | Status::Corrects { id, .. } => id,
        }
    }

    /// The stream id of the report this one replaces.
    pub fn replaces(self) -> Option<u64> {
        match self {
            Status::Paused { replaces, .. } => replaces,
            Status::Corrects { replaces, .. } => Some(replaces),
            Status::New(_) | Status::Confirms(_) => None,
        }
    }
}

/// What the stream loop tells its caller.
pub trait Sink {
    /// A report (see [`Status`]); `banners` are the kernel banners read so far.
    fn report(&mut self, report: Report, status: Status, banners: Option<&BannerScanner>);
    /// Something about the source worth a warning line; the source goes on.
    fn warning(&mut self, text: String);

    /// The bytes of one chunk, once the scanner has read them and every report they ended has
    /// been handed out; `open` says whether a report is still being assembled (its lines may
    /// still be claimed). A pass-through (`decode`) writes its lines here; others ignore it.
    fn read(&mut self, data: &[u8], open: bool, banners: Option<&BannerScanner>) {
        let _ = (data, open, banners);
    }

    /// The source ended and every report was handed out.
    fn ended(&mut self, banners: Option<&BannerScanner>) {
        let _ = banners;
    }
}

/// Options of one stream.
pub struct StreamOptions<'a> {
    /// Finish the report in progress after this long without input (live sources).
    pub idle: Duration,
    /// Stop (as at the end of the input) when this is set.
    pub stop: Option<&'a AtomicBool>,
    /// Hash the content (the history's identity of a log).
    pub hash: bool,
}

/// What the stream read.
pub struct StreamEnd {
    /// Counters of the scanner.
    pub stats: Stats,
    /// The content key ([`content_key`]), when asked for.
    pub content_hash: Option<String>,
    /// The error that ended the source early, if any (what was read is handed out).
    pub error: Option<anyhow::Error>,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// The first wall-clock date in the source's first bytes ([`run::HeadDate`]).
    pub date: Option<run::Date>,
}

/// How often a live stream looks at the stop flag while waiting.
const TICK: Duration = Duration::from_millis(100);

/// Runs `feed` through `scanner` until the source ends or `stop` is set; every report goes
/// to `sink` as soon as it is complete (or shown at a pause).
pub fn run(
    feed: &mut Feed,
    scanner: &mut Scanner,
    banners: Option<BannerScanner>,
    options: &StreamOptions<'_>,
    sink: &mut dyn Sink,
) -> StreamEnd {
    if feed.is_direct() {
        return run_direct(feed, scanner, banners, options, sink);
    }
    let mut hasher = options.hash.then(ContentHasher::spawn);
    let mut scan = Scan::new(banners);
    let mut last_data = Instant::now();
    let mut paused = false;
    while !stopped(options) {
        match feed.next(options.idle.min(TICK)) {
            Chunk::Data(data) => {
                let data = Arc::new(data);
                if let Some(hasher) = &mut hasher {
                    hasher.update(Arc::clone(&data));
                }
                scan.chunk(scanner, sink, &data, None);
                // The buffer goes back to the feed once nothing holds it (the hasher hands
                // back those it was the last to hold), so a long read reuses a few buffers.
                if let Some(buffer) = Arc::into_inner(data) {
                    feed.recycle(buffer);
                }
                if let Some(hasher) = &hasher {
                    while let Ok(buffer) = hasher.returned.try_recv() {
                        feed.recycle(buffer);
                    }
                }
                last_data = Instant::now();
                paused = false;
            }
            Chunk::Idle => {
                if !paused && last_data.elapsed() >= options.idle {
                    paused = true;
                    scan.shown.pause(scanner, scan.banners.as_ref(), sink);
                }
            }
            Chunk::Warning(text) => sink.warning(text),
            Chunk::End => break,
            Chunk::Failed(err) => {
                scan.error = Some(err);
                break;
            }
        }
    }
    let content_hash = hasher.map(ContentHasher::finish);
    scan.end(scanner, options, sink, content_hash)
}

/// Whether the stream was told to stop.
fn stopped(options: &StreamOptions<'_>) -> bool {
    options.stop.is_some_and(|s| s.load(Ordering::Relaxed))
}

/// A source whose reads never wait (a file read to its end): the first chunk is read and
/// scanned here, and when it is not the whole file a reader thread reads the rest, each chunk
/// with its header triggers found and its bytes hashed, while this thread scans the chunk
/// before ([`read_ahead`]). A log of one chunk starts no thread.
fn run_direct(
    feed: &mut Feed,
    scanner: &mut Scanner,
    banners: Option<BannerScanner>,
    options: &StreamOptions<'_>,
    sink: &mut dyn Sink,
) -> StreamEnd {
    let mut hasher = options.hash.then(blake3::Hasher::new);
    let mut scan = Scan::new(banners);
    let mut more = false;
    while !stopped(options) {
        match feed.next(Duration::ZERO) {
            Chunk::Data(data) => {
                if let Some(hasher) = &mut hasher {
                    hasher.update(&data);
                }
                scan.chunk(scanner, sink, &data, None);
                // A direct feed fills every chunk but the last: a full one may have more after it.
                more = data.len() >= CHUNK;
                feed.recycle(data);
                if more {
                    break;
                }
            }
            Chunk::Idle => {}
            Chunk::Warning(text) => sink.warning(text),
            Chunk::End => break,
            Chunk::Failed(err) => {
                scan.error = Some(err);
                break;
            }
        }
    }
    if more {
        hasher = read_ahead(feed, hasher, scanner, &mut scan, options, sink);
    }
    let content_hash = hasher.map(|hasher| content_key(&hasher));
    scan.end(scanner, options, sink, content_hash)
}

/// Chunks read ahead and not scanned yet: one in the channel, one being read. With the one
/// being scanned and the feed's spare buffers, a few chunks' worth of memory in all.
const READ_AHEAD: usize = 1;

/// How much of each chunk's trigger search moves from one thread to the other when one of
/// them waits for the other.
const SHARE_STEP: usize = CHUNK / 64;

/// The rest of a direct feed: a reader thread reads each chunk, searches the head of it for
/// header triggers ([`Triggers::find_head`]) and hands it over, while this thread scans the
/// chunk before (searching the rest of its triggers) and hashes it. The kernel's copy, the
/// trigger search (a multi-pattern search over every byte) and the hash are the scan's largest
/// costs on a log of short lines. How much of each chunk the reader searches follows which
/// thread waits for the other: when the reader finds the channel full it searches more, when
/// this thread finds it empty the reader searches less, so the two share the work evenly
/// whatever the mode (the hash) and the log. What is found does not depend on the share.
/// Returns the hasher, having seen every chunk read.
fn read_ahead(
    feed: &mut Feed,
    mut hasher: Option<blake3::Hasher>,
    scanner: &mut Scanner,
    scan: &mut Scan,
    options: &StreamOptions<'_>,
    sink: &mut dyn Sink,
) -> Option<blake3::Hasher> {
    let (send, chunks) = mpsc::sync_channel::<(Chunk, Option<Triggers>)>(READ_AHEAD);
    let (give_back, returned) = mpsc::channel::<Vec<u8>>();
    let stop = options.stop;
    // Bytes at the head of each chunk whose triggers the reader searches.
    let share = AtomicUsize::new(CHUNK / 2);
    let share = &share;
    thread::scope(|threads| {
        let reader = threads.spawn(move || {
            loop {
                while let Ok(buffer) = returned.try_recv() {
                    feed.recycle(buffer);
                }
                if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
                    break;
                }
                let chunk = feed.next(Duration::ZERO);
                let (triggers, last) = match &chunk {
                    Chunk::Data(data) => (
                        Some(Triggers::find_head(data, share.load(Ordering::Relaxed))),
                        false,
                    ),
                    Chunk::End | Chunk::Failed(_) => (None, true),
                    Chunk::Idle | Chunk::Warning(_) => (None, false),
                };
                // The scan stops taking chunks only when it stops: then so does the reader.
                let sent = match send.try_send((chunk, triggers)) {
                    Ok(()) => Ok(()),
                    Err(mpsc::TrySendError::Full(item)) => {
                        // The scan is behind: the reader takes more of the search.
                        move_share(share, SHARE_STEP as isize);
                        send.send(item).map_err(drop)
                    }
                    Err(mpsc::TrySendError::Disconnected(_)) => Err(()),
                };
                if sent.is_err() || last {
                    break;
                }
            }
        });
        loop {
            let (chunk, triggers) = match chunks.try_recv() {
                Ok(item) => item,
                Err(mpsc::TryRecvError::Empty) => {
                    // The reader is behind: this thread takes more of the search.
                    move_share(share, -(SHARE_STEP as isize));
                    match chunks.recv() {
                        Ok(item) => item,
                        Err(mpsc::RecvError) => break,
                    }
                }
                Err(mpsc::TryRecvError::Disconnected) => break,
            };
            if stopped(options) {
                break;
            }
            match chunk {
                Chunk::Data(data) => {
                    scan.chunk(scanner, sink, &data, triggers.as_ref());
                    if let Some(hasher) = &mut hasher {
                        hasher.update(&data);
                    }
                    // The reader may be gone already; then the buffer is simply freed.
                    let _ = give_back.send(data);
                }
                Chunk::Idle => {}
                Chunk::Warning(text) => sink.warning(text),
                Chunk::End => break,
                Chunk::Failed(err) => {
                    scan.error = Some(err);
                    break;
                }
            }
        }
        drop(chunks); // the reader's next send fails: it ends
        if let Err(panic) = reader.join() {
            std::panic::resume_unwind(panic);
        }
    });
    hasher
}

/// Moves the reader's share of the trigger search by `by` bytes, within 0..=[`CHUNK`].
fn move_share(share: &AtomicUsize, by: isize) {
    let _ = share.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
        Some(now.saturating_add_signed(by).min(CHUNK))
    });
}

/// The scanning side of a stream: what it read so far and what it handed out.
struct Scan {
    banners: Option<BannerScanner>,
    shown: Shown,
    /// The error that ended the source early.
    error: Option<anyhow::Error>,
    bytes: u64,
    date: run::HeadDate,
}

impl Scan {
    fn new(banners: Option<BannerScanner>) -> Scan {
        Scan {
            banners,
            shown: Shown::default(),
            error: None,
            bytes: 0,
            date: run::HeadDate::default(),
        }
    }

    /// Scans `data` (with its triggers when they were found ahead) and hands out the reports it
    /// finished.
    fn chunk(
        &mut self,
        scanner: &mut Scanner,
        sink: &mut dyn Sink,
        data: &[u8],
        triggers: Option<&Triggers>,
    ) {
        self.bytes += data.len() as u64;
        self.date.feed(data);
        if let Some(banners) = self.banners.as_mut() {
            banners.feed(data);
        }
        match triggers {
            Some(triggers) => scanner.push_found(data, triggers),
            None => scanner.push(data),
        }
        self.shown.drain(scanner, self.banners.as_ref(), sink);
        sink.read(data, scanner.in_progress(), self.banners.as_ref());
    }

    /// Finishes the stream: the reports still open are handed out.
    fn end(
        mut self,
        scanner: &mut Scanner,
        options: &StreamOptions<'_>,
        sink: &mut dyn Sink,
        content_hash: Option<String>,
    ) -> StreamEnd {
        if let Some(banners) = &mut self.banners {
            banners.finish();
        }
        if stopped(options) {
            // Stopped, not ended: the console did not end, so the report in progress is
            // finished as at a pause (a partial last line is left out).
            scanner.flush();
        } else {
            scanner.finish();
        }
        self.shown.drain(scanner, self.banners.as_ref(), sink);
        sink.ended(self.banners.as_ref());
        StreamEnd {
            stats: scanner.stats().clone(),
            content_hash,
            error: self.error,
            bytes: self.bytes,
            date: self.date.date(),
        }
    }
}

/// The content key of a stream (see [`content_key`]), computed on a thread of its own so that
/// the history's identity of a log costs the scan no time (issue 15: SHA-256 inline halved the
/// default path's throughput). Chunks are shared, not copied; at most
/// [`ContentHasher::IN_FLIGHT`] wait, so a slow hasher holds back the reader instead of
/// growing memory.
struct ContentHasher {
    chunks: Option<mpsc::SyncSender<Arc<Vec<u8>>>>,
    /// Buffers the worker was the last to hold, for reuse.
    returned: mpsc::Receiver<Vec<u8>>,
    worker: thread::JoinHandle<String>,
}

impl ContentHasher {
    const IN_FLIGHT: usize = 4;

    fn spawn() -> ContentHasher {
        let (chunks, receive) = mpsc::sync_channel::<Arc<Vec<u8>>>(Self::IN_FLIGHT);
        let (give_back, returned) = mpsc::channel();
        let worker = thread::spawn(move || {
            let mut hasher = blake3::Hasher::new();
            for chunk in receive {
                hasher.update(chunk.as_slice());
                if let Some(buffer) = Arc::into_inner(chunk) {
                    // The reader may be gone already; then the buffer is simply freed.
                    let _ = give_back.send(buffer);
                }
            }
            content_key(&hasher)
        });
        ContentHasher {
            chunks: Some(chunks),
            returned,
            worker,
        }
    }

    fn update(&mut self, chunk: Arc<Vec<u8>>) {
        if let Some(chunks) = &self.chunks {
            // The worker only stops when the channel closes; a send cannot fail before that.
            let _ = chunks.send(chunk);
        }
    }

    fn finish(mut self) -> String {
        self.chunks = None; // closes the channel: the worker drains what is queued and ends
        match self.worker.join() {
            Ok(digest) => digest,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The history's identity of a log's content: `b3:` and the BLAKE3 hash of the decompressed
/// bytes, in hex. BLAKE3 rather than SHA-256 (the key of histories before schema 3, kept
/// unprefixed by logs whose file is gone) because it is several times faster on one core with
/// SIMD, so the key keeps up with the scan.
pub fn content_key(hasher: &blake3::Hasher) -> String {
    format!("{CONTENT_KEY_PREFIX}{}", hasher.finalize().to_hex())
}

/// What starts every content key written since schema 3.
pub const CONTENT_KEY_PREFIX: &str = "b3:";

/// Snapshots shown at pauses whose reports are still open, by the line they start on.
#[derive(Default)]
struct Shown {
    next_id: u64,
    open: Vec<(u64, Report)>,
}

impl Shown {
    fn take_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Hands out the reports the scanner finished.
    fn drain(
        &mut self,
        scanner: &mut Scanner,
        banners: Option<&BannerScanner>,
        sink: &mut dyn Sink,
    ) {
        while let Some(report) = scanner.pop() {
            let start = report.span.start;
            let status = match self.open.iter().position(|(_, r)| r.span.start == start) {
                Some(idx) => {
                    let (shown_id, shown) = self.open.swap_remove(idx);
                    if shown == report {
                        Status::Confirms(shown_id)
                    } else {
                        let how = if report.span.end > shown.span.end {
                            "went on after a pause"
                        } else {
                            "changed when it was finished"
                        };
                        sink.warning(format!(
                            "report {shown_id} (line {start}) {how}; report {} replaces it",
                            self.next_id + 1
                        ));
                        Status::Corrects {
                            id: self.take_id(),
                            replaces: shown_id,
                        }
                    }
                }
                None => Status::New(self.take_id()),
            };
            sink.report(report, status, banners);
        }
    }

    /// Shows the reports in progress as they are now.
    fn pause(
        &mut self,
        scanner: &mut Scanner,
        banners: Option<&BannerScanner>,
        sink: &mut dyn Sink,
    ) {
        self.drain(scanner, banners, sink);
        for report in scanner.provisional() {
            let start = report.span.start;
            let replaces = match self.open.iter().position(|(_, r)| r.span.start == start) {
                Some(idx) if self.open[idx].1 == report => continue,
                Some(idx) => Some(self.open.swap_remove(idx).0),
                None => None,
            };
            let id = self.take_id();
            self.open.push((id, report.clone()));
            sink.report(report, Status::Paused { id, replaces }, banners);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use legolog_parsers::{ParseConfig, Parser};
    use std::io::Read;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Condvar, Mutex};

    /// How many reports the sink was shown at pauses so far, and a way to wait for more.
    #[derive(Default)]
    struct Pauses {
        shown: Mutex<usize>,
        grew: Condvar,
    }

    impl Pauses {
        fn count(&self) -> usize {
            *self.shown.lock().unwrap()
        }

        fn add(&self) {
            *self.shown.lock().unwrap() += 1;
            self.grew.notify_all();
        }

        /// Waits until more than `before` reports were shown at pauses. The bound only keeps a
        /// broken stream from hanging the test; the wait ends on the event.
        fn wait_beyond(&self, before: usize) -> bool {
            let guard = self.shown.lock().unwrap();
            let (_shown, timeout) = self
                .grew
                .wait_timeout_while(guard, Duration::from_secs(60), |shown| *shown <= before)
                .unwrap();
            !timeout.timed_out()
        }
    }

    /// Hands out its bytes in pseudo-random chunk sizes. At each stop (a byte offset: the end
    /// of a line inside a report) it hands out the bytes up to there, then waits until the
    /// stream has gone idle and shown a report at the pause, so every stop is a pause with a
    /// report in progress, whatever the load on the machine.
    struct Trickle {
        data: Vec<u8>,
        pos: usize,
        state: u64,
        stops: Vec<usize>,
        pauses: Arc<Pauses>,
        /// Reports shown at pauses when the bytes up to the current stop were handed out.
        shown_at_stop: Option<usize>,
        /// Stops where no report was shown.
        missed: Arc<Mutex<Vec<usize>>>,
    }

    impl Trickle {
        fn next(&mut self) -> u64 {
            self.state = self
                .state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.state >> 33
        }
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if let Some(before) = self.shown_at_stop.take() {
                // After a miss the rest goes on without waiting: one is enough to fail.
                let failed = !self.missed.lock().unwrap().is_empty();
                if !failed && !self.pauses.wait_beyond(before) {
                    self.missed.lock().unwrap().push(self.pos);
                }
            }
            let mut size = (self.next() % 3000 + 1) as usize;
            if let Some(&stop) = self.stops.first() {
                size = size.min(stop - self.pos);
            }
            let n = size.min(buf.len()).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            if self.stops.first() == Some(&self.pos) {
                self.stops.remove(0);
                // Counted before the stream can see these bytes: a pause after them is more.
                self.shown_at_stop = Some(self.pauses.count());
            }
            Ok(n)
        }
    }

    #[derive(Default)]
    struct Record {
        corrected: usize,
        finals: Vec<Report>,
        paused: Vec<u64>,
        settled: Vec<u64>,
        pauses: Arc<Pauses>,
    }

    impl Sink for Record {
        fn report(&mut self, report: Report, status: Status, _: Option<&BannerScanner>) {
            match status {
                Status::Paused { id, replaces } => {
                    self.paused.push(id);
                    self.settled.extend(replaces);
                    self.pauses.add();
                }
                Status::Confirms(id) => {
                    self.settled.push(id);
                    self.finals.push(report);
                }
                Status::Corrects { replaces, .. } => {
                    self.corrected += 1;
                    self.settled.push(replaces);
                    self.finals.push(report);
                }
                Status::New(_) => self.finals.push(report),
            }
        }
        fn warning(&mut self, _: String) {}
    }

    /// Every log under `dirs`, sorted.
    fn logs(mut dirs: Vec<PathBuf>) -> Vec<PathBuf> {
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable directory") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_none_or(|e| e != "md") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    /// The byte offset after each line (line `n` ends at `ends[n - 1]`), split as the scanner
    /// splits: on CR when a bare CR comes before the first LF, else on LF.
    fn line_ends(data: &[u8]) -> Vec<usize> {
        let first_lf = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let bare_cr = data[..first_lf]
            .iter()
            .enumerate()
            .any(|(at, &b)| b == b'\r' && data.get(at + 1).is_some_and(|&n| n != b'\n'));
        let end = if bare_cr { b'\r' } else { b'\n' };
        data.iter()
            .enumerate()
            .filter(|(_, &b)| b == end)
            .map(|(at, _)| at + 1)
            .collect()
    }

    /// Random chunk sizes, and a pause in the middle of the trace of every report with two
    /// frames or more (the idle time passes with the report in progress): the finished reports
    /// are those of a whole-file read, every stop showed a report in progress, and every report
    /// shown at a pause is later confirmed or replaced (never dropped).
    fn pauses_and_chunks_never_change_the_reports_of(logs: &[PathBuf]) {
        let mut n_stops = 0;
        let mut n_paused = 0;
        let mut n_corrected = 0;
        for (n, path) in logs.iter().enumerate() {
            let data = std::fs::read(path).expect("readable log");
            let expected: Vec<Report> = Parser::new(&data[..], ParseConfig::standard())
                .collect::<Result<_, _>>()
                .expect("a slice reads");
            let ends = line_ends(&data);
            // After the middle frame line of each report with two frames or more: that line
            // grows the report, so the snapshot at the stop differs from any shown before it.
            let mut stops: Vec<usize> = expected
                .iter()
                .filter_map(|r| {
                    let lines: Vec<u64> = r
                        .frames
                        .iter()
                        .filter(|f| !f.from_registers && f.line > 0)
                        .map(|f| f.line)
                        .collect();
                    let middle = *lines.get(lines.len() / 2).filter(|_| lines.len() >= 2)?;
                    ends.get(middle as usize - 1).copied()
                })
                .collect();
            stops.sort_unstable();
            stops.dedup();
            n_stops += stops.len();
            let pauses = Arc::new(Pauses::default());
            let missed = Arc::new(Mutex::new(Vec::new()));
            let trickle = Trickle {
                data,
                pos: 0,
                state: n as u64,
                stops,
                pauses: pauses.clone(),
                shown_at_stop: None,
                missed: missed.clone(),
            };
            let mut feed = Feed::threaded(Box::new(trickle));
            let mut scanner = Scanner::new(ParseConfig::standard());
            let mut record = Record {
                pauses,
                ..Record::default()
            };
            let options = StreamOptions {
                idle: Duration::from_millis(1),
                stop: None,
                hash: false,
            };
            run(&mut feed, &mut scanner, None, &options, &mut record);
            assert_eq!(record.finals, expected, "{}", path.display());
            assert_eq!(
                *missed.lock().unwrap(),
                Vec::<usize>::new(),
                "{}: stops (byte offsets) where no report in progress was shown",
                path.display()
            );
            let mut paused = record.paused.clone();
            let mut settled = record.settled.clone();
            paused.sort_unstable();
            settled.sort_unstable();
            assert_eq!(
                paused,
                settled,
                "{}: every paused report settles",
                path.display()
            );
            n_paused += paused.len();
            n_corrected += record.corrected;
        }
        println!(
            "{n_stops} stops, {n_paused} reports shown at pauses, {n_corrected} corrected later"
        );
        assert!(n_stops > 0, "no report to pause in");
        assert!(n_paused >= n_stops, "a report shown at every stop");
        assert!(
            n_corrected > 0,
            "reports shown at a pause went on and were corrected"
        );
    }

    #[test]
    fn pauses_and_chunks_never_change_the_reports() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        pauses_and_chunks_never_change_the_reports_of(&logs(vec![root.join("fixtures/logs")]));
    }

    /// A file of many chunks read directly: after the first chunk, a reader thread reads each
    /// chunk and searches its triggers ahead of the scan (the last one included), and the
    /// content is hashed meanwhile; the reports, counters and content key are those of a plain
    /// read.
    #[test]
    fn triggers_found_ahead_change_nothing() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let seed = std::fs::read(root.join("fixtures/logs/0826-w9-1.log")).expect("the seed");
        let mut data = Vec::new();
        let mut n = 0u64;
        while data.len() < 5 * 256 * 1024 + 1234 {
            n += 1;
            data.extend_from_slice(format!("[ {n}.0] usb 1-1: chatter line {n}\n").as_bytes());
            if n.is_multiple_of(3000) {
                data.extend_from_slice(&seed);
            }
        }
        let mut parser = Parser::new(&data[..], ParseConfig::standard());
        let expected: Vec<Report> = parser.by_ref().collect::<Result<_, _>>().expect("reads");
        assert!(expected.len() >= 5, "reports in several chunks");
        let mut feed = Feed::direct(Box::new(std::io::Cursor::new(data.clone())));
        let mut scanner = Scanner::new(ParseConfig::standard());
        let mut record = Record::default();
        let options = StreamOptions {
            idle: Duration::MAX,
            stop: None,
            hash: true,
        };
        let end = run(&mut feed, &mut scanner, None, &options, &mut record);
        assert_eq!(record.finals, expected);
        assert_eq!(&end.stats, parser.stats());
        assert_eq!(end.bytes, data.len() as u64);
        let mut hasher = blake3::Hasher::new();
        hasher.update(&data);
        assert_eq!(end.content_hash, Some(content_key(&hasher)));
    }

    /// Stopping a read ahead in the middle ends the stream (neither thread waits for the
    /// other): the reports before the stop are handed out and the rest of the file is not read.
    #[test]
    fn a_read_ahead_stops_when_told() {
        struct StopAtFirst<'a> {
            stop: &'a AtomicBool,
            n_reports: usize,
        }
        impl Sink for StopAtFirst<'_> {
            fn report(&mut self, _: Report, status: Status, _: Option<&BannerScanner>) {
                self.n_reports += usize::from(status.is_final());
                self.stop.store(true, Ordering::Relaxed);
            }
            fn warning(&mut self, _: String) {}
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let seed = std::fs::read(root.join("fixtures/logs/0826-w9-1.log")).expect("the seed");
        let mut data = Vec::new();
        let mut n = 0u64;
        while data.len() < 40 * CHUNK {
            n += 1;
            data.extend_from_slice(format!("[ {n}.0] usb 1-1: chatter line {n}\n").as_bytes());
            if n.is_multiple_of(20_000) {
                data.extend_from_slice(&seed);
            }
        }
        let stop = AtomicBool::new(false);
        let mut feed = Feed::direct(Box::new(std::io::Cursor::new(data.clone())));
        let mut scanner = Scanner::new(ParseConfig::standard());
        let mut sink = StopAtFirst {
            stop: &stop,
            n_reports: 0,
        };
        let options = StreamOptions {
            idle: Duration::MAX,
            stop: Some(&stop),
            hash: true,
        };
        let end = run(&mut feed, &mut scanner, None, &options, &mut sink);
        assert!(sink.n_reports >= 1, "the report before the stop");
        assert!(
            end.bytes < data.len() as u64 / 2,
            "stopped after {} of {} bytes",
            end.bytes,
            data.len()
        );
    }

    /// The same over the corpora of `../shared`; skipped as a whole without them.
    #[test]
    fn pauses_and_chunks_never_change_the_corpus_reports() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dirs: Vec<PathBuf> = ["lego", "syzkaller-linux"]
            .iter()
            .map(|corpus| root.join("../shared/corpus").join(corpus))
            .collect();
        if let Some(missing) = dirs.iter().find(|dir| !dir.is_dir()) {
            return skipped("../shared", &format!("{} not found", missing.display()));
        }
        pauses_and_chunks_never_change_the_reports_of(&logs(dirs));
    }

    /// Says that the running test skips as a whole for want of `needs`, on stderr and as a line
    /// in the file `LEGOLOG_TEST_SKIPS` names (`scripts/test.sh` counts them; the same helper
    /// as `tests/cli/util.rs::skipped`).
    fn skipped(needs: &str, why: &str) {
        let test = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        eprintln!("{test}: skipped, needs {needs}: {why}");
        if let Some(path) = std::env::var_os("LEGOLOG_TEST_SKIPS") {
            use std::io::Write;
            let line = format!("{needs}\t{}::{test}\n", env!("CARGO_CRATE_NAME"));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path);
            // One write per line: O_APPEND keeps lines from parallel tests whole.
            if let Ok(mut file) = file {
                let _ = file.write_all(line.as_bytes());
            }
        }
    }
}
