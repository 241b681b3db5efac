//! Schema migrations, one list per dialect with the same steps. The applied count is the schema
//! version. Never edit a step that shipped: append one.

use super::backend::Dialect;

/// The migrations, written for SQLite; [`migrations`] gives PostgreSQL the same steps with its
/// types.
const STEPS: &[&str] = &[
    // 1: logs and reports.
    "CREATE TABLE logs (
         id INTEGER PRIMARY KEY,
         content_hash TEXT NOT NULL UNIQUE,
         path TEXT NOT NULL,
         run TEXT NOT NULL,
         seen_on TEXT NOT NULL,
         recorded_at INTEGER NOT NULL,
         n_reports INTEGER NOT NULL
     );
     CREATE TABLE reports (
         log_id INTEGER NOT NULL REFERENCES logs(id),
         position INTEGER NOT NULL,
         signature TEXT NOT NULL,
         signature_version INTEGER NOT NULL,
         kind TEXT NOT NULL,
         title TEXT NOT NULL,
         labels TEXT NOT NULL,
         time REAL,
         PRIMARY KEY (log_id, position)
     );
     CREATE INDEX reports_by_signature ON reports(signature, signature_version);",
    // 2: bugs. Reports keep their signature frames (so a new scheme can re-sign them), their
    // bug and how they were matched; bugs keep aggregates so answers cost the same whatever
    // the history holds.
    "ALTER TABLE logs ADD COLUMN node TEXT;
     ALTER TABLE reports ADD COLUMN basis TEXT;
     ALTER TABLE reports ADD COLUMN frames TEXT;
     ALTER TABLE reports ADD COLUMN kernel TEXT;
     ALTER TABLE reports ADD COLUMN bug_id INTEGER;
     ALTER TABLE reports ADD COLUMN match_kind TEXT;
     ALTER TABLE reports ADD COLUMN similarity REAL;
     CREATE INDEX reports_by_bug ON reports(bug_id);
     CREATE TABLE bugs (
         id INTEGER PRIMARY KEY,
         public_id TEXT NOT NULL UNIQUE,
         kind TEXT NOT NULL,
         title TEXT NOT NULL,
         labels TEXT NOT NULL,
         name TEXT,
         link TEXT,
         merged_into INTEGER,
         n_logs INTEGER NOT NULL DEFAULT 0,
         first_seen TEXT,
         last_seen TEXT
     );
     CREATE INDEX bugs_by_last_seen ON bugs(last_seen);
     CREATE TABLE signatures (
         signature TEXT NOT NULL,
         version INTEGER NOT NULL,
         bug_id INTEGER NOT NULL,
         kind TEXT NOT NULL,
         basis TEXT NOT NULL,
         frames TEXT,
         founding INTEGER NOT NULL,
         PRIMARY KEY (signature, version)
     );
     CREATE INDEX signatures_by_bug ON signatures(bug_id);
     CREATE TABLE bug_index (
         kind TEXT NOT NULL,
         frame TEXT NOT NULL,
         pos INTEGER NOT NULL,
         signature TEXT NOT NULL,
         version INTEGER NOT NULL,
         PRIMARY KEY (kind, frame, pos, signature, version)
     );
     CREATE TABLE bug_logs (
         bug_id INTEGER NOT NULL,
         log_id INTEGER NOT NULL,
         PRIMARY KEY (bug_id, log_id)
     );
     CREATE TABLE bug_runs (
         bug_id INTEGER NOT NULL,
         run TEXT NOT NULL,
         first_seen TEXT NOT NULL,
         PRIMARY KEY (bug_id, run)
     );",
    // 3: content keys are BLAKE3 (`b3:` + hex), no longer SHA-256 (issue 15: the hash must keep
    // up with the scan). The logs recorded so far are listed here; on open, each is re-keyed
    // when its file still has the recorded content (store.rs, `rekey_legacy`), and keeps its
    // SHA-256 key otherwise. Every row is kept.
    "CREATE TABLE legacy_keys (log_id INTEGER NOT NULL PRIMARY KEY);
     INSERT INTO legacy_keys (log_id)
         SELECT id FROM logs WHERE content_hash NOT LIKE 'b3:%' AND content_hash NOT LIKE 'watch:%';",
    // 4: bugs have a life (docs/lifecycle.md). A status (open, fixed in a build, invalid, dup
    // of another bug, reversible), every change audited; kernel builds with per-bug counts by
    // build and node; each report's build, fix verdict and return after silence; the crash
    // documents kept per bug. Existing bugs start open; `lifecycle::backfill` fills builds and
    // the per-build and per-node counts from the reports already recorded.
    "ALTER TABLE bugs ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
     ALTER TABLE bugs ADD COLUMN fixed_in INTEGER;
     ALTER TABLE bugs ADD COLUMN fix_commit TEXT;
     ALTER TABLE bugs ADD COLUMN status_note TEXT;
     ALTER TABLE bugs ADD COLUMN status_on TEXT;
     ALTER TABLE bugs ADD COLUMN dup_of INTEGER;
     CREATE INDEX bugs_by_dup ON bugs(dup_of);
     ALTER TABLE reports ADD COLUMN build_id INTEGER;
     ALTER TABLE reports ADD COLUMN fix_state TEXT;
     ALTER TABLE reports ADD COLUMN fix_build INTEGER;
     ALTER TABLE reports ADD COLUMN back_after INTEGER;
     CREATE TABLE builds (
         id INTEGER PRIMARY KEY,
         name TEXT NOT NULL UNIQUE,
         release TEXT NOT NULL,
         number INTEGER,
         version TEXT,
         first_seen TEXT NOT NULL
     );
     CREATE TABLE bug_audit (
         id INTEGER PRIMARY KEY,
         bug_id INTEGER NOT NULL,
         at INTEGER NOT NULL,
         who TEXT NOT NULL,
         what TEXT NOT NULL,
         old_value TEXT,
         new_value TEXT
     );
     CREATE INDEX bug_audit_by_bug ON bug_audit(bug_id);
     CREATE TABLE bug_builds (
         bug_id INTEGER NOT NULL,
         build_id INTEGER NOT NULL,
         n_reports INTEGER NOT NULL,
         first_seen TEXT NOT NULL,
         last_seen TEXT NOT NULL,
         PRIMARY KEY (bug_id, build_id)
     );
     CREATE TABLE bug_nodes (
         bug_id INTEGER NOT NULL,
         node TEXT NOT NULL,
         n_reports INTEGER NOT NULL,
         first_seen TEXT NOT NULL,
         last_seen TEXT NOT NULL,
         PRIMARY KEY (bug_id, node)
     );
     CREATE TABLE crashes (
         id INTEGER PRIMARY KEY,
         bug_id INTEGER NOT NULL,
         log_id INTEGER NOT NULL,
         position INTEGER NOT NULL,
         signature TEXT NOT NULL,
         node TEXT,
         build_id INTEGER,
         seen_on TEXT NOT NULL,
         pinned INTEGER NOT NULL DEFAULT 0,
         document BLOB NOT NULL
     );
     CREATE INDEX crashes_by_bug ON crashes(bug_id);
     CREATE INDEX crashes_by_report ON crashes(log_id, position);",
    // 5: signature version 3 (the title's guilty frame leads). Stored reports are re-signed
    // and regrouped once, on the first open ([`super::History::resign_stored`]); this row
    // says it is still to be done.
    // The audit table records changes of grouping (`legolog rules apply`).
    "CREATE TABLE resign_pending (version INTEGER NOT NULL);
     INSERT INTO resign_pending (version) VALUES (3);
     CREATE TABLE audit (at INTEGER NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);",
    // 6: the review queue (`legolog bug review`). A signature attached to a bug by a similar
    // match keeps its similarity and the rule that decided it; `review` is NULL until the user
    // confirms it (`bug confirm`). Attachments recorded before keep the similarity of their
    // first report; their rule was not recorded.
    // `builtin_rules` keeps the digest of the built-in grouping rules the history was grouped
    // under: a legolog whose built-in rules differ regroups once and prints what changed
    // (`crate::pipeline::store::open`). Empty until the first open that knows it.
    "CREATE TABLE builtin_rules (digest TEXT NOT NULL);
     ALTER TABLE signatures ADD COLUMN similarity REAL;
     ALTER TABLE signatures ADD COLUMN match_rule TEXT;
     ALTER TABLE signatures ADD COLUMN review TEXT;
     UPDATE signatures SET similarity = (SELECT MAX(r.similarity) FROM reports r
         WHERE r.signature = signatures.signature AND r.signature_version = signatures.version
           AND r.match_kind = 'similar')
     WHERE founding = 0;",
    // 7: one audit table. Step 4's `bug_audit` (a bug's status changes, its review) and step
    // 5's `audit` (`rules apply`, history-wide) become `audit`, with a bug or none. Every row
    // is kept: a bug's rows in their order, then the history-wide ones (by `unknown`, their
    // action as `what`, their detail as the new value).
    "CREATE TABLE audit_log (
         id INTEGER PRIMARY KEY,
         bug_id INTEGER,
         at INTEGER NOT NULL,
         who TEXT NOT NULL,
         what TEXT NOT NULL,
         old_value TEXT,
         new_value TEXT
     );
     INSERT INTO audit_log (bug_id, at, who, what, old_value, new_value)
         SELECT bug_id, at, who, what, old_value, new_value FROM (
             SELECT 0 AS src, id AS n, bug_id, at, who, what, old_value, new_value
             FROM bug_audit
             UNION ALL
             SELECT 1 AS src, 0 AS n, NULL AS bug_id, at, 'unknown' AS who, action AS what,
                    NULL AS old_value, detail AS new_value
             FROM audit
         ) old_rows ORDER BY src, n, at;
     DROP TABLE bug_audit;
     DROP TABLE audit;
     ALTER TABLE audit_log RENAME TO audit;
     CREATE INDEX audit_by_bug ON audit(bug_id);",
    // 8: the dashboard's filters and pages look rows up by node, run, date and kernel build (issue
    // 19: `/?node=` scanned every log, 368 ms at p95 with 100k reports). Each is an index the
    // planner uses for a filter's subquery or a page's rows (EXPLAIN QUERY PLAN in
    // bench/RESULTS.md).
    "CREATE INDEX bug_nodes_by_node ON bug_nodes(node);
     CREATE INDEX logs_by_node ON logs(node);
     CREATE INDEX logs_by_run ON logs(run);
     CREATE INDEX logs_by_date ON logs(seen_on);
     CREATE INDEX bug_runs_by_run ON bug_runs(run);
     CREATE INDEX reports_by_kernel ON reports(kernel);",
    // 9: the bug list reads a page of bugs in its order from an index, one per sort (issue 19:
    // the unfiltered list sorted every bug of its tab per request, 44-70 pages/s at 100k
    // reports); a bug page finds the bugs merged into it by an index. `bug merge` left the per-node and per-build rows of the bugs it merged (a
    // merged bug was still listed under its nodes, its reports counted twice); they go.
    "CREATE INDEX bugs_list_last ON bugs(status, last_seen DESC, n_logs DESC, public_id)
         WHERE merged_into IS NULL;
     CREATE INDEX bugs_list_first ON bugs(status, first_seen DESC, n_logs DESC, public_id)
         WHERE merged_into IS NULL;
     CREATE INDEX bugs_list_count ON bugs(status, n_logs DESC, last_seen DESC, public_id)
         WHERE merged_into IS NULL;
     CREATE INDEX bugs_by_merged ON bugs(merged_into);
     DELETE FROM bug_nodes WHERE bug_id IN (SELECT id FROM bugs WHERE merged_into IS NOT NULL);
     DELETE FROM bug_builds WHERE bug_id IN (SELECT id FROM bugs WHERE merged_into IS NOT NULL);",
];

