//! Console-line normalization: strip what the transport and printk added, keep it as fields.
//!
//! A serial console line can carry, in this order: a syslog or journalctl prefix
//! (`Sep 23 02:31:17 host kernel: `), a `<N>` log level, a dmesg timestamp
//! (`[  123.456789]`), a printk caller id (`[ T123]`/`[C1]`), and then the kernel's text. The
//! transport adds CR, ANSI escapes and NUL bytes, and may garble UTF-8. [`normalize`] undoes
//! all of that without ever failing.

use crate::report::WallTime;
use bstr::ByteSlice;

/// A console line after normalization.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// 1-based line number in the input stream.
    pub number: u64,
    /// The kernel's text: no prefixes, no CR/ANSI/NUL; leading spaces after the timestamp kept
    /// (they carry meaning in call traces).
    pub text: String,
    /// The dmesg timestamp in seconds.
    pub time: Option<f64>,
    /// The printk caller id (`CONFIG_PRINTK_CALLER`).
    pub caller: Option<Caller>,
    /// The `<N>` console log level.
    pub level: Option<u8>,
    /// The wall-clock time a console server, syslog, the journal or `ts` put before the line.
    pub wall: Option<WallTime>,
    /// A syslog or journal line of a program other than the kernel (`host prog[pid]: …`):
    /// no kernel output, whatever its text says.
    pub userspace: bool,
}

/// Who printed a line, from `[T123]` (a task) or `[C1]` (a CPU in interrupt context).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// `[T<pid>]`.
    Task(u32),
    /// `[C<cpu>]`.
    Cpu(u32),
}

/// Normalizes one raw line (without its `\n`).
pub fn normalize(number: u64, raw: &[u8]) -> Line {
    let cleaned = clean_bytes(raw);
    let text = cleaned.to_str_lossy();
    let mut rest: &str = &text;
    let mut time = None;
    let mut caller = None;
    let mut level = None;
    let mut wall = None;
    let mut userspace = false;

    // Prefixes can come in a few orders on real consoles; peel them until none matches.
    for _ in 0..4 {
        let before = rest.len();
        if let Some((lvl, after)) = strip_level(rest) {
            level = Some(lvl);
            rest = after;
        }
        if time.is_none() {
            if let Some((t, after)) = strip_timestamp(rest) {
                time = Some(t);
                rest = after;
                if let Some((c, after)) = strip_caller(rest) {
                    caller = Some(c);
                    rest = after;
                }
                rest = rest.strip_prefix(' ').unwrap_or(rest);
                break;
            }
        }
        if wall.is_none() {
            if let Some((w, after)) = strip_wall(rest) {
                wall = Some(w);
                match strip_host_tag(after) {
                    Some(kernel) => rest = kernel,
                    None if is_program_tag(after) => {
                        userspace = true;
                        rest = after;
                        break;
                    }
                    None => rest = after,
                }
            }
        }
        if let Some(after) = strip_syslog(rest) {
            rest = after;
        }
        if rest.len() == before {
            break;
        }
    }
    if caller.is_none() {
        if let Some((c, after)) = strip_caller(rest) {
            caller = Some(c);
            rest = after.strip_prefix(' ').unwrap_or(after);
        }
    }
    Line {
        number,
        text: rest.to_owned(),
        time,
        caller,
        level,
        wall,
        userspace,
    }
}

