//! The command line (clap).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::configuration::{default_config_dir, Settings};
use crate::startup::{Application, Mode};

/// hme: the HMElectronics backend.
#[derive(Debug, Parser)]
#[command(name = "hme", version, about)]
pub struct Cli {
    /// Folder holding default.toml and <HME_ENV>.toml.
    #[arg(long, global = true, env = "HME_CONFIG_DIR")]
    pub config_dir: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (and, with the worker compiled in, consume events).
    Serve,
    /// Consume events only; HTTP serves the health probes.
    Worker,
    /// Print the OpenAPI JSON of the compiled modules.
    Openapi,
    /// Print every route: method, path, module.
    Routes {
        /// As JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Validate the settings and reach every configured backend.
    CheckConfig,
    /// Exit 0 when the local server answers `/healthz` (for container health checks).
    Health,
    /// Create the collections' indexes (idempotent; also done at start).
    Migrate,
    /// Load data into the configured backend.
    #[cfg(feature = "products")]
    Seed {
        /// The demo catalog (idempotent).
        #[arg(long)]
        demo: bool,
    },
}

/// Runs the parsed command line.
pub async fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let config_dir = cli.config_dir.clone().unwrap_or_else(default_config_dir);
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::Openapi => {
            println!("{}", crate::openapi::document().to_pretty_json()?);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Routes { json } => {
            print_routes(json)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::CheckConfig => return Ok(crate::check::run(&config_dir).await),
        _ => {}
    }
    let settings = Settings::load(&config_dir).map_err(|e| anyhow::anyhow!("bad configuration: {e}"))?;
    if !matches!(command, Command::Health) {
        crate::telemetry::init(&settings.log.format, &settings.log.level);
    }
    match command {
        Command::Serve => Application::build(settings, Mode::Serve).await?.run_until_stopped().await?,
        Command::Worker => Application::build(settings, Mode::Worker).await?.run_until_stopped().await?,
        Command::Health => return Ok(crate::check::health(settings.server.port)),
        Command::Migrate => {
            crate::startup::connect_and_build(&settings).await?;
            println!("indexes ensured for: {}", crate::modules::compiled().join(", "));
        }
        #[cfg(feature = "products")]
        Command::Seed { demo } => {
            if !demo {
                anyhow::bail!("say what to seed: `hme seed --demo`");
            }
            let (_, modules) = crate::startup::connect_and_build(&settings).await?;
            let inserted = modules.products.seed_demo().await.map_err(|e| anyhow::anyhow!("seed: {e}"))?;
            println!("demo catalog: {inserted} products inserted");
        }
        Command::Openapi | Command::Routes { .. } | Command::CheckConfig => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn print_routes(json: bool) -> anyhow::Result<()> {
    let routes = crate::openapi::routes();
    if json {
        println!("{}", serde_json::to_string_pretty(&routes)?);
        return Ok(());
    }
    println!("{:<7} {:<40} MODULE", "METHOD", "PATH");
    for r in routes {
        println!("{:<7} {:<40} {}", r.method, r.path, r.module);
    }
    Ok(())
}
