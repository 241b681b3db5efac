//! `legolog report`: one report as a Markdown bug report.

use crate::cli::args::{ReportArgs, ReportFormat};
use crate::cli::exit::exit_code;
use crate::config::settings::Settings;
use crate::ops::load::{load, Loaded};
use crate::render;
use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if let Some(id) = &args.bug {
        return recorded(&args, id);
    }
    let html = match args.format {
        None | Some(ReportFormat::Markdown) => false,
        Some(ReportFormat::Html) => true,
        Some(ReportFormat::Text | ReportFormat::Json) => {
            bail!("report: --format text and json are for a recorded crash (--bug); a log's report is markdown or html")
        }
    };
    let settings = Settings::load(&args.limit.limits)?;
    let locate = args.locate.options(&args.symbols, &settings)?;
    let Loaded {
        rules,
        analysis,
        failed,
        history_failed,
        ..
    } = load(&settings, args.db.request(&args.logs, &args.rules, locate))?;
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
    if html {
        // HTML is escaped by its template engine: written exact.
        let mut out = crate::render::sanitize::stdout(true, false);
        out.write_all(
            crate::serve::pages::crash::report_document(&analysis, subject_idx, &settings.limits)?
                .as_bytes(),
        )?;
        out.flush()?;
        return Ok(exit_code(
            &analysis,
            args.locate.strict,
            (failed, history_failed),
        ));
    }
    let mut out = crate::render::sanitize::stdout(false, false);
    render::bugreport::write(&mut out, &analysis, subject_idx, &rules)?;
    out.flush()?;
    Ok(exit_code(
        &analysis,
        args.locate.strict,
        (failed, history_failed),
    ))
}

/// `report --bug ID [--crash N]`: a crash recorded in the history, printed without its log.
fn recorded(args: &ReportArgs, id: &str) -> anyhow::Result<ExitCode> {
    let settings = crate::config::settings::Settings::load(&[])?;
    let location = crate::pipeline::store::locate_required(&settings, args.db.db.as_deref())?;
    if location.is_missing() {
        bail!("{}: no history yet", location.shown());
    }
    let rules = crate::identity::rules::RuleSet::load(None, &settings.limits)?;
    let mut history = crate::pipeline::store::open(
        &location,
        &rules,
        &settings,
        &*crate::render::stderr::Stderr::new(),
    )?;
    let bug = history.find_bug(id)?;
    let (row, document) = history.crash_document(bug, args.crash)?;
    let public = history.public_id(bug)?;
    let json = match args.format {
        None | Some(ReportFormat::Text) => false,
        Some(ReportFormat::Json) => true,
        Some(ReportFormat::Markdown | ReportFormat::Html) => {
            bail!("report --bug: a recorded crash is text or json")
        }
    };
    let mut out = crate::render::sanitize::stdout(json, false);
    if json {
        render::lifecycle::write_crash_json(&mut out, &public, &row, &document)?;
    } else {
        render::lifecycle::write_crash_text(&mut out, &public, &row, &document)?;
    }
    out.flush()?;
    Ok(ExitCode::from(crate::cli::exit::EXIT_OK))
}
