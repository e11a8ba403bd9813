//! Registrations waiting for their address to be confirmed, and run-time settings.

use crate::error::StoreError;
use crate::sql;
use sea_orm::{ConnectionTrait, FromQueryResult};

/// A registration as it waits.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PendingRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub expires_at: i64,
}

pub struct NewPending<'a> {
    pub email_key: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub token_hash: &'a str,
    pub at: i64,
    pub expires_at: i64,
}

/// Records a registration; one waiting for the same address is replaced (its link
/// stops working).
pub async fn replace<C: ConnectionTrait>(conn: &C, new: &NewPending<'_>) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "DELETE FROM pending_registrations WHERE email_key = $1",
        vec![new.email_key.into()],
    )
    .await?;
    sql::execute(
        conn,
        "INSERT INTO pending_registrations (email_key, email, name, password_hash, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            new.email_key.into(),
            new.email.into(),
            new.name.into(),
            new.password_hash.into(),
            new.token_hash.into(),
            new.at.into(),
            new.expires_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// The registration whose link's secret hashes to `token_hash`.
pub async fn find_by_token<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<PendingRow>, StoreError> {
    sql::one(
        conn,
        "SELECT id, email, name, password_hash, expires_at FROM pending_registrations WHERE token_hash = $1",
        vec![token_hash.into()],
    )
    .await
}

/// Removes the registration; returns whether it was still there.
pub async fn delete<C: ConnectionTrait>(conn: &C, id: i64) -> Result<bool, StoreError> {
    Ok(sql::execute(
        conn,
        "DELETE FROM pending_registrations WHERE id = $1",
        vec![id.into()],
    )
    .await?
        == 1)
}

/// A setting's stored value, if it was ever set.
pub async fn setting<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<String>, StoreError> {
    sql::scalar(
        conn,
        "SELECT value AS value FROM settings WHERE key = $1",
        vec![key.into()],
    )
    .await
}

pub async fn set_setting<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    value: &str,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vec![key.into(), value.into()],
    )
    .await?;
    Ok(())
}
