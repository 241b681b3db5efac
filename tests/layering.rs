//! The layers of `src/` and `symbols/src/` (issue 15): no module uses one that uses it back,
//! and no module imports from a layer above its own. Read from the sources' `crate::…`,
//! `super::…` and `self::…` paths (and a `mod.rs`'s paths into its own children) outside
//! comments and `#[cfg(test)] mod tests`. `parsers/tests/layering.rs` does the same for
//! `parsers`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `src/`'s folders, lowest first: each may import only from those before it (and itself).
/// ARCHITECTURE.md gives each one's purpose.
const SRC_LAYERS: &[&str] = &[
    "config",
    "input",
    "identity",
    "symbolize",
    "history",
    "pipeline",
    "render",
    "ops",
    "serve",
    "cli",
];

/// `symbols/src/`'s modules, lowest first.
const SYMBOLS_LAYERS: &[&str] = &[
    "error",
    "bytes",
    "elf",
    "kallsyms",
    "dwarf",
    "disasm",
    "annotate",
    "image",
    "kaslr",
    "verdict",
    "module",
    "symbolizer",
];

/// One source file: its module path (`pipeline::analysis`, `history` for `history/mod.rs`)
/// and its code, without comments and unit tests.
struct Module {
    file: PathBuf,
    code: String,
    /// A `mod.rs`, which declares and names its children.
    is_dir_module: bool,
}

fn modules(root: &Path) -> BTreeMap<String, Module> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 file name")
                .to_owned();
            if path.is_dir() {
                dirs.push((path, format!("{prefix}{stem}::")));
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let (name, is_dir_module) = match stem.as_str() {
                "lib" | "main" if prefix.is_empty() => continue,
                "mod" => (prefix.trim_end_matches("::").to_owned(), true),
                _ => (format!("{prefix}{stem}"), false),
            };
            let text = std::fs::read_to_string(&path).expect("readable source");
            out.insert(
                name,
                Module {
                    file: path,
                    code: strip(&text),
                    is_dir_module,
                },
            );
        }
    }
    out
}

