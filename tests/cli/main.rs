//! CLI tests: every test runs the real `legolog` binary.

mod analyze;
mod bad_input;
mod bugs;
mod content_key;
mod correlate;
mod decode;
mod generate;
mod grouping;
mod history;
mod hostile;
mod lifecycle;
mod live;
mod locate;
mod pg;
mod postgres;
mod real_kernel;
mod report;
mod schema;
mod serve;
mod signatures;
mod symbolize;
mod terminal;
mod util;
mod webdriver;
