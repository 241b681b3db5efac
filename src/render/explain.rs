//! The text of `legolog explain LOG` and `analyze --why`: which frames made each report's signature and
//! which were skipped (and by which rule), and for a report that joined its bug by similarity,
//! its frames and the bug's founding frames aligned side by side.

use crate::history::{History, Match};
use crate::identity::rules::RuleSet;
use crate::identity::signature;
use crate::pipeline::output::Analysis;
use std::io::Write;

/// Writes the explanation of every report of `analysis`.
pub fn write(
    out: &mut dyn Write,
    analysis: &Analysis,
    rules: &RuleSet,
    mut history: Option<&mut History>,
) -> anyhow::Result<()> {
    for located in &analysis.reports {
        let sig = &located.signature;
        writeln!(out)?;
        writeln!(
            out,
            "why {} ({}, line {}): signature {} v{} from {} frames: {}",
            located.report.title,
            analysis.source_of(located),
            located.report.span.start,
            sig.short_id(),
            signature::VERSION,
            sig.basis.as_str(),
            sig.frames_text()
        )?;
        if let Some(fingerprint) = rules
            .fingerprint_of(&located.report)
            .filter(|_| sig.basis == signature::Basis::Fingerprint)
        {
            writeln!(
                out,
                "  fingerprint rule: {} ({}) matched: its key is the signature, no frame counts",
                fingerprint.key, fingerprint.origin
            )?;
        }
        for note in signature::explain(&located.report, &rules.signature, sig) {
            let mark = if note.kept { "+" } else { "-" };
            writeln!(out, "  {mark} {:<40} {}", note.printed, note.reason)?;
        }
        if located.decoded.is_some() {
            writeln!(
                out,
                "  (verdicts from --vmlinux do not change signatures: docs/signatures.md)"
            )?;
        }
        let Some(bug) = &located.history else {
            writeln!(out, "  no history: no bug")?;
            continue;
        };
        let name = bug
            .name
            .as_ref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default();
        match bug.matched {
            Match::Exact => writeln!(
                out,
                "  bug {}{name}: the exact signature was already the bug's",
                bug.bug
            )?,
            Match::New => writeln!(
                out,
                "  bug {}{name}: founded by this signature (no recorded bug was similar enough)",
                bug.bug
            )?,
            Match::Similar(similarity) => {
                writeln!(
                    out,
                    "  bug {}{name}: similar ({similarity:.2}) to a signature that founded the bug",
                    bug.bug
                )?;
                let founder = match history.as_deref_mut() {
                    Some(history) => history.closest_founder(&bug.bug, &sig.frames)?,
                    None => None,
                };
                if let Some((id, frames, similarity)) = founder {
                    let ours = format!("this report ({})", sig.short_id());
                    let theirs = id.get(..12).unwrap_or(&id);
                    writeln!(
                        out,
                        "    {ours:<40} bug's {theirs} (similarity {similarity:.2})"
                    )?;
                    for (ours, theirs) in align(&sig.frames, &frames) {
                        let mark = match (&ours, &theirs) {
                            (Some(a), Some(b)) if a == b => "=",
                            (Some(_), Some(_)) => "~",
                            _ => "≠",
                        };
                        writeln!(
                            out,
                            "    {:<40} {mark} {}",
                            ours.unwrap_or_default(),
                            theirs.unwrap_or_default()
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// An edit-distance alignment of two frame lists: pairs, `None` for a gap.
pub fn align(a: &[String], b: &[String]) -> Vec<(Option<String>, Option<String>)> {
    let (n, m) = (a.len(), b.len());
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in cost.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in cost[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let sub = cost[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cost[i][j] = sub.min(cost[i - 1][j] + 1).min(cost[i][j - 1] + 1);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut out = Vec::new();
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && cost[i][j] == cost[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]) {
            out.push((Some(a[i - 1].clone()), Some(b[j - 1].clone())));
            i -= 1;
            j -= 1;
        } else if i > 0 && cost[i][j] == cost[i - 1][j] + 1 {
            out.push((Some(a[i - 1].clone()), None));
            i -= 1;
        } else {
            out.push((None, Some(b[j - 1].clone())));
            j -= 1;
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn alignment_pairs_equal_frames_and_shows_the_difference() {
        let pairs = align(&v(&["a", "x", "c"]), &v(&["a", "b", "c"]));
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs[1], (Some("x".to_owned()), Some("b".to_owned())));
        let pairs = align(&v(&["a", "c"]), &v(&["a", "b", "c"]));
        assert_eq!(pairs[1], (None, Some("b".to_owned())));
    }
}
