//! The crash documents a bug keeps: per recorded report its JSON document, its text block and
//! its lines, zstd-compressed, so a crash can be shown with its log gone. At most
//! `max_documents` per bug (docs/lifecycle.md, "Retention"), pruned in the transaction that
//! records; the required ones are always kept: the first, the latest per node and per build,
//! one per signature, the newest, and the pinned.

use super::History;
use crate::identity::run::Date;
use anyhow::{anyhow, bail};
use std::collections::{BTreeSet, HashMap};

/// A stored crash.
#[derive(Debug, Clone, PartialEq)]
pub struct CrashRow {
    /// Crash id (`--crash N`).
    pub id: i64,
    /// The bug row it was recorded under (a dup's own id before resolution).
    pub bug: i64,
    /// Node.
    pub node: Option<String>,
    /// Build name.
    pub build: Option<String>,
    /// Run date.
    pub seen_on: Option<Date>,
    /// Signature (full id).
    pub signature: String,
    /// Pinned by the user.
    pub pinned: bool,
    /// The log's recorded path and the report's position in it.
    pub path: String,
    /// 1-based position in the log.
    pub position: i64,
}

/// What one report's document holds, as recorded (`serde_json` of [`Document`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Document {
    /// The report's object of the JSON contract (docs/json.md), without `history`.
    pub report: serde_json::Value,
    /// The report's block as `analyze` prints it (no colour, no history line).
    pub text: String,
    /// The report's lines from the log (within the per-report line limit).
    pub lines: Vec<String>,
}

const ZSTD_LEVEL: i32 = 6;

impl Document {
    /// The stored form: JSON, zstd-compressed. One frame of known size: zstd then sizes its
    /// tables to the document (a few KiB) instead of to a stream of unknown length, which costs
    /// every recorded report about a megabyte of freshly zeroed tables.
    ///
    /// The result is trimmed to its length: zstd allocates the worst case (a bit more than the
    /// JSON), about five times what a document compresses to, and a run holds every document
    /// it records until the history's transaction.
    pub fn compress(&self) -> anyhow::Result<Vec<u8>> {
        let json = serde_json::to_vec(self)?;
        let mut compressed = zstd::bulk::compress(json.as_slice(), ZSTD_LEVEL)?;
        compressed.shrink_to_fit();
        Ok(compressed)
    }

    /// Reads a stored document.
    pub fn decompress(bytes: &[u8]) -> anyhow::Result<Document> {
        let json =
            zstd::decode_all(bytes).map_err(|err| anyhow!("damaged crash document: {err}"))?;
        serde_json::from_slice(&json).map_err(|err| anyhow!("damaged crash document: {err}"))
    }
}

