//! What the user set for one run, loaded once: the command line's `--limit`s, the environment
//! (`LEGOLOG_DB`) and `$XDG_CONFIG_HOME/legolog/config.toml`, read and parsed here and nowhere
//! else. The CLI loads a [`Settings`] once per command and passes it down; each module takes
//! the part it needs (limits, where the history is, its lifecycle thresholds, where kernel
//! images are). A part is checked when it is asked for, so a command never fails on a key it
//! does not use; every error names the file.

use crate::config::limits::Limits;
use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The config file, read and parsed once.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    table: toml::Table,
}

impl ConfigFile {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> anyhow::Result<ConfigFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| anyhow!("{}: cannot read: {err}", path.display()))?;
        let table: toml::Table = text
            .parse()
            .map_err(|err: toml::de::Error| anyhow!("{}: {}", path.display(), err.message()))?;
        Ok(ConfigFile {
            path: path.to_owned(),
            table,
        })
    }

    /// The file, as messages name it.
    pub fn shown(&self) -> String {
        self.path.display().to_string()
    }
}

/// One run's settings: flags, environment and config file.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    file: Option<ConfigFile>,
    /// The bounds on hostile input: the defaults, the file's `[limits]`, then `--limit`.
    pub limits: Limits,
}

/// Where kernel images are looked for, from the config file (`debug_dirs`, `debug_root`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DebugPlaces {
    /// `debug_dirs = [...]`: searched after the command line's `--debug-dir`s.
    #[serde(default)]
    pub debug_dirs: Vec<PathBuf>,
    /// `debug_root`: applies without `--debug-root`.
    pub debug_root: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
struct LimitsTable {
    #[serde(default)]
    limits: Option<Limits>,
}

impl Settings {
    /// Reads the config file (when there is one) and applies the `--limit KEY=N` overrides. A
    /// config file that cannot be read or parsed, a bad `[limits]` or a bad override is an
    /// error.
    pub fn load(limit_overrides: &[String]) -> anyhow::Result<Settings> {
        let file = match crate::config::dirs::config_path().filter(|path| path.exists()) {
            Some(path) => Some(ConfigFile::read(&path)?),
            None => None,
        };
        Settings::with_file(file, limit_overrides)
    }

    /// The settings of `file` (none: the defaults) and the `--limit` overrides.
    pub fn with_file(
        file: Option<ConfigFile>,
        limit_overrides: &[String],
    ) -> anyhow::Result<Settings> {
        let mut limits = match &file {
            Some(file) => {
                // Other tables and keys of the file belong to other parts.
                let mut only = toml::Table::new();
                if let Some(limits) = file.table.get("limits") {
                    only.insert("limits".to_owned(), limits.clone());
                }
                let table: LimitsTable = only
                    .try_into()
                    .with_context(|| format!("{}: [limits]", file.shown()))?;
                table.limits.unwrap_or_default()
            }
            None => Limits::default(),
        };
        for item in limit_overrides {
            limits.set(item)?;
        }
        Ok(Settings { file, limits })
    }

    /// The history's location as the user gave it: `flag` (`--db`), else `LEGOLOG_DB`, else the
    /// config file's `db`; `None` leaves the default file. A `db` that is not a string is an
    /// error.
    pub fn history_spec(&self, flag: Option<&str>) -> anyhow::Result<Option<String>> {
        if let Some(spec) = flag {
            return Ok(Some(spec.to_owned()));
        }
        if let Some(spec) = std::env::var("LEGOLOG_DB").ok().filter(|s| !s.is_empty()) {
            return Ok(Some(spec));
        }
        let Some(file) = &self.file else {
            return Ok(None);
        };
        match file.table.get("db") {
            None => Ok(None),
            Some(value) => match value.as_str() {
                Some(spec) => Ok(Some(spec.to_owned())),
                None => bail!(
                    "{}: `db` must be a string (a path or a postgresql:// URL)",
                    file.shown()
                ),
            },
        }
    }

    /// The lifecycle thresholds: `[history]` of the config file, else the defaults.
    pub fn lifecycle(&self) -> anyhow::Result<LifecycleConfig> {
        match &self.file {
            Some(file) => LifecycleConfig::from_table(&file.table, &file.shown()),
            None => Ok(LifecycleConfig::default()),
        }
    }

