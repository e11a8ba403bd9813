//! API bearer tokens, stored only as hashes so a database leak yields no usable token,
//! and the credentials they are exchanged for.

use crate::error::StoreError;
use crate::sql;
use orgdesk_core::model::Agent;
use orgdesk_core::{AgentId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// Whose token it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOwner {
    Agent(AgentId),
    User(UserId),
}

impl TokenOwner {
    fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            TokenOwner::Agent(id) => (Some(id.0), None),
            TokenOwner::User(id) => (None, Some(id.0)),
        }
    }
}

/// What signing in checks: the account, its password hash (users may have none) and
/// whether an admin switched it off.
#[derive(Debug, Clone)]
pub struct Credentials<Id> {
    pub id: Id,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

impl<Id> Credentials<Id> {
    /// The same credentials under another kind of id.
    pub fn map_id<Other>(self, id: impl FnOnce(Id) -> Other) -> Credentials<Other> {
        Credentials {
            id: id(self.id),
            password_hash: self.password_hash,
            disabled: self.disabled,
        }
    }
}

#[derive(FromQueryResult)]
pub(crate) struct CredentialsRow {
    id: i64,
    password_hash: Option<String>,
    disabled_at: Option<i64>,
}

impl CredentialsRow {
    pub(crate) fn into_credentials<Id>(self, id: impl FnOnce(i64) -> Id) -> Credentials<Id> {
        Credentials {
            id: id(self.id),
            password_hash: self.password_hash,
            disabled: self.disabled_at.is_some(),
        }
    }
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    owner: TokenOwner,
    at: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    let (agent, user) = owner.columns();
    sql::execute(
        conn,
        "INSERT INTO api_tokens (token_hash, agent_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        vec![token_hash.into(), agent.into(), user.into(), at.into(), expires_at.into()],
    )
    .await?;
    Ok(())
}

/// Whose live (not revoked) token this is. An agent comes back whole from the same
/// query, since agents' tokens are checked on every API request.
#[derive(Debug, Clone)]
pub enum Holder {
    Agent(Agent),
    User(UserId),
}

/// A live token: whose it is, until when, and whether its account is switched off.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub holder: Holder,
    pub expires_at: i64,
    pub disabled: bool,
}

pub async fn holder<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<LiveToken>, StoreError> {
    #[derive(FromQueryResult)]
    struct Row {
        user_id: Option<i64>,
        user_disabled_at: Option<i64>,
        agent_id: Option<i64>,
        name: Option<String>,
        email: Option<String>,
        admin: Option<bool>,
        agent_disabled_at: Option<i64>,
        created_at: Option<i64>,
        expires_at: i64,
    }
    let row: Option<Row> = sql::one(
        conn,
        "SELECT u.id AS user_id, u.disabled_at AS user_disabled_at, \
         a.id AS agent_id, a.name, a.email, a.admin, a.disabled_at AS agent_disabled_at, a.created_at, t.expires_at \
         FROM api_tokens t LEFT JOIN agents a ON a.id = t.agent_id LEFT JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        vec![token_hash.into()],
    )
    .await?;
    Ok(row.and_then(|row| {
        let expires_at = row.expires_at;
        match row {
            Row {
                agent_id: Some(id),
                name: Some(name),
                email: Some(email),
                admin: Some(admin),
                agent_disabled_at,
                created_at: Some(created_at),
                ..
            } => {
                let disabled = agent_disabled_at.is_some();
                Some(LiveToken {
                    holder: Holder::Agent(Agent {
                        id: AgentId(id),
                        name,
                        email,
                        admin,
                        disabled,
                        created_at,
                    }),
                    expires_at,
                    disabled,
                })
            }
            Row {
                agent_id: None,
                user_id: Some(user),
                user_disabled_at,
                ..
            } => Some(LiveToken {
                holder: Holder::User(UserId(user)),
                expires_at,
                disabled: user_disabled_at.is_some(),
            }),
            _ => None,
        }
    }))
}

/// Moves a token's expiry to `expires_at`, unless it was moved less than `min_step` ms
/// ago (so a busy client causes one write a minute, not one a request).
pub async fn extend<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    expires_at: i64,
    min_step: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE api_tokens SET expires_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at < $3",
        vec![expires_at.into(), token_hash.into(), (expires_at - min_step).into()],
    )
    .await?;
    Ok(())
}

pub async fn revoke<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        vec![at.into(), token_hash.into()],
    )
    .await?;
    Ok(rows == 1)
}

/// Revokes every live token of an account, except the one hashed as `keep` (the token
/// a password change was made with). Returns how many were revoked.
pub async fn revoke_all<C: ConnectionTrait>(
    conn: &C,
    owner: TokenOwner,
    keep: Option<&str>,
    at: i64,
) -> Result<u64, StoreError> {
    let (column, id) = match owner {
        TokenOwner::Agent(id) => ("agent_id", id.0),
        TokenOwner::User(id) => ("user_id", id.0),
    };
    sql::execute(
        conn,
        &format!(
            "UPDATE api_tokens SET revoked_at = $1 WHERE {column} = $2 AND revoked_at IS NULL AND token_hash <> $3"
        ),
        vec![at.into(), id.into(), keep.unwrap_or("").into()],
    )
    .await
}
