//! Prints the reports of a log with their claimed lines (a debugging aid).
use legolog_parsers::{ParseConfig, Parser};
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let bytes = std::fs::read(&path).unwrap_or_default();
    for report in Parser::new(&bytes[..], ParseConfig::standard()).flatten() {
        println!(
            "== {} | {} | {:?} | frames {} lines {}-{}",
            report.kind,
            report.title,
            report.corruption.map(|c| c.reason),
            report.frames.len(),
            report.span.start,
            report.span.end
        );
        if std::env::var_os("DUMP_LINES").is_some() {
            for l in &report.excerpt {
                println!("  {:5} {}", l.line, l.text);
            }
        }
    }
}
