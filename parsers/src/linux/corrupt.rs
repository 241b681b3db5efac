//! When a Linux report cannot be trusted (syzkaller's `isCorrupted` rules): no call trace, a
//! trace announced but with no frames, a title merged with another line's timestamp.

use crate::scan::Draft;

/// Lines that announce a stack trace.
fn is_trace_keyword(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("Call Trace")
        || text.starts_with("Call trace")
        || text.starts_with("Backtrace:")
        || text.starts_with("backtrace")
        || text.starts_with("Allocated by task")
        || text.starts_with("Freed by task")
        || text.contains(" backtrace:")
}

/// Why the report from line `header_idx` of the draft on is corrupted, if it is; the header's
/// literal starts at `literal_pos` (junk before it, such as a login prompt, is harmless).
pub(super) fn check(
    draft: &Draft,
    header_idx: usize,
    literal_pos: usize,
    no_stack_trace: bool,
) -> Option<String> {
    let header = draft.lines.get(header_idx).map_or("", |l| l.text.as_str());
    let lines = draft.lines.get(header_idx..).unwrap_or(&[]);
    if lines
        .iter()
        .any(|l| l.text.contains("printk messages dropped"))
    {
        return Some("the console dropped messages inside the report".to_owned());
    }
    if timestamp_inside(header.get(literal_pos..).unwrap_or(header)) {
        return Some("another line's timestamp inside the header".to_owned());
    }
    if no_stack_trace {
        return None;
    }
    let n_traces = lines.iter().filter(|l| is_trace_keyword(&l.text)).count();
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
