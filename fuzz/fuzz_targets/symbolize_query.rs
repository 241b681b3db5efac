//! Arbitrary bytes as `legolog symbolize` query lines against the fixture vmlinux: every line
//! resolves or is refused, never a panic, whatever the offsets and sizes.
#![no_main]

use legolog::symbolize::decode::Decoder;
use legolog::config::events::{Collect, EventSink};
use legolog::symbolize::query;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

thread_local! {
    static DECODER: Decoder = Decoder::open_quietly(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/vmlinux/vmlinux-0826-w9-1")),
        &[],
        legolog_symbols::DEFAULT_MAX_DECOMPRESSED,
        &(std::sync::Arc::new(Collect::default()) as EventSink),
    )
    .expect("the fixture vmlinux opens");
}

fuzz_target!(|data: &[u8]| {
    let Ok(queries) = query::from_reader(data, 4096) else {
        return;
    };
    DECODER.with(|decoder| {
        for line in queries.iter().flatten() {
            let mut words = line.split_whitespace();
            let text = words.next().unwrap_or_default();
            let module = words.next();
            if let Ok(Some(probe)) = query::resolve_query(decoder.symbolizer(), text, module) {
                let _ = decoder.symbolizer().find_frames(module, probe);
            }
        }
    });
});
