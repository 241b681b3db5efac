//! What a log says about the kernel that printed it: the release and build from the boot banner
//! (`Linux version 6.1.0-56-amd64 (…) (gcc-12 …) #1 SMP … Debian 6.1.192-2 (…)`, the kernel's
//! `linux_banner` printed verbatim) and from `CPU: … Comm: … 4.0.0-lego+ #26` lines, and the
//! modules of `Modules linked in:`. Module build IDs (`[lkdtm 1aef0181…]`, `%pSb`) are read with
//! each frame ([`crate::Frame::build_id`]).
//!
//! The banner is boot chatter, outside every report, so [`BannerScanner`] watches the raw bytes
//! the parser reads and remembers each banner with its line number.

use memchr::memmem;

/// The kernel build a log names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KernelBuild {
    /// `uname -r`: `6.1.0-56-amd64`, `4.0.0-lego+`.
    pub release: String,
    /// The build number with its `#`: `#1`, `#26` (`uname -v`'s first word).
    pub build: Option<String>,
    /// The whole `Linux version …` line, when the log printed the banner: it equals the image's
    /// `linux_banner` (release, builder, compiler, build number, date).
    pub banner: Option<String>,
}

impl KernelBuild {
    /// Whether an image whose `linux_banner` is `banner` is this build: the same banner when the
    /// log printed one, else the same release and build number.
    pub fn matches_banner(&self, banner: &str) -> bool {
        match &self.banner {
            Some(own) => own.trim_end() == banner.trim_end(),
            None => linux_banner(banner).is_some_and(|other| {
                other.release == self.release && (self.build.is_none() || other.build == self.build)
            }),
        }
    }
}

impl std::fmt::Display for KernelBuild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.build {
            Some(build) => write!(f, "{} {build}", self.release),
            None => f.write_str(&self.release),
        }
    }
}

const BANNER: &str = "Linux version ";

/// The `Linux version REL (…) … #N …` banner in `line` (anything before it, such as a timestamp
/// or a firmware's leftovers, is ignored).
pub fn linux_banner(line: &str) -> Option<KernelBuild> {
    let start = line.find(BANNER)?;
    let banner = line.get(start..)?.trim_end();
    let rest = banner.get(BANNER.len()..)?;
    let release = rest.split_whitespace().next()?;
    if !release.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // `#N` follows the parenthesized builder and compiler; parentheses may nest
    // (`(gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld …)`), so skip them by depth.
    let mut depth = 0usize;
    let mut build = None;
    for (idx, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '#' if depth == 0 => {
                build = rest
                    .get(idx..)
                    .and_then(|s| s.split_whitespace().next())
                    .map(str::to_owned);
                break;
            }
            _ => {}
        }
    }
    Some(KernelBuild {
        release: release.to_owned(),
        build,
        banner: Some(banner.to_owned()),
    })
}

/// The build from a report's task line, as [`crate::Task::kernel`] keeps it (`4.0.0-lego+ #26`).
pub fn task_kernel(kernel: &str) -> Option<KernelBuild> {
    let mut words = kernel.split_whitespace();
    let release = words.next()?;
    if !release.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(KernelBuild {
        release: release.to_owned(),
        build: words
            .next()
            .filter(|w| w.starts_with('#'))
            .map(str::to_owned),
        banner: None,
    })
}

/// The module names of a `Modules linked in: a(OE) b [last unloaded: c]` line, taint flags
/// removed; `None` when the line is another one.
pub fn modules_linked_in(line: &str) -> Option<Vec<String>> {
    let start = line.find("Modules linked in:")?;
    let rest = line.get(start + "Modules linked in:".len()..)?;
    let rest = rest.split('[').next().unwrap_or(rest);
    Some(
        rest.split_whitespace()
            .map(|word| word.split('(').next().unwrap_or(word).to_owned())
            .filter(|name| !name.is_empty())
            .collect(),
    )
}

/// Longest partial line kept between two reads; a longer line keeps its end only.
const MAX_PENDING: usize = 8 << 10;
/// Banners remembered per log (one per boot into another kernel than the boot before); later
/// ones replace the oldest.
const MAX_BANNERS: usize = 4096;

/// Watches a log's bytes for boot banners, with the 1-based line each is on. Memory stays bounded
/// by one partial line and [`MAX_BANNERS`] banners.
#[derive(Debug, Default)]
pub struct BannerScanner {
    /// Complete lines seen so far.
    lines: u64,
    pending: Vec<u8>,
    banners: Vec<(u64, KernelBuild)>,
}

impl BannerScanner {
    /// An empty scanner.
    pub fn new() -> BannerScanner {
        BannerScanner::default()
    }

    /// Feeds the next bytes of the log.
    pub fn feed(&mut self, bytes: &[u8]) {
        let Some(last_newline) = memchr::memrchr(b'\n', bytes) else {
            self.keep_pending(bytes);
            return;
        };
        let (mut complete, tail) = bytes.split_at(last_newline + 1);
        if !self.pending.is_empty() {
            // Finish the line the previous read cut, without copying the rest of this read.
            let first_end = memchr::memchr(b'\n', complete).map_or(complete.len(), |pos| pos + 1);
            let (first, rest) = complete.split_at(first_end);
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(first);
            self.scan(&joined);
            complete = rest;
        }
        self.scan(complete);
        self.keep_pending(tail);
    }

