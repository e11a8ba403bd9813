//! Agents (staff accounts).

use crate::sql;
use orgdesk_core::AgentId;
use orgdesk_core::model::Agent;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    name: String,
    email: String,
    admin: bool,
    created_at: i64,
}

impl From<Row> for Agent {
    fn from(row: Row) -> Self {
        Agent {
            id: AgentId(row.id),
            name: row.name,
            email: row.email,
            admin: row.admin,
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

pub async fn insert<C: ConnectionTrait>(conn: &C, new: &NewAgentRow<'_>) -> Result<AgentId, DbErr> {
    let id: Option<i64> = sql::scalar(
        conn,
        "INSERT INTO agents (name, email, email_key, password_hash, admin, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id AS value",
        vec![new.name.into(), new.email.into(), new.email_key.into(), new.password_hash.into(), new.admin.into(), new.at.into()],
    )
    .await?;
    id.map(AgentId)
        .ok_or_else(|| DbErr::Custom("insert returned no id".into()))
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: AgentId) -> Result<Option<Agent>, DbErr> {
    let row: Option<Row> = sql::one(
        conn,
        "SELECT id, name, email, admin, created_at FROM agents WHERE id = $1",
        vec![id.0.into()],
    )
    .await?;
    Ok(row.map(Agent::from))
}

pub async fn credentials<C: ConnectionTrait>(
    conn: &C,
    email_key: &str,
) -> Result<Option<(AgentId, String)>, DbErr> {
    #[derive(FromQueryResult)]
    struct Credentials {
        id: i64,
        password_hash: String,
    }
    let row: Option<Credentials> = sql::one(
        conn,
        "SELECT id, password_hash FROM agents WHERE email_key = $1",
        vec![email_key.into()],
    )
    .await?;
    Ok(row.map(|row| (AgentId(row.id), row.password_hash)))
}

pub async fn list<C: ConnectionTrait>(
    conn: &C,
    after: i64,
    limit: u64,
) -> Result<Vec<Agent>, DbErr> {
    let rows: Vec<Row> = sql::all(
        conn,
        "SELECT id, name, email, admin, created_at FROM agents WHERE id > $1 ORDER BY id LIMIT $2",
        vec![after.into(), (limit as i64).into()],
    )
    .await?;
    Ok(rows.into_iter().map(Agent::from).collect())
}
