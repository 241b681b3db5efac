//! The Linux header table: which lines open a report, of what kind, and how its title is made.
//!
//! The table follows syzkaller's `pkg/report/linux.go`: each [`Oops`] family has a literal that
//! every header of the family contains (also a scanner trigger), a list of [`Format`]s tried in
//! order, and suppressions (lines that contain the literal but are not reports). A format's
//! `header` regex is searched in the header line; its optional `title` regex is searched in
//! the whole report text (it may span lines, e.g. KASAN's `Read of size` line). The template
//! `fmt` takes `{1}`, `{2}`… from the groups of the last regex that matched and `{FUNC}` from
//! the guilty frame, chosen by the format's [`Stack`] rule.

use crate::report::Kind;
use regex::Regex;

/// A family of headers sharing one literal.
pub(crate) struct Oops {
    /// Literal contained in every header of the family.
    pub literal: &'static str,
    /// Kind of a header that matches no format.
    pub kind: Kind,
    /// Formats, most specific first.
    pub formats: &'static [Format],
    /// Regexes of lines that contain the literal but are no report.
    pub suppressions: &'static [&'static str],
}

/// One header format and its title.
pub(crate) struct Format {
    /// Regex searched in the header line; decides the format at header time.
    pub header: &'static str,
    /// Optional regex searched in the report text (lines joined by `\n`) from the header on;
    /// the format applies only if it matches.
    pub title: Option<&'static str>,
    /// Title template.
    pub fmt: &'static str,
    pub kind: Kind,
    /// How `{FUNC}` is found; `None` when the template has no `{FUNC}`.
    pub stack: Option<Stack>,
    /// The report normally has no call trace (do not flag it corrupted for lacking one).
    pub no_stack_trace: bool,
    /// Why a report of this format is incomplete by nature, if it is (syzkaller's
    /// `corrupted` formats).
    pub incomplete: Option<&'static str>,
    /// The format is used only when the format before it of the same header found no guilty
    /// function: the report was cut before the line that names it.
    pub no_func: bool,
}

/// Where the guilty frame is looked for: parts tried in order, each starting where the
/// previous one matched; the first function not matched by a skip pattern wins.
#[derive(Clone, Copy)]
pub(crate) struct Stack {
    pub parts: &'static [Part],
    /// Parts tried when `parts` find no function (syzkaller's `parts2`).
    pub fallback: &'static [Part],
    /// Extra skip patterns (regexes, unanchored) on top of the common list.
    pub skip: &'static [&'static str],
    /// How the function is chosen among the candidates that survive the skip patterns.
    pub pick: Pick,
}

/// How a [`Stack`] rule picks among its candidate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pick {
    /// The first candidate.
    First,
    /// Stalls and lockups: the candidate just above the first dispatcher or syscall entry
    /// frame, which names the looping work rather than wherever the loop was interrupted.
    Stall,
    /// Hung tasks: a task blocked in `rtnl_lock` or a `synchronize_*` call is reported there
    /// (grouping hangs on those two global waits); otherwise the first frame that is not
    /// scheduling, locking or waiting.
    HungTask,
}

/// One step of a [`Stack`] rule.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Part {
    /// The instruction pointer line (`RIP:`, `IP:`, `pc :`, `PC is at`).
    Rip,
    /// The reliable frames of the call traces after the current position.
    Trace,
    /// The first report line after the current position matching the regex; its group 1, if
    /// any, is a candidate function.
    Line(&'static str),
    /// Like [`Part::Line`], but the rule finds nothing when no line matches (the stall rules
    /// need the interrupt frame to know where the interrupted code starts).
    Anchor(&'static str),
}

const RIP_TRACE: Stack = Stack {
    parts: &[Part::Rip, Part::Trace],
    skip: &[],
    fallback: &[],
    pick: Pick::First,
};

const TRACE: Stack = Stack {
    parts: &[Part::Trace],
    skip: &[],
    fallback: &[],
    pick: Pick::First,
};

/// The frames after `Call Trace:`, not the lone frames of `… at:` lines printed before it;
/// any frames when there is no such line.
const CALL_TRACE: Stack = Stack {
    parts: &[Part::Line(r"Call (?:T|t)race"), Part::Trace],
    skip: &[],
    fallback: &[Part::Trace],
    pick: Pick::First,
};

/// `at: [<ffffffff81234567>] func+0x1/0x2` / `at: func+0x1/0x2` in lockdep reports.
const AT_FUNC: &str = r"at: (?:\[<?[0-9a-fx]+>?\] +)?([a-zA-Z0-9_.]+)\+0x";

const fn fmt(header: &'static str, fmt: &'static str, kind: Kind, stack: Option<Stack>) -> Format {
    Format {
        header,
        title: None,
        fmt,
        kind,
        stack,
        no_stack_trace: false,
        incomplete: None,
        no_func: false,
    }
}

/// A format whose report normally prints no call trace, with a guilty frame from its lines.
const fn no_trace(
    header: &'static str,
    fmt: &'static str,
    kind: Kind,
    stack: Option<Stack>,
) -> Format {
    Format {
        header,
        title: None,
        fmt,
        kind,
        stack,
        no_stack_trace: true,
        incomplete: None,
        no_func: false,
    }
}

const fn plain(header: &'static str, fmt: &'static str, kind: Kind) -> Format {
    Format {
        header,
        title: None,
        fmt,
        kind,
        stack: None,
        no_stack_trace: true,
        incomplete: None,
        no_func: false,
    }
}

/// The title of a report cut before the line its guilty function comes from (syzkaller's
/// `corrupted` formats following a `{FUNC}` one).
const fn cut_before_func(
    header: &'static str,
    fmt: &'static str,
    kind: Kind,
    reason: &'static str,
) -> Format {
    Format {
        header,
        title: None,
        fmt,
        kind,
        stack: None,
        no_stack_trace: true,
        incomplete: Some(reason),
        no_func: true,
    }
}

/// A format whose reports always lack what the title should name.
const fn incomplete(
    header: &'static str,
    fmt: &'static str,
    kind: Kind,
    reason: &'static str,
) -> Format {
    Format {
        header,
        title: None,
        fmt,
        kind,
        stack: None,
        no_stack_trace: true,
        incomplete: Some(reason),
        no_func: false,
    }
}

/// kernel/panic.c `__warn`: `WARNING: CPU: %d PID: %d at %s:%d %pS` (3.11 on), `WARNING: at
/// %s:%d %pS()` before; the file is absent without `CONFIG_DEBUG_BUGVERBOSE`.
const WARN_SRC: &str = r"WARNING: (?:.* )?at [a-zA-Z0-9_./-]+:[0-9]+";

const fn warn_file(
    header: &'static str,
    title: &'static str,
    skip: &'static [&'static str],
) -> Format {
    fmt(
        header,
        title,
        Kind::Warning,
        Some(Stack {
            parts: &[Part::Rip, Part::Trace],
            skip,
            fallback: &[],
            pick: Pick::First,
        }),
    )
}

/// Work items and workqueues are lockdep maps acquired by the workqueue core itself
/// (`lock_map_acquire(&work->lockdep_map)` in `process_one_work`, `touch_wq_lockdep_map`):
/// the function that queued or flushed the work names the deadlock, not the core.
const DEADLOCK: Stack = Stack {
    parts: &[Part::Line(AT_FUNC), Part::Line(AT_FUNC), Part::Trace],
    skip: &[
        "^process_one_work$",
        "^touch_(?:wq|work)_lockdep_map$",
        "^start_flush_work",
    ],
    fallback: &[],
    pick: Pick::First,
};

