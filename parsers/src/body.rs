//! Parsers for the lines that make up the body of every report, whatever its kind:
//! call-trace frames and their context markers, register dumps, `Stack:` words, `Code:` bytes
//! and the `CPU: … PID: … Comm: …` task line.
//!
//! Each function takes the normalized text of one line and returns `None` when the line does
//! not have that shape; none of them can fail otherwise.

use crate::report::{Code, Confidence, Context, Register, Symbol, Task};
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{hex_digit1, space0, space1};
use nom::combinator::{opt, recognize};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

/// A frame as printed on one line, before the assembler gives it a context and line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrameLine {
    pub addr: Option<u64>,
    pub symbol: Option<Symbol>,
    pub module: Option<String>,
    pub build_id: Option<String>,
    pub confidence: Confidence,
}

/// A context marker of a call trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// Switch to the given context (`<IRQ>`, `<NMI>`, `<TSK>`, `<TASK>`, `<SOFTIRQ>`, `<#DF>`).
    Enter(Context),
    /// Leave an interrupt context (`<EOI>`, `</IRQ>`, `</NMI>`, `</SOFTIRQ>`): back to task.
    Leave,
    /// End of the whole trace (`<EOT>`, `</TASK>`).
    EndOfTrace,
}

/// Recognizes a bare marker token.
pub(crate) fn parse_marker(token: &str) -> Option<Marker> {
    let marker = match token {
        "<TSK>" | "<TASK>" => Marker::Enter(Context::Task),
        "<IRQ>" => Marker::Enter(Context::Irq),
        "<SOFTIRQ>" => Marker::Enter(Context::SoftIrq),
        "<NMI>" => Marker::Enter(Context::Nmi),
        "<EOI>" | "</IRQ>" | "</NMI>" | "</SOFTIRQ>" | "<EOE>" => Marker::Leave,
        "<EOT>" | "</TASK>" => Marker::EndOfTrace,
        t if t.starts_with("<#") && t.ends_with('>') => Marker::Enter(Context::Exception),
        "<DB>" | "<MCE>" | "<VC>" | "<DF>" | "<STACKFAULT>" => Marker::Enter(Context::Exception),
        _ => return None,
    };
    Some(marker)
}

/// A line of a call trace: leading markers (old kernels print `<IRQ>  [<addr>] f+0x1/0x2`
/// on one line), then at most one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TraceLine {
    pub markers: Vec<Marker>,
    pub frame: Option<FrameLine>,
    /// 32-bit ARM's `callee from caller+0x10/0x14`: the caller, which the next line prints
    /// again as its callee (without offset and size since 4.x).
    pub caller: Option<FrameLine>,
}

/// Parses a call-trace line: markers and/or one frame. `None` if the line is neither.
pub(crate) fn parse_trace_line(text: &str) -> Option<TraceLine> {
    let mut rest = text.trim_start();
    if let Some(frame) = ppc_interrupt(rest) {
        // The frames after it are the interrupted context's.
        return Some(TraceLine {
            markers: vec![Marker::Leave],
            frame,
            caller: None,
        });
    }
    if let Some((frame, caller)) = arm_frame_line(rest) {
        return Some(TraceLine {
            markers: Vec::new(),
            frame: Some(frame),
            caller: Some(caller),
        });
    }
    let mut markers = Vec::new();
    while rest.starts_with('<') {
        let end = rest.find('>')?;
        let token = rest.get(..=end)?;
        markers.push(parse_marker(token)?);
        rest = rest.get(end + 1..)?.trim_start();
    }
    if rest.is_empty() {
        return (!markers.is_empty()).then_some(TraceLine {
            markers,
            frame: None,
            caller: None,
        });
    }
    let frame = parse_frame(rest)?;
    Some(TraceLine {
        markers,
        frame: Some(frame),
        caller: None,
    })
}

/// powerpc's `--- interrupt: 700 at .assert_slb_presence+0x2c/0x70` (`show_stack`): an
/// exception frame; the interrupted context's instruction pointer is a frame of its own
/// (exact, like a register dump's). `--- interrupt: 700` alone closes the register dump
/// that newer kernels print after it.
fn ppc_interrupt(text: &str) -> Option<Option<FrameLine>> {
    let rest = text.strip_prefix("--- interrupt:")?.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
    if digits == 0 {
        return None;
    }
    let rest = rest.get(digits..)?.trim_start();
    if rest.is_empty() {
        return Some(None);
    }
    let at = rest.strip_prefix("at ")?.trim_start();
    if let Ok((tail, addr)) = hex_literal(at) {
        return tail.trim().is_empty().then_some(Some(FrameLine {
            addr: Some(addr),
            symbol: None,
            module: None,
            build_id: None,
            confidence: Confidence::Reliable,
        }));
    }
    let (tail, symbol) = symbol_offset(at).ok()?;
    let (module, build_id) = trailing_module(tail)?;
    Some(Some(FrameLine {
        addr: None,
        symbol: Some(symbol),
        module,
        build_id,
        confidence: Confidence::Reliable,
    }))
}

