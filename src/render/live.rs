//! How reports look as they come (`analyze` text and jsonl, `watch`, `--exec`): three
//! renderers of the pipeline's [`Output`] — [`Blocks`] (a numbered block per report, the
//! summary table at the end), [`Lines`] (a line per report) and [`Jsonl`] (a JSON object per
//! report and warning, a summary object). `ops::console` decides what to show and when;
//! everything shown is shaped here.

use crate::history::Match;
use crate::pipeline::output::{Analysis, Located, Output, Status};
use crate::render::{self, Style};
use std::io::Write;

/// How reports are printed as they come: which [`Output`] [`LiveFormat::output`] makes.
#[derive(Debug, Clone, Copy)]
pub enum LiveFormat {
    /// `analyze`: each report's block, the summary table at the end ([`Blocks`]).
    Blocks(Style),
    /// One line per report (`watch`, [`Lines`]).
    Lines(Style),
    /// One JSON object per line ([`Jsonl`]).
    Jsonl,
}

impl LiveFormat {
    /// The renderer of this format, writing to `out`.
    pub fn output<'a>(self, out: Box<dyn Write + 'a>) -> Box<dyn Output + 'a> {
        match self {
            LiveFormat::Blocks(style) => Box::new(Blocks::new(style, out)),
            LiveFormat::Lines(style) => Box::new(Lines { style, out }),
            LiveFormat::Jsonl => Box::new(Jsonl { out }),
        }
    }
}

/// Blocks shown at a pause whose numbers are remembered for a correction.
const MAX_IN_FLIGHT_PAUSED: usize = 64;

/// `analyze`'s text: each report as a numbered block, the summary table at the end.
pub struct Blocks<'a> {
    style: Style,
    out: Box<dyn Write + 'a>,
    /// Text blocks shown so far (numbered across inputs; stream ids are per input).
    n_blocks: usize,
    /// The numbers of the last blocks shown at a pause, by (input, stream id).
    paused_blocks: std::collections::VecDeque<((usize, u64), usize)>,
}

impl<'a> Blocks<'a> {
    /// Blocks in `style` written to `out`.
    pub fn new(style: Style, out: Box<dyn Write + 'a>) -> Blocks<'a> {
        Blocks {
            style,
            out,
            n_blocks: 0,
            paused_blocks: std::collections::VecDeque::new(),
        }
    }
}

impl Output for Blocks<'_> {
    fn report(
        &mut self,
        analysis: &Analysis,
        located: &Located,
        status: Status,
    ) -> anyhow::Result<()> {
        let id = status.id();
        self.n_blocks += 1;
        let number = self.n_blocks;
        if let Status::Paused { .. } = status {
            // Only a report shown at a pause can be replaced; a few are remembered.
            if self.paused_blocks.len() == MAX_IN_FLIGHT_PAUSED {
                self.paused_blocks.pop_front();
            }
            self.paused_blocks.push_back(((located.input, id), number));
        }
        let label = match status {
            Status::Paused { .. } => format!("[{number}] (input paused; may go on)"),
            _ => format!("[{number}]"),
        };
        render::text::write_report(&mut *self.out, analysis, &label, located, self.style)?;
        let replaced = status.replaces().and_then(|r| {
            self.paused_blocks
                .iter()
                .find(|(key, _)| *key == (located.input, r))
                .map(|(_, number)| *number)
        });
        if let Some(replaced) = replaced {
            writeln!(self.out, "    (replaces report [{replaced}])")?;
        }
        self.out.flush()?;
        Ok(())
    }

    fn finish(&mut self, analysis: &Analysis, more: usize) -> anyhow::Result<()> {
        writeln!(self.out)?;
        render::text::write_summary(&mut *self.out, analysis, more, self.style)?;
        self.out.flush()?;
        Ok(())
    }
}

/// `watch`'s text: one line per report, red when a known-bug rule matched; no summary.
pub struct Lines<'a> {
    style: Style,
    out: Box<dyn Write + 'a>,
}

impl Output for Lines<'_> {
    fn report(
        &mut self,
        analysis: &Analysis,
        located: &Located,
        status: Status,
    ) -> anyhow::Result<()> {
        let line = watch_line(analysis, located, status);
        let line = if located.labels.is_empty() {
            line
        } else {
            self.style.red(&line)
        };
        writeln!(self.out, "{line}")?;
        self.out.flush()?;
        Ok(())
    }

    fn finish(&mut self, _: &Analysis, _: usize) -> anyhow::Result<()> {
        self.out.flush()?;
        Ok(())
    }

    fn keeps_reports(&self) -> bool {
        false
    }
}

