//! Tickets as agents work them: create on behalf of a user, read, change, reply or note,
//! and list (all tickets, or an organization's). The portal's side is in `portal_tickets`.

use crate::errors::in_batch;
use crate::history::{Record, record_all};
use crate::locking::{Lockable, lock, lock_all};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::error::check_version;
use orgdesk_core::model::{Action, Actor, Change, Page, Ticket, TicketMessage, User};
use orgdesk_core::search;
use orgdesk_core::ticket::{
    TicketPriority, TicketStatus, normalize_ccs, parse_body, parse_subject,
};
use orgdesk_core::{AgentId, Entity, Error, OrganizationId, Result, TicketId, UserId};
use orgdesk_store::dialect::{
    SearchScope, append_ticket_search, insert_ticket_search, put_ticket_search,
};
use orgdesk_store::tickets::{
    self, NewMessageRow, NewTicketRow, OrganizationScope, TicketFilter, TicketUpdate,
};
use orgdesk_store::{ConnectionTrait, agents, organizations as orgs, users};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A ticket an agent opens for a user.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub requester_id: i64,
    pub subject: String,
    pub body: String,
    pub cc_ids: Vec<i64>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// Changes to a ticket; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    pub subject: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub organization_id: Option<Option<i64>>,
    pub department_id: Option<Option<i64>>,
    pub assignee_id: Option<Option<i64>>,
    /// Replaces the CC list.
    pub cc_ids: Option<Vec<i64>>,
    pub expected_version: Option<i64>,
}

impl TicketChanges {
    /// Whether these changes would do more than keep a ticket closed: a closed ticket
    /// is final, so anything else is refused.
    fn would_change_closed_ticket(&self, status: Option<TicketStatus>) -> bool {
        status.is_some_and(|status| status != TicketStatus::Closed)
            || self.subject.is_some()
            || self.priority.is_some()
            || self.organization_id.is_some()
            || self
                .department_id
                .is_some_and(|department| department.is_some())
            || self.assignee_id.is_some()
            || self.cc_ids.is_some()
    }
}

/// A reply (or, with `internal`, a note only agents see). `status` optionally sets the
/// ticket's status in the same step ("reply and mark pending").
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub body: String,
    pub internal: bool,
    pub status: Option<String>,
}

/// Filters of the agents' ticket list.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub status: Option<String>,
    pub requester_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// Tickets recorded against this organization (not its subsidiaries).
    pub organization_id: Option<i64>,
    pub q: Option<String>,
}

/// Filters of an organization's ticket list.
#[derive(Debug, Clone, Default)]
pub struct OrganizationTicketQuery {
    pub include_descendants: bool,
    pub status: Option<String>,
    pub q: Option<String>,
    /// Only tickets whose requester is (true) or is not (false) a manager of the
    /// ticket's organization.
    pub requester_manager: Option<bool>,
}

/// Everything a new ticket needs once its input is valid.
pub(crate) struct Opening {
    pub requester: User,
    pub subject: String,
    pub body: String,
    pub ccs: Vec<UserId>,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub department_id: Option<i64>,
    pub assignee: Option<AgentId>,
}

/// A ticket's input checked on its own (before its ids are looked up).
struct ValidTicket {
    requester: UserId,
    subject: String,
    body: String,
    ccs: Vec<UserId>,
    status: TicketStatus,
    priority: TicketPriority,
    department_id: Option<i64>,
    assignee: Option<AgentId>,
}

fn validate(new: NewTicket) -> Result<ValidTicket> {
    let requester = UserId(new.requester_id);
    let ccs: Vec<UserId> = new.cc_ids.iter().copied().map(UserId).collect();
    Ok(ValidTicket {
        subject: parse_subject(&new.subject)?,
        body: parse_body(&new.body)?,
        ccs: normalize_ccs(requester, &ccs)?,
        status: optional_status(new.status.as_deref())?.unwrap_or(TicketStatus::New),
        priority: new
            .priority
            .as_deref()
            .map(TicketPriority::parse)
            .transpose()?
            .unwrap_or(TicketPriority::Normal),
        department_id: department(new.department_id)?,
        assignee: new.assignee_id.map(AgentId),
        requester,
    })
}

/// Departments do not exist yet: a ticket can name none, so an id would point at
/// nothing. Absent or null is accepted.
fn department(value: Option<i64>) -> Result<Option<i64>> {
    match value {
        Some(id) => Err(Error::validation(
            "department_id",
            format!(
                "there are no departments yet, so there is no department {id}; leave it out or null"
            ),
        )),
        None => Ok(None),
    }
}