    /// Where kernel images are looked for besides the command line's places.
    pub fn debug_places(&self) -> anyhow::Result<DebugPlaces> {
        let Some(file) = &self.file else {
            return Ok(DebugPlaces::default());
        };
        let mut only = toml::Table::new();
        for key in ["debug_dirs", "debug_root"] {
            if let Some(value) = file.table.get(key) {
                only.insert(key.to_owned(), value.clone());
            }
        }
        only.try_into()
            .with_context(|| format!("{}: not a legolog config", file.shown()))
    }
}

/// The thresholds of the lifecycle, from `[history]` in the config file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifecycleConfig {
    /// Crash documents kept per bug (`max_documents`, default 40).
    pub max_documents: usize,
    /// A bug needs this many sightings before it can be quiet (`quiet_min_crashes`, 10).
    pub quiet_min_crashes: u64,
    /// The expected silence is at least this many days (`quiet_min_days`, 7).
    pub quiet_min_days: f64,
    /// … and at most this many (`quiet_max_days`, 90).
    pub quiet_max_days: f64,
}

impl Default for LifecycleConfig {
    fn default() -> LifecycleConfig {
        LifecycleConfig {
            max_documents: 40,
            quiet_min_crashes: 10,
            quiet_min_days: 7.0,
            quiet_max_days: 90.0,
        }
    }
}

impl LifecycleConfig {
    /// Reads `[history]` of a config file's table; absent keys keep their default. A key of
    /// the wrong type is an error naming the file and the key.
    pub fn from_table(table: &toml::Table, file: &str) -> anyhow::Result<LifecycleConfig> {
        let mut config = LifecycleConfig::default();
        let Some(section) = table.get("history") else {
            return Ok(config);
        };
        let Some(section) = section.as_table() else {
            bail!("{file}: [history] must be a table");
        };
        let number = |key: &str| -> anyhow::Result<Option<f64>> {
            match section.get(key) {
                None => Ok(None),
                Some(value) => match value.as_integer().map(|i| i as f64).or(value.as_float()) {
                    Some(n) if n >= 0.0 => Ok(Some(n)),
                    _ => bail!("{file}: history.{key} must be a number ≥ 0"),
                },
            }
        };
        if let Some(n) = number("max_documents")? {
            config.max_documents = (n as usize).max(1);
        }
        if let Some(n) = number("quiet_min_crashes")? {
            config.quiet_min_crashes = (n as u64).max(2);
        }
        if let Some(n) = number("quiet_min_days")? {
            config.quiet_min_days = n;
        }
        if let Some(n) = number("quiet_max_days")? {
            config.quiet_max_days = n.max(config.quiet_min_days);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> ConfigFile {
        ConfigFile {
            path: PathBuf::from("config.toml"),
            table: text.parse().unwrap(),
        }
    }

    #[test]
    fn the_limits_table_is_typed() {
        let settings = Settings::with_file(Some(file("[limits]\nmax_rules = 5\n")), &[]).unwrap();
        assert_eq!(settings.limits.max_rules, 5);
        let overridden = Settings::with_file(
            Some(file("[limits]\nmax_rules = 5\n")),
            &["max_rules=7".into()],
        )
        .unwrap();
        assert_eq!(overridden.limits.max_rules, 7, "--limit beats the file");
        let err = Settings::with_file(Some(file("[limits]\nmax_rulez = 5\n")), &[]).unwrap_err();
        assert!(
            format!("{err:#}").starts_with("config.toml: [limits]"),
            "{err:#}"
        );
    }

    #[test]
    fn each_part_is_checked_when_asked_for() {
        let settings = Settings::with_file(Some(file("db = 3\ndebug_root = 4\n")), &[]).unwrap();
        let err = settings.history_spec(None).unwrap_err();
        assert!(
            err.to_string()
                .contains("config.toml: `db` must be a string"),
            "{err}"
        );
        assert_eq!(
            settings.history_spec(Some("x")).unwrap().as_deref(),
            Some("x")
        );
        assert!(settings.debug_places().is_err());
        assert_eq!(settings.lifecycle().unwrap(), LifecycleConfig::default());
        let places = Settings::with_file(Some(file("debug_dirs = [\"/d\"]\n")), &[])
            .unwrap()
            .debug_places()
            .unwrap();
        assert_eq!(places.debug_dirs, vec![PathBuf::from("/d")]);
        assert_eq!(places.debug_root, None);
    }
}
