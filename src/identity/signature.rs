//! Report signatures: a stable name for "the same bug" across runs and machines.
//!
//! A signature is the report's kind plus the top N (default 5) trusted frame names, after a
//! skip list of generic frames and with compiler suffixes stripped. Addresses, offsets, KASLR,
//! CPU, PID and timestamps never enter it. The scheme is versioned ([`VERSION`]) and described
//! in docs/signatures.md; the id is the SHA-256 of the canonical text ([`Signature::canonical`]).
//!
//! Which frames count as trusted is a parameter: without symbols the kernel's own `?` mark
//! decides ([`kernel_trust`]); with symbols a per-frame verdict can be mapped to [`Trust`] and
//! passed to [`compute`] instead.

use legolog_parsers::{Confidence, GuiltyAt, Report};
use sha2::{Digest, Sha256};

/// Version of the signature scheme. Bump it whenever the canonical text of any report could
/// change: the history keeps the version next to each id and never mixes versions.
pub const VERSION: u32 = 3;

/// Frames kept in a signature by default.
pub const DEFAULT_DEPTH: usize = 5;

/// Generic frames that say nothing about the bug: stack dumpers, printk, panic/WARN/BUG
/// helpers, sanitizer reporting, lock primitives and the debugging spinlock. Globs (`*`, `?`).
pub const DEFAULT_SKIP: &[&str] = &[
    "dump_stack",
    "dump_stack_lvl",
    "show_stack",
    "show_trace_log_lvl",
    "printk",
    "vprintk*",
    "_printk",
    "panic",
    "__warn",
    "warn_slowpath_*",
    "__warn_printk",
    "report_bug",
    "handle_bug",
    "exc_invalid_op",
    "asm_exc_invalid_op",
    "do_error_trap",
    "do_invalid_op",
    "invalid_op",
    "fixup_bug",
    "__might_sleep",
    "___might_sleep",
    "__might_fault",
    "kasan_report*",
    "__kasan_report",
    "__asan_*",
    "check_memory_region*",
    "print_address_description*",
    "print_report",
    "kmsan_report",
    "__msan_*",
    "ubsan_*",
    "__ubsan_*",
    "_raw_spin_*",
    "_raw_read_*",
    "_raw_write_*",
    "raw_spin_*",
    "spin_lock*",
    "spin_unlock*",
    "do_raw_spin_*",
    "debug_spin_lock",
    "debug_spin_unlock",
    "queued_spin_lock_slowpath",
    "native_queued_spin_lock_slowpath",
    "__pv_queued_spin_lock_slowpath",
    "mutex_lock*",
    "mutex_unlock*",
    "__mutex_lock*",
    "down_read*",
    "down_write*",
    "up_read",
    "up_write",
    "lock_acquire",
    "lock_release",
    // Entry plumbing: the same for every bug reached through a syscall or a new thread, and
    // different between kernel versions (`entry_SYSCALL_64_fastpath`, `…_after_hwframe`).
    "entry_SYSCALL*",
    "entry_SYSENTER*",
    "entry_INT80*",
    "do_syscall_*",
    "do_fast_syscall_32",
    "do_int80_syscall_32",
    "x64_sys_call",
    "ret_from_fork*",
    // The KUnit test harness that runs every test case.
    "kunit_try_run_case*",
    "kunit_generic_run_threadfn_adapter",
    "kunit_run_case_*",
];

/// How far a frame can be trusted, as far as signatures and rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Printed without `?`, or judged `reliable` against the machine code.
    Reliable,
    /// Judged `plausible` by the symbolizer (a `?` frame after a matching call).
    Plausible,
    /// Printed with `?` and not vouched for, or judged `stale`, `fn-pointer` or `mismatch`.
    Unreliable,
}

impl Trust {
    /// Reliable and plausible frames go into signatures.
    pub fn is_trusted(self) -> bool {
        matches!(self, Trust::Reliable | Trust::Plausible)
    }
}

