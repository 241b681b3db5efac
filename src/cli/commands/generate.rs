//! `legolog completions SHELL` and `legolog man`: generated from the same clap definitions as
//! `--help`, so they never drift from it.

use crate::cli::exit::EXIT_OK;
use std::io::{self, Write};
use std::process::ExitCode;

/// Writes the completion script for `shell`.
pub fn completions(
    mut command: clap::Command,
    shell: clap_complete::Shell,
) -> anyhow::Result<ExitCode> {
    let name = command.get_name().to_owned();
    let mut out = io::BufWriter::new(io::stdout().lock());
    clap_complete::generate(shell, &mut command, name, &mut out);
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}

/// Writes the man page (roff): the command, then a section per subcommand.
pub fn man(command: clap::Command) -> anyhow::Result<ExitCode> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let command = command.disable_help_subcommand(true);
    clap_mangen::Man::new(command.clone()).render(&mut out)?;
    for sub in command.get_subcommands() {
        let name = format!("{} {}", command.get_name(), sub.get_name());
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        // A section per subcommand: its synopsis, description and options.
        let page = clap_mangen::Man::new(sub.clone().bin_name(name));
        page.render_synopsis_section(&mut out)?;
        page.render_description_section(&mut out)?;
        page.render_options_section(&mut out)?;
        page.render_subcommands_section(&mut out)?;
        page.render_extra_section(&mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
