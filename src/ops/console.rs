//! Printing reports as they come, for `analyze` (text and jsonl) and `watch`: each source is
//! streamed on a thread of its own ([`crate::pipeline::stream`]); this side decodes, signs, asks the
//! history, hands it to `render::live` and runs `--exec` for every report the moment it arrives.

use crate::config::events::{Event as Said, EventSink};
use crate::config::limits::{self, Limits};
use crate::history::{History, LogRecord, ReportRecord};
use crate::identity::live;
use crate::identity::rules::RuleSet;
use crate::identity::run::{self, RunOverrides};
use crate::input::live::Feed;
use crate::input::Source;
use crate::pipeline::analysis::{self, Analysis, InputSummary, Keeper, Located};
use crate::pipeline::enrich::{Enricher, Images};
use crate::pipeline::output::{Output, Tee};
use crate::pipeline::stream::{self, Sink, Status, StreamEnd, StreamOptions};
use crate::render;
use crate::symbolize::locate::Locator;
use legolog_parsers::kernel::{BannerScanner, KernelBuild};
use legolog_parsers::{ParseConfig, Report, Scanner};
use std::io::{Read as _, Write};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// What a source thread tells the printing side.
pub enum Event {
    /// A report of input `input`, with the kernel build its log named before it.
    Report {
        input: usize,
        report: Box<Report>,
        status: Status,
        build: Option<KernelBuild>,
    },
    /// A warning about input `input`; it goes on.
    Warning { input: usize, text: String },
    /// Input `input` ended.
    Ended { input: usize, end: StreamEnd },
}

struct ThreadSink {
    input: usize,
    tx: SyncSender<Event>,
}

impl Sink for ThreadSink {
    fn report(&mut self, report: Report, status: Status, banners: Option<&BannerScanner>) {
        let build = banners.and_then(|b| b.before(report.span.start)).cloned();
        let _ = self.tx.send(Event::Report {
            input: self.input,
            report: Box::new(report),
            status,
            build,
        });
    }

    fn warning(&mut self, text: String) {
        let _ = self.tx.send(Event::Warning {
            input: self.input,
            text,
        });
    }
}

/// Streams `feed` on a thread of its own, sending its events to `tx`.
pub fn spawn_source(
    input: usize,
    mut feed: Feed,
    config: ParseConfig,
    options: (Duration, bool, bool),
    stop: Arc<AtomicBool>,
    tx: SyncSender<Event>,
) {
    let (idle, hash, banners) = options;
    std::thread::spawn(move || {
        let mut scanner = Scanner::new(config);
        let mut sink = ThreadSink {
            input,
            tx: tx.clone(),
        };
        let options = StreamOptions {
            idle,
            stop: Some(&stop),
            hash,
        };
        let banners = banners.then(BannerScanner::new);
        let end = stream::run(&mut feed, &mut scanner, banners, &options, &mut sink);
        let _ = tx.send(Event::Ended { input, end });
    });
}

/// When the history learns about the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// Each input once it ended, identified by its content hash (`analyze`).
    AtEnd,
    /// Each report as it comes, into one log per source (`watch`).
    AsItGrows,
}

/// Events waiting for the printing side; a slow reader of the output holds the sources back
/// (through the pipe) instead of piling reports up in memory.
pub const EVENTS_IN_FLIGHT: usize = 64;

/// Reports kept for the summary table of a stream; later ones are only counted.
const MAX_KEPT: usize = 2000;
/// `--exec` runs waiting at most; more reports than that are not passed to it (and counted).
const EXEC_QUEUE: usize = 256;

