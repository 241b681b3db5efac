//! Guilty-frame selection: which function a title blames.
//!
//! Follows syzkaller's rules: walk the parts of a format's [`Stack`](super::headers::Stack)
//! rule in order, collect candidate functions (suffixes such as `.isra.0` dropped), drop those
//! matched by the skip patterns (reporting helpers, allocators, locking primitives, string
//! functions, syscall glue, …), and pick the first survivor, or for stalls the frame above the
//! first dispatcher or syscall entry.

use super::headers::{Part, Pick};
use crate::report::Confidence;
use crate::view::View;
use crate::vocab;
use regex::Regex;
use std::sync::OnceLock;

/// A [`Part`] with its regex compiled.
pub(super) enum CompiledPart {
    Rip,
    Trace,
    Line(Regex),
    Anchor(Regex),
}

impl CompiledPart {
    pub(super) fn new(part: &Part) -> CompiledPart {
        match part {
            Part::Rip => CompiledPart::Rip,
            Part::Trace => CompiledPart::Trace,
            Part::Line(re) => CompiledPart::Line(super::headers::compile(re)),
            Part::Anchor(re) => CompiledPart::Anchor(super::headers::compile(re)),
        }
    }
}

/// The last resorts of every stall rule, tried in order, when the rule's own parts found no
/// interrupt frame to start from:
///
/// - a stall detector that does not interrupt the stalled CPU itself asks it for an `NMI
///   backtrace for cpu N`, whose register dump holds the looping code's RIP and whose trace
///   goes down to the entry point;
/// - since 6.1 an RCU stall detected on the stalled CPU itself (kernel/rcu/tree_stall.h
///   `print_cpu_stall` → `rcu_dump_cpu_stacks` → kernel/sched/core.c `dump_cpu_task`) prints
///   the interrupted context with `show_regs`: lib/dump_stack.c's `CPU: %d PID: %d Comm: …`
///   line, the `RIP:` of the looping code and its task-context trace, with no `<IRQ>` part.
///
/// Either trace is complete; it is read from its RIP on.
pub(super) fn stall_last_resorts() -> &'static [Vec<CompiledPart>] {
    static PARTS: OnceLock<Vec<Vec<CompiledPart>>> = OnceLock::new();
    PARTS.get_or_init(|| {
        [r"NMI backtrace for cpu", r"^CPU: [0-9]+ PID: [0-9]+ Comm: "]
            .into_iter()
            .map(|anchor| {
                vec![
                    CompiledPart::Anchor(super::headers::compile(anchor)),
                    CompiledPart::Rip,
                    CompiledPart::Trace,
                ]
            })
            .collect()
    })
}

/// Functions known under several names that syzkaller reports under one.
fn alias(name: &str) -> &str {
    match name {
        "synchronize_rcu_expedited"
        | "synchronize_sched"
        | "synchronize_sched_expedited"
        | "synchronize_net"
        | "synchronize_rcu_bh" => "synchronize_rcu",
        _ => name,
    }
}

fn common_skip() -> &'static Regex {
    super::skip::any()
}

