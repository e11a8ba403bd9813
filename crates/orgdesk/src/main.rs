//! orgdesk: the helpdesk built around customer organizations.

mod bench;
mod cli;
mod config;
mod serve;
mod telemetry;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    telemetry::init(cli.log_format);
    cli::run(cli).await
}