impl History {
    /// Stores one report's document (compressed) under `bug`; returns its crash id.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn store_crash(
        &mut self,
        bug: i64,
        (log_id, position): (i64, i64),
        signature: &str,
        node: Option<&str>,
        build: Option<i64>,
        seen_on: &str,
        document: &[u8],
    ) -> anyhow::Result<i64> {
        let rows = self.query(
            "INSERT INTO crashes (bug_id, log_id, position, signature, node, build_id, seen_on, document)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            &[
                bug.into(),
                log_id.into(),
                position.into(),
                signature.into(),
                node.map(str::to_owned).into(),
                build.into(),
                seen_on.into(),
                document.to_vec().into(),
            ],
        )?;
        Ok(rows[0][0].int())
    }

    /// Keeps at most `max_documents` documents of `bug`: the required ones, then the newest.
    pub(super) fn prune_crashes(&mut self, bug: i64) -> anyhow::Result<()> {
        let max = self.lifecycle.max_documents;
        let count = self.query(
            "SELECT COUNT(*) FROM crashes WHERE bug_id = ?1",
            &[bug.into()],
        )?[0][0]
            .int() as usize;
        if count <= max {
            return Ok(());
        }
        let rows = self.query(
            "SELECT id, node, build_id, signature, pinned FROM crashes WHERE bug_id = ?1 ORDER BY id",
            &[bug.into()],
        )?;
        let keep = retained(
            &rows
                .iter()
                .map(|r| Retainable {
                    id: r[0].int(),
                    node: r[1].opt_text(),
                    build: r[2].opt_int(),
                    signature: r[3].text(),
                    pinned: r[4].int() != 0,
                })
                .collect::<Vec<_>>(),
            max,
        );
        for row in &rows {
            let id = row[0].int();
            if !keep.contains(&id) {
                self.execute("DELETE FROM crashes WHERE id = ?1", &[id.into()])?;
            }
        }
        Ok(())
    }

    /// The crashes kept for a bug and every bug that is a dup of it, oldest first.
    pub fn crashes_of_bug(&mut self, bug: i64) -> anyhow::Result<Vec<CrashRow>> {
        let members = self.dup_members(bug)?;
        let list = members
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Ok(self
            .query(
                &format!(
                    "SELECT c.id, c.bug_id, c.node, b.name, c.seen_on, c.signature, c.pinned, l.path, c.position
                     FROM crashes c LEFT JOIN builds b ON b.id = c.build_id
                     JOIN logs l ON l.id = c.log_id
                     WHERE c.bug_id IN ({list}) ORDER BY c.id"
                ),
                &[],
            )?
            .iter()
            .map(|r| CrashRow {
                id: r[0].int(),
                bug: r[1].int(),
                node: r[2].opt_text(),
                build: r[3].opt_text(),
                seen_on: Date::parse(&r[4].text()),
                signature: r[5].text(),
                pinned: r[6].int() != 0,
                path: r[7].text(),
                position: r[8].int(),
            })
            .collect())
    }

    /// A stored crash of `bug` (the newest when `crash` is `None`) with its document.
    pub fn crash_document(
        &mut self,
        bug: i64,
        crash: Option<i64>,
    ) -> anyhow::Result<(CrashRow, Document)> {
        let crashes = self.crashes_of_bug(bug)?;
        let id = self.public_id(bug)?;
        let row = match crash {
            Some(n) => crashes.into_iter().find(|c| c.id == n).ok_or_else(|| {
                anyhow!(
                    "{}: bug {id} keeps no crash {n} (`bug show {id}` lists the kept crashes)",
                    self.name()
                )
            })?,
            None => match crashes.into_iter().last() {
                Some(row) => row,
                None => bail!(
                    "{}: bug {id} keeps no crash document (recorded by an older legolog)",
                    self.name()
                ),
            },
        };
        let rows = self.query(
            "SELECT document FROM crashes WHERE id = ?1",
            &[row.id.into()],
        )?;
        let document = Document::decompress(rows[0][0].bytes())
            .map_err(|err| anyhow!("{}: crash {}: {err}", self.name(), row.id))?;
        Ok((row, document))
    }

    /// Pins a crash of `bug`: retention always keeps it.
    pub fn pin_crash(&mut self, bug: i64, crash: i64, who: &str) -> anyhow::Result<()> {
        let crashes = self.crashes_of_bug(bug)?;
        let id = self.public_id(bug)?;
        if !crashes.iter().any(|c| c.id == crash) {
            bail!("{}: bug {id} keeps no crash {crash}", self.name());
        }
        self.write(|history| {
            history.execute(
                "UPDATE crashes SET pinned = 1 WHERE id = ?1",
                &[crash.into()],
            )?;
            history.audit_row(bug, who, "pin", None, Some(format!("crash {crash}")))
        })
    }

    /// Unpins a pinned crash of `bug`: retention treats it as any other again (it goes at the
    /// next record if nothing else keeps it).
    pub fn unpin_crash(&mut self, bug: i64, crash: i64, who: &str) -> anyhow::Result<()> {
        let crashes = self.crashes_of_bug(bug)?;
        let id = self.public_id(bug)?;
        match crashes.iter().find(|c| c.id == crash) {
            None => bail!("{}: bug {id} keeps no crash {crash}", self.name()),
            Some(row) if !row.pinned => {
                bail!("{}: crash {crash} of bug {id} is not pinned", self.name())
            }
            Some(_) => {}
        }
        self.write(|history| {
            history.execute(
                "UPDATE crashes SET pinned = 0 WHERE id = ?1",
                &[crash.into()],
            )?;
            history.audit_row(bug, who, "unpin", Some(format!("crash {crash}")), None)
        })
    }
}

