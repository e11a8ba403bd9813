//! The command line: `serve`, `bench`, `agent …`.

use crate::config::database_url;
use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// Mark the agent app's session cookies Secure: set it when the site is served over
    /// HTTPS (directly or behind a TLS-terminating proxy).
    #[arg(long, env = "ORGDESK_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Where files attached to notes are kept: a folder, or `s3://bucket/prefix` for an
    /// S3-compatible store (configured by the AWS_* variables: AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL for a store other than
    /// Amazon's). Default: `blobs/` beside an SQLite database, else ./orgdesk-data/blobs.
    #[arg(long, env = "ORGDESK_BLOB_STORE")]
    pub blob_store: Option<String>,
    /// The largest file that may be attached, in MiB.
    #[arg(long, env = "ORGDESK_UPLOAD_LIMIT_MIB", default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub upload_limit_mib: u32,
    /// The SMTP server mail goes through: `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host:465` (TLS), or `smtp://host:25` (plain, for
    /// a relay on the same machine). Without it, mail goes to the outbox folder.
    #[arg(long, env = "ORGDESK_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// A folder that receives each mail as an `.eml` file instead of sending it.
    /// Default (without --smtp-url): `outbox/` beside an SQLite database, else
    /// ./orgdesk-data/outbox.
    #[arg(long, env = "ORGDESK_MAIL_OUTBOX")]
    pub mail_outbox: Option<std::path::PathBuf>,
    /// The sender of every mail, `Name <address>`; its domain also names the
    /// `Message-ID`s, which replies quote.
    #[arg(
        long,
        env = "ORGDESK_MAIL_FROM",
        default_value = "orgdesk <orgdesk@localhost>"
    )]
    pub mail_from: String,
    /// The address people reach this server at, for links in mail (e.g.
    /// `https://help.example.com`). Default: http:// and the --listen address.
    #[arg(long, env = "ORGDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the server: the agent app at /agent, the Help Center portal at /portal, and
    /// the REST API under /api/v1 with its documentation at /api/docs.
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
    /// Writes every organization or user to a CSV file (the bulk file's columns; see
    /// README).
    Export(ExportCommand),
    /// Creates and updates organizations or users from a CSV file: every row is checked
    /// first, and the file is applied whole or not at all (see README). Exit status 1
    /// when the file has problems (one line each on standard error), 2 on usage errors.
    Import(ImportCommand),
    /// Manages agents (staff accounts).
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
}

/// An end with a chosen exit status: 1 when the input had problems (already
/// reported), 2 when the command could not be used as given.
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    message: String,
}

impl Exit {
    pub fn problems(message: String) -> Self {
        Exit { code: 1, message }
    }

    pub fn usage(message: String) -> Self {
        Exit { code: 2, message }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// What a bulk file holds.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Records {
    /// external_id, name, parent, domains, summary, phone, email, website, address and
    /// field:KEY for each custom field.
    Organizations,
    /// external_id, name, email, organization, position, manager, usergroups.
    Users,
}

impl Records {
    pub fn kind(self) -> orgdesk_app::core::bulk::RecordKind {
        use orgdesk_app::core::bulk::RecordKind;
        match self {
            Records::Organizations => RecordKind::Organizations,
            Records::Users => RecordKind::Users,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportCommand {
    /// Organizations (in name order, with every custom field not retired) or users (in
    /// the order they were created).
    pub what: Records,
    /// Where to write; standard output when absent.
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
    /// Neutralise cells a spreadsheet would run as formulas (`=`, `+`, `-`, `@`) with a
    /// leading `'`. Leave it off for a file meant to be imported again.
    #[arg(long)]
    pub for_spreadsheet: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct ImportCommand {
    pub what: Records,
    /// The CSV file (UTF-8, a header row naming the columns).
    pub file: std::path::PathBuf,
    /// Check every row and report, without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// An agent's password: from the environment, or asked for at a terminal.
#[derive(Debug, Args)]
pub struct PasswordArg {
    /// At least 8 characters. Give it in the environment variable (a command-line
    /// value shows in `ps` and shell history); without either, it is asked for.
    #[arg(long, env = "ORGDESK_AGENT_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Creates an agent; how a new install gets its first admin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        password: PasswordArg,
        /// Make the agent an admin.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Lists every agent: id, email, name, admin, disabled.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Sets an agent's password (a forgotten one, say); their sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordArg,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Switches an agent off: their sessions end and they cannot sign in.
    Disable {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Switches a disabled agent back on.
    Enable {
        #[arg(long)]
        email: String,
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
        Command::Agent { command } => crate::agent_commands::run(command).await,
        Command::Export(command) => crate::export::run(command).await,
        Command::Import(command) => crate::import::run(command).await,
    }
}
