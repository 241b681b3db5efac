//! Bytes → lines, pushed in chunks of any size.
//!
//! A [`Splitter`] keeps the one line that a chunk ends in the middle of and completes it with
//! the next chunk, so the lines (and so the reports) never depend on where the chunks were
//! cut. Lines longer than the limit are cut to it and the rest of them is dropped up to the
//! next newline: memory is bounded by one capped line.
//!
//! Lines end with LF (CRLF's CR is removed with the other controls later), or with a bare CR
//! alone (old serial consoles, terminal captures): the bytes decide, once per input, whatever
//! the chunks. A CR followed by a byte other than LF before the first LF means CR endings (every
//! CR, and any later LF, then ends a line); otherwise the first LF means LF endings.

/// A raw line, without its `\n`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawLine<'a> {
    pub bytes: &'a [u8],
    /// The line was longer than the limit and was cut.
    pub truncated: bool,
    /// The input ended in the middle of this line (no final newline).
    pub unterminated: bool,
}

impl<'a> RawLine<'a> {
    /// A line of the input as found between two newlines, cut to `max_len` bytes.
    pub(crate) fn capped(bytes: &'a [u8], max_len: usize) -> RawLine<'a> {
        match bytes.get(..max_len) {
            Some(head) if bytes.len() > max_len => RawLine {
                bytes: head,
                truncated: true,
                unterminated: false,
            },
            _ => RawLine {
                bytes,
                truncated: false,
                unterminated: false,
            },
        }
    }
}

/// The state of line splitting between chunks.
#[derive(Debug)]
pub(crate) struct Splitter {
    /// The start of a line that the previous chunks did not finish (at most `max_line_len`).
    partial: Vec<u8>,
    /// `partial` was handed out as a line and is to be cleared.
    handed_out: bool,
    /// Bytes of an over-long line are being dropped up to its newline.
    discarding: bool,
    max_line_len: usize,
    endings: Endings,
    /// While the endings are undecided: the last byte of the input so far.
    last_byte: Option<u8>,
}

/// What ends a line, as the input shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endings {
    /// No line end seen yet.
    Undecided,
    /// `\n` (and `\r\n`).
    Lf,
    /// A bare `\r`.
    Cr,
}

impl Splitter {
    pub(crate) fn new(max_line_len: usize) -> Splitter {
        Splitter {
            partial: Vec::new(),
            handed_out: false,
            discarding: false,
            max_line_len: max_line_len.max(80),
            endings: Endings::Undecided,
            last_byte: None,
        }
    }

    /// With CR line endings, `chunk` with every CR turned into a newline (the lines then split
    /// as usual); `None` with LF endings, which cost nothing once decided.
    pub(crate) fn cr_endings(&mut self, chunk: &[u8]) -> Option<Vec<u8>> {
        let mut lead = None;
        if self.endings == Endings::Undecided {
            let lf = memchr::memchr(b'\n', chunk).unwrap_or(chunk.len());
            // A CR is bare when a byte other than LF follows it: within the chunk, or across
            // from the previous chunk's last byte. The first bare CR or LF decides.
            let across =
                self.last_byte == Some(b'\r') && chunk.first().is_some_and(|&b| b != b'\n');
            let inside = memchr::memchr_iter(b'\r', chunk.get(..lf).unwrap_or_default())
                .any(|at| chunk.get(at + 1).is_some_and(|&b| b != b'\n'));
            if across || inside {
                self.endings = Endings::Cr;
                lead = across.then_some(b'\n');
            } else if lf < chunk.len() {
                self.endings = Endings::Lf;
            } else if let Some(&last) = chunk.last() {
                self.last_byte = Some(last);
            }
        }
        if self.endings != Endings::Cr {
            return None;
        }
        let mut lines = Vec::with_capacity(chunk.len() + 1);
        lines.extend(lead);
        lines.extend(chunk.iter().map(|&b| if b == b'\r' { b'\n' } else { b }));
        Some(lines)
    }

    pub(crate) fn max_line_len(&self) -> usize {
        self.max_line_len
    }

