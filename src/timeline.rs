//! `legolog timeline`.
use crate::node::NodeSpec;
use legolog_parsers::ParseConfig;
use std::io::Write;

/// The timeline.
pub struct Timeline;

/// Builds it.
pub fn build(_specs: &[NodeSpec], _config: &ParseConfig) -> (Timeline, bool) {
    (Timeline, false)
}

/// Text.
pub fn write_text(_out: &mut dyn Write, _t: &Timeline) -> anyhow::Result<()> {
    Ok(())
}

/// JSON.
pub fn write_json(_out: &mut dyn Write, _t: &Timeline) -> anyhow::Result<()> {
    Ok(())
}
