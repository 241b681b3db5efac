//! XDG base directories (etcetera's XDG strategy on every platform: a kernel developer's
//! config lives in ~/.config on a Mac too). A relative `$XDG_*_HOME` is ignored, as the spec
//! says; `None` when there is no home directory.

use etcetera::BaseStrategy;
use std::path::PathBuf;

fn xdg() -> Option<etcetera::base_strategy::Xdg> {
    etcetera::base_strategy::Xdg::new().ok()
}

/// `$XDG_DATA_HOME`, else `$HOME/.local/share`.
pub fn data_home() -> Option<PathBuf> {
    xdg().map(|xdg| xdg.data_dir())
}

/// `$XDG_CONFIG_HOME`, else `$HOME/.config`.
pub fn config_home() -> Option<PathBuf> {
    xdg().map(|xdg| xdg.config_dir())
}

/// `$XDG_CACHE_HOME`, else `$HOME/.cache`.
pub fn cache_home() -> Option<PathBuf> {
    xdg().map(|xdg| xdg.cache_dir())
}

/// `$XDG_CONFIG_HOME/legolog/config.toml`, legolog's config file.
pub fn config_path() -> Option<PathBuf> {
    config_home().map(|dir| dir.join("legolog").join("config.toml"))
}
