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

/// `kind | title | corruption` of each report of `log`, one per line.
fn titles_of(log: &str) -> String {
    let mut res = String::new();
    for report in Parser::new(log.as_bytes(), ParseConfig::standard()).flatten() {
        let reason = report.corruption.map(|c| c.reason).unwrap_or_default();
        res.push_str(&format!(
            "{} | {} | {}\n",
            report.kind, report.title, reason
        ));
    }
    res
}

/// `func: title` for a general protection fault in each function of `funcs`.
fn titles_of_gpf_in(funcs: &[&str]) -> String {
    let mut res = String::new();
    for func in funcs {
        for report in Parser::new(gpf_in(func).as_bytes(), ParseConfig::standard()).flatten() {
            res.push_str(&format!("{func}: {}\n", report.title));
        }
    }
    res
}

/// An RCU stall detected on the stalled CPU, up to the interrupted context's registers.
const SELF_DETECTED_STALL: &str = "rcu: INFO: rcu_preempt self-detected stall on CPU
Call Trace:
 <IRQ>
 rcu_sched_clock_irq+0x1/0x2
 sysvec_apic_timer_interrupt+0x98/0xb0
 </IRQ>
 <TASK>
 asm_sysvec_apic_timer_interrupt+0x12/0x20
";

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
    let res = titles_of_gpf_in(&[
        // bitops, atomics, refcount wrappers
        "atomic_long_inc",
        "arch_atomic64_add",
        "test_and_set_bit",
        "__clear_bit",
        "instrument_atomic_read_write",
        "refcount_dec_and_test",
        "__refcount_sub_and_test",
        "__kref_put",
        "iput",
        "fput",
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
        "__kmem_cache_alloc_node",
        "__kmem_cache_free",
        // printk and hex dumps
        "print_hex_dump",
        "_printk",
        // FPU helpers
        "kernel_fpu_begin_mask",
        "fpu__clear_user_states",
    ]);
    expect![[r#"
        atomic_long_inc: general protection fault in caller_fn
        arch_atomic64_add: general protection fault in caller_fn
        test_and_set_bit: general protection fault in caller_fn
        __clear_bit: general protection fault in caller_fn
        instrument_atomic_read_write: general protection fault in caller_fn
        refcount_dec_and_test: general protection fault in caller_fn
        __refcount_sub_and_test: general protection fault in caller_fn
        __kref_put: general protection fault in caller_fn
        iput: general protection fault in caller_fn
        fput: general protection fault in caller_fn
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
        __kmem_cache_alloc_node: general protection fault in caller_fn
        __kmem_cache_free: general protection fault in caller_fn
        print_hex_dump: general protection fault in caller_fn
        _printk: general protection fault in caller_fn
        kernel_fpu_begin_mask: general protection fault in caller_fn
        fpu__clear_user_states: general protection fault in caller_fn
    "#]]
    .assert_eq(&res);
}

#[test]
fn ordinary_functions_are_not_skipped() {
    let res = titles_of_gpf_in(&[
        "wake_up_new_task",
        "ns558_init",
        "bitmap_parse_user_fn",
        "inet_autobind",
        "reiserfs_readdir_inode",
        "ext4_fill_super",
    ]);
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

/// kernel/sched/core.c `__schedule_bug`: `BUG: scheduling while atomic: %s/%d/0x%08x`,
/// `Modules linked in:`, then `dump_stack()`. A sleep in atomic context reaches `schedule()`
/// through a sleeping helper (kernel/time/timer.c `msleep` → `schedule_timeout`); the title
/// names the code that slept, not the helper.
#[test]
fn kernel_sched_core_c_scheduling_while_atomic_names_who_slept() {
    check(
        r"BUG: scheduling while atomic: insmod/103/0x00000002
Modules linked in: foo(OE+)
CPU: 1 PID: 103 Comm: insmod Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
Call Trace:
 <TASK>
 dump_stack_lvl+0x44/0x5c
 __schedule_bug.cold+0x42/0x4e
 __schedule+0x804/0xa00
 schedule+0x5a/0xd0
 schedule_timeout+0x94/0x150
 msleep+0x29/0x40
 foo_reset_hw+0x16/0x37 [foo]
 foo_probe+0x38/0x100 [foo]
 </TASK>
",
        expect![[r#"
            scheduling-while-atomic | BUG: scheduling while atomic in foo_reset_hw | 
        "#]],
    );
}

/// kernel/watchdog.c `watchdog_timer_fn`: `BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]`,
/// then the interrupted registers and trace. A debugfs file's write reaches its handler
/// through fs/debugfs/file.c `full_proxy_write`, a dispatcher like `vfs_write`: the stall is
/// named after the handler it called, not after the proxy.
#[test]
fn kernel_watchdog_c_soft_lockup_through_a_debugfs_proxy() {
    check(
        r"watchdog: BUG: soft lockup - CPU#1 stuck for 13s! [sh:104]
Modules linked in: foo(OE)
CPU: 1 PID: 104 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
RIP: 0010:foo_spin+0xe/0x10 [foo]
Call Trace:
 <TASK>
 foo_debugfs_write+0x18/0x24 [foo]
 full_proxy_write+0x53/0x80
 vfs_write+0xc7/0x3f0
 ksys_write+0x6b/0xf0
 do_syscall_64+0x5d/0xb0
 entry_SYSCALL_64_after_hwframe+0x6e/0xd8
 </TASK>
",
        expect![[r#"
            soft-lockup | BUG: soft lockup in foo_debugfs_write | 
        "#]],
    );
}

#[test]
fn deadlock_through_an_irq_safe_lock_is_named_where_it_became_irq_safe() {
    check(
        r"WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected
syz/17509 [HC0[0]:SC0[0]:HE0:SE1] is trying to acquire:
ffff8880120b9168 (&new->fa_lock){.?.+}-{2:2}, at: kill_fasync+0x14b/0x460

and this task is already holding:
ffff88806a4a6028 (&client->buffer_lock){....}-{2:2}, at: evdev_pass_values+0xf6/0x970
which would create a new lock dependency:
 (&client->buffer_lock){....}-{2:2} -> (&new->fa_lock){.?.+}-{2:2}

but this new dependency connects a HARDIRQ-irq-safe lock:
 (&dev->event_lock){-.-.}-{2:2}

... which became HARDIRQ-irq-safe at:
  lock_acquire+0x29d/0x740
  _raw_spin_lock_irqsave+0x39/0x50
  input_event+0x7b/0xb0
  hidinput_report_event+0x1/0x2

to a HARDIRQ-irq-unsafe lock:
Call Trace:
 dump_stack+0x1/0x2
",
        expect![[r#"
            lockdep | possible deadlock in input_event | 
        "#]],
    );
}

#[test]
fn deadlock_on_a_work_item_is_named_after_the_flusher_not_the_workqueue_core() {
    check(
        r"WARNING: possible circular locking dependency detected
kworker/u8:2/43 is trying to acquire lock:
ffffc9000027fdf0 ((work_completion)(&peer->transmit_handshake_work)){+.+.}, at: process_one_work+0x8c0/0x17b0

but task is already holding lock:
ffff8880649b0d28 ((wq_completion)wg-kex-wireguard1#8){+.+.}, at: process_one_work+0x88b/0x17b0

the existing dependency chain (in reverse order) is:

-> #2 ((wq_completion)wg-kex-wireguard1#8){+.+.}:
       flush_workqueue+0x115/0x1520
       peer_remove_after_dead+0x16a/0x230
Call Trace:
 dump_stack+0x1/0x2
",
        expect![[r#"
            lockdep | possible deadlock in peer_remove_after_dead | 
        "#]],
    );
}

#[test]
fn a_stall_in_a_syscall_that_does_not_discriminate_is_named_after_the_syscall() {
    // sendmmsg, socket: the entry names the work; sendmsg, ioctl: the frame above does.
    check(
        &format!(
            "{SELF_DETECTED_STALL}RIP: 0010:copy_user_generic_unrolled+0x86/0xc0
 __copy_msghdr_from_user+0xa7/0x4e0
 ___sys_sendmsg+0xe8/0x190
 __sys_sendmmsg+0x1bf/0x4d0
 __x64_sys_sendmmsg+0x9d/0x100
 do_syscall_64+0x32/0x50
 entry_SYSCALL_64_after_hwframe+0x44/0xa9
"
        ),
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in sys_sendmmsg | 
        "#]],
    );
    check(
        r"BUG: soft lockup - CPU#0 stuck for 22s! [syz:4588]
RIP: 0010:change_mnt_propagation+0x1/0x2
Call Trace:
 umount_tree+0x1/0x2
 do_mount+0x1/0x2
 compat_SyS_mount+0x1/0x2
 do_fast_syscall_32+0x1/0x2
 entry_SYSENTER_compat+0x1/0x2
",
        expect![[r#"
            soft-lockup | BUG: soft lockup in mount | 
        "#]],
    );
}

#[test]
fn a_stall_in_a_netlink_handler_is_named_after_the_handler() {
    // netlink_unicast and the genetlink glue only carry the message; the handler loops.
    check(
        &format!(
            "{SELF_DETECTED_STALL}RIP: 0010:rcu_is_watching+0x2c/0x80
 rcu_read_lock_held+0x5a/0xb0
 netlink_lookup+0x641/0xa00
 netlink_unicast+0x248/0x750
 nf_tables_getgen+0x109/0x170
 nfnetlink_rcv_msg+0x1/0x2
 netlink_rcv_skb+0x1/0x2
"
        ),
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in nf_tables_getgen | 
        "#]],
    );
}

#[test]
fn a_lego_oops_without_its_bug_line_is_titled_by_its_function() {
    check(
        r"[  714.154729] Oops: 0010 [#1] SMP PROCESSOR
[  714.159189] CPU: 0 PID: 15 Comm: ib_mad_completi 4.0.0-lego+ #245
[  714.184106] RIP: 0010:[<ffffffff81058c97>]  [<ffffffff81058c97>] ib_mad_completion_handler.isra.3+0x2b7/0x860
[  714.192638] RSP: 0000:ffff88103e88fc80  EFLAGS: 00010046
[  714.394886] Call Trace:
[  714.441037] <TSK>
[  714.448890] [<ffffffff81020376>] kthread+0xf6/0x110
[  714.514335] <EOT>
",
        expect![[r#"
            page-fault | Oops: 0010 in ib_mad_completion_handler | 
        "#]],
    );
    check(
        r"[  714.154729] Oops: 0002 [#3] SMP MEMORY
[  714.159189] CPU: 0 PID: 15 Comm: ib_mad_completi 4.0.0-lego+ #245
",
        expect![[r#"
            page-fault | Oops: 0002 | 
        "#]],
    );
}

#[test]
fn compiler_suffixes_never_reach_a_title() {
    check(
        r"NMI backtrace for cpu 1
CPU: 1 PID: 0 Comm: swapper/1 Not tainted 6.1.0 #1
Call Trace:
 <IRQ>
 dump_stack_lvl+0x1/0x2
 nmi_cpu_backtrace.cold+0x1/0x2
 nmi_trigger_cpumask_backtrace+0x1/0x2
",
        expect![[r#"
            nmi-backtrace | NMI backtrace in nmi_cpu_backtrace | 
        "#]],
    );
    check(
        r"general protection fault: 0000 [#1] SMP KASAN
RIP: 0010:tcp_v4_rcv.part.12.llvm.8176262+0x1/0x2
Call Trace:
 ip_rcv+0x1/0x2
",
        expect![[r#"
            general-protection | general protection fault in tcp_v4_rcv | 
        "#]],
    );
}

#[test]
fn a_task_name_with_a_newline_continues_the_hung_task_header() {
    check(
        "INFO: task \u{fffd}\u{fffd}\n\u{fffd} x:18088 blocked for more than 143 seconds.
      Tainted: G             L      syzkaller #0
Call Trace:
 <TASK>
 __schedule+0x10e9/0x6820
 schedule+0xdd/0x390
 p9_fd_close+0x1/0x2
",
        expect![[r#"
            hung-task | INFO: task hung in p9_fd_close | 
        "#]],
    );
}

#[test]
fn an_address_printed_for_want_of_a_symbol_is_no_function() {
    // `%pS` of an address it cannot resolve prints `0x0`; the RIP names the function.
    check(
        r"WARNING: fs/ext4/xattr.c:1058 at 0x0, CPU#0: syz.0.17/5982
Modules linked in:
RIP: 0010:ext4_xattr_inode_update_ref+0x4dc/0x570
Call Trace:
 ext4_xattr_set_entry+0xabb/0x1e20
",
        expect![[r#"
            warning | WARNING in ext4_xattr_inode_update_ref | 
        "#]],
    );
    // Kernels before `%pB` printed the stack protector's return address bare.
    check(
        r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ffffffff8343632e
Call Trace:
 [<ffffffff81e162ed>] dump_stack+0xc1/0x124
 [<ffffffff8140d474>] panic+0x19e/0x38d
 [<ffffffff81132bc2>] __stack_chk_fail+0x22/0x30
 [<ffffffff8343632e>] ip6_xmit+0x18ae/0x1a00
",
        expect![[r#"
            stack-overflow | kernel panic: stack is corrupted in ip6_xmit | 
        "#]],
    );
}

#[test]
fn mangled_names_are_titled_demangled() {
    check(
        r"general protection fault: 0000 [#1] SMP KASAN
RIP: 0010:_Z8fakeNameiii+0x49a/0x1a10
Call Trace:
 caller_fn+0x1/0x2
",
        expect![[r#"
            general-protection | general protection fault in fakeName | 
        "#]],
    );
}

/// rust/kernel/lib.rs `panic` (6.1): `pr_emerg!("{}\n", info)`, then `BUG()` through
/// rust/helpers.c `rust_helper_BUG`. Rust code is mangled with `-Csymbol-mangling-version=v0`
/// (the top-level Makefile), and kallsyms prints the v0 names whole. The panic machinery is
/// passed over and the Rust function at fault is named demangled, without crate hashes.
#[test]
fn rust_kernel_lib_rs_panic_is_titled_by_the_demangled_v0_name() {
    check(
        r"panicked at 'index out of bounds: the len is 0 but the index is 1', samples/rust/rust_minimal.rs:24:17
------------[ cut here ]------------
kernel BUG at rust/helpers.c:26!
invalid opcode: 0000 [#1] PREEMPT SMP NOPTI
CPU: 0 PID: 97 Comm: insmod Not tainted 6.1.0 #1
RIP: 0010:rust_helper_BUG+0x5/0x10
Call Trace:
 <TASK>
 rust_begin_unwind+0x5b/0x60
 _RNvNtCsgEmfK2I1SDS_4core9panicking9panic_fmt+0x2e/0x30
 _RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check+0x3f/0x50
 _RNvXCsf1CQOQhWurB_12rust_minimalNtB2_11RustMinimalNtCs1EKtwoKEMO2_6kernel6Module4init+0x2e/0x40 [rust_minimal]
 init_module+0x11/0x80 [rust_minimal]
 do_one_initcall+0x44/0x1d0
 do_init_module+0x4c/0x1f0
 __do_sys_finit_module+0xb4/0x130
 do_syscall_64+0x38/0x90
 entry_SYSCALL_64_after_hwframe+0x63/0xcd
 </TASK>
",
        expect![[r#"
            kernel-bug | kernel BUG in <rust_minimal::RustMinimal as kernel::Module>::init | 
        "#]],
    );
    // A v0 name at the crash PC itself, and a legacy (`_ZN…17h<hash>E`) one.
    check(
        r"general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN
RIP: 0010:_RNvNtCs1EKtwoKEMO2_6kernel4file9file_read+0x49/0x1a0
Call Trace:
 _ZN6kernel4sync4Lock4lock17h0123456789abcdefE+0x1/0x2
",
        expect![[r#"
            general-protection | general protection fault in kernel::file::file_read | 
        "#]],
    );
}

#[test]
fn a_refcount_bug_blames_the_caller_of_the_put_wrapper() {
    check(
        r"WARNING: CPU: 0 PID: 4270 at lib/refcount.c:28 refcount_warn_saturate+0x1/0x2
RIP: 0010:refcount_warn_saturate+0x1/0x2
Call Trace:
 kfree_skb+0x313/0x3d0
 htc_connect_service.cold+0xa9/0x109
",
        expect![[r#"
            warning | WARNING: refcount bug in htc_connect_service | 
        "#]],
    );
}

#[test]
fn an_rcu_tasks_stall_is_an_rcu_stall_and_needs_reliable_frames() {
    check(
        r"INFO: rcu_tasks detected stalls on tasks:
ffff88802f594a80: .. nvcsw: 2/2 holdout: 1 idle_cpu: -1/1
task:syz.0.2297      state:R  running task     stack:24168 pid:14797 tgid:14796 ppid:5615
Call Trace:
 <TASK>
 ? __schedule+0x11d7/0x6730
 ? rcu_is_watching+0x12/0xc0
 ? prepare_to_wait_event+0xbe/0x720
 </TASK>
",
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in corrupted | no guilty frame in the report
        "#]],
    );
    check(
        r"INFO: rcu_tasks detected stalls on tasks:
task:syz.0.2297      state:R  running task     stack:24168 pid:14797 tgid:14796 ppid:5615
Call Trace:
 <TASK>
 __schedule+0x11d7/0x6730
 vhost_worker+0x1/0x2
 kthread+0x1/0x2
 </TASK>
",
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in vhost_worker | 
        "#]],
    );
}

#[test]
fn a_stall_with_a_complete_nmi_backtrace_is_not_corrupted() {
    check(
        r"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
rcu: 	1-...!: (1 GPs behind) idle=6d4c/1/0x4000000000000000 softirq=10101/10102 fqs=0
	(detected by 0, t=10502 jiffies, g=12345, q=678 ncpus=2)
Sending NMI from CPU 0 to CPUs 1:
NMI backtrace for cpu 1
CPU: 1 PID: 5000 Comm: syz-executor Not tainted 6.1.0 #1
RIP: 0010:hfsc_dequeue+0x10/0x40
RSP: 0018:ffffc90000a77d48 EFLAGS: 00000246
Call Trace:
 <TASK>
 __qdisc_run+0x1/0x2
 __dev_queue_xmit+0x1/0x2
 packet_sendmsg+0x1/0x2
 __sys_sendto+0x1/0x2
 __x64_sys_sendto+0x1/0x2
 do_syscall_64+0x1/0x2
 entry_SYSCALL_64_after_hwframe+0x1/0x2
 </TASK>
",
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in packet_sendmsg | 
        "#]],
    );
}

#[test]
fn only_trap_handlers_are_skipped_as_traps() {
    check(
        r"BUG: KASAN: out-of-bounds in stack_trace_consume_entry+0x141/0x160
Write of size 8 at addr ffffc90003e2f7a8 by task kworker/0:1/15335
Call Trace:
 dump_stack_lvl+0xd9/0x150
 kasan_report+0x11c/0x130
 stack_trace_consume_entry+0x141/0x160
 do_error_trap+0x1/0x2
 queue_delayed_work_on+0x109/0x120
 nsim_dev_trap_report_work+0x9d1/0xc80
 process_one_work+0x991/0x15c0
",
        expect![[r#"
            kasan | KASAN: out-of-bounds Write in nsim_dev_trap_report_work | 
        "#]],
    );
}

#[test]
fn uninit_values_through_the_crypto_api_blame_its_user() {
    check(
        r"BUG: KMSAN: uninit-value in aes_encrypt+0x15cc/0x1db0
 aes_encrypt+0x15cc/0x1db0
 aesti_encrypt+0x7d/0xf0
 crypto_ecb_encrypt+0x1e7/0x380
 crypto_skcipher_encrypt+0xe0/0x150
 xts_encrypt+0x3c4/0x540
 fscrypt_crypt_block+0x52c/0x900
 fscrypt_encrypt_pagecache_blocks+0x1/0x2
",
        expect![[r#"
            kmsan | KMSAN: uninit-value in fscrypt_crypt_block | 
        "#]],
    );
}

#[test]
fn a_trace_longer_than_the_excerpt_is_read_to_its_end() {
    let mut log = String::from(
        "BUG: TASK stack guard page was hit at ffffc90000b8ff78 (stack is ffffc90000b90000..ffffc90000b98000)\n\
         RIP: 0010:netdev_next_lower_dev_rcu+0x1/0x2\n\
         Call Trace:\n",
    );
    for _ in 0..150 {
        log.push_str(
            " bond_get_stats+0x1/0x2\n dev_get_stats+0x1/0x2\n notifier_call_chain+0x1/0x2\n",
        );
    }
    log.push_str(
        " rtnl_newlink+0x64/0xa0\n rtnetlink_rcv_msg+0x44e/0xb70\n netlink_rcv_skb+0x1/0x2\n",
    );
    check(
        &log,
        expect![[r#"
            stack-overflow | BUG: stack guard page was hit in rtnl_newlink | 
        "#]],
    );
}

#[test]
fn a_fault_injection_stack_mixed_into_a_report_hides_its_function() {
    // The WARNING's own frames would only come after the fault injection's.
    check(
        r"WARNING: CPU: 0 PID: 17813 at mm/slab_common.c:1012 kmalloc_slab+0x5d/0x70
 should_fail+0x914/0xae0
Kernel panic - not syncing: panic_on_warn set ...
Call Trace:
 should_failslab+0xec/0x120
 kmem_cache_alloc+0x47/0x760
 bfs_fill_super+0x1/0x2
",
        expect![[r#"
            warning | WARNING: kmalloc bug in corrupted | no guilty frame in the report
        "#]],
    );
    // The crash PC came first: the report named its function before the mixed-in stack.
    check(
        r"WARNING: CPU: 1 PID: 13426 at drivers/gpu/drm/vkms/vkms_crtc.c:21 vkms_vblank_simulate+0x209/0x210
RIP: 0010:vkms_vblank_simulate+0x209/0x210
Call Trace:
 __hrtimer_run_queues+0x1/0x2
 should_fail+0x231/0x240
 should_fail_usercopy+0x16/0x20
",
        expect![[r#"
            warning | WARNING in vkms_vblank_simulate | 
        "#]],
    );
    // `? should_fail` is a stale guess on the stack, not a stack dump of its own.
    check(
        r"general protection fault: 0000 [#1] SMP KASAN
RIP: 0010:memcpy+0x1/0x2
Call Trace:
 ? should_fail+0x1de/0x852
 tcp_sendmsg+0x1/0x2
",
        expect![[r#"
            general-protection | general protection fault in tcp_sendmsg | 
        "#]],
    );
}

#[test]
fn numbers_are_masked_where_syzkaller_masks_them() {
    check(
        r"Kernel panic - not syncing: Couldn't open N_TTY ldisc for ptm1 --- error -12.
trusty: panic (caller 0xffffffffe0002314): failed(-5) to start app 6
",
        expect![[r#"
            panic | kernel panic: Couldn't open N_TTY ldisc | 
            other | trusty: panic: failed(-NUM) to start app NUM | 
        "#]],
    );
    // Digits inside identifiers are part of the name.
    check(
        r"general protection fault: 0000 [#1] SMP KASAN
RIP: 0010:cfg80211_wext_siwscan+0x1/0x2
Call Trace:
 x25_connect+0x1/0x2
",
        expect![[r#"
            general-protection | general protection fault in cfg80211_wext_siwscan | 
        "#]],
    );
}

#[test]
fn a_stall_is_named_by_what_its_dispatcher_called() {
    // The idle loop dispatches the work it found pending.
    check(
        &format!(
            "{SELF_DETECTED_STALL}RIP: 0010:flush_smp_call_function_queue+0x1/0x2
 sched_ttwu_pending+0x1/0x2
 cpu_startup_entry+0x1/0x2
 start_secondary+0x1/0x2
"
        ),
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in sched_ttwu_pending | 
        "#]],
    );
    // Without any dispatcher the trace stops before the loop's caller: nothing to name.
    check(
        r"BUG: stack guard page was hit at 00000000397c6d92 (stack is 00000000a0f6b86a..000000000e6f9570)
kernel stack overflow (double-fault): 0000 [#1] PREEMPT SMP
RIP: 0010:__udp6_lib_lookup+0x1d/0x3f0
Call Trace:
 ? __udp6_lib_err+0xcb/0x640
 ? udplitev6_err+0x46/0x60
",
        expect![[r#"
            stack-overflow | BUG: stack guard page was hit in corrupted | no guilty frame in the report
        "#]],
    );
}

#[test]
fn arm64_bug_goes_on_with_its_internal_error() {
    check(
        r"kernel BUG at lib/list_debug.c:64!
Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP
Modules linked in:
pc : __list_del_entry_valid+0xcc/0xd0
lr : __list_del_entry_valid+0xcc/0xd0
Call trace:
 __list_del_entry_valid+0xcc/0xd0
 __kobject_del+0xa8/0x1f8
 kobject_put+0x94/0xf8
 nilfs_sysfs_delete_device_group+0x50/0x7c
",
        expect![[r#"
            kernel-bug | BUG: corrupted list in nilfs_sysfs_delete_device_group | 
        "#]],
    );
}

#[test]
fn an_arm_backtrace_is_not_titled_after_its_unwinder() {
    check(
        r"CPU1: stopping
CPU: 1 PID: 5080 Comm: syz-executor.0 Tainted: G      D           5.10.0-rc1+ #20
Hardware name: ARM-Versatile Express
Backtrace: 
[<825afeb4>] (dump_backtrace) from [<825b0128>] (show_stack+0x18/0x1c)
 r7:00000080 r6:60000193 r5:00000000 r4:83624124
[<825b0110>] (show_stack) from [<825c0af0>] (dump_stack+0xa8/0xc8)
[<825c0a48>] (dump_stack) from [<80111144>] (do_handle_IPI+0x420/0x44c)
[<80110d24>] (do_handle_IPI) from [<80111190>] (ipi_handler+0x20/0x28)
",
        expect![[r#"
            dump-stack | stack trace in do_handle_IPI | 
        "#]],
    );
}

// Report families by kernel source. Each log below is written from the printk format of the
// function the test name cites (Linux 6.1 unless said otherwise), not taken from a log file.

/// kernel/locking/lockdep.c `print_circular_bug_header`: cut before the `at:` line of the
/// lock being acquired, the report names no function.
#[test]
fn kernel_locking_lockdep_c_circular_dependency_cut_before_its_locks() {
    check(
        "======================================================
WARNING: possible circular locking dependency detected
6.1.0 #1 Not tainted
------------------------------------------------------
",
        expect![[r#"
            lockdep | WARNING: possible circular locking dependency detected | the report stops before the locks it names
        "#]],
    );
}

/// kernel/locking/lockdep.c `print_lock_nested_lock_not_held`: the report prints the nest
/// lock's name from the lock itself; a fault while printing it is the report's own end, and
/// its trace is the report's.
#[test]
fn kernel_locking_lockdep_c_nested_lock_report_that_faults_while_printing() {
    check(
        "WARNING: Nested lock was not taken
6.1.0 #1 Not tainted
----------------------------------
syz/3315 is trying to lock:
ffff0000c495a9d8 (&s->s_inode_list_lock){+.+.}-{2:2}, at: _atomic_dec_and_lock+0x90/0x334

but this task is not holding:
general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1] PREEMPT SMP KASAN
RIP: 0010:__lock_acquire+0x1112/0x1f60
RSP: 0000:ffffc90004cd7828 EFLAGS: 00010006
Call Trace:
 <TASK>
 lock_acquire+0x182/0x3c0
 _raw_spin_lock+0x2a/0x40
 _atomic_dec_and_lock+0x9d/0x110
 iput+0x85/0x760
 ntfs_fill_super+0x3af3/0x42a0
 </TASK>
",
        expect![[r#"
            lockdep | WARNING: nested lock was not taken in ntfs_fill_super | 
        "#]],
    );
}

/// mm/memory.c `print_bad_pte`: `BUG: Bad page map in process %s  pte:%08llx pmd:%08llx`,
/// always followed by `dump_stack()`; cut before it, there is no function to name.
#[test]
fn mm_memory_c_bad_page_map_cut_before_its_stack() {
    check(
        "BUG: Bad page map in process syz  pte:ffff8801a700ff00 pmd:1a700f067
",
        expect![[r#"
            bug | BUG: Bad page map | the report stops before the stack dump it always prints
        "#]],
    );
}

/// A `BUG:` or `INFO:` header whose printk was cut right after the literal.
#[test]
fn a_header_cut_after_its_literal_is_corrupted() {
    check(
        "INFO:
",
        expect![[r#"
            other | INFO: corrupted | the header stops after its literal
        "#]],
    );
    check(
        "BUG: 
",
        expect![[r#"
            bug | BUG: corrupted | the header stops after its literal
        "#]],
    );
}

/// kernel/locking/spinlock_debug.c `spin_dump` and `rwlock_bug`: the lock type and message
/// are the kernel's, then `dump_stack()`.
#[test]
fn kernel_locking_spinlock_debug_c_spinlock_and_rwlock_messages() {
    check(
        "BUG: rwlock bad magic on CPU#0, syz/1234, ffff88801234abcd
CPU: 0 PID: 1234 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x1/0x2
 do_raw_read_lock+0x1/0x2
 _raw_read_lock+0x1/0x2
 sock_def_readable_buggy+0x1/0x2
 </TASK>
BUG: spinlock cpu recursion on CPU#1, syz/77
 lock: 0xffff888012345678, .magic: dead4ead, .owner: syz/77, .owner_cpu: 1
CPU: 1 PID: 77 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 do_raw_spin_lock+0x1/0x2
 _raw_spin_lock_irqsave+0x1/0x2
 tty_port_hangup+0x1/0x2
",
        expect![[r#"
            spinlock-lockup | BUG: rwlock bad magic in sock_def_readable_buggy | 
            spinlock-lockup | BUG: spinlock cpu recursion in tty_port_hangup | 
        "#]],
    );
}

/// lib/debugobjects.c `debug_print_object`: `WARN(1, "ODEBUG: …")`, headed by kernel/panic.c
/// `__warn` in its three forms (2.6 `WARNING: at %s:%d %pS()`, 3.11+ with CPU and PID, and
/// without the file); timers and work items checked for their user are passed over.
#[test]
fn lib_debugobjects_c_odebug_in_every_warn_header_form() {
    let mut res = String::new();
    for header in [
        "WARNING: at lib/debugobjects.c:262 debug_print_object+0x8e/0xb0()",
        "WARNING: CPU: 1 PID: 9 at lib/debugobjects.c:505 debug_print_object+0x16e/0x250",
        "WARNING: CPU: 1 PID: 9 at debug_print_object+0x16e/0x250",
    ] {
        res.push_str(&titles_of(&format!(
            "------------[ cut here ]------------
ODEBUG: free active (active state 0) object type: timer_list hint: sk_timer_fn+0x0/0x10
{header}
RIP: 0010:debug_print_object+0x16e/0x250
Call Trace:
 debug_check_no_obj_freed+0x1/0x2
 kfree+0x1/0x2
 del_timer_sync+0x1/0x2
 hrtimer_cancel+0x1/0x2
 llc_sk_free+0x1/0x2
"
        )));
    }
    expect![[r#"
        warning | WARNING: ODEBUG bug in llc_sk_free | 
        warning | WARNING: ODEBUG bug in llc_sk_free | 
        warning | WARNING: ODEBUG bug in llc_sk_free | 
    "#]]
    .assert_eq(&res);
}

/// lib/refcount.c `refcount_warn_saturate` (`refcount_t: underflow; use-after-free.`), with
/// the file and without it.
#[test]
fn lib_refcount_c_refcount_warning_with_and_without_its_file() {
    let mut res = String::new();
    for header in [
        "WARNING: CPU: 0 PID: 1 at lib/refcount.c:28 refcount_warn_saturate+0x1/0x2",
        "WARNING: CPU: 0 PID: 1 at refcount_warn_saturate+0x1/0x2",
    ] {
        res.push_str(&titles_of(&format!(
            "refcount_t: underflow; use-after-free.
{header}
RIP: 0010:refcount_warn_saturate+0x1/0x2
Call Trace:
 kref_put+0x1/0x2
 cdev_put+0x1/0x2
 chrdev_release_buggy+0x1/0x2
"
        )));
    }
    expect![[r#"
        warning | WARNING: refcount bug in cdev_put | 
        warning | WARNING: refcount bug in cdev_put | 
    "#]]
    .assert_eq(&res);
}

/// kernel/panic.c `__warn` without the file (`CONFIG_DEBUG_BUGVERBOSE=n`) and in its 2.6 form.
#[test]
fn kernel_panic_c_warn_headers_without_file_and_of_2_6() {
    check(
        "WARNING: CPU: 0 PID: 1 at dev_watchdog+0x1/0x2
RIP: 0010:dev_watchdog+0x1/0x2
Call Trace:
 call_timer_fn+0x1/0x2
WARNING: at net/sched/sch_generic.c:261 dev_watchdog+0x1/0x2()
Call Trace:
 [<c0123456>] warn_slowpath_common+0x1/0x2
 [<c0123457>] dev_watchdog+0x1/0x2
",
        expect![[r#"
            warning | WARNING in dev_watchdog | 
            warning | WARNING in dev_watchdog | 
        "#]],
    );
}

/// arch/x86/kernel/unwind_frame.c `unwind_next_frame`: printed by the unwinder while it dumps
/// a report's stack, it continues that report and leaves its trace partial; alone it is a
/// report of its own.
#[test]
fn arch_x86_kernel_unwind_frame_c_bad_frame_pointer_inside_and_alone() {
    check(
        "BUG: KASAN: stack-out-of-bounds in __udp6_lib_err+0x1/0x2
Read of size 8 at addr ffff8801 by task syz/1
Call Trace:
 <IRQ>
 __udp6_lib_err+0x1/0x2
WARNING: kernel stack frame pointer at 000000002d9ae6ff in syz executor:1 has bad value 000000000e9dbdea
unwind stack type:0 next_sp:          (null) mask:0x6 graph_idx:0
",
        expect![[r#"
            kasan | KASAN: stack-out-of-bounds Read in __udp6_lib_err | the unwinder found a bad frame inside the report
        "#]],
    );
    check(
        "WARNING: kernel stack regs at 00000000e8c6b3a5 in syz-executor:5 has bad 'bp' value 0000000000000001
",
        expect![[r#"
            warning | WARNING: kernel stack regs has bad 'bp' value | 
        "#]],
    );
}

/// mm/slub.c `slab_bug`: `BUG %s (%s): %pV` and the `INFO:` details of older kernels belong
/// to one report, titled by the reason and the slab API's caller.
#[test]
fn mm_slub_c_object_errors() {
    check(
        "=============================================================================
BUG kmalloc-64 (Not tainted): Object already free
-----------------------------------------------------------------------------

INFO: Allocated in fasync_helper+0x29/0x90 age=1 cpu=1 pid=6024
INFO: Freed in fasync_free_rcu+0x14/0x20 age=2 cpu=0 pid=3
INFO: Slab 0xffffea0002dfad00 objects=20 used=3 fp=0xffff8800b7eb5a90 flags=0x4000000000004080
INFO: Object 0xffff8800b903e960 @offset=2400 fp=0xdead4ead00000000
CPU: 0 PID: 6024 Comm: syz Tainted: G    B   4.9.0 #1
Call Trace:
 dump_stack+0x1/0x2
 print_trailer+0x1/0x2
 object_err+0x1/0x2
 free_debug_processing+0x1/0x2
 __slab_free+0x1/0x2
 kfree+0x1/0x2
 fasync_remove_entry+0x1/0x2
 sock_fasync+0x1/0x2
FIX kmalloc-64: Object at 0xffff8800b903e960 not freed
BUG skbuff_head_cache (Tainted: G    B   ): Poison overwritten
Call Trace:
 dump_stack+0x1/0x2
 check_bytes_and_report+0x1/0x2
 check_object+0x1/0x2
 alloc_debug_processing+0x1/0x2
 kmem_cache_alloc+0x1/0x2
 __alloc_skb+0x1/0x2
 tcp_send_ack_buggy+0x1/0x2
BUG UNIX (Not tainted): kasan: bad access detected
",
        expect![[r#"
            bug | SLUB: Object already free in fasync_remove_entry | 
            bug | SLUB: Poison overwritten in __alloc_skb | 
        "#]],
    );
}

/// In syslog and journal text only `kernel:` lines are the kernel's: a program's own
/// `WARNING:` is no report, and does not cut into the kernel's report either.
#[test]
fn syslog_lines_of_other_programs_are_no_kernel_output() {
    check(
        "Sep 23 02:31:17 host someapp[1234]: WARNING: something about its own config
Sep 23 02:31:18 host kernel: WARNING: CPU: 0 PID: 5 at net/core/dev.c:123 dev_watchdog+0x1/0x2
Sep 23 02:31:18 host kernel: RIP: 0010:dev_watchdog+0x1/0x2
Sep 23 02:31:18 host kernel: Call Trace:
Sep 23 02:31:18 host someapp[1234]: BUG: its own assertion
Sep 23 02:31:18 host kernel:  call_timer_fn+0x1/0x2
Sep 23 02:31:18 host kernel:  run_timer_softirq+0x1/0x2
",
        expect![[r#"
            warning | WARNING in dev_watchdog | 
        "#]],
    );
}

/// arch/x86/kernel/cpu/mce/core.c: `__print_mce` records with and without the exception
/// (`MCG_STATUS_MCIP`), under the `HW_ERR` prefix of 3.x (`[Hardware Error]: `) and 4.x+
/// (`mce: [Hardware Error]: `), `mce_notify_irq`'s "Machine check events logged" in its three
/// forms, and `mce_panic`'s panic joining the record it follows.
#[test]
fn arch_x86_kernel_cpu_mce_core_c_machine_checks() {
    check(
        "[Hardware Error]: CPU 1: Machine Check Exception: 5 Bank 4: b200000000070f0f
[Hardware Error]: RIP !INEXACT! 10:<ffffffff8103d3a5> {mwait_idle+0x95/0x100}
[Hardware Error]: TSC 6a7e9b9b0a ADDR 12345678 MISC 0
[Hardware Error]: PROCESSOR 0:206a7 TIME 1318867222 SOCKET 0 APIC 2 microcode 28
[Hardware Error]: Machine check: Processor context corrupt
Kernel panic - not syncing: Fatal machine check
",
        expect![[r#"
            machine-check | Machine Check Exception in mwait_idle | 
        "#]],
    );
    check(
        "mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 5: be00000000800400
mce: [Hardware Error]: RIP 10:<ffffffff81234567> {intel_idle+0x95/0x100}
mce: [Hardware Error]: TSC 0 ADDR fef1a140 MISC 38a0000086
mce: [Hardware Error]: PROCESSOR 0:50654 TIME 1596712345 SOCKET 0 APIC 0 microcode 2006906
",
        expect![[r#"
            machine-check | Machine Check in intel_idle | 
        "#]],
    );
    check(
        "mce: [Hardware Error]: Machine check events logged
[Hardware Error]: Machine check events logged
Machine check events logged
Kernel panic - not syncing: Timeout synchronizing machine check over CPUs
",
        expect![[r#"
            machine-check | Machine check events logged | 
            machine-check | Machine check events logged | 
            machine-check | Machine check events logged | 
        "#]],
    );
    check(
        "Kernel panic - not syncing: Machine check from unknown source
",
        expect![[r#"
            machine-check | kernel panic: Machine check from unknown source | 
        "#]],
    );
}

/// arch/x86/kernel/dumpstack_64.c `show_stack_log_lvl` prints `Stack:` words and then always
/// `Call Trace:`; LegoOS' watchdog always dumps the stuck worker's trace. Input that stops
/// before the trace lost it.
#[test]
fn input_that_ends_before_the_trace_a_report_always_prints_is_corrupted() {
    check(
        "watchdog: worker[0] CPU10 stucked
RIP: 0010:[<ffffffff810522c3>]  [<ffffffff810522c3>] mlx4_ib_poll_cq+0x1d3/0x850
RSP: 0000:ffff88103ef3f750  EFLAGS: 00000246
Stack:
 ffff88103ef3f750 0000000000000002 ffff88103ef3f7a0 ffffffff81069ba7
",
        expect![[r#"
            lego-watchdog | watchdog: worker stuck in mlx4_ib_poll_cq | log ends before the call trace
        "#]],
    );
    check(
        "watchdog: worker[0] CPU10 stucked
RIP: 0010:[<ffffffff810522c3>]  [<ffffffff810522c3>] mlx4_ib_poll_cq+0x1d3/0x850
",
        expect![[r#"
            lego-watchdog | watchdog: worker stuck in mlx4_ib_poll_cq | log ends before the call trace
        "#]],
    );
    check(
        "general protection fault: 0000 [#1] SMP
RIP: 0010:[<ffffffff810522c3>]  [<ffffffff810522c3>] tcp_sendmsg+0x1d3/0x850
RSP: 0018:ffff88103ef3f750  EFLAGS: 00010246
Stack:
 ffff88103ef3f750 0000000000000002 ffff88103ef3f7a0 ffffffff81069ba7
",
        expect![[r#"
            general-protection | general protection fault in tcp_sendmsg | log ends before the call trace
        "#]],
    );
}

/// lib/fault-inject.c `fail_dump`: `FAULT_INJECTION: forcing a failure.`, its parameters,
/// then `dump_stack()` through `should_fail`. The dump is context, not a crash: the report
/// after it keeps its own title, and within a report the frames after the message cannot be
/// told from the dump's.
#[test]
fn lib_fault_inject_c_dump_does_not_end_or_title_the_report_after_it() {
    check(
        "FAULT_INJECTION: forcing a failure.
name failslab, interval 1, probability 0, space 0, times 0
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x1/0x2
 should_fail_ex+0x1/0x2
 should_failslab+0x1/0x2
 kmem_cache_alloc+0x1/0x2
 foo_alloc+0x1/0x2
 __x64_sys_foo+0x1/0x2
 do_syscall_64+0x1/0x2
 </TASK>
WARNING: CPU: 0 PID: 1 at fs/foo.c:12 foo_cleanup+0x1/0x2
RIP: 0010:foo_cleanup+0x1/0x2
Call Trace:
 <TASK>
 foo_release+0x1/0x2
 __fput+0x1/0x2
 </TASK>
WARNING: CPU: 1 PID: 7 at mm/slab_common.c:1012 kmalloc_slab+0x5d/0x70
FAULT_INJECTION: forcing a failure.
name failslab, interval 1, probability 0, space 0, times 0
RIP: 0010:kmalloc_slab+0x5d/0x70
Call Trace:
 __kmalloc+0x25/0x760
 bfs_fill_super+0x3d3/0xea0
",
        expect![[r#"
            dump-stack | stack trace in foo_alloc | 
            warning | WARNING in foo_cleanup | 
            warning | WARNING: kmalloc bug in corrupted | no guilty frame in the report
        "#]],
    );
}

/// lib/dump_stack.c `dump_stack_print_info` (`CPU: %d PID: %d Comm: %.20s %s%s %s %.*s`, the
/// `Hardware name:` and `Workqueue:` lines) and `show_stack`'s `Call Trace:`, with no report
/// header: a dump printed for context, here by mm/page_alloc.c `warn_alloc` (`%s: page
/// allocation failure: order:%u, mode:%#x(%pGg), nodemask=%*pbl`, no report family). The
/// title names the first frame in no guilty-frame skip class, as a family's title does: not
/// the reporting (`warn_alloc`) or allocation (`__alloc_pages`, `__kmalloc`) helpers, and a
/// syscall wrapper as its syscall.
#[test]
fn lib_dump_stack_c_dump_without_header_is_named_past_the_skip_classes() {
    check(
        "kworker/0:1: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0
CPU: 0 PID: 18 Comm: kworker/0:1 Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Workqueue: events foo_work [foo]
Call Trace:
 <TASK>
 dump_stack_lvl+0x44/0x5c
 warn_alloc+0x13e/0x1b0
 __alloc_pages_slowpath.constprop.0+0xd2c/0xd70
 __alloc_pages+0x2c4/0x300
 __kmalloc_large_node+0x7c/0x140
 __kmalloc+0xb1/0x140
 foo_grow_ring+0x42/0x90 [foo]
 foo_work+0x1a/0x40 [foo]
 process_one_work+0x1c7/0x380
 worker_thread+0x4d/0x380
 kthread+0xd7/0x100
 ret_from_fork+0x22/0x30
 </TASK>
",
        expect![[r#"
            dump-stack | stack trace in foo_grow_ring | 
        "#]],
    );
    check(
        "CPU: 1 PID: 204 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x44/0x5c
 _raw_spin_lock_irqsave+0x1/0x2
 kmem_cache_alloc+0x1/0x2
 __x64_sys_bpf+0x1/0x2
 do_syscall_64+0x1/0x2
 entry_SYSCALL_64_after_hwframe+0x1/0x2
 </TASK>
",
        expect![[r#"
            dump-stack | stack trace in sys_bpf | 
        "#]],
    );
}

/// arch/x86/boot/compressed/misc.c (`Decompressing Linux...`, `Booting the kernel.`) and
/// init/main.c `linux_banner`: a boot that starts after other output with no crash before it
/// is an unexpected reboot; the log's first boot, a boot after a crash, and the words inside
/// another line are not.
#[test]
fn a_boot_banner_after_output_and_no_crash_is_an_unexpected_reboot() {
    check(
        "Decompressing Linux... Parsing ELF... done.
Booting the kernel.
[    0.000000] Linux version 6.1.0 (gcc 12) #1 SMP PREEMPT_DYNAMIC
[    5.000000] xfs: Unknown parameter 'Booting the kernel.'
[   60.000000] systemd[1]: Started foo.
[   61.000000] systemd[1]: Started bar.
[   62.000000] systemd[1]: Started baz.
Decompressing Linux... Parsing ELF... done.
Booting the kernel.
[    0.000000] Linux version 6.1.0 (gcc 12) #1 SMP PREEMPT_DYNAMIC
[    0.000000] Command line: console=ttyS0
",
        expect![[r#"
            other | unexpected kernel reboot | 
        "#]],
    );
    check(
        "[   60.000000] general protection fault: 0000 [#1] SMP
[   60.000001] RIP: 0010:tcp_sendmsg+0x1/0x2
[   60.000002] Call Trace:
[   60.000003]  sock_sendmsg+0x1/0x2
[    0.000000] Linux version 6.1.0 (gcc 12) #1 SMP PREEMPT_DYNAMIC
",
        expect![[r#"
            general-protection | general protection fault in tcp_sendmsg | 
        "#]],
    );
    // Firmware and boot-loader output before the log's first boot (no kernel timestamps, as a
    // real serial console shows them) does not make that boot a reboot.
    check(
        "SeaBIOS (version 1.16.2-debian-1.16.2-1)
Booting from ROM...
Probing EDD (edd=off to disable)... ok
[    0.000000] Linux version 6.1.0 (gcc 12) #1 SMP PREEMPT_DYNAMIC
[    0.000000] Command line: console=ttyS0
",
        expect![[r#""#]],
    );
}

/// mm/mempool.c `poison_error`: the element's bytes, then `dump_stack()`.
#[test]
fn mm_mempool_c_poison_mismatch() {
    check(
        "BUG: mempool element poison mismatch
Mempool ffff888012345678 size 64
 nr=2 @ ffff888087654321: 0x6b 6b 6b 6a ...
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 check_element+0x1/0x2
 mempool_alloc+0x1/0x2
 bio_alloc_bioset+0x1/0x2
",
        expect![[r#"
            bug | BUG: mempool element poison mismatch in bio_alloc_bioset | 
        "#]],
    );
}

/// kernel/locking/lockdep.c: `print_lockdep_off` (a table limit, no trace),
/// `look_up_lock_class`, `print_collision` and `print_lock_contention_bug` (their
/// `stack backtrace:`).
#[test]
fn kernel_locking_lockdep_c_limits_subclass_collision_and_contention() {
    check(
        "BUG: MAX_LOCKDEP_KEYS too low!
turning off the locking correctness validator.
BUG: looking up invalid subclass: 9
turning off the locking correctness validator.
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 look_up_lock_class+0x1/0x2
 register_lock_class+0x1/0x2
 __lock_acquire+0x1/0x2
 lock_acquire+0x1/0x2
 _raw_spin_lock_nested+0x1/0x2
 foo_double_lock+0x1/0x2
============================
WARNING: chain_key collision
6.1.0 #1 Not tainted
----------------------------
syz/1: Hash chain already cached but the contents don't match!
Held locks:depth: 1
Locks in cached chain:depth: 1

stack backtrace:
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 validate_chain+0x1/0x2
 __lock_acquire+0x1/0x2
 lock_acquire+0x1/0x2
 mutex_lock_nested+0x1/0x2
 bar_open+0x1/0x2
=================================
WARNING: bad contention detected!
6.1.0 #1 Not tainted
---------------------------------
syz/1 is trying to contend lock (&dev->lock) at:
[<ffffffff81234567>] baz_ioctl+0x10/0x50
but there are no locks held!

other info that might help us debug this:
no locks held by syz/1.

stack backtrace:
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 lock_contended+0x1/0x2
 baz_ioctl+0x10/0x50
",
        expect![[r#"
            lockdep | BUG: MAX_LOCKDEP_KEYS too low! | 
            lockdep | BUG: looking up invalid subclass in foo_double_lock | 
            lockdep | WARNING: chain_key collision in bar_open | 
            lockdep | WARNING: bad contention in baz_ioctl | 
        "#]],
    );
}

/// kernel/sched/core.c `__schedule` (`BUG: scheduling in a non-blocking section`),
/// `__cant_sleep` and `__cant_migrate`, each followed by `dump_stack()`;
/// kernel/sched/topology.c's boot-time `BUG: arch topology borken` prints no trace.
#[test]
fn kernel_sched_core_c_non_blocking_and_assumed_contexts() {
    check(
        "BUG: scheduling in a non-blocking section: syz/1/1
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 __schedule+0x1/0x2
 schedule+0x1/0x2
 mmu_notifier_wait+0x1/0x2
BUG: assuming atomic context at net/core/dev.c:123
in_atomic(): 0, irqs_disabled(): 0, pid: 1, name: syz
no locks held by syz/1.
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 __cant_sleep+0x1/0x2
 netif_rx_thing+0x1/0x2
BUG: assuming non migratable context at kernel/bpf/foo.c:12
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack_lvl+0x1/0x2
 __cant_migrate+0x1/0x2
 bpf_prog_run_thing+0x1/0x2
BUG: arch topology borken
",
        expect![[r#"
            scheduling-while-atomic | BUG: scheduling in a non-blocking section in mmu_notifier_wait | 
            bug | BUG: assuming atomic context in netif_rx_thing | 
            bug | BUG: assuming non migratable context in bpf_prog_run_thing | 
            bug | BUG: arch topology borken | 
        "#]],
    );
}

/// kernel/sched/core.c `schedule_debug`: arm64's shadow call stack overflowed.
#[test]
fn kernel_sched_core_c_corrupted_shadow_stack_panic() {
    check(
        "Kernel panic - not syncing: corrupted shadow stack detected inside scheduler
Call trace:
 dump_backtrace+0x1/0x2
 panic+0x1/0x2
 __schedule+0x1/0x2
 recurse_thing+0x1/0x2
 worker_fn+0x1/0x2
 process_one_work+0x1/0x2
",
        expect![[r#"
            stack-overflow | kernel panic: corrupted shadow stack in worker_fn | 
        "#]],
    );
}

/// arch/x86/kernel boot-time notices that start with `WARNING:` (cpu/bugs.c,
/// cpu/mtrr/cleanup.c, apic/io_apic.c, unwind_orc.c's table check, process.c
/// `select_idle_routine`) are messages; the ORC unwinder's lookup failure is printed while a
/// stack is walked and continues that report.
#[test]
fn arch_x86_kernel_boot_notices_are_no_reports_and_orc_lookup_failures_continue_one() {
    check(
        "WARNING: BIOS bug: CPU MTRRs don't cover all of memory, losing 16MB of RAM.
WARNING: bogus zero IO-APIC address found in MPTABLE, disabling IO/APIC support!
WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks, data leaks possible!
WARNING: CPU does not support IBPB.
WARNING: Bad or missing .orc_unwind table.  Disabling unwinder.
WARNING: polling idle and HT enabled, performance may degrade
general protection fault: 0000 [#1] SMP
RIP: 0010:tcp_sendmsg+0x1/0x2
Call Trace:
 <TASK>
 sock_sendmsg+0x1/0x2
WARNING: bad lookup idx: idx=1 num=2 ip=sock_sendmsg+0x1/0x2
",
        expect![[r#"
            general-protection | general protection fault in tcp_sendmsg | the unwinder found a bad frame inside the report
        "#]],
    );
}

/// kernel/panic.c `__warn`: with `panic_on_warn` the WARN panics right after its header; when
/// that header is lost, the panic still heads the WARN's trace and is titled by its site, not
/// as a panic of its own.
#[test]
fn kernel_panic_c_panic_on_warn_without_its_warning_is_the_warning() {
    check(
        "Kernel panic - not syncing: panic_on_warn set ...
CPU: 0 PID: 1 Comm: syz Not tainted 4.16.0 #1
Call Trace:
 dump_stack+0x1/0x2
 panic+0x1/0x2
 __warn+0x1/0x2
 report_bug+0x1/0x2
 fixup_bug+0x1/0x2
 do_error_trap+0x1/0x2
 invalid_op+0x1/0x2
RIP: 0010:xfrm_state_fini+0x1/0x2
 xfrm_net_exit+0x1/0x2
 ops_exit_list+0x1/0x2
",
        expect![[r#"
            warning | WARNING in xfrm_state_fini | 
        "#]],
    );
}

/// include/asm-generic/bug.h `__WARN_printf`: `__warn_printk` prints the WARN's message, then
/// the trap prints kernel/panic.c `__warn`'s header. A message that itself says `BUG:`
/// (lib/asn1_encoder.c `asn1_encode_integer`: `WARN(…, "BUG: integer encode only supports
/// positive integers")`) is the warning's first line, not a report of its own.
#[test]
fn a_warn_message_that_says_bug_is_part_of_its_warning() {
    check(
        "------------[ cut here ]------------
BUG: integer encode only supports positive integers
WARNING: CPU: 0 PID: 1 at lib/asn1_encoder.c:33 asn1_encode_integer+0x1/0x2
RIP: 0010:asn1_encode_integer+0x1/0x2
Call Trace:
 <TASK>
 tpm2_key_encode+0x1/0x2
 </TASK>
",
        expect![[r#"
            warning | WARNING in asn1_encode_integer | 
        "#]],
    );
}

/// A Go userspace kernel (gVisor) on the console: the Go runtime's `fatal error: %s`
/// (runtime/panic.go `throw`) at the start of a line; the words inside a line are no report.
#[test]
fn go_runtime_fatal_errors_of_a_userspace_kernel() {
    check(
        "fatal error: runtime: bad p

runtime stack:
runtime.throw(0x1234, 0x5)
foo.c:12:10: fatal error: bar.h: No such file or directory
fatal error: cannot create timer (-22)
",
        expect![[r#"
            other | go runtime error | 
        "#]],
    );
}

/// kernel/locking/lockdep.c `print_usage_bug`: the lock the task `takes:` and where its state
/// was registered are history; the report is named from its final `stack backtrace:`, past
/// lockdep's own reporters, or from the lock's `at:` function when that trace is cut.
#[test]
fn kernel_locking_lockdep_c_inconsistent_lock_state_is_named_from_its_final_trace() {
    let head = "================================
WARNING: inconsistent lock state
6.1.0 #1 Not tainted
--------------------------------
inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.
syz/1 [HC0[0]:SC0[0]:HE1:SE1] takes:
ffff888114ca0920 (&p->pi_lock){?.-.}-{2:2}, at: task_blocks_on_rt_mutex+0x231/0x342
{IN-HARDIRQ-W} state was registered at:
  lock_acquire+0x1/0x2
  _raw_spin_lock_irqsave+0x1/0x2
  try_to_wake_up+0x1/0x2
";
    check(
        &format!(
            "{head}
stack backtrace:
CPU: 0 PID: 1 Comm: syz Not tainted 6.1.0 #1
Call Trace:
 dump_stack+0x1/0x2
 print_usage_bug+0x1/0x2
 valid_state+0x1/0x2
 mark_lock+0x1/0x2
 mark_held_locks+0x1/0x2
 lockdep_hardirqs_on_prepare+0x1/0x2
 trace_hardirqs_on+0x1/0x2
 raw_spin_rq_unlock_irq+0x1/0x2
 sched_core_balance+0x1/0x2
 balance_callback+0x1/0x2
"
        ),
        expect![[r#"
            lockdep | inconsistent lock state in sched_core_balance | 
        "#]],
    );
    check(
        head,
        expect![[r#"
            lockdep | inconsistent lock state in task_blocks_on_rt_mutex | 
        "#]],
    );
}

/// kernel/rcu/tree_stall.h `print_cpu_stall` (`INFO: %s self-detected stall on CPU`, the
/// `print_cpu_stall_info` line, `(t=%lu jiffies g=%ld q=%lu ncpus=%d)`), then
/// `rcu_dump_cpu_stacks` → kernel/sched/core.c `dump_cpu_task`, which since 6.1 prints the
/// interrupted context with `show_regs`: the task line, the looping code's `RIP:`, registers
/// and a task-context trace with no `<IRQ>` part. The stall is named like any other, by the
/// frame above its dispatcher; the pre-6.1 form goes through the timer interrupt frame.
#[test]
fn kernel_rcu_tree_stall_h_self_detected_stall_with_show_regs() {
    check(
        "rcu: INFO: rcu_preempt self-detected stall on CPU
rcu: \t1-....: (4729 ticks this GP) idle=479c/1/0x4000000000000000 softirq=161/161 fqs=2472
\t(t=5250 jiffies g=-843 q=12 ncpus=2)
CPU: 1 PID: 104 Comm: sh Tainted: G           OEL     6.1.0-56-amd64 #1  Debian 6.1.192-2
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2 04/01/2014
RIP: 0010:spin_forever+0xe/0x10 [mod]
Code: cc 66 66 2e 0f 1f 84 00 00 00 00 00 0f 1f 44 00 00 <eb> fe 66 0f 1f 84 00 00 00 00 00
RSP: 0018:ffffc9fc40403d38 EFLAGS: 00000282
RAX: ffffffffc032e4d0 RBX: 000000000000000b RCX: c0000000ffffefff
Call Trace:
 <TASK>
 mod_write+0x18/0x24 [mod]
 full_proxy_write+0x53/0x80
 vfs_write+0xc7/0x3f0
 ksys_write+0x6b/0xf0
 do_syscall_64+0x5d/0xb0
 entry_SYSCALL_64_after_hwframe+0x6e/0xd8
 </TASK>
",
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in mod_write | 
        "#]],
    );
    check(
        &format!(
            "{SELF_DETECTED_STALL}RIP: 0010:spin_forever+0xe/0x10
 mod_write+0x18/0x24
 full_proxy_write+0x53/0x80
 vfs_write+0xc7/0x3f0
"
        ),
        expect![[r#"
            rcu-stall | INFO: rcu detected stall in mod_write | 
        "#]],
    );
}

/// kernel/sched/core.c `sched_show_task` (`task:%-15.15s state:%c stack:%-5lu pid:%-5d …`, then
/// `show_stack`), once per task from `show_state_filter` (sysrq-t). A task dump is no crash:
/// a blocked task's trace starts in the scheduler under the wait that blocked it, and the dump
/// is named, as kernel/hung_task.c's report of the same dump is, by the first frame past the
/// scheduler, locks and waits; the running task that printed the dumps is named past the
/// dumpers, by the sysrq handler.
#[test]
fn kernel_sched_core_c_task_dumps_are_named_where_the_task_waits() {
    check(
        "sysrq: Show State
task:init            state:R  running task     stack:0     pid:1     ppid:0      flags:0x00000000
Call Trace:
 <TASK>
 sched_show_task.cold+0xce/0xdc
 show_state_filter+0x54/0xe0
 sysrq_handle_showstate+0xc/0x20
 __handle_sysrq.cold+0x44/0x11c
 write_sysrq_trigger+0x24/0x40
 </TASK>
task:kthreadd        state:S stack:0     pid:2     ppid:0      flags:0x00004000
Call Trace:
 <TASK>
 __schedule+0x34d/0xa00
 schedule+0x5a/0xd0
 kthreadd+0x2bc/0x2d0
 ? kthread_is_per_cpu+0x30/0x30
 ret_from_fork+0x22/0x30
 </TASK>
task:kworker/0:1     state:I stack:0     pid:17    ppid:2      flags:0x00004000
Workqueue:  0x0 (events_long)
Call Trace:
 <TASK>
 __schedule+0x34d/0xa00
 schedule+0x5a/0xd0
 worker_thread+0xaf/0x380
 ? rescuer_thread+0x3a0/0x3a0
 kthread+0xda/0x100
 ret_from_fork+0x22/0x30
 </TASK>
task:khungtaskd      state:S stack:0     pid:29    ppid:2      flags:0x00004000
Call Trace:
 <TASK>
 __schedule+0x34d/0xa00
 schedule+0x5a/0xd0
 schedule_timeout+0x94/0x150
 watchdog+0x7c/0x440
 kthread+0xda/0x100
 ret_from_fork+0x22/0x30
 </TASK>
",
        expect![[r#"
            task-dump | task dump in sysrq_handle_showstate | 
            task-dump | task dump in kthreadd | 
            task-dump | task dump in worker_thread | 
            task-dump | task dump in watchdog | 
        "#]],
    );
}

/// rust/kernel/lib.rs `panic` (6.12): `pr_emerg!("{}\n", info)` under the kernel crate's
/// `rust_kernel: ` prefix, core's `PanicInfo` as Rust 1.73 on prints it (`panicked at
/// FILE:LINE:COL:`, the message on the next line), then `BUG()` through rust/helpers/bug.c
/// `rust_helper_BUG`: its `kernel BUG at` oops and trap go on with the panic's report. The
/// title is the message and the Rust function that panicked, past `rust_begin_unwind` (under
/// the `__rustc` crate root of newer compilers) and `core::panicking`.
#[test]
fn rust_kernel_lib_rs_panic_message_titles_the_report() {
    check(
        "rust_kernel: panicked at drivers/foo/bar.rs:877:13:
attempt to subtract with overflow
------------[ cut here ]------------
kernel BUG at rust/helpers/bug.c:7!
Oops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN PTI
CPU: 0 UID: 0 PID: 298 Comm: syz Not tainted 6.12.23 #0
RIP: 0010:rust_helper_BUG+0x8/0x10
Call Trace:
 <TASK>
 _RNvCs1a2b3c_7___rustc17rust_begin_unwind+0x15b/0x160
 ? __cfi__RNvCs1a2b3c_7___rustc17rust_begin_unwind+0x10/0x10
 _RNvNtCs1a2b3c_4core9panicking9panic_fmt+0x84/0x90
 _RNvNtNtCs1a2b3c_4core9panicking11panic_const24panic_const_sub_overflow+0xb2/0xc0
 _RNvNtCs1a2b3c_3foo3bar10update_ref+0x17e5/0x1860
 do_syscall_64+0xf3/0x230
 entry_SYSCALL_64_after_hwframe+0x77/0x7f
 </TASK>
",
        expect![[r#"
            kernel-bug | attempt to subtract with overflow in foo::bar::update_ref | 
        "#]],
    );
}

/// lib/nmi_backtrace.c `nmi_cpu_backtrace`: `NMI backtrace for cpu %d`, then the interrupted
/// registers (`show_regs`) or, on the CPU that asked, `dump_stack()` through the backtrace
/// machinery (`nmi_trigger_cpumask_backtrace`, here for sysrq-l). No crash: named past the
/// reporting class like a `dump_stack()`, by what asked or by where the CPU was.
#[test]
fn lib_nmi_backtrace_c_backtraces_are_named_past_the_backtrace_machinery() {
    check(
        "sysrq: Show backtrace of all active CPUs
NMI backtrace for cpu 1
CPU: 1 PID: 1 Comm: init Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
Call Trace:
 <TASK>
 dump_stack_lvl+0x44/0x5c
 nmi_cpu_backtrace.cold+0x32/0x79
 ? lapic_can_unplug_cpu+0x70/0x70
 nmi_trigger_cpumask_backtrace+0xed/0x100
 __handle_sysrq.cold+0x44/0x11c
 write_sysrq_trigger+0x24/0x40
 </TASK>
Sending NMI from CPU 1 to CPUs 0:
NMI backtrace for cpu 0
CPU: 0 PID: 0 Comm: swapper/0 Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
RIP: 0010:native_safe_halt+0xb/0x10
RSP: 0018:ffffffffae603e88 EFLAGS: 00000246
Call Trace:
 <TASK>
 default_idle+0xa/0x20
 default_idle_call+0x38/0x100
 do_idle+0x1fb/0x270
 </TASK>
",
        expect![[r#"
            nmi-backtrace | NMI backtrace in __handle_sysrq | 
            nmi-backtrace | NMI backtrace in native_safe_halt | 
        "#]],
    );
}
