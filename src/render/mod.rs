//! Renderers: terminal text, JSON, Markdown. Each takes an [`Analysis`](crate::analysis::Analysis)
//! and a writer; none of them decides anything about the reports.

pub mod bugreport;
pub mod decode;
pub mod explain;
pub mod groups;
pub mod json;
pub mod markdown;
pub mod symbolize;
pub mod text;

use crate::history::{BugHistory, Match};
use legolog_parsers::Frame;

/// `bug 3f2a9c01d2 "lost send CQE": seen 3 times since 2018-08-26 in runs 0826-w9-1, 0827-w9-2,
/// 0828-w9-1 (similar signature, 0.80)`.
pub fn history_sentence(history: &BugHistory) -> String {
    let times = if history.seen == 1 {
        "once".to_owned()
    } else {
        format!("{} times", history.seen)
    };
    let since = history
        .first_seen
        .map(|d| format!(" since {d}"))
        .unwrap_or_default();
    let runs = if history.runs.len() == 1 {
        "run"
    } else {
        "runs"
    };
    let name = history
        .name
        .as_ref()
        .map(|name| format!(" \"{name}\""))
        .unwrap_or_default();
    let matched = match history.matched {
        Match::Exact => String::new(),
        Match::Similar(s) => format!(" (similar signature, {s:.2})"),
        Match::New => " (new bug)".to_owned(),
    };
    format!(
        "bug {}{name}: seen {times}{since} in {runs} {}{matched}",
        history.bug,
        list_runs(&history.runs, 6)
    )
}

/// At most `max` run names, then "and N more".
pub fn list_runs(runs: &[String], max: usize) -> String {
    if runs.len() <= max {
        return runs.join(", ");
    }
    format!("{} and {} more", runs[..max].join(", "), runs.len() - max)
}

/// Terminal styling: colours only on a terminal and never when `NO_COLOR` is set.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Emit ANSI colour codes.
    pub color: bool,
    /// Terminal width for tables, when known.
    pub width: Option<u16>,
}

impl Style {
    /// No colours, no width: for files and pipes.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: None,
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Bold text.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Dimmed text (unreliable frames).
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Red text (corruption).
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Yellow text (the RIP).
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
}

/// A table in the house style, sized to the terminal when there is one.
pub fn table(header: Vec<&str>, style: Style) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(header);
    if let Some(width) = style.width {
        table.set_width(width);
    }
    table
}

/// A frame as one line: `fit_internal_poll_sendcq+0x6c/0xe0 [mod] (0xffffffff8106920c)`.
pub fn frame_text(frame: &Frame) -> String {
    let mut text = match &frame.symbol {
        Some(symbol) => match symbol.size {
            Some(size) => format!("{}+{:#x}/{:#x}", symbol.name, symbol.offset, size),
            None => format!("{}+{:#x}", symbol.name, symbol.offset),
        },
        None => "??".to_owned(),
    };
    if let Some(module) = &frame.module {
        text.push_str(&format!(" [{module}]"));
    }
    if let Some(addr) = frame.addr {
        text.push_str(&format!(" ({addr:#x})"));
    }
    text
}

/// Which image decoded a report and why: `PATH (how: why, build id ID)`.
pub fn image_sentence(image: &crate::decode::ImageInfo) -> String {
    let mut text = format!(
        "{} ({}: {}",
        image.path.display(),
        image.how.as_str(),
        image.why
    );
    if let Some(id) = &image.build_id {
        text.push_str(&format!(", build id {id}"));
    }
    text.push(')');
    text
}
