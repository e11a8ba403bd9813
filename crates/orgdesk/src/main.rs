//! orgdesk: the helpdesk built around customer organizations.

mod agent_commands;
mod bench;
mod cli;
mod config;
mod export;
mod import;
mod serve;
mod telemetry;

use clap::Parser;
use std::process::ExitCode;

/// Small blocks come and go on every request (rows, JSON, headers); mimalloc serves
/// them from per-thread pages where glibc's allocator took a tenth of a read's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init(cli.log_format);
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", readable_chain(&err));
            match err.downcast_ref::<cli::Exit>() {
                Some(exit) => ExitCode::from(exit.code),
                None => ExitCode::FAILURE,
            }
        }
    }
}

/// The error and its causes on one line, each said once: layers that wrap a cause
/// often repeat its text ("Connection Error: connection refused …"), so a message
/// that overlaps a deeper one gives way to it.
fn readable_chain(err: &anyhow::Error) -> String {
    let messages: Vec<String> = err.chain().map(ToString::to_string).collect();
    let kept: Vec<&str> = messages
        .iter()
        .enumerate()
        .filter(|(index, message)| {
            !messages[index + 1..].iter().any(|deeper| {
                message.contains(deeper.as_str()) || deeper.contains(message.as_str())
            })
        })
        .map(|(_, message)| message.as_str())
        .collect();
    kept.join(": ")
}

#[cfg(test)]
mod tests {
    use super::readable_chain;

    #[test]
    fn each_cause_is_said_once_and_the_root_cause_last() {
        let err = anyhow::anyhow!("connection refused at 127.0.0.1:1")
            .context("Connection Error: connection refused at 127.0.0.1:1")
            .context("storage failed")
            .context("internal error: storage failed")
            .context("opening the database postgres://x@127.0.0.1:1/db");
        assert_eq!(
            readable_chain(&err),
            "opening the database postgres://x@127.0.0.1:1/db: storage failed: connection refused at 127.0.0.1:1"
        );
    }
}