/// The printing side of a set of streamed sources.
pub struct Console<'a> {
    /// The renderers each report, warning and the end go to: the chosen format, and `--exec`.
    output: Tee<'a>,
    /// Inputs (summaries filled in when they end) and the reports kept for the table.
    pub analysis: Analysis,
    /// Finished reports not kept in `analysis.reports`.
    pub more: usize,
    rules: &'a RuleSet,
    locator: Option<&'a Locator>,
    history: Option<&'a mut History>,
    recording: Recording,
    /// `--run`, `--node NAME`, `--run-date`.
    overrides: RunOverrides,
    /// Where warnings go (the library never prints them itself).
    events: EventSink,
    /// Limits on what is kept per input.
    limits: &'a Limits,
    /// What each input kept, skipped and cut.
    keepers: Vec<Keeper>,
    /// Whether each input is live (a report without a wall-clock prefix gets its arrival time).
    live: Vec<bool>,
    /// Log identity of each input when recorded as it grows, settled at its first report
    /// ([`Console::live_id`]), and the fallback used when the source shows no boot.
    live_ids: Vec<(Option<String>, String)>,
    pending: Vec<Vec<ReportRecord>>,
    /// Reports of a file waiting for it to be recorded.
    deferred: Vec<(Located, Status)>,
    /// Something could not be read (exit code 2).
    pub failed: bool,
    /// The history failed and was left (exit code 4).
    pub history_failed: bool,
}

/// How a set of streamed sources ended.
pub struct Ended {
    /// Inputs (counters) and the reports kept for the table.
    pub analysis: Analysis,
    /// Something could not be read (exit code 2).
    pub failed: bool,
    /// The history failed (exit code 4).
    pub history_failed: bool,
}