/// A wall-clock prefix and the rest of the line after its blank: ISO 8601
/// (`2018-08-27T10:11:12.345+02:00`, `2018-08-27 10:11:12.345`) or the syslog/`ts` form
/// (`Aug 27 10:11:12`, `Aug  7 10:11:12.123456`).
fn strip_wall(s: &str) -> Option<(WallTime, &str)> {
    let b = s.as_bytes();
    let (year, month, day, rest) = if b.first()?.is_ascii_digit() {
        if b.len() < 19 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        if !matches!(b.get(10), Some(b'T' | b' ')) {
            return None;
        }
        let year = digits(s.get(..4)?)?;
        let month = digits(s.get(5..7)?)?;
        let day = digits(s.get(8..10)?)?;
        (Some(year as i32), month, day, s.get(11..)?)
    } else {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS.iter().position(|m| s.starts_with(m))? as u32 + 1;
        if b.get(3) != Some(&b' ') {
            return None;
        }
        let after = s.get(4..)?;
        let trimmed = after.strip_prefix(' ').unwrap_or(after);
        let (day, rest) = trimmed.split_at_checked(trimmed.find(' ')?)?;
        if day.len() > 2 {
            return None;
        }
        (None, month, digits(day)?, rest.get(1..)?)
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let hh = digits(rest.get(..2)?)?;
    let mm = digits(rest.get(3..5)?)?;
    let ss = digits(rest.get(6..8)?)?;
    let rb = rest.as_bytes();
    if rb.get(2) != Some(&b':') || rb.get(5) != Some(&b':') || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut seconds = f64::from(hh * 3600 + mm * 60 + ss);
    let mut rest = rest.get(8..)?;
    if let Some(frac) = rest.strip_prefix(['.', ',']) {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        seconds += format!("0.{}", frac.get(..n)?).parse::<f64>().ok()?;
        rest = frac.get(n..)?;
    }
    let mut utc_offset_minutes = None;
    if year.is_some() {
        if let Some(after) = rest.strip_prefix('Z') {
            utc_offset_minutes = Some(0);
            rest = after;
        } else if let Some(zone) = rest.strip_prefix(['+', '-']) {
            let negative = rest.starts_with('-');
            let (h, m, len) = match zone.as_bytes().get(2) {
                Some(b':') => (digits(zone.get(..2)?)?, digits(zone.get(3..5)?)?, 6),
                _ => (digits(zone.get(..2)?)?, digits(zone.get(2..4)?)?, 5),
            };
            let minutes = (h * 60 + m) as i32;
            utc_offset_minutes = Some(if negative { -minutes } else { minutes });
            rest = rest.get(len..)?;
        }
    }
    let rest = rest.strip_prefix([' ', '\t'])?;
    let wall = WallTime {
        year,
        month,
        day,
        seconds,
        utc_offset_minutes,
    };
    Some((wall, rest))
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `host kernel: ` or `host kern.err kernel: ` after a syslog date.
fn strip_host_tag(s: &str) -> Option<&str> {
    let window = s.get(..s.len().min(100)).unwrap_or(s);
    let idx = window.to_ascii_lowercase().find(" kernel: ")?;
    let head = window.get(..idx)?;
    if head.is_empty() || head.split(' ').count() > 2 || head.starts_with('[') {
        return None;
    }
    s.get(idx + " kernel: ".len()..)
}

/// `host prog[pid]: ` after a syslog or journal date: a program's line, not the kernel's
/// (the kernel's carries `kernel:`, see [`strip_host_tag`]).
fn is_program_tag(s: &str) -> bool {
    let Some((host, rest)) = s.split_once(' ') else {
        return false;
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    let Some((prog, after)) = rest
        .split_once("]: ")
        .or_else(|| rest.strip_suffix("]:").map(|prog| (prog, "")))
    else {
        return false;
    };
    let Some((name, pid)) = prog.rsplit_once('[') else {
        return false;
    };
    let _ = after;
    host_ok
        && !name.is_empty()
        && !name.contains(' ')
        && !name.eq_ignore_ascii_case("kernel")
        && !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
}

/// Removes CR, NUL, other C0 controls except TAB, and ANSI escape sequences.
fn clean_bytes(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let needs_cleaning = raw.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f);
    if !needs_cleaning {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        i += 1;
        if b == 0x1b {
            i += escape_len(raw.get(i..).unwrap_or_default());
            continue;
        }
        if b < 0x20 && b != b'\t' || b == 0x7f {
            continue;
        }
        out.push(b);
    }
    std::borrow::Cow::Owned(out)
}

/// Length of an ANSI escape sequence body following ESC.
fn escape_len(rest: &[u8]) -> usize {
    match rest.first() {
        // CSI: ESC [ params... final byte in 0x40..=0x7e.
        Some(b'[') => rest
            .iter()
            .skip(1)
            .position(|b| (0x40..=0x7e).contains(b))
            .map_or(rest.len(), |p| p + 2),
        // OSC: ESC ] ... BEL or ESC \.
        Some(b']') => rest
            .iter()
            .position(|&b| b == 0x07 || b == 0x1b)
            .map_or(rest.len(), |p| p + 1),
        Some(_) => 1,
        None => 0,
    }
}

fn strip_level(s: &str) -> Option<(u8, &str)> {
    let inner = s.strip_prefix('<')?;
    let (digits, after) = inner.split_once('>')?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, after))
}

