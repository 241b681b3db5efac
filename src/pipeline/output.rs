//! The output stage: where enriched reports leave the pipeline, and the pipeline's whole face
//! to renderers. Every report renderer implements [`Output`] (`render::live`'s blocks, lines
//! and jsonl, `render::WholeDocument` (json, markdown), `ops::console`'s `--exec`),
//! as ripgrep's printers implement its searcher's `Sink`: the pipeline hands reports to a
//! `dyn Output` and never names a renderer. A renderer imports from the pipeline only this
//! module (the trait and the data it is handed, re-exported below), never a stage
//! (`tests/layering.rs` holds `render/` to that).

pub use crate::pipeline::analysis::{Analysis, InputSummary, Located, Stop};
pub use crate::pipeline::stream::Status;

/// What `correlate` hands its renderer (`render::groups`).
pub mod correlated {
    pub use crate::pipeline::correlate::{Group, LogResult};
}

/// What `timeline` hands its renderer (`render::timeline`).
pub mod timeline {
    pub use crate::pipeline::timeline::{Group, Timeline};
}

/// A renderer of reports, fed as they come and told when everything has ended.
pub trait Output {
    /// One report of `analysis.inputs[located.input]` (see [`Status`]: a finished report, the
    /// report in progress at a pause, or a correction of one shown at a pause). A document
    /// format shows nothing here and writes everything at [`Output::finish`].
    fn report(
        &mut self,
        analysis: &Analysis,
        located: &Located,
        status: Status,
    ) -> anyhow::Result<()>;

    /// A warning about input `input`; the input goes on. Warnings are always said on stderr
    /// too, so a format shows them only when it has a place for them (jsonl).
    fn warning(&mut self, analysis: &Analysis, input: usize, text: &str) -> anyhow::Result<()> {
        let _ = (analysis, input, text);
        Ok(())
    }

    /// The end: every input's counters and the finished reports kept in `analysis.reports`,
    /// plus `more` finished reports not kept there.
    fn finish(&mut self, analysis: &Analysis, more: usize) -> anyhow::Result<()>;

    /// Whether [`Output::finish`] reads `analysis.reports` (a summary table, a document), so
    /// the driver keeps finished reports for it; a line per report keeps none.
    fn keeps_reports(&self) -> bool {
        true
    }
}

/// Several outputs fed the same reports in turn (the chosen format and `--exec`).
pub struct Tee<'a>(pub Vec<Box<dyn Output + 'a>>);

impl Output for Tee<'_> {
    fn report(
        &mut self,
        analysis: &Analysis,
        located: &Located,
        status: Status,
    ) -> anyhow::Result<()> {
        for output in &mut self.0 {
            output.report(analysis, located, status)?;
        }
        Ok(())
    }

    fn warning(&mut self, analysis: &Analysis, input: usize, text: &str) -> anyhow::Result<()> {
        for output in &mut self.0 {
            output.warning(analysis, input, text)?;
        }
        Ok(())
    }

    fn finish(&mut self, analysis: &Analysis, more: usize) -> anyhow::Result<()> {
        for output in &mut self.0 {
            output.finish(analysis, more)?;
        }
        Ok(())
    }

    fn keeps_reports(&self) -> bool {
        self.0.iter().any(|output| output.keeps_reports())
    }
}
