//! A vmlinux that does not belong to the log is reported, not symbolized into wrong answers.

use legolog_symbols::{Confidence, FrameQuery, LogSymbol, Mismatch, Symbolizer, Verdict};

use crate::seed::{judge_all, query, DESIGNED, SEED_FRAMES, SEED_RIP};
use crate::util::{config, fixture_bytes, FIXTURE};

/// Rewrites the `st_value` of symbol `name` in the ELF's `.symtab`.
pub fn patch_symbol_value(bytes: &mut [u8], name: &str, new_value: u64) {
    let elf = goblin::elf::Elf::parse(bytes).unwrap();
    let symtab = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".symtab"))
        .unwrap();
    let idx = elf
        .syms
        .iter()
        .position(|sym| elf.strtab.get_at(sym.st_name) == Some(name))
        .unwrap();
    let offset = symtab.sh_offset as usize + idx * 24 + 8;
    bytes[offset..offset + 8].copy_from_slice(&new_value.to_le_bytes());
}

#[test]
fn changed_kallsyms_size_is_a_mismatch() {
    let mut bytes = fixture_bytes();
    // schedule_tail closes scheduler_tick; moving it makes scheduler_tick 0x70 bytes long.
    patch_symbol_value(&mut bytes, "schedule_tail", 0xffffffff81019880);
    let symbolizer = Symbolizer::from_bytes(bytes, &config()).unwrap();
    let verdicts = judge_all(&symbolizer, 0, 0);
    for (idx, (&got, &designed)) in verdicts.iter().zip(DESIGNED.iter()).enumerate() {
        let expected = if SEED_FRAMES[idx].1 == "scheduler_tick" {
            Verdict::Mismatch
        } else {
            designed
        };
        assert_eq!(got, expected, "frame {idx}");
    }
    let judgement = symbolizer.judge(&query(&SEED_FRAMES[5], 0), Some("__storage_read"), 0);
    assert_eq!(
        judgement.mismatch,
        Some(Mismatch::SizeDiffers {
            name: "scheduler_tick".into(),
            log_size: 0x60,
            elf_size: 0x70
        })
    );
    assert_eq!(
        judgement.probe, None,
        "a mismatching frame must not be symbolized"
    );
    assert_eq!(
        judgement.mismatch.unwrap().to_string(),
        "scheduler_tick has size 0x60 in the log but 0x70 in the ELF"
    );
}

#[test]
fn another_symbol_at_the_address_is_a_mismatch() {
    let symbolizer = Symbolizer::open(FIXTURE, &crate::util::config()).unwrap();
    let mut frame = query(&SEED_FRAMES[0], 0);
    frame.symbol = Some(LogSymbol {
        name: "tcp_sendmsg",
        offset: 0x6c,
        size: Some(0xe0),
    });
    let judgement = symbolizer.judge(&frame, None, 0);
    assert_eq!(judgement.verdict, Verdict::Mismatch);
    assert_eq!(
        judgement.mismatch,
        Some(Mismatch::SymbolDiffers {
            addr: 0xffffffff8106920c,
            log: "tcp_sendmsg+0x6c".into(),
            elf: Some("fit_internal_poll_sendcq+0x6c".into()),
        })
    );
    // A frame that printed only a symbol the ELF does not have.
    let frame = FrameQuery {
        addr: None,
        ..frame
    };
    assert_eq!(
        symbolizer.judge(&frame, None, 0).mismatch,
        Some(Mismatch::UnknownSymbol {
            name: "tcp_sendmsg".into()
        })
    );
}

