//! Creating end users, one or many, with the email domain association.
//!
//! Every creation path (agent API, portal registration, imports) comes through
//! [`App::create_users`], so the association applies to all of them. A batch is one
//! transaction of multi-row statements: with SQLite's driver the fixed cost of each
//! statement dwarfs the work of inserting a row, so bulk creation must not pay it per user.

use crate::auth::hash_new_password;
use crate::errors::{self, unique_or_internal};
use crate::history;
use crate::members::parse_position;
use crate::{App, now_ms};
use orgdesk_core::model::{Action, Actor, Change, OrganizationRef, User};
use orgdesk_core::text::{EXTERNAL_ID_MAX_CHARS, optional_text};
use orgdesk_core::{EmailAddress, Error, OrganizationId, PersonName, Result};
use orgdesk_store::dialect::UniqueKey;
use orgdesk_store::{ConnectionTrait, domains, organizations as orgs, users};
use serde_json::Value;
use std::collections::HashSet;

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub password: Option<String>,
    /// When absent, the organization owning the email's domain (if any) is joined.
    pub organization_id: Option<OrganizationId>,
    pub position: Option<String>,
    pub manager: bool,
    /// The user's key in the system they came from; unique among users.
    pub external_id: Option<String>,
}

/// The actor recorded when the email domain association places a user.
fn domain_association() -> Actor {
    Actor::System {
        name: "email domain association".into(),
    }
}

/// A new user whose every value passed its rule.
pub(crate) struct ValidUser {
    pub name: PersonName,
    pub name_key: String,
    pub email: EmailAddress,
    pub position: Option<String>,
    pub manager: bool,
    pub external_id: Option<String>,
    pub organization_id: Option<OrganizationId>,
    pub password_hash: Option<String>,
}

pub(crate) async fn validate(new: &NewUser) -> Result<ValidUser> {
    let name = PersonName::parse(&new.name)?;
    let email = EmailAddress::parse(&new.email)?;
    let position = parse_position(new.position.as_deref())?;
    let external_id = optional_text(
        "external_id",
        new.external_id.as_deref(),
        EXTERNAL_ID_MAX_CHARS,
    )?;
    let password_hash = hash_new_password(new.password.as_deref()).await?;
    Ok(ValidUser {
        name_key: orgdesk_core::text::name_key(name.as_str()),
        name,
        email,
        position,
        manager: new.manager,
        external_id,
        organization_id: new.organization_id,
        password_hash,
    })
}

/// Names the batch entry an error is about: `email` → `users[3].email`. In a batch a
/// taken email is a fault of that entry, so it becomes a validation error.
fn in_batch(index: usize, err: Error) -> Error {
    let err = match err {
        Error::EmailTaken { .. } => Error::validation("email", err.to_string()),
        Error::ExternalIdTaken { .. } => Error::validation("external_id", err.to_string()),
        other => other,
    };
    errors::in_batch("users", index, err)
}

/// A unique index refusing the insert: the email or the external id was taken meanwhile
/// (a batch's are checked first, so this names the first user's).
fn map_insert_error(err: orgdesk_store::StoreError, valid: &[ValidUser]) -> Error {
    match orgdesk_store::dialect::unique_violation(&err) {
        Some(UniqueKey::UserExternalId) => Error::ExternalIdTaken {
            account: "user",
            external_id: valid[0].external_id.clone().unwrap_or_default(),
        },
        _ => unique_or_internal(err, UniqueKey::UserEmail, || Error::EmailTaken {
            account: "user",
            email: valid[0].email.as_str().to_owned(),
        }),
    }
}

/// An error about entry `index`: named as such in a batch, as it is for one user.
fn at_entry(entries: usize, index: usize, err: Error) -> Error {
    if entries > 1 {
        in_batch(index, err)
    } else {
        err
    }
}

