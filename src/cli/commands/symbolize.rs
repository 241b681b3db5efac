//! `legolog symbolize`: addresses, SYM+OFF or pasted trace lines to function, file:line and
//! inline chain. Each query ends in a location or in an error of its own (one line on stderr,
//! a placeholder in its place on stdout, exit code 1), so the output stays aligned with the
//! queries.

use crate::cli::args::{SymbolizeArgs, SymbolizeFormat};

use crate::cli::exit::{EXIT_OK, EXIT_QUERY_FAILED};
use crate::render;
use crate::render::symbolize::Answer;
use crate::symbolize::decode::{self, Decoder};
use crate::symbolize::query;
use legolog_parsers::lone;
use legolog_symbols::Probe;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::process::ExitCode;

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

/// Runs `legolog symbolize`.
pub fn run(args: SymbolizeArgs) -> anyhow::Result<ExitCode> {
    let limits = crate::config::settings::Settings::load(&args.limit.limits)?.limits;
    let decoder = Decoder::open(
        &args.vmlinux,
        &args.module_dirs,
        limits.max_symbol_bytes,
        &crate::render::stderr::Stderr::new().sink(),
    )?;
    // Lines and arguments are bounded (max_query_bytes): a longer one is refused, echoed cut.
    let lines = if args.queries.is_empty() {
        query::from_reader(io::stdin().lock(), limits.max_query_bytes)?
    } else {
        group_words(&args.queries)
            .into_iter()
            .map(|text| query::bounded(text, limits.max_query_bytes))
            .collect()
    };
    let queries: Vec<Result<Query, String>> = lines
        .into_iter()
        .map(|line| line.map(|text| parse_query(&text)))
        .collect();
    let answers = resolve(&decoder, &queries);
    let json = args.format == SymbolizeFormat::Json;
    let mut out = crate::render::sanitize::stdout(json, false);
    let mut failed = false;
    for answer in &answers {
        if let Err(err) = &answer.location {
            // Refused lines and strict-offset errors already name the query.
            match answer.query.trim() {
                text if text.is_empty() || err.starts_with(text) => {
                    crate::eprint_safe!("legolog: {err}")
                }
                text => crate::eprint_safe!("legolog: {}: {err}", query::shown(text)),
            }
            failed = true;
        }
    }
    let style = render::symbolize::Options {
        addresses: args.addresses,
    };
    match args.format {
        SymbolizeFormat::Gnu => {
            for answer in &answers {
                render::symbolize::write_gnu(&mut out, answer, style)?;
            }
        }
        SymbolizeFormat::Llvm => {
            for answer in &answers {
                render::symbolize::write_llvm(&mut out, answer, style)?;
            }
        }
        SymbolizeFormat::Json => render::symbolize::write_json(&mut out, &answers)?,
    }
    out.flush()?;
    Ok(ExitCode::from(if failed {
        EXIT_QUERY_FAILED
    } else {
        EXIT_OK
    }))
}

/// Resolves every query, then looks the probes up per image in one batch (grouped by
/// compilation unit, in parallel); answers keep the order of the queries.
fn resolve(decoder: &Decoder, queries: &[Result<Query, String>]) -> Vec<Answer> {
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
        match decode::resolve_query(decoder.symbolizer(), &query.target, module) {
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
fn group_words(words: &[String]) -> Vec<String> {
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
