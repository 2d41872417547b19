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
    /// Print every route: method, path, module, migration state.
    Routes {
        /// As JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the `rewrites()` block of next.config.js sending the routes in state hme to hme.
    NextjsRewrites {
        /// Where hme runs, as the Next.js server reaches it (e.g. `https://hme.example`).
        #[arg(long)]
        hme_url: String,
    },
    /// Print every setting: its key, the variables that set it, its default, its meaning.
    Settings {
        /// As the Markdown tables of migrations-docs/configuration.md.
        #[arg(long)]
        markdown: bool,
    },
    /// Validate the settings and reach every configured backend.
    CheckConfig,
    /// Exit 0 when the local server answers `/healthz` (for container health checks).
    Health,
    /// Create the collections' indexes (idempotent; also done at start).
    Migrate,
    /// Show or re-deliver the events consumers gave up on (dead letters).
    Dlq {
        /// list or replay.
        #[command(subcommand)]
        action: DlqAction,
    },
    /// Load data into the configured backend.
    #[cfg(feature = "products")]
    Seed {
        /// The demo catalog (idempotent).
        #[arg(long)]
        demo: bool,
    },
}

/// What `hme dlq` does.
#[derive(Debug, Subcommand)]
pub enum DlqAction {
    /// Print the dead letters (left in place): consumer, event id, type, attempts, error.
    List {
        /// Only this consumer's.
        #[arg(long)]
        consumer: Option<String>,
        /// As JSON (with the bodies) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Re-deliver dead letters to their consumer with fresh attempts.
    Replay {
        /// Only this consumer's (default: every consumer's).
        #[arg(long)]
        consumer: Option<String>,
        /// Only the event with this id.
        #[arg(long)]
        id: Option<String>,
    },
}

/// Runs the parsed command line.
pub async fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let config_dir = cli.config_dir.clone().unwrap_or_else(default_config_dir);
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::Openapi => {
            println!("{}", crate::openapi::document_json());
            return Ok(ExitCode::SUCCESS);
        }
        Command::Routes { json } => {
            crate::route_table::print_routes(&config_dir, json)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::NextjsRewrites { hme_url } => {
            crate::route_table::print_rewrites(&config_dir, &hme_url)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Settings { markdown } => {
            let defaults = crate::settings_reference::defaults(&config_dir)?;
            let reference = if markdown { crate::settings_reference::markdown(&defaults) } else { crate::settings_reference::text(&defaults) };
            print!("{reference}");
            return Ok(ExitCode::SUCCESS);
        }
        Command::CheckConfig => return Ok(crate::check::run(&config_dir).await),
        _ => {}
    }
    let settings = Settings::load(&config_dir).map_err(|e| anyhow::anyhow!("bad configuration: {e}"))?;
    // Kept to the end of `run`: dropping it flushes the spans still buffered.
    let _telemetry = if matches!(command, Command::Health) {
        crate::telemetry::TelemetryGuard::default()
    } else {
        crate::telemetry::init(&settings.log.format, &settings.log.level)
    };
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
            let inserted = crate::seed::seed_demo(&modules).await?;
            println!("demo catalog: {inserted} products inserted");
        }
        Command::Dlq { action } => return dlq(&settings, action).await,
        Command::Openapi | Command::Routes { .. } | Command::NextjsRewrites { .. } | Command::Settings { .. } | Command::CheckConfig => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// `hme dlq list|replay` on the configured bus (embedded: run it while the server is
/// stopped; the replayed deliveries go at the next start).
async fn dlq(settings: &Settings, action: DlqAction) -> anyhow::Result<ExitCode> {
    let infrastructure = crate::infrastructure::connect(settings, crate::modules::consumers()).await?;
    let bus = &infrastructure.platform.events;
    let only = |wanted: &Option<String>| -> Vec<String> {
        match wanted {
            Some(c) => vec![c.clone()],
            None => crate::modules::consumers().into_iter().map(|(name, _)| name).collect(),
        }
    };
    match action {
        DlqAction::List { consumer, json } => {
            let letters = bus.dead_letters_of(&only(&consumer)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&letters)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{:<22} {:<37} {:<22} {:>8}  ERROR", "CONSUMER", "EVENT ID", "TYPE", "ATTEMPTS");
            for l in &letters {
                let (id, ty) = (l.event_id.as_deref().unwrap_or("-"), l.event_type.as_deref().unwrap_or("-"));
                println!("{:<22} {id:<37} {ty:<22} {:>8}  {}", l.consumer, l.attempts, l.error);
            }
        }
        DlqAction::Replay { consumer, id } => {
            let mut total = 0;
            for c in only(&consumer) {
                total += bus.replay(&c, id.as_deref()).await?;
            }
            println!("replayed {total} dead letter(s)");
            if total == 0 && id.is_some() {
                eprintln!("hme: no dead letter has that id");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
