//! Linux report headers, titles and corruption rules (syzkaller/syzbot conventions).
//!
//! [`headers`] holds the table of header families and title formats, [`stack`] the
//! guilty-frame selection, [`corrupt`] the rules that make a report untrustworthy. The scanner
//! calls [`match_header`] on lines that contain one of [`TRIGGERS`], and [`title`] and
//! [`corruption`] when a report is finished.

mod corrupt;
mod headers;
pub(crate) mod skip;
mod stack;

pub(crate) use stack::{title_name, Stop};

/// The function a title blames, as the title names it, and where it was printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The function, as the title names it.
    pub function: String,
    /// The input line (1-based) that named it.
    pub line: u64,
    /// Where the frames that say which bug it is end.
    pub stop: Stop,
}

use crate::header::{Dialect, Header, Role};
use crate::report::{Corruption, Kind, Task};
use crate::view::View;
use crate::vocab;
use aho_corasick::{AhoCorasick, AhoCorasickKind};
use headers::{compile, Format, Oops, Pick, OOPSES};
use regex::Regex;
use std::sync::OnceLock;

/// Literals contained in every Linux header line (the table's literals plus the deliberate
/// dumps and continuation lines).
pub(crate) const TRIGGERS: &[&str] = &[
    "BUG:",
    "WARNING:",
    "INFO:",
    "Unable to handle kernel",
    "general protection fault",
    "stack segment: ",
    "Kernel panic",
    "PANIC: double fault",
    "kernel BUG",
    "Kernel BUG",
    "rust_kernel: panicked at",
    "divide error:",
    "invalid opcode:",
    "int3:",
    "UBSAN:",
    "unregister_netdevice: waiting for",
    "Internal error:",
    "Machine Check Exception:",
    "Machine Check: ",
    "Machine check events logged",
    "Unhandled fault:",
    "Alignment trap:",
    "trusty: panic",
    "VFS: Busy inodes",
    "VFS: Close: file count",
    "divide_error:",
    "SYZFAIL:",
    "SYZFATAL:",
    "hard LOCKUP",
    "(Not tainted): ",
    "(Tainted: ",
    "Booting the kernel",
    "Linux version ",
    "Decompressing Linux",
    "fatal error: ",
    "Oops",
    "NMI backtrace for cpu",
    "task:",
    "Comm:",
];

/// A header family whose regexes are compiled the first time a line names its literal: a log
/// meets a few of the table's families, and compiling them all (a third of a short log's
/// run) for the first header would cost every run.
struct CompiledOops {
    oops: &'static Oops,
    compiled: OnceLock<Family>,
}

/// The compiled regexes of one family.
struct Family {
    suppressions: Vec<Regex>,
    formats: Vec<CompiledFormat>,
}

/// A format: its header regex at once (every header line of the family is matched against
/// it), the rest the first time a report of the format is titled.
struct CompiledFormat {
    format: &'static Format,
    header: Regex,
    titling: OnceLock<Titling>,
    pick: Pick,
}

/// What titles a report of one format.
struct Titling {
    title: Option<Regex>,
    parts: Vec<stack::CompiledPart>,
    fallback: Vec<stack::CompiledPart>,
    skip: Option<Regex>,
}

impl CompiledFormat {
    fn titling(&self) -> &Titling {
        let format = self.format;
        self.titling.get_or_init(|| Titling {
            title: format.title.map(compile),
            parts: format.stack.map_or_else(Vec::new, |s| {
                s.parts.iter().map(stack::CompiledPart::new).collect()
            }),
            fallback: format.stack.map_or_else(Vec::new, |s| {
                s.fallback.iter().map(stack::CompiledPart::new).collect()
            }),
            skip: format
                .stack
                .filter(|s| !s.skip.is_empty())
                .map(|s| compile(&s.skip.join("|"))),
        })
    }

    fn title(&self) -> Option<&Regex> {
        self.titling().title.as_ref()
    }

    fn parts(&self) -> &[stack::CompiledPart] {
        &self.titling().parts
    }

    fn fallback(&self) -> &[stack::CompiledPart] {
        &self.titling().fallback
    }

    fn skip(&self) -> Option<&Regex> {
        self.titling().skip.as_ref()
    }
}

impl CompiledOops {
    fn suppressions(&self) -> &[Regex] {
        &self.family().suppressions
    }

    fn formats(&self) -> &[CompiledFormat] {
        &self.family().formats
    }

    fn family(&self) -> &Family {
        self.compiled.get_or_init(|| Family {
            suppressions: self.oops.suppressions.iter().map(|s| compile(s)).collect(),
            formats: self
                .oops
                .formats
                .iter()
                .map(|format| CompiledFormat {
                    format,
                    header: compile(format.header),
                    titling: OnceLock::new(),
                    pick: format.stack.map_or(Pick::First, |s| s.pick),
                })
                .collect(),
        })
    }
}

/// The table, with one search for all of its literals.
struct Table {
    families: Vec<CompiledOops>,
    /// Every distinct literal, found wherever it occurs (overlapping matches).
    literals: AhoCorasick,
    /// The families of each literal of `literals`, in table order.
    families_of: Vec<Vec<usize>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut literals: Vec<&'static str> = Vec::new();
        let mut families_of: Vec<Vec<usize>> = Vec::new();
        for (idx, oops) in OOPSES.iter().enumerate() {
            match literals.iter().position(|l| *l == oops.literal) {
                Some(at) => families_of
                    .get_mut(at)
                    .into_iter()
                    .for_each(|f| f.push(idx)),
                None => {
                    literals.push(oops.literal);
                    families_of.push(vec![idx]);
                }
            }
        }
        Table {
            families: OOPSES
                .iter()
                .map(|oops| CompiledOops {
                    oops,
                    compiled: OnceLock::new(),
                })
                .collect(),
            // A contiguous NFA, not the DFA aho-corasick picks for so few literals: it is
            // searched in header lines only, and the DFA's tables (~240 KB) would be a
            // sizeable part of a run's heap.
            literals: AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&literals)
                .expect("the table's literals are valid patterns"),
            families_of,
        }
    })
}

