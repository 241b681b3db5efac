#!/usr/bin/env bash
# Time the baselines legolog is compared with, on the real Debian 6.1 vmlinux:
#   * GNU addr2line -f -i and llvm-symbolizer on bench/real-kernel/addrs-100.txt (100 link-time
#     vmlinux addresses: every vmlinux frame of fixtures/logs/real/*.log as the oracle queries
#     it, topped up with every 1000th text symbol + 0x10), best of 3, wall time and peak RSS;
#   * the kernel's scripts/decode_stacktrace.sh on fixtures/logs/real/6.1-sysrq.log (CRs stripped:
#     with CRLF it fails on every "[module]\r" frame).
# Needs ~/.cache/legolog/real-kernel.env (scripts/real-kernel/capture.sh --prepare-only).
# usage: scripts/real-kernel/time-baselines.sh [--regen-addrs]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${LEGOLOG_CACHE:-$HOME/.cache/legolog}
ENVF=$CACHE/real-kernel.env
[ -f "$ENVF" ] || { echo "no $ENVF: run scripts/real-kernel/capture.sh --prepare-only" >&2; exit 1; }
# shellcheck disable=SC1090
source "$ENVF"
ADDRS=$REPO/bench/real-kernel/addrs-100.txt
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -s "$ADDRS" ] || [ "${1:-}" = --regen-addrs ]; then
	mkdir -p "$(dirname "$ADDRS")"
	python3 "$HERE/addr2line-oracle.py" --env "$ENVF" --format tsv "$REPO"/fixtures/logs/real/6.1-*.log 2>/dev/null |
		awk -F'\t' '$5 ~ /vmlinux/ { print $7 }' | sort -u > "$TMP/a"
	nm -n "$LEGOLOG_REAL_VMLINUX" | awk '$2 ~ /^[Tt]$/ { print $1 }' |
		awk 'NR % 1000 == 7 { print $1 }' | while read -r a; do printf '0x%x\n' $((0x$a + 16)); done >> "$TMP/a"
	head -n 100 "$TMP/a" > "$ADDRS"
fi
n=$(wc -l < "$ADDRS")

best() { # label cmd… → best-of-3 wall seconds and the RSS of that run
	local label=$1; shift
	local bw= br=
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$TMP/t" "$@" > "$TMP/out" 2>/dev/null
		read -r w r < "$TMP/t"
		if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w br=$r; fi
	done
	printf '%-40s %6.2f s wall (best of 3)  %7d KB peak RSS  %s output lines\n' "$label" "$bw" "$br" "$(wc -l < "$TMP/out")"
}
echo "vmlinux: $LEGOLOG_REAL_VMLINUX ($n addresses from $ADDRS)"
best "addr2line -f -i ($(addr2line --version | head -n1 | awk '{ print $NF }'))" \
	sh -c "addr2line -f -i -e '$LEGOLOG_REAL_VMLINUX' < '$ADDRS'"
best "llvm-symbolizer ($(llvm-symbolizer --version | awk '/LLVM version/ { print $NF }'))" \
	sh -c "llvm-symbolizer --obj='$LEGOLOG_REAL_VMLINUX' < '$ADDRS'"

tr -d '\r' < "$REPO/fixtures/logs/real/6.1-sysrq.log" > "$TMP/sysrq.log"
frames=$(grep -cE '[A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+' "$TMP/sysrq.log")
s=$(date +%s.%N)
/usr/bin/time -f '%e %M' -o "$TMP/t" bash "$LEGOLOG_LINUX_SOURCE/scripts/decode_stacktrace.sh" \
	"$LEGOLOG_REAL_VMLINUX" "$LEGOLOG_LINUX_SOURCE" "$LEGOLOG_REAL_MODULES" < "$TMP/sysrq.log" > "$TMP/dec" 2>/dev/null
read -r w r < "$TMP/t"
printf '%-40s %6.2f s wall (one run)  %7d KB peak RSS  (%s lines with sym+off/size)\n' \
	"decode_stacktrace.sh on 6.1-sysrq.log" "$w" "$r" "$frames"
