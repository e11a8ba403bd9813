//! Outgoing mail: what is queued when (a new ticket, an agent's reply, a message to an
//! organization), in the transaction of the change that causes it, and the worker that
//! sends it (`worker`) through SMTP or into an outbox folder (`transport`).
//!
//! Queued mail is a row until it is sent: a crash or restart between the change and
//! the sending loses nothing, and a sent mark per mail means a restart never sends one
//! again (but for one whose sending was under way at the crash, which may go out twice
//! rather than never).

pub(crate) mod texts;
mod transport;
mod worker;

pub use transport::MailTransport;
pub use worker::MailWorker;

use crate::PageRequest;
use crate::auth::require_admin;
use crate::history::{Record, record};
use crate::locking::{Lockable, lock};
use crate::{App, now_ms};
use lettre::message::Mailbox;
use orgdesk_core::mail::{
    MailKind, MailState, OutgoingMail, ticket_mail_subject, ticket_thread_id,
};
use orgdesk_core::model::{Action, Actor, Agent, Change, Page, Ticket};
use orgdesk_core::ticket::{parse_body, parse_subject};
use orgdesk_core::{OrganizationId, Result};
use orgdesk_store::ConnectionTrait;
use orgdesk_store::mail::{self as queue, MailTemplate, Recipients};
use serde_json::Value;

/// Who mail comes from and where its links lead.
#[derive(Clone, Debug)]
pub struct MailSettings {
    from: Mailbox,
    public_url: Option<String>,
}

impl MailSettings {
    /// `from` is a mailbox (`Support <support@example.com>` or a bare address);
    /// `public_url` is the address people reach the server at (links in mail).
    pub fn new(from: &str, public_url: Option<&str>) -> std::result::Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|err| format!("\"{from}\" is not a mail sender (Name <address>): {err}"))?;
        let public_url = public_url
            .map(|url| {
                url::Url::parse(url)
                    .map_err(|err| format!("\"{url}\" is not a URL: {err}"))
                    .map(|_| url.trim_end_matches('/').to_owned())
            })
            .transpose()?;
        Ok(Self { from, public_url })
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// The domain of the sender's address: it names this helpdesk's `Message-ID`s.
    pub fn host(&self) -> &str {
        self.from.email.domain()
    }

    /// A link to `path` (starting with `/`), when the public address is known.
    fn link(&self, path: &str) -> Option<String> {
        self.public_url.as_ref().map(|base| format!("{base}{path}"))
    }

    /// A link to `path`, or the path alone when the public address is not known.
    pub(crate) fn link_or_path(&self, path: &str) -> String {
        self.link(path).unwrap_or_else(|| path.to_owned())
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self::new("orgdesk <orgdesk@localhost>", None).expect("a valid default sender")
    }
}

/// A `Message-ID` for each recipient of one mail: a random part shared by the mail,
/// then the recipient's user id.
pub(crate) fn message_id_parts(settings: &MailSettings, what: &str) -> (String, String) {
    let unique = uuid::Uuid::new_v4().simple();
    (
        format!("<{what}.{unique}.u"),
        format!("@{}>", settings.host()),
    )
}

impl App {
    pub(crate) fn mail_settings(&self) -> &MailSettings {
        &self.settings().mail
    }

    /// Queues the acknowledgement of a new ticket to its requester.
    pub(crate) async fn queue_ticket_created<C: ConnectionTrait>(
        &self,
        conn: &C,
        ticket: &Ticket,
        body: &str,
    ) -> Result<()> {
        let settings = self.mail_settings();
        let text = texts::ticket_created(ticket, body, settings.link(&portal_path(ticket)));
        self.queue_ticket_mail(conn, ticket, MailKind::TicketCreated, &text)
            .await
    }

