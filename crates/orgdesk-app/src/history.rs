//! Recording and reading what happened to each organization. Every event is built here
//! or from a [`Record`] (its action a core [`Action`]), and written by [`record_all`];
//! whether it belongs to the history or only the activity follows from the action.

use crate::fields::{FieldReader, hide_fields_in_events};
use crate::{App, PageRequest};
use orgdesk_core::model::{Action, Actor, Agent, Change, OrganizationEvent, Page, UserEvent};
use orgdesk_core::{Entity, Error, OrganizationId, Result, UserId};
use orgdesk_store::{ConnectionTrait, events, fields, organizations as orgs, user_events};

/// One event to record.
pub(crate) struct Record<'a> {
    pub organization: OrganizationId,
    pub actor: &'a Actor,
    pub action: Action,
    pub user: Option<UserId>,
    pub changes: Vec<Change>,
    pub at: i64,
}

pub(crate) async fn record<C: ConnectionTrait>(conn: &C, record: Record<'_>) -> Result<()> {
    record_all(conn, vec![record]).await
}

/// Records several events in one statement.
pub(crate) async fn record_all<C: ConnectionTrait>(
    conn: &C,
    records: Vec<Record<'_>>,
) -> Result<()> {
    let events: Vec<events::NewEvent<'_>> = records
        .iter()
        .map(|record| events::NewEvent {
            organization_id: record.organization,
            at: record.at,
            actor: record.actor,
            action: record.action,
            user_id: record.user,
            changes: &record.changes,
        })
        .collect();
    Ok(events::insert_many(conn, &events).await?)
}

/// One event in a user's own history.
pub(crate) struct UserRecord<'a> {
    pub user: UserId,
    pub actor: &'a Actor,
    pub action: Action,
    pub changes: Vec<Change>,
    pub at: i64,
}

/// Records events in users' histories, in one statement per hundred.
pub(crate) async fn record_for_users<C: ConnectionTrait>(
    conn: &C,
    records: Vec<UserRecord<'_>>,
) -> Result<()> {
    let events: Vec<user_events::NewUserEvent<'_>> = records
        .iter()
        .map(|record| user_events::NewUserEvent {
            user_id: record.user,
            at: record.at,
            actor: record.actor,
            action: record.action,
            changes: &record.changes,
        })
        .collect();
    Ok(user_events::insert_many(conn, &events).await?)
}

/// Records in each member's own history that they left `organization` as it was
/// deleted: one statement for any number of members, written while they still are.
pub(crate) async fn members_left_with<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    actor: &Actor,
    at: i64,
) -> Result<()> {
    let left = [Change::new(
        "organization_id",
        organization.0,
        serde_json::Value::Null,
    )];
    let event = user_events::MembersEvent {
        at,
        actor,
        action: Action::Updated,
        changes: &left,
    };
    Ok(user_events::insert_for_members_of(conn, organization, &event).await?)
}

/// Records one event in a user's history, when it changes anything.
pub(crate) async fn record_for_user<C: ConnectionTrait>(
    conn: &C,
    record: UserRecord<'_>,
) -> Result<()> {
    if record.changes.is_empty() {
        return Ok(());
    }
    record_for_users(conn, vec![record]).await
}

/// The events of users created straight into an organization: a `member_added` each,
/// carrying the organization and, when given, position and manager. Each comes as
/// (user, organization, position, manager, who placed them: the creator or the domain
/// association).
pub(crate) fn users_created_in<'a>(
    placed: impl IntoIterator<Item = (UserId, OrganizationId, Option<&'a str>, bool, &'a Actor)>,
    at: i64,
) -> Vec<Record<'a>> {
    placed
        .into_iter()
        .map(|(user, organization, position, manager, actor)| {
            let mut changes = vec![Change::new(
                "organization_id",
                serde_json::Value::Null,
                organization.0,
            )];
            if let Some(position) = position {
                changes.push(Change::new("position", serde_json::Value::Null, position));
            }
            if manager {
                changes.push(Change::new("manager", false, true));
            }
            Record {
                organization,
                actor,
                action: Action::MemberAdded,
                user: Some(user),
                changes,
                at,
            }
        })
        .collect()
}

/// The events of moving users into `organization` as plain members: a `member_removed`
/// on each one's previous organization and a `member_added` on the new one.
pub(crate) fn members_moved<'a>(
    actor: &'a Actor,
    organization: OrganizationId,
    moved: &[(UserId, Option<OrganizationId>)],
    at: i64,
) -> Vec<Record<'a>> {
    let mut records = Vec::with_capacity(moved.len() * 2);
    for &(user, old) in moved {
        let change = Change::new("organization_id", old.map(|o| o.0), organization.0);
        if let Some(old) = old {
            records.push(Record {
                organization: old,
                actor,
                action: Action::MemberRemoved,
                user: Some(user),
                changes: vec![change.clone()],
                at,
            });
        }
        records.push(Record {
            organization,
            actor,
            action: Action::MemberAdded,
            user: Some(user),
            changes: vec![change],
            at,
        });
    }
    records
}

