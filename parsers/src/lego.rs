//! LegoOS report headers and titles.
//!
//! LegoOS prints Linux-shaped reports (its kernel is derived from 4.0) plus its own: the
//! thread-pool watchdog, the spinlock debugger, FIT (InfiniBand RPC) timeouts and
//! `BUG: failure at file:line/func()!`. The formats are the printk calls of LegoOS as seen in
//! ../shared/corpus/lego.

use crate::header::{Dialect, Header, Role};
use crate::report::{Kind, Lego, LegoMsg, Task};
use crate::view::View;
use regex::Regex;
use std::sync::OnceLock;

/// Literals contained in every LegoOS header line.
pub(crate) const TRIGGERS: &[&str] = &[
    "stucked",
    "Possible deadlock happend",
    "Fail to to get the CQE",
    "timeout (",
    "BUG: failure at",
    "Kernel Panic",
];

/// The LegoOS patterns, each compiled the first time a line carries its literal (most logs
/// have no LegoOS report, and a regex costs more to compile than a log line to scan).
struct Patterns;

impl Patterns {
    fn watchdog(&self) -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        // `watchdog: worker[0] CPU10 stucked` (Aug 2018), `hb: worker[0] CPU 10 stucked` (Apr 2018).
        lazy(
            &RE,
            r"^(?:watchdog|hb): +worker\[(\d+)\] +CPU ?(\d+) +stucked",
        )
    }

    fn reply_timeout(&self) -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        // `ibapi_send_reply() polling timeout (100 ms), caller: f+0x1/0x2`,
        // `ibapi_send_reply() CPU:3 PID:31 timeout (10000 ms), caller: …`.
        lazy(
            &RE,
            r"^(\w+)\(\) (?:.*?CPU:(\d+) PID:(\d+) )?.*timeout \(\d+ ms\)",
        )
    }

    fn failure(&self) -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        lazy(&RE, r"^BUG: failure at (\S+?):(\d+)/(\w+)\(\)!")
    }

    fn common_header(&self) -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        lazy(
            &RE,
            r"common_header \[op=(0x[0-9a-fA-F]+|\d+) src_nid:(\d+)\]",
        )
    }

    fn msg(&self) -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        lazy(
            &RE,
            r"msg \[pid=(\d+),tgid=(\d+),flags=(0x[0-9a-fA-F]+|\d+),vaddr=(0x[0-9a-fA-F]+|\d+)\]",
        )
    }
}

fn lazy(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| crate::pattern::compile(pattern))
}

fn patterns() -> &'static Patterns {
    &Patterns
}

/// Recognizes a LegoOS-only header.
pub(crate) fn match_header(text: &str) -> Option<Header> {
    let text = text.trim_start();
    let p = patterns();
    // Each regex needs its literal: lines without it are not matched against it (nor is the
    // regex compiled for them).
    if let Some(caps) = text
        .contains("stucked")
        .then(|| p.watchdog().captures(text))
        .flatten()
    {
        let mut header = Header::new(Kind::LegoWatchdog, Dialect::Lego, Role::Start);
        header.task.cpu = caps.get(2).and_then(|m| m.as_str().parse().ok());
        header.lego = Some(Lego {
            worker: caps.get(1).and_then(|m| m.as_str().parse().ok()),
            ..Lego::default()
        });
        return Some(header);
    }
    if text.starts_with("Possible deadlock happend") {
        return Some(lego_header(Kind::LegoSpinDeadlock, Role::Start));
    }
    if text.contains("Fail to to get the CQE") {
        return Some(lego_header(Kind::LegoFitCqeTimeout, Role::Start));
    }
    if let Some(caps) = text
        .contains("timeout (")
        .then(|| p.reply_timeout().captures(text))
        .flatten()
    {
        let mut header = lego_header(Kind::LegoFitTimeout, Role::Start);
        header.task = Task {
            cpu: caps.get(2).and_then(|m| m.as_str().parse().ok()),
            pid: caps.get(3).and_then(|m| m.as_str().parse().ok()),
            ..Task::default()
        };
        return Some(header);
    }
    if text.starts_with("BUG: failure at ") && p.failure().is_match(text) {
        return Some(lego_header(Kind::LegoBug, Role::Start));
    }
    if text.starts_with("Kernel Panic - not syncing") {
        return Some(lego_header(Kind::Panic, Role::Continuation));
    }
    None
}

fn lego_header(kind: Kind, role: Role) -> Header {
    let mut header = Header::new(kind, Dialect::Lego, role);
    header.lego = Some(Lego::default());
    header
}

/// Reads LegoOS fields from a body line of a LegoOS report (`common_header […]`, `msg […]`).
pub(crate) fn absorb_line(lego: &mut Lego, text: &str) -> bool {
    let p = patterns();
    if let Some(caps) = text
        .contains("common_header [op=")
        .then(|| p.common_header().captures(text))
        .flatten()
    {
        lego.op = caps.get(1).and_then(|m| parse_number(m.as_str()));
        lego.src_nid = caps.get(2).and_then(|m| m.as_str().parse().ok());
        return true;
    }
    if let Some(caps) = text
        .contains("msg [pid=")
        .then(|| p.msg().captures(text))
        .flatten()
    {
        lego.msg = Some(LegoMsg {
            pid: caps.get(1).and_then(|m| m.as_str().parse().ok()),
            tgid: caps.get(2).and_then(|m| m.as_str().parse().ok()),
            flags: caps.get(3).and_then(|m| parse_number(m.as_str())),
            vaddr: caps.get(4).and_then(|m| parse_number(m.as_str())),
        });
        return true;
    }
    false
}