/// 32-bit ARM's `dump_backtrace_entry`, one frame per line, in its three shapes:
/// `[<c0014990>] (unwind_backtrace+0x0/0xf4) from [<c0011d1c>] (show_stack+0x10/0x14)`
/// (before 4.x the callee is printed with `%pS`), `[<808ea9f4>] (gsmld_receive_buf) from
/// [<808dcfac>] (tty_ioctl+0x7b4/0xa6c)` (`%ps`), ` unwind_backtrace from show_stack+0x10/0x14`
/// (5.x without `CONFIG_BACKTRACE_VERBOSE`), and `Function entered at [<c0014990>] from
/// [<c0011d1c>]` (no kallsyms). Returns the callee and the caller.
fn arm_frame_line(text: &str) -> Option<(FrameLine, FrameLine)> {
    let frame = |addr, symbol, module| FrameLine {
        addr,
        symbol,
        module,
        build_id: None,
        confidence: Confidence::Reliable,
    };
    if let Some(rest) = text.strip_prefix("Function entered at ") {
        let (rest, where_) = bracketed_addr(rest).ok()?;
        let rest = rest.trim_start().strip_prefix("from ")?;
        let (rest, from) = bracketed_addr(rest.trim_start()).ok()?;
        return rest.trim().is_empty().then(|| {
            (
                frame(Some(where_), None, None),
                frame(Some(from), None, None),
            )
        });
    }
    if let Ok((rest, where_)) = bracketed_addr(text) {
        // `[<where>] (callee) from [<from>] (caller+0x…/0x…)`.
        let inner = rest.trim_start().strip_prefix('(')?;
        let (callee, tail) = inner.split_once(')')?;
        let callee = arm_symbol(callee)?;
        let tail = tail.trim_start().strip_prefix("from ")?.trim_start();
        let (tail, from) = bracketed_addr(tail).ok()?;
        let inner = tail.trim_start().strip_prefix('(')?;
        let (caller, tail) = inner.rsplit_once(')')?;
        if !tail.trim().is_empty() {
            return None;
        }
        let (rest, caller_symbol) = symbol_offset(caller).ok()?;
        let (caller_module, _) = trailing_module(rest)?;
        return Some((
            frame(Some(where_), Some(callee.0), callee.1),
            frame(Some(from), Some(caller_symbol), caller_module),
        ));
    }
    // ` callee [mod] from caller+0x…/0x… [mod]`.
    let (head, tail) = text.split_once(" from ")?;
    let callee = arm_symbol(head.trim())?;
    let (rest, caller_symbol) = symbol_offset(tail.trim_start()).ok()?;
    let (caller_module, caller_build_id) = trailing_module(rest)?;
    let mut caller = frame(None, Some(caller_symbol), caller_module);
    caller.build_id = caller_build_id;
    Some((frame(None, Some(callee.0), callee.1), caller))
}

/// The callee of a 32-bit ARM backtrace line: `name`, `name [mod]` (`%ps`) or
/// `name+0x0/0xf4` (`%pS`).
fn arm_symbol(text: &str) -> Option<(Symbol, Option<String>)> {
    if let Ok((rest, symbol)) = symbol_offset(text) {
        let (module, _) = trailing_module(rest)?;
        return Some((symbol, module));
    }
    let (name, rest) = text.split_once(' ').unwrap_or((text, ""));
    if !is_symbol_name(name) {
        return None;
    }
    let (module, _) = trailing_module(rest)?;
    Some((
        Symbol {
            name: name.to_owned(),
            offset: 0,
            size: None,
        },
        module,
    ))
}

/// A symbol name as printed: symbol characters, starting with neither `-` nor `.` except
/// for the one leading dot of powerpc64 ELFv1 text symbols (`.eeh_dev_check_failure`).
fn is_symbol_name(name: &str) -> bool {
    let body = name.strip_prefix('.').unwrap_or(name);
    body.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && body.chars().all(is_symbol_char)
}

/// Parses one frame (leading whitespace already allowed):
/// `[<ffffffff8106920c>] ? fit_internal_poll_sendcq+0x6c/0xe0`,
/// `[<ffffffff810002c0>] ? 0xffffffff810002c0`, ` ? f+0x1/0x2 [mod abcdef]`,
/// ` f+0x1/0x2 net/core/dev.c:123 [inline]`.
pub(crate) fn parse_frame(text: &str) -> Option<FrameLine> {
    let text = text.trim();
    // s390 prints frames the unwinder is not sure of in parentheses:
    // `([<000003ff80084010>] will_oops_init+0x10/0x1000 [will_oops])`.
    if let Some(inner) = text
        .strip_prefix("([<")
        .and_then(|_| text.strip_prefix('('))
        .and_then(|t| t.strip_suffix(')'))
    {
        let mut frame = parse_frame(inner)?;
        frame.addr?;
        frame.confidence = Confidence::Guessed;
        return Some(frame);
    }
    // PowerPC prints the stack pointer and then the return address:
    // `[c000000049a87710] [c0000000000286fc] __switch_to+0x43c/0x6d0`, and marks guesses
    // with a trailing `(unreliable)`.
    let (text, ppc_unreliable) = match text.strip_suffix("(unreliable)") {
        Some(head) => (head.trim_end(), true),
        None => (text, false),
    };
    let (rest, addr) = match ppc_addrs(text) {
        Ok((rest, pc)) => (rest, Some(pc)),
        Err(_) if ppc_unreliable => return None,
        Err(_) => opt(bracketed_addr).parse(text).ok()?,
    };
    let rest = rest.trim_start();
    let (rest, question) = opt(unreliable_mark).parse(rest).ok()?;
    let confidence = if question.is_some() || ppc_unreliable {
        Confidence::Guessed
    } else {
        Confidence::Reliable
    };
    // A frame that prints as a bare address: `[<…>] 0xffffffff810002c0`.
    if let Ok((tail, bare)) = hex_literal(rest) {
        if tail.trim().is_empty() && (addr.is_some() || bare > 0xffff) {
            return Some(FrameLine {
                addr: Some(addr.unwrap_or(bare)),
                symbol: None,
                module: None,
                build_id: None,
                confidence,
            });
        }
    }
    let (rest, prefixed_module) = module_prefix(rest);
    let (rest, symbol) = symbol_offset(rest).ok()?;
    let (module, build_id) = trailing_module(rest)?;
    Some(FrameLine {
        addr,
        symbol: Some(symbol),
        module: prefixed_module.or(module),
        build_id,
        confidence,
    })
}

