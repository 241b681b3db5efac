//! CLI tests: every test runs the real `legolog` binary.

mod analyze;
mod bad_input;
mod correlate;
mod history;
mod hostile;
mod locate;
mod real_kernel;
mod report;
mod schema;
mod signatures;
mod symbolize;
mod util;