fn optional_status(value: Option<&str>) -> Result<Option<TicketStatus>> {
    value.map(TicketStatus::parse).transpose()
}

/// A missing record named in a request body: the body is wrong (422), not the address.
fn unknown(field: &str, what: &str, ids: impl IntoIterator<Item = i64>) -> Error {
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    Error::validation(field, format!("no {what} with id {}", ids.join(", ")))
}

/// The organization activity event of a new ticket.
fn ticket_created_record<'a>(
    actor: &'a Actor,
    organization: OrganizationId,
    ticket: TicketId,
    requester: UserId,
    subject: &str,
    at: i64,
) -> Record<'a> {
    Record {
        organization,
        actor,
        action: Action::TicketCreated,
        user: Some(requester),
        changes: vec![
            Change::new("ticket", Value::Null, ticket.0),
            Change::new("subject", Value::Null, subject),
        ],
        at,
    }
}

/// Refuses CCs that are not among `known` users (422 naming them).
fn known_ccs(ccs: &[UserId], known: &HashSet<UserId>) -> Result<()> {
    let missing: Vec<i64> = ccs
        .iter()
        .filter(|id| !known.contains(id))
        .map(|id| id.0)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(unknown("cc_ids", "user", missing))
    }
}

/// Refuses an assignee that is not among `known` agents (422 naming it).
fn known_assignee(id: AgentId, known: &HashSet<AgentId>) -> Result<AgentId> {
    if known.contains(&id) {
        Ok(id)
    } else {
        Err(unknown("assignee_id", "agent", [id.0]))
    }
}

