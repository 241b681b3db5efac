//! Kernel builds, identified by what the log prints: the release, the build number and the
//! version string after it (`4.0.0-lego+ #26`; `6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian
//! 6.1.192-2`), and ordered by the rule of docs/lifecycle.md ("Builds"): a version comparison
//! where one applies, else the day each build was first seen.

use std::cmp::Ordering;

/// A build as the log names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The whole name: release, `#N` and what follows (`6.1.0-56-amd64 #1 SMP … Debian 6.1.192-2`).
    pub name: String,
    /// `uname -r`.
    pub release: String,
    /// The build number (`#26` → 26).
    pub number: Option<i64>,
    /// The distribution's version string (`Debian 6.1.192-2`), when printed.
    pub version: Option<String>,
}

/// Words of `uname -v` that describe the configuration, not the version.
const FLAGS: &[&str] = &[
    "SMP",
    "PREEMPT",
    "PREEMPT_DYNAMIC",
    "PREEMPT_RT",
    "PREEMPT(full)",
    "PREEMPT(voluntary)",
    "PREEMPT(none)",
    "PREEMPT(lazy)",
];

impl Build {
    /// Parses `REL [#N [words…]]`; `None` when it does not start with a release.
    pub fn parse(text: &str) -> Option<Build> {
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut words = name.split(' ');
        let release = words.next()?;
        if !release.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let rest: Vec<&str> = words.collect();
        let number = rest
            .first()
            .and_then(|w| w.strip_prefix('#'))
            .and_then(|n| n.parse().ok());
        let skip = usize::from(rest.first().is_some_and(|w| w.starts_with('#')));
        // The version string: what follows the configuration flags, without the build date
        // (a parenthesized date or a weekday-led one is not a version).
        let version_words: Vec<&str> = rest[skip..]
            .iter()
            .copied()
            .skip_while(|w| FLAGS.contains(w))
            .take_while(|w| !w.starts_with('(') && !is_weekday(w))
            .collect();
        let version = (!version_words.is_empty()
            && version_words
                .iter()
                .any(|w| w.starts_with(|c: char| c.is_ascii_digit())))
        .then(|| version_words.join(" "));
        Some(Build {
            name: name.clone(),
            release: release.to_owned(),
            number,
            version,
        })
    }

    /// How the build is shown next to another of the same release: `#27`; else its name.
    pub fn short_against(&self, other: &Build) -> String {
        match self.number {
            Some(n) if self.release == other.release && self.version == other.version => {
                format!("#{n}")
            }
            _ => self.name.clone(),
        }
    }

    /// The version order of two builds, when one applies: same release by build number (then
    /// version string); releases of one line (`6.1.0-56-amd64`, `6.1.0-57-amd64`) by release;
    /// else the same distribution's version strings. `None`: not comparable.
    pub fn version_cmp(&self, other: &Build) -> Option<Ordering> {
        if self.release == other.release {
            if let (Some(a), Some(b)) = (self.number, other.number) {
                if a != b {
                    return Some(a.cmp(&b));
                }
            }
            return match (&self.version, &other.version) {
                (Some(a), Some(b)) => natural_cmp(a, b),
                (None, None) if self.number == other.number => Some(Ordering::Equal),
                _ => None,
            };
        }
        if let Some(order) = natural_cmp(&self.release, &other.release) {
            return Some(order);
        }
        match (&self.version, &other.version) {
            (Some(a), Some(b)) => natural_cmp(a, b),
            _ => None,
        }
    }
}

fn is_weekday(word: &str) -> bool {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&word)
}

/// Compares two version strings run by run: digit runs as numbers, other runs must be equal
/// (`6.1.0-56-amd64` < `6.1.0-57-amd64`; `Debian 6.1.192-2` < `Debian 6.1.194-1`). `None` when
/// the strings are not of one pattern (different words, one longer than the other).
pub fn natural_cmp(a: &str, b: &str) -> Option<Ordering> {
    let (ra, rb) = (runs(a), runs(b));
    if ra.len() != rb.len() {
        return None;
    }
    for (x, y) in ra.iter().zip(&rb) {
        let digits = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
        match (digits(x), digits(y)) {
            (true, true) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                let order = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
                if order != Ordering::Equal {
                    return Some(order);
                }
            }
            (false, false) if x == y => {}
            _ => return None,
        }
    }
    Some(Ordering::Equal)
}

fn runs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (idx, c) in text.char_indices() {
        let digit = c.is_ascii_digit();
        if prev.is_some_and(|p| p != digit) {
            out.push(&text[start..idx]);
            start = idx;
        }
        prev = Some(digit);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The order of two recorded builds: [`Build::version_cmp`], else the day each was first
/// seen (`YYYY-MM-DD`), else the order they were recorded in.
pub fn order(a: (&Build, &str, i64), b: (&Build, &str, i64)) -> Ordering {
    a.0.version_cmp(b.0)
        .filter(|o| *o != Ordering::Equal || a.0.name == b.0.name)
        .unwrap_or_else(|| a.1.cmp(b.1).then(a.2.cmp(&b.2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_logs_print() {
        let lego = Build::parse("4.0.0-lego+ #26").unwrap();
        assert_eq!(lego.release, "4.0.0-lego+");
        assert_eq!(lego.number, Some(26));
        assert_eq!(lego.version, None);
        let debian =
            Build::parse("6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2025-10-05)")
                .unwrap();
        assert_eq!(debian.number, Some(1));
        assert_eq!(debian.version.as_deref(), Some("Debian 6.1.192-2"));
        assert!(Build::parse("Not tainted").is_none());
    }

    #[test]
    fn orders_by_version_where_one_applies() {
        let b = |s: &str| Build::parse(s).unwrap();
        assert_eq!(
            b("4.0.0-lego+ #26").version_cmp(&b("4.0.0-lego+ #27")),
            Some(Ordering::Less)
        );
        assert_eq!(
            b("4.0.0-lego+ #100").version_cmp(&b("4.0.0-lego+ #27")),
            Some(Ordering::Greater)
        );
        assert_eq!(
            b("6.1.0-57-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.194-1")
                .version_cmp(&b("6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2")),
            Some(Ordering::Greater)
        );
        // Same release, rebuilt by the distribution: its version string decides.
        assert_eq!(
            b("6.1.0-56-amd64 #1 SMP Debian 6.1.192-3")
                .version_cmp(&b("6.1.0-56-amd64 #1 SMP Debian 6.1.192-2")),
            Some(Ordering::Greater)
        );
        // Different lines: no version order; the first-seen day decides.
        assert_eq!(
            b("4.0.0-lego+ #26").version_cmp(&b("6.1.0-56-amd64 #1")),
            None
        );
        let (x, y) = (b("4.0.0-lego+ #26"), b("6.1.0-56-amd64 #1"));
        assert_eq!(
            order((&x, "2026-01-02", 1), (&y, "2026-01-01", 2)),
            Ordering::Greater
        );
        assert_eq!(natural_cmp("1.10", "1.9"), Some(Ordering::Greater));
    }
}
