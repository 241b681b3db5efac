#!/usr/bin/env python3
"""SQL that fills a legolog history (schema already created by legolog) with N generated
reports in B bugs, for bench/history.sh. Usage: gen-history.py sqlite|postgres N B.

Bug b (1..B) is a `warning` founded by signature `gen<b>` whose five frames are
fn_<(b*7919 + k*104729) % 30011> (k = 0..4), indexed like legolog indexes founding signatures.
Report r (1..N) belongs to bug ((r-1) % B) + 1 and to log ((r-1) / 10) + 1 (ten reports per log);
aggregates (bug_logs, bug_runs, n_logs) are computed as legolog keeps them. Each bug keeps
the crash documents retention leaves it (its last 40 reports; docs/lifecycle.md), each a
DOC-byte incompressible blob (default 3323, the size of the seed's document decoded with the
fixture vmlinux), so the size per report includes the documents.
"""
import os
import sys

dialect, n, bugs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
nl = "char(10)" if dialect == "sqlite" else "chr(10)"
logs = (n + 9) // 10


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
SELECT 'gen' || i, 2, i + 1000000, 'warning', 'trusted', {frames}, 1 FROM b;""")
for k in range(5):
    print(f"""{seq('b', bugs)}
INSERT INTO bug_index (kind, frame, pos, signature, version)
SELECT 'warning', {frame('i', k)}, {k}, 'gen' || i, 2 FROM b;""")
print(f"""{seq('l', logs)}
INSERT INTO logs (id, content_hash, path, run, seen_on, recorded_at, n_reports, node)
SELECT i + 1000000, 'gen' || i, '/gen/' || i || '.log', 'r' || (i % 5000), '2024-01-01', 0, 10, 'w' || (i % 16) FROM l;""")
print(f"""{seq('r', n)}
INSERT INTO reports (log_id, position, signature, signature_version, kind, title, labels, time,
                     basis, frames, bug_id, match_kind)
SELECT (i - 1) / 10 + 1000001, (i - 1) % 10 + 1, 'gen' || ((i - 1) % {bugs} + 1), 2, 'warning',
       'WARNING in fn', '', 1.0, 'trusted', NULL, (i - 1) % {bugs} + 1000001, 'exact' FROM r;""")
doc = int(os.environ.get("DOC", "3323"))
first_doc = max(1, n - 40 * bugs + 1)
if dialect == "sqlite":
    blob = f"randomblob({doc})"
else:
    blob = f"(SELECT decode(string_agg(md5(r.i::text || '-' || k), ''), 'hex') FROM generate_series(1, {(doc + 15) // 16}) k)"
print(f"""{seq('r', n)}
INSERT INTO crashes (bug_id, log_id, position, signature, node, build_id, seen_on, document)
SELECT (r.i - 1) % {bugs} + 1000001, (r.i - 1) / 10 + 1000001, (r.i - 1) % 10 + 1,
       'gen' || ((r.i - 1) % {bugs} + 1), 'w' || (((r.i - 1) / 10 + 1) % 16), NULL, '2024-01-01', {blob}
FROM r WHERE r.i >= {first_doc};""")
print("INSERT INTO bug_logs (bug_id, log_id) SELECT DISTINCT bug_id, log_id FROM reports WHERE log_id >= 1000001;")
print("""INSERT INTO bug_runs (bug_id, run, first_seen)
SELECT r.bug_id, l.run, MIN(l.seen_on) FROM reports r JOIN logs l ON l.id = r.log_id
WHERE r.log_id >= 1000001 GROUP BY r.bug_id, l.run;""")
print("UPDATE bugs SET n_logs = (SELECT COUNT(*) FROM bug_logs WHERE bug_id = bugs.id) WHERE id > 1000000;")
if dialect == "postgres":
    print("SELECT setval('bugs_id_seq', (SELECT MAX(id) FROM bugs));")
    print("SELECT setval('logs_id_seq', (SELECT MAX(id) FROM logs));")
    print("COMMIT;")
    print("ANALYZE;")
else:
    print("COMMIT;")
    print("ANALYZE;")
