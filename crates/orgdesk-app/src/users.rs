//! End users: reading and changing them, and the portal's own profile. Creation lives
//! in `user_creation`.

use crate::auth::hash_new_password;
use crate::errors::{internal, unique_or_internal};
use crate::locking::{Lockable, lock};
use crate::members::{check_membership_fields, parse_position, place_user};
use crate::{App, now_ms};
use orgdesk_core::model::{Actor, User};
use orgdesk_core::{EmailAddress, Entity, Error, OrganizationId, PersonName, Result, UserId};
use orgdesk_store::dialect::UniqueKey;
use orgdesk_store::{ConnectionTrait, users};

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
}

async fn check_email_free<C: ConnectionTrait>(
    conn: &C,
    email: &EmailAddress,
    except: Option<UserId>,
) -> Result<()> {
    match users::find_id_by_email_key(conn, email.key())
        .await
        .map_err(internal)?
    {
        Some(id) if Some(id) != except => Err(Error::EmailTaken {
            account: "user",
            email: email.as_str().to_owned(),
        }),
        _ => Ok(()),
    }
}

impl App {
    pub async fn get_user(&self, id: UserId) -> Result<User> {
        self.require_user(self.store.reader(), id).await
    }

    /// Changes a user. Changing the email never re-applies the domain association:
    /// existing users are never moved silently.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        changes: UserChanges,
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
        let hash = hash_new_password(changes.password.as_deref()).await?;
        let at = now_ms();
        let tx = self.store.begin_write().await.map_err(internal)?;
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
        if let Some(wanted) = changes.auto_cc_organization_tickets
            && wanted != stored.auto_cc_organization_tickets
        {
            if wanted && !stored.manager {
                return Err(Error::validation(
                    "auto_cc_organization_tickets",
                    "only an organization manager can be copied on the organization's tickets",
                ));
            }
            users::set_auto_cc(&tx, id, wanted, at)
                .await
                .map_err(internal)?;
        }
        let new_name = name
            .map(PersonName::into_string)
            .unwrap_or(stored.name.clone());
        let new_email = email.unwrap_or(EmailAddress::parse(&stored.email)?);
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
        if let Some(hash) = hash {
            users::set_password_hash(&tx, id, &hash)
                .await
                .map_err(internal)?;
        }
        stored = self.require_user(&tx, id).await?;
        tx.commit().await.map_err(internal)?;
        Ok(stored)
    }

    /// The portal's own profile change: name, password, and (managers only) auto-CC.
    pub async fn update_own_profile(
        &self,
        user: &User,
        name: Option<String>,
        password: Option<String>,
        auto_cc: Option<bool>,
    ) -> Result<User> {
        if auto_cc == Some(true) && !user.manager {
            return Err(Error::Forbidden(
                "only organization managers can be copied on their organization's tickets".into(),
            ));
        }
        let actor = Actor::User {
            id: user.id,
            name: user.name.clone(),
        };
        let changes = UserChanges {
            name,
            password,
            auto_cc_organization_tickets: auto_cc,
            ..Default::default()
        };
        match self.update_user(&actor, user.id, changes).await {
            Err(Error::NotFound { .. }) => Err(Error::not_found(Entity::User, user.id)),
            other => other,
        }
    }
}
