//! What the library has to tell the user while it works, as events. The library never prints:
//! decoding, locating and correlating hand their warnings and progress to an [`Events`] sink the
//! caller owns; the terminal's sink (`render::stderr::Stderr`) prints each warning once per run and
//! draws the progress bar. A library user (or a test) can collect them instead.

use std::sync::Arc;

/// One thing to tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A problem that does not stop the work (an image without DWARF, a missing module, a
    /// mismatching image). Warnings with the same `key` are the same warning: say it once.
    Warning {
        /// What makes two warnings the same.
        key: &'a str,
        /// The sentence.
        text: &'a str,
    },
    /// A file or flag could not be used; the work goes on without it.
    Error(&'a str),
    /// Something done that the user should know about (a history regrouped).
    Notice(&'a str),
    /// Work started on `total` items (logs).
    Started {
        /// How many.
        total: u64,
    },
    /// One more item is done.
    Done,
}

/// Receives events; shared by worker threads.
pub trait Events: Send + Sync {
    /// Called for each event, from any thread.
    fn event(&self, event: Event<'_>);

    /// A warning that is its own key.
    fn warning(&self, text: &str) {
        self.event(Event::Warning { key: text, text });
    }
}

/// A shared event sink (not to be confused with `pipeline::stream::Sink`, where reports go).
pub type EventSink = Arc<dyn Events>;

/// Collects warnings and errors as lines (for tests and library users).
#[derive(Debug, Default)]
pub struct Collect(pub std::sync::Mutex<Vec<String>>);

impl Events for Collect {
    fn event(&self, event: Event<'_>) {
        let line = match event {
            Event::Warning { text, .. } => format!("warning: {text}"),
            Event::Error(text) | Event::Notice(text) => text.to_owned(),
            Event::Started { .. } | Event::Done => return,
        };
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(line);
    }
}