fn distinct<T: Ord>(mut ids: Vec<T>) -> Vec<T> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl App {
    pub(crate) async fn require_ticket<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: TicketId,
    ) -> Result<Ticket> {
        tickets::find(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Ticket, id))
    }

    /// Checks that every CC is a user (422 naming the ones that are not).
    async fn check_ccs<C: ConnectionTrait>(&self, conn: &C, ccs: &[UserId]) -> Result<()> {
        let found: HashSet<UserId> = users::existing_ids(conn, ccs).await?.into_iter().collect();
        known_ccs(ccs, &found)
    }

    async fn check_assignee<C: ConnectionTrait>(&self, conn: &C, id: i64) -> Result<AgentId> {
        let found: HashSet<AgentId> = agents::existing_ids(conn, &[AgentId(id)])
            .await?
            .into_iter()
            .collect();
        known_assignee(AgentId(id), &found)
    }

    /// Opens tickets inside `conn`'s transaction, a few statements per batch whatever
    /// its size: the tickets with their requesters' organizations, their first
    /// messages, their CCs plus each organization's auto-CC managers, their search
    /// documents, and the organizations' activity events.
    pub(crate) async fn open_tickets<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &Actor,
        openings: &[Opening],
    ) -> Result<Vec<TicketId>> {
        let at = now_ms();
        let organization_of =
            |opening: &Opening| opening.requester.organization.as_ref().map(|o| o.id);
        let rows: Vec<NewTicketRow<'_>> = openings
            .iter()
            .map(|opening| NewTicketRow {
                subject: &opening.subject,
                status: opening.status,
                priority: opening.priority,
                requester: opening.requester.id,
                organization: organization_of(opening),
                department_id: opening.department_id,
                assignee: opening.assignee,
                at,
            })
            .collect();
        let ids = tickets::insert_many(conn, &rows).await?;
        let messages: Vec<NewMessageRow<'_>> = openings
            .iter()
            .zip(&ids)
            .map(|(opening, id)| NewMessageRow {
                ticket: *id,
                author: actor,
                body: &opening.body,
                internal: false,
                at,
            })
            .collect();
        tickets::insert_messages(conn, &messages).await?;
        let ccs: Vec<(TicketId, UserId)> = openings
            .iter()
            .zip(&ids)
            .flat_map(|(opening, id)| opening.ccs.iter().map(|cc| (*id, *cc)))
            .collect();
        tickets::add_ccs(conn, &ccs).await?;
        tickets::cc_auto_cc_managers(conn, &ids).await?;
        let documents: Vec<(i64, String)> = openings
            .iter()
            .zip(&ids)
            .map(|(opening, id)| {
                let text = format!("{} {}", opening.subject, opening.body);
                (id.0, search::document(&text))
            })
            .collect();
        insert_ticket_search(conn, &documents).await?;
        let events: Vec<Record<'_>> = openings
            .iter()
            .zip(&ids)
            .filter_map(|(opening, id)| {
                organization_of(opening).map(|organization| {
                    ticket_created_record(
                        actor,
                        organization,
                        *id,
                        opening.requester.id,
                        &opening.subject,
                        at,
                    )
                })
            })
            .collect();
        record_all(conn, events).await?;
        Ok(ids)
    }

    /// An agent opens a ticket on behalf of a user.
    pub async fn create_ticket(&self, actor: &Actor, new: NewTicket) -> Result<Ticket> {
        let valid = validate(new)?;
        let tx = self.store().begin_write().await?;
        let body = valid.body.clone();
        let ids = self.insert_tickets(&tx, actor, vec![valid], false).await?;
        let ticket = self.require_ticket(&tx, ids[0]).await?;
        self.queue_ticket_created(&tx, &ticket, &body).await?;
        orgdesk_store::commit(tx).await?;
        self.mail_queued();
        Ok(ticket)
    }

    /// Opens many tickets in one transaction (imports, migrations from another
    /// helpdesk): all of them, or none when any entry is wrong (the error names it,
    /// `tickets[3].subject`). Returns their ids in order.
    pub async fn create_tickets(
        &self,
        actor: &Actor,
        batch: Vec<NewTicket>,
    ) -> Result<Vec<TicketId>> {
        let valid = batch
            .into_iter()
            .enumerate()
            .map(|(index, new)| validate(new).map_err(|err| in_batch("tickets", index, err)))
            .collect::<Result<Vec<_>>>()?;
        let tx = self.store().begin_write_for(valid.len()).await?;
        let ids = self.insert_tickets(&tx, actor, valid, true).await?;
        orgdesk_store::commit(tx).await?;
        Ok(ids)
    }

    /// Looks up the requesters, CCs and assignees of valid tickets (422 naming any that
    /// do not exist; with `name_entries`, as `tickets[3].cc_ids`), then opens them.
    async fn insert_tickets<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &Actor,
        valid: Vec<ValidTicket>,
        name_entries: bool,
    ) -> Result<Vec<TicketId>> {
        let requester_ids = distinct(valid.iter().map(|v| v.requester).collect());
        // Each ticket records its requester's organization: hold the requesters so
        // none moves (or loses a deleted organization) between this read and the insert.
        lock_all(conn, Lockable::User, requester_ids.iter().map(|id| id.0)).await?;
        let requesters: HashMap<UserId, User> = users::get_many(conn, &requester_ids)
            .await?
            .into_iter()
            .map(|user| (user.id, user))
            .collect();
        // Every CC and assignee of the batch, looked up at once.
        let cc_ids: Vec<UserId> = valid.iter().flat_map(|t| t.ccs.iter().copied()).collect();
        let known_users: HashSet<UserId> = users::existing_ids(conn, &distinct(cc_ids))
            .await?
            .into_iter()
            .collect();
        let assignee_ids: Vec<AgentId> = valid.iter().filter_map(|t| t.assignee).collect();
        let known_agents: HashSet<AgentId> = agents::existing_ids(conn, &distinct(assignee_ids))
            .await?
            .into_iter()
            .collect();
        let mut openings = Vec::with_capacity(valid.len());
        for (index, ticket) in valid.into_iter().enumerate() {
            let entry_error = |err| {
                if name_entries {
                    in_batch("tickets", index, err)
                } else {
                    err
                }
            };
            let requester = requesters.get(&ticket.requester).cloned().ok_or_else(|| {
                entry_error(unknown("requester_id", "user", [ticket.requester.0]))
            })?;
            known_ccs(&ticket.ccs, &known_users).map_err(entry_error)?;
            if let Some(assignee) = ticket.assignee {
                known_assignee(assignee, &known_agents).map_err(entry_error)?;
            }
            openings.push(Opening {
                requester,
                subject: ticket.subject,
                body: ticket.body,
                ccs: ticket.ccs,
                status: ticket.status,
                priority: ticket.priority,
                department_id: ticket.department_id,
                assignee: ticket.assignee,
            });
        }
        self.open_tickets(conn, actor, &openings).await
    }

    pub async fn get_ticket(&self, id: TicketId) -> Result<Ticket> {
        self.require_ticket(&self.store().reads().await?, id).await
    }

    /// Changes a ticket's fields and CC list; with an expected version, refuses (412)
    /// when someone changed the ticket since.
    pub async fn update_ticket(&self, id: TicketId, changes: TicketChanges) -> Result<Ticket> {
        let subject = changes.subject.as_deref().map(parse_subject).transpose()?;
        let status = optional_status(changes.status.as_deref())?;
        let priority = changes
            .priority
            .as_deref()
            .map(TicketPriority::parse)
            .transpose()?;
        let department_id = changes.department_id.map(department).transpose()?;

        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Ticket, id.0).await?;
        let current = self.require_ticket(&tx, id).await?;
        check_version(changes.expected_version, current.version)?;
        if current.status == TicketStatus::Closed && changes.would_change_closed_ticket(status) {
            return Err(Error::TicketClosed { id: id.0 });
        }
        let organization = match changes.organization_id {
            Some(Some(org)) => {
                let org = OrganizationId(org);
                orgs::find_head(&tx, org)
                    .await?
                    .ok_or_else(|| unknown("organization_id", "organization", [org.0]))?;
                Some(org)
            }
            Some(None) => None,
            None => current.organization.as_ref().map(|o| o.id),
        };
        let assignee = match changes.assignee_id {
            Some(Some(agent)) => Some(self.check_assignee(&tx, agent).await?),
            Some(None) => None,
            None => current.assignee_id,
        };
        if let Some(cc_ids) = &changes.cc_ids {
            let ccs: Vec<UserId> = cc_ids.iter().copied().map(UserId).collect();
            let ccs = normalize_ccs(current.requester.id, &ccs)?;
            self.check_ccs(&tx, &ccs).await?;
            tickets::set_ccs(&tx, id, &ccs).await?;
        }
        let subject_changed = subject.as_ref().is_some_and(|s| *s != current.subject);
        let update = TicketUpdate {
            subject: subject.as_deref().unwrap_or(&current.subject),
            status: status.unwrap_or(current.status),
            priority: priority.unwrap_or(current.priority),
            organization,
            department_id: department_id.unwrap_or(current.department_id),
            assignee,
            at: now_ms(),
        };
        if !tickets::update(&tx, id, current.version, &update).await? {
            // Unreachable while the ticket is locked; kept so a lapse there refuses the
            // write instead of overwriting.
            return Err(Error::VersionConflict {
                expected: current.version,
                current: current.version + 1,
            });
        }
        if subject_changed {
            self.rebuild_ticket_search(&tx, id, update.subject).await?;
        }
        let ticket = self.require_ticket(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(ticket)
    }

    /// Rewrites the ticket's search document from its subject and every message.
    async fn rebuild_ticket_search<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: TicketId,
        subject: &str,
    ) -> Result<()> {
        let bodies = tickets::message_bodies(conn, id).await?;
        let mut public_text = subject.to_owned();
        let mut internal_text = String::new();
        for (body, internal_note) in bodies {
            let text = if internal_note {
                &mut internal_text
            } else {
                &mut public_text
            };
            text.push(' ');
            text.push_str(&body);
        }
        Ok(put_ticket_search(
            conn,
            id.0,
            &search::document(&public_text),
            &search::document(&internal_text),
        )
        .await?)
    }

    /// Adds a message inside `conn`'s transaction: refuses closed tickets, stores the
    /// message, indexes its words and sets the ticket's status and update time.
    pub(crate) async fn append_message<C: ConnectionTrait>(
        &self,
        conn: &C,
        ticket: &Ticket,
        author: &Actor,
        body: &str,
        internal_note: bool,
        status: TicketStatus,
    ) -> Result<TicketMessage> {
        if ticket.status == TicketStatus::Closed {
            return Err(Error::TicketClosed { id: ticket.id.0 });
        }
        let at = now_ms();
        let message_id = tickets::insert_message(
            conn,
            &NewMessageRow {
                ticket: ticket.id,
                author,
                body,
                internal: internal_note,
                at,
            },
        )
        .await?;
        append_ticket_search(conn, ticket.id.0, internal_note, &search::document(body)).await?;
        tickets::touch(conn, ticket.id, status, at).await?;
        Ok(TicketMessage {
            id: message_id,
            ticket_id: ticket.id,
            author: author.clone(),
            body: body.to_owned(),
            internal: internal_note,
            created_at: at,
        })
    }

    /// An agent replies to the requester and CC'd users, or leaves an internal note.
    /// A reply to a `new` ticket opens it, unless the agent sets another status.
    pub async fn add_ticket_message(
        &self,
        actor: &Actor,
        id: TicketId,
        message: NewMessage,
    ) -> Result<TicketMessage> {
        let body = parse_body(&message.body)?;
        let status = optional_status(message.status.as_deref())?;
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Ticket, id.0).await?;
        let ticket = self.require_ticket(&tx, id).await?;
        let status = status.unwrap_or(match ticket.status {
            TicketStatus::New if !message.internal => TicketStatus::Open,
            current => current,
        });
        let internal_note = message.internal;
        let message = self
            .append_message(&tx, &ticket, actor, &body, internal_note, status)
            .await?;
        // Internal notes never leave the helpdesk.
        if !internal_note {
            self.queue_ticket_reply(&tx, &ticket, actor, &body).await?;
        }
        orgdesk_store::commit(tx).await?;
        if !internal_note {
            self.mail_queued();
        }
        Ok(message)
    }

    /// Every message of the ticket, internal notes included, oldest first.
    pub async fn ticket_messages(
        &self,
        id: TicketId,
        page: &PageRequest,
    ) -> Result<Page<TicketMessage>> {
        self.require_ticket(self.store().reader(), id).await?;
        self.messages_page(id, true, page).await
    }

    pub(crate) async fn messages_page(
        &self,
        id: TicketId,
        with_internal: bool,
        page: &PageRequest,
    ) -> Result<Page<TicketMessage>> {
        let limit = page.limit()?;
        let after = page.id_position("messages")?.unwrap_or(0);
        let messages =
            tickets::messages(self.store().reader(), id, with_internal, after, limit + 1).await?;
        Ok(crate::cursor::page(messages, limit, "messages", |m| {
            m.id.to_string()
        }))
    }

    /// A page of tickets, newest first.
    pub(crate) async fn tickets_page(
        &self,
        filter: &TicketFilter,
        page: &PageRequest,
    ) -> Result<Page<Ticket>> {
        tickets_page_on(&self.store().reads().await?, filter, page).await
    }

    /// Every ticket, newest first, narrowed by status, requester, assignee and words of
    /// the subject, replies or notes.
    pub async fn list_tickets(
        &self,
        query: &TicketQuery,
        page: &PageRequest,
    ) -> Result<Page<Ticket>> {
        let filter = TicketFilter {
            status: optional_status(query.status.as_deref())?,
            requester: query.requester_id.map(UserId),
            assignee: query.assignee_id.map(AgentId),
            organization: query
                .organization_id
                .map(|id| OrganizationScope::Only(OrganizationId(id))),
            search: search_filter(query.q.as_deref(), SearchScope::Everything)?,
            ..TicketFilter::default()
        };
        self.tickets_page(&filter, page).await
    }

    /// The organization's tickets (optionally with its subsidiaries'), newest first.
    pub async fn organization_tickets(
        &self,
        id: OrganizationId,
        query: &OrganizationTicketQuery,
        page: &PageRequest,
    ) -> Result<Page<Ticket>> {
        let filter = organization_filter(id, query)?;
        let reads = self.store().reads().await?;
        self.require_organization(&reads, id).await?;
        tickets_page_on(&reads, &filter, page).await
    }
}

