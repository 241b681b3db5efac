//! `legolog decode`'s lines: the input line unchanged, then what the kernel image says about
//! it in scripts/decode_stacktrace.sh's layout.

use crate::symbolize::decode::FrameDecoding;
use legolog_symbols::{Instruction, SourceFrame, Verdict};
use std::io::Write;

/// What is added to one input line.
#[derive(Debug, Clone)]
pub enum Note {
    /// A frame or RIP line: ` (FILE:LINE INLINED-BY-FILE:LINE…) VERDICT`.
    Frame(FrameDecoding),
    /// A `Code:` line: its disassembly on the following lines.
    Code(Vec<Instruction>),
}

/// Writes `raw` (one input line, newline included when it had one) with its note.
pub fn write_line(out: &mut dyn Write, raw: &[u8], note: Option<&Note>) -> std::io::Result<()> {
    let Some(note) = note else {
        return out.write_all(raw);
    };
    let body = raw.strip_suffix(b"\n").unwrap_or(raw);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    out.write_all(body)?;
    match note {
        Note::Frame(decoding) => out.write_all(frame_suffix(decoding).as_bytes())?,
        Note::Code(instructions) => {
            out.write_all(b"\n")?;
            for instruction in instructions {
                out.write_all(instruction_line(instruction).as_bytes())?;
            }
            return Ok(());
        }
    }
    out.write_all(b"\n")
}

/// ` (mm/slub.c:123 include/linux/list.h:45) reliable`: the positions innermost first (as
/// `addr2line -i` and decode_stacktrace.sh list them), then the verdict.
pub fn frame_suffix(decoding: &FrameDecoding) -> String {
    let positions: Vec<String> = decoding.location.iter().filter_map(position).collect();
    let mut suffix = String::new();
    if !positions.is_empty() {
        suffix.push_str(&format!(" ({})", positions.join(" ")));
    }
    if decoding.verdict != Verdict::Unknown {
        suffix.push(' ');
        suffix.push_str(decoding.verdict.as_str());
    }
    suffix
}

fn position(frame: &SourceFrame) -> Option<String> {
    let file = frame.file.as_deref()?;
    Some(match frame.line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    })
}

/// scripts/decodecode's layout: offset, bytes and instruction separated by tabs, the faulting
/// instruction marked `<-- trapping instruction`.
fn instruction_line(instruction: &Instruction) -> String {
    let bytes: Vec<String> = instruction
        .bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mark = if instruction.is_fault {
        "\t\t<-- trapping instruction"
    } else {
        ""
    };
    format!(
        "  {:3x}:\t{:<21}\t{}{mark}\n",
        instruction.offset,
        bytes.join(" "),
        instruction.text
    )
}
