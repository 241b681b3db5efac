//! `legolog serve`: the dashboard (`crate::serve`); this module only turns flags into options.

use crate::cli::exit::EXIT_OK;
use crate::identity::rules::RuleSet;
use crate::pipeline::store;
use crate::serve::edit::EditAccess;
use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Flags of `legolog serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// History to serve: a SQLite file or a PostgreSQL URL (default: as for `history`). It is
    /// opened read-only: the server never writes.
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,

    /// Address and port to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Write the pages as static HTML into DIR (links work from file://) instead of serving.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,

    /// Say that serving read-only on a non-loopback address is meant (no warning then).
    #[arg(long)]
    pub read_only: bool,

    /// Allow edits from the pages (name, link, fixed, invalid, dup, undup, reopen), each
    /// recorded in the audit table with the editor's name. An editor signs in with a token:
    /// from --edit-token-file, else LEGOLOG_EDIT_TOKEN, else one made now and printed. Without
    /// --edit the history is only ever opened read-only.
    #[arg(long)]
    pub edit: bool,

    /// File whose first line is the edit token (at least 16 characters).
    #[arg(long, value_name = "PATH", requires = "edit")]
    pub edit_token_file: Option<PathBuf>,

    /// Kernel image (and module dirs) that decode crash pages: each frame's verdict and
    /// file:line, as `report --format html --vmlinux` shows them.
    #[command(flatten)]
    pub symbols: crate::cli::args::SymbolArgs,

    /// Seconds one request may take before it is answered 503.
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout: u64,
}

/// Runs `legolog serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = crate::config::settings::Settings::load(&[])?;
    let location = store::locate_required(&settings, args.db.as_deref())?;
    if location.is_missing() {
        bail!("{}: no history yet", location.shown());
    }
    let db = match &location {
        store::Location::File(path) => path.display().to_string(),
        store::Location::Url(url) => url.clone(),
    };
    let locator = match &args.symbols.vmlinux {
        Some(_) => {
            let options = crate::symbolize::locate::LocateOptions::with_settings(
                args.symbols.vmlinux.clone(),
                args.symbols.module_dirs.clone(),
                Vec::new(),
                None,
                None,
                None,
                &settings,
            )?;
            Some(Arc::new(options))
        }
        None => None,
    };
    let edit = if args.edit {
        let (token, made) = edit_token(args.edit_token_file.as_deref())?;
        let rules = RuleSet::load(None, &settings.limits)?;
        let events = crate::render::stderr::Stderr::new();
        let writable = location.clone();
        let settings = settings.clone();
        let open: crate::serve::Opener =
            Arc::new(move || store::open(&writable, &rules, &settings, &*events));
        Some(EditAccess { token, made, open })
    } else {
        None
    };
    crate::serve::run(crate::serve::Options {
        db,
        shown: location.shown(),
        listen: args.listen,
        export: args.export,
        read_only: args.read_only,
        timeout: Duration::from_secs(args.request_timeout),
        edit,
        locator,
        limits: settings.limits.clone(),
    })?;
    Ok(ExitCode::from(EXIT_OK))
}

/// The edit token: the file's first line, else `LEGOLOG_EDIT_TOKEN`, else a new one (then
/// `true`: it is printed).
fn edit_token(file: Option<&Path>) -> anyhow::Result<(String, bool)> {
    let given = match file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        ),
        None => std::env::var("LEGOLOG_EDIT_TOKEN").ok(),
    };
    match given {
        Some(token) if token.chars().count() < MIN_TOKEN => {
            bail!("the edit token must be at least {MIN_TOKEN} characters")
        }
        Some(token) => Ok((token, false)),
        None => Ok((crate::serve::edit::random_hex(24)?, true)),
    }
}

const MIN_TOKEN: usize = 16;

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn serve(args: &[&str]) -> super::ServeArgs {
        let mut argv = vec!["legolog", "serve"];
        argv.extend(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Serve(args) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn listen_defaults_to_loopback() {
        let args = serve(&[]);
        assert!(args.listen.ip().is_loopback());
        assert_eq!(args.request_timeout, 10);
        assert!(!args.read_only);
    }

    #[test]
    fn flags() {
        let args = serve(&[
            "--db",
            "h.sqlite3",
            "--listen",
            "0.0.0.0:9000",
            "--read-only",
            "--export",
            "out",
            "--request-timeout",
            "3",
        ]);
        assert_eq!(args.db.as_deref(), Some("h.sqlite3"));
        assert_eq!(args.listen.port(), 9000);
        assert!(args.read_only);
        assert_eq!(args.export.unwrap().to_str(), Some("out"));
        assert_eq!(args.request_timeout, 3);
        assert!(Cli::try_parse_from(["legolog", "serve", "--listen", "nowhere"]).is_err());
        assert!(Cli::try_parse_from(["legolog", "serve", "--request-timeout", "0"]).is_err());
    }
}