impl App {
    /// Creates one user; with no organization given, the organization owning the
    /// email's domain is joined.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        let valid = validate(&new).await?;
        let mut created = self.insert_users(actor, vec![valid]).await?;
        Ok(created.pop().expect("one user in, one user out"))
    }

    /// Creates many users in one transaction: all of them, or none when any is refused
    /// (the error names the entry: `users[3].email`).
    pub async fn create_users(&self, actor: &Actor, batch: Vec<NewUser>) -> Result<Vec<User>> {
        let mut valid = Vec::with_capacity(batch.len());
        let mut keys = HashSet::with_capacity(batch.len());
        let mut external_ids = HashSet::new();
        for (index, new) in batch.iter().enumerate() {
            let user = validate(new).await.map_err(|err| in_batch(index, err))?;
            if !keys.insert(user.email.key().to_owned()) {
                return Err(Error::validation(
                    format!("users[{index}].email"),
                    format!("{} appears twice in this batch", user.email.as_str()),
                ));
            }
            if let Some(external_id) = &user.external_id
                && !external_ids.insert(external_id.clone())
            {
                return Err(Error::validation(
                    format!("users[{index}].external_id"),
                    format!("\"{external_id}\" appears twice in this batch"),
                ));
            }
            valid.push(user);
        }
        self.insert_users(actor, valid).await
    }

    async fn insert_users(&self, actor: &Actor, valid: Vec<ValidUser>) -> Result<Vec<User>> {
        if valid.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.store().begin_write_for(valid.len()).await?;
        let created = insert_users_on(&tx, actor, valid, now_ms()).await?;
        orgdesk_store::commit(tx).await?;
        Ok(created)
    }
}

/// Inserts users inside the caller's transaction, with the domain association and
/// their history; the caller commits.
pub(crate) async fn insert_users_on<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    valid: Vec<ValidUser>,
    at: i64,
) -> Result<Vec<User>> {
    lock_organizations_joined(tx, &valid).await?;
    check_new_users(tx, &valid).await?;
    insert_locked_users_on(tx, actor, valid, at).await
}

/// [`insert_users_on`] for users the caller has already checked inside this
/// transaction: every named organization exists, and no email or external id is
/// taken (an import resolves each row against the database, so it has). The unique
/// indexes still refuse what slipped through.
pub(crate) async fn insert_checked_users_on<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    valid: Vec<ValidUser>,
    at: i64,
) -> Result<Vec<User>> {
    lock_organizations_joined(tx, &valid).await?;
    insert_locked_users_on(tx, actor, valid, at).await
}

/// Holds every organization a new user may join (named, or owning the email's
/// domain) so none is deleted between the checks and the insert.
async fn lock_organizations_joined<C: ConnectionTrait>(tx: &C, valid: &[ValidUser]) -> Result<()> {
    let explicit = named_organizations(valid);
    let mut email_domains: Vec<&str> = valid
        .iter()
        .filter(|u| u.organization_id.is_none())
        .map(|u| u.email.domain())
        .collect();
    email_domains.sort_unstable();
    email_domains.dedup();
    Ok(domains::lock_joined(tx, &explicit, &email_domains).await?)
}

/// The organizations the users name explicitly, each once, in ascending order.
fn named_organizations(valid: &[ValidUser]) -> Vec<OrganizationId> {
    let mut named: Vec<OrganizationId> = valid.iter().filter_map(|u| u.organization_id).collect();
    named.sort_unstable();
    named.dedup();
    named
}

/// Refuses a batch that names an organization that does not exist, or an email or
/// external id a user already has.
async fn check_new_users<C: ConnectionTrait>(tx: &C, valid: &[ValidUser]) -> Result<()> {
    // Organizations named explicitly must exist.
    let known: HashSet<OrganizationId> = orgs::heads(tx, &named_organizations(valid))
        .await?
        .into_iter()
        .map(|h| OrganizationId(h.id))
        .collect();
    if let Some(index) = valid
        .iter()
        .position(|u| u.organization_id.is_some_and(|id| !known.contains(&id)))
    {
        let missing = valid[index].organization_id.expect("checked");
        let err = Error::validation(
            "organization_id",
            format!("organization {missing} does not exist"),
        );
        return Err(at_entry(valid.len(), index, err));
    }
    // A batch names the taken email; for one user the unique index says it as well,
    // without a query of its own.
    if valid.len() > 1 {
        let keys: Vec<&str> = valid.iter().map(|u| u.email.key()).collect();
        if let Some(taken) = users::existing_email_keys(tx, &keys).await?.first() {
            let index = valid
                .iter()
                .position(|u| u.email.key() == taken)
                .unwrap_or(0);
            return Err(in_batch(
                index,
                Error::EmailTaken {
                    account: "user",
                    email: valid[index].email.as_str().to_owned(),
                },
            ));
        }
        let external_ids: Vec<&str> = valid
            .iter()
            .filter_map(|u| u.external_id.as_deref())
            .collect();
        if let Some(taken) = users::existing_external_ids(tx, &external_ids)
            .await?
            .first()
        {
            let index = valid
                .iter()
                .position(|u| u.external_id.as_deref() == Some(taken.as_str()))
                .unwrap_or(0);
            return Err(in_batch(
                index,
                Error::ExternalIdTaken {
                    account: "user",
                    external_id: taken.clone(),
                },
            ));
        }
    }
    Ok(())
}

