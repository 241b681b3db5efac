//! `legolog symbolize`'s queries: their lines, bounded; what each asks for (an address, SYM+OFF or
//! a pasted trace line read by the parsers' own line parsing); their answers, resolved in batches.
//!
//! A query is `ADDR` (hex, link-time) or `SYM+OFF[/SIZE]`, optionally followed by a module
//! name. Each query either resolves inside a text symbol or is an error line on stderr (the
//! run then exits non-zero): an offset beyond the printed size or the symbol's own size, an
//! address outside every text symbol, an unreadable line. A line longer than
//! `max_query_bytes` is never held whole: it is counted, echoed cut, and refused.

use crate::symbolize::decode::Decoder;
use anyhow::Context as _;
use legolog_parsers::lone;
use legolog_symbols::Symbolizer;
use legolog_symbols::{Probe, SourceFrame};
use std::collections::BTreeMap;
use std::io::{self, BufRead};

/// Bytes of a bad query echoed in its error line.
const ECHO_BYTES: usize = 200;

/// One query's line, or why it is refused.
pub type Line = Result<String, String>;

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
pub fn bounded(text: String, max_bytes: usize) -> Line {
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
pub fn from_reader(mut reader: impl BufRead, max_bytes: usize) -> io::Result<Vec<Line>> {
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

fn finish_line(line: &[u8], len: u64, max_bytes: usize) -> Line {
    let text = String::from_utf8_lossy(line);
    if len > max_bytes as u64 {
        return Err(too_long(&text, len, max_bytes));
    }
    let text = text.trim_end_matches('\r');
    Ok(text.to_owned())
}

/// One query: what the user typed, and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// As given (a word group or a line).
    pub text: String,
    /// `0xADDR`, `ADDR` or `SYM+OFF[/SIZE]`.
    pub target: String,
    /// The module named, if any.
    pub module: Option<String>,
}

/// One query's answer: its location (innermost first) or why there is none.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The query as given.
    pub query: String,
    /// The address looked up, when the query resolved to one.
    pub address: Option<u64>,
    /// The positions, or the error said for this query.
    pub location: Result<Vec<SourceFrame>, String>,
}

/// Resolves `ADDR`, `SYM+OFF[/SIZE]` and an optional module name to the probe
/// `addr2line -f -i` would use: the address itself. Strict: an address outside every text
/// symbol, or an offset beyond the printed size or the symbol's own (kallsyms) size, is an
/// error; a symbol the image does not have is `Ok(None)` (`?? ??:0`, as addr2line says).
/// `%pB` prints a return address at the very end of a function as `func+size/size`, so an
/// offset equal to the size is accepted.
pub fn resolve_query(
    symbolizer: &Symbolizer,
    query: &str,
    module: Option<&str>,
) -> anyhow::Result<Option<Probe>> {
    let query = query.trim();
    let shown = shown(query);
    let image = match module {
        None => None,
        Some(module) => match symbolizer.module(module)? {
            Some(image) => Some(image),
            None => anyhow::bail!("module {module} not found in --modules directories"),
        },
    };
    let image = image.as_deref().unwrap_or(symbolizer.kernel());
    let hex = query
        .strip_prefix("0x")
        .or_else(|| query.strip_prefix("0X"))
        .or_else(|| {
            (!query.is_empty() && query.bytes().all(|b| b.is_ascii_hexdigit())).then_some(query)
        });
    if let Some(hex) = hex {
        let addr =
            u64::from_str_radix(hex, 16).with_context(|| format!("{shown}: not a hex address"))?;
        if image.find_symbol(addr).is_none() {
            anyhow::bail!(
                "{shown}: address outside any text symbol of {}",
                image.path().display()
            );
        }
        return Ok(Some(Probe::Exact(addr)));
    }
    let (name, rest) = query
        .split_once('+')
        .with_context(|| format!("{shown}: expected ADDR or SYM+OFF[/SIZE]"))?;
    let (offset_text, size_text) = match rest.split_once('/') {
        Some((offset, size)) => (offset, Some(size)),
        None => (rest, None),
    };
    let parse_hex = |text: &str| -> anyhow::Result<u64> {
        let digits = text.trim_start_matches("0x");
        u64::from_str_radix(digits, 16)
            .with_context(|| format!("{shown}: {} is not hex", self::shown(text)))
    };
    let offset = parse_hex(offset_text)?;
    let size = size_text.map(parse_hex).transpose()?;
    if let Some(size) = size {
        if offset > size {
            anyhow::bail!("{shown}: offset {offset:#x} is beyond the printed size {size:#x}");
        }
    }
    let Some(symbol) = image.find_symbol_by_name(name, size) else {
        return Ok(None);
    };
    if offset > symbol.kallsyms_size {
        anyhow::bail!(
            "{shown}: offset {offset:#x} is beyond the size of {} ({:#x})",
            symbol.name,
            symbol.kallsyms_size
        );
    }
    let addr = symbol
        .start
        .checked_add(offset)
        .with_context(|| format!("{shown}: offset {offset:#x} overflows the address space"))?;
    Ok(Some(Probe::Exact(addr)))
}

