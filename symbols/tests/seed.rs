//! The seed log 0826-w9-1 against the fixture ELF built from it (fixtures/vmlinux/README.md).
//! The frames are hard-coded here: this crate never reads log text.

use legolog_symbols::{Confidence, FrameQuery, LogSymbol, Observation, Symbolizer, Verdict};

use crate::util::{config, FIXTURE};

pub use crate::seed_frames::SEED_FRAMES;

/// The RIP: `mlx4_ib_poll_cq+0x1d3/0x850`.
pub const SEED_RIP: (u64, &str, u64, u64) = (0xffffffff810522c3, "mlx4_ib_poll_cq", 0x1d3, 0x850);

/// The verdict each frame was designed to get (fixtures/vmlinux/README.md).
pub const DESIGNED: [Verdict; 19] = [
    Verdict::Reliable,  // CALL mlx4_ib_poll_cq ends there
    Verdict::Plausible, // ? CALL fit_internal_poll_sendcq = the frame above
    Verdict::Stale,     // ? rep movsb, no CALL
    Verdict::Stale,     // ? CALL __free_pages_ok, not the frame above
    Verdict::Plausible, // ? CALL __free_pages = the frame above
    Verdict::Stale,     // ? mov, no CALL
    Verdict::Stale,     // ? CALL fit_internal_poll_sendcq, frame above is scheduler_tick
    Verdict::Stale,     // ? same word again, frame above is itself
    Verdict::Plausible, // ? indirect CALL *0x8(%rax)
    Verdict::Plausible, // ? CALL __vma_adjust = the frame above
    Verdict::Stale,     // ? JMP, not a CALL
    Verdict::Reliable,  // CALL fit_internal_poll_sendcq
    Verdict::Reliable,  // CALL inside a two-level inline chain
    Verdict::Plausible, // ? indirect CALL *%rax
    Verdict::Reliable,  // indirect CALL *%rdx
    Verdict::FnPointer, // ? = thpool_worker_func+0, int3 padding before it
    Verdict::Reliable,  // indirect CALL *%r12
    Verdict::FnPointer, // ? = kthread+0
    Verdict::Reliable,  // indirect CALL *%rbx
];

pub fn query(frame: &(u64, &'static str, u64, u64, bool), shift: u64) -> FrameQuery<'static> {
    FrameQuery {
        addr: Some(frame.0.wrapping_add(shift)),
        symbol: Some(LogSymbol {
            name: frame.1,
            offset: frame.2,
            size: Some(frame.3),
        }),
        module: None,
        build_id: None,
        confidence: if frame.4 {
            Confidence::Guessed
        } else {
            Confidence::Reliable
        },
    }
}

/// Judges every frame; the callee of a frame is the function of the frame printed before it.
pub fn judge_all(symbolizer: &Symbolizer, shift: u64, slide: i64) -> Vec<Verdict> {
    let mut callee = SEED_RIP.1;
    let mut res = Vec::new();
    for frame in &SEED_FRAMES {
        res.push(
            symbolizer
                .judge(&query(frame, shift), Some(callee), slide)
                .verdict,
        );
        callee = frame.1;
    }
    res
}

#[test]
fn seed_verdicts_are_as_designed() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    assert_eq!(judge_all(&symbolizer, 0, 0), DESIGNED);
}

#[test]
fn seed_frames_resolve_to_file_and_line() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let kernel = symbolizer.kernel();
    assert!(kernel.has_dwarf());
    let mut lines = Vec::new();
    let rip = FrameQuery {
        addr: Some(SEED_RIP.0),
        symbol: Some(LogSymbol {
            name: SEED_RIP.1,
            offset: SEED_RIP.2,
            size: Some(SEED_RIP.3),
        }),
        module: None,
        build_id: None,
        confidence: Confidence::Reliable,
    };
    let judgement = symbolizer.judge_ip(&rip, 0);
    assert_eq!(judgement.verdict, Verdict::Reliable);
    let probes = std::iter::once(judgement.probe.unwrap()).chain(
        SEED_FRAMES
            .iter()
            .map(|frame| symbolizer.judge(&query(frame, 0), None, 0).probe.unwrap()),
    );
    for probe in probes {
        let frames = kernel.find_frames(probe).unwrap();
        assert!(!frames.is_empty(), "{probe:x?}");
        let text: Vec<String> = frames
            .iter()
            .map(|f| {
                format!(
                    "{} {}:{}",
                    f.function.as_deref().unwrap(),
                    f.file.as_deref().unwrap(),
                    f.line.unwrap()
                )
            })
            .collect();
        lines.push(format!("{probe:x?}: {}", text.join(" <- ")));
    }
    let expected = "\
Exact(ffffffff810522c3): mlx4_ib_poll_one drivers/infiniband/hw/mlx4/cq.c:9 <- mlx4_ib_poll_cq drivers/infiniband/hw/mlx4/cq.c:16
ReturnAddress(ffffffff8106920c): fit_internal_poll_sendcq net/lego/fit_internal.c:10
ReturnAddress(ffffffff8106ab2f): fit_send_reply_with_rdma_write_with_imm net/lego/fit_internal.c:44
ReturnAddress(ffffffff81033ff0): _lego_copy_to_user kernel/uaccess.c:9
ReturnAddress(ffffffff81028d65): __free_pages mm/page_alloc.c:9
ReturnAddress(ffffffff8102e981): __storage_read managers/memory/storage.c:8
ReturnAddress(ffffffff81019865): scheduler_tick kernel/sched/core.c:10
ReturnAddress(ffffffff810693d2): fit_send_message_with_rdma_write_with_imm_request net/lego/fit_internal.c:18
ReturnAddress(ffffffff810693d2): fit_send_message_with_rdma_write_with_imm_request net/lego/fit_internal.c:18
ReturnAddress(ffffffff8103043f): __vma_adjust managers/memory/vm/mmap.c:9
ReturnAddress(ffffffff81030944): vma_merge managers/memory/vm/mmap.c:23
ReturnAddress(ffffffff81030f20): arch_get_unmapped_area_topdown managers/memory/vm/mmap.c:38
ReturnAddress(ffffffff810693d2): fit_send_message_with_rdma_write_with_imm_request net/lego/fit_internal.c:18
ReturnAddress(ffffffff81069ab5): fit_do_send_ack include/lego/fit_ibapi.h:8 <- fit_reply_ack include/lego/fit_ibapi.h:15 <- fit_ack_reply_callback net/lego/fit_internal.c:32
ReturnAddress(ffffffff8102f129): handle_p2m_flush_one managers/memory/handle_pcache/flush.c:9
ReturnAddress(ffffffff8102bde0): thpool_worker_func managers/memory/core.c:17
Exact(ffffffff8102bd00): thpool_worker_func managers/memory/core.c:14
ReturnAddress(ffffffff81020ca6): kthread kernel/kthread.c:17
Exact(ffffffff81020bb0): kthread kernel/kthread.c:14
ReturnAddress(ffffffff8100e632): ret_from_fork arch/x86/entry/entry_64.S:15
";
    let actual = lines.join("\n") + "\n";
    assert_eq!(actual, expected);
}