/// The kernel's own judgment: a frame printed with `?` is unreliable.
///
/// This is the trust function used when no symbols are loaded; a symbolizer supplies its own
/// (verdicts `reliable`/`plausible` → trusted, everything else → [`Trust::Unreliable`]).
pub fn kernel_trust(report: &Report) -> impl Fn(usize) -> Trust + '_ {
    move |frame_idx| match report.frames.get(frame_idx).map(|f| f.confidence) {
        Some(Confidence::Reliable) => Trust::Reliable,
        _ => Trust::Unreliable,
    }
}

/// What the signature frames were taken from (see docs/signatures.md, "fallbacks").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Trusted trace frames (the normal case).
    Trusted,
    /// No trusted frame: the RIP function, then unreliable frames.
    Rip,
    /// No trusted frame and no RIP: the unreliable frames.
    Unreliable,
    /// No frame at all, but the header names the function (`WARNING: … at file:line func+off`).
    Header,
    /// No frame at all: the title with every number masked.
    Title,
}

impl Basis {
    /// The name used in the canonical text and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Trusted => "trusted",
            Basis::Rip => "rip",
            Basis::Unreliable => "unreliable",
            Basis::Header => "header",
            Basis::Title => "title",
        }
    }
}

/// Options for [`compute`].
#[derive(Debug, Clone)]
pub struct SignatureConfig {
    /// Frames kept.
    pub depth: usize,
    /// Globs of frame names (after normalization) that never enter a signature.
    pub skip: Vec<String>,
    /// The user's frame rules (`[[grouping.frames]]` in a rules file), in file order.
    pub frame_rules: Vec<FrameRule>,
}

/// What a [`FrameRule`] does to the frames it matches (Socorro's lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameAction {
    /// Never in the signature.
    Skip,
    /// Does not decide the bug on its own: when the signature starts with such frames, it
    /// goes on to the first frame that is not one and ends there.
    Prefix,
    /// The signature starts here, whatever the title blames.
    Sentinel,
}

impl FrameAction {
    /// `skip`, `prefix` or `sentinel`.
    pub fn as_str(self) -> &'static str {
        match self {
            FrameAction::Skip => "skip",
            FrameAction::Prefix => "prefix",
            FrameAction::Sentinel => "sentinel",
        }
    }
}

/// A frame rule of `[[grouping.frames]]`: frames whose normalized name matches `glob`, in
/// reports of one of `kinds` (any kind when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameRule {
    /// What it does.
    pub action: FrameAction,
    /// Shell-style glob over normalized names.
    pub glob: String,
    /// Kind names (docs/json.md); empty = every kind.
    pub kinds: Vec<String>,
}

impl FrameRule {
    fn applies(&self, action: FrameAction, kind: &str, name: &str) -> bool {
        self.action == action
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
            && glob_match(&self.glob, name)
    }

    fn describe(&self) -> String {
        format!("{} rule: {}", self.action.as_str(), self.glob)
    }
}

impl SignatureConfig {
    /// The documented defaults: depth 5 and [`DEFAULT_SKIP`].
    pub fn standard() -> SignatureConfig {
        SignatureConfig {
            depth: DEFAULT_DEPTH,
            skip: DEFAULT_SKIP.iter().map(|s| (*s).to_owned()).collect(),
            frame_rules: Vec::new(),
        }
    }

    fn rule(&self, action: FrameAction, kind: &str, name: &str) -> Option<&FrameRule> {
        self.frame_rules
            .iter()
            .find(|rule| rule.applies(action, kind, name))
    }

    fn skips(&self, name: &str) -> bool {
        self.skip.iter().any(|pattern| glob_match(pattern, name))
    }
}

/// A computed signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The report kind's stable name.
    pub kind: String,
    /// Normalized frame names, innermost first (or the masked title for [`Basis::Title`]).
    pub frames: Vec<String>,
    /// Where the frames came from.
    pub basis: Basis,
    /// SHA-256 of [`Signature::canonical`], lower-case hex (64 characters).
    pub id: String,
}

impl Signature {
    /// The first 12 hex characters of the id, for tables and command lines.
    pub fn short_id(&self) -> &str {
        // The id is always 64 ASCII hex characters (built in `finish`).
        &self.id[..12]
    }

