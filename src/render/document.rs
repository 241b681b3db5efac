//! A report's crash document, as the history keeps it (docs/lifecycle.md, "Documents"): the
//! JSON contract's report object, the text block `analyze` prints and the report's lines.

use crate::history::documents::Document;
use crate::pipeline::output::{Analysis, Located};

/// The document of a report, before it is attached to a bug (no `history`).
pub fn document(analysis: &Analysis, located: &Located) -> Document {
    document_at(analysis, located, position_in_input(analysis, located))
}

/// [`document`] of the report at 1-based `position` in its input (its label, `[N]`).
pub fn document_at(analysis: &Analysis, located: &Located, position: usize) -> Document {
    let mut bare = located.clone();
    bare.history = None;
    let mut report = super::json::report_value(analysis, &bare);
    if let Some(object) = report.as_object_mut() {
        object.remove("history");
    }
    let mut text = Vec::new();
    let label = format!("[{position}]");
    // Writing into a Vec cannot fail.
    let _ = super::text::write_report(&mut text, analysis, &label, &bare, super::Style::plain());
    Document {
        report,
        text: String::from_utf8_lossy(&text).into_owned(),
        lines: located
            .report
            .excerpt
            .iter()
            .map(|line| format!("{}: {}", line.line, line.text))
            .collect(),
    }
}

/// The compressed [`document_at`], `None` if it cannot be written.
pub fn compressed_at(analysis: &Analysis, located: &Located, position: usize) -> Option<Vec<u8>> {
    document_at(analysis, located, position).compress().ok()
}

/// 1-based position of the report among its input's reports.
fn position_in_input(analysis: &Analysis, located: &Located) -> usize {
    analysis
        .reports
        .iter()
        .filter(|other| other.input == located.input)
        .position(|other| std::ptr::eq(other, located))
        .map_or(1, |idx| idx + 1)
}
