//! One minimal log per row of the Linux header table, each written from the printk format of
//! the kernel function it names (Linux 6.1 unless said otherwise; older forms say their
//! release), never taken from a log file. The rows with no log here are listed by
//! `rows_without_a_log_here`; each of those has its own test in `titles.rs`, named after its
//! source file.

use expect_test::{expect, Expect};
use legolog_parsers::titles::{origin, rows};
use legolog_parsers::{ParseConfig, Parser};
use std::collections::BTreeSet;

/// A trace under `dump_stack()`: the reporting helper, the function at fault, its caller.
const TRACE: &str = "Call Trace:
 <TASK>
 dump_stack_lvl+0x44/0x5c
 culprit+0x1/0x2
 caller+0x1/0x2
 do_syscall_64+0x5d/0xb0
 entry_SYSCALL_64_after_hwframe+0x6e/0xd8
 </TASK>
";

/// The crash PC of an oops in `culprit`, then the trace.
fn oops(header: &str) -> String {
    format!("{header}\nRIP: 0010:culprit+0x1/0x2\n{TRACE}")
}

/// A report whose header is followed by `dump_stack()`.
fn dumped(header: &str) -> String {
    format!("{header}\n{TRACE}")
}

/// `(kernel source file and function, log)` for each row.
fn cases() -> Vec<(&'static str, String)> {
    vec![
        // mm/kasan/report.c `print_error_description` (`BUG: KASAN: %s in %pS`) and
        // `print_report`'s access line (`%s of size %zu at addr %px by task %s/%d`); the
        // double-free form is `kasan_report_invalid_free`.
        ("mm/kasan/report.c kasan_report_invalid_free", dumped("BUG: KASAN: double-free in culprit+0x1/0x2\nFree of addr ffff888012345678 by task syz/1")),
        ("mm/kasan/report.c print_error_description (4.x, with the address)", dumped("BUG: KASAN: slab-out-of-bounds in culprit+0x1/0x2 at addr ffff880012345678")),
        ("mm/kasan/report.c (4.4, `on address`)", dumped("BUG: KASAN: use-after-free on address ffff880012345678\nRead of size 8 by task syz/1")),
        ("mm/kasan/report.c print_error_description, no access line", dumped("BUG: KASAN: wild-memory-access in culprit+0x1/0x2")),
        ("mm/kasan/report.c, the header cut after its type", "BUG: KASAN: slab-out-of-bounds\n".to_owned()),
        ("mm/kmsan/report.c kmsan_report (USB infoleak)", dumped("BUG: KMSAN: kernel-usb-infoleak in usb_submit_urb+0x1/0x2")),
        ("kernel/kcsan/report.c print_report (two stacks)", "BUG: KCSAN: data-race in culprit / caller\n\nwrite to 0xffff888012345678 of 4 bytes by task 1 on cpu 0:\n culprit+0x1/0x2\n".to_owned()),
        ("kernel/kcsan/report.c print_report (ASSERT_EXCLUSIVE_*)", "BUG: KCSAN: assert: race in culprit / caller\n".to_owned()),
        ("kernel/kcsan/report.c print_report (one stack)", dumped("BUG: KCSAN: data-race in culprit+0x1/0x2")),
        ("mm/kfence/report.c kfence_report_error", dumped("BUG: KFENCE: out-of-bounds read in culprit+0x1/0x2\n\nOut-of-bounds read at 0xffff888012345678 (1B left of kfence-#1):")),
        ("arch/x86/mm/fault.c show_fault_oops (paging request)", oops("BUG: unable to handle page fault for address: ffffc90000000000")),
        ("arch/x86/mm/fault.c show_fault_oops (NULL pointer)", oops("BUG: kernel NULL pointer dereference, address: 0000000000000000")),
        ("kernel/locking/lockdep.c debug_show_held_locks (`BUG:` before 4.x)", "BUG: syz/1 still has locks held!\n1 lock held by syz/1:\n #0: ffff8880 (&m){+.+.}-{3:3}, at: culprit+0x1/0x2\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c lockdep_sys_exit (`BUG:` before 4.x)", "BUG: lock held when returning to user space!\nsyz/1 is leaving the kernel with locks still held!\n1 lock held by syz/1:\n #0: ffff8880 (&m){+.+.}-{3:3}, at: culprit+0x1/0x2\n".to_owned()),
        ("kernel/locking/lockdep.c print_unlock_imbalance_bug (`BUG:` before 4.x)", "BUG: bad unlock balance detected!\nsyz/1 is trying to release lock (&m) at:\n[<ffffffff81234567>] culprit+0x1/0x2\nbut there are no more locks to release!\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c print_freed_lock_bug (`BUG:` before 4.x)", "BUG: held lock freed!\nsyz/1 is freeing memory ffff8880-ffff8890, with a lock still held there!\n (&m){+.+.}-{3:3}, at: culprit+0x1/0x2\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c print_lock_invalid_wait_context", "[ BUG: Invalid wait context ]\nsyz/1 is trying to lock:\nffff8880 (&m){+.+.}-{3:3}, at: culprit+0x1/0x2\n".to_owned() + TRACE),
        ("fs/dcache.c umount_check", "BUG: Dentry ffff8880{i=1,n=f}  still in use (1) [unmount of ext4 sda]\n".to_owned() + TRACE),
        ("kernel/fork.c check_mm (rss counters)", "BUG: Bad rss-counter state mm:ffff8880 type:MM_ANONPAGES val:1\n".to_owned()),
        ("kernel/fork.c check_mm (4.x page-table count)", "BUG: non-zero nr_ptes on freeing mm: 1\n".to_owned()),
        ("kernel/fork.c check_mm (page-table bytes)", "BUG: non-zero pgtables_bytes on freeing mm: 4096\n".to_owned()),
        ("mm/page_alloc.c bad_page", dumped("BUG: Bad page state in process syz  pfn:12345\npage:ffffea0000000000 refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x12345")),
        ("mm/memory.c print_bad_pte", dumped("BUG: Bad page map in process syz  pte:8000000012345067 pmd:12345067")),
        ("mm/filemap.c page_cache_delete", dumped("BUG: Bad page cache in process syz  pfn:12345")),
        ("kernel/workqueue.c wq_watchdog_timer_fn", "BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 33s!\n".to_owned()),
        ("kernel/sched/core.c __might_resched", "BUG: sleeping function called from invalid context at mm/slab.h:1\nin_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: syz\n".to_owned() + "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n __might_resched+0x1/0x2\n kmem_cache_alloc+0x1/0x2\n culprit+0x1/0x2\n </TASK>\n"),
        ("lib/smp_processor_id.c check_preemption_disabled (`__this_cpu_*`)", "BUG: using __this_cpu_read() in preemptible [00000000] code: syz/1\ncaller is culprit+0x1/0x2\n".to_owned() + "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n check_preemption_disabled+0x1/0x2\n culprit+0x1/0x2\n </TASK>\n"),
        ("lib/smp_processor_id.c check_preemption_disabled", "BUG: using smp_processor_id() in preemptible [00000000] code: syz/1\ncaller is culprit+0x1/0x2\n".to_owned() + "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n check_preemption_disabled+0x1/0x2\n culprit+0x1/0x2\n </TASK>\n"),
        ("kernel/workqueue.c process_one_work", "BUG: workqueue leaked lock or atomic: kworker/0:1/0x00000000/17\n     last function: culprit\n".to_owned() + TRACE),
        ("mm/kmemleak.c print_unreferenced", "BUG: memory leak\nunreferenced object 0xffff888012345678 (size 32):\n  comm \"syz\", pid 1, jiffies 4294937296 (age 12.340s)\n  backtrace:\n    [<ffffffff81234567>] kmem_cache_alloc+0x1/0x2\n    [<ffffffff81234568>] culprit+0x1/0x2\n    [<ffffffff81234569>] do_syscall_64+0x1/0x2\n".to_owned()),
        ("lib/list_debug.c (`BUG: corrupted list in` of CONFIG_DEBUG_LIST users before 4.x)", "BUG: corrupted list in culprit\n".to_owned()),
        ("kernel/locking/lockdep.c lockdep_register_key users", "BUG: key ffff888012345678 has not been registered!\n".to_owned()),
        ("kernel/locking/lockdep.c lockdep_rcu_suspicious", "WARNING: suspicious RCU usage\n6.1.0 Not tainted\n-----------------------------\ninclude/linux/rcupdate.h:1: suspicious rcu_dereference_check() usage!\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c lockdep_rcu_suspicious, another message inside its block", "WARNING: suspicious RCU usage\nsyz: other message\n6.1.0 Not tainted\n".to_owned() + TRACE),
        ("arch/x86/kernel/unwind_frame.c unwind_next_frame (bad frame pointer), alone", "WARNING: kernel stack frame pointer at ffffc90000000000 in syz:1 has bad value 0000000000000000\n".to_owned()),
        ("kernel/locking/lockdep.c print_unlock_imbalance_bug", "WARNING: bad unlock balance detected!\nsyz/1 is trying to release lock (&m) at:\n[<ffffffff81234567>] culprit+0x1/0x2\nbut there are no more locks to release!\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c print_freed_lock_bug", "WARNING: held lock freed!\nsyz/1 is freeing memory ffff8880-ffff8890, with a lock still held there!\nffff8880 (&m){+.+.}-{3:3}, at: culprit+0x1/0x2\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c lockdep_sys_exit", "WARNING: lock held when returning to user space!\nsyz/1 is leaving the kernel with locks still held!\n1 lock held by syz/1:\n #0: ffff8880 (&m){+.+.}-{3:3}, at: culprit+0x1/0x2\n".to_owned()),
        ("kernel/locking/lockdep.c debug_check_no_locks_held → print_held_locks_bug", "WARNING: syz/1 still has locks held!\n1 lock held by syz/1:\n #0: ffff8880 (&m){+.+.}-{3:3}, at: culprit+0x1/0x2\n".to_owned() + TRACE),
        ("mm/usercopy.c usercopy_warn", oops("WARNING: CPU: 0 PID: 1 at mm/usercopy.c:78 usercopy_warn+0x1/0x2")),
        ("lib/kobject.c kobject_add_internal", oops("WARNING: CPU: 0 PID: 1 at lib/kobject.c:1 kobject_add_internal+0x1/0x2")),
        ("fs/proc/generic.c proc_register", oops("WARNING: CPU: 0 PID: 1 at fs/proc/generic.c:1 proc_register+0x1/0x2")),
        ("kernel/locking/lockdep.c DEBUG_LOCKS_WARN_ON", oops("WARNING: CPU: 0 PID: 1 at kernel/locking/lockdep.c:1 __lock_acquire+0x1/0x2")),
        ("mm/vmalloc.c __vmalloc_node_range (zero size)", oops("WARNING: CPU: 0 PID: 1 at mm/vmalloc.c:1 __vmalloc_node_range+0x1/0x2")),
        ("drivers/usb/core/urb.c usb_submit_urb", oops("WARNING: CPU: 0 PID: 1 at drivers/usb/core/urb.c:1 usb_submit_urb+0x1/0x2")),
        ("kernel/panic.c __warn (6.x+ bracketed condition form)", "WARNING: [x == 0] kernel/foo.c:12 at culprit+0x1/0x2, CPU#0: syz/1\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c check_irq_usage (`INFO:` before 4.x)", "INFO: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected\nand this task is already holding:\n (&a){-.-.}, at: culprit+0x1/0x2\nwhich would create a new lock dependency:\n (&a){-.-.} -> (&b){+.+.}\nwhich became HARDIRQ-irq-safe at:\n  caller+0x1/0x2\n".to_owned()),
        ("kernel/locking/lockdep.c print_circular_bug_header (`INFO:` before 4.x)", "INFO: possible circular locking dependency detected\nsyz/1 is trying to acquire lock:\n (&a), at: culprit+0x1/0x2\nbut task is already holding lock:\n (&b), at: caller+0x1/0x2\n".to_owned() + TRACE),
        ("kernel/locking/lockdep.c print_circular_bug_header (`INFO:`, cut)", "INFO: possible circular locking dependency detected\n".to_owned()),
        ("kernel/locking/lockdep.c print_usage_bug (`INFO:` before 4.x)", "INFO: inconsistent lock state\ninconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage.\nsyz/1 takes:\n (&a){?.+.}, at: culprit+0x1/0x2\n".to_owned() + TRACE),
        ("kernel/hung_task.c check_hung_task", "INFO: task syz:1 blocked for more than 143 seconds.\n      Not tainted 6.1.0 #1\n\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\ntask:syz             state:D stack:0     pid:1     ppid:0      flags:0x00004000\nCall Trace:\n <TASK>\n __schedule+0x1/0x2\n schedule+0x1/0x2\n mutex_lock+0x1/0x2\n culprit+0x1/0x2\n </TASK>\n".to_owned()),
        ("kernel/hung_task.c (`can't die`, 2.6-era grsecurity and Android trees)", "INFO: task syz:1 can't die for more than 143 seconds.\n".to_owned() + "Call Trace:\n __schedule+0x1/0x2\n culprit+0x1/0x2\n"),
        ("kernel/locking/lockdep.c assign_lock_key", "INFO: trying to register non-static key.\nThe code is fine but needs lockdep annotation, or maybe\n".to_owned() + "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n register_lock_class+0x1/0x2\n __lock_acquire+0x1/0x2\n lock_acquire+0x1/0x2\n _raw_spin_lock+0x1/0x2\n culprit+0x1/0x2\n </TASK>\n"),
        ("kernel/locking/lockdep.c lockdep_rcu_suspicious (`INFO:` before 4.x)", "INFO: suspicious RCU usage.\n3.10.0 Not tainted\n-------------------------------\ninclude/linux/rcupdate.h:1 suspicious rcu_dereference_check() usage!\n".to_owned() + TRACE),
        ("mm/slub.c print_track (2.6-era, no report before it)", "INFO: Allocated in culprit+0x1/0x2 age=12 cpu=0 pid=1\n".to_owned()),
        ("mm/slub.c slab_bug (tainted)", "BUG kmalloc-64 (Tainted: G    B     ): Object already free\n".to_owned() + "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n free_debug_processing+0x1/0x2\n kfree+0x1/0x2\n culprit+0x1/0x2\n </TASK>\n"),
        ("arch/s390/mm/fault.c do_no_context (kernel address)", "Unable to handle kernel pointer dereference in virtual kernel address space\nKrnl PSW : 0704c00180000000 0000000000123456 (culprit+0x1/0x2)\nCall Trace:\n culprit+0x1/0x2\n caller+0x1/0x2\n".to_owned()),
        ("arch/arm64/mm/fault.c die_kernel_fault", "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000\npc : culprit+0x1/0x2\nlr : caller+0x1/0x2\nCall trace:\n culprit+0x1/0x2\n caller+0x1/0x2\n".to_owned()),
        ("arch/x86/kernel/traps.c exc_stack_segment (`do_error_trap`)", oops("stack segment: 0000 [#1] PREEMPT SMP KASAN")),
        ("kernel/sched/core.c schedule_debug", "Kernel panic - not syncing: corrupted stack end detected inside scheduler\n".to_owned() + "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n panic+0x1/0x2\n __schedule+0x1/0x2\n schedule+0x1/0x2\n culprit+0x1/0x2\n do_syscall_64+0x5d/0xb0\n </TASK>\n"),
        ("arch/x86/kernel/traps.c handle_stack_overflow's panic, its `BUG:` line lost", "Kernel panic - not syncing: kernel stack overflow\nRIP: 0010:culprit+0x1/0x2\n".to_owned() + TRACE),
        ("kernel/exit.c do_exit", "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009\n".to_owned()),
        ("arch/x86/kernel/dumpstack.c oops_end, the oops lost", "Kernel panic - not syncing: Fatal exception\n".to_owned()),
        ("kernel/panic.c panic", "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n".to_owned()),
        ("arch/x86/kernel/traps.c exc_double_fault", oops("PANIC: double fault, error_code: 0x0")),
        ("mm/usercopy.c usercopy_abort", oops("kernel BUG at mm/usercopy.c:99!")),
        ("arch/powerpc/kernel/traps.c die (`Kernel BUG`)", "Kernel BUG at culprit+0x1/0x2 [verbose debug info unavailable]\nNIP [c000000000123456] culprit+0x1/0x2\nLR [c000000000123457] caller+0x1/0x2\nCall Trace:\n[c000000000000000] [c000000000123457] caller+0x1/0x2\n".to_owned()),
        ("arch/x86/kernel/traps.c exc_divide_error", oops("divide error: 0000 [#1] PREEMPT SMP KASAN")),
        ("arch/x86/kernel/traps.c do_divide_error (2.6)", oops("divide_error: 0000 [#1] SMP")),
        ("arch/x86/kernel/traps.c handle_invalid_op", oops("invalid opcode: 0000 [#1] PREEMPT SMP KASAN")),
        ("arch/x86/kernel/traps.c do_int3", oops("int3: 0000 [#1] SMP")),
        ("lib/ubsan.c ubsan_prologue (before 5.x: `Undefined behaviour in %s:%d:%d`)", "UBSAN: Undefined behaviour in kernel/foo.c:1:2\nshift exponent 64 is too large\n".to_owned() + "Call Trace:\n dump_stack+0x1/0x2\n ubsan_epilogue+0x1/0x2\n __ubsan_handle_shift_out_of_bounds+0x1/0x2\n culprit+0x1/0x2\n"),
        ("lib/ubsan.c ubsan_prologue (`UBSAN: %s in %s:%d:%d`)", "UBSAN: shift-out-of-bounds in kernel/foo.c:1:2\nshift exponent 64 is too large\n".to_owned() + "Call Trace:\n <TASK>\n dump_stack_lvl+0x44/0x5c\n __ubsan_handle_shift_out_of_bounds+0x1/0x2\n culprit+0x1/0x2\n </TASK>\n"),
        ("net/core/dev.c netdev_wait_allrefs_any", "unregister_netdevice: waiting for lo to become free. Usage count = 2\n".to_owned()),
        ("arch/x86/kernel/cpu/mce/core.c __print_mce, no RIP line", "mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 4: b200000000070f0f\nmce: [Hardware Error]: TSC 0 \n".to_owned()),
        ("arch/x86/kernel/cpu/mce/core.c __print_mce without MCG_STATUS_MCIP, no RIP line", "mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: 9000004000010005\n".to_owned()),
        ("arch/arm64/kernel/traps.c die", "Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP\npc : culprit+0x1/0x2\nlr : caller+0x1/0x2\nCall trace:\n culprit+0x1/0x2\n caller+0x1/0x2\n".to_owned()),
        ("arch/arm/mm/fault.c do_DataAbort", "Unhandled fault: imprecise external abort (0x1406) at 0x00000000\nPC is at culprit+0x1/0x2\nLR is at caller+0x1/0x2\n".to_owned()),
        ("arch/arm/mm/alignment.c do_alignment", "Alignment trap: not handling instruction e1b00f9f at [<c0123456>]\nPC is at culprit+0x1/0x2\nLR is at caller+0x1/0x2\n".to_owned()),
        ("Trusty's secure OS panic (lib/debug: `ASSERT FAILED`)", "trusty: panic (0xffff0000): ASSERT FAILED at (lib/foo.c:12): x == 0\n".to_owned()),
        ("fs/super.c generic_shutdown_super", "VFS: Busy inodes after unmount of sda. Self-destruct in 5 seconds.  Have a nice day...\n".to_owned()),
        ("fs/open.c filp_close", "VFS: Close: file count is 0 (f_op=ext4_file_operations)\n".to_owned()),
        ("syzkaller's executor (`SYZFAIL:`)", "SYZFAIL: wrong response packet\n".to_owned()),
        ("syzkaller's executor (`SYZFATAL:`)", "SYZFATAL: executor failed 11 times\n".to_owned()),
        ("rust/kernel/lib.rs panic (6.12), an empty message", "rust_kernel: panicked at drivers/foo.rs:1:2:\n------------[ cut here ]------------\nkernel BUG at rust/helpers/bug.c:7!\nOops: invalid opcode: 0000 [#1] PREEMPT SMP\nRIP: 0010:rust_helper_BUG+0x8/0x10\nCall Trace:\n <TASK>\n _RNvCs1a2b3c_7___rustc17rust_begin_unwind+0x1/0x2\n _RNvNtCs1a2b3c_3foo3bar8do_thing+0x1/0x2\n </TASK>\n".to_owned()),
        ("kernel/watchdog_hld.c watchdog_overflow_callback", "NMI watchdog: Watchdog detected hard LOCKUP on cpu 0\nRIP: 0010:culprit+0x1/0x2\n".to_owned() + TRACE),
    ]
}

