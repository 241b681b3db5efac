//! When a Linux report cannot be trusted (syzkaller's `isCorrupted` rules): no call trace, a
//! trace announced but with no frames, a title merged with another line's timestamp.

use crate::report::Confidence;
use crate::view::View;
use crate::vocab;
use regex::Regex;
use std::sync::OnceLock;

/// Why the report from line `header_idx` of the draft on, titled `title`, is corrupted, if it
/// is.
pub(super) fn check(
    draft: &View<'_>,
    header_idx: usize,
    title: &str,
    no_stack_trace: bool,
) -> Option<String> {
    let lines = draft.lines.get(header_idx..).unwrap_or(&[]);
    if lines
        .iter()
        .any(|l| l.text.contains("printk messages dropped"))
    {
        return Some("the console dropped messages inside the report".to_owned());
    }
    // The unwinder gave up on the stack it was printing: the trace is partial.
    if lines.iter().skip(1).any(|l| is_unwinder_warning(&l.text)) {
        return Some("the unwinder found a bad frame inside the report".to_owned());
    }
    if timestamp_inside(title) {
        return Some("another line's timestamp inside the title".to_owned());
    }
    let texts: Vec<&str> = lines
        .iter()
        .map(|l| l.text.as_str())
        .chain(draft.pending_lines())
        .collect();
    if let Some(reason) = trace_without_frames(&texts, no_stack_trace) {
        return Some(reason.to_owned());
    }
    if no_stack_trace {
        return None;
    }
    let n_traces = lines
        .iter()
        .filter(|l| vocab::announces_trace(&l.text))
        .count();
    if n_traces == 0 && draft.frames.is_empty() {
        return Some("no call trace".to_owned());
    }
    if draft.frames.is_empty() && draft.extra_frames.is_empty() {
        return Some("no frames in the call trace".to_owned());
    }
    None
}

/// `[  123.456789]` in the middle of a line: two console lines were merged.
fn timestamp_inside(text: &str) -> bool {
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = rest.get(open + 1..).unwrap_or("");
        let inner = after.trim_start();
        let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && inner.as_bytes().get(digits) == Some(&b'.') {
            let frac = inner.get(digits + 1..).unwrap_or("");
            let n_frac = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n_frac > 0 && frac.as_bytes().get(n_frac) == Some(&b']') {
                return true;
            }
        }
        rest = after;
    }
    false
}

/// Every line that announces a stack trace must be followed by a frame within the next few
/// lines (before another trace starts); a log that ends right after it was cut.
fn trace_without_frames(lines: &[&str], no_stack_trace: bool) -> Option<&'static str> {
    for (idx, line) in lines.iter().enumerate() {
        if !is_stack_keyword(line) {
            continue;
        }
        let after = lines.get(idx + 1..).unwrap_or(&[]);
        // Like syzkaller, look at the trace without its `? func` guesses: they neither show
        // that a trace was printed nor take room in the window a frame must appear in.
        let has_frame = after
            .iter()
            .filter(|text| !is_guessed_frame(text))
            .take(15)
            .take_while(|l| !is_stack_keyword(l))
            .any(|l| is_frame_line(l));
        if has_frame {
            continue;
        }
        // Even reports that need no trace are cut when they stop at `Call Trace:` (the log ends
        // or another report begins).
        if after.len() < 2 {
            return Some("the report stops where a call trace begins");
        }
        if !no_stack_trace {
            return Some("no frames after a call trace line");
        }
    }
    None
}

/// A stack frame line, in any of the formats the kernel prints (or an explicit
/// `(stack is not available)`).
fn is_frame_line(text: &str) -> bool {
    text.contains("(stack is not available)")
        || crate::body::parse_trace_line(text).is_some_and(|t| t.frame.is_some())
}

/// An x86 `? func+0x1/0x2` frame (PowerPC's trailing `(unreliable)` is not one of these).
fn is_guessed_frame(text: &str) -> bool {
    !text.trim_end().ends_with("(unreliable)")
        && crate::body::parse_trace_line(text)
            .and_then(|t| t.frame)
            .is_some_and(|f| f.confidence == Confidence::Guessed)
}

/// syzkaller's `linuxStackKeywords`: lines after which a stack trace must follow
/// (`stack backtrace:` of lockdep is not one; its `Call Trace:` is).
fn is_stack_keyword(text: &str) -> bool {
    static KEYWORDS: OnceLock<Regex> = OnceLock::new();
    KEYWORDS
        .get_or_init(|| {
            super::headers::compile(
                r"Call ?Trace|Call trace:|Allocated:|Allocated by task [0-9]+:|Freed:|Freed by task [0-9]+:|[^k] backtrace(?: \(crc [[:xdigit:]]*\))?:|Backtrace:|Uninit was stored to memory at",
            )
        })
        .is_match(text)
}

/// arch/x86/kernel/unwind_frame.c `unwind_next_frame`: `WARNING: kernel stack regs at %p in
/// %s:%d has bad 'bp' value %p` / `WARNING: kernel stack frame pointer at %p in %s:%d has bad
/// value %p`, printed by the frame-pointer unwinder while it dumps some stack; it continues
/// the report being printed and leaves its trace partial.
pub(super) fn is_unwinder_warning(text: &str) -> bool {
    text.contains("WARNING: kernel stack regs at")
        || text.contains("WARNING: kernel stack frame pointer at")
}
