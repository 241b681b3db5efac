//! One printed line read on its own, outside any report: the frame or instruction pointer it
//! prints, with the same line parsing the reports use. `legolog decode` annotates the frame
//! lines no report claims with it (decode_stacktrace.sh works line by line), and `legolog
//! symbolize` takes pasted trace lines as queries.

use crate::body::{parse_instruction_pointer, parse_trace_line, FrameLine};
use crate::line::normalize;
use crate::report::{Context, Frame, Kind, Report, Span, Task};

/// A frame printed on a line of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoneFrame {
    /// The frame; [`Frame::line`] is the number given.
    pub frame: Frame,
    /// The line is an instruction pointer (`RIP: 0010:…`, `pc : …`): an exact address, not a
    /// return address.
    pub is_ip: bool,
}

/// The frame a line prints: `[<addr>] ? sym+off/size [mod]`, ` sym+off/size [mod]`, with or
/// without a timestamp or caller id, or an instruction pointer (`RIP: 0010:sym+off/size`).
/// `raw` is the line without its newline. `None` when the line prints no frame.
pub fn frame_of_line(number: u64, raw: &[u8]) -> Option<LoneFrame> {
    let line = normalize(number, raw);
    let (printed, is_ip) = match parse_instruction_pointer(&line.text) {
        Some(ip) => (ip, true),
        None => (parse_trace_line(&line.text)?.frame?, false),
    };
    let FrameLine {
        addr,
        symbol,
        module,
        build_id,
        confidence,
    } = printed;
    let frame = Frame {
        addr,
        symbol,
        module,
        build_id,
        confidence,
        context: Context::Task,
        line: number,
        from_registers: false,
    };
    Some(LoneFrame { frame, is_ip })
}

/// A report of one frame (its RIP, for an instruction pointer), so a lone line can be decoded
/// like a report's frames.
pub fn lone_report(lone: LoneFrame) -> Report {
    let LoneFrame { frame, is_ip } = lone;
    let span = Span::line(frame.line);
    let (rip, frames) = match is_ip {
        true => (Some(frame), Vec::new()),
        false => (None, vec![frame]),
    };
    Report {
        kind: Kind::Other,
        title: String::new(),
        corruption: None,
        span,
        time: None,
        wall_time: None,
        task: Task::default(),
        lego: None,
        registers: Vec::new(),
        rip,
        stack_words: Vec::new(),
        code: None,
        frames,
        kernel_offset: None,
        excerpt: Vec::new(),
        lock_chain: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_lines_and_instruction_pointers() {
        let lone = frame_of_line(
            7,
            b"[187736.815338] [<ffffffff8106920c>] ? fit_internal_poll_sendcq+0x6c/0xe0",
        )
        .unwrap();
        assert!(!lone.is_ip);
        let frame = lone.frame;
        assert_eq!(frame.addr, Some(0xffffffff8106920c));
        assert_eq!(
            frame.symbol.as_ref().unwrap().name,
            "fit_internal_poll_sendcq"
        );
        assert_eq!(frame.line, 7);
        let frame = frame_of_line(1, b" direct_entry.cold+0x18/0x24 [lkdtm]")
            .unwrap()
            .frame;
        assert_eq!(frame.module.as_deref(), Some("lkdtm"));
        assert_eq!(frame.symbol.as_ref().unwrap().offset, 0x18);
        let rip = frame_of_line(
            1,
            b"[    3.8] RIP: 0010:lkdtm_ACCESS_NULL+0x14/0x53 [lkdtm]",
        )
        .unwrap();
        assert!(rip.is_ip);
        assert_eq!(rip.frame.symbol.as_ref().unwrap().size, Some(0x53));
        let report = lone_report(rip);
        assert!(report.rip.is_some() && report.frames.is_empty());
        assert!(
            frame_of_line(1, b"[    3.8] lkdtm: Performing direct entry ACCESS_NULL").is_none()
        );
    }
}