/// x86-64's 2.6.18–2.6.24 `printk_address` names a module symbol `:mod:sym+off/size`: the
/// module and the rest of the text, or no module and the text unchanged.
fn module_prefix(text: &str) -> (&str, Option<String>) {
    let Some(inner) = text.strip_prefix(':') else {
        return (text, None);
    };
    match inner.split_once(':') {
        Some((module, rest))
            if !module.is_empty()
                && module
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
        {
            (rest, Some(module.to_owned()))
        }
        _ => (text, None),
    }
}

fn unreliable_mark(input: &str) -> IResult<&str, ()> {
    let (rest, _) = (tag("?"), space1).parse(input)?;
    Ok((rest, ()))
}

/// The value of hex `digits` taken from `input`; more than 64 bits is a parse error.
fn hex_value<'a>(
    input: &'a str,
    digits: &str,
) -> Result<u64, nom::Err<nom::error::Error<&'a str>>> {
    u64::from_str_radix(digits, 16).map_err(|_| {
        nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::HexDigit,
        ))
    })
}

fn bracketed_addr(input: &str) -> IResult<&str, u64> {
    let (rest, digits) = preceded(tag("[<"), hex_digit1).parse(input)?;
    let (rest, _) = tag(">]").parse(rest)?;
    let value = hex_value(input, digits)?;
    Ok((rest, value))
}

/// PowerPC's `[sp] [pc]` pair (no angle brackets); the value is the return address.
fn ppc_addrs(input: &str) -> IResult<&str, u64> {
    let bare = |input| delimited(tag("["), hex_digit1, tag("]")).parse(input);
    let (rest, (_, _, pc)) = (bare, space1, bare).parse(input)?;
    let value = hex_value(input, pc)?;
    Ok((rest, value))
}

/// powerpc's `[c0000000000ab3c4]` (no angle brackets).
fn bare_bracketed_addr(input: &str) -> IResult<&str, u64> {
    let (rest, digits) = delimited(tag("["), hex_digit1, tag("]")).parse(input)?;
    let value = hex_value(input, digits)?;
    Ok((rest, value))
}

fn hex_literal(input: &str) -> IResult<&str, u64> {
    let (rest, digits) = preceded(tag("0x"), hex_digit1).parse(input)?;
    let value = hex_value(input, digits)?;
    Ok((rest, value))
}

fn is_symbol_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$' | '@' | '-')
}

/// `name+0xoff/0xsize` or `name+0xoff` (the size is missing in some arm64 and old traces).
pub(crate) fn symbol_offset(input: &str) -> IResult<&str, Symbol> {
    let (rest, name) = recognize(take_while1::<_, &str, nom::error::Error<&str>>(
        is_symbol_char,
    ))
    .parse(input)?;
    // `-` is allowed inside names (`__x64_sys_foo` never has one, but LTO symbols may), never
    // at the start; a `.` only as powerpc64 ELFv1's one leading dot.
    if !is_symbol_name(name) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Alpha,
        )));
    }
    let (rest, offset) = preceded(tag("+"), hex_literal).parse(rest)?;
    let (rest, size) = opt(preceded(tag("/"), hex_literal)).parse(rest)?;
    Ok((
        rest,
        Symbol {
            name: name.to_owned(),
            offset,
            size,
        },
    ))
}

/// What may follow `sym+off/size`: ` [mod]`, ` [mod buildid]`, source info appended by a
/// symbolizer (` net/x.c:12`, ` [inline]`), or nothing. Anything else means "not a frame".
fn trailing_module(rest: &str) -> Option<(Option<String>, Option<String>)> {
    let mut module = None;
    let mut build_id = None;
    let mut tokens = rest.split_whitespace().peekable();
    while let Some(token) = tokens.next() {
        if token == "[inline]" {
            continue;
        }
        // arm64 (6.14+) marks where the unwinder got each entry: ` f+0x1/0x2 (P)`.
        if token.len() == 3
            && token.starts_with('(')
            && token.ends_with(')')
            && token.as_bytes().get(1).is_some_and(u8::is_ascii_uppercase)
        {
            continue;
        }
        if let Some(inner) = token.strip_prefix('[') {
            let name;
            if let Some(n) = inner.strip_suffix(']') {
                name = n;
            } else {
                name = inner;
                let id = tokens.next()?;
                let id = id.strip_suffix(']')?;
                if !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                build_id = Some(id.to_owned());
            }
            if name.is_empty() || !name.chars().all(|c| is_symbol_char(c) || c == ':') {
                return None;
            }
            module = Some(name.to_owned());
            continue;
        }
        // Source position added by a symbolizer: `path/file.c:123` (optionally `:col`).
        if token.contains(':') && token.contains('.') && !token.starts_with('(') {
            continue;
        }
        return None;
    }
    Some((module, build_id))
}

