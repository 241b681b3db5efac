//! Re-signing a history under a new signature scheme (docs/signatures.md, "Versioning").
//!
//! Every stored report takes its signature under the current scheme (from its log read again,
//! when the file still has the recorded content; otherwise it keeps the one it has) and the
//! reports are grouped again from scratch, in the order they were recorded. What the user
//! said survives: bugs the user merged stay merged, names and links move to the bug that took
//! most of the old bug's reports, and every old bug id keeps resolving (to that bug). Reports,
//! logs and their counts never change. All of it is one transaction.

use super::{basis_from_str, split_frames, split_labels, History, ReportRecord};
use std::collections::{BTreeMap, HashMap};

/// What a re-signing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resigned {
    /// Reports whose signature was computed again from their log.
    pub resigned: u64,
    /// Reports whose log is gone or changed: they kept their stored signature.
    pub kept: u64,
    /// Live bugs before.
    pub bugs_before: u64,
    /// Live bugs after.
    pub bugs_after: u64,
}

impl History {
    /// Whether the stored reports still wait for [`History::resign_stored`].
    pub fn resign_pending(&mut self) -> anyhow::Result<bool> {
        Ok(!self
            .query("SELECT version FROM resign_pending", &[])?
            .is_empty())
    }

    /// Logs with reports recorded under an older signature scheme, as [`super::LegacyLog`]s
    /// to read again.
    pub fn logs_to_resign(&mut self) -> anyhow::Result<Vec<super::LegacyLog>> {
        Ok(self
            .query(
                "SELECT id, content_hash, path FROM logs
                 WHERE id IN (SELECT log_id FROM reports WHERE signature_version < ?1)
                 ORDER BY id",
                &[i64::from(crate::identity::signature::VERSION).into()],
            )?
            .iter()
            .map(|r| super::LegacyLog {
                id: r[0].int(),
                content_hash: r[1].text(),
                path: r[2].text(),
            })
            .collect())
    }

    /// Every recorded log, to read again under other rules.
    pub fn all_logs(&mut self) -> anyhow::Result<Vec<super::LegacyLog>> {
        Ok(self
            .query("SELECT id, content_hash, path FROM logs ORDER BY id", &[])?
            .iter()
            .map(|r| super::LegacyLog {
                id: r[0].int(),
                content_hash: r[1].text(),
                path: r[2].text(),
            })
            .collect())
    }

    /// Re-signs and regroups every stored report, once (see the module documentation).
    /// `records` holds, per log id, the current records of its reports, read again from the
    /// log; a log without them (or with another report count) keeps its stored signatures.
    pub fn resign_stored(
        &mut self,
        records: &HashMap<i64, Vec<ReportRecord>>,
    ) -> anyhow::Result<Resigned> {
        self.write(|history| {
            if !history.resign_pending()? {
                return Ok(Resigned::default());
            }
            let done = history.regroup(records)?;
            history.execute("DELETE FROM resign_pending", &[])?;
            Ok(done.counts)
        })
    }

