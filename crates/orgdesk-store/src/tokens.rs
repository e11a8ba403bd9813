//! API bearer tokens, stored only as hashes so a database leak yields no usable token.

use crate::sql;
use orgdesk_core::model::Agent;
use orgdesk_core::{AgentId, UserId};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

/// Whose token it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOwner {
    Agent(AgentId),
    User(UserId),
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    owner: TokenOwner,
    at: i64,
) -> Result<(), DbErr> {
    let (agent, user) = match owner {
        TokenOwner::Agent(id) => (Some(id.0), None),
        TokenOwner::User(id) => (None, Some(id.0)),
    };
    sql::execute(
        conn,
        "INSERT INTO api_tokens (token_hash, agent_id, user_id, created_at) VALUES ($1, $2, $3, $4)",
        vec![token_hash.into(), agent.into(), user.into(), at.into()],
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

pub async fn holder<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<Holder>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        user_id: Option<i64>,
        agent_id: Option<i64>,
        name: Option<String>,
        email: Option<String>,
        admin: Option<bool>,
        created_at: Option<i64>,
    }
    let row: Option<Row> = sql::one(
        conn,
        "SELECT t.user_id, a.id AS agent_id, a.name, a.email, a.admin, a.created_at \
         FROM api_tokens t LEFT JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        vec![token_hash.into()],
    )
    .await?;
    Ok(row.and_then(|row| {
        match (
            row.agent_id,
            row.name,
            row.email,
            row.admin,
            row.created_at,
            row.user_id,
        ) {
            (Some(id), Some(name), Some(email), Some(admin), Some(created_at), _) => {
                Some(Holder::Agent(Agent {
                    id: AgentId(id),
                    name,
                    email,
                    admin,
                    created_at,
                }))
            }
            (None, .., Some(user)) => Some(Holder::User(UserId(user))),
            _ => None,
        }
    }))
}

pub async fn revoke<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    at: i64,
) -> Result<bool, DbErr> {
    let rows = sql::execute(
        conn,
        "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        vec![at.into(), token_hash.into()],
    )
    .await?;
    Ok(rows == 1)
}

/// Revokes every live token of the user, except the one hashed as `keep` (the token a
/// password change was made with). Returns how many were revoked.
pub async fn revoke_user_tokens<C: ConnectionTrait>(
    conn: &C,
    user: UserId,
    keep: Option<&str>,
    at: i64,
) -> Result<u64, DbErr> {
    sql::execute(
        conn,
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
        vec![at.into(), user.0.into(), keep.unwrap_or("").into()],
    )
    .await
}
