//! The JSON contract (`--format json`), version 2. Documented in docs/json.md and
//! docs/legolog.schema.json; a field is never renamed or retyped within a version.
//!
//! Addresses and 64-bit values are `"0x…"` strings: they do not fit in a JSON double.

use crate::identity::signature;
use crate::pipeline::output::{Analysis, Located, Stop};
use crate::symbolize::decode::{Decoded, FrameDecoding};
use legolog_parsers::{Confidence, Frame, Register, Report};
use legolog_symbols::{Instruction, SourceFrame};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::io::Write;

/// Version of the JSON contract (2: `history` is about the report's bug, signatures of scheme 2;
/// 3: bugs have a life — `status`, `fixed_in`, `regression`, `quiet`, builds, nodes, crash ids).
pub const VERSION: u32 = 3;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    inputs: Vec<Input<'a>>,
    reports: Reports<'a>,
}

/// The reports of a document, each shaped as it is written: the document never holds them
/// all in their JSON shape at once (a long log's reports would double the memory it takes).
struct Reports<'a>(&'a Analysis);

impl Serialize for Reports<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let analysis = self.0;
        serializer.collect_seq(
            analysis
                .reports
                .iter()
                .map(|located| json_report(analysis, located)),
        )
    }
}

#[derive(Serialize)]
struct Input<'a> {
    path: String,
    node: Option<String>,
    lines: u64,
    reports: usize,
    unclaimed_lines: u64,
    long_lines: u64,
    skipped_reports: u64,
    trimmed_reports: u64,
    stopped: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    kind: &'static str,
    title: &'a str,
    corrupted: bool,
    corrupted_reason: Option<&'a str>,
    source: SourceSpan,
    node: Option<&'a str>,
    time: Option<f64>,
    wall_time: Option<String>,
    cpu: Option<u32>,
    pid: Option<u32>,
    comm: Option<&'a str>,
    kernel: Option<&'a str>,
    lego: Option<JsonLego>,
    registers: Registers<'a>,
    rip: Option<JsonFrame<'a>>,
    stack_words: Vec<String>,
    code: Option<JsonCode<'a>>,
    frames: Vec<JsonFrame<'a>>,
    lock_chain: Vec<JsonLockLink<'a>>,
    signature: JsonSignature<'a>,
    labels: &'a [String],
    history: Option<JsonHistory<'a>>,
    image: Option<JsonImage<'a>>,
    modules: Vec<JsonModule<'a>>,
    kaslr_slide: Option<String>,
    warnings: &'a [String],
    stack_verdicts: Vec<Option<&'static str>>,
    register_notes: RegisterNotes<'a>,
}

/// One link of a lockdep dependency chain (`-> #1 (&buf->lock){+.+.}-{3:3}:` and the trace
/// where that dependency was recorded); the report's own trace is `frames`.
#[derive(Serialize)]
struct JsonLockLink<'a> {
    index: u32,
    lock: &'a str,
    frames: Vec<JsonFrame<'a>>,
}

/// Which file decoded a report, how it was found and why.
#[derive(Serialize)]
struct JsonImage<'a> {
    path: String,
    how: &'static str,
    why: &'a str,
    build_id: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonModule<'a> {
    name: &'a str,
    #[serde(flatten)]
    image: JsonImage<'a>,
}

fn json_image(image: &crate::symbolize::decode::ImageInfo) -> JsonImage<'_> {
    JsonImage {
        path: image.path.display().to_string(),
        how: image.how.as_str(),
        why: &image.why,
        build_id: image.build_id.as_deref(),
    }
}

/// Register name → annotation, in print order.
struct RegisterNotes<'a>(&'a [(String, String)]);

impl Serialize for RegisterNotes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, note) in self.0 {
            map.serialize_entry(name, note)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonSignature<'a> {
    id: &'a str,
    short_id: &'a str,
    version: u32,
    basis: &'static str,
    frames: &'a [String],
}

#[derive(Serialize)]
struct JsonHistory<'a> {
    bug: &'a str,
    bug_name: Option<&'a str>,
    bug_link: Option<&'a str>,
    #[serde(rename = "match")]
    matched: &'static str,
    similarity: Option<f64>,
    seen: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    runs: &'a [String],
    status: &'a str,
    fixed_in: Option<&'a str>,
    regression: bool,
    without_fix: bool,
    seen_on: Option<&'a str>,
    quiet: bool,
    back_after_days: Option<u32>,
    crash: Option<i64>,
}

/// Registers as a JSON object in the order the kernel printed them.
struct Registers<'a>(&'a [Register]);

