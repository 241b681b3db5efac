//! Guilty-frame skip classes: the kinds of kernel functions that are called *by* the code at
//! fault and so never explain a report.
//!
//! A rule per helper name does not scale; the kernel's structure does. Reporting machinery,
//! exception entry, library helpers, locking, allocation, printing, debug objects and teardown
//! paths are all reached from the caller that misused them, so a title blames the first frame
//! outside every class. Each class is a list of unanchored regexes over a frame's base name
//! (suffixes such as `.isra.0` dropped); one table serves the title and any other user that
//! wants "the frame the title blames" ([`class_of`]).
//!
//! Syscall wrappers are no class: they are not skipped but reduced to the syscall they
//! implement (`__x64_sys_rmdir` → `sys_rmdir`, see `stack::syscall_name`).

use regex::{Regex, RegexSet};
use std::sync::OnceLock;

/// One kind of function that a title never blames.
pub struct SkipClass {
    /// Stable short name (`locking`, `allocation`, …), printed by the per-class counts.
    pub name: &'static str,
    /// Unanchored regexes over the function's base name.
    pub patterns: &'static [&'static str],
}

/// The classes, in the order they are tried (a name is reported under its first class).
pub static CLASSES: &[SkipClass] = &[
    // The report's own machinery: the sanitizers' runtimes, lib/dump_stack.c, kernel/panic.c
    // (`__warn`, `warn_slowpath_*`), lib/bug.c (`report_bug`), arch/*/kernel/traps.c and the
    // unwinders that print the trace.
    SkipClass {
        name: "reporting",
        patterns: &[
            "__sanitizer",
            "__asan",
            "kasan",
            "hwasan",
            "__msan",
            "kmsan",
            "kcsan",
            "check_memory_region",
            "check_heap_object",
            "check_object",
            "read_word_at_a_time",
            "(read|write)_once_.*nocheck",
            "print_address_description",
            "panic",
            "report_bug",
            "fixup_bug",
            "dump_stack",
            "show_stack",
            "dump_backtrace",
            "unwind_backtrace",
            "walk_stackframe",
            "^print_report$",
            "warn_slowpath",
            "warn_alloc",
            "warn_bogus",
            "__warn",
            "^warn_",
            "^ubsan",
            "^__ubsan",
            "^__sanitizer_cov",
            "^should_fail",
            "^fail_dump",
            "preempt_check",
            "^print_tainted",
            "^get_taint",
            "^check_panic_on_warn",
            "^handle_bad_stack",
            "^stack_trace_consume_entry",
            "^arch_stack_walk",
            // kernel/sched/core.c's task dumpers (sysrq-t's `show_state_filter`).
            "^sched_show_task$",
            "^show_state_filter$",
            // lib/nmi_backtrace.c and the arch hooks that raise the NMI
            // (arch/x86/kernel/apic/hw_nmi.c `arch_trigger_cpumask_backtrace`).
            "^nmi_cpu_backtrace",
            "^nmi_trigger_cpumask_backtrace$",
            "^arch_trigger_cpumask_backtrace$",
            "^nmi_raise_cpu_backtrace$",
            "^stack_trace_save",
            "bad_stack",
            "^perf_trace_",
            "fortify",
            "^skb_over_panic",
            "^skb_under_panic",
            "__might_fault",
            "^__might_sleep",
            "^___might_sleep",
            "^__might_resched",
            "^might_sleep",
            "^debug_smp_processor_id",
            // Filesystems' own assertion and error reporters (fs/xfs/xfs_message.c
            // `assfail`/`asswarn`, fs/btrfs `btrfs_assertfail`/`__btrfs_handle_fs_error`,
            // fs/ext4/super.c `__ext4_error*`, fs/f2fs `f2fs_bug_on` helpers): called by the
            // filesystem code that found the inconsistency.
            // A Rust panic (rust/kernel/lib.rs `panic`, exported as `rust_begin_unwind`)
            // prints the panic message and calls `BUG()` through rust/helpers.c
            // `rust_helper_BUG`; `core::panicking::*` (`panic_fmt`, `panic_bounds_check`,
            // `unwrap_failed`, …) is how the Rust code at fault got there. Names are matched
            // demangled.
            "^rust_helper_BUG$",
            // Newer compilers put it under the `__rustc` crate root.
            "^(?:__rustc::)?rust_begin_unwind$",
            "^core::panicking::",
            "^core::result::unwrap_failed$",
            "^core::option::expect_failed$",
            "^ass(?:fail|warn)$",
            "^btrfs_assertfail$",
            "^__btrfs_handle_fs_error$",
            "^__ext4_error",
            "^ext4_handle_error$",
            "^__ext4_std_error$",
        ],
    },
    // Exception and interrupt entry, arch/x86/entry, arch/arm64/kernel/entry-common.c,
    // arch/x86/mm/fault.c and arch/arm64/mm/fault.c: how the CPU got to the report, never why.
    SkipClass {
        name: "entry",
        patterns: &[
            "invalid_op",
            "fixup_exception",
            "do_error",
            "_trap$",
            "^do_trap",
            "^do_page_fault",
            "^__do_page_fault",
            "^exc_page_fault",
            "^asm_exc_page_fault",
            "^page_fault",
            "^do_user_addr_fault",
            "^do_kern_addr_fault",
            "^no_context",
            "^page_fault_oops",
            "^kernelmode_fixup_or_oops",
            "^handle_page_fault",
            "^do_general_protection",
            "^exc_general_protection",
            "^asm_exc_general_protection",
            "^general_protection",
            "^exc_invalid_op",
            "^asm_exc_invalid_op",
            "^handle_bug",
            "^do_int3",
            "^exc_int3",
            "^__die",
            "^die$",
            "^oops_",
            "^bug_handler",
            "^do_mem_abort",
            "^el1_",
            "^el1h_",
            "^__do_kernel_fault",
            "^do_translation_fault",
            "^do_bad_area",
            "^do_tag_check_fault",
            "^program_check_",
            "^ret_from_fork",
            "^entry_SYSCALL",
            "^do_syscall_",
            "^x64_sys_call",
            "^__x64_sys_call",
            "^__x86_indirect_thunk",
            "^trace_hardirqs",
            "^__local_bh_enable",
            "^local_bh_enable",
        ],
    },
    // lib/: string.c and its arch versions, usercopy, bitops, atomics, list_debug.c,
    // refcount.c, kref, rbtree.c, crc*, klist.c, xarray.c, rhashtable.c, MMIO accessors.
    SkipClass {
        name: "library",
        patterns: &[
            "memcpy",
            "memcmp",
            "memset",
            "memchr",
            "memmove",
            "memdup",
            "strcmp",
            "strncmp",
            "strnlen",
            "strlen",
            "strstr",
            "strnstr",
            "strncpy_from_user",
            "strchr",
            "strncpy",
            "strlcpy",
            "strscpy",
            "strcpy",
            "strcat",
            "strlcat",
            "strncat",
            "strsep",
            "^strrchr",
            "^strto",
            "^memparse",
            "copy_to_user",
            "copy_from_user",
            "copy_to_iter",
            "copy_from_iter",
            "copy_page_to_iter",
            "copy_page_from_iter",
            "^copy_folio_to_iter",
            "copy_user_",
            "^copyin",
            "^copyout",
            "put_user",
            "get_user",
            "^_*refcount_",
            "^_*kref_",
            "^ref_tracker",
            "^static_key_",
            "^__list_add",
            "^__list_del",
            "^list_add",
            "^list_del",
            "^_*list_(?:replace|move|splice)",
            "^rb_",
            "^__rb_",
            "^crc[0-9a-z_]*$",
            "^__crc[0-9a-z_]*$",
            "^klist_",
            "^xas_",
            "^rhashtable_lookup",
            "^(?:arch_|raw_)?atomic(?:64|_long)?_",
            "^_*(?:test_and_)?(?:set|clear|change|test)_bit",
            "^instrument_",
            "^__phys_addr",
            "^__virt_to_phys",
            "^_*raw_(?:read|write)[bwlq]$",
            "^logic_(?:in|out)[bwlq]?$",
            "^(?:read|write)[bwlq](?:_relaxed)?$",
            "^io(?:read|write)(?:8|16|32|64)",
            "^kernel_fpu_(?:begin|end)",
            "^fpu__",
            "^fpregs_",
            "^skb_put$",
            "^skb_push$",
            "^skb_pull$",
            "^__skb_put",
        ],
    },
    // kernel/locking/: spinlocks, rwlocks, mutexes, rwsems, rt-mutexes, lockdep, bit
    // spinlocks, and subsystems' lock wrappers (`lock_sock_nested`, `__task_rq_lock`).
    SkipClass {
        name: "locking",
        patterns: &[
            "print_unlock",
            "imbalance_bug",
            "lockdep",
            "bit_spin",
            "rcu_lock_acquire",
            "lock_release",
            "lock_class",
            "mark_lock",
            "(reacquire|mark)_held_locks",
            "spin_lock",
            "spin_trylock",
            "spin_unlock",
            "raw_read_lock",
            "raw_read_trylock",
            "raw_write_lock",
            "raw_write_trylock",
            "raw_read_unlock",
            "raw_write_unlock",
            "down_write",
            "down_read",
            "up_write",
            "up_read",
            "^mutex_lock",
            "^mutex_unlock",
            "^print_circular_bug",
            // lockdep's checks and reporters (kernel/locking/lockdep.c `valid_state` →
            // `print_usage_bug`, `check_deadlock` → `print_deadlock_bug`, …).
            "^print_[a-z_]+_bug$",
            "^valid_state$",
            "^mark_usage$",
            "^check_(?:deadlock|prevs_add|usage|chain_key)",
            "^check_noncircular",
            "^check_prev_add",
            "^validate_chain",
            "^__lock_acquire",
            "^lock_acquire",
            "^lock_sync",
            "^find_usage_",
            "^check_irq_usage",
            "^spin_dump",
            "^spin_bug",
            "^do_raw_spin",
            "^osq_lock",
            "^__mutex_lock",
            "^mutex_",
            "^__mutex_",
            "^down$",
            "^down_trylock",
            "^__down",
            "^up$",
            "dec_and_lock",
            "^debug_check_no_locks",
            "^folio_unlock$",
            "^unlock_page$",
            "^lock_timer_base",
            "(?:read|write)_(?:lock|trylock|unlock)",
            "^_*raw_spin",
            "raw_spin_rq",
            "_rq_lock$",
            "^rt_mutex_",
            "^rwsem_",
            "^__down_",
            "^osq_unlock",
            "owner_on_cpu",
            "seqprop_assert",
            "^(?:__)?(?:lock|release)_sock(?:_nested|_fast)?$",
        ],
    },
    // mm/slab_common.c, mm/slub.c, mm/page_alloc.c, mm/percpu.c, mm/util.c (`kstrdup`,
    // `kmemdup`), mm/filemap.c's allocating lookups and the allocation-profiling `_noprof`
    // wrappers: they allocate for their caller.
    SkipClass {
        name: "allocation",
        patterns: &[
            "^kfree$",
            "^kvfree",
            "^kzfree",
            "^kfree_sensitive",
            "^__kmalloc",
            "^kmalloc",
            "^krealloc",
            "^kvmalloc",
            "^kcalloc",
            "^kzalloc",
            "^kstrdup",
            "^kmemdup",
            "^__alloc_pages",
            "^alloc_pages",
            "^__alloc_frozen_pages",
            "^alloc_frozen_pages",
            "^kmalloc_order",
            "^_*kmalloc_large",
            "^__get_free_pages",
            "^_*kmem_cache_alloc",
            "^_*kmem_cache_free",
            "^do_read_cache_folio",
            "_noprof$",
            "^_*k?v?[mzc]alloc",
            "^post_alloc_hook",
            "^prep_new_page",
            "^get_page_from_freelist",
            "^_*set_page_owner",
            "^alloc_pages_",
            "^_*folio_alloc",
            "^filemap_alloc_folio",
            "^__filemap_get_folio",
            "^pagecache_get_page",
            "^find_or_create_page",
            "^grab_cache_page_write_begin",
            "^read_cache_page",
            "^allocate_slab",
            "^pcpu_",
            "^_*alloc_percpu",
            "^_*slab_",
            "^_*should_failslab",
        ],
    },
    // kernel/printk/, lib/vsprintf.c, lib/hexdump.c, drivers/base/core.c's `dev_*` printers.
    SkipClass {
        name: "printing",
        patterns: &[
            "printk",
            "^string$",
            "^hex_string$",
            "^vsnprintf",
            "^sprintf",
            "^snprintf",
            "^scnprintf",
            "^vscnprintf",
            "^kvasprintf",
            "^kasprintf",
            "^pointer$",
            "^number$",
            "^format_decode",
            "^va_format",
            "^_?_?dev_(?:info|err|warn|notice|printk|emerg|crit|alert|dbg)",
            "^print_hex_dump",
            "^hex_dump_to_buffer",
        ],
    },
    // lib/debugobjects.c and the objects it tracks for its callers (timers, work items).
    SkipClass {
        name: "debug-object",
        patterns: &[
            "debug_object",
            "timer_is_static_object",
            "work_is_static_object",
        ],
    },
    // Teardown and deferred-work plumbing: kobject/device release (lib/kobject.c,
    // drivers/base/core.c), workqueue flush and cancel (kernel/workqueue.c), timer deletion
    // (kernel/time/timer.c), VFS puts (fs/dcache.c, fs/file_table.c), netdev and USB core
    // unregistration. They warn about the object their caller gave up.
    SkipClass {
        name: "teardown",
        patterns: &[
            "^__queue_work",
            "^queue_work",
            "^__wake_up",
            "^kobject_put",
            "^kobject_get",
            "^kobject_del",
            "^kobject_release",
            "^usb_kill_urb",
            "^usb_submit_urb",
            "^kthread_stop",
            "^__flush_work",
            "^flush_work",
            "^__cancel_work",
            "^del_timer",
            "^sysfs_remove",
            "^device_del",
            "^try_to_grab_pending",
            "^drain_workqueue",
            "^device_unregister",
            "^try_to_del_timer",
            "^wait_for_completion",
            "^cancel_work",
            "^cancel_delayed_work",
            "^usb_start_wait_urb",
            "^usb_bulk_msg",
            "^usb_control_msg",
            "^usb_interrupt_msg",
            "^insert_work",
            "^__queue_delayed_work",
            "^queue_delayed_work",
            "^put_device$",
            "^__mod_timer",
            "^mod_timer",
            "^__try_to_del_timer",
            "^timer_delete",
            "^rollback_registered",
            "^unregister_netdev",
            "^dpm_sysfs_remove",
            "^i2c_del_adapter",
            "^_*kobject_",
            "^device_add$",
            "^device_release$",
            "^add_uevent_var",
            "^devres_release_all",
            "^ida_free",
            "^cleanup_srcu_struct",
            "^fast_dput",
            "^dput$",
            "^mark_buffer_dirty",
            "^hwrng_unregister",
            "^get_device_parent",
            "^__timer_delete",
            "^(?:iput|fput|mntput|path_put)$",
            "^device_destroy$",
            "^device_for_each_child",
            "^__unregister_client",
            "^unregister_netdevice",
            "^_*flush_workqueue",
            "^destroy_workqueue",
            "^finish_wait$",
            "^usb_(?:free_urb|put_dev|put_intf|unanchor_urb|kill_anchored_urbs|poison_urb)$",
            "^sk_stop_timer",
            // kernel/sched/completion.c: `complete()` wakes whoever waits.
            "^complete(?:_all)?$",
            "^try_wait_for_completion$",
            // fs/kernfs/dir.c removal under sysfs (fs/sysfs/dir.c, group.c).
            "^_*kernfs_remove",
            "^sysfs_remove_",
            "^kernfs_put$",
            // mm/page_alloc.c's free paths: they free what their caller gave up.
            "^_*free_pages(?:_ok|_prepare)?$",
            "^free_unref_page",
            "^free_the_page$",
            "^__folio_put$",
            "^folio_put$",
            "^put_page$",
        ],
    },
];