    /// Regroups the history under other rules (`legolog rules apply`): like
    /// [`History::resign_stored`], in one transaction, recorded in the audit table with
    /// `what` (the rules file). Returns what changed.
    pub fn apply_grouping(
        &mut self,
        records: &HashMap<i64, Vec<ReportRecord>>,
        what: &str,
    ) -> anyhow::Result<GroupingDiff> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.write(|history| {
            let diff = history.regroup(records)?;
            let detail = format!(
                "{what}: {} bug(s) before, {} after; {} merge(s), {} split(s), {} report(s) moved",
                diff.counts.bugs_before,
                diff.counts.bugs_after,
                diff.merges.len(),
                diff.splits.len(),
                diff.moved
            );
            history.execute(
                "INSERT INTO audit (at, action, detail) VALUES (?1, 'rules apply', ?2)",
                &[now.into(), detail.into()],
            )?;
            Ok(diff)
        })
    }

    /// What [`History::apply_grouping`] would change, without writing anything
    /// (`legolog rules diff`).
    pub fn diff_grouping(
        &mut self,
        records: &HashMap<i64, Vec<ReportRecord>>,
    ) -> anyhow::Result<GroupingDiff> {
        self.db.begin()?;
        let diff = self.regroup(records);
        self.db.rollback();
        diff
    }

    /// A report that kept its stored signature joins the bug of that exact signature if the
    /// regrouping has one, else the row of its old bug (`homes`: rows already given a founding
    /// signature), so what was one bug stays one bug.
    fn attach_kept(
        &mut self,
        record: &ReportRecord,
        old: i64,
        homes: &mut HashMap<i64, bool>,
    ) -> anyhow::Result<super::Attachment> {
        let version = i64::from(record.signature_version);
        let exact = self.query(
            "SELECT bug_id FROM signatures WHERE signature = ?1 AND version = ?2",
            &[record.signature.as_str().into(), version.into()],
        )?;
        if let Some(row) = exact.first() {
            return Ok(super::Attachment::plain(
                row[0].int(),
                super::Match::Exact,
                false,
            ));
        }
        let founding = !homes.contains_key(&old);
        homes.insert(old, true);
        self.execute(
            "INSERT INTO signatures (signature, version, bug_id, kind, basis, frames, founding)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                record.signature.as_str().into(),
                version.into(),
                old.into(),
                record.kind.as_str().into(),
                record.basis.as_str().into(),
                record.frames.join("\n").into(),
                i64::from(founding).into(),
            ],
        )?;
        if founding {
            self.index_signature(record, version)?;
        }
        Ok(super::Attachment::plain(old, super::Match::Exact, false))
    }

    /// The regrouping itself, inside the caller's transaction.
    fn regroup(
        &mut self,
        records: &HashMap<i64, Vec<ReportRecord>>,
    ) -> anyhow::Result<GroupingDiff> {
        let history = self;
        {
            let mut done = Resigned::default();
            // The user's word, before anything moves.
            let mut live: HashMap<i64, i64> = HashMap::new();
            let mut named: Vec<(i64, Option<String>, Option<String>)> = Vec::new();
            let mut absorbers: Vec<i64> = Vec::new();
            let mut old_titles: Vec<(i64, String)> = Vec::new();
            // The lifecycle a user gave a bug (docs/lifecycle.md): status, fixed-in build,
            // commit, note, date, dup target.
            #[allow(clippy::type_complexity)]
            let mut statuses: Vec<(
                i64,
                (
                    String,
                    Option<i64>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<i64>,
                ),
            )> = Vec::new();
            for row in history.query(
                "SELECT id, status, fixed_in, fix_commit, status_note, status_on, dup_of FROM bugs
                 WHERE merged_into IS NULL AND (status <> 'open' OR dup_of IS NOT NULL)",
                &[],
            )? {
                statuses.push((
                    row[0].int(),
                    (
                        row[1].text(),
                        row[2].opt_int(),
                        row[3].opt_text(),
                        row[4].opt_text(),
                        row[5].opt_text(),
                        row[6].opt_int(),
                    ),
                ));
            }
            for row in history.query("SELECT id, merged_into, name, link, title FROM bugs", &[])? {
                old_titles.push((row[0].int(), row[4].text()));
                let (id, merged_into) = (row[0].int(), row[1].opt_int());
                live.insert(id, merged_into.unwrap_or(id));
                match merged_into {
                    None => {
                        done.bugs_before += 1;
                        if row[2].opt_text().is_some() || row[3].opt_text().is_some() {
                            named.push((id, row[2].opt_text(), row[3].opt_text()));
                        }
                    }
                    Some(into) if !absorbers.contains(&into) => absorbers.push(into),
                    Some(_) => {}
                }
            }
            let reports = history.query(
                "SELECT r.log_id, r.position, r.signature, r.signature_version, r.kind, r.title,
                        r.labels, r.basis, r.frames, r.bug_id, l.run, l.seen_on, l.n_reports
                 FROM reports r JOIN logs l ON l.id = r.log_id
                 ORDER BY r.log_id, r.position",
                &[],
            )?;
            for sql in [
                "DELETE FROM signatures",
                "DELETE FROM bug_index",
                "DELETE FROM bug_logs",
                "DELETE FROM bug_runs",
                "DELETE FROM bug_nodes",
                "DELETE FROM bug_builds",
                "UPDATE reports SET bug_id = NULL",
            ] {
                history.execute(sql, &[])?;
            }
            // (old live bug, new bug) → reports.
            let mut moved: BTreeMap<(i64, i64), u64> = BTreeMap::new();
            let mut placed: Vec<(Option<i64>, i64, String)> = Vec::new();
            // Old bugs whose row holds the reports that kept their signature.
            let mut homes: HashMap<i64, bool> = HashMap::new();
            for row in &reports {
                let (log_id, position) = (row[0].int(), row[1].int());
                let fresh = records
                    .get(&log_id)
                    .filter(|records| records.len() as i64 == row[12].int())
                    .and_then(|records| records.get(position as usize - 1));
                let record = match fresh {
                    Some(record) => {
                        done.resigned += 1;
                        record.clone()
                    }
                    None => {
                        done.kept += 1;
                        ReportRecord {
                            signature: row[2].text(),
                            signature_version: row[3].int() as u32,
                            kind: row[4].text(),
                            basis: basis_from_str(&row[7].opt_text().unwrap_or_default()),
                            frames: split_frames(&row[8].opt_text().unwrap_or_default()),
                            title: row[5].text(),
                            labels: split_labels(&row[6].text()),
                            time: None,
                            kernel: None,
                            document: None,
                        }
                    }
                };
                let old = row[9]
                    .opt_int()
                    .map(|old| live.get(&old).copied().unwrap_or(old));
                // A report that keeps its signature keeps its bug: its old bug's row holds it.
                let attachment = match (fresh, old) {
                    (None, Some(old)) => history.attach_kept(&record, old, &mut homes)?,
                    _ => history.assign(&record)?,
                };
                history.execute(
                    "UPDATE reports SET signature = ?3, signature_version = ?4, basis = ?5,
                         frames = ?6, bug_id = ?7, match_kind = ?8, similarity = ?9
                     WHERE log_id = ?1 AND position = ?2",
                    &[
                        log_id.into(),
                        position.into(),
                        record.signature.as_str().into(),
                        i64::from(record.signature_version).into(),
                        record.basis.as_str().into(),
                        record.frames.join("\n").into(),
                        attachment.bug.into(),
                        attachment.matched.as_str().into(),
                        attachment.matched.similarity().into(),
                    ],
                )?;
                if let Some(old) = old {
                    *moved.entry((old, attachment.bug)).or_default() += 1;
                }
                placed.push((old, attachment.bug, record.title.clone()));
            }
            // The new bugs of an old one, most reports first.
            let new_of = |old: i64, moved: &BTreeMap<(i64, i64), u64>| -> Vec<i64> {
                let mut new: Vec<(u64, i64)> = moved
                    .iter()
                    .filter(|((o, _), _)| *o == old)
                    .map(|((_, n), count)| (*count, *n))
                    .collect();
                new.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                new.into_iter().map(|(_, n)| n).collect()
            };
            // Bugs the user merged stay one bug.
            let mut resolved: HashMap<i64, i64> = HashMap::new();
            for &absorber in &absorbers {
                let new: Vec<i64> = new_of(absorber, &moved)
                    .into_iter()
                    .map(|n| *resolved.get(&n).unwrap_or(&n))
                    .collect();
                if let Some((&into, others)) = new.split_first() {
                    history.merge_rows(into, others)?;
                    for &other in others {
                        resolved.insert(other, into);
                    }
                    for target in resolved.values_mut() {
                        if others.contains(target) {
                            *target = into;
                        }
                    }
                }
            }
            let resolve = |bug: i64| *resolved.get(&bug).unwrap_or(&bug);
            // Names and links go to the bug that took most of the old bug's reports.
            for (old, name, link) in &named {
                if let Some(&new) = new_of(*old, &moved).first() {
                    history.execute(
                        "UPDATE bugs SET name = COALESCE(name, ?2), link = COALESCE(link, ?3)
                         WHERE id = ?1",
                        &[
                            resolve(new).into(),
                            name.clone().into(),
                            link.clone().into(),
                        ],
                    )?;
                }
            }
            // A status the user gave (fixed, invalid, a dup) goes with the name; so does the
            // bug's audit trail. Every old id resolves to where most of its reports went.
            let mut majority: HashMap<i64, i64> = HashMap::new();
            for (&old, &old_live) in &live {
                if let Some(&new) = new_of(old_live, &moved).first() {
                    majority.insert(old, resolve(new));
                }
            }
            for (old, state) in &statuses {
                let Some(&new) = majority.get(old) else {
                    continue;
                };
                let dup_of = state
                    .5
                    .and_then(|d| majority.get(&d).copied())
                    .filter(|&d| d != new);
                history.execute(
                    "UPDATE bugs SET status = ?2, fixed_in = ?3, fix_commit = ?4, status_note = ?5,
                         status_on = ?6, dup_of = ?7
                     WHERE id = ?1 AND status = 'open'",
                    &[
                        new.into(),
                        state.0.clone().into(),
                        state.1.into(),
                        state.2.clone().into(),
                        state.3.clone().into(),
                        state.4.clone().into(),
                        dup_of.into(),
                    ],
                )?;
            }
            for (&old, &new) in &majority {
                history.execute(
                    "UPDATE bug_audit SET bug_id = ?2 WHERE bug_id = ?1",
                    &[old.into(), new.into()],
                )?;
                if new != old && homes.contains_key(&old) {
                    // Its kept reports go where most of its reports went.
                    history.merge_rows(new, &[old])?;
                } else if new != old {
                    history.execute(
                        "UPDATE bugs SET merged_into = ?2 WHERE id = ?1",
                        &[old.into(), new.into()],
                    )?;
                }
            }
            // Crash documents follow their reports; aggregates are counted again.
            history.execute(
                "UPDATE crashes SET bug_id = COALESCE((SELECT r.bug_id FROM reports r
                     WHERE r.log_id = crashes.log_id AND r.position = crashes.position), bug_id)",
                &[],
            )?;
            let live_now: Vec<i64> = history
                .query("SELECT id FROM bugs WHERE merged_into IS NULL", &[])?
                .iter()
                .map(|r| r[0].int())
                .collect();
            for bug in live_now {
                history.recount_group(bug)?;
            }
            done.bugs_after = history
                .query("SELECT COUNT(*) FROM bugs WHERE merged_into IS NULL", &[])?[0][0]
                .int() as u64;
            let public: HashMap<i64, String> = history
                .query("SELECT id, public_id FROM bugs", &[])?
                .iter()
                .map(|row| (row[0].int(), row[1].text()))
                .collect();
            let placed: Vec<Placed> = placed
                .into_iter()
                .map(|(old, new, title)| Placed {
                    old: old.map(|o| public.get(&o).cloned().unwrap_or_default()),
                    new: public.get(&resolve(new)).cloned().unwrap_or_default(),
                    title,
                })
                .collect();
            let old_titles: HashMap<String, String> = old_titles
                .into_iter()
                .filter_map(|(id, title)| Some((public.get(&id)?.clone(), title)))
                .collect();
            Ok(GroupingDiff::between(done, &placed, &old_titles))
        }
    }
}

