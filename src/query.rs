//! `legolog symbolize`: query lines in (bounded), locations out.
//!
//! A query is `ADDR` (hex, link-time) or `SYM+OFF[/SIZE]`, optionally followed by a module
//! name. Each query either resolves inside a text symbol or is an error line on stderr (the
//! run then exits non-zero): an offset beyond the printed size or the symbol's own size, an
//! address outside every text symbol, an unreadable line. A line longer than
//! `max_query_bytes` is never held whole: it is counted, echoed cut, and refused.

use crate::decode::{self, Decoder};
use crate::render;
use legolog_symbols::{Probe, SourceFrame};
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};

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

/// Queries from the command line: `ADDR [MOD] ADDR …`, a word that is not an address or
/// `SYM+OFF` naming the module of the query before it.
pub fn from_args(words: &[String], max_bytes: usize) -> Vec<Query> {
    let mut grouped: Vec<String> = Vec::new();
    for word in words {
        match grouped.last_mut() {
            Some(last) if !looks_like_query(word) && !last.contains(' ') => {
                last.push(' ');
                last.push_str(word);
            }
            _ => grouped.push(word.clone()),
        }
    }
    grouped
        .into_iter()
        .map(|query| match query.len() > max_bytes {
            true => Err(too_long(&query, query.len() as u64, max_bytes)),
            false => Ok(query),
        })
        .collect()
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

/// Whether a `symbolize` argument is a query (`0x…`, hex, `SYM+OFF`) rather than a module name.
pub fn looks_like_query(word: &str) -> bool {
    word.starts_with("0x") || word.contains('+') || word.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves every query and writes the locations (text in the `addr2line -f -i -p` shape, or
/// JSON); each refused query is one line on stderr. Returns whether any query was refused.
pub fn run(
    decoder: &Decoder,
    queries: &[Query],
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let mut failed = false;
    // Resolve every query first, then look the probes up per image in one batch (grouped by
    // compilation unit, in parallel); results keep the order of the queries.
    let mut results: Vec<(String, Vec<SourceFrame>)> = Vec::with_capacity(queries.len());
    let mut batches: BTreeMap<Option<&str>, Vec<(usize, Probe)>> = BTreeMap::new();
    for query in queries {
        let query = match query {
            Ok(query) => query,
            Err(refused) => {
                crate::eprint_safe!("legolog: {refused}");
                failed = true;
                continue;
            }
        };
        let mut words = query.split_whitespace();
        let text = words.next().unwrap_or_default();
        let module = words.next();
        match decode::resolve_query(decoder.symbolizer(), text, module) {
            Ok(probe) => {
                if let Some(probe) = probe {
                    batches
                        .entry(module)
                        .or_default()
                        .push((results.len(), probe));
                }
                results.push((query.clone(), Vec::new()));
            }
            Err(err) => {
                crate::eprint_safe!("legolog: {err:#}");
                failed = true;
            }
        }
    }
    for (module, batch) in batches {
        let probes: Vec<Probe> = batch.iter().map(|(_, probe)| *probe).collect();
        let answers = decoder.symbolizer().find_frames_batch(module, &probes)?;
        for ((result_idx, _), answer) in batch.iter().zip(answers) {
            if let Some(result) = results.get_mut(*result_idx) {
                result.1 = answer?;
            }
        }
    }
    if json {
        render::symbolize::write_json(out, &results)?;
    } else {
        for (_, location) in &results {
            render::symbolize::write_text(out, location)?;
        }
    }
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_refused_without_being_kept() {
        let mut input = b"0x10\n".to_vec();
        input.extend(std::iter::repeat(b'a').take(100_000));
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
    fn argument_words_group_modules() {
        let words: Vec<String> = ["0xff", "lkdtm", "f+0x1/0x2"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let queries = from_args(&words, 4096);
        assert_eq!(queries[0].as_deref(), Ok("0xff lkdtm"));
        assert_eq!(queries[1].as_deref(), Ok("f+0x1/0x2"));
        assert!(from_args(&["a".repeat(5000)], 4096)[0].is_err());
        assert!(looks_like_query("f+0x1/0x2"));
        assert!(!looks_like_query("lkdtm"));
    }
}
