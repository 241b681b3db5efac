//! Running the parser over inputs and keeping what the renderers need: each report with its
//! signature, the labels of the known-bug rules it matches and, when a history is open, how
//! often it was seen before.

use crate::decode::Decoded;
use crate::history::{BugHistory, History, LogRecord, ReportRecord};
use crate::input::{self, Source};
use crate::locate::Locator;
use crate::rules::RuleSet;
use crate::run::{self, RunInfo, RunOverrides};
use crate::signature::{self, Signature};
use anyhow::Context as _;
use legolog_parsers::kernel::BannerScanner;
use legolog_parsers::{ParseConfig, Report, Scanner};
use sha2::{Digest, Sha256};
use std::io::Read;

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
    /// SHA-256 of the decompressed content, hex: the history's identity of a log. Only
    /// computed when a history will record the log ([`Identity::Hash`]).
    pub content_hash: Option<String>,
    /// Run name and node from the file name, date from the log's wall clock (or the flags).
    pub run: RunInfo,
}

/// A report together with the input it came from and what legolog knows about it.
#[derive(Debug, Clone)]
pub struct Located {
    /// Index into [`Analysis::inputs`].
    pub input: usize,
    /// The report.
    pub report: Report,
    /// Its signature.
    pub signature: Signature,
    /// Names of the known-bug rules it matches.
    pub labels: Vec<String>,
    /// What the history says about its bug, when a history is open.
    pub history: Option<BugHistory>,
    /// What the kernel image says about it, when one was given or found.
    pub decoded: Option<Decoded>,
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

    /// What to write into the history: every hashed input (by index) with its reports.
    pub fn log_records(&self) -> Vec<(usize, LogRecord)> {
        self.inputs
            .iter()
            .enumerate()
            .filter_map(|(input_idx, input)| {
                let reports = self
                    .reports
                    .iter()
                    .filter(|located| located.input == input_idx)
                    .map(|located| {
                        report_record(&located.report, &located.signature, &located.labels)
                    })
                    .collect();
                log_record(input, reports).map(|record| (input_idx, record))
            })
            .collect()
    }

    /// Records every input in `history` (idempotently, one transaction) and attaches each
    /// report's bug.
    pub fn record_and_attach(&mut self, history: &mut History) -> anyhow::Result<()> {
        let (inputs, records): (Vec<usize>, Vec<LogRecord>) =
            self.log_records().into_iter().unzip();
        let attachments = history.record(&records)?;
        // One lookup per bug, however many of its reports the logs hold.
        let mut bugs: std::collections::HashMap<i64, BugHistory> = Default::default();
        for (input_idx, log_attachments) in inputs.into_iter().zip(attachments) {
            let located = self
                .reports
                .iter_mut()
                .filter(|located| located.input == input_idx);
            for (located, attachment) in located.zip(log_attachments) {
                let bug = match bugs.get(&attachment.bug) {
                    Some(bug) => bug.clone(),
                    None => {
                        let bug = history.bug_history(&attachment)?;
                        bugs.insert(attachment.bug, bug.clone());
                        bug
                    }
                };
                located.history = Some(BugHistory {
                    matched: attachment.matched,
                    created: attachment.created,
                    ..bug
                });
            }
        }
        Ok(())
    }

    /// Applies `--run`, `--node` and `--run-date` to every input.
    pub fn override_runs(&mut self, overrides: &RunOverrides) {
        for input in &mut self.inputs {
            overrides.apply(&mut input.run);
        }
    }
}

/// The history row of one input; `None` when it was parsed without [`Identity::Hash`].
pub fn log_record(input: &InputSummary, reports: Vec<ReportRecord>) -> Option<LogRecord> {
    Some(LogRecord {
        content_hash: input.content_hash.clone()?,
        path: input.source.to_string(),
        run: input.run.name.clone(),
        node: input.run.node.clone(),
        date: input.run.date,
        reports,
    })
}

/// Whether parsing also computes each log's content hash, its identity in the history. Hashing
/// costs about a third of the parse on a large log, so it is only done when a history records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// Compute the SHA-256 of the decompressed content.
    Hash,
    /// No history: skip it.
    Skip,
}

/// The history row of one report.
pub fn report_record(report: &Report, signature: &Signature, labels: &[String]) -> ReportRecord {
    signature_record(
        signature,
        &report.title,
        labels,
        report.time,
        report.task.kernel.clone(),
    )
}

/// The history row of a report known by its signature, title and labels.
pub fn signature_record(
    signature: &Signature,
    title: &str,
    labels: &[String],
    time: Option<f64>,
    kernel: Option<String>,
) -> ReportRecord {
    ReportRecord {
        signature: signature.id.clone(),
        signature_version: signature::VERSION,
        kind: signature.kind.clone(),
        basis: signature.basis,
        frames: signature.frames.clone(),
        title: title.to_owned(),
        labels: labels.to_vec(),
        time,
        kernel,
    }
}

