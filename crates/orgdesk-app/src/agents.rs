//! Agents (staff accounts): created, listed, changed and switched off by admins.
//!
//! The helpdesk always keeps one enabled admin: demoting or disabling the last one is
//! refused, checked under a lock on every enabled admin so two admins demoting each
//! other at once cannot both succeed.

use crate::auth::{check_password, hash_password, require_admin};
use crate::errors::unique_or_internal;
use crate::locking::{Lockable, lock};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::model::{Agent, Page};
use orgdesk_core::{AgentId, EmailAddress, Entity, Error, PersonName, Result};
use orgdesk_store::dialect::UniqueKey;
use orgdesk_store::tokens::TokenOwner;
use orgdesk_store::{ConnectionTrait, agents, tokens};

pub struct NewAgent<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub admin: bool,
}

/// What an admin changes on an agent; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct AgentChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub admin: Option<bool>,
    pub disabled: Option<bool>,
    /// A new password: the agent's sessions end (every token is revoked).
    pub password: Option<String>,
}

/// Only admins manage agents; `None` is the command line, run by whoever holds the
/// server and its database.
/// How many agents [`App::agent_roster`] holds: more than any team this serves.
pub const AGENT_ROSTER_SIZE: u64 = 500;

fn require_admin_or_console(by: Option<&Agent>, action: &str) -> Result<()> {
    match by {
        Some(by) => require_admin(by, action),
        None => Ok(()),
    }
}

fn email_taken(email: &EmailAddress) -> Error {
    Error::EmailTaken {
        account: "agent",
        email: email.as_str().to_owned(),
    }
}

async fn require_agent<C: ConnectionTrait>(conn: &C, id: AgentId) -> Result<Agent> {
    agents::find(conn, id)
        .await?
        .ok_or_else(|| Error::not_found(Entity::Agent, id))
}

impl App {
    /// Creates an agent. `by` is the admin doing it; `None` is the command line, which
    /// is how a new install gets its first admin.
    pub async fn create_agent(&self, by: Option<&Agent>, new: NewAgent<'_>) -> Result<Agent> {
        require_admin_or_console(by, "create agents")?;
        let email = EmailAddress::parse(new.email)?;
        let name = PersonName::parse(new.name)?;
        check_password(new.password)?;
        let hash = hash_password(new.password).await?;
        let tx = self.store().begin_write().await?;
        if agents::credentials(&tx, email.key()).await?.is_some() {
            return Err(email_taken(&email));
        }
        let id = agents::insert(
            &tx,
            &agents::NewAgentRow {
                name: name.as_str(),
                email: email.as_str(),
                email_key: email.key(),
                password_hash: &hash,
                admin: new.admin,
                at: now_ms(),
            },
        )
        .await
        .map_err(|err| unique_or_internal(err, UniqueKey::AgentEmail, || email_taken(&email)))?;
        let agent = require_agent(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(agent)
    }

    /// Lists agents (admins, or the command line).
    pub async fn list_agents(&self, by: Option<&Agent>, page: &PageRequest) -> Result<Page<Agent>> {
        require_admin_or_console(by, "list agents")?;
        let limit = page.limit()?;
        let after = page.id_position("agents")?.unwrap_or(0);
        let agents = agents::list(self.store().reader(), after, limit + 1).await?;
        Ok(crate::cursor::page(agents, limit, "agents", |agent| {
            agent.id.0.to_string()
        }))
    }

    /// The team as any agent sees it (names on tickets, the assignee menu): the first
    /// [`AGENT_ROSTER_SIZE`] agents in the order they were added, disabled ones included
    /// (their past work still names them).
    pub async fn agent_roster(&self) -> Result<Vec<Agent>> {
        Ok(agents::list(self.store().reader(), 0, AGENT_ROSTER_SIZE).await?)
    }

    /// The agent with this email address (any letter case), for the command line.
    pub async fn find_agent_by_email(&self, email: &str) -> Result<Agent> {
        let email = EmailAddress::parse(email)?;
        let reader = &self.store().reads().await?;
        match agents::credentials(reader, email.key()).await? {
            Some(found) => require_agent(reader, found.id).await,
            None => Err(Error::not_found(Entity::Agent, email.as_str())),
        }
    }

    /// One agent: admins see any, other agents only themselves.
    pub async fn get_agent(&self, by: &Agent, id: AgentId) -> Result<Agent> {
        if by.id != id {
            require_admin(by, "see other agents")?;
        }
        require_agent(self.store().reader(), id).await
    }

    /// An admin (or the command line) changes an agent. Disabling or a new password
    /// ends the agent's sessions at once (their tokens are revoked, and a disabled
    /// agent's refused even if one was issued meanwhile); the agent's replies and
    /// history stay. The last enabled admin cannot be demoted or disabled.
    pub async fn update_agent(
        &self,
        by: Option<&Agent>,
        id: AgentId,
        changes: AgentChanges,
    ) -> Result<Agent> {
        require_admin_or_console(by, "change agents")?;
        let name = changes.name.as_deref().map(PersonName::parse).transpose()?;
        let password_hash = match changes.password.as_deref() {
            Some(password) => {
                check_password(password)?;
                Some(hash_password(password).await?)
            }
            None => None,
        };
        let email = changes
            .email
            .as_deref()
            .map(EmailAddress::parse)
            .transpose()?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let steps_down = changes.admin == Some(false) || changes.disabled == Some(true);
        let enabled_admins = if steps_down {
            agents::lock_enabled_admins(&tx).await?
        } else {
            Vec::new()
        };
        lock(&tx, Lockable::Agent, id.0).await?;
        let current = require_agent(&tx, id).await?;
        if steps_down && enabled_admins == [id] {
            return Err(Error::LastAdmin { name: current.name });
        }
        if let Some(email) = &email
            && let Some(other) = agents::credentials(&tx, email.key()).await?
            && other.id != id
        {
            return Err(email_taken(email));
        }
        let disabling = changes.disabled == Some(true) && !current.disabled;
        let update = agents::AgentUpdate {
            name: name.as_ref().map(PersonName::as_str),
            email: email.as_ref().map(|e| (e.as_str(), e.key())),
            admin: changes.admin,
            password_hash: password_hash.as_deref(),
            disabled_at: match changes.disabled {
                Some(true) if current.disabled => None,
                Some(true) => Some(Some(at)),
                Some(false) => Some(None),
                None => None,
            },
        };
        agents::update(&tx, id, &update).await.map_err(|err| {
            unique_or_internal(err, UniqueKey::AgentEmail, || match &email {
                Some(email) => email_taken(email),
                None => Error::internal("an agent update collided without a new email"),
            })
        })?;
        if disabling || password_hash.is_some() {
            tokens::revoke_all(&tx, TokenOwner::Agent(id), None, at).await?;
        }
        let agent = require_agent(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(agent)
    }
}
