//! `legolog symbolize`: addresses or SYM+OFF to function, file:line and inline chain.

use crate::cli::{SymbolizeArgs, SymbolizeFormat, EXIT_ERROR, EXIT_OK};
use crate::decode::{self, Decoder};
use crate::render;
use legolog_symbols::{Probe, SourceFrame};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::process::ExitCode;

pub fn run(args: SymbolizeArgs) -> anyhow::Result<ExitCode> {
    let decoder = Decoder::open(
        &args.vmlinux,
        &args.module_dirs,
        &super::Stderr::new().sink(),
    )?;
    let queries: Vec<String> = if args.queries.is_empty() {
        io::stdin()
            .lines()
            .collect::<io::Result<Vec<_>>>()?
            .into_iter()
            .filter(|line| !line.trim().is_empty())
            .collect()
    } else {
        // `ADDR [MOD] ADDR …`: a word that is not an address or SYM+OFF names a module.
        let mut grouped: Vec<String> = Vec::new();
        for word in &args.queries {
            match grouped.last_mut() {
                Some(last) if !looks_like_query(word) && !last.contains(' ') => {
                    last.push(' ');
                    last.push_str(word);
                }
                _ => grouped.push(word.clone()),
            }
        }
        grouped
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut failed = false;
    // Resolve every query first, then look the probes up per image in one batch (grouped by
    // compilation unit, in parallel); results keep the order of the queries.
    let mut results: Vec<(String, Vec<SourceFrame>)> = Vec::with_capacity(queries.len());
    let mut batches: BTreeMap<Option<&str>, Vec<(usize, Probe)>> = BTreeMap::new();
    for query in &queries {
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
                eprintln!("legolog: {err:#}");
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
    match args.format {
        SymbolizeFormat::Text => {
            for (_, location) in &results {
                render::symbolize::write_text(&mut out, location)?;
            }
        }
        SymbolizeFormat::Json => render::symbolize::write_json(&mut out, &results)?,
    }
    out.flush()?;
    Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_OK }))
}

/// Whether a `symbolize` argument is a query (`0x…`, hex, `SYM+OFF`) rather than a module name.
pub fn looks_like_query(word: &str) -> bool {
    word.starts_with("0x") || word.contains('+') || word.bytes().all(|b| b.is_ascii_hexdigit())
}
