//! The streaming scanner: input bytes → lines → reports.
//!
//! Two modes keep it fast and its memory bounded. While no report is open the scanner skips
//! whole buffers with one multi-pattern search for header *triggers* and only counts the lines
//! it passes. Once a header opens a report, every line is normalized and fed to a [`Draft`],
//! which decides line by line whether the report goes on. Memory is one read buffer plus the
//! draft being assembled.

use crate::body::{self, Marker, Section};
use crate::header::{self, Dialect, Header, Role};
use crate::line::{self, Caller, Line};
use crate::report::{
    Code, Confidence, Context, Corruption, ExcerptLine, Frame, Kind, Lego, Register, Report, Span,
    Task,
};
use aho_corasick::AhoCorasick;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::OnceLock;

/// Limits and options of the parser. Passed explicitly; see [`ParseConfig::standard`].
#[derive(Debug, Clone)]
pub struct ParseConfig {
    /// Lines longer than this many bytes are cut (and counted in [`Stats::long_lines`]).
    pub max_line_len: usize,
    /// At most this many lines of a report are kept in [`Report::excerpt`].
    pub max_excerpt_lines: usize,
    /// A report is closed after this many lines even if it seems to go on.
    pub max_report_lines: usize,
}

impl ParseConfig {
    /// The limits the CLI uses: 64 KiB lines, 400 excerpt lines, 5000-line reports.
    pub fn standard() -> ParseConfig {
        ParseConfig {
            max_line_len: 64 * 1024,
            max_excerpt_lines: 400,
            max_report_lines: 5000,
        }
    }
}

/// Counters about one input stream, complete once the parser is exhausted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines read.
    pub lines: u64,
    /// Lines that belong to no report.
    pub unclaimed_lines: u64,
    /// Lines cut at [`ParseConfig::max_line_len`].
    pub long_lines: u64,
}

/// Parses a console log from any reader, one report at a time.
///
/// ```
/// let log = b"[  1.0] BUG: failure at mm/x.c:12/foo()!\n[  1.1] Kernel Panic - not syncing: BUG!\n";
/// let mut parser = legolog_parsers::Parser::new(&log[..], legolog_parsers::ParseConfig::standard());
/// let report = parser.next().unwrap()?;
/// assert_eq!(report.kind.as_str(), "lego-bug");
/// assert!(parser.next().is_none());
/// assert_eq!(parser.stats().lines, 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Parser<R> {
    source: LineSource<R>,
    config: ParseConfig,
    draft: Option<Draft>,
    ready: VecDeque<Report>,
    stats: Stats,
    finished: bool,
    /// The last line read had no newline: the input was cut in the middle of a line.
    cut_off: bool,
}

impl<R: Read> Parser<R> {
    /// A parser over `reader` (it buffers on its own; do not wrap it in a `BufReader`).
    pub fn new(reader: R, config: ParseConfig) -> Parser<R> {
        Parser {
            source: LineSource::new(reader, config.max_line_len),
            config,
            draft: None,
            ready: VecDeque::new(),
            stats: Stats::default(),
            finished: false,
            cut_off: false,
        }
    }

