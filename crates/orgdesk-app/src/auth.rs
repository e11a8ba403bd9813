//! Passwords, sign-in and API tokens.
//!
//! Passwords are hashed with Argon2id (default parameters). Tokens are 32 random bytes;
//! only their SHA-256 is stored, so the token table is useless to whoever reads it.
//! A token lives for the configured lifetime after its last use: each use moves its
//! expiry forward, written at most once a minute so requests stay reads.

use crate::{App, now_ms};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgdesk_core::model::{Actor, Agent, User};
use orgdesk_core::{EmailAddress, Error, Result, UserId};
use orgdesk_store::tokens::{Credentials, Holder, TokenOwner};
use orgdesk_store::{agents, tokens, users};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

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

/// A new token and when it expires unless used (ms since the epoch).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: i64,
}

/// Who signs in where: agents in the agent app and API, end users in the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountKind {
    Agent,
    User,
}

impl AccountKind {
    fn name(self) -> &'static str {
        match self {
            AccountKind::Agent => "agent",
            AccountKind::User => "user",
        }
    }
}

/// A token's expiry moves forward at most this often (ms).
const EXTEND_AT_MOST_EVERY_MS: i64 = 60_000;

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
            .map_err(|err| Error::internal(format!("password hashing failed: {err}")))
    })
    .await
    .map_err(|err| Error::internal_from("password hashing task failed", err))?
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
                    Error::internal(format!("stored password hash unreadable: {err}"))
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
    .map_err(|err| Error::internal_from("password check task failed", err))?
}

pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    hex::encode(digest)
}

pub(crate) fn new_token() -> String {
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
fn throttle_key(kind: AccountKind, email: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{}:{key}", kind.name()),
        None => format!("{}:{}", kind.name(), email.trim().to_lowercase()),
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

fn refused_token() -> Error {
    Error::Unauthenticated("the token is not valid (it may have been revoked)".into())
}

impl App {
    /// The token lifetime in milliseconds.
    fn token_lifetime_ms(&self) -> i64 {
        crate::millis(self.settings().token_lifetime)
    }

    /// Exchanges an agent's email and password for a new API token.
    pub async fn issue_agent_token(
        &self,
        email: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<IssuedToken> {
        self.issue_token(AccountKind::Agent, email, password, from)
            .await
    }

    /// Exchanges an end user's email and password for a new portal token.
    pub async fn issue_user_token(
        &self,
        email: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<IssuedToken> {
        self.issue_token(AccountKind::User, email, password, from)
            .await
    }

    async fn issue_token(
        &self,
        kind: AccountKind,
        email: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<IssuedToken> {
        let owner = self
            .signing_in(kind, email, password, from)
            .await?
            .ok_or_else(bad_credentials)?;
        self.store_token(owner).await
    }

    /// The end user whose email and password these are, or `None` (used to confirm a
    /// password change, and counted like a sign-in).
    pub(crate) async fn user_with_password(
        &self,
        email: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<Option<UserId>> {
        Ok(
            match self
                .signing_in(AccountKind::User, email, password, from)
                .await?
            {
                Some(TokenOwner::User(id)) => Some(id),
                _ => None,
            },
        )
    }

    /// The account whose email and password these are, or `None`. Every try counts
    /// against the throttle (429 once spent). A disabled account with the right
    /// password is told so (401 `account_disabled`); with a wrong one it learns nothing.
    async fn signing_in(
        &self,
        kind: AccountKind,
        email: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<Option<TokenOwner>> {
        let key = account_key(email);
        self.throttle()
            .sign_in(throttle_key(kind, email, key.as_deref()), from)?;
        let reader = self.store().reader();
        let found: Option<Credentials<TokenOwner>> = match (&key, kind) {
            (None, _) => None,
            (Some(key), AccountKind::Agent) => agents::credentials(reader, key)
                .await?
                .map(|c| c.map_id(TokenOwner::Agent)),
            (Some(key), AccountKind::User) => users::credentials(reader, key)
                .await?
                .map(|c| c.map_id(TokenOwner::User)),
        };
        let Some(found) = found else {
            verify_password(password, None).await?;
            return Ok(None);
        };
        if !verify_password(password, found.password_hash).await? {
            return Ok(None);
        }
        if found.disabled {
            return Err(Error::AccountDisabled {
                account: kind.name(),
            });
        }
        Ok(Some(found.id))
    }

    async fn store_token(&self, owner: TokenOwner) -> Result<IssuedToken> {
        let token = new_token();
        let at = now_ms();
        let expires_at = at.saturating_add(self.token_lifetime_ms());
        let tx = self.store().begin_write().await?;
        tokens::insert(&tx, &token_hash(&token), owner, at, expires_at).await?;
        orgdesk_store::commit(tx).await?;
        Ok(IssuedToken { token, expires_at })
    }

    /// Who a bearer token belongs to. Unknown and revoked tokens are refused alike;
    /// expired tokens and disabled accounts each with their own code. A use moves the
    /// token's expiry forward (written at most once a minute).
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let hash = token_hash(token);
        // One statement for an agent's token, so no transaction of its own: inside a
        // web request it joins the request's snapshot (`one_snapshot`), which the
        // use case's reads then share.
        let reader = self.store().reader();
        let live = tokens::holder(reader, &hash)
            .await?
            .ok_or_else(refused_token)?;
        let now = now_ms();
        if live.expires_at <= now {
            return Err(Error::TokenExpired);
        }
        if live.disabled {
            let account = match live.holder {
                Holder::Agent(_) => AccountKind::Agent,
                Holder::User(_) => AccountKind::User,
            };
            return Err(Error::AccountDisabled {
                account: account.name(),
            });
        }
        let principal = match live.holder {
            Holder::Agent(agent) => Principal::Agent(agent),
            Holder::User(id) => {
                Principal::User(users::find(reader, id).await?.ok_or_else(refused_token)?)
            }
        };
        let expires_at = now.saturating_add(self.token_lifetime_ms());
        if live.expires_at < expires_at - EXTEND_AT_MOST_EVERY_MS {
            self.extend_token(&hash, expires_at).await?;
        }
        Ok(principal)
    }

    async fn extend_token(&self, hash: &str, expires_at: i64) -> Result<()> {
        let tx = self.store().begin_write().await?;
        tokens::extend(&tx, hash, expires_at, EXTEND_AT_MOST_EVERY_MS).await?;
        Ok(orgdesk_store::commit(tx).await?)
    }

    /// Revokes a token so it can never be used again.
    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        let tx = self.store().begin_write().await?;
        let revoked = tokens::revoke(&tx, &token_hash(token), now_ms()).await?;
        orgdesk_store::commit(tx).await?;
        if revoked {
            Ok(())
        } else {
            Err(Error::Unauthenticated("the token is not valid".into()))
        }
    }
}
