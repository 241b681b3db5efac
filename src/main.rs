//! The `legolog` command: flags and glue; the work happens in the library crates.

use std::process::ExitCode;

fn main() -> ExitCode {
    match legolog::cli::run() {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            legolog::eprint_safe!("legolog: {err:#}");
            ExitCode::from(legolog::cli::exit::EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