/// Calls into these frames dispatch the looping work of a stall: the frame above them names it.
const STALL_ANCHORS: &[&str] = &[
    r"^do_syscall_",
    r"^entry_SYSCALL",
    r"^x64_sys_call",
    r"^el0_svc",
    r"^cpu_startup_entry$",
    r"^do_idle$",
    r"^start_secondary$",
    r"^do_fast_syscall_32$",
    r"^do_int80_syscall_32$",
    r"^do_syscall_32_irqs_on$",
    r"^entry_SYSENTER",
    r"^entry_INT80",
    r"^ret_fast_syscall$",
    r"^invoke_syscall",
    r"^(?:__)?vfs_(?:read|write|ioctl|readv|writev|iter_read|iter_write)$",
    r"^do_vfs_ioctl$",
    // fs/debugfs/file.c: debugfs calls each file's own fops through these proxies.
    r"^full_proxy_(?:read|write|ioctl|poll|llseek|open|release)$",
    r"^ksys_(?:ioctl|read|write|pread64|pwrite64|readv|writev)$",
    r"^(?:__x64_|__ia32_|__arm64_|__se_|__do_)?(?:compat_)?sys_ioctl$",
    r"^(?:compat_)?SyS_ioctl$",
    r"^__fput$",
    r"^task_work_run$",
    r"^__do_fault$",
    r"^new_sync_(?:read|write)$",
    r"^__sys_(?:sendmsg|recvmsg|connect|bind|listen|accept4|sendto|recvfrom|setsockopt|getsockopt)$",
    r"^sock_(?:sendmsg|recvmsg|do_ioctl|ioctl|write_iter|read_iter)$",
    r"^smp_call_function",
    r"^tasklet_action",
    r"^call_timer_fn$",
    r"^expire_timers$",
    r"^__run_timers$",
    r"^run_timer_softirq$",
    r"^__hrtimer_run_queues$",
    r"^process_one_work$",
    r"^worker_thread$",
    r"^kthread$",
    r"^__do_softirq$",
    r"^handle_softirqs$",
    r"^net_rx_action$",
    r"^__netif_receive_skb",
    r"^netif_receive_skb",
    r"^process_backlog$",
    r"_compat_ioctl$",
    r"^rtnetlink_rcv_msg$",
    r"^nfnetlink_rcv_msg$",
    r"^nfnetlink_rcv_batch$",
    r"^netlink_dump$",
    r"^____sys_sendmsg$",
    r"^__sock_sendmsg$",
    r"^sock_sendmsg_nosec$",
    r"^mmap_region$",
    r"^do_mmap$",
    r"^vm_mmap_pgoff$",
    r"^do_dentry_open$",
    r"^vfs_open$",
    r"^path_openat$",
    r"^do_filp_open$",
    r"^call_rcu",
    r"^rcu_do_batch$",
    r"^rcu_core$",
];

fn stall_anchors() -> &'static Regex {
    static ANCHORS: OnceLock<Regex> = OnceLock::new();
    ANCHORS.get_or_init(|| super::headers::compile(&STALL_ANCHORS.join("|")))
}

