//! `legolog serve`: the lab's dashboard over a history, in one binary.
//!
//! Layering: this is a top layer beside the CLI. It reads the history through
//! [`crate::history::views`] (read-only connections), builds run timelines with
//! [`crate::pipeline::timeline`] and re-reads recorded logs with [`crate::pipeline::analysis`];
//! nothing below imports it. Pages are maud templates (checked by the compiler, escaping by the engine), each
//! with a versioned JSON twin (`?json=1` or `Accept: application/json`, docs/serve.md).
//!
//! * [`db`] — worker threads owning read-only connections; the change poller.
//! * [`http`] — the axum router, bounds (query length, page size, time limit), security
//!   headers (a CSP without inline script), server-sent events for live pages.
//! * [`edit`] — `--edit`: sign-in with the token, CSRF checks, edits through one writable
//!   connection of its own (the only one; without `--edit` nothing is opened for writing).
//! * [`export`] — the same pages as static files (`--export DIR`).
//! * [`layout`], [`svg`], [`pages`] — markup.

pub mod db;
pub mod edit;
pub mod export;
pub mod http;
pub mod layout;
pub mod pages;
pub mod svg;

use crate::history::History;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use layout::Bounds;

/// What `legolog serve` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The history: a SQLite path or a `postgresql://` URL.
    pub db: String,
    /// The history as shown in messages.
    pub shown: String,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Write static pages here instead of serving.
    pub export: Option<PathBuf>,
    /// `--read-only` was given (binding a non-loopback address is then deliberate).
    pub read_only: bool,
    /// Per-request time limit.
    pub timeout: Duration,
    /// `--edit`: edits from the pages, behind this token.
    pub edit: Option<edit::EditAccess>,
    /// `--vmlinux`: decodes crash pages (each connection thread keeps a locator of its own).
    pub locator: Option<Arc<crate::symbolize::locate::LocateOptions>>,
    /// The bounds on what a page reads again from a log (`[limits]`, `--limit`).
    pub limits: crate::config::limits::Limits,
}

/// Opens a connection to the history.
pub type Opener = Arc<dyn Fn() -> anyhow::Result<History> + Send + Sync>;

/// Opens the history read-only, the way every connection that reads pages does.
pub fn opener(spec: &str) -> Opener {
    let spec = spec.to_owned();
    Arc::new(move || History::open_read_only(&spec))
}

/// Serves (until Ctrl-C) or exports.
pub fn run(options: Options) -> anyhow::Result<()> {
    if let Some(dir) = &options.export {
        let mut history = History::open_read_only(&options.db)?;
        let written = export::write(&mut history, dir, &options.limits)?;
        crate::eprint_safe!(
            "legolog: exported {written} pages of {} to {}",
            options.shown,
            dir.display()
        );
        return Ok(());
    }
    if !options.listen.ip().is_loopback() && !options.read_only && options.edit.is_none() {
        crate::eprint_safe!(
            "legolog: warning: listening on {}, which is not a loopback address: anyone who can reach it reads the whole history (pass --read-only to say this is meant)",
            options.listen
        );
    }
    // Connections are made on threads of their own, outside the async runtime (the
    // PostgreSQL client blocks on a runtime of its own). With --edit the writable connection
    // comes first: opening it upgrades a history an older legolog wrote, which the read-only
    // ones could not read.
    let editor = match &options.edit {
        Some(access) => Some(Arc::new(edit::Editor::start(access)?)),
        None => None,
    };
    let open = opener(&options.db);
    let db = db::pool(4, open.clone())?;
    let changes = db::watch_changes(open, http::POLL)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(16)
        .enable_all()
        .build()?;
    runtime.block_on(http::serve(options, db, changes, editor))
}
