//! `legolog bug name|merge|split|show`: the user's word on what is one bug.

use crate::cli::{self, EXIT_OK};
use crate::render::groups;
use crate::rules::RuleSet;
use crate::store;
use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;

/// `legolog bug`.
#[derive(Debug, clap::Args)]
pub struct BugArgs {
    #[command(subcommand)]
    action: Action,

    /// History: a SQLite file or a `postgresql://` URL (default as for `analyze`).
    #[arg(long, value_name = "PATH|URL", global = true)]
    db: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Give a bug a name (shown in every output) and optionally a link.
    Name {
        /// Bug id (a unique prefix is enough).
        id: String,
        /// The name, e.g. "lost send CQE".
        name: String,
        /// A link (tracker issue, mailing-list thread).
        #[arg(long, value_name = "URL")]
        link: Option<String>,
    },
    /// Merge bugs into the first one (like syzbot's `#syz dup`); the others' ids keep
    /// resolving to it.
    Merge {
        /// The bug that stays, then the bugs merged into it.
        #[arg(required = true, num_args = 2.., value_name = "ID")]
        ids: Vec<String>,
    },
    /// Move one signature out of a bug into a bug of its own.
    Split {
        /// Bug id.
        id: String,
        /// The signature to move out (a unique prefix of its id).
        signature: String,
    },
    /// Show a bug: name, signatures, counts, runs, nodes, kernels.
    Show {
        /// Bug id.
        id: String,
    },
}

/// Runs `legolog bug …`.
pub fn run(args: BugArgs) -> anyhow::Result<ExitCode> {
    let Some(location) = store::locate(args.db.as_deref())? else {
        bail!("no history location (neither XDG_DATA_HOME nor HOME is set; use --db)");
    };
    if location.is_missing() {
        bail!("{}: no history yet", location.shown());
    }
    let rules = RuleSet::load(None, &crate::limits::Limits::default())?;
    let mut history = store::open(&location, &rules)?;
    let mut out = crate::sanitize::stdout(false, false);
    match args.action {
        Action::Name { id, name, link } => {
            let bug = history.find_bug(&id)?;
            history.name_bug(bug, &name, link.as_deref())?;
            let details = history.bug_details(bug)?;
            writeln!(out, "bug {} is now \"{name}\"", details.row.id)?;
        }
        Action::Merge { ids } => {
            let bugs = ids
                .iter()
                .map(|id| history.find_bug(id))
                .collect::<anyhow::Result<Vec<i64>>>()?;
            history.merge_bugs(bugs[0], &bugs[1..])?;
            let details = history.bug_details(bugs[0])?;
            writeln!(
                out,
                "merged {} into bug {}: {} signatures, seen {}",
                ids[1..].join(", "),
                details.row.id,
                details.row.signatures.len(),
                details.row.history.seen
            )?;
        }
        Action::Split { id, signature } => {
            let bug = history.find_bug(&id)?;
            let new_bug = history.split_bug(bug, &signature)?;
            let old = history.bug_details(bug)?;
            let new = history.bug_details(new_bug)?;
            writeln!(
                out,
                "split signature {signature} out of bug {} (seen {}) into bug {} (seen {})",
                old.row.id, old.row.history.seen, new.row.id, new.row.history.seen
            )?;
        }
        Action::Show { id } => {
            let bug = history.find_bug(&id)?;
            let details = history.bug_details(bug)?;
            groups::write_bug_text(&mut out, &details, cli::terminal_style_auto())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
