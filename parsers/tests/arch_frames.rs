//! Frame and crash-PC lines of every architecture, one minimal log per printk shape
//! (arch/*/kernel/traps.c, stacktrace.c, process.c: `dump_backtrace`, `show_regs`).
//!
//! Each test prints, for every report, the crash PC and every frame with its `?` mark,
//! address, function, offset, size, module and context.

use expect_test::{expect, Expect};
use legolog_parsers::{Confidence, Frame, ParseConfig, Parser};
use std::fmt::Write;

fn show(frame: &Frame) -> String {
    let mut res = String::new();
    if frame.confidence == Confidence::Guessed {
        res.push_str("? ");
    }
    match frame.addr {
        Some(addr) => write!(res, "{addr:#x} ").unwrap(),
        None => res.push_str("- "),
    }
    match &frame.symbol {
        Some(sym) => {
            write!(res, "{}+{:#x}", sym.name, sym.offset).unwrap();
            match sym.size {
                Some(size) => write!(res, "/{size:#x}").unwrap(),
                None => res.push_str("/?"),
            }
        }
        None => res.push_str("(no symbol)"),
    }
    if let Some(module) = &frame.module {
        write!(res, " [{module}]").unwrap();
    }
    write!(res, " {}", frame.context.as_str()).unwrap();
    res
}

fn check(log: &str, expect: Expect) {
    let mut res = String::new();
    for report in Parser::new(log.as_bytes(), ParseConfig::standard()).flatten() {
        writeln!(res, "{} | {}", report.kind, report.title).unwrap();
        match &report.rip {
            Some(rip) => writeln!(res, "pc {}", show(rip)).unwrap(),
            None => writeln!(res, "pc none").unwrap(),
        }
        for frame in &report.frames {
            writeln!(res, "  {}", show(frame)).unwrap();
        }
    }
    expect.assert_eq(&res);
}

