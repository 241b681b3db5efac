//! The data model: what a report is, independent of how it was printed.

use std::fmt;

/// One crash, stall or stack dump found in a console log.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What kind of report this is (decided by its header line).
    pub kind: Kind,
    /// A one-line title in the syzkaller/syzbot conventions (searchable on dashboards).
    pub title: String,
    /// Why the report cannot be trusted in full, if it cannot.
    pub corruption: Option<Corruption>,
    /// Lines of the input the report spans (1-based, inclusive, per input stream).
    pub span: Span,
    /// Timestamp of the first line of the report, in seconds, when printed.
    pub time: Option<f64>,
    /// Wall-clock time of the first line when a console server, syslog, the journal or `ts`
    /// prefixed it (`2018-08-27T10:11:12`, `Aug 27 10:11:12`, `2018-08-27 10:11:12.345`).
    pub wall_time: Option<WallTime>,
    /// The task the report was printed for.
    pub task: Task,
    /// LegoOS-specific fields; `None` for a Linux report.
    pub lego: Option<Lego>,
    /// Register dump in print order.
    pub registers: Vec<Register>,
    /// The faulting or interrupted instruction (`RIP:`, `pc :`, `IP:`).
    pub rip: Option<Frame>,
    /// Raw words of the `Stack:` dump.
    pub stack_words: Vec<u64>,
    /// The `Code:` bytes.
    pub code: Option<Code>,
    /// Call-trace frames, outermost last, in print order.
    pub frames: Vec<Frame>,
    /// The KASLR offset the kernel printed itself (`Kernel Offset: 0x… from 0x…`), if any.
    pub kernel_offset: Option<u64>,
    /// The report's own lines (normalized), for excerpts; capped by the parser's config.
    pub excerpt: Vec<ExcerptLine>,
    /// lockdep's dependency chain (`-> #1 (&buf->lock){+.+.}-{3:3}:` and the trace where each
    /// lock was taken), in print order; empty for other reports. The report's own trace is
    /// the final `stack backtrace:`, in `frames`.
    pub lock_chain: Vec<LockLink>,
}

/// One link of a lockdep dependency chain (kernel/locking/lockdep.c `print_circular_bug_entry`).
#[derive(Debug, Clone, PartialEq)]
pub struct LockLink {
    /// The link's number as printed (`#1`).
    pub index: u32,
    /// The lock as lockdep prints it: class name, usage and wait types
    /// (`(&buf->lock){+.+.}-{3:3}`).
    pub lock: String,
    /// Where the dependency was recorded, innermost first.
    pub frames: Vec<Frame>,
}

/// A wall-clock time printed before a console line, as far as the prefix tells it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WallTime {
    /// Year, when printed (`Aug 27 10:11:12` has none).
    pub year: Option<i32>,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month.
    pub day: u32,
    /// Seconds since midnight, with the printed fraction.
    pub seconds: f64,
    /// Offset from UTC in minutes, when printed (`Z`, `+02:00`).
    pub utc_offset_minutes: Option<i32>,
}

/// A normalized line kept for a report excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcerptLine {
    /// 1-based line number in the input.
    pub line: u64,
    /// The text, without timestamp, caller id or level prefix.
    pub text: String,
}

/// Inclusive range of 1-based input line numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First line of the report.
    pub start: u64,
    /// Last line of the report.
    pub end: u64,
}

/// Task context printed with the report (`CPU: 10 PID: 20 Comm: … 4.0.0-lego+ #26`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Task {
    /// CPU number.
    pub cpu: Option<u32>,
    /// Process id.
    pub pid: Option<u32>,
    /// Task name.
    pub comm: Option<String>,
    /// Kernel release and build (`4.0.0-lego+ #26`).
    pub kernel: Option<String>,
}

/// What LegoOS adds to a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lego {
    /// The thread-pool worker the watchdog names (`worker[N]`).
    pub worker: Option<u32>,
    /// RPC opcode from `common_header [op=…]`.
    pub op: Option<u64>,
    /// Sender node from `common_header [… src_nid:N]`.
    pub src_nid: Option<u32>,
    /// `msg [pid=…,tgid=…,flags=…,vaddr=…]` when printed.
    pub msg: Option<LegoMsg>,
    /// The component named in the `Oops:` suffix (`MEMORY`, `PROCESSOR`), when printed.
    pub component: Option<String>,
}