/// `--format jsonl`: one JSON object per report, per warning, and a summary object at the end.
pub struct Jsonl<'a> {
    out: Box<dyn Write + 'a>,
}

impl Output for Jsonl<'_> {
    fn report(
        &mut self,
        analysis: &Analysis,
        located: &Located,
        status: Status,
    ) -> anyhow::Result<()> {
        let line = jsonl(analysis, located, status);
        writeln!(self.out, "{line}")?;
        self.out.flush()?;
        Ok(())
    }

    fn warning(&mut self, analysis: &Analysis, input: usize, text: &str) -> anyhow::Result<()> {
        let node = analysis.inputs.get(input).and_then(|i| i.run.node.clone());
        let source = analysis.inputs.get(input).map(|i| i.source.to_string());
        let line = serde_json::json!({
            "type": "warning",
            "source": source,
            "node": node,
            "message": text,
        });
        writeln!(self.out, "{line}")?;
        self.out.flush()?;
        Ok(())
    }

    fn finish(&mut self, analysis: &Analysis, _more: usize) -> anyhow::Result<()> {
        let line = serde_json::json!({
            "type": "summary",
            "version": render::json::VERSION,
            "inputs": render::json::inputs_value(analysis),
        });
        writeln!(self.out, "{line}")?;
        self.out.flush()?;
        Ok(())
    }
}

/// A report as one jsonl object (`analyze --format jsonl`, `watch --format jsonl`, `--exec`).
pub fn jsonl(analysis: &Analysis, located: &Located, status: Status) -> serde_json::Value {
    let mut value = render::json::report_value(analysis, located);
    if let Some(object) = value.as_object_mut() {
        object.insert("type".into(), "report".into());
        object.insert("id".into(), status.id().into());
        if let Some(replaced) = status.replaces() {
            object.insert("replaces".into(), replaced.into());
        }
        if let Status::Paused { .. } = status {
            object.insert("paused".into(), true.into());
        }
    }
    value
}

/// `HH:MM:SS node kind title — new (bug ID) | seen N times since DATE (last RUN; bug ID)
/// [known bug: …]`.
fn watch_line(analysis: &Analysis, located: &Located, status: Status) -> String {
    let report = &located.report;
    let input = &analysis.inputs[located.input];
    let time = report
        .wall_time
        .as_ref()
        .map(crate::identity::node::wall_text)
        .unwrap_or_else(|| "-".to_owned());
    let node = input
        .run
        .node
        .clone()
        .unwrap_or_else(|| input.source.run_name());
    let seen = match &located.history {
        None => String::new(),
        Some(h) => {
            let name = h
                .name
                .as_ref()
                .map(|n| format!(" {n:?}"))
                .unwrap_or_default();
            let matched = match h.matched {
                Match::Similar(s) => format!(", similar {s:.2}"),
                Match::Exact | Match::New => String::new(),
            };
            if h.seen <= 1 {
                format!(" — new (bug {}{name})", h.bug)
            } else {
                format!(
                    " — seen {} times since {} (last {}; bug {}{name}{matched})",
                    h.seen,
                    h.first_seen.map_or("?".to_owned(), |d| d.to_string()),
                    h.runs.last().map_or("?", String::as_str),
                    h.bug
                )
            }
        }
    };
    let mut seen = seen;
    if let Some(history) = &located.history {
        if let Some(fix) = render::fix_sentence(history) {
            seen.push_str(&format!(" — {fix}"));
        }
        if let Some(days) = history.back_after {
            seen.push_str(&format!(" — back after {days} days"));
        }
    }
    let labels: String = located
        .labels
        .iter()
        .map(|l| format!(" [known bug: {l}]"))
        .collect();
    let corrupted = if report.corruption.is_some() {
        " (corrupted)"
    } else {
        ""
    };
    let note = match status {
        Status::Paused { .. } => " (input paused; may go on)",
        Status::Corrects { .. } => " (corrects the line shown at the pause)",
        _ => "",
    };
    format!(
        "{time} {node} {} {}{corrupted}{seen}{labels}{note}",
        report.kind, report.title
    )
}