/// `source | row template | title | corruption` of each case, and the rows the cases reach.
fn titles() -> (String, BTreeSet<usize>) {
    let mut res = String::new();
    let mut reached = BTreeSet::new();
    let templates: Vec<_> = rows().map(|r| r.template).collect();
    for (source, log) in cases() {
        for report in Parser::new(log.as_bytes(), ParseConfig::standard()).flatten() {
            let origin = origin(&report);
            let template = origin.row.and_then(|row| templates.get(row)).copied();
            reached.extend(origin.row);
            let reason = report.corruption.map(|c| c.reason).unwrap_or_default();
            res.push_str(&format!(
                "{source}\n    {} | {} | {reason}\n",
                template.unwrap_or(&origin.family),
                report.title
            ));
        }
    }
    (res, reached)
}

fn check(actual: &str, expect: Expect) {
    expect.assert_eq(actual);
}

#[test]
fn each_row_titles_its_printk_format() {
    check(
        &titles().0,
        expect![[r#"
            mm/kasan/report.c kasan_report_invalid_free
                KASAN: invalid-free in {FUNC} | KASAN: invalid-free in culprit | 
            mm/kasan/report.c print_error_description (4.x, with the address)
                KASAN: {1} in {2} at addr {3} | KASAN: slab-out-of-bounds in culprit at addr ADDR | 
            mm/kasan/report.c (4.4, `on address`)
                KASAN: {1} {2} | KASAN: use-after-free Read | 
            mm/kasan/report.c print_error_description, no access line
                KASAN: {1} in {FUNC} | KASAN: wild-memory-access in culprit | 
            mm/kasan/report.c, the header cut after its type
                KASAN: {1} | KASAN: slab-out-of-bounds | no call trace
            mm/kmsan/report.c kmsan_report (USB infoleak)
                KMSAN: kernel-usb-infoleak in {FUNC} | KMSAN: kernel-usb-infoleak in culprit | 
            kernel/kcsan/report.c print_report (two stacks)
                KCSAN: data-race in {1} / {2} | KCSAN: data-race in culprit / caller | 
            kernel/kcsan/report.c print_report (ASSERT_EXCLUSIVE_*)
                KCSAN: assert: race in {1} | KCSAN: assert: race in culprit | no call trace
            kernel/kcsan/report.c print_report (one stack)
                KCSAN: {1} in {FUNC} | KCSAN: data-race in culprit | 
            mm/kfence/report.c kfence_report_error
                KFENCE: {1} in {FUNC} | KFENCE: out-of-bounds read in culprit | 
            arch/x86/mm/fault.c show_fault_oops (paging request)
                BUG: unable to handle kernel paging request in {FUNC} | BUG: unable to handle kernel paging request in culprit | 
            arch/x86/mm/fault.c show_fault_oops (NULL pointer)
                BUG: unable to handle kernel NULL pointer dereference in {FUNC} | BUG: unable to handle kernel NULL pointer dereference in culprit | 
            kernel/locking/lockdep.c debug_show_held_locks (`BUG:` before 4.x)
                BUG: still has locks held in {FUNC} | BUG: still has locks held in culprit | 
            kernel/locking/lockdep.c lockdep_sys_exit (`BUG:` before 4.x)
                BUG: lock held when returning to user space in {FUNC} | BUG: lock held when returning to user space in culprit | 
            kernel/locking/lockdep.c print_unlock_imbalance_bug (`BUG:` before 4.x)
                BUG: bad unlock balance in {FUNC} | BUG: bad unlock balance in culprit | 
            kernel/locking/lockdep.c print_freed_lock_bug (`BUG:` before 4.x)
                BUG: held lock freed in {FUNC} | BUG: held lock freed in culprit | 
            kernel/locking/lockdep.c print_lock_invalid_wait_context
                WARNING: locking bug in {FUNC} | WARNING: locking bug in culprit | 
            fs/dcache.c umount_check
                BUG: Dentry still in use in {1} | BUG: Dentry still in use in unmount | 
            kernel/fork.c check_mm (rss counters)
                BUG: Bad rss-counter state | BUG: Bad rss-counter state | 
            kernel/fork.c check_mm (4.x page-table count)
                BUG: non-zero nr_ptes on freeing mm | BUG: non-zero nr_ptes on freeing mm | 
            kernel/fork.c check_mm (page-table bytes)
                BUG: non-zero pgtables_bytes on freeing mm | BUG: non-zero pgtables_bytes on freeing mm | 
            mm/page_alloc.c bad_page
                BUG: Bad page state in {FUNC} | BUG: Bad page state in culprit | 
            mm/memory.c print_bad_pte
                BUG: Bad page map in {FUNC} | BUG: Bad page map in culprit | 
            mm/filemap.c page_cache_delete
                BUG: Bad page cache in {FUNC} | BUG: Bad page cache in culprit | 
            kernel/workqueue.c wq_watchdog_timer_fn
                BUG: workqueue lockup | BUG: workqueue lockup | 
            kernel/sched/core.c __might_resched
                BUG: sleeping function called from invalid context in {FUNC} | BUG: sleeping function called from invalid context in culprit | 
            lib/smp_processor_id.c check_preemption_disabled (`__this_cpu_*`)
                BUG: using __this_cpu_{1}() in preemptible code in {FUNC} | BUG: using __this_cpu_read() in preemptible code in culprit | 
            lib/smp_processor_id.c check_preemption_disabled
                BUG: using {1}() in preemptible code in {FUNC} | BUG: using smp_processor_id() in preemptible code in culprit | 
            kernel/workqueue.c process_one_work
                BUG: workqueue leaked lock or atomic in {FUNC} | BUG: workqueue leaked lock or atomic in culprit | 
            mm/kmemleak.c print_unreferenced
                memory leak in {FUNC} | memory leak in culprit | 
            lib/list_debug.c (`BUG: corrupted list in` of CONFIG_DEBUG_LIST users before 4.x)
                BUG: corrupted list in {1} | BUG: corrupted list in culprit | no call trace
            kernel/locking/lockdep.c lockdep_register_key users
                BUG: key has not been registered! | BUG: key has not been registered! | 
            kernel/locking/lockdep.c lockdep_rcu_suspicious
                WARNING: suspicious RCU usage in {FUNC} | WARNING: suspicious RCU usage in culprit | 
            kernel/locking/lockdep.c lockdep_rcu_suspicious, another message inside its block
                WARNING: suspicious RCU usage | WARNING: suspicious RCU usage | other messages are mixed into the report's header block
            arch/x86/kernel/unwind_frame.c unwind_next_frame (bad frame pointer), alone
                WARNING: kernel stack frame pointer has bad value | WARNING: kernel stack frame pointer has bad value | 
            kernel/locking/lockdep.c print_unlock_imbalance_bug
                WARNING: bad unlock balance in {FUNC} | WARNING: bad unlock balance in culprit | 
            kernel/locking/lockdep.c print_freed_lock_bug
                WARNING: held lock freed in {FUNC} | WARNING: held lock freed in culprit | 
            kernel/locking/lockdep.c lockdep_sys_exit
                WARNING: lock held when returning to user space in {FUNC} | WARNING: lock held when returning to user space in culprit | 
            kernel/locking/lockdep.c debug_check_no_locks_held → print_held_locks_bug
                WARNING: still has locks held in {FUNC} | WARNING: still has locks held in culprit | 
            mm/usercopy.c usercopy_warn
                WARNING: bad usercopy in {FUNC} | WARNING: bad usercopy in culprit | 
            lib/kobject.c kobject_add_internal
                WARNING: kobject bug in {FUNC} | WARNING: kobject bug in culprit | 
            fs/proc/generic.c proc_register
                WARNING: proc registration bug in {FUNC} | WARNING: proc registration bug in culprit | 
            kernel/locking/lockdep.c DEBUG_LOCKS_WARN_ON
                WARNING: locking bug in {FUNC} | WARNING: locking bug in culprit | 
            mm/vmalloc.c __vmalloc_node_range (zero size)
                WARNING: zero-size vmalloc in {FUNC} | WARNING: zero-size vmalloc in culprit | 
            drivers/usb/core/urb.c usb_submit_urb
                WARNING in {FUNC}/usb_submit_urb | WARNING in culprit/usb_submit_urb | 
            kernel/panic.c __warn (6.x+ bracketed condition form)
                WARNING in {FUNC} | WARNING in culprit | 
            kernel/locking/lockdep.c check_irq_usage (`INFO:` before 4.x)
                possible deadlock in {FUNC} | possible deadlock in caller | 
            kernel/locking/lockdep.c print_circular_bug_header (`INFO:` before 4.x)
                possible deadlock in {FUNC} | possible deadlock in culprit | 
            kernel/locking/lockdep.c print_circular_bug_header (`INFO:`, cut)
                WARNING: possible circular locking dependency detected | WARNING: possible circular locking dependency detected | the report stops before the locks it names
            kernel/locking/lockdep.c print_usage_bug (`INFO:` before 4.x)
                inconsistent lock state in {FUNC} | inconsistent lock state in culprit | 
            kernel/hung_task.c check_hung_task
                INFO: task hung in {FUNC} | INFO: task hung in culprit | 
            kernel/hung_task.c (`can't die`, 2.6-era grsecurity and Android trees)
                INFO: task can't die in {FUNC} | INFO: task can't die in culprit | 
            kernel/locking/lockdep.c assign_lock_key
                INFO: trying to register non-static key in {FUNC} | INFO: trying to register non-static key in culprit | 
            kernel/locking/lockdep.c lockdep_rcu_suspicious (`INFO:` before 4.x)
                INFO: suspicious RCU usage in {FUNC} | INFO: suspicious RCU usage in culprit | 
            mm/slub.c print_track (2.6-era, no report before it)
                INFO: {1} in {2} {3} | INFO: Allocated in culprit age=NUM cpu=NUM pid=NUM | 
            mm/slub.c slab_bug (tainted)
                SLUB: {1} in {FUNC} | SLUB: Object already free in culprit | 
            arch/s390/mm/fault.c do_no_context (kernel address)
                BUG: unable to handle kernel paging request in {FUNC} | BUG: unable to handle kernel paging request in culprit | 
            arch/arm64/mm/fault.c die_kernel_fault
                BUG: unable to handle kernel {1} in {FUNC} | BUG: unable to handle kernel NULL pointer dereference in culprit | 
            arch/x86/kernel/traps.c exc_stack_segment (`do_error_trap`)
                stack segment fault in {FUNC} | stack segment fault in culprit | 
            kernel/sched/core.c schedule_debug
                kernel panic: corrupted stack end in {FUNC} | kernel panic: corrupted stack end in culprit | 
            arch/x86/kernel/traps.c handle_stack_overflow's panic, its `BUG:` line lost
                kernel stack overflow in {FUNC} | kernel stack overflow in caller | 
            kernel/exit.c do_exit
                kernel panic: Attempted to kill init! | kernel panic: Attempted to kill init! | 
            arch/x86/kernel/dumpstack.c oops_end, the oops lost
                kernel panic: Fatal exception | kernel panic: Fatal exception | the panic ends an oops that is missing from the log
            kernel/panic.c panic
                kernel panic: {1} | kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM) | 
            arch/x86/kernel/traps.c exc_double_fault
                PANIC: double fault in {FUNC} | PANIC: double fault in culprit | 
            mm/usercopy.c usercopy_abort
                BUG: bad usercopy in {FUNC} | BUG: bad usercopy in culprit | 
            arch/powerpc/kernel/traps.c die (`Kernel BUG`)
                kernel BUG in {FUNC} | kernel BUG in culprit | 
            arch/x86/kernel/traps.c exc_divide_error
                divide error in {FUNC} | divide error in culprit | 
            arch/x86/kernel/traps.c do_divide_error (2.6)
                divide error in {FUNC} | divide error in culprit | 
            arch/x86/kernel/traps.c handle_invalid_op
                invalid opcode in {FUNC} | invalid opcode in culprit | 
            arch/x86/kernel/traps.c do_int3
                int3 in {FUNC} | int3 in culprit | 
            lib/ubsan.c ubsan_prologue (before 5.x: `Undefined behaviour in %s:%d:%d`)
                UBSAN: undefined-behaviour in {FUNC} | UBSAN: undefined-behaviour in culprit | 
            lib/ubsan.c ubsan_prologue (`UBSAN: %s in %s:%d:%d`)
                UBSAN: {1} in {FUNC} | UBSAN: shift-out-of-bounds in culprit | 
            net/core/dev.c netdev_wait_allrefs_any
                unregister_netdevice: waiting for DEV to become free | unregister_netdevice: waiting for DEV to become free | 
            arch/x86/kernel/cpu/mce/core.c __print_mce, no RIP line
                Machine Check Exception | Machine Check Exception | 
            arch/x86/kernel/cpu/mce/core.c __print_mce without MCG_STATUS_MCIP, no RIP line
                Machine Check | Machine Check | 
            arch/arm64/kernel/traps.c die
                Internal error in {FUNC} | Internal error in culprit | 
            arch/arm/mm/fault.c do_DataAbort
                Unhandled fault in {FUNC} | Unhandled fault in culprit | no call trace
            arch/arm/mm/alignment.c do_alignment
                Alignment trap in {FUNC} | Alignment trap in culprit | no call trace
            Trusty's secure OS panic (lib/debug: `ASSERT FAILED`)
                trusty: ASSERT FAILED: {1} | trusty: ASSERT FAILED: x == NUM | 
            fs/super.c generic_shutdown_super
                VFS: Busy inodes after unmount (use-after-free) | VFS: Busy inodes after unmount (use-after-free) | 
            fs/open.c filp_close
                VFS: Close: file count is zero (use-after-free) | VFS: Close: file count is zero (use-after-free) | 
            syzkaller's executor (`SYZFAIL:`)
                SYZFAIL: {1} | SYZFAIL: wrong response packet | 
            syzkaller's executor (`SYZFATAL:`)
                SYZFATAL: {1} | SYZFATAL: executor failed NUM times | 
            rust/kernel/lib.rs panic (6.12), an empty message
                Rust panic in {FUNC} | Rust panic in foo::bar::do_thing | 
            kernel/watchdog_hld.c watchdog_overflow_callback
                BUG: hard lockup in {FUNC} | BUG: hard lockup in culprit | 
        "#]],
    );
}

/// The rows this file has no log for: each has its own test in `titles.rs`, named after the
/// source file that prints it. A row added to the table shows up here until it has a test.
#[test]
fn rows_without_a_log_here() {
    let (_, reached) = titles();
    let all: Vec<_> = rows().collect();
    // Families that share their formats (mm/slub.c's two taint literals, the boot lines)
    // share their rows: one log reaches them all.
    let reached: BTreeSet<(&str, &str)> = reached
        .iter()
        .filter_map(|&idx| all.get(idx).map(|r| (r.header, r.template)))
        .collect();
    let mut res = String::new();
    for row in &all {
        if !reached.contains(&(row.header, row.template)) {
            res.push_str(&format!("{} | {}\n", row.literal, row.template));
        }
    }
    check(
        &res,
        expect![[r#"
            BUG: | KASAN: {1} {2} in {FUNC}
            BUG: | KMSAN: {1} in {FUNC}
            BUG: | BUG: {1} {2} in {FUNC}
            BUG: | BUG: soft lockup in {FUNC}
            BUG: | BUG: Bad page map
            BUG: | BUG: scheduling while atomic in {FUNC}
            BUG: | BUG: stack guard page was hit in {FUNC}
            BUG: | BUG: mempool element poison mismatch in {FUNC}
            BUG: | BUG: {1}!
            BUG: | BUG: looking up invalid subclass in {FUNC}
            BUG: | BUG: scheduling in a non-blocking section in {FUNC}
            BUG: | BUG: assuming {1} context in {FUNC}
            BUG: | BUG: arch topology borken
            BUG: | BUG: corrupted
            WARNING: | possible deadlock in {FUNC}
            WARNING: | possible deadlock in {FUNC}
            WARNING: | WARNING: possible circular locking dependency detected
            WARNING: | inconsistent lock state in {FUNC}
            WARNING: | WARNING: kernel stack regs has bad '{1}' value
            WARNING: | WARNING: chain_key collision in {FUNC}
            WARNING: | WARNING: bad contention in {FUNC}
            WARNING: | WARNING: nested lock was not taken in {FUNC}
            WARNING: | WARNING: ODEBUG bug in {FUNC}
            WARNING: | WARNING: refcount bug in {FUNC}
            WARNING: | WARNING: kmalloc bug in {FUNC}
            WARNING: | WARNING in {FUNC}
            WARNING: | WARNING in {FUNC}
            WARNING: | WARNING in {FUNC}
            INFO: | INFO: rcu detected stall in {FUNC}
            INFO: | INFO: rcu detected stall in {FUNC}
            INFO: | INFO: task hung in {FUNC}
            INFO: | INFO: corrupted
            general protection fault | general protection fault in {FUNC}
            Kernel panic | kernel panic: stack is corrupted in {FUNC}
            Kernel panic | kernel panic: corrupted shadow stack in {FUNC}
            Kernel panic | WARNING in {FUNC}
            Kernel panic | kernel panic: {1}
            Kernel panic | kernel panic: Couldn't open N_TTY ldisc
            kernel BUG | BUG: corrupted list in {FUNC}
            kernel BUG | kernel BUG in {FUNC}
            rust_kernel: panicked at | {1} in {FUNC}
            Machine Check Exception: | Machine Check Exception in {1}
            Machine Check:  | Machine Check in {1}
            Machine check events logged | Machine check events logged
            Booting the kernel | unexpected kernel reboot
            Linux version  | unexpected kernel reboot
            Decompressing Linux | unexpected kernel reboot
            fatal error:  | go runtime error
            trusty: panic | trusty: panic: {1}
        "#]],
    );
}