/// lockdep's `check_irq_usage` report (`print_bad_irq_dependency`): the lock became irq-safe
/// where `... which became HARDIRQ-irq-safe at:` prints its trace; that site is the deadlock.
const IRQ_SAFE_DEADLOCK: Stack = Stack {
    parts: &[
        Part::Line(r"which became (?:HARD|SOFT)IRQ-(?:READ-)?(?:irq-)?safe at:"),
        Part::Trace,
    ],
    skip: &[],
    fallback: &[Part::Line(AT_FUNC), Part::Line(AT_FUNC), Part::Trace],
    pick: Pick::First,
};

/// `… is trying to release lock (x) at:` with the function on the same line (old kernels) or
/// printed as a frame on the next one, then the call trace.
const UNLOCK_AT: Stack = Stack {
    parts: &[
        Part::Line(
            r"is trying to release lock.*?(?:at: (?:\[<?[0-9a-fx]+>?\] +)?([a-zA-Z0-9_.]+)\+0x)?$",
        ),
        Part::Line(r"^ *(?:\[<?[0-9a-fx]+>?\] +)?([a-zA-Z0-9_.]+)\+0x"),
        Part::Line(r"Call (?:T|t)race"),
        Part::Trace,
    ],
    skip: &[],
    fallback: &[],
    pick: Pick::First,
};

const LOCK_AT: Stack = Stack {
    parts: &[Part::Line(AT_FUNC), Part::Trace],
    skip: &[],
    fallback: &[],
    pick: Pick::First,
};

/// mm/slub.c `slab_bug` headers: `object_err`/`slab_err` reasons (`Object already free`,
/// `Poison overwritten`, `Freepointer corrupt`, `Objects remaining in %s on
/// __kmem_cache_shutdown()`…). The function is the caller of the slab API in the trace that
/// follows; SLUB's own checking helpers are passed over. A header of this shape without its
/// `BUG ` prefix is no SLUB report.
static SLUB: &[Format] = &[fmt(
    r"(?:^|\s)BUG [^ ]+ \((?:Not tainted|Tainted: [^)]*)\): ([A-Z][A-Za-z_ ]*[A-Za-z])",
    "SLUB: {1} in {FUNC}",
    Kind::Bug,
    Some(Stack {
        parts: &[Part::Trace],
        skip: &[
            "^free_debug_processing",
            "^alloc_debug_processing",
            "^free_consistency_checks",
            "^free_to_partial_list",
            "^check_",
            "^on_freelist",
            "^object_err",
            "^slab_err",
            "^print_trailer",
            "^validate_slab",
            "^list_slab_objects",
            "^_*kmem_cache_",
            "^shutdown_cache",
            "^_*slab_free",
            "^do_slab_free",
        ],
        fallback: &[],
        pick: Pick::First,
    }),
)];

/// A boot-sequence line, at the start of the line.
static BOOT: &[Format] = &[plain(
    r"^\s*(?:Booting the kernel|Linux version [0-9]|Decompressing Linux)",
    "unexpected kernel reboot",
    Kind::Other,
)];

