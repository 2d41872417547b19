//! The `Dockerfile`: the feature set comes from `ARG FEATURES` (every feature by
//! default) as `--no-default-features --features "$FEATURES"`, the runtime stage is a
//! small base, runs as a non-root user, checks `/healthz` with `hme health`, and its
//! `ENV` names are settings; `EXPOSE` is the port it listens on.

use std::collections::{BTreeMap, BTreeSet};

use super::settings::check_env;
use super::{assert_clean, cargo_features, read};

/// The runtime stage of the image.
pub struct Image {
    /// Its `ENV` variables (every hme container starts with these).
    pub env: BTreeMap<String, String>,
    /// Every problem found.
    pub errors: Vec<String>,
}

/// Instructions, with `\` continuations joined and comments dropped.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.starts_with('#') || trimmed.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (op, args) = current.split_once(char::is_whitespace).unwrap_or((current.as_str(), ""));
        out.push((op.to_ascii_uppercase(), args.trim().to_owned()));
        current.clear();
    }
    out
}

/// Parses and checks a Dockerfile's text.
pub fn check(text: &str) -> Image {
    let mut errors = Vec::new();
    let all = instructions(text);
    let last_from = all.iter().rposition(|(op, _)| op == "FROM").unwrap_or(0);
    let runtime = &all[last_from..];

    let features_default = all.iter().filter(|(op, _)| op == "ARG").find_map(|(_, a)| a.strip_prefix("FEATURES=")).map(|v| v.trim_matches('"').to_owned());
    let declared: BTreeSet<String> = features_default.iter().flat_map(|v| v.split(',')).map(|f| f.trim().to_owned()).collect();
    if declared != cargo_features() {
        errors.push(format!("ARG FEATURES defaults to {features_default:?}, not every feature of Cargo.toml {:?}", cargo_features()));
    }
    let flags = "--no-default-features --features \"$FEATURES\"";
    for step in ["cargo chef cook", "cargo build"] {
        let ok = all.iter().any(|(op, a)| op == "RUN" && a.contains(step) && a.contains(flags));
        if !ok {
            errors.push(format!("no RUN `{step} ... {flags}`"));
        }
    }

    let base = runtime.first().map(|(_, a)| a.as_str()).unwrap_or_default();
    if !["slim", "distroless", "alpine"].iter().any(|small| base.contains(small)) {
        errors.push(format!("the runtime stage `FROM {base}` is not a small base (slim, distroless, alpine)"));
    }
    match runtime.iter().rev().find(|(op, _)| op == "USER") {
        Some((_, user)) if !matches!(user.as_str(), "root" | "0" | "0:0") => {}
        other => errors.push(format!("the runtime stage does not run as a non-root user ({other:?})")),
    }
    let health = runtime.iter().find(|(op, _)| op == "HEALTHCHECK").map(|(_, a)| a.clone()).unwrap_or_default();
    if !(health.contains("\"hme\"") && health.contains("\"health\"")) {
        errors.push(format!("no `HEALTHCHECK ... CMD [\"hme\", \"health\"]` (found `{health}`)"));
    }
    if !read("src/check.rs").contains("GET /healthz") {
        errors.push("`hme health` (src/check.rs) no longer probes GET /healthz".to_owned());
    }

    let mut env = BTreeMap::new();
    for (_, args) in runtime.iter().filter(|(op, _)| op == "ENV") {
        for pair in args.split_whitespace() {
            match pair.split_once('=') {
                Some((k, v)) => {
                    env.insert(k.to_owned(), v.trim_matches('"').to_owned());
                }
                None => errors.push(format!("ENV `{args}`: use the KEY=value form")),
            }
        }
    }
    let checked = check_env("Dockerfile", &env, &cargo_features());
    errors.extend(checked.errors);
    if let Some(s) = checked.settings {
        let exposed: Vec<u16> = runtime.iter().filter(|(op, _)| op == "EXPOSE").flat_map(|(_, a)| a.split_whitespace().filter_map(|p| p.split('/').next()?.parse().ok())).collect();
        if exposed != [s.server.port] {
            errors.push(format!("EXPOSE {exposed:?} is not the port the image listens on ({})", s.server.port));
        }
    }
    Image { env, errors }
}

#[test]
fn the_dockerfile_builds_one_feature_set_small_non_root_with_a_health_check() {
    let image = check(&read("Dockerfile"));
    assert_clean("Dockerfile", &image.errors);
    assert!(image.env.contains_key("PORT"), "{:?}", image.env);
}
