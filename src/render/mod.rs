//! Renderers: terminal text, JSON, Markdown. Each takes an [`Analysis`](crate::analysis::Analysis)
//! and a writer; none of them decides anything about the reports.

pub mod json;
pub mod markdown;
pub mod text;

use legolog_parsers::Frame;

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
