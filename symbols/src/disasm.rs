//! x86-64 decoding with iced-x86: the `Code:` line, and "does a CALL end exactly here?".

use std::collections::HashMap;

use iced_x86::{
    Decoder, DecoderOptions, FlowControl, Formatter, GasFormatter, OpKind, SymbolResolver,
    SymbolResult,
};

/// The longest CALL encoding considered when decoding backwards: `ff 14 25 disp32` (7 bytes)
/// or a 6-byte form with one prefix.
pub(crate) const MAX_CALL_LEN: u64 = 7;
/// The shortest: `ff d0` (`call *%rax`).
const MIN_CALL_LEN: u64 = 2;

/// One decoded instruction of a `Code:` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Index of its first byte in the `Code:` bytes.
    pub offset: usize,
    /// Its runtime address, when the faulting IP was given.
    pub addr: Option<u64>,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// AT&T syntax as objdump prints it, `(bad)` for an undecodable byte, or `.byte 0x..` for
    /// bytes skipped to re-synchronize on the faulting instruction or cut off at the end.
    pub text: String,
    /// Whether this is the faulting instruction (the byte printed in `<..>`).
    pub is_fault: bool,
    /// The runtime address a direct CALL or jump goes to, when the faulting IP was given.
    pub target: Option<u64>,
}

/// Disassembles a `Code:` line's bytes the way the kernel's `scripts/decodecode` does.
///
/// Decoding starts at the first byte. The bytes before the fault are not necessarily on an
/// instruction boundary, so if the decode does not land exactly on `fault_index`, the
/// instruction straddling it is dropped (shown as `.byte`) and decoding restarts at the fault
/// byte, which the kernel guarantees is the start of the faulting instruction. `ip` is the
/// faulting IP (the address of byte `fault_index`); with it, instructions get addresses and
/// branch targets are absolute.
pub fn disassemble(bytes: &[u8], fault_index: Option<usize>, ip: Option<u64>) -> Vec<Instruction> {
    disassemble_with_names(bytes, fault_index, ip, &HashMap::new())
}

/// [`disassemble`], printing the branch targets found in `names` (runtime address → text) by
/// name.
pub(crate) fn disassemble_with_names(
    bytes: &[u8],
    fault_index: Option<usize>,
    ip: Option<u64>,
    names: &HashMap<u64, String>,
) -> Vec<Instruction> {
    let fault_index = fault_index.filter(|&idx| idx < bytes.len());
    let base = match (ip, fault_index) {
        (Some(ip), Some(idx)) => Some(ip.wrapping_sub(idx as u64)),
        (Some(ip), None) => Some(ip),
        _ => None,
    };
    let mut res = Vec::new();
    match fault_index {
        None => {
            decode_run(bytes, 0, bytes.len(), base, None, names, &mut res);
        }
        Some(fault) => {
            let resumed = decode_run(bytes, 0, fault, base, None, names, &mut res);
            if resumed < fault {
                push_bytes(bytes, resumed, fault, base, &mut res);
            }
            decode_run(
                bytes,
                fault,
                bytes.len(),
                base,
                Some(fault),
                names,
                &mut res,
            );
        }
    }
    res
}

