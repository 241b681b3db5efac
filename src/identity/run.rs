//! Runs: names and nodes from log file names (`0826-w9-1` is machine w9, run 1 on August 26),
//! dates from the wall clock the log prints (never from a file's mtime).

use std::fmt;
use std::time::SystemTime;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Date {
    /// Builds a date when the fields are in range (jiff's calendar: years 1–9999 matter here).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let civil = jiff::civil::Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()?;
        Some(Date::from_civil(civil))
    }

    fn from_civil(civil: jiff::civil::Date) -> Date {
        Date {
            year: i32::from(civil.year()),
            month: civil.month() as u32,
            day: civil.day() as u32,
        }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Date::new(year, month, day)
    }

    fn civil(self) -> Option<jiff::civil::Date> {
        jiff::civil::Date::new(
            i16::try_from(self.year).ok()?,
            i8::try_from(self.month).ok()?,
            i8::try_from(self.day).ok()?,
        )
        .ok()
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        let epoch = jiff::civil::Date::constant(1970, 1, 1);
        self.civil()
            .and_then(|civil| civil.since(epoch).ok())
            .map_or(0, |span| i64::from(span.get_days()))
    }

    /// The date of a day count since 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let epoch = jiff::civil::Date::constant(1970, 1, 1);
        let civil = epoch
            .checked_add(jiff::Span::new().days(days.clamp(-7_000_000, 7_000_000)))
            .unwrap_or(epoch);
        Date::from_civil(civil)
    }

    /// The UTC date of a point in time.
    pub fn from_system_time(time: SystemTime) -> Date {
        let civil = jiff::Timestamp::try_from(time)
            .map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).date())
            .unwrap_or(jiff::civil::Date::constant(1970, 1, 1));
        Date::from_civil(civil)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Run name, node and date of one log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunInfo {
    /// `MMDD-w<machine>-<run>` when the name carries one (or `--run`), else the file stem.
    pub name: String,
    /// `w<machine>` from such a name (or `--node`).
    pub node: Option<String>,
    /// The wall-clock date printed in the log, else `--run-date`; `None` means the history
    /// dates the run by the day it is first recorded. Never taken from a file's mtime.
    pub date: Option<Date>,
}

/// What the command line says about a run (`--run`, `--node`, `--run-date`).
#[derive(Debug, Clone, Default)]
pub struct RunOverrides {
    /// Run name.
    pub run: Option<String>,
    /// Node.
    pub node: Option<String>,
    /// Date, used when the log prints none.
    pub date: Option<Date>,
}

impl RunOverrides {
    /// Applies the flags: a name and node replace the file name's; a date only fills in for a
    /// log that prints no wall-clock date.
    pub fn apply(&self, info: &mut RunInfo) {
        if let Some(run) = &self.run {
            info.name = run.clone();
            info.node = find_run_name(run).and_then(node_of);
        }
        if let Some(node) = &self.node {
            info.node = Some(node.clone());
        }
        if info.date.is_none() {
            info.date = self.date;
        }
    }
}

/// Derives the run of a log from its file stem and the first bytes of its content.
///
/// * The run name is the first `MMDD-w<machine>-<run>` in the stem (so a corpus name such as
///   `diary-180826-b09-0826-w9-1` gives `0826-w9-1`), else the whole stem; the node is its
///   `w<machine>` part.
/// * The date is the first wall-clock date the log prints ([`wall_clock_date`]).
pub fn run_info(stem: &str, head: &[u8]) -> RunInfo {
    run_info_dated(stem, wall_clock_date(head))
}

/// [`run_info`] with the date already found in the log's first bytes ([`HeadDate`]).
pub fn run_info_dated(stem: &str, date: Option<Date>) -> RunInfo {
    let run = find_run_name(stem);
    RunInfo {
        name: run.map_or_else(|| stem.to_owned(), str::to_owned),
        node: run.and_then(node_of),
        date,
    }
}

/// `w14` of `0827-w14-6`.
fn node_of(run: &str) -> Option<String> {
    run.split('-').nth(1).map(str::to_owned)
}