/// The family whose literal occurs first in `text`, with the literal's position, unless the
/// line is one of the family's suppressions.
fn find_oops(text: &str) -> Option<(&'static CompiledOops, usize)> {
    let table = table();
    let (family, pos) = first_family(table, text)?;
    let oops = table.families.get(family)?;
    if oops.suppressions().iter().any(|re| re.is_match(text)) {
        return None;
    }
    // Families whose literal is no header by itself: only their formats are.
    if STRICT_LITERALS.contains(&oops.oops.literal)
        && !oops.formats().iter().any(|f| f.header.is_match(text))
    {
        return None;
    }
    Some((oops, pos))
}

/// The family (index in the table) whose literal occurs first in `text`, with its position;
/// on a tie the first family in table order. A literal counts where it does not continue a
/// word (`ODEBUG:` and `CAM_INFO:` are not `BUG:` and `INFO:`); after an occurrence that does,
/// that literal is looked for again after its end. One pass over the line for all literals.
fn first_family(table: &Table, text: &str) -> Option<(usize, usize)> {
    let n = table.families_of.len();
    let mut found: Vec<Option<usize>> = vec![None; n];
    let mut resume = vec![0usize; n];
    for m in table.literals.find_overlapping_iter(text) {
        let literal = m.pattern().as_usize();
        let (Some(slot), Some(from)) = (found.get_mut(literal), resume.get_mut(literal)) else {
            continue;
        };
        if slot.is_some() || m.start() < *from {
            continue;
        }
        if continues_word(text, m.start()) {
            *from = m.end();
        } else {
            *slot = Some(m.start());
        }
    }
    let mut best: Option<(usize, usize)> = None;
    for (literal, pos) in found.iter().enumerate() {
        let Some(pos) = *pos else { continue };
        for &family in table.families_of.get(literal).into_iter().flatten() {
            let better = best.is_none_or(|(best_family, best_pos)| {
                pos < best_pos || (pos == best_pos && family < best_family)
            });
            if better {
                best = Some((family, pos));
            }
        }
    }
    best
}

/// Whether the text before `pos` ends in a word character.
fn continues_word(text: &str, pos: usize) -> bool {
    let before = text.get(..pos).and_then(|t| t.chars().next_back());
    before.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// A header line that no format of its family knows: a free-text message.
fn is_formatless(text: &str) -> bool {
    find_oops(text).is_some_and(|(oops, _)| !oops.formats().iter().any(|f| f.header.is_match(text)))
}

/// kernel/panic.c `__warn`'s header, `WARNING: CPU: %d PID: %d at …` (or 2.6's `WARNING: at
/// …`). On architectures with `__WARN_FLAGS` (x86, arm64…), `__warn_printk` prints the WARN's
/// message before it.
fn is_warn_header(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| compile(r"WARNING: (?:CPU: [0-9]+ PID: [0-9]+ )?at "))
        .is_match(text)
}

/// Literals of families that are reports only in one of their formats (the taint part of
/// mm/slub.c's `slab_bug` header appears in other messages too).
const STRICT_LITERALS: &[&str] = &[
    "fatal error: ",
    "(Not tainted): ",
    "(Tainted: ",
    "Booting the kernel",
    "Linux version ",
    "Decompressing Linux",
];

/// Literals of the boot sequence (see `Role::Boot`).
const BOOT_LITERALS: &[&str] = &[
    "Booting the kernel",
    "Linux version ",
    "Decompressing Linux",
];

/// Headers that the kernel prints as one line with no dump, from a task that has nothing to do
/// with the report being printed at the time (`netdev_wait_allrefs` polling a refcount).
const LONE_MESSAGES: &[&str] = &["unregister_netdevice: waiting for"];

/// Recognizes a Linux header.
pub(crate) fn match_header(text: &str) -> Option<Header> {
    let trimmed = text.trim_start();
    let linux = |kind, role| Some(Header::new(kind, Dialect::Linux, role));
    if trimmed.starts_with("Oops:") || trimmed.starts_with("Oops -") {
        return linux(Kind::PageFault, Role::Continuation);
    }
    if let Some((oops, _)) = find_oops(text) {
        let kind = oops
            .formats()
            .iter()
            .find(|f| f.header.is_match(text))
            .map_or(oops.oops.kind, |f| f.format.kind);
        // A panic after an oops is the end of that oops' report; the fuzzer's own failure
        // lines cut into kernel reports without ending them; lone messages are reports of
        // their own, wherever they land.
        let role = match oops.oops.literal {
            "Kernel panic" | "SYZFAIL:" | "SYZFATAL:" => Role::Continuation,
            literal if BOOT_LITERALS.contains(&literal) => Role::Boot,
            _ if corrupt::is_unwinder_warning(text) => Role::Continuation,
            _ if is_slub_detail(text) => Role::Continuation,
            literal if LONE_MESSAGES.contains(&literal) => Role::Aside,
            _ => Role::Start,
        };
        return linux(kind, role);
    }
    if trimmed.starts_with("NMI backtrace for cpu") {
        return linux(Kind::NmiBacktrace, Role::Tentative);
    }
    if trimmed.starts_with("task:") && trimmed.contains(" state:") {
        let mut header = Header::new(Kind::TaskDump, Dialect::Linux, Role::Tentative);
        header.task = parse_task_dump(trimmed);
        return Some(header);
    }
    if let Some(task) = crate::body::parse_task_line(trimmed).filter(|t| t.comm.is_some()) {
        let mut header = Header::new(Kind::DumpStack, Dialect::Linux, Role::Tentative);
        header.task = task;
        return Some(header);
    }
    None
}

/// mm/slub.c's details after a `slab_bug` header, `INFO:`-prefixed before 5.x
/// (`print_track`: `INFO: Allocated in %pS age=…`, `print_page_info`: `INFO: Slab 0x%p …`,
/// `print_trailer`: `INFO: Object 0x%p …`, `check_bytes_and_report`: `INFO: 0x%p-0x%p …`):
/// part of the SLUB report they follow, a report of their own only when it is lost.
fn is_slub_detail(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        compile(r"INFO: (?:(?:Allocated|Freed) in |Slab 0x|Object 0x|0x[0-9a-f]+-0x[0-9a-f]+ )")
    })
    .is_match(text)
}

