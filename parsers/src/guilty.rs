//! Where the function a title blames was printed, so that signatures start (and, for stalls
//! and waits, end) where the title's choice does: the title and the signature agree on the bug
//! by construction, from one table of rules.

use crate::header::Dialect;
use crate::linux::Stop;
use crate::report::{Confidence, Report};
use crate::view::View;

/// The function a title blames and where it was printed ([`guilty`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guilty {
    /// The function as the title names it (`smp_call_function` for any of its variants,
    /// `sys_futex` for `__x64_sys_futex`).
    pub function: String,
    /// Where it was printed.
    pub at: GuiltyAt,
    /// The first frame of `report.frames` that no longer tells which bug it is, when the rule
    /// says so: the dispatcher or entry point a stall's looping work was called from, or the
    /// frame after a wait on a global lock, grace period or cross-CPU call (whose callers
    /// are victims).
    pub end: Option<usize>,
}

/// Where a [`Guilty`] function was printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuiltyAt {
    /// The frame of `report.frames` at this index (a return address, or the instruction
    /// pointer of a register dump printed inside the trace).
    Frame(usize),
    /// The crash PC ([`Report::rip`]).
    Rip,
    /// A report line that names the function (a KASAN or lockdep header, a `… at: f+0x…`
    /// line; 1-based input line), with no reliable frame of that name after it.
    Line(u64),
}

/// The function the title blames and where it comes from, by the very rules that chose it for
/// the title (recomputed from the report's own lines, so this works on any parsed report).
/// `None` when the title names no function.
pub fn guilty(report: &Report) -> Option<Guilty> {
    let view = View {
        kind: report.kind,
        dialect: if report.lego.is_some() {
            Dialect::Lego
        } else {
            Dialect::Linux
        },
        lines: &report.excerpt,
        frames: &report.frames,
        extra_frames: &[],
        registers: &report.registers,
        rip: report.rip.as_ref(),
        gap: &[],
    };
    let found = crate::dialect::guilty_line(&view)?;
    let line = found.line;
    let at = if let Some(idx) = report.frames.iter().position(|f| f.line == line) {
        GuiltyAt::Frame(idx)
    } else if report.rip.as_ref().is_some_and(|rip| rip.line == line) {
        GuiltyAt::Rip
    } else {
        // A function named by a report line: its first reliable frame after that line.
        report
            .frames
            .iter()
            .position(|f| {
                f.line > line
                    && f.confidence == Confidence::Reliable
                    && f.symbol
                        .as_ref()
                        .is_some_and(|s| crate::linux::title_name(&s.name) == found.function)
            })
            .map_or(GuiltyAt::Line(line), GuiltyAt::Frame)
    };
    let end = match (found.stop, at) {
        (Stop::Never, _) => None,
        (Stop::AtLine(stop), _) => report.frames.iter().position(|f| f.line == stop),
        (Stop::AfterGuilty, GuiltyAt::Frame(idx)) => Some(idx + 1),
        (Stop::AfterGuilty, _) => Some(0),
    };
    Some(Guilty {
        function: found.function,
        at,
        end,
    })
}

/// The index in `report.frames` of the frame the title's guilty function comes from; `None`
/// when the title names no function or took it from the crash PC or a report line
/// ([`guilty`] says which).
pub fn guilty_frame(report: &Report) -> Option<usize> {
    match guilty(report)?.at {
        GuiltyAt::Frame(idx) => Some(idx),
        GuiltyAt::Rip | GuiltyAt::Line(_) => None,
    }
}
