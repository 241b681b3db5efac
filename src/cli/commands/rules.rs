//! `legolog rules diff|apply`: every change of grouping shown before it applies.
//!
//! Both re-sign every recorded report under the candidate rules (the built-in ones plus
//! `--rules FILE`, else the default rules file), reading each log again from its recorded path
//! when it still has the recorded content, and regroup the whole history as if it had been
//! recorded under them, keeping what the user said (docs/signatures.md, "Versioning"). `diff`
//! writes nothing; `apply` writes it all in one transaction and records it in the audit table.

use crate::cli::exit::EXIT_OK;
use crate::history::GroupingDiff;
use crate::identity::rules::RuleSet;
use crate::pipeline::store;
use anyhow::bail;
use legolog_parsers::ParseConfig;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `legolog rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    action: RulesAction,

    /// History: a SQLite file or a `postgresql://` URL (default as for `analyze`).
    #[arg(long, value_name = "PATH|URL", global = true)]
    db: Option<String>,

    /// Candidate rules (TOML, docs/rules.md), with the built-in ones. Default: the default
    /// rules file ($XDG_CONFIG_HOME/legolog/rules.toml) when it exists.
    #[arg(long = "rules", value_name = "FILE", global = true)]
    rules: Option<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = DiffFormat::Text, global = true)]
    format: DiffFormat,
}

#[derive(Debug, clap::Subcommand)]
enum RulesAction {
    /// Re-sign the whole history under the rules without writing: which bugs would merge,
    /// which would split, how many reports move, with examples.
    Diff,
    /// Regroup the history under the rules, in one transaction recorded in the audit table.
    /// Analyze new logs with the same rules (put them in the default rules file).
    Apply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
}

/// Runs `legolog rules …`.
pub fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    let settings = crate::config::settings::Settings::load(&[])?;
    let location = store::locate_required(&settings, args.db.as_deref())?;
    if location.is_missing() {
        bail!("{}: no history yet", location.shown());
    }
    let limits = &settings.limits;
    let current = RuleSet::load(None, limits)?;
    let candidate = RuleSet::load(args.rules.as_deref(), limits)?;
    for warning in &candidate.warnings {
        crate::eprint_safe!("legolog: warning: {warning}");
    }
    let mut history = store::open(
        &location,
        &current,
        &settings,
        &*crate::render::stderr::Stderr::new(),
    )?;
    history.set_grouping(&candidate.grouping);
    let config = ParseConfig::standard();
    let mut records = HashMap::new();
    for log in history.all_logs()? {
        if let Some(resigned) =
            store::resign(&log.path, &log.content_hash, (&config, limits), &candidate)
        {
            records.insert(log.id, resigned);
        }
    }
    let what = match &args.rules {
        Some(path) => path.display().to_string(),
        None => "the default rules".to_owned(),
    };
    let (diff, verb) = match args.action {
        RulesAction::Diff => (history.diff_grouping(&records)?, "would"),
        RulesAction::Apply => (
            history.apply_grouping(&records, &what, &crate::history::lifecycle::default_actor())?,
            "did",
        ),
    };
    let mut out = crate::render::sanitize::stdout(false, false);
    match args.format {
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &json(&diff, verb == "did"))?;
            writeln!(out)?;
        }
        DiffFormat::Text => {
            for line in diff.text_lines(&what, verb) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn json(diff: &GroupingDiff, applied: bool) -> serde_json::Value {
    serde_json::json!({
        "applied": applied,
        "resigned_reports": diff.counts.resigned,
        "kept_reports": diff.counts.kept,
        "bugs_before": diff.counts.bugs_before,
        "bugs_after": diff.counts.bugs_after,
        "moved_reports": diff.moved,
        "merges": diff.merges.iter().map(|merge| serde_json::json!({
            "into": applied.then_some(&merge.into),
            "bugs": merge.bugs.iter().map(|(bug, title, reports)| serde_json::json!({
                "bug": bug, "title": title, "reports": reports,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "splits": diff.splits.iter().map(|split| serde_json::json!({
            "bug": split.bug,
            "title": split.title,
            "parts": split.parts.iter().map(|(reports, example)| serde_json::json!({
                "reports": reports, "example": example,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
