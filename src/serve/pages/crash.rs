//! A crash page: one recorded report. The history keeps where the log was read and its content
//! hash; the page reads the log again (when it is still there with the same content) for the
//! header, registers with their notes, `Stack:`, `Code:`, the trace with its `?` marks (and
//! verdicts and file:line when decoded) and the raw lines, with a plain-text download.
//!
//! The same body is `legolog report --format html` ([`report_document`]).

use crate::config::limits::Limits;
use crate::history::views::CrashRow;
use crate::history::History;
use crate::identity::rules::RuleSet;
use crate::input::{self, Source};
use crate::pipeline::analysis::{self, Analysis, Identity, Located};
use crate::render::frame_text;
use crate::serve::layout::{labels, node_link, page, shown, standalone, Ctx, Section};
use crate::symbolize::decode::location_text;
use crate::symbolize::locate::Locator;
use legolog_parsers::{Confidence, ParseConfig};
use maud::{html, Markup};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Raw lines shown (and downloadable) at most per crash.
pub const MAX_RAW_LINES: u64 = 5000;
/// Bytes kept of one raw line.
const MAX_LINE_BYTES: u64 = 16 * 1024;

/// The crash page's data (its JSON twin).
#[derive(Debug, Clone, Serialize)]
pub struct CrashPage {
    /// What the history recorded.
    pub crash: CrashRow,
    /// The report as read again from the log (the CLI's JSON report object), when the log is
    /// still there with the recorded content.
    pub report: Option<serde_json::Value>,
    /// Why the report could not be read again.
    pub unavailable: Option<String>,
    /// The raw lines of the report, numbered.
    pub raw: Vec<(u64, String)>,
    #[serde(skip)]
    analysis: Option<Analysis>,
}

/// Reads the page; `None` when the history has no such crash.
pub fn load(
    history: &mut History,
    log: &str,
    position: u64,
    (rules, limits): (&RuleSet, &Limits),
    locator: Option<&Locator>,
) -> anyhow::Result<Option<CrashPage>> {
    let Some(crash) = history.crash(log, position)? else {
        return Ok(None);
    };
    let (analysis, unavailable) = match reread(&crash, (rules, limits), locator) {
        Ok(analysis) => (Some(analysis), None),
        Err(why) => (None, Some(why)),
    };
    let located = analysis.as_ref().and_then(|a| a.reports.first());
    let raw = match (&analysis, located) {
        (Some(analysis), Some(located)) => {
            raw_lines(analysis.source_of(located), located, limits).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let report = analysis
        .as_ref()
        .zip(located)
        .map(|(a, l)| crate::render::json::report_value(a, l));
    Ok(Some(CrashPage {
        crash,
        report,
        unavailable,
        raw,
        analysis,
    }))
}

thread_local! {
    /// The locator of this connection thread (a `Locator` keeps its decoders, which stay on
    /// one thread).
    static LOCATOR: std::cell::RefCell<Option<Locator>> = const { std::cell::RefCell::new(None) };
}

/// Runs `work` with this thread's locator for `options`, made on first use (decoders are
/// opened once per thread and kept).
pub fn with_locator<T>(
    options: &crate::symbolize::locate::LocateOptions,
    work: impl FnOnce(&Locator) -> T,
) -> T {
    LOCATOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let locator = slot.get_or_insert_with(|| {
            Locator::new(
                options.clone(),
                std::sync::Arc::new(crate::config::events::Collect::default()),
            )
        });
        work(locator)
    })
}

/// The log read again, holding only the recorded report (decoded when there is a kernel
/// image).
fn reread(
    crash: &CrashRow,
    (rules, limits): (&RuleSet, &Limits),
    locator: Option<&Locator>,
) -> Result<Analysis, String> {
    let path = Path::new(&crash.path);
    if crash.path == "-" || !path.is_file() {
        return Err(format!(
            "the log was read from {} and is not there any more",
            shown(&crash.path)
        ));
    }
    let mut analysis = Analysis::default();
    analysis::analyze_source(
        &mut analysis,
        Source::from_arg(path),
        (&ParseConfig::standard(), limits),
        rules,
        locator,
        Identity::Hash,
    )
    .map_err(|err| format!("{err:#}"))?;
    if analysis.inputs[0].content_hash.as_deref() != Some(crash.log.as_str()) {
        return Err(format!(
            "{} has changed since it was recorded",
            shown(&crash.path)
        ));
    }
    let idx = crash.position as usize - 1;
    if idx >= analysis.reports.len() {
        return Err(format!(
            "{} holds no report {}",
            shown(&crash.path),
            crash.position
        ));
    }
    let located = analysis.reports.swap_remove(idx);
    analysis.reports = vec![located];
    Ok(analysis)
}

