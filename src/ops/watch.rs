//! `legolog watch` (consoles that never end, followed like `tail -F`) and the streaming form of
//! `analyze` (text and jsonl print each report as it completes).

use crate::config::events::{Event as Said, EventSink};
use crate::config::limits::Limits;
use crate::history::History;
use crate::identity::node::NodeSpec;
use crate::identity::rules::RuleSet;
use crate::identity::run::RunOverrides;
use crate::input::live::{Feed, Follow, Start};
use crate::input::{self, Source};
use crate::ops::console::{self, Console, Ended, Event, Recording};
use crate::pipeline::output::Output;
use crate::symbolize::locate::Locator;
use legolog_parsers::ParseConfig;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// What a streaming run needs besides its sources.
pub struct Setup<'a> {
    /// The renderer each report goes to as it comes (the format the command picked).
    pub output: Box<dyn Output + 'a>,
    /// Known-bug rules.
    pub rules: &'a RuleSet,
    /// Limits on what is kept per input.
    pub limits: &'a Limits,
    /// Finds the kernel image of each report (`analyze`), if any.
    pub locator: Option<&'a Locator>,
    /// The run history, unless `--no-db`.
    pub history: Option<&'a mut History>,
    /// Idle time after which the report in progress of a live source is shown.
    pub idle: Duration,
    /// `--exec CMD`.
    pub exec: Option<String>,
    /// `--run`, `--node NAME`, `--run-date`.
    pub overrides: RunOverrides,
    /// Where warnings and errors about the sources go.
    pub events: EventSink,
}

/// SIGINT and SIGTERM set the returned flag (the streams then end as at the end of input).
pub fn stop_on_signals() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())?;
    }
    Ok(stop)
}

/// How the sources of one command are streamed.
struct Streams {
    config: ParseConfig,
    idle: Duration,
    hash: bool,
    banners: bool,
    stop: Arc<AtomicBool>,
}

impl Streams {
    /// Registers a source (its name, node and liveness) with the console and streams `feed`
    /// on a thread of its own.
    fn start(
        &self,
        console: &mut Console<'_>,
        (source, node, live): (Source, Option<String>, bool),
        feed: Feed,
        tx: mpsc::SyncSender<Event>,
    ) {
        let idx = console.add_input(source, node, live);
        let options = (self.idle, self.hash, self.banners);
        console::spawn_source(
            idx,
            feed,
            self.config.clone(),
            options,
            self.stop.clone(),
            tx,
        );
    }
}

fn console<'a>(setup: Setup<'a>, recording: Recording) -> Console<'a> {
    let mut console = Console::new(
        setup.output,
        (setup.rules, setup.limits),
        setup.locator,
        setup.history,
        recording,
        (setup.overrides, setup.events),
    );
    if let Some(command) = setup.exec {
        console.exec(command);
    }
    console
}

/// `analyze` in text or jsonl: the inputs one after the other, each report printed as it
/// completes; a live input (pipe, FIFO, terminal) shows its report in progress when idle.
/// Returns the console (its analysis holds the counters) and whether an input failed.
pub fn analyze(
    specs: &[NodeSpec],
    config: &ParseConfig,
    setup: Setup<'_>,
) -> anyhow::Result<Ended> {
    let stop = stop_on_signals()?;
    let streams = Streams {
        config: config.clone(),
        idle: setup.idle,
        hash: setup.history.is_some(),
        banners: setup.locator.is_some() || setup.history.is_some(),
        stop: stop.clone(),
    };
    let setup_limits = setup.limits;
    let events = setup.events.clone();
    let mut console = console(setup, Recording::AtEnd);
    let mut failed = false;
    for spec in specs {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let source = Source::from_arg(&spec.path);
        let live = source.is_live();
        let reader = match input::open(&source, setup_limits.max_log_bytes) {
            Ok(reader) => reader,
            Err(err) => {
                events.event(Said::Error(&format!("{err:#}")));
                failed = true;
                continue;
            }
        };
        let feed = if live {
            Feed::threaded(reader)
        } else {
            Feed::direct(reader)
        };
        let (tx, rx) = mpsc::sync_channel(console::EVENTS_IN_FLIGHT);
        streams.start(&mut console, (source, spec.node_name(), live), feed, tx);
        for event in rx {
            if console.handle(event)?.is_some() {
                break;
            }
        }
    }
    let mut ended = console.finish()?;
    ended.failed |= failed;
    Ok(ended)
}

/// Options of `watch`.
pub struct WatchOptions {
    /// Read followed files from their start rather than their end.
    pub from_start: bool,
    /// Baud rate for serial devices.
    pub baud: Option<u32>,
}

/// `watch`: every source followed at once until SIGINT/SIGTERM (or until every source ended,
/// as stdin and FIFOs-at-end do not). Returns whether a source failed.
pub fn watch(
    specs: &[NodeSpec],
    config: &ParseConfig,
    options: &WatchOptions,
    setup: Setup<'_>,
) -> anyhow::Result<Ended> {
    let stop = stop_on_signals()?;
    let streams = Streams {
        config: config.clone(),
        idle: setup.idle,
        hash: false,
        banners: setup.locator.is_some() || setup.history.is_some(),
        stop: stop.clone(),
    };
    let events = setup.events.clone();
    let mut console = console(setup, Recording::AsItGrows);
    let (tx, rx) = mpsc::sync_channel::<Event>(console::EVENTS_IN_FLIGHT);
    let mut running = 0usize;
    let mut failed = false;
    let start = if options.from_start {
        Start::Beginning
    } else {
        Start::End
    };
    for spec in specs {
        let source = Source::from_arg(&spec.path);
        let feed = match &source {
            Source::Stdin => Feed::threaded(Box::new(io::stdin())),
            Source::Path(path) => {
                let follow = Follow::new(path, start, options.baud, stop.clone());
                if let Err(err) = follow.check() {
                    events.event(Said::Error(&format!("{err:#}")));
                    failed = true;
                    continue;
                }
                Feed::follow(follow)
            }
        };
        streams.start(
            &mut console,
            (source, spec.node_name(), true),
            feed,
            tx.clone(),
        );
        running += 1;
    }
    drop(tx);
    if running == 0 {
        anyhow::bail!("no source could be watched");
    }
    while running > 0 {
        let Ok(event) = rx.recv() else {
            break;
        };
        if console.handle(event)?.is_some() {
            running -= 1;
        }
    }
    let mut ended = console.finish()?;
    ended.failed |= failed;
    Ok(ended)
}