fn set() -> &'static (RegexSet, Vec<usize>) {
    static SET: OnceLock<(RegexSet, Vec<usize>)> = OnceLock::new();
    SET.get_or_init(|| {
        let mut owner = Vec::new();
        let mut patterns = Vec::new();
        for (idx, class) in CLASSES.iter().enumerate() {
            for pattern in class.patterns {
                patterns.push(*pattern);
                owner.push(idx);
            }
        }
        let set = RegexSet::new(&patterns)
            .unwrap_or_else(|err| panic!("bad pattern in the skip classes: {err}"));
        (set, owner)
    })
}

/// One regex of every class, for the fast path.
pub(super) fn any() -> &'static Regex {
    static ANY: OnceLock<Regex> = OnceLock::new();
    ANY.get_or_init(|| {
        let all: Vec<&str> = CLASSES
            .iter()
            .flat_map(|c| c.patterns.iter().copied())
            .collect();
        super::headers::compile(&all.join("|"))
    })
}

/// The class a function belongs to, if any (the first class in table order).
pub fn class_of(name: &str) -> Option<&'static str> {
    let (set, owner) = set();
    let first = set.matches(name).iter().next()?;
    owner
        .get(first)
        .and_then(|&idx| CLASSES.get(idx))
        .map(|c| c.name)
}

