#!/usr/bin/env bash
# Issue 19, acceptance 3: the dashboard under load, on loopback only.
#
# Fills a history with N generated reports in 20k bugs (bench/gen-history.py, the generator of
# bench/history.sh, with its real crash document: the seed's, decoded with the fixture vmlinux)
# on SQLite and on PostgreSQL (a server started here like the tests do), prints the query plan of
# the node filter and the list's order, starts
# `legolog serve` on 127.0.0.1, and while a writer records a new log every WRITE_EVERY seconds
# (`legolog analyze --db`, a second process), measures the bug list and a bug page with Debian's
# `wrk` (CONNS concurrent clients for SECONDS each, p95 from wrk's latency histogram through a
# Lua `done` hook). Prints requests/s and p50/p95/p99 per page and backend.
#
# Pages are kept per change of the history, so most requests are answered from memory; after a
# write, the page kept from before it is answered while one request makes the new one. MISS=1
# measures the other extreme: every request carries a query parameter of its own (`_=N`, which the
# pages ignore), so every one is a page built from the history.
# LEGOLOG_BIN: measure that binary instead of a fresh release build.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
BUGS=${BUGS:-20000}
CONNS=${CONNS:-50}
SECONDS_EACH=${SECONDS_EACH:-15}
WRITE_EVERY=${WRITE_EVERY:-1}
MISS=${MISS:-0}
BACKENDS=${BACKENDS:-"sqlite postgres"}
for tool in wrk sqlite3 psql python3 curl; do
    command -v $tool >/dev/null || { echo "bench/serve.sh: needs $tool (apt-get install wrk sqlite3 postgresql-client curl)" >&2; exit 1; }
