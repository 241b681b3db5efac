//! Scanner throughput on a synthetic console log: boot chatter of short (~80-byte) or long
//! (~200-byte) lines with the seed report every 2 MiB, read whole by `Parser` and pushed in
//! 4 KiB chunks into `Scanner` (a live console's reads). `bench/scan.sh` measures the whole
//! tool against grep; this isolates the parser.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use legolog_parsers::{ParseConfig, Parser, Scanner};

const SEED: &str = include_str!("../../fixtures/logs/0826-w9-1.log");
const CHATTER: &[&str] = &[
    "usb 1-1: new high-speed USB device number 5 using xhci_hcd",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode.",
    "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
    "systemd[1]: Started Journal Service.",
    "random: crng init done",
    "audit: type=1400 audit(1.123:42): apparmor=\"STATUS\"",
];

/// About `size` bytes of chatter whose lines carry `pad` extra bytes each.
fn log(size: usize, pad: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 4096);
    let mut n = 0usize;
    let mut next_report = 2 << 20;
    while out.len() < size {
        if out.len() >= next_report {
            out.extend_from_slice(SEED.as_bytes());
            next_report += 2 << 20;
        }
        let msg = CHATTER[n % CHATTER.len()];
        let line = format!("[{:>12.6}] {msg}{:pad$}\n", n as f64 * 1e-4, "");
        out.extend_from_slice(line.as_bytes());
        n += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    for (name, pad) in [("short_lines", 0), ("long_lines", 120)] {
        let input = log(16 << 20, pad);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.sample_size(10);
        group.bench_function("parser_whole", |b| {
            b.iter(|| Parser::new(&input[..], ParseConfig::standard()).count())
        });
        group.bench_function("scanner_4k_chunks", |b| {
            b.iter(|| {
                let mut scanner = Scanner::new(ParseConfig::standard());
                let mut n = 0;
                for chunk in input.chunks(4096) {
                    scanner.push(chunk);
                    while scanner.pop().is_some() {
                        n += 1;
                    }
                }
                scanner.finish();
                n + std::iter::from_fn(|| scanner.pop()).count()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
