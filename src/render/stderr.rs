//! The terminal's event sink: what the library has to tell the user ([`Event`]s), on stderr.

use crate::config::events::{Event, EventSink, Events};
use std::collections::BTreeSet;
use std::io::{self, IsTerminal};
use std::sync::{Arc, Mutex};

/// The CLI's event sink: warnings on stderr once per key, errors on stderr, and a progress bar
/// for many logs when stderr is a terminal.
#[derive(Default)]
pub struct Stderr {
    said: Mutex<BTreeSet<String>>,
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Stderr {
    /// A new sink, shared.
    pub fn new() -> Arc<Stderr> {
        Arc::new(Stderr::default())
    }

    /// The sink as the library takes it.
    pub fn sink(self: &Arc<Self>) -> EventSink {
        self.clone()
    }

    /// Removes the progress bar, if one is shown.
    pub fn finish(&self) {
        if let Some(bar) = lock(&self.bar).take() {
            bar.finish_and_clear();
        }
    }

    fn say(&self, line: &str) {
        match lock(&self.bar).as_ref() {
            Some(bar) => bar.suspend(|| crate::eprint_safe!("legolog: {line}")),
            None => crate::eprint_safe!("legolog: {line}"),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Events for Stderr {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Warning { key, text } => {
                if lock(&self.said).insert(key.to_owned()) {
                    self.say(&format!("warning: {text}"));
                }
            }
            Event::Error(text) | Event::Notice(text) => self.say(text),
            Event::Started { total } => {
                if io::stderr().is_terminal() && total > 1 {
                    let bar = indicatif::ProgressBar::new(total);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} logs, {elapsed} (eta {eta})",
                    ) {
                        bar.set_style(style);
                    }
                    *lock(&self.bar) = Some(bar);
                }
            }
            Event::Done => {
                if let Some(bar) = lock(&self.bar).as_ref() {
                    bar.inc(1);
                }
            }
        }
    }
}