    /// Counters so far; final once [`Iterator::next`] returned `None`.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    fn step(&mut self) -> io::Result<bool> {
        if self.draft.is_none() {
            let skipped = self.source.skip_to_trigger(trigger_finder())?;
            self.stats.lines += skipped.lines;
            self.stats.unclaimed_lines += skipped.lines;
            self.stats.long_lines += skipped.long_lines;
        }
        let Some(raw) = self.source.next_line()? else {
            if let Some(draft) = self.draft.take() {
                let ending = if self.cut_off {
                    Ending::CutOff
                } else {
                    Ending::EndOfInput
                };
                self.close(draft, ending);
            }
            return Ok(false);
        };
        self.stats.lines += 1;
        if raw.truncated {
            self.stats.long_lines += 1;
        }
        self.cut_off = raw.unterminated;
        let line = line::normalize(self.stats.lines, raw.bytes);
        self.feed(line);
        Ok(true)
    }

    fn feed(&mut self, line: Line) {
        let header = header::match_header(&line.text);
        if let Some(draft) = self.draft.as_mut() {
            let verdict = draft.offer(&line, header.as_ref(), &self.config);
            match verdict {
                Offer::Taken => return,
                Offer::Foreign => {
                    self.stats.unclaimed_lines += 1;
                    return;
                }
                Offer::Closes(ending) => {
                    let draft = self.draft.take().expect("checked above");
                    self.close(draft, ending);
                }
            }
        }
        match header {
            Some(header) => self.draft = Some(Draft::open(header, &line, &self.config)),
            None => match body::parse_section(&line.text) {
                // A call trace nobody announced still becomes a report.
                Some((Section::CallTrace, _)) => {
                    let header = Header::new(Kind::Trace, Dialect::Linux, Role::Tentative);
                    let mut draft = Draft::open(header, &line, &self.config);
                    draft.enter_trace();
                    self.draft = Some(draft);
                }
                _ => self.stats.unclaimed_lines += 1,
            },
        }
    }

    fn close(&mut self, draft: Draft, ending: Ending) {
        let (report, n_unclaimed) = draft.finish(ending);
        self.stats.unclaimed_lines += n_unclaimed;
        if let Some(report) = report {
            self.ready.push_back(report);
        }
    }
}

impl<R: Read> Iterator for Parser<R> {
    type Item = io::Result<Report>;

    fn next(&mut self) -> Option<io::Result<Report>> {
        loop {
            if let Some(report) = self.ready.pop_front() {
                return Some(Ok(report));
            }
            if self.finished {
                return None;
            }
            match self.step() {
                Ok(true) => {}
                Ok(false) => self.finished = true,
                Err(err) => {
                    self.finished = true;
                    return Some(Err(err));
                }
            }
        }
    }
}

fn trigger_finder() -> &'static AhoCorasick {
    static FINDER: OnceLock<AhoCorasick> = OnceLock::new();
    FINDER.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(header::triggers())
            .expect("trigger literals are valid patterns")
    })
}

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
}

/// What the draft says about an offered line.
enum Offer {
    /// The line belongs to the report.
    Taken,
    /// The line belongs to someone else (another printk caller); the report goes on.
    Foreign,
    /// The report is over; the line must be looked at again from the outside.
    Closes(Ending),
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
        // Other CPUs' messages often cut into a Linux trace; LegoOS traces are printed whole.
        Phase::Trace if is_lego_kind(kind) => 3,
        Phase::Trace => 6,
        Phase::Post => 2,
    }
}

fn is_lego_kind(kind: Kind) -> bool {
    kind.as_str().starts_with("lego-")
}

/// A report being assembled. Dialect modules read it to make titles.
#[derive(Debug)]
pub(crate) struct Draft {
    pub kind: Kind,
    pub dialect: Dialect,
    role: Role,
    caller: Option<Caller>,
    pub phase: Phase,
    context: Context,
    start: u64,
    end: u64,
    time: Option<f64>,
    pub task: Task,
    pub lego: Option<Lego>,
    pub registers: Vec<Register>,
    pub rip: Option<Frame>,
    pub stack_words: Vec<u64>,
    pub code: Option<Code>,
    pub frames: Vec<Frame>,
    kernel_offset: Option<u64>,
    /// Frames of later traces in the same report (KASAN alloc/free stacks, lockdep chains).
    pub extra_frames: Vec<Frame>,
    n_traces: usize,
    /// Frames seen in the current trace.
    n_trace_frames: usize,
    /// The trace (1-based count) whose frames go to `frames`: the first one that has any.
    primary_trace: Option<usize>,
    /// Every claimed line, for titles and excerpts (capped).
    pub lines: Vec<ExcerptLine>,
    n_claimed: u64,
    /// Unrelated lines since the last claimed one; claimed retroactively if the report goes on.
    gap: Vec<Line>,
    /// The trace ended with an explicit end marker.
    ended_by_marker: bool,
    /// The caller part of the last trace line when it was a 32-bit ARM backtrace line: the
    /// next line's callee takes its offset and size from it (see `add_trace_line`).
    arm_caller: Option<body::FrameLine>,
    /// s390 printed `Last Breaking-Event-Address:`; the frame-like line after it is no frame.
    after_last_break: bool,
    max_excerpt_lines: usize,
    max_report_lines: usize,
}

