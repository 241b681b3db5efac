#!/usr/bin/env bash
# Whole-process throughput of `legolog analyze` against `grep -F -c 'Call Trace'` on the same
# noisy console log, measured in the same run (these machines are noisy: compare the ratio, not
# the seconds), plus legolog's peak RSS. Two ways of running legolog are timed side by side:
#   default  as a user runs it: the history on (a fresh temporary one for each run), so the
#            log's content key is computed and the log recorded
#   --no-db  the scan alone
# Two logs of SIZE_MIB each, reports every 2 MiB:
#   synthetic  the generator's own chatter, ~77-byte lines, half of them with caller ids
#   boot       real boot chatter (the Debian 6.1 boot lines of fixtures/logs/real), ~66 bytes
#              a line: the per-line costs show here
#
# Usage: bench/scan.sh [SIZE_MIB] [VARIANT...] (default 1024, both variants).
# LEGOLOG_BIN: time that binary instead of a fresh release build. LEGOLOG_BEFORE: also time this
# binary (say, main's build), each of its runs alternated with the other's, so both face the
# same load; its figures are printed first.
# Targets: both ratios >= 1.0 on each log, peak RSS < 20 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
shift || true
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(synthetic boot)
work=${LEGOLOG_BENCH_DIR:-${TMPDIR:-/tmp}/legolog-bench}
mkdir -p "$work"
[ -n "${LEGOLOG_BIN:-}" ] || cargo build --release --quiet
bin=${LEGOLOG_BIN:-target/release/legolog}
bins=("$bin")
names=("")
if [ -n "${LEGOLOG_BEFORE:-}" ]; then
    bins=("$LEGOLOG_BEFORE" "$bin")
    names=("before: " "after:  ")
fi

seconds() { # wall time of one run of "$@", in seconds
    local start end
    start=$(date +%s.%N)
    "$@" > "$work/out" # a file, not /dev/null: GNU grep quits at the first match on /dev/null
    end=$(date +%s.%N)
    python3 -c "print($end - $start)"
}

min() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }

with_fresh_history() { # runs "$@" with an empty history of its own (XDG dirs in a new temp dir)
    local home
    home=$(mktemp -d "$work/home.XXXXXX")
    XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_CACHE_HOME="$home/cache" "$@"
    local status=$?
    rm -rf "$home"
    return $status
}

for variant in "${variants[@]}"; do
    case "$variant" in
    synthetic) log="$work/noisy-${size_mib}MiB.log"; gen_args=() ;;
    boot) log="$work/boot-${size_mib}MiB.log"; gen_args=(42 boot) ;;
    *) echo "unknown variant $variant (synthetic, boot)" >&2; exit 2 ;;
    esac
    [ -s "$log" ] || python3 bench/gen-noisy-log.py "$log" "$size_mib" "${gen_args[@]}"
    cat "$log" > /dev/null # warm the page cache for all contenders
    bytes=$(stat -c %s "$log")
    lines=$(wc -l < "$log")
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    # Best of 3 wall times each; the contenders take turns within each round.
    t_grep=() t_nodb=() t_default=()
    for _ in 1 2 3; do
        t_grep+=("$(seconds grep -F -c 'Call Trace' "$log")")
        for idx in "${!bins[@]}"; do
            t_nodb[idx]="${t_nodb[idx]:-} $(seconds "${bins[idx]}" analyze --no-db --format json "$log")"
            t_default[idx]="${t_default[idx]:-} $(seconds with_fresh_history "${bins[idx]}" analyze --format json "$log")"
        done
    done
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    grep_best=$(min "${t_grep[@]}")
    echo "== $variant (load average $load_before before, $load_after after)"
    for idx in "${!bins[@]}"; do
        b=${bins[idx]}
        # shellcheck disable=SC2086 # the lists are space-separated on purpose
        nodb_best=$(min ${t_nodb[idx]})
        # shellcheck disable=SC2086
        default_best=$(min ${t_default[idx]})
        rss_kb=$( { /usr/bin/time -f '%M' "$b" analyze --no-db --format json "$log" > /dev/null; } 2>&1 | tail -n 1)
        rss_default_kb=$( { with_fresh_history /usr/bin/time -f '%M' "$b" analyze --format json "$log" > /dev/null; } 2>&1 | tail -n 1)
        reports=$("$b" analyze --no-db --format json "$log" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["reports"]))')
        python3 - "${names[idx]}" "$bytes" "$lines" "$grep_best" "$nodb_best" "$rss_kb" "$reports" "$default_best" "$rss_default_kb" "$b" <<'PY'
import sys
name = sys.argv[1]
size, lines, t_grep, t_lego, rss_kb, reports = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
t_default, rss_default_kb, binary = float(sys.argv[8]), int(sys.argv[9]), sys.argv[10]
mib = size / 2**20
if name:
    print(f"-- {name}{binary}")
print(f"input                    {mib:.0f} MiB, {size / lines:.0f} bytes a line, {reports} reports found")
print(f"grep -F -c               {t_grep:.3f} s  {mib / t_grep:8.0f} MiB/s")
print(f"legolog analyze          {t_default:.3f} s  {mib / t_default:8.0f} MiB/s  (default: history on)")
print(f"legolog analyze --no-db  {t_lego:.3f} s  {mib / t_lego:8.0f} MiB/s")
print(f"ratio default            {t_grep / t_default:.2f} (legolog throughput / grep throughput; target >= 1.0)")
print(f"ratio --no-db            {t_grep / t_lego:.2f} (target >= 1.0)")
print(f"peak RSS default         {rss_default_kb / 1024:.1f} MiB (target < 20 MB)")
print(f"peak RSS --no-db         {rss_kb / 1024:.1f} MiB (target < 20 MB)")
PY
    done
done