/// The events of moving `child` from parent `old` to parent `new`: an `updated` event
/// on the child carrying `child_changes`, and, when the parent did change, one event on
/// each parent concerned.
pub(crate) fn parent_moved<'a>(
    actor: &'a Actor,
    child: OrganizationId,
    old: Option<OrganizationId>,
    new: Option<OrganizationId>,
    child_changes: Vec<Change>,
    at: i64,
) -> Vec<Record<'a>> {
    let mut records = vec![Record {
        organization: child,
        actor,
        action: Action::Updated,
        user: None,
        changes: child_changes,
        at,
    }];
    if old == new {
        return records;
    }
    if let Some(old) = old {
        records.push(Record {
            organization: old,
            actor,
            action: Action::ChildRemoved,
            user: None,
            changes: vec![Change::new("children", child.0, serde_json::Value::Null)],
            at,
        });
    }
    if let Some(new) = new {
        records.push(Record {
            organization: new,
            actor,
            action: Action::ChildAdded,
            user: None,
            changes: vec![Change::new("children", serde_json::Value::Null, child.0)],
            at,
        });
    }
    records
}

/// An organization's history as an agent reads it.
pub struct OrganizationHistory {
    pub events: Page<OrganizationEvent>,
    /// The organization was deleted: these are the events it left behind.
    pub deleted: bool,
}

impl App {
    /// The history as `viewer` may read it: an existing organization's for any agent;
    /// a deleted organization's (its rows stay) for admins only, marked deleted. To
    /// anyone else a deleted organization does not exist.
    pub async fn organization_history_for(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<OrganizationHistory> {
        self.events_for(viewer, id, true, page).await
    }

    /// The activity stream (history and members' doings) as `viewer` may read it; a
    /// deleted organization's, to admins, is its history (activity around it ended).
    pub async fn organization_activity_for(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<OrganizationHistory> {
        self.events_for(viewer, id, false, page).await
    }

    async fn events_for(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        history_only: bool,
        page: &PageRequest,
    ) -> Result<OrganizationHistory> {
        let reader = &self.store().reads().await?;
        let exists = orgs::find_head(reader, id).await?.is_some();
        let deleted = !exists && viewer.admin && events::any_for(reader, id).await?;
        if !exists && !deleted {
            return Err(Error::not_found(Entity::Organization, id));
        }
        let fields = FieldReader::Agent(viewer.clone());
        Ok(OrganizationHistory {
            events: events_page(reader, &fields, id, history_only || deleted, page).await?,
            deleted,
        })
    }

    /// What happened to a user, newest first: creation, organization moves, position,
    /// manager, direct usergroup membership, name and email, disabling.
    pub async fn user_history(&self, id: UserId, page: &PageRequest) -> Result<Page<UserEvent>> {
        let reader = &self.store().reads().await?;
        self.require_user(reader, id).await?;
        let limit = page.limit()?;
        let before = page.id_position("user_events")?;
        let events = user_events::list(reader, id, before, limit + 1).await?;
        Ok(crate::cursor::page(events, limit, "user_events", |event| {
            event.id.to_string()
        }))
    }

    /// Changes to an existing organization, its members, domains and links, newest
    /// first, as the system sees them (every field that is not retired): for the
    /// console and checks, not for people.
    pub async fn organization_history(
        &self,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<OrganizationEvent>> {
        self.events(&FieldReader::Everything, id, true, page).await
    }

    /// Everything that happened around an existing organization, members' actions
    /// included, newest first, with the custom fields `viewer` may see.
    pub async fn organization_activity(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<OrganizationEvent>> {
        self.events(&FieldReader::Agent(viewer.clone()), id, false, page)
            .await
    }

    async fn events(
        &self,
        reader: &FieldReader,
        id: OrganizationId,
        history_only: bool,
        page: &PageRequest,
    ) -> Result<Page<OrganizationEvent>> {
        let reads = self.store().reads().await?;
        self.require_organization(&reads, id).await?;
        events_page(&reads, reader, id, history_only, page).await
    }
}

/// A page of an organization's events (the change log alone with `history_only`),
/// without the changes of custom fields `reader` may not see.
async fn events_page<C: ConnectionTrait>(
    conn: &C,
    reader: &FieldReader,
    id: OrganizationId,
    history_only: bool,
    page: &PageRequest,
) -> Result<Page<OrganizationEvent>> {
    let limit = page.limit()?;
    let before = page.id_position("events")?;
    let events = events::list(conn, id, history_only, before, limit + 1).await?;
    let mut page = crate::cursor::page(events, limit, "events", |event| event.id.to_string());
    let about_fields = page.items.iter().any(|event| {
        event
            .changes
            .iter()
            .any(|change| change.field.starts_with("fields."))
    });
    if about_fields {
        let definitions = fields::list_definitions(conn).await?;
        hide_fields_in_events(reader, &definitions, &mut page.items);
    }
    Ok(page)
}
