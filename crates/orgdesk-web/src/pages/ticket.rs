//! One ticket as agents work it: the thread (internal notes visibly apart), a reply or
//! note box, the properties (subject, status, priority, assignee, organization) saved
//! with the version read, and the CC list. A closed ticket is final and shown read-only.

use super::lookup::{assignee, organization_named, user_with_email};
use super::render::Form;
use super::render::{Chrome, PageError, page, query_escape, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use super::ticket_billing::{BillingRefusal, TicketBilling, ticket_billing};
use super::tickets::{Choice, assignee_choices, priority_choices, status_choices, status_text};
use super::time_text::{human_time, iso_time};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::model::{Actor, TicketMessage};
use orgdesk_app::core::ticket::TicketStatus;
use orgdesk_app::core::{Error, TicketId, UserId};
use orgdesk_app::{NewMessage, PageRequest, TicketChanges};
use serde::Deserialize;

/// Messages per page of the thread.
const THREAD_PAGE: i64 = 100;

struct MessageView {
    author: String,
    internal: bool,
    from_agent: bool,
    body: String,
    created_iso: String,
    created_text: String,
}

fn message_view(message: TicketMessage) -> MessageView {
    let (author, from_agent) = match message.author {
        Actor::Agent { name, .. } => (name, true),
        Actor::User { name, .. } => (name, false),
        Actor::System { name } => (name, true),
    };
    MessageView {
        author,
        from_agent,
        internal: message.internal,
        body: message.body,
        created_iso: iso_time(message.created_at),
        created_text: human_time(message.created_at),
    }
}

struct CcView {
    id: i64,
    name: String,
    email: String,
}

/// What was typed into a refused form, shown again with the reason.
#[derive(Default)]
pub(super) struct Refusal {
    /// The properties as typed: subject, status, priority, assignee, organization.
    edit: Option<EditForm>,
    edit_error: Option<String>,
    edit_field: String,
    /// Someone changed the ticket after the agent opened it.
    conflict: bool,
    reply: Option<MessageForm>,
    reply_error: Option<String>,
    cc_typed: String,
    cc_error: Option<String>,
    billing: BillingRefusal,
}

impl Refusal {
    /// A refused form of the Time and charges section.
    pub(super) fn billing(billing: BillingRefusal) -> Self {
        Refusal {
            billing,
            ..Default::default()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/ticket.html")]
struct TicketPage {
    chrome: Chrome,
    id: i64,
    version: i64,
    subject: String,
    status: &'static str,
    status_text: String,
    closed: bool,
    requester_id: i64,
    requester_name: String,
    requester_email: String,
    organization: Option<(i64, String)>,
    created_iso: String,
    created_text: String,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    assignees: Vec<Choice>,
    form: EditForm,
    edit_error: Option<String>,
    edit_field: String,
    conflict: bool,
    ccs: Vec<CcView>,
    cc_typed: String,
    cc_error: Option<String>,
    messages: Vec<MessageView>,
    paged: bool,
    next_page: Option<String>,
    reply: MessageForm,
    reply_error: Option<String>,
    billing: TicketBilling,
}

async fn ticket_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    id: TicketId,
    cursor: Option<String>,
    refusal: Refusal,
) -> Result<TicketPage, PageError> {
    let ticket = app.get_ticket(id).await?;
    let requester = app.get_user(ticket.requester.id).await?;
    let ccs = app.users_by_ids(&ticket.cc_ids).await?;
    let roster = app.agent_roster().await?;
    let cursor = cursor.filter(|c| !c.is_empty());
    let thread = app
        .ticket_messages(
            id,
            &PageRequest {
                limit: Some(THREAD_PAGE),
                cursor: cursor.clone(),
            },
        )
        .await?;
    let organization = ticket.organization.map(|o| (o.id.0, o.name));
    let stored = EditForm {
        csrf: String::new(),
        version: ticket.version,
        subject: ticket.subject.clone(),
        status: ticket.status.as_str().to_owned(),
        priority: ticket.priority.as_str().to_owned(),
        assignee: ticket
            .assignee_id
            .map(|a| a.0.to_string())
            .unwrap_or_default(),
        organization: organization
            .as_ref()
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
    };
    let current_assignee = ticket.assignee_id.map(|a| a.0);
    let billing = ticket_billing(app, session, id, refusal.billing).await?;
    Ok(TicketPage {
        billing,
        chrome: Chrome::new(session, "tickets", jar),
        id: ticket.id.0,
        version: ticket.version,
        subject: ticket.subject,
        status: ticket.status.as_str(),
        status_text: status_text(ticket.status),
        closed: ticket.status == TicketStatus::Closed,
        requester_id: requester.id.0,
        requester_name: requester.name,
        requester_email: requester.email,
        organization,
        created_iso: iso_time(ticket.created_at),
        created_text: human_time(ticket.created_at),
        statuses: status_choices(),
        priorities: priority_choices(),
        assignees: assignee_choices(&roster, current_assignee),
        form: match refusal.edit {
            // After a conflict the form carries their version: saving again replaces theirs.
            Some(typed) if refusal.conflict => EditForm {
                version: ticket.version,
                ..typed
            },
            Some(typed) => typed,
            None => stored,
        },
        edit_error: refusal.edit_error,
        edit_field: refusal.edit_field,
        conflict: refusal.conflict,
        ccs: ccs
            .into_iter()
            .map(|u| CcView {
                id: u.id.0,
                name: u.name,
                email: u.email,
            })
            .collect(),
        cc_typed: refusal.cc_typed,
        cc_error: refusal.cc_error,
        messages: thread.items.into_iter().map(message_view).collect(),
        paged: cursor.is_some(),
        next_page: thread
            .next_cursor
            .map(|c| format!("/agent/tickets/{}?cursor={}", id.0, query_escape(&c))),
        reply: refusal.reply.unwrap_or_default(),
        reply_error: refusal.reply_error,
    })
}

#[derive(Deserialize, Default)]
pub struct ThreadQuery {
    cursor: Option<String>,
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<ThreadQuery>,
) -> Result<Response, PageError> {
    let shown = ticket_page(
        &app,
        &session,
        &jar,
        TicketId(id),
        query.cursor,
        Refusal::default(),
    )
    .await?;
    Ok(page(jar, shown))
}

/// The status a refusal is answered with.
fn refusal_status(err: &Error) -> StatusCode {
    match err {
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
        _ => StatusCode::CONFLICT,
    }
}

/// The ticket page again after a refusal (validation, conflict, closed ticket), with
/// what was typed; anything else is an error page.
pub(super) async fn refused(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    id: TicketId,
    err: Error,
    refusal: Refusal,
) -> Result<Response, PageError> {
    match err {
        Error::Validation { .. } | Error::VersionConflict { .. } | Error::TicketClosed { .. } => {
            let status = refusal_status(&err);
            let shown = ticket_page(app, session, jar, id, None, refusal).await?;
            Ok((status, shown).into_response())
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    subject: String,
    status: String,
    priority: String,
    #[serde(default)]
    assignee: String,
    /// The organization's exact name; blank for none.
    #[serde(default)]
    organization: String,
}

/// Saves the properties with the version read: a ticket changed meanwhile is explained
/// and the choices kept, never overwritten.
pub async fn edit(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = TicketId(id);
    match save_properties(&app, id, &form).await {
        Ok(()) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/tickets/{}", id.0),
            format!("Ticket #{} is saved.", id.0),
        )),
        Err(err) => {
            let conflict = matches!(err, Error::VersionConflict { .. });
            let refusal = Refusal {
                edit_error: (!conflict).then(|| refusal_text(&err)),
                edit_field: match &err {
                    Error::Validation { field, .. } => field.clone(),
                    _ => String::new(),
                },
                conflict,
                edit: Some(form),
                ..Default::default()
            };
            refused(&app, &session, &jar, id, err, refusal).await
        }
    }
}

async fn save_properties(app: &AppState, id: TicketId, form: &EditForm) -> Result<(), Error> {
    let organization_id = organization_named(app, "organization", &form.organization)
        .await?
        .map(|org| org.id.0);
    let stored = app.get_ticket(id).await?;
    let assignee_id = assignee(&form.assignee)?;
    // Only what differs from the ticket as stored is sent, so an unchanged organization
    // or assignee is not rewritten; the version still guards the whole form.
    let changes = TicketChanges {
        subject: (form.subject != stored.subject).then(|| form.subject.clone()),
        status: (form.status != stored.status.as_str()).then(|| form.status.clone()),
        priority: (form.priority != stored.priority.as_str()).then(|| form.priority.clone()),
        assignee_id: (assignee_id != stored.assignee_id.map(|a| a.0)).then_some(assignee_id),
        organization_id: (organization_id != stored.organization.as_ref().map(|o| o.id.0))
            .then_some(organization_id),
        expected_version: Some(form.version),
        ..Default::default()
    };
    app.update_ticket(id, changes).await.map(|_| ())
}

#[derive(Deserialize, Default, Clone)]
pub struct MessageForm {
    #[serde(default)]
    csrf: String,
    body: String,
    /// `note` for an internal note; anything else is a reply.
    #[serde(default)]
    kind: String,
    /// The status to set with the message; blank keeps the usual rule.
    #[serde(default)]
    status: String,
}

/// Adds a reply (seen by the requester and CCs) or an internal note (agents only).
pub async fn add_message(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<MessageForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = TicketId(id);
    let internal = form.kind == "note";
    let message = NewMessage {
        body: form.body.clone(),
        internal,
        status: Some(form.status.clone()).filter(|s| !s.is_empty()),
    };
    match app
        .add_ticket_message(&session.agent.actor(), id, message)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/tickets/{}#latest", id.0),
            if internal {
                "Internal note added."
            } else {
                "Reply sent."
            },
        )),
        Err(err) => {
            let refusal = Refusal {
                reply_error: Some(refusal_text(&err)),
                reply: Some(form),
                ..Default::default()
            };
            refused(&app, &session, &jar, id, err, refusal).await
        }
    }
}

