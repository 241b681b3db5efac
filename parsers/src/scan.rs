//! The scanner: bytes in, reports out, pushed or pulled.
//!
//! [`Scanner`] is the core: a push-based state machine that takes input in chunks of any size
//! and hands out each report as soon as the lines it has seen decide that the report is over
//! (a final end marker, the next report's header, a line that cannot continue it). A live
//! source calls [`Scanner::flush`] when the input has been idle, and every source calls
//! [`Scanner::finish`] at its end. [`Parser`] is the pull wrapper: an iterator of reports over
//! any [`Read`].
//!
//! Two modes keep the scanner fast and its memory bounded. While no report is open it skips
//! whole regions with one multi-pattern search for header *triggers* and only counts the lines
//! it passes. Once a header opens a report, every line is normalized and offered to the
//! [`Draft`], which decides line by line whether the report goes on.

use crate::body::{self, Section};
use crate::config::{ParseConfig, Stats};
use crate::dialect;
use crate::draft::{Draft, Ending, Offer};
use crate::header::{Header, Role};
use crate::line::{self, Caller, Line};
use crate::report::{Kind, Report};
use crate::source::{RawLine, Skipped, Splitter};
use aho_corasick::AhoCorasick;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::OnceLock;

/// The push-based core of the parser: feed it chunks, take the reports that are complete.
///
/// Chunk boundaries never change the reports: the same bytes give the same reports, lines and
/// counters whether they come in one piece or one byte at a time.
///
/// ```
/// use legolog_parsers::{ParseConfig, Scanner};
///
/// let mut scanner = Scanner::new(ParseConfig::standard());
/// scanner.push(b"[ 1.0] BUG: failure at mm/x.c:12/foo()!\n[ 1.1] Kernel Pa");
/// assert!(scanner.pop().is_none()); // the report may still go on
/// scanner.push(b"nic - not syncing: BUG!\n");
/// scanner.flush(); // the console went quiet
/// assert_eq!(scanner.pop().unwrap().kind.as_str(), "lego-bug");
/// scanner.finish();
/// assert_eq!(scanner.stats().lines, 2);
/// ```
#[derive(Debug)]
pub struct Scanner {
    source: Splitter,
    core: Core,
}

impl Scanner {
    /// A scanner with the given limits.
    pub fn new(config: ParseConfig) -> Scanner {
        Scanner {
            source: Splitter::new(config.max_line_len),
            core: Core {
                config,
                drafts: Vec::new(),
                ready: VecDeque::new(),
                stats: Stats::default(),
                cut_off: false,
                crash_seen: false,
                last_boot_line: None,
            },
        }
    }

    /// Takes the next piece of input. Every line it completes is looked at now; the reports
    /// this finishes can be taken with [`Scanner::pop`] right away.
    pub fn push(&mut self, chunk: &[u8]) {
        match self.source.cr_endings(chunk) {
            Some(lines) => self.push_lines(&lines, None),
            None => self.push_lines(chunk, None),
        }
    }

    /// [`Scanner::push`] with the chunk's [`Triggers`] found beforehand (on another thread, while
    /// this one scans the previous chunk): the skip looks its stops up instead of searching.
    /// The reports, lines and counters are those of [`Scanner::push`].
    /// `triggers` may cover only the chunk's first lines ([`Triggers::find_head`]): the lines
    /// after those are searched here, as [`Scanner::push`] searches them.
    pub fn push_found(&mut self, chunk: &[u8], triggers: &Triggers) {
        match self.source.cr_endings(chunk) {
            // CR endings move the lines; the search is done again on the converted chunk.
            Some(lines) => self.push_lines(&lines, None),
            None if triggers.len == chunk.len() => self.push_lines(chunk, Some(triggers)),
            None => self.push_lines(chunk, None),
        }
    }

    fn push_lines(&mut self, chunk: &[u8], triggers: Option<&Triggers>) {
        let max_line_len = self.source.max_line_len();
        let (carried, rest) = self.source.carry(chunk);
        if let Some(raw) = carried {
            self.core.take(raw);
        }
        let body_len = memchr::memrchr(b'\n', rest).map_or(0, |nl| nl + 1);
        let body_offset = chunk.len() - rest.len();
        let (mut body, tail) = rest.split_at(body_len);
        let mut next = 0; // the first of `triggers` not passed yet
        while !body.is_empty() {
            if self.core.drafts.is_empty() {
                body = match triggers {
                    Some(triggers) => {
                        let offset = body_offset + body_len - body.len();
                        let stop = match triggers.next_line(&mut next, offset, body) {
                            Some(stop) => stop,
                            // The lines past those searched ahead: searched now.
                            None => {
                                let searched = triggers.searched.saturating_sub(offset);
                                let rest = body.get(searched..).unwrap_or_default();
                                searched + trigger_line(rest)
                            }
                        };
                        self.core.skip_lines(body, stop, max_line_len)
                    }
                    None => self.core.skip_to_trigger(body, max_line_len),
                };
            }
            let Some(nl) = memchr::memchr(b'\n', body) else {
                break;
            };
            let (line, after) = body.split_at(nl);
            self.core.take(RawLine::capped(line, max_line_len));
            body = after.get(1..).unwrap_or_default();
        }
        if let Some(raw) = self.source.keep_tail(tail) {
            self.core.take(raw);
        }
    }