impl Draft {
    fn open(header: Header, line: &Line, config: &ParseConfig) -> Draft {
        let mut draft = Draft {
            kind: header.kind,
            dialect: header.dialect,
            role: header.role,
            caller: line.caller,
            phase: Phase::Preamble,
            context: Context::Task,
            start: line.number,
            end: line.number,
            time: line.time,
            task: header.task,
            lego: header.lego,
            registers: Vec::new(),
            rip: None,
            stack_words: Vec::new(),
            code: None,
            frames: Vec::new(),
            kernel_offset: None,
            extra_frames: Vec::new(),
            n_traces: 0,
            n_trace_frames: 0,
            primary_trace: None,
            lines: Vec::new(),
            n_claimed: 0,
            gap: Vec::new(),
            ended_by_marker: false,
            arm_caller: None,
            after_last_break: false,
            max_excerpt_lines: config.max_excerpt_lines,
            max_report_lines: config.max_report_lines,
        };
        draft.claim(line);
        draft
    }

    /// The text of the header line.
    /// Unrelated lines after the last claimed one, still pending when the report ends (the
    /// start of a section the log cut off, for instance).
    pub fn pending_lines(&self) -> impl Iterator<Item = &str> {
        self.gap.iter().map(|l| l.text.as_str())
    }

    pub fn header_text(&self) -> &str {
        self.lines.first().map_or("", |l| l.text.as_str())
    }

    /// The function a title blames: the RIP's, else the first reliable frame that is not a
    /// reporting helper.
    pub fn guilty_function(&self) -> Option<&str> {
        if let Some(name) = self
            .rip
            .as_ref()
            .and_then(|f| f.symbol.as_ref())
            .map(|s| s.name.as_str())
        {
            return Some(name);
        }
        self.frames
            .iter()
            .filter(|f| f.confidence == Confidence::Reliable)
            .filter_map(|f| f.symbol.as_ref())
            .map(|s| s.name.as_str())
            .find(|name| !is_reporting_helper(name))
    }

    fn enter_trace(&mut self) {
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
        if self.time.is_none() {
            self.time = line.time;
        }
    }

    fn keep(&mut self, line: &Line) {
        self.end = line.number;
        self.n_claimed += 1;
        if self.lines.len() < self.max_excerpt_lines {
            self.lines.push(ExcerptLine {
                line: line.number,
                text: line.text.clone(),
            });
        }
    }