/// How much of a log's start is searched for a wall-clock date.
pub const DATE_HEAD_BYTES: usize = 1 << 20;

/// The first wall-clock date-time the log prints, ISO 8601 (`2026-11-25T10:45:22`, also with a
/// space): the kernel's `rtc_cmos …: setting system clock to …` line, syslog/journal
/// `short-iso` prefixes. A bare date without a time is not taken (build dates, BIOS dates).
pub fn wall_clock_date(head: &[u8]) -> Option<Date> {
    wall_clock_date_from(head, 0)
}

/// [`wall_clock_date`] among the matches that start at or after byte `from` of `text` (the
/// bytes before it only give the first match its word boundary). Every match is 19 bytes of
/// one fixed shape, and no two can overlap, so the matches of a text are the same whatever
/// piece of it is searched.
fn wall_clock_date_from(text: &[u8], from: usize) -> Option<Date> {
    static PATTERN: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        // ASCII classes: a console's date is ASCII, and with Unicode `\d` and `\b` the
        // pattern and its caches took 460 KB of the default run's heap, not 34 KB.
        regex::bytes::Regex::new(
            r"(?-u:\b)((?:19|20)[0-9]{2})-([0-9]{2})-([0-9]{2})[T ][0-9]{2}:[0-9]{2}:[0-9]{2}",
        )
        .expect("a valid pattern")
    });
    pattern
        .captures_iter(text)
        .filter(|caps| caps.get(0).is_some_and(|m| m.start() >= from))
        .find_map(|caps| {
            let field = |idx: usize| std::str::from_utf8(&caps[idx]).ok()?.parse().ok();
            Date::new(field(1)? as i32, field(2)?, field(3)?)
        })
}

/// [`wall_clock_date`] of a log's first [`DATE_HEAD_BYTES`], searched piece by piece as they
/// are read: only the last few bytes of the previous piece are kept (a date may straddle two
/// reads), not the whole head.
#[derive(Debug, Default)]
pub struct HeadDate {
    /// Bytes of the log seen so far (up to [`DATE_HEAD_BYTES`]).
    seen: usize,
    /// The end of what was searched, where a date cut by the read may start.
    tail: Vec<u8>,
    date: Option<Date>,
}

impl HeadDate {
    /// Bytes kept between pieces: longer than a match, plus the byte before it.
    const OVERLAP: usize = 32;

    /// Searches the next bytes of the log.
    pub fn feed(&mut self, bytes: &[u8]) {
        let room = DATE_HEAD_BYTES.saturating_sub(self.seen);
        if self.date.is_some() || room == 0 || bytes.is_empty() {
            return;
        }
        let piece = bytes.get(..room).unwrap_or(bytes);
        self.seen += piece.len();
        let mut text = std::mem::take(&mut self.tail);
        // The kept tail was searched already; a match starting at its first byte would lack
        // the byte before it, and one starting later and ending in it was seen before.
        let from = usize::from(!text.is_empty());
        text.extend_from_slice(piece);
        self.date = wall_clock_date_from(&text, from);
        let keep = text.len().saturating_sub(Self::OVERLAP);
        text.drain(..keep);
        text.shrink_to(Self::OVERLAP);
        self.tail = text;
    }

    /// The date found in the bytes fed so far.
    pub fn date(&self) -> Option<Date> {
        self.date
    }
}