/// The function the title blames, from `parts` applied to the report lines from the header
/// (`header_idx`) on.
///
/// The parts share one cursor, as syzkaller's do: a line part moves it past the first line it
/// matches (and leaves it where it is when none does), the instruction-pointer part past the
/// first `RIP:`/`IP:`/`pc :` line, and a trace part collects the reliable frames up to the next
/// `Call Trace:`/`Allocated by`/`Freed by` line once it has seen a frame.
pub(super) fn guilty(
    draft: &View<'_>,
    header_idx: usize,
    parts: &[CompiledPart],
    skip: Option<&Regex>,
    pick: Pick,
) -> Option<Guilty> {
    let lines = draft.lines.get(header_idx..).unwrap_or(&[]);
    let line_no = |idx: usize| lines.get(idx).map_or(0, |l| l.line);
    // Candidate functions with the index of the line that named them and its input line.
    let mut candidates: Vec<(String, usize, u64)> = Vec::new();
    let mut cursor = 0;
    for part in parts {
        let rest = lines.get(cursor..).unwrap_or(&[]);
        let start = cursor;
        match part {
            CompiledPart::Line(re) | CompiledPart::Anchor(re) => {
                let found = rest
                    .iter()
                    .enumerate()
                    .find_map(|(idx, l)| re.captures(&l.text).map(|caps| (idx, caps)));
                let Some((idx, caps)) = found else {
                    if matches!(part, CompiledPart::Anchor(_)) {
                        return None;
                    }
                    continue;
                };
                cursor += idx + 1;
                if let Some(func) = caps.get(1) {
                    candidates.push((func.as_str().to_owned(), start + idx, line_no(start + idx)));
                }
            }
            CompiledPart::Rip => {
                let found = rest
                    .iter()
                    .enumerate()
                    .find_map(|(idx, l)| crash_pc(&l.text).map(|func| (idx, func)));
                let Some((idx, func)) = found else {
                    continue;
                };
                cursor += idx + 1;
                // i386 prints the address first (`EIP: 0060:[<c1234567>] EFLAGS: …`) and the
                // symbol on the next line (`EIP is at f+0x90/0x302`).
                // Only an `… is at` line: a trace frame printed next (`[<…>] ? f+0x…`) is
                // not where the CPU was.
                let func = func.or_else(|| {
                    rest.get(idx + 1..)?.iter().take(2).find_map(|l| {
                        l.text
                            .contains(" is at ")
                            .then(|| crate::body::parse_instruction_pointer(&l.text))
                            .flatten()
                            .and_then(|ip| ip.symbol)
                            .map(|sym| sym.name)
                    })
                });
                if let Some(func) = func {
                    candidates.push((func, start + idx, line_no(start + idx)));
                }
            }
            CompiledPart::Trace => {
                let mut seen_frame = false;
                let mut stopped = false;
                for line in rest {
                    let idx = cursor;
                    cursor += 1;
                    if vocab::starts_stack(&line.text) {
                        if seen_frame {
                            stopped = true;
                            break;
                        }
                        continue;
                    }
                    // 32-bit ARM prints `(callee) from [<…>] (caller+0x…)`: the caller
                    // line of the innermost frame is the only place its caller appears.
                    if let Some(caps) = arm_frame_re().captures(&line.text) {
                        seen_frame = true;
                        candidates.extend(
                            [caps.get(1), caps.get(2)]
                                .into_iter()
                                .flatten()
                                .map(|m| (m.as_str().to_owned(), idx, line_no(idx))),
                        );
                        continue;
                    }
                    let Some(frame) =
                        crate::body::parse_trace_line(&line.text).and_then(|t| t.frame)
                    else {
                        continue;
                    };
                    seen_frame = true;
                    if frame.confidence != Confidence::Reliable {
                        continue;
                    }
                    if let Some(symbol) = frame.symbol {
                        candidates.push((symbol.name, idx, line_no(idx)));
                    }
                }
                // A trace longer than the excerpt (a stack overflow's recursion) goes on in
                // the frames the draft kept beyond its last excerpt line.
                if !stopped {
                    let last = draft.lines.last().map_or(0, |l| l.line);
                    candidates.extend(
                        draft
                            .frames
                            .iter()
                            .filter(|f| f.line > last && f.confidence == Confidence::Reliable)
                            .filter_map(|f| {
                                f.symbol
                                    .as_ref()
                                    .map(|s| (s.name.clone(), usize::MAX, f.line))
                            }),
                    );
                }
            }
        }
    }
    // syzkaller's `corruptedLines`: fault injection (lib/fault-inject.c `fail_dump`: the
    // `FAULT_INJECTION: forcing a failure.` line, then its own `dump_stack()` through
    // `should_fail`) is frequently intermixed with crash reports. Reading a report's
    // frames stops there; when none of its own came before, it cannot be told which are.
    if let Some(fault) = lines.get(..cursor).unwrap_or(lines).iter().position(|l| {
        is_fault_injection_frame(&l.text) || l.text.contains("FAULT_INJECTION: forcing a failure")
    }) {
        candidates.retain(|(_, idx, _)| *idx < fault);
    }
    // Dispatchers anchor a stall's choice even where the skip patterns would drop them.
    let keeps_anchor = pick == Pick::Stall;
    let names: Vec<String> = candidates
        .iter()
        .map(|(name, _, _)| demangle(vocab::base_name(name)))
        .collect();
    // `%pS` prints an address it cannot resolve as `0x…`: no C identifier starts with a
    // digit, so such a capture names no function. A demangled Rust trait method starts with
    // its impl (`<rust_minimal::RustMinimal as kernel::Module>::init`).
    let is_name =
        |name: &str| name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '<');
    let is_kept = |name: &str| {
        is_name(name)
            && ((keeps_anchor && stall_anchors().is_match(name))
                || (!common_skip().is_match(name) && !skip.is_some_and(|re| re.is_match(name))))
    };
    let kept: Vec<(&str, u64)> = names
        .iter()
        .zip(&candidates)
        .map(|(name, (_, _, line))| (name.as_str(), *line))
        .filter(|(name, _)| is_kept(name))
        .collect();
    let (chosen, line, stop) = match pick {
        Pick::First => kept
            .first()
            .map(|(name, line)| ((*name).to_owned(), *line, Stop::Never)),
        Pick::Stall => pick_stall(&kept),
        Pick::HungTask => pick_hung_task(&kept),
    }?;
    // What was passed over on the way to the chosen frame, and why.
    let until = names
        .iter()
        .position(|n| *n == chosen)
        .unwrap_or(names.len());
    let skipped = names
        .iter()
        .take(until)
        .filter(|name| is_name(name) && !is_kept(name))
        .map(|name| (name.clone(), common_skip().is_match(name)))
        .collect();
    Some(Guilty {
        name: syscall_name(alias(&chosen)),
        skipped,
        line,
        stop,
    })
}

