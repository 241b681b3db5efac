//! `legolog analyze`: every report of the given logs, rendered in the chosen format.

use super::{exit_code, load, terminal_style, Loaded};
use crate::cli::{AnalyzeArgs, Format};
use crate::render;
use std::io::{self, Write};
use std::process::ExitCode;

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    if args.why && args.format == Format::Json {
        // Text after the JSON document would make it unreadable for programs.
        anyhow::bail!("--why writes text; with --format json use `legolog explain`");
    }
    let symbols = (&args.symbols, &args.locate);
    let loaded = load(&args.logs, &args.rules, &args.db, symbols)?;
    let Loaded {
        rules,
        analysis,
        mut history,
        failed,
    } = loaded;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => render::json::write(&mut out, &analysis)?,
        Format::Markdown => render::markdown::write(&mut out, &analysis)?,
        Format::Text => {
            let style = terminal_style(args.color);
            render::text::write(&mut out, &analysis, style)?;
        }
    }
    if args.why {
        crate::render::explain::write(&mut out, &analysis, &rules, history.as_mut())?;
    }
    out.flush()?;
    Ok(exit_code(&analysis, args.locate.strict, failed))
}
