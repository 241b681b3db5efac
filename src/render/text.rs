//! Output for people on a terminal: a summary table, then each report with its trace.

use super::{frame_text, Style};
use crate::pipeline::output::Analysis;
use crate::symbolize::decode::{location_text, FrameDecoding};
use legolog_parsers::{Confidence, Context};
use std::io::{self, Write};

/// Writes the summary table and every report.
pub fn write(out: &mut dyn Write, analysis: &Analysis, style: Style) -> anyhow::Result<()> {
    write_summary(out, analysis, 0, style)?;
    for (idx, located) in analysis.reports.iter().enumerate() {
        write_report(out, analysis, &format!("[{}]", idx + 1), located, style)?;
    }
    Ok(())
}

/// The counters of every input and a table of the reports (`more` reports were found but
/// not kept, when a stream was too long to keep them all).
pub fn write_summary(
    out: &mut dyn Write,
    analysis: &Analysis,
    more: usize,
    style: Style,
) -> anyhow::Result<()> {
    let n_reports = analysis.reports.len();
    for input in &analysis.inputs {
        writeln!(
            out,
            "{}: {} lines, {} report{}, {} unclaimed line{}",
            input.source,
            input.lines,
            input.reports,
            plural(input.reports),
            input.unclaimed_lines,
            plural(input.unclaimed_lines as usize),
        )?;
        if input.skipped_reports > 0 || input.trimmed_reports > 0 {
            writeln!(
                out,
                "  {} more reports counted, not kept (max_reports); {} cut (max_report_bytes)",
                input.skipped_reports, input.trimmed_reports
            )?;
        }
    }
    if n_reports == 0 {
        writeln!(out, "no reports found")?;
        return Ok(());
    }
    let mut table = super::Grid::new(
        &[
            ("#", 0),
            ("kind", 1),
            ("title", 0),
            ("where", 2),
            ("task", 3),
            ("frames", 2),
        ],
        style,
    );
    for (idx, located) in analysis.reports.iter().enumerate() {
        let report = &located.report;
        let n_guessed = report
            .frames
            .iter()
            .filter(|f| f.confidence == Confidence::Guessed)
            .count();
        let mut title = report.title.clone();
        if report.corruption.is_some() {
            title.push_str(" (corrupted)");
        }
        table.add_row(vec![
            (idx + 1).to_string(),
            report.kind.as_str().to_owned(),
            title,
            where_text(analysis, located),
            task_text(report),
            format!("{} ({} ?)", report.frames.len(), n_guessed),
        ]);
    }
    writeln!(out, "{table}")?;
    if more > 0 {
        writeln!(
            out,
            "… and {more} more report{} (shown above as they came)",
            plural(more)
        )?;
    }
    Ok(())
}

