#!/usr/bin/env bash
# Byte-for-byte comparison of two legolog binaries' outputs (issue 15, acceptance 1).
#
#   scripts/compare-outputs.sh OLD_BIN NEW_BIN [OUT_DIR]
#
# Runs analyze (text, --format json, jsonl, markdown), decode and correlate over the seed log,
# fixtures/logs and both corpora of ../shared (each part skipped, and said so, when absent),
# each without and with the fixture vmlinux (fixtures/vmlinux/vmlinux-0826-w9-1 plus its
# module), with --no-db, and again with a fresh temporary history for each run. stdout, stderr
# and the exit code of every run are kept under OUT_DIR (default: a temporary directory) as
# old/CASE.{out,err,rc} and new/CASE.{out,err,rc}, then compared. Prints the number of runs
# and of differing cases, a diff of the first few, and exits 1 when anything differs.
#
# COMPARE_ONLY=REGEX runs only the cases whose name matches (say `^correlate-` or `^decode-`).
#
# Both binaries run in the same private XDG directories (no user config, no debuginfod), with
# COLUMNS=100 and output to files (no colour). Run it with the same binary twice to see that
# the outputs themselves are deterministic.

set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_BIN NEW_BIN [OUT_DIR]" >&2
    exit 2
fi
old_given=$(realpath "$1")
new_given=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
out=${3:-$(mktemp -d -t legolog-compare.XXXXXX)}
mkdir -p "$out"
cd "$root"

shared=../shared
vmlinux=fixtures/vmlinux/vmlinux-0826-w9-1
modules=fixtures/vmlinux

# Inputs: one file per run for the small sets, one run over all files for the big directories.
single=()
batches=()
walk_dirs=()
for f in "$shared"/seed/*.log fixtures/logs/*.log fixtures/logs/real/*.log; do
    [ -f "$f" ] && single+=("$f")
done
walk_dirs+=(fixtures/logs)
[ -d "$shared/seed" ] && walk_dirs+=("$shared/seed") || echo "skipped: $shared/seed is absent"
if [ -d "$shared/corpus/lego" ]; then
    for f in "$shared"/corpus/lego/*.log; do single+=("$f"); done
    walk_dirs+=("$shared/corpus/lego")
else
    echo "skipped: $shared/corpus/lego is absent"
fi
if [ -d "$shared/corpus/syzkaller-linux" ]; then
    for d in "$shared"/corpus/syzkaller-linux/*/; do
        batches+=("${d%/}")
    done
    walk_dirs+=("$shared/corpus/syzkaller-linux")
else
    echo "skipped: $shared/corpus/syzkaller-linux is absent"
fi

xdg=$(mktemp -d -t legolog-compare-xdg.XXXXXX)
trap 'rm -rf "$xdg"' EXIT
# Both binaries under the same name: usage messages print it.
mkdir -p "$xdg/old" "$xdg/new"
old_bin=$xdg/old/legolog
new_bin=$xdg/new/legolog
ln -s "$old_given" "$old_bin"
ln -s "$new_given" "$new_bin"

# run SIDE BIN CASE ARGS...: one run, its outputs under $out/SIDE/CASE.*
run() {
    local side=$1 bin=$2 case=$3
    shift 3
    if [ -n "${COMPARE_ONLY:-}" ] && ! [[ $case =~ $COMPARE_ONLY ]]; then
        return
    fi
    local rc=0
    env -i PATH="$PATH" HOME="$xdg/home" XDG_CONFIG_HOME="$xdg/config" \
        XDG_DATA_HOME="$xdg/data" XDG_CACHE_HOME="$xdg/cache" COLUMNS=100 LANG=C.UTF-8 \
        "$bin" "$@" >"$out/$side/$case.out" 2>"$out/$side/$case.err" </dev/null || rc=$?
    echo "$rc" >"$out/$side/$case.rc"
}

slug() {
    echo "$1" | sed 's|^\.\./shared/||; s|[/ ]|_|g'
}

n_runs=0
for side in old new; do
    bin=$old_bin
    [ "$side" = new ] && bin=$new_bin
    rm -rf "${out:?}/$side"
    mkdir -p "$out/$side"
    for image in none vmlinux; do
        image_args=()
        [ "$image" = vmlinux ] && image_args=(--vmlinux "$vmlinux" --modules "$modules")
        for db in nodb db; do
            # A fresh history per run (at the same path on both sides, as messages name it).
            db_args() {
                if [ "$db" = nodb ]; then
                    echo --no-db
                else
                    rm -f "$xdg"/history.sqlite3*
                    echo --db "$xdg/history.sqlite3"
                fi
            }
            for f in "${single[@]}"; do
                s=$(slug "$f")
                for format in text json jsonl markdown; do
                    # shellcheck disable=SC2046
                    run $side "$bin" "analyze-$format-$image-$db-$s" analyze --format "$format" \
                        $(db_args) "${image_args[@]}" "$f"
                    n_runs=$((n_runs + 1))
                done
                if [ "$db" = nodb ]; then
                    run $side "$bin" "decode-$image-$s" decode "${image_args[@]}" "$f"
                    n_runs=$((n_runs + 1))
                fi
            done
            for d in "${batches[@]}"; do
                s=$(slug "$d")
                mapfile -t files < <(find "$d" -type f | sort)
                [ ${#files[@]} -gt 0 ] || continue
                for format in text json jsonl markdown; do
                    # shellcheck disable=SC2046
                    run $side "$bin" "analyze-$format-$image-$db-$s" analyze --format "$format" \
                        $(db_args) "${image_args[@]}" "${files[@]}"
                    n_runs=$((n_runs + 1))
                done
                if [ "$db" = nodb ]; then
                    for f in "${files[@]}"; do
                        run $side "$bin" "decode-$image-$(slug "$f")" decode "${image_args[@]}" "$f"
                        n_runs=$((n_runs + 1))
                    done
                fi
            done
            for d in "${walk_dirs[@]}"; do
                s=$(slug "$d")
                for format in text json; do
                    # shellcheck disable=SC2046
                    run $side "$bin" "correlate-$format-$image-$db-$s" correlate --format "$format" \
                        $(db_args) "${image_args[@]}" "$d"
                    n_runs=$((n_runs + 1))
                done
            done
        done
    done
done

n_cases=$(find "$out/old" -name '*.rc' | wc -l)
differing=()
for rc in "$out"/old/*.rc; do
    case=$(basename "$rc" .rc)
    for ext in out err rc; do
        if ! cmp -s "$out/old/$case.$ext" "$out/new/$case.$ext"; then
            differing+=("$case.$ext")
        fi
    done
done
n_runs=$(find "$out/old" "$out/new" -name '*.rc' | wc -l)
echo "runs: $n_runs ($n_cases cases per binary); outputs in $out"
if [ ${#differing[@]} -eq 0 ]; then
    echo "identical: every stdout, stderr and exit code"
    exit 0
fi
echo "differing: ${#differing[@]} file(s)"
printf '  %s\n' "${differing[@]}" | head -50
for file in "${differing[@]:0:5}"; do
    diff -u "$out/old/$file" "$out/new/$file" | head -20 || true
done
exit 1
