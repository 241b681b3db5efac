//! `legolog correlate`: many logs in parallel, reports grouped by signature, near-identical
//! signatures clustered.

use crate::config::events::{Event, EventSink, Events};
use crate::config::limits::Limits;
use crate::history::{Attachment, BugHistory, History, LogRecord};
use crate::identity::rules::RuleSet;
use crate::identity::run::Date;
use crate::identity::signature::{Signature, SimilarRule};
use crate::input::Source;
use crate::pipeline::analysis::Identity;
use crate::pipeline::analysis::{self, InputSummary};
use crate::pipeline::enrich::{Enriched, Enricher, Images};
use crate::symbolize::decode::Decoder;
use legolog_parsers::ParseConfig;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What correlate keeps of one report (the full report is dropped after parsing).
#[derive(Debug, Clone)]
pub struct Sighting {
    /// Signature.
    pub signature: Signature,
    /// Title.
    pub title: String,
    /// Matched rules.
    pub labels: Vec<String>,
    /// CPU.
    pub cpu: Option<u32>,
    /// LegoOS op.
    pub op: Option<u64>,
    /// Kernel timestamp.
    pub time: Option<f64>,
    /// Kernel release and build.
    pub kernel: Option<String>,
}

/// One log read by correlate.
#[derive(Debug, Clone)]
pub struct LogResult {
    /// Counters, hash and run.
    pub input: InputSummary,
    /// Its reports.
    pub sightings: Vec<Sighting>,
}

impl LogResult {
    /// The history row for this log; `None` when it was read without hashing.
    pub fn log_record(&self) -> Option<LogRecord> {
        let reports = self
            .sightings
            .iter()
            .map(|s| {
                analysis::signature_record(
                    &s.signature,
                    &s.title,
                    &s.labels,
                    s.time,
                    s.kernel.clone(),
                )
            })
            .collect();
        analysis::log_record(&self.input, reports)
    }
}

/// Reports that share one exact signature.
#[derive(Debug, Clone)]
pub struct SignatureGroup {
    /// The signature.
    pub signature: Signature,
    /// Title of the first report.
    pub title: String,
    /// Labels (union).
    pub labels: BTreeSet<String>,
    /// Number of reports.
    pub count: usize,
    /// Distinct logs.
    pub logs: BTreeSet<usize>,
    /// Run names.
    pub runs: BTreeSet<String>,
    /// Earliest run date.
    pub first_seen: Option<Date>,
    /// Latest run date.
    pub last_seen: Option<Date>,
    /// CPUs.
    pub cpus: BTreeSet<u32>,
    /// LegoOS ops.
    pub ops: BTreeSet<u64>,
}

/// A cluster of signature groups whose frames are similar; the first is the leader.
#[derive(Debug, Clone)]
pub struct Group {
    /// Members, the most frequent (the leader) first.
    pub members: Vec<SignatureGroup>,
    /// The history's bug of the leader's signature (with `--db`).
    pub bug: Option<BugHistory>,
    /// That bug was first recorded by this run.
    pub new: bool,
}

/// How a member differs from its group's leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Frames the leader has and the member lacks.
    pub missing: Vec<String>,
    /// Frames the member has and the leader lacks.
    pub extra: Vec<String>,
}

impl Group {
    /// The leader.
    pub fn leader(&self) -> &SignatureGroup {
        // Groups are built with at least one member.
        &self.members[0]
    }

    /// Reports in all members.
    pub fn count(&self) -> usize {
        self.members.iter().map(|m| m.count).sum()
    }

    /// Union of a per-member set.
    pub fn union<T: Ord + Clone>(
        &self,
        field: impl Fn(&SignatureGroup) -> &BTreeSet<T>,
    ) -> BTreeSet<T> {
        self.members
            .iter()
            .flat_map(|m| field(m).iter().cloned())
            .collect()
    }

    /// Earliest date over members.
    pub fn first_seen(&self) -> Option<Date> {
        self.members.iter().filter_map(|m| m.first_seen).min()
    }

    /// Latest date over members.
    pub fn last_seen(&self) -> Option<Date> {
        self.members.iter().filter_map(|m| m.last_seen).max()
    }

    /// How member `member_idx` differs from the leader.
    pub fn difference(&self, member_idx: usize) -> Difference {
        let leader = &self.leader().signature.frames;
        let member = &self.members[member_idx].signature.frames;
        Difference {
            missing: leader
                .iter()
                .filter(|f| !member.contains(f))
                .cloned()
                .collect(),
            extra: member
                .iter()
                .filter(|f| !leader.contains(f))
                .cloned()
                .collect(),
        }
    }
}