    /// The input has been idle: the report in progress is finished as it is. Its lines stay
    /// claimed; a line that arrives later is looked at as new input.
    pub fn flush(&mut self) {
        self.core.close_all(Ending::Idle);
    }

    /// The input has ended: the last line (even without its newline) is looked at and the
    /// report in progress is finished.
    pub fn finish(&mut self) {
        if let Some(raw) = self.source.finish() {
            self.core.take(raw);
        }
        let ending = if self.core.cut_off {
            Ending::CutOff
        } else {
            Ending::EndOfInput
        };
        self.core.close_all(ending);
    }

    /// The next finished report, in the order the reports started: a report that finished
    /// while one that started before it is still being assembled waits for it.
    pub fn pop(&mut self) -> Option<Report> {
        let first_open = self.core.drafts.iter().map(Draft::start).min();
        let next = self.core.ready.front()?;
        if first_open.is_some_and(|open| open < next.span.start) {
            return None;
        }
        self.core.ready.pop_front()
    }

    /// The reports being assembled, each finished as it is now, without closing them: what a
    /// live source shows after a pause. The drafts go on, so the reports [`Scanner::pop`] gives
    /// later are those of a read without pauses; one that went on differs from its snapshot.
    pub fn provisional(&self) -> Vec<Report> {
        self.core
            .drafts
            .iter()
            .filter_map(|draft| draft.clone().finish(Ending::Idle).0)
            .collect()
    }

    /// Whether a report is being assembled (and [`Scanner::flush`] would finish it).
    pub fn in_progress(&self) -> bool {
        !self.core.drafts.is_empty()
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.core.stats
    }
}

/// Reports assembled at once, from different callers (`[T123]`/`[C1]`); opening one more
/// finishes the oldest.
const MAX_IN_FLIGHT: usize = 8;

/// Lines of other callers after which a report whose callers printed nothing more is over.
const MAX_SILENCE: u64 = 1000;

/// Everything but the line splitting: drafts, finished reports, counters.
#[derive(Debug)]
struct Core {
    config: ParseConfig,
    /// Reports being assembled, in the order they started. Without caller ids there is at
    /// most one.
    drafts: Vec<Draft>,
    /// Finished reports, in the order they started.
    ready: VecDeque<Report>,
    stats: Stats,
    /// The last line looked at had no newline: the input was cut in the middle of a line.
    cut_off: bool,
    /// A crash report has begun somewhere in the input.
    crash_seen: bool,
    /// The line number of the last boot-sequence line.
    last_boot_line: Option<u64>,
}