#[test]
fn rip_off_an_instruction_boundary_is_a_mismatch() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let rip = |addr: u64, offset: u64| FrameQuery {
        addr: Some(addr),
        symbol: Some(LogSymbol {
            name: SEED_RIP.1,
            offset,
            size: Some(SEED_RIP.3),
        }),
        module: None,
        build_id: None,
        confidence: Confidence::Reliable,
    };
    assert_eq!(
        symbolizer.judge_ip(&rip(SEED_RIP.0, SEED_RIP.2), 0).verdict,
        Verdict::Reliable
    );
    // 0x1d4 is inside the `cmpl` that starts at 0x1d3.
    let judgement = symbolizer.judge_ip(&rip(SEED_RIP.0 + 1, SEED_RIP.2 + 1), 0);
    assert_eq!(
        judgement.mismatch,
        Some(Mismatch::NotInstructionBoundary {
            addr: SEED_RIP.0 + 1
        })
    );
}

#[test]
fn build_id() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let own: String = symbolizer
        .kernel()
        .build_id()
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(own.len(), 40);
    assert_eq!(symbolizer.check_build_id(&own), None);
    assert_eq!(symbolizer.check_build_id(&own.to_uppercase()), None);
    let other = "0".repeat(40);
    assert_eq!(
        symbolizer.check_build_id(&other),
        Some(Mismatch::BuildIdDiffers {
            log: other.clone(),
            elf: own
        })
    );
}

#[test]
fn symbol_only_frames_are_placed_by_name() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let mut callee = SEED_RIP.1;
    for (idx, frame) in SEED_FRAMES.iter().enumerate() {
        let query = FrameQuery {
            addr: None,
            ..query(frame, 0)
        };
        assert_eq!(
            symbolizer.judge(&query, Some(callee), 0).verdict,
            DESIGNED[idx],
            "frame {idx}"
        );
        callee = frame.1;
    }
}

#[test]
fn stack_words_and_registers() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    // The seed's `Stack:` words.
    let words: [u64; 20] = [
        0x0000000ffc53fddc,
        0x0000000000000002,
        0x0000000000000020,
        0xffff88103edb0c98,
        0x0000000000000286,
        0x0000000080630000,
        0xffff88103ef3f7d0,
        0x0000638000000018,
        0xffff88103edb0bf0,
        0x0000000000000001,
        0xffff88103ef25008,
        0x0000000000000003,
        0x000000000000000c,
        0xffff88103ef3fd30,
        0xffffffff8106920c,
        0xffff88103ef3fd54,
        0x0000000100000000,
        0x0000000100000000,
        0xffff88103edb07b0,
        0xffff88103e81b008,
    ];
    let verdicts = symbolizer.stack_word_verdicts(&words, 0);
    let mut expected = vec![None; 20];
    expected[14] = Some(Verdict::Plausible);
    assert_eq!(verdicts, expected);
    assert_eq!(
        symbolizer
            .annotate_register(0x00000000fffffff5, 0)
            .as_deref(),
        Some("-EAGAIN (32-bit)")
    );
    assert_eq!(
        symbolizer
            .annotate_register(0xffffffff8106920c, 0)
            .as_deref(),
        Some("fit_internal_poll_sendcq+0x6c/0xe0")
    );
    assert_eq!(
        symbolizer
            .annotate_register(0xffff88103ef3f750, 0)
            .as_deref(),
        Some("direct map")
    );
}

#[test]
fn code_bytes_are_disassembled_with_names() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    // The bytes around fit_internal_poll_sendcq+0x67 as a `Code:` line would print them, with
    // the CALL as the "faulting" byte, under a slide of 0x1200000.
    let slide = 0x1200000;
    let bytes = [0x90, 0x90, 0x90, 0xe8, 0xe4, 0x8e, 0xfe, 0xff, 0x85, 0xc0];
    let ip = 0xffffffff81069207 + slide as u64;
    let insns = symbolizer.disassemble(&bytes, Some(3), Some(ip), slide);
    let texts: Vec<_> = insns
        .iter()
        .map(|i| (i.text.as_str(), i.is_fault))
        .collect();
    assert_eq!(
        texts,
        vec![
            ("nop", false),
            ("nop", false),
            ("nop", false),
            ("call mlx4_ib_poll_cq", true),
            ("test %eax,%eax", false)
        ]
    );
    assert_eq!(insns[3].target, Some(0xffffffff810520f0 + slide as u64));
}