/// `text` without its comments and its `#[cfg(test)] mod …` (unit tests may use anything).
fn strip(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let line = match line.find(" //") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    code
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path the code names from `start` on: `crate::a::b`, `crate::{a::b, c}` (one path
/// per item of a group), as segment lists after the leading keyword.
fn paths_after(code: &str, start: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices(start) {
        // `super::super::x` is one path, read from its first `super`.
        if code[..at].chars().next_back().is_some_and(is_ident) || code[..at].ends_with("::") {
            continue;
        }
        let rest = &code[at + start.len()..];
        collect(rest, Vec::new(), &mut out);
    }
    out
}

/// Reads `a::b::{c, d::e}` at the start of `rest` into paths under `prefix`.
fn collect(rest: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut item_start = 0;
        for (idx, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    collect(&group[item_start..idx], prefix.clone(), out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    collect(&group[item_start..idx], prefix.clone(), out);
                    item_start = idx + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let word: String = rest.chars().take_while(|c| is_ident(*c)).collect();
    if word.is_empty() {
        if !prefix.is_empty() {
            out.push(prefix);
        }
        return;
    }
    let mut path = prefix;
    path.push(word.clone());
    match rest[word.len()..].strip_prefix("::") {
        Some(more) => collect(more, path, out),
        None => out.push(path),
    }
}

/// The longest module path that `segments` (absolute, from the crate root) starts with.
fn resolve(segments: &[String], all: &BTreeMap<String, Module>) -> Option<String> {
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|candidate| all.contains_key(candidate))
}

fn parent_of(name: &str) -> Vec<String> {
    let mut segments: Vec<String> = name.split("::").map(str::to_owned).collect();
    segments.pop();
    segments
}

/// The modules `name` uses.
fn uses(name: &str, all: &BTreeMap<String, Module>) -> BTreeSet<String> {
    let module = &all[name];
    let own: Vec<String> = name.split("::").map(str::to_owned).collect();
    let mut found = BTreeSet::new();
    let mut add = |segments: Vec<String>| {
        if let Some(target) = resolve(&segments, all) {
            if target != name {
                found.insert(target);
            }
        }
    };
    for path in paths_after(&module.code, "crate::") {
        add(path);
    }
    for path in paths_after(&module.code, "self::") {
        add([own.clone(), path].concat());
    }
    for path in paths_after(&module.code, "super::") {
        let mut base = parent_of(name);
        let mut rest = path.as_slice();
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
        add([base, rest.to_vec()].concat());
    }
    // A `mod.rs` names its children without a prefix (`use backend::Backend`).
    if module.is_dir_module {
        let children: Vec<&String> = all.keys().filter(|other| parent_of(other) == own).collect();
        for child in children {
            let short = child.rsplit("::").next().expect("a module name");
            let bare = format!("{short}::");
            let named = module.code.match_indices(&bare).any(|(at, _)| {
                !module.code[..at].ends_with("::")
                    && !module.code[..at].chars().next_back().is_some_and(is_ident)
            });
            if named {
                found.insert(child.clone());
            }
        }
    }
    found
}

/// Every problem with the layering of the crate whose sources are in `root`: import cycles
/// (each with the files on it) and imports up the declared `layers` (of the first path
/// segment), one line each.
fn problems(root: &Path, layers: &[&str]) -> Vec<String> {
    let all = modules(root);
    let shown = |name: &str| -> String {
        let file = &all[name].file;
        let rel = file.strip_prefix(workspace()).unwrap_or(file);
        format!("{} ({name})", rel.display())
    };
    let graph: BTreeMap<&str, BTreeSet<String>> = all
        .keys()
        .map(|name| (name.as_str(), uses(name, &all)))
        .collect();
    let mut problems = Vec::new();

    let top = |name: &str| name.split("::").next().unwrap_or(name).to_owned();
    let rank = |name: &str| layers.iter().position(|layer| *layer == top(name));
    for name in all.keys() {
        if rank(name).is_none() {
            problems.push(format!(
                "{} is in no declared layer (add `{}` to the list in tests/layering.rs)",
                shown(name),
                top(name)
            ));
        }
    }
    for (name, targets) in &graph {
        for target in targets {
            if let (Some(from), Some(to)) = (rank(name), rank(target)) {
                if to > from {
                    problems.push(format!(
                        "{} imports {}: layer `{}` is above `{}`",
                        shown(name),
                        shown(target),
                        top(target),
                        top(name)
                    ));
                }
            }
        }
    }

    // Cycles: depth-first search, each cycle reported once (from its smallest module).
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<&str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        cycles: &mut Vec<Vec<String>>,
    ) {
        if let Some(pos) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_owned());
            cycles.push(cycle);
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next.as_str(), graph, path, done, cycles);
        }
        path.pop();
        done.insert(node);
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for name in graph.keys() {
        visit(name, &graph, &mut Vec::new(), &mut done, &mut cycles);
    }
    for cycle in cycles {
        if is_split_type(&cycle, &all) {
            continue;
        }
        let files: Vec<String> = cycle.iter().map(|name| shown(name)).collect();
        problems.push(format!("import cycle: {}", files.join(" -> ")));
    }
    problems
}

