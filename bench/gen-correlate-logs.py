#!/usr/bin/env python3
"""Writes N console logs (default 10,000 of ~100 KiB: ~1 GB) for bench/correlate.sh.

Each log is boot chatter plus one report: a variant of the seed watchdog (other CPU, worker,
timestamps, KASLR slide) or of two other bugs, named like real runs (MMDD-w<machine>-<run>).
A shared chatter block is written with a per-file first line, so every file has distinct
content (the history keys on content) while generation stays disk-bound.
"""
import os
import random
import re
import sys

out_dir, n_logs, kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 100
root = os.path.join(os.path.dirname(__file__), "..")
seed = open(os.path.join(root, "fixtures/logs/0826-w9-1.log")).read()
other = seed.replace("mlx4_ib_poll_cq", "pcache_handle_fault").replace(
    "fit_internal_poll_sendcq", "common_do_fill_page").replace("fit_ack_reply_callback", "handle_p2m_pcache_miss")
third = seed.replace("fit_internal_poll_sendcq", "victim_finish_insert").replace(
    "fit_send_message_with_rdma_write_with_imm_request", "pcache_evict_line")
bugs = [seed, seed, other, third]
rng = random.Random(4)
chatter_lines = []
t = 1.0
while sum(len(l) for l in chatter_lines) < kib * 1024:
    t += rng.random() / 10
    chatter_lines.append(f"[{t:12.6f}] fit: polling thread {rng.randrange(64)} handled {rng.randrange(10**6)} events on qp {rng.randrange(4096)}\n")
chatter = "".join(chatter_lines)
hex_re = re.compile(r"ffffffff8[0-9a-f]{7}")
os.makedirs(out_dir, exist_ok=True)
for idx in range(n_logs):
    month, day = 1 + idx % 12, 1 + idx % 28
    name = f"{month:02d}{day:02d}-w{idx % 16}-{idx}.log"
    slide = 0x200000 * (idx % 64)
    report = bugs[idx % len(bugs)].replace("CPU10", f"CPU{idx % 24}").replace("CPU: 10", f"CPU: {idx % 24}")
    report = hex_re.sub(lambda m: f"{int(m.group(0), 16) + slide:x}", report)
    with open(os.path.join(out_dir, name), "w") as f:
        f.write(f"[    0.000000] Linux version 4.0.0-lego+ run {idx}\n")
        f.write(chatter)
        f.write(report)
