//! Running the parser over inputs and keeping what the renderers need: each report with its
//! signature, the labels of the known-bug rules it matches and, when a history is open, how
//! often it was seen before.

use crate::config::limits::{self, Limits};
use crate::history::{BugHistory, History, LogRecord, ReportRecord};
use crate::identity::rules::RuleSet;
use crate::identity::run::{self, RunInfo, RunOverrides};
use crate::identity::signature::{self, Signature};
use crate::input::live::Feed;
use crate::input::{self, Source};
use crate::pipeline::enrich::{Enriched, Enricher, Images};
use crate::pipeline::stream::{self, Sink, Status, StreamEnd, StreamOptions};
use crate::symbolize::decode::Decoded;
use crate::symbolize::locate::Locator;
use anyhow::Context as _;
use legolog_parsers::kernel::{BannerScanner, KernelBuild};
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
    /// Run name and node from the file name (or `--node NAME=PATH`), date from the log's wall
    /// clock (or the flags).
    pub run: RunInfo,
    /// Reports found after [`Limits::max_reports`] were kept: counted, not kept.
    pub skipped_reports: u64,
    /// Reports cut to [`Limits::max_report_bytes`].
    pub trimmed_reports: u64,
    /// What stopped the reading early, if anything, with the decompressed byte offset: damage
    /// in a compressed stream (an error: exit code 2) or a limit (a warning). The reports
    /// complete before it are kept.
    pub stopped: Option<Stop>,
    /// What the source said while it was read (a followed file truncated, …), one line each.
    pub notes: Vec<String>,
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
        let mut warnings = self.notes.clone();
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
    /// What the history says about its bug, when a history is open.
    pub history: Option<BugHistory>,
    /// What the kernel image says about it, when one was given or found.
    pub decoded: Option<Decoded>,
    /// The boot banner printed before it (read when decoding or recording).
    pub banner: Option<KernelBuild>,
}

/// Writes the compressed crash document of the report at a 1-based position in its input
/// (`render::document::compressed_at`); the pipeline takes it as a value so that it never
/// imports a renderer.
pub type DocumentWriter = fn(&Analysis, &Located, usize) -> Option<Vec<u8>>;

impl Located {
    /// A report of input `input` after the enrich stage, not attached to a bug yet.
    pub fn new(input: usize, enriched: Enriched, banner: Option<KernelBuild>) -> Located {
        Located {
            input,
            report: enriched.report,
            signature: enriched.signature,
            labels: enriched.labels,
            history: None,
            decoded: enriched.decoded,
            banner,
        }
    }
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
    /// Each report carries its crash document when retention could keep it (see
    /// [`documents_kept`], at most `max_documents` per signature and log), written by
    /// `document`.
    pub fn log_records(
        &self,
        max_documents: usize,
        document: DocumentWriter,
    ) -> Vec<(usize, LogRecord)> {
        self.inputs
            .iter()
            .enumerate()
            .filter_map(|(input_idx, input)| {
                let located: Vec<&Located> = self
                    .reports
                    .iter()
                    .filter(|located| located.input == input_idx)
                    .collect();
                let signatures: Vec<&str> =
                    located.iter().map(|l| l.signature.id.as_str()).collect();
                let keep = documents_kept(&signatures, max_documents);
                let reports = located
                    .iter()
                    .zip(keep)
                    .enumerate()
                    .map(|(idx, (located, keep))| {
                        let mut record =
                            report_record(&located.report, &located.signature, &located.labels);
                        record.kernel = build_identity(&located.report, located.banner.as_ref());
                        if keep {
                            record.document = document(self, located, idx + 1);
                        }
                        record
                    })
                    .collect();
                log_record(input, reports).map(|record| (input_idx, record))
            })
            .collect()
    }

