//! The command line: clap definitions (`args`), every exit code (`exit`) and the dispatch to
//! `commands/`, where each subcommand's work lives, with what they share in `shared`. No
//! command imports this module back.

pub mod args;
pub mod commands;
pub mod exit;
pub mod shared;

use args::{
    AnalyzeArgs, BugArgs, CompletionsArgs, CorrelateArgs, DecodeArgs, ExplainArgs, HistoryArgs,
    ReportArgs, SymbolizeArgs, TimelineArgs, WatchArgs,
};
use clap::{CommandFactory, Parser, Subcommand};
use exit::{EXIT_CODES_HELP, SYMBOLIZE_EXIT_CODES_HELP};
use std::process::ExitCode;

/// Turn kernel console logs (LegoOS and Linux) into structured reports.
#[derive(Debug, Parser)]
#[command(name = "legolog", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find and parse every report (oops, WARNING, lockup, LegoOS watchdog, …) in console logs.
    #[command(after_help = EXIT_CODES_HELP)]
    Analyze(AnalyzeArgs),
    /// Group the reports of many logs (files or directories, read in parallel) by signature.
    #[command(after_help = EXIT_CODES_HELP)]
    Correlate(CorrelateArgs),
    /// List what the run history knows: signatures, counts, runs, dates.
    History(HistoryArgs),
    /// Write one report as a Markdown bug report (environment, occurrences, trace, excerpt).
    #[command(after_help = EXIT_CODES_HELP)]
    Report(ReportArgs),
    /// Resolve addresses, SYM+OFF[/SIZE] or pasted trace lines to function, file:line and
    /// inline chain, like `addr2line -f -i -p`.
    #[command(after_help = SYMBOLIZE_EXIT_CODES_HELP)]
    Symbolize(SymbolizeArgs),
    /// Pass a log through with every call-trace frame, RIP and `Code:` line annotated in place
    /// (file:line, inline chain, verdict), like the kernel's scripts/decode_stacktrace.sh.
    ///
    /// Every input line is written unchanged and in order (standard input when no LOG is
    /// given, line by line as it arrives); a frame line gets ` (FILE:LINE INLINED-BY…) VERDICT`
    /// appended, a `Code:` line is followed by its disassembly. The kernel image is found as
    /// for `analyze` (--vmlinux, --modules, --debug-dir, --debug-root, build ids, debuginfod).
    #[command(after_help = EXIT_CODES_HELP)]
    Decode(DecodeArgs),
    /// Shell completions, generated from these definitions: source the output (e.g.
    /// `legolog completions bash > ~/.local/share/bash-completion/completions/legolog`).
    Completions(CompletionsArgs),
    /// The man page, roff on standard output (`legolog man | man -l -`).
    Man,
    /// Name, merge, split or show the bugs of the history (like syzbot's `#syz dup`).
    Bug(BugArgs),
    /// What grouping rules change: `diff` shows the merges and splits a rules file would make
    /// in the history, `apply` makes them.
    Rules(commands::rules::RulesArgs),
    /// Why a log's reports got their signature and bug: frames kept and skipped (and by which
    /// rule), and for a similar match both frame lists side by side.
    #[command(after_help = EXIT_CODES_HELP)]
    Explain(ExplainArgs),
    /// Follow live consoles (files like `tail -F`, FIFOs, stdin, serial devices) and print one
    /// line per report the moment it is complete; Ctrl-C ends it.
    #[command(after_help = EXIT_CODES_HELP)]
    Watch(WatchArgs),
    /// Put the reports of one run's nodes on one timeline and link related reports across
    /// nodes into incidents.
    #[command(after_help = EXIT_CODES_HELP)]
    Timeline(TimelineArgs),
    /// Serve the history as a dashboard (bug list, bug, crash, run and node pages, graphs,
    /// JSON twins, live updates), read-only; or write the pages as static files (--export).
    Serve(commands::serve::ServeArgs),
}

/// Prints what clap says about the command line and gives its exit code. Help and version go
/// to stdout as clap prints them (they hold no user input); an error quotes the user's words,
/// so each of its lines is made safe for a terminal first (a C1 CSI in an argument would
/// otherwise reach it raw).
fn usage_error(err: clap::Error) -> ExitCode {
    if !err.use_stderr() {
        let _ = err.print();
    } else {
        for line in err.render().to_string().lines() {
            crate::render::sanitize::eprint_line(line);
        }
    }
    ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2))
}

/// Parses the command line and runs the command.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return Ok(usage_error(err)),
    };
    match cli.command {
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Correlate(args) => commands::correlate::run(args),
        Command::History(args) => commands::history::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Symbolize(args) => commands::symbolize::run(args),
        Command::Decode(args) => commands::decode::run(args),
        Command::Completions(args) => commands::generate::completions(Cli::command(), args.shell),
        Command::Man => commands::generate::man(Cli::command()),
        Command::Bug(args) => commands::bug::run(args),
        Command::Rules(args) => commands::rules::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Watch(args) => commands::watch::run(args),
        Command::Timeline(args) => commands::timeline::run(args),
        Command::Serve(args) => commands::serve::run(args),
    }
}
