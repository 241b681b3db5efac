#!/usr/bin/env bash
# `legolog correlate` on N generated logs (default 10,000 of ~100 KiB, ~1 GB) next to `cat` of
# the same files in the same run (these machines are noisy: compare the ratio), with and
# without recording into a fresh history database, plus peak RSS.
#
# Usage: bench/correlate.sh [N_LOGS] [KIB_PER_LOG]
set -euo pipefail
cd "$(dirname "$0")/.."
n_logs=${1:-10000}
kib=${2:-100}
work=${LEGOLOG_BENCH_DIR:-${TMPDIR:-/tmp}/legolog-bench}
logs="$work/correlate-${n_logs}x${kib}k"
if [ ! -d "$logs" ]; then
    python3 bench/gen-correlate-logs.py "$logs.tmp" "$n_logs" "$kib"
    mv "$logs.tmp" "$logs"
fi
cargo build --release --quiet
bin=target/release/legolog
db="$work/correlate-history.sqlite3"
find "$logs" -type f -print0 | xargs -0 cat > /dev/null # warm the page cache

secs() { # wall time of "$@" in seconds
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    python3 -c "print($end - $start)"
}

bytes=$(du -sb "$logs" | cut -f1)
t_cat=$(secs sh -c "find '$logs' -type f -print0 | xargs -0 cat")
t_nodb=$(secs "$bin" correlate --no-db --format json "$logs")
rm -f "$db"
t_db=$(secs "$bin" correlate --db "$db" --format json "$logs")
t_db_again=$(secs "$bin" correlate --db "$db" --format json "$logs")
rss_kb=$( { /usr/bin/time -f '%M' "$bin" correlate --no-db --format json "$logs" > /dev/null; } 2>&1 | tail -n 1)
groups=$("$bin" correlate --no-db --format json "$logs" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["groups"]), d["reports"])')
python3 - "$bytes" "$n_logs" "$t_cat" "$t_nodb" "$t_db" "$t_db_again" "$rss_kb" "$groups" "$(nproc)" <<'PY'
import sys
size, n, t_cat, t_nodb, t_db, t_again, rss_kb = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:7]), int(sys.argv[7])
groups, cores = sys.argv[8], sys.argv[9]
mib = size / 2**20
print(f"input                      {n} logs, {mib:.0f} MiB, {cores} cores; groups/reports: {groups}")
print(f"cat                        {t_cat:7.2f} s  {mib / t_cat:7.0f} MiB/s")
print(f"correlate --no-db          {t_nodb:7.2f} s  {mib / t_nodb:7.0f} MiB/s  ratio to cat {t_cat / t_nodb:.2f}")
print(f"correlate, new history     {t_db:7.2f} s  {mib / t_db:7.0f} MiB/s")
print(f"correlate, same logs again {t_again:7.2f} s  (idempotent: nothing new recorded)")
print(f"peak RSS (--no-db)         {rss_kb / 1024:7.1f} MB")
PY