/// A page of tickets, newest first, read on `conn`.
pub(crate) async fn tickets_page_on<C: ConnectionTrait>(
    conn: &C,
    filter: &TicketFilter,
    page: &PageRequest,
) -> Result<Page<Ticket>> {
    let limit = page.limit()?;
    let before = page.id_position("tickets")?.map(TicketId);
    let found = tickets::list(conn, filter, before, limit + 1).await?;
    Ok(crate::cursor::page(found, limit, "tickets", |t| {
        t.id.0.to_string()
    }))
}

/// The filter of an organization's ticket list.
pub(crate) fn organization_filter(
    id: OrganizationId,
    query: &OrganizationTicketQuery,
) -> Result<TicketFilter> {
    Ok(TicketFilter {
        organization: Some(if query.include_descendants {
            OrganizationScope::WithDescendants(id)
        } else {
            OrganizationScope::Only(id)
        }),
        status: optional_status(query.status.as_deref())?,
        requester_manager: query.requester_manager,
        search: search_filter(query.q.as_deref(), SearchScope::Everything)?,
        ..TicketFilter::default()
    })
}

/// The search part of a filter from a `q` parameter (blank: none).
pub(crate) fn search_filter(
    q: Option<&str>,
    scope: SearchScope,
) -> Result<Option<(Vec<String>, SearchScope)>> {
    Ok(match q {
        Some(q) => search::terms(q)?.map(|terms| (terms, scope)),
        None => None,
    })
}
