//! The command line: `serve`, `agent create`.

use crate::config::database_url;
use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use orgdesk_app::{App, NewAgent};
use std::net::SocketAddr;

#[derive(Debug, Parser)]
#[command(
    name = "orgdesk",
    version,
    about = "The helpdesk built around customer organizations"
)]
pub struct Cli {
    /// Log lines as human-readable text or as JSON objects.
    #[arg(long, global = true, env = "ORGDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`; default: an SQLite file in ./orgdesk-data/.
    #[arg(long = "database", env = "ORGDESK_DATABASE_URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeSettings {
    /// Days a token (agent or portal) stays valid after its last use.
    #[arg(long, env = "ORGDESK_TOKEN_LIFETIME_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub token_lifetime_days: u32,
    /// Reverse proxies whose X-Forwarded-For header names the client (comma-separated
    /// addresses); sign-in throttling then counts the client's address, not the proxy's.
    #[arg(
        long = "trusted-proxy",
        env = "ORGDESK_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the server: the API, the agent app and the portal.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ORGDESK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        settings: ServeSettings,
    },
    /// Generates a large data set and prints performance figures (see BENCHMARKS.md).
    Bench(crate::bench::BenchArgs),
    /// Manages agents (staff accounts).
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Creates an agent; how a new install gets its first admin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// At least 8 characters. Prefer the environment variable to keep it out of shell history.
        #[arg(long, env = "ORGDESK_AGENT_PASSWORD", hide_env_values = true)]
        password: String,
        /// Make the agent an admin.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            database,
            settings,
        } => {
            crate::serve::serve(
                listen,
                &database_url(database.database.as_deref())?,
                settings,
            )
            .await
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::Agent {
            command:
                AgentCommand::Create {
                    email,
                    name,
                    password,
                    admin,
                    database,
                },
        } => {
            let url = database_url(database.database.as_deref())?;
            let app = App::open(&url)
                .await
                .with_context(|| format!("opening the database {url}"))?;
            let agent = app
                .create_agent(
                    None,
                    NewAgent {
                        email: &email,
                        name: &name,
                        password: &password,
                        admin,
                    },
                )
                .await
                .map_err(|err| anyhow::anyhow!("{err}"))?;
            println!(
                "created {} {} <{}> (id {})",
                if agent.admin { "admin" } else { "agent" },
                agent.name,
                agent.email,
                agent.id
            );
            app.close().await.map_err(|err| anyhow::anyhow!("{err}"))?;
            Ok(())
        }
    }
}
