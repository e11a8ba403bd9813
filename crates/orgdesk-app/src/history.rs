//! Recording and reading what happened to each organization.

use crate::errors::internal;
use crate::{App, PageRequest};
use orgdesk_core::model::{Actor, Change, OrganizationEvent, Page};
use orgdesk_core::{OrganizationId, Result, UserId};
use orgdesk_store::{ConnectionTrait, events};

/// One event to record.
pub(crate) struct Record<'a> {
    pub organization: OrganizationId,
    pub actor: &'a Actor,
    pub action: &'a str,
    pub user: Option<UserId>,
    pub changes: Vec<Change>,
    pub at: i64,
}

pub(crate) async fn record<C: ConnectionTrait>(conn: &C, record: Record<'_>) -> Result<()> {
    events::insert(
        conn,
        &events::NewEvent {
            organization_id: record.organization,
            at: record.at,
            actor: record.actor,
            action: record.action,
            user_id: record.user,
            changes: &record.changes,
            history: true,
        },
    )
    .await
    .map_err(internal)
}

impl App {
    /// Changes to the organization, its members, domains and links, newest first.
    pub async fn organization_history(
        &self,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<OrganizationEvent>> {
        self.events(id, true, page).await
    }

    /// Everything that happened around the organization, members' actions included,
    /// newest first.
    pub async fn organization_activity(
        &self,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<OrganizationEvent>> {
        self.events(id, false, page).await
    }

    async fn events(
        &self,
        id: OrganizationId,
        history_only: bool,
        page: &PageRequest,
    ) -> Result<Page<OrganizationEvent>> {
        self.require_organization(self.store.reader(), id).await?;
        let limit = page.limit()?;
        let before = page.id_position()?;
        let events = events::list(self.store.reader(), id, history_only, before, limit + 1)
            .await
            .map_err(internal)?;
        Ok(crate::cursor::page(events, limit, |event| {
            event.id.to_string()
        }))
    }
}
