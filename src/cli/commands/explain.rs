//! `legolog explain`: why each report got its signature and bug.

use crate::cli::args::ExplainArgs;
use crate::cli::exit::exit_code;
use crate::config::settings::Settings;
use crate::ops::load::{load, Loaded};
use crate::render;
use std::io::Write;
use std::process::ExitCode;

/// Runs `legolog explain`.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&args.limit.limits)?;
    let locate = args.locate.options(&args.symbols, &settings)?;
    let Loaded {
        rules,
        mut analysis,
        mut history,
        failed,
        history_failed,
    } = load(&settings, args.db.request(&args.logs, &args.rules, locate))?;
    if let Some(index) = args.index {
        let idx = index as usize - 1;
        if idx >= analysis.reports.len() {
            anyhow::bail!(
                "{}: no report {index} (found {})",
                args.logs[0].display(),
                analysis.reports.len()
            );
        }
        analysis.reports = vec![analysis.reports.swap_remove(idx)];
    }
    let mut out = crate::render::sanitize::stdout(false, false);
    render::explain::write(&mut out, &analysis, &rules, history.as_mut())?;
    out.flush()?;
    Ok(exit_code(
        &analysis,
        args.locate.strict,
        (failed, history_failed),
    ))
}
