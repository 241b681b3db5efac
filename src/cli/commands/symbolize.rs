//! `legolog symbolize`: addresses, SYM+OFF or pasted trace lines to function, file:line and
//! inline chain. Each query ends in a location or in an error of its own (one line on stderr,
//! a placeholder in its place on stdout, exit code 1), so the output stays aligned with the
//! queries.

use crate::cli::args::{SymbolizeArgs, SymbolizeFormat};

use crate::cli::exit::{EXIT_OK, EXIT_QUERY_FAILED};
use crate::render;
use crate::symbolize::decode::Decoder;
use crate::symbolize::query::{self, Query};
use std::io::{self, Write};
use std::process::ExitCode;

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
        query::group_words(&args.queries)
            .into_iter()
            .map(|text| query::bounded(text, limits.max_query_bytes))
            .collect()
    };
    let queries: Vec<Result<Query, String>> = lines
        .into_iter()
        .map(|line| line.map(|text| query::parse_query(&text)))
        .collect();
    let answers = query::resolve(&decoder, &queries);
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