/// One report's block: heading (`label`, kind, title), where, task, signature, history,
/// decoding and trace.
pub fn write_report(
    out: &mut dyn Write,
    analysis: &Analysis,
    label: &str,
    located: &crate::pipeline::output::Located,
    style: Style,
) -> anyhow::Result<()> {
    {
        let report = &located.report;
        writeln!(out)?;
        writeln!(
            out,
            "{} {}",
            style.bold(&format!("{label} {}", report.kind)),
            style.bold(&report.title)
        )?;
        let input = &analysis.inputs[located.input];
        if let Some(node) = &input.run.node {
            writeln!(out, "    node: {node}")?;
        }
        if let Some(wall) = &report.wall_time {
            writeln!(
                out,
                "    wall time: {}",
                crate::identity::node::wall_text(wall)
            )?;
        }
        writeln!(
            out,
            "    at {}:{}-{}{}",
            analysis.source_of(located),
            report.span.start,
            report.span.end,
            report
                .time
                .map(|t| format!(", t={t:.6}s"))
                .unwrap_or_default()
        )?;
        if let Some(corruption) = &report.corruption {
            writeln!(
                out,
                "    {}",
                style.red(&format!("corrupted: {}", corruption.reason))
            )?;
        }
        let task = task_text(report);
        if !task.is_empty() {
            writeln!(out, "    task: {task}")?;
        }
        if let Some(lego) = &report.lego {
            let mut parts = Vec::new();
            if let Some(worker) = lego.worker {
                parts.push(format!("worker {worker}"));
            }
            if let Some(op) = lego.op {
                parts.push(format!("op {op:#x}"));
            }
            if let Some(nid) = lego.src_nid {
                parts.push(format!("src_nid {nid}"));
            }
            if let Some(component) = &lego.component {
                parts.push(format!("component {component}"));
            }
            if !parts.is_empty() {
                writeln!(out, "    lego: {}", parts.join(", "))?;
            }
        }
        writeln!(
            out,
            "    signature: {} ({})",
            located.signature.short_id(),
            located.signature.frames_text()
        )?;
        for label in &located.labels {
            writeln!(out, "    {}", style.red(&format!("known bug: {label}")))?;
        }
        if let Some(history) = &located.history {
            writeln!(out, "    {}", super::history_sentence(history))?;
            if let Some(fix) = super::fix_sentence(history) {
                match history.fix.as_ref().is_some_and(|f| f.regression) {
                    true => writeln!(out, "    {}", style.red(&fix))?,
                    false => writeln!(out, "    {fix}")?,
                }
            }
        }
        let decoded = located.decoded.as_ref();
        if let Some(decoded) = decoded {
            if let Some(image) = &decoded.image {
                writeln!(out, "    image: {}", super::image_sentence(image))?;
            }
            for module in &decoded.modules {
                writeln!(
                    out,
                    "    module {}: {}",
                    module.name,
                    super::image_sentence(&module.image)
                )?;
            }
            if let Some(slide) = decoded.kaslr_slide {
                writeln!(out, "    KASLR slide: {slide:#x}")?;
            }
            for warning in &decoded.warnings {
                writeln!(out, "    {}", style.red(&format!("warning: {warning}")))?;
            }
        }
        if let Some(rip) = &report.rip {
            let rip_decoding = decoded.and_then(|d| d.rip.as_ref());
            let suffix = decoding_suffix(rip_decoding);
            writeln!(out, "    RIP: {}{suffix}", style.yellow(&frame_text(rip)))?;
            write_snippet(out, rip_decoding, style)?;
        }
        if !report.frames.is_empty() {
            let legend = if decoded.is_some() {
                "`?` = unreliable, [verdict] from the vmlinux"
            } else {
                "`?` = unreliable"
            };
            writeln!(
                out,
                "    Call trace ({} frames, {legend}):",
                report.frames.len()
            )?;
            let mut context = Context::Task;
            for (frame_idx, frame) in report.frames.iter().enumerate() {
                if frame.context != context {
                    context = frame.context;
                    writeln!(out, "      <{}>", context.as_str())?;
                }
                let decoding = decoded.and_then(|d| d.frames.get(frame_idx));
                let text = format!("{}{}", frame_text(frame), decoding_suffix(decoding));
                match frame.confidence {
                    Confidence::Reliable => writeln!(out, "        {text}")?,
                    Confidence::Guessed => {
                        writeln!(out, "      {} {}", style.dim("?"), style.dim(&text))?
                    }
                }
                for inlined_by in decoding.map_or(&[][..], |d| d.location.get(1..).unwrap_or(&[])) {
                    writeln!(
                        out,
                        "          inlined by {} {}",
                        inlined_by.function.as_deref().unwrap_or("??"),
                        location_text(std::slice::from_ref(inlined_by)).unwrap_or_default()
                    )?;
                }
                write_snippet(out, decoding, style)?;
            }
        }
    }
    Ok(())
}

/// The `--src` lines of a frame, its own line marked with `>`.
fn write_snippet(
    out: &mut dyn Write,
    decoding: Option<&FrameDecoding>,
    style: Style,
) -> io::Result<()> {
    let Some(snippet) = decoding.and_then(|d| d.source.as_ref()) else {
        return Ok(());
    };
    let width = snippet
        .lines
        .last()
        .map_or(1, |(number, _)| number.to_string().len());
    for (number, text) in &snippet.lines {
        let line = format!("{number:>width$} {text}");
        if *number == snippet.marked {
            writeln!(out, "          > {}", style.yellow(&line))?;
        } else {
            writeln!(out, "            {}", style.dim(&line))?;
        }
    }
    Ok(())
}

/// Lines of the report; prefixed with the run name when several inputs are shown.
fn where_text(analysis: &Analysis, located: &crate::pipeline::output::Located) -> String {
    let span = &located.report.span;
    if analysis.inputs.len() == 1 {
        return format!("lines {}-{}", span.start, span.end);
    }
    format!(
        "{}:{}-{}",
        analysis.source_of(located).run_name(),
        span.start,
        span.end
    )
}

/// `  [verdict] file:line (function)` after a frame, when a vmlinux judged it.
/// `  [verdict] file:line (function)` after a decoded frame, empty otherwise.
pub(super) fn decoding_suffix(decoding: Option<&FrameDecoding>) -> String {
    let Some(decoding) = decoding else {
        return String::new();
    };
    let mut suffix = format!("  [{}]", decoding.verdict.as_str());
    if let Some(location) = location_text(&decoding.location) {
        suffix.push_str(&format!(" {location}"));
        if let Some(function) = decoding
            .location
            .first()
            .and_then(|f| f.function.as_deref())
        {
            suffix.push_str(&format!(" ({function})"));
        }
    }
    suffix
}

fn task_text(report: &legolog_parsers::Report) -> String {
    let task = &report.task;
    let mut parts = Vec::new();
    if let Some(cpu) = task.cpu {
        parts.push(format!("CPU {cpu}"));
    }
    if let Some(pid) = task.pid {
        parts.push(format!("PID {pid}"));
    }
    if let Some(comm) = &task.comm {
        parts.push(comm.clone());
    }
    if let Some(kernel) = &task.kernel {
        parts.push(kernel.clone());
    }
    parts.join(" ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