    /// The canonical text the id hashes: `v3|KIND|BASIS|frame1|frame2|…`.
    pub fn canonical(&self) -> String {
        canonical(&self.kind, self.basis, &self.frames)
    }

    /// The frames joined for people: `a > b > c`.
    pub fn frames_text(&self) -> String {
        self.frames.join(" > ")
    }
}

fn canonical(kind: &str, basis: Basis, frames: &[String]) -> String {
    canonical_versioned(VERSION, kind, basis, frames)
}

/// The canonical text under scheme `version` (the history re-signs version-1 records with it).
pub fn canonical_versioned(version: u32, kind: &str, basis: Basis, frames: &[String]) -> String {
    let mut text = format!("v{version}|{kind}|{}", basis.as_str());
    for frame in frames {
        text.push('|');
        text.push_str(frame);
    }
    text
}

fn finish(kind: &str, basis: Basis, frames: Vec<String>) -> Signature {
    let digest = Sha256::digest(canonical(kind, basis, &frames).as_bytes());
    let id = digest.iter().map(|b| format!("{b:02x}")).collect();
    Signature {
        kind: kind.to_owned(),
        frames,
        basis,
        id,
    }
}

/// Which frames a signature may take: the title's guilty function leads, then the frames
/// below it ([`legolog_parsers::guilty`]), up to where the title's rule stops.
#[derive(Debug, Clone, Default)]
struct Start {
    /// The title's guilty function, as the title names it: leads the signature.
    lead: Option<String>,
    /// The frame the guilty function was read from, if it was a frame.
    guilty: Option<usize>,
    /// The first frame that may enter (frames above it never do).
    from: usize,
    /// The first frame that may no longer enter (a stall's dispatcher, a wait's victims).
    to: usize,
    /// The lead is a user's sentinel frame, not the title's choice.
    sentinel: bool,
}

impl Start {
    fn of(report: &Report, config: &SignatureConfig) -> Start {
        let n = report.frames.len();
        let kind = report.kind.as_str();
        // A user's sentinel frame starts the signature, whatever the title blames.
        let sentinel = report.frames.iter().enumerate().find_map(|(idx, frame)| {
            let name = normalize_name(&frame.symbol.as_ref()?.name);
            (frame.confidence == Confidence::Reliable
                && config.rule(FrameAction::Sentinel, kind, name).is_some())
            .then(|| (idx, name.to_owned()))
        });
        if let Some((idx, name)) = sentinel {
            return Start {
                lead: Some(name),
                guilty: Some(idx),
                from: idx + 1,
                to: n,
                sentinel: true,
            };
        }
        let Some(guilty) = legolog_parsers::guilty(report) else {
            return Start {
                to: n,
                ..Start::default()
            };
        };
        let (guilty_frame, from) = match guilty.at {
            GuiltyAt::Frame(idx) => (Some(idx), idx + 1),
            GuiltyAt::Rip => (None, 0),
            GuiltyAt::Line(line) => (
                None,
                report
                    .frames
                    .iter()
                    .position(|f| f.line > line)
                    .unwrap_or(n),
            ),
        };
        Start {
            lead: Some(normalize_name(&guilty.function).to_owned()),
            guilty: guilty_frame,
            from,
            to: guilty.end.unwrap_or(n).max(from),
            sentinel: false,
        }
    }

    /// No guilty frame: every frame may enter.
    fn everything(report: &Report) -> Start {
        Start {
            to: report.frames.len(),
            ..Start::default()
        }
    }
}