/// `task:kworker/0:1    state:I stack:0     pid:18    ppid:2      flags:0x00004000`.
fn parse_task_dump(text: &str) -> Task {
    let mut task = Task::default();
    if let Some(rest) = text.strip_prefix("task:") {
        if let Some((comm, _)) = rest.split_once(" state:") {
            task.comm = Some(comm.trim().to_owned());
        }
    }
    if let Some((_, rest)) = text.split_once(" pid:") {
        task.pid = rest.split_whitespace().next().and_then(|p| p.parse().ok());
    }
    task
}

/// Whether a header joins the active report instead of opening one.
pub(crate) fn joins(draft: &View<'_>, header: &Header) -> bool {
    // A `CPU: … PID: …` line is the task line of the report it appears in.
    if header.kind == Kind::DumpStack {
        return draft.kind != Kind::TaskDump || draft.frames.is_empty();
    }
    // Newer kernels print the hung task, and a stall's grace-period kthread, as a
    // `task:NAME state:…` dump inside the report.
    if header.kind == Kind::TaskDump {
        return match draft.kind {
            Kind::HungTask => draft.frames.is_empty(),
            Kind::RcuStall => true,
            _ => false,
        };
    }
    // Stall detectors print the stalled CPUs' backtraces as part of their report.
    if header.kind == Kind::NmiBacktrace {
        return matches!(
            draft.kind,
            Kind::RcuStall | Kind::SoftLockup | Kind::HardLockup
        );
    }
    // A warning raised while a stall report is being printed (before its trace) interrupted
    // the stall detector itself: the warning's trace, taken in the same timer interrupt, is
    // the stalled context's.
    if header.kind == Kind::Warning {
        // The WARN's own message, printed just before its header (see `is_warn_header`).
        if draft.lines.len() == 1
            && draft.frames.is_empty()
            && draft.registers.is_empty()
            && is_formatless(draft.header_text())
        {
            return true;
        }
        return draft.kind == Kind::RcuStall
            && draft.frames.is_empty()
            && draft.registers.is_empty();
    }
    // lockdep (kernel/locking/lockdep.c) prints its report from the lock's own data
    // (`print_lock`, the `nest_lock` name): a fault raised while it prints, before any trace
    // or register dump of its own, is that report failing half-way, and its trace is the
    // report's trace.
    if draft.kind == Kind::Lockdep
        && draft.frames.is_empty()
        && draft.registers.is_empty()
        && matches!(
            header.kind,
            Kind::PageFault | Kind::GeneralProtection | Kind::InternalError
        )
    {
        return true;
    }
    // rust/kernel/lib.rs `panic` goes on with the `BUG()` it calls (rust/helpers/bug.c
    // `rust_helper_BUG`): `kernel BUG at rust/helpers/bug.c:…`, then its trap.
    let rust_panic = draft.header_text().contains("rust_kernel: panicked at");
    if header.kind == Kind::KernelBug && rust_panic {
        return draft.frames.is_empty() && draft.registers.is_empty();
    }
    // arm: `Unable to handle kernel paging request at …` and `Unhandled fault: …` go on with
    // `Internal error: Oops:`.
    // arm64's `BUG()` goes on with `Internal error: Oops - BUG: …` as x86's with its trap.
    if header.kind == Kind::InternalError {
        let unhandled_fault =
            draft.kind == Kind::InternalError && draft.header_text().contains("Unhandled fault:");
        let bug_trap = matches!(draft.kind, Kind::KernelBug | Kind::Bug)
            && (draft.header_text().contains("kernel BUG at") || rust_panic);
        return (draft.kind == Kind::PageFault || unhandled_fault || bug_trap)
            && draft.frames.is_empty()
            && draft.registers.is_empty();
    }
    // `kernel BUG at …` is followed by the trap it raises (`invalid opcode: 0000 [#1]`).
    if header.kind == Kind::InvalidOpcode {
        return matches!(draft.kind, Kind::KernelBug | Kind::Bug | Kind::Warning)
            && draft.frames.is_empty()
            && draft.registers.is_empty();
    }
    false
}

/// Reports that print their own trace last, after context traces of their own: lockdep
/// (kernel/locking/lockdep.c: the dependency chain, `… at:` traces, then `stack backtrace:` and
/// `dump_stack()`), UBSAN (lib/ubsan.c `ubsan_prologue` … `dump_stack()`), and the scheduler's
/// `__might_resched` / `__schedule_bug` (kernel/sched/core.c: `Preemption disabled at:` with a
/// lone frame, then `dump_stack()`). KCSAN prints its accesses' traces and no final one.
pub(crate) fn prints_trace_last(kind: Kind, header: &str) -> bool {
    match kind {
        Kind::Lockdep | Kind::Ubsan | Kind::SchedulingWhileAtomic => true,
        Kind::Bug => header.contains("BUG: sleeping function called from invalid context"),
        _ => false,
    }
}

/// kernel/kcsan/report.c `print_report`: `%s to 0x%px of %zu bytes by %s on cpu %i:` (the
/// access type, `task N` or `interrupt`), or `race at unknown origin, with …`.
pub(crate) fn is_kcsan_access(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        compile(r"^\s*(?:race at unknown origin, with )?[a-z() -]+ to 0x[0-9a-f]+ of [0-9]+ bytes by (?:task [0-9]+|interrupt) on cpu [0-9]+:\s*$")
    })
    .is_match(text)
}

/// kernel/locking/lockdep.c `print_circular_bug_entry`: `-> #%u` and the lock's name
/// (`(&buf->lock){+.+.}-{3:3}:`), followed by the trace where the dependency was recorded.
pub(crate) fn lock_chain_link(text: &str) -> Option<(u32, String)> {
    let rest = text.trim_start().strip_prefix("-> #")?;
    let (index, lock) = rest.split_once(' ')?;
    let index = index.parse().ok()?;
    let lock = lock.trim_end();
    let lock = lock.strip_suffix(':').unwrap_or(lock);
    lock.starts_with('(').then(|| (index, lock.to_owned()))
}

/// Kinds whose header is followed by free-text description lines before the registers or
/// trace (KASAN, lockdep, hung tasks, …).
pub(crate) fn expects_description(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Trace | Kind::DumpStack | Kind::NmiBacktrace | Kind::TaskDump | Kind::LegoWatchdog
    )
}

