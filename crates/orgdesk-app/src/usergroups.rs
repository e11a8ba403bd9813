//! Usergroups: permissions granted to their members. A user is in a usergroup directly,
//! through their organization (a link, whatever the organization's size), or both;
//! unlinking removes only what came through the link. Nothing passes through the
//! organization hierarchy.

use crate::auth::require_admin;
use crate::errors::unique_or_internal;
use crate::history::{Record, UserRecord, record, record_all, record_for_user, record_for_users};
use crate::locking::{Lockable, lock, lock_all};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::model::{Action, Actor, Agent, Change, MembershipSources, Page, User, Usergroup};
use orgdesk_core::text::name_key;
use orgdesk_core::usergroup::parse_permissions;
use orgdesk_core::{Entity, Error, OrganizationId, PersonName, Result, UserId};
use orgdesk_store::dialect::UniqueKey;
use orgdesk_store::{ConnectionTrait, organizations as orgs, usergroups, users};
use serde_json::Value;

/// A user's direct usergroup change, in their own history and in their
/// organization's activity (it changes the member, not the organization, so it stays
/// out of the organization's history).
pub(crate) async fn record_direct_membership<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    member: &User,
    action: Action,
    group: &Usergroup,
    at: i64,
) -> Result<()> {
    let change = if action == Action::UsergroupMemberAdded {
        Change::new("usergroups", Value::Null, group.name.as_str())
    } else {
        Change::new("usergroups", group.name.as_str(), Value::Null)
    };
    record_for_user(
        conn,
        UserRecord {
            user: member.id,
            actor,
            action,
            changes: vec![change.clone()],
            at,
        },
    )
    .await?;
    let Some(organization) = &member.organization else {
        return Ok(());
    };
    record_all(
        conn,
        vec![Record {
            organization: organization.id,
            actor,
            action,
            user: Some(member.id),
            changes: vec![change],
            at,
        }],
    )
    .await
}

/// Changes to a usergroup; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UsergroupChanges {
    pub name: Option<String>,
    /// Replaces the list.
    pub permissions: Option<Vec<String>>,
}