#[cfg(test)]
mod tests {
    use super::class_of;

    fn check(class: &str, names: &[&str]) {
        for name in names {
            assert_eq!(class_of(name), Some(class), "{name}");
        }
    }

    #[test]
    fn reporting_helpers() {
        check(
            "reporting",
            &[
                "dump_stack_lvl",
                "__warn",
                "kasan_report",
                "report_bug",
                "panic",
                "ubsan_epilogue",
                "sched_show_task",
                "show_state_filter",
                "nmi_cpu_backtrace",
                "nmi_trigger_cpumask_backtrace",
            ],
        );
    }

    #[test]
    fn entry_paths() {
        check(
            "entry",
            &[
                "exc_page_fault",
                "asm_exc_invalid_op",
                "do_syscall_64",
                "el1_abort",
                "entry_SYSCALL_64_after_hwframe",
            ],
        );
    }

    #[test]
    fn library_helpers_string_bitops_list_refcount_kref() {
        check(
            "library",
            &[
                "memcpy",
                "strscpy",
                "test_and_set_bit",
                "__list_del_entry_valid",
                "refcount_warn_saturate",
                "kref_put",
                "atomic_long_inc",
                "rb_erase",
            ],
        );
    }

    #[test]
    fn locking_primitives() {
        check(
            "locking",
            &[
                "_raw_spin_lock_irqsave",
                "mutex_lock_nested",
                "down_write",
                "lock_sock_nested",
                "__lock_acquire",
                "rwsem_down_read_slowpath",
            ],
        );
    }

    #[test]
    fn allocation_helpers() {
        check(
            "allocation",
            &[
                "__kmalloc",
                "kmem_cache_alloc_node",
                "kzalloc_noprof",
                "__alloc_pages",
                "kstrdup",
                "pcpu_alloc",
            ],
        );
    }

    #[test]
    fn printing_helpers() {
        check(
            "printing",
            &["vprintk_emit", "vsnprintf", "dev_warn", "print_hex_dump"],
        );
    }

    #[test]
    fn debug_object_helpers() {
        check(
            "debug-object",
            &[
                "debug_object_free",
                "debug_object_activate",
                "work_is_static_object",
            ],
        );
    }

    #[test]
    fn teardown_paths() {
        check(
            "teardown",
            &[
                "kobject_put",
                "device_del",
                "flush_workqueue",
                "del_timer_sync",
                "unregister_netdevice_many",
                "dput",
                "fput",
            ],
        );
    }

    #[test]
    fn code_at_fault_is_in_no_class() {
        for name in [
            "tcp_v4_rcv",
            "ext4_fill_super",
            "sys_rmdir",
            "__do_sys_bpf",
            "nfc_llcp_sock_release",
        ] {
            assert_eq!(class_of(name), None, "{name}");
        }
    }
}