/// Reads every log in parallel; results keep the order of `paths`.
pub fn read_logs(
    paths: &[PathBuf],
    config: (&ParseConfig, &Limits),
    rules: &RuleSet,
    image: Option<&KernelImage>,
    identity: Identity,
    events: &EventSink,
) -> Vec<anyhow::Result<LogResult>> {
    events.event(Event::Started {
        total: paths.len() as u64,
    });
    let held = Arc::new(Sorted::new(events.clone()));
    let worker_events: EventSink = held.clone();
    let events = &worker_events;
    let results = paths
        .par_iter()
        .enumerate()
        // A decoder is not `Send`: each worker opens its own (an mmap and the symbol table).
        .map_init(
            || {
                LOG_READ.with(|current| current.set(None));
                image.and_then(|image| {
                    Decoder::open(
                        &image.vmlinux,
                        &image.module_dirs,
                        image.max_symbol_bytes,
                        events,
                    )
                    .ok()
                })
            },
            |decoder, (log_idx, path)| {
                LOG_READ.with(|current| current.set(Some(log_idx)));
                let source = Source::from_arg(path);
                let result = analysis::parse_source(source, config, identity, |report| {
                    let images = decoder.as_ref().map_or(Images::None, Images::Decoder);
                    let Enriched {
                        report,
                        signature,
                        labels,
                        ..
                    } = Enricher::new(rules, images).enrich(report, None);
                    Sighting {
                        signature,
                        title: report.title,
                        labels,
                        cpu: report.task.cpu,
                        op: report.lego.as_ref().and_then(|lego| lego.op),
                        time: report.time,
                        kernel: report.task.kernel,
                    }
                });
                events.event(Event::Done);
                result.map(|(input, sightings)| LogResult { input, sightings })
            },
        )
        .collect();
    held.release();
    results
}

thread_local! {
    /// The log (index into the paths) this worker thread is reading, `None` while it opens its
    /// decoder.
    static LOG_READ: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The workers' sink: progress goes straight on; warnings, errors and notices, which arrive in
/// whatever order the threads happen to read the logs, are held and handed on once every log is
/// read, in the order a serial run says them: the decoder's own first, then log by log in path
/// order, each log's in the order they were said. A run's stderr then never depends on
/// scheduling (which of several "does not match" warnings with one key was said first did).
struct Sorted {
    inner: EventSink,
    held: Mutex<Vec<Held>>,
}

/// One event held by [`Sorted`]: (log, arrival, kind, key, text).
type Held = (Option<usize>, usize, u8, String, String);

impl Sorted {
    fn new(inner: EventSink) -> Sorted {
        Sorted {
            inner,
            held: Mutex::new(Vec::new()),
        }
    }

    fn release(&self) {
        let mut held = std::mem::take(&mut *self.held.lock().unwrap_or_else(|p| p.into_inner()));
        // Arrival order is kept within a log: one thread reads it from start to end.
        held.sort_by_key(|(log, arrival, ..)| (*log, *arrival));
        for (_, _, kind, key, text) in &held {
            self.inner.event(match kind {
                0 => Event::Error(text),
                1 => Event::Warning { key, text },
                _ => Event::Notice(text),
            });
        }
    }
}

impl Events for Sorted {
    fn event(&self, event: Event<'_>) {
        let (kind, key, text) = match event {
            Event::Error(text) => (0, "", text),
            Event::Warning { key, text } => (1, key, text),
            Event::Notice(text) => (2, "", text),
            Event::Started { .. } | Event::Done => return self.inner.event(event),
        };
        let log = LOG_READ.with(|current| current.get());
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let arrival = held.len();
        held.push((log, arrival, kind, key.to_owned(), text.to_owned()));
    }
}

/// The kernel image `correlate` judges frames with (`--vmlinux`, `--modules`).
#[derive(Debug, Clone)]
pub struct KernelImage {
    /// The vmlinux.
    pub vmlinux: PathBuf,
    /// Module search directories.
    pub module_dirs: Vec<PathBuf>,
    /// The most bytes one symbol file or section may decompress to (`max_symbol_bytes`).
    pub max_symbol_bytes: u64,
}

/// Groups sightings by exact signature, then joins each signature (most frequent first) to the
/// group whose leader (its most frequent signature) of the same kind `rule` picks, as the
/// history attaches a report to a bug. Groups come out most frequent first.
pub fn group(logs: &[LogResult], rule: SimilarRule) -> Vec<Group> {
    let mut by_id: BTreeMap<&str, SignatureGroup> = BTreeMap::new();
    for (log_idx, log) in logs.iter().enumerate() {
        for sighting in &log.sightings {
            let entry = by_id
                .entry(&sighting.signature.id)
                .or_insert_with(|| SignatureGroup {
                    signature: sighting.signature.clone(),
                    title: sighting.title.clone(),
                    labels: BTreeSet::new(),
                    count: 0,
                    logs: BTreeSet::new(),
                    runs: BTreeSet::new(),
                    first_seen: None,
                    last_seen: None,
                    cpus: BTreeSet::new(),
                    ops: BTreeSet::new(),
                });
            entry.count += 1;
            entry.labels.extend(sighting.labels.iter().cloned());
            entry.logs.insert(log_idx);
            entry.runs.insert(log.input.run.name.clone());
            if let Some(date) = log.input.run.date {
                entry.first_seen = Some(entry.first_seen.map_or(date, |d| d.min(date)));
                entry.last_seen = Some(entry.last_seen.map_or(date, |d| d.max(date)));
            }
            entry.cpus.extend(sighting.cpu);
            entry.ops.extend(sighting.op);
        }
    }
    let mut singles: Vec<SignatureGroup> = by_id.into_values().collect();
    singles.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.signature.id.cmp(&b.signature.id))
    });
    let mut groups: Vec<Group> = Vec::new();
    for single in singles {
        let signature = &single.signature;
        // The history's rule: the most similar group leader of the same kind, the earliest
        // (most frequent) among equally similar ones.
        let home = rule
            .applies(signature.basis, &signature.frames)
            .then(|| {
                let leaders = groups.iter().enumerate().filter_map(|(idx, group)| {
                    let leader = &group.leader().signature;
                    (leader.kind == signature.kind && rule.applies(leader.basis, &leader.frames))
                        .then_some((idx, leader.frames.as_slice()))
                });
                rule.best(&signature.frames, leaders)
            })
            .flatten();
        match home {
            Some((idx, _)) => groups[idx].members.push(single),
            None => groups.push(Group {
                members: vec![single],
                bug: None,
                new: false,
            }),
        }
    }
    sort_groups(&mut groups);
    groups
}

