//! Bulk imports as records: what was imported, how it went, and the problems found.
//! The record of an applied import is finished inside the transaction that applies it,
//! so `done` and the changes commit together or not at all.

use crate::error::StoreError;
use crate::sql;
use orgdesk_core::AgentId;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

/// An import's stored state. `problems` is a JSON array of `{line, column, code,
/// message}`.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ImportRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub dry_run: bool,
    pub file_name: Option<String>,
    pub started_by_agent_id: Option<i64>,
    pub rows: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub problems: String,
    pub problem_count: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, status, dry_run, file_name, started_by_agent_id, rows, created, updated, unchanged, problems, problem_count, created_at, finished_at";

/// Records a new import, `validating`, and returns its id.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    dry_run: bool,
    file_name: Option<&str>,
    started_by: Option<AgentId>,
    at: i64,
) -> Result<i64, StoreError> {
    sql::scalar(
        conn,
        "INSERT INTO imports (kind, status, dry_run, file_name, started_by_agent_id, rows, created, updated, unchanged, problems, problem_count, created_at) \
         VALUES ($1, 'validating', $2, $3, $4, 0, 0, 0, 0, '[]', 0, $5) RETURNING id AS value",
        vec![
            kind.into(),
            dry_run.into(),
            file_name.map(str::to_owned).into(),
            started_by.map(|a| a.0).into(),
            at.into(),
        ],
    )
    .await?
    .ok_or_else(|| StoreError::custom("the import was not recorded".into()))
}

/// What an import came to.
pub struct Outcome<'a> {
    pub status: &'a str,
    pub rows: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub problems: &'a str,
    pub problem_count: i64,
    pub at: i64,
}

/// Sets an import's status (`applying`), unless it was already finished.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    status: &str,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE imports SET status = $1 WHERE id = $2 AND finished_at IS NULL",
        vec![status.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// Writes an import's outcome.
pub async fn finish<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    outcome: &Outcome<'_>,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE imports SET status = $1, rows = $2, created = $3, updated = $4, unchanged = $5, problems = $6, problem_count = $7, finished_at = $8 WHERE id = $9",
        vec![
            outcome.status.into(),
            outcome.rows.into(),
            outcome.created.into(),
            outcome.updated.into(),
            outcome.unchanged.into(),
            outcome.problems.into(),
            outcome.problem_count.into(),
            outcome.at.into(),
            id.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Marks every unfinished import `failed` with `problems`: at start, when no import
/// of a previous run can still be going. Returns how many there were.
pub async fn fail_unfinished<C: ConnectionTrait>(
    conn: &C,
    problems: &str,
    at: i64,
) -> Result<u64, StoreError> {
    sql::execute(
        conn,
        "UPDATE imports SET status = 'failed', problems = $1, problem_count = 1, finished_at = $2 \
         WHERE status IN ('validating', 'applying')",
        vec![problems.into(), at.into()],
    )
    .await
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<ImportRow>, StoreError> {
    sql::one(
        conn,
        &format!("SELECT {COLUMNS} FROM imports WHERE id = $1"),
        vec![id.into()],
    )
    .await
}

/// Imports newest first, those with an id below `before` (all when `None`).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<ImportRow>, StoreError> {
    let values: Vec<Value> = vec![before.unwrap_or(i64::MAX).into(), (limit as i64).into()];
    sql::all(
        conn,
        &format!("SELECT {COLUMNS} FROM imports WHERE id < $1 ORDER BY id DESC LIMIT $2"),
        values,
    )
    .await
}