/// The signature and labels of a report, trusting frames the way the kernel marked them.
pub fn annotate(report: &Report, rules: &RuleSet) -> (Signature, Vec<String>) {
    let trust = signature::kernel_trust(report);
    annotate_with(report, rules, &trust)
}

/// The signature and labels of a report. The signature always trusts frames the way the kernel
/// marked them (scheme version 2: identity never depends on symbols, docs/signatures.md); the
/// known-bug rules see `trust` (the kernel's marks, or the verdicts of a kernel image).
pub fn annotate_with(
    report: &Report,
    rules: &RuleSet,
    trust: &dyn Fn(usize) -> signature::Trust,
) -> (Signature, Vec<String>) {
    let signature = signature::compute(report, &rules.signature, &signature::kernel_trust(report));
    let labels = rules
        .matches(report, trust)
        .into_iter()
        .map(|rule| rule.name.clone())
        .collect();
    (signature, labels)
}

/// Parses one source and appends its reports, decoded against the kernel image the locator
/// finds for each (given, or found from what the log says about its kernel).
pub fn analyze_source(
    analysis: &mut Analysis,
    source: Source,
    config: &ParseConfig,
    rules: &RuleSet,
    locator: Option<&Locator>,
    identity: Identity,
) -> anyhow::Result<()> {
    let input_idx = analysis.inputs.len();
    let banners = locator.map(|_| BannerScanner::new());
    let (summary, found) =
        parse_source_watching(source, config, identity, banners, |report, banners| {
            let decoded = locator.and_then(|locator| {
                locator.decode(&report, banners.and_then(|b| b.before(report.span.start)))
            });
            let (signature, labels) = match &decoded {
                Some(decoded) => annotate_with(&report, rules, &|idx| decoded.trust(&report, idx)),
                None => annotate(&report, rules),
            };
            Located {
                input: input_idx,
                report,
                signature,
                labels,
                history: None,
                decoded,
            }
        })?;
    analysis.inputs.push(summary);
    analysis.reports.extend(found);
    Ok(())
}

/// Parses one source, handing each report to `keep` (which may shrink it to what the caller
/// needs, so memory stays bounded when many logs are read).
pub fn parse_source<T>(
    source: Source,
    config: &ParseConfig,
    identity: Identity,
    keep: impl FnMut(Report) -> T,
) -> anyhow::Result<(InputSummary, Vec<T>)> {
    let mut keep = keep;
    parse_source_watching(source, config, identity, None, |report, _| keep(report))
}

/// [`parse_source`], also feeding the bytes read to `banners` (boot banners are outside every
/// report, so the parser does not keep them); `keep` sees the banners read so far.
pub fn parse_source_watching<T>(
    source: Source,
    config: &ParseConfig,
    identity: Identity,
    mut banners: Option<BannerScanner>,
    mut keep: impl FnMut(Report, Option<&BannerScanner>) -> T,
) -> anyhow::Result<(InputSummary, Vec<T>)> {
    let mut reader = input::open(&source)?;
    let mut hasher = matches!(identity, Identity::Hash).then(Sha256::new);
    // The log's start, where its wall-clock date is looked for.
    let mut head: Vec<u8> = Vec::new();
    let mut scanner = Scanner::new(config.clone());
    let mut found = Vec::new();
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err).with_context(|| format!("{source}: read error")),
        };
        let chunk = &buf[..n];
        if let Some(hasher) = &mut hasher {
            hasher.update(chunk);
        }
        let room = run::DATE_HEAD_BYTES.saturating_sub(head.len()).min(n);
        head.extend_from_slice(&chunk[..room]);
        if let Some(banners) = &mut banners {
            match n {
                0 => banners.finish(),
                _ => banners.feed(chunk),
            }
        }
        match n {
            0 => scanner.finish(),
            _ => scanner.push(chunk),
        }
        while let Some(report) = scanner.pop() {
            found.push(keep(report, banners.as_ref()));
        }
        if n == 0 {
            break;
        }
    }
    let stats = scanner.stats();
    let (lines, unclaimed_lines, long_lines) =
        (stats.lines, stats.unclaimed_lines, stats.long_lines);
    let content_hash = hasher.map(|hasher| {
        let digest = hasher.finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    });
    let run = run::run_info(&source.run_name(), &head);
    let summary = InputSummary {
        source,
        lines,
        reports: found.len(),
        unclaimed_lines,
        long_lines,
        content_hash,
        run,
    };
    Ok((summary, found))
}

/// Bytes read per step: large enough that the scanner's search runs over long stretches.
const READ_CHUNK: usize = 256 * 1024;
