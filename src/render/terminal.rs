//! How standard output looks: whether to colour and how wide tables may be, from the
//! `--color` choice, the environment (`CLICOLOR_FORCE`, `NO_COLOR`, `CLICOLOR`, `TERM`,
//! `COLUMNS`) and the terminal.

use crate::render::Style;
use std::io::{self, IsTerminal};

/// The style for standard output, colour decided by the environment and the terminal.
pub fn terminal_style_auto() -> Style {
    terminal_style(None)
}

/// Colour and width for standard output. Colour: `--color always|never` first (`forced`), then
/// `CLICOLOR_FORCE` (set and not 0: colour, even piped), then `NO_COLOR` (set and not empty:
/// none), `CLICOLOR=0` (none), `TERM=dumb` or unset (none), and last whether stdout is a
/// terminal. Width: the terminal's (TIOCGWINSZ); piped, `$COLUMNS` or
/// [`PIPED_WIDTH`], so a table never grows past that.
pub fn terminal_style(forced: Option<bool>) -> Style {
    let on_terminal = io::stdout().is_terminal();
    Style {
        color: color_enabled(forced, on_terminal),
        width: Some(output_width(on_terminal)),
    }
}

/// The width of tables written to a pipe or file when `$COLUMNS` says nothing.
pub const PIPED_WIDTH: u16 = 100;

/// Whether to colour, by the precedence of [`terminal_style`].
pub fn color_enabled(forced: Option<bool>, on_terminal: bool) -> bool {
    match forced {
        Some(color) => color,
        None => {
            // The CLICOLOR convention: CLICOLOR_FORCE set and not 0 (anstyle-query takes any
            // non-empty value, 0 included).
            let force =
                std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
            if force {
                true
            } else if anstyle_query::no_color() || anstyle_query::clicolor() == Some(false) {
                false
            } else {
                on_terminal && anstyle_query::term_supports_color()
            }
        }
    }
}

fn output_width(on_terminal: bool) -> u16 {
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|&c| c > 0)
    };
    terminal_columns(on_terminal)
        .or_else(columns)
        .unwrap_or(PIPED_WIDTH)
}

/// The terminal's columns (TIOCGWINSZ). Only the columns: a pseudo-terminal set up with
/// `stty cols 80` alone reports 0 rows, which `terminal_size` takes for no terminal.
#[cfg(unix)]
fn terminal_columns(on_terminal: bool) -> Option<u16> {
    let size = on_terminal
        .then(|| rustix::termios::tcgetwinsize(io::stdout()).ok())
        .flatten()?;
    (size.ws_col > 0).then_some(size.ws_col)
}

#[cfg(not(unix))]
fn terminal_columns(_on_terminal: bool) -> Option<u16> {
    None
}
