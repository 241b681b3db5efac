//! Compiling the static tables' regexes with ASCII Perl classes.
//!
//! A console line is ASCII, and the tables follow syzkaller's `pkg/report`, whose Go regexps
//! read `\d`, `\w` and `\s` as ASCII classes. The regex crate reads them as Unicode classes,
//! which match the same on ASCII text but compile to far larger automata: `(\.\w+)(:[0-9]+)+`
//! takes about 390 KB of heap, `(\.[0-9A-Za-z_]+)(:[0-9]+)+` about 7 KB. Each table regex is
//! compiled once and kept for the run, so that heap is part of every run's peak.

use regex::Regex;
use std::borrow::Cow;

/// The ASCII members of `\d`, `\w` and `\s`, written to be read the same inside and outside a
/// bracket class and under the `x` flag.
const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t\n\x0B\x0C\r\x20";

/// Compiles a regex of a static table; a bad pattern is a programming error, covered by every
/// test that reaches the table.
pub(crate) fn compile(re: &str) -> Regex {
    Regex::new(&ascii_classes(re))
        .unwrap_or_else(|err| panic!("bad pattern {re:?} in a static table: {err}"))
}

/// `re` with the Perl classes `\d \D \w \W \s \S` rewritten to their ASCII meaning
/// (`[0-9]`, `[^0-9]`, …), inside bracket classes too. On ASCII text the rewritten regex
/// matches exactly what `re` matches.
pub(crate) fn ascii_classes(re: &str) -> Cow<'_, str> {
    if !re.contains('\\') {
        return Cow::Borrowed(re);
    }
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars().peekable();
    // How deep inside bracket classes (`[a[^b]]` nests) the current character is.
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let (set, negated) = match next {
                    'd' => (DIGIT, false),
                    'D' => (DIGIT, true),
                    'w' => (WORD, false),
                    'W' => (WORD, true),
                    's' => (SPACE, false),
                    'S' => (SPACE, true),
                    _ => {
                        out.push('\\');
                        out.push(next);
                        continue;
                    }
                };
                if depth > 0 && !negated {
                    out.push_str(set);
                } else {
                    // A negated class inside a class is a nested class (a union).
                    out.push('[');
                    if negated {
                        out.push('^');
                    }
                    out.push_str(set);
                    out.push(']');
                }
            }
            '[' => {
                depth += 1;
                out.push('[');
                // `[^` and a `]` right after the opening are literal parts of the class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_perl_classes_outside_and_inside_brackets() {
        assert_eq!(
            ascii_classes(r"(\W)(\d+)(\W|$)"),
            r"([^0-9A-Za-z_])([0-9]+)([^0-9A-Za-z_]|$)"
        );
        assert_eq!(
            ascii_classes(r"[\w.]+\s"),
            r"[0-9A-Za-z_.]+[\t\n\x0B\x0C\r\x20]"
        );
        assert_eq!(ascii_classes(r"[^\d\S]"), r"[^0-9[^\t\n\x0B\x0C\r\x20]]");
        assert_eq!(ascii_classes(r"[]\d]x"), r"[]0-9]x");
        assert_eq!(ascii_classes(r"[^]\w]"), r"[^]0-9A-Za-z_]");
    }

    #[test]
    fn leaves_other_escapes_and_plain_patterns_alone() {
        assert_eq!(
            ascii_classes(r"a\\d\.\[\]\x41\p{L}\b"),
            r"a\\d\.\[\]\x41\p{L}\b"
        );
        assert!(matches!(ascii_classes("plain [a-z]+"), Cow::Borrowed(_)));
        assert_eq!(ascii_classes("trailing\\"), "trailing\\");
    }

    /// On ASCII text the rewritten regex finds what the Unicode one finds; outside ASCII it
    /// reads the classes as Go's regexps (syzkaller) do.
    #[test]
    fn matches_like_the_unicode_classes_on_ascii_and_like_go_beyond() {
        let patterns = [
            r"(\W)(\d+)(\W|$)",
            r"(\.\w+)(:[0-9]+)+",
            r"\s+\S+\s*$",
            r"[\w./-]+:\d+",
            r"[^\s\d]+",
            r"(?x) \d+ \s \w+",
        ];
        let texts = [
            "BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]",
            "WARNING: CPU: 0 PID: 1 at mm/slub.c:1234 f+0x1/0x2\tx\x0Bv\x0Cf\r",
            "a.c:12 b_c.d:3:4 9 x",
            "",
        ];
        for pattern in patterns {
            let unicode = Regex::new(pattern).unwrap();
            let ascii = compile(pattern);
            for text in texts {
                let found = |re: &Regex| -> Vec<(usize, usize)> {
                    re.find_iter(text).map(|m| (m.start(), m.end())).collect()
                };
                assert_eq!(found(&unicode), found(&ascii), "{pattern:?} on {text:?}");
            }
        }
        assert!(
            !compile(r"^\d$").is_match("٣"),
            "an Arabic-Indic digit is no ASCII digit"
        );
        assert!(
            compile(r"^\W$").is_match("é"),
            "a non-ASCII letter is no ASCII word byte"
        );
    }
}
