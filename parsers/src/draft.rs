//! The per-report state machine: lines in, one [`Report`] out.
//!
//! A [`Draft`] is opened by a header line and offered every following line of its caller. It
//! sorts each into the report's parts by phase (preamble → `Stack:` words → call trace → post),
//! tolerates a few unrelated lines in a row (their number depends on the phase), and says when
//! the report is over. Titles and corruption verdicts come from [`crate::dialect`], which sees
//! the draft only through a [`View`].

use crate::body::{self, Marker, Section};
use crate::config::ParseConfig;
use crate::dialect;
use crate::header::{Dialect, Header, Role};
use crate::line::{Caller, Line};
use crate::report::{
    Confidence, Context, Corruption, ExcerptLine, Frame, Kind, Lego, LockLink, Report, Span, Task,
};
use crate::view::View;
use crate::vocab;

/// How a draft came to an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Its last line was an explicit end marker, or a new header started.
    Clean,
    /// It stopped going on (only unrelated lines followed).
    Faded,
    /// The input ended after a complete line.
    EndOfInput,
    /// The input ended in the middle of a line: the log was cut.
    CutOff,
    /// A live input paused (see [`crate::Scanner::flush`]); the report may have gone on.
    Idle,
}

/// What the draft says about an offered line.
pub(crate) enum Offer {
    /// The line belongs to the report.
    Taken,
    /// The line belongs to someone else (another printk caller); the report goes on.
    Foreign,
    /// The report is over; the line must be looked at again from the outside.
    Closes(Ending),
    /// The line belongs to the report and is its last one (a final end marker).
    Last,
    /// The line is a report of its own ([`Role::Aside`]) that leaves this one going on.
    Aside,
}

/// Where in its printout a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Header and description lines, registers.
    Preamble,
    /// After `Stack:`: raw words.
    Stack,
    /// Inside a call trace.
    Trace,
    /// After the trace: modules, end markers, registers printed again.
    Post,
}

/// Unrelated lines tolerated in a row before a report is considered over, per phase.
fn gap_limit(phase: Phase, kind: Kind) -> usize {
    match phase {
        Phase::Preamble if matches!(kind, Kind::DumpStack | Kind::NmiBacktrace | Kind::Trace) => 3,
        Phase::Preamble => 40,
        Phase::Stack => 3,
        // Other CPUs' messages often cut into a Linux trace (without caller ids they cannot be
        // routed apart: a driver's burst of one line per request, `executing program` lines);
        // LegoOS traces are printed whole.
        Phase::Trace if is_lego_kind(kind) => 3,
        Phase::Trace => 8,
        Phase::Post => 2,
    }
}

fn is_lego_kind(kind: Kind) -> bool {
    kind.as_str().starts_with("lego-")
}

/// A report being assembled: the [`Report`] under construction plus the state that decides,
/// line by line, whether the report goes on. Dialect modules only see it through a [`View`].
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    report: Report,
    dialect: Dialect,
    role: Role,
    /// The printk callers whose lines belong to the report (`[T123]`, `[C1]`): the header's,
    /// plus those whose headers joined it. Empty when the log prints no caller ids.
    callers: Vec<Caller>,
    /// Lines of other callers since this report's callers last printed.
    silence: u64,
    phase: Phase,
    context: Context,
    /// Frames of later traces in the same report (KASAN alloc/free stacks, lockdep chains).
    extra_frames: Vec<Frame>,
    n_traces: usize,
    /// Frames seen in the current trace.
    n_trace_frames: usize,
    /// The trace (1-based count) whose frames go to `frames`: the first one that has any.
    primary_trace: Option<usize>,
    n_claimed: u64,
    /// Unrelated lines since the last claimed one; claimed retroactively if the report goes on.
    gap: Vec<Line>,
    /// The trace ended with an explicit end marker.
    ended_by_marker: bool,
    /// Inside a register dump that x86 printed within the trace (an interrupted context's):
    /// its lines belong to the trace, whose frames go on after it.
    nested_dump: bool,
    /// The caller part of the last trace line when it was a 32-bit ARM backtrace line: the
    /// next line's callee takes its offset and size from it (see `add_trace_line`).
    arm_caller: Option<body::FrameLine>,
    /// s390 printed `Last Breaking-Event-Address:`; the frame-like line after it is no frame.
    after_last_break: bool,
    /// The report prints its own trace last (lockdep's `stack backtrace:`, the `Call Trace:`
    /// of UBSAN and `might_sleep` after their context lines) and that trace has not begun:
    /// earlier frames (a lock chain, `Preemption disabled at:`) are not the report's trace.
    final_trace_pending: bool,
    /// Frames go to the last link of the lock chain.
    in_lock_chain: bool,
    max_excerpt_lines: usize,
    max_report_lines: usize,
}