/// Where a rule's choice says the frames that identify a bug end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Nowhere in particular: the callers of the guilty function are part of the bug.
    Never,
    /// At the frame printed on this input line: a dispatcher or entry point that only carries
    /// the looping work of a stall.
    AtLine(u64),
    /// Right after the guilty frame: a wait on a global lock or grace period, or a cross-CPU
    /// call, whose callers are its victims whatever they are.
    AfterGuilty,
}

/// A frame's function as a title names it: suffixes dropped, demangled, aliases and syscall
/// entry points under their reported names.
pub(crate) fn title_name(name: &str) -> String {
    syscall_name(alias(&demangle(vocab::base_name(name))))
}

/// A frame's function as the skip classes see it: suffixes dropped, demangled.
pub(super) fn plain_name(name: &str) -> String {
    demangle(vocab::base_name(name))
}

/// The class of a frame passed over by a format's own skip list rather than a common class.
pub(super) const FORMAT_SKIP: &str = "format-specific";

/// The function a title blames, with the frames passed over before it.
pub(crate) struct Guilty {
    /// The function, syscall wrappers reduced to the syscall.
    pub name: String,
    /// Frames skipped before it, each with whether a common skip class (rather than the
    /// format's own list) skipped it; the class is looked up only when asked for
    /// (`titles::origin`), off the parsing path.
    pub skipped: Vec<(String, bool)>,
    /// The input line (1-based) that named it.
    pub line: u64,
    /// Where the frames that say which bug it is end ([`crate::guilty`]).
    pub stop: Stop,
}

/// A Rust or C++ symbol by its qualified name, without parameter types, hashes or crate
/// disambiguators; other names unchanged.
///
/// Rust code in the kernel is built with `-Csymbol-mangling-version=v0` (the top-level
/// Makefile's `KBUILD_RUSTFLAGS`, 6.1 on), and kallsyms holds those names whole (`%pS` in a
/// Rust frame prints `_RNvNtCs…_4core9panicking9panic_fmt+0x…`). rustc-demangle reads v0
/// (`_R…`) and legacy Rust (`_ZN…17h<hash>E`) symbols; C++ (Itanium `_Z8fakeNameiii`) keeps the
/// qualified-name reading below.
fn demangle(name: &str) -> String {
    let Some(rest) = name.strip_prefix("_Z") else {
        if name.starts_with("_R") {
            if let Ok(symbol) = rustc_demangle::try_demangle(name) {
                // `{:#}`: no crate disambiguators (`[1a2b3c]`) nor hashes.
                return format!("{symbol:#}");
            }
        }
        return name.to_owned();
    };
    if rest.starts_with('N') {
        if let Ok(symbol) = rustc_demangle::try_demangle(name) {
            let text = format!("{symbol:#}");
            // Only a legacy Rust symbol (it ends in its hash) is read by rustc-demangle; a
            // C++ one (`_ZN3foo3barEv`) goes on below.
            if name.ends_with('E') && !text.starts_with("_Z") {
                return text;
            }
        }
    }
    let (nested, mut rest) = match rest.strip_prefix('N') {
        Some(inner) => (true, inner),
        None => (false, rest),
    };
    let mut parts: Vec<&str> = Vec::new();
    loop {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Some(len) = rest.get(..digits).and_then(|d| d.parse::<usize>().ok()) else {
            break;
        };
        let Some(part) = rest.get(digits..digits + len) else {
            return name.to_owned();
        };
        parts.push(part);
        rest = rest.get(digits + len..).unwrap_or("");
        if !nested {
            break;
        }
    }
    // Legacy Rust symbols end in a hash segment `h` + 16 hex digits.
    if let Some(last) = parts.last() {
        if last.len() == 17
            && last.starts_with('h')
            && last.bytes().skip(1).all(|b| b.is_ascii_hexdigit())
        {
            parts.pop();
        }
    }
    if parts.is_empty() {
        return name.to_owned();
    }
    parts.join("::")
}