/// What the table says about a finished draft: its title and the Linux-specific reasons to
/// distrust it.
pub(crate) struct Verdict {
    pub title: String,
    pub corruption: Option<Corruption>,
    /// The title's guilty function and where it was printed, when the title names one.
    pub guilty: Option<Found>,
}

/// Title and corruption verdict of a report by syzkaller's rules. The title is masked as
/// syzbot masks it, after the corruption rules have seen it as printed.
pub(crate) fn judge(draft: &View<'_>) -> Verdict {
    let verdict = judge_printed(draft, &mut Origin::default());
    Verdict {
        title: headers::mask_title(&verdict.title),
        corruption: verdict.corruption,
        guilty: verdict.guilty,
    }
}

/// Where a title came from: the table row that made it and the frames its guilty-frame rule
/// passed over, each with its skip class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The title template of the row (`WARNING: ODEBUG bug in {FUNC}`), or how the title was
    /// made when no row applied (`header line`, `stack trace`, …).
    pub family: String,
    /// Frames skipped before the guilty one, with the class that skipped each.
    pub skipped: Vec<(String, &'static str)>,
    /// The function the title blames, as the title names it (syscall wrappers reduced), when
    /// a row's guilty-frame rule chose one.
    pub guilty: Option<String>,
    /// The row of the header table ([`rows`]) that made the title, if one did.
    pub row: Option<usize>,
    /// Whether the skip classes are to be looked up (not while parsing).
    wanted: bool,
}

/// One row of the header table: a format of a report family.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The family's literal (`BUG:`, `WARNING:`, `Kernel panic`, …).
    pub literal: &'static str,
    /// The format's header regex.
    pub header: &'static str,
    /// The format's title template (`KASAN: {1} {2} in {FUNC}`).
    pub template: &'static str,
}

/// Every row of the header table, in table order ([`Origin::row`] indexes it).
pub fn rows() -> impl Iterator<Item = Row> {
    OOPSES.iter().flat_map(|oops| {
        oops.formats.iter().map(move |format| Row {
            literal: oops.literal,
            header: format.header,
            template: format.fmt,
        })
    })
}

/// The index in [`rows`] of `format`.
fn row_of(format: &Format) -> Option<usize> {
    OOPSES
        .iter()
        .flat_map(|oops| oops.formats.iter())
        .position(|f| std::ptr::eq(f, format))
}

/// The origin of a finished report's title, recomputed from the report (Linux rules).
pub fn origin(report: &crate::report::Report) -> Origin {
    let view = View {
        kind: report.kind,
        dialect: crate::header::Dialect::Linux,
        lines: &report.excerpt,
        frames: &report.frames,
        extra_frames: &[],
        registers: &report.registers,
        rip: report.rip.as_ref(),
        gap: &[],
    };
    let mut origin = Origin {
        wanted: true,
        ..Origin::default()
    };
    judge_printed(&view, &mut origin);
    origin
}

/// A `dump_stack()` with no report header of its own (lib/dump_stack.c `dump_stack_print_info`:
/// `CPU: %d PID: %d Comm: %.20s …`, then `show_stack`'s `Call Trace:`), as drivers and
/// subsystems print for context: named `stack trace in FUNC` after the first frame in no
/// guilty-frame skip class ([`skip::CLASSES`]: reporting, allocation, locking, …), as a
/// family's title is, syscall wrappers reduced. `None` when every frame is in a class.
fn dump_stack_title(draft: &View<'_>, origin: &mut Origin) -> Option<Verdict> {
    first_unskipped_title(
        draft,
        origin,
        "stack trace",
        "dump_stack: first frame in no skip class",
    )
}

/// An `NMI backtrace for cpu %d` (lib/nmi_backtrace.c `nmi_cpu_backtrace`: the interrupted
/// registers, or `dump_stack()` on the CPU that asked), printed for sysrq-l, stall detectors
/// and `trigger_all_cpu_backtrace` users: no crash. Named like a `dump_stack()`, past the
/// backtrace machinery (reporting class) by the first frame in no skip class.
fn nmi_backtrace_title(draft: &View<'_>, origin: &mut Origin) -> Option<Verdict> {
    first_unskipped_title(
        draft,
        origin,
        "NMI backtrace",
        "nmi-backtrace: first frame in no skip class",
    )
}

/// `{base} in FUNC` after the crash PC or first reliable frame in no skip class.
fn first_unskipped_title(
    draft: &View<'_>,
    origin: &mut Origin,
    base: &str,
    family: &str,
) -> Option<Verdict> {
    let rip = draft
        .rip
        .and_then(|rip| rip.symbol.as_ref().map(|s| (s.name.as_str(), rip.line)));
    let frames = draft
        .frames
        .iter()
        .filter(|f| f.confidence == crate::report::Confidence::Reliable)
        .filter_map(|f| f.symbol.as_ref().map(|s| (s.name.as_str(), f.line)));
    let mut skipped = Vec::new();
    for (name, line) in rip.into_iter().chain(frames) {
        let plain = stack::plain_name(name);
        if vocab::is_reporting_helper(name) || skip::any().is_match(&plain) {
            if origin.wanted {
                let class = skip::class_of(&plain).unwrap_or("reporting");
                skipped.push((plain, class));
            }
            continue;
        }
        let function = stack::title_name(name);
        origin.family = family.to_owned();
        origin.skipped = skipped;
        origin.guilty = Some(function.clone());
        return Some(Verdict {
            title: format!("{base} in {function}"),
            corruption: None,
            guilty: Some(Found {
                function,
                line,
                stop: Stop::Never,
            }),
        });
    }
    None
}