/// Decodes `bytes[start..limit]`, keeping only instructions that end at or before `limit`.
/// Returns the offset where decoding stopped.
fn decode_run(
    bytes: &[u8],
    start: usize,
    limit: usize,
    base: Option<u64>,
    fault: Option<usize>,
    names: &HashMap<u64, String>,
    res: &mut Vec<Instruction>,
) -> usize {
    let Some(window) = bytes.get(start..limit) else {
        return start;
    };
    let window_ip = base.unwrap_or(0).wrapping_add(start as u64);
    let mut decoder = Decoder::with_ip(64, window, window_ip, DecoderOptions::NONE);
    let resolver: Box<dyn SymbolResolver> = Box::new(NameResolver(names.clone()));
    let mut formatter = GasFormatter::with_options(Some(resolver), None);
    let mut pos = start;
    while decoder.can_decode() {
        let instr = decoder.decode();
        let len = instr.len();
        if instr.is_invalid() {
            if decoder.last_error() == iced_x86::DecoderError::NoMoreBytes {
                push_bytes(bytes, pos, limit, base, res);
                return limit;
            }
            let text = "(bad)".to_owned();
            res.push(instruction(bytes, pos, 1, base, text, fault == Some(pos)));
            pos += 1;
            decoder.set_position(pos - start).ok();
            decoder.set_ip(window_ip.wrapping_add((pos - start) as u64));
            continue;
        }
        let mut text = String::new();
        formatter.format(&instr, &mut text);
        let mut decoded = instruction(bytes, pos, len, base, text, fault == Some(pos));
        let is_direct_branch = matches!(
            instr.op0_kind(),
            OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
        );
        if base.is_some() && is_direct_branch {
            decoded.target = Some(instr.near_branch_target());
        }
        res.push(decoded);
        pos += len;
    }
    pos
}

fn push_bytes(
    bytes: &[u8],
    start: usize,
    end: usize,
    base: Option<u64>,
    res: &mut Vec<Instruction>,
) {
    let Some(chunk) = bytes.get(start..end) else {
        return;
    };
    if chunk.is_empty() {
        return;
    }
    let list: Vec<String> = chunk.iter().map(|b| format!("0x{b:02x}")).collect();
    let text = format!(".byte {}", list.join(","));
    res.push(instruction(bytes, start, chunk.len(), base, text, false));
}

fn instruction(
    bytes: &[u8],
    offset: usize,
    len: usize,
    base: Option<u64>,
    text: String,
    is_fault: bool,
) -> Instruction {
    let end = offset.saturating_add(len).min(bytes.len());
    Instruction {
        offset,
        addr: base.map(|b| b.wrapping_add(offset as u64)),
        bytes: bytes.get(offset..end).unwrap_or(&[]).to_vec(),
        text,
        is_fault,
        target: None,
    }
}

/// Prints known addresses by name in the formatter's output.
struct NameResolver(HashMap<u64, String>);

impl SymbolResolver for NameResolver {
    fn symbol(
        &mut self,
        _instruction: &iced_x86::Instruction,
        _operand: u32,
        _instruction_operand: Option<u32>,
        address: u64,
        _address_size: u32,
    ) -> Option<SymbolResult<'_>> {
        let name = self.0.get(&address)?;
        Some(SymbolResult::with_str(address, name.as_str()))
    }
}

/// What a CALL that ends at an address calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// `call rel32`: the absolute target.
    Direct(u64),
    /// Through a register or memory operand.
    Indirect,
}

/// A CALL instruction found by decoding backwards from a return address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CallSite {
    pub(crate) start: u64,
    pub(crate) kind: CallKind,
}

/// Every CALL that ends exactly at `end`, given the `code` bytes that precede `end`.
///
/// x86 cannot be decoded backwards, so each start `end - k` for `k` in 2..=7 is tried and kept
/// when it decodes to a CALL of exactly `k` bytes.
pub(crate) fn calls_ending_at(code: &[u8], end: u64) -> Vec<CallSite> {
    let mut res = Vec::new();
    for k in MIN_CALL_LEN..=MAX_CALL_LEN {
        let Some(start_idx) = code.len().checked_sub(k as usize) else {
            break;
        };
        let Some(candidate) = code.get(start_idx..) else {
            continue;
        };
        let start = end.wrapping_sub(k);
        let mut decoder = Decoder::with_ip(64, candidate, start, DecoderOptions::NONE);
        let instr = decoder.decode();
        if instr.is_invalid() || instr.len() as u64 != k {
            continue;
        }
        let kind = match instr.flow_control() {
            FlowControl::Call => CallKind::Direct(instr.near_branch_target()),
            FlowControl::IndirectCall => CallKind::Indirect,
            _ => continue,
        };
        res.push(CallSite { start, kind });
    }
    res
}