impl Draft {
    pub(crate) fn open(header: Header, line: &Line, config: &ParseConfig) -> Draft {
        let mut draft = Draft {
            report: Report {
                kind: header.kind,
                title: String::new(),
                corruption: None,
                span: Span::line(line.number),
                time: line.time,
                wall_time: line.wall,
                task: header.task,
                lego: header.lego,
                registers: Vec::new(),
                rip: None,
                stack_words: Vec::new(),
                code: None,
                frames: Vec::new(),
                kernel_offset: None,
                excerpt: Vec::new(),
                lock_chain: Vec::new(),
            },
            dialect: header.dialect,
            role: header.role,
            callers: line.caller.into_iter().collect(),
            silence: 0,
            phase: Phase::Preamble,
            context: Context::Task,
            extra_frames: Vec::new(),
            n_traces: 0,
            n_trace_frames: 0,
            primary_trace: None,
            n_claimed: 0,
            gap: Vec::new(),
            ended_by_marker: false,
            nested_dump: false,
            arm_caller: None,
            after_last_break: false,
            final_trace_pending: crate::linux::prints_trace_last(header.kind, &line.text),
            in_lock_chain: false,
            max_excerpt_lines: config.max_excerpt_lines,
            max_report_lines: config.max_report_lines,
        };
        draft.claim(line);
        draft
    }

    /// A draft for a call trace that no header announced (`Call Trace:` on its own).
    pub(crate) fn open_trace(line: &Line, config: &ParseConfig) -> Draft {
        let header = Header::new(Kind::Trace, Dialect::Linux, Role::Tentative);
        let mut draft = Draft::open(header, line, config);
        draft.enter_trace();
        draft
    }

    /// Whether `caller`'s lines belong to this report.
    pub(crate) fn is_callers(&self, caller: Caller) -> bool {
        self.callers.contains(&caller)
    }

    /// Whether the log printed no caller id on the line that opened this report.
    pub(crate) fn has_no_caller(&self) -> bool {
        self.callers.is_empty()
    }

    /// Whether another caller's header joins this report rather than open its own: only the
    /// per-CPU backtraces a stall detector asks for. (A panic printed by another task is that
    /// task's own report.)
    pub(crate) fn takes_header_of_other_caller(&self, header: &Header) -> bool {
        header.kind == Kind::NmiBacktrace && self.joins(header)
    }

    /// Counts a line of a caller that is not this report's; returns the count since this
    /// report's callers last printed.
    pub(crate) fn hear_other(&mut self) -> u64 {
        self.silence += 1;
        self.silence
    }

    /// The number of the report's first line.
    pub(crate) fn start(&self) -> u64 {
        self.report.span.start
    }