/// A frame of fault injection's own stack dump: `should_fail+0x…`, `should_failslab.cold+0x…`.
fn is_fault_injection_frame(text: &str) -> bool {
    crate::body::parse_trace_line(text)
        .and_then(|t| t.frame)
        .filter(|f| f.confidence == Confidence::Reliable)
        .and_then(|f| f.symbol)
        .is_some_and(|sym| {
            matches!(
                vocab::base_name(&sym.name),
                "should_fail" | "should_failslab"
            )
        })
}

/// The crash-PC line of any architecture (`body::parse_instruction_pointer`: `RIP:`, `EIP:`,
/// `EIP is at`, `pc :`, `PC is at`, `NIP [`, `Krnl PSW :`, machine checks) or, anywhere in a
/// line, syzkaller's instruction-pointer pattern; with the function it names, if any.
fn crash_pc(text: &str) -> Option<Option<String>> {
    if let Some(ip) = crate::body::parse_instruction_pointer(text) {
        return Some(ip.symbol.map(|sym| sym.name));
    }
    let caps = rip_re().captures(text)?;
    Some(caps.get(1).map(|m| m.as_str().to_owned()))
}

/// syzkaller's instruction-pointer line: `RIP: 0010:f+0x1/0x2`, `IP: [<…>] f+0x1/0x2`,
/// `pc : f+0x1/0x2`, `PC is at f+0x1/0x2`, `NIP [c0…] f+0x1/0x2`, or one without a symbol.
fn rip_re() -> &'static Regex {
    static RIP: OnceLock<Regex> = OnceLock::new();
    RIP.get_or_init(|| {
        super::headers::compile(
            r"(?:IP|NIP|pc |PC is at):? *(?:(?:[0-9a-f]{4}:)?(?:\[<?(?:0x)?[0-9a-f]+>?\] +){0,2}([a-zA-Z0-9_]+)(?:\.|\+0x)|(?:[0-9a-f]{4}:)?0x[0-9a-f]+|(?:[0-9a-f]{4}:)?\[<?(?:0x)?[0-9a-f]+>?\] +(?:\[< *\(null\)>\] +)?\(null\)|[0-9]+: +\(null\))",
        )
    })
}

/// A 32-bit ARM backtrace line: callee and caller.
fn arm_frame_re() -> &'static Regex {
    static ARM: OnceLock<Regex> = OnceLock::new();
    ARM.get_or_init(|| {
        super::headers::compile(
            r"^ *\[<?(?:0x)?[0-9a-f]+>?\] \(([a-zA-Z0-9_.]+)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?\) from \[<?(?:0x)?[0-9a-f]+>?\] \(([a-zA-Z0-9_]+)[.+]",
        )
    })
}

fn pick_hung_task(frames: &[(&str, u64)]) -> Option<(String, u64, Stop)> {
    for &(frame, line) in frames {
        if frame.contains("rtnl_lock") {
            return Some((frame.to_owned(), line, Stop::AfterGuilty));
        }
        if [
            "synchronize_rcu",
            "synchronize_srcu",
            "synchronize_net",
            "synchronize_sched",
        ]
        .iter()
        .any(|anchor| frame.contains(anchor))
        {
            return Some(("synchronize_rcu".to_owned(), line, Stop::AfterGuilty));
        }
    }
    const WAITING: &[&str] = &[
        "sched",
        "_lock",
        "_slowlock",
        "down",
        "rwsem",
        "completion",
        "kthread",
        "wait",
        "synchronize",
        "context_switch",
        "__switch_to",
        "cancel_delayed_work",
        "rcu_barrier",
    ];
    frames
        .iter()
        .find(|(frame, _)| !WAITING.iter().any(|w| frame.contains(w)))
        .map(|&(frame, line)| (frame.to_owned(), line, Stop::Never))
}