/// A task's dump, no crash: kernel/sched/core.c `sched_show_task` (`task:%-15.15s state:%c …`,
/// then `show_stack`), printed for every task by `show_state_filter` (sysrq-t, sysrq-w) and
/// inside hung-task and RCU stall reports. A blocked task's trace always starts in the
/// scheduler (`__schedule`, `schedule`, `schedule_timeout`) under the wait that blocked it;
/// like khungtaskd's reports (kernel/hung_task.c `check_hung_task`, which prints the same
/// dump), the title names the first frame past scheduling, locking and waiting, and the
/// guilty-frame skip classes; when that passes over every frame (a kthread's own loop, such as
/// `kthreadd`, reads as a wait), the first frame past the scheduler itself. `None` when every
/// frame is such a helper.
fn task_dump_title(draft: &View<'_>, origin: &mut Origin) -> Option<Verdict> {
    static PARTS: OnceLock<[stack::CompiledPart; 1]> = OnceLock::new();
    static SCHEDULER: OnceLock<Regex> = OnceLock::new();
    let parts = PARTS.get_or_init(|| [stack::CompiledPart::new(&headers::Part::Trace)]);
    let scheduler = SCHEDULER.get_or_init(|| {
        compile(r"^_*schedule(?:_[a-z_]+)?$|^preempt_schedule|^context_switch$|^__switch_to")
    });
    let guilty = stack::guilty(draft, 0, parts, None, Pick::HungTask)
        .or_else(|| stack::guilty(draft, 0, parts, Some(scheduler), Pick::First))?;
    origin.family = "task dump: first frame past the scheduler and waits".to_owned();
    if origin.wanted {
        origin.skipped = guilty
            .skipped
            .iter()
            .map(|(name, _)| (name.clone(), skip::class_of(name).unwrap_or("waiting")))
            .collect();
    }
    origin.guilty = Some(guilty.name.clone());
    Some(Verdict {
        title: format!("task dump in {}", guilty.name),
        corruption: None,
        guilty: Some(Found {
            function: guilty.name,
            line: guilty.line,
            stop: guilty.stop,
        }),
    })
}