/// The first `MMDD-w<digits>-<digits>` at a word boundary in `stem`.
fn find_run_name(stem: &str) -> Option<&str> {
    let bytes = stem.as_bytes();
    for start in 0..bytes.len() {
        if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let rest = &bytes[start..];
        if rest.len() < 9 || !rest[..4].iter().all(u8::is_ascii_digit) || &rest[4..6] != b"-w" {
            continue;
        }
        let machine_len = rest[6..].iter().take_while(|b| b.is_ascii_digit()).count();
        if machine_len == 0 || rest.get(6 + machine_len) != Some(&b'-') {
            continue;
        }
        let run_start = 7 + machine_len;
        let run_len = rest[run_start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if run_len == 0 {
            continue;
        }
        let end = start + run_start + run_len;
        if bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let month: u32 = stem[start..start + 2].parse().ok()?;
        if !(1..=12).contains(&month) {
            continue;
        }
        return Some(&stem[start..end]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for text in ["1970-01-01", "2018-08-26", "2000-02-29", "2024-12-31"] {
            let date = Date::parse(text).unwrap();
            assert_eq!(date.to_string(), text);
        }
        assert!(Date::parse("2018-02-30").is_none());
        assert!(Date::parse("2019-02-29").is_none());
        let day = std::time::Duration::from_secs(17_769 * 86_400 + 3600);
        assert_eq!(
            Date::from_system_time(std::time::UNIX_EPOCH + day),
            Date::parse("2018-08-26").unwrap()
        );
    }

    #[test]
    fn names_give_run_and_node_never_a_date() {
        let info = run_info("0827-w14-6", b"no date here\n");
        assert_eq!(info.name, "0827-w14-6");
        assert_eq!(info.node.as_deref(), Some("w14"));
        assert_eq!(info.date, None);
        let info = run_info("diary-180826-b09-0826-w9-1", b"");
        assert_eq!(
            (info.name.as_str(), info.node.as_deref()),
            ("0826-w9-1", Some("w9"))
        );
        let info = run_info("console", b"");
        assert_eq!((info.name.as_str(), info.node), ("console", None));
        assert_eq!(run_info("x1234-w9-1", b"").name, "x1234-w9-1");
    }

    /// The date found piece by piece is the one found in the whole head, wherever the reads
    /// cut it: a date straddling two reads, one glued to a word before it (no word boundary:
    /// not a date, even when a read starts right after that word), an impossible date before
    /// the real one, and the head's end (a date past it is not looked at).
    #[test]
    fn the_head_date_read_in_pieces_is_the_whole_heads() {
        let mut log = b"boot x2019-02-03 04:05:06 then 2019-02-30 01:02:03 late\n".to_vec();
        log.extend_from_slice(b"rtc: setting system clock to 2026-11-25T10:45:22 UTC\n");
        let expected = wall_clock_date(&log);
        assert_eq!(expected, Date::parse("2026-11-25"));
        for size in 1..=log.len() {
            let mut date = HeadDate::default();
            for piece in log.chunks(size) {
                date.feed(piece);
            }
            assert_eq!(date.date(), expected, "pieces of {size} bytes");
        }
        let mut past = vec![b'.'; DATE_HEAD_BYTES - 10];
        past.extend_from_slice(b" 2026-11-25T10:45:22\n");
        let mut date = HeadDate::default();
        for piece in past.chunks(1000) {
            date.feed(piece);
        }
        assert_eq!(date.date(), None);
        assert_eq!(wall_clock_date(&past[..DATE_HEAD_BYTES]), None);
    }

    #[test]
    fn the_log_dates_itself() {
        let log = b"[    0.000000] Linux version 6.1.0 (gcc) #1 SMP 2024-01-02\n\
[    1.041510] rtc_cmos 00:05: setting system clock to 2026-11-25T10:45:22 UTC (1795603522)\n";
        assert_eq!(wall_clock_date(log), Date::parse("2026-11-25"));
        assert_eq!(
            wall_clock_date(b"2018-08-26 14:03:11 host kernel: x"),
            Date::parse("2018-08-26")
        );
        assert_eq!(wall_clock_date(b"BIOS 04/01/2014 built 2014-04-01"), None);
    }

    #[test]
    fn flags_override_names_and_fill_in_dates() {
        let mut info = run_info("console", b"");
        RunOverrides {
            run: Some("0901-w3-2".to_owned()),
            node: None,
            date: Date::parse("2018-09-01"),
        }
        .apply(&mut info);
        assert_eq!(info.name, "0901-w3-2");
        assert_eq!(info.node.as_deref(), Some("w3"));
        assert_eq!(info.date, Date::parse("2018-09-01"));
        let mut dated = run_info("x", b"2020-01-02T03:04:05");
        RunOverrides {
            date: Date::parse("2018-09-01"),
            ..RunOverrides::default()
        }
        .apply(&mut dated);
        assert_eq!(dated.date, Date::parse("2020-01-02"));
    }
}
