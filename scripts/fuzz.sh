#!/usr/bin/env bash
# Runs every fuzz target in turn with cargo-fuzz for SECONDS each (default 600), starting from
# seeds made here and the kept regression inputs (fuzz/regressions/TARGET: every crash found,
# after its fix, so each run replays them first). Prints execs and crashes per target; a crash
# leaves its input in fuzz/artifacts/TARGET and makes the script exit non-zero.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on stable through RUSTC_BOOTSTRAP=1 and
# without a sanitizer (-s none).
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_log open_elf rules_file history_open symbolize_query)
export RUSTC_BOOTSTRAP=1

seed() { # seed TARGET: a few valid inputs to start from
    local dir=corpus/$1
    mkdir -p "$dir" "regressions/$1"
    case $1 in
        parse_log) cp ../fixtures/logs/0826-w9-1.log "$dir/seed.log"
                   tr '\n' '\r' < ../fixtures/logs/0826-w9-1.log > "$dir/seed-cr.log" ;;
        open_elf) cp ../fixtures/vmlinux/lego_test-mod.ko "$dir/module.ko" ;;
        rules_file) cp ../rules/builtin.toml "$dir/builtin.toml" ;;
        history_open)
            rm -f "$dir/history.sqlite3"
            (cd .. && cargo run --quiet -- analyze --db "fuzz/$dir/history.sqlite3" \
                fixtures/logs/0826-w9-1.log > /dev/null) || true ;;
        symbolize_query)
            printf '0xffffffff810522c3\nmlx4_ib_poll_cq+0x1d3/0x850\nf+0x1/0x2 lego_test_mod\n' \
                > "$dir/queries" ;;
    esac
}

status=0
summary=()
for target in "${targets[@]}"; do
    seed "$target"
    log=$(mktemp)
    cargo fuzz run -s none --release "$target" "corpus/$target" "regressions/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
        > "$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(ls "artifacts/$target" 2>/dev/null | wc -l)
    summary+=("$target: ${execs:-?} execs in ${seconds}s, exit $rc, $crashes crash input(s) in fuzz/artifacts/$target")
    if [ "$rc" -ne 0 ]; then
        status=1
        tail -30 "$log"
    fi
    rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit $status