impl App {
    async fn require_usergroup<C: ConnectionTrait>(&self, conn: &C, id: i64) -> Result<Usergroup> {
        usergroups::find(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Usergroup, id))
    }

    /// Defines a usergroup (admins only).
    pub async fn create_usergroup(
        &self,
        by: &Agent,
        name: &str,
        permissions: &[String],
    ) -> Result<Usergroup> {
        require_admin(by, "define usergroups")?;
        // Usergroup names follow the rules of people's names: one line, 1–255 characters.
        let name = PersonName::parse(name)?;
        let permissions = parse_permissions(permissions)?;
        let key = name_key(name.as_str());
        let taken = || Error::UsergroupNameTaken {
            name: name.as_str().to_owned(),
        };
        let tx = self.store().begin_write().await?;
        if usergroups::find_id_by_name_key(&tx, &key).await?.is_some() {
            return Err(taken());
        }
        let id = usergroups::insert(&tx, name.as_str(), &key, &permissions, now_ms())
            .await
            .map_err(|err| unique_or_internal(err, UniqueKey::UsergroupName, taken))?;
        let usergroup = self.require_usergroup(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(usergroup)
    }

    /// Renames a usergroup or replaces its permissions (admins only). Links and
    /// memberships stay.
    pub async fn update_usergroup(
        &self,
        by: &Agent,
        id: i64,
        changes: UsergroupChanges,
    ) -> Result<Usergroup> {
        require_admin(by, "change usergroups")?;
        let name = changes.name.as_deref().map(PersonName::parse).transpose()?;
        let permissions = changes
            .permissions
            .as_deref()
            .map(parse_permissions)
            .transpose()?;
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Usergroup, id).await?;
        let current = self.require_usergroup(&tx, id).await?;
        let name = name.map_or(current.name, PersonName::into_string);
        let key = name_key(&name);
        let taken = || Error::UsergroupNameTaken { name: name.clone() };
        if usergroups::find_id_by_name_key(&tx, &key)
            .await?
            .is_some_and(|other| other != id)
        {
            return Err(taken());
        }
        let permissions = permissions.unwrap_or(current.permissions);
        usergroups::update(&tx, id, &name, &key, &permissions)
            .await
            .map_err(|err| unique_or_internal(err, UniqueKey::UsergroupName, taken))?;
        let usergroup = self.require_usergroup(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(usergroup)
    }

    /// Deletes a usergroup (admins only): its links and direct memberships go with it,
    /// each recorded where it was shown — an unlink on every linked organization, a
    /// membership removal in each direct member's history and their organization's
    /// activity.
    pub async fn delete_usergroup(&self, by: &Agent, id: i64) -> Result<()> {
        require_admin(by, "delete usergroups")?;
        let actor = &by.actor();
        let at = now_ms();
        // Linked organizations are locked before the usergroup (the lock order). A link
        // made between reading them and locking the usergroup shows as a different
        // set: start over, so no organization is changed without its lock.
        let (tx, group, removed) = loop {
            // Every direct member's history gains an entry: as many as it has.
            let tx = self.store().begin_bulk_write().await?;
            let linked = usergroups::linked_organizations(&tx, id).await?;
            lock_all(&tx, Lockable::Organization, linked.iter().map(|o| o.0)).await?;
            lock(&tx, Lockable::Usergroup, id).await?;
            let group = self.require_usergroup(&tx, id).await?;
            if usergroups::linked_organizations(&tx, id).await? != linked {
                continue;
            }
            let removed = usergroups::delete(&tx, id).await?;
            break (tx, group, removed);
        };
        orgs::touch_many(&tx, &removed.linked, at).await?;
        let unlinked = removed.linked.iter().map(|&organization| Record {
            organization,
            actor,
            action: Action::UsergroupUnlinked,
            user: None,
            changes: vec![Change::new("usergroups", group.name.as_str(), Value::Null)],
            at,
        });
        let left = || Change::new("usergroups", group.name.as_str(), Value::Null);
        let left_organizations =
            removed
                .direct_members
                .iter()
                .filter_map(|&(user, organization)| {
                    Some(Record {
                        organization: organization?,
                        actor,
                        action: Action::UsergroupMemberRemoved,
                        user: Some(user),
                        changes: vec![left()],
                        at,
                    })
                });
        record_all(&tx, unlinked.chain(left_organizations).collect()).await?;
        let left_users = removed.direct_members.iter().map(|&(user, _)| UserRecord {
            user,
            actor,
            action: Action::UsergroupMemberRemoved,
            changes: vec![left()],
            at,
        });
        record_for_users(&tx, left_users.collect()).await?;
        Ok(orgdesk_store::commit(tx).await?)
    }

    /// The usergroups with these ids (an organization's links, say), in id order.
    pub async fn usergroups_by_ids(&self, ids: &[i64]) -> Result<Vec<Usergroup>> {
        Ok(usergroups::get_many(self.store().reader(), ids).await?)
    }

    pub async fn get_usergroup(&self, id: i64) -> Result<Usergroup> {
        self.require_usergroup(self.store().reader(), id).await
    }

    pub async fn list_usergroups(&self, page: &PageRequest) -> Result<Page<Usergroup>> {
        let limit = page.limit()?;
        let after = page.id_position("usergroups")?.unwrap_or(0);
        let rows = usergroups::list(self.store().reader(), after, limit + 1).await?;
        Ok(crate::cursor::page(rows, limit, "usergroups", |g| {
            g.id.to_string()
        }))
    }

    /// The usergroup's effective members, in user order, each with why they are in it.
    pub async fn usergroup_members(
        &self,
        id: i64,
        page: &PageRequest,
    ) -> Result<Page<(User, MembershipSources)>> {
        let reader = &self.store().reads().await?;
        self.require_usergroup(reader, id).await?;
        let limit = page.limit()?;
        let after = page.id_position("usergroup_members")?.unwrap_or(0);
        let members = usergroups::members(reader, id, after, limit + 1).await?;
        let ids: Vec<UserId> = members.iter().map(|(id, _)| *id).collect();
        let found = users::get_many(reader, &ids).await?;
        let rows: Vec<(User, MembershipSources)> = found
            .into_iter()
            .zip(members.into_iter().map(|(_, sources)| sources))
            .collect();
        Ok(crate::cursor::page(
            rows,
            limit,
            "usergroup_members",
            |(user, _)| user.id.0.to_string(),
        ))
    }

    /// Adds the user to the usergroup directly (kept whatever their organization does).
    pub async fn add_usergroup_member(
        &self,
        by: &Agent,
        usergroup: i64,
        user: UserId,
    ) -> Result<()> {
        require_admin(by, "add usergroup members")?;
        let actor = &by.actor();
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Usergroup, usergroup).await?;
        lock(&tx, Lockable::User, user.0).await?;
        let group = self.require_usergroup(&tx, usergroup).await?;
        let member = self.require_user(&tx, user).await?;
        if !usergroups::is_direct_member(&tx, usergroup, user).await? {
            usergroups::add_member(&tx, usergroup, user, at).await?;
            record_direct_membership(
                &tx,
                actor,
                &member,
                Action::UsergroupMemberAdded,
                &group,
                at,
            )
            .await?;
        }
        Ok(orgdesk_store::commit(tx).await?)
    }

    /// Removes the user's direct membership. A membership that comes only through the
    /// user's organization is refused (409) and nothing changes.
    pub async fn remove_usergroup_member(
        &self,
        by: &Agent,
        usergroup: i64,
        user: UserId,
    ) -> Result<()> {
        require_admin(by, "remove usergroup members")?;
        let actor = &by.actor();
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Usergroup, usergroup).await?;
        lock(&tx, Lockable::User, user.0).await?;
        let group = self.require_usergroup(&tx, usergroup).await?;
        let member = self.require_user(&tx, user).await?;
        if usergroups::remove_member(&tx, usergroup, user).await? {
            record_direct_membership(
                &tx,
                actor,
                &member,
                Action::UsergroupMemberRemoved,
                &group,
                at,
            )
            .await?;
            return Ok(orgdesk_store::commit(tx).await?);
        }
        match &member.organization {
            Some(organization)
                if usergroups::is_linked(&tx, organization.id, usergroup).await? =>
            {
                Err(Error::MembershipFromOrganization {
                    user: member.name.clone(),
                    usergroup: group.name,
                    organization: organization.name.clone(),
                })
            }
            _ => Err(Error::not_found(
                Entity::Membership,
                format!("of user {user} in usergroup {usergroup}"),
            )),
        }
    }

    /// Links the usergroup to the organization: every member, present and future, is in it.
    pub async fn link_usergroup(
        &self,
        by: &Agent,
        organization: OrganizationId,
        usergroup: i64,
    ) -> Result<()> {
        require_admin(by, "link usergroups")?;
        let actor = &by.actor();
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Organization, organization.0).await?;
        lock(&tx, Lockable::Usergroup, usergroup).await?;
        self.require_organization(&tx, organization).await?;
        let group = self.require_usergroup(&tx, usergroup).await?;
        if !usergroups::is_linked(&tx, organization, usergroup).await? {
            usergroups::link(&tx, organization, usergroup, at).await?;
            orgs::touch(&tx, organization, at).await?;
            let changes = vec![Change::new("usergroups", Value::Null, group.name.as_str())];
            record(
                &tx,
                Record {
                    organization,
                    actor,
                    action: Action::UsergroupLinked,
                    user: None,
                    changes,
                    at,
                },
            )
            .await?;
        }
        Ok(orgdesk_store::commit(tx).await?)
    }

    /// Unlinks: members leave the usergroup unless they are also in it directly.
    pub async fn unlink_usergroup(
        &self,
        by: &Agent,
        organization: OrganizationId,
        usergroup: i64,
    ) -> Result<()> {
        require_admin(by, "unlink usergroups")?;
        let actor = &by.actor();
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Organization, organization.0).await?;
        lock(&tx, Lockable::Usergroup, usergroup).await?;
        self.require_organization(&tx, organization).await?;
        let group = self.require_usergroup(&tx, usergroup).await?;
        if !usergroups::unlink(&tx, organization, usergroup).await? {
            return Err(Error::not_found(
                Entity::Membership,
                format!("link of usergroup {usergroup} to organization {organization}"),
            ));
        }
        orgs::touch(&tx, organization, at).await?;
        let changes = vec![Change::new("usergroups", group.name.as_str(), Value::Null)];
        record(
            &tx,
            Record {
                organization,
                actor,
                action: Action::UsergroupUnlinked,
                user: None,
                changes,
                at,
            },
        )
        .await?;
        Ok(orgdesk_store::commit(tx).await?)
    }

    /// The usergroups the user is in, with why.
    pub async fn user_usergroups(
        &self,
        user: UserId,
    ) -> Result<Vec<(Usergroup, MembershipSources)>> {
        let reader = &self.store().reads().await?;
        self.require_user(reader, user).await?;
        Ok(usergroups::of_user(reader, user).await?)
    }
}
