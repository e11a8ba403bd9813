//! End users: reading and changing them, and the portal's own profile. Creation lives
//! in `user_creation`.

use crate::auth::{hash_new_password, require_admin, token_hash};
use crate::errors::unique_or_internal;
use crate::history::{UserRecord, record_for_user};
use crate::locking::{Lockable, lock};
use crate::members::{check_membership_fields, parse_position, place_user};
use crate::{App, now_ms};
use orgdesk_core::model::{Action, Actor, Agent, Change, User};
use orgdesk_core::text::{EXTERNAL_ID_MAX_CHARS, optional_text};
use orgdesk_core::{EmailAddress, Entity, Error, OrganizationId, PersonName, Result, UserId};
use orgdesk_store::dialect::UniqueKey;
use orgdesk_store::tokens::TokenOwner;
use orgdesk_store::{ConnectionTrait, tokens, users};
use serde_json::Value;
use std::net::IpAddr;

/// What to change; `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub organization_id: Option<Option<OrganizationId>>,
    pub position: Option<Option<String>>,
    pub manager: Option<bool>,
    pub auto_cc_organization_tickets: Option<bool>,
    /// Whether mail about the user's tickets reaches them.
    pub notifications: Option<bool>,
    pub external_id: Option<Option<String>>,
    /// Admins only: switches the user off (no sign-in, tokens refused) or back on.
    pub disabled: Option<bool>,
}

async fn check_email_free<C: ConnectionTrait>(
    conn: &C,
    email: &EmailAddress,
    except: Option<UserId>,
) -> Result<()> {
    match users::find_id_by_email_key(conn, email.key()).await? {
        Some(id) if Some(id) != except => Err(Error::EmailTaken {
            account: "user",
            email: email.as_str().to_owned(),
        }),
        _ => Ok(()),
    }
}

