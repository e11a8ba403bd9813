//! The record of what happened to each user (see migration m0007).

use crate::error::StoreError;
use crate::events::ActorColumns;
use crate::sql;
use orgdesk_core::model::{Action, Actor, Change, UserEvent};
use orgdesk_core::{OrganizationId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult};

pub struct NewUserEvent<'a> {
    pub user_id: UserId,
    pub at: i64,
    pub actor: &'a Actor,
    pub action: Action,
    pub changes: &'a [Change],
}

/// The same event for every member of an organization.
pub struct MembersEvent<'a> {
    pub at: i64,
    pub actor: &'a Actor,
    pub action: Action,
    pub changes: &'a [Change],
}

/// Rows per multi-row INSERT (as many as `users::INSERT_CHUNK`, for the same reason).
const INSERT_CHUNK: usize = 100;
const COLUMNS: &str = "user_id, at, actor_type, actor_id, actor_name, action, changes";

fn changes_json(changes: &[Change]) -> String {
    serde_json::to_string(changes).expect("changes always serialize")
}

pub async fn insert_many<C: ConnectionTrait>(
    conn: &C,
    events: &[NewUserEvent<'_>],
) -> Result<(), StoreError> {
    for chunk in events.chunks(INSERT_CHUNK) {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 7);
        let mut tuples = Vec::with_capacity(chunk.len());
        for event in chunk {
            let actor = ActorColumns::from(event.actor);
            tuples.push(format!("({})", sql::placeholders(values.len() + 1, 7)));
            values.extend([
                event.user_id.0.into(),
                event.at.into(),
                actor.kind.into(),
                actor.id.into(),
                actor.name.into(),
                event.action.as_str().into(),
                changes_json(event.changes).into(),
            ]);
        }
        sql::execute(
            conn,
            &format!(
                "INSERT INTO user_events ({COLUMNS}) VALUES {}",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

/// Records the same event for every current member of `organization`, in one
/// statement however many there are (call it before they leave).
pub async fn insert_for_members_of<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    event: &MembersEvent<'_>,
) -> Result<(), StoreError> {
    let actor = ActorColumns::from(event.actor);
    sql::execute(
        conn,
        &format!(
            "INSERT INTO user_events ({COLUMNS}) \
             SELECT id, $2, $3, $4, $5, $6, $7 FROM users WHERE organization_id = $1"
        ),
        vec![
            organization.0.into(),
            event.at.into(),
            actor.kind.into(),
            actor.id.into(),
            actor.name.into(),
            event.action.as_str().into(),
            changes_json(event.changes).into(),
        ],
    )
    .await?;
    Ok(())
}

/// A user's events, newest first, before event id `before`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    user: UserId,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<UserEvent>, StoreError> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        user_id: i64,
        at: i64,
        actor_type: String,
        actor_id: Option<i64>,
        actor_name: String,
        action: String,
        changes: String,
    }
    let rows: Vec<Row> = sql::all(
        conn,
        &format!(
            "SELECT id, {COLUMNS} FROM user_events WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ),
        vec![
            user.0.into(),
            before.unwrap_or(i64::MAX).into(),
            (limit as i64).into(),
        ],
    )
    .await?;
    rows.into_iter()
        .map(|row| {
            let changes: Vec<Change> = serde_json::from_str(&row.changes).map_err(|err| {
                StoreError::custom(format!(
                    "user event {} has unreadable changes: {err}",
                    row.id
                ))
            })?;
            Ok(UserEvent {
                id: row.id,
                user_id: UserId(row.user_id),
                at: row.at,
                actor: Actor::stored(&row.actor_type, row.actor_id, row.actor_name),
                action: row.action,
                changes,
            })
        })
        .collect()
}
