//! `legolog analyze`: every report of the given logs, rendered in the chosen format. Text and
//! jsonl stream each report as it completes (`crate::ops::watch::analyze`); json and markdown are
//! documents written at the end.

use crate::cli::args::{AnalyzeArgs, AnalyzeFormat};
use crate::cli::exit::{check_fail_on, exit_code, fail_on, Candidate};
use crate::cli::exit::{EXIT_FAIL_ON, EXIT_HISTORY, EXIT_OK};
use crate::config::settings::Settings;
use crate::ops::load::{load, load_rules, open_history, Loaded};
use crate::ops::watch;
use crate::pipeline::analysis::Analysis;
use crate::pipeline::output::Output;
use crate::render;
use crate::render::live::LiveFormat;
use crate::render::sanitize;
use crate::render::stderr::Stderr;
use crate::symbolize::locate::Locator;
use legolog_parsers::ParseConfig;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    if args.why && matches!(args.format, AnalyzeFormat::Json | AnalyzeFormat::Jsonl) {
        // Text after the JSON would make it unreadable for programs.
        anyhow::bail!("--why writes text; with --format json or jsonl use `legolog explain`");
    }
    check_fail_on(&args.fail_on.conditions, &args.db)?;
    let style = args.color.style();
    let live_format = match args.format {
        AnalyzeFormat::Text => Some(LiveFormat::Blocks(style)),
        AnalyzeFormat::Jsonl => Some(LiveFormat::Jsonl),
        AnalyzeFormat::Json | AnalyzeFormat::Markdown => None,
    };
    if let Some(format) = live_format {
        return stream(&args, format);
    }
    let settings = Settings::load(&args.limit.limits)?;
    let locate = args.locate.options(&args.symbols, &settings)?;
    let loaded = load(&settings, args.db.request(&args.logs, &args.rules, locate))?;
    let Loaded {
        rules,
        analysis,
        mut history,
        failed,
        history_failed,
    } = loaded;
    let out = sanitize::stdout(args.format == AnalyzeFormat::Json, style.color);
    let mut output: Box<dyn Output> = match args.format {
        AnalyzeFormat::Markdown => Box::new(render::WholeDocument::markdown(out)),
        _ => Box::new(render::WholeDocument::json(out)),
    };
    // Every report was read, recorded and kept before a document is written.
    output.finish(&analysis, 0)?;
    drop(output);
    if args.why {
        let mut out = sanitize::stdout(false, style.color);
        render::explain::write(&mut out, &analysis, &rules, history.as_mut())?;
        out.flush()?;
    }
    let code = exit_code(&analysis, args.locate.strict, (failed, history_failed));
    Ok(fail_on_code(&args, &analysis, code))
}

/// Text and jsonl: each report printed as it completes.
fn stream(args: &AnalyzeArgs, format: LiveFormat) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&args.limit.limits)?;
    let limits = settings.limits.clone();
    let rules = load_rules(args.rules.file.as_deref(), &limits)?;
    let (mut history, history_failed) = open_history(args.db.history(), &rules, &settings)?;
    let events = Stderr::new();
    let locator = Locator::new(
        args.locate.options(&args.symbols, &settings)?,
        events.sink(),
    );
    let colour = matches!(format, LiveFormat::Blocks(style) if style.color);
    let specs = args.db.nodes.specs(&args.logs);
    let out = sanitize::stdout(matches!(format, LiveFormat::Jsonl), colour);
    let setup = watch::Setup {
        output: format.output(out),
        rules: &rules,
        limits: &limits,
        locator: Some(&locator),
        history: history.as_mut(),
        idle: Duration::from_secs_f64(args.idle.idle),
        exec: None,
        overrides: args.db.overrides(),
        events: events.sink(),
    };
    let ended = watch::analyze(&specs, &ParseConfig::standard(), setup)?;
    if ended.history_failed {
        history = None;
    }
    if args.why {
        let mut out = sanitize::stdout(false, colour);
        render::explain::write(&mut out, &ended.analysis, &rules, history.as_mut())?;
        out.flush()?;
    }
    let failed = ended.failed || locator.failed();
    let history_failed = history_failed || ended.history_failed;
    let code = exit_code(
        &ended.analysis,
        args.locate.strict,
        (failed, history_failed),
    );
    Ok(fail_on_code(args, &ended.analysis, code))
}

/// Exit code 1 when a report matches a `--fail-on` condition and nothing worse happened.
fn fail_on_code(args: &AnalyzeArgs, analysis: &Analysis, code: ExitCode) -> ExitCode {
    let candidates: Vec<Candidate> = analysis
        .reports
        .iter()
        .map(|located| Candidate {
            kind: located.report.kind.as_str(),
            labels: located.labels.iter().map(String::as_str).collect(),
            new: located.history.as_ref().is_some_and(|h| h.created),
            regression: located
                .history
                .as_ref()
                .and_then(|h| h.fix.as_ref())
                .is_some_and(|f| f.regression),
            place: format!(
                "{}:{} {}",
                analysis.source_of(located),
                located.report.span.start,
                located.report.title
            ),
        })
        .collect();
    let overridable = code == ExitCode::from(EXIT_OK) || code == ExitCode::from(EXIT_HISTORY);
    if fail_on(&args.fail_on.conditions, &candidates) && overridable {
        return ExitCode::from(EXIT_FAIL_ON);
    }
    code
}
