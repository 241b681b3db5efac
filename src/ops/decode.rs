//! `legolog decode`'s pass-through (scripts/decode_stacktrace.sh's job): the log streams through
//! the one driver (`pipeline::stream`) like every other command's, and each line comes out
//! unchanged, with the frame, RIP and `Code:` lines annotated in place.
//!
//! While a report is being assembled its lines wait (the report is decoded once the scanner
//! knows where it ends); as soon as no report is open every waiting line is written. So memory
//! is bounded by one report, and lines outside reports come out as they arrive.

use crate::config::events::{Event as Said, EventSink};
use crate::input::live::Feed;
use crate::input::{self, Source};
use crate::pipeline::analysis::{self, Stop};
use crate::pipeline::stream::{self, Sink, Status, StreamOptions};
use crate::render::decode::{write_line, Note};
use crate::symbolize::decode::Decoded;
use crate::symbolize::locate::Locator;
use legolog_parsers::kernel::BannerScanner;
use legolog_parsers::lone;
use legolog_parsers::{ParseConfig, Report, Scanner};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Passes `source` through to `out`, annotated with what `locator` finds. `Ok(true)` when the
/// input stopped early (a limit, damage: said on `events`, the lines before it written).
pub fn pass_through(
    source: &Source,
    max_log_bytes: u64,
    locator: &Locator,
    out: &mut dyn Write,
    events: &EventSink,
) -> anyhow::Result<bool> {
    let reader = input::open(source, max_log_bytes)?;
    let is_live = source.is_live();
    let mut feed = if is_live {
        Feed::threaded(reader)
    } else {
        Feed::direct(reader)
    };
    let failed = AtomicBool::new(false);
    let mut pass = Pass {
        locator,
        out,
        events,
        waiting: Vec::new(),
        number: 0,
        notes: BTreeMap::new(),
        error: None,
        failed: &failed,
    };
    let options = StreamOptions {
        // No pauses: a pass-through writes a report's lines once it ends, never a snapshot.
        idle: Duration::MAX,
        // A write that failed (the reader of the output went away) ends the stream.
        stop: Some(&failed),
        hash: false,
    };
    let mut scanner = Scanner::new(ParseConfig::standard());
    let banners = Some(BannerScanner::new());
    let mut end = stream::run(&mut feed, &mut scanner, banners, &options, &mut pass);
    if let Some(err) = pass.error.take() {
        return Err(err.into());
    }
    pass.out.flush()?;
    Ok(match analysis::stop_of(source, &mut end)? {
        Some(Stop::Limit(text) | Stop::Damaged(text)) => {
            events.event(Said::Error(&format!("warning: {text}")));
            true
        }
        None => false,
    })
}

/// The stream's sink: reports decoded into notes by line, lines written once no report can
/// claim them.
struct Pass<'a> {
    locator: &'a Locator,
    out: &'a mut dyn Write,
    events: &'a EventSink,
    /// Bytes read and not written yet: whole lines, then a part of one.
    waiting: Vec<u8>,
    /// Lines written so far (the next line's 1-based number is one more).
    number: u64,
    /// What goes after each line of the reports decoded so far, by line number.
    notes: BTreeMap<u64, Note>,
    /// The first write error (the stream then stops).
    error: Option<io::Error>,
    failed: &'a AtomicBool,
}

impl Pass<'_> {
    /// Writes the whole waiting lines (and at the end the last part of one), each with its note.
    fn write_waiting(&mut self, banners: Option<&BannerScanner>, at_end: bool) {
        if self.error.is_some() {
            return;
        }
        let mut start = 0;
        while start < self.waiting.len() {
            let end = match self.waiting[start..].iter().position(|&b| b == b'\n') {
                Some(at) => start + at + 1,
                None if at_end => self.waiting.len(),
                None => break,
            };
            self.number += 1;
            let number = self.number;
            let text = &self.waiting[start..end];
            let note = self
                .notes
                .remove(&number)
                .or_else(|| lone_note(self.locator, banners, number, text));
            if let Err(err) = write_line(&mut *self.out, text, note.as_ref()) {
                self.error = Some(err);
                self.failed.store(true, Ordering::Relaxed);
                return;
            }
            start = end;
        }
        self.waiting.drain(..start);
    }
}

impl Sink for Pass<'_> {
    fn report(&mut self, report: Report, status: Status, banners: Option<&BannerScanner>) {
        if !status.is_final() {
            return;
        }
        let banner = banners.and_then(|b| b.before(report.span.start));
        if let Some(decoded) = self.locator.decode(&report, banner) {
            collect_notes(&report, decoded, &mut self.notes);
        }
    }

    fn warning(&mut self, text: String) {
        self.events.event(Said::Error(&text));
    }

    fn read(&mut self, data: &[u8], open: bool, banners: Option<&BannerScanner>) {
        self.waiting.extend_from_slice(data);
        if !open {
            self.write_waiting(banners, false);
        }
    }

    fn ended(&mut self, banners: Option<&BannerScanner>) {
        self.write_waiting(banners, true);
    }
}

/// The note of a frame line no report claimed (a register dump printed after the end of its
/// report, a trace pasted without its header): decoded on its own, as decode_stacktrace.sh
/// does with every line.
fn lone_note(
    locator: &Locator,
    banners: Option<&BannerScanner>,
    number: u64,
    text: &[u8],
) -> Option<Note> {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let lone = lone::frame_of_line(number, body)?;
    lone.frame.symbol.as_ref()?;
    let report = lone::lone_report(lone);
    let decoded = locator.decode(&report, banners.and_then(|b| b.before(number)))?;
    decoded
        .rip
        .or_else(|| decoded.frames.into_iter().next())
        .map(Note::Frame)
}

/// What goes after each line of a decoded report: the RIP's and each frame's decoding on
/// their lines, the disassembly after the `Code:` line.
fn collect_notes(report: &Report, decoded: Decoded, notes: &mut BTreeMap<u64, Note>) {
    if let (Some(rip), Some(decoding)) = (&report.rip, decoded.rip) {
        notes.insert(rip.line, Note::Frame(decoding));
    }
    for (frame, decoding) in report.frames.iter().zip(decoded.frames) {
        notes.insert(frame.line, Note::Frame(decoding));
    }
    if !decoded.instructions.is_empty() {
        let code_line = report
            .excerpt
            .iter()
            .find(|line| line.text.trim_start().starts_with("Code: "))
            .map(|line| line.line);
        if let Some(code_line) = code_line {
            notes.insert(code_line, Note::Code(decoded.instructions));
        }
    }
}