/// The report's lines as the log has them (timestamps and all), bounded.
pub fn raw_lines(
    source: &Source,
    located: &Located,
    limits: &Limits,
) -> anyhow::Result<Vec<(u64, String)>> {
    let span = located.report.span;
    let last = span.end.min(span.start + MAX_RAW_LINES - 1);
    let mut reader = BufReader::new(input::open(source, limits.max_log_bytes)?);
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut number = 0u64;
    while number < last {
        line.clear();
        let n = reader
            .by_ref()
            .take(MAX_LINE_BYTES)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') && n as u64 == MAX_LINE_BYTES {
            // The rest of an overlong line is skipped.
            let mut rest = Vec::new();
            reader.read_until(b'\n', &mut rest)?;
        }
        number += 1;
        if number >= span.start {
            let text = String::from_utf8_lossy(&line);
            out.push((number, text.trim_end_matches(['\n', '\r']).to_owned()));
        }
    }
    Ok(out)
}

/// The raw lines as a plain-text download.
pub fn raw_text(data: &CrashPage) -> String {
    let mut out = String::new();
    for (_, line) in &data.raw {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The report's details: header facts, trace, registers, `Code:`, `Stack:`, raw lines.
pub fn report_body(
    ctx: &Ctx,
    analysis: &Analysis,
    located: &Located,
    raw: &[(u64, String)],
) -> Markup {
    let report = &located.report;
    let task = &report.task;
    let decoded = located.decoded.as_ref();
    let source = analysis.source_of(located).to_string();
    html! {
        dl.facts {
            dt { "kind" } dd { (report.kind.as_str()) }
            @if let Some(kernel) = &task.kernel { dt { "kernel" } dd { (shown(kernel)) } }
            @if let Some(cpu) = task.cpu { dt { "CPU" } dd { (cpu) } }
            @if let Some(pid) = task.pid { dt { "PID" } dd { (pid) } }
            @if let Some(comm) = &task.comm { dt { "comm" } dd { code { (shown(comm)) } } }
            @if let Some(lego) = &report.lego {
                @if let Some(worker) = lego.worker { dt { "LegoOS worker" } dd { (worker) } }
                @if let Some(op) = lego.op { dt { "LegoOS op" } dd { code { (format!("{op:#x}")) } } }
                @if let Some(nid) = lego.src_nid { dt { "LegoOS src_nid" } dd { (nid) } }
            }
            @if let Some(time) = report.time { dt { "time" } dd { (format!("{time:.6}")) " s" } }
            @if let Some(wall) = &report.wall_time { dt { "wall time" } dd { (crate::identity::node::wall_text(wall)) } }
            dt { "signature" } dd { code { (located.signature.short_id()) } " (" (located.signature.basis.as_str()) ")" }
            dt { "labels" } dd { (labels(ctx, &located.labels)) @if located.labels.is_empty() { span.dim { "none" } } }
            dt { "log" } dd { code { (shown(&source)) } " lines " (report.span.start) "–" (report.span.end) }
            @if let Some(corruption) = &report.corruption { dt { "corrupted" } dd { (shown(&corruption.reason)) } }
        }
        @if let Some(rip) = &report.rip {
            h2 { "Instruction pointer" }
            pre { (shown(&frame_text(rip)))
                @if let Some(d) = decoded.and_then(|d| d.rip.as_ref()) {
                    @if let Some(at) = location_text(&d.location) { "  " (shown(&at)) }
                }
            }
        }
        @if !report.frames.is_empty() {
            h2 { "Call trace" }
            p.dim {
                "`?` = not trusted by the kernel's unwinder."
                @if decoded.is_some() { " Verdicts from the kernel image's machine code; file:line from its DWARF." }
                @else { " No kernel image: no verdicts or file:line." }
            }
            table.trace {
                thead { tr { th { "" } th { "frame" } @if decoded.is_some() { th { "verdict" } th { "file:line" } } } }
                tbody {
                    @for (frame_idx, frame) in report.frames.iter().enumerate() {
                        @let decoding = decoded.and_then(|d| d.frames.get(frame_idx));
                        tr class=[(frame.confidence == Confidence::Guessed).then_some("guessed")] {
                            td { @if frame.confidence == Confidence::Guessed { "?" } }
                            td { code { (shown(&frame_text(frame))) } }
                            @if decoded.is_some() {
                                td { @if let Some(d) = decoding { span class={ "verdict " (d.verdict.as_str()) } { (d.verdict.as_str()) } } }
                                td {
                                    @if let Some(d) = decoding {
                                        code { (shown(&location_text(&d.location).unwrap_or_else(|| "??".to_owned()))) }
                                        @for inlined in d.location.get(1..).unwrap_or(&[]) {
                                            br; span.dim { "inlined by " (shown(inlined.function.as_deref().unwrap_or("??"))) " at "
                                                (shown(&location_text(std::slice::from_ref(inlined)).unwrap_or_else(|| "??".to_owned()))) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !report.registers.is_empty() {
            h2 { "Registers" }
            table {
                thead { tr { th { "register" } th { "value" } th { "note" } } }
                tbody {
                    @for register in &report.registers {
                        tr {
                            td { (register.name) }
                            td { code { (register.printed()) } }
                            td { @if let Some((_, note)) = decoded.and_then(|d| d.register_notes.iter().find(|(n, _)| *n == register.name)) { (shown(note)) } }
                        }
                    }
                }
            }
        }
        @if !report.stack_words.is_empty() {
            h2 { "Stack" }
            pre { @for chunk in report.stack_words.chunks(4) {
                (chunk.iter().map(|w| format!("{w:016x}")).collect::<Vec<_>>().join(" ")) "\n"
            } }
        }
        @if let Some(code) = &report.code {
            h2 { "Code" }
            pre { "Code: "
                @for (idx, b) in code.bytes.iter().enumerate() {
                    @if Some(idx) == code.fault_index { "<" (format!("{b:02x}")) "> " } @else { (format!("{b:02x}")) " " }
                }
            }
            @if let Some(decoded) = decoded { @if !decoded.instructions.is_empty() {
                pre { @for instruction in &decoded.instructions {
                    (if instruction.is_fault { "=> " } else { "   " })
                    (format!("{:3}: ", instruction.offset)) (shown(&instruction.text)) "\n"
                } }
            } }
        }
        h2 { "Log lines" }
        @if raw.is_empty() {
            pre { @for line in &report.excerpt { (line.line) "  " (shown(&line.text)) "\n" } }
        } @else {
            pre.raw { @for (number, text) in raw { (number) "  " (shown(text)) "\n" } }
        }
    }
}

/// The page.
pub fn render(ctx: &Ctx, data: &CrashPage) -> Markup {
    let crash = &data.crash;
    let located = data.analysis.as_ref().and_then(|a| a.reports.first());
    let body = html! {
        h1 { (shown(&crash.title)) }
        dl.facts {
            dt { "bug" } dd { @if let Some(bug) = &crash.bug { a href=(ctx.bug(bug)) { code { (bug) } } } @else { "-" } }
            dt { "run" } dd { a href=(ctx.run(&crash.run)) { (shown(&crash.run)) } " on " (crash.date) }
            dt { "node" } dd { (node_link(ctx, crash.node.as_deref())) }
            dt { "build" } dd { (shown(crash.build.as_deref().unwrap_or("-"))) }
            dt { "report" } dd { "#" (crash.position) " of " code { (shown(&crash.path)) } }
            dt { "download" } dd { a href=(ctx.crash_text(&crash.log, crash.position)) { "raw log lines (text)" } }
        }
        @match (data.analysis.as_ref(), located) {
            (Some(analysis), Some(located)) => (report_body(ctx, analysis, located, &data.raw)),
            _ => p.note { "The report cannot be shown in full: " (data.unavailable.as_deref().unwrap_or("unknown")) "." },
        }
    };
    page(ctx, &crash.title, Section::Bugs, body)
}

/// `legolog report --format html`: one self-contained page for one report.
pub fn report_document(
    analysis: &Analysis,
    subject_idx: usize,
    limits: &Limits,
) -> anyhow::Result<String> {
    let located = &analysis.reports[subject_idx];
    let ctx = Ctx::exported(0);
    let raw = raw_lines(analysis.source_of(located), located, limits).unwrap_or_default();
    let body = html! {
        h1 { (shown(&located.report.title)) }
        @if let Some(history) = &located.history {
            p.dim { (shown(&crate::render::history_sentence(history))) }
        }
        (report_body(&ctx, analysis, located, &raw))
    };
    Ok(standalone(&located.report.title, body).into_string())
}
