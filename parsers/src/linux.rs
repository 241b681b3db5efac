//! Linux report headers, titles and corruption rules (syzkaller/syzbot conventions).

use crate::header::{Dialect, Header, Role};
use crate::report::{Corruption, Kind, Task};
use crate::scan::Draft;

/// Literals contained in every Linux header line.
pub(crate) const TRIGGERS: &[&str] = &[
    "BUG",
    "WARNING:",
    "INFO:",
    "general protection fault",
    "Kernel panic",
    "Oops",
    "KASAN:",
    "NMI backtrace for cpu",
    "task:",
    "Comm:",
    "soft lockup",
    "hard LOCKUP",
    "divide error",
    "invalid opcode",
    "double fault",
];

/// Recognizes a Linux header.
pub(crate) fn match_header(text: &str) -> Option<Header> {
    let text = text.trim_start();
    let linux = |kind, role| Some(Header::new(kind, Dialect::Linux, role));
    if text.starts_with("Oops:") {
        return linux(Kind::PageFault, Role::Continuation);
    }
    if text.starts_with("Kernel panic - not syncing") {
        return linux(Kind::Panic, Role::Start);
    }
    if text.starts_with("BUG: unable to handle kernel")
        || text.starts_with("BUG: kernel NULL pointer")
    {
        return linux(Kind::PageFault, Role::Start);
    }
    if text.starts_with("general protection fault") {
        return linux(Kind::GeneralProtection, Role::Start);
    }
    if text.starts_with("kernel BUG at") {
        return linux(Kind::KernelBug, Role::Start);
    }
    if text.contains("BUG: soft lockup") {
        return linux(Kind::SoftLockup, Role::Start);
    }
    if text.contains("hard LOCKUP") {
        return linux(Kind::HardLockup, Role::Start);
    }
    if text.starts_with("WARNING:") {
        return linux(Kind::Warning, Role::Start);
    }
    if text.starts_with("KASAN:") || text.starts_with("BUG: KASAN:") {
        return linux(Kind::Kasan, Role::Start);
    }
    if text.starts_with("INFO: task ") && text.contains("blocked for more than") {
        return linux(Kind::HungTask, Role::Start);
    }
    if text.starts_with("INFO: rcu") || text.starts_with("rcu: INFO:") {
        return linux(Kind::RcuStall, Role::Start);
    }
    if text.starts_with("BUG:") {
        return linux(Kind::Bug, Role::Start);
    }
    if text.starts_with("NMI backtrace for cpu") {
        return linux(Kind::NmiBacktrace, Role::Tentative);
    }
    if text.starts_with("task:") && text.contains(" state:") {
        let mut header = Header::new(Kind::TaskDump, Dialect::Linux, Role::Tentative);
        header.task = parse_task_dump(text);
        return Some(header);
    }
    if let Some(task) = crate::body::parse_task_line(text).filter(|t| t.comm.is_some()) {
        let mut header = Header::new(Kind::DumpStack, Dialect::Linux, Role::Tentative);
        header.task = task;
        return Some(header);
    }
    None
}

/// `task:kworker/0:1    state:I stack:0     pid:18    ppid:2      flags:0x00004000`.
fn parse_task_dump(text: &str) -> Task {
    let mut task = Task::default();
    if let Some(rest) = text.strip_prefix("task:") {
        if let Some((comm, _)) = rest.split_once(" state:") {
            task.comm = Some(comm.trim().to_owned());
        }
    }
    if let Some((_, rest)) = text.split_once(" pid:") {
        task.pid = rest.split_whitespace().next().and_then(|p| p.parse().ok());
    }
    task
}

/// Whether a header joins the active report instead of opening one.
pub(crate) fn joins(draft: &Draft, header: &Header) -> bool {
    // A `CPU: … PID: …` line is the task line of the report it appears in.
    if header.kind == Kind::DumpStack {
        return draft.kind != Kind::TaskDump || draft.frames.is_empty();
    }
    false
}

/// Kinds whose header is followed by free-text description lines before the registers or
/// trace (KASAN, lockdep, hung tasks, …).
pub(crate) fn expects_description(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Trace | Kind::DumpStack | Kind::NmiBacktrace | Kind::TaskDump | Kind::LegoWatchdog
    )
}

/// Title of a Linux report.
pub(crate) fn title(draft: &Draft) -> String {
    let header = draft.header_text().trim();
    let guilty = draft.guilty_function();
    let base = match draft.kind {
        Kind::Warning => "WARNING".to_owned(),
        Kind::PageFault => header.split(" at ").next().unwrap_or(header).to_owned(),
        Kind::Panic => return header.replace("Kernel panic - not syncing:", "kernel panic:"),
        Kind::Trace | Kind::DumpStack => "stack trace".to_owned(),
        Kind::TaskDump => "task dump".to_owned(),
        Kind::NmiBacktrace => "NMI backtrace".to_owned(),
        _ => header.to_owned(),
    };
    match guilty {
        Some(func) => format!("{base} in {func}"),
        None => base,
    }
}

/// Linux-specific reasons to distrust a report.
pub(crate) fn corruption(draft: &Draft) -> Option<Corruption> {
    let _ = draft;
    None
}
