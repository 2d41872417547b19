//! The `routes` and `nextjs-rewrites` commands (no backend needed).

use std::path::Path;

use serde::Serialize;

use hme_migration::manifest::{self, RouteState};
use hme_migration::MigrationSettings;

use crate::configuration::Settings;

/// One line of `hme routes`.
#[derive(Debug, Serialize)]
pub struct RouteRow {
    /// `GET`, `POST`...
    pub method: String,
    /// The path pattern.
    pub path: String,
    /// The module serving it in this build; `nextjs` for a legacy route this build lacks.
    pub module: String,
    /// `hme`, `shadow` or `legacy`.
    pub state: RouteState,
    /// For legacy routes, the hme module that owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

fn migration_settings(config_dir: &Path) -> MigrationSettings {
    match Settings::load(config_dir) {
        Ok(s) => {
            if let Err(e) = manifest::validate(&s.migration) {
                eprintln!("warning: {e}");
            }
            s.migration
        }
        Err(e) => {
            eprintln!("warning: settings not loaded ({e}); showing the default route states");
            MigrationSettings::default()
        }
    }
}

/// Every route of the build with its state, then the legacy routes it does not serve.
pub fn rows(settings: &MigrationSettings) -> Vec<RouteRow> {
    let manifest = manifest::manifest_of_build(settings, &crate::openapi::served_routes());
    let mut rows: Vec<RouteRow> = crate::openapi::routes()
        .into_iter()
        .map(|r| {
            let entry = manifest.iter().find(|e| e.method == r.method && e.path == r.path);
            RouteRow { state: entry.map_or(RouteState::Hme, |e| e.state), owner: entry.map(|e| e.module.to_owned()), method: r.method, path: r.path, module: r.module }
        })
        .collect();
    rows.extend(manifest.iter().filter(|e| !e.served).map(|e| RouteRow {
        method: e.method.to_owned(),
        path: e.path.to_owned(),
        module: "nextjs".to_owned(),
        state: e.state,
        owner: Some(e.module.to_owned()),
    }));
    rows
}

/// `hme routes [--json]`.
pub fn print_routes(config_dir: &Path, json: bool) -> anyhow::Result<()> {
    let rows = rows(&migration_settings(config_dir));
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("{:<7} {:<40} {:<9} {:<7} OWNER", "METHOD", "PATH", "MODULE", "STATE");
    for r in rows {
        println!("{:<7} {:<40} {:<9} {:<7} {}", r.method, r.path, r.module, r.state.to_string(), r.owner.as_deref().unwrap_or("-"));
    }
    Ok(())
}

/// `hme nextjs-rewrites --hme-url URL`.
pub fn print_rewrites(config_dir: &Path, hme_url: &str) -> anyhow::Result<()> {
    let url = url::Url::parse(hme_url).map_err(|e| anyhow::anyhow!("--hme-url: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        anyhow::bail!("--hme-url: expected an http(s) URL");
    }
    let manifest = manifest::manifest_of_build(&migration_settings(config_dir), &crate::openapi::served_routes());
    print!("{}", hme_migration::rewrites::render(&manifest, hme_url));
    print!("{}", hme_migration::rewrites::render_images(&url));
    Ok(())
}