    /// Scans a last line without a newline.
    pub fn finish(&mut self) {
        if !self.pending.is_empty() {
            let mut last = std::mem::take(&mut self.pending);
            last.push(b'\n');
            self.scan(&last);
        }
    }

    /// The last banner printed before line `line` (1-based), i.e. the boot a report on that line
    /// belongs to.
    pub fn before(&self, line: u64) -> Option<&KernelBuild> {
        self.banners
            .iter()
            .rev()
            .find(|(at, _)| *at < line)
            .map(|(_, build)| build)
    }

    /// Every banner seen that differs from the one before it, with its line.
    pub fn banners(&self) -> &[(u64, KernelBuild)] {
        &self.banners
    }

    fn keep_pending(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > MAX_PENDING {
            let cut = self.pending.len() - MAX_PENDING;
            self.pending.drain(..cut);
        }
    }

    /// `buf` holds whole lines.
    fn scan(&mut self, buf: &[u8]) {
        let mut counted = 0;
        let mut skip_to = 0;
        for hit in memmem::find_iter(buf, BANNER.as_bytes()) {
            if hit < skip_to {
                continue;
            }
            let line_start =
                memchr::memrchr(b'\n', buf.get(..hit).unwrap_or_default()).map_or(0, |pos| pos + 1);
            let line_end = memchr::memchr(b'\n', buf.get(hit..).unwrap_or_default())
                .map_or(buf.len(), |pos| hit + pos);
            self.lines += count_newlines(buf.get(counted..line_start).unwrap_or_default());
            counted = line_start;
            skip_to = line_end;
            let text = String::from_utf8_lossy(buf.get(hit..line_end).unwrap_or_default());
            if let Some(build) = linux_banner(text.trim_end_matches('\r')) {
                // A reboot into the same kernel changes no answer of `before`: keeping one copy
                // keeps a log of a thousand identical boots to one banner's memory.
                if self.banners.last().is_some_and(|(_, last)| *last == build) {
                    continue;
                }
                if self.banners.len() >= MAX_BANNERS {
                    self.banners.remove(0);
                }
                self.banners.push((self.lines + 1, build));
            }
        }
        self.lines += count_newlines(buf.get(counted..).unwrap_or_default());
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)";

    #[test]
    fn banner_gives_release_build_and_text() {
        let line = format!("ok\x1b[2J[    0.000000] {DEBIAN}\r");
        let build = linux_banner(&line).unwrap();
        assert_eq!(build.release, "6.1.0-56-amd64");
        assert_eq!(build.build.as_deref(), Some("#1"));
        assert_eq!(build.banner.as_deref(), Some(DEBIAN));
        assert!(build.matches_banner(DEBIAN));
        assert!(!build.matches_banner(&DEBIAN.replace("#1 ", "#2 ")));
        assert_eq!(linux_banner("Linux version of the day: none"), None);
    }

    #[test]
    fn task_line_build_matches_a_banner_by_release_and_number() {
        let build = task_kernel("4.0.0-lego+ #26").unwrap();
        assert_eq!(build.to_string(), "4.0.0-lego+ #26");
        let banner = "Linux version 4.0.0-lego+ (a@b) (gcc version 12) #26 SMP";
        assert!(build.matches_banner(banner));
        assert!(!build.matches_banner(&banner.replace("#26", "#27")));
        assert!(!build.matches_banner(&banner.replace("4.0.0", "4.0.1")));
        assert_eq!(task_kernel("Tainted"), None);
    }

    #[test]
    fn modules_line() {
        assert_eq!(
            modules_linked_in("Modules linked in: lkdtm(OE) e1000 [last unloaded: foo]"),
            Some(vec!["lkdtm".to_owned(), "e1000".to_owned()])
        );
        assert_eq!(modules_linked_in("RIP: 0010:x"), None);
    }

    #[test]
    fn scanner_numbers_banners_across_reads() {
        let log = format!("a\n[0.0] {DEBIAN}\nb\nc\n[0.0] Linux version 6.2.0 (x) #7 SMP\nd");
        for split in [1, 5, 17, 40, log.len()] {
            let mut scanner = BannerScanner::new();
            for chunk in log.as_bytes().chunks(split) {
                scanner.feed(chunk);
            }
            scanner.finish();
            let lines: Vec<u64> = scanner.banners().iter().map(|(line, _)| *line).collect();
            assert_eq!(lines, vec![2, 5], "chunks of {split}");
            assert_eq!(scanner.before(5).unwrap().release, "6.1.0-56-amd64");
            assert_eq!(scanner.before(6).unwrap().release, "6.2.0");
            assert!(scanner.before(2).is_none());
        }
    }

    #[test]
    fn scanner_keeps_one_banner_per_run_of_identical_boots() {
        let log = format!("[0.0] {DEBIAN}\na\n[0.0] {DEBIAN}\nb\n[0.0] Linux version 6.2.0 (x) #7\n[0.0] {DEBIAN}\n");
        let mut scanner = BannerScanner::new();
        scanner.feed(log.as_bytes());
        let lines: Vec<u64> = scanner.banners().iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![1, 5, 6]);
        assert_eq!(scanner.before(4).unwrap().release, "6.1.0-56-amd64");
        assert_eq!(scanner.before(6).unwrap().release, "6.2.0");
        assert_eq!(scanner.before(7).unwrap().release, "6.1.0-56-amd64");
    }
}
