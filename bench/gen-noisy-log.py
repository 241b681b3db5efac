#!/usr/bin/env python3
"""Writes a noisy kernel console log of about SIZE bytes: boot chatter with reports sprinkled in.

Usage: gen-noisy-log.py OUT SIZE_MIB [SEED] [CHATTER]

CHATTER is `synthetic` (default: the messages below, ~77-byte lines with caller ids) or `boot`:
the real boot lines of fixtures/logs/real/*.log (Debian 6.1 under qemu, everything before the
capture's own `legolog-init:` lines), ~66 bytes a line, retimed.

The chatter mixes the shapes a real serial console carries: dmesg timestamps, printk caller ids,
driver messages, CRLF line ends, an ANSI escape now and then and a few invalid UTF-8 bytes. A
report (the LegoOS seed watchdog, a Linux WARNING with a new-style trace, a soft lockup) is
inserted about every 2 MiB (every $LEGOLOG_REPORT_EVERY_KIB KiB when set). The generator is
deterministic for a given SEED.
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_LOG = os.path.join(HERE, "..", "fixtures", "logs", "0826-w9-1.log")
REAL_DIR = os.path.join(HERE, "..", "fixtures", "logs", "real")


def boot_chatter():
    """The kernel's own boot messages from the real serial logs, without their timestamps."""
    lines = []
    for name in sorted(os.listdir(REAL_DIR)):
        if not name.endswith(".log"):
            continue
        with open(os.path.join(REAL_DIR, name), "rb") as f:
            for raw in f.read().splitlines():
                if b"legolog-init:" in raw:
                    break
                if raw.startswith(b"[") and b"] " in raw:
                    lines.append(raw.split(b"] ", 1)[1].rstrip(b"\r"))
    return lines

CHATTER = [
    "usb 1-1: new high-speed USB device number {n} using xhci_hcd",
    "EXT4-fs (sda{n}): mounted filesystem with ordered data mode. Opts: (null)",
    "IPv6: ADDRCONF(NETDEV_CHANGE): eth{n}: link becomes ready",
    "mlx4_core 0000:0{n}:00.0: PCIe link speed is 8.0GT/s, device supports 8.0GT/s",
    "fit: fit_poll_recv_cq CPU {n} polled {n} completions",
    "systemd[1]: Started Journal Service for node {n}.",
    "random: crng init done after {n} bits",
    "audit: type=1400 audit({n}.123:42): apparmor=\"STATUS\" operation=\"profile_load\"",
    "pcache: victim flush thread {n} woke up, nr_victims={n}",
    "NETLINK: 'syz-executor': attribute type {n} has an invalid length.",
    "\x1b[0;32m  OK  \x1b[0m Reached target Multi-User System ({n}).",
    "serial8250: too much work for irq{n}",
]

WARNING = """------------[ cut here ]------------
WARNING: CPU: {cpu} PID: {pid} at net/core/dev.c:{line} dev_watchdog+0x2a1/0x2b0
Modules linked in: mlx4_ib mlx4_core
CPU: {cpu} PID: {pid} Comm: kworker/{cpu}:1 Not tainted 6.1.0-26-amd64 #1 Debian 6.1.112-1
RIP: 0010:dev_watchdog+0x2a1/0x2b0
Code: ff ff 48 89 ef c6 05 0c 9e 1f 01 01 e8 6f 9b fa ff 48 89 c2 44 89 e1 48 89 ee <0f> 0b eb 9d
RSP: 0018:ffffb3e5c0003e70 EFLAGS: 00010286
RAX: 0000000000000000 RBX: ffff9a1a8a3b8000 RCX: 0000000000000027
Call Trace:
 <IRQ>
 ? __warn+0x7d/0xc0
 ? dev_watchdog+0x2a1/0x2b0
 call_timer_fn+0x24/0x130
 __run_timers+0x222/0x2c0
 run_timer_softirq+0x1d/0x40
 __do_softirq+0xc5/0x2c8
 </IRQ>
 <TASK>
 asm_sysvec_apic_timer_interrupt+0x16/0x20
 </TASK>
---[ end trace 0000000000000000 ]---"""

LOCKUP = """watchdog: BUG: soft lockup - CPU#{cpu} stuck for 22s! [kworker/{cpu}:2:{pid}]
CPU: {cpu} PID: {pid} Comm: kworker/{cpu}:2 Not tainted 6.1.0-26-amd64 #1
RIP: 0010:native_queued_spin_lock_slowpath+0x5f/0x2d0
Call Trace:
 <TASK>
 _raw_spin_lock+0x25/0x30
 mlx4_ib_poll_cq+0x3a/0x850 [mlx4_ib]
 ib_poll_handler+0x2b/0xa0 [ib_core]
 process_one_work+0x1c7/0x380
 worker_thread+0x4d/0x380
 kthread+0xd7/0x100
 ret_from_fork+0x1f/0x30
 </TASK>"""


def main():
    out_path, size_mib = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    boot = boot_chatter() if len(sys.argv) > 4 and sys.argv[4] == "boot" else None
    with open(SEED_LOG, "rb") as f:
        seed_lines = [l.split(b"] ", 1)[1] for l in f.read().splitlines()]
    target = size_mib * 1024 * 1024
    written = 0
    t = 1.0
    chunk = []
    chunk_bytes = 0
    every = int(os.environ.get("LEGOLOG_REPORT_EVERY_KIB", "2048")) * 1024
    next_report = every
    n_reports = 0
    with open(out_path, "wb") as out:
        while written < target:
            t += rng.random() * 0.01
            if written + chunk_bytes >= next_report:
                next_report += every
                n_reports += 1
                kind = n_reports % 3
                if kind == 0:
                    body = seed_lines
                else:
                    template = WARNING if kind == 1 else LOCKUP
                    text = template.format(cpu=rng.randrange(16), pid=rng.randrange(1, 30000), line=rng.randrange(4000))
                    body = [l.encode() for l in text.splitlines()]
                for l in body:
                    t += 0.000013
                    line = b"[%12.6f] " % t + l + b"\n"
                    chunk.append(line)
                    chunk_bytes += len(line)
                continue
            if boot is not None:
                line = b"[%12.6f] " % t + rng.choice(boot) + b"\n"
            else:
                msg = rng.choice(CHATTER).format(n=rng.randrange(100))
                caller = "[ T%d]" % rng.randrange(1, 5000) if rng.random() < 0.5 else ""
                line = ("[%12.6f]%s %s" % (t, caller, msg)).encode()
                if rng.random() < 0.01:
                    line += b" \xff\xfe"
                line += b"\r\n" if rng.random() < 0.3 else b"\n"
            chunk.append(line)
            chunk_bytes += len(line)
            if chunk_bytes > 1 << 20:
                out.write(b"".join(chunk))
                written += chunk_bytes
                chunk, chunk_bytes = [], 0
        out.write(b"".join(chunk))
    print(f"{out_path}: {size_mib} MiB, {n_reports} reports", file=sys.stderr)


if __name__ == "__main__":
    main()