/// Computes the signature of a report.
///
/// `frame_trust(frame_idx)` says how far frame `frame_idx` of `report.frames` can be trusted;
/// pass [`kernel_trust`] without symbols.
pub fn compute(
    report: &Report,
    config: &SignatureConfig,
    frame_trust: &dyn Fn(usize) -> Trust,
) -> Signature {
    let kind = report.kind.as_str();
    let start = Start::of(report, config);
    let names = |trusted: bool, start: &Start| -> Vec<String> {
        walk(report, config, frame_trust, trusted, start)
            .into_iter()
            .filter(|step| step.reason == Step::Kept)
            .map(|step| step.name)
            .collect()
    };
    let mut frames: Vec<String> = start.lead.iter().cloned().collect();
    frames.extend(names(true, &start));
    if !frames.is_empty() {
        frames.truncate(config.depth);
        return finish(kind, Basis::Trusted, frames);
    }
    let unreliable = names(false, &Start::everything(report));
    let rip = report
        .rip
        .as_ref()
        .and_then(|rip| rip.symbol.as_ref())
        .map(|symbol| normalize_name(&symbol.name))
        .filter(|name| !config.skips(name));
    if let Some(rip) = rip {
        frames.push(rip.to_owned());
        for name in unreliable {
            if frames.last() != Some(&name) {
                frames.push(name);
            }
        }
        frames.truncate(config.depth);
        return finish(kind, Basis::Rip, frames);
    }
    if !unreliable.is_empty() {
        frames = unreliable;
        frames.truncate(config.depth);
        return finish(kind, Basis::Unreliable, frames);
    }
    if let Some(function) = header_function(report) {
        return finish(kind, Basis::Header, vec![function.to_owned()]);
    }
    finish(kind, Basis::Title, vec![mask_numbers(&report.title)])
}

/// What happened to one frame of a report when its signature was built (`legolog explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameNote {
    /// The name as printed (or `?` when the frame has no symbol).
    pub printed: String,
    /// The normalized name.
    pub name: String,
    /// In the signature.
    pub kept: bool,
    /// Why, in a few words: `kept`, `marked ? by the kernel`, `skip list: GLOB`,
    /// `repeats the frame above`, `beyond depth N`, `no symbol`, `basis is …`.
    pub reason: String,
}

/// Why a frame is in or out of the candidate list, before the depth cut.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Kept,
    /// The frame the title blames: its function leads the signature.
    Guilty,
    /// Above the guilty frame: the report machinery, or the interrupted context of a stall.
    AboveGuilty,
    /// Where the title's rule stops: a stall's dispatcher and what called it, a global
    /// wait's callers.
    PastEnd,
    /// After the frame that decides, below a user's prefix frames.
    PastPrefix,
    NoSymbol,
    OtherTrust,
    Skipped(String),
    Repeat,
}

struct Walked {
    printed: String,
    name: String,
    reason: Step,
}

/// One pass over the frames whose trust is `trusted`, from `start` on: the names a signature
/// takes (in order, skip list and recursion applied) and why each other frame was left out.
/// [`compute`] and [`explain`] both read it, so an explanation can never disagree with the
/// signature.
fn walk(
    report: &Report,
    config: &SignatureConfig,
    frame_trust: &dyn Fn(usize) -> Trust,
    trusted: bool,
    start: &Start,
) -> Vec<Walked> {
    let kind = report.kind.as_str();
    let mut last_kept: Option<String> = start.lead.clone();
    // Prefix frames at the start: `Some(true)` while they last, `Some(false)` once the frame
    // that decides was kept (the rest is cut), `None` when the signature does not start with
    // one (or has not started yet).
    let mut prefix: Option<bool> = start
        .lead
        .as_ref()
        .and_then(|lead| config.rule(FrameAction::Prefix, kind, lead).map(|_| true));
    let mut started = start.lead.is_some();
    let mut out = Vec::with_capacity(report.frames.len());
    for (frame_idx, frame) in report.frames.iter().enumerate() {
        let Some(symbol) = &frame.symbol else {
            out.push(Walked {
                printed: "?".to_owned(),
                name: String::new(),
                reason: Step::NoSymbol,
            });
            continue;
        };
        let name = normalize_name(&symbol.name).to_owned();
        let reason = if start.guilty == Some(frame_idx) {
            Step::Guilty
        } else if frame_idx < start.from {
            Step::AboveGuilty
        } else if frame_idx >= start.to {
            Step::PastEnd
        } else if frame_trust(frame_idx).is_trusted() != trusted {
            Step::OtherTrust
        } else if let Some(glob) = config.skip.iter().find(|g| glob_match(g, &name)) {
            Step::Skipped(format!("skip list: {glob}"))
        } else if let Some(rule) = config.rule(FrameAction::Skip, kind, &name) {
            Step::Skipped(rule.describe())
        } else if last_kept.as_ref() == Some(&name) {
            Step::Repeat
        } else if prefix == Some(false) {
            Step::PastPrefix
        } else {
            last_kept = Some(name.clone());
            let is_prefix = config.rule(FrameAction::Prefix, kind, &name).is_some();
            if !started {
                started = true;
                prefix = is_prefix.then_some(true);
            } else if prefix == Some(true) && !is_prefix {
                prefix = Some(false);
            }
            Step::Kept
        };
        out.push(Walked {
            printed: symbol.name.clone(),
            name,
            reason,
        });
    }
    out
}