/// Resolves every query, then looks the probes up per image in one batch (grouped by
/// compilation unit, in parallel); answers keep the order of the queries.
pub fn resolve(decoder: &Decoder, queries: &[Result<Query, String>]) -> Vec<Answer> {
    let mut answers: Vec<Answer> = queries
        .iter()
        .map(|query| match query {
            Ok(query) => Answer {
                query: query.text.clone(),
                address: None,
                location: Ok(Vec::new()),
            },
            // A refused line: its error (which echoes it, cut) stands in for it.
            Err(refused) => Answer {
                query: String::new(),
                address: None,
                location: Err(refused.clone()),
            },
        })
        .collect();
    let mut batches: BTreeMap<Option<&str>, Vec<(usize, Probe)>> = BTreeMap::new();
    for (idx, query) in queries.iter().enumerate() {
        let Ok(query) = query else {
            continue;
        };
        let module = query.module.as_deref();
        match resolve_query(decoder.symbolizer(), &query.target, module) {
            Ok(Some(probe)) => {
                answers[idx].address = Some(probe.source_addr());
                batches.entry(module).or_default().push((idx, probe));
            }
            Ok(None) => {
                let place = match module {
                    Some(module) => format!("module {module}"),
                    None => decoder.path().display().to_string(),
                };
                answers[idx].location = Err(format!("no such symbol in {place}"));
            }
            Err(err) => answers[idx].location = Err(format!("{err:#}")),
        }
    }
    for (module, batch) in batches {
        let probes: Vec<Probe> = batch.iter().map(|(_, probe)| *probe).collect();
        match decoder.symbolizer().find_frames_batch(module, &probes) {
            Ok(found) => {
                for ((idx, _), frames) in batch.iter().zip(found) {
                    answers[*idx].location = frames.map_err(|err| err.to_string());
                }
            }
            Err(err) => {
                for (idx, _) in &batch {
                    answers[*idx].location = Err(err.to_string());
                }
            }
        }
    }
    answers
}

/// `ADDR [MOD] ADDR …` on the command line: a word that is not an address or SYM+OFF names
/// the module of the query before it. A quoted trace line stays one query.
pub fn group_words(words: &[String]) -> Vec<String> {
    let mut grouped: Vec<String> = Vec::new();
    for word in words {
        match grouped.last_mut() {
            Some(last)
                if !looks_like_query(word) && !last.contains(' ') && !is_trace_line(word) =>
            {
                last.push(' ');
                last.push_str(word);
            }
            _ => grouped.push(word.clone()),
        }
    }
    grouped
}

/// A query from one line: `ADDR [MOD]`, `SYM+OFF[/SIZE] [MOD]`, or a trace line read with the
/// parsers' own line parsing (so every shape the kernel prints is understood the same way as
/// in a log).
pub fn parse_query(text: &str) -> Query {
    let simple = || {
        let mut words = text.split_whitespace();
        Query {
            text: text.to_owned(),
            target: words.next().unwrap_or_default().to_owned(),
            module: words.next().map(str::to_owned),
        }
    };
    if !is_trace_line(text) {
        return simple();
    }
    let Some(lone) = lone::frame_of_line(1, text.as_bytes()) else {
        return simple();
    };
    let frame = lone.frame;
    let target = match (&frame.symbol, frame.addr) {
        (Some(symbol), _) => {
            let size = symbol.size.map(|s| format!("/{s:#x}")).unwrap_or_default();
            format!("{}+{:#x}{size}", symbol.name, symbol.offset)
        }
        (None, Some(addr)) => format!("{addr:#x}"),
        (None, None) => return simple(),
    };
    Query {
        text: text.to_owned(),
        target,
        module: frame.module,
    }
}

/// Whether the text looks like a line pasted from a log rather than `ADDR [MOD]`: brackets
/// (`[<addr>]`, `[mod]`, a timestamp), a `?` mark or a `RIP:`-style prefix.
fn is_trace_line(text: &str) -> bool {
    text.contains(['[', ':']) || text.split_whitespace().next() == Some("?")
}

/// Whether a `symbolize` argument is a query (`0x…`, hex, `SYM+OFF`) rather than a module name.
pub fn looks_like_query(word: &str) -> bool {
    word.starts_with("0x") || word.contains('+') || word.bytes().all(|b| b.is_ascii_hexdigit())
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

    fn target(text: &str) -> (String, Option<String>) {
        let query = parse_query(text);
        (query.target, query.module)
    }

    #[test]
    fn pasted_trace_lines_are_queries() {
        let plain = |t: &str| (t.to_owned(), None);
        assert_eq!(target("0xffffffff8106920c"), plain("0xffffffff8106920c"));
        assert_eq!(
            target("f+0x1/0x2 lkdtm"),
            ("f+0x1/0x2".to_owned(), Some("lkdtm".to_owned()))
        );
        assert_eq!(
            target("[<ffffffff8106920c>] fit_internal_poll_sendcq+0x6c/0xe0"),
            plain("fit_internal_poll_sendcq+0x6c/0xe0")
        );
        assert_eq!(
            target("[187736.822416] [<ffffffff8106ab2f>] ? fit_send+0x25f/0x3a0"),
            plain("fit_send+0x25f/0x3a0")
        );
        assert_eq!(
            target(" direct_entry.cold+0x18/0x24 [lkdtm]"),
            (
                "direct_entry.cold+0x18/0x24".to_owned(),
                Some("lkdtm".to_owned())
            )
        );
        assert_eq!(
            target("[    3.853096] RIP: 0010:lkdtm_ACCESS_NULL+0x14/0x53 [lkdtm]"),
            (
                "lkdtm_ACCESS_NULL+0x14/0x53".to_owned(),
                Some("lkdtm".to_owned())
            )
        );
        assert_eq!(
            target("RIP: 0010:vfs_write+0xc7/0x3f0"),
            plain("vfs_write+0xc7/0x3f0")
        );
    }

    #[test]
    fn words_group_into_queries() {
        let words: Vec<String> = [
            "0x1",
            "lkdtm",
            "f+0x1/0x2",
            "[<ffffffff81000000>] g+0x1/0x2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            group_words(&words),
            vec!["0x1 lkdtm", "f+0x1/0x2", "[<ffffffff81000000>] g+0x1/0x2"]
        );
    }
}
