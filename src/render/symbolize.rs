//! `legolog symbolize` output: addr2line's (GNU), llvm-symbolizer's (LLVM), or JSON.

use super::json::JsonLocation;
use crate::symbolize::query::Answer;
use legolog_symbols::SourceFrame;
use serde::Serialize;
use std::io::Write;

/// What the flags add to the text styles.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `-a`: the address first.
    pub addresses: bool,
}

fn frames(answer: &Answer) -> &[SourceFrame] {
    answer.location.as_deref().unwrap_or_default()
}

/// addr2line -f -i -p: `function at file:line`, then ` (inlined by) …` lines; `?? ??:0` when
/// nothing is known (the error is on stderr); with `-a`, `0xADDR: ` first.
pub fn write_gnu(out: &mut dyn Write, answer: &Answer, options: Options) -> anyhow::Result<()> {
    if options.addresses {
        write!(out, "{}: ", address_text(answer))?;
    }
    let location = frames(answer);
    if location.is_empty() {
        writeln!(out, "?? ??:0")?;
        return Ok(());
    }
    for (idx, frame) in location.iter().enumerate() {
        let prefix = if idx == 0 { "" } else { " (inlined by) " };
        writeln!(out, "{prefix}{}", gnu_frame(frame))?;
    }
    Ok(())
}

fn address_text(answer: &Answer) -> String {
    answer
        .address
        .map_or_else(|| "??".to_owned(), |addr| format!("{addr:#018x}"))
}

fn gnu_frame(frame: &SourceFrame) -> String {
    let function = frame.function.as_deref().unwrap_or("??");
    let file = frame.file.as_deref().unwrap_or("??");
    let line = frame.line.map_or_else(|| "?".to_owned(), |l| l.to_string());
    format!("{function} at {file}:{line}")
}

/// llvm-symbolizer: per frame the function, then `file:line:column`; a blank line ends the
/// query; with `-a`, the address first.
pub fn write_llvm(out: &mut dyn Write, answer: &Answer, options: Options) -> anyhow::Result<()> {
    if options.addresses {
        writeln!(out, "{}", address_text(answer))?;
    }
    let location = frames(answer);
    if location.is_empty() {
        writeln!(out, "??\n??:0:0")?;
    }
    for frame in location {
        writeln!(out, "{}", frame.function.as_deref().unwrap_or("??"))?;
        writeln!(
            out,
            "{}:{}:{}",
            frame.file.as_deref().unwrap_or("??"),
            frame.line.unwrap_or(0),
            frame.column.unwrap_or(0)
        )?;
    }
    writeln!(out)?;
    Ok(())
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    results: Vec<JsonResult<'a>>,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    query: &'a str,
    address: Option<String>,
    location: Vec<JsonLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// Writes every query with its location list (innermost first), or its error.
pub fn write_json(out: &mut dyn Write, answers: &[Answer]) -> anyhow::Result<()> {
    let document = Document {
        version: super::json::VERSION,
        results: answers
            .iter()
            .map(|answer| JsonResult {
                query: &answer.query,
                address: answer.address.map(super::json::hex),
                location: frames(answer).iter().map(JsonLocation::from).collect(),
                error: answer.location.as_ref().err().map(String::as_str),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