fn pick_stall(frames: &[(&str, u64)]) -> Option<(String, u64, Stop)> {
    let mut prev = *frames.first()?;
    for &(frame, line) in frames {
        if stall_anchors().is_match(frame) {
            if frame.starts_with("smp_call_function") {
                return Some(("smp_call_function".to_owned(), line, Stop::AfterGuilty));
            }
            return Some((prev.0.to_owned(), prev.1, Stop::AtLine(line)));
        }
        prev = (frame, line);
    }
    // No dispatcher printed: the trace was cut before the loop's caller (syzkaller's
    // `linuxStallFrameExtractor` finds nothing either).
    None
}

/// Syscall entry points are named after the syscall: `__x64_sys_futex`, `__do_sys_futex`,
/// `SyS_futex` → `sys_futex`.
fn syscall_name(name: &str) -> String {
    const PREFIXES: &[&str] = &[
        "__x64_sys_",
        "__ia32_sys_",
        "__arm64_sys_",
        "__riscv_sys_",
        "__s390x_sys_",
        "__do_sys_",
        "__se_sys_",
        "__x64_compat_sys_",
        "__ia32_compat_sys_",
        "__arm64_compat_sys_",
        "__do_compat_sys_",
        "__se_compat_sys_",
        "compat_sys_",
    ];
    // Old kernels' `SyS_`/`SYSC_` wrappers are reported under the bare syscall name.
    for prefix in [
        "compat_SyS_",
        "compat_SYSC_",
        "SyS_",
        "SYSC_",
        "ksys_",
        "sys_",
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    for prefix in PREFIXES {
        if let Some(rest) = name.strip_prefix(prefix) {
            return format!("sys_{rest}");
        }
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::{demangle, syscall_name};

    /// include/linux/syscalls.h `SYSCALL_DEFINEx` and the arch wrappers of
    /// arch/x86/include/asm/syscall_wrapper.h (`__x64_sys_`, `__ia32_sys_`),
    /// arch/arm64/include/asm/syscall_wrapper.h (`__arm64_sys_`), `__se_sys_`/`__do_sys_`,
    /// 4.x's `SyS_`/`SYSC_`, and the `ksys_` helpers: all name the syscall.
    #[test]
    fn syscall_wrappers_reduce_to_the_syscall() {
        for (wrapper, syscall) in [
            ("__x64_sys_rmdir", "sys_rmdir"),
            ("__ia32_sys_rmdir", "sys_rmdir"),
            ("__arm64_sys_rmdir", "sys_rmdir"),
            ("__riscv_sys_rmdir", "sys_rmdir"),
            ("__s390x_sys_rmdir", "sys_rmdir"),
            ("__do_sys_rmdir", "sys_rmdir"),
            ("__se_sys_rmdir", "sys_rmdir"),
            ("__x64_compat_sys_ioctl", "sys_ioctl"),
            ("__do_compat_sys_ioctl", "sys_ioctl"),
            ("SyS_rmdir", "rmdir"),
            ("SYSC_rmdir", "rmdir"),
            ("ksys_ioctl", "ioctl"),
            ("sys_rmdir", "rmdir"),
            ("do_rmdir", "do_rmdir"),
        ] {
            assert_eq!(syscall_name(wrapper), syscall, "{wrapper}");
        }
    }

    #[test]
    fn mangled_names_are_shown_qualified_without_types_or_hash() {
        assert_eq!(demangle("_Z8fakeNameiii"), "fakeName");
        assert_eq!(demangle("_ZN3foo3barEv"), "foo::bar");
        assert_eq!(
            demangle("_ZN4core3fmt5write17h0123456789abcdefE"),
            "core::fmt::write"
        );
        assert_eq!(demangle("_Z"), "_Z");
        assert_eq!(demangle("_Z99short"), "_Z99short");
        assert_eq!(demangle("tcp_v4_rcv"), "tcp_v4_rcv");
    }
}