impl Core {
    /// Passes over the lines of `region` (complete lines) up to the first one that contains a
    /// trigger, counting them; returns the region from that line on.
    fn skip_to_trigger<'a>(&mut self, region: &'a [u8], max_line_len: usize) -> &'a [u8] {
        let stop = trigger_line(region);
        self.skip_lines(region, stop, max_line_len)
    }

    /// Passes over the lines of `region` before `stop` (a line start), counting them; returns
    /// the region from there on.
    fn skip_lines<'a>(&mut self, region: &'a [u8], stop: usize, max_line_len: usize) -> &'a [u8] {
        let mut skipped = Skipped::default();
        let (passed, rest) = region.split_at(stop.min(region.len()));
        skipped.add_lines(passed, max_line_len);
        self.stats.lines += skipped.lines;
        self.stats.unclaimed_lines += skipped.lines;
        self.stats.long_lines += skipped.long_lines;
        rest
    }

    /// Looks at one line.
    fn take(&mut self, raw: RawLine<'_>) {
        self.stats.lines += 1;
        if raw.truncated {
            self.stats.long_lines += 1;
        }
        self.cut_off = raw.unterminated;
        let line = line::normalize(self.stats.lines, raw.bytes);
        self.feed(line);
    }

    fn feed(&mut self, line: Line) {
        // Another program's syslog or journal line: not the kernel's, in no report.
        if line.userspace {
            self.stats.unclaimed_lines += 1;
            return;
        }
        let mut header = dialect::match_header(&line.text);
        if header.as_ref().is_some_and(|h| h.role == Role::Boot) {
            // The first line of a boot sequence after an earlier boot, with no crash before
            // it: the machine restarted without saying why. The log's first boot is not a
            // reboot, whatever firmware or boot-loader output (SeaBIOS, GRUB: no kernel
            // timestamps) came before it. Other boot lines are plain lines.
            let rebooted = self
                .last_boot_line
                .is_some_and(|last| line.number > last + BOOT_SEQUENCE_GAP);
            self.last_boot_line = Some(line.number);
            if rebooted && !self.crash_seen {
                for draft in std::mem::take(&mut self.drafts) {
                    self.finished(draft, Ending::Clean);
                }
                if let Some(header) = header {
                    let reboot = Draft::open(header, &line, &self.config);
                    self.finished(reboot, Ending::Clean);
                }
                self.crash_seen = true;
                return;
            }
            header = None;
        }
        if header
            .as_ref()
            .is_some_and(|h| h.role != Role::Tentative && is_crash(h.kind))
        {
            self.crash_seen = true;
        }
        let target = self.route(&line, header.as_ref());
        if let Some(idx) = target {
            let offer = match self.drafts.get_mut(idx) {
                Some(draft) => draft.offer(&line, header.as_ref(), &self.config),
                None => Offer::Foreign,
            };
            match offer {
                Offer::Taken => {}
                Offer::Last => self.close(idx, Ending::Clean),
                Offer::Foreign => self.stats.unclaimed_lines += 1,
                Offer::Aside => {
                    if let Some(header) = header {
                        let aside = Draft::open(header, &line, &self.config);
                        self.finished(aside, Ending::Clean);
                    }
                }
                Offer::Closes(ending) => {
                    self.close(idx, ending);
                    self.open(&line, header);
                }
            }
        } else {
            self.open(&line, header);
        }
        if let Some(caller) = line.caller {
            self.hear(caller);
        }
    }

    /// The report in progress that `line` is to be offered to, if any: the one of its caller;
    /// without caller ids, the latest one.
    fn route(&self, line: &Line, header: Option<&Header>) -> Option<usize> {
        let Some(caller) = line.caller else {
            return self.drafts.len().checked_sub(1);
        };
        if let Some(idx) = self.drafts.iter().position(|d| d.is_callers(caller)) {
            return Some(idx);
        }
        // A report opened by a line without caller id takes the lines that carry one.
        if let Some(idx) = self.drafts.iter().rposition(Draft::has_no_caller) {
            return Some(idx);
        }
        let header = header?;
        self.drafts
            .iter()
            .rposition(|d| d.takes_header_of_other_caller(header))
    }

    /// Opens a report on a line that no report in progress took, or counts it as unclaimed.
    fn open(&mut self, line: &Line, header: Option<Header>) {
        let draft = match header {
            Some(header) => Draft::open(header, line, &self.config),
            // A call trace nobody announced still becomes a report.
            None => match body::parse_section(&line.text) {
                Some((Section::CallTrace, _)) => Draft::open_trace(line, &self.config),
                _ => {
                    self.stats.unclaimed_lines += 1;
                    return;
                }
            },
        };
        if self.drafts.len() >= MAX_IN_FLIGHT {
            self.close(0, Ending::Faded);
        }
        self.drafts.push(draft);
    }

    /// A line of `caller` was looked at: the reports of other callers have been silent once
    /// more, and those silent for too long are over.
    fn hear(&mut self, caller: Caller) {
        let mut idx = 0;
        while let Some(draft) = self.drafts.get_mut(idx) {
            if !draft.has_no_caller()
                && !draft.is_callers(caller)
                && draft.hear_other() > MAX_SILENCE
            {
                self.close(idx, Ending::Faded);
            } else {
                idx += 1;
            }
        }
    }

    fn close_all(&mut self, ending: Ending) {
        while !self.drafts.is_empty() {
            self.close(0, ending);
        }
    }

    fn close(&mut self, idx: usize, ending: Ending) {
        if idx >= self.drafts.len() {
            return;
        }
        let draft = self.drafts.remove(idx);
        self.finished(draft, ending);
    }

    /// Turns a draft into a report and queues it in start order.
    fn finished(&mut self, draft: Draft, ending: Ending) {
        let (report, n_unclaimed) = draft.finish(ending);
        self.stats.unclaimed_lines += n_unclaimed;
        if let Some(report) = report {
            let at = self
                .ready
                .iter()
                .rposition(|r| r.span.start <= report.span.start)
                .map_or(0, |i| i + 1);
            self.ready.insert(at, report);
        }
    }
}

