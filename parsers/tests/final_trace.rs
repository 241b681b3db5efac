//! Reports that print their own trace last (kernel/locking/lockdep.c, lib/ubsan.c,
//! kernel/sched/core.c `__might_resched`): the report's `frames` are that final trace, and
//! lockdep's dependency chain is kept apart, link by link.

use expect_test::{expect, Expect};
use legolog_parsers::{ParseConfig, Parser};
use std::fmt::Write;

fn names(frames: &[legolog_parsers::Frame]) -> String {
    frames
        .iter()
        .map(|f| f.symbol.as_ref().map_or("?", |s| s.name.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn check(log: &str, expect: Expect) {
    let mut res = String::new();
    for report in Parser::new(log.as_bytes(), ParseConfig::standard()).flatten() {
        writeln!(res, "{} | {}", report.kind, report.title).unwrap();
        writeln!(res, "  trace: {}", names(&report.frames)).unwrap();
        for link in &report.lock_chain {
            writeln!(
                res,
                "  #{} {}: {}",
                link.index,
                link.lock,
                names(&link.frames)
            )
            .unwrap();
        }
    }
    expect.assert_eq(&res);
}

/// kernel/locking/lockdep.c `print_circular_bug`: header, the two locks, the chain
/// (`print_circular_bug_entry`: `-> #%u`, the lock, its trace), the scenario, the held locks,
/// then `stack backtrace:` and `dump_stack()`.
#[test]
fn kernel_locking_lockdep_c_circular_dependency_keeps_its_chain_apart() {
    check(
        "======================================================
WARNING: possible circular locking dependency detected
6.1.0 #1 Not tainted
------------------------------------------------------
syz/123 is trying to acquire lock:
ffff888012345678 (&tty->ldisc_sem){++++}-{0:0}, at: tty_ldisc_ref_wait+0x22/0x80

but task is already holding lock:
ffff888087654321 (&buf->lock){+.+.}-{3:3}, at: tty_buffer_flush+0x60/0x220

which lock already depends on the new lock.


the existing dependency chain (in reverse order) is:

-> #1 (&buf->lock){+.+.}-{3:3}:
       __mutex_lock+0x1/0x2
       tty_buffer_flush+0x60/0x220
       tty_ldisc_flush+0x1/0x2

-> #0 (&tty->ldisc_sem){++++}-{0:0}:
       __lock_acquire+0x1/0x2
       lock_acquire+0x1/0x2
       tty_ldisc_ref_wait+0x22/0x80

other info that might help us debug this:

 Possible unsafe locking scenario:

       CPU0                    CPU1
       ----                    ----
  lock(&buf->lock);
                               lock(&tty->ldisc_sem);
                               lock(&buf->lock);
  lock(&tty->ldisc_sem);

 *** DEADLOCK ***

2 locks held by syz/123:
 #0: ffff888012345678 (&tty->legacy_mutex){+.+.}-{3:3}, at: tty_lock+0x1/0x2
 #1: ffff888087654321 (&buf->lock){+.+.}-{3:3}, at: tty_buffer_flush+0x60/0x220

stack backtrace:
CPU: 0 PID: 123 Comm: syz Not tainted 6.1.0 #1
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)
Call Trace:
 <TASK>
 dump_stack_lvl+0x1/0x2
 check_noncircular+0x1/0x2
 __lock_acquire+0x1/0x2
 lock_acquire+0x1/0x2
 tty_ldisc_ref_wait+0x22/0x80
 tty_buffer_flush+0x1/0x2
 tty_ioctl+0x1/0x2
 __x64_sys_ioctl+0x1/0x2
 do_syscall_64+0x1/0x2
 entry_SYSCALL_64_after_hwframe+0x1/0x2
 </TASK>
",
        expect![[r#"
            lockdep | possible deadlock in tty_ldisc_ref_wait
              trace: dump_stack_lvl check_noncircular __lock_acquire lock_acquire tty_ldisc_ref_wait tty_buffer_flush tty_ioctl __x64_sys_ioctl do_syscall_64 entry_SYSCALL_64_after_hwframe
              #1 (&buf->lock){+.+.}-{3:3}: __mutex_lock tty_buffer_flush tty_ldisc_flush
              #0 (&tty->ldisc_sem){++++}-{0:0}: __lock_acquire lock_acquire tty_ldisc_ref_wait
        "#]],
    );
}

/// kernel/sched/core.c `__might_resched`: `BUG: sleeping function called from invalid context
/// at %s:%d`, the context, `Preemption disabled at:` with one frame, then `dump_stack()`.
#[test]
fn kernel_sched_core_c_might_sleep_trace_is_the_dump_not_the_preemption_site() {
    check(
        "BUG: sleeping function called from invalid context at mm/slab.h:723
in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: swapper/0
preempt_count: 1, expected: 0
RCU nest depth: 0, expected: 0
1 lock held by swapper/0/1:
 #0: ffffffff82a0c6b8 (lock#2){+.+.}-{2:2}, at: init_thing+0x10/0x50
Preemption disabled at:
[<ffffffff81234567>] init_thing+0x10/0x50
CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x1/0x2
 __might_resched.cold+0x1/0x2
 kmem_cache_alloc_trace+0x1/0x2
 init_thing+0x20/0x50
 do_one_initcall+0x1/0x2
 kernel_init_freeable+0x1/0x2
 kernel_init+0x1/0x2
 ret_from_fork+0x1/0x2
 </TASK>
",
        expect![[r#"
            bug | BUG: sleeping function called from invalid context in init_thing
              trace: dump_stack_lvl __might_resched.cold kmem_cache_alloc_trace init_thing do_one_initcall kernel_init_freeable kernel_init ret_from_fork
        "#]],
    );
}

/// lib/ubsan.c `ubsan_prologue`/`ubsan_epilogue`: the `UBSAN:` header and its detail line,
/// then `dump_stack()`, closed by a line of `=`.
#[test]
fn lib_ubsan_c_report_keeps_its_whole_trace() {
    check(
        "================================================================================
UBSAN: array-index-out-of-bounds in drivers/foo/bar.c:123:45
index 5 is out of range for type 'u32 [4]'
CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)
Call Trace:
 <TASK>
 dump_stack_lvl+0x1/0x2
 __ubsan_handle_out_of_bounds+0x1/0x2
 bar_probe+0x1/0x2
 platform_probe+0x1/0x2
 really_probe+0x1/0x2
 driver_probe_device+0x1/0x2
 kernel_init+0x1/0x2
 ret_from_fork+0x1/0x2
 </TASK>
================================================================================
",
        expect![[r#"
            ubsan | UBSAN: array-index-out-of-bounds in bar_probe
              trace: dump_stack_lvl __ubsan_handle_out_of_bounds bar_probe platform_probe really_probe driver_probe_device kernel_init ret_from_fork
        "#]],
    );
}
