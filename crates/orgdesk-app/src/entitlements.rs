//! Entitlements: what an organization has access to. Agents add, change and remove
//! them; each is recorded in the organization's history; members see the active ones.

use crate::history::{Record, record};
use crate::locking::{Lockable, lock};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::day::{format_day, today};
use orgdesk_core::entitlement::{Entitlement, EntitlementTerms};
use orgdesk_core::error::check_version;
use orgdesk_core::model::{Action, Actor, Change, Page, User};
use orgdesk_core::{Entity, Error, OrganizationId, Result};
use orgdesk_store::{ConnectionTrait, entitlements};
use serde_json::Value;

/// Active entitlements a member is shown: more than any organization holds.
const SHOWN_TO_MEMBERS: u64 = 200;

/// An entitlement as it arrives, before validation; days as `YYYY-MM-DD`.
#[derive(Debug, Clone, Default)]
pub struct NewEntitlement {
    pub name: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub notes: Option<String>,
}

/// What to change; `None` leaves a term as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct EntitlementChanges {
    pub name: Option<String>,
    pub starts_on: Option<Option<String>>,
    pub ends_on: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub expected_version: Option<i64>,
}

/// A page of an organization's entitlements read on `conn`: active today first, then
/// by name. (An organization holds a handful, so the cursor counts rows.)
pub(crate) async fn entitlements_page_on<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
    page: &PageRequest,
) -> Result<Page<Entitlement>> {
    let limit = page.limit()?;
    let offset = page.offset_position("entitlements")?;
    let today = format_day(today());
    let rows = entitlements::list_for(conn, id, &today, offset as u64, limit + 1).await?;
    let indexed = rows.into_iter().enumerate().collect();
    let page = crate::cursor::page(indexed, limit, "entitlements", |(index, _)| {
        (offset + index + 1).to_string()
    });
    Ok(Page {
        items: page.items.into_iter().map(|(_, e)| e).collect(),
        next_cursor: page.next_cursor,
    })
}

/// The history change of an entitlement: its terms before and after.
fn entitlement_change(
    id: i64,
    old: Option<&EntitlementTerms>,
    new: Option<&EntitlementTerms>,
) -> Change {
    let json = |terms: Option<&EntitlementTerms>| match terms {
        Some(terms) => {
            let mut value = terms.json();
            value["id"] = id.into();
            value
        }
        None => Value::Null,
    };
    Change::new("entitlement", json(old), json(new))
}

impl App {
    /// The entitlement, read again under its organization's lock (taken first, as
    /// every writer of the organization does), so what is changed is what is current.
    async fn locked_entitlement<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: i64,
    ) -> Result<Entitlement> {
        let found = self.require_entitlement(conn, id).await?;
        lock(conn, Lockable::Organization, found.organization_id.0).await?;
        self.require_entitlement(conn, id).await
    }

    async fn require_entitlement<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: i64,
    ) -> Result<Entitlement> {
        entitlements::find(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Entitlement, id))
    }

    /// An organization's entitlements, active ones first, then by name.
    pub async fn organization_entitlements(
        &self,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<Entitlement>> {
        let reads = self.store().reads().await?;
        self.require_organization(&reads, id).await?;
        entitlements_page_on(&reads, id, page).await
    }

    pub async fn get_entitlement(&self, id: i64) -> Result<Entitlement> {
        self.require_entitlement(&self.store().reads().await?, id)
            .await
    }

    pub async fn add_entitlement(
        &self,
        actor: &Actor,
        organization: OrganizationId,
        new: NewEntitlement,
    ) -> Result<Entitlement> {
        let terms = EntitlementTerms::parse(
            &new.name,
            new.starts_on.as_deref(),
            new.ends_on.as_deref(),
            new.notes.as_deref(),
        )?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        // The organization's row lock keeps it from being deleted meanwhile.
        lock(&tx, Lockable::Organization, organization.0).await?;
        self.require_organization(&tx, organization).await?;
        let added = entitlements::insert(&tx, organization, &terms, at).await?;
        record(
            &tx,
            Record {
                organization,
                actor,
                action: Action::EntitlementAdded,
                user: None,
                changes: vec![entitlement_change(added.id, None, Some(&terms))],
                at,
            },
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        Ok(added)
    }

    pub async fn change_entitlement(
        &self,
        actor: &Actor,
        id: i64,
        changes: EntitlementChanges,
    ) -> Result<Entitlement> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let current = self.locked_entitlement(&tx, id).await?;
        check_version(changes.expected_version, current.version)?;
        let was = &current.terms;
        let day = |change: &Option<Option<String>>, stored: Option<time::Date>| match change {
            Some(given) => given.clone(),
            None => stored.map(format_day),
        };
        let terms = EntitlementTerms::parse(
            changes.name.as_deref().unwrap_or(&was.name),
            day(&changes.starts_on, was.starts_on).as_deref(),
            day(&changes.ends_on, was.ends_on).as_deref(),
            match &changes.notes {
                Some(notes) => notes.as_deref(),
                None => was.notes.as_deref(),
            },
        )?;
        if terms == *was {
            return Ok(current);
        }
        if !entitlements::update(&tx, id, current.version, &terms, at).await? {
            let now = self.require_entitlement(&tx, id).await?;
            return Err(Error::VersionConflict {
                expected: current.version,
                current: now.version,
            });
        }
        record(
            &tx,
            Record {
                organization: current.organization_id,
                actor,
                action: Action::EntitlementChanged,
                user: None,
                changes: vec![entitlement_change(id, Some(was), Some(&terms))],
                at,
            },
        )
        .await?;
        let changed = self.require_entitlement(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(changed)
    }

    pub async fn remove_entitlement(&self, actor: &Actor, id: i64) -> Result<Entitlement> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let current = self.locked_entitlement(&tx, id).await?;
        entitlements::delete(&tx, id).await?;
        record(
            &tx,
            Record {
                organization: current.organization_id,
                actor,
                action: Action::EntitlementRemoved,
                user: None,
                changes: vec![entitlement_change(id, Some(&current.terms), None)],
                at,
            },
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        Ok(current)
    }

    /// The entitlements of a member's organization that are active today.
    pub async fn member_entitlements(&self, user: &User) -> Result<Vec<Entitlement>> {
        let Some(organization) = &user.organization else {
            return Ok(Vec::new());
        };
        let today = format_day(today());
        Ok(entitlements::active_for(
            &self.store().reads().await?,
            organization.id,
            &today,
            SHOWN_TO_MEMBERS,
        )
        .await?)
    }
}