/// `[  123.456789]` → 123.456789.
fn strip_timestamp(s: &str) -> Option<(f64, &str)> {
    let inner = s.strip_prefix('[')?;
    let (body, after) = inner.split_once(']')?;
    let body = body.trim_start();
    let (secs, frac) = body.split_once('.')?;
    if secs.is_empty()
        || frac.is_empty()
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((body.parse().ok()?, after))
}

/// `[ T123]`, `[T123]`, `[  C1]` directly after the timestamp.
fn strip_caller(s: &str) -> Option<(Caller, &str)> {
    let s = s
        .strip_prefix(' ')
        .filter(|r| r.starts_with('['))
        .unwrap_or(s);
    let inner = s.strip_prefix('[')?;
    let (body, after) = inner.split_once(']')?;
    let body = body.trim_start();
    let (tag, digits) = body.split_at_checked(1)?;
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: u32 = digits.parse().ok()?;
    let caller = match tag {
        "T" => Caller::Task(id),
        "C" => Caller::Cpu(id),
        _ => return None,
    };
    Some((caller, after))
}

/// Syslog / journalctl prefixes: `Sep 23 02:31:17 host kernel: `,
/// `2024-01-02T03:04:05.123456+00:00 host kernel: `, with an optional facility
/// (`kern.err kernel: `).
fn strip_syslog(s: &str) -> Option<&str> {
    let first = s.as_bytes().first()?;
    if !first.is_ascii_alphanumeric() {
        return None;
    }
    // The kernel tag ends the prefix; look for it only in the first 100 bytes.
    let window = s.get(..s.len().min(120)).unwrap_or(s);
    let lower = window.to_ascii_lowercase();
    let idx = lower.find(" kernel: ")?;
    let head = window.get(..idx)?;
    if !looks_like_date(head) {
        return None;
    }
    s.get(idx + " kernel: ".len()..)
}

