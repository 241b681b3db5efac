//! Lookups against the committed fixture ELF (fixtures/vmlinux/vmlinux-0826-w9-1).

use criterion::{criterion_group, criterion_main, Criterion};
use legolog_symbols::{Confidence, FrameQuery, LogSymbol, Probe, SymbolizeConfig, Symbolizer};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/vmlinux/vmlinux-0826-w9-1"
);

#[path = "../tests/seed_frames.rs"]
mod seed_frames;
use seed_frames::SEED_FRAMES as FRAMES;

fn config() -> SymbolizeConfig {
    SymbolizeConfig {
        module_dirs: vec![],
        strip_prefixes: vec![],
        max_decompressed: legolog_symbols::DEFAULT_MAX_DECOMPRESSED,
    }
}

fn bench(c: &mut Criterion) {
    c.bench_function("open", |b| {
        b.iter(|| Symbolizer::open(FIXTURE, &config()).unwrap())
    });
    c.bench_function("open_and_symbolize_19_frames_cold", |b| {
        b.iter(|| {
            let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
            for frame in &FRAMES {
                symbolizer
                    .kernel()
                    .find_frames(Probe::ReturnAddress(frame.0))
                    .unwrap();
            }
        })
    });

    let symbolizer = Symbolizer::open(FIXTURE, &config()).unwrap();
    let kernel = symbolizer.kernel();
    c.bench_function("find_symbol_19", |b| {
        b.iter(|| {
            FRAMES
                .iter()
                .filter_map(|f| kernel.find_symbol(f.0 - 1))
                .count()
        })
    });
    c.bench_function("find_symbol_by_name_19", |b| {
        b.iter(|| {
            FRAMES
                .iter()
                .filter_map(|f| kernel.find_symbol_by_name(f.1, Some(f.3)))
                .count()
        })
    });
    c.bench_function("find_frames_19_warm", |b| {
        b.iter(|| {
            FRAMES
                .iter()
                .map(|f| kernel.find_frames(Probe::ReturnAddress(f.0)).unwrap().len())
                .sum::<usize>()
        })
    });
    let code_addrs: Vec<u64> = kernel
        .symbols()
        .flat_map(|sym| sym.start..sym.start + sym.elf_size)
        .collect();
    c.bench_function("find_frames_every_code_byte", |b| {
        b.iter(|| {
            code_addrs
                .iter()
                .map(|&a| kernel.find_frames(Probe::Exact(a)).unwrap().len())
                .sum::<usize>()
        })
    });
    c.bench_function("judge_19", |b| {
        b.iter(|| {
            let mut callee = "mlx4_ib_poll_cq";
            for f in &FRAMES {
                let query = FrameQuery {
                    addr: Some(f.0),
                    symbol: Some(LogSymbol {
                        name: f.1,
                        offset: f.2,
                        size: Some(f.3),
                    }),
                    module: None,
                    build_id: None,
                    confidence: if f.4 {
                        Confidence::Guessed
                    } else {
                        Confidence::Reliable
                    },
                };
                symbolizer.judge(&query, Some(callee), 0);
                callee = f.1;
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
