//! The user's tickets in the portal: "My tickets" (requested or CC'd), the
//! organization's tickets for its managers, a new ticket, and a ticket's thread with a
//! reply box. Internal notes never reach these pages: the use cases leave them out.

use super::session::{PortalChrome, PortalError, PortalSession, plain_refusal};
use crate::AppState;
use crate::pages::render::listed;
use crate::pages::render::{Form, page, query_escape, redirect_with_flash};
use crate::pages::time_text::{human_time, iso_time};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::model::{Actor, Ticket, TicketMessage};
use orgdesk_app::core::ticket::TicketStatus;
use orgdesk_app::core::{Error, TicketId};
use orgdesk_app::{PageRequest, PortalScope};
use serde::Deserialize;

/// Tickets per page of a list.
const LIST_PAGE: i64 = 25;
/// Messages per page of a thread.
const THREAD_PAGE: i64 = 100;

/// Where a ticket stands, as a customer would say it.
fn status_words(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::New => "Received",
        TicketStatus::Open | TicketStatus::OnHold => "In progress",
        TicketStatus::Pending => "Waiting for your reply",
        TicketStatus::Solved => "Solved",
        TicketStatus::Closed => "Closed",
    }
}

struct TicketRow {
    id: i64,
    subject: String,
    requester: String,
    status: &'static str,
    status_text: &'static str,
    updated_iso: String,
    updated_text: String,
}

