//! Agents (staff accounts).

use crate::dialect::for_update;
use crate::error::StoreError;
use crate::sql;
use crate::tokens::{Credentials, CredentialsRow};
use orgdesk_core::AgentId;
use orgdesk_core::model::Agent;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

const SELECT: &str = "SELECT id, name, email, admin, disabled_at, created_at FROM agents";

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    name: String,
    email: String,
    admin: bool,
    disabled_at: Option<i64>,
    created_at: i64,
}

impl From<Row> for Agent {
    fn from(row: Row) -> Self {
        Agent {
            id: AgentId(row.id),
            name: row.name,
            email: row.email,
            admin: row.admin,
            disabled: row.disabled_at.is_some(),
            created_at: row.created_at,
        }
    }
}

pub struct NewAgentRow<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub password_hash: &'a str,
    pub admin: bool,
    pub at: i64,
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: &NewAgentRow<'_>,
) -> Result<AgentId, StoreError> {
    let id: Option<i64> = sql::scalar(
        conn,
        "INSERT INTO agents (name, email, email_key, password_hash, admin, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id AS value",
        vec![new.name.into(), new.email.into(), new.email_key.into(), new.password_hash.into(), new.admin.into(), new.at.into()],
    )
    .await?;
    id.map(AgentId)
        .ok_or_else(|| StoreError::custom("insert returned no id".into()))
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: AgentId) -> Result<Option<Agent>, StoreError> {
    let row: Option<Row> =
        sql::one(conn, &format!("{SELECT} WHERE id = $1"), vec![id.0.into()]).await?;
    Ok(row.map(Agent::from))
}

/// Which of `ids` are agents.
pub async fn existing_ids<C: ConnectionTrait>(
    conn: &C,
    ids: &[AgentId],
) -> Result<Vec<AgentId>, StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    Ok(sql::existing_ids(conn, "agents", &ids)
        .await?
        .into_iter()
        .map(AgentId)
        .collect())
}

/// The agent signing in with this email, if any.
pub async fn credentials<C: ConnectionTrait>(
    conn: &C,
    email_key: &str,
) -> Result<Option<Credentials<AgentId>>, StoreError> {
    let row: Option<CredentialsRow> = sql::one(
        conn,
        "SELECT id, password_hash, disabled_at FROM agents WHERE email_key = $1",
        vec![email_key.into()],
    )
    .await?;
    Ok(row.map(|row| row.into_credentials(AgentId)))
}

pub async fn list<C: ConnectionTrait>(
    conn: &C,
    after: i64,
    limit: u64,
) -> Result<Vec<Agent>, StoreError> {
    let rows: Vec<Row> = sql::all(
        conn,
        &format!("{SELECT} WHERE id > $1 ORDER BY id LIMIT $2"),
        vec![after.into(), (limit as i64).into()],
    )
    .await?;
    Ok(rows.into_iter().map(Agent::from).collect())
}

/// What an admin changes on an agent; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct AgentUpdate<'a> {
    pub name: Option<&'a str>,
    /// The address as given and its lookup key.
    pub email: Option<(&'a str, &'a str)>,
    pub admin: Option<bool>,
    pub password_hash: Option<&'a str>,
    /// `Some(Some(at))` disables as of `at`, `Some(None)` enables.
    pub disabled_at: Option<Option<i64>>,
}

pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: AgentId,
    change: &AgentUpdate<'_>,
) -> Result<(), StoreError> {
    let mut sets = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut set = |column: &str, value: Value| {
        values.push(value);
        sets.push(format!("{column} = ${}", values.len()));
    };
    if let Some(name) = change.name {
        set("name", name.into());
    }
    if let Some((email, key)) = change.email {
        set("email", email.into());
        set("email_key", key.into());
    }
    if let Some(admin) = change.admin {
        set("admin", admin.into());
    }
    if let Some(hash) = change.password_hash {
        set("password_hash", hash.into());
    }
    if let Some(disabled_at) = change.disabled_at {
        set("disabled_at", disabled_at.into());
    }
    if sets.is_empty() {
        return Ok(());
    }
    values.push(id.0.into());
    let statement = format!(
        "UPDATE agents SET {} WHERE id = ${}",
        sets.join(", "),
        values.len()
    );
    sql::execute(conn, &statement, values).await?;
    Ok(())
}

/// The ids of the admins who are not disabled, locked (on PostgreSQL) until the
/// transaction ends, so two admins demoting each other cannot both succeed.
pub async fn lock_enabled_admins<C: ConnectionTrait>(conn: &C) -> Result<Vec<AgentId>, StoreError> {
    let statement = format!(
        "SELECT id AS value FROM agents WHERE admin AND disabled_at IS NULL ORDER BY id{}",
        for_update(conn.get_database_backend())
    );
    let ids: Vec<sql::Scalar<i64>> = sql::all(conn, &statement, vec![]).await?;
    Ok(ids.into_iter().map(|row| AgentId(row.value)).collect())
}
