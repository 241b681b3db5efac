#!/usr/bin/env bash
# Issues 8 and 16: the history's cost per report must not grow with what it holds.
#
# Fills a history with 10k, 100k and 1M generated reports in 20k bugs (bench/gen-history.py,
# straight SQL, with builds, per-build and per-node counts and the crash documents retention
# keeps), for SQLite and for PostgreSQL (a server started here like the tests do), and at each
# size times, median of REPS (default 5):
#   record  — `legolog analyze --db` of one new log whose bug is new (indexed candidate search
#             finds nothing, a bug is created, its crash document stored);
#   fuzzy   — `legolog analyze --db` of one new log whose trace is a recorded bug's with one
#             function renamed (the "seen before?" answer through the fuzzy index; the bug
#             keeps 40 documents, so retention prunes one);
#   show    — `legolog bug show ID` of a recorded bug (builds, nodes, crashes, audit);
#   crash   — `legolog report --bug ID`: the bug's newest crash document, read from the history;
#   size    — the database's size per report, crash documents included (each bug keeps its
#             last 40; each document is the seed's, decoded with the fixture vmlinux).
# Prints the times and the 1M/10k ratios (targets: record < 2, the rest < 10).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000 1000000"}
BUGS=${BUGS:-20000}
REPS=${REPS:-5}
for tool in sqlite3 psql python3; do
    command -v $tool >/dev/null || { echo "bench/history.sh: needs $tool" >&2; exit 1; }
