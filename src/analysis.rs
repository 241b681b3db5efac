//! Running the parser over inputs and keeping what the renderers need: each report with its
//! signature, the labels of the known-bug rules it matches and, when a history is open, how
//! often it was seen before.

use crate::decode::Decoded;
use crate::history::{History, LogRecord, ReportRecord, SignatureHistory};
use crate::input::{self, Source};
use crate::limits::{self, Limits};
use crate::locate::Locator;
use crate::rules::RuleSet;
use crate::run::{self, RunInfo};
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
    /// Run name and date from the file name (and mtime).
    pub run: RunInfo,
    /// Reports found after [`Limits::max_reports`] were kept: counted, not kept.
    pub skipped_reports: u64,
    /// Reports cut to [`Limits::max_report_bytes`].
    pub trimmed_reports: u64,
    /// What stopped the reading early, if anything, with the decompressed byte offset: damage
    /// in a compressed stream (an error: exit code 2) or a limit (a warning). The reports
    /// complete before it are kept.
    pub stopped: Option<Stop>,
}

/// Why an input was not read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A truncated or corrupt stream: the message names the offset.
    Damaged(String),
    /// The decompressed-size limit.
    Limit(String),
}

impl InputSummary {
    /// The warnings this input deserves (limits reached, damage), one line each, naming the
    /// input and the limit.
    pub fn warnings(&self, limits: &Limits) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.skipped_reports > 0 {
            warnings.push(format!(
                "{}: kept the first {} reports (limit max_reports); {} more counted, not kept",
                self.source, limits.max_reports, self.skipped_reports
            ));
        }
        if self.trimmed_reports > 0 {
            warnings.push(format!(
                "{}: {} report(s) cut to {} bytes (limit max_report_bytes)",
                self.source, self.trimmed_reports, limits.max_report_bytes
            ));
        }
        match &self.stopped {
            Some(Stop::Damaged(what) | Stop::Limit(what)) => warnings.push(what.clone()),
            None => {}
        }
        warnings
    }

    /// Whether the input was damaged (exit code 2).
    pub fn damaged(&self) -> bool {
        matches!(self.stopped, Some(Stop::Damaged(_)))
    }
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
    /// What the history says about its signature, when a history is open.
    pub history: Option<SignatureHistory>,
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

    /// What to write into the history: every hashed input with its reports.
    pub fn log_records(&self) -> Vec<LogRecord> {
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
                log_record(input, reports)
            })
            .collect()
    }

    /// Records every input in `history` (idempotently) and attaches each signature's history.
    pub fn record_and_attach(&mut self, history: &mut History) -> anyhow::Result<()> {
        history.record(&self.log_records())?;
        for located in &mut self.reports {
            let summary = history.summary(&located.signature.id, signature::VERSION)?;
            located.history = Some(summary);
        }
        Ok(())
    }
}

/// The history row of one input; `None` when it was parsed without [`Identity::Hash`].
pub fn log_record(input: &InputSummary, reports: Vec<ReportRecord>) -> Option<LogRecord> {
    Some(LogRecord {
        content_hash: input.content_hash.clone()?,
        path: input.source.to_string(),
        run: input.run.name.clone(),
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
    ReportRecord {
        signature: signature.id.clone(),
        signature_version: signature::VERSION,
        kind: report.kind.as_str().to_owned(),
        title: report.title.clone(),
        labels: labels.to_vec(),
        time: report.time,
    }
}

/// The signature and labels of a report, trusting frames the way the kernel marked them.
pub fn annotate(report: &Report, rules: &RuleSet) -> (Signature, Vec<String>) {
    let trust = signature::kernel_trust(report);
    annotate_with(report, rules, &trust)
}

/// The signature and labels of a report, trusting frames as `trust` says (the kernel's marks,
/// or the verdicts of a kernel image).
pub fn annotate_with(
    report: &Report,
    rules: &RuleSet,
    trust: &dyn Fn(usize) -> signature::Trust,
) -> (Signature, Vec<String>) {
    let signature = signature::compute(report, &rules.signature, trust);
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
    (config, limits): (&ParseConfig, &Limits),
    rules: &RuleSet,
    locator: Option<&Locator>,
    identity: Identity,
) -> anyhow::Result<()> {
    let input_idx = analysis.inputs.len();
    let banners = locator.map(|_| BannerScanner::new());
    let (summary, found) = parse_source_watching(
        source,
        (config, limits),
        identity,
        banners,
        |report, banners| {
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
        },
    )?;
    analysis.inputs.push(summary);
    analysis.reports.extend(found);
    Ok(())
}

/// Parses one source, handing each report to `keep` (which may shrink it to what the caller
/// needs, so memory stays bounded when many logs are read).
pub fn parse_source<T>(
    source: Source,
    config: (&ParseConfig, &Limits),
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
    (config, limits): (&ParseConfig, &Limits),
    identity: Identity,
    mut banners: Option<BannerScanner>,
    mut keep: impl FnMut(Report, Option<&BannerScanner>) -> T,
) -> anyhow::Result<(InputSummary, Vec<T>)> {
    let mtime = match &source {
        Source::Path(path) => std::fs::metadata(path).and_then(|m| m.modified()).ok(),
        Source::Stdin => None,
    };
    let mut reader = input::open(&source, limits.max_log_bytes)?;
    let mut hasher = matches!(identity, Identity::Hash).then(Sha256::new);
    let mut scanner = Scanner::new(config.clone());
    let mut found = Vec::new();
    let mut buf = vec![0u8; READ_CHUNK];
    let (mut offset, mut stopped) = (0u64, None);
    let (mut skipped_reports, mut trimmed_reports) = (0u64, 0u64);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            // What was complete before the damage (or the limit) is kept: the input ends here.
            Err(err) if input::is_limit(&err) => {
                stopped = Some(Stop::Limit(format!(
                    "{source}: stopped reading at decompressed byte {offset}: {err}"
                )));
                0
            }
            Err(err) if offset > 0 => {
                stopped = Some(Stop::Damaged(format!(
                    "{source}: corrupt or truncated after decompressed byte {offset}: {err}; \
                     the reports before it are kept"
                )));
                0
            }
            Err(err) => return Err(err).with_context(|| format!("{source}: read error")),
        };
        offset += n as u64;
        let chunk = &buf[..n];
        if let Some(hasher) = &mut hasher {
            hasher.update(chunk);
        }
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
        while let Some(mut report) = scanner.pop() {
            if found.len() >= limits.max_reports {
                skipped_reports += 1;
                continue;
            }
            if limits::trim_report(&mut report, limits.max_report_bytes) {
                trimmed_reports += 1;
            }
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
    let run = run::run_info(&source.run_name(), mtime);
    let summary = InputSummary {
        source,
        lines,
        reports: found.len(),
        unclaimed_lines,
        long_lines,
        content_hash,
        run,
        skipped_reports,
        trimmed_reports,
        stopped,
    };
    Ok((summary, found))
}

/// Bytes read per step: large enough that the scanner's search runs over long stretches.
const READ_CHUNK: usize = 256 * 1024;