    /// What the dialect modules may read of the report being built.
    fn view(&self) -> View<'_> {
        View {
            kind: self.report.kind,
            dialect: self.dialect,
            lines: &self.report.excerpt,
            frames: &self.report.frames,
            extra_frames: &self.extra_frames,
            registers: &self.report.registers,
            rip: self.report.rip.as_ref(),
            gap: &self.gap,
        }
    }

    fn enter_trace(&mut self) {
        self.nested_dump = false;
        self.phase = Phase::Trace;
        self.context = Context::Task;
        self.n_traces += 1;
        self.n_trace_frames = 0;
    }

    fn claim(&mut self, line: &Line) {
        for pending in std::mem::take(&mut self.gap) {
            self.keep(&pending);
        }
        self.keep(line);
        if self.report.time.is_none() {
            self.report.time = line.time;
        }
    }

    fn keep(&mut self, line: &Line) {
        self.report.span.end = line.number;
        self.n_claimed += 1;
        if self.report.excerpt.len() < self.max_excerpt_lines {
            self.report.excerpt.push(ExcerptLine {
                line: line.number,
                text: line.text.clone(),
            });
        }
    }

    /// Decides whether `line` continues this report.
    pub(crate) fn offer(
        &mut self,
        line: &Line,
        header: Option<&Header>,
        config: &ParseConfig,
    ) -> Offer {
        let _ = config;
        if let Some(theirs) = line.caller {
            if !self.callers.is_empty() && !self.callers.contains(&theirs) {
                match header {
                    None => return Offer::Foreign,
                    // Another caller's header that belongs here (`NMI backtrace for cpu 1`
                    // printed by CPU 1 inside a stall report): its lines are the report's too.
                    Some(header) if self.joins(header) => self.callers.push(theirs),
                    Some(_) => {}
                }
            }
        }
        self.silence = 0;
        if self.n_claimed as usize >= self.max_report_lines {
            return Offer::Closes(Ending::Faded);
        }
        if let Some(header) = header {
            if self.joins(header) {
                self.absorb_header(header, line);
                self.claim(line);
                // `---[ end Kernel panic - not syncing: … ]---` names a panic but ends it.
                if vocab::is_final_marker(&line.text) {
                    self.ended_by_marker = true;
                    self.phase = Phase::Post;
                    return Offer::Last;
                }
                return Offer::Taken;
            }
            if header.role == Role::Aside {
                return Offer::Aside;
            }
            return Offer::Closes(Ending::Clean);
        }
        if self.absorb_body(line) {
            self.claim(line);
            if self.phase == Phase::Post
                && self.ended_by_marker
                && vocab::is_final_marker(&line.text)
            {
                return Offer::Last;
            }
            return Offer::Taken;
        }
        // An unrelated line: remember it; the report may still go on after it.
        let limit = if self.phase == Phase::Trace && self.n_trace_frames == 0 {
            // A `Call Trace:` whose frames have not started yet: other messages that cut in
            // right after it do not end it.
            gap_limit(Phase::Preamble, self.report.kind)
        } else {
            gap_limit(self.phase, self.report.kind)
        };
        if self.gap.len() >= limit {
            // The line is looked at again from the outside; it is not part of the gap.
            return Offer::Closes(if self.ended_by_marker {
                Ending::Clean
            } else {
                Ending::Faded
            });
        }
        self.gap.push(line.clone());
        if self.phase == Phase::Trace && self.gap.len() >= limit {
            self.phase = Phase::Post;
        }
        Offer::Taken
    }

    /// Whether a header line is part of this report rather than the start of the next.
    fn joins(&self, header: &Header) -> bool {
        if header.role == Role::Continuation {
            return true;
        }
        // A dump that has not printed a frame yet still takes its own task line
        // (`NMI backtrace for cpu 1` is followed by `CPU: 1 PID: …`); any other header means
        // the dump was only a message.
        if self.role == Role::Tentative && self.report.frames.is_empty() {
            return header.kind == Kind::DumpStack && self.report.task.pid.is_none();
        }
        match (self.report.kind, header.kind) {
            // FIT's timeout message is followed by the WARN_ON that prints the trace.
            (Kind::LegoFitCqeTimeout | Kind::LegoFitTimeout, Kind::Warning) => {
                self.phase == Phase::Preamble && self.report.frames.is_empty()
            }
            _ => crate::linux::joins(&self.view(), header),
        }
    }

    fn absorb_header(&mut self, header: &Header, line: &Line) {
        if self.report.kind == Kind::Trace || self.report.kind == Kind::DumpStack {
            self.report.kind = header.kind;
            self.role = header.role;
        }
        if header.dialect == Dialect::Lego {
            self.dialect = Dialect::Lego;
        }
        merge_task(&mut self.report.task, &header.task);
        if let Some(component) = crate::lego::oops_component(&line.text) {
            self.report.lego.get_or_insert_with(Lego::default).component = Some(component);
            self.dialect = Dialect::Lego;
        }
    }

    /// Records a body line; `false` if the line has no body shape.
    fn absorb_body(&mut self, line: &Line) -> bool {
        let text = line.text.as_str();
        // s390 `show_last_breaking_event`: `Last Breaking-Event-Address:` and one address line
        // after the trace; that line is a register value, not a frame.
        if text
            .trim_start()
            .starts_with("Last Breaking-Event-Address:")
        {
            self.after_last_break = true;
            self.leave_trace();
            return true;
        }
        if std::mem::take(&mut self.after_last_break)
            && body::parse_trace_line(text).is_some_and(|t| t.frame.is_some())
        {
            return true;
        }
        if self.final_trace_pending {
            if let Some((index, lock)) = crate::linux::lock_chain_link(text) {
                self.report.lock_chain.push(LockLink {
                    index,
                    lock,
                    frames: Vec::new(),
                });
                self.in_lock_chain = true;
                self.enter_trace();
                return true;
            }
        }
        if let Some((section, rest)) = body::parse_section(text) {
            match section {
                Section::CallTrace => {
                    self.enter_trace();
                    if std::mem::take(&mut self.final_trace_pending) {
                        // The report's own trace: what came before it was context.
                        self.in_lock_chain = false;
                        let earlier = std::mem::take(&mut self.report.frames);
                        self.extra_frames.extend(earlier);
                        self.primary_trace = Some(self.n_traces);
                    }
                    if let Some(trace) = body::parse_trace_line(rest) {
                        self.add_trace_line(trace, line.number);
                    }
                }
                Section::Stack => {
                    self.phase = Phase::Stack;
                    if let Some(words) = body::parse_stack_words(rest) {
                        self.report.stack_words.extend(words);
                    }
                }
            }
            return true;
        }
        // x86-64 2.6's `__die` header ends in `RIP:` and `printk_address` prints the crash PC
        // on the next line, as a frame: `Unable to handle kernel … at … RIP: ` then
        // ` [<ffffffff8803c3a5>] :ext3:ext3_get_block+0x2a/0x130`.
        if self.report.rip.is_none()
            && self.report.frames.is_empty()
            && self
                .report
                .excerpt
                .last()
                .is_some_and(|l| l.text.trim_end().ends_with(" RIP:"))
        {
            if let Some(frame) = body::parse_trace_line(text).and_then(|t| t.frame) {
                self.report.rip = Some(self.ip_frame(frame, line.number, false));
                return true;
            }
        }
        if let Some(trace) = body::parse_trace_line(text) {
            if self.phase != Phase::Trace {
                // Old kernels print frames after `Stack:` words without a `Call Trace:` line
                // only in LegoOS-style dumps; treat a frame anywhere as the start of a trace.
                if self.n_traces == 0 || self.phase == Phase::Post {
                    self.enter_trace();
                } else {
                    self.phase = Phase::Trace;
                }
            }
            self.add_trace_line(trace, line.number);
            return true;
        }
        if self.phase == Phase::Stack
            || (self.phase == Phase::Preamble && self.report.frames.is_empty())
        {
            if let Some(words) = body::parse_stack_words(text) {
                if self.phase == Phase::Stack || looks_like_stack_dump(text) {
                    self.report.stack_words.extend(words);
                    return true;
                }
            }
        }
        if self.phase == Phase::Trace && body::is_arm_trace_aside(text) {
            return true;
        }
        if self.nested_dump && self.phase == Phase::Trace {
            // The interrupted context's registers and code are not the report's.
            if body::parse_registers(text).is_some() || body::parse_code(text).is_some() {
                return true;
            }
        }
        if let Some(ip) = self.nested_instruction_pointer(text) {
            self.nested_dump = true;
            if ip.symbol.is_some() {
                let frame = self.ip_frame(ip, line.number, true);
                self.push_frame(frame);
            }
            return true;
        }
        if let Some(registers) = body::parse_registers(text) {
            let first = registers.first().map(|r| r.name.as_str());
            if self
                .report
                .registers
                .iter()
                .all(|r| Some(r.name.as_str()) != first)
            {
                self.report.registers.extend(registers);
            }
            self.leave_trace();
            return true;
        }
        if let Some(ip) = body::parse_instruction_pointer(text) {
            // Several architectures print the crash PC's address and symbol on two lines
            // (i386 `EIP: 0060:[<addr>]` then `EIP is at f+…`, arm `PC is at f+…` then
            // `pc : [<addr>]`): one crash PC, printed within a few lines (a user-mode
            // `RIP: 0033:0x…` further down belongs to another context).
            if let Some(rip) = self.report.rip.as_mut() {
                let same_addr = rip.addr.is_none() || ip.addr.is_none() || rip.addr == ip.addr;
                let near = line.number <= rip.line + 3;
                if near && same_addr && (rip.symbol.is_none() != ip.symbol.is_none()) {
                    rip.addr = rip.addr.or(ip.addr);
                    if rip.symbol.is_none() {
                        rip.symbol = ip.symbol.clone();
                        rip.module = ip.module.clone();
                        rip.build_id = ip.build_id.clone();
                    }
                }
            }
            if self.report.rip.is_none() {
                self.report.rip = Some(self.ip_frame(ip, line.number, false));
            }
            self.leave_trace();
            return true;
        }
        if let Some(code) = body::parse_code(text) {
            self.report.code.get_or_insert(code);
            self.leave_trace();
            return true;
        }
        if let Some(task) = body::parse_task_line(text) {
            merge_task(&mut self.report.task, &task);
            if self.report.kind == Kind::Trace && self.report.frames.is_empty() {
                self.report.kind = Kind::DumpStack;
            }
            return true;
        }
        if let Some(lego) = self.report.lego.as_mut() {
            if crate::lego::absorb_line(lego, text) {
                return true;
            }
        }
        if let Some(offset) = body::parse_kernel_offset(text) {
            self.report.kernel_offset = Some(offset);
            return true;
        }
        if vocab::is_end_marker(text) {
            self.ended_by_marker = true;
            self.phase = Phase::Post;
            return true;
        }
        if is_report_line(text) {
            if self.phase == Phase::Trace {
                self.phase = Phase::Post;
            }
            return true;
        }
        // Between the context traces and the final one, the report prints its explanation
        // (lockdep's scenario and held locks): description, like before any trace.
        if self.final_trace_pending && self.phase != Phase::Preamble {
            self.phase = Phase::Preamble;
            self.in_lock_chain = false;
            return true;
        }
        if body::is_blank(text) && self.phase == Phase::Trace {
            return false;
        }
        self.phase == Phase::Preamble && self.kind_expects_description()
    }

    fn kind_expects_description(&self) -> bool {
        crate::linux::expects_description(self.report.kind)
    }

    fn leave_trace(&mut self) {
        if self.phase == Phase::Trace {
            self.phase = Phase::Post;
        }
    }

    /// An x86 `RIP:`/`EIP:` line in the middle of a call trace that has frames: the unwinder
    /// crossed into an interrupted context and prints its registers (`show_regs_if_on_stack`),
    /// then goes on with that context's frames. Old i386 `die()` ends the trace with a summary
    /// of the crash PC, `EIP: [<addr>] f+0x90/0x302 SS:ESP …`: that bracketed form is no
    /// register dump (`show_ip` prints `EIP: f+…` or `RIP: 0010:f+…`).
    fn nested_instruction_pointer(&self, text: &str) -> Option<body::FrameLine> {
        if self.phase != Phase::Trace || self.n_trace_frames == 0 || self.ended_by_marker {
            return None;
        }
        let trimmed = text.trim_start();
        let rest = trimmed
            .strip_prefix("RIP: ")
            .or_else(|| trimmed.strip_prefix("EIP: "))?;
        if rest.starts_with("[<") {
            return None;
        }
        body::parse_instruction_pointer(text)
    }

    /// The frame of an instruction pointer line, in the current context.
    fn ip_frame(&self, ip: body::FrameLine, line: u64, from_registers: bool) -> Frame {
        Frame {
            addr: ip.addr,
            symbol: ip.symbol,
            module: ip.module,
            build_id: ip.build_id,
            confidence: Confidence::Reliable,
            context: self.context,
            line,
            from_registers,
        }
    }

    fn push_frame(&mut self, frame: Frame) {
        self.n_trace_frames += 1;
        if self.in_lock_chain {
            if let Some(link) = self.report.lock_chain.last_mut() {
                link.frames.push(frame.clone());
            }
            self.extra_frames.push(frame);
            return;
        }
        let primary = *self.primary_trace.get_or_insert(self.n_traces);
        if primary == self.n_traces {
            self.report.frames.push(frame);
        } else {
            self.extra_frames.push(frame);
        }
    }

    fn add_trace_line(&mut self, mut trace: body::TraceLine, number: u64) {
        self.nested_dump = false;
        // 32-bit ARM prints each function twice: as the caller (`from [<ret>] (f+0x10/0x14)`)
        // and as the next line's callee, whose offset and size `%ps` leaves out since 4.x
        // and whose address is the function's start with the frame-pointer unwinder. The
        // caller part gives the position in the function: the return address.
        let previous_caller = std::mem::replace(&mut self.arm_caller, trace.caller.take());
        if let (Some(frame), Some(caller)) = (trace.frame.as_mut(), previous_caller) {
            let name = |f: &body::FrameLine| f.symbol.as_ref().map(|s| s.name.clone());
            let lacks_offset = frame.symbol.as_ref().is_some_and(|s| s.size.is_none());
            if lacks_offset && name(frame) == name(&caller) {
                frame.symbol = caller.symbol;
                frame.addr = caller.addr.or(frame.addr);
                frame.module = frame.module.take().or(caller.module);
            }
        }
        for marker in trace.markers {
            match marker {
                Marker::Enter(context) => self.context = context,
                Marker::Leave => self.context = Context::Task,
                Marker::EndOfTrace => {
                    self.context = Context::Task;
                    if self.dialect == Dialect::Lego || self.report.lego.is_some() {
                        self.ended_by_marker = true;
                    }
                    self.phase = Phase::Post;
                }
            }
        }
        if let Some(parsed) = trace.frame {
            if self.phase != Phase::Trace {
                self.phase = Phase::Trace;
            }
            let frame = Frame {
                addr: parsed.addr,
                symbol: parsed.symbol,
                module: parsed.module,
                build_id: parsed.build_id,
                confidence: parsed.confidence,
                context: self.context,
                line: number,
                from_registers: false,
            };
            self.push_frame(frame);
        }
    }

    /// Turns the draft into a report; also returns how many of its lines go back to unclaimed.
    pub(crate) fn finish(mut self, ending: Ending) -> (Option<Report>, u64) {
        let n_gap = self.gap.len() as u64;
        if self.role == Role::Tentative && self.report.frames.is_empty() {
            return (None, self.n_claimed + n_gap);
        }
        // The console cut this message short and prints it again whole right after.
        let last_text = match self.gap.last() {
            Some(line) => Some(line.text.as_str()),
            None => self.report.excerpt.last().map(|l| l.text.as_str()),
        };
        if matches!(ending, Ending::Clean)
            && last_text.is_some_and(|t| t.contains("** replaying previous printk message **"))
        {
            return (None, self.n_claimed + n_gap);
        }
        // Pending lines show where the log stopped printing the report only when a new header
        // or the end of the input came right after them; when it faded out, it went on.
        if matches!(ending, Ending::Faded) {
            self.gap.clear();
        }
        if self.dialect != Dialect::Lego
            && self
                .report
                .task
                .kernel
                .as_deref()
                .is_some_and(|k| k.contains("lego"))
        {
            self.dialect = Dialect::Lego;
        }
        if self.dialect == Dialect::Lego && self.report.lego.is_none() {
            self.report.lego = Some(Lego::default());
        }
        let (title, corruption) = dialect::conclude(&self.view());
        let corruption = self.cut_corruption(ending).or(corruption);
        self.report.title = title;
        self.report.corruption = corruption;
        (Some(self.report), n_gap)
    }

    /// The report lost its end: the input stopped inside its call trace.
    fn cut_corruption(&self, ending: Ending) -> Option<Corruption> {
        // Linux excerpts often stop right after a trace; only a log cut in the middle of a line
        // is known to have lost the rest of it. LegoOS always closes a trace with `<EOT>`, so
        // there the input ending before it is enough. A pause of a live console proves nothing.
        let cut = match ending {
            Ending::CutOff => true,
            Ending::EndOfInput => self.dialect == Dialect::Lego,
            Ending::Clean | Ending::Faded | Ending::Idle => false,
        };
        // x86 `show_stack_log_lvl` prints the `Stack:` words and then always the call trace;
        // LegoOS' watchdog always dumps the stuck worker's trace. Input that stops first lost
        // it (Linux logs too: nothing ends a report inside its `Stack:` words but a cut).
        let stops_in_stack = matches!(ending, Ending::CutOff | Ending::EndOfInput)
            && self.phase == Phase::Stack
            && self.report.frames.is_empty();
        let watchdog_without_trace = cut
            && self.report.kind == Kind::LegoWatchdog
            && self.report.frames.is_empty()
            && self.extra_frames.is_empty();
        if stops_in_stack || watchdog_without_trace {
            return Some(Corruption {
                reason: "log ends before the call trace".to_owned(),
            });
        }
        if cut && self.phase == Phase::Trace && !self.ended_by_marker {
            let last = self.report.frames.last().and_then(|f| f.symbol.as_ref());
            if !last.is_some_and(|s| vocab::is_trace_bottom(&s.name)) {
                return Some(Corruption {
                    reason: "log ends inside the call trace".to_owned(),
                });
            }
        }
        None
    }
}