/// The payload description the LegoOS watchdog prints for page-fault RPCs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegoMsg {
    /// Requesting pid.
    pub pid: Option<u32>,
    /// Requesting tgid.
    pub tgid: Option<u32>,
    /// Fault flags.
    pub flags: Option<u64>,
    /// Faulting virtual address.
    pub vaddr: Option<u64>,
}

/// One register of the dump, kept with the width it was printed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Upper-case name as printed (`RAX`, `EFLAGS`, `CR2`, `x29`, `pc`).
    pub name: String,
    /// Value.
    pub value: u64,
    /// Number of hex digits printed (to render it back as printed).
    pub digits: u8,
}

impl Register {
    /// The value as printed, with a `0x` prefix: `0x00000000fffffff5`.
    pub fn printed(&self) -> String {
        format!(
            "0x{:0width$x}",
            self.value,
            width = usize::from(self.digits)
        )
    }
}

/// The `Code:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The bytes in order.
    pub bytes: Vec<u8>,
    /// Index of the byte printed in `<..>` (the faulting instruction), if any.
    pub fault_index: Option<usize>,
}

/// One frame of a call trace, or the RIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The printed address, when there is one.
    pub addr: Option<u64>,
    /// `symbol+offset/size`, when printed.
    pub symbol: Option<Symbol>,
    /// Module name in `[mod]`, when printed.
    pub module: Option<String>,
    /// Build id in `[mod build-id]`, when printed.
    pub build_id: Option<String>,
    /// Whether the kernel's unwinder trusted this frame.
    pub confidence: Confidence,
    /// Execution context the frame was printed in.
    pub context: Context,
    /// 1-based input line number of the frame.
    pub line: u64,
    /// The frame is the instruction pointer of a register dump printed inside the trace (x86
    /// prints an interrupted context's `RIP:` … `R15:` between its frames): an exact address,
    /// not a return address. `false` for [`Report::rip`] and for return addresses.
    pub from_registers: bool,
}

/// `name+0xoff/0xsize` as printed by `%pB`/`%pS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Function name (may carry `.isra.N`-style suffixes).
    pub name: String,
    /// Offset into the function.
    pub offset: u64,
    /// Kallsyms size (distance to the next symbol); absent in some formats.
    pub size: Option<u64>,
}

/// The kernel's own judgment of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// Printed without `?`: the unwinder followed the frame chain to it.
    Reliable,
    /// Printed with `?`: a text address found on the stack, maybe stale.
    Guessed,
}

/// The stack a frame was on, from the trace's context markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Process context (`<TSK>`, `<TASK>`, or no marker).
    Task,
    /// Hard interrupt (`<IRQ>` … `<EOI>`).
    Irq,
    /// Softirq stack (`<SOFTIRQ>`).
    SoftIrq,
    /// NMI stack (`<NMI>`).
    Nmi,
    /// An exception stack (`<#DF>`, `<#MC>`, `<DB>`, …).
    Exception,
}

impl Context {
    /// The name used in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Task => "task",
            Context::Irq => "irq",
            Context::SoftIrq => "softirq",
            Context::Nmi => "nmi",
            Context::Exception => "exception",
        }
    }
}

/// Why a report cannot be trusted in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corruption {
    /// A short human-readable reason (`no call trace`, `cut off after 3 frames`, …).
    pub reason: String,
}

/// Span of lines; also the source position of a report within one input stream.
impl Span {
    /// A span of one line.
    pub fn line(line: u64) -> Span {
        Span {
            start: line,
            end: line,
        }
    }
}

macro_rules! kinds {
    ($( $variant:ident => $name:literal, $doc:literal; )*) => {
        /// The kind of a report. Its string form is part of the JSON contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Kind {
            $( #[doc = $doc] $variant, )*
        }

        impl Kind {
            /// Every kind, in declaration order (for docs and tests).
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The stable name used in JSON and on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $( Kind::$variant => $name, )* }
            }

            /// One line of documentation for the kind.
            pub fn description(self) -> &'static str {
                match self { $( Kind::$variant => $doc, )* }
            }
        }
    };
}

