//! Tickets as portal users see them. A user sees the tickets they requested or are
//! CC'd on; a manager also sees every ticket recorded against their organization.
//! Anything else does not exist as far as the user can tell (404, never 403), so ticket
//! ids leak nothing.

use crate::locking::{Lockable, lock};
use crate::tickets::{Opening, search_filter};
use crate::{App, PageRequest};
use orgdesk_core::model::{Page, Ticket, TicketMessage, User};
use orgdesk_core::ticket::{
    PortalViewer, TicketAudience, TicketPriority, TicketStatus, parse_body, parse_subject,
};
use orgdesk_core::{Entity, Error, Result, TicketId};
use orgdesk_store::dialect::SearchScope;
use orgdesk_store::tickets::{OrganizationScope, TicketFilter};

/// Which tickets a portal list covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortalScope {
    /// Requested by the user or CC'd to them.
    #[default]
    Mine,
    /// Every ticket of the user's organization: managers only.
    Organization,
}

fn viewer(user: &User) -> PortalViewer {
    PortalViewer {
        id: user.id,
        organization: user.organization.as_ref().map(|o| o.id),
        manager: user.manager,
    }
}

fn audience(ticket: &Ticket) -> TicketAudience<'_> {
    TicketAudience {
        requester: ticket.requester.id,
        organization: ticket.organization.as_ref().map(|o| o.id),
        ccs: &ticket.cc_ids,
    }
}

impl App {
    /// The ticket if `user` may see it; otherwise "not found", as if it did not exist.
    async fn visible_ticket<C: orgdesk_store::ConnectionTrait>(
        &self,
        conn: &C,
        user: &User,
        id: TicketId,
    ) -> Result<Ticket> {
        match self.require_ticket(conn, id).await {
            Ok(ticket) if viewer(user).can_see(&audience(&ticket)) => Ok(ticket),
            Ok(_) | Err(Error::NotFound { .. }) => Err(Error::not_found(Entity::Ticket, id)),
            Err(other) => Err(other),
        }
    }

    /// A signed-in user opens a ticket. It records their organization, and the
    /// organization's managers with auto-CC on are CC'd.
    pub async fn portal_create_ticket(
        &self,
        user: &User,
        subject: &str,
        body: &str,
    ) -> Result<Ticket> {
        let subject = parse_subject(subject)?;
        let body = parse_body(body)?;
        let author = user.actor();
        let tx = self.store().begin_write().await?;
        // The user as stored now, not as the token's request began: their organization
        // decides where the ticket belongs.
        lock(&tx, Lockable::User, user.id.0).await?;
        let requester = self.require_user(&tx, user.id).await?;
        let opening = Opening {
            requester,
            subject,
            body: body.clone(),
            ccs: Vec::new(),
            status: TicketStatus::New,
            priority: TicketPriority::Normal,
            department_id: None,
            assignee: None,
        };
        let ids = self.open_tickets(&tx, &author, &[opening]).await?;
        let ticket = self.require_ticket(&tx, ids[0]).await?;
        self.queue_ticket_created(&tx, &ticket, &body).await?;
        orgdesk_store::commit(tx).await?;
        self.mail_queued();
        Ok(ticket)
    }

    /// The user's tickets (`Mine`) or, for managers, their organization's, newest
    /// first, optionally narrowed by words of the subject and replies (never of
    /// internal notes).
    pub async fn portal_tickets(
        &self,
        user: &User,
        scope: PortalScope,
        q: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Ticket>> {
        let search = search_filter(q, SearchScope::Public)?;
        let filter = match scope {
            PortalScope::Mine => TicketFilter {
                participant: Some(user.id),
                search,
                ..TicketFilter::default()
            },
            PortalScope::Organization => {
                let organization = match (&user.organization, user.manager) {
                    (Some(organization), true) => organization.id,
                    _ => {
                        return Err(Error::Forbidden(
                            "only a manager of an organization can list its tickets".into(),
                        ));
                    }
                };
                TicketFilter {
                    organization: Some(OrganizationScope::Only(organization)),
                    search,
                    ..TicketFilter::default()
                }
            }
        };
        self.tickets_page(&filter, page).await
    }

    pub async fn portal_ticket(&self, user: &User, id: TicketId) -> Result<Ticket> {
        self.visible_ticket(&self.store().reads().await?, user, id)
            .await
    }

    /// The ticket's replies, oldest first; internal notes never appear.
    pub async fn portal_ticket_messages(
        &self,
        user: &User,
        id: TicketId,
        page: &PageRequest,
    ) -> Result<Page<TicketMessage>> {
        self.visible_ticket(self.store().reader(), user, id).await?;
        self.messages_page(id, false, page).await
    }

    /// The requester or a CC'd user replies. A ticket waiting on them (pending) or
    /// solved comes back open. Managers who only watch the ticket cannot reply (403).
    pub async fn portal_reply(
        &self,
        user: &User,
        id: TicketId,
        body: &str,
    ) -> Result<TicketMessage> {
        let body = parse_body(body)?;
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Ticket, id.0).await?;
        let ticket = self.visible_ticket(&tx, user, id).await?;
        if !viewer(user).takes_part(&audience(&ticket)) {
            return Err(Error::Forbidden(
                "only the requester and CC'd users can reply to this ticket".into(),
            ));
        }
        let status = ticket.status.after_customer_reply();
        let message = self
            .append_message(&tx, &ticket, &user.actor(), &body, false, status)
            .await?;
        orgdesk_store::commit(tx).await?;
        Ok(message)
    }
}