/// Where one report was and went.
struct Placed {
    old: Option<String>,
    new: String,
    title: String,
}

/// What a regrouping changed (`legolog rules diff`, `rules apply`).
#[derive(Debug, Clone, Default)]
pub struct GroupingDiff {
    /// Counts.
    pub counts: Resigned,
    /// Old bugs that become one.
    pub merges: Vec<Merge>,
    /// Old bugs whose reports part.
    pub splits: Vec<Split>,
    /// Reports whose bug no longer holds the same reports.
    pub moved: u64,
}

/// Old bugs that become one bug.
#[derive(Debug, Clone)]
pub struct Merge {
    /// The bug they become (its id is only kept by `rules apply`).
    pub into: String,
    /// Each old bug: id, title, reports.
    pub bugs: Vec<(String, String, u64)>,
}

/// An old bug whose reports part.
#[derive(Debug, Clone)]
pub struct Split {
    /// Old bug id.
    pub bug: String,
    /// Its title.
    pub title: String,
    /// Each part: reports and one of their titles.
    pub parts: Vec<(u64, String)>,
}

impl GroupingDiff {
    fn between(counts: Resigned, placed: &[Placed], old_titles: &HashMap<String, String>) -> Self {
        let mut by_new: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
        let mut by_old: BTreeMap<&str, BTreeMap<&str, (u64, &str)>> = BTreeMap::new();
        for p in placed {
            let old = p.old.as_deref().unwrap_or("");
            *by_new.entry(&p.new).or_default().entry(old).or_default() += 1;
            let part = by_old
                .entry(old)
                .or_default()
                .entry(&p.new)
                .or_insert((0, &p.title));
            part.0 += 1;
        }
        let title = |id: &str| old_titles.get(id).cloned().unwrap_or_default();
        let merges = by_new
            .iter()
            .filter(|(_, olds)| olds.len() > 1)
            .map(|(new, olds)| Merge {
                into: (*new).to_owned(),
                bugs: olds
                    .iter()
                    .map(|(old, n)| ((*old).to_owned(), title(old), *n))
                    .collect(),
            })
            .collect();
        let splits = by_old
            .iter()
            .filter(|(old, news)| !old.is_empty() && news.len() > 1)
            .map(|(old, news)| Split {
                bug: (*old).to_owned(),
                title: title(old),
                parts: news.values().map(|(n, t)| (*n, (*t).to_owned())).collect(),
            })
            .collect();
        // A report moves when its bug no longer holds the same reports.
        let moved = placed
            .iter()
            .filter(|p| {
                let old = p.old.as_deref().unwrap_or("");
                by_new[p.new.as_str()].len() > 1 || by_old[old].len() > 1
            })
            .count() as u64;
        GroupingDiff {
            counts,
            merges,
            splits,
            moved,
        }
    }
}