/// Whether an instruction starts exactly at `offset` when `code` is decoded linearly from its
/// first byte (a function's start).
pub(crate) fn is_instruction_boundary(code: &[u8], start_addr: u64, offset: usize) -> bool {
    let mut decoder = Decoder::with_ip(64, code, start_addr, DecoderOptions::NONE);
    let mut pos = 0usize;
    while pos < offset && decoder.can_decode() {
        let instr = decoder.decode();
        if instr.is_invalid() {
            if decoder.last_error() == iced_x86::DecoderError::NoMoreBytes {
                return false;
            }
            // Skip one undecodable byte, as objdump's `(bad)` does.
            pos = pos.saturating_add(1);
            if decoder.set_position(pos).is_err() {
                return false;
            }
            decoder.set_ip(start_addr.wrapping_add(pos as u64));
            continue;
        }
        pos = pos.saturating_add(instr.len());
    }
    pos == offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_direct_and_indirect_calls() {
        // call rel32 (to end + 0x10), then call *%rax, then call *0x8(%rax) with a REX prefix.
        let direct = [0x90, 0x90, 0xe8, 0x10, 0x00, 0x00, 0x00];
        assert_eq!(
            calls_ending_at(&direct, 0x1000),
            vec![CallSite {
                start: 0xffb,
                kind: CallKind::Direct(0x1010)
            }]
        );
        let indirect = [0x90, 0x90, 0x90, 0x90, 0x90, 0xff, 0xd0];
        assert_eq!(
            calls_ending_at(&indirect, 0x1000),
            vec![CallSite {
                start: 0xffe,
                kind: CallKind::Indirect
            }]
        );
        let rex = [0x90, 0x90, 0x90, 0x90, 0x41, 0xff, 0xd4];
        // `ff d4` alone is `call *%rsp`, so both the 2- and the 3-byte decode are CALLs.
        let starts: Vec<u64> = calls_ending_at(&rex, 0x1000)
            .iter()
            .map(|c| c.start)
            .collect();
        assert_eq!(starts, vec![0xffe, 0xffd]);
        let none = [0x90, 0x90, 0xb8, 0x01, 0x00, 0x00, 0x00];
        assert!(calls_ending_at(&none, 0x1000).is_empty());
        let jmp = [0x90, 0x90, 0xe9, 0x10, 0x00, 0x00, 0x00];
        assert!(calls_ending_at(&jmp, 0x1000).is_empty());
    }

    #[test]
    fn disassembles_and_resyncs_on_the_fault() {
        // mov $1,%eax ; <ud2> ; nop — fault at 5.
        let bytes = [0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x0b, 0x90];
        let insns = disassemble(&bytes, Some(5), Some(0xffffffff81000005));
        let texts: Vec<_> = insns
            .iter()
            .map(|i| (i.offset, i.text.as_str(), i.is_fault))
            .collect();
        assert_eq!(
            texts,
            vec![
                (0, "mov $1,%eax", false),
                (5, "ud2", true),
                (7, "nop", false)
            ]
        );
        assert_eq!(insns[1].addr, Some(0xffffffff81000005));
        // The decode from byte 0 straddles the fault (0x48 0xb8 is a 10-byte movabs): re-sync.
        let straddle = [0x48, 0xb8, 0x00, 0x0f, 0x0b, 0x90, 0x90, 0x90, 0x90, 0x90];
        let insns = disassemble(&straddle, Some(3), None);
        let texts: Vec<_> = insns
            .iter()
            .map(|i| (i.offset, i.text.as_str(), i.is_fault))
            .collect();
        assert_eq!(texts[0], (0, ".byte 0x48,0xb8,0x00", false));
        assert_eq!(texts[1], (3, "ud2", true));
    }

    #[test]
    fn garbage_and_empty_input_do_not_panic() {
        assert!(disassemble(&[], Some(3), None).is_empty());
        let insns = disassemble(&[0x0f], Some(0), Some(1));
        assert_eq!(insns.len(), 1);
        for len in 0..16 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = disassemble(&bytes, Some(len / 2), Some(u64::MAX));
            let _ = calls_ending_at(&bytes, 3);
        }
    }
}
