//! `legolog report`: one report as a Markdown bug report.

use super::{exit_code, load, Loaded};
use crate::cli::{ReportArgs, ReportFormat};
use crate::render;
use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let symbols = (&args.symbols, &args.locate);
    let Loaded {
        rules,
        analysis,
        failed,
        history_failed,
        ..
    } = load(&args.logs, (&args.rules, &args.limit), &args.db, symbols)?;
    let subject_idx = args.index as usize - 1;
    if subject_idx >= analysis.reports.len() {
        let logs: Vec<String> = args.logs.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "{}: no report {} (found {})",
            logs.join(", "),
            args.index,
            analysis.reports.len()
        );
    }
    if args.format == ReportFormat::Html {
        // HTML is escaped by its template engine: written exact.
        let mut out = crate::sanitize::stdout(true, false);
        out.write_all(
            crate::serve::pages::crash::report_document(&analysis, subject_idx)?.as_bytes(),
        )?;
        out.flush()?;
        return Ok(exit_code(
            &analysis,
            args.locate.strict,
            (failed, history_failed),
        ));
    }
    let mut out = crate::sanitize::stdout(false, false);
    render::bugreport::write(&mut out, &analysis, subject_idx, &rules)?;
    out.flush()?;
    Ok(exit_code(
        &analysis,
        args.locate.strict,
        (failed, history_failed),
    ))
}
