//! The seed log 0826-w9-1's call trace as data, shared by the tests and the benchmark (this
//! crate never reads log text).

/// `(addr, name, offset, size, marked with ?)` of the 19 call-trace frames, in log order.
pub const SEED_FRAMES: [(u64, &str, u64, u64, bool); 19] = [
    (
        0xffffffff8106920c,
        "fit_internal_poll_sendcq",
        0x6c,
        0xe0,
        false,
    ),
    (
        0xffffffff8106ab2f,
        "fit_send_reply_with_rdma_write_with_imm",
        0x25f,
        0x3a0,
        true,
    ),
    (0xffffffff81033ff0, "_lego_copy_to_user", 0x110, 0x250, true),
    (0xffffffff81028d65, "__free_pages", 0x25, 0x30, true),
    (0xffffffff8102e981, "__storage_read", 0xf1, 0x120, true),
    (0xffffffff81019865, "scheduler_tick", 0x55, 0x60, true),
    (
        0xffffffff810693d2,
        "fit_send_message_with_rdma_write_with_imm_request",
        0x152,
        0x350,
        true,
    ),
    (
        0xffffffff810693d2,
        "fit_send_message_with_rdma_write_with_imm_request",
        0x152,
        0x350,
        true,
    ),
    (0xffffffff8103043f, "__vma_adjust", 0x38f, 0x550, true),
    (0xffffffff81030944, "vma_merge", 0x1a4, 0x280, true),
    (
        0xffffffff81030f20,
        "arch_get_unmapped_area_topdown",
        0xe0,
        0x220,
        true,
    ),
    (
        0xffffffff810693d2,
        "fit_send_message_with_rdma_write_with_imm_request",
        0x152,
        0x350,
        false,
    ),
    (
        0xffffffff81069ab5,
        "fit_ack_reply_callback",
        0x185,
        0x1e0,
        false,
    ),
    (
        0xffffffff8102f129,
        "handle_p2m_flush_one",
        0x69,
        0x160,
        true,
    ),
    (0xffffffff8102bde0, "thpool_worker_func", 0xe0, 0x3a0, false),
    (0xffffffff8102bd00, "handle_bad_request", 0x40, 0x40, true),
    (0xffffffff81020ca6, "kthread", 0xf6, 0x120, false),
    (0xffffffff81020bb0, "__kthread_parkme", 0x70, 0x70, true),
    (0xffffffff8100e632, "ret_from_fork", 0x22, 0x30, false),
];
