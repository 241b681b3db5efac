//! Integration tests of legolog-symbols, compiled into one binary and grouped by topic.

mod bad_input;
mod compressed;
mod mismatch;
mod modules;
mod oracle;
mod seed;
mod seed_frames;
mod util;