impl<'a> Console<'a> {
    /// A console handing what it shows to `output` (a renderer).
    pub fn new(
        output: Box<dyn Output + 'a>,
        (rules, limits): (&'a RuleSet, &'a Limits),
        locator: Option<&'a Locator>,
        history: Option<&'a mut History>,
        recording: Recording,
        (overrides, events): (RunOverrides, EventSink),
    ) -> Console<'a> {
        Console {
            output: Tee(vec![output]),
            analysis: Analysis::default(),
            more: 0,
            rules,
            locator,
            history,
            recording,
            overrides,
            events,
            limits,
            keepers: Vec::new(),
            live: Vec::new(),
            live_ids: Vec::new(),
            pending: Vec::new(),
            deferred: Vec::new(),
            failed: false,
            history_failed: false,
        }
    }

    /// Runs `command` (through `sh -c`) for every report shown, with its JSON on stdin.
    pub fn exec(&mut self, command: String) {
        let exec = Exec::start(command, self.events.clone());
        self.output.0.push(Box::new(exec));
    }

    /// Registers an input before it streams (`node` named by `--node NAME=PATH`); returns its
    /// index. Its run comes from its name and the flags; an input recorded at its end is dated
    /// then, from the wall clock its start prints.
    pub fn add_input(&mut self, source: Source, node: Option<String>, live: bool) -> usize {
        let mut run = run::run_info(&source.run_name(), &[]);
        self.overrides.apply(&mut run);
        if node.is_some() {
            run.node = node;
        }
        let idx = self.analysis.inputs.len();
        let started = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        self.live_ids.push((
            None,
            format!("watch:{source}:{}:{started}", std::process::id()),
        ));
        self.analysis.inputs.push(InputSummary {
            source,
            lines: 0,
            reports: 0,
            unclaimed_lines: 0,
            long_lines: 0,
            content_hash: None,
            run,
            skipped_reports: 0,
            trimmed_reports: 0,
            stopped: None,
            notes: Vec::new(),
        });
        self.live.push(live);
        self.keepers.push(Keeper::new(self.limits));
        self.pending.push(Vec::new());
        idx
    }

    /// Handles one event; `Some(input)` when an input ended.
    pub fn handle(&mut self, event: Event) -> anyhow::Result<Option<usize>> {
        match event {
            Event::Report {
                input,
                report,
                status,
                build,
            } => {
                self.report(input, *report, status, build)?;
                Ok(None)
            }
            Event::Warning { input, text } => {
                self.warning(input, &text)?;
                Ok(None)
            }
            Event::Ended { input, end } => {
                self.ended(input, end)?;
                Ok(Some(input))
            }
        }
    }

    /// Prints a warning about an input (a jsonl line too in that format).
    pub fn warning(&mut self, input: usize, text: &str) -> anyhow::Result<()> {
        self.events.event(Said::Error(text));
        self.output.warning(&self.analysis, input, text)
    }

    fn report(
        &mut self,
        input: usize,
        mut report: Report,
        status: Status,
        build: Option<KernelBuild>,
    ) -> anyhow::Result<()> {
        let live = self.live.get(input).copied().unwrap_or(false);
        // Past max_reports a file's reports are only counted (as in the document formats); a
        // live input still shows each one, but keeps and records none of them.
        let kept = !status.is_final() || self.keepers[input].admit(&mut report);
        if !kept && !live {
            return Ok(());
        }
        limits::trim_report(&mut report, self.limits.max_report_bytes);
        if report.wall_time.is_none() && self.live.get(input).copied().unwrap_or(false) {
            report.wall_time = Some(crate::identity::node::wall_of(SystemTime::now()));
        }
        let images = self.locator.map_or(Images::None, Images::Locator);
        let enriched = Enricher::new(self.rules, images).enrich(report, build.as_ref());
        let run = self.analysis.inputs[input].run.clone();
        let mut record =
            analysis::report_record(&enriched.report, &enriched.signature, &enriched.labels);
        record.kernel = analysis::build_identity(&enriched.report, build.as_ref());
        let live_id = (self.history.is_some() && self.recording == Recording::AsItGrows)
            .then(|| self.live_id(input, build.as_ref()));
        let located = Located::new(input, enriched, build);
        if !kept {
            self.show(&located, status)?;
            self.more += 1;
            return Ok(());
        }
        // A file's documents are written when it ends, only those retention can keep; a live
        // input's as each report arrives.
        if status.is_final()
            && self.history.is_some()
            && (live || self.recording == Recording::AsItGrows)
        {
            let position = self.pending[input].len() + 1;
            record.document = render::document::compressed_at(&self.analysis, &located, position);
        }
        // A file is recorded once read; its reports wait for that, so the history they show
        // is the one after recording, as in the document formats.
        if self.history.is_some() && self.recording == Recording::AtEnd && !live {
            if status.is_final() {
                self.pending[input].push(record);
                self.deferred.push((located, status));
            }
            return Ok(());
        }
        let mut located = located;
        if status.is_final() && self.recording == Recording::AsItGrows {
            let log = LogRecord {
                content_hash: live_id.clone().unwrap_or_default(),
                path: self.analysis.inputs[input].source.to_string(),
                run: run.name.clone(),
                node: run.node.clone(),
                date: run.date,
                reports: vec![record.clone()],
            };
            located.history = self
                .ask_history(|db| {
                    let attachments = db.append(&log)?;
                    attachments
                        .first()
                        .map(|attachment| db.bug_history(attachment))
                        .transpose()
                })
                .flatten();
        } else {
            // Not recorded yet (a live input of `analyze`, recorded at its end; a report shown
            // at a pause): the answer counts this log as one more sighting.
            let log = live_id;
            located.history =
                self.ask_history(|db| db.peek(&record, &run.name, run.date, log.as_deref()));
        }
        if status.is_final() && self.recording == Recording::AtEnd && self.history.is_some() {
            self.pending[input].push(record);
        }
        self.deliver(located, status)
    }

    /// The history's key of live input `input` (`identity::live`): its path and the boot it
    /// prints, the first line of a console file or the banner before its first report, so that
    /// `watch` started again on the same console and boot records into the same log. A source
    /// that shows neither (a device read from the middle of a boot) is its own log per run.
    fn live_id(&mut self, input: usize, build: Option<&KernelBuild>) -> String {
        let (settled, fallback) = &self.live_ids[input];
        if let Some(id) = settled {
            return id.clone();
        }
        let source = &self.analysis.inputs[input].source;
        let id = match boot_of(source, build) {
            Some(boot) => live::live_key(&source.to_string(), &boot),
            None => fallback.clone(),
        };
        self.live_ids[input].0 = Some(id.clone());
        id
    }

    /// Runs `ask` on the history; a history that fails is one warning, and the stream goes on
    /// without it (exit code 4).
    fn ask_history<T>(&mut self, ask: impl FnOnce(&mut History) -> anyhow::Result<T>) -> Option<T> {
        let db = self.history.as_deref_mut()?;
        match ask(db) {
            Ok(answer) => Some(answer),
            Err(err) => {
                let text = format!("warning: {err:#}; the analysis is not recorded");
                self.events.event(Said::Error(&text));
                self.history = None;
                self.history_failed = true;
                None
            }
        }
    }

    /// Shows a report and keeps what the summary needs.
    fn deliver(&mut self, located: Located, status: Status) -> anyhow::Result<()> {
        let input = located.input;
        if status.is_shown() {
            self.show(&located, status)?;
        }
        if status.is_final() {
            self.analysis.inputs[input].reports += 1;
            if self.analysis.reports.len() < MAX_KEPT && self.output.keeps_reports() {
                let mut kept = located;
                kept.report.excerpt = Vec::new();
                kept.report.stack_words = Vec::new();
                self.analysis.reports.push(kept);
            } else {
                self.more += 1;
            }
        }
        Ok(())
    }

    fn ended(&mut self, input: usize, mut end: StreamEnd) -> anyhow::Result<()> {
        let source = self.analysis.inputs[input].source.clone();
        let stopped = match analysis::stop_of(&source, &mut end) {
            Ok(stopped) => stopped,
            Err(err) => {
                self.warning(input, &format!("{err:#}"))?;
                self.failed = true;
                None
            }
        };
        let mut reports = std::mem::take(&mut self.pending[input]);
        let live = self.live.get(input).copied().unwrap_or(false);
        if !live && self.recording == Recording::AtEnd {
            if let Some(max) = self.history.as_ref().map(|h| h.lifecycle().max_documents) {
                let signatures: Vec<&str> = reports.iter().map(|r| r.signature.as_str()).collect();
                let keep = analysis::documents_kept(&signatures, max);
                let located = self.deferred.iter().filter(|(l, _)| l.input == input);
                for (idx, ((record, (located, _)), keep)) in
                    reports.iter_mut().zip(located).zip(keep).enumerate()
                {
                    if keep {
                        record.document =
                            render::document::compressed_at(&self.analysis, located, idx + 1);
                    }
                }
            }
        }
        let summary = &mut self.analysis.inputs[input];
        self.keepers[input].fill(summary);
        summary.stopped = stopped;
        for warning in summary.warnings(self.limits) {
            self.events
                .event(Said::Error(&format!("warning: {warning}")));
        }
        self.failed |= summary.damaged();
        summary.lines = end.stats.lines;
        summary.unclaimed_lines = end.stats.unclaimed_lines;
        summary.long_lines = end.stats.long_lines;
        summary.content_hash = end.content_hash.clone();
        if self.recording == Recording::AtEnd {
            // Dated from the wall clock the log's start prints, as `analyze` documents do.
            let node = summary.run.node.clone();
            summary.run = analysis::run_of(&summary.source, &end);
            self.overrides.apply(&mut summary.run);
            summary.run.node = node;
        }
        let mut attachments = Vec::new();
        if self.recording == Recording::AtEnd {
            if let Some(record) = analysis::log_record(summary, reports) {
                attachments = self
                    .ask_history(|db| db.record(&[record]))
                    .and_then(|mut logs| logs.pop())
                    .unwrap_or_default();
            }
        }
        let deferred = std::mem::take(&mut self.deferred);
        let mut attachments = attachments.into_iter();
        for (mut located, status) in deferred {
            if let Some(attachment) = attachments.next() {
                located.history = self.ask_history(|db| db.bug_history(&attachment));
            }
            self.deliver(located, status)?;
        }
        Ok(())
    }

    fn show(&mut self, located: &Located, status: Status) -> anyhow::Result<()> {
        self.output.report(&self.analysis, located, status)
    }

    /// The end of everything: the summary (table or jsonl line); waits for `--exec` runs.
    /// Returns the counters and whether something failed.
    pub fn finish(mut self) -> anyhow::Result<Ended> {
        self.output.finish(&self.analysis, self.more)?;
        Ok(Ended {
            analysis: self.analysis,
            failed: self.failed,
            history_failed: self.history_failed,
        })
    }
}