    /// Decides whether `line` continues this report.
    fn offer(&mut self, line: &Line, header: Option<&Header>, config: &ParseConfig) -> Offer {
        let _ = config;
        if let (Some(mine), Some(theirs)) = (self.caller, line.caller) {
            if mine != theirs && header.is_none() {
                return Offer::Foreign;
            }
        }
        if self.n_claimed as usize >= self.max_report_lines {
            return Offer::Closes(Ending::Faded);
        }
        if let Some(header) = header {
            if self.joins(header) {
                self.absorb_header(header, line);
                self.claim(line);
                return Offer::Taken;
            }
            return Offer::Closes(Ending::Clean);
        }
        if self.absorb_body(line) {
            self.claim(line);
            if self.phase == Phase::Post && self.ended_by_marker && is_final_marker(&line.text) {
                return Offer::Closes(Ending::Clean);
            }
            return Offer::Taken;
        }
        // An unrelated line: remember it; the report may still go on after it.
        let limit = if self.phase == Phase::Trace && self.n_trace_frames == 0 {
            // A `Call Trace:` whose frames have not started yet: other messages that cut in
            // right after it do not end it.
            gap_limit(Phase::Preamble, self.kind)
        } else {
            gap_limit(self.phase, self.kind)
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
        if self.role == Role::Tentative && self.frames.is_empty() {
            return header.kind == Kind::DumpStack && self.task.pid.is_none();
        }
        match (self.kind, header.kind) {
            // FIT's timeout message is followed by the WARN_ON that prints the trace.
            (Kind::LegoFitCqeTimeout | Kind::LegoFitTimeout, Kind::Warning) => {
                self.phase == Phase::Preamble && self.frames.is_empty()
            }
            _ => crate::linux::joins(self, header),
        }
    }

    fn absorb_header(&mut self, header: &Header, line: &Line) {
        if self.kind == Kind::Trace || self.kind == Kind::DumpStack {
            self.kind = header.kind;
            self.role = header.role;
        }
        if header.dialect == Dialect::Lego {
            self.dialect = Dialect::Lego;
        }
        merge_task(&mut self.task, &header.task);
        if let Some(component) = crate::lego::oops_component(&line.text) {
            self.lego.get_or_insert_with(Lego::default).component = Some(component);
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
        if let Some((section, rest)) = body::parse_section(text) {
            match section {
                Section::CallTrace => {
                    self.enter_trace();
                    if let Some(trace) = body::parse_trace_line(rest) {
                        self.add_trace_line(trace, line.number);
                    }
                }
                Section::Stack => {
                    self.phase = Phase::Stack;
                    if let Some(words) = body::parse_stack_words(rest) {
                        self.stack_words.extend(words);
                    }
                }
            }
            return true;
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
        if self.phase == Phase::Stack || (self.phase == Phase::Preamble && self.frames.is_empty()) {
            if let Some(words) = body::parse_stack_words(text) {
                if self.phase == Phase::Stack || looks_like_stack_dump(text) {
                    self.stack_words.extend(words);
                    return true;
                }
            }
        }
        if self.phase == Phase::Trace && body::is_arm_trace_aside(text) {
            return true;
        }
        if let Some(registers) = body::parse_registers(text) {
            if self.registers.iter().all(|r| r.name != registers[0].name) {
                self.registers.extend(registers);
            }
            self.leave_trace();
            return true;
        }
        if let Some(ip) = body::parse_instruction_pointer(text) {
            // Several architectures print the crash PC's address and symbol on two lines
            // (i386 `EIP: 0060:[<addr>]` then `EIP is at f+…`, arm `PC is at f+…` then
            // `pc : [<addr>]`): one crash PC, printed within a few lines (a user-mode
            // `RIP: 0033:0x…` further down belongs to another context).
            if let Some(rip) = self.rip.as_mut() {
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
            if self.rip.is_none() {
                self.rip = Some(Frame {
                    addr: ip.addr,
                    symbol: ip.symbol,
                    module: ip.module,
                    build_id: ip.build_id,
                    confidence: Confidence::Reliable,
                    context: self.context,
                    line: line.number,
                });
            }
            self.leave_trace();
            return true;
        }
        if let Some(code) = body::parse_code(text) {
            self.code.get_or_insert(code);
            self.leave_trace();
            return true;
        }
        if let Some(task) = body::parse_task_line(text) {
            merge_task(&mut self.task, &task);
            if self.kind == Kind::Trace && self.frames.is_empty() {
                self.kind = Kind::DumpStack;
            }
            return true;
        }
        if let Some(lego) = self.lego.as_mut() {
            if crate::lego::absorb_line(lego, text) {
                return true;
            }
        }
        if let Some(offset) = body::parse_kernel_offset(text) {
            self.kernel_offset = Some(offset);
            return true;
        }
        if is_end_marker(text) {
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
        if body::is_blank(text) && self.phase == Phase::Trace {
            return false;
        }
        self.phase == Phase::Preamble && self.kind_expects_description()
    }

    fn kind_expects_description(&self) -> bool {
        crate::linux::expects_description(self.kind)
    }

    fn leave_trace(&mut self) {
        if self.phase == Phase::Trace {
            self.phase = Phase::Post;
        }
    }

    fn add_trace_line(&mut self, mut trace: body::TraceLine, number: u64) {
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
                    if self.dialect == Dialect::Lego || self.lego.is_some() {
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
            };
            self.n_trace_frames += 1;
            let primary = *self.primary_trace.get_or_insert(self.n_traces);
            if primary == self.n_traces {
                self.frames.push(frame);
            } else {
                self.extra_frames.push(frame);
            }
        }
    }

    /// Turns the draft into a report; also returns how many of its lines go back to unclaimed.
    fn finish(mut self, ending: Ending) -> (Option<Report>, u64) {
        let n_gap = self.gap.len() as u64;
        if self.role == Role::Tentative && self.frames.is_empty() {
            return (None, self.n_claimed + n_gap);
        }
        // The console cut this message short and prints it again whole right after.
        let last_text = match self.gap.last() {
            Some(line) => Some(line.text.as_str()),
            None => self.lines.last().map(|l| l.text.as_str()),
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
                .task
                .kernel
                .as_deref()
                .is_some_and(|k| k.contains("lego"))
        {
            self.dialect = Dialect::Lego;
        }
        if self.dialect == Dialect::Lego && self.lego.is_none() {
            self.lego = Some(Lego::default());
        }
        let title = match self.dialect {
            Dialect::Lego => crate::lego::title(&self),
            Dialect::Linux => crate::linux::title(&self),
        };
        let corruption = self.corruption(ending);
        let report = Report {
            kind: self.kind,
            title,
            corruption,
            span: Span {
                start: self.start,
                end: self.end,
            },
            time: self.time,
            task: self.task,
            lego: self.lego,
            registers: self.registers,
            rip: self.rip,
            stack_words: self.stack_words,
            code: self.code,
            frames: self.frames,
            kernel_offset: self.kernel_offset,
            excerpt: self.lines,
        };
        (Some(report), n_gap)
    }

    fn corruption(&self, ending: Ending) -> Option<Corruption> {
        // Linux excerpts often stop right after a trace; only a log cut in the middle of a line
        // is known to have lost the rest of it. LegoOS always closes a trace with `<EOT>`, so
        // there the input ending before it is enough.
        let cut = match ending {
            Ending::CutOff => true,
            Ending::EndOfInput => self.dialect == Dialect::Lego,
            Ending::Clean | Ending::Faded => false,
        };
        if cut && self.phase == Phase::Trace && !self.ended_by_marker {
            let last = self.frames.last().and_then(|f| f.symbol.as_ref());
            if !last.is_some_and(|s| is_trace_bottom(&s.name)) {
                return Some(Corruption {
                    reason: "log ends inside the call trace".to_owned(),
                });
            }
        }
        crate::linux::corruption(self)
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

/// Lines that end a trace for good: `---[ end trace … ]---`, `---[ end Kernel panic …`.
fn is_end_marker(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("---[ end ")
}

/// The end marker after which nothing else belongs to the report.
fn is_final_marker(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("---[ end Kernel panic") || text.starts_with("---[ end Kernel Panic")
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

/// Frames where every trace bottoms out: a trace that stops here is complete.
fn is_trace_bottom(name: &str) -> bool {
    const BOTTOMS: &[&str] = &[
        "ret_from_fork",
        "ret_from_fork_asm",
        "kthread",
        "start_kernel",
        "x86_64_start_kernel",
        "x86_64_start_reservations",
        "secondary_startup_64",
        "secondary_startup_64_no_verify",
        "start_secondary",
        "cpu_startup_entry",
        "rest_init",
        "entry_SYSCALL_64",
        "entry_SYSCALL_64_after_hwframe",
        "entry_SYSCALL64_slow_path",
        "do_syscall_64",
        "el0_svc",
        "el0t_64_sync",
        "el0t_64_sync_handler",
    ];
    BOTTOMS.contains(&name)
}

/// Functions that print or raise a report rather than cause it.
pub(crate) fn is_reporting_helper(name: &str) -> bool {
    const HELPERS: &[&str] = &[
        "dump_stack",
        "dump_stack_lvl",
        "show_stack",
        "panic",
        "__warn",
        "warn_slowpath_common",
        "warn_slowpath_null",
        "warn_slowpath_fmt",
        "report_deadlock",
        "debug_spin_lock",
        "printk",
        "report_bug",
        "handle_bug",
        "do_error_trap",
        "do_invalid_op",
        "invalid_op",
        "exc_invalid_op",
        "asm_exc_invalid_op",
    ];
    let base = name.split('.').next().unwrap_or(name);
    HELPERS.contains(&base)
}

/// Lines passed over by [`LineSource::skip_to_trigger`].
#[derive(Debug, Default, Clone, Copy)]
struct Skipped {
    lines: u64,
    long_lines: u64,
}

impl Skipped {
    /// Counts the complete lines of `region` (which starts at a line start and ends with `\n`).
    fn add_lines(&mut self, region: &[u8], max_line_len: usize) {
        let mut line_start = 0;
        for nl in memchr::memchr_iter(b'\n', region) {
            self.lines += 1;
            if nl - line_start > max_line_len {
                self.long_lines += 1;
            }
            line_start = nl + 1;
        }
    }
}

/// A raw line from the reader.
struct RawLine<'a> {
    bytes: &'a [u8],
    truncated: bool,
    /// The input ended in the middle of this line (no final newline).
    unterminated: bool,
}

/// A line reader with a hard line-length cap and a fast skip to the next trigger.
struct LineSource<R> {
    reader: R,
    buf: Vec<u8>,
    /// Start of unconsumed bytes in `buf`.
    pos: usize,
    eof: bool,
    max_line_len: usize,
    /// Bytes of an over-long line are being dropped up to its newline.
    discarding: bool,
}

const READ_CHUNK: usize = 256 * 1024;

impl<R: Read> LineSource<R> {
    fn new(reader: R, max_line_len: usize) -> LineSource<R> {
        LineSource {
            reader,
            buf: Vec::with_capacity(READ_CHUNK),
            pos: 0,
            eof: false,
            max_line_len: max_line_len.max(80),
            discarding: false,
        }
    }

    /// Reads more input; `false` at end of input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let old_len = self.buf.len();
        self.buf.resize(old_len + READ_CHUNK, 0);
        let n = loop {
            match self.reader.read(&mut self.buf[old_len..]) {
                Ok(n) => break n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    self.buf.truncate(old_len);
                    return Err(err);
                }
            }
        };
        self.buf.truncate(old_len + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// Skips whole lines that contain no trigger; returns how many it skipped and how many of
    /// those were longer than the line limit.
    fn skip_to_trigger(&mut self, finder: &AhoCorasick) -> io::Result<Skipped> {
        let mut skipped = Skipped::default();
        loop {
            if self.discarding {
                return Ok(skipped);
            }
            let pending = &self.buf[self.pos..];
            let Some(last_nl) = memchr::memrchr(b'\n', pending) else {
                if self.eof || pending.len() >= self.max_line_len {
                    return Ok(skipped);
                }
                if !self.fill()? {
                    return Ok(skipped);
                }
                continue;
            };
            let region = &pending[..=last_nl];
            if let Some(found) = finder.find(region) {
                let line_start =
                    memchr::memrchr(b'\n', &region[..found.start()]).map_or(0, |i| i + 1);
                skipped.add_lines(&region[..line_start], self.max_line_len);
                self.pos += line_start;
                return Ok(skipped);
            }
            skipped.add_lines(region, self.max_line_len);
            self.pos += last_nl + 1;
            if !self.fill()? && self.pos >= self.buf.len() {
                return Ok(skipped);
            }
        }
    }

    /// The next line, without its `\n`; `None` at end of input.
    fn next_line(&mut self) -> io::Result<Option<RawLine<'_>>> {
        loop {
            let pending = &self.buf[self.pos..];
            if self.discarding {
                if let Some(nl) = memchr::memchr(b'\n', pending) {
                    self.pos += nl + 1;
                    self.discarding = false;
                    continue;
                }
                self.pos = self.buf.len();
                if !self.fill()? {
                    return Ok(None);
                }
                continue;
            }
            if let Some(nl) = memchr::memchr(b'\n', pending) {
                let start = self.pos;
                self.pos += nl + 1;
                if nl > self.max_line_len {
                    return Ok(Some(RawLine {
                        bytes: &self.buf[start..start + self.max_line_len],
                        truncated: true,
                        unterminated: false,
                    }));
                }
                return Ok(Some(RawLine {
                    bytes: &self.buf[start..start + nl],
                    truncated: false,
                    unterminated: false,
                }));
            }
            if pending.len() > self.max_line_len {
                let start = self.pos;
                self.pos = self.buf.len();
                self.discarding = true;
                return Ok(Some(RawLine {
                    bytes: &self.buf[start..start + self.max_line_len],
                    truncated: true,
                    unterminated: false,
                }));
            }
            if !self.fill()? {
                let start = self.pos;
                if start >= self.buf.len() {
                    return Ok(None);
                }
                self.pos = self.buf.len();
                return Ok(Some(RawLine {
                    bytes: &self.buf[start..],
                    truncated: false,
                    unterminated: true,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{expect, Expect};
    use std::fmt::Write as _;

    /// Parses `log` and renders every report compactly: kind, title, span, task, frames.
    fn check(log: &str, expected: Expect) {
        let mut parser = Parser::new(log.as_bytes(), ParseConfig::standard());
        let mut out = String::new();
        for report in parser.by_ref() {
            let report = report.unwrap();
            let _ = writeln!(
                out,
                "{} {:?} lines {}-{}{}",
                report.kind,
                report.title,
                report.span.start,
                report.span.end,
                report
                    .corruption
                    .as_ref()
                    .map(|c| format!(" corrupted: {}", c.reason))
                    .unwrap_or_default()
            );
            if report.task != Task::default() {
                let _ = writeln!(out, "  task {:?}", report.task);
            }
            for frame in &report.frames {
                let mark = if frame.confidence == Confidence::Guessed {
                    "? "
                } else {
                    ""
                };
                let name = frame.symbol.as_ref().map_or("??", |s| s.name.as_str());
                let _ = writeln!(
                    out,
                    "  {} {mark}{name} @{}",
                    frame.context.as_str(),
                    frame.line
                );
            }
        }
        let stats = parser.stats();
        let _ = writeln!(
            out,
            "lines {} unclaimed {}",
            stats.lines, stats.unclaimed_lines
        );
        expected.assert_eq(&out);
    }

    #[test]
    fn chatter_only() {
        check(
            "[    0.000000] Linux version 4.0.0-lego+\n[    1.000000] fit: connected\n",
            expect![[r#"
                lines 2 unclaimed 2
            "#]],
        );
    }

    #[test]
    fn lego_spin_deadlock_with_irq_frames() {
        check(
            r#"[ 1.0] boot
[ 3367.835389] ------------------- cut here -------------------
[ 3367.841504] Possible deadlock happend locker_cpu: 0
[ 3367.846934] Current call stack:
[ 3367.850425] CPU: 0 PID: 1 Comm: kernel_init 4.0.0-lego+ #437
[ 3367.899680] Call Trace:
[ 3367.902396] <TSK>
[ 3367.904528] [<ffffffff8101f4c2>] report_deadlock+0x62/0x80
[ 3367.910637] [<ffffffff8101f52e>] debug_spin_lock+0x4e/0x60
[ 3367.916745] [<ffffffff8101b1ae>] scheduler_tick+0x2e/0x60
[ 3367.949518] [<ffffffff8105908a>] ? __mlx4_write_mtt+0xea/0x140
[ 3368.080803] [<ffffffff8100eb32>] ret_from_fork+0x22/0x30
[ 3368.086718] <EOT>
[ 3369.000000] after
"#,
            expect![[r#"
                lego-spin-deadlock "spinlock: possible deadlock in scheduler_tick" lines 3-13
                  task Task { cpu: Some(0), pid: Some(1), comm: Some("kernel_init"), kernel: Some("4.0.0-lego+ #437") }
                  task report_deadlock @8
                  task debug_spin_lock @9
                  task scheduler_tick @10
                  task ? __mlx4_write_mtt @11
                  task ret_from_fork @12
                lines 14 unclaimed 3
            "#]],
        );
    }

    #[test]
    fn caller_ids_keep_other_tasks_out() {
        check(
            r#"[   10.000000][ T100] Call Trace:
[   10.000001][ T100]  <TASK>
[   10.000002][ T200] IPv6: ADDRCONF(NETDEV_CHANGE): lo: link becomes ready
[   10.000003][ T100]  dump_stack_lvl+0x1/0x2
[   10.000004][ T200] wlan0: associated
[   10.000005][ T100]  ? foo+0x10/0x20 [mod]
[   10.000006][ T100]  bar+0x1/0x2
[   10.000007][ T100]  </TASK>
[   10.000008][ T300] next
"#,
            expect![[r#"
                trace "stack trace in bar" lines 1-8
                  task dump_stack_lvl @4
                  task ? foo @6
                  task bar @7
                lines 9 unclaimed 3
            "#]],
        );
    }

    #[test]
    fn trace_cut_by_end_of_input_is_corrupted() {
        check(
            "[ 1.0] watchdog: worker[1] CPU3 stucked\n[ 1.1] Call Trace:\n[ 1.2] <TSK>\n[ 1.3] [<ffffffff8106920c>] fit_internal_poll_sendcq+0x6c/0xe0\n",
            expect![[r#"
                lego-watchdog "watchdog: worker stuck in fit_internal_poll_sendcq" lines 1-4 corrupted: log ends inside the call trace
                  task Task { cpu: Some(3), pid: None, comm: None, kernel: None }
                  task fit_internal_poll_sendcq @4
                lines 4 unclaimed 0
            "#]],
        );
    }

    #[test]
    fn crlf_long_lines_and_no_final_newline() {
        let long = "x".repeat(70 * 1024);
        let log = format!("[ 1.0] a\r\n{long}\r\n[ 2.0] b");
        let mut parser = Parser::new(log.as_bytes(), ParseConfig::standard());
        assert!(parser.next().is_none());
        assert_eq!(
            parser.stats(),
            &Stats {
                lines: 3,
                unclaimed_lines: 3,
                long_lines: 1
            }
        );
    }
}

#[cfg(test)]
mod lego_title_tests {
    use super::*;

    #[test]
    fn lego_warning_without_trace_is_named_after_its_header() {
        let log = "[  317.49] WARNING: CPU: 14 PID: 22 at managers/processor/pgtable.c:365 pcache_copy_page_range+0x5d1/0x6c0\n\
                   [  317.50] CPU: 14 PID: 22 Comm: python 4.0.0-lego+ #93\n";
        let reports: Vec<Report> = Parser::new(log.as_bytes(), ParseConfig::standard())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].title, "WARNING in pcache_copy_page_range");
        assert!(reports[0].lego.is_some());
    }
}