done
cargo build --release --quiet
BIN=$PWD/target/release/legolog
WORK=$(mktemp -d /tmp/legolog-bench-history.XXXXXX)
chmod 777 "$WORK"
PGBIN=${LEGOLOG_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo bench > "$WORK/pw"; chmod 644 "$WORK/pw"
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U legolog --auth=scram-sha-256 --pwfile "$WORK/pw" --no-sync -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1" -l "$WORK/pg.log" -w start >/dev/null
export PGPASSWORD=bench

# A real crash document: the seed recorded with the fixture vmlinux, as stored (zstd).
"$BIN" analyze --db "$WORK/seed.sqlite3" --vmlinux fixtures/vmlinux/vmlinux-0826-w9-1 \
    fixtures/logs/0826-w9-1.log >/dev/null
DOC_HEX=$(sqlite3 "$WORK/seed.sqlite3" "SELECT hex(document) FROM crashes ORDER BY id LIMIT 1")
[ -n "$DOC_HEX" ] || { echo "bench: the seed left no crash document" >&2; exit 1; }
export DOC_HEX
echo "crash document: $(( ${#DOC_HEX} / 2 )) bytes (the seed's, zstd)"

# A WARNING whose call trace is FRAMES (innermost first); TAG makes its content unique.
warning_log() { # FILE TAG FRAME…
    local file=$1 tag=$2; shift 2
    {
        echo "[    1.000000] ------------[ cut here ]------------"
        echo "[    1.000000] WARNING: CPU: 0 PID: 1 at kernel/bench.c:10 $1+0x1/0x10"
        echo "[    1.000000] CPU: 0 PID: 1 Comm: bench-$tag Not tainted 6.1.0 #1"
        echo "[    1.000000] Call Trace:"
        echo "[    1.000000]  <TASK>"
        for f in "$@"; do echo "[    1.000000]  $f+0x1/0x10"; done
        echo "[    1.000000]  </TASK>"
        echo "[    1.000000] ---[ end trace 0000000000000000 ]---"
    } > "$file"
}
frame() { echo "fn_$(( ($1 * 7919 + $2 * 104729) % 30011 ))"; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

declare -A RESULT
for backend in sqlite postgres; do
    for n in $SIZES; do
        if [ $backend = sqlite ]; then
            DB=$WORK/h-$n.sqlite3
            fill() { sqlite3 "$DB"; }
            query() { sqlite3 "$DB"; }
        else
            as_pg "$PGBIN/psql" -q -h 127.0.0.1 -p "$PORT" -U legolog -d postgres -c "CREATE DATABASE h$n" >/dev/null
            DB="postgresql://legolog:bench@127.0.0.1:$PORT/h$n"
            fill() { psql -q -h 127.0.0.1 -p "$PORT" -U legolog -d "h$n" -v ON_ERROR_STOP=1 >/dev/null; }
            query() { psql -qtA -h 127.0.0.1 -p "$PORT" -U legolog -d "h$n"; }
        fi
        warning_log "$WORK/init.log" init init_a init_b
        "$BIN" analyze --db "$DB" "$WORK/init.log" >/dev/null  # creates the schema
        s=$(date +%s)
        python3 bench/gen-history.py $backend "$n" "$BUGS" | fill
        fill_s=$(( $(date +%s) - s ))
        rec=(); fuz=(); base=(); show=(); crash=()
        for rep in $(seq 1 "$REPS"); do
            warning_log "$WORK/new.log" "$n-$rep" "new_${rep}_a" "new_${rep}_b" "new_${rep}_c" "new_${rep}_d" "new_${rep}_e"
            rec+=("$(time_ms "$BIN" analyze --db "$DB" --format json "$WORK/new.log")")
            bug=$(( 1000 + rep * 37 ))
            warning_log "$WORK/fuzzy.log" "$n-$rep" "$(frame $bug 0)" "renamed_$rep" "$(frame $bug 2)" "$(frame $bug 3)" "$(frame $bug 4)"
            "$BIN" analyze --db "$DB" --format json "$WORK/fuzzy.log" | grep -q '"match": "similar"' \
                || { echo "bench: the fuzzy probe did not match bug $bug" >&2; exit 1; }
            warning_log "$WORK/fuzzy.log" "$n-$rep-b" "$(frame $bug 0)" "renamed_$rep" "$(frame $bug 2)" "$(frame $bug 3)" "$(frame $bug 4)"
            fuz+=("$(time_ms "$BIN" analyze --db "$DB" --format json "$WORK/fuzzy.log")")
            # The peer: the same command without a history.
            base+=("$(time_ms "$BIN" analyze --no-db --format json "$WORK/fuzzy.log")")
            shown=$(( 2000 + rep * 53 ))
            show+=("$(time_ms "$BIN" bug show "gen$shown" --db "$DB")")
            "$BIN" report --bug "gen$shown" --db "$DB" | grep -q 'fit_internal.c:10' \
                || { echo "bench: report --bug gen$shown printed no decoded trace" >&2; exit 1; }
            crash+=("$(time_ms "$BIN" report --bug "gen$shown" --db "$DB")")
        done
        if [ $backend = sqlite ]; then
            bytes=$(stat -c %s "$DB")
        else
            bytes=$(psql -qtA -h 127.0.0.1 -p "$PORT" -U legolog -d "h$n" -c "SELECT pg_database_size('h$n')")
        fi
        docs=$(echo "SELECT COUNT(*) FROM crashes;" | query)
        printf '%-8s %8s reports: %s bytes, %s bytes per report (%s crash documents kept)\n' \
            $backend "$n" "$bytes" $(( bytes / n )) "$docs"
        RESULT[$backend,$n,record]=$(printf '%s\n' "${rec[@]}" | median)
        RESULT[$backend,$n,fuzzy]=$(printf '%s\n' "${fuz[@]}" | median)
        RESULT[$backend,$n,show]=$(printf '%s\n' "${show[@]}" | median)
        RESULT[$backend,$n,crash]=$(printf '%s\n' "${crash[@]}" | median)
        nodb=$(printf '%s\n' "${base[@]}" | median)
        printf '%-8s %8s reports (filled in %3ss): record one new log %5s ms, fuzzy seen-before %5s ms (same log --no-db: %s ms)\n' \
            $backend "$n" "$fill_s" "${RESULT[$backend,$n,record]}" "${RESULT[$backend,$n,fuzzy]}" "$nodb"
        printf '%-8s %8s reports: bug show %5s ms, report --bug (a crash document) %5s ms\n' \
            $backend "$n" "${RESULT[$backend,$n,show]}" "${RESULT[$backend,$n,crash]}"
        if [ $backend = sqlite ] && [ "$n" = "${SIZES##* }" ]; then
            echo "sqlite query plan of the fuzzy candidate lookup (src/history/mod.rs, most_similar):"
            sqlite3 "$DB" "EXPLAIN QUERY PLAN SELECT DISTINCT s.bug_id, s.frames FROM bug_index i
                JOIN signatures s ON s.signature = i.signature AND s.version = i.version
                WHERE i.kind = 'warning' AND i.pos < 3 AND i.frame IN ('fn_1', 'fn_2', 'fn_3')" | sed 's/^/    /'
        fi
        if [ $backend = postgres ] && [ "$n" = "${SIZES##* }" ]; then
            echo "postgres query plan of the fuzzy candidate lookup:"
            psql -q -h 127.0.0.1 -p "$PORT" -U legolog -d "h$n" -c "EXPLAIN SELECT DISTINCT s.bug_id, s.frames FROM bug_index i
                JOIN signatures s ON s.signature = i.signature AND s.version = i.version
                WHERE i.kind = 'warning' AND i.pos < 3 AND i.frame IN ('fn_1', 'fn_2', 'fn_3')" | sed 's/^/    /'
        fi
    done
done
# A log of 20,000 one-line watchdog reports recorded into the largest history, against the same
# command without a history (issue 8 measured 224 s vs 0.33 s before bugs).
python3 -c "
import sys
with open(sys.argv[1], 'w') as out:
    for i in range(20000):
        out.write('[%12.6f] watchdog: worker[%d] CPU%d stucked\\n' % (100 + i * 0.5, i % 8, i % 16))
" "$WORK/many.log"
last=${SIZES##* }
nodb=$(time_ms "$BIN" analyze --no-db --format json "$WORK/many.log")
for backend in sqlite postgres; do
    if [ $backend = sqlite ]; then DB=$WORK/h-$last.sqlite3; else DB="postgresql://legolog:bench@127.0.0.1:$PORT/h$last"; fi
    echo "x $backend" >> "$WORK/many.log"  # new content each time
    withdb=$(time_ms "$BIN" analyze --db "$DB" --format json "$WORK/many.log")
    awk -v a="$nodb" -v b="$withdb" -v be="$backend" -v n="$last" \
        'BEGIN { printf "%-8s a log of 20000 reports into the %s-report history: %d ms, --no-db %d ms, ratio %.2f\n", be, n, b, a, b / a }'
done
first=${SIZES%% *}
for backend in sqlite postgres; do
    for what in record fuzzy show crash; do
        target=10; [ $what = record ] && target=2
        awk -v a="${RESULT[$backend,$first,$what]}" -v b="${RESULT[$backend,$last,$what]}" -v w="$what" -v be="$backend" -v f="$first" -v l="$last" -v t="$target" \
            'BEGIN { r = b / (a > 0 ? a : 1); printf "%-8s %-6s %s -> %s reports: ratio %.2f (target < %d)%s\n", be, w, f, l, r, t, (r < t ? "" : "  FAIL") }'
    done
done