/// Frame by frame, why the signature holds what it holds (for the trusted basis; other bases
/// say which frames they used).
pub fn explain(report: &Report, config: &SignatureConfig, signature: &Signature) -> Vec<FrameNote> {
    let trust = kernel_trust(report);
    let start = Start::of(report, config);
    let mut kept = usize::from(start.lead.is_some());
    walk(report, config, &trust, true, &start)
        .into_iter()
        .map(|step| {
            let reason = if signature.basis != Basis::Trusted && step.reason != Step::NoSymbol {
                if signature.frames.contains(&step.name) {
                    format!("kept ({} basis)", signature.basis.as_str())
                } else {
                    format!("not used ({} basis)", signature.basis.as_str())
                }
            } else {
                match step.reason {
                    Step::NoSymbol => "no symbol".to_owned(),
                    Step::OtherTrust => "marked ? by the kernel".to_owned(),
                    Step::Skipped(why) => why,
                    Step::PastPrefix => {
                        "cut: the frame below the prefix frames decides (prefix rule)".to_owned()
                    }
                    Step::Repeat => "repeats the frame above".to_owned(),
                    Step::AboveGuilty => "above the title's guilty frame".to_owned(),
                    Step::PastEnd => {
                        "past the end of the title's rule (dispatcher or victim)".to_owned()
                    }
                    Step::Guilty if start.sentinel => {
                        format!(
                            "kept: starts the signature ({})",
                            sentinel_rule(config, report, &step.name)
                        )
                    }
                    Step::Guilty => match &start.lead {
                        Some(lead) => format!("kept: the title's guilty function, as `{lead}`"),
                        None => "kept: the title's guilty function".to_owned(),
                    },
                    Step::Kept if kept >= config.depth => {
                        format!("beyond depth {}", config.depth)
                    }
                    Step::Kept => {
                        kept += 1;
                        match config.rule(FrameAction::Prefix, report.kind.as_str(), &step.name) {
                            Some(rule) => format!("kept ({})", rule.describe()),
                            None => "kept".to_owned(),
                        }
                    }
                }
            };
            FrameNote {
                printed: step.printed,
                kept: reason.starts_with("kept"),
                name: step.name,
                reason,
            }
        })
        .collect()
}

fn sentinel_rule(config: &SignatureConfig, report: &Report, name: &str) -> String {
    config
        .rule(FrameAction::Sentinel, report.kind.as_str(), name)
        .map_or_else(|| "sentinel rule".to_owned(), FrameRule::describe)
}

/// The function a frameless header names: `WARNING: CPU: 7 PID: 34 at file.c:447 func+0x3/0x4`.
fn header_function(report: &Report) -> Option<&str> {
    let first = report.excerpt.first()?;
    let (_, after) = first.text.split_once(" at ")?;
    let (_location, symbol) = after.trim().split_once(' ')?;
    let (name, _offset) = symbol.split_once("+0x")?;
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    valid.then(|| normalize_name(name))
}

