//! Membership: which organization a user belongs to, with position and manager flag.
//! A user belongs to at most one organization; joining another moves them, recorded
//! on both.

use crate::history::{Record, UserRecord, record, record_for_user};
use crate::locking::{Lockable, lock};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::model::{Action, Actor, Change, Page, User};
use orgdesk_core::text::{POSITION_MAX_CHARS, optional_text, query_text};
use orgdesk_core::{Entity, Error, OrganizationId, Result, UserId};
use orgdesk_store::ConnectionTrait;
use orgdesk_store::users::{self, UserFilter};
use serde_json::json;

/// Position and manager flag to set; `None` keeps (or, on joining, leaves empty).
#[derive(Debug, Clone, Default)]
pub struct MembershipChanges {
    pub position: Option<Option<String>>,
    pub manager: Option<bool>,
}

pub(crate) fn parse_position(position: Option<&str>) -> Result<Option<String>> {
    optional_text("position", position, POSITION_MAX_CHARS)
}

/// Position and manager flag belong to a membership: refused for a user left with no
/// organization.
pub(crate) fn check_membership_fields(
    has_organization: bool,
    position: Option<&str>,
    manager: bool,
) -> Result<()> {
    if has_organization || (position.is_none() && !manager) {
        return Ok(());
    }
    let field = if position.is_some() {
        "position"
    } else {
        "manager"
    };
    Err(Error::validation(
        field,
        "only a member of an organization has a position or manager flag; give organization_id",
    ))
}

/// Puts `user` in `organization` (or in none) with the given position and flag,
/// recording what changed on every organization concerned.
pub(crate) async fn place_user<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    user: &User,
    organization: Option<OrganizationId>,
    position: Option<String>,
    manager: bool,
    at: i64,
) -> Result<()> {
    let old = user.organization.as_ref().map(|o| o.id);
    // The user's own history: everything about their place that changed, as one event.
    let mut own_changes = Vec::new();
    if old != organization {
        own_changes.push(Change::new(
            "organization_id",
            old.map(|o| o.0),
            organization.map(|o| o.0),
        ));
    }
    if user.position != position {
        own_changes.push(Change::new(
            "position",
            user.position.clone(),
            position.clone(),
        ));
    }
    if user.manager != manager {
        own_changes.push(Change::new("manager", user.manager, manager));
    }
    record_for_user(
        conn,
        UserRecord {
            user: user.id,
            actor,
            action: Action::Updated,
            changes: own_changes.clone(),
            at,
        },
    )
    .await?;
    if old == organization {
        // Only position and manager can have changed: the same changes, on the member.
        let changes = own_changes;
        if changes.is_empty() {
            return Ok(());
        }
        users::update_membership(conn, user.id, position.as_deref(), manager, at).await?;
        if let Some(organization) = organization {
            record(
                conn,
                Record {
                    organization,
                    actor,
                    action: Action::MemberUpdated,
                    user: Some(user.id),
                    changes,
                    at,
                },
            )
            .await?;
        }
        return Ok(());
    }
    users::change_organization(
        conn,
        users::Movers::Ids(&[user.id]),
        organization,
        position.as_deref(),
        manager,
        at,
    )
    .await?;
    let moved = Change::new(
        "organization_id",
        old.map(|o| o.0),
        organization.map(|o| o.0),
    );
    if let Some(old) = old {
        record(
            conn,
            Record {
                organization: old,
                actor,
                action: Action::MemberRemoved,
                user: Some(user.id),
                changes: vec![moved.clone()],
                at,
            },
        )
        .await?;
    }
    if let Some(new) = organization {
        let mut changes = vec![moved];
        if let Some(position) = &position {
            changes.push(Change::new("position", json!(null), position.as_str()));
        }
        if manager {
            changes.push(Change::new("manager", false, true));
        }
        record(
            conn,
            Record {
                organization: new,
                actor,
                action: Action::MemberAdded,
                user: Some(user.id),
                changes,
                at,
            },
        )
        .await?;
    }
    Ok(())
}

impl App {
    pub(crate) async fn require_user<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: UserId,
    ) -> Result<User> {
        users::find(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::User, id))
    }

    pub async fn list_members(
        &self,
        organization: OrganizationId,
        manager: Option<bool>,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        let reads = self.store().reads().await?;
        self.require_organization(&reads, organization).await?;
        list_users_on(&reads, None, Some(organization), manager, page).await
    }

    /// Adds the user to the organization, moving them from any other; or, when they
    /// are already a member, changes their position and manager flag.
    pub async fn put_member(
        &self,
        actor: &Actor,
        organization: OrganizationId,
        user: UserId,
        changes: MembershipChanges,
    ) -> Result<User> {
        let position = changes
            .position
            .as_ref()
            .map(|p| parse_position(p.as_deref()))
            .transpose()?;
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Organization, organization.0).await?;
        lock(&tx, Lockable::User, user.0).await?;
        self.require_organization(&tx, organization).await?;
        let current = self.require_user(&tx, user).await?;
        let already_member = current.organization.as_ref().map(|o| o.id) == Some(organization);
        let (position, manager) = if already_member {
            (
                position.unwrap_or(current.position.clone()),
                changes.manager.unwrap_or(current.manager),
            )
        } else {
            (position.flatten(), changes.manager.unwrap_or(false))
        };
        place_user(
            &tx,
            actor,
            &current,
            Some(organization),
            position,
            manager,
            now_ms(),
        )
        .await?;
        let updated = self.require_user(&tx, user).await?;
        orgdesk_store::commit(tx).await?;
        Ok(updated)
    }

    /// Removes the user from the organization; the user is kept, with no organization.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        organization: OrganizationId,
        user: UserId,
    ) -> Result<()> {
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Organization, organization.0).await?;
        lock(&tx, Lockable::User, user.0).await?;
        self.require_organization(&tx, organization).await?;
        let current = self.require_user(&tx, user).await?;
        if current.organization.as_ref().map(|o| o.id) != Some(organization) {
            return Err(Error::not_found(
                Entity::Membership,
                format!("of user {user} in organization {organization}"),
            ));
        }
        place_user(&tx, actor, &current, None, None, false, now_ms()).await?;
        orgdesk_store::commit(tx).await?;
        Ok(())
    }

    pub async fn list_users(
        &self,
        q: Option<&str>,
        organization: Option<OrganizationId>,
        manager: Option<bool>,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        list_users_on(&self.store().reads().await?, q, organization, manager, page).await
    }
}

/// Users by name or email prefix, organization and manager flag, read on `conn`.
pub(crate) async fn list_users_on<C: ConnectionTrait>(
    conn: &C,
    q: Option<&str>,
    organization: Option<OrganizationId>,
    manager: Option<bool>,
    page: &PageRequest,
) -> Result<Page<User>> {
    let limit = page.limit()?;
    let after = page.id_position("members")?.unwrap_or(0);
    let filter = UserFilter {
        prefix: query_text("q", q)?.map(str::to_lowercase),
        organization_id: organization,
        manager,
    };
    let rows = users::list(conn, &filter, after, limit + 1).await?;
    Ok(crate::cursor::page(rows, limit, "members", |user| {
        user.id.0.to_string()
    }))
}