impl Serialize for Registers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for register in self.0 {
            map.serialize_entry(&register.name, &register.printed())?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct SourceSpan {
    path: String,
    line_start: u64,
    line_end: u64,
}

#[derive(Serialize)]
struct JsonLego {
    worker: Option<u32>,
    op: Option<String>,
    src_nid: Option<u32>,
    msg: Option<JsonLegoMsg>,
    component: Option<String>,
}

#[derive(Serialize)]
struct JsonLegoMsg {
    pid: Option<u32>,
    tgid: Option<u32>,
    flags: Option<String>,
    vaddr: Option<String>,
}

#[derive(Serialize)]
struct JsonCode<'a> {
    bytes: String,
    fault_index: Option<usize>,
    instructions: Vec<JsonInstruction<'a>>,
}

#[derive(Serialize)]
struct JsonInstruction<'a> {
    offset: usize,
    address: Option<String>,
    bytes: String,
    text: &'a str,
    fault: bool,
}

/// One source position of a frame (the contract's `location` entries).
#[derive(Serialize)]
pub struct JsonLocation<'a> {
    function: Option<&'a str>,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
}

impl<'a> From<&'a SourceFrame> for JsonLocation<'a> {
    fn from(frame: &'a SourceFrame) -> JsonLocation<'a> {
        JsonLocation {
            function: frame.function.as_deref(),
            file: frame.file.as_deref(),
            line: frame.line,
            column: frame.column,
        }
    }
}

#[derive(Serialize)]
struct JsonFrame<'a> {
    address: Option<String>,
    symbol: Option<&'a str>,
    offset: Option<u64>,
    size: Option<u64>,
    module: Option<&'a str>,
    build_id: Option<&'a str>,
    reliable: bool,
    context: &'static str,
    from_registers: bool,
    line: u64,
    verdict: &'static str,
    location: Vec<JsonLocation<'a>>,
}

/// Formats a 64-bit value the way the contract wants addresses: `0xffffffff8106920c`.
pub fn hex(value: u64) -> String {
    format!("{value:#x}")
}

