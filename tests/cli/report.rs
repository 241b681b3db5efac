//! Issue 4, acceptance 4: `legolog report` writes a Markdown bug report; the test parses it
//! with pulldown-cmark and checks its structure.

use crate::util::{fixture, legolog, succeed};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

#[derive(Debug, Default)]
struct Structure {
    headings: Vec<(HeadingLevel, String)>,
    n_tables: usize,
    table_cells: Vec<String>,
    code_blocks: Vec<(String, String)>,
    html: String,
}

fn structure(markdown: &str) -> Structure {
    let mut out = Structure::default();
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut code: Option<(String, String)> = None;
    let mut cell: Option<String> = None;
    let options = pulldown_cmark::Options::ENABLE_TABLES;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => out.headings.extend(heading.take()),
            Event::Start(Tag::Table(_)) => out.n_tables += 1,
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => out.table_cells.extend(cell.take()),
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => out.code_blocks.extend(code.take()),
            Event::Text(text) | Event::Code(text) => {
                for slot in [
                    heading.as_mut().map(|h| &mut h.1),
                    code.as_mut().map(|c| &mut c.1),
                    cell.as_mut(),
                ]
                .into_iter()
                .flatten()
                {
                    slot.push_str(&text);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => out.html.push_str(&html),
            _ => {}
        }
    }
    out
}

/// Issue 4, acceptance 4 (without symbols: no file:line yet).
#[test]
fn issue_4_report_of_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite3");
    let output = succeed(
        legolog()
            .args(["report", "--db"])
            .arg(&db)
            .arg(fixture("0826-w9-1.log")),
    );
    let markdown = String::from_utf8(output.stdout).unwrap();
    let doc = structure(&markdown);
    let h1: Vec<&str> = doc
        .headings
        .iter()
        .filter(|(l, _)| *l == HeadingLevel::H1)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        h1,
        vec!["[cq-stall] watchdog: worker stuck in mlx4_ib_poll_cq"]
    );
    let h2: Vec<&str> = doc
        .headings
        .iter()
        .filter(|(l, _)| *l == HeadingLevel::H2)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        h2,
        vec![
            "Environment",
            "Occurrences",
            "Call trace",
            "Registers",
            "Stack"
        ]
    );
    assert_eq!(doc.n_tables, 3, "environment, occurrences, registers");
    for needle in [
        "4.0.0-lego+ #26",
        "10",
        "thpool-worker0",
        "0x30000000",
        "0x00000000fffffff5",
    ] {
        assert!(
            doc.table_cells.iter().any(|c| c == needle),
            "no cell {needle}: {:?}",
            doc.table_cells
        );
    }
    let trace = &doc.code_blocks[0];
    assert_eq!(trace.0, "text");
    assert_eq!(trace.1.lines().count(), 19);
    assert!(trace
        .1
        .lines()
        .next()
        .unwrap()
        .starts_with("  fit_internal_poll_sendcq+0x6c/0xe0"));
    assert_eq!(trace.1.lines().filter(|l| l.starts_with("? ")).count(), 13);
    // The raw excerpt sits in a collapsible block and holds every line of the report.
    assert!(doc.html.contains("<details>") && doc.html.contains("</details>"));
    assert!(doc.html.contains("<summary>Raw excerpt"));
    let excerpt = doc.code_blocks.last().unwrap();
    assert_eq!(excerpt.1.lines().count(), 40);
    assert!(excerpt.1.contains("watchdog: worker[0] CPU10 stucked"));
    // The rule's explanation and the history.
    assert!(markdown
        .contains("**Known bug `cq-stall`:** A posted send WQE never produced a completion"));
    assert!(markdown.contains("History: bug "), "{markdown}");
    assert!(markdown.contains(": seen once since"), "{markdown}");
}

/// A log with no Code: line gets no Code section; one report of several is chosen with --report.
#[test]
fn report_picks_a_report_and_counts_occurrences_in_given_logs() {
    let seed = fixture("0826-w9-1.log");
    let output = legolog()
        .args(["report", "--no-db", "--report", "2"])
        .arg(&seed)
        .arg(&seed)
        .output()
        .unwrap();
    assert!(output.status.success());
    let markdown = String::from_utf8(output.stdout).unwrap();
    assert!(markdown.contains("History: not consulted"));
    assert!(markdown.contains("| 2 (this one) |"), "{markdown}");
    assert!(!markdown.contains("## Code"));
    let output = legolog()
        .args(["report", "--no-db", "--report", "3"])
        .arg(&seed)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no report 3 (found 1)"));
}

/// Issue 4, acceptance 4: with the fixture ELF the report's trace carries verdicts and
/// file:line, the inline chain, and the register table its annotations.
#[test]
fn issue_4_report_with_the_fixture_elf() {
    let output = legolog()
        .args(["report", "--no-db", "--vmlinux"])
        .arg(crate::util::root().join("fixtures/vmlinux/vmlinux-0826-w9-1"))
        .arg(fixture("0826-w9-1.log"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let markdown = String::from_utf8(output.stdout).unwrap();
    let doc = structure(&markdown);
    let (_, trace) = doc
        .code_blocks
        .iter()
        .find(|(_, text)| text.contains("fit_internal_poll_sendcq+0x6c/0xe0"))
        .expect("a code block with the trace");
    let first = trace.lines().next().unwrap();
    assert!(
        first.contains("[reliable]") && first.ends_with("net/lego/fit_internal.c:10"),
        "{first}"
    );
    assert!(trace.contains("inlined by fit_reply_ack at include/lego/fit_ibapi.h:15"));
    assert_eq!(trace.lines().filter(|l| l.contains("[stale]")).count(), 6);
    let rax = doc
        .table_cells
        .iter()
        .position(|c| c == "RAX")
        .expect("RAX row");
    assert_eq!(doc.table_cells[rax + 2], "-EAGAIN (32-bit)");
}
