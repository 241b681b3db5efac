//! `legolog symbolize`'s query lines, bounded (`cli/commands/symbolize.rs` resolves them).
//!
//! A query is `ADDR` (hex, link-time) or `SYM+OFF[/SIZE]`, optionally followed by a module
//! name. Each query either resolves inside a text symbol or is an error line on stderr (the
//! run then exits non-zero): an offset beyond the printed size or the symbol's own size, an
//! address outside every text symbol, an unreadable line. A line longer than
//! `max_query_bytes` is never held whole: it is counted, echoed cut, and refused.

use std::io::{self, BufRead};

/// Bytes of a bad query echoed in its error line.
const ECHO_BYTES: usize = 200;

/// One query, or why its line is refused.
pub type Query = Result<String, String>;

/// `text` cut to a few hundred bytes (at a character boundary) for an error line.
pub fn shown(text: &str) -> String {
    if text.len() <= ECHO_BYTES {
        return text.to_owned();
    }
    let mut end = ECHO_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

/// A query given as an argument, refused when longer than `max_bytes`.
pub fn bounded(text: String, max_bytes: usize) -> Query {
    match text.len() > max_bytes {
        true => Err(too_long(&text, text.len() as u64, max_bytes)),
        false => Ok(text),
    }
}

fn too_long(head: &str, len: u64, max_bytes: usize) -> String {
    format!(
        "{}: query of {len} bytes is longer than {max_bytes} (limit max_query_bytes)",
        shown(head)
    )
}

/// Queries, one per non-empty line of `reader`. A line is kept up to `max_bytes`; the rest of
/// a longer one is read past, not stored.
pub fn from_reader(mut reader: impl BufRead, max_bytes: usize) -> io::Result<Vec<Query>> {
    let mut queries = Vec::new();
    let mut line = Vec::new();
    let mut len = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            if len > 0 && !String::from_utf8_lossy(&line).trim().is_empty() {
                queries.push(finish_line(&line, len, max_bytes));
            }
            return Ok(queries);
        }
        let (part, used, ended) = match buf.iter().position(|&b| b == b'\n') {
            Some(nl) => (&buf[..nl], nl + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = (max_bytes + 1).saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        len += part.len() as u64;
        reader.consume(used);
        if ended {
            if !String::from_utf8_lossy(&line).trim().is_empty() {
                queries.push(finish_line(&line, len, max_bytes));
            }
            line.clear();
            len = 0;
        }
    }
}

fn finish_line(line: &[u8], len: u64, max_bytes: usize) -> Query {
    let text = String::from_utf8_lossy(line);
    if len > max_bytes as u64 {
        return Err(too_long(&text, len, max_bytes));
    }
    let text = text.trim_end_matches('\r');
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_refused_without_being_kept() {
        let mut input = b"0x10\n".to_vec();
        input.extend(std::iter::repeat_n(b'a', 100_000));
        input.extend_from_slice(b"\n\nf+0x1/0x2\r\n");
        let queries = from_reader(io::BufReader::with_capacity(64, &input[..]), 4096).unwrap();
        assert_eq!(queries.len(), 3);
        assert_eq!(queries[0].as_deref(), Ok("0x10"));
        let refused = queries[1].as_ref().unwrap_err();
        assert!(refused.contains("100000 bytes"), "{refused}");
        assert!(refused.contains("max_query_bytes"), "{refused}");
        assert!(refused.len() < 400, "{refused}");
        assert_eq!(queries[2].as_deref(), Ok("f+0x1/0x2"));
    }

    #[test]
    fn long_arguments_are_refused() {
        assert!(bounded("a".repeat(5000), 4096).is_err());
        assert_eq!(
            bounded("f+0x1/0x2".into(), 4096).as_deref(),
            Ok("f+0x1/0x2")
        );
    }
}