/// Writes the whole analysis as one JSON document.
pub fn write(out: &mut dyn Write, analysis: &Analysis) -> anyhow::Result<()> {
    let document = Document {
        version: VERSION,
        inputs: inputs(analysis),
        reports: Reports(analysis),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// One report as a JSON value (the v1 report object), for one-object-per-line output.
pub fn report_value(analysis: &Analysis, located: &Located) -> serde_json::Value {
    serde_json::to_value(json_report(analysis, located)).unwrap_or_default()
}

/// The `inputs` counters as JSON values.
pub fn inputs_value(analysis: &Analysis) -> serde_json::Value {
    serde_json::to_value(inputs(analysis)).unwrap_or_default()
}

fn inputs(analysis: &Analysis) -> Vec<Input<'_>> {
    analysis
        .inputs
        .iter()
        .map(|input| Input {
            path: input.source.to_string(),
            node: input.run.node.clone(),
            lines: input.lines,
            reports: input.reports,
            unclaimed_lines: input.unclaimed_lines,
            long_lines: input.long_lines,
            skipped_reports: input.skipped_reports,
            trimmed_reports: input.trimmed_reports,
            stopped: match &input.stopped {
                Some(Stop::Damaged(what) | Stop::Limit(what)) => Some(what),
                None => None,
            },
        })
        .collect()
}

fn json_report<'a>(analysis: &'a Analysis, located: &'a Located) -> JsonReport<'a> {
    let report: &Report = &located.report;
    let decoded: Option<&Decoded> = located.decoded.as_ref();
    JsonReport {
        kind: report.kind.as_str(),
        title: &report.title,
        corrupted: report.corruption.is_some(),
        corrupted_reason: report.corruption.as_ref().map(|c| c.reason.as_str()),
        source: SourceSpan {
            path: analysis.source_of(located).to_string(),
            line_start: report.span.start,
            line_end: report.span.end,
        },
        node: analysis.inputs[located.input].run.node.as_deref(),
        time: report.time,
        wall_time: report
            .wall_time
            .as_ref()
            .map(crate::identity::node::wall_text),
        cpu: report.task.cpu,
        pid: report.task.pid,
        comm: report.task.comm.as_deref(),
        kernel: report.task.kernel.as_deref(),
        lego: report.lego.as_ref().map(|lego| JsonLego {
            worker: lego.worker,
            op: lego.op.map(hex),
            src_nid: lego.src_nid,
            msg: lego.msg.as_ref().map(|msg| JsonLegoMsg {
                pid: msg.pid,
                tgid: msg.tgid,
                flags: msg.flags.map(hex),
                vaddr: msg.vaddr.map(hex),
            }),
            component: lego.component.clone(),
        }),
        registers: Registers(&report.registers),
        rip: report
            .rip
            .as_ref()
            .map(|rip| json_frame(rip, decoded.and_then(|d| d.rip.as_ref()))),
        stack_words: report
            .stack_words
            .iter()
            .map(|w| format!("{w:#018x}"))
            .collect(),
        code: report.code.as_ref().map(|code| JsonCode {
            bytes: code.bytes.iter().map(|b| format!("{b:02x}")).collect(),
            fault_index: code.fault_index,
            instructions: decoded
                .map(|d| d.instructions.iter().map(json_instruction).collect())
                .unwrap_or_default(),
        }),
        frames: report
            .frames
            .iter()
            .enumerate()
            .map(|(idx, frame)| json_frame(frame, decoded.and_then(|d| d.frames.get(idx))))
            .collect(),
        lock_chain: report
            .lock_chain
            .iter()
            .map(|link| JsonLockLink {
                index: link.index,
                lock: &link.lock,
                frames: link.frames.iter().map(|f| json_frame(f, None)).collect(),
            })
            .collect(),
        signature: JsonSignature {
            id: &located.signature.id,
            short_id: located.signature.short_id(),
            version: signature::VERSION,
            basis: located.signature.basis.as_str(),
            frames: &located.signature.frames,
        },
        labels: &located.labels,
        history: located.history.as_ref().map(|history| JsonHistory {
            bug: &history.bug,
            bug_name: history.name.as_deref(),
            bug_link: history.link.as_deref(),
            matched: history.matched.as_str(),
            similarity: match history.matched {
                crate::history::Match::Similar(s) => Some(s),
                _ => None,
            },
            seen: history.seen,
            first_seen: history.first_seen.map(|d| d.to_string()),
            last_seen: history.last_seen.map(|d| d.to_string()),
            runs: &history.runs,
            status: &history.status,
            fixed_in: history.fixed_in.as_deref(),
            regression: history.fix.as_ref().is_some_and(|f| f.regression),
            without_fix: history.fix.as_ref().is_some_and(|f| !f.regression),
            seen_on: history.fix.as_ref().map(|f| f.seen_on.as_str()),
            quiet: history.quiet,
            back_after_days: history.back_after,
            crash: history.crash,
        }),
        image: decoded.and_then(|d| d.image.as_ref()).map(json_image),
        modules: decoded.map_or_else(Vec::new, |d| {
            d.modules
                .iter()
                .map(|module| JsonModule {
                    name: &module.name,
                    image: json_image(&module.image),
                })
                .collect()
        }),
        kaslr_slide: decoded.and_then(|d| d.kaslr_slide).map(signed_hex),
        warnings: decoded.map_or(&[], |d| d.warnings.as_slice()),
        stack_verdicts: match decoded {
            Some(d) => d
                .stack_verdicts
                .iter()
                .map(|v| v.map(|v| v.as_str()))
                .collect(),
            None => vec![None; report.stack_words.len()],
        },
        register_notes: RegisterNotes(decoded.map_or(&[], |d| d.register_notes.as_slice())),
    }
}

/// A slide as `"0x…"`, with a minus sign when the kernel sits below its link address.
fn signed_hex(value: i64) -> String {
    if value < 0 {
        format!("-{:#x}", value.unsigned_abs())
    } else {
        format!("{value:#x}")
    }
}

fn json_instruction(instruction: &Instruction) -> JsonInstruction<'_> {
    JsonInstruction {
        offset: instruction.offset,
        address: instruction.addr.map(hex),
        bytes: instruction
            .bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        text: &instruction.text,
        fault: instruction.is_fault,
    }
}

fn json_frame<'a>(frame: &'a Frame, decoding: Option<&'a FrameDecoding>) -> JsonFrame<'a> {
    JsonFrame {
        address: frame.addr.map(hex),
        symbol: frame.symbol.as_ref().map(|s| s.name.as_str()),
        offset: frame.symbol.as_ref().map(|s| s.offset),
        size: frame.symbol.as_ref().and_then(|s| s.size),
        module: frame.module.as_deref(),
        build_id: frame.build_id.as_deref(),
        reliable: frame.confidence == Confidence::Reliable,
        context: frame.context.as_str(),
        from_registers: frame.from_registers,
        line: frame.line,
        verdict: decoding.map_or("unknown", |d| d.verdict.as_str()),
        location: decoding
            .map(|d| d.location.iter().map(JsonLocation::from).collect())
            .unwrap_or_default(),
    }
}
