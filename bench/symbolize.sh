#!/usr/bin/env bash
# Symbolization speed on the real Debian 6.1 vmlinux (issue 3, "Performance"), every contender
# measured in the same run (these machines are shared and noisy: compare the ratios):
#
#   1. N inline-heavy link-time addresses (default 10,000; chosen once by gen-inline-addrs.py
#      into the work dir: random bytes of random functions where `addr2line -i` gives >= 2
#      frames) through `legolog symbolize`, `llvm-symbolizer --obj` and GNU `addr2line -f -i`:
#      best-of-3 wall time, CPU time and peak RSS of each, ratios, and how far the answers agree
#      (compare-symbolize.py). Target: legolog <= 0.5x llvm-symbolizer's wall time.
#   2. `legolog analyze --vmlinux --modules` against the kernel's scripts/decode_stacktrace.sh
#      (from LEGOLOG_LINUX_SOURCE, CRs stripped for it) on fixtures/logs/real/6.1-sysrq.log.
#      Target: >= 100x faster. decode_stacktrace.sh takes 20-30 s: it runs once.
#
# Needs ~/.cache/legolog/real-kernel.env (scripts/real-kernel/capture.sh --prepare-only),
# llvm-symbolizer, binutils, /usr/bin/time, python3.
# Usage: bench/symbolize.sh [N_ADDRS]      (work dir: $LEGOLOG_BENCH_DIR or /tmp/legolog-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
n_addrs=${1:-10000}
env_file=${LEGOLOG_CACHE:-$HOME/.cache/legolog}/real-kernel.env
[ -f "$env_file" ] || { echo "no $env_file: run scripts/real-kernel/capture.sh --prepare-only" >&2; exit 1; }
# shellcheck disable=SC1090
source "$env_file"
vmlinux=$LEGOLOG_REAL_VMLINUX
work=${LEGOLOG_BENCH_DIR:-${TMPDIR:-/tmp}/legolog-bench}
mkdir -p "$work"
addrs="$work/inline-addrs-$n_addrs.txt"
[ -s "$addrs" ] || python3 bench/gen-inline-addrs.py "$vmlinux" "$n_addrs" "$addrs"
# LEGOLOG_BIN: time that binary instead (say, a previous build, for a before/after run).
[ -n "${LEGOLOG_BIN:-}" ] || cargo build --release --quiet
bin=${LEGOLOG_BIN:-$PWD/target/release/legolog}
cat "$vmlinux" > /dev/null # warm the page cache for every contender

# best LABEL CMD… : best-of-3 by wall time; prints "wall cpu rss_kb" of that run, keeps its stdout
best() {
	local label=$1; shift
	local bw= bc= br=
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > "$work/out-$label.tmp" 2> /dev/null
		read -r w u s r < "$work/time"
		if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then
			bw=$w bc=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') br=$r
			mv "$work/out-$label.tmp" "$work/out-$label.txt"
		fi
	done
	echo "$bw $bc $br"
}

echo "date         $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "vmlinux      $vmlinux ($(stat -c %s "$vmlinux") bytes)"
echo "addresses    $(wc -l < "$addrs") from $addrs"
read -r l_w l_c l_r <<< "$(best legolog sh -c "'$bin' symbolize --vmlinux '$vmlinux' < '$addrs'")"
read -r m_w m_c m_r <<< "$(best llvm sh -c "llvm-symbolizer --obj='$vmlinux' < '$addrs'")"
read -r a_w a_c a_r <<< "$(best addr2line sh -c "addr2line -a -f -i -e '$vmlinux' < '$addrs'")"
row() { printf '%-34s %6.2f s wall %6.2f s CPU %8.1f MB peak RSS\n' "$1" "$2" "$3" "$(awk -v k="$4" 'BEGIN { print k / 1024 }')"; }
row "legolog symbolize" "$l_w" "$l_c" "$l_r"
row "llvm-symbolizer $(llvm-symbolizer --version | awk '/LLVM version/ { print $NF }')" "$m_w" "$m_c" "$m_r"
row "GNU addr2line -f -i $(addr2line --version | head -n1 | awk '{ print $NF }')" "$a_w" "$a_c" "$a_r"
awk -v l="$l_w" -v m="$m_w" -v a="$a_w" -v lc="$l_c" -v mc="$m_c" 'BEGIN {
	printf "ratio        legolog / llvm-symbolizer wall %.2f (target <= 0.5), CPU %.2f; legolog / addr2line wall %.2f\n", l / m, lc / mc, l / a }'
python3 bench/compare-symbolize.py "$addrs" "$work/out-legolog.txt" "$work/out-addr2line.txt" "$work/out-llvm.txt" | head -n 2

log=fixtures/logs/real/6.1-sysrq.log
tr -d '\r' < "$log" > "$work/sysrq-lf.log"
n_frames=$(grep -cE '[A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+' "$work/sysrq-lf.log")
read -r g_w g_c g_r <<< "$(best analyze "$bin" analyze --no-db --format json --vmlinux "$vmlinux" --modules "$LEGOLOG_REAL_MODULES" "$log")"
/usr/bin/time -f '%e %U %S %M' -o "$work/time" bash "$LEGOLOG_LINUX_SOURCE/scripts/decode_stacktrace.sh" \
	"$vmlinux" "$LEGOLOG_LINUX_SOURCE" "$LEGOLOG_REAL_MODULES" < "$work/sysrq-lf.log" > "$work/out-decode.txt" 2> /dev/null
read -r d_w d_u d_s d_r < "$work/time"
d_c=$(awk -v u="$d_u" -v s="$d_s" 'BEGIN { print u + s }')
echo "log          $log ($n_frames lines with sym+off/size)"
row "legolog analyze (best of 3)" "$g_w" "$g_c" "$g_r"
row "decode_stacktrace.sh (one run)" "$d_w" "$d_c" "$d_r"
awk -v g="$g_w" -v d="$d_w" 'BEGIN { printf "ratio        decode_stacktrace.sh / legolog analyze wall %.0fx (target >= 100x)\n", d / g }'