fn row(ticket: Ticket) -> TicketRow {
    TicketRow {
        id: ticket.id.0,
        subject: ticket.subject,
        requester: ticket.requester.name,
        status: ticket.status.as_str(),
        status_text: status_words(ticket.status),
        updated_iso: iso_time(ticket.updated_at),
        updated_text: human_time(ticket.updated_at),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/tickets.html")]
struct ListPage {
    chrome: PortalChrome,
    heading: &'static str,
    /// The list's own address, for the search form and the pager.
    base: &'static str,
    /// The organization's list shows who asked.
    show_requester: bool,
    q: String,
    query_error: Option<String>,
    rows: Vec<TicketRow>,
    paged: bool,
    next_page: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

async fn list_page(
    app: &AppState,
    session: &PortalSession,
    jar: &CookieJar,
    scope: PortalScope,
    query: ListQuery,
) -> Result<(StatusCode, ListPage), PortalError> {
    let (heading, base, section) = match scope {
        PortalScope::Mine => ("My tickets", "/portal/tickets", "mine"),
        PortalScope::Organization => (
            "Organization tickets",
            "/portal/organization-tickets",
            "organization",
        ),
    };
    let cursor = query.cursor.filter(|c| !c.is_empty());
    let request = PageRequest {
        limit: Some(LIST_PAGE),
        cursor: cursor.clone(),
    };
    let q = query.q.trim().to_owned();
    let found = app
        .portal_tickets(&session.user, scope, Some(&q), &request)
        .await;
    let (found, query_error) = listed(found, plain_refusal)?;
    let address = |cursor: &str| {
        let mut parts = Vec::new();
        if !q.is_empty() {
            parts.push(format!("q={}", query_escape(&q)));
        }
        parts.push(format!("cursor={}", query_escape(cursor)));
        format!("{base}?{}", parts.join("&"))
    };
    let status = if query_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        ListPage {
            chrome: PortalChrome::new(session, section, jar),
            heading,
            base,
            show_requester: scope == PortalScope::Organization,
            next_page: found.next_cursor.as_deref().map(address),
            rows: found.items.into_iter().map(row).collect(),
            paged: cursor.is_some(),
            q,
            query_error,
        },
    ))
}

/// Tickets the user asked for or is copied on, newest first.
pub async fn my_tickets(
    State(app): State<AppState>,
    session: PortalSession,
    jar: CookieJar,
    Query(query): Query<ListQuery>,
) -> Result<Response, PortalError> {
    let shown = list_page(&app, &session, &jar, PortalScope::Mine, query).await?;
    Ok(page(jar, shown))
}

/// Every ticket of the manager's organization; anyone else is told it is not available.
pub async fn organization_tickets(
    State(app): State<AppState>,
    session: PortalSession,
    jar: CookieJar,
    Query(query): Query<ListQuery>,
) -> Result<Response, PortalError> {
    let shown = list_page(&app, &session, &jar, PortalScope::Organization, query).await?;
    Ok(page(jar, shown))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/new_ticket.html")]
struct NewTicketPage {
    chrome: PortalChrome,
    subject: String,
    body: String,
    error: Option<String>,
    error_field: String,
}

pub async fn new_ticket(session: PortalSession, jar: CookieJar) -> Response {
    let shown = NewTicketPage {
        chrome: PortalChrome::new(&session, "new", &jar),
        subject: String::new(),
        body: String::new(),
        error: None,
        error_field: String::new(),
    };
    page(jar, shown)
}

#[derive(Deserialize)]
pub struct NewTicketForm {
    csrf: String,
    subject: String,
    body: String,
}

/// Sends the request and opens it; a refusal shows the form again with what was typed.
pub async fn create(
    State(app): State<AppState>,
    session: PortalSession,
    jar: CookieJar,
    Form(form): Form<NewTicketForm>,
) -> Result<Response, PortalError> {
    session.require_csrf(&form.csrf)?;
    match app
        .portal_create_ticket(&session.user, &form.subject, &form.body)
        .await
    {
        Ok(ticket) => Ok(redirect_with_flash(
            jar,
            &format!("/portal/tickets/{}", ticket.id.0),
            "Your request was sent. Replies will appear here and under My tickets.",
        )),
        Err(err @ Error::Validation { .. }) => {
            let again = NewTicketPage {
                chrome: PortalChrome::new(&session, "new", &jar),
                error: Some(plain_refusal(&err)),
                error_field: match &err {
                    Error::Validation { field, .. } => field.clone(),
                    _ => String::new(),
                },
                subject: form.subject,
                body: form.body,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, again).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

struct MessageView {
    author: String,
    /// Written by the support team rather than by a customer.
    from_support: bool,
    body: String,
    created_iso: String,
    created_text: String,
}

fn message_view(message: TicketMessage) -> MessageView {
    let (author, from_support) = match message.author {
        Actor::Agent { name, .. } => (name, true),
        Actor::User { name, .. } => (name, false),
        Actor::System { name } => (name, true),
    };
    MessageView {
        author,
        from_support,
        body: message.body,
        created_iso: iso_time(message.created_at),
        created_text: human_time(message.created_at),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ticket.html")]
struct TicketPage {
    chrome: PortalChrome,
    id: i64,
    subject: String,
    status: &'static str,
    status_text: &'static str,
    requester: String,
    organization: Option<String>,
    created_iso: String,
    created_text: String,
    messages: Vec<MessageView>,
    paged: bool,
    next_page: Option<String>,
    /// The requester and CC'd users reply; a manager who only watches reads.
    can_reply: bool,
    closed: bool,
    reply_typed: String,
    reply_error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ThreadQuery {
    cursor: Option<String>,
}

async fn ticket_page(
    app: &AppState,
    session: &PortalSession,
    jar: &CookieJar,
    id: TicketId,
    cursor: Option<String>,
) -> Result<TicketPage, PortalError> {
    let ticket = app.portal_ticket(&session.user, id).await?;
    let cursor = cursor.filter(|c| !c.is_empty());
    let thread = app
        .portal_ticket_messages(
            &session.user,
            id,
            &PageRequest {
                limit: Some(THREAD_PAGE),
                cursor: cursor.clone(),
            },
        )
        .await?;
    let user = session.user.id;
    Ok(TicketPage {
        chrome: PortalChrome::new(session, "ticket", jar),
        id: ticket.id.0,
        status: ticket.status.as_str(),
        status_text: status_words(ticket.status),
        can_reply: ticket.requester.id == user || ticket.cc_ids.contains(&user),
        closed: ticket.status == TicketStatus::Closed,
        requester: ticket.requester.name,
        organization: ticket.organization.map(|o| o.name),
        created_iso: iso_time(ticket.created_at),
        created_text: human_time(ticket.created_at),
        subject: ticket.subject,
        messages: thread.items.into_iter().map(message_view).collect(),
        paged: cursor.is_some(),
        next_page: thread
            .next_cursor
            .map(|c| format!("/portal/tickets/{}?cursor={}", id.0, query_escape(&c))),
        reply_typed: String::new(),
        reply_error: None,
    })
}

/// A ticket's thread, oldest first. Another person's ticket is "not found", exactly as
/// a ticket that does not exist.
pub async fn show(
    State(app): State<AppState>,
    session: PortalSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<ThreadQuery>,
) -> Result<Response, PortalError> {
    let shown = ticket_page(&app, &session, &jar, TicketId(id), query.cursor).await?;
    Ok(page(jar, shown))
}

#[derive(Deserialize)]
pub struct ReplyForm {
    csrf: String,
    body: String,
}

/// Adds the user's reply; a refusal shows the thread again with the text kept.
pub async fn reply(
    State(app): State<AppState>,
    session: PortalSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, PortalError> {
    session.require_csrf(&form.csrf)?;
    let id = TicketId(id);
    match app.portal_reply(&session.user, id, &form.body).await {
        Ok(_) => Ok(redirect_with_flash(
            jar,
            &format!("/portal/tickets/{}#latest", id.0),
            "Your reply was sent.",
        )),
        Err(err @ (Error::Validation { .. } | Error::TicketClosed { .. })) => {
            let mut again = ticket_page(&app, &session, &jar, id, None).await?;
            again.reply_error = Some(plain_refusal(&err));
            again.reply_typed = form.body;
            let status = match err {
                Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            Ok((status, again).into_response())
        }
        Err(err) => Err(err.into()),
    }
}
