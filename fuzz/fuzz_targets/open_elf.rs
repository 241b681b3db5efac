//! Opens arbitrary bytes as a vmlinux and, when that works, walks every lookup the CLI makes.
#![no_main]

use legolog_symbols::{Probe, SymbolizeConfig, Symbolizer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = SymbolizeConfig {
        module_dirs: Vec::new(),
        strip_prefixes: Vec::new(),
        max_decompressed: 64 << 20,
    };
    let Ok(symbolizer) = Symbolizer::from_bytes(data.to_vec(), &config) else {
        return;
    };
    let kernel = symbolizer.kernel();
    let symbols: Vec<_> = kernel.symbols().take(64).collect();
    for symbol in &symbols {
        let _ = kernel.find_symbol(symbol.start);
        let _ = kernel.find_symbol_by_name(&symbol.name, Some(symbol.kallsyms_size));
        let _ = kernel.find_frames(Probe::ReturnAddress(symbol.start + 1));
        let _ = kernel.find_frames(Probe::Exact(symbol.start));
    }
    let _ = symbolizer.stack_word_verdicts(&[0xffffffff81000000, 0, u64::MAX], 0);
});
