//! Running the parser over inputs and keeping what the renderers need.

use crate::input::{self, Source};
use anyhow::Context as _;
use legolog_parsers::{ParseConfig, Parser, Report};

/// What one input contributed.
#[derive(Debug, Clone)]
pub struct InputSummary {
    /// Where it came from.
    pub source: Source,
    /// Lines read.
    pub lines: u64,
    /// Reports found.
    pub reports: usize,
    /// Lines that belong to no report.
    pub unclaimed_lines: u64,
    /// Lines cut at the line-length limit.
    pub long_lines: u64,
}

/// A report together with the input it came from.
#[derive(Debug, Clone)]
pub struct Located {
    /// Index into [`Analysis::inputs`].
    pub input: usize,
    /// The report.
    pub report: Report,
}

/// Everything found in a set of inputs.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// One entry per input, in argument order.
    pub inputs: Vec<InputSummary>,
    /// Reports in input order, then log order.
    pub reports: Vec<Located>,
}

impl Analysis {
    /// The source a located report came from.
    pub fn source_of(&self, located: &Located) -> &Source {
        &self.inputs[located.input].source
    }
}

/// Parses one source and appends its reports.
pub fn analyze_source(
    analysis: &mut Analysis,
    source: Source,
    config: &ParseConfig,
) -> anyhow::Result<()> {
    let reader = input::open(&source)?;
    let mut parser = Parser::new(reader, config.clone());
    let input_idx = analysis.inputs.len();
    let mut found = Vec::new();
    for report in parser.by_ref() {
        let report = report.with_context(|| format!("{source}: read error"))?;
        found.push(Located {
            input: input_idx,
            report,
        });
    }
    let stats = parser.stats();
    analysis.inputs.push(InputSummary {
        source,
        lines: stats.lines,
        reports: found.len(),
        unclaimed_lines: stats.unclaimed_lines,
        long_lines: stats.long_lines,
    });
    analysis.reports.extend(found);
    Ok(())
}