/// What identifies the boot a live source prints: a console file's first line (read from the
/// file, so a restarted `watch` that starts at its end finds the same), else the kernel banner
/// printed before the report.
fn boot_of(source: &Source, build: Option<&KernelBuild>) -> Option<Vec<u8>> {
    if let Source::Path(path) = source {
        if std::fs::metadata(path).is_ok_and(|meta| meta.is_file()) {
            let mut head = Vec::new();
            let file = std::fs::File::open(path).ok()?;
            std::io::Read::take(file, live::MAX_BOOT_LINE as u64)
                .read_to_end(&mut head)
                .ok()?;
            if let Some(line) = live::boot_line(&head) {
                return Some(line.to_vec());
            }
        }
    }
    build?.banner.clone().map(String::into_bytes)
}

/// The `--exec` runner: a queue and one worker thread, so a slow command never blocks reading.
struct Exec {
    tx: Option<SyncSender<String>>,
    /// Closed when the worker has run everything queued.
    done: Receiver<()>,
    dropped: usize,
    events: EventSink,
}

/// How long the end waits for queued `--exec` runs.
const EXEC_DRAIN: Duration = Duration::from_secs(5);

impl Exec {
    fn start(command: String, events: EventSink) -> Exec {
        let (tx, rx): (SyncSender<String>, Receiver<String>) = mpsc::sync_channel(EXEC_QUEUE);
        let (done_tx, done) = mpsc::channel();
        let worker_events = events.clone();
        std::thread::spawn(move || {
            for json in rx {
                run_exec(&command, &json, &worker_events);
            }
            drop(done_tx);
        });
        Exec {
            tx: Some(tx),
            done,
            dropped: 0,
            events,
        }
    }

