//! A read-only view of the report being assembled: all that the dialect modules
//! ([`crate::lego`], [`crate::linux`]) may see of a [`crate::draft::Draft`].

use crate::header::Dialect;
use crate::line::Line;
use crate::report::{Confidence, ExcerptLine, Frame, Kind, Register};
use crate::vocab;

/// The parts of a draft report that titles, joins and corruption rules are made from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    pub kind: Kind,
    pub dialect: Dialect,
    /// Every claimed line (capped at the excerpt limit), header first.
    pub lines: &'a [ExcerptLine],
    /// Frames of the report's primary trace.
    pub frames: &'a [Frame],
    /// Frames of later traces in the same report (KASAN alloc/free stacks, lockdep chains).
    pub extra_frames: &'a [Frame],
    pub registers: &'a [Register],
    pub rip: Option<&'a Frame>,
    /// Unrelated lines after the last claimed one.
    pub gap: &'a [Line],
}

impl<'a> View<'a> {
    /// The text of the header line.
    pub fn header_text(&self) -> &'a str {
        self.lines.first().map_or("", |l| l.text.as_str())
    }

    /// Unrelated lines after the last claimed one, still pending when the report ends (the
    /// start of a section the log cut off, for instance).
    pub fn pending_lines(&self) -> impl Iterator<Item = &'a str> {
        self.gap.iter().map(|l| l.text.as_str())
    }

    /// The function a title blames: the RIP's, else the first reliable frame that is not a
    /// reporting helper.
    pub fn guilty_function(&self) -> Option<&'a str> {
        self.guilty_function_at().map(|(name, _)| name)
    }

    /// [`View::guilty_function`] with the input line that printed it.
    pub fn guilty_function_at(&self) -> Option<(&'a str, u64)> {
        if let Some(rip) = self.rip {
            if let Some(symbol) = &rip.symbol {
                return Some((symbol.name.as_str(), rip.line));
            }
        }
        self.frames
            .iter()
            .filter(|f| f.confidence == Confidence::Reliable)
            .filter_map(|f| f.symbol.as_ref().map(|s| (s.name.as_str(), f.line)))
            .find(|(name, _)| !vocab::is_reporting_helper(name))
    }
}
