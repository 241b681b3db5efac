//! Where the history lives and opening it: `--db` (a `postgresql://` URL or a SQLite path),
//! else `LEGOLOG_DB`, else `db = "…"` in the config file (all three from `config::settings`), else
//! the default SQLite file. After opening, reports recorded by a version-1 legolog are re-signed
//! and grouped into bugs (docs/signatures.md, "Versioning").

use crate::config::events::{Event, Events};
use crate::config::limits::Limits;
use crate::config::settings::Settings;
use crate::history::{History, ReportRecord};
use crate::identity::rules::RuleSet;
use crate::input::{self, Source};
use crate::pipeline::analysis::{self, Identity};
use anyhow::anyhow;
use legolog_parsers::ParseConfig;
use std::path::PathBuf;

/// Where a history is, as the user said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL URL.
    Url(String),
}

impl Location {
    fn parse(spec: &str) -> Location {
        if crate::history::postgres::is_url(spec) {
            Location::Url(spec.to_owned())
        } else {
            Location::File(PathBuf::from(spec))
        }
    }

    /// Whether there is nothing to read yet (a SQLite file that does not exist).
    pub fn is_missing(&self) -> bool {
        matches!(self, Location::File(path) if !path.exists())
    }

    /// As shown in messages.
    pub fn shown(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Url(url) => url.rsplit('@').next().unwrap_or(url).to_owned(),
        }
    }
}

/// `$XDG_DATA_HOME/legolog/history.sqlite3`, else `~/.local/share/legolog/history.sqlite3`.
pub fn default_file() -> Option<PathBuf> {
    crate::config::dirs::data_home().map(|dir| dir.join("legolog").join("history.sqlite3"))
}

/// [`locate`] for the commands that need a history (`history`, `bug`): no location is an
/// error.
pub fn locate_required(settings: &Settings, flag: Option<&str>) -> anyhow::Result<Location> {
    locate(settings, flag)?.ok_or_else(|| {
        anyhow!("no history location (neither XDG_DATA_HOME nor HOME is set; use --db)")
    })
}

/// Resolves the history's location: the flag, `LEGOLOG_DB`, the config file's `db`
/// ([`Settings::history_spec`]), the default file. `None` when none applies (no HOME).
pub fn locate(settings: &Settings, flag: Option<&str>) -> anyhow::Result<Option<Location>> {
    Ok(match settings.history_spec(flag)? {
        Some(spec) => Some(Location::parse(&spec)),
        None => default_file().map(Location::File),
    })
}

/// Opens (creating or migrating) the history at `location` and regroups what an older legolog
/// recorded (said to `events`). A server that cannot be reached is an error, never a fallback
/// to a local file.
/// The lifecycle thresholds come from `settings` (`[history]`).
pub fn open(
    location: &Location,
    rules: &RuleSet,
    settings: &Settings,
    events: &dyn Events,
) -> anyhow::Result<History> {
    let mut history = match location {
        Location::File(path) => History::open(path)?,
        Location::Url(url) => History::open_spec(url)?,
    };
    history.set_grouping(&rules.grouping);
    history.set_lifecycle(settings.lifecycle()?);
    rekey_legacy(&mut history, &settings.limits, events)?;
    regroup_legacy(&mut history, rules, &settings.limits, events)?;
    resign_stored(&mut history, rules, &settings.limits, events)?;
    Ok(history)
}

/// Re-signs the reports recorded under an older signature scheme, or under other built-in
/// grouping rules, and regroups the history, once, after the schema migration that asks for it
/// or the first open by a legolog whose built-in grouping rules differ (docs/signatures.md,
/// "Versioning"). What changed is said once, as `rules diff` says it.
pub fn resign_stored(
    history: &mut History,
    rules: &RuleSet,
    limits: &Limits,
    events: &dyn Events,
) -> anyhow::Result<()> {
    let digest = crate::identity::rules::builtin_grouping_digest();
    let rules_changed = history.check_builtin_digest(&digest)?;
    if !history.resign_pending()? {
        return Ok(());
    }
    let config = ParseConfig::standard();
    let mut records = std::collections::HashMap::new();
    // New rules can change any signature: every log is read again.
    let logs = if rules_changed {
        history.all_logs()?
    } else {
        history.logs_to_resign()?
    };
    for log in logs {
        if let Some(resigned) = resign(&log.path, &log.content_hash, (&config, limits), rules) {
            records.insert(log.id, resigned);
        }
    }
    let diff = history.resign_stored(&records, &digest)?;
    let done = diff.counts;
    if done.resigned + done.kept == 0 {
        return Ok(());
    }
    let why = if rules_changed {
        "the built-in grouping rules changed".to_owned()
    } else {
        format!("signature version {}", crate::identity::signature::VERSION)
    };
    events.event(Event::Notice(&format!(
        "{}: {why}: re-signed {} report(s) from their logs ({} kept their signature: log gone or changed); {} bug(s) before, {} after",
        history.name(),
        done.resigned,
        done.kept,
        done.bugs_before,
        done.bugs_after
    )));
    // The re-signing was said above; the moves, merges and splits follow, a notice a line.
    for line in diff.text_lines(&why, "did").iter().skip(1) {
        events.event(Event::Notice(&format!("{}: {line}", history.name())));
    }
    Ok(())
}

