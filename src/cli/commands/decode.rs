//! `legolog decode`: a log passed through line by line, each frame, RIP and `Code:` line
//! annotated in place (scripts/decode_stacktrace.sh's job; `ops::decode` does it).

use crate::cli::args::DecodeArgs;
use crate::cli::exit::{EXIT_ERROR, EXIT_OK};
use crate::config::settings::Settings;
use crate::input::Source;
use crate::ops::decode::pass_through;
use crate::render::stderr::Stderr;
use crate::symbolize::locate::Locator;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

/// Runs `legolog decode`.
pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&args.limit.limits)?;
    let events = Stderr::new();
    let locator = Locator::new(
        args.locate.options(&args.symbols, &settings)?,
        events.sink(),
    );
    let source = Source::from_arg(args.log.as_deref().unwrap_or(Path::new("-")));
    // A filter: piped, every byte passes unchanged; on a terminal, through the sanitizer.
    let stdout: Box<dyn Write> = match io::stdout().is_terminal() {
        true => Box::new(crate::render::sanitize::TerminalWriter::new(
            io::stdout().lock(),
            false,
        )),
        false => Box::new(io::stdout().lock()),
    };
    let mut out = io::LineWriter::new(stdout);
    let stopped = pass_through(
        &source,
        settings.limits.max_log_bytes,
        &locator,
        &mut out,
        &events.sink(),
    )?;
    events.finish();
    Ok(ExitCode::from(if locator.failed() || stopped {
        EXIT_ERROR
    } else {
        EXIT_OK
    }))
}