#[test]
fn arm_before_4x_prints_callee_and_caller_with_offsets() {
    check(
        r"Unable to handle kernel NULL pointer dereference at virtual address 00000000
pgd = c0004000
Internal error: Oops: 817 [#1] PREEMPT SMP ARM
PC is at my_probe+0x1c/0x30 [mydrv]
LR is at my_probe+0x18/0x30 [mydrv]
pc : [<bf000020>]    lr : [<bf00001c>]    psr: 60000013
sp : c7829f18  ip : c7829f28  fp : c7829f24
Backtrace:
[<c0014990>] (unwind_backtrace+0x0/0xf4) from [<c0011d1c>] (show_stack+0x10/0x14)
[<c0011d1c>] (show_stack+0x10/0x14) from [<c0422fa4>] (dump_stack+0x80/0xa0)
[<c0422fa4>] (dump_stack+0x80/0xa0) from [<bf000020>] (my_probe+0x20/0x30 [mydrv])
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel NULL pointer dereference in my_probe
            pc 0xbf000020 my_probe+0x1c/0x30 [mydrv] task
              0xc0014990 unwind_backtrace+0x0/0xf4 task
              0xc0011d1c show_stack+0x10/0x14 task
              0xc0422fa4 dump_stack+0x80/0xa0 task
        "#]],
    );
}

#[test]
fn arm_4x_callee_takes_its_offset_from_the_line_above() {
    check(
        r"Internal error: Oops: 5 [#1] SMP ARM
PC is at gsmld_receive_buf+0x48/0x1f4
LR is at tty_ioctl+0x7b4/0xa6c
pc : [<808ea9f4>]    lr : [<808dcfac>]    psr: 60000013
Backtrace:
[<808ea9ac>] (gsmld_receive_buf) from [<808dcfac>] (tty_ioctl+0x7b4/0xa6c)
 r7:00000000 r6:84e00c00 r5:00005412 r4:85a3e000
[<808dc7f8>] (tty_ioctl) from [<80451c58>] (sys_ioctl+0x3e4/0xad0)
Exception stack(0xdf80dfa8 to 0xdf80dff0)
dfa0:                   00000000 00000000 00000003 00005412 20000040 00000000
[<80451874>] (sys_ioctl) from [<80200060>] (ret_fast_syscall+0x0/0x1c)
",
        expect![[r#"
            internal-error | Internal error in gsmld_receive_buf
            pc 0x808ea9f4 gsmld_receive_buf+0x48/0x1f4 task
              0x808ea9ac gsmld_receive_buf+0x0/? task
              0x808dcfac tty_ioctl+0x7b4/0xa6c task
              0x80451c58 sys_ioctl+0x3e4/0xad0 task
        "#]],
    );
}

#[test]
fn arm_5x_prints_callee_from_caller_without_addresses() {
    check(
        r"Internal error: Oops: 805 [#1] SMP ARM
PC is at lkdtm_WRITE_KERN+0x14/0x20 [lkdtm]
LR is at lkdtm_do_action+0x1c/0x24 [lkdtm]
pc : [<bf00a0d4>]    lr : [<bf009f2c>]    psr: 60000013
Backtrace:
 lkdtm_WRITE_KERN [lkdtm] from lkdtm_do_action+0x1c/0x24 [lkdtm]
 lkdtm_do_action [lkdtm] from direct_entry+0x11c/0x13c [lkdtm]
 direct_entry [lkdtm] from full_proxy_write+0x60/0x80
 full_proxy_write from vfs_write+0xc4/0x3a4
",
        expect![[r#"
            internal-error | Internal error in lkdtm_WRITE_KERN
            pc 0xbf00a0d4 lkdtm_WRITE_KERN+0x14/0x20 [lkdtm] task
              - lkdtm_WRITE_KERN+0x0/? [lkdtm] task
              - lkdtm_do_action+0x1c/0x24 [lkdtm] task
              - direct_entry+0x11c/0x13c [lkdtm] task
              - full_proxy_write+0x60/0x80 task
        "#]],
    );
    check(
        r"Kernel panic - not syncing: sysrq triggered crash
CPU: 0 PID: 1 Comm: sh Not tainted 5.15.0 #1
 unwind_backtrace from show_stack+0x10/0x14
 show_stack from dump_stack_lvl+0x40/0x4c
 dump_stack_lvl from panic+0x118/0x33c
",
        expect![[r#"
            panic | kernel panic: sysrq triggered crash
            pc none
              - unwind_backtrace+0x0/? task
              - show_stack+0x10/0x14 task
              - dump_stack_lvl+0x40/0x4c task
        "#]],
    );
}

#[test]
fn arm_without_kallsyms_prints_addresses_only() {
    check(
        r"Internal error: Oops: 17 [#1] ARM
pc : [<c01a2b3c>]    lr : [<c01a2b00>]    psr: 20000013
Backtrace:
Function entered at [<c01a2b3c>] from [<c0100d48>]
Function entered at [<c0100d00>] from [<c0101000>]
",
        expect![[r#"
            internal-error | Internal error in corrupted
            pc 0xc01a2b3c (no symbol) task
              0xc01a2b3c (no symbol) task
              0xc0100d00 (no symbol) task
        "#]],
    );
}

#[test]
fn arm64_pc_lr_and_call_trace() {
    check(
        r"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000
Internal error: Oops: 96000045 [#1] PREEMPT SMP
Modules linked in: mymod
CPU: 1 PID: 77 Comm: insmod Not tainted 6.1.0 #1
pstate: 60400005 (nZCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)
pc : do_raw_spin_lock+0x10/0x100
lr : _raw_spin_lock+0x1c/0x28
sp : ffff80000a0f3b80
x29: ffff80000a0f3b80 x28: 0000000000000000
Call trace:
 do_raw_spin_lock+0x10/0x100
 _raw_spin_lock+0x1c/0x28
 mymod_init+0x2c/0x1000 [mymod]
 do_one_initcall+0x50/0x1c0
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel NULL pointer dereference in mymod_init
            pc - do_raw_spin_lock+0x10/0x100 task
              - do_raw_spin_lock+0x10/0x100 task
              - _raw_spin_lock+0x1c/0x28 task
              - mymod_init+0x2c/0x1000 [mymod] task
              - do_one_initcall+0x50/0x1c0 task
        "#]],
    );
}

#[test]
fn powerpc_nip_lr_dotted_names_and_interrupt_frames() {
    check(
        r"Unable to handle kernel paging request for data at address 0x00000008
Oops: Kernel access of bad area, sig: 11 [#1]
NIP:  c0000000000ab3c4 LR: c0000000000ab3c0 CTR: 0000000000000000
NIP [c0000000000ab3c4] .eeh_dev_check_failure+0x278/0x390
LR [c0000000000ab3c0] .eeh_dev_check_failure+0x274/0x390
Call Trace:
[c000000010f930b0] [c000000008068df8] .eeh_dev_check_failure+0x278/0x390 (unreliable)
[c000000010f93150] [c0000000000ab8f0] .eeh_check_failure+0x90/0xf0
[c000000010f931d0] [c000000000090a4c] program_check_common+0x184/0x190
--- interrupt: 700 at .assert_slb_presence+0x2c/0x70
    LR = .slb_insert_entry+0x19c/0x2d0
[c000000010f93260] [c000000000096520] .do_slb_fault+0x10c/0x250 [slbmod]
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel paging request in eeh_dev_check_failure
            pc 0xc0000000000ab3c4 .eeh_dev_check_failure+0x278/0x390 task
              ? 0xc000000008068df8 .eeh_dev_check_failure+0x278/0x390 task
              0xc0000000000ab8f0 .eeh_check_failure+0x90/0xf0 task
              0xc000000000090a4c program_check_common+0x184/0x190 task
              - .assert_slb_presence+0x2c/0x70 task
              0xc000000000096520 .do_slb_fault+0x10c/0x250 [slbmod] task
        "#]],
    );
}

#[test]
fn s390_psw_parenthesized_frames_and_last_breaking_event() {
    check(
        r"Unable to handle kernel pointer dereference in virtual kernel address space
Oops: 0004 ilc:3 [#1] SMP
Modules linked in: will_oops(O+)
CPU: 0 PID: 1 Comm: insmod Tainted: G           O      4.19.0 #1
Krnl PSW : 0704c00180000000 000003ff80084036 (will_oops_init+0x36/0x1000 [will_oops])
           R:0 T:1 IO:1 EX:1 Key:0 M:1 W:0 P:0 AS:3 CC:0 PM:0 RI:0 EA:3
Krnl GPRS: 0000000000000000 0000000000000000 000003ff80084000 0000000000000000
Call Trace:
([<000003ff80084010>] will_oops_init+0x10/0x1000 [will_oops])
 [<0000000000100234>] do_one_initcall+0x94/0x1d0 
 [<00000000001e5a3c>] do_init_module+0x6c/0x200 
Last Breaking-Event-Address:
 [<000003ff80084010>] will_oops_init+0x10/0x1000 [will_oops]
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel paging request in will_oops_init
            pc 0x3ff80084036 will_oops_init+0x36/0x1000 [will_oops] task
              ? 0x3ff80084010 will_oops_init+0x10/0x1000 [will_oops] task
              0x100234 do_one_initcall+0x94/0x1d0 task
              0x1e5a3c do_init_module+0x6c/0x200 task
        "#]],
    );
}

#[test]
fn i386_eip_in_its_three_shapes() {
    check(
        r"BUG: unable to handle kernel NULL pointer dereference at 00000010
IP: [<f8a4c1b0>] radeon_cp_init_ring_buffer+0x90/0x302 [radeon]
Oops: 0000 [#1] SMP
EIP: 0060:[<f8a4c1b0>] EFLAGS: 00010246 CPU: 0
EIP is at radeon_cp_init_ring_buffer+0x90/0x302 [radeon]
EAX: 00000000 EBX: f6d7c000 ECX: 00000000 EDX: 00000010
Call Trace:
 [<f8a4d2c4>] ? radeon_do_init_cp+0x1f4/0x300 [radeon]
 [<c10a3b2e>] drm_ioctl+0x1ee/0x3b0
EIP: [<f8a4c1b0>] radeon_cp_init_ring_buffer+0x90/0x302 [radeon] SS:ESP 0068:f1d4fd4c
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel NULL pointer dereference in radeon_cp_init_ring_buffer
            pc 0xf8a4c1b0 radeon_cp_init_ring_buffer+0x90/0x302 [radeon] task
              ? 0xf8a4d2c4 radeon_do_init_cp+0x1f4/0x300 [radeon] task
              0xc10a3b2e drm_ioctl+0x1ee/0x3b0 task
        "#]],
    );
    check(
        r"general protection fault: 0000 [#1] SMP
EIP: 0060:[<c1234567>] EFLAGS: 00010246 CPU: 0
EIP is at radeon_cp_init_ring_buffer+0x90/0x302 [radeon]
Call Trace:
 [<c10a3b2e>] drm_ioctl+0x1ee/0x3b0
",
        expect![[r#"
            general-protection | general protection fault in radeon_cp_init_ring_buffer
            pc 0xc1234567 radeon_cp_init_ring_buffer+0x90/0x302 [radeon] task
              0xc10a3b2e drm_ioctl+0x1ee/0x3b0 task
        "#]],
    );
    check(
        r"BUG: unable to handle kernel paging request at f8e40765
Oops: 0000 [#1] SMP
EIP: [<f8e40765>] wdev_priv.part.8+0x3/0x5 [wl] SS:ESP 0068:f1d4fd4c
Call Trace:
 [<f8e41000>] wl_cfg80211_scan+0x20/0x100 [wl]
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel paging request in wdev_priv
            pc 0xf8e40765 wdev_priv.part.8+0x3/0x5 [wl] task
              0xf8e41000 wl_cfg80211_scan+0x20/0x100 [wl] task
        "#]],
    );
    check(
        r"BUG: kernel NULL pointer dereference, address: 00000010
Oops: 0000 [#1] SMP
EIP: radeon_cp_init_ring_buffer+0x90/0x302 [radeon]
Code: 8b 40 10 <8b> 00 c3
Call Trace:
 drm_ioctl+0x1ee/0x3b0
 ? radeon_do_init_cp+0x1f4/0x300 [radeon]
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel NULL pointer dereference in radeon_cp_init_ring_buffer
            pc - radeon_cp_init_ring_buffer+0x90/0x302 [radeon] task
              - drm_ioctl+0x1ee/0x3b0 task
              ? - radeon_do_init_cp+0x1f4/0x300 [radeon] task
        "#]],
    );
}

#[test]
fn x86_user_rip_after_the_kernel_one_is_not_merged_into_it() {
    check(
        r"general protection fault: 0000 [#1] SMP KASAN
RIP: 0010:tcp_v4_rcv+0x1/0x2
RSP: 0018:ffff88811570f3d0 EFLAGS: 00000202
RAX: 0000000000000001 RBX: ffffffff86187aa0 RCX: 1ffffffff0d765f3
Call Trace:
 ip_rcv+0x1/0x2
 do_syscall_64+0x32/0x50
RIP: 0033:0x4665f9
",
        expect![[r#"
            general-protection | general protection fault in tcp_v4_rcv
            pc - tcp_v4_rcv+0x1/0x2 task
              - ip_rcv+0x1/0x2 task
              - do_syscall_64+0x32/0x50 task
        "#]],
    );
}

#[test]
fn x86_machine_check_is_a_report_of_its_own_with_its_rip() {
    check(
        r"mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 4: b200000000070f0f
mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffff8100b2c2> {native_safe_halt+0x2/0x10}
mce: [Hardware Error]: TSC 0 
mce: [Hardware Error]: PROCESSOR 0:306c3 TIME 1433161219 SOCKET 0 APIC 0 microcode 1c
mce: [Hardware Error]: Run the above through 'mcelog --ascii'
mce: [Hardware Error]: Machine check: Processor context corrupt
Kernel panic - not syncing: Fatal machine check
",
        expect![[r#"
            machine-check | Machine Check Exception in native_safe_halt
            pc 0xffffffff8100b2c2 native_safe_halt+0x2/0x10 task
        "#]],
    );
    check(
        r"mce: [Hardware Error]: CPU 3: Machine Check Exception: 7 Bank 1: be00000000800400
mce: [Hardware Error]: RIP 33:<00007f3a1b2c3d4e> 
Kernel panic - not syncing: Fatal machine check
",
        expect![[r#"
            machine-check | Machine Check Exception
            pc 0x7f3a1b2c3d4e (no symbol) task
        "#]],
    );
}

#[test]
fn powerpc_register_dump_inside_the_trace_does_not_end_it() {
    check(
        r"BUG: Kernel NULL pointer dereference on read at 0x00000000
Faulting instruction address: 0xc0000000008c6a1c
Oops: Kernel access of bad area, sig: 11 [#1]
LE PAGE_SIZE=64K MMU=Radix SMP NR_CPUS=2048 NUMA pSeries
CPU: 0 PID: 1 Comm: swapper/0 Not tainted 5.10.0 #1
NIP:  c0000000008c6a1c LR: c0000000008c69f8 CTR: 0000000000000000
REGS: c000000003a3b7d0 TRAP: 0300   Not tainted  (5.10.0)
MSR:  8000000000009033 <SF,EE,ME,IR,DR,RI,LE>  CR: 44000222  XER: 20040000
GPR00: c0000000008c69f8 c000000003a3ba60 c00000000194b200 0000000000000000 
NIP [c0000000008c6a1c] strlen+0x1c/0x30
LR [c0000000008c69f8] kstrdup+0x38/0x90
Call Trace:
[c000000003a3ba60] [c0000000008c69f8] kstrdup+0x38/0x90 (unreliable)
[c000000003a3baa0] [c000000000f0e6d4] __of_add_property+0x64/0x190
--- interrupt: 300 at strlen+0x1c/0x30
NIP:  c0000000008c6a1c LR: c0000000008c69f8 CTR: 0000000000000000
REGS: c000000003a3b7d0 TRAP: 0300   Not tainted  (5.10.0)
MSR:  8000000000009033 <SF,EE,ME,IR,DR,RI,LE>  CR: 44000222  XER: 20040000
CFAR: c00000000000e1a0 DAR: 0000000000000000 DSISR: 40000000 IRQMASK: 0 
GPR00: c0000000008c69f8 c000000003a3ba60 c00000000194b200 0000000000000000 
NIP [c0000000008c6a1c] strlen+0x1c/0x30
LR [c0000000008c69f8] kstrdup+0x38/0x90
--- interrupt: 300
[c000000003a3bb40] [c000000000f0ea00] do_one_initcall+0x60/0x2c0
Instruction dump:
7c0802a6 60000000 f8010010 f821ff91 e9230000 2fa90000 409e0010 38210070 
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel NULL pointer dereference in __of_add_property
            pc 0xc0000000008c6a1c strlen+0x1c/0x30 task
              ? 0xc0000000008c69f8 kstrdup+0x38/0x90 task
              0xc000000000f0e6d4 __of_add_property+0x64/0x190 task
              - strlen+0x1c/0x30 task
              0xc000000000f0ea00 do_one_initcall+0x60/0x2c0 task
        "#]],
    );
}

#[test]
fn arm64_unwind_source_marks_and_riscv_epc() {
    check(
        r"Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP
pc : mydrv_read+0x1c/0x30 [mydrv]
lr : vfs_read+0xa8/0x2a0
Call trace:
 mydrv_read+0x1c/0x30 [mydrv] (P)
 vfs_read+0xa8/0x2a0 (L)
 ksys_read+0x6c/0x100
",
        expect![[r#"
            internal-error | Internal error in mydrv_read
            pc - mydrv_read+0x1c/0x30 [mydrv] task
              - mydrv_read+0x1c/0x30 [mydrv] task
              - vfs_read+0xa8/0x2a0 task
              - ksys_read+0x6c/0x100 task
        "#]],
    );
    check(
        r"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000
Oops [#1]
epc : mydrv_probe+0x1c/0x30 [mydrv]
 ra : really_probe+0x9e/0x2a0
epc : ffffffff01234a1c ra : ffffffff80512c3e sp : ff2000000001bcd0
Call Trace:
[<ffffffff01234a1c>] mydrv_probe+0x1c/0x30 [mydrv]
[<ffffffff80512c3e>] really_probe+0x9e/0x2a0
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel NULL pointer dereference in mydrv_probe
            pc 0xffffffff01234a1c mydrv_probe+0x1c/0x30 [mydrv] task
              0xffffffff01234a1c mydrv_probe+0x1c/0x30 [mydrv] task
              0xffffffff80512c3e really_probe+0x9e/0x2a0 task
        "#]],
    );
}

/// 2.6-era crash PCs: i386 `die()` prints `EIP:    0060:[<addr>]    Not tainted VLI` then
/// `EIP is at sym+off/size [mod]` (arch/i386/kernel/traps.c `show_registers`), and its closing
/// `EIP: [<addr>] sym+off/size SS:ESP …`; x86-64's `printk_address` of 2.6.18–2.6.24 prints a
/// module symbol as `:mod:sym+off/size`, in the crash PC and in the trace.
#[test]
fn crash_pcs_of_2_6_kernels() {
    check(
        r"BUG: unable to handle kernel paging request at virtual address 6b6b6b6b
Oops: 0000 [#1]
EIP:    0060:[<c01a2b3c>]    Not tainted VLI
EFLAGS: 00010246   (2.6.18-1.2798.fc6 #1)
EIP is at ext3_get_block+0x2a/0x130 [ext3]
eax: 00000000   ebx: 6b6b6b6b   ecx: 00000000   edx: 00000000
Call Trace:
 [<c0180dea>] generic_file_read+0xa1/0xbc
EIP: [<c01a2b3c>] :ext3:ext3_get_block+0x2a/0x130 SS:ESP 0068:f1d4fd4c
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel paging request in ext3_get_block
            pc 0xc01a2b3c ext3_get_block+0x2a/0x130 [ext3] task
              0xc0180dea generic_file_read+0xa1/0xbc task
        "#]],
    );
    check(
        r"Unable to handle kernel NULL pointer dereference at 0000000000000010 RIP:
 [<ffffffff8803c3a5>] :ext3:ext3_get_block+0x2a/0x130
PGD 7d1b4067 PUD 7d1b5067 PMD 0
Oops: 0000 [1] SMP
RIP: 0010:[<ffffffff8803c3a5>]  [<ffffffff8803c3a5>] :ext3:ext3_get_block+0x2a/0x130
RSP: 0018:ffff81007d3cfb88  EFLAGS: 00010246
Call Trace:
 [<ffffffff8803d1a4>] :ext3:ext3_readpage+0x14/0x20
 [<ffffffff8020f0d8>] generic_file_aio_read+0x34/0x39
",
        expect![[r#"
            page-fault | BUG: unable to handle kernel NULL pointer dereference in ext3_get_block
            pc 0xffffffff8803c3a5 ext3_get_block+0x2a/0x130 [ext3] task
              0xffffffff8803d1a4 ext3_readpage+0x14/0x20 [ext3] task
              0xffffffff8020f0d8 generic_file_aio_read+0x34/0x39 task
        "#]],
    );
}