/// Strips compiler-generated suffixes: `foo.isra.1`, `foo.constprop.0`, `foo.part.3`,
/// `foo.cold`, `foo.cold.7`, `foo.llvm.123`, `foo.lto_priv.0` (and chains of them) → `foo`.
/// The leading dot of powerpc64 ELFv1 text symbols goes too: `.foo.isra.1` → `foo`.
/// The parser's own rule, so titles and signatures agree on a function's name.
pub fn normalize_name(name: &str) -> &str {
    legolog_parsers::base_name(name)
}

/// Replaces every run of digits (and `0x…` hex numbers) by `N`, so titles that carry CPU
/// numbers, jiffies or addresses compare equal.
pub fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut idx = 0;
    while idx < bytes.len() {
        let c = bytes[idx];
        if c.is_ascii_digit() {
            let mut end = idx + 1;
            if c == b'0' && bytes.get(end) == Some(&b'x') {
                end += 1;
                while end < bytes.len() && bytes[end].is_ascii_hexdigit() {
                    end += 1;
                }
            } else {
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
            }
            out.push('N');
            idx = end;
            continue;
        }
        // Not a digit: copy one UTF-8 character.
        let ch_len = text[idx..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[idx..idx + ch_len]);
        idx += ch_len;
    }
    out
}

/// Shell-style glob: `*` matches any run of characters, `?` one character; nothing else is
/// special.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Similarity of two frame sequences in `[0, 1]`: one minus the edit distance over frame
/// names (strsim's generic Levenshtein) divided by the longer length, where a missing tail of
/// either sequence is free (signatures are truncations of longer stacks, so an inserted frame
/// pushes the last one out without being a second difference).
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut best = lev(a, b);
    // Both truncated at the same depth: an inserted frame pushed the last one out of one side.
    // Dropping j tail frames from one side still costs at least j (the lengths then differ).
    if a.len() == b.len() {
        for k in 1..a.len() {
            best = best.min(lev(&a[..k], b)).min(lev(a, &b[..k]));
        }
    }
    1.0 - best as f64 / longest as f64
}

fn lev(a: &[String], b: &[String]) -> usize {
    // strsim wants sized containers it can iterate by reference.
    let (a, b): (Vec<&String>, Vec<&String>) = (a.iter().collect(), b.iter().collect());
    strsim::generic_levenshtein(&a, &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_stripped() {
        assert_eq!(
            normalize_name("common_handle_p2m_miss.isra.1"),
            "common_handle_p2m_miss"
        );
        assert_eq!(normalize_name("__warn.constprop.1"), "__warn");
        assert_eq!(normalize_name("foo.part.3.cold"), "foo");
        assert_eq!(normalize_name("foo.cold"), "foo");
        assert_eq!(normalize_name("plain"), "plain");
        assert_eq!(normalize_name("a.b"), "a.b");
        assert_eq!(
            normalize_name(".eeh_dev_check_failure"),
            "eeh_dev_check_failure"
        );
        assert_eq!(normalize_name(".foo.isra.1"), "foo");
    }

    #[test]
    fn numbers_are_masked() {
        assert_eq!(
            mask_numbers("stall on CPU { 10} (t=60001 jiffies at 0xffff12ab)"),
            "stall on CPU { N} (t=N jiffies at N)"
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("*_poll_cq", "mlx4_ib_poll_cq"));
        assert!(glob_match("_raw_spin_*", "_raw_spin_lock_irqsave"));
        assert!(!glob_match("*_poll_cq", "fit_poll_cq_pass"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("*", ""));
    }

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn similarity_counts_an_inserted_frame_once() {
        let a = v(&["a", "b", "c", "d", "e"]);
        assert_eq!(similarity(&a, &a), 1.0);
        let inserted = v(&["a", "x", "b", "c", "d"]);
        assert!((similarity(&a, &inserted) - 0.8).abs() < 1e-9);
        let replaced = v(&["a", "x", "c", "d", "e"]);
        assert!((similarity(&a, &replaced) - 0.8).abs() < 1e-9);
        let other = v(&["p", "q", "r", "s", "t"]);
        assert_eq!(similarity(&a, &other), 0.0);
    }
}
