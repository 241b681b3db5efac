//! Streaming a source through the scanner: each report is handed out the moment it is
//! complete, and on a live source the report in progress is shown when the input has been
//! idle. A report shown at a pause stays open in the scanner; if it turns out to go on, the
//! finished report is handed out again as a correction of the one shown, so the reports of a
//! stream are always those of a read without pauses.

use crate::live::{Chunk, Feed};
use legolog_parsers::kernel::BannerScanner;
use legolog_parsers::{Report, Scanner, Stats};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// SHA-256 of the content, hex, when asked for.
    pub content_hash: Option<String>,
    /// The error that ended the source early, if any (what was read is handed out).
    pub error: Option<anyhow::Error>,
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
    let mut hasher = options.hash.then(Sha256::new);
    let mut shown = Shown::default();
    let mut last_data = Instant::now();
    let mut paused = false;
    let mut error = None;
    loop {
        if options.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            break;
        }
        match feed.next(options.idle.min(TICK)) {
            Chunk::Data(data) => {
                if let Some(hasher) = &mut hasher {
                    hasher.update(&data);
                }
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
    scanner.finish();
    shown.drain(scanner, banners.as_ref(), sink);
    let content_hash = hasher.map(|hasher| {
        let digest = hasher.finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    });
    StreamEnd {
        stats: scanner.stats().clone(),
        content_hash,
        error,
    }
}

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
                        sink.warning(format!(
                            "report {shown_id} (line {start}) went on after a pause; \
                             report {} replaces it",
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