/// Inserts checked users whose organizations are held; the caller commits.
async fn insert_locked_users_on<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    valid: Vec<ValidUser>,
    at: i64,
) -> Result<Vec<User>> {
    let rows: Vec<users::NewUserRow<'_>> = valid
        .iter()
        .map(|u| users::NewUserRow {
            name: u.name.as_str(),
            name_key: &u.name_key,
            email: u.email.as_str(),
            email_key: u.email.key(),
            email_domain: u.email.domain(),
            password_hash: u.password_hash.as_deref(),
            organization_id: u.organization_id,
            position: u.position.as_deref(),
            manager: u.manager,
            external_id: u.external_id.as_deref(),
            at,
        })
        .collect();
    let inserted = users::insert_many(tx, &rows)
        .await
        .map_err(|err| map_insert_error(err, &valid))?;

    // Position and manager apply to the organization a user joins, named or found
    // by the email's domain; a user who joins none cannot hold them.
    if let Some(index) = valid.iter().zip(&inserted).position(|(user, row)| {
        row.organization.is_none() && (user.position.is_some() || user.manager)
    }) {
        let user = &valid[index];
        let (field, what) = if user.position.is_some() {
            ("position", "a position")
        } else {
            ("manager", "the manager flag")
        };
        let err = Error::validation(
            field,
            format!(
                "{} joins no organization (none has the domain {}) and only a member can have {what}; give organization_id",
                user.email.as_str(),
                user.email.domain(),
            ),
        );
        return Err(at_entry(valid.len(), index, err));
    }

    // Record each joining on its organization, with who placed the user there.
    let by_domain = domain_association();
    let joined = history::users_created_in(
        valid.iter().zip(&inserted).filter_map(|(user, row)| {
            let placed_by = if user.organization_id.is_some() {
                actor
            } else {
                &by_domain
            };
            row.organization_id().map(|organization| {
                (
                    row.id,
                    organization,
                    user.position.as_deref(),
                    user.manager,
                    placed_by,
                )
            })
        }),
        at,
    );
    history::record_all(tx, joined).await?;
    let created = valid.iter().zip(&inserted).map(|(user, row)| {
        let mut changes = vec![
            Change::new("name", Value::Null, user.name.as_str()),
            Change::new("email", Value::Null, user.email.as_str()),
        ];
        if let Some(organization) = row.organization_id() {
            changes.push(Change::new("organization_id", Value::Null, organization.0));
        }
        if let Some(position) = &user.position {
            changes.push(Change::new("position", Value::Null, position.as_str()));
        }
        if user.manager {
            changes.push(Change::new("manager", false, true));
        }
        if let Some(external_id) = &user.external_id {
            changes.push(Change::new(
                "external_id",
                Value::Null,
                external_id.as_str(),
            ));
        }
        history::UserRecord {
            user: row.id,
            actor,
            action: Action::Created,
            changes,
            at,
        }
    });
    history::record_for_users(tx, created.collect()).await?;

    Ok(valid
        .into_iter()
        .zip(inserted)
        .map(|(user, row)| User {
            id: row.id,
            name: user.name.into_string(),
            email: user.email.as_str().to_owned(),
            organization: row
                .organization
                .map(|(id, name)| OrganizationRef { id, name }),
            position: user.position,
            manager: user.manager,
            external_id: user.external_id,
            auto_cc_organization_tickets: false,
            notifications: true,
            disabled: false,
            created_at: at,
            updated_at: at,
        })
        .collect())
}