/// Parses a register-dump line into its registers: `RAX: 00000000fffffff5 RBX: …`,
/// `RSP: 0000:ffff88103ef3f750  EFLAGS: 00000286`, `FS:  0000000000000000(0000) GS:…`,
/// arm64 `x29: ffff… x28: …`, `sp : ffff…`, `pstate: 60000005 (nZCv daif -PAN -UAO)`.
/// Returns `None` unless the whole line is register pairs.
pub(crate) fn parse_registers(text: &str) -> Option<Vec<Register>> {
    let mut registers = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let colon = rest.find(':')?;
        let name = rest.get(..colon)?.trim_end();
        if !is_register_name(name) {
            return None;
        }
        let mut value_text = rest.get(colon + 1..)?.trim_start();
        // `RSP: 0018:ffff…` carries the stack segment first.
        if let Some((seg, after)) = value_text.split_once(':') {
            if seg.len() == 4 && seg.bytes().all(|b| b.is_ascii_hexdigit()) {
                value_text = after;
            }
        }
        let digits_len = value_text.bytes().take_while(u8::is_ascii_hexdigit).count();
        if digits_len == 0 || digits_len > 16 {
            return None;
        }
        let digits = value_text.get(..digits_len)?;
        let value = u64::from_str_radix(digits, 16).ok()?;
        registers.push(Register {
            name: name.to_owned(),
            value,
            digits: u8::try_from(digits_len).ok()?,
        });
        rest = value_text.get(digits_len..)?.trim_start();
        // `(0000)` selector after FS/GS, `(nZCv daif …)` after pstate.
        if rest.starts_with('(') {
            let close = rest.find(')')?;
            rest = rest.get(close + 1..)?;
        }
        rest = rest.trim_start();
    }
    (!registers.is_empty()).then_some(registers)
}

fn is_register_name(name: &str) -> bool {
    const NAMED: &[&str] = &[
        "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP", "R08", "R09", "R10", "R11", "R12",
        "R13", "R14", "R15", "EFLAGS", "FS", "GS", "knlGS", "CS", "DS", "ES", "SS", "CR0", "CR2",
        "CR3", "CR4", "DR0", "DR1", "DR2", "DR3", "DR6", "DR7", "PKRU", "ORIG_RAX", "EAX", "EBX",
        "ECX", "EDX", "ESI", "EDI", "EBP", "ESP", "sp", "pstate",
    ];
    if NAMED.contains(&name) {
        return true;
    }
    // arm64 x0..x30, 32-bit ARM r0..r15 (and its `ip`/`fp`).
    if name == "ip" || name == "fp" {
        return true;
    }
    name.strip_prefix('x')
        .or_else(|| name.strip_prefix('r'))
        .is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The crash PC of a register dump, in each architecture's format:
/// x86 `RIP: 0010:[<addr>]  [<addr>] f+0x1/0x2`, `RIP: 0010:f+0x1/0x2`, `IP: [<addr>] f+0x1/0x2`;
/// i386 `EIP: 0060:[<c1234567>] EFLAGS: 00010246 CPU: 0` (address only), `EIP is at
/// f+0x90/0x302 [radeon]`, `EIP: [<f8e40765>] f+0x3/0x5 [wl] SS:ESP 0068:f1d4fd4c`, `EIP: f+0x1/0x2`;
/// arm64 `pc : f+0x1/0x2` (`pc : 0000ffff8a2b3c4c` in user mode); 32-bit ARM `PC is at f+0x1/0x2`
/// and `pc : [<c03e1f7c>]    lr : [<c03e1f60>]    psr: 60000013`; powerpc `NIP [c0000000000ab3c4]
/// .f+0x278/0x390`; s390 `Krnl PSW : 0704c00180000000 000003ff80084036 (f+0x36/0x1000 [mod])`;
/// x86 machine checks `mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffff8100b2c2> {f+0x2/0x10}`;
/// riscv `epc : f+0x1c/0x30`. The symbol and the address may come from two lines; the caller
/// merges them.
pub(crate) fn parse_instruction_pointer(text: &str) -> Option<FrameLine> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix("Krnl PSW :") {
        return s390_psw(rest);
    }
    // `[Hardware Error]: ` (`HW_ERR`) since 2.6.32, `mce: ` (pr_fmt) since 4.x.
    let mce = text.strip_prefix("mce: ").unwrap_or(text);
    let mce = mce.strip_prefix("[Hardware Error]: ").unwrap_or(mce);
    if let Some(rest) = mce.strip_prefix("RIP") {
        if rest.starts_with(" !INEXACT!")
            || rest
                .trim_start()
                .split_once(":<")
                .is_some_and(|(cs, _)| !cs.is_empty() && cs.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return mce_ip(rest);
        }
    }
    let rest = [
        "RIP:",
        "EIP is at",
        "EIP:",
        "IP:",
        "pc :",
        "PC is at",
        "NIP ",
        "epc :",
    ]
    .iter()
    .find_map(|p| text.strip_prefix(p))?
    .trim_start();
    // `0010:` code segment.
    let rest = match rest.split_once(':') {
        Some((seg, after)) if seg.len() == 4 && seg.bytes().all(|b| b.is_ascii_hexdigit()) => after,
        _ => rest,
    };
    // Old x86: `[<addr>]  [<addr>] sym+off/size`: the address is printed twice; powerpc
    // prints it once in plain brackets.
    let rest = rest.trim_start();
    let (rest, first_addr) = match bracketed_addr(rest).or_else(|_| bare_bracketed_addr(rest)) {
        Ok((r, a)) => (r.trim_start(), Some(a)),
        Err(_) => (rest, None),
    };
    let rest = match bracketed_addr(rest) {
        Ok((r, _)) => r.trim_start(),
        Err(_) => rest,
    };
    if let Some(mut frame) = parse_frame(rest).or_else(|| {
        let (rest, module) = module_prefix(rest);
        let mut frame = leading_symbol(rest)?;
        frame.module = module.or(frame.module);
        Some(frame)
    }) {
        frame.addr = frame.addr.or(first_addr);
        frame.confidence = Confidence::Reliable;
        return Some(frame);
    }
    // A symbol-less address: `RIP: 0010:0x0`, `RIP: 0033:0x7f…`, arm64 user `pc : 0000ffff…`,
    // or the address followed by other registers (`EFLAGS: …`, `lr : […]`).
    let addr = match first_addr {
        Some(addr) => addr,
        None => match hex_literal(rest) {
            Ok((_, value)) => value,
            Err(_) => {
                let (tail, digits) = hex_digit1::<_, nom::error::Error<&str>>(rest).ok()?;
                // Alone, or followed by the next register (riscv `epc : … ra : … sp : …`).
                let next_register = tail
                    .split_once(':')
                    .is_some_and(|(name, _)| is_register_label(name.trim()));
                if !(tail.trim().is_empty() || next_register) || digits.len() < 8 {
                    return None;
                }
                hex_value(rest, digits).ok()?
            }
        },
    };
    Some(FrameLine {
        addr: Some(addr),
        symbol: None,
        module: None,
        build_id: None,
        confidence: Confidence::Reliable,
    })
}

