//! `legolog report`: one report as a Markdown bug report, ready to paste into a tracker.
//!
//! Sections: title (with labels), known-bug explanations, Environment, Occurrences, Call
//! trace, Registers, Code, and the raw excerpt in a collapsible `<details>` block.
//!
//! With `--vmlinux` the report carries its decoding ([`crate::symbolize::decode::Decoded`]): each frame's
//! verdict and file:line with the inline chain, register annotations and the `Code:`
//! disassembly. Without it the kernel's `?` marks and the raw bytes are shown.

use crate::identity::rules::RuleSet;
use crate::pipeline::output::{Analysis, Located};
use crate::render::markdown::escape;
use crate::render::{frame_text, history_sentence};
use crate::symbolize::decode::location_text;
use legolog_parsers::Confidence;
use std::io::Write;

/// Writes the bug report for `analysis.reports[subject_idx]`.
pub fn write(
    out: &mut dyn Write,
    analysis: &Analysis,
    subject_idx: usize,
    rules: &RuleSet,
) -> anyhow::Result<()> {
    let located: &Located = &analysis.reports[subject_idx];
    let report = &located.report;
    let mut title = escape(&report.title);
    if !located.labels.is_empty() {
        title = format!("[{}] {title}", located.labels.join(", "));
    }
    writeln!(out, "# {title}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Signature `{}` (v{}, {}): {}",
        located.signature.short_id(),
        crate::identity::signature::VERSION,
        located.signature.basis.as_str(),
        escape(&located.signature.frames_text())
    )?;
    for label in &located.labels {
        let Some(rule) = rules.find_rule(label) else {
            continue;
        };
        writeln!(out)?;
        write!(
            out,
            "**Known bug `{}`:** {}",
            rule.name,
            escape(&rule.description)
        )?;
        if let Some(link) = &rule.link {
            write!(out, " ([link]({link}))")?;
        }
        writeln!(out)?;
    }

    writeln!(out)?;
    writeln!(out, "## Environment")?;
    writeln!(out)?;
    writeln!(out, "| field | value |")?;
    writeln!(out, "|---|---|")?;
    writeln!(out, "| kind | `{}` |", report.kind)?;
    let task = &report.task;
    let rows = [
        ("kernel", task.kernel.as_ref().map(|k| format!("`{k}`"))),
        ("CPU", task.cpu.map(|c| c.to_string())),
        ("PID", task.pid.map(|p| p.to_string())),
        (
            "comm",
            task.comm
                .as_ref()
                .map(|c| format!("`{}`", c.replace('|', "\\|"))),
        ),
        (
            "LegoOS worker",
            report
                .lego
                .as_ref()
                .and_then(|l| l.worker)
                .map(|w| w.to_string()),
        ),
        (
            "LegoOS op",
            report
                .lego
                .as_ref()
                .and_then(|l| l.op)
                .map(|op| format!("`{op:#x}`")),
        ),
        (
            "LegoOS src_nid",
            report
                .lego
                .as_ref()
                .and_then(|l| l.src_nid)
                .map(|n| n.to_string()),
        ),
        ("time", report.time.map(|t| format!("{t:.6} s"))),
        (
            "corrupted",
            report.corruption.as_ref().map(|c| escape(&c.reason)),
        ),
    ];
    for (name, value) in rows {
        if let Some(value) = value {
            writeln!(out, "| {name} | {value} |")?;
        }
    }

    writeln!(out)?;
    writeln!(out, "## Occurrences")?;
    writeln!(out)?;
    match &located.history {
        Some(history) => {
            writeln!(out, "History: {}.", escape(&history_sentence(history)))?;
            if let Some(fix) = crate::render::fix_sentence(history) {
                writeln!(out)?;
                writeln!(out, "**{}**", escape(&fix))?;
            }
        }
        None => writeln!(out, "History: not consulted (`--no-db`).")?,
    }
    writeln!(out)?;
    writeln!(out, "| log | run | report | lines | title |")?;
    writeln!(out, "|---|---|---:|---|---|")?;
    for (report_idx, other) in analysis.reports.iter().enumerate() {
        if other.signature.id != located.signature.id {
            continue;
        }
        let input = &analysis.inputs[other.input];
        let subject = if report_idx == subject_idx {
            " (this one)"
        } else {
            ""
        };
        writeln!(
            out,
            "| {} | {} | {}{subject} | {}–{} | {} |",
            escape(&input.source.to_string()),
            escape(&input.run.name),
            report_idx + 1,
            other.report.span.start,
            other.report.span.end,
            escape(&other.report.title)
        )?;
    }

    if let Some(rip) = &report.rip {
        writeln!(out)?;
        writeln!(
            out,
            "Faulting/interrupted instruction: `{}`",
            frame_text(rip)
        )?;
    }
    if !report.frames.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Call trace")?;
        writeln!(out)?;
        let decoded = located.decoded.as_ref();
        if let Some(decoded) = decoded {
            writeln!(
                out,
                "`?` = not trusted by the kernel; `[verdict]` from the machine code of the vmlinux \
                 (reliable, plausible, stale, fn-pointer, mismatch, unknown); inlined callers \
                 follow as `inlined by` lines."
            )?;
            if let Some(image) = &decoded.image {
                writeln!(out)?;
                writeln!(
                    out,
                    "Kernel image: {}",
                    escape(&crate::render::image_sentence(image))
                )?;
            }
            if let Some(slide) = decoded.kaslr_slide {
                writeln!(out)?;
                writeln!(out, "KASLR slide: `{slide:#x}`")?;
            }
            for warning in &decoded.warnings {
                writeln!(out)?;
                writeln!(out, "> **Warning:** {}", escape(warning))?;
            }
        } else {
            writeln!(
                out,
                "`?` = not trusted by the kernel's unwinder (no symbols loaded: no verdicts or file:line)."
            )?;
        }
        writeln!(out)?;
        writeln!(out, "```text")?;
        for (frame_idx, frame) in report.frames.iter().enumerate() {
            let mark = match frame.confidence {
                Confidence::Reliable => "  ",
                Confidence::Guessed => "? ",
            };
            let mut line = format!("{mark}{}", frame_text(frame));
            let decoding = decoded.and_then(|d| d.frames.get(frame_idx));
            if let Some(decoding) = decoding {
                line.push_str(&format!("  [{}]", decoding.verdict.as_str()));
                if let Some(location) = location_text(&decoding.location) {
                    line.push_str(&format!("  {location}"));
                }
            }
            writeln!(out, "{line}")?;
            for inlined_by in decoding.map_or(&[][..], |d| d.location.get(1..).unwrap_or(&[])) {
                writeln!(
                    out,
                    "      inlined by {} at {}",
                    inlined_by.function.as_deref().unwrap_or("??"),
                    location_text(std::slice::from_ref(inlined_by))
                        .unwrap_or_else(|| "??".to_owned())
                )?;
            }
        }
        writeln!(out, "```")?;
        if let Some(decoded) = decoded {
            crate::render::markdown::write_snippets(out, report, decoded)?;
        }
    }
    if !report.registers.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Registers")?;
        writeln!(out)?;
        writeln!(out, "| register | value | note |")?;
        writeln!(out, "|---|---|---|")?;
        let notes = located
            .decoded
            .as_ref()
            .map_or(&[][..], |d| d.register_notes.as_slice());
        for register in &report.registers {
            let note = notes
                .iter()
                .find(|(name, _)| *name == register.name)
                .map_or(String::new(), |(_, note)| escape(note));
            writeln!(
                out,
                "| {} | `{}` | {note} |",
                register.name,
                register.printed()
            )?;
        }
    }
    if let Some(code) = &report.code {
        writeln!(out)?;
        writeln!(out, "## Code")?;
        writeln!(out)?;
        writeln!(
            out,
            "Raw bytes; `<..>` marks the faulting instruction{}.",
            if located.decoded.is_some() {
                ", `=>` in the disassembly below"
            } else {
                " (run with --vmlinux for a disassembly)"
            }
        )?;
        writeln!(out)?;
        writeln!(out, "```text")?;
        let bytes: Vec<String> = code
            .bytes
            .iter()
            .enumerate()
            .map(|(idx, b)| {
                if Some(idx) == code.fault_index {
                    format!("<{b:02x}>")
                } else {
                    format!("{b:02x}")
                }
            })
            .collect();
        writeln!(out, "Code: {}", bytes.join(" "))?;
        writeln!(out, "```")?;
        let instructions = located
            .decoded
            .as_ref()
            .map_or(&[][..], |d| d.instructions.as_slice());
        if !instructions.is_empty() {
            writeln!(out)?;
            writeln!(out, "```text")?;
            for instruction in instructions {
                let mark = if instruction.is_fault { "=> " } else { "   " };
                let bytes: Vec<String> = instruction
                    .bytes
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                writeln!(
                    out,
                    "{mark}{:3}: {:<24} {}",
                    instruction.offset,
                    bytes.join(" "),
                    instruction.text
                )?;
            }
            writeln!(out, "```")?;
        }
    }
    if !report.stack_words.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Stack")?;
        writeln!(out)?;
        writeln!(out, "```text")?;
        for chunk in report.stack_words.chunks(4) {
            let words: Vec<String> = chunk.iter().map(|w| format!("{w:016x}")).collect();
            writeln!(out, "{}", words.join(" "))?;
        }
        writeln!(out, "```")?;
    }
    writeln!(out)?;
    writeln!(out, "<details>")?;
    writeln!(
        out,
        "<summary>Raw excerpt: {} lines {}–{}</summary>",
        html_escape(&analysis.inputs[located.input].source.to_string()),
        report.span.start,
        report.span.end
    )?;
    writeln!(out)?;
    // A fence longer than any run of backticks in the excerpt keeps it verbatim.
    let longest_ticks = report
        .excerpt
        .iter()
        .map(|l| longest_run(&l.text, '`'))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest_ticks.max(2) + 1);
    writeln!(out, "{fence}text")?;
    for line in &report.excerpt {
        writeln!(out, "{}", line.text)?;
    }
    writeln!(out, "{fence}")?;
    writeln!(out)?;
    writeln!(out, "</details>")?;
    let others = analysis.reports.len() - 1;
    if others > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "The given logs hold {others} other report{}; `--report N` picks another.",
            if others == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

fn longest_run(text: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