#[derive(Deserialize)]
pub struct AddCcForm {
    csrf: String,
    version: i64,
    email: String,
}

/// Copies a user (found by email) on the ticket.
pub async fn add_cc(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<AddCcForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = TicketId(id);
    let added = async {
        let user = user_with_email(&app, "email", &form.email, "").await?;
        let ticket = app.get_ticket(id).await?;
        let mut ccs: Vec<i64> = ticket.cc_ids.iter().map(|c| c.0).collect();
        ccs.push(user.id.0);
        change_ccs(&app, id, form.version, ccs).await?;
        Ok::<_, Error>(user.name)
    }
    .await;
    match added {
        Ok(name) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/tickets/{}", id.0),
            format!("{name} is copied on ticket #{}.", id.0),
        )),
        Err(err) => {
            let refusal = Refusal {
                cc_error: Some(refusal_text(&err)),
                cc_typed: form.email,
                ..Default::default()
            };
            refused(&app, &session, &jar, id, err, refusal).await
        }
    }
}

#[derive(Deserialize)]
pub struct RemoveCcForm {
    csrf: String,
    version: i64,
}

pub async fn remove_cc(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, user)): Path<(i64, i64)>,
    Form(form): Form<RemoveCcForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = TicketId(id);
    let removed = async {
        let ticket = app.get_ticket(id).await?;
        let ccs = ticket
            .cc_ids
            .iter()
            .map(|c| c.0)
            .filter(|c| *c != user)
            .collect();
        change_ccs(&app, id, form.version, ccs).await?;
        Ok::<_, Error>(
            app.get_user(UserId(user))
                .await
                .map(|u| u.name)
                .unwrap_or_default(),
        )
    }
    .await;
    match removed {
        Ok(name) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/tickets/{}", id.0),
            format!("{name} is no longer copied on ticket #{}.", id.0),
        )),
        Err(err) => {
            let refusal = Refusal {
                cc_error: Some(refusal_text(&err)),
                ..Default::default()
            };
            refused(&app, &session, &jar, id, err, refusal).await
        }
    }
}

/// Replaces the CC list, refused if the ticket changed since the page was read.
async fn change_ccs(
    app: &AppState,
    id: TicketId,
    version: i64,
    ccs: Vec<i64>,
) -> Result<(), Error> {
    app.update_ticket(
        id,
        TicketChanges {
            cc_ids: Some(ccs),
            expected_version: Some(version),
            ..Default::default()
        },
    )
    .await
    .map(|_| ())
}