    fn clear_handed_out(&mut self) {
        if self.handed_out {
            self.partial.clear();
            self.handed_out = false;
        }
    }

    /// Finishes what the previous chunks left over with the start of `chunk`. Returns the line
    /// that this completes (or cuts, when it grew over the limit) and the rest of the chunk,
    /// which starts at a line start (or is empty).
    pub(crate) fn carry<'s, 'c>(&'s mut self, chunk: &'c [u8]) -> (Option<RawLine<'s>>, &'c [u8]) {
        self.clear_handed_out();
        let newline = memchr::memchr(b'\n', chunk);
        if self.discarding {
            return match newline {
                Some(nl) => {
                    self.discarding = false;
                    (None, chunk.get(nl + 1..).unwrap_or_default())
                }
                None => (None, &[]),
            };
        }
        if self.partial.is_empty() {
            return (None, chunk);
        }
        let room = self.max_line_len.saturating_sub(self.partial.len());
        let (line_part, rest) = match newline {
            Some(nl) => (
                chunk.get(..nl).unwrap_or_default(),
                chunk.get(nl + 1..).unwrap_or_default(),
            ),
            None => (chunk, &[][..]),
        };
        let truncated = line_part.len() > room;
        self.partial
            .extend_from_slice(line_part.get(..room).unwrap_or(line_part));
        if newline.is_none() && !truncated {
            return (None, rest);
        }
        if newline.is_none() {
            self.discarding = true;
        }
        self.handed_out = true;
        let line = RawLine {
            bytes: &self.partial,
            truncated,
            unterminated: false,
        };
        (Some(line), rest)
    }

    /// Keeps the end of a chunk that has no newline; returns it cut as a line of its own when
    /// it is already over the limit.
    pub(crate) fn keep_tail<'c>(&mut self, tail: &'c [u8]) -> Option<RawLine<'c>> {
        self.clear_handed_out();
        if tail.is_empty() {
            return None;
        }
        if let Some(head) = tail
            .get(..self.max_line_len)
            .filter(|_| tail.len() > self.max_line_len)
        {
            self.discarding = true;
            return Some(RawLine {
                bytes: head,
                truncated: true,
                unterminated: false,
            });
        }
        self.partial.extend_from_slice(tail);
        None
    }

    /// At the end of the input: the unfinished last line, if any.
    pub(crate) fn finish(&mut self) -> Option<RawLine<'_>> {
        self.clear_handed_out();
        if self.discarding {
            self.discarding = false;
            return None;
        }
        if self.partial.is_empty() {
            return None;
        }
        self.handed_out = true;
        Some(RawLine {
            bytes: &self.partial,
            truncated: false,
            unterminated: true,
        })
    }
}

/// Lines passed over by the scanner's skip to the next trigger.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Skipped {
    pub lines: u64,
    pub long_lines: u64,
}

impl Skipped {
    /// Counts the complete lines of `region` (which starts at a line start and ends with `\n`).
    pub(crate) fn add_lines(&mut self, region: &[u8], max_line_len: usize) {
        // Vectorized counting; lines are only walked one by one where one may be too long.
        self.lines += memchr::memchr_iter(b'\n', region).count() as u64;
        if has_long_line(region, max_line_len) {
            let mut line_start = 0;
            for nl in memchr::memchr_iter(b'\n', region) {
                if nl - line_start > max_line_len {
                    self.long_lines += 1;
                }
                line_start = nl + 1;
            }
        }
    }
}

/// Whether some line of `region` (which starts at a line start) is longer than `max_len`: a
/// stretch of more than `max_len` bytes without a newline. Looks at one window of `max_len + 1`
/// bytes per step, from its end, so short lines cost one short backward search per window.
fn has_long_line(region: &[u8], max_len: usize) -> bool {
    let mut start = 0;
    while let Some(window) = region.get(start..=start + max_len) {
        match memchr::memrchr(b'\n', window) {
            Some(nl) => start += nl + 1,
            None => return true,
        }
    }
    // The rest is at most `max_len` bytes: a line there is not too long, or runs past the
    // region (which ends with a newline, so it cannot).
    false
}
