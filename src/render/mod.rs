//! Renderers: terminal text, JSON, Markdown. Each takes an [`Analysis`](crate::pipeline::output::Analysis)
//! and a writer; none of them decides anything about the reports.

pub mod bugreport;
pub mod decode;
pub mod document;
pub mod explain;
pub mod groups;
pub mod json;
pub mod lifecycle;
pub mod live;
pub mod markdown;
pub mod sanitize;
pub mod stderr;
pub mod symbolize;
pub mod terminal;
pub mod text;
pub mod timeline;

/// A document format as an [`Output`]: nothing while reports come, the whole document at the
/// end (`--format json` and `markdown`, written by [`json::write`] and [`markdown::write`]).
pub struct WholeDocument<'a> {
    out: Box<dyn Write + 'a>,
    write: fn(&mut dyn Write, &Analysis) -> anyhow::Result<()>,
}

impl<'a> WholeDocument<'a> {
    /// The JSON document (the v2 contract), written to `out` at the end.
    pub fn json(out: Box<dyn Write + 'a>) -> WholeDocument<'a> {
        WholeDocument {
            out,
            write: json::write,
        }
    }

    /// The Markdown document, written to `out` at the end.
    pub fn markdown(out: Box<dyn Write + 'a>) -> WholeDocument<'a> {
        WholeDocument {
            out,
            write: markdown::write,
        }
    }
}

impl Output for WholeDocument<'_> {
    fn report(&mut self, _: &Analysis, _: &Located, _: Status) -> anyhow::Result<()> {
        Ok(())
    }

    fn finish(&mut self, analysis: &Analysis, _more: usize) -> anyhow::Result<()> {
        (self.write)(&mut *self.out, analysis)?;
        self.out.flush()?;
        Ok(())
    }
}

use crate::history::{BugHistory, Match};
use crate::pipeline::output::{Analysis, Located, Output, Status};
use legolog_parsers::Frame;
use std::io::Write;

/// `bug 3f2a9c01d2 "lost send CQE": seen 3 times since 2018-08-26 in runs 0826-w9-1, 0827-w9-2,
/// 0828-w9-1 (similar signature, 0.80)`.
pub fn history_sentence(history: &BugHistory) -> String {
    let times = if history.seen == 1 {
        "once".to_owned()
    } else {
        format!("{} times", history.seen)
    };
    let since = history
        .first_seen
        .map(|d| format!(" since {d}"))
        .unwrap_or_default();
    let runs = if history.runs.len() == 1 {
        "run"
    } else {
        "runs"
    };
    let name = history
        .name
        .as_ref()
        .map(|name| format!(" \"{name}\""))
        .unwrap_or_default();
    let matched = match history.matched {
        Match::Exact => String::new(),
        Match::Similar(s) => format!(" (similar signature, {s:.2})"),
        Match::New => " (new bug)".to_owned(),
    };
    let mut sentence = format!(
        "bug {}{name}: seen {times}{since} in {runs} {}{matched}",
        history.bug,
        list_runs(&history.runs, 6)
    );
    match (history.status.as_str(), &history.fixed_in) {
        ("fixed", Some(build)) => sentence.push_str(&format!("; fixed in {build}")),
        ("invalid", _) => sentence.push_str("; marked invalid"),
        _ => {}
    }
    if history.quiet {
        sentence.push_str("; quiet");
    }
    if let Some(days) = history.back_after {
        sentence.push_str(&format!(
            "; back after {days} day{}",
            if days == 1 { "" } else { "s" }
        ));
    }
    sentence
}

/// `REGRESSION: bug 1bdac915ca "lost send CQE", fixed in #27, seen on #28`, or the sighting
/// on a build without the fix; `None` when the bug was not fixed.
pub fn fix_sentence(history: &BugHistory) -> Option<String> {
    let fix = history.fix.as_ref()?;
    let name = history
        .name
        .as_ref()
        .map(|name| format!(" \"{name}\""))
        .unwrap_or_default();
    Some(if fix.regression {
        format!(
            "REGRESSION: bug {}{name}, fixed in {}, seen on {}",
            history.bug, fix.fixed_in, fix.seen_on
        )
    } else {
        format!(
            "seen on a build without the fix: bug {}{name} is fixed in {}, this is {}",
            history.bug, fix.fixed_in, fix.seen_on
        )
    })
}

/// At most `max` run names, then "and N more".
pub fn list_runs(runs: &[String], max: usize) -> String {
    if runs.len() <= max {
        return runs.join(", ");
    }
    format!("{} and {} more", runs[..max].join(", "), runs.len() - max)
}

/// Terminal styling, decided by the CLI (`render::terminal::terminal_style`): whether to colour, and the
/// width tables must fit.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Emit ANSI colour codes.
    pub color: bool,
    /// Width tables must fit in; `None`: unbounded (tests, library users).
    pub width: Option<u16>,
}