fn merge_task(into: &mut Task, from: &Task) {
    if into.cpu.is_none() {
        into.cpu = from.cpu;
    }
    if into.pid.is_none() {
        into.pid = from.pid;
    }
    if into.comm.is_none() {
        into.comm.clone_from(&from.comm);
    }
    if into.kernel.is_none() {
        into.kernel.clone_from(&from.kernel);
    }
}

/// Old Linux `show_stack` prints raw words indented by one space, without a `Stack:` line.
fn looks_like_stack_dump(text: &str) -> bool {
    text.starts_with(' ') && text.split_whitespace().count() >= 2
}

/// Lines that appear inside reports of every kind, around the trace.
fn is_report_line(text: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "Modules linked in:",
        "Hardware name:",
        "task: ",
        "Kernel Offset:",
        "PGD ",
        "PML4 ",
        "Oops:",
        "Current call stack:",
        "IB Stats:",
        "Dumping ftrace buffer",
        "(ftrace buffer empty)",
        "RIP  [<",
        "RSP <",
        "irq event stamp:",
        "hardirqs last",
        "softirqs last",
        "Rebooting in",
        "Shutting down cpus",
        "Workqueue:",
        "CR2: ",
        "---[ end trace",
        "note: ",
        "Sched Debug",
    ];
    let text = text.trim_start();
    PREFIXES.iter().any(|p| text.starts_with(p))
}
