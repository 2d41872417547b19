//! The shape of the code: the files of the composition root use one another without a
//! circle (the migration layer, which once closed one, is the `hme-migration` crate), and
//! the crate graph keeps its direction (modules depend on the kernel and on the contracts
//! they call, never on another module).

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

/// The module crates: none may depend on another (only on the kernel and contracts).
const MODULES: &[&str] = &["hme-products", "hme-orders", "hme-images", "hme-auth", "hme-worker"];
/// The module dependencies tests alone may have (a dev-dependency never ships): orders'
/// and the worker's tests drive a real products module, not a double of its ports.
const TEST_ONLY: &[(&str, &str)] = &[("hme-orders", "hme-products"), ("hme-worker", "hme-products")];

/// Every rule of the crate graph `metadata` (`cargo metadata --no-deps`) breaks:
/// - a module crate depends (normal or build) on another module crate or on `hme`;
/// - a contract crate or the migration layer depends on a workspace crate other than
///   the kernel; the kernel depends on none;
/// - a dev-dependency between modules that [`TEST_ONLY`] does not list.
fn crate_rule_breaks(metadata: &serde_json::Value) -> Vec<String> {
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let ours: BTreeSet<String> = packages.iter().filter_map(|p| p["name"].as_str()).map(str::to_owned).collect();
    let mut breaks = Vec::new();
    for p in &packages {
        let name = p["name"].as_str().unwrap_or_default();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or_default();
            if !ours.contains(dep) || dep == name {
                continue;
            }
            let dev = d["kind"].as_str() == Some("dev");
            let bad = if MODULES.contains(&name) {
                if dev {
                    MODULES.contains(&dep) && !TEST_ONLY.contains(&(name, dep))
                } else {
                    MODULES.contains(&dep) || dep == "hme"
                }
            } else if name.ends_with("-contract") || name == "hme-migration" {
                !dev && dep != "hme-kernel"
            } else if name == "hme-kernel" {
                !dev
            } else {
                false
            };
            if bad {
                breaks.push(format!("{name} depends on {dep}{}", if dev { " (dev)" } else { "" }));
            }
        }
    }
    breaks
}

fn cargo_metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn no_module_crate_depends_on_another_module_crate() {
    let metadata = cargo_metadata();
    let names: BTreeSet<&str> = metadata["packages"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    for expected in MODULES.iter().chain(&["hme-kernel", "hme-products-contract", "hme-auth-contract", "hme-images-contract", "hme-migration"]) {
        assert!(names.contains(expected), "{expected} is a workspace crate: {names:?}");
    }
    assert_eq!(crate_rule_breaks(&metadata), Vec::<String>::new());
}

#[test]
fn a_module_depending_on_another_module_breaks_the_rule() {
    let mut metadata = cargo_metadata();
    let orders = metadata["packages"].as_array_mut().unwrap().iter_mut().find(|p| p["name"] == "hme-orders").unwrap();
    orders["dependencies"].as_array_mut().unwrap().push(serde_json::json!({"name": "hme-auth", "kind": null}));
    orders["dependencies"].as_array_mut().unwrap().push(serde_json::json!({"name": "hme-images", "kind": "dev"}));
    assert_eq!(crate_rule_breaks(&metadata), vec!["hme-orders depends on hme-auth".to_owned(), "hme-orders depends on hme-images (dev)".to_owned()]);
}

/// The paths the README's layout picture names at the start of a line (`a/{b,c}/d/`
/// expanded), relative to the repository.
fn readme_layout_paths() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("\n## Layout").nth(1).unwrap();
    let block = section.split("```").nth(1).unwrap();
    let mut out = Vec::new();
    for line in block.lines().filter(|l| !l.starts_with(' ')) {
        let Some(token) = line.split_whitespace().next() else { continue };
        let token = token.trim_end_matches(',');
        match (token.find('{'), token.find('}')) {
            (Some(a), Some(b)) => out.extend(token[a + 1..b].split(',').map(|alt| format!("{}{alt}{}", &token[..a], &token[b + 1..]))),
            _ => out.push(token.to_owned()),
        }
    }
    out
}

#[test]
fn the_readme_layout_picture_matches_the_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let named = readme_layout_paths();
    assert!(named.len() > 15, "the picture is read: {named:?}");
    for path in &named {
        assert!(root.join(path).exists(), "the README's layout names {path}, which does not exist");
    }
    // every crate directory under modules/ is in the picture
    for entry in std::fs::read_dir(root.join("modules")).unwrap().flatten() {
        let name = format!("modules/{}/", entry.file_name().to_string_lossy());
        assert!(named.contains(&name), "{name} is missing from the README's layout");
        if entry.path().join("contract").is_dir() {
            assert!(named.contains(&format!("{name}contract/")), "{name}contract/ is missing from the README's layout");
        }
    }
}
