#!/usr/bin/env python3
"""Drives `legolog analyze --format jsonl -` like an endless console: writes LOG into its stdin
over and over at full speed for SECONDS, and reports throughput, report latency and peak RSS.

Usage: stream-drive.py LEGOLOG LOG SECONDS [PEER]

With PEER = cat, the same writer feeds `cat > /dev/null` instead (the pipe's own speed).
Latency of a report: from the moment the block holding the line after its last line was
written (the line that tells it is over) to the moment its jsonl line was read; reports closed
by idleness do not occur at full speed. Every report must come out while stdin is still open.
"""
import json
import re
import os
import subprocess
import sys
import threading
import time

BLOCK = 256 * 1024


def main():
    legolog, log, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    peer = len(sys.argv) > 4 and sys.argv[4] == "cat"
    data = open(log, "rb").read()
    lines_per_copy = data.count(b"\n")
    # Byte offset of the start of every line, to know when a report's next line is written.
    starts = [0]
    pos = data.find(b"\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = data.find(b"\n", pos + 1)
    if peer:
        cmd = ["cat"]
        out = subprocess.DEVNULL
    else:
        cmd = [legolog, "analyze", "--no-db", "--format", "jsonl", "-"]
        out = subprocess.PIPE
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out)
    arrivals = {}  # line_end (global) -> arrival time
    line_end = re.compile(rb'"line_end":(\d+)')
    def read():
        # The jsonl lines are written whole and flushed one by one; only the span is needed.
        for line in proc.stdout:
            now = time.monotonic()
            if b'"type":"report"' in line:
                arrivals.setdefault(int(line_end.search(line).group(1)), now)
    reader = None
    if not peer:
        reader = threading.Thread(target=read)
        reader.start()
    written_at = []  # (global byte offset written so far, time)
    total = 0
    start = time.monotonic()
    copies = 0
    while time.monotonic() - start < seconds:
        for off in range(0, len(data), BLOCK):
            proc.stdin.write(data[off:off + BLOCK])
            total += min(BLOCK, len(data) - off)
            written_at.append((total, time.monotonic()))
        copies += 1
    elapsed = time.monotonic() - start
    # Peak RSS while the input is still open.
    rss_kb = 0
    try:
        with open(f"/proc/{proc.pid}/status") as f:
            for l in f:
                if l.startswith("VmHWM:"):
                    rss_kb = int(l.split()[1])
    except OSError:
        pass
    proc.stdin.flush()
    time.sleep(2)
    seen_open = dict(arrivals)
    proc.stdin.close()
    proc.wait()
    if reader:
        reader.join()
    mib = total / 2**20
    print(f"{'cat' if peer else 'legolog'} {mib:.0f} MiB in {elapsed:.2f} s = {mib / elapsed:.0f} MiB/s")
    if peer:
        return
    # Latency: when was the byte after each report's last line written?
    import bisect
    offsets = [w for w, _ in written_at]
    latencies = []
    for line_end, arrived in seen_open.items():
        copy, local = divmod(line_end, lines_per_copy)  # line_end is 1-based
        if local >= len(starts):
            continue
        closing = copy * len(data) + starts[local] + 1
        i = bisect.bisect_left(offsets, closing)
        if i < len(written_at):
            latencies.append(max(0.0, arrived - written_at[i][1]))
    latencies.sort()
    print(f"reports out while stdin open {len(seen_open)} (of {len(arrivals)} in total; {copies} copies of the log)")
    if latencies:
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        print(f"report latency   p50 {p(0.5) * 1000:.1f} ms, p99 {p(0.99) * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"peak RSS         {rss_kb / 1024:.1f} MiB (target < 64 MB)")


main()