/// A cycle made only of one folder's `mod.rs` and its direct children: one type split across
/// files (`history/mod.rs` defines `History`, `history/lifecycle.rs` adds `impl History`), as
/// Rust has it. Any other module on the cycle (a grandchild, a sibling folder) makes it a
/// circle.
fn is_split_type(cycle: &[String], all: &BTreeMap<String, Module>) -> bool {
    let Some(folder) = cycle.iter().find(|name| all[name.as_str()].is_dir_module) else {
        return false;
    };
    let folder_path: Vec<String> = folder.split("::").map(str::to_owned).collect();
    cycle
        .iter()
        .all(|name| name == folder || parent_of(name) == folder_path)
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn src_modules_form_layers() {
    let root = workspace().join("src");
    let all = modules(&root);
    // The reader saw the tree: a folder module, a file in a folder, a nested folder.
    for name in ["history", "pipeline::analysis", "cli::commands::analyze"] {
        assert!(all.contains_key(name), "{name} not among {:?}", all.keys());
    }
    let problems = problems(&root, SRC_LAYERS);
    assert!(
        problems.is_empty(),
        "src/ layering:\n{}",
        problems.join("\n")
    );
}

/// Where `module` reaches into the pipeline past its face: any `pipeline::…` module it uses
/// other than `pipeline::output` (a renderer is handed reports, it runs no stage).
fn stages_used(module: &str, all: &BTreeMap<String, Module>) -> Vec<String> {
    uses(module, all)
        .into_iter()
        .filter(|target| {
            (target == "pipeline" || target.starts_with("pipeline::"))
                && target != "pipeline::output"
        })
        .collect()
}

/// Renderers implement the pipeline's `Output` and import from it only `pipeline::output`
/// (the trait and the data it hands over), never a stage: `render/` could be moved onto another
/// pipeline without dragging the stages along.
#[test]
fn renderers_see_the_pipeline_only_through_its_output() {
    let root = workspace().join("src");
    let all = modules(&root);
    let renderers: Vec<&String> = all
        .keys()
        .filter(|name| *name == "render" || name.starts_with("render::"))
        .collect();
    assert!(renderers.len() > 5, "render/ not found: {:?}", all.keys());
    let mut found = Vec::new();
    for name in renderers {
        for stage in stages_used(name, &all) {
            let file = &all[name.as_str()].file;
            let rel = file.strip_prefix(workspace()).unwrap_or(file);
            found.push(format!("{} imports the stage {stage}", rel.display()));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The check reads what it should: pipeline::output itself is the face, any other module of
    // pipeline/ is a stage.
    let probe = [("pipeline::output", false), ("pipeline::stream", true)];
    for (target, is_stage) in probe {
        let mut fake = BTreeMap::new();
        for (name, module) in &all {
            if name.starts_with("pipeline") {
                fake.insert(
                    name.clone(),
                    Module {
                        file: module.file.clone(),
                        code: String::new(),
                        is_dir_module: module.is_dir_module,
                    },
                );
            }
        }
        fake.insert(
            "render::probe".to_owned(),
            Module {
                file: root.join("render/probe.rs"),
                code: format!("use crate::{target}::Something;\n"),
                is_dir_module: false,
            },
        );
        assert_eq!(
            !stages_used("render::probe", &fake).is_empty(),
            is_stage,
            "{target}"
        );
    }
}

#[test]
fn symbols_modules_form_layers() {
    let root = workspace().join("symbols").join("src");
    let problems = problems(&root, SYMBOLS_LAYERS);
    assert!(
        problems.is_empty(),
        "symbols/src layering:\n{}",
        problems.join("\n")
    );
}

/// The reader itself: groups, `super::super::`, `self::` and a `mod.rs`'s children resolve
/// to modules, and a cycle and an upward import are both found.
#[test]
fn the_reader_finds_cycles_and_upward_imports() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("low")).unwrap();
    std::fs::create_dir_all(src.join("high")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod low;\npub mod high;\n").unwrap();
    std::fs::write(
        src.join("low/mod.rs"),
        "pub mod a;\npub mod b;\nuse a::X;\n",
    )
    .unwrap();
    std::fs::write(src.join("low/a.rs"), "use super::b::Y;\n").unwrap();
    // `b` uses `a` back through a group, and the layer above.
    std::fs::write(
        src.join("low/b.rs"),
        "use crate::{low::a::X, high::c};\n// crate::high::d in a comment is no use\n",
    )
    .unwrap();
    std::fs::write(src.join("high/mod.rs"), "pub mod c;\n").unwrap();
    std::fs::write(
        src.join("high/c.rs"),
        "fn f() { super::super::low::a::g() }\n#[cfg(test)]\nmod tests { use crate::high; }\n",
    )
    .unwrap();
    let all = modules(&src);
    assert_eq!(
        uses("low::b", &all),
        BTreeSet::from(["low::a".to_owned(), "high::c".to_owned()])
    );
    assert_eq!(uses("high::c", &all), BTreeSet::from(["low::a".to_owned()]));
    assert_eq!(uses("low", &all), BTreeSet::from(["low::a".to_owned()]));
    let found = problems(&src, &["low", "high"]);
    assert!(
        found.iter().any(|p| p.starts_with("import cycle:")
            && p.contains("src/low/a.rs")
            && p.contains("src/low/b.rs")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("src/low/b.rs (low::b) imports")
                && p.ends_with("src/high/c.rs (high::c): layer `high` is above `low`")),
        "{found:?}"
    );
}
