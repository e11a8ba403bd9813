//! Agents, sign-in and API tokens.
//!
//! Passwords are hashed with Argon2id (default parameters). Tokens are 32 random bytes;
//! only their SHA-256 is stored, so the token table is useless to whoever reads it.

use crate::errors::{internal, unique_or_internal};
use crate::{App, PageRequest, now_ms};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgdesk_core::model::{Actor, Agent, Page, User};
use orgdesk_core::{AgentId, EmailAddress, Entity, Error, PersonName, Result, UserId};
use orgdesk_store::dialect::UniqueKey;
use orgdesk_store::tokens::{Holder, TokenOwner};
use orgdesk_store::{agents, tokens, users};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// Who is calling: a signed-in agent or end user.
#[derive(Debug, Clone)]
pub enum Principal {
    Agent(Agent),
    User(User),
}

impl Principal {
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Agent(agent) => agent.actor(),
            Principal::User(user) => user.actor(),
        }
    }
}

pub struct NewAgent<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub admin: bool,
}

pub(crate) fn check_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(Error::validation(
            "password",
            format!("must be at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(Error::validation(
            "password",
            format!("must be at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Checks and hashes a password when one is given.
pub(crate) async fn hash_new_password(password: Option<&str>) -> Result<Option<String>> {
    match password {
        Some(password) => {
            check_password(password)?;
            Ok(Some(hash_password(password).await?))
        }
        None => Ok(None),
    }
}

/// Hashes off the async runtime: Argon2 is deliberately slow.
pub(crate) async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| Error::Internal(format!("password hashing failed: {err}")))
    })
    .await
    .map_err(|err| Error::Internal(format!("password hashing task failed: {err}")))?
}

/// Verifies a password against a stored hash; with no hash, spends the same effort on a
/// dummy so response times do not reveal which emails have accounts.
async fn verify_password(password: &str, stored: Option<String>) -> Result<bool> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let argon2 = Argon2::default();
        match stored {
            Some(stored) => {
                let parsed = PasswordHash::new(&stored).map_err(|err| {
                    Error::Internal(format!("stored password hash unreadable: {err}"))
                })?;
                Ok(argon2.verify_password(password.as_bytes(), &parsed).is_ok())
            }
            None => {
                let _ = argon2.hash_password(password.as_bytes());
                Ok(false)
            }
        }
    })
    .await
    .map_err(|err| Error::Internal(format!("password check task failed: {err}")))?
}

pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The account an email names, as stored: `None` when it cannot be an email address,
/// so input such as a NUL byte never reaches the database.
fn account_key(email: &str) -> Option<String> {
    EmailAddress::parse(email).map(|e| e.key().to_owned()).ok()
}

/// What sign-in attempts are counted under: the account, or the input as given when it
/// names none (so garbage is throttled too).
fn throttle_key(kind: &str, email: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{kind}:{key}"),
        None => format!("{kind}:{}", email.trim().to_lowercase()),
    }
}

/// Refuses a non-admin agent: "only admins can {what}".
pub(crate) fn require_admin(by: &Agent, what: &str) -> Result<()> {
    if by.admin {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("only admins can {what}")))
    }
}

fn bad_credentials() -> Error {
    Error::Unauthenticated("the email or password is not right".into())
}

