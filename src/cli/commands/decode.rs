//! `legolog decode`: a log passed through line by line, each frame, RIP and `Code:` line
//! annotated in place (scripts/decode_stacktrace.sh's job).
//!
//! Lines are pushed one at a time into the parser's [`Scanner`]; while a report is being
//! assembled its lines wait (the report is decoded once the parser knows where it ends), and
//! as soon as no report is open every waiting line is written, annotated. So memory is bounded
//! by one report, and lines outside reports come out as they arrive.

use crate::cli::args::DecodeArgs;
use crate::cli::exit::{EXIT_ERROR, EXIT_OK};
use crate::config::settings::Settings;
use crate::input::{self, Source};
use crate::render::decode::{write_line, Note};
use crate::render::stderr::Stderr;
use crate::symbolize::decode::Decoded;
use crate::symbolize::locate::Locator;
use legolog_parsers::kernel::BannerScanner;
use legolog_parsers::lone;
use legolog_parsers::{ParseConfig, Report, Scanner};
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

/// Runs `legolog decode`.
pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&args.limit.limits)?;
    let limits = &settings.limits;
    let events = Stderr::new();
    let locator = Locator::new(
        args.locate.options(&args.symbols, &settings)?,
        events.sink(),
    );
    let source = Source::from_arg(args.log.as_deref().unwrap_or(Path::new("-")));
    let reader = input::open(&source, limits.max_log_bytes)?;
    let mut reader = io::BufReader::with_capacity(64 * 1024, reader);
    // A filter: piped, every byte passes unchanged; on a terminal, through the sanitizer.
    let stdout: Box<dyn Write> = match io::stdout().is_terminal() {
        true => Box::new(crate::render::sanitize::TerminalWriter::new(
            io::stdout().lock(),
            false,
        )),
        false => Box::new(io::stdout().lock()),
    };
    let mut out = io::LineWriter::new(stdout);
    let mut scanner = Scanner::new(ParseConfig::standard());
    let mut banners = BannerScanner::new();
    // Lines not yet written (a report may still claim them), with their 1-based numbers.
    let mut waiting: VecDeque<(u64, Vec<u8>)> = VecDeque::new();
    let mut notes: BTreeMap<u64, Note> = BTreeMap::new();
    let mut number = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|err| anyhow::anyhow!("{source}: read error: {err}"))?;
        if n == 0 {
            banners.finish();
            scanner.finish();
        } else {
            number += 1;
            banners.feed(&line);
            scanner.push(&line);
            waiting.push_back((number, line.clone()));
        }
        while let Some(report) = scanner.pop() {
            let banner = banners.before(report.span.start);
            if let Some(decoded) = locator.decode(&report, banner) {
                collect_notes(&report, decoded, &mut notes);
            }
        }
        if !scanner.in_progress() || n == 0 {
            for (number, text) in waiting.drain(..) {
                let note = notes
                    .remove(&number)
                    .or_else(|| lone_note(&locator, &banners, number, &text));
                write_line(&mut out, &text, note.as_ref())?;
            }
        }
        if n == 0 {
            break;
        }
    }
    out.flush()?;
    events.finish();
    Ok(ExitCode::from(if locator.failed() {
        EXIT_ERROR
    } else {
        EXIT_OK
    }))
}

/// The note of a frame line no report claimed (a register dump printed after the end of its
/// report, a trace pasted without its header): decoded on its own, as decode_stacktrace.sh
/// does with every line.
fn lone_note(locator: &Locator, banners: &BannerScanner, number: u64, text: &[u8]) -> Option<Note> {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let lone = lone::frame_of_line(number, body)?;
    lone.frame.symbol.as_ref()?;
    let report = lone::lone_report(lone);
    let decoded = locator.decode(&report, banners.before(number))?;
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