fn judge_printed(draft: &View<'_>, origin: &mut Origin) -> Verdict {
    origin.family = format!("{}: generic", draft.kind);
    let generic = |base: &str| {
        let guilty = draft.guilty_function_at();
        Verdict {
            title: match guilty.map(|(func, _)| vocab::base_name(func)) {
                Some(func) => format!("{base} in {func}"),
                None => base.to_owned(),
            },
            corruption: None,
            guilty: guilty.map(|(func, line)| Found {
                function: vocab::base_name(func).to_owned(),
                line,
                stop: Stop::Never,
            }),
        }
    };
    match draft.kind {
        Kind::DumpStack => {
            return dump_stack_title(draft, origin).unwrap_or_else(|| generic("stack trace"))
        }
        Kind::Trace => return generic("stack trace"),
        Kind::TaskDump => {
            return task_dump_title(draft, origin).unwrap_or_else(|| generic("task dump"))
        }
        Kind::NmiBacktrace => {
            return nmi_backtrace_title(draft, origin).unwrap_or_else(|| generic("NMI backtrace"))
        }
        _ => {}
    }
    let mut found = draft
        .lines
        .iter()
        .enumerate()
        .find_map(|(idx, l)| find_oops(&l.text).map(|(oops, pos)| (idx, oops, pos)));
    // A WARN's own message that happens to say `BUG:`/`WARNING:` comes before its header.
    if let Some((idx, _, _)) = found {
        let message = draft.lines.get(idx).is_some_and(|l| is_formatless(&l.text));
        if let Some(next) = draft.lines.get(idx + 1).filter(|_| message) {
            if is_warn_header(&next.text) {
                found = find_oops(&next.text).map(|(oops, pos)| (idx + 1, oops, pos));
            }
        }
    }
    let Some((header_idx, oops, literal_pos)) = found else {
        return generic(draft.header_text().trim());
    };
    let Some(header_line) = draft.lines.get(header_idx) else {
        return generic(draft.header_text().trim());
    };
    let header_text = header_line.text.as_str();
    let mut report_text = String::new();
    for line in draft.lines.iter().skip(header_idx) {
        report_text.push_str(&line.text);
        report_text.push('\n');
    }
    origin.family = format!("{}: header line", oops.oops.literal);
    // Set when a `{FUNC}` format matched but found no function.
    let mut after_no_func = false;
    'formats: for (idx, compiled) in oops.formats().iter().enumerate() {
        let Some(header_caps) = compiled.header.captures(header_text) else {
            continue;
        };
        if compiled.format.no_func && !after_no_func {
            continue;
        }
        let caps = match compiled.title() {
            Some(re) => match re.captures(&report_text) {
                Some(caps) => caps,
                None => continue,
            },
            None => header_caps,
        };
        let format = compiled.format;
        origin.family = format.fmt.to_owned();
        if origin.wanted {
            origin.row = row_of(format);
        }
        let mut res = String::with_capacity(format.fmt.len() + 32);
        let mut corruption = None;
        let mut blamed = None;
        let mut rest = format.fmt;
        while let Some(open) = rest.find('{') {
            res.push_str(rest.get(..open).unwrap_or(""));
            let after = rest.get(open + 1..).unwrap_or("");
            let Some(close) = after.find('}') else {
                res.push_str(after);
                rest = "";
                break;
            };
            let name = after.get(..close).unwrap_or("");
            if name == "FUNC" {
                let found = stack::guilty(
                    draft,
                    header_idx,
                    compiled.parts(),
                    compiled.skip(),
                    compiled.pick,
                )
                .or_else(|| {
                    stack::guilty(
                        draft,
                        header_idx,
                        compiled.fallback(),
                        compiled.skip(),
                        compiled.pick,
                    )
                })
                // A stall whose trace came as an NMI backtrace or a register dump (see
                // `stack::stall_last_resorts`).
                .or_else(|| {
                    if compiled.pick != Pick::Stall {
                        return None;
                    }
                    stack::stall_last_resorts().iter().find_map(|parts| {
                        stack::guilty(draft, header_idx, parts, compiled.skip(), compiled.pick)
                    })
                });
                match found {
                    Some(guilty) => {
                        res.push_str(&guilty.name);
                        if origin.wanted {
                            origin.skipped = guilty
                                .skipped
                                .into_iter()
                                .map(|(name, common)| {
                                    let class = common
                                        .then(|| skip::class_of(&name))
                                        .flatten()
                                        .unwrap_or(stack::FORMAT_SKIP);
                                    (name, class)
                                })
                                .collect();
                        }
                        origin.guilty = Some(guilty.name.clone());
                        blamed = Some(Found {
                            function: guilty.name,
                            line: guilty.line,
                            stop: guilty.stop,
                        });
                    }
                    // A later format of the same header for reports cut before the
                    // guilty frame (syzkaller's `corrupted` formats) names them better.
                    None if oops.formats().get(idx + 1..).is_some_and(|later| {
                        later
                            .iter()
                            .any(|f| f.format.no_func && f.header.is_match(header_text))
                    }) =>
                    {
                        after_no_func = true;
                        continue 'formats;
                    }
                    None => {
                        res.push_str("corrupted");
                        corruption = Some("no guilty frame in the report");
                    }
                }
            } else if let Some(group) = name.parse::<usize>().ok().and_then(|i| caps.get(i)) {
                res.push_str(group.as_str());
            }
            rest = after.get(close + 1..).unwrap_or("");
        }
        res.push_str(rest);
        // A capture at the end of the line may bring its trailing spaces.
        res.truncate(res.trim_end().len());
        let corruption = corruption
            .or(format.incomplete)
            .map(str::to_owned)
            .or_else(|| corrupt::check(draft, header_idx, &res, format.no_stack_trace))
            .map(|reason| Corruption { reason });
        return Verdict {
            title: res,
            corruption,
            guilty: blamed,
        };
    }
    // No format: the header line from the literal on is the title. An oops of no known
    // format still owes its call trace; a `WARNING:` of no known format is mostly a driver's
    // plain message (`usb 5-1: WARNING: … support is incomplete`) that prints none.
    let title = header_text
        .get(literal_pos..)
        .unwrap_or(header_text)
        .trim_end();
    let no_stack_trace = oops.oops.literal == "WARNING:";
    Verdict {
        title: title.to_owned(),
        corruption: corrupt::check(draft, header_idx, title, no_stack_trace)
            .map(|reason| Corruption { reason }),
        guilty: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::{ParseConfig, Parser};
    use expect_test::{expect, Expect};

    /// Parses `log` and prints each report's kind, title and corruption reason.
    fn check(log: &str, expect: Expect) {
        let mut res = String::new();
        for report in Parser::new(log.as_bytes(), ParseConfig::standard()).flatten() {
            let reason = report.corruption.map(|c| c.reason).unwrap_or_default();
            res.push_str(&format!(
                "{} | {} | {}\n",
                report.kind, report.title, reason
            ));
        }
        expect.assert_eq(&res);
    }

    #[test]
    fn warning_blames_the_warning_site() {
        check(
            r"WARNING: CPU: 0 PID: 5 at net/core/dev.c:123 dev_watchdog+0x1/0x2
Modules linked in:
RIP: 0010:dev_watchdog+0x1/0x2
Call Trace:
 call_timer_fn+0x1/0x2
 run_timer_softirq+0x1/0x2
",
            expect![[r#"
                warning | WARNING in dev_watchdog | 
            "#]],
        );
    }

    #[test]
    fn warning_in_a_generic_helper_blames_its_caller() {
        check(
            r"WARNING: CPU: 0 PID: 5830 at fs/dcache.c:379 fast_dput+0x1/0x2
Modules linked in:
RIP: 0010:fast_dput+0x1/0x2
Call Trace:
 dput+0xe8/0x1a0
 ovl_stack_put+0x6a/0xa0
 ovl_destroy_inode+0xaa/0x150
",
            expect![[r#"
                warning | WARNING in ovl_stack_put | 
            "#]],
        );
        check(
            r"WARNING: CPU: 1 PID: 0 at lib/debugobjects.c:291 debug_print_object+0x1/0x2
RIP: 0010:debug_print_object+0x1/0x2
Call Trace:
 debug_check_no_obj_freed+0x65d/0xf1a
 __vunmap+0xde/0x320
 vfree+0x68/0x100
 kvfree+0x4a/0x70
 xt_free_table_info+0x126/0x180
",
            expect![[r#"
                warning | WARNING: ODEBUG bug in xt_free_table_info | 
            "#]],
        );
    }

    #[test]
    fn newer_warning_header_and_invalid_wait_context() {
        check(
            r"WARNING: [time_after(jiffies, timeout)] io_uring/io_uring.c:3026 at io_ring_exit_work+0x44c/0xbc0, CPU#0: kworker/u8:0/10040
Modules linked in:
RIP: 0010:io_ring_exit_work+0x44c/0xbc0
Call Trace:
 process_one_work+0x1/0x2
",
            expect![[r#"
                warning | WARNING in io_ring_exit_work | 
            "#]],
        );
        check(
            r"BUG: Invalid wait context
syz/5 is trying to lock:
ffff8880 (&n->list_lock){-.-.}-{3:3}, at: deactivate_slab+0x1/0x2
Call Trace:
 dump_stack+0x1/0x2
 __lock_acquire+0x1/0x2
",
            expect![[r#"
                lockdep | WARNING: locking bug in deactivate_slab | 
            "#]],
        );
    }

    #[test]
    fn stack_exhaustion_names_the_work_that_recursed() {
        check(
            r"Kernel panic - not syncing: corrupted stack end detected inside scheduler
Workqueue: writeback wb_workfn (flush-8:0)
Call Trace:
 dump_stack+0x1d3/0x2c6
 panic+0x2ad/0x55f
 __schedule+0x1ec6/0x1ed0
 rmap_walk+0x119/0x350
 shrink_node+0x3e1/0x17f0
 wb_writeback+0xa73/0xfc0
 wb_workfn+0x1/0x2
 process_one_work+0x1/0x2
 worker_thread+0x1/0x2
",
            expect![[r#"
                stack-overflow | kernel panic: corrupted stack end in wb_workfn | 
            "#]],
        );
    }

    #[test]
    fn kasan_takes_access_from_next_line_and_skips_helpers() {
        check(
            r"BUG: KASAN: use-after-free in memcpy+0x1/0x2
Read of size 8 at addr ffff88801 by task syz/1
Call Trace:
 dump_stack+0x1/0x2
 kasan_report+0x1/0x2
 memcpy+0x1/0x2
 tty_release+0x1/0x2
",
            expect![[r#"
                kasan | KASAN: use-after-free Read in tty_release | 
            "#]],
        );
    }

    #[test]
    fn kernel_bug_keeps_its_trap_line() {
        check(
            r"kernel BUG at net/core/skbuff.c:2069!
invalid opcode: 0000 [#1] SMP KASAN
RIP: 0010:skb_pull+0xd5/0xf0
Call Trace:
 esp6_gro_receive+0xb4/0xbe0
",
            expect![[r#"
                kernel-bug | kernel BUG in esp6_gro_receive | 
            "#]],
        );
    }

    #[test]
    fn lockdep_blames_the_acquiring_function() {
        check(
            r"WARNING: possible circular locking dependency detected
syz/5 is trying to acquire lock:
 (&tty->lock){+.+.}, at: [<ffffffff81001000>] tty_buffer_flush+0x1/0x2
but task is already holding lock:
 (&buf->lock){+.+.}, at: [<ffffffff81002000>] tty_ldisc_flush+0x1/0x2
Call Trace:
 dump_stack+0x1/0x2
 lock_acquire+0x1/0x2
",
            expect![[r#"
                lockdep | possible deadlock in tty_buffer_flush | 
            "#]],
        );
    }

    #[test]
    fn hung_task_skips_scheduler_and_names_synchronize_rcu() {
        check(
            r"INFO: task syz:123 blocked for more than 143 seconds.
Call Trace:
 __schedule+0x1/0x2
 schedule+0x1/0x2
 synchronize_rcu_expedited+0x1/0x2
 synchronize_net+0x1/0x2
",
            expect![[r#"
                hung-task | INFO: task hung in synchronize_rcu | 
            "#]],
        );
    }

    #[test]
    fn rcu_stall_names_work_above_the_dispatcher() {
        check(
            r"rcu: INFO: rcu_preempt self-detected stall on CPU
NMI backtrace for cpu 1
Call Trace:
 <IRQ>
 dump_stack+0x1/0x2
 apic_timer_interrupt+0xf/0x20
 </IRQ>
RIP: 0010:kvm_mmu_page_fault+0x2a3/0x1ad0
 kvm_arch_vcpu_ioctl_run+0x1/0x2
 kvm_vcpu_ioctl+0x1/0x2
 do_vfs_ioctl+0x1/0x2
",
            expect![[r#"
                rcu-stall | INFO: rcu detected stall in kvm_vcpu_ioctl | 
            "#]],
        );
    }

    #[test]
    fn a_warning_raised_while_printing_a_stall_belongs_to_the_stall() {
        check(
            r"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
rcu: 	Tasks blocked on level-0 rcu_node (CPUs 0-1):
------------[ cut here ]------------
WARNING: CPU: 1 PID: 4737 at kernel/sched/core.c:2698 try_invoke_on_locked_down_task+0x18b/0x320
Call Trace:
 <IRQ>
 __warn+0x227/0x250
 rcu_sched_clock_irq+0x12ec/0x1eb0
 update_process_times+0x12c/0x180
 </IRQ>
 sysvec_apic_timer_interrupt+0xb9/0x130
 asm_sysvec_apic_timer_interrupt+0x12/0x20
RIP: 0010:smp_call_function_single+0x311/0x450
 on_each_cpu+0x4d/0x1f0
 do_adjtimex+0x3ac/0x8f0
rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
Call Trace:
 rcu_sched_clock_irq+0x12ec/0x1eb0
WARNING: CPU: 1 PID: 4737 at kernel/sched/core.c:2698 try_invoke_on_locked_down_task+0x18b/0x320
",
            // The second stall already has a trace: a warning after it is a report of its own.
            expect![[r#"
                rcu-stall | INFO: rcu detected stall in smp_call_function | 
                rcu-stall | INFO: rcu detected stall in corrupted | no guilty frame in the report
                warning | WARNING in corrupted | no guilty frame in the report
            "#]],
        );
    }

    #[test]
    fn missing_frames_make_a_corrupted_title() {
        check(
            r"general protection fault: 0000 [#1] SMP KASAN
Call Trace:
",
            expect![[r#"
                general-protection | general protection fault in corrupted | no guilty frame in the report
            "#]],
        );
    }

    #[test]
    fn a_trace_cut_off_or_without_frames_is_corrupted() {
        check(
            r"Kernel panic - not syncing: Couldn't open N_TTY ldisc for ptm1 --- error -12.
CPU: 1 PID: 14836 Comm: syz-executor5 Not tainted 4.12.0-rc4+ #15
Call Trace:
",
            expect![[r#"
                panic | kernel panic: Couldn't open N_TTY ldisc | the report stops where a call trace begins
            "#]],
        );
        check(
            r"BUG: KASAN: use-after-free in memcpy+0x1/0x2
Read of size 8 at addr ffff88801 by task syz/1
Call Trace:
 memcpy+0x1/0x2
 tty_release+0x1/0x2
Allocated by task 3625515936:
RIP: 0010:depot_fetch_stack+0x11/0x40
RSP: 0000:ffff8801d818fd48 EFLAGS: 00010006
",
            expect![[r#"
                kasan | KASAN: use-after-free Read in tty_release | no frames after a call trace line
            "#]],
        );
        // Only guesses (`? func`) follow `Call Trace:`: no trace was really printed.
        check(
            r"BUG: KASAN: use-after-free in __unwind_start+0x2d/0x330
Write of size 88 at addr ffff8801cd04fe98 by task loop0/26991
Call Trace:
 ? kthread+0x37a/0x440
 ? loop_get_status64+0x110/0x110
 ? ret_from_fork+0x24/0x30

Allocated by task 0:
(stack is not available)

Freed by task 0:
(stack is not available)

The buggy address belongs to the object at ffff8801cd04fe80
",
            expect![[r#"
                kasan | KASAN: use-after-free Write in __unwind_start | no frames after a call trace line
            "#]],
        );
        // Another oops cut in right where the allocation stack should have been printed.
        check(
            r"BUG: KASAN: slab-out-of-bounds in __unwind_start+0x2d/0x330
Write of size 88 at addr ffff8801d818fe98 by task loop0/4078
Call Trace:
 ? kthread+0x37a/0x440
 __unwind_start+0x2d/0x330
 loop_thread+0x1/0x2

Allocated by task 3625515936:
BUG: unable to handle kernel paging request at 000000007c8b2954
IP: depot_fetch_stack+0x11/0x40
Oops: 0000 [#1] SMP KASAN
RIP: 0010:depot_fetch_stack+0x11/0x40
Call Trace:
 save_stack+0x1/0x2
",
            expect![[r#"
                kasan | KASAN: slab-out-of-bounds Write in __unwind_start | the report stops where a call trace begins
                page-fault | BUG: unable to handle kernel paging request in depot_fetch_stack | 
            "#]],
        );
    }

    #[test]
    fn arm_unhandled_fault_goes_on_with_its_internal_error() {
        check(
            r"Unhandled fault: page domain fault (0x01b) at 0x00000008
pgd = 4c5c9ce0
Internal error: : 1b [#1] SMP ARM
PC is at jffs2_parse_param+0xa8/0x18c
LR is at jffs2_parse_param+0x98/0x18c
Backtrace:
[<8054b7c0>] (jffs2_parse_param) from [<8037e608>] (vfs_parse_fs_param+0xf8/0x23c)
[<8037e608>] (vfs_parse_fs_param) from [<8037e7dc>] (vfs_parse_fs_string+0x90/0xd4)
",
            expect![[r#"
                internal-error | Unhandled fault in jffs2_parse_param | 
            "#]],
        );
    }

    #[test]
    fn a_message_the_console_replays_is_reported_once() {
        check(
            r"INFO: t
** replaying previous printk message **
INFO: task udevd:5612 blocked for more than 143 seconds.
Call Trace:
 __schedule+0x1/0x2
 schedule+0x1/0x2
 read_cache_folio+0x1/0x2
",
            expect![[r#"
                hung-task | INFO: task hung in read_cache_folio | 
            "#]],
        );
    }

    #[test]
    fn an_oops_of_no_known_format_owes_a_trace_and_a_plain_warning_does_not() {
        check(
            r"BUG: unable to handle kernel 

paging request at ffffffff761cd3a8
IP: SyS_bpf+0x3c9/0x4c40 kernel/bpf/syscall.c:1443
",
            expect![[r#"
                bug | BUG: unable to handle kernel | no call trace
            "#]],
        );
        check(
            r"usb 5-1: WARNING: ath10k USB support is incomplete, don't expect anything to work!
",
            expect![[r#"
                warning | WARNING: ath10k USB support is incomplete, don't expect anything to work! | 
            "#]],
        );
    }

    #[test]
    fn formats_that_are_incomplete_by_nature() {
        check(
            r"Kernel panic - not syncing: Fatal exception in interrupt
",
            expect![[r#"
                panic | kernel panic: Fatal exception | the panic ends an oops that is missing from the log
            "#]],
        );
        check(
            r"WARNING: suspicious RCU usage
4.15.0+ #222 Not tainted
FAULT_INJECTION: forcing a failure.
-----------------------------
./include/linux/rcupdate.h:302 Illegal context switch in RCU read-side critical section!
Call Trace:
 dump_stack+0x194/0x257
 should_fail+0x8c0/0xa40
",
            expect![[r#"
                lockdep | WARNING: suspicious RCU usage | other messages are mixed into the report's header block
            "#]],
        );
    }

    #[test]
    fn bad_unlock_balance_takes_the_release_site_from_the_next_line() {
        check(
            r"WARNING: bad unlock balance detected!
5.9.0 #15 Not tainted
-------------------------------------
syz-fuzzer/4405 is trying to release lock (&mm->mmap_lock) at:
[<ffffa00010726344>] __might_fault+0x154/0x1b0
but there are no more locks to release!
stack backtrace:
Call trace:
 dump_backtrace+0x0/0x4d0
 lock_release+0x69c/0xa68
 __might_fault+0x170/0x1b0
 restore_fpsimd_context+0x418/0x798
",
            expect![[r#"
                lockdep | WARNING: bad unlock balance in restore_fpsimd_context | 
            "#]],
        );
    }

    #[test]
    fn sleeping_in_atomic_ignores_the_preemption_site_frame() {
        check(
            r"BUG: sleeping function called from invalid context at kernel/printk/printk.c:2525
in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: 6529, name: syz
Preemption disabled at:
[<0000000000000000>] 0x0
Call Trace:
 <TASK>
 dump_stack_lvl+0xcd/0x134
 __might_resched.cold+0x222/0x26b
 console_lock+0x17/0x80
 do_con_write+0x10f/0x1e40
",
            expect![[r#"
                bug | BUG: sleeping function called from invalid context in console_lock | 
            "#]],
        );
    }

    #[test]
    fn trusty_panics_are_reports_and_its_chatter_is_not() {
        check(
            r"trusty: app-mgmt-test-srv2: 146: Channel wait failed: 0(4)
trusty: panic (caller [ 1117.140866] trusty: 0xffffffffe000fbb8): ASSERT FAILED at (trusty/kernel/lib/trusty/ipc.c:472): !list_in_list(&chan->node)
trusty: HALT: (reason = 9)
",
            expect![[r#"
                other | trusty: ASSERT FAILED: !list_in_list(&chan->node) | 
            "#]],
        );
        check(
            r"trusty: panic (caller 0xffffffffe0002314): failed(-5) to start app 6
",
            expect![[r#"
                other | trusty: panic: failed(-NUM) to start app NUM | 
            "#]],
        );
    }

    #[test]
    fn a_timestamp_merged_into_the_title_is_corruption() {
        check(
            r"Kernel panic - not syncing: Out of memory and no killable processes[   37.540478] ...
",
            expect![[r#"
                panic | kernel panic: Out of memory and no killable processes[   NUM.ADDR] ... | another line's timestamp inside the title
            "#]],
        );
    }

    #[test]
    fn suppressed_and_embedded_literals_are_no_reports() {
        check(
            r"INFO: lockdep is turned off.
ODEBUG: Out of memory. ODEBUG disabled
CAM_INFO: CAM-ISP: probe complete
WARNING: /etc/ssh/moduli does not exist, using fixed modulus
",
            expect![[r#""#]],
        );
    }

    #[test]
    fn panic_title_and_syscall_names() {
        check(
            r"Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b
",
            expect![[r#"
                panic | kernel panic: Attempted to kill init! | 
            "#]],
        );
        check(
            r"BUG: soft lockup - CPU#1 stuck for 134s! [syz:4588]
RIP: 0010:d_walk+0x1/0x2
Call Trace:
 shrink_dcache_parent+0x1/0x2
 do_rmdir+0x1/0x2
 __x64_sys_rmdir+0x1/0x2
 do_syscall_64+0x1/0x2
",
            expect![[r#"
                soft-lockup | BUG: soft lockup in sys_rmdir | 
            "#]],
        );
    }
}