/// What retention looks at.
#[derive(Debug, Clone)]
pub struct Retainable {
    /// Crash id (increasing with time).
    pub id: i64,
    /// Node.
    pub node: Option<String>,
    /// Build row.
    pub build: Option<i64>,
    /// Signature.
    pub signature: String,
    /// Pinned.
    pub pinned: bool,
}

/// The crash ids retention keeps out of `rows` (oldest first): the first, the newest, the
/// pinned, the latest per node and per build, the first per signature; then the newest others
/// up to `max`. The required ones are kept even beyond `max`.
pub fn retained(rows: &[Retainable], max: usize) -> BTreeSet<i64> {
    let mut keep = BTreeSet::new();
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        keep.insert(first.id);
        keep.insert(last.id);
    }
    let mut per_node: HashMap<&str, i64> = HashMap::new();
    let mut per_build: HashMap<i64, i64> = HashMap::new();
    let mut per_signature: HashMap<&str, i64> = HashMap::new();
    for row in rows {
        if row.pinned {
            keep.insert(row.id);
        }
        if let Some(node) = &row.node {
            per_node.insert(node, row.id);
        }
        if let Some(build) = row.build {
            per_build.insert(build, row.id);
        }
        per_signature.entry(&row.signature).or_insert(row.id);
    }
    keep.extend(per_node.values());
    keep.extend(per_build.values());
    keep.extend(per_signature.values());
    for row in rows.iter().rev() {
        if keep.len() >= max {
            break;
        }
        keep.insert(row.id);
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Attachment, LogRecord, Match, ReportRecord};
    use crate::identity::signature::Basis;

    /// Log `idx` of the retention test: one crash of the bug on one of 8 nodes (`w7` only in
    /// the first half, so its latest crash is an old one) and one of five builds in turn, one
    /// day per 100 logs.
    fn node_of(idx: usize) -> String {
        if idx < 1000 {
            format!("w{}", idx % 8)
        } else {
            format!("w{}", idx % 7)
        }
    }

    fn crash_log(idx: usize, document: &[u8]) -> LogRecord {
        LogRecord {
            content_hash: format!("h{idx}"),
            path: format!("/logs/{idx}.log"),
            run: format!("r{idx}"),
            node: Some(node_of(idx)),
            date: Date::parse("2026-01-01")
                .map(|d| Date::from_days_since_epoch(d.days_since_epoch() + idx as i64 / 100)),
            reports: vec![ReportRecord {
                signature: "s".to_owned(),
                signature_version: crate::identity::signature::VERSION,
                kind: "lego-watchdog".to_owned(),
                basis: Basis::Trusted,
                frames: vec!["a".to_owned(), "b".to_owned()],
                title: "t".to_owned(),
                labels: Vec::new(),
                time: None,
                kernel: Some(format!("4.0.0-lego+ #{}", 26 + idx * 5 / 2000)),
                document: Some(document.to_vec()),
            }],
        }
    }

    /// Acceptance 4 (retention): 2,000 crashes of one bug over 8 nodes and 5 builds keep at
    /// most 40 documents, the required ones included; the counts stay exact.
    #[test]
    fn two_thousand_crashes_keep_forty_documents() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::open(&dir.path().join("h.sqlite3")).unwrap();
        let document = Document {
            report: serde_json::json!({"title": "t"}),
            text: "[1] t\n".to_owned(),
            lines: vec!["1: t".to_owned()],
        }
        .compress()
        .unwrap();
        let logs: Vec<LogRecord> = (0..2000).map(|idx| crash_log(idx, &document)).collect();
        let first = history.record(&logs[..1000]).unwrap();
        let bug = first[0][0].bug;
        let crash_of = |attachments: &[Vec<Attachment>], idx: usize| attachments[idx][0].crash;
        let first_crash = crash_of(&first, 0).unwrap();
        // Pin a kept crash that nothing else requires (not the first, not a latest).
        let kept = history.crashes_of_bug(bug).unwrap();
        assert_eq!(kept.len(), 40);
        let pinned = kept[1].id;
        history.pin_crash(bug, pinned, "tester").unwrap();
        let second = history.record(&logs[1000..]).unwrap();
        let kept = history.crashes_of_bug(bug).unwrap();
        let ids: Vec<i64> = kept.iter().map(|c| c.id).collect();
        assert!(kept.len() <= 40, "{}", kept.len());
        assert!(ids.contains(&first_crash), "the first");
        assert!(ids.contains(&pinned), "the pinned one");
        assert!(kept.iter().any(|c| c.pinned));
        let newest = crash_of(&second, 999).unwrap();
        assert!(ids.contains(&newest), "the newest");
        // The latest per node (w7's is log 999) and per build.
        for node in 0..8 {
            let name = format!("w{node}");
            let last = (0..2000).rev().find(|&idx| node_of(idx) == name).unwrap();
            let id = if last < 1000 {
                crash_of(&first, last)
            } else {
                crash_of(&second, last - 1000)
            };
            let id = id.unwrap_or_else(|| panic!("{name}'s latest crash was pruned at once"));
            assert!(ids.contains(&id), "latest of node {name}");
        }
        for build in 0..5usize {
            let last = (0..2000).rev().find(|idx| idx * 5 / 2000 == build).unwrap();
            let id = if last < 1000 {
                crash_of(&first, last)
            } else {
                crash_of(&second, last - 1000)
            };
            let id = id.unwrap_or_else(|| panic!("build #{} has no crash", 26 + build));
            assert!(ids.contains(&id), "latest of build #{}", 26 + build);
        }
        // Counts never drop.
        let seen = history
            .bug_history(&Attachment::plain(bug, Match::Exact, false))
            .unwrap()
            .seen;
        assert_eq!(seen, 2000);
        let builds = history.builds_of_bug(bug).unwrap();
        assert_eq!(builds.len(), 5);
        assert_eq!(builds.iter().map(|b| b.reports).sum::<u64>(), 2000);
        assert_eq!(builds[0].name, "4.0.0-lego+ #26");
        let nodes = history.nodes_of_bug(bug).unwrap();
        assert_eq!(nodes.len(), 8);
        assert_eq!(nodes.iter().map(|n| n.reports).sum::<u64>(), 2000);
        assert_eq!(nodes[7].name, "w7");
        assert_eq!(nodes[7].reports, 125);
        // A kept document reads back.
        let (row, read) = history.crash_document(bug, Some(pinned)).unwrap();
        assert_eq!(row.id, pinned);
        assert_eq!(read.text, "[1] t\n");
    }

    #[test]
    fn retention_keeps_the_required_ones() {
        let rows: Vec<Retainable> = (1..=2000)
            .map(|id| Retainable {
                id,
                node: Some(format!("w{}", id % 8)),
                build: Some(id * 5 / 2001),
                signature: "s".to_owned(),
                pinned: id == 777,
            })
            .collect();
        let keep = retained(&rows, 40);
        assert_eq!(keep.len(), 40);
        for id in [1, 2000, 777, 1993, 1999] {
            assert!(keep.contains(&id), "{id}");
        }
    }
}