kinds! {
    LegoWatchdog => "lego-watchdog",
        "LegoOS watchdog: a thread-pool worker stuck on one RPC (`watchdog: worker[N] CPUx stucked`, `hb: worker[N] CPU x stucked`).";
    LegoSpinDeadlock => "lego-spin-deadlock",
        "LegoOS spinlock debugger (`Possible deadlock happend locker_cpu: N`).";
    LegoFitCqeTimeout => "lego-fit-cqe-timeout",
        "LegoOS FIT gave up waiting for a send completion (`Fail to to get the CQE from send_cq`).";
    LegoFitTimeout => "lego-fit-timeout",
        "LegoOS FIT RPC timed out (`ibapi_send_reply() … timeout`).";
    LegoBug => "lego-bug",
        "LegoOS `BUG: failure at file:line/func()!`.";
    PageFault => "page-fault",
        "Page fault the kernel could not handle (`BUG: unable to handle kernel …`, `Unable to handle kernel …`).";
    GeneralProtection => "general-protection",
        "`general protection fault`.";
    DoubleFault => "double-fault",
        "Double fault (`PANIC: double fault`).";
    StackOverflow => "stack-overflow",
        "Stack overrun or guard-page hit (`kernel stack overflow`, `stack guard page`, `stack-protector`).";
    KernelBug => "kernel-bug",
        "`kernel BUG at file:line` / `BUG()`.";
    Bug => "bug",
        "Other `BUG:` reports (bad page state, sleeping function called …, using smp_processor_id …).";
    Warning => "warning",
        "`WARNING:` and `WARN_ON` reports with their variants.";
    Panic => "panic",
        "`Kernel panic - not syncing` (LegoOS prints `Kernel Panic`).";
    Kasan => "kasan",
        "KASAN memory-safety report.";
    Kmsan => "kmsan",
        "KMSAN uninit-value / infoleak report.";
    Kcsan => "kcsan",
        "KCSAN data race.";
    Kfence => "kfence",
        "KFENCE memory-safety report.";
    Ubsan => "ubsan",
        "UBSAN undefined behaviour.";
    Lockdep => "lockdep",
        "Lockdep and locking-correctness reports (possible deadlock, inconsistent lock state, …).";
    SpinlockLockup => "spinlock-lockup",
        "Spinlock lockup or bad spinlock (`BUG: spinlock lockup suspected`).";
    SoftLockup => "soft-lockup",
        "Soft lockup (`watchdog: BUG: soft lockup - CPU#N stuck`).";
    HardLockup => "hard-lockup",
        "Hard lockup (`NMI watchdog: … hard LOCKUP`).";
    RcuStall => "rcu-stall",
        "RCU stall (`INFO: rcu_sched self-detected stall`, `rcu: INFO: … detected stalls`).";
    HungTask => "hung-task",
        "Hung task (`INFO: task X blocked for more than N seconds`).";
    MemoryLeak => "memory-leak",
        "kmemleak report (`BUG: memory leak`).";
    DivideError => "divide-error",
        "Divide error trap.";
    InvalidOpcode => "invalid-opcode",
        "Invalid opcode trap.";
    SchedulingWhileAtomic => "scheduling-while-atomic",
        "`BUG: scheduling while atomic`.";
    InternalError => "internal-error",
        "arm64 and other `Internal error:` / `Unhandled fault:` reports.";
    MachineCheck => "machine-check",
        "x86 machine check exception, a hardware error (`mce: [Hardware Error]: CPU N: Machine Check Exception: …`).";
    Other => "other",
        "Any other recognized Linux crash report (out of memory in a panic, workqueue lockup, …).";
    TaskDump => "task-dump",
        "sysrq-t / show_state task dump, one report per task (`task:NAME state:S …`).";
    NmiBacktrace => "nmi-backtrace",
        "`NMI backtrace for cpu N` (sysrq-l, all-CPU backtraces).";
    DumpStack => "dump-stack",
        "`dump_stack()` output with no crash header.";
    Trace => "trace",
        "A call trace that belongs to no recognized report.";
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
