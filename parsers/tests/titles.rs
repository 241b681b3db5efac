//! Title rules, one minimal log per rule: each follows a printk format or one of syzkaller's
//! published conventions (pkg/report/linux.go), never a particular log file.

use expect_test::{expect, Expect};
use legolog_parsers::{ParseConfig, Parser};

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

/// A general protection fault whose trace starts in `helper`, called from `caller`.
fn gpf_in(helper: &str) -> String {
    format!(
        "general protection fault: 0000 [#1] SMP KASAN
RIP: 0010:{helper}+0x10/0x20
Call Trace:
 {helper}+0x10/0x20
 caller_fn+0x1/0x2
 do_syscall_64+0x1/0x2
"
    )
}

#[test]
fn generic_helpers_are_skipped_by_family() {
    let mut res = String::new();
    for helper in [
        // bitops, atomics, refcount wrappers
        "atomic_long_inc",
        "arch_atomic64_add",
        "test_and_set_bit",
        "__clear_bit",
        "instrument_atomic_read_write",
        "refcount_dec_and_test",
        // lock primitives and subsystems' lock wrappers
        "_raw_spin_lock_irqsave",
        "__task_rq_lock",
        "reiserfs_write_lock",
        "rwsem_down_write_slowpath",
        "lock_sock_nested",
        "release_sock",
        "__seqprop_assert",
        // string, memory and I/O accessors
        "strrchr",
        "strtoul",
        "__raw_readb",
        "logic_inb",
        "ioread32",
        // device core, workqueue, USB core teardown
        "destroy_workqueue",
        "flush_workqueue",
        "device_destroy",
        "usb_free_urb",
        "sk_stop_timer_sync",
        // allocator hooks and page owner
        "post_alloc_hook",
        "__set_page_owner",
        "folio_alloc_noprof",
        "kvzalloc",
        "__slab_alloc",
        // printk and hex dumps
        "print_hex_dump",
        "_printk",
        // FPU helpers
        "kernel_fpu_begin_mask",
        "fpu__clear_user_states",
    ] {
        for report in Parser::new(gpf_in(helper).as_bytes(), ParseConfig::standard()).flatten() {
            res.push_str(&format!("{helper}: {}\n", report.title));
        }
    }
    expect![[r#"
        atomic_long_inc: general protection fault in caller_fn
        arch_atomic64_add: general protection fault in caller_fn
        test_and_set_bit: general protection fault in caller_fn
        __clear_bit: general protection fault in caller_fn
        instrument_atomic_read_write: general protection fault in caller_fn
        refcount_dec_and_test: general protection fault in caller_fn
        _raw_spin_lock_irqsave: general protection fault in caller_fn
        __task_rq_lock: general protection fault in caller_fn
        reiserfs_write_lock: general protection fault in caller_fn
        rwsem_down_write_slowpath: general protection fault in caller_fn
        lock_sock_nested: general protection fault in caller_fn
        release_sock: general protection fault in caller_fn
        __seqprop_assert: general protection fault in caller_fn
        strrchr: general protection fault in caller_fn
        strtoul: general protection fault in caller_fn
        __raw_readb: general protection fault in caller_fn
        logic_inb: general protection fault in caller_fn
        ioread32: general protection fault in caller_fn
        destroy_workqueue: general protection fault in caller_fn
        flush_workqueue: general protection fault in caller_fn
        device_destroy: general protection fault in caller_fn
        usb_free_urb: general protection fault in caller_fn
        sk_stop_timer_sync: general protection fault in caller_fn
        post_alloc_hook: general protection fault in caller_fn
        __set_page_owner: general protection fault in caller_fn
        folio_alloc_noprof: general protection fault in caller_fn
        kvzalloc: general protection fault in caller_fn
        __slab_alloc: general protection fault in caller_fn
        print_hex_dump: general protection fault in caller_fn
        _printk: general protection fault in caller_fn
        kernel_fpu_begin_mask: general protection fault in caller_fn
        fpu__clear_user_states: general protection fault in caller_fn
    "#]]
    .assert_eq(&res);
}

#[test]
fn ordinary_functions_are_not_skipped() {
    let mut res = String::new();
    for func in [
        "wake_up_new_task",
        "ns558_init",
        "bitmap_parse_user_fn",
        "inet_autobind",
        "reiserfs_readdir_inode",
        "ext4_fill_super",
    ] {
        for report in Parser::new(gpf_in(func).as_bytes(), ParseConfig::standard()).flatten() {
            res.push_str(&format!("{func}: {}\n", report.title));
        }
    }
    expect![[r#"
        wake_up_new_task: general protection fault in wake_up_new_task
        ns558_init: general protection fault in ns558_init
        bitmap_parse_user_fn: general protection fault in bitmap_parse_user_fn
        inet_autobind: general protection fault in inet_autobind
        reiserfs_readdir_inode: general protection fault in reiserfs_readdir_inode
        ext4_fill_super: general protection fault in ext4_fill_super
    "#]]
    .assert_eq(&res);
}

#[test]
fn scheduling_while_atomic_ignores_the_preemption_site() {
    check(
        r"BUG: scheduling while atomic: syz/8444/0x00000002
no locks held by syz/8444.
Preemption disabled at:
[<ffffffff812aa3e4>] kernel_fpu_begin_mask+0x64/0x260
Call Trace:
 dump_stack+0x141/0x1d7
 __schedule_bug.cold+0x10c/0x143
 __schedule+0x19df/0x23e0
 schedule+0xcf/0x270
 exit_to_user_mode_prepare+0x14d/0x290
",
        expect![[r#"
            scheduling-while-atomic | BUG: scheduling while atomic in exit_to_user_mode_prepare | 
        "#]],
    );
}
