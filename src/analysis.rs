//! Running the parser over inputs and keeping what the renderers need: each report with its
//! signature, the labels of the known-bug rules it matches and, when a history is open, how
//! often it was seen before.

use crate::decode::Decoded;
use crate::history::{History, LogRecord, ReportRecord, SignatureHistory};
use crate::input::{self, Source};
use crate::live::Feed;
use crate::locate::Locator;
use crate::rules::RuleSet;
use crate::run::{self, RunInfo};
use crate::signature::{self, Signature};
use crate::stream::{self, Sink, Status, StreamEnd, StreamOptions};
use anyhow::Context as _;
use legolog_parsers::kernel::BannerScanner;
use legolog_parsers::{ParseConfig, Report, Scanner};

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
    /// The node (machine) whose console this is, when named (`--node`, run-named file).
    pub node: Option<String>,
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
            located.history = Some(history_answer(history, &located.signature, None)?);
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
    banners: Option<BannerScanner>,
    keep: impl FnMut(Report, Option<&BannerScanner>) -> T,
) -> anyhow::Result<(InputSummary, Vec<T>)> {
    struct Collect<F, T> {
        keep: F,
        found: Vec<T>,
    }
    impl<F: FnMut(Report, Option<&BannerScanner>) -> T, T> Sink for Collect<F, T> {
        fn report(&mut self, report: Report, status: Status, banners: Option<&BannerScanner>) {
            if status.is_final() {
                self.found.push((self.keep)(report, banners));
            }
        }
        fn warning(&mut self, text: String) {
            eprintln!("legolog: {text}");
        }
    }
    let run = run_of(&source);
    let mut feed = Feed::direct(input::open(&source)?);
    let mut scanner = Scanner::new(config.clone());
    let mut sink = Collect {
        keep,
        found: Vec::new(),
    };
    let options = StreamOptions {
        idle: std::time::Duration::MAX,
        stop: None,
        hash: matches!(identity, Identity::Hash),
    };
    let end = stream::run(&mut feed, &mut scanner, banners, &options, &mut sink);
    if let Some(err) = end.error {
        return Err(err).with_context(|| format!("{source}: read error"));
    }
    let summary = input_summary(source, run, &end, sink.found.len());
    Ok((summary, sink.found))
}

/// Run name and date of a source (from its name and mtime).
pub fn run_of(source: &Source) -> RunInfo {
    let mtime = match source {
        Source::Path(path) => std::fs::metadata(path).and_then(|m| m.modified()).ok(),
        Source::Stdin => None,
    };
    run::run_info(&source.run_name(), mtime)
}

/// The summary of a source once streamed.
pub fn input_summary(
    source: Source,
    run: RunInfo,
    end: &StreamEnd,
    reports: usize,
) -> InputSummary {
    let node = crate::node::node_of_run(&source.run_name());
    InputSummary {
        source,
        lines: end.stats.lines,
        reports,
        unclaimed_lines: end.stats.unclaimed_lines,
        long_lines: end.stats.long_lines,
        content_hash: end.content_hash.clone(),
        run,
        node,
    }
}

/// What the history says about a report's signature: the one call that answers "new, or seen
/// N times since DATE (last RUN)". `pending` is the run of a log not recorded yet, counted
/// as one more sighting.
pub fn history_answer(
    history: &History,
    signature: &Signature,
    pending: Option<&RunInfo>,
) -> anyhow::Result<SignatureHistory> {
    let mut answer = history.summary(&signature.id, signature::VERSION)?;
    if let Some(run) = pending {
        answer.seen += 1;
        if let Some(date) = run.date {
            answer.first_seen = Some(answer.first_seen.map_or(date, |d| d.min(date)));
            answer.last_seen = Some(answer.last_seen.map_or(date, |d| d.max(date)));
        }
        if !answer.runs.contains(&run.name) {
            answer.runs.push(run.name.clone());
        }
    }
    Ok(answer)
}