/// The step (1-based) after which [`super::lifecycle::backfill`] runs, in the same transaction.
pub const LIFECYCLE_STEP: usize = 4;

/// The migrations of a dialect: PostgreSQL gets `BIGSERIAL` row ids, `BIGINT` integers and
/// `DOUBLE PRECISION` floats, so both databases hold the same schema, step for step.
pub fn migrations(dialect: Dialect) -> Vec<String> {
    STEPS
        .iter()
        .map(|step| match dialect {
            Dialect::Sqlite => (*step).to_owned(),
            Dialect::Postgres => step
                .replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY")
                .replace("INTEGER", "BIGINT")
                .replace(" REAL", " DOUBLE PRECISION")
                .replace(" BLOB", " BYTEA"),
        })
        .collect()
}

/// The schema version this legolog writes.
pub fn current() -> i64 {
    STEPS.len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_gets_the_same_steps_with_its_types() {
        let steps = migrations(Dialect::Postgres);
        assert_eq!(steps.len() as i64, current());
        assert!(steps[0].contains("id BIGSERIAL PRIMARY KEY"));
        assert!(steps[0].contains("time DOUBLE PRECISION"));
        assert!(!steps
            .iter()
            .any(|s| s.contains("INTEGER") || s.contains(" REAL") || s.contains("BLOB")));
        assert!(steps[2].contains("log_id BIGINT NOT NULL PRIMARY KEY"));
    }
}