#[test]
fn kaslr_slide_is_inferred() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let shift = 0x1200000;
    let observations: Vec<Observation<'_>> = SEED_FRAMES
        .iter()
        .map(|f| Observation {
            addr: f.0 + shift,
            name: f.1,
            offset: f.2,
            size: Some(f.3),
        })
        .collect();
    let estimate = symbolizer.infer_slide(&observations);
    assert_eq!(estimate.slide, Some(0x1200000));
    assert_eq!(estimate.slide_hex().as_deref(), Some("0x1200000"));
    assert_eq!(estimate.agreeing, 19);
    assert!(estimate.disagreeing.is_empty() && estimate.unresolved.is_empty());
    // The verdicts do not change once the slide is applied.
    assert_eq!(judge_all(&symbolizer, shift, 0x1200000), DESIGNED);
    // Without the slide every frame disagrees with the ELF.
    assert!(judge_all(&symbolizer, shift, 0)
        .iter()
        .all(|&v| v == Verdict::Mismatch));
}

/// `find_frames_batch` (grouped by unit, threads) answers exactly as `find_frames` one by one,
/// in the order asked, for every byte of every function of the fixture and for addresses
/// outside all units.
#[test]
fn batch_lookups_equal_single_lookups() {
    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let kernel = symbolizer.kernel();
    let mut probes = Vec::new();
    for sym in kernel.symbols() {
        for offset in 0..sym.kallsyms_size.min(0x400) {
            probes.push(legolog_symbols::Probe::Exact(sym.start + offset));
            probes.push(legolog_symbols::Probe::ReturnAddress(sym.start + offset));
        }
    }
    probes.push(legolog_symbols::Probe::Exact(0));
    probes.push(legolog_symbols::Probe::Exact(u64::MAX));
    probes.reverse();
    let batch = kernel.find_frames_batch(&probes);
    assert_eq!(batch.len(), probes.len());
    let mut n_located = 0;
    for (probe, answer) in probes.iter().zip(batch) {
        let single = kernel.find_frames(*probe).unwrap();
        let answer = answer.unwrap();
        n_located += usize::from(answer.first().is_some_and(|f| f.file.is_some()));
        assert_eq!(answer, single, "{probe:?}");
    }
    assert!(n_located > 1000, "{n_located}");
}