fn looks_like_date(head: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = head.get(..3).map(str::to_ascii_lowercase);
    if lower.is_some_and(|m| MONTHS.contains(&m.as_str())) {
        return head.contains(':');
    }
    // ISO 8601: 2024-01-02T03:04:05
    let b = head.as_bytes();
    b.len() >= 19
        && b.iter().take(4).all(u8::is_ascii_digit)
        && b.get(4) == Some(&b'-')
        && b.get(10).is_some_and(|&c| c == b'T' || c == b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, text: &str, time: Option<f64>, caller: Option<Caller>) {
        let line = normalize(7, raw.as_bytes());
        assert_eq!(line.text, text, "text of {raw:?}");
        assert_eq!(line.time, time, "time of {raw:?}");
        assert_eq!(line.caller, caller, "caller of {raw:?}");
    }

    #[test]
    fn plain_timestamp() {
        check(
            "[187736.669027] watchdog: worker[0] CPU10 stucked",
            "watchdog: worker[0] CPU10 stucked",
            Some(187736.669027),
            None,
        );
    }

    #[test]
    fn keeps_leading_space_of_frames() {
        check(
            "[   12.000001]  ? foo+0x1/0x2",
            " ? foo+0x1/0x2",
            Some(12.000001),
            None,
        );
    }

    #[test]
    fn caller_ids() {
        check(
            "[   49.650190][  T126] wlan1: x",
            "wlan1: x",
            Some(49.65019),
            Some(Caller::Task(126)),
        );
        check(
            "[   63.198470][    C2] net_ratelimit: 3",
            "net_ratelimit: 3",
            Some(63.19847),
            Some(Caller::Cpu(2)),
        );
        check(
            "[  144.247612][T11794] IPv6: y",
            "IPv6: y",
            Some(144.247612),
            Some(Caller::Task(11794)),
        );
    }

    #[test]
    fn transport_noise() {
        check(
            "\x1b[0;31m[    1.5] BUG: x\x1b[0m\r",
            "BUG: x",
            Some(1.5),
            None,
        );
        check("a\0b\r", "ab", None, None);
        let line = normalize(1, b"[ 1.0] caf\xff\xfe");
        assert_eq!(line.text, "caf\u{fffd}\u{fffd}");
    }

    #[test]
    fn syslog_and_levels() {
        check(
            "Sep 23 02:31:17 syzkaller kern.err kernel: [   68.938106] BUG: z",
            "BUG: z",
            Some(68.938106),
            None,
        );
        check(
            "2024-01-02T03:04:05.123456+00:00 host kernel: Oops: 0002",
            "Oops: 0002",
            None,
            None,
        );
        let line = normalize(1, b"<4>[    2.000000] WARNING: w");
        assert_eq!(line.level, Some(4));
        assert_eq!(line.text, "WARNING: w");
    }

    #[test]
    fn only_the_kernels_syslog_lines_are_kernel_output() {
        let line = normalize(
            1,
            b"Sep 23 02:31:17 host someapp[1234]: WARNING: its config",
        );
        assert!(line.userspace);
        let line = normalize(
            1,
            b"2024-01-02T03:04:05+00:00 host systemd-udevd[77]: BUG: x",
        );
        assert!(line.userspace);
        let line = normalize(
            1,
            b"Sep 23 02:31:17 host kernel: WARNING: CPU: 0 PID: 1 at x",
        );
        assert!(!line.userspace);
        assert_eq!(line.text, "WARNING: CPU: 0 PID: 1 at x");
        // No program prefix at all: a console line.
        let line = normalize(1, b"2018-08-27 10:11:12.345 WARNING: CPU: 0 PID: 1 at x");
        assert!(!line.userspace);
        let line = normalize(1, b"[  1.0] host someapp[1234]: WARNING: x");
        assert!(!line.userspace);
    }

    #[test]
    fn wall_clock_prefixes() {
        let line = normalize(1, b"2018-08-27T10:11:12.5+02:00 [  963.3] watchdog: x");
        assert_eq!(line.text, "watchdog: x");
        assert_eq!(line.time, Some(963.3));
        let wall = line.wall.unwrap();
        assert_eq!((wall.year, wall.month, wall.day), (Some(2018), 8, 27));
        assert_eq!(wall.seconds, 36672.5);
        assert_eq!(wall.utc_offset_minutes, Some(120));
        let line = normalize(1, b"Aug  7 10:11:12 [ 1.0] BUG: y");
        assert_eq!(line.text, "BUG: y");
        let wall = line.wall.unwrap();
        assert_eq!((wall.year, wall.month, wall.day), (None, 8, 7));
        assert_eq!(wall.seconds, 36672.0);
        let line = normalize(1, b"2018-08-27 10:11:12.345 BUG: z");
        assert_eq!(line.text, "BUG: z");
        assert!((line.wall.unwrap().seconds - 36672.345).abs() < 1e-9);
        let line = normalize(
            1,
            b"Sep 23 02:31:17 syzkaller kern.err kernel: [ 6.9] BUG: z",
        );
        assert_eq!(line.text, "BUG: z");
        assert_eq!(line.wall.unwrap().month, 9);
        // Not a date: kept as it is.
        assert_eq!(normalize(1, b"Augment 27 10:11:12 x").wall, None);
        assert_eq!(normalize(1, b"2018-08-27 x").wall, None);
    }

    #[test]
    fn not_a_timestamp() {
        check(
            "[<ffffffff8106920c>] f+0x6c/0xe0",
            "[<ffffffff8106920c>] f+0x6c/0xe0",
            None,
            None,
        );
        check("[ cut here ]", "[ cut here ]", None, None);
    }
}