    /// Queues an agent's public reply to the ticket's requester and CC'd users.
    pub(crate) async fn queue_ticket_reply<C: ConnectionTrait>(
        &self,
        conn: &C,
        ticket: &Ticket,
        author: &Actor,
        body: &str,
    ) -> Result<()> {
        let settings = self.mail_settings();
        let text = texts::ticket_reply(author, body, settings.link(&portal_path(ticket)));
        self.queue_ticket_mail(conn, ticket, MailKind::TicketReply, &text)
            .await
    }

    async fn queue_ticket_mail<C: ConnectionTrait>(
        &self,
        conn: &C,
        ticket: &Ticket,
        kind: MailKind,
        body: &str,
    ) -> Result<()> {
        let settings = self.mail_settings();
        let (prefix, suffix) = message_id_parts(settings, &format!("ticket-{}", ticket.id.0));
        let thread = ticket_thread_id(ticket.id, settings.host());
        let recipients = match kind {
            MailKind::TicketCreated => Recipients::Requester(ticket.id),
            _ => Recipients::Participants(ticket.id),
        };
        queue::insert_for(
            conn,
            recipients,
            &MailTemplate {
                kind: kind.as_str(),
                subject: &ticket_mail_subject(ticket.id, &ticket.subject),
                body,
                message_id_prefix: &prefix,
                message_id_suffix: &suffix,
                thread_id: Some(&thread),
                ticket_id: Some(ticket.id),
                organization_id: ticket.organization.as_ref().map(|o| o.id),
                at: now_ms(),
            },
        )
        .await?;
        Ok(())
    }

    /// An agent writes to an organization: one mail to each member who takes mail
    /// (enabled, notifications on), recorded in the organization's activity with the
    /// number of recipients. Returns that number.
    pub async fn write_to_organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
        subject: &str,
        body: &str,
    ) -> Result<u64> {
        let subject = parse_subject(subject)?;
        let body = parse_body(body)?;
        let settings = self.mail_settings();
        let (prefix, suffix) = message_id_parts(settings, &format!("organization-{}", id.0));
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        // Members who join or leave meanwhile are either in the count or not, never
        // half-way.
        lock(&tx, Lockable::Organization, id.0).await?;
        self.require_organization(&tx, id).await?;
        let recipients = queue::insert_for(
            &tx,
            Recipients::Members(id),
            &MailTemplate {
                kind: MailKind::OrganizationMessage.as_str(),
                subject: &subject,
                body: &body,
                message_id_prefix: &prefix,
                message_id_suffix: &suffix,
                thread_id: None,
                ticket_id: None,
                organization_id: Some(id),
                at,
            },
        )
        .await?;
        record(
            &tx,
            Record {
                organization: id,
                actor,
                action: Action::MessageSent,
                user: None,
                changes: vec![
                    Change::new("subject", Value::Null, subject.as_str()),
                    Change::new("recipients", Value::Null, recipients),
                ],
                at,
            },
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        self.mail_queued();
        Ok(recipients)
    }

    /// The mail queue, newest first, optionally in one state: admins see what went out,
    /// what waits for another attempt (with the last error) and what was given up on.
    pub async fn outgoing_mail(
        &self,
        by: &Agent,
        state: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<OutgoingMail>> {
        require_admin(by, "see the mail queue")?;
        let state = state.map(MailState::parse).transpose()?;
        let limit = page.limit()?;
        let before = page.id_position("outgoing-mail")?;
        let mails = queue::list(
            self.store().reader(),
            state.map(MailState::as_str),
            before,
            limit + 1,
        )
        .await?;
        Ok(crate::cursor::page(mails, limit, "outgoing-mail", |m| {
            m.id.to_string()
        }))
    }

    /// Wakes the mail worker: mail was queued by a transaction that committed.
    pub(crate) fn mail_queued(&self) {
        self.0.mail_queued.notify_one();
    }
}

/// Where the requester reads the ticket in the portal.
fn portal_path(ticket: &Ticket) -> String {
    format!("/portal/tickets/{}", ticket.id.0)
}
