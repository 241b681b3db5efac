//! `legolog analyze`: every report of the given logs, rendered in the chosen format.

use super::{check_fail_on, exit_code, fail_on, load, terminal_style, Candidate, Loaded};
use crate::cli::{AnalyzeArgs, Format, EXIT_FAIL_ON, EXIT_OK};
use crate::render;
use std::io::{self, Write};
use std::process::ExitCode;

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    if args.why && args.format == Format::Json {
        // Text after the JSON document would make it unreadable for programs.
        anyhow::bail!("--why writes text; with --format json use `legolog explain`");
    }
    check_fail_on(&args.fail_on.conditions, &args.db)?;
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
    let candidates: Vec<Candidate> = analysis
        .reports
        .iter()
        .map(|located| Candidate {
            kind: located.report.kind.as_str(),
            labels: located.labels.iter().map(String::as_str).collect(),
            new: located.history.as_ref().is_some_and(|h| h.created),
            place: format!(
                "{}:{} {}",
                analysis.source_of(located),
                located.report.span.start,
                located.report.title
            ),
        })
        .collect();
    let code = exit_code(&analysis, args.locate.strict, failed);
    if fail_on(&args.fail_on.conditions, &candidates) && code == ExitCode::from(EXIT_OK) {
        return Ok(ExitCode::from(EXIT_FAIL_ON));
    }
    Ok(code)
}
