//! The record of what happened to and around each organization.

use crate::error::StoreError;
use crate::sql;
use orgdesk_core::model::{Action, Actor, Change, OrganizationEvent, UserRef};
use orgdesk_core::{OrganizationId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// An actor as stored: kind, optional id and the name at the time.
pub struct ActorColumns<'a> {
    pub kind: &'static str,
    pub id: Option<i64>,
    pub name: &'a str,
}

impl<'a> From<&'a Actor> for ActorColumns<'a> {
    fn from(actor: &'a Actor) -> Self {
        ActorColumns {
            kind: actor.kind(),
            id: actor.id(),
            name: actor.name(),
        }
    }
}

pub struct NewEvent<'a> {
    pub organization_id: OrganizationId,
    pub at: i64,
    pub actor: &'a Actor,
    pub action: Action,
    pub user_id: Option<UserId>,
    pub changes: &'a [Change],
}

/// Rows per multi-row INSERT (as many as `users::INSERT_CHUNK`, for the same reason).
const INSERT_CHUNK: usize = 100;

pub async fn insert_many<C: ConnectionTrait>(
    conn: &C,
    events: &[NewEvent<'_>],
) -> Result<(), StoreError> {
    for chunk in events.chunks(INSERT_CHUNK) {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 9);
        let mut tuples = Vec::with_capacity(chunk.len());
        for event in chunk {
            let actor = ActorColumns::from(event.actor);
            tuples.push(format!("({})", sql::placeholders(values.len() + 1, 9)));
            values.extend([
                event.organization_id.0.into(),
                event.at.into(),
                actor.kind.into(),
                actor.id.into(),
                actor.name.into(),
                event.action.as_str().into(),
                event.user_id.map(|id| id.0).into(),
                serde_json::to_string(event.changes)
                    .expect("changes always serialize")
                    .into(),
                // Activity that is not a change of the organization (a member's
                // ticket) stays out of its history.
                event.action.changes_the_organization().into(),
            ]);
        }
        sql::execute(
            conn,
            &format!(
                "INSERT INTO organization_events (organization_id, at, actor_type, actor_id, actor_name, action, user_id, changes, history) VALUES {}",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

/// Whether any event was ever recorded for the organization (so it existed, if it
/// exists no more). One index probe.
pub async fn any_for<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sql::scalar(
        conn,
        "SELECT id AS value FROM organization_events WHERE organization_id = $1 LIMIT 1",
        vec![organization.0.into()],
    )
    .await?;
    Ok(found.is_some())
}

/// Events of an organization, newest first, before event id `before`.
/// `history_only` leaves out activity that did not change the organization.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    history_only: bool,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<OrganizationEvent>, StoreError> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        organization_id: i64,
        at: i64,
        actor_type: String,
        actor_id: Option<i64>,
        actor_name: String,
        action: String,
        user_id: Option<i64>,
        user_name: Option<String>,
        changes: String,
    }
    let mut sql_text = "SELECT e.id, e.organization_id, e.at, e.actor_type, e.actor_id, e.actor_name, e.action, e.user_id, \
         u.name AS user_name, e.changes FROM organization_events e LEFT JOIN users u ON u.id = e.user_id \
         WHERE e.organization_id = $1 AND e.id < $2"
        .to_owned();
    let mut values = vec![
        organization.0.into(),
        before.unwrap_or(i64::MAX).into(),
        (limit as i64).into(),
    ];
    if history_only {
        sql_text.push_str(" AND e.history = $4");
        values.push(true.into());
    }
    sql_text.push_str(" ORDER BY e.id DESC LIMIT $3");
    let rows: Vec<Row> = sql::all(conn, &sql_text, values).await?;
    rows.into_iter()
        .map(|row| {
            let actor = Actor::stored(&row.actor_type, row.actor_id, row.actor_name);
            let changes: Vec<Change> = serde_json::from_str(&row.changes).map_err(|err| {
                StoreError::custom(format!("event {} has unreadable changes: {err}", row.id))
            })?;
            Ok(OrganizationEvent {
                id: row.id,
                organization_id: OrganizationId(row.organization_id),
                at: row.at,
                actor,
                action: row.action,
                user: row.user_id.map(|id| UserRef {
                    id: UserId(id),
                    name: row.user_name.unwrap_or_default(),
                }),
                changes,
            })
        })
        .collect()
}
