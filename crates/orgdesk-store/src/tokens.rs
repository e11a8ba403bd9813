//! API bearer tokens, stored only as hashes so a database leak yields no usable token.

use crate::sql;
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

/// The owner of a live (not revoked) token.
pub async fn owner<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<TokenOwner>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        agent_id: Option<i64>,
        user_id: Option<i64>,
    }
    let row: Option<Row> = sql::one(
        conn,
        "SELECT agent_id, user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        vec![token_hash.into()],
    )
    .await?;
    Ok(row.and_then(|row| match (row.agent_id, row.user_id) {
        (Some(agent), _) => Some(TokenOwner::Agent(AgentId(agent))),
        (None, Some(user)) => Some(TokenOwner::User(UserId(user))),
        (None, None) => None,
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
