//! The composition root's shape: its files use one another without a circle (the
//! migration layer, which once closed one, is the `hme-migration` crate).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level item of `src/` a file belongs to (`http` for `src/http/*.rs`).
fn item_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The `crate::<item>` names a source text uses, comments left out.
fn uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let item = item_of(&src, &path);
                let used = uses(&std::fs::read_to_string(&path).unwrap());
                graph.entry(item.clone()).or_default().extend(used.into_iter().filter(|u| *u != item));
            }
        }
    }
    graph
}

/// A circle through `from`, if any (depth first).
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
    let last = path.last().unwrap().clone();
    for next in graph.get(&last).into_iter().flatten() {
        if let Some(start) = path.iter().position(|p| p == next) {
            let mut found = path[start..].to_vec();
            found.push(next.clone());
            return Some(found);
        }
        if done.insert(next.clone()) {
            path.push(next.clone());
            if let Some(found) = circle(graph, path, done) {
                return Some(found);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn the_files_of_src_use_one_another_without_a_circle() {
    let graph = graph();
    assert!(graph.get("modules").is_some_and(|u| u.contains("configuration")), "the scan finds the uses: {graph:?}");
    for start in graph.keys() {
        let found = circle(&graph, &mut vec![start.clone()], &mut BTreeSet::new());
        assert!(found.is_none(), "import circle in src/: {}", found.unwrap_or_default().join(" → "));
    }
}

#[test]
fn a_circle_is_found_when_there_is_one() {
    let mut graph = graph();
    graph.entry("configuration".to_owned()).or_default().insert("openapi".to_owned());
    let found = circle(&graph, &mut vec!["configuration".to_owned()], &mut BTreeSet::new());
    assert!(found.is_some_and(|c| c.first() == c.last()), "configuration → openapi → modules → configuration is a circle");
}
