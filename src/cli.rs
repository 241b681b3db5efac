//! The command line: clap definitions and the `run` that wires them to the library.

use crate::analysis::{self, Analysis};
use crate::input::Source;
use crate::render::{self, Style};
use clap::{Parser, Subcommand, ValueEnum};
use legolog_parsers::ParseConfig;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when reports were read (whether or not any were found).
pub const EXIT_OK: u8 = 0;
/// Exit code for bad input or usage: a missing or unreadable file, binary data, an empty log.
pub const EXIT_ERROR: u8 = 2;

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  every input was read (whether or not it held reports)
  2  an input could not be read (missing, a directory, empty, binary, corrupt compression)
     or the command line was wrong; other inputs are still analyzed and printed";

/// Turn kernel console logs (LegoOS and Linux) into structured reports.
#[derive(Debug, Parser)]
#[command(name = "legolog", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find and parse every report (oops, WARNING, lockup, LegoOS watchdog, …) in console logs.
    #[command(after_help = EXIT_CODES_HELP)]
    Analyze(AnalyzeArgs),
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    /// Log files to read; `-` reads standard input. gzip, xz and zstd are detected by content.
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Colour on the terminal: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A summary table and each report with its trace, for people.
    Text,
    /// The stable JSON contract (docs/json.md).
    Json,
    /// GitHub-flavoured Markdown, a section per report.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parses the command line and runs the command.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze(args),
    }
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let config = ParseConfig::standard();
    let mut analysis = Analysis::default();
    let mut failed = false;
    for log in &args.logs {
        if let Err(err) = analysis::analyze_source(&mut analysis, Source::from_arg(log), &config) {
            eprintln!("legolog: {err:#}");
            failed = true;
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => render::json::write(&mut out, &analysis)?,
        Format::Markdown => render::markdown::write(&mut out, &analysis)?,
        Format::Text => {
            let style = terminal_style(args.color);
            render::text::write(&mut out, &analysis, style)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_OK }))
}

fn terminal_style(choice: ColorChoice) -> Style {
    let on_terminal = io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match choice {
        ColorChoice::Always => !no_color,
        ColorChoice::Never => false,
        ColorChoice::Auto => on_terminal && !no_color,
    };
    Style {
        color,
        width: on_terminal.then(terminal_width).flatten(),
    }
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or(Some(120))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(args)
    }

    #[test]
    fn analyze_takes_several_logs_and_stdin() {
        let cli = parse(&["legolog", "analyze", "a.log", "-", "b.log.gz"]).unwrap();
        let Command::Analyze(args) = cli.command;
        assert_eq!(args.logs.len(), 3);
        assert_eq!(args.format, Format::Text);
    }

    #[test]
    fn format_flag() {
        let cli = parse(&["legolog", "analyze", "--format", "json", "a.log"]).unwrap();
        let Command::Analyze(args) = cli.command;
        assert_eq!(args.format, Format::Json);
        assert!(parse(&["legolog", "analyze", "--format", "yaml", "a.log"]).is_err());
    }

    #[test]
    fn analyze_needs_a_log() {
        assert!(parse(&["legolog", "analyze"]).is_err());
    }

    #[test]
    fn color_flag() {
        let cli = parse(&["legolog", "analyze", "--color", "never", "a.log"]).unwrap();
        let Command::Analyze(args) = cli.command;
        assert_eq!(args.color, ColorChoice::Never);
    }
}
