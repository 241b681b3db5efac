//! The one place where text is made safe for a terminal.
//!
//! File names, history rows, rules labels and log text are data: they may hold C0 controls
//! (ESC, BEL, BS, CR, …), DEL, C1 controls (U+0080–U+009F, e.g. U+009B CSI and U+009D OSC) and
//! bidi overrides (U+202A–U+202E, U+2066–U+2069, …) that would move the cursor, retitle the
//! window, clear the screen or reorder what is shown. [`terminal`] shows each of them visibly as
//! an escape (`\x1b`, `\u{9b}`, `\u{202e}`); everything else passes unchanged.
//!
//! Every text and Markdown output goes through [`TerminalWriter`], and every line on stderr
//! through [`eprint_line`], so no renderer has to remember it. [`markdown`] adds Markdown's own
//! escaping for text placed inside a table cell or a heading. JSON needs none of this: its
//! string escaping is exact.

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether `c` must not reach a terminal as is. `newline` and TAB are allowed only where they
/// lay out the output (`keep_newline`), never inside one value.
fn is_unsafe(c: char, keep_newline: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !keep_newline,
        '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}' => true,
        // Bidi embeddings, overrides and isolates, and the implicit marks.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => true,
        '\u{061c}' => true,
        _ => false,
    }
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let code = u32::from(c);
    let _ = if code < 0x80 {
        write!(out, "\\x{code:02x}")
    } else {
        write!(out, "\\u{{{code:x}}}")
    };
}

fn neutralise(text: &str, keep_newline: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c, keep_newline)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c, keep_newline) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One value (a path, a title, a database row) made safe for a terminal: every control
/// character, newline included, DEL, C1 control and bidi control shown as an escape.
pub fn terminal(text: &str) -> Cow<'_, str> {
    neutralise(text, false)
}

/// One value made safe inside Markdown inline text or a table cell: [`terminal`], then the
/// characters that would change the meaning of Markdown (table bars, emphasis, code, links,
/// headings, HTML) escaped with a backslash.
pub fn markdown(text: &str) -> String {
    let safe = terminal(text);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Prints one line on stderr, made safe by [`terminal`]: a newline inside the message (from a
/// file name, say) is shown as `\x0a`, so one message is always one line.
pub fn eprint_line(line: &str) {
    let safe = terminal(line);
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{safe}");
}

/// `eprintln!` made safe: formats one message and prints it through [`eprint_line`].
#[macro_export]
macro_rules! eprint_safe {
    ($($arg:tt)*) => {
        $crate::render::sanitize::eprint_line(&format!($($arg)*))
    };
}

/// Standard output, buffered; for people (`exact == false`: text, Markdown) through a
/// [`TerminalWriter`], for programs (JSON, whose escaping is exact) as is.
pub fn stdout(exact: bool, colour: bool) -> Box<dyn Write> {
    let out = io::BufWriter::new(io::stdout().lock());
    if exact {
        Box::new(out)
    } else {
        Box::new(TerminalWriter::new(out, colour))
    }
}

/// The colour sequences legolog itself writes (see `render::Style`); with colour on they pass
/// [`TerminalWriter`], every other escape sequence is neutralised.
const OWN_SGR: [&str; 5] = ["\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[33m"];

/// A writer that passes text to a terminal (or a file a terminal will show) with every unsafe
/// character escaped as [`terminal`] does, newlines and tabs kept. Invalid UTF-8 is shown as
/// `\xNN`. With `colour`, legolog's own colour sequences pass.
pub struct TerminalWriter<W: Write> {
    inner: W,
    colour: bool,
    /// The start of a UTF-8 character cut by the end of the previous write.
    pending: Vec<u8>,
}

impl<W: Write> TerminalWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W, colour: bool) -> TerminalWriter<W> {
        TerminalWriter {
            inner,
            colour,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, text: &str) -> io::Result<()> {
        let mut rest = text;
        while !rest.is_empty() {
            let esc = if self.colour { rest.find('\x1b') } else { None };
            let (plain, tail) = match esc {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            self.inner.write_all(neutralise(plain, true).as_bytes())?;
            rest = tail;
            if rest.is_empty() {
                break;
            }
            match OWN_SGR.iter().find(|sgr| rest.starts_with(**sgr)) {
                Some(sgr) => {
                    self.inner.write_all(sgr.as_bytes())?;
                    rest = &rest[sgr.len()..];
                }
                None => {
                    self.inner.write_all(b"\\x1b")?;
                    rest = &rest[1..];
                }
            }
        }
        Ok(())
    }

    /// Returns the wrapped writer (after writing any incomplete character as escapes).
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush_pending()?;
        Ok(self.inner)
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        for b in std::mem::take(&mut self.pending) {
            write!(self.inner, "\\x{b:02x}")?;
        }
        Ok(())
    }
}

impl<W: Write> Write for TerminalWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            self.emit(chunk.valid())?;
            let invalid = chunk.invalid();
            let last = chunks.peek().is_none();
            // A character cut by the end of this write is completed by the next one.
            let cut_at_end = last && !invalid.is_empty() && {
                let start = bytes.len() - invalid.len();
                std::str::from_utf8(&bytes[start..])
                    .err()
                    .is_some_and(|e| e.error_len().is_none())
            };
            if cut_at_end {
                self.pending = invalid.to_vec();
            } else {
                for b in invalid {
                    write!(self.inner, "\\x{b:02x}")?;
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_sent() {
        assert_eq!(terminal("a\x1b]0;x\x07b"), "a\\x1b]0;x\\x07b");
        assert_eq!(
            terminal("a\u{9b}2J\u{202e}b\x7f"),
            "a\\u{9b}2J\\u{202e}b\\x7f"
        );
        assert_eq!(terminal("x\ny"), "x\\x0ay");
        assert!(matches!(terminal("plain ünïcode\t"), Cow::Borrowed(_)));
    }

    #[test]
    fn markdown_escapes_table_syntax_and_newlines() {
        assert_eq!(markdown("a|b\nc"), "a\\|b\\\\x0ac");
        assert_eq!(markdown("`x`"), "\\`x\\`");
    }

    fn through_writer(parts: &[&[u8]], colour: bool) -> String {
        let mut w = TerminalWriter::new(Vec::new(), colour);
        for part in parts {
            w.write_all(part).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn the_writer_keeps_layout_and_own_colours_only() {
        assert_eq!(
            through_writer(&[b"\x1b[1mtitle\x1b[0m\n\x1b[2J\tx\n"], true),
            "\x1b[1mtitle\x1b[0m\n\\x1b[2J\tx\n"
        );
        assert_eq!(
            through_writer(&[b"\x1b[1mtitle\x1b[0m\n"], false),
            "\\x1b[1mtitle\\x1b[0m\n"
        );
        // A character cut between two writes is kept whole; broken UTF-8 is shown.
        let c1 = "\u{9b}".as_bytes();
        assert_eq!(
            through_writer(&[&c1[..1], &c1[1..], b"\xff\n"], false),
            "\\u{9b}\\xff\n"
        );
    }
}