/// Gives a BLAKE3 content key to every log recorded under SHA-256 (schema 3): the log is read
/// again from its recorded path and takes the new key when its SHA-256 is the recorded one, so
/// analyzing it again still counts it once. A log whose file is gone or changed keeps its old
/// key; no row is dropped.
pub fn rekey_legacy(
    history: &mut History,
    limits: &Limits,
    events: &dyn Events,
) -> anyhow::Result<()> {
    let logs = history.legacy_keys()?;
    if logs.is_empty() {
        return Ok(());
    }
    let mut n_rekeyed = 0;
    for log in &logs {
        let key = both_keys(&log.path, limits)
            .filter(|(sha256, _)| *sha256 == log.content_hash)
            .map(|(_, key)| key);
        if history.rekey_log(log, key.as_deref())? {
            n_rekeyed += 1;
        }
    }
    events.event(Event::Notice(&format!(
        "{}: gave {n_rekeyed} of {} log(s) recorded by an older legolog the new content key; the others' files are gone or changed and keep their old key",
        history.name(),
        logs.len()
    )));
    Ok(())
}

/// The SHA-256 (hex, the key before schema 3) and the content key of the file at `path`, read
/// in one pass; `None` when it cannot be read to its end.
fn both_keys(path: &str, limits: &Limits) -> Option<(String, String)> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    if path == "-" || !std::path::Path::new(path).is_file() {
        return None;
    }
    let source = Source::from_arg(std::path::Path::new(path));
    let mut reader = input::open(&source, limits.max_log_bytes).ok()?;
    let mut sha256 = Sha256::new();
    let mut blake3 = blake3::Hasher::new();
    let mut buf = vec![0; 256 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let chunk = buf.get(..n)?;
                sha256.update(chunk);
                blake3.update(chunk);
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    let sha256 = sha256
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some((sha256, crate::pipeline::stream::content_key(&blake3)))
}

/// Gives a bug to every report an older legolog recorded: the log is read again from its
/// recorded path when it still has the recorded content, so its reports take the current
/// signature and frames; otherwise they keep their stored signature.
pub fn regroup_legacy(
    history: &mut History,
    rules: &RuleSet,
    limits: &Limits,
    events: &dyn Events,
) -> anyhow::Result<()> {
    let logs = history.legacy_logs()?;
    if logs.is_empty() {
        return Ok(());
    }
    let config = ParseConfig::standard();
    for log in &logs {
        let resigned = resign(&log.path, &log.content_hash, (&config, limits), rules);
        history.regroup_log(log, resigned.as_deref())?;
    }
    events.event(Event::Notice(&format!(
        "{}: regrouped {} log(s) recorded by an older legolog into bugs",
        history.name(),
        logs.len()
    )));
    Ok(())
}

/// The current records of a recorded log, read again from `path` when it still has the
/// recorded content.
pub fn resign(
    path: &str,
    content_hash: &str,
    config: (&ParseConfig, &Limits),
    rules: &RuleSet,
) -> Option<Vec<ReportRecord>> {
    if path == "-" || !std::path::Path::new(path).is_file() {
        return None;
    }
    let source = Source::from_arg(std::path::Path::new(path));
    let (summary, records) = analysis::parse_source(source, config, Identity::Hash, |report| {
        let (signature, labels) = crate::pipeline::enrich::annotate(&report, rules);
        analysis::report_record(&report, &signature, &labels)
    })
    .ok()?;
    (summary.content_hash.as_deref() == Some(content_hash)).then_some(records)
}