/// Lines of one boot sequence (`Decompressing Linux…`, `Booting the kernel.`, `Linux version
/// …`) come within this many lines of each other.
const BOOT_SEQUENCE_GAP: u64 = 2;

/// Whether a report of this kind is a crash rather than a dump printed on purpose.
fn is_crash(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Trace | Kind::DumpStack | Kind::TaskDump | Kind::NmiBacktrace
    )
}

/// The start of the first line of `region` (complete lines) that contains a trigger, or
/// `region.len()`.
fn trigger_line(region: &[u8]) -> usize {
    trigger_finder()
        .find(region)
        .map_or(region.len(), |found| line_start(region, found.start()))
}

/// The start of the line of `region` that byte `at` is on.
fn line_start(region: &[u8], at: usize) -> usize {
    let before = region.get(..at).unwrap_or_default();
    memchr::memrchr(b'\n', before).map_or(0, |nl| nl + 1)
}

/// Where the header triggers of one chunk are: one offset per line that holds any (where the
/// first one on it starts), in order. Found with the same search as [`Scanner::push`]'s skip,
/// on the whole chunk or on its first lines, so it can run on another thread ahead of the
/// scanner; the lines with a trigger do not depend on where the search starts, since no trigger
/// spans a newline.
#[derive(Debug, Clone, Default)]
pub struct Triggers {
    at: Vec<usize>,
    /// The length of the chunk searched.
    len: usize,
    /// The bytes searched: the whole chunk, or its lines up to here (a line start).
    searched: usize,
}

impl Triggers {
    /// Searches `chunk`.
    pub fn find(chunk: &[u8]) -> Triggers {
        Triggers::find_head(chunk, chunk.len())
    }

    /// Searches the lines of `chunk` up to the one byte `head` is on (all of `chunk` when `head`
    /// is past its end, none when it is 0); [`Scanner::push_found`] searches the others. Two
    /// threads can so share the search of a chunk in any proportion without changing what is
    /// found.
    pub fn find_head(chunk: &[u8], head: usize) -> Triggers {
        let searched = match chunk.get(head..) {
            Some(rest) if head > 0 => {
                memchr::memchr(b'\n', rest).map_or(chunk.len(), |nl| head + nl + 1)
            }
            Some(_) => 0,
            None => chunk.len(),
        };
        let region = chunk.get(..searched).unwrap_or_default();
        let finder = trigger_finder();
        let mut at = Vec::new();
        let mut from = 0;
        while let Some(found) = region.get(from..).and_then(|rest| finder.find(rest)) {
            let start = from + found.start();
            at.push(start);
            // The rest of this line changes nothing: go on at the next line.
            match region
                .get(start..)
                .and_then(|rest| memchr::memchr(b'\n', rest))
            {
                Some(nl) => from = start + nl + 1,
                None => break,
            }
        }
        Triggers {
            at,
            len: chunk.len(),
            searched,
        }
    }

    /// The start (in `region`, which begins at `offset` in the chunk and at a line start) of
    /// the first line of `region` with a trigger; `region.len()` when it has none, and `None`
    /// when it has none among the lines searched but goes on past them. `next` is where the
    /// previous call left off; regions only move forward.
    fn next_line(&self, next: &mut usize, offset: usize, region: &[u8]) -> Option<usize> {
        while self.at.get(*next).is_some_and(|&at| at < offset) {
            *next += 1;
        }
        match self.at.get(*next) {
            Some(&at) if at - offset < region.len() => Some(line_start(region, at - offset)),
            _ if offset + region.len() <= self.searched => Some(region.len()),
            _ => None,
        }
    }
}

fn trigger_finder() -> &'static AhoCorasick {
    static FINDER: OnceLock<AhoCorasick> = OnceLock::new();
    FINDER.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(prefilter(&dialect::triggers()))
            .expect("trigger literals are valid patterns")
    })
}