/// The table, in priority order (the family whose literal occurs first in a line wins; ties go
/// to the earlier entry).
pub(crate) static OOPSES: &[Oops] = &[
    Oops {
        literal: "BUG:",
        kind: Kind::Bug,
        formats: &[
            fmt(
                r"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in ([a-zA-Z0-9_.]+)",
                "KASAN: invalid-free in {FUNC}",
                Kind::Kasan,
                Some(Stack {
                    parts: &[
                        Part::Line(r"BUG: KASAN: [a-z\- ]+ in ([a-zA-Z0-9_.]+)"),
                        Part::Trace,
                    ],
                    skip: &["slab_", "kfree", "vunmap", "vfree"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            Format {
                header: r"BUG: KASAN: ([a-z\-]+) in ([a-zA-Z0-9_.]+)",
                title: Some(
                    r"BUG: KASAN: ([a-z\-]+) in [^\n]*\n(?:[^\n]*\n){0,4}?[^\n]*(Read|Write) (?:of size|at addr) [0-9]+",
                ),
                fmt: "KASAN: {1} {2} in {FUNC}",
                kind: Kind::Kasan,
                stack: Some(Stack {
                    parts: &[
                        Part::Line(r"BUG: KASAN: [a-z\-]+ in ([a-zA-Z0-9_.]+)"),
                        Part::Trace,
                    ],
                    skip: &["slab_", "kfree", "vunmap", "vfree"],
                    fallback: &[],
                    pick: Pick::First,
                }),
                no_stack_trace: false,
                incomplete: None,
                no_func: false,
            },
            Format {
                header: r"BUG: KASAN: ([a-z\-]+) in ([a-zA-Z0-9_.]+)\+0x[0-9a-f]+/0x[0-9a-f]+ at addr ([0-9a-f]+)",
                title: None,
                fmt: "KASAN: {1} in {2} at addr {3}",
                kind: Kind::Kasan,
                stack: None,
                no_stack_trace: false,
                incomplete: None,
                no_func: false,
            },
            Format {
                header: r"BUG: KASAN: ([a-z\-]+) on address",
                title: Some(
                    r"BUG: KASAN: ([a-z\-]+) on address[^\n]*\n(?:[^\n]*\n){0,4}?[^\n]*(Read|Write) of size [0-9]+",
                ),
                fmt: "KASAN: {1} {2}",
                kind: Kind::Kasan,
                stack: None,
                no_stack_trace: false,
                incomplete: None,
                no_func: false,
            },
            fmt(
                r"BUG: KASAN: ([a-z\-]+) in ([a-zA-Z0-9_.]+)",
                "KASAN: {1} in {FUNC}",
                Kind::Kasan,
                Some(Stack {
                    parts: &[
                        Part::Line(r"BUG: KASAN: [a-z\-]+ in ([a-zA-Z0-9_.]+)"),
                        Part::Trace,
                    ],
                    skip: &["slab_", "kfree", "vunmap", "vfree"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(r"BUG: KASAN: ([a-z\-]+)", "KASAN: {1}", Kind::Kasan, None),
            fmt(
                r"BUG: KMSAN: kernel-usb-infoleak",
                "KMSAN: kernel-usb-infoleak in {FUNC}",
                Kind::Kmsan,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &[
                        "usb_submit_urb",
                        "usb_start_wait_urb",
                        "usb_bulk_msg",
                        "usb_interrupt_msg",
                        "usb_control_msg",
                    ],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: KMSAN: ([a-z\-]+) in ([a-zA-Z0-9_.]+)",
                "KMSAN: {1} in {FUNC}",
                Kind::Kmsan,
                Some(Stack {
                    parts: &[Part::Trace],
                    // Uninitialized bytes flow through the crypto API's ciphers and modes
                    // (`aes_encrypt`, `crypto_skcipher_encrypt`, `xts_encrypt`, DRBG) like
                    // through memcpy: the user of the API passed them in.
                    skip: &[
                        "alloc_skb",
                        "netlink_ack",
                        "netlink_rcv_skb",
                        "^crypto_",
                        "^cipher_crypt",
                        "^drbg_",
                        "_(?:en|de)crypt(?:_one)?$",
                    ],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: KCSAN: data-race in ([a-zA-Z0-9_]+)(?:\.[a-z0-9.]+)? / ([a-zA-Z0-9_]+)",
                "KCSAN: data-race in {1} / {2}",
                Kind::Kcsan,
                None,
            ),
            fmt(
                r"BUG: KCSAN: assert: race in ([a-zA-Z0-9_]+)",
                "KCSAN: assert: race in {1}",
                Kind::Kcsan,
                None,
            ),
            fmt(
                r"BUG: KCSAN: ([a-z\-]+) in ([a-zA-Z0-9_]+)",
                "KCSAN: {1} in {FUNC}",
                Kind::Kcsan,
                Some(Stack {
                    parts: &[
                        Part::Line(r"BUG: KCSAN: [a-z\-]+ in ([a-zA-Z0-9_.]+)"),
                        Part::Trace,
                    ],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: KFENCE: ([a-z\- ]+?) in ([a-zA-Z0-9_.]+)",
                "KFENCE: {1} in {FUNC}",
                Kind::Kfence,
                Some(Stack {
                    parts: &[
                        Part::Line(r"BUG: KFENCE: [a-z\- ]+? in ([a-zA-Z0-9_.]+)"),
                        Part::Trace,
                    ],
                    skip: &["kfence", "kfree", "slab_"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            // powerpc's `__bad_page_fault` words: `BUG: Unable to handle kernel data access on
            // read at 0x…`, `… instruction fetch`, `BUG: Kernel NULL pointer dereference on …`.
            fmt(
                r"BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|unable to handle kernel access|Unable to handle kernel (?:data access|instruction fetch|unaligned access)|Unable to handle unknown paging fault)",
                "BUG: unable to handle kernel paging request in {FUNC}",
                Kind::PageFault,
                Some(RIP_TRACE),
            ),
            fmt(
                r"BUG: (?:unable to handle kernel NULL pointer dereference|[Kk]ernel NULL pointer dereference)",
                "BUG: unable to handle kernel NULL pointer dereference in {FUNC}",
                Kind::PageFault,
                Some(RIP_TRACE),
            ),
            fmt(
                // kernel/locking/spinlock_debug.c `spin_dump` (`BUG: spinlock %s on CPU#%d, %s/%d`)
                // and `rwlock_bug` (`BUG: rwlock %s on CPU#%d, %s/%d, %p`), then `dump_stack()`;
                // `lockup suspected` is the pre-4.0 `__spin_lock_debug` message.
                r"BUG: (spinlock|rwlock) (lockup suspected|already unlocked|cpu recursion|recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)",
                "BUG: {1} {2} in {FUNC}",
                Kind::SpinlockLockup,
                Some(TRACE),
            ),
            fmt(
                r"BUG: soft lockup",
                "BUG: soft lockup in {FUNC}",
                Kind::SoftLockup,
                Some(Stack {
                    parts: &[Part::Rip, Part::Trace],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::Stall,
                }),
            ),
            fmt(
                r"BUG: .*still has locks held!",
                "BUG: still has locks held in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            no_trace(
                r"BUG: lock held when returning to user space",
                "BUG: lock held when returning to user space in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            fmt(
                r"BUG: bad unlock balance detected!",
                "BUG: bad unlock balance in {FUNC}",
                Kind::Lockdep,
                Some(UNLOCK_AT),
            ),
            fmt(
                r"BUG: held lock freed!",
                "BUG: held lock freed in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            fmt(
                r"BUG: Invalid wait context",
                "WARNING: locking bug in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            plain(
                r"BUG: Dentry .* still in use \([0-9]+\) \[([a-z]+) of",
                "BUG: Dentry still in use in {1}",
                Kind::Bug,
            ),
            plain(
                r"BUG: Bad rss-counter state",
                "BUG: Bad rss-counter state",
                Kind::Bug,
            ),
            plain(
                r"BUG: non-zero nr_ptes on freeing mm",
                "BUG: non-zero nr_ptes on freeing mm",
                Kind::Bug,
            ),
            plain(
                r"BUG: non-zero pgtables_bytes on freeing mm",
                "BUG: non-zero pgtables_bytes on freeing mm",
                Kind::Bug,
            ),
            // mm/page_alloc.c `bad_page`: `BUG: Bad page state in process %s …`, the page dump, then
            // `dump_stack()`, whose first frame outside mm's helpers is the caller.
            fmt(
                r"BUG: Bad page state",
                "BUG: Bad page state in {FUNC}",
                Kind::Bug,
                Some(TRACE),
            ),
            // mm/memory.c `print_bad_pte`: `BUG: Bad page map in process %s …`, the page dump, then
            // `dump_stack()`, whose first frame outside mm's helpers is the caller.
            fmt(
                r"BUG: Bad page map",
                "BUG: Bad page map in {FUNC}",
                Kind::Bug,
                Some(TRACE),
            ),
            cut_before_func(
                r"BUG: Bad page map",
                "BUG: Bad page map",
                Kind::Bug,
                "the report stops before the stack dump it always prints",
            ),
            // mm/filemap.c `page_cache_delete`: `BUG: Bad page cache in process %s …`, the page dump, then
            // `dump_stack()`, whose first frame outside mm's helpers is the caller.
            fmt(
                r"BUG: Bad page cache",
                "BUG: Bad page cache in {FUNC}",
                Kind::Bug,
                Some(TRACE),
            ),
            plain(
                r"BUG: workqueue lockup",
                "BUG: workqueue lockup",
                Kind::Other,
            ),
            fmt(
                r"BUG: sleeping function called from invalid context",
                "BUG: sleeping function called from invalid context in {FUNC}",
                Kind::Bug,
                Some(CALL_TRACE),
            ),
            fmt(
                r"BUG: using __this_cpu_([a-z_]+)\(\) in preemptible",
                "BUG: using __this_cpu_{1}() in preemptible code in {FUNC}",
                Kind::Bug,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["check_preemption_disabled"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: using ([a-z_]+)\(\) in preemptible",
                "BUG: using {1}() in preemptible code in {FUNC}",
                Kind::Bug,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["check_preemption_disabled"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: workqueue leaked lock or atomic",
                "BUG: workqueue leaked lock or atomic in {FUNC}",
                Kind::Lockdep,
                Some(Stack {
                    parts: &[Part::Line(r"last function: ([a-zA-Z0-9_.]+)")],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: scheduling while atomic",
                "BUG: scheduling while atomic in {FUNC}",
                Kind::SchedulingWhileAtomic,
                // `Preemption disabled at:` prints a lone frame before the call trace. The
                // sleep that scheduled (kernel/time/timer.c `msleep`, `usleep_range_state`,
                // `schedule_timeout`, kernel/sched/wait.c and completion.c waits) is how the
                // caller slept, never why: its caller is named.
                Some(Stack {
                    parts: &[Part::Line(r"Call (?:T|t)race"), Part::Trace],
                    skip: &[
                        "schedule",
                        "^msleep",
                        "^usleep_range",
                        "^ssleep$",
                        "^fsleep$",
                        "^wait_for_completion",
                        "^__wait_for_common$",
                        "^wait_for_common",
                        "^__wait_event",
                        "^wait_woken$",
                    ],
                    fallback: &[Part::Trace],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: memory leak",
                "memory leak in {FUNC}",
                Kind::MemoryLeak,
                Some(Stack {
                    parts: &[Part::Line(r"backtrace"), Part::Trace],
                    skip: &[
                        "kmemleak",
                        "mmap_region",
                        "__kmalloc",
                        "alloc",
                        "kmem_cache",
                        "create_object",
                        "slab_post_alloc_hook",
                        "idr_get_free",
                        "kstrdup",
                        "kmemdup",
                        "radix_tree_",
                        "vm_area_dup",
                        "kobject_",
                        "kset_",
                        // mm/list_lru.c allocates its per-node lists for the shrinker's owner.
                        "^_*list_lru_init",
                    ],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"BUG: (?:[A-Z]+ )?stack guard page was hit",
                "BUG: stack guard page was hit in {FUNC}",
                Kind::StackOverflow,
                Some(Stack {
                    parts: &[Part::Rip, Part::Trace],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::Stall,
                }),
            ),
            fmt(
                r"BUG: corrupted list in ([a-zA-Z0-9_.]+)",
                "BUG: corrupted list in {1}",
                Kind::Bug,
                None,
            ),
            // mm/mempool.c `poison_error`: the element's bytes, then `dump_stack()`; the
            // mempool's own checks are passed over.
            fmt(
                r"BUG: mempool element poison mismatch",
                "BUG: mempool element poison mismatch in {FUNC}",
                Kind::Bug,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["^_*mempool_", "^check_element", "^poison_error"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            // kernel/locking/lockdep.c `print_lockdep_off`: `BUG: MAX_LOCKDEP_KEYS too low!`
            // (and the other table limits), `turning off the locking correctness validator.`;
            // no trace.
            plain(r"BUG: (MAX_[A-Z_]+ too low)!", "BUG: {1}!", Kind::Lockdep),
            // kernel/locking/lockdep.c `look_up_lock_class`: then `dump_stack()`.
            fmt(
                r"BUG: looking up invalid subclass",
                "BUG: looking up invalid subclass in {FUNC}",
                Kind::Lockdep,
                Some(TRACE),
            ),
            // kernel/locking/lockdep.c `lockdep_init_map_type` / `lockdep_register_key` users:
            // `BUG: key %px has not been registered!`, then `DEBUG_LOCKS_WARN_ON(1)`'s own
            // warning report.
            plain(
                r"BUG: key [0-9a-fx]+ has not been registered!",
                "BUG: key has not been registered!",
                Kind::Lockdep,
            ),
            // kernel/sched/core.c `__schedule`: `BUG: scheduling in a non-blocking section:
            // %s/%d/%i`, then `dump_stack()`.
            fmt(
                r"BUG: scheduling in a non-blocking section",
                "BUG: scheduling in a non-blocking section in {FUNC}",
                Kind::SchedulingWhileAtomic,
                Some(Stack {
                    parts: &[Part::Line(r"Call (?:T|t)race"), Part::Trace],
                    skip: &["schedule"],
                    fallback: &[Part::Trace],
                    pick: Pick::First,
                }),
            ),
            // kernel/sched/core.c `__cant_sleep` / `__cant_migrate`: `BUG: assuming atomic
            // context at %s:%d` / `BUG: assuming non migratable context at %s:%d`, the
            // context, then `dump_stack()`.
            fmt(
                r"BUG: assuming (atomic|non migratable) context at",
                "BUG: assuming {1} context in {FUNC}",
                Kind::Bug,
                Some(Stack {
                    parts: &[Part::Line(r"Call (?:T|t)race"), Part::Trace],
                    skip: &["^__cant_sleep", "^__cant_migrate", "^cant_"],
                    fallback: &[Part::Trace],
                    pick: Pick::First,
                }),
            ),
            // kernel/sched/topology.c `topology_span_sane`: a boot-time message, no trace.
            plain(
                r"BUG: arch topology borken",
                "BUG: arch topology borken",
                Kind::Bug,
            ),
            // A header cut right after its literal (the rest of the printk lost).
            incomplete(
                r"BUG:\s*$",
                "BUG: corrupted",
                Kind::Bug,
                "the header stops after its literal",
            ),
        ],
        suppressions: &[r"BUG: failure at"],
    },
    Oops {
        literal: "WARNING:",
        kind: Kind::Warning,
        formats: &[
            fmt(
                r"WARNING: (?:HARD|SOFT)IRQ-(?:READ-)?safe -> (?:HARD|SOFT)IRQ-(?:READ-)?unsafe lock order detected",
                "possible deadlock in {FUNC}",
                Kind::Lockdep,
                Some(IRQ_SAFE_DEADLOCK),
            ),
            fmt(
                r"WARNING: (?:possible circular locking dependency detected|possible recursive locking detected|possible irq lock inversion dependency detected)",
                "possible deadlock in {FUNC}",
                Kind::Lockdep,
                Some(DEADLOCK),
            ),
            // kernel/locking/lockdep.c `print_circular_bug_header`: the header, then the
            // lock being acquired `at:` its caller. Cut before that line, the report names no
            // function (syzkaller's corrupted format).
            cut_before_func(
                r"WARNING: possible circular locking dependency detected",
                "WARNING: possible circular locking dependency detected",
                Kind::Lockdep,
                "the report stops before the locks it names",
            ),
            fmt(
                r"WARNING: inconsistent lock state",
                "inconsistent lock state in {FUNC}",
                Kind::Lockdep,
                Some(Stack {
                    parts: &[
                        Part::Line(r"inconsistent .* usage"),
                        // kernel/locking/lockdep.c `print_usage_bug`: the lock the task
                        // `takes:` and the `state was registered at:` trace are history; the
                        // report's own trace is the final `stack backtrace:`. Cut before it,
                        // the lock's `at:` function names it.
                        Part::Anchor(r"Call (?:T|t)race"),
                        Part::Trace,
                    ],
                    skip: &[],
                    fallback: &[Part::Line(r"takes:"), Part::Line(AT_FUNC)],
                    pick: Pick::First,
                }),
            ),
            // Its header, kernel version, rule and source line come in one block; a report
            // with other messages inside that block is titled without a function.
            Format {
                header: r"WARNING: suspicious RCU usage",
                title: Some(r"WARNING: suspicious RCU usage\n[^\n]*\n-+\n"),
                fmt: "WARNING: suspicious RCU usage in {FUNC}",
                kind: Kind::Lockdep,
                stack: Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["rcu", "lockdep", "kmem", "slab"],
                    fallback: &[],
                    pick: Pick::First,
                }),
                no_stack_trace: false,
                incomplete: None,
                no_func: false,
            },
            incomplete(
                r"WARNING: suspicious RCU usage",
                "WARNING: suspicious RCU usage",
                Kind::Lockdep,
                "other messages are mixed into the report's header block",
            ),
            plain(
                r"WARNING: kernel stack regs at [0-9a-f]+ in .* has bad '([^']+)' value",
                "WARNING: kernel stack regs has bad '{1}' value",
                Kind::Warning,
            ),
            plain(
                r"WARNING: kernel stack frame pointer at [0-9a-f]+ in .* has bad value",
                "WARNING: kernel stack frame pointer has bad value",
                Kind::Warning,
            ),
            fmt(
                r"WARNING: bad unlock balance detected!",
                "WARNING: bad unlock balance in {FUNC}",
                Kind::Lockdep,
                Some(UNLOCK_AT),
            ),
            fmt(
                r"WARNING: held lock freed!",
                "WARNING: held lock freed in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            no_trace(
                r"WARNING: lock held when returning to user space",
                "WARNING: lock held when returning to user space in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            fmt(
                r"WARNING: .*still has locks held!",
                "WARNING: still has locks held in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            // kernel/locking/lockdep.c `print_collision`: then `stack backtrace:` and
            // `dump_stack()`; lockdep's own frames are passed over.
            fmt(
                r"WARNING: chain_key collision",
                "WARNING: chain_key collision in {FUNC}",
                Kind::Lockdep,
                Some(CALL_TRACE),
            ),
            // kernel/locking/lockdep.c `print_lock_contention_bug`: the lock `at:` the
            // contending function, printed as a lone frame on the next line, then the trace.
            fmt(
                r"WARNING: bad contention detected!",
                "WARNING: bad contention in {FUNC}",
                Kind::Lockdep,
                Some(Stack {
                    parts: &[
                        Part::Line(r"is trying to contend lock"),
                        Part::Line(r"^ *(?:\[<?[0-9a-fx]+>?\] +)?([a-zA-Z0-9_.]+)\+0x"),
                        Part::Line(r"Call (?:T|t)race"),
                        Part::Trace,
                    ],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"WARNING: [Nn]ested lock was not taken",
                "WARNING: nested lock was not taken in {FUNC}",
                Kind::Lockdep,
                Some(LOCK_AT),
            ),
            warn_file(
                // lib/debugobjects.c `debug_print_object`: `WARN(1, "ODEBUG: %s %s (active state
                // %u) object type: %s hint: %pS")`, with or without the file in the header.
                r"WARNING: (?:.* )?at (?:lib/debugobjects\.c:[0-9]+ )?debug_print_object",
                "WARNING: ODEBUG bug in {FUNC}",
                &[
                    "debug_object",
                    "debug_check",
                    "^__debug",
                    "^debug_",
                    // The users of ODEBUG that checked the object for their caller: timers, work
                    // items, percpu counters, and the free paths that check objects being freed.
                    "timer_",
                    "work_",
                    "^percpu_",
                    "^__free_",
                    "kobject_",
                    "call_rcu",
                    "vunmap",
                    "^vfree",
                    "free_pages",
                    "init_timer",
                    "slab_free",
                    "^kmem_cache_free",
                ],
            ),
            warn_file(
                r"WARNING: (?:.* )?at mm/usercopy\.c:[0-9]+",
                "WARNING: bad usercopy in {FUNC}",
                &["usercopy", "__check"],
            ),
            warn_file(
                r"WARNING: (?:.* )?at lib/kobject\.c:[0-9]+",
                "WARNING: kobject bug in {FUNC}",
                &["kobject_"],
            ),
            warn_file(
                r"WARNING: (?:.* )?at fs/proc/generic\.c:[0-9]+",
                "WARNING: proc registration bug in {FUNC}",
                &["proc_"],
            ),
            warn_file(
                // lib/refcount.c `refcount_warn_saturate` (`refcount_t: underflow; use-after-free.`
                // …), the 4.x `refcount_*_checked` helpers, and kernel/panic.c
                // `refcount_error_report` of the x86 fast refcounts (4.15–5.4).
                r"WARNING: (?:.* )?at (?:lib/refcount\.c:[0-9]+|(?:kernel/panic\.c:[0-9]+ )?refcount_(?:warn_saturate|error_report)\+0x)",
                "WARNING: refcount bug in {FUNC}",
                // The put wrappers of refcounted objects (`kfree_skb` is `skb_unref` + free).
                &["refcount", "^(?:__)?(?:kfree|consume)_skb", "^sock_put$"],
            ),
            warn_file(
                r"WARNING: (?:.* )?at kernel/locking/lockdep\.c:[0-9]+",
                "WARNING: locking bug in {FUNC}",
                &[
                    "lock_acquire",
                    "lock_release",
                    "lock_is_held",
                    "lock",
                    "^__lock",
                    "^_raw_",
                ],
            ),
            warn_file(
                r"WARNING: (?:.* )?at mm/(?:slab_common|slab|slub|util)\.c:[0-9]+ (?:__)?(?:kmalloc|krealloc|kvmalloc)",
                "WARNING: kmalloc bug in {FUNC}",
                &[
                    "kmalloc",
                    "krealloc",
                    "slab",
                    "kvmalloc",
                    "vmalloc",
                    "alloc_pages",
                    "kmem_cache",
                    "^__alloc",
                ],
            ),
            warn_file(
                r"WARNING: (?:.* )?at mm/vmalloc\.c:[0-9]+ __vmalloc_node_range",
                "WARNING: zero-size vmalloc in {FUNC}",
                &["vmalloc", "vzalloc"],
            ),
            warn_file(
                r"WARNING: (?:.* )?at drivers/usb/core/urb\.c:[0-9]+ usb_submit_urb",
                "WARNING in {FUNC}/usb_submit_urb",
                &[
                    "usb_submit_urb",
                    "usb_start_wait_urb",
                    "usb_bulk_msg",
                    "usb_interrupt_msg",
                    "usb_control_msg",
                ],
            ),
            warn_file(WARN_SRC, "WARNING in {FUNC}", &[]),
            // kernel/panic.c `__warn` without the file (`CONFIG_DEBUG_BUGVERBOSE=n`):
            // `WARNING: CPU: %d PID: %d at %pS`.
            warn_file(
                r"WARNING: (?:CPU: [0-9]+ PID: [0-9]+ )?at [a-zA-Z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+",
                "WARNING in {FUNC}",
                &[],
            ),
            // Newer kernels: `WARNING: [cond] file.c:123 at func+0x1/0x2, CPU#0: comm/pid`.
            fmt(
                r"WARNING: \[.*\] [a-zA-Z0-9_./-]+:[0-9]+ at ([a-zA-Z0-9_.]+)",
                "WARNING in {FUNC}",
                Kind::Warning,
                Some(Stack {
                    parts: &[
                        Part::Line(r"WARNING: \[.*\] [a-zA-Z0-9_./-]+:[0-9]+ at ([a-zA-Z0-9_.]+)"),
                        Part::Rip,
                        Part::Trace,
                    ],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"WARNING: [a-zA-Z0-9_./-]+:[0-9]+ at ([a-zA-Z0-9_.]+)",
                "WARNING in {FUNC}",
                Kind::Warning,
                Some(Stack {
                    parts: &[
                        Part::Line(r"WARNING: [a-zA-Z0-9_./-]+:[0-9]+ at ([a-zA-Z0-9_.]+)"),
                        Part::Rip,
                        Part::Trace,
                    ],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
        ],
        suppressions: &[
            r"WARNING: /etc/ssh/moduli does not exist",
            r"WARNING: workqueue cpumask: online intersect > possible intersect",
            r"WARNING: [Tt]he mand mount option",
            r"WARNING: Unsupported flag value",
            r"WARNING: Unprivileged eBPF is enabled",
            r"WARNING: See https://kernel\.org",
            r"WARNING: kernel not compiled with",
            r"USES DEPRECATED V2 CAPABILITIES",
            r"(?i)uses deprecated v2 capabilities",
            r"WARNING: fbcon: Driver '.*' missed to adjust virtual screen size",
            r"XFS \(.*\): WARNING",
            // Boot-time notices of arch/x86/kernel (cpu/bugs.c mitigations, cpu/mtrr/cleanup.c,
            // apic/io_apic.c, unwind_orc.c's table check, process.c `select_idle_routine`):
            // messages, never a report.
            r"WARNING: BIOS bug",
            r"WARNING: bogus zero IO-APIC",
            r"WARNING: (?:Spectre|BTB untrained|LFENCE mitigation|IBRS mitigation|ITS mitigation|CPU does not support)",
            r"WARNING: (?:Bad or missing|Corrupt) \.orc_unwind table",
            r"WARNING: polling idle and HT enabled",
        ],
    },
    Oops {
        literal: "INFO:",
        kind: Kind::Other,
        formats: &[
            fmt(
                r"INFO: (?:HARD|SOFT)IRQ-(?:READ-)?safe -> (?:HARD|SOFT)IRQ-(?:READ-)?unsafe lock order detected",
                "possible deadlock in {FUNC}",
                Kind::Lockdep,
                Some(IRQ_SAFE_DEADLOCK),
            ),
            fmt(
                r"INFO: (?:possible circular locking dependency detected|possible recursive locking detected|possible irq lock inversion dependency detected)",
                "possible deadlock in {FUNC}",
                Kind::Lockdep,
                Some(DEADLOCK),
            ),
            // kernel/locking/lockdep.c `print_circular_bug_header`: the header, then the
            // lock being acquired `at:` its caller. Cut before that line, the report names no
            // function (syzkaller's corrupted format).
            cut_before_func(
                r"INFO: possible circular locking dependency detected",
                "WARNING: possible circular locking dependency detected",
                Kind::Lockdep,
                "the report stops before the locks it names",
            ),
            fmt(
                r"INFO: inconsistent lock state",
                "inconsistent lock state in {FUNC}",
                Kind::Lockdep,
                Some(Stack {
                    parts: &[
                        Part::Line(r"inconsistent .* usage"),
                        // kernel/locking/lockdep.c `print_usage_bug`: the lock the task
                        // `takes:` and the `state was registered at:` trace are history; the
                        // report's own trace is the final `stack backtrace:`. Cut before it,
                        // the lock's `at:` function names it.
                        Part::Anchor(r"Call (?:T|t)race"),
                        Part::Trace,
                    ],
                    skip: &[],
                    fallback: &[Part::Line(r"takes:"), Part::Line(AT_FUNC)],
                    pick: Pick::First,
                }),
            ),
            // RCU Tasks (`rcu_tasks_wait_gp`): the holdout tasks' traces follow, printed by
            // `sched_show_task`; the stalled work is found in them like in other stalls.
            fmt(
                r"INFO: rcu_tasks(?:_trace|_rude)? detected stalls? on tasks",
                "INFO: rcu detected stall in {FUNC}",
                Kind::RcuStall,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &[
                        "rcu",
                        "^schedule",
                        "^__schedule",
                        "context_switch",
                        "__switch_to",
                    ],
                    fallback: &[],
                    pick: Pick::Stall,
                }),
            ),
            fmt(
                r"INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stalls?",
                "INFO: rcu detected stall in {FUNC}",
                Kind::RcuStall,
                Some(Stack {
                    parts: &[
                        Part::Anchor(r"apic_timer_interrupt"),
                        Part::Rip,
                        Part::Trace,
                    ],
                    skip: &[
                        "apic_timer_interrupt",
                        "rcu",
                        "hrtimer",
                        "tick_",
                        "sched_clock",
                        "irq_exit",
                        "sysvec_",
                        "asm_sysvec",
                    ],
                    fallback: &[
                        Part::Anchor(r"apic_timer_interrupt|Exception stack|el1h_64_irq"),
                        Part::Trace,
                    ],
                    pick: Pick::Stall,
                }),
            ),
            fmt(
                r"INFO: task .* blocked (?:in I/O wait )?for more than [0-9]+ seconds",
                "INFO: task hung in {FUNC}",
                Kind::HungTask,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::HungTask,
                }),
            ),
            // A task name is any 15 bytes (`prctl(PR_SET_NAME)`), a newline included: the
            // header then goes on at the next line (`…:PID blocked for more than N seconds`).
            Format {
                header: r"INFO: task .{0,15}$",
                title: Some(
                    r"INFO: task .{0,15}\n.{0,15}:[0-9]+ blocked (?:in I/O wait )?for more than [0-9]+ seconds",
                ),
                fmt: "INFO: task hung in {FUNC}",
                kind: Kind::HungTask,
                stack: Some(Stack {
                    parts: &[Part::Trace],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::HungTask,
                }),
                no_stack_trace: false,
                incomplete: None,
                no_func: false,
            },
            fmt(
                r"INFO: task .* can't die for more than [0-9]+ seconds",
                "INFO: task can't die in {FUNC}",
                Kind::HungTask,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["^schedule", "^__schedule", "context_switch", "__switch_to"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"INFO: trying to register non-static key",
                "INFO: trying to register non-static key in {FUNC}",
                Kind::Lockdep,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["stack", "lock", "IRQ"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"INFO: suspicious RCU usage",
                "INFO: suspicious RCU usage in {FUNC}",
                Kind::Lockdep,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["rcu", "lockdep", "kmem", "slab"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            plain(
                r"INFO: (Allocated|Freed) in ([a-zA-Z0-9_.]+)\+0x[0-9a-f]+/0x[0-9a-f]+ (age=[0-9]+ cpu=[0-9]+ pid=[0-9]+)",
                "INFO: {1} in {2} {3}",
                Kind::Other,
            ),
            incomplete(
                r"INFO:\s*$",
                "INFO: corrupted",
                Kind::Other,
                "the header stops after its literal",
            ),
        ],
        suppressions: &[
            r"INFO: lockdep is turned off",
            r"INFO:[^ \t]",
            r"INFO: Stall ended before state dump start",
            r"INFO: NMI handler",
            r"_INFO::",
            r"[A-Z_]+_INFO:",
            r"INFO: recovery required on readonly filesystem",
        ],
    },
    // mm/slub.c `slab_bug`: `BUG %s (%s): %pV` (cache name, `print_tainted()`, reason), the
    // object and slab dumps, then `dump_stack()`. The literal is the taint part, present in
    // every such header since 2.6.
    Oops {
        literal: "(Not tainted): ",
        kind: Kind::Bug,
        formats: SLUB,
        suppressions: &[],
    },
    Oops {
        literal: "(Tainted: ",
        kind: Kind::Bug,
        formats: SLUB,
        suppressions: &[],
    },
    Oops {
        literal: "Unable to handle kernel",
        kind: Kind::PageFault,
        formats: &[
            // s390 `do_no_context`: `Unable to handle kernel pointer dereference in virtual
            // kernel address space` is its paging request on a kernel address.
            fmt(
                r"Unable to handle kernel pointer dereference in virtual",
                "BUG: unable to handle kernel paging request in {FUNC}",
                Kind::PageFault,
                Some(RIP_TRACE),
            ),
            fmt(
                r"Unable to handle kernel (paging request|NULL pointer dereference|access to user memory|execute from non-executable memory|write to read-only memory)",
                "BUG: unable to handle kernel {1} in {FUNC}",
                Kind::PageFault,
                Some(RIP_TRACE),
            ),
        ],
        suppressions: &[],
    },
    Oops {
        literal: "general protection fault",
        kind: Kind::GeneralProtection,
        formats: &[fmt(
            r"general protection fault",
            "general protection fault in {FUNC}",
            Kind::GeneralProtection,
            Some(RIP_TRACE),
        )],
        suppressions: &[r"general protection fault .* error:\d+ in "],
    },
    Oops {
        literal: "stack segment: ",
        kind: Kind::GeneralProtection,
        formats: &[fmt(
            r"stack segment: ",
            "stack segment fault in {FUNC}",
            Kind::GeneralProtection,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "Kernel panic",
        kind: Kind::Panic,
        formats: &[
            no_trace(
                r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: (?:[a-f0-9]+)?",
                "kernel panic: stack is corrupted in {FUNC}",
                Kind::StackOverflow,
                Some(Stack {
                    parts: &[
                        // `%pB` prints `fn+0x…/0x…`; kernels before it printed a bare
                        // address, which names no function (the trace does).
                        Part::Line(
                            r"Kernel stack is corrupted in: (?:[0-9a-f]+ )?([a-zA-Z0-9_.]+)\+0x",
                        ),
                        Part::Rip,
                        Part::Trace,
                    ],
                    skip: &["stack_chk"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"Kernel panic - not syncing: corrupted stack end detected inside scheduler",
                "kernel panic: corrupted stack end in {FUNC}",
                Kind::StackOverflow,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["schedule", "retint_kernel"],
                    fallback: &[],
                    pick: Pick::Stall,
                }),
            ),
            // kernel/sched/core.c `schedule_debug`: arm64's shadow call stack (SCS) overflowed.
            fmt(
                r"Kernel panic - not syncing: corrupted shadow stack detected inside scheduler",
                "kernel panic: corrupted shadow stack in {FUNC}",
                Kind::StackOverflow,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["schedule", "retint_kernel"],
                    fallback: &[],
                    pick: Pick::Stall,
                }),
            ),
            fmt(
                r"Kernel panic - not syncing: kernel stack overflow",
                "kernel stack overflow in {FUNC}",
                Kind::StackOverflow,
                Some(Stack {
                    parts: &[Part::Rip, Part::Trace],
                    skip: &[],
                    fallback: &[],
                    pick: Pick::Stall,
                }),
            ),
            // kernel/panic.c `__warn` → `check_panic_on_warn("kernel")` (`panic_on_warn set
            // ...`, with the `kernel: ` origin since 6.2): the panic of a WARN whose header
            // was lost. Its trace goes through `__warn` to the WARN site, which names it.
            fmt(
                r"Kernel panic - not syncing: (?:kernel: )?panic_on_warn set",
                "WARNING in {FUNC}",
                Kind::Warning,
                Some(RIP_TRACE),
            ),
            // arch/x86/kernel/cpu/mce/core.c `mce_panic(msg, …)`: "Fatal machine check",
            // "Fatal Machine check", "Machine check from unknown source", "Fatal local
            // machine check", "Timeout synchronizing machine check over CPUs", "Action
            // required: …"; 2.6's x86-64 `mce_panic` printed "Machine check".
            plain(
                r"Kernel panic - not syncing: ((?:Fatal |Uncorrected |Fatal local |Timeout synchronizing )?[Mm]achine check.*?|Action required:.*?)\s*$",
                "kernel panic: {1}",
                Kind::MachineCheck,
            ),
            plain(
                r"Kernel panic - not syncing: Attempted to kill init!",
                "kernel panic: Attempted to kill init!",
                Kind::Panic,
            ),
            plain(
                r"Kernel panic - not syncing: Couldn't open N_TTY ldisc",
                "kernel panic: Couldn't open N_TTY ldisc",
                Kind::Panic,
            ),
            // The panic that ends an oops, found with no oops before it: the oops was lost.
            incomplete(
                r"Kernel panic - not syncing: Fatal exception",
                "kernel panic: Fatal exception",
                Kind::Panic,
                "the panic ends an oops that is missing from the log",
            ),
            plain(
                r"Kernel panic - not syncing: (.*?)\s*$",
                "kernel panic: {1}",
                Kind::Panic,
            ),
        ],
        suppressions: &[],
    },
    Oops {
        literal: "PANIC: double fault",
        kind: Kind::DoubleFault,
        formats: &[fmt(
            r"PANIC: double fault",
            "PANIC: double fault in {FUNC}",
            Kind::DoubleFault,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "kernel BUG",
        kind: Kind::KernelBug,
        formats: &[
            fmt(
                r"kernel BUG at mm/usercopy\.c",
                "BUG: bad usercopy in {FUNC}",
                Kind::KernelBug,
                Some(Stack {
                    parts: &[Part::Rip, Part::Trace],
                    skip: &["usercopy", "__check"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"kernel BUG at lib/list_debug\.c",
                "BUG: corrupted list in {FUNC}",
                Kind::KernelBug,
                Some(Stack {
                    parts: &[Part::Rip, Part::Trace],
                    skip: &["list_"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"kernel BUG",
                "kernel BUG in {FUNC}",
                Kind::KernelBug,
                Some(RIP_TRACE),
            ),
        ],
        suppressions: &[],
    },
    // rust/kernel/lib.rs `panic`: `pr_emerg!("{}\n", info)` under the kernel crate's
    // `rust_kernel: ` prefix; core's `PanicInfo` prints (Rust 1.73 on) `panicked at
    // FILE:LINE:COL:` and the message on the next line. Then `BUG()` through
    // rust/helpers/bug.c `rust_helper_BUG`, whose `kernel BUG at` oops goes on with this
    // report and prints its trace. Titled by the message and the Rust function that panicked,
    // past the panic machinery (`rust_begin_unwind`, `core::panicking::*`).
    Oops {
        literal: "rust_kernel: panicked at",
        kind: Kind::KernelBug,
        formats: &[
            Format {
                header: r"rust_kernel: panicked at ",
                // The message, unless it is empty and the next line is `BUG()`'s own.
                title: Some(r"rust_kernel: panicked at [^\n]*\n *([^\n\-\[][^\n]*?) *(?:\n|$)"),
                fmt: "{1} in {FUNC}",
                kind: Kind::KernelBug,
                stack: Some(TRACE),
                no_stack_trace: false,
                incomplete: None,
                no_func: false,
            },
            fmt(
                r"rust_kernel: panicked at ",
                "Rust panic in {FUNC}",
                Kind::KernelBug,
                Some(TRACE),
            ),
        ],
        suppressions: &[],
    },
    Oops {
        literal: "Kernel BUG",
        kind: Kind::KernelBug,
        formats: &[fmt(
            r"Kernel BUG",
            "kernel BUG in {FUNC}",
            Kind::KernelBug,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "divide error:",
        kind: Kind::DivideError,
        formats: &[fmt(
            r"divide[ _]error:",
            "divide error in {FUNC}",
            Kind::DivideError,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "divide_error:",
        kind: Kind::DivideError,
        formats: &[fmt(
            r"divide_error:",
            "divide error in {FUNC}",
            Kind::DivideError,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "invalid opcode:",
        kind: Kind::InvalidOpcode,
        formats: &[fmt(
            r"invalid opcode:",
            "invalid opcode in {FUNC}",
            Kind::InvalidOpcode,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "int3:",
        kind: Kind::Other,
        formats: &[fmt(
            r"int3:",
            "int3 in {FUNC}",
            Kind::Other,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "UBSAN:",
        kind: Kind::Ubsan,
        formats: &[
            fmt(
                r"UBSAN: Undefined behaviour in",
                "UBSAN: undefined-behaviour in {FUNC}",
                Kind::Ubsan,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["ubsan", "overflow"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
            fmt(
                r"UBSAN: ([a-z\-]+) in",
                "UBSAN: {1} in {FUNC}",
                Kind::Ubsan,
                Some(Stack {
                    parts: &[Part::Trace],
                    skip: &["ubsan", "overflow"],
                    fallback: &[],
                    pick: Pick::First,
                }),
            ),
        ],
        suppressions: &[],
    },
    Oops {
        literal: "unregister_netdevice: waiting for",
        kind: Kind::Other,
        formats: &[plain(
            r"unregister_netdevice: waiting for (?:.*) to become free",
            "unregister_netdevice: waiting for DEV to become free",
            Kind::Other,
        )],
        suppressions: &[],
    },
    // x86 `print_mce`/`mce_panic`: `mce: [Hardware Error]: CPU 0: Machine Check Exception: 5
    // Bank 4: b200000000070f0f`, then `RIP !INEXACT! 10:<addr> {f+0x2/0x10}` (the symbol only
    // for kernel code). A hardware error: the function is where it surfaced, never "guilty"
    // of it, so no skip list applies and its absence is no corruption.
    Oops {
        literal: "Machine Check Exception:",
        kind: Kind::MachineCheck,
        formats: &[
            Format {
                header: r"Machine Check Exception:",
                title: Some(r"RIP(?: !INEXACT!)? [0-9a-f]+:<[0-9a-f]+> \{([a-zA-Z0-9_]+)[.+]"),
                fmt: "Machine Check Exception in {1}",
                kind: Kind::MachineCheck,
                stack: None,
                no_stack_trace: true,
                incomplete: None,
                no_func: false,
            },
            plain(
                r"Machine Check Exception:",
                "Machine Check Exception",
                Kind::MachineCheck,
            ),
        ],
        suppressions: &[],
    },
    // arch/x86/kernel/cpu/mce/core.c `__print_mce` without `MCG_STATUS_MCIP`: `CPU %d:
    // Machine Check: %Lx Bank %d: %016Lx`, a record of an error the CPU corrected or logged
    // without raising the exception; same RIP line.
    Oops {
        literal: "Machine Check: ",
        kind: Kind::MachineCheck,
        formats: &[
            Format {
                header: r"CPU [0-9]+: Machine Check: ",
                title: Some(r"RIP(?: !INEXACT!)? [0-9a-f]+:<[0-9a-f]+> \{([a-zA-Z0-9_]+)[.+]"),
                fmt: "Machine Check in {1}",
                kind: Kind::MachineCheck,
                stack: None,
                no_stack_trace: true,
                incomplete: None,
                no_func: false,
            },
            plain(
                r"CPU [0-9]+: Machine Check: ",
                "Machine Check",
                Kind::MachineCheck,
            ),
        ],
        suppressions: &[],
    },
    // arch/x86/kernel/cpu/mce/core.c `mce_notify_irq`: `pr_info(HW_ERR "Machine check events
    // logged\n")` (`mce: [Hardware Error]: …` since 4.x, `[Hardware Error]: …` in 3.x, bare
    // in 2.6): records went to the log rather than the console.
    Oops {
        literal: "Machine check events logged",
        kind: Kind::MachineCheck,
        formats: &[plain(
            r"Machine check events logged",
            "Machine check events logged",
            Kind::MachineCheck,
        )],
        suppressions: &[],
    },
    // The boot sequence: arch/x86/boot/compressed/misc.c (`Decompressing Linux...`,
    // `Booting the kernel.`) and init/main.c's `linux_banner` (`Linux version %s …`). At the
    // start of a line, after other output and with no crash before it, the machine rebooted
    // without a report (the scanner decides; see `Role::Boot`).
    Oops {
        literal: "Booting the kernel",
        kind: Kind::Other,
        formats: BOOT,
        suppressions: &[],
    },
    Oops {
        literal: "Linux version ",
        kind: Kind::Other,
        formats: BOOT,
        suppressions: &[],
    },
    Oops {
        literal: "Decompressing Linux",
        kind: Kind::Other,
        formats: BOOT,
        suppressions: &[],
    },
    // A userspace kernel in Go (gVisor) on the same console: the Go runtime's `fatal error:
    // %s` (runtime/panic.go `fatal`/`throw`, with the runtime's own messages), followed by
    // `runtime stack:` or goroutine dumps. Only at the start of a line; other programs'
    // `fatal error:` messages are not the runtime's.
    Oops {
        literal: "fatal error: ",
        kind: Kind::Other,
        formats: &[plain(
            r"^fatal error: (?:runtime|all goroutines are asleep|concurrent map|out of memory|stack overflow|unexpected signal|fault\s*$|sync: |found bad pointer|bad g |invalid pointer|unexpected return pc|morestack)",
            "go runtime error",
            Kind::Other,
        )],
        suppressions: &[],
    },
    Oops {
        literal: "Internal error:",
        kind: Kind::InternalError,
        formats: &[fmt(
            r"Internal error:",
            "Internal error in {FUNC}",
            Kind::InternalError,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "Unhandled fault:",
        kind: Kind::InternalError,
        formats: &[fmt(
            r"Unhandled fault:",
            "Unhandled fault in {FUNC}",
            Kind::InternalError,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        literal: "Alignment trap:",
        kind: Kind::InternalError,
        formats: &[fmt(
            r"Alignment trap:",
            "Alignment trap in {FUNC}",
            Kind::InternalError,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
    Oops {
        // Only the secure OS' panic is a report; its other chatter is not.
        literal: "trusty: panic",
        kind: Kind::Other,
        formats: &[
            plain(
                r"trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\):? (.*)",
                "trusty: ASSERT FAILED: {1}",
                Kind::Other,
            ),
            plain(
                r"trusty: panic \(.*?\): (.+)",
                "trusty: panic: {1}",
                Kind::Other,
            ),
        ],
        suppressions: &[],
    },
    Oops {
        literal: "VFS: Busy inodes after unmount",
        kind: Kind::Other,
        formats: &[plain(
            r"VFS: Busy inodes after unmount",
            "VFS: Busy inodes after unmount (use-after-free)",
            Kind::Other,
        )],
        suppressions: &[],
    },
    Oops {
        literal: "VFS: Close: file count is",
        kind: Kind::Other,
        formats: &[plain(
            r"VFS: Close: file count is (?:zero|0)",
            "VFS: Close: file count is zero (use-after-free)",
            Kind::Other,
        )],
        suppressions: &[],
    },
    Oops {
        literal: "SYZFAIL:",
        kind: Kind::Other,
        formats: &[plain(r"SYZFAIL: (.*?)\s*$", "SYZFAIL: {1}", Kind::Other)],
        suppressions: &[],
    },
    Oops {
        literal: "SYZFATAL:",
        kind: Kind::Other,
        formats: &[plain(r"SYZFATAL: (.*?)\s*$", "SYZFATAL: {1}", Kind::Other)],
        suppressions: &[],
    },
    Oops {
        literal: "hard LOCKUP",
        kind: Kind::HardLockup,
        formats: &[fmt(
            r"hard LOCKUP",
            "BUG: hard lockup in {FUNC}",
            Kind::HardLockup,
            Some(RIP_TRACE),
        )],
        suppressions: &[],
    },
];

/// syzkaller's dynamic title replacements (`pkg/report`): what varies between two reports
/// of one bug is masked in the title — executor names, addresses (`ADDR`), IPv4 addresses
/// (`IP`), source lines (`:LINE`), `+0x…/0x…` offsets, CPU numbers and remaining decimal
/// numbers (`NUM`); digits inside identifiers (`cfg80211`) stay.
pub(super) fn mask_title(title: &str) -> String {
    static RULES: std::sync::OnceLock<Vec<(regex::Regex, &'static str)>> =
        std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (r"syz-executor\.?[0-9]+((/|:)[0-9]+)?", "syz-executor"),
            (r"syzkaller[0-9]+((/|:)[0-9]+)?", "syzkaller"),
            (r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}", "${1}ADDR"),
            (
                r"([^a-zA-Z0-9])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}",
                "${1}IP",
            ),
            (r"(\.\w+)(:[0-9]+)+", "${1}:LINE"),
            (r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+", "${1}"),
            (r"CPU#[0-9]+", "CPU"),
            (r"(\W)(\d+)(\W|$)", "${1}NUM${3}"),
            (r"(\d+){7,}", "NUM"),
        ]
        .into_iter()
        .map(|(re, rep)| (compile(re), rep))
        .collect()
    });
    let mut res = title.to_owned();
    for (re, rep) in rules {
        // Matches may overlap (`0,1,2`); each pass masks more, and masking only shortens
        // digit runs, so this ends.
        for _ in 0..8 {
            let next = re.replace_all(&res, *rep);
            if next == res {
                break;
            }
            res = next.into_owned();
        }
    }
    res
}

/// Compiles a regex of the static table, its Perl classes read as ASCII
/// ([`crate::pattern::compile`]).
pub(super) fn compile(re: &str) -> Regex {
    crate::pattern::compile(re)
}
