//! Where titles come from, per shared corpus: how many titles each row of the header table
//! made, and how many guilty frames each skip class passed over, every class listed even when
//! it never fires (a class that never fires is visible as a zero).
//!
//! The corpora are read from `../shared` (or `$LEGOLOG_SHARED`); a missing corpus is skipped
//! as a whole. `cargo test -p legolog-parsers --test title_origins -- --nocapture`.

use legolog_parsers::titles::{origin, rows, CLASSES};
use legolog_parsers::{ParseConfig, Parser, Report};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn shared_dir() -> PathBuf {
    std::env::var_os("LEGOLOG_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
        PathBuf::from,
    )
}

#[derive(Default)]
struct Counts {
    reports: usize,
    families: BTreeMap<String, usize>,
    /// Titles per row of the header table (`titles::rows`).
    rows: BTreeMap<usize, usize>,
    /// Titles whose guilty frame came after at least one frame of the class.
    classes: BTreeMap<&'static str, usize>,
}

impl Counts {
    fn add(&mut self, report: &Report) {
        let origin = origin(report);
        self.reports += 1;
        *self.families.entry(origin.family).or_default() += 1;
        if let Some(row) = origin.row {
            *self.rows.entry(row).or_default() += 1;
        }
        let mut seen: Vec<&'static str> = origin.skipped.iter().map(|(_, c)| *c).collect();
        seen.sort_unstable();
        seen.dedup();
        for class in seen {
            *self.classes.entry(class).or_default() += 1;
        }
    }

    fn print(&self, name: &str) {
        println!("== {name}: {} reports", self.reports);
        let mut families: Vec<_> = self.families.iter().collect();
        families.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (family, n) in families {
            println!("  family {n:5}  {family}");
        }
        // The rows that made no title, so that a family that never fires is visible too
        // (families sharing their formats share their rows).
        let all: Vec<_> = rows().collect();
        let mut fired = std::collections::BTreeSet::new();
        for idx in self.rows.keys() {
            if let Some(row) = all.get(*idx) {
                fired.insert((row.header, row.template));
            }
        }
        let mut listed = std::collections::BTreeSet::new();
        for row in &all {
            let key = (row.header, row.template);
            if !fired.contains(&key) && listed.insert(key) {
                println!(
                    "  family     0  {}  ({} row `{}`)",
                    row.template, row.literal, row.header
                );
            }
        }
        for class in CLASSES {
            let n = self.classes.get(class.name).copied().unwrap_or(0);
            println!("  skip class {n:5}  {}", class.name);
        }
        let n = self.classes.get("format-specific").copied().unwrap_or(0);
        println!("  skip class {n:5}  format-specific (a row's own list)");
    }
}

/// The log part of a syzkaller test file (its header block and `REPORT:` section dropped).
fn syzkaller_log(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes).replace('\r', "");
    let log = match text.split_once("\n\n") {
        Some((_, log)) if !text.starts_with('\n') => log,
        _ => text.strip_prefix('\n').unwrap_or(&text),
    };
    let log = log.split("\nREPORT:\n").next().unwrap_or(log);
    log.as_bytes().to_vec()
}

fn count_dir(dir: &Path, read: fn(&[u8]) -> Vec<u8>, keep: fn(&Path) -> bool) -> Option<Counts> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .collect();
    paths.sort();
    let mut counts = Counts::default();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        for report in Parser::new(&read(&bytes)[..], ParseConfig::standard()).flatten() {
            counts.add(&report);
        }
    }
    Some(counts)
}

/// A corpus: its name, directory, how to get the log out of a file, which files to read.
type Corpus = (
    &'static str,
    PathBuf,
    fn(&[u8]) -> Vec<u8>,
    fn(&Path) -> bool,
);

#[test]
fn titles_by_family_and_skip_class_per_corpus() {
    let root = shared_dir().join("corpus");
    let corpora: [Corpus; 2] = [
        (
            "syzkaller-linux",
            root.join("syzkaller-linux/report"),
            syzkaller_log,
            |p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            },
        ),
        (
            "lego",
            root.join("lego"),
            |b| b.to_vec(),
            |p| p.extension().is_some_and(|e| e == "log"),
        ),
    ];
    for (name, dir, read, keep) in corpora {
        let Some(counts) = count_dir(&dir, read, keep) else {
            println!("title_origins: {} not found, skipped", dir.display());
            continue;
        };
        counts.print(name);
        // Every report's title comes from somewhere, and the table's rows do the work.
        assert_eq!(counts.families.values().sum::<usize>(), counts.reports);
    }
}

/// The origin names the row and each skipped frame's class, in the order passed over.
#[test]
fn origin_names_the_row_and_the_classes_passed_over() {
    let log = "\
WARNING: CPU: 0 PID: 5830 at lib/refcount.c:28 refcount_warn_saturate+0x1/0x2
RIP: 0010:refcount_warn_saturate+0x1/0x2
Call Trace:
 kref_put+0x1/0x2
 _raw_spin_lock+0x1/0x2
 kfree+0x1/0x2
 nfc_llcp_sock_release+0x1/0x2
 __sock_release+0x1/0x2
";
    let report = Parser::new(log.as_bytes(), ParseConfig::standard())
        .flatten()
        .next()
        .expect("a report");
    assert_eq!(
        report.title,
        "WARNING: refcount bug in nfc_llcp_sock_release"
    );
    let origin = origin(&report);
    assert_eq!(origin.family, "WARNING: refcount bug in {FUNC}");
    let row = origin.row.and_then(|idx| rows().nth(idx)).expect("a row");
    assert_eq!(row.literal, "WARNING:");
    assert_eq!(row.template, "WARNING: refcount bug in {FUNC}");
    assert!(row.header.contains("lib/refcount"), "{}", row.header);
    assert_eq!(origin.guilty.as_deref(), Some("nfc_llcp_sock_release"));
    let classes: Vec<&str> = origin.skipped.iter().map(|(_, c)| *c).collect();
    assert_eq!(classes, ["library", "library", "locking", "allocation"]);
}