impl App {
    /// Creates an agent. `by` is the admin doing it; `None` is the command line, which
    /// is how a new install gets its first admin.
    pub async fn create_agent(&self, by: Option<&Agent>, new: NewAgent<'_>) -> Result<Agent> {
        if let Some(by) = by {
            require_admin(by, "create agents")?;
        }
        let email = EmailAddress::parse(new.email)?;
        let name = PersonName::parse(new.name)?;
        check_password(new.password)?;
        let hash = hash_password(new.password).await?;
        let tx = self.store.begin_write().await.map_err(internal)?;
        let taken = || Error::EmailTaken {
            account: "agent",
            email: email.as_str().to_owned(),
        };
        if agents::credentials(&tx, email.key())
            .await
            .map_err(internal)?
            .is_some()
        {
            return Err(taken());
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
        .map_err(|err| unique_or_internal(err, UniqueKey::AgentEmail, taken))?;
        let agent = agents::find(&tx, id)
            .await
            .map_err(internal)?
            .ok_or_else(|| Error::not_found(Entity::Agent, id))?;
        tx.commit().await.map_err(internal)?;
        Ok(agent)
    }

    /// Lists agents (admins only).
    pub async fn list_agents(&self, by: &Agent, page: &PageRequest) -> Result<Page<Agent>> {
        require_admin(by, "list agents")?;
        let limit = page.limit()?;
        let after = page.id_position()?.unwrap_or(0);
        let agents = agents::list(self.store.reader(), after, limit + 1)
            .await
            .map_err(internal)?;
        Ok(crate::cursor::page(agents, limit, |agent| {
            agent.id.0.to_string()
        }))
    }

    /// Exchanges an agent's email and password for a new API token.
    pub async fn issue_agent_token(&self, email: &str, password: &str) -> Result<String> {
        let key = account_key(email);
        self.sign_in
            .attempt(throttle_key("agent", email, key.as_deref()))?;
        let found = match &key {
            Some(key) => agents::credentials(self.store.reader(), key)
                .await
                .map_err(internal)?,
            None => None,
        };
        let (id, hash) = match found {
            Some((id, hash)) => (Some(id), Some(hash)),
            None => (None, None),
        };
        if !verify_password(password, hash).await? {
            return Err(bad_credentials());
        }
        let id = id.ok_or_else(bad_credentials)?;
        self.store_token(TokenOwner::Agent(id)).await
    }

    /// Exchanges an end user's email and password for a new portal token.
    pub async fn issue_user_token(&self, email: &str, password: &str) -> Result<String> {
        let id = self
            .user_with_password(email, password)
            .await?
            .ok_or_else(bad_credentials)?;
        self.store_token(TokenOwner::User(id)).await
    }

    /// The end user whose email and password these are, or `None`. Every try counts
    /// against the account's sign-in allowance (429 once it is spent), whether it signs
    /// in or confirms a password change.
    pub(crate) async fn user_with_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<UserId>> {
        let key = account_key(email);
        self.sign_in
            .attempt(throttle_key("user", email, key.as_deref()))?;
        let found = match &key {
            Some(key) => users::credentials(self.store.reader(), key)
                .await
                .map_err(internal)?,
            None => None,
        };
        let (id, hash) = match found {
            Some((id, hash)) => (Some(id), hash),
            None => (None, None),
        };
        Ok(if verify_password(password, hash).await? {
            id
        } else {
            None
        })
    }

    async fn store_token(&self, owner: TokenOwner) -> Result<String> {
        let token = new_token();
        let tx = self.store.begin_write().await.map_err(internal)?;
        tokens::insert(&tx, &token_hash(&token), owner, now_ms())
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(token)
    }

    /// Who a bearer token belongs to; unknown and revoked tokens are refused alike.
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let refused =
            || Error::Unauthenticated("the token is not valid (it may have been revoked)".into());
        let reader = self.store.reader();
        match tokens::holder(reader, &token_hash(token))
            .await
            .map_err(internal)?
        {
            Some(Holder::Agent(agent)) => Ok(Principal::Agent(agent)),
            Some(Holder::User(id)) => Ok(Principal::User(
                users::find(reader, id)
                    .await
                    .map_err(internal)?
                    .ok_or_else(refused)?,
            )),
            None => Err(refused()),
        }
    }

    /// Revokes a token so it can never be used again.
    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        let tx = self.store.begin_write().await.map_err(internal)?;
        let revoked = tokens::revoke(&tx, &token_hash(token), now_ms())
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        if revoked {
            Ok(())
        } else {
            Err(Error::Unauthenticated("the token is not valid".into()))
        }
    }

    pub async fn get_agent(&self, id: AgentId) -> Result<Agent> {
        agents::find(self.store.reader(), id)
            .await
            .map_err(internal)?
            .ok_or_else(|| Error::not_found(Entity::Agent, id))
    }
}