done
[ -n "${LEGOLOG_BIN:-}" ] || cargo build --release --quiet
BIN=$(realpath "${LEGOLOG_BIN:-target/release/legolog}")
WORK=$(mktemp -d /tmp/legolog-bench-serve.XXXXXX)
chmod 777 "$WORK"
PGBIN=${LEGOLOG_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config

# A real crash document, as bench/history.sh stores them: the seed recorded with the fixture vmlinux.
"$BIN" analyze --db "$WORK/seed.sqlite3" --vmlinux fixtures/vmlinux/vmlinux-0826-w9-1 \
    fixtures/logs/0826-w9-1.log >/dev/null
DOC_HEX=$(sqlite3 "$WORK/seed.sqlite3" "SELECT hex(document) FROM crashes ORDER BY id LIMIT 1")
[ -n "$DOC_HEX" ] || { echo "bench/serve.sh: the seed left no crash document" >&2; exit 1; }
export DOC_HEX

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The p95 (and p50, p99) of wrk's latency histogram, in ms.
cat > "$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
    io.write(string.format("REPORT %.1f %.2f %.2f %.2f %d %d\n",
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        summary.requests))
end
EOF

# MISS=1: a path of its own per request (the thread's id and a counter).
cp "$WORK/report.lua" "$WORK/miss.lua"
cat >> "$WORK/miss.lua" <<'EOF'
local threads = 0
setup = function(thread)
    threads = threads + 1
    thread:set("tid", threads)
end
local n = 0
request = function()
    n = n + 1
    local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
    return wrk.format(nil, wrk.path .. sep .. "_=" .. tid .. "-" .. n)
end
EOF
SCRIPT=$WORK/report.lua
[ "$MISS" = 1 ] && SCRIPT=$WORK/miss.lua

warning_log() { # FILE TAG
    {
        echo "[    1.000000] ------------[ cut here ]------------"
        echo "[    1.000000] WARNING: CPU: 0 PID: 1 at kernel/bench.c:10 fn_1+0x1/0x10"
        echo "[    1.000000] CPU: 0 PID: 1 Comm: bench-$2 Not tainted 6.1.0 #1"
        echo "[    1.000000] Call Trace:"
        echo "[    1.000000]  <TASK>"
        echo "[    1.000000]  fn_$(( $2 % 30011 ))+0x1/0x10"
        echo "[    1.000000]  writer_$2+0x1/0x10"
        echo "[    1.000000]  </TASK>"
    } > "$1"
}

if [[ " $BACKENDS " == *" postgres "* ]]; then
    PGPORT=$(free_port)
    echo bench > "$WORK/pw"; chmod 644 "$WORK/pw"
    as_pg "$PGBIN/initdb" -D "$WORK/pg" -U legolog --auth=scram-sha-256 --pwfile "$WORK/pw" --no-sync -E UTF8 >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1" -l "$WORK/pg.log" -w start >/dev/null
    export PGPASSWORD=bench
fi

echo "bench/serve.sh: $N reports in $BUGS bugs, $CONNS clients, ${SECONDS_EACH}s per page, a writer every ${WRITE_EVERY}s, $(nproc) cores$([ "$MISS" = 1 ] && echo ", every request a miss")"
for backend in $BACKENDS; do
    if [ "$backend" = sqlite ]; then
        DB=$WORK/h.sqlite3
        fill() { sqlite3 "$DB"; }
    else
        psql -q -h 127.0.0.1 -p "$PGPORT" -U legolog -d postgres -c "CREATE DATABASE h" >/dev/null
        DB="postgresql://legolog:bench@127.0.0.1:$PGPORT/h"
        fill() { psql -q -h 127.0.0.1 -p "$PGPORT" -U legolog -d h -v ON_ERROR_STOP=1 >/dev/null; }
    fi
    warning_log "$WORK/init.log" 0
    "$BIN" analyze --db "$DB" "$WORK/init.log" >/dev/null  # creates the schema
    s=$(date +%s)
    python3 bench/gen-history.py "$backend" "$N" "$BUGS" | fill
    echo "$backend: filled in $(( $(date +%s) - s )) s"
    # The plans of the list filtered by node (the query that was slow before schema step 6).
    PLAN="SELECT b.id FROM bugs b WHERE b.merged_into IS NULL AND b.status = 'open'
          AND b.id IN (SELECT bug_id FROM bug_nodes WHERE node = 'w3')
          ORDER BY b.last_seen DESC, b.n_logs DESC, b.public_id LIMIT 50"
    # And of the unfiltered list's page and count (schema step 9: read in order from an index).
    LIST="SELECT b.id FROM bugs b WHERE b.merged_into IS NULL AND b.status = 'open'
          ORDER BY b.last_seen DESC, b.n_logs DESC, b.public_id LIMIT 50"
    COUNT="SELECT COUNT(*) FROM bugs b WHERE b.merged_into IS NULL AND b.status = 'open'"
    for query in "$PLAN" "$LIST" "$COUNT"; do
        if [ "$backend" = sqlite ]; then
            sqlite3 "$DB" "EXPLAIN QUERY PLAN $query" | sed "s/^/$backend plan: /"
        else
            psql -q -h 127.0.0.1 -p "$PGPORT" -U legolog -d h -c "ANALYZE" -c "EXPLAIN ANALYZE $query" | sed "s/^/$backend plan: /"
        fi
    done
    PORT=$(free_port)
    "$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
    SERVER=$!
    PIDS+=("$SERVER")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/changes" >/dev/null && break; sleep 0.1; done
    # The writer: a new log every WRITE_EVERY seconds, recorded by another process.
    (
        i=1
        while true; do
            warning_log "$WORK/w.log" "$i"
            "$BIN" analyze --db "$DB" --format json "$WORK/w.log" >/dev/null 2>&1 || true
            i=$((i + 1))
            sleep "$WRITE_EVERY"
        done
    ) &
    WRITER=$!
    PIDS+=("$WRITER")
    for page in "/" "/bug/gen1234" "/?node=w3" "/bug/gen1234?page=0&sort=node"; do
        line=$(wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" --timeout 10s -s "$SCRIPT" "http://127.0.0.1:$PORT$page" | grep '^REPORT')
        read -r _ rps p50 p95 p99 errors total <<<"$line"
        printf '%-8s %-32s %7s req/s  p50 %7s ms  p95 %7s ms  p99 %7s ms  (%s requests, %s errors; load %s)\n' \
            "$backend" "$page" "$rps" "$p50" "$p95" "$p99" "$total" "$errors" "$(cut -d' ' -f1-3 /proc/loadavg)"
    done
    kill "$WRITER" 2>/dev/null || true
    kill -INT "$SERVER"
    wait "$SERVER" || true
    COUNT_WRITES="SELECT COUNT(*) FROM logs WHERE path LIKE '%w.log'"
    if [ "$backend" = sqlite ]; then
        # The killed writer's last analyze may still be recording: wait for its lock.
        writes=$(sqlite3 -cmd ".timeout 10000" "$DB" "$COUNT_WRITES" 2>/dev/null || echo "?")
    else
        writes=$(psql -q -h 127.0.0.1 -p "$PGPORT" -U legolog -d h -tAc "$COUNT_WRITES" 2>/dev/null || echo "?")
    fi
    echo "$backend: the writer recorded $writes logs meanwhile"
done
