//! Run names and dates from log file names: `0826-w9-1` is August 26, machine w9, run 1.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

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
    /// Builds a date when the fields are in range.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Date::new(year, month, day)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year - era * 400;
        let month = i64::from(self.month);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01 (`civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The UTC date of a point in time.
    pub fn from_system_time(time: SystemTime) -> Date {
        let secs = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        Date::from_days_since_epoch(secs.div_euclid(86_400))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Run name and date of one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// `MMDD-w<machine>-<run>` when the name carries one, else the file stem.
    pub name: String,
    /// The run date: from the name when it carries one, else the file's mtime.
    pub date: Option<Date>,
}

/// Derives the run of a log from its file stem and modification time.
///
/// * The run name is the first `MMDD-w<machine>-<run>` in the stem (so a corpus name such as
///   `diary-180826-b09-0826-w9-1` gives `0826-w9-1`), else the whole stem.
/// * The date comes from a `YYMMDD` block (`diary-180826-…` → 2018-08-26), else from the run
///   name's `MMDD` with the year of the mtime (the year before when that would put the run
///   after the mtime), else from the mtime alone.
pub fn run_info(stem: &str, mtime: Option<SystemTime>) -> RunInfo {
    let mtime_date = mtime.map(Date::from_system_time);
    let run = find_run_name(stem);
    let name = run.map_or_else(|| stem.to_owned(), str::to_owned);
    let date = find_yymmdd(stem)
        .or_else(|| {
            let run = run?;
            let month = run.get(..2)?.parse().ok()?;
            let day = run.get(2..4)?.parse().ok()?;
            let reference = mtime_date.unwrap_or_else(|| Date::from_system_time(SystemTime::now()));
            let date = Date::new(reference.year, month, day)?;
            if date > reference {
                return Date::new(reference.year - 1, month, day);
            }
            Some(date)
        })
        .or(mtime_date);
    RunInfo { name, date }
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

/// A `-YYMMDD-` block (the diary corpus's naming) as a date in 2000–2099.
fn find_yymmdd(stem: &str) -> Option<Date> {
    stem.split(['-', '_', '.']).find_map(|part| {
        if part.len() != 6 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year = 2000 + part[..2].parse::<i32>().ok()?;
        Date::new(year, part[2..4].parse().ok()?, part[4..6].parse().ok()?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(date: &str) -> SystemTime {
        let days = Date::parse(date).unwrap().days_since_epoch();
        UNIX_EPOCH + Duration::from_secs(days as u64 * 86_400 + 3600)
    }

    #[test]
    fn dates_round_trip() {
        for text in ["1970-01-01", "2018-08-26", "2000-02-29", "2024-12-31"] {
            let date = Date::parse(text).unwrap();
            assert_eq!(date.to_string(), text);
            assert_eq!(Date::from_days_since_epoch(date.days_since_epoch()), date);
        }
        assert_eq!(
            Date::parse("2018-08-26").unwrap().days_since_epoch(),
            17_769
        );
        assert!(Date::parse("2018-02-30").is_none());
    }

    #[test]
    fn plain_run_names_take_the_year_of_the_mtime() {
        let info = run_info("0826-w9-1", Some(at("2018-08-27")));
        assert_eq!(info.name, "0826-w9-1");
        assert_eq!(info.date, Date::parse("2018-08-26"));
        // A run dated after the file's mtime belongs to the year before.
        let info = run_info("1231-w14-2", Some(at("2019-01-02")));
        assert_eq!(info.date, Date::parse("2018-12-31"));
    }

    #[test]
    fn corpus_names_carry_run_and_date() {
        let info = run_info("diary-180826-b09-0826-w9-1", None);
        assert_eq!(info.name, "0826-w9-1");
        assert_eq!(info.date, Date::parse("2018-08-26"));
        let info = run_info("diary-180311-b16", None);
        assert_eq!(info.name, "diary-180311-b16");
        assert_eq!(info.date, Date::parse("2018-03-11"));
    }

    #[test]
    fn other_names_use_the_mtime() {
        let info = run_info("console", Some(at("2021-05-04")));
        assert_eq!(
            (info.name.as_str(), info.date),
            ("console", Date::parse("2021-05-04"))
        );
        assert_eq!(run_info("x1234-w9-1", None).name, "x1234-w9-1");
    }
}
