//! `orgdesk agent …`: managing staff accounts from the server's own machine, with no
//! admin signed in (how a new install gets its first admin, and how a locked-out one
//! gets back in).

use crate::cli::{AgentCommand, DatabaseArgs, PasswordArg};
use crate::config::database_url;
use anyhow::Context;
use orgdesk_app::core::model::Agent;
use orgdesk_app::{AgentChanges, App, NewAgent, PageRequest};
use std::io::IsTerminal;

pub async fn run(command: AgentCommand) -> anyhow::Result<()> {
    match command {
        AgentCommand::Create {
            email,
            name,
            password,
            admin,
            database,
        } => {
            let password = password_from(password)?;
            let app = open(&database).await?;
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
                .await?;
            println!(
                "created {} {} <{}> (id {})",
                if agent.admin { "admin" } else { "agent" },
                agent.name,
                agent.email,
                agent.id
            );
            close(app).await
        }
        AgentCommand::List { database } => {
            let app = open(&database).await?;
            print_agents(&app).await?;
            close(app).await
        }
        AgentCommand::SetPassword {
            email,
            password,
            database,
        } => {
            let app = open(&database).await?;
            // Found before asking, so a mistyped address fails before the prompt.
            let agent = app.find_agent_by_email(&email).await?;
            let password = password_from(password)?;
            let changes = AgentChanges {
                password: Some(password),
                ..Default::default()
            };
            let agent = app.update_agent(None, agent.id, changes).await?;
            println!(
                "set the password of {} <{}>; their sessions have ended",
                agent.name, agent.email
            );
            close(app).await
        }
        AgentCommand::Disable { email, database } => switch(&database, &email, true).await,
        AgentCommand::Enable { email, database } => switch(&database, &email, false).await,
    }
}

async fn open(database: &DatabaseArgs) -> anyhow::Result<App> {
    let url = database_url(database.database.as_deref())?;
    App::open(&url)
        .await
        .with_context(|| format!("opening the database {url}"))
}

async fn close(app: App) -> anyhow::Result<()> {
    Ok(app.close().await?)
}

/// Disables (or enables) the agent with this email.
async fn switch(database: &DatabaseArgs, email: &str, disabled: bool) -> anyhow::Result<()> {
    let app = open(database).await?;
    let agent = app.find_agent_by_email(email).await?;
    let changes = AgentChanges {
        disabled: Some(disabled),
        ..Default::default()
    };
    let agent = app.update_agent(None, agent.id, changes).await?;
    if disabled {
        println!(
            "disabled {} <{}>; their sessions have ended",
            agent.name, agent.email
        );
    } else {
        println!("enabled {} <{}>", agent.name, agent.email);
    }
    close(app).await
}

async fn print_agents(app: &App) -> anyhow::Result<()> {
    let mut agents: Vec<Agent> = Vec::new();
    let mut page = PageRequest::first(500);
    loop {
        let found = app.list_agents(None, &page).await?;
        agents.extend(found.items);
        match found.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    if agents.is_empty() {
        println!("no agents yet; create the first admin with `orgdesk agent create --admin`");
        return Ok(());
    }
    let email_width = agents
        .iter()
        .map(|a| a.email.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let name_width = agents
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    println!(
        "{:>5}  {:email_width$}  {:name_width$}  ROLE   STATE",
        "ID", "EMAIL", "NAME"
    );
    for agent in agents {
        println!(
            "{:>5}  {:email_width$}  {:name_width$}  {:5}  {}",
            agent.id.0,
            agent.email,
            agent.name,
            if agent.admin { "admin" } else { "agent" },
            if agent.disabled {
                "disabled"
            } else {
                "enabled"
            },
        );
    }
    Ok(())
}

/// The password from `--password`/`ORGDESK_AGENT_PASSWORD`, or asked for twice at a
/// terminal (not echoed). Without a terminal and without the variable, says how.
fn password_from(given: PasswordArg) -> anyhow::Result<String> {
    if let Some(password) = given.password {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "no password given: set ORGDESK_AGENT_PASSWORD (or run this in a terminal to be asked)"
        );
    }
    let password = rpassword::prompt_password("Password (at least 8 characters): ")?;
    let again = rpassword::prompt_password("The same password again: ")?;
    if password != again {
        anyhow::bail!("the two passwords differ; nothing was changed");
    }
    Ok(password)
}