/// Most reports first, then by leader id.
fn sort_groups(groups: &mut [Group]) {
    groups.sort_by(|a, b| {
        b.count()
            .cmp(&a.count())
            .then_with(|| a.leader().signature.id.cmp(&b.leader().signature.id))
    });
}

/// Records the logs in the history (one transaction) and regroups the signatures by the
/// history's bugs, so correlate answers from the same model as `analyze` and `history`: each
/// group is one bug (leader: its most frequent signature here), with the bug's id, name,
/// `seen` counting the whole history, and whether this run created it.
pub fn record_and_attach(
    history: &mut History,
    logs: &[LogResult],
    groups: Vec<Group>,
) -> anyhow::Result<Vec<Group>> {
    let records: Vec<LogRecord> = logs.iter().filter_map(LogResult::log_record).collect();
    let attachments: Vec<Attachment> = history.record(&records)?.into_iter().flatten().collect();
    let created: BTreeSet<i64> = attachments
        .iter()
        .filter(|a| a.created)
        .map(|a| a.bug)
        .collect();
    let mut by_bug: BTreeMap<i64, Vec<SignatureGroup>> = BTreeMap::new();
    let mut unrecorded: Vec<Group> = Vec::new();
    for member in groups.into_iter().flat_map(|g| g.members) {
        match history.bug_of_signature(&member.signature.id)? {
            // A dup's reports count to its canonical bug.
            Some(bug) => by_bug
                .entry(history.canonical(bug)?)
                .or_default()
                .push(member),
            None => unrecorded.push(Group {
                members: vec![member],
                bug: None,
                new: false,
            }),
        }
    }
    let mut out = unrecorded;
    for (bug, mut members) in by_bug {
        members.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.signature.id.cmp(&b.signature.id))
        });
        let attachment = Attachment::plain(bug, crate::history::Match::Exact, false);
        let mut answer = history.bug_history(&attachment)?;
        // A regression among this run's reports of the bug is the group's news; else a
        // sighting on a build without the fix; else a return after silence.
        let mine = || attachments.iter().filter(|a| a.bug == bug);
        let fix = mine().filter_map(|a| a.fix).max_by_key(|f| f.regression);
        if let Some(fix) = fix {
            answer.fix = history.fix_note(&fix)?;
        }
        answer.back_after = mine().filter_map(|a| a.back_after).max();
        out.push(Group {
            members,
            bug: Some(answer),
            new: created.contains(&bug),
        });
    }
    sort_groups(&mut out);
    Ok(out)
}
