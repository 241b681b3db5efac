//! No module of `legolog-parsers` uses one that uses it back (issue 9): the modules form a
//! one-way stack, read from the sources' `crate::…`/`super::…` paths outside their tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name (`scan`, `linux::stack`) → the source text outside `#[cfg(test)]`.
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut dirs = vec![(src.clone(), String::new())];
    while let Some((dir, prefix)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable src") {
            let path = entry.expect("entry").path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 name")
                .to_owned();
            if path.is_dir() {
                dirs.push((path, format!("{prefix}{stem}::")));
                continue;
            }
            let name = match stem.as_str() {
                "lib" => continue,
                "mod" => prefix.trim_end_matches("::").to_owned(),
                _ => format!("{prefix}{stem}"),
            };
            let text = std::fs::read_to_string(&path).expect("readable source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            // Doc comments name modules without using them.
            let code: String = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(name, code);
        }
    }
    out
}

/// The modules `code` of module `name` refers to.
fn uses(name: &str, code: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
    let mut found = BTreeSet::new();
    for other in all {
        let by_crate = format!("crate::{other}");
        let mentioned = code.match_indices(&by_crate).any(|(i, _)| {
            let rest = &code[i + by_crate.len()..];
            !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        });
        let by_super = other
            .strip_prefix(&format!("{parent}::"))
            .filter(|_| !parent.is_empty())
            .is_some_and(|sibling| code.contains(&format!("super::{sibling}")));
        // `super::compile` in `linux::stack` uses `linux` itself, not a sibling.
        let mentions_parent = other == parent
            && code.match_indices("super::").any(|(i, _)| {
                let rest = &code[i + "super::".len()..];
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                !all.contains(&format!("{parent}::{word}"))
            });
        // A parent declares and uses its children (`mod stack;`).
        let child_use = other
            .strip_prefix(&format!("{name}::"))
            .is_some_and(|child| {
                code.contains(&format!("{child}::")) || code.contains(&format!("use {child}"))
            });
        if other != name && (mentioned || by_super || mentions_parent || child_use) {
            found.insert(other.clone());
        }
    }
    found
}

#[test]
fn modules_depend_one_way() {
    let modules = modules();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    assert!(
        names.contains("scan") && names.contains("linux::stack"),
        "{names:?}"
    );
    let graph: BTreeMap<&str, BTreeSet<String>> = modules
        .iter()
        .map(|(name, code)| (name.as_str(), uses(name, code, &names)))
        .collect();
    // Depth-first search for a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<&str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next.as_str(), graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for name in graph.keys() {
        if let Some(cycle) = visit(name, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle in parsers: {}", cycle.join(" -> "));
        }
    }
}