impl Style {
    /// No colours, no width: for files and pipes.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: None,
        }
    }

    fn paint(self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    /// Bold text.
    pub fn bold(self, text: &str) -> String {
        self.paint(anstyle::Style::new().bold(), text)
    }

    /// Dimmed text (unreliable frames).
    pub fn dim(self, text: &str) -> String {
        self.paint(anstyle::Style::new().dimmed(), text)
    }

    /// Red text (corruption).
    pub fn red(self, text: &str) -> String {
        self.paint(anstyle::AnsiColor::Red.on_default(), text)
    }

    /// Yellow text (the RIP).
    pub fn yellow(self, text: &str) -> String {
        self.paint(anstyle::AnsiColor::Yellow.on_default(), text)
    }
}

/// A table in the house style that fits [`Style::width`] without cutting a word: cells wrap
/// only at spaces, so identifiers (`mlx4_ib_poll_cq`) stay whole. When the columns cannot all
/// fit, the least important ones go (said under the table); when even the essential ones
/// cannot, each row becomes a list of `column: value` lines.
pub struct Grid {
    /// Headers with their importance: 0 is essential, higher numbers go first.
    columns: Vec<(&'static str, u8)>,
    rows: Vec<Vec<String>>,
    style: Style,
}

/// Characters a table spends per column besides its content (padding and border).
const COLUMN_OVERHEAD: usize = 3;

/// Cells up to this wide are given their whole width before longer ones get any.
const SHORT_CELL: usize = 24;

impl Grid {
    /// A grid with `columns` (header, importance: 0 essential, higher dropped first).
    pub fn new(columns: &[(&'static str, u8)], style: Style) -> Grid {
        Grid {
            columns: columns.to_vec(),
            rows: Vec::new(),
            style,
        }
    }

    /// Adds a row, one cell per column.
    pub fn add_row(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The longest word of each column, or its header (never wrapped): its narrowest width.
    fn min_widths(&self) -> Vec<usize> {
        let longest_word = |text: &str| {
            text.split_whitespace()
                .map(|word| word.chars().count())
                .max()
                .unwrap_or(0)
        };
        (0..self.columns.len())
            .map(|idx| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(idx))
                    .map(|cell| longest_word(cell))
                    .chain([self.columns[idx].0.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The columns shown: all when they fit, else without the least important; `None` when
    /// not even the essential ones fit.
    fn shown(&self, width: usize) -> Option<Vec<usize>> {
        let mins = self.min_widths();
        let mut shown: Vec<usize> = (0..self.columns.len()).collect();
        loop {
            let needed: usize = 1 + shown
                .iter()
                .map(|&c| mins[c] + COLUMN_OVERHEAD)
                .sum::<usize>();
            if needed <= width {
                return Some(shown);
            }
            let drop = shown
                .iter()
                .enumerate()
                .filter(|(_, &c)| self.columns[c].1 > 0)
                .max_by_key(|(pos, &c)| (self.columns[c].1, *pos))
                .map(|(pos, _)| pos)?;
            shown.remove(drop);
        }
    }

    /// Each shown column's width: its longest word, plus a share of what is left (by how much
    /// more its longest line wants).
    fn widths(&self, shown: &[usize], width: usize) -> Vec<usize> {
        let mins = self.min_widths();
        let natural: Vec<usize> = shown
            .iter()
            .map(|&c| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(c))
                    .flat_map(|cell| cell.lines())
                    .chain([self.columns[c].0])
                    .map(|line| line.chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(mins[c])
            })
            .collect();
        let mut widths: Vec<usize> = shown.iter().map(|&c| mins[c]).collect();
        let used = 1 + widths.iter().map(|w| w + COLUMN_OVERHEAD).sum::<usize>();
        let mut spare = width.saturating_sub(used);
        // Short cells of important columns first (a bug's name: whole on one line), then the
        // columns by importance (the title before the list of runs), each as wide as it wants.
        let importance: Vec<u8> = shown.iter().map(|&c| self.columns[c].1).collect();
        let mut order: Vec<usize> = (0..widths.len()).collect();
        order.sort_by_key(|&i| {
            let short_and_important = natural[i] <= SHORT_CELL && importance[i] <= 1;
            (!short_and_important, importance[i], natural[i] - widths[i])
        });
        for i in order {
            let grant = (natural[i] - widths[i]).min(spare);
            widths[i] += grant;
            spare -= grant;
        }
        widths
    }

    fn table(&self, shown: &[usize]) -> comfy_table::Table {
        let mut table = comfy_table::Table::new();
        table
            .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
            .set_header(shown.iter().map(|&c| self.columns[c].0));
        let widths = self.style.width.map(|w| self.widths(shown, w as usize));
        for row in &self.rows {
            table.add_row(shown.iter().enumerate().map(|(pos, &c)| {
                let cell = row.get(c).map(String::as_str).unwrap_or_default();
                match &widths {
                    Some(widths) => wrap_words(cell, widths[pos]),
                    None => cell.to_owned(),
                }
            }));
        }
        table
    }

    fn write_list(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label_width = self.columns.iter().map(|(h, _)| h.len()).max().unwrap_or(0);
        for (idx, row) in self.rows.iter().enumerate() {
            if idx > 0 {
                writeln!(f)?;
            }
            for ((header, _), cell) in self.columns.iter().zip(row) {
                if !cell.is_empty() {
                    writeln!(f, "{header:>label_width$}: {cell}")?;
                }
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Grid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all: Vec<usize> = (0..self.columns.len()).collect();
        let shown = match self.style.width {
            None => Some(all),
            Some(width) => self.shown(width as usize),
        };
        let Some(shown) = shown else {
            return self.write_list(f);
        };
        write!(f, "{}", self.table(&shown))?;
        let hidden: Vec<&str> = (0..self.columns.len())
            .filter(|c| !shown.contains(c))
            .map(|c| self.columns[c].0)
            .collect();
        if !hidden.is_empty() {
            let note = format!(
                "(not shown at this width: {}; see --format json)",
                hidden.join(", ")
            );
            let width = self.style.width.map_or(usize::MAX, usize::from);
            write!(f, "\n{}", wrap_words(&note, width))?;
        }
        Ok(())
    }
}

/// `text` wrapped at spaces into lines of at most `width` characters (a longer word gets a line
/// of its own, whole).
fn wrap_words(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let fits = line.chars().count() + 1 + word.chars().count() <= width;
            if !line.is_empty() && !fits {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// A frame as one line: `fit_internal_poll_sendcq+0x6c/0xe0 [mod] (0xffffffff8106920c)`.
pub fn frame_text(frame: &Frame) -> String {
    let mut text = match &frame.symbol {
        Some(symbol) => match symbol.size {
            Some(size) => format!("{}+{:#x}/{:#x}", symbol.name, symbol.offset, size),
            None => format!("{}+{:#x}", symbol.name, symbol.offset),
        },
        None => "??".to_owned(),
    };
    if let Some(module) = &frame.module {
        text.push_str(&format!(" [{module}]"));
    }
    if let Some(addr) = frame.addr {
        text.push_str(&format!(" ({addr:#x})"));
    }
    text
}

/// Which image decoded a report and why: `PATH (how: why, build id ID)`.
pub fn image_sentence(image: &crate::symbolize::decode::ImageInfo) -> String {
    let mut text = format!(
        "{} ({}: {}",
        image.path.display(),
        image.how.as_str(),
        image.why
    );
    if let Some(id) = &image.build_id {
        text.push_str(&format!(", build id {id}"));
    }
    text.push(')');
    text
}
