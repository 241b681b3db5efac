#!/usr/bin/env bash
# Streaming `legolog analyze --format jsonl -` (issue 7) on a noisy log with a report every
# ~0.5 MiB. Printed, from the same run: the throughput of the stream against today's file scan
# (`analyze --format json FILE`) and against `cat`, over the same bytes; then an endless stdin
# written at full speed for SECONDS: report latency, reports out while stdin is open, peak RSS.
#
# Usage: bench/stream.sh [SECONDS] [SIZE_MIB] (default 120 s over a 256 MiB log).
# Targets: stream >= 0.8x the file scan; peak RSS < 64 MB; every report out while stdin is open.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
size_mib=${2:-256}
work=${LEGOLOG_BENCH_DIR:-${TMPDIR:-/tmp}/legolog-bench}
mkdir -p "$work"
# LEGOLOG_BIN: time that binary instead (say, a previous build, for a before/after run).
[ -n "${LEGOLOG_BIN:-}" ] || cargo build --release --quiet
bin=${LEGOLOG_BIN:-target/release/legolog}
log="$work/stream-${size_mib}MiB.log"
[ -s "$log" ] || LEGOLOG_REPORT_EVERY_KIB=512 python3 bench/gen-noisy-log.py "$log" "$size_mib"
cat "$log" > /dev/null
copies=${STREAM_COPIES:-8}
best() { # best wall time of 3 runs of the shell command "$1", in seconds
    local best=
    for _ in 1 2 3; do
        local start end
        start=$(date +%s.%N)
        bash -c "$1"
        end=$(date +%s.%N)
        best=$(python3 -c "b='$best'; t=$end-$start; print(t if not b else min(float(b), t))")
    done
    echo "$best"
}
# Throughput, each best of 3 over the same bytes ($copies copies of the log):
#   file scan  today's `analyze --format json FILE`, once per copy
#   cat        the copies piped through `cat`
#   stream     the copies piped into `analyze --format jsonl -`
t_file=$(best "for i in \$(seq $copies); do $bin analyze --no-db --format json $log > $work/out; done")
t_cat=$(best "for i in \$(seq $copies); do cat $log; done | cat > /dev/null")
t_stream=$(best "for i in \$(seq $copies); do cat $log; done | $bin analyze --no-db --format jsonl - > $work/out.jsonl")
per_copy=$(grep -c '"type":"report"' "$work/out.jsonl")
python3 - "$size_mib" "$copies" "$t_file" "$t_cat" "$t_stream" "$per_copy" <<'PY'
import sys
size, copies, t_file, t_cat, t_stream, reports = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
mib = size * copies
print(f"input            {copies} x {size} MiB, a report every 0.5 MiB ({reports} reports)")
print(f"file scan        {t_file:.2f} s  {mib / t_file:6.0f} MiB/s  (analyze --format json FILE, once per copy)")
print(f"cat              {t_cat:.2f} s  {mib / t_cat:6.0f} MiB/s  (the copies through a pipe into cat)")
print(f"stream           {t_stream:.2f} s  {mib / t_stream:6.0f} MiB/s  (the copies through a pipe into analyze --format jsonl -)")
print(f"ratio            stream / file scan {t_file / t_stream:.2f} (target >= 0.8); stream / cat {t_cat / t_stream:.2f}")
PY
# Endless stdin for SECONDS: report latency, reports out while stdin is open, peak RSS.
python3 bench/stream-drive.py "$bin" "$log" "$seconds"
