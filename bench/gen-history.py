#!/usr/bin/env python3
"""SQL that fills a legolog history (schema already created by legolog) with N generated
reports in B bugs, for bench/history.sh. Usage: gen-history.py sqlite|postgres N B.

Bug b (1..B) is a `warning` founded by signature `gen<b>` (the current signature version)
whose five frames are fn_<(b*7919 + k*104729) % 30011> (k = 0..4), indexed like legolog
indexes founding signatures. Report r (1..N) belongs to bug ((r-1) % B) + 1 and to log
((r-1) / 10) + 1 (ten reports per log); log l runs on node w<l % 16> and kernel build
`6.1.0 #<l % 50 + 2>` (the probes' `6.1.0 #1` is recorded before the fill). The aggregates (bug_logs, bug_runs, n_logs, and the per-build and
per-node counts of docs/lifecycle.md) are computed as legolog keeps them.

Each bug keeps the crash documents retention leaves it (its last 40 reports;
docs/lifecycle.md, "Retention"). A document is the hex of DOC_HEX (a real stored document,
zstd-compressed, so `report --bug` can print it; bench/history.sh passes the seed's, decoded
with the fixture vmlinux) or, without it, DOC random bytes (default 3323). Either way the size
per report includes the documents.
"""
import os
import sys

dialect, n, bugs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
version = int(os.environ.get("SIGNATURE_VERSION", "3"))
nl = "char(10)" if dialect == "sqlite" else "chr(10)"
logs = (n + 9) // 10
builds = 50
nodes = 16


def frame(b, k):
    return f"'fn_' || (({b} * 7919 + {k} * 104729) % 30011)"


def seq(name, count):
    return f"WITH RECURSIVE {name}(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM {name} WHERE i < {count})"


frames = f" || {nl} || ".join(frame("i", k) for k in range(5))
print("BEGIN;")
print(f"""{seq('b', bugs)}
INSERT INTO bugs (id, public_id, kind, title, labels, n_logs, first_seen, last_seen)
SELECT i + 1000000, 'gen' || i, 'warning', 'WARNING in fn_' || i, '', 0, '2024-01-01', '2024-06-01' FROM b;""")
print(f"""{seq('b', bugs)}
INSERT INTO signatures (signature, version, bug_id, kind, basis, frames, founding)
SELECT 'gen' || i, {version}, i + 1000000, 'warning', 'trusted', {frames}, 1 FROM b;""")
for k in range(5):
    print(f"""{seq('b', bugs)}
INSERT INTO bug_index (kind, frame, pos, signature, version)
SELECT 'warning', {frame('i', k)}, {k}, 'gen' || i, {version} FROM b;""")
print(f"""{seq('k', builds)}
INSERT INTO builds (id, name, release, number, version, first_seen)
SELECT i + 1000000, '6.1.0 #' || (i + 1), '6.1.0', i + 1, NULL, '2024-01-01' FROM k;""")
print(f"""{seq('l', logs)}
INSERT INTO logs (id, content_hash, path, run, seen_on, recorded_at, n_reports, node)
SELECT i + 1000000, 'gen' || i, '/gen/' || i || '.log', 'r' || (i % 5000), '2024-01-01', 0, 10, 'w' || (i % {nodes}) FROM l;""")
build_of_log = f"(((i - 1) / 10 + 1) % {builds} + 1000001)"
print(f"""{seq('r', n)}
INSERT INTO reports (log_id, position, signature, signature_version, kind, title, labels, time,
                     basis, frames, kernel, bug_id, match_kind, build_id)
SELECT (i - 1) / 10 + 1000001, (i - 1) % 10 + 1, 'gen' || ((i - 1) % {bugs} + 1), {version}, 'warning',
       'WARNING in fn', '', 1.0, 'trusted', NULL, '6.1.0 #' || ({build_of_log} - 999999),
       (i - 1) % {bugs} + 1000001, 'exact', {build_of_log} FROM r;""")
first_doc = max(1, n - 40 * bugs + 1)
doc_hex = os.environ.get("DOC_HEX", "")
if doc_hex:
    blob = f"X'{doc_hex}'" if dialect == "sqlite" else f"decode('{doc_hex}', 'hex')"
else:
    doc = int(os.environ.get("DOC", "3323"))
    if dialect == "sqlite":
        blob = f"randomblob({doc})"
    else:
        blob = f"(SELECT decode(string_agg(md5(r.i::text || '-' || k), ''), 'hex') FROM generate_series(1, {(doc + 15) // 16}) k)"
print(f"""{seq('r', n)}
INSERT INTO crashes (bug_id, log_id, position, signature, node, build_id, seen_on, document)
SELECT (r.i - 1) % {bugs} + 1000001, (r.i - 1) / 10 + 1000001, (r.i - 1) % 10 + 1,
       'gen' || ((r.i - 1) % {bugs} + 1), 'w' || (((r.i - 1) / 10 + 1) % {nodes}),
       (((r.i - 1) / 10 + 1) % {builds} + 1000001), '2024-01-01', {blob}
FROM r WHERE r.i >= {first_doc};""")
print("INSERT INTO bug_logs (bug_id, log_id) SELECT DISTINCT bug_id, log_id FROM reports WHERE log_id >= 1000001;")
print("""INSERT INTO bug_runs (bug_id, run, first_seen)
SELECT r.bug_id, l.run, MIN(l.seen_on) FROM reports r JOIN logs l ON l.id = r.log_id
WHERE r.log_id >= 1000001 GROUP BY r.bug_id, l.run;""")
print("""INSERT INTO bug_builds (bug_id, build_id, n_reports, first_seen, last_seen)
SELECT r.bug_id, r.build_id, COUNT(*), MIN(l.seen_on), MAX(l.seen_on) FROM reports r JOIN logs l ON l.id = r.log_id
WHERE r.log_id >= 1000001 GROUP BY r.bug_id, r.build_id;""")
print("""INSERT INTO bug_nodes (bug_id, node, n_reports, first_seen, last_seen)
SELECT r.bug_id, l.node, COUNT(*), MIN(l.seen_on), MAX(l.seen_on) FROM reports r JOIN logs l ON l.id = r.log_id
WHERE r.log_id >= 1000001 GROUP BY r.bug_id, l.node;""")
print("UPDATE bugs SET n_logs = (SELECT COUNT(*) FROM bug_logs WHERE bug_id = bugs.id) WHERE id > 1000000;")
if dialect == "postgres":
    for table in ("bugs", "logs", "builds", "crashes"):
        print(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}));")
print("COMMIT;")
print("ANALYZE;")
