//! Report headers: the lines that open a report, from every dialect the parser knows.
//!
//! A header decides the report's [`Kind`]; the dialect modules ([`crate::lego`],
//! [`crate::linux`]) recognize their own headers; [`crate::dialect`] asks both.

use crate::report::{Kind, Lego, Task};

/// Which kernel family printed a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// LegoOS (4.0-derived, `<TSK>`/`<EOT>` traces, watchdog and FIT reports).
    Lego,
    /// Linux 2.6 to 6.x.
    Linux,
}

/// How a header relates to a report that is already being assembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Opens a report of its own.
    Start,
    /// A line that every report of some kinds prints after its header (`Oops: 0002 [#1] SMP`,
    /// `Kernel panic - not syncing: Fatal exception`): it joins the active report if there is
    /// one, and opens a report of its own only when there is none.
    Continuation,
    /// A dump that only counts when a call trace follows (`dump_stack()`'s `CPU: … PID: …`,
    /// `NMI backtrace for cpu N`): dropped again if no frame arrives.
    Tentative,
    /// A one-line message that whichever task notices prints, with no dump of its own
    /// (`unregister_netdevice: waiting for lo to become free`): a report of its own that does
    /// not end the report it lands in, whose trace goes on after it.
    Aside,
    /// A line of the kernel's boot sequence (`Booting the kernel.`, `Linux version …`): a
    /// report of an unexpected reboot when it starts a boot after other output and no crash
    /// came before it, otherwise no header at all (the scanner decides).
    Boot,
}

/// A recognized header line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub kind: Kind,
    pub dialect: Dialect,
    pub role: Role,
    /// Task fields the header itself names (`worker[0] CPU10`, `INFO: task foo:123 blocked`).
    pub task: Task,
    /// LegoOS fields the header itself names.
    pub lego: Option<Lego>,
}

impl Header {
    pub(crate) fn new(kind: Kind, dialect: Dialect, role: Role) -> Header {
        Header {
            kind,
            dialect,
            role,
            task: Task::default(),
            lego: None,
        }
    }
}
