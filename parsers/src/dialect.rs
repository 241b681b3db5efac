//! The dialects behind one door: which lines open a report, and what a finished report is
//! called and whether it can be trusted.
//!
//! Each dialect module ([`crate::lego`], [`crate::linux`]) recognizes its own headers and gives
//! each a literal *trigger* — a substring that every such header line contains — so the
//! scanner can skip the boot chatter between reports with one multi-pattern search instead of
//! looking at every line.

use crate::header::{Dialect, Header};
use crate::report::Corruption;
use crate::view::View;
use crate::vocab;

/// Every literal that a header line of any dialect contains, plus the call-trace openers: a
/// trace nobody announced still becomes a report.
pub(crate) fn triggers() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = crate::lego::TRIGGERS.to_vec();
    all.extend_from_slice(crate::linux::TRIGGERS);
    all.extend_from_slice(vocab::TRACE_OPENERS);
    all
}

/// Recognizes a header in the normalized text of a line.
pub(crate) fn match_header(text: &str) -> Option<Header> {
    crate::lego::match_header(text).or_else(|| crate::linux::match_header(text))
}

/// The title and the dialect's corruption verdict of a finished report, computed once.
pub(crate) fn conclude(view: &View<'_>) -> (String, Option<Corruption>) {
    let linux = crate::linux::judge(view);
    let title = match view.dialect {
        Dialect::Lego => crate::lego::title(view, &linux.title),
        Dialect::Linux => linux.title,
    };
    (title, linux.corruption)
}

/// The function the title blames and the input line (1-based) that named it, computed by the same
/// rules as [`conclude`]'s title.
pub(crate) fn guilty_line(view: &View<'_>) -> Option<crate::linux::Found> {
    let linux = crate::linux::judge(view);
    match view.dialect {
        Dialect::Lego => crate::lego::guilty_line(view, &linux),
        Dialect::Linux => linux.guilty,
    }
}