/// A register's name as printed before its value (`ra`, `sp`, `x29`, `EFLAGS`).
fn is_register_label(name: &str) -> bool {
    !name.is_empty() && name.len() <= 8 && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `sym+off/size [mod]` followed by other fields (i386's ` SS:ESP 0068:f1d4fd4c`).
fn leading_symbol(text: &str) -> Option<FrameLine> {
    let (rest, symbol) = symbol_offset(text).ok()?;
    let rest = rest.trim_start();
    let module = rest
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map(|(name, _)| name)
        .filter(|name| !name.is_empty() && name.chars().all(is_symbol_char))
        .map(str::to_owned);
    Some(FrameLine {
        addr: None,
        symbol: Some(symbol),
        module,
        build_id: None,
        confidence: Confidence::Reliable,
    })
}

/// s390 `show_registers`: `Krnl PSW : <mask> <addr> (sym+off/size [mod])`.
fn s390_psw(rest: &str) -> Option<FrameLine> {
    let mut tokens = rest.split_whitespace();
    let _mask = tokens
        .next()
        .filter(|t| t.bytes().all(|b| b.is_ascii_hexdigit()))?;
    let addr_text = tokens.next()?;
    let addr = u64::from_str_radix(addr_text, 16).ok()?;
    let (_, after) = rest.split_once(addr_text)?;
    Some(pc_at(addr, after, '(', ')'))
}

/// The crash PC at `addr`, with the symbol `text` may carry between `open` and `close`.
fn pc_at(addr: u64, text: &str, open: char, close: char) -> FrameLine {
    let mut frame = text
        .trim()
        .strip_prefix(open)
        .and_then(|t| t.strip_suffix(close))
        .and_then(parse_frame)
        .unwrap_or(FrameLine {
            addr: None,
            symbol: None,
            module: None,
            build_id: None,
            confidence: Confidence::Reliable,
        });
    frame.addr = Some(addr);
    frame.confidence = Confidence::Reliable;
    frame
}

/// `print_mce`: `RIP !INEXACT! 10:<ffffffff8100b2c2> {native_safe_halt+0x2/0x10}` (the
/// symbol only for kernel code).
fn mce_ip(rest: &str) -> Option<FrameLine> {
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("!INEXACT!").unwrap_or(rest).trim_start();
    let (_, rest) = rest.split_once(":<")?;
    let (digits, rest) = rest.split_once('>')?;
    let addr = u64::from_str_radix(digits, 16).ok()?;
    Some(pc_at(addr, rest, '{', '}'))
}

/// Parses a line of raw stack words (`ffff88103ef3f750 0000000000000002 …`).
pub(crate) fn parse_stack_words(text: &str) -> Option<Vec<u64>> {
    let mut words = Vec::new();
    let mut tokens = text.split_whitespace().peekable();
    // 32-bit ARM labels each line with the low bits of its address: `de80: 00000004 …`.
    if tokens.peek().is_some_and(|t| is_arm_stack_label(t)) {
        tokens.next();
    }
    for token in tokens {
        if parse_marker(token).is_some() {
            continue;
        }
        if !(token.len() == 16 || token.len() == 8) || !token.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        words.push(u64::from_str_radix(token, 16).ok()?);
    }
    (!words.is_empty()).then_some(words)
}

/// `de80:` in a 32-bit ARM stack dump.
fn is_arm_stack_label(token: &str) -> bool {
    token
        .strip_suffix(':')
        .is_some_and(|t| (3..=4).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Lines a 32-bit ARM backtrace prints between its frames: `Exception stack(0x… to 0x…)`, the
/// labelled words after it, and the callee-saved registers (` r10:84e00c00 r9:20000000 …`).
///
/// Also powerpc's `    LR = .slb_insert_entry+0x19c/0x2d0` after `--- interrupt: … at …` (the
/// interrupted context's link register, not a frame).
pub(crate) fn is_arm_trace_aside(text: &str) -> bool {
    let text = text.trim();
    if text.starts_with("Exception stack(") {
        return true;
    }
    if let Some(rest) = text.strip_prefix("LR = ") {
        return symbol_offset(rest.trim_start()).is_ok() || hex_literal(rest).is_ok();
    }
    if is_ppc_register_line(text) {
        return true;
    }
    let mut tokens = text.split_whitespace().peekable();
    if tokens.peek().is_some_and(|t| is_arm_stack_label(t)) {
        return tokens.all(|t| t.len() == 8 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    !text.is_empty()
        && text.split_whitespace().all(|t| {
            t.split_once(':').is_some_and(|(name, value)| {
                matches!(name, "ip" | "fp")
                    || name.strip_prefix('r').is_some_and(|n| {
                        !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit())
                    }) && !value.is_empty()
                        && value.bytes().all(|b| b.is_ascii_hexdigit())
            })
        })
}

/// A line of powerpc's `__show_regs`, which newer kernels also print inside a call trace
/// for the interrupted context after `--- interrupt: N at …`, up to `--- interrupt: N`:
/// `NIP:  c00… LR: c00… CTR: …`, `REGS: … TRAP: 0300 …`, `MSR:  … <SF,EE,…>  CR: …`,
/// `CFAR: …`, `GPR00: …`, `NIP [c00…] f+0x1c/0x30`, `LR [c00…] f+0x38/0x90`.
fn is_ppc_register_line(text: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "NIP:", "REGS:", "MSR:", "CFAR:", "DAR:", "DEAR:", "IRQMASK:", "SOFTE:", "NIP [", "LR [",
    ];
    if PREFIXES.iter().any(|p| text.starts_with(p)) {
        return true;
    }
    text.strip_prefix("GPR").is_some_and(|rest| {
        rest.len() > 3
            && rest
                .as_bytes()
                .get(..2)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && rest.as_bytes().get(2) == Some(&b':')
    })
}

/// Parses `Code: 48 89 e5 <0f> 0b …` (x86 bytes) or `Code: d2800001 (b9400021)` (arm64 words).
pub(crate) fn parse_code(text: &str) -> Option<Code> {
    let body = text.trim_start().strip_prefix("Code:")?;
    let mut bytes = Vec::new();
    let mut fault_index = None;
    for token in body.split_whitespace() {
        let (inner, marked) =
            if let Some(t) = token.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
                (t, true)
            } else if let Some(t) = token.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
                (t, true)
            } else {
                (token, false)
            };
        if inner.is_empty() || inner.len() % 2 != 0 || !inner.bytes().all(|b| b.is_ascii_hexdigit())
        {
            // `Code: Bad RIP value.` and `Unable to access opcode bytes at …`.
            if bytes.is_empty() {
                return None;
            }
            break;
        }
        if marked {
            fault_index = Some(bytes.len());
        }
        let word = u32::from_str_radix(inner, 16).ok();
        match inner.len() {
            2 => bytes.push(u8::from_str_radix(inner, 16).ok()?),
            // Instruction words are printed as numbers; memory order is little-endian.
            4 => bytes.extend_from_slice(&u16::try_from(word?).ok()?.to_le_bytes()),
            8 => bytes.extend_from_slice(&word?.to_le_bytes()),
            _ => return None,
        }
    }
    (!bytes.is_empty()).then_some(Code { bytes, fault_index })
}

/// Parses the task line: `CPU: 10 PID: 20 Comm: thpool-worker0 4.0.0-lego+ #26`,
/// `CPU: 1 UID: 0 PID: 5828 Comm: syz-executor Not tainted 6.12.0-rc4 #0 PREEMPT(full)`,
/// `CPU: 0 PID: 1 Comm: swapper/0 Tainted: G        W  4.9.0 #1`.
pub(crate) fn parse_task_line(text: &str) -> Option<Task> {
    let text = text.trim_start();
    let rest = text.strip_prefix("CPU:")?;
    let mut task = Task::default();
    let (cpu_text, rest) = rest.trim_start().split_once(' ')?;
    task.cpu = cpu_text.parse().ok();
    let (_, rest) = rest.split_once("PID:")?;
    let rest = rest.trim_start();
    let (pid_text, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    task.pid = pid_text.parse().ok();
    let rest = rest.trim_start();
    let Some(rest) = rest.strip_prefix("Comm:") else {
        return Some(task);
    };
    let rest = rest.trim_start();
    let (comm, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    task.comm = Some(comm.to_owned());
    task.kernel = parse_kernel_release(rest);
    Some(task)
}

/// From what follows `Comm: NAME`: the release and build (`4.0.0-lego+ #26`).
fn parse_kernel_release(rest: &str) -> Option<String> {
    let rest = rest.trim();
    let rest = if let Some(r) = rest.strip_prefix("Not tainted") {
        r
    } else if let Some(r) = rest.strip_prefix("Tainted:") {
        // Taint flags are single letters or spaces, padded; the release starts with a digit.
        let idx = r.find(|c: char| c.is_ascii_digit())?;
        r.get(idx..)?
    } else {
        rest
    };
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let release = tokens.first()?;
    match tokens.get(1) {
        Some(build) if build.starts_with('#') => Some(format!("{release} {build}")),
        _ => Some((*release).to_owned()),
    }
}

/// `Kernel Offset: 0x11400000 from 0xffffffff81000000 (relocation range: …)`, printed by x86
/// panics: the KASLR slide. `Kernel Offset: disabled` is a slide of 0.
pub(crate) fn parse_kernel_offset(text: &str) -> Option<u64> {
    let rest = text
        .trim_start()
        .strip_prefix("Kernel Offset:")?
        .trim_start();
    if rest.starts_with("disabled") {
        return Some(0);
    }
    let digits = rest.strip_prefix("0x")?;
    let end = digits
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(digits.len());
    u64::from_str_radix(digits.get(..end)?, 16).ok()
}

/// `Stack:` / `Call Trace:` style section openers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// `Stack:` (raw words follow; may carry words on the same line).
    Stack,
    /// `Call Trace:`, `Call trace:`, `Backtrace:`.
    CallTrace,
}

/// Recognizes a section opener and returns what follows it on the same line.
pub(crate) fn parse_section(text: &str) -> Option<(Section, &str)> {
    if let Some(rest) = crate::vocab::trace_opener_rest(text) {
        return Some((Section::CallTrace, rest));
    }
    let rest = text.trim_start().strip_prefix("Stack:")?;
    Some((Section::Stack, rest))
}

/// Whether a line only carries spaces.
pub(crate) fn is_blank(text: &str) -> bool {
    space0::<&str, nom::error::Error<&str>>(text).is_ok_and(|(rest, _)| rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(name: &str, offset: u64, size: u64) -> Option<Symbol> {
        Some(Symbol {
            name: name.into(),
            offset,
            size: Some(size),
        })
    }

    #[test]
    fn lego_frames() {
        let f = parse_frame("[<ffffffff8106920c>] fit_internal_poll_sendcq+0x6c/0xe0").unwrap();
        assert_eq!(f.addr, Some(0xffffffff8106920c));
        assert_eq!(f.symbol, sym("fit_internal_poll_sendcq", 0x6c, 0xe0));
        assert_eq!(f.confidence, Confidence::Reliable);
        let f = parse_frame("[<ffffffff8102bd00>] ? handle_bad_request+0x40/0x40").unwrap();
        assert_eq!(f.confidence, Confidence::Guessed);
        let f = parse_frame("[<ffffffff810002c0>] ? 0xffffffff810002c0").unwrap();
        assert_eq!(f.addr, Some(0xffffffff810002c0));
        assert_eq!(f.symbol, None);
        let f =
            parse_frame("[<ffffffff8102ecf4>] common_handle_p2m_miss.isra.1+0x54/0xc0").unwrap();
        assert_eq!(f.symbol.unwrap().name, "common_handle_p2m_miss.isra.1");
    }

    #[test]
    fn powerpc_frames() {
        let f =
            parse_frame("[c000000049a87710] [c0000000000286fc] __switch_to+0x43c/0x6d0").unwrap();
        assert_eq!(f.addr, Some(0xc0000000000286fc));
        assert_eq!(f.symbol, sym("__switch_to", 0x43c, 0x6d0));
        assert_eq!(f.confidence, Confidence::Reliable);
        let f =
            parse_frame("[c000000049a87530] [c000000049a875a0] 0xc000000049a875a0 (unreliable)")
                .unwrap();
        assert_eq!(f.addr, Some(0xc000000049a875a0));
        assert_eq!(f.confidence, Confidence::Guessed);
        let f = parse_frame(
            "[c00000003ae5b800] [c00000000135c19c] dump_stack+0x128/0x1cc (unreliable)",
        )
        .unwrap();
        assert_eq!(f.symbol, sym("dump_stack", 0x128, 0x1cc));
        assert_eq!(f.confidence, Confidence::Guessed);
        // One bare bracket is no frame (nor is a lone `(unreliable)`).
        assert!(parse_frame("[c000000049a87710] __switch_to+0x43c/0x6d0").is_none());
        assert!(parse_frame("dump_stack+0x128/0x1cc (unreliable)").is_none());
    }

    #[test]
    fn linux_frames() {
        let f = parse_frame(" ? __warn+0xe7/0x180 [lkdtm 0123abcd]").unwrap();
        assert_eq!(f.confidence, Confidence::Guessed);
        assert_eq!(f.addr, None);
        assert_eq!(f.module.as_deref(), Some("lkdtm"));
        assert_eq!(f.build_id.as_deref(), Some("0123abcd"));
        let f = parse_frame(" lkdtm_do_action+0x1a/0x30 [lkdtm]").unwrap();
        assert_eq!(f.module.as_deref(), Some("lkdtm"));
        assert_eq!(f.build_id, None);
        let f = parse_frame(" dump_stack+0x1b3/0x27c lib/dump_stack.c:52").unwrap();
        assert_eq!(f.symbol, sym("dump_stack", 0x1b3, 0x27c));
        let f = parse_trace_line(
            "[<808ea9f4>] (gsmld_receive_buf) from [<808dcfac>] (tty_ioctl+0x7b4/0xa6c)",
        )
        .and_then(|t| t.frame)
        .unwrap();
        assert_eq!(f.addr, Some(0x808ea9f4));
        assert_eq!(f.symbol.unwrap().name, "gsmld_receive_buf");
        let f = parse_frame(" __dump_stack lib/dump_stack.c:17 [inline]");
        assert_eq!(f, None, "inlined frames without offsets are not raw frames");
    }

    #[test]
    fn not_frames() {
        for text in [
            "watchdog: worker[0] CPU10 stucked",
            "Modules linked in: foo bar",
            "RAX: 0000000000000000 RBX: 0000000000000001",
            "IPv6: ADDRCONF(NETDEV_CHANGE): lo: link becomes ready",
            "",
            "some text+0x1/0x2 and more words",
        ] {
            assert_eq!(parse_frame(text), None, "{text:?}");
        }
    }

    #[test]
    fn markers_on_frame_lines() {
        let line =
            parse_trace_line(" <IRQ>  [<ffffffff8146c8b8>] __const_udelay+0x28/0x30").unwrap();
        assert_eq!(line.markers, vec![Marker::Enter(Context::Irq)]);
        assert!(line.frame.is_some());
        let line = parse_trace_line("<EOT>").unwrap();
        assert_eq!(line.markers, vec![Marker::EndOfTrace]);
        assert_eq!(parse_trace_line("<foo>"), None);
    }

    #[test]
    fn registers() {
        let regs = parse_registers("RSP: 0000:ffff88103ef3f750  EFLAGS: 00000286").unwrap();
        assert_eq!(regs[0].name, "RSP");
        assert_eq!(regs[0].value, 0xffff88103ef3f750);
        assert_eq!(regs[1].printed(), "0x00000286");
        let regs = parse_registers(
            "FS:  0000000000000000(0000) GS:ffff88107fca0000(0000) knlGS:0000000000000000",
        )
        .unwrap();
        assert_eq!(regs.len(), 3);
        let regs = parse_registers("x29: ffff000009a37d10 x28: ffff80001c52c000 ").unwrap();
        assert_eq!(regs[1].name, "x28");
        let regs = parse_registers("pstate: 60000005 (nZCv daif -PAN -UAO)").unwrap();
        assert_eq!(regs[0].value, 0x60000005);
        assert_eq!(parse_registers("CPU: 10 PID: 20 Comm: x"), None);
        assert_eq!(parse_registers("RIP: 0010:foo+0x1/0x2"), None);
    }

    #[test]
    fn instruction_pointer() {
        let f = parse_instruction_pointer(
            "RIP: 0010:[<ffffffff810522c3>]  [<ffffffff810522c3>] mlx4_ib_poll_cq+0x1d3/0x850",
        )
        .unwrap();
        assert_eq!(f.addr, Some(0xffffffff810522c3));
        assert_eq!(f.symbol, sym("mlx4_ib_poll_cq", 0x1d3, 0x850));
        let f = parse_instruction_pointer("RIP: 0010:__memset+0x24/0x30").unwrap();
        assert_eq!(f.addr, None);
        let f = parse_instruction_pointer("pc : el0_svc+0x1c/0x30").unwrap();
        assert_eq!(f.symbol.unwrap().name, "el0_svc");
    }

    #[test]
    fn code_bytes() {
        let code = parse_code("Code: 48 89 e5 <0f> 0b 5d c3").unwrap();
        assert_eq!(code.bytes, vec![0x48, 0x89, 0xe5, 0x0f, 0x0b, 0x5d, 0xc3]);
        assert_eq!(code.fault_index, Some(3));
        let code = parse_code("Code: d2800001 (b9400021)").unwrap();
        assert_eq!(code.bytes.len(), 8);
        assert_eq!(code.fault_index, Some(4));
        assert_eq!(parse_code("Code: Bad RIP value."), None);
    }

    #[test]
    fn task_line() {
        let t = parse_task_line("CPU: 10 PID: 20 Comm: thpool-worker0 4.0.0-lego+ #26").unwrap();
        assert_eq!((t.cpu, t.pid), (Some(10), Some(20)));
        assert_eq!(t.comm.as_deref(), Some("thpool-worker0"));
        assert_eq!(t.kernel.as_deref(), Some("4.0.0-lego+ #26"));
        let t = parse_task_line(
            "CPU: 1 UID: 0 PID: 5828 Comm: syz-executor Not tainted 6.12.0-rc4 #0 PREEMPT(full)",
        )
        .unwrap();
        assert_eq!(t.pid, Some(5828));
        assert_eq!(t.kernel.as_deref(), Some("6.12.0-rc4 #0"));
        let t =
            parse_task_line("CPU: 0 PID: 1 Comm: swapper/0 Tainted: G        W  4.9.0 #1").unwrap();
        assert_eq!(t.kernel.as_deref(), Some("4.9.0 #1"));
    }

    #[test]
    fn kernel_offset() {
        assert_eq!(
            parse_kernel_offset("Kernel Offset: 0x11400000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)"),
            Some(0x11400000)
        );
        assert_eq!(parse_kernel_offset("Kernel Offset: disabled"), Some(0));
        assert_eq!(parse_kernel_offset("Kernel panic - not syncing"), None);
    }

    #[test]
    fn stack_words() {
        assert_eq!(
            parse_stack_words("0000000ffc53fddc 0000000000000002").unwrap(),
            vec![0xffc53fddc, 2]
        );
        assert_eq!(parse_stack_words("Call Trace:"), None);
    }
}
