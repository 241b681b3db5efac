//! XDG base directories, read from the environment (no I/O).

use std::path::PathBuf;

/// `$XDG_DATA_HOME`, else `$HOME/.local/share`.
pub fn data_home() -> Option<PathBuf> {
    base("XDG_DATA_HOME", ".local/share")
}

/// `$XDG_CONFIG_HOME`, else `$HOME/.config`.
pub fn config_home() -> Option<PathBuf> {
    base("XDG_CONFIG_HOME", ".config")
}

fn base(var: &str, fallback: &str) -> Option<PathBuf> {
    // The XDG spec: a relative path in the variable is invalid and must be ignored.
    if let Some(dir) = std::env::var_os(var).map(PathBuf::from) {
        if dir.is_absolute() {
            return Some(dir);
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    Some(home.join(fallback))
}

/// `$XDG_CACHE_HOME`, else `$HOME/.cache`.
pub fn cache_home() -> Option<PathBuf> {
    base("XDG_CACHE_HOME", ".cache")
}