    /// Records every input in `history` (idempotently, one transaction) and attaches each
    /// report's bug; `document` writes each kept report's crash document.
    pub fn record_and_attach(
        &mut self,
        history: &mut History,
        document: DocumentWriter,
    ) -> anyhow::Result<()> {
        let (inputs, records): (Vec<usize>, Vec<LogRecord>) = self
            .log_records(history.lifecycle().max_documents, document)
            .into_iter()
            .unzip();
        let attachments = history.record(&records)?;
        // One lookup per bug, however many of its reports the logs hold; what is the report's
        // own (its fix verdict, its return after silence, its crash document) is each its own.
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
                let mut answer = BugHistory {
                    matched: attachment.matched,
                    created: attachment.created,
                    ..bug
                };
                history.annotate_history(&attachment, &mut answer)?;
                located.history = Some(answer);
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

/// Which reports of one log (by signature, in log order) get a crash document: retention keeps
/// at most `max` per bug, so of each signature the first and the last `max` — a log repeating
/// one watchdog 20,000 times writes 41 documents, not 20,000.
pub fn documents_kept(signatures: &[&str], max: usize) -> Vec<bool> {
    let mut total: std::collections::HashMap<&str, usize> = Default::default();
    for signature in signatures {
        *total.entry(signature).or_default() += 1;
    }
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    signatures
        .iter()
        .map(|signature| {
            let nth = seen.entry(signature).or_default();
            *nth += 1;
            *nth == 1 || total[signature] - *nth < max
        })
        .collect()
}

/// The kernel build a report is recorded under: its task line's `release #N`, completed by the
/// boot banner before it (same release and build number) with the rest of `uname -v` — the
/// distribution's version string (`6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2`),
/// without the build date.
pub fn build_identity(report: &Report, banner: Option<&KernelBuild>) -> Option<String> {
    let task = report.task.kernel.clone();
    let Some((banner, line)) = banner.and_then(|b| b.banner.as_deref().map(|line| (b, line)))
    else {
        return task;
    };
    if let Some(own) = task
        .as_deref()
        .and_then(legolog_parsers::kernel::task_kernel)
    {
        let same_build = own.build.is_none() || banner.build.is_none() || own.build == banner.build;
        if own.release != banner.release || !same_build {
            return task;
        }
    }
    // `uname -v`: from the `#N` outside the builder's and compiler's parentheses to the date.
    let mut depth = 0usize;
    let mut version = None;
    for (idx, c) in line.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '#' if depth == 0 => {
                version = line.get(idx..);
                break;
            }
            _ => {}
        }
    }
    let version = version.map(|v| v.split(" (").next().unwrap_or(v).trim());
    Some(match version {
        Some(version) if !version.is_empty() => format!("{} {version}", banner.release),
        _ => task.unwrap_or_else(|| banner.release.clone()),
    })
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
        document: None,
    }
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
    let images = locator.map_or(Images::None, Images::Locator);
    let enricher = Enricher::new(rules, images);
    // Banners name the kernel build a report is recorded under (docs/lifecycle.md).
    let banners = (locator.is_some() || identity == Identity::Hash).then(BannerScanner::new);
    let (summary, found) = parse_source_watching(
        source,
        (config, limits),
        identity,
        banners,
        |report, banners| {
            let banner = banners.and_then(|b| b.before(report.span.start)).cloned();
            Located::new(input_idx, enricher.enrich(report, banner.as_ref()), banner)
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
    banners: Option<BannerScanner>,
    keep: impl FnMut(Report, Option<&BannerScanner>) -> T,
) -> anyhow::Result<(InputSummary, Vec<T>)> {
    struct Collect<F, T> {
        keep: F,
        found: Vec<T>,
        kept: Keeper,
        notes: Vec<String>,
    }
    impl<F: FnMut(Report, Option<&BannerScanner>) -> T, T> Sink for Collect<F, T> {
        fn report(&mut self, mut report: Report, status: Status, banners: Option<&BannerScanner>) {
            if status.is_final() && self.kept.admit(&mut report) {
                self.found.push((self.keep)(report, banners));
            }
        }
        fn warning(&mut self, text: String) {
            self.notes.push(text);
        }
    }
    let mut feed = Feed::direct(input::open(&source, limits.max_log_bytes)?);
    let mut scanner = Scanner::new(config.clone());
    let mut sink = Collect {
        keep,
        found: Vec::new(),
        kept: Keeper::new(limits),
        notes: Vec::new(),
    };
    let options = StreamOptions {
        idle: std::time::Duration::MAX,
        stop: None,
        hash: matches!(identity, Identity::Hash),
    };
    let mut end = stream::run(&mut feed, &mut scanner, banners, &options, &mut sink);
    let stopped = stop_of(&source, &mut end)?;
    let run = run_of(&source, &end);
    let mut summary = input_summary(source, run, &end, sink.found.len());
    sink.kept.fill(&mut summary);
    summary.stopped = stopped;
    summary.notes = sink.notes;
    Ok((summary, sink.found))
}

/// Applies [`Limits::max_reports`] and [`Limits::max_report_bytes`] to the reports of one
/// input, counting what it skips and cuts.
#[derive(Debug, Clone)]
pub struct Keeper {
    max_reports: usize,
    max_report_bytes: usize,
    kept: usize,
    skipped: u64,
    trimmed: u64,
}

impl Keeper {
    /// A keeper of one input's reports under `limits`.
    pub fn new(limits: &Limits) -> Keeper {
        Keeper {
            max_reports: limits.max_reports,
            max_report_bytes: limits.max_report_bytes,
            kept: 0,
            skipped: 0,
            trimmed: 0,
        }
    }

    /// Whether a finished report is kept (cut to its byte budget) or only counted.
    pub fn admit(&mut self, report: &mut Report) -> bool {
        if self.kept >= self.max_reports {
            self.skipped += 1;
            return false;
        }
        if limits::trim_report(report, self.max_report_bytes) {
            self.trimmed += 1;
        }
        self.kept += 1;
        true
    }

    /// Writes the counts into the input's summary.
    pub fn fill(&self, summary: &mut InputSummary) {
        summary.skipped_reports = self.skipped;
        summary.trimmed_reports = self.trimmed;
    }
}

/// What the error that ended a stream means: a limit, or damage after some bytes (the reports
/// complete before it are kept), or, before any byte, an input that cannot be read (`Err`).
pub fn stop_of(source: &Source, end: &mut StreamEnd) -> anyhow::Result<Option<Stop>> {
    let Some(err) = end.error.take() else {
        return Ok(None);
    };
    let offset = end.bytes;
    let io = err.downcast_ref::<std::io::Error>();
    if io.is_some_and(input::is_limit) {
        return Ok(Some(Stop::Limit(format!(
            "{source}: stopped reading at decompressed byte {offset}: {err}"
        ))));
    }
    if offset > 0 {
        return Ok(Some(Stop::Damaged(format!(
            "{source}: corrupt or truncated after decompressed byte {offset}: {err}; \
             the reports before it are kept"
        ))));
    }
    Err(err).with_context(|| format!("{source}: read error"))
}

/// Run name and node of a source (from its name), date from the wall clock its start prints.
pub fn run_of(source: &Source, end: &StreamEnd) -> RunInfo {
    run::run_info_dated(&source.run_name(), end.date)
}

/// The summary of a source once streamed.
pub fn input_summary(
    source: Source,
    run: RunInfo,
    end: &StreamEnd,
    reports: usize,
) -> InputSummary {
    InputSummary {
        source,
        lines: end.stats.lines,
        reports,
        unclaimed_lines: end.stats.unclaimed_lines,
        long_lines: end.stats.long_lines,
        content_hash: end.content_hash.clone(),
        run,
        skipped_reports: 0,
        trimmed_reports: 0,
        stopped: None,
        notes: Vec::new(),
    }
}

/// The `--strict` verdict: `Some(explanation)` when a report does not match the image that
/// decoded it.
pub fn strict_failure(analysis: &Analysis) -> Option<String> {
    let mismatched = analysis
        .reports
        .iter()
        .filter(|located| located.decoded.as_ref().is_some_and(|d| d.mismatch))
        .count();
    (mismatched > 0).then(|| {
        format!(
            "--strict: {mismatched} of {} reports do not match the kernel image that decoded them (see the warnings): the symbols shown for them cannot be trusted",
            analysis.reports.len()
        )
    })
}
