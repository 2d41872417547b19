//! One container's environment against the binary's settings: it loads through the
//! real loader (`Settings::load_from`), every `HME__SECTION__KEY` names a real setting
//! (found with `serde_ignored`: a key the settings do not read is reported), every other
//! name is a legacy name of `LEGACY_ENV` or one the binary reads itself, and a module's
//! own settings are set only where that module is compiled in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use config::{Config, File};
use hme::configuration::{Settings, LEGACY_ENV};

use super::{module_of_section, root};

/// What checking one environment found.
pub struct Checked {
    /// The loaded settings (None when loading failed).
    pub settings: Option<Settings>,
    /// Every problem, naming the container and the variable.
    pub errors: Vec<String>,
}

/// Checks the environment `env` of the container `who`, built with `features`.
pub fn check_env(who: &str, env: &BTreeMap<String, String>, features: &BTreeSet<String>) -> Checked {
    let mut errors = Vec::new();
    for name in env.keys() {
        if let Some(rest) = name.strip_prefix("HME__") {
            let section = rest.split("__").next().unwrap_or_default().to_ascii_lowercase();
            if let Some(module) = module_of_section(&section).filter(|m| !features.contains(*m)) {
                errors.push(format!("{who}: {name} is a setting of the {module} module, which this image is not built with (no effect)"));
            }
        } else if !LEGACY_ENV.iter().any(|(legacy, _)| legacy == name) && !read_by_binary(name) {
            errors.push(format!("{who}: {name} is no setting of hme (not a legacy name, not HME__SECTION__KEY, not read by the binary)"));
        }
    }
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let dir = root().join("config");
    match unknown_keys(&dir, &env) {
        Ok(keys) => {
            for key in keys {
                let by: Vec<&String> = env.keys().filter(|v| v.strip_prefix("HME__").is_some_and(|r| format!("{}.", r.to_ascii_lowercase().replace("__", ".")).starts_with(&format!("{key}.")))).collect();
                errors.push(format!("{who}: `{key}` is no setting of hme (set by {by:?})"));
            }
        }
        Err(e) => errors.push(format!("{who}: settings: {e}")),
    }
    let settings = match Settings::load_from(&dir, &env) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(format!("{who}: the settings do not load: {e}"));
            None
        }
    };
    Checked { settings, errors }
}

/// Variables the binary reads by name outside the settings: `RUST_LOG` (the log
/// filter), `MALLOC_ARENA_MAX` (read by glibc's allocator, set by the image) and any
/// name quoted in the sources (`HME_ENV`, `HME_CONFIG_DIR`, ...).
fn read_by_binary(name: &str) -> bool {
    matches!(name, "RUST_LOG" | "MALLOC_ARENA_MAX") || source_text().contains(&format!("\"{name}\""))
}

/// The Rust sources of the binary and its modules, concatenated.
fn source_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut text = String::new();
        let mut dirs = vec![root().join("src")];
        if let Ok(modules) = std::fs::read_dir(root().join("modules")) {
            dirs.extend(modules.flatten().map(|m| m.path().join("src")));
        }
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        text
    })
}

/// The setting keys `HME__` variables set that `Settings` does not read. The files and
/// variables are layered as `Settings::load_from` does (the legacy names, which map to
/// known keys, aside); keys the files alone leave unread are not counted.
fn unknown_keys(dir: &Path, env: &HashMap<String, String>) -> Result<BTreeSet<String>, String> {
    let with_env = ignored(dir, env)?;
    let files_only = ignored(dir, &env.iter().filter(|(k, _)| k.as_str() == "HME_ENV").map(|(k, v)| (k.clone(), v.clone())).collect())?;
    Ok(with_env.difference(&files_only).cloned().collect())
}

fn ignored(dir: &Path, env: &HashMap<String, String>) -> Result<BTreeSet<String>, String> {
    let profile = env.get("HME_ENV").cloned().unwrap_or_else(|| "local".to_owned());
    let config = Config::builder()
        .add_source(File::from(dir.join("default.toml")))
        .add_source(File::from(dir.join(format!("{profile}.toml"))).required(false))
        .add_source(hme::configuration::hme_environment(env))
        .build()
        .map_err(|e| e.to_string())?;
    let mut keys = BTreeSet::new();
    let _: Settings = serde_ignored::deserialize(config, |path| {
        keys.insert(path.to_string());
    })
    .map_err(|e| e.to_string())?;
    Ok(keys)
}
