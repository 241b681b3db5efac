//! The words the kernel prints around its reports, each list written once.
//!
//! Every part of the parser that asks "does a stack trace start here?", "does the report end
//! here?", "is this function one that only prints the report?" or "what is this function's
//! base name?" asks this module.

/// Section lines that open a call trace (`show_stack`/`dump_backtrace` of every
/// architecture). Each is also a header trigger: a trace nobody announced is a report.
pub(crate) const TRACE_OPENERS: &[&str] = &["Call Trace:", "Call trace:", "Backtrace:"];

/// Lines that open the other stacks a report prints (KASAN's and KMSAN's allocation and free
/// stacks; syzkaller's `stackStartRes`).
const OTHER_STACK_OPENERS: &[&str] =
    &["Allocated by task", "Freed by task", "Allocated:", "Freed:"];

/// The text after a call-trace opener, if `text` starts with one (leading spaces ignored).
pub(crate) fn trace_opener_rest(text: &str) -> Option<&str> {
    let text = text.trim_start();
    TRACE_OPENERS.iter().find_map(|o| text.strip_prefix(o))
}

/// Whether a stack of any kind starts on this line: a call trace or an allocation/free stack.
pub(crate) fn starts_stack(text: &str) -> bool {
    let text = text.trim_start();
    // `Call Trace` without its colon: syzkaller's rule, for traces cut or merged right there.
    text.starts_with("Call Trace")
        || text.starts_with("Call trace")
        || TRACE_OPENERS.iter().any(|o| text.starts_with(o))
        || OTHER_STACK_OPENERS.iter().any(|o| text.starts_with(o))
}

/// Whether a line announces a trace, in the loose sense used to count a report's traces:
/// every stack start plus lowercase `backtrace` lines (`stack backtrace:`, lockdep's
/// `… backtrace:`).
pub(crate) fn announces_trace(text: &str) -> bool {
    let trimmed = text.trim_start();
    starts_stack(text) || trimmed.starts_with("backtrace") || trimmed.contains(" backtrace:")
}

/// Lines that end a trace for good: `---[ end trace … ]---`, `---[ end Kernel panic …`.
pub(crate) fn is_end_marker(text: &str) -> bool {
    text.trim_start().starts_with("---[ end ")
}

/// The end marker after which nothing else belongs to the report.
pub(crate) fn is_final_marker(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("---[ end Kernel panic") || text.starts_with("---[ end Kernel Panic")
}

/// Frames where every trace bottoms out: a trace that stops here is complete.
pub(crate) fn is_trace_bottom(name: &str) -> bool {
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
        // arm and arm64 unwinders, printed as the first frames of every arm backtrace.
        "dump_backtrace",
        "unwind_backtrace",
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
    HELPERS.contains(&base_name(name))
}

/// A function's name without the suffixes the compiler appends to its clones and split
/// parts: `foo.isra.1`, `foo.constprop.0`, `foo.part.3`, `foo.cold`, `foo.cold.7`,
/// `foo.llvm.123`, `foo.lto_priv.0` (and chains of them) → `foo`. Other dotted names are
/// kept whole. The leading dot of powerpc64 ELFv1 text symbols (the entry points behind
/// function descriptors, `.eeh_dev_check_failure`) goes too.
///
/// ```
/// assert_eq!(legolog_parsers::base_name("foo.part.3.cold"), "foo");
/// assert_eq!(legolog_parsers::base_name(".foo.isra.1"), "foo");
/// assert_eq!(legolog_parsers::base_name("plain"), "plain");
/// ```
pub fn base_name(name: &str) -> &str {
    let name = name.strip_prefix('.').unwrap_or(name);
    const SUFFIXES: &[&str] = &["isra", "constprop", "part", "cold", "llvm", "lto_priv"];
    let mut offset = 0;
    for token in name.split('.') {
        if offset > 0 && SUFFIXES.contains(&token) {
            return name.get(..offset - 1).unwrap_or(name);
        }
        offset += token.len() + 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        assert_eq!(
            base_name("common_handle_p2m_miss.isra.1"),
            "common_handle_p2m_miss"
        );
        assert_eq!(base_name("__warn.constprop.1"), "__warn");
        assert_eq!(base_name("foo.part.3.cold"), "foo");
        assert_eq!(base_name("foo.cold"), "foo");
        assert_eq!(base_name("plain"), "plain");
        assert_eq!(base_name("a.b.isra.0"), "a.b");
        assert_eq!(base_name("x.isra"), "x");
        assert_eq!(base_name(".eeh_dev_check_failure"), "eeh_dev_check_failure");
    }

    #[test]
    fn stack_starts() {
        assert_eq!(trace_opener_rest(" Call Trace: x"), Some(" x"));
        assert!(starts_stack("Freed by task 12:"));
        assert!(!starts_stack("Stack:"));
        assert!(announces_trace("stack backtrace:"));
        assert!(!announces_trace("Modules linked in:"));
    }
}
