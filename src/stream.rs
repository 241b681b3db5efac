//! Streaming a source through the scanner: each report is handed out the moment it is
//! complete, and on a live source the report in progress is shown when the input has been
//! idle. A report shown at a pause stays open in the scanner; if it turns out to go on, the
//! finished report is handed out again as a correction of the one shown, so the reports of a
//! stream are always those of a read without pauses.

use crate::live::{Chunk, Feed};
use crate::run;
use legolog_parsers::kernel::BannerScanner;
use legolog_parsers::{Report, Scanner, Stats};
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// The source's first bytes (at most [`run::DATE_HEAD_BYTES`]), where its date is looked for.
    pub head: Vec<u8>,
}

/// How often a live stream looks at the stop flag while waiting.
const TICK: Duration = Duration::from_millis(100);

/// Runs `feed` through `scanner` until the source ends or `stop` is set; every report goes
/// to `sink` as soon as it is complete (or shown at a pause).
pub fn run(
    feed: &mut Feed,
    scanner: &mut Scanner,
    mut banners: Option<BannerScanner>,
    options: &StreamOptions<'_>,
    sink: &mut dyn Sink,
) -> StreamEnd {
    let mut hasher = options.hash.then(ContentHasher::spawn);
    let mut shown = Shown::default();
    let mut last_data = Instant::now();
    let mut paused = false;
    let mut error = None;
    let mut head = Vec::new();
    let mut bytes = 0u64;
    loop {
        if options.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            break;
        }
        match feed.next(options.idle.min(TICK)) {
            Chunk::Data(data) => {
                let data = Arc::new(data);
                if let Some(hasher) = &mut hasher {
                    hasher.update(Arc::clone(&data));
                }
                bytes += data.len() as u64;
                let room = run::DATE_HEAD_BYTES.saturating_sub(head.len());
                head.extend_from_slice(&data[..room.min(data.len())]);
                if let Some(banners) = &mut banners {
                    banners.feed(&data);
                }
                scanner.push(&data);
                shown.drain(scanner, banners.as_ref(), sink);
                last_data = Instant::now();
                paused = false;
            }
            Chunk::Idle => {
                if !paused && last_data.elapsed() >= options.idle {
                    paused = true;
                    shown.pause(scanner, banners.as_ref(), sink);
                }
            }
            Chunk::Warning(text) => sink.warning(text),
            Chunk::End => break,
            Chunk::Failed(err) => {
                error = Some(err);
                break;
            }
        }
    }
    if let Some(banners) = &mut banners {
        banners.finish();
    }
    if options.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
        // Stopped, not ended: the console did not end, so the report in progress is finished
        // as at a pause (a partial last line is left out).
        scanner.flush();
    } else {
        scanner.finish();
    }
    shown.drain(scanner, banners.as_ref(), sink);
    let content_hash = hasher.map(ContentHasher::finish);
    StreamEnd {
        stats: scanner.stats().clone(),
        content_hash,
        error,
        bytes,
        head,
    }
}

/// The content key of a stream (see [`content_key`]), computed on a thread of its own so that
/// the history's identity of a log costs the scan no time (issue 15: SHA-256 inline halved the
/// default path's throughput). Chunks are shared, not copied; at most
/// [`ContentHasher::IN_FLIGHT`] wait, so a slow hasher holds back the reader instead of
/// growing memory.
struct ContentHasher {
    chunks: Option<mpsc::SyncSender<Arc<Vec<u8>>>>,
    worker: thread::JoinHandle<String>,
}

impl ContentHasher {
    const IN_FLIGHT: usize = 4;

    fn spawn() -> ContentHasher {
        let (chunks, receive) = mpsc::sync_channel::<Arc<Vec<u8>>>(Self::IN_FLIGHT);
        let worker = thread::spawn(move || {
            let mut hasher = blake3::Hasher::new();
            for chunk in receive {
                hasher.update(chunk.as_slice());
            }
            content_key(&hasher)
        });
        ContentHasher {
            chunks: Some(chunks),
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

    /// Hands out its bytes in pseudo-random chunk sizes, pausing now and then.
    struct Trickle {
        data: Vec<u8>,
        pos: usize,
        state: u64,
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
            let size = (self.next() % 3000 + 1) as usize;
            if self.next().is_multiple_of(6) {
                std::thread::sleep(Duration::from_micros(self.next() % 4000));
            }
            let n = size.min(buf.len()).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[derive(Default)]
    struct Record {
        corrected: usize,
        finals: Vec<Report>,
        paused: Vec<u64>,
        settled: Vec<u64>,
    }

    impl Sink for Record {
        fn report(&mut self, report: Report, status: Status, _: Option<&BannerScanner>) {
            match status {
                Status::Paused { id, replaces } => {
                    self.paused.push(id);
                    self.settled.extend(replaces);
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

    fn logs() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("fixtures/logs/0826-w9-1.log")];
        let mut dirs = Vec::new();
        for corpus in ["lego", "syzkaller-linux"] {
            let dir = root.join("../shared/corpus").join(corpus);
            if dir.is_dir() {
                dirs.push(dir);
            } else {
                println!("stream: {} not found, skipped", dir.display());
            }
        }
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

    /// Random chunk sizes with random short pauses, some longer than the idle time: the
    /// finished reports are those of a whole-file read, and every report shown at a pause is
    /// later confirmed or replaced (never dropped).
    #[test]
    fn pauses_and_chunks_never_change_the_reports() {
        let mut n_paused = 0;
        let mut n_corrected = 0;
        for (n, path) in logs().iter().enumerate() {
            let data = std::fs::read(path).expect("readable log");
            let expected: Vec<Report> = Parser::new(&data[..], ParseConfig::standard())
                .collect::<Result<_, _>>()
                .expect("a slice reads");
            let trickle = Trickle {
                data,
                pos: 0,
                state: n as u64,
            };
            let mut feed = Feed::threaded(Box::new(trickle));
            let mut scanner = Scanner::new(ParseConfig::standard());
            let mut record = Record::default();
            let options = StreamOptions {
                idle: Duration::from_millis(1),
                stop: None,
                hash: false,
            };
            run(&mut feed, &mut scanner, None, &options, &mut record);
            assert_eq!(record.finals, expected, "{}", path.display());
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
        println!("{n_paused} reports shown at pauses, {n_corrected} corrected later");
        assert!(
            n_paused > 0,
            "the pauses were long enough to show reports in progress"
        );
    }
}
