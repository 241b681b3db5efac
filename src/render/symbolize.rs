//! `legolog symbolize` output: the shape of `addr2line -f -i -p`, or JSON.

use super::json::JsonLocation;
use legolog_symbols::SourceFrame;
use serde::Serialize;
use std::io::Write;

/// Writes one query's locations as `function at file:line`, then ` (inlined by) …` lines;
/// `?? ??:0` when nothing is known, as addr2line does.
pub fn write_text(out: &mut dyn Write, location: &[SourceFrame]) -> anyhow::Result<()> {
    if location.is_empty() {
        writeln!(out, "?? ??:0")?;
        return Ok(());
    }
    for (idx, frame) in location.iter().enumerate() {
        let prefix = if idx == 0 { "" } else { " (inlined by) " };
        writeln!(out, "{prefix}{}", frame_text(frame))?;
    }
    Ok(())
}

fn frame_text(frame: &SourceFrame) -> String {
    let function = frame.function.as_deref().unwrap_or("??");
    let file = frame.file.as_deref().unwrap_or("??");
    let line = frame.line.map_or_else(|| "?".to_owned(), |l| l.to_string());
    format!("{function} at {file}:{line}")
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    results: Vec<Result<'a>>,
}

#[derive(Serialize)]
struct Result<'a> {
    query: &'a str,
    location: Vec<JsonLocation<'a>>,
}

/// Writes every query with its location list (innermost first).
pub fn write_json(
    out: &mut dyn Write,
    results: &[(String, Vec<SourceFrame>)],
) -> anyhow::Result<()> {
    let document = Document {
        version: super::json::VERSION,
        results: results
            .iter()
            .map(|(query, location)| Result {
                query,
                location: location.iter().map(JsonLocation::from).collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
