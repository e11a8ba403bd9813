//! Links that act for an account once (an invitation's "set your password"): stored as
//! a hash of their secret, with when they stop working and when they were used.

use crate::error::StoreError;
use crate::sql;
use orgdesk_core::UserId;
use sea_orm::{ConnectionTrait, FromQueryResult};

/// A link as stored.
#[derive(Debug, Clone, FromQueryResult)]
pub struct LinkRow {
    pub id: i64,
    pub user_id: i64,
    pub purpose: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Records a link of `purpose` for `user`. Earlier unused links of the same purpose stop
/// working: only the newest mail's link opens the account.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    user: UserId,
    purpose: &str,
    token_hash: &str,
    at: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE account_links SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
        vec![at.into(), user.0.into(), purpose.into()],
    )
    .await?;
    sql::execute(
        conn,
        "INSERT INTO account_links (user_id, purpose, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        vec![
            user.0.into(),
            purpose.into(),
            token_hash.into(),
            at.into(),
            expires_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// The link whose secret hashes to `token_hash`.
pub async fn find_by_hash<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<LinkRow>, StoreError> {
    sql::one(
        conn,
        "SELECT id, user_id, purpose, expires_at, used_at FROM account_links WHERE token_hash = $1",
        vec![token_hash.into()],
    )
    .await
}

/// Marks the link used, if nobody used it first. Returns whether this call did.
pub async fn mark_used<C: ConnectionTrait>(conn: &C, id: i64, at: i64) -> Result<bool, StoreError> {
    Ok(sql::execute(
        conn,
        "UPDATE account_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        vec![at.into(), id.into()],
    )
    .await?
        == 1)
}