    fn queue(&mut self, json: String) {
        if let Some(tx) = &self.tx {
            if let Err(TrySendError::Full(_)) = tx.try_send(json) {
                self.dropped += 1;
                self.events.event(Said::Error(&format!(
                    "warning: --exec is {EXEC_QUEUE} reports behind; {} report(s) not passed to it",
                    self.dropped
                )));
            }
        }
    }
}

/// `--exec` is one more renderer: each report shown goes to the command as its jsonl object.
impl Output for Exec {
    fn report(
        &mut self,
        analysis: &Analysis,
        located: &Located,
        status: Status,
    ) -> anyhow::Result<()> {
        self.queue(crate::render::live::jsonl(analysis, located, status).to_string());
        Ok(())
    }

    /// Lets the queued runs finish, waiting at most [`EXEC_DRAIN`].
    fn finish(&mut self, _: &Analysis, _: usize) -> anyhow::Result<()> {
        if self.tx.take().is_some() {
            if let Err(mpsc::RecvTimeoutError::Timeout) = self.done.recv_timeout(EXEC_DRAIN) {
                self.events.event(Said::Error(&format!(
                    "warning: --exec still busy after {} s; not waiting for it",
                    EXEC_DRAIN.as_secs()
                )));
            }
        }
        Ok(())
    }

    fn keeps_reports(&self) -> bool {
        false
    }
}

fn run_exec(command: &str, json: &str, events: &EventSink) {
    use std::process::{Command, Stdio};
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => {
            let text = format!("warning: --exec {command:?}: cannot start: {err}");
            events.event(Said::Error(&text));
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(json.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    match child.wait() {
        Ok(status) if status.success() => {}
        Ok(status) => {
            let text = format!("warning: --exec {command:?} failed ({status})");
            events.event(Said::Error(&text));
        }
        Err(err) => {
            let text = format!("warning: --exec {command:?}: {err}");
            events.event(Said::Error(&text));
        }
    }
}