/// `Oops: 0002 [#1] SMP MEMORY`: LegoOS names the component after the flags.
pub(crate) fn oops_component(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix("Oops:")?;
    let flags = rest.split(']').nth(1)?;
    flags
        .split_whitespace()
        .find(|w| matches!(*w, "MEMORY" | "PROCESSOR" | "STORAGE" | "MONITOR"))
        .map(str::to_owned)
}

/// `WARNING: CPU: 14 PID: 22 at net/lego/fit_internal.c:1108 fit_internal_poll_sendcq+0xe5/0x140`
/// → `fit_internal_poll_sendcq`.
fn warning_function(header: &str) -> Option<&str> {
    let (_, rest) = header.split_once(" at ")?;
    let func = rest.split_whitespace().nth(1)?;
    let name = func.split('+').next()?;
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'))
    .then_some(name)
}

fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The input line that named the function [`title`] blames, when it names one; `linux` is
/// what the Linux rules found for the same report. Follows [`title`] branch for branch.
pub(crate) fn guilty_line(
    draft: &View<'_>,
    linux: &crate::linux::Verdict,
) -> Option<crate::linux::Found> {
    use crate::linux::{Found, Stop};
    let header = draft.header_text();
    let found = |func: &str, line: u64| Found {
        function: crate::vocab::base_name(func).to_owned(),
        line,
        stop: Stop::Never,
    };
    let named = |func: &str| Some(found(func, draft.lines.first()?.line));
    let guilty = || {
        draft
            .guilty_function_at()
            .map(|(func, line)| found(func, line))
    };
    match draft.kind {
        Kind::LegoWatchdog
        | Kind::LegoSpinDeadlock
        | Kind::LegoFitCqeTimeout
        | Kind::LegoFitTimeout => guilty(),
        Kind::LegoBug => {
            let caps = patterns().failure().captures(header);
            match caps.and_then(|c| c.get(3)) {
                Some(func) => named(func.as_str()),
                None => guilty(),
            }
        }
        Kind::Panic => None,
        Kind::Warning => match warning_function(header) {
            Some(func) if linux.title.ends_with(" in corrupted") => named(func),
            _ => linux.guilty.clone(),
        },
        Kind::PageFault if header.trim_start().starts_with("Oops:") => None,
        _ => linux.guilty.clone(),
    }
}

/// Title of a LegoOS-only report, in the spirit of the syzbot conventions: what happened,
/// then `in` the function that is to blame.
/// `linux_title` is what the Linux rules call the same report.
pub(crate) fn title(draft: &View<'_>, linux_title: &str) -> String {
    let guilty = draft.guilty_function().map(crate::vocab::base_name);
    let header = draft.header_text();
    let base = match draft.kind {
        Kind::LegoWatchdog => "watchdog: worker stuck".to_owned(),
        Kind::LegoSpinDeadlock => "spinlock: possible deadlock".to_owned(),
        Kind::LegoFitCqeTimeout => "fit: send CQE timeout".to_owned(),
        Kind::LegoFitTimeout => {
            let caps = patterns().reply_timeout().captures(header);
            let func = caps.and_then(|c| c.get(1)).map_or("rpc", |m| m.as_str());
            format!("fit: {func} timeout")
        }
        Kind::LegoBug => {
            let caps = patterns().failure().captures(header);
            if let Some(func) = caps.and_then(|c| c.get(3)) {
                return format!("BUG: failure in {}", func.as_str());
            }
            "BUG: failure".to_owned()
        }
        Kind::Panic => {
            let reason = header
                .trim_start()
                .strip_prefix("Kernel Panic - not syncing:")
                .map_or("", str::trim);
            return format!("kernel panic: {reason}");
        }
        Kind::Warning => {
            // Diary pastes often keep only the WARNING line; its header names the function,
            // which tells a LegoOS developer more than syzkaller's `in corrupted`.
            let title = linux_title.to_owned();
            return match (
                title.strip_suffix(" in corrupted"),
                warning_function(header),
            ) {
                (Some(base), Some(func)) => format!("{base} in {func}"),
                _ => title,
            };
        }
        // A log that starts inside an oops may keep only `Oops: 0010 [#1] SMP PROCESSOR`:
        // the page-fault error code says what happened; the `[#N]` counter and the flags
        // vary between runs and stay out of the title, as syzkaller masks such numbers.
        Kind::PageFault if header.trim_start().starts_with("Oops:") => {
            let code = header
                .trim_start()
                .strip_prefix("Oops:")
                .and_then(|rest| rest.split_whitespace().next())
                .filter(|code| code.bytes().all(|b| b.is_ascii_hexdigit()));
            match code {
                Some(code) => format!("Oops: {code}"),
                None => "Oops".to_owned(),
            }
        }
        _ => return linux_title.to_owned(),
    };
    match guilty {
        Some(func) => format!("{base} in {func}"),
        None => base,
    }
}
