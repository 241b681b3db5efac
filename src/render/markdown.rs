//! GitHub-flavoured Markdown: one section per report, ready to paste into a bug.

use super::frame_text;
use super::text::decoding_suffix;
use crate::pipeline::output::Analysis;
use legolog_parsers::Confidence;
use std::io::Write;

/// Writes one `##` section per report.
pub fn write(out: &mut dyn Write, analysis: &Analysis) -> anyhow::Result<()> {
    writeln!(out, "# legolog analysis")?;
    writeln!(out)?;
    writeln!(out, "| input | lines | reports | unclaimed lines |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    for input in &analysis.inputs {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(&input.source.to_string()),
            input.lines,
            input.reports,
            input.unclaimed_lines
        )?;
    }
    for (idx, located) in analysis.reports.iter().enumerate() {
        let report = &located.report;
        writeln!(out)?;
        writeln!(out, "## {}. {}", idx + 1, escape(&report.title))?;
        writeln!(out)?;
        writeln!(out, "| field | value |")?;
        writeln!(out, "|---|---|")?;
        writeln!(out, "| kind | `{}` |", report.kind)?;
        writeln!(
            out,
            "| source | {} lines {}–{} |",
            escape(&analysis.source_of(located).to_string()),
            report.span.start,
            report.span.end
        )?;
        if let Some(time) = report.time {
            writeln!(out, "| time | {time:.6} s |")?;
        }
        let task = &report.task;
        if let Some(cpu) = task.cpu {
            writeln!(out, "| CPU | {cpu} |")?;
        }
        if let Some(pid) = task.pid {
            writeln!(out, "| PID | {pid} |")?;
        }
        if let Some(comm) = &task.comm {
            writeln!(out, "| comm | {} |", escape(comm))?;
        }
        if let Some(kernel) = &task.kernel {
            writeln!(out, "| kernel | {} |", escape(kernel))?;
        }
        if let Some(lego) = &report.lego {
            if let Some(worker) = lego.worker {
                writeln!(out, "| LegoOS worker | {worker} |")?;
            }
            if let Some(op) = lego.op {
                writeln!(out, "| LegoOS op | `{op:#x}` |")?;
            }
            if let Some(nid) = lego.src_nid {
                writeln!(out, "| LegoOS src_nid | {nid} |")?;
            }
        }
        if let Some(corruption) = &report.corruption {
            writeln!(out, "| corrupted | {} |", escape(&corruption.reason))?;
        }
        writeln!(
            out,
            "| signature | `{}` ({}) |",
            located.signature.short_id(),
            escape(&located.signature.frames_text())
        )?;
        if !located.labels.is_empty() {
            let labels: Vec<String> = located.labels.iter().map(|l| format!("`{l}`")).collect();
            writeln!(out, "| labels | {} |", escape(&labels.join(", ")))?;
        }
        if let Some(history) = &located.history {
            writeln!(
                out,
                "| history | {} |",
                escape(&super::history_sentence(history))
            )?;
        }
        let decoded = located.decoded.as_ref();
        if let Some(decoded) = decoded {
            if let Some(image) = &decoded.image {
                writeln!(out, "| image | {} |", escape(&super::image_sentence(image)))?;
            }
            for module in &decoded.modules {
                writeln!(
                    out,
                    "| module `{}` | {} |",
                    module.name,
                    escape(&super::image_sentence(&module.image))
                )?;
            }
            for warning in &decoded.warnings {
                writeln!(out, "| warning | {} |", escape(warning))?;
            }
        }
        if let Some(rip) = &report.rip {
            let suffix = decoding_suffix(decoded.and_then(|d| d.rip.as_ref()));
            writeln!(out, "| RIP | `{}`{} |", frame_text(rip), escape(&suffix))?;
        }
        if !report.frames.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "Call trace (`?` marks frames the kernel did not trust):"
            )?;
            writeln!(out)?;
            writeln!(out, "```")?;
            for (frame_idx, frame) in report.frames.iter().enumerate() {
                let mark = match frame.confidence {
                    Confidence::Reliable => "  ",
                    Confidence::Guessed => "? ",
                };
                let suffix = decoding_suffix(decoded.and_then(|d| d.frames.get(frame_idx)));
                writeln!(out, "{mark}{}{suffix}", frame_text(frame))?;
            }
            writeln!(out, "```")?;
        }
        if let Some(decoded) = decoded {
            write_snippets(out, report, decoded)?;
        }
    }
    Ok(())
}

/// The `--src` lines of every decoded frame (the RIP first), each frame's line marked with `>`.
pub fn write_snippets(
    out: &mut dyn Write,
    report: &legolog_parsers::Report,
    decoded: &crate::symbolize::decode::Decoded,
) -> std::io::Result<()> {
    let rip = report.rip.iter().zip(decoded.rip.iter());
    let snippets = rip.chain(report.frames.iter().zip(decoded.frames.iter()));
    let mut shown = 0;
    for (frame, decoding) in snippets {
        let Some(snippet) = &decoding.source else {
            continue;
        };
        if shown == 0 {
            writeln!(out)?;
            writeln!(out, "Source (`>` marks each frame's line):")?;
        }
        shown += 1;
        writeln!(out)?;
        writeln!(out, "`{}` at `{}`:", frame_text(frame), snippet.file)?;
        writeln!(out)?;
        writeln!(out, "```c")?;
        for (number, text) in &snippet.lines {
            let mark = if *number == snippet.marked { ">" } else { " " };
            writeln!(out, "{mark}{number:>5} {text}")?;
        }
        writeln!(out, "```")?;
    }
    Ok(())
}

/// Escapes text for inline Markdown and table cells: [`crate::render::sanitize::markdown`].
pub fn escape(text: &str) -> String {
    crate::render::sanitize::markdown(text)
}