async fn check_external_id_free<C: ConnectionTrait>(
    conn: &C,
    external_id: &str,
    except: UserId,
) -> Result<()> {
    match users::find_id_by_external_id(conn, external_id).await? {
        Some(id) if id != except => Err(Error::ExternalIdTaken {
            account: "user",
            external_id: external_id.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// What a portal user may change about themselves; `None` keeps.
#[derive(Debug, Clone, Default)]
pub struct OwnProfileChanges {
    pub name: Option<String>,
    pub password: Option<String>,
    /// Required with `password`.
    pub current_password: Option<String>,
    /// Managers only.
    pub auto_cc: Option<bool>,
    /// Whether mail about the user's tickets reaches them.
    pub notifications: Option<bool>,
}

impl App {
    /// Refuses a password change whose `current_password` is missing or wrong. Tries
    /// count against the user's sign-in allowance, so a stolen token cannot be used to
    /// guess the password at the server's speed.
    async fn check_current_password(
        &self,
        user: &User,
        current: Option<&str>,
        from: IpAddr,
    ) -> Result<()> {
        let Some(current) = current else {
            return Err(Error::validation(
                "current_password",
                "is required to change the password",
            ));
        };
        match self.user_with_password(&user.email, current, from).await? {
            Some(id) if id == user.id => Ok(()),
            _ => Err(Error::validation(
                "current_password",
                "is not the current password",
            )),
        }
    }

    /// The user with this email address (any letter case), if there is one.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = EmailAddress::parse(email)?;
        let reader = &self.store().reads().await?;
        match users::find_id_by_email_key(reader, email.key()).await? {
            Some(id) => Ok(users::find(reader, id).await?),
            None => Ok(None),
        }
    }

    /// The users with these ids (a ticket's CCs, say), in the order asked; ids that are
    /// not users are left out.
    pub async fn users_by_ids(&self, ids: &[UserId]) -> Result<Vec<User>> {
        Ok(users::get_many(self.store().reader(), ids).await?)
    }

    pub async fn get_user(&self, id: UserId) -> Result<User> {
        self.require_user(&self.store().reads().await?, id).await
    }

    /// An agent changes a user. Changing the email never re-applies the domain
    /// association: existing users are never moved silently. Only admins set a user's
    /// password (anyone who could would then sign in to the portal as that user), and
    /// doing so ends every session the user had.
    pub async fn update_user(&self, by: &Agent, id: UserId, changes: UserChanges) -> Result<User> {
        if changes.password.is_some() {
            require_admin(by, "set a user's password")?;
        }
        if changes.disabled.is_some() {
            require_admin(by, "disable or enable users")?;
        }
        self.change_user(&by.actor(), id, changes, None).await
    }

    /// Applies `changes` to a user. A new password revokes the user's tokens, all but
    /// the one hashed as `keep_token`.
    async fn change_user(
        &self,
        actor: &Actor,
        id: UserId,
        changes: UserChanges,
        keep_token: Option<&str>,
    ) -> Result<User> {
        let name = changes.name.as_deref().map(PersonName::parse).transpose()?;
        let email = changes
            .email
            .as_deref()
            .map(EmailAddress::parse)
            .transpose()?;
        let position = changes
            .position
            .as_ref()
            .map(|p| parse_position(p.as_deref()))
            .transpose()?;
        let external_id = changes
            .external_id
            .as_ref()
            .map(|id| optional_text("external_id", id.as_deref(), EXTERNAL_ID_MAX_CHARS))
            .transpose()?;
        let hash = hash_new_password(changes.password.as_deref()).await?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        if let Some(Some(organization)) = changes.organization_id {
            lock(&tx, Lockable::Organization, organization.0).await?;
        }
        lock(&tx, Lockable::User, id.0).await?;
        let current = self.require_user(&tx, id).await?;
        let current_org = current.organization.as_ref().map(|o| o.id);
        let organization = changes.organization_id.unwrap_or(current_org);
        if let Some(Some(org)) = changes.organization_id {
            self.require_referenced_organization(&tx, "organization_id", org)
                .await?;
        }
        let moving = organization != current_org;
        let position = match position {
            Some(position) => position,
            None if moving => None,
            None => current.position.clone(),
        };
        let manager = changes.manager.unwrap_or(!moving && current.manager);
        check_membership_fields(organization.is_some(), position.as_deref(), manager)?;
        place_user(&tx, actor, &current, organization, position, manager, at).await?;

        let mut stored = self.require_user(&tx, id).await?;
        // What else changes goes to the user's own history as one event.
        let mut own_changes = Vec::new();
        if let Some(wanted) = changes.auto_cc_organization_tickets
            && wanted != stored.auto_cc_organization_tickets
        {
            own_changes.push(Change::new(
                "auto_cc_organization_tickets",
                stored.auto_cc_organization_tickets,
                wanted,
            ));
            if wanted && !stored.manager {
                return Err(Error::validation(
                    "auto_cc_organization_tickets",
                    "only an organization manager can be copied on the organization's tickets",
                ));
            }
            users::set_auto_cc(&tx, id, wanted, at).await?;
        }
        if let Some(wanted) = changes.notifications
            && wanted != stored.notifications
        {
            own_changes.push(Change::new("notifications", stored.notifications, wanted));
            users::set_notifications(&tx, id, wanted, at).await?;
        }
        let new_name = name
            .map(PersonName::into_string)
            .unwrap_or(stored.name.clone());
        let new_email = email.unwrap_or(EmailAddress::parse(&stored.email)?);
        if new_name != stored.name {
            own_changes.push(Change::new("name", stored.name.as_str(), new_name.as_str()));
        }
        if new_email.as_str() != stored.email {
            own_changes.push(Change::new(
                "email",
                stored.email.as_str(),
                new_email.as_str(),
            ));
        }
        if new_name != stored.name || new_email.as_str() != stored.email {
            check_email_free(&tx, &new_email, Some(id)).await?;
            users::set_identity(&tx, id, &new_name, &new_email, at)
                .await
                .map_err(|err| {
                    unique_or_internal(err, UniqueKey::UserEmail, || Error::EmailTaken {
                        account: "user",
                        email: new_email.as_str().to_owned(),
                    })
                })?;
        }
        if let Some(external_id) = external_id
            && external_id != stored.external_id
        {
            own_changes.push(Change::new(
                "external_id",
                stored.external_id.as_deref(),
                external_id.as_deref(),
            ));
            if let Some(wanted) = external_id.as_deref() {
                check_external_id_free(&tx, wanted, id).await?;
            }
            users::set_external_id(&tx, id, external_id.as_deref(), at)
                .await
                .map_err(|err| {
                    unique_or_internal(err, UniqueKey::UserExternalId, || Error::ExternalIdTaken {
                        account: "user",
                        external_id: external_id.clone().unwrap_or_default(),
                    })
                })?;
        }
        if let Some(hash) = hash {
            // The fact, never the password or its hash.
            own_changes.push(Change::new("password", Value::Null, "changed"));
            users::set_password_hash(&tx, id, &hash).await?;
            tokens::revoke_all(&tx, TokenOwner::User(id), keep_token, at).await?;
        }
        if let Some(disabled) = changes.disabled
            && disabled != stored.disabled
        {
            own_changes.push(Change::new("disabled", stored.disabled, disabled));
            users::set_disabled(&tx, id, disabled, at).await?;
            if disabled {
                tokens::revoke_all(&tx, TokenOwner::User(id), None, at).await?;
            }
        }
        record_for_user(
            &tx,
            UserRecord {
                user: id,
                actor,
                action: Action::Updated,
                changes: own_changes,
                at,
            },
        )
        .await?;
        stored = self.require_user(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(stored)
    }

    /// The portal's own profile change: name, password, and (managers only) auto-CC.
    /// A new password needs the current one, and ends the user's other sessions (the
    /// token the change was made with, `token`, stays valid).
    pub async fn update_own_profile(
        &self,
        user: &User,
        token: &str,
        changes: OwnProfileChanges,
        from: IpAddr,
    ) -> Result<User> {
        let OwnProfileChanges {
            name,
            password,
            current_password,
            auto_cc,
            notifications,
        } = changes;
        if password.is_some() {
            self.check_current_password(user, current_password.as_deref(), from)
                .await?;
        }
        if auto_cc == Some(true) && !user.manager {
            return Err(Error::Forbidden(
                "only organization managers can be copied on their organization's tickets".into(),
            ));
        }
        let actor = user.actor();
        let changes = UserChanges {
            name,
            password,
            auto_cc_organization_tickets: auto_cc,
            notifications,
            ..Default::default()
        };
        let keep = token_hash(token);
        match self
            .change_user(&actor, user.id, changes, Some(&keep))
            .await
        {
            Err(Error::NotFound { .. }) => Err(Error::not_found(Entity::User, user.id)),
            other => other,
        }
    }
}