/// The literals the skip search looks for: the triggers without those that contain another
/// one (`BUG: failure at` is found as `BUG:`), in the order that keeps the search fast.
///
/// Which lines have a trigger does not depend on the order (only where a line's leftmost
/// trigger starts is used), but the search's speed does: aho-corasick's Teddy puts the `i`-th
/// literal with a new prefix into bucket `15 - i % 16`, and a position is verified when its
/// bytes fit a bucket's masks, the union of its literals' bytes. Sorted literals dealt out as
/// [`SEARCH_STRIDE`] interleaved runs give each bucket literals a few places apart in sorted
/// order, which share their leading bytes, so the masks stay tight. Measured with valgrind
/// (instructions and mispredicted branches of the search) over the syzkaller and LegoOS
/// corpora, the fixtures and bench/scan.sh's two logs: 10-24% fewer instructions and 20-43%
/// fewer mispredictions than sorted order on each; strides of 6, 7, 10, 12 and 14 were worse.
fn prefilter(triggers: &[&'static str]) -> Vec<&'static str> {
    let mut literals = triggers.to_vec();
    literals.sort_unstable();
    literals.dedup();
    let all = literals.clone();
    literals.retain(|l| !all.iter().any(|other| other != l && l.contains(other)));
    let per_run = literals.len().div_ceil(SEARCH_STRIDE);
    (0..per_run * SEARCH_STRIDE)
        .filter_map(|k| {
            let idx = (k % SEARCH_STRIDE) * per_run + k / SEARCH_STRIDE;
            literals.get(idx).copied()
        })
        .collect()
}

/// See [`prefilter`].
const SEARCH_STRIDE: usize = 8;

/// Size of the reads of [`Parser`].
const READ_CHUNK: usize = 256 * 1024;

/// Parses a console log from any reader, one report at a time: a pull wrapper over
/// [`Scanner`].
///
/// ```
/// let log = b"[  1.0] BUG: failure at mm/x.c:12/foo()!\n[  1.1] Kernel Panic - not syncing: BUG!\n";
/// let mut parser = legolog_parsers::Parser::new(&log[..], legolog_parsers::ParseConfig::standard());
/// let report = parser.next().unwrap()?;
/// assert_eq!(report.kind.as_str(), "lego-bug");
/// assert!(parser.next().is_none());
/// assert_eq!(parser.stats().lines, 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Parser<R> {
    reader: R,
    scanner: Scanner,
    buf: Vec<u8>,
    finished: bool,
}

impl<R: Read> Parser<R> {
    /// A parser over `reader` (it buffers on its own; do not wrap it in a `BufReader`).
    pub fn new(reader: R, config: ParseConfig) -> Parser<R> {
        Parser {
            reader,
            scanner: Scanner::new(config),
            buf: vec![0; READ_CHUNK],
            finished: false,
        }
    }

    /// Counters so far; final once [`Iterator::next`] returned `None`.
    pub fn stats(&self) -> &Stats {
        self.scanner.stats()
    }

    /// The reader back, for whatever it learned while being read (a hash, a byte count).
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Reads one chunk into the scanner; `false` at the end of the input.
    fn step(&mut self) -> io::Result<bool> {
        let n = loop {
            match self.reader.read(&mut self.buf) {
                Ok(n) => break n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        };
        match self.buf.get(..n) {
            Some(chunk) if n > 0 => {
                self.scanner.push(chunk);
                Ok(true)
            }
            _ => {
                self.scanner.finish();
                Ok(false)
            }
        }
    }
}

impl<R: Read> Iterator for Parser<R> {
    type Item = io::Result<Report>;

    fn next(&mut self) -> Option<io::Result<Report>> {
        loop {
            if let Some(report) = self.scanner.pop() {
                return Some(Ok(report));
            }
            if self.finished {
                return None;
            }
            match self.step() {
                Ok(true) => {}
                Ok(false) => self.finished = true,
                Err(err) => {
                    self.finished = true;
                    return Some(Err(err));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Confidence, Task};
    use expect_test::{expect, Expect};
    use std::fmt::Write as _;

    /// Parses `log` and renders every report compactly: kind, title, span, task, frames.
    fn check(log: &str, expected: Expect) {
        let mut parser = Parser::new(log.as_bytes(), ParseConfig::standard());
        let mut out = String::new();
        for report in parser.by_ref() {
            let report = report.unwrap();
            let _ = writeln!(
                out,
                "{} {:?} lines {}-{}{}",
                report.kind,
                report.title,
                report.span.start,
                report.span.end,
                report
                    .corruption
                    .as_ref()
                    .map(|c| format!(" corrupted: {}", c.reason))
                    .unwrap_or_default()
            );
            if report.task != Task::default() {
                let _ = writeln!(out, "  task {:?}", report.task);
            }
            for frame in &report.frames {
                let mark = if frame.confidence == Confidence::Guessed {
                    "? "
                } else {
                    ""
                };
                let name = frame.symbol.as_ref().map_or("??", |s| s.name.as_str());
                let _ = writeln!(
                    out,
                    "  {} {mark}{name} @{}",
                    frame.context.as_str(),
                    frame.line
                );
            }
        }
        let stats = parser.stats();
        let _ = writeln!(
            out,
            "lines {} unclaimed {}",
            stats.lines, stats.unclaimed_lines
        );
        expected.assert_eq(&out);
    }

    #[test]
    fn the_skip_search_finds_every_trigger_with_few_literals() {
        let triggers = dialect::triggers();
        let literals = prefilter(&triggers);
        for trigger in &triggers {
            assert!(
                literals.iter().any(|l| trigger.contains(l)),
                "{trigger:?} has no literal in the skip search"
            );
        }
        assert!(
            literals.len() < triggers.len(),
            "`BUG: failure at` is found as `BUG:`"
        );
    }

    #[test]
    fn chatter_only() {
        check(
            "[    0.000000] Linux version 4.0.0-lego+\n[    1.000000] fit: connected\n",
            expect![[r#"
                lines 2 unclaimed 2
            "#]],
        );
    }

    #[test]
    fn lego_spin_deadlock_with_irq_frames() {
        check(
            r#"[ 1.0] boot
[ 3367.835389] ------------------- cut here -------------------
[ 3367.841504] Possible deadlock happend locker_cpu: 0
[ 3367.846934] Current call stack:
[ 3367.850425] CPU: 0 PID: 1 Comm: kernel_init 4.0.0-lego+ #437
[ 3367.899680] Call Trace:
[ 3367.902396] <TSK>
[ 3367.904528] [<ffffffff8101f4c2>] report_deadlock+0x62/0x80
[ 3367.910637] [<ffffffff8101f52e>] debug_spin_lock+0x4e/0x60
[ 3367.916745] [<ffffffff8101b1ae>] scheduler_tick+0x2e/0x60
[ 3367.949518] [<ffffffff8105908a>] ? __mlx4_write_mtt+0xea/0x140
[ 3368.080803] [<ffffffff8100eb32>] ret_from_fork+0x22/0x30
[ 3368.086718] <EOT>
[ 3369.000000] after
"#,
            expect![[r#"
                lego-spin-deadlock "spinlock: possible deadlock in scheduler_tick" lines 3-13
                  task Task { cpu: Some(0), pid: Some(1), comm: Some("kernel_init"), kernel: Some("4.0.0-lego+ #437") }
                  task report_deadlock @8
                  task debug_spin_lock @9
                  task scheduler_tick @10
                  task ? __mlx4_write_mtt @11
                  task ret_from_fork @12
                lines 14 unclaimed 3
            "#]],
        );
    }

    #[test]
    fn caller_ids_keep_other_tasks_out() {
        check(
            r#"[   10.000000][ T100] Call Trace:
[   10.000001][ T100]  <TASK>
[   10.000002][ T200] IPv6: ADDRCONF(NETDEV_CHANGE): lo: link becomes ready
[   10.000003][ T100]  dump_stack_lvl+0x1/0x2
[   10.000004][ T200] wlan0: associated
[   10.000005][ T100]  ? foo+0x10/0x20 [mod]
[   10.000006][ T100]  bar+0x1/0x2
[   10.000007][ T100]  </TASK>
[   10.000008][ T300] next
"#,
            expect![[r#"
                trace "stack trace in bar" lines 1-8
                  task dump_stack_lvl @4
                  task ? foo @6
                  task bar @7
                lines 9 unclaimed 3
            "#]],
        );
    }

    #[test]
    fn concurrent_reports_of_two_callers_are_both_assembled() {
        check(
            r#"[   10.000000][ T100] WARNING: CPU: 0 PID: 100 at net/core/dev.c:1 dev_watchdog+0x1/0x2
[   10.000001][ T100] Call Trace:
[   10.000002][ T200] BUG: KASAN: use-after-free in tty_release+0x1/0x2
[   10.000003][ T100]  call_timer_fn+0x1/0x2
[   10.000004][ T200] Read of size 8 at addr ffff88801 by task syz/200
[   10.000005][ T200] Call Trace:
[   10.000006][ T100]  run_timer_softirq+0x1/0x2
[   10.000007][ T200]  kasan_report+0x1/0x2
[   10.000008][ T300] wlan0: associated
[   10.000009][ T200]  tty_release+0x1/0x2
[   10.000010][ T200]  __fput+0x1/0x2
[   10.000011][ T100] ---[ end trace 0000000000000000 ]---
"#,
            expect![[r#"
                warning "WARNING in call_timer_fn" lines 1-12
                  task call_timer_fn @4
                  task run_timer_softirq @7
                kasan "KASAN: use-after-free Read in tty_release" lines 3-11
                  task kasan_report @8
                  task tty_release @10
                  task __fput @11
                lines 12 unclaimed 1
            "#]],
        );
    }

    #[test]
    fn a_report_whose_caller_went_silent_comes_out_while_the_input_goes_on() {
        let mut scanner = Scanner::new(ParseConfig::standard());
        scanner.push(b"[ 1.0][ T100] WARNING: CPU: 0 PID: 100 at a.c:1 f+0x1/0x2\n");
        scanner.push(b"[ 1.0][ T100] Call Trace:\n[ 1.0][ T100]  g+0x1/0x2\n");
        for _ in 0..MAX_SILENCE {
            scanner.push(b"[ 1.1][ T200] chatter of another task\n");
        }
        assert!(scanner.pop().is_none(), "T100 may still go on");
        scanner.push(b"[ 1.1][ T200] chatter of another task\n");
        let report = scanner.pop().expect("silent for too long: over");
        assert_eq!(report.frames.len(), 1);
        assert!(!scanner.in_progress());
    }

    #[test]
    fn a_report_that_finished_first_waits_for_one_that_started_before_it() {
        let mut scanner = Scanner::new(ParseConfig::standard());
        scanner.push(b"[ 1.0][ T100] WARNING: CPU: 0 PID: 100 at a.c:1 f+0x1/0x2\n");
        scanner.push(b"[ 1.1][ T200] Kernel panic - not syncing: x\n");
        scanner.push(b"[ 1.2][ T200] ---[ end Kernel panic - not syncing: x ]---\n");
        assert!(
            scanner.pop().is_none(),
            "T200's panic is over but T100's report started first"
        );
        scanner.flush();
        assert_eq!(scanner.pop().expect("T100's").kind, crate::Kind::Warning);
        assert_eq!(scanner.pop().expect("T200's").kind, crate::Kind::Panic);
    }

    #[test]
    fn without_caller_ids_a_new_header_ends_the_report() {
        check(
            r#"[   10.000000] WARNING: CPU: 0 PID: 100 at net/core/dev.c:1 dev_watchdog+0x1/0x2
[   10.000001] Call Trace:
[   10.000002] BUG: KASAN: use-after-free in tty_release+0x1/0x2
[   10.000003]  call_timer_fn+0x1/0x2
[   10.000004] Read of size 8 at addr ffff88801 by task syz/200
"#,
            expect![[r#"
                warning "WARNING in corrupted" lines 1-2 corrupted: no guilty frame in the report
                kasan "KASAN: use-after-free in tty_release" lines 3-4
                  task call_timer_fn @4
                lines 5 unclaimed 1
            "#]],
        );
    }

    /// Without caller ids another subsystem's burst of messages (one line per process it
    /// serves, say) may land between two frames; the trace goes on past it, up to a limit.
    #[test]
    fn a_trace_goes_on_past_a_burst_of_other_messages() {
        let burst = |n: usize| -> String {
            (0..n)
                .map(|i| format!("[ 2.{i}] binder: {i}:{i} transaction failed 29189/-3\n"))
                .collect()
        };
        let log = |n: usize| {
            format!(
                "[ 1.0] general protection fault: 0000 [#1] SMP\n[ 1.1] Call Trace:\n\
                 [ 1.2]  __list_del_entry+0x1/0x2\n{}[ 3.0]  binder_release_work+0x1/0x2\n",
                burst(n)
            )
        };
        let frames = |n: usize| -> Vec<usize> {
            Parser::new(log(n).as_bytes(), ParseConfig::standard())
                .map(|r| r.map(|r| r.frames.len()))
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(frames(7), vec![2]);
        // A longer silence ends the report; the lone frame after it is no report.
        assert_eq!(frames(9), vec![1]);
    }

    #[test]
    fn a_lone_message_inside_a_trace_is_a_report_that_leaves_the_trace_going_on() {
        check(
            r#"[ 1.0] INFO: task syz:6102 blocked for more than 120 seconds.
[ 1.1] Call Trace:
[ 1.2]  schedule+0x9c/0x1b0
[ 1.3] unregister_netdevice: waiting for lo to become free. Usage count = 6
[ 1.4]  mutex_lock_nested+0x3b0/0x1130
[ 1.5]  copy_net_ns+0xcc/0x220
[ 2.0] unregister_netdevice: waiting for lo to become free. Usage count = 6
"#,
            expect![[r#"
                hung-task "INFO: task hung in copy_net_ns" lines 1-6
                  task schedule @3
                  task mutex_lock_nested @5
                  task copy_net_ns @6
                other "unregister_netdevice: waiting for DEV to become free" lines 4-4
                other "unregister_netdevice: waiting for DEV to become free" lines 7-7
                lines 7 unclaimed 0
            "#]],
        );
    }

    #[test]
    fn a_stall_takes_the_backtraces_other_cpus_print_for_it() {
        let log = "[  1.0][   C0] rcu: INFO: rcu_preempt self-detected stall on CPU\n\
                   [  1.1][   C0] Call Trace:\n\
                   [  1.2][   C0]  rcu_sched_clock_irq+0x1/0x2\n\
                   [  1.3][   C1] NMI backtrace for cpu 1\n\
                   [  1.4][   C1] Call Trace:\n\
                   [  1.5][   C1]  nmi_cpu_backtrace+0x1/0x2\n";
        let reports: Vec<Report> = Parser::new(log.as_bytes(), ParseConfig::standard())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(reports.len(), 1, "{reports:#?}");
        assert_eq!(reports[0].excerpt.len(), 6);
    }

    #[test]
    fn trace_cut_by_end_of_input_is_corrupted() {
        check(
            "[ 1.0] watchdog: worker[1] CPU3 stucked\n[ 1.1] Call Trace:\n[ 1.2] <TSK>\n[ 1.3] [<ffffffff8106920c>] fit_internal_poll_sendcq+0x6c/0xe0\n",
            expect![[r#"
                lego-watchdog "watchdog: worker stuck in fit_internal_poll_sendcq" lines 1-4 corrupted: log ends inside the call trace
                  task Task { cpu: Some(3), pid: None, comm: None, kernel: None }
                  task fit_internal_poll_sendcq @4
                lines 4 unclaimed 0
            "#]],
        );
    }

    #[test]
    fn crlf_long_lines_and_no_final_newline() {
        let long = "x".repeat(70 * 1024);
        let log = format!("[ 1.0] a\r\n{long}\r\n[ 2.0] b");
        let mut parser = Parser::new(log.as_bytes(), ParseConfig::standard());
        assert!(parser.next().is_none());
        assert_eq!(
            parser.stats(),
            &Stats {
                lines: 3,
                unclaimed_lines: 3,
                long_lines: 1
            }
        );
    }

    fn reports_of(log: &[u8], chunk: usize) -> (Vec<Report>, Stats) {
        let mut scanner = Scanner::new(ParseConfig::standard());
        let mut reports = Vec::new();
        for piece in log.chunks(chunk) {
            scanner.push(piece);
            reports.extend(std::iter::from_fn(|| scanner.pop()));
        }
        scanner.finish();
        reports.extend(std::iter::from_fn(|| scanner.pop()));
        (reports, scanner.stats().clone())
    }

    #[test]
    fn cr_only_endings_split_lines_like_lf_in_any_chunking() {
        let lf = "[ 0.5] boot\n[ 1.0] BUG: unable to handle kernel NULL pointer dereference at 0000000000000000\n\
                  [ 1.1] RIP: 0010:[<ffffffff81000010>]  [<ffffffff81000010>] foo+0x10/0x20\n\
                  [ 1.2] Call Trace:\n\
                  [ 1.3]  [<ffffffff81000110>] bar+0x10/0x40\n\
                  [ 1.4]  [<ffffffff81000210>] baz+0x20/0x40\n\
                  [ 1.5] ---[ end trace 0 ]---\n";
        let cr = lf.replace('\n', "\r");
        let (want, want_stats) = reports_of(lf.as_bytes(), 1 << 20);
        assert_eq!(want.len(), 1);
        assert_eq!(want[0].frames.len(), 2, "{:?}", want[0].frames);
        for chunk in [1, 2, 7, 64, 1 << 20] {
            let (got, stats) = reports_of(cr.as_bytes(), chunk);
            assert_eq!(stats, want_stats, "chunk {chunk}");
            assert_eq!(got.len(), 1, "chunk {chunk}");
            assert_eq!(got[0].frames, want[0].frames, "chunk {chunk}");
            assert_eq!(got[0].title, want[0].title, "chunk {chunk}");
        }
        // CRLF stays one line end per line, and a CR inside an LF log ends no line.
        let (crlf, crlf_stats) = reports_of(lf.replace('\n', "\r\n").as_bytes(), 3);
        assert_eq!(crlf_stats, want_stats);
        assert_eq!(crlf[0].frames, want[0].frames);
        let (_, stats) = reports_of(b"[ 1.0] a\n[ 2.0] b\rc\n", 1 << 20);
        assert_eq!(stats.lines, 2);
    }
}

#[cfg(test)]
mod lego_title_tests {
    use super::*;
    use crate::ParseConfig;

    #[test]
    fn lego_warning_without_trace_is_named_after_its_header() {
        let log = "[  317.49] WARNING: CPU: 14 PID: 22 at managers/processor/pgtable.c:365 pcache_copy_page_range+0x5d1/0x6c0\n\
                   [  317.50] CPU: 14 PID: 22 Comm: python 4.0.0-lego+ #93\n";
        let reports: Vec<Report> = Parser::new(log.as_bytes(), ParseConfig::standard())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].title, "WARNING in pcache_copy_page_range");
        assert!(reports[0].lego.is_some());
    }
}
