//! Tickets for agents: create, read, change, reply or note, list; an organization's
//! tickets.

use super::types::{OrganizationRefBody, PageQuery, expected_version, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query, double_option};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use orgdesk_app::core::model::{Actor, Page, Ticket, TicketMessage};
use orgdesk_app::core::{OrganizationId, TicketId};
use orgdesk_app::{
    NewMessage, NewTicket, OrganizationTicketQuery, PageRequest, TicketChanges, TicketQuery,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRefBody {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketResponse {
    pub id: i64,
    pub subject: String,
    /// `new`, `open`, `pending`, `on_hold`, `solved` or `closed`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub requester_id: i64,
    pub requester: PersonRefBody,
    /// The requester's organization when the ticket was created, unless an agent changed it.
    pub organization_id: Option<i64>,
    pub organization: Option<OrganizationRefBody>,
    pub cc_ids: Vec<i64>,
    /// Always null until departments exist.
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// Send it back as `If-Match` (or `"version"`) to refuse stale writes.
    pub version: i64,
}

impl From<Ticket> for TicketResponse {
    fn from(ticket: Ticket) -> Self {
        TicketResponse {
            id: ticket.id.0,
            subject: ticket.subject,
            status: ticket.status.as_str().to_owned(),
            priority: ticket.priority.as_str().to_owned(),
            requester_id: ticket.requester.id.0,
            requester: PersonRefBody {
                id: ticket.requester.id.0,
                name: ticket.requester.name,
            },
            organization_id: ticket.organization.as_ref().map(|o| o.id.0),
            organization: ticket.organization.map(|o| OrganizationRefBody {
                id: o.id.0,
                name: o.name,
            }),
            cc_ids: ticket.cc_ids.into_iter().map(|id| id.0).collect(),
            department_id: ticket.department_id,
            assignee_id: ticket.assignee_id.map(|id| id.0),
            created_at: timestamp(ticket.created_at),
            updated_at: timestamp(ticket.updated_at),
            version: ticket.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    pub data: Vec<TicketResponse>,
    pub next_cursor: Option<String>,
}

impl From<Page<Ticket>> for TicketList {
    fn from(page: Page<Ticket>) -> Self {
        TicketList {
            data: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorBody {
    /// `agent` or `user`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<i64>,
    pub name: String,
}

impl From<&Actor> for AuthorBody {
    fn from(actor: &Actor) -> Self {
        AuthorBody {
            kind: actor.kind().to_owned(),
            id: actor.id(),
            name: actor.name().to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub id: i64,
    pub ticket_id: i64,
    pub author: AuthorBody,
    pub body: String,
    /// An internal note: agents only, never shown in the portal.
    pub internal: bool,
    pub created_at: String,
}

impl From<TicketMessage> for MessageResponse {
    fn from(message: TicketMessage) -> Self {
        MessageResponse {
            id: message.id,
            ticket_id: message.ticket_id.0,
            author: (&message.author).into(),
            body: message.body,
            internal: message.internal,
            created_at: timestamp(message.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub data: Vec<MessageResponse>,
    pub next_cursor: Option<String>,
}

impl From<Page<TicketMessage>> for MessageList {
    fn from(page: Page<TicketMessage>) -> Self {
        MessageList {
            data: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketBody {
    pub requester_id: i64,
    pub subject: String,
    /// The first message, from the requester's side of the conversation.
    pub body: String,
    #[serde(default)]
    pub cc_ids: Vec<i64>,
    /// Default `new`.
    pub status: Option<String>,
    /// Default `normal`.
    pub priority: Option<String>,
    /// Departments do not exist yet: only null is accepted (any id is refused, 422).
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// Opens a ticket for a user. It records the requester's organization; the
/// organization's managers with auto-CC on are CC'd.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("agent" = [])), request_body = CreateTicketBody,
    responses((status = 201, body = TicketResponse), (status = 422, description = "blank subject or body, unknown requester, CC or assignee", body = ErrorBody)))]
async fn create_ticket(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Json(body): Json<CreateTicketBody>,
) -> Result<(StatusCode, axum::Json<TicketResponse>), ApiError> {
    let ticket = app
        .create_ticket(
            &agent.actor(),
            NewTicket {
                requester_id: body.requester_id,
                subject: body.subject,
                body: body.body,
                cc_ids: body.cc_ids,
                status: body.status,
                priority: body.priority,
                department_id: body.department_id,
                assignee_id: body.assignee_id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(ticket.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TicketListQuery {
    pub status: Option<String>,
    pub requester_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// Tickets recorded against this organization (without its subsidiaries; see
    /// `/organizations/{id}/tickets` for those).
    pub organization_id: Option<i64>,
    /// Words that must all appear in the subject, replies or internal notes.
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Every ticket, newest first.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("agent" = [])), params(TicketListQuery),
    responses((status = 200, body = TicketList), (status = 422, body = ErrorBody)))]
async fn list_tickets(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Query(query): Query<TicketListQuery>,
) -> Result<axum::Json<TicketList>, ApiError> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let filter = TicketQuery {
        status: query.status,
        requester_id: query.requester_id,
        assignee_id: query.assignee_id,
        organization_id: query.organization_id,
        q: query.q,
    };
    Ok(axum::Json(app.list_tickets(&filter, &page).await?.into()))
}

/// One ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TicketResponse), (status = 404, body = ErrorBody)))]
async fn get_ticket(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<TicketResponse>, ApiError> {
    Ok(axum::Json(app.get_ticket(TicketId(id)).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketBody {
    pub subject: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    /// `null` unaffiliates the ticket.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<i64>>,
    /// Departments do not exist yet: only null is accepted (any id is refused, 422).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// Replaces the CC list.
    pub cc_ids: Option<Vec<i64>>,
    /// The version you read; alternatively send it as `If-Match`.
    pub version: Option<i64>,
}

/// Changes a ticket. With `If-Match` or `version`, refuses (412) when someone changed it since.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", security(("agent" = [])), params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the version last read")),
    request_body = UpdateTicketBody,
    responses((status = 200, body = TicketResponse), (status = 404, body = ErrorBody), (status = 412, description = "stale version", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_ticket(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<UpdateTicketBody>,
) -> Result<axum::Json<TicketResponse>, ApiError> {
    let changes = TicketChanges {
        subject: body.subject,
        status: body.status,
        priority: body.priority,
        organization_id: body.organization_id,
        department_id: body.department_id,
        assignee_id: body.assignee_id,
        cc_ids: body.cc_ids,
        expected_version: expected_version(&headers, body.version)?,
    };
    Ok(axum::Json(
        app.update_ticket(TicketId(id), changes).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMessageBody {
    pub body: String,
    /// An internal note, seen by agents only. Default false: a reply.
    #[serde(default)]
    pub internal: bool,
    /// Sets the ticket's status in the same step; a reply to a `new` ticket opens it.
    pub status: Option<String>,
}

/// Replies to the requester and CC'd users, or adds an internal note.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", security(("agent" = [])), params(("id" = i64, Path)),
    request_body = CreateMessageBody,
    responses((status = 201, body = MessageResponse), (status = 404, body = ErrorBody), (status = 409, description = "the ticket is closed", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_message(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<CreateMessageBody>,
) -> Result<(StatusCode, axum::Json<MessageResponse>), ApiError> {
    let message = app
        .add_ticket_message(
            &agent.actor(),
            TicketId(id),
            NewMessage {
                body: body.body,
                internal: body.internal,
                status: body.status,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(message.into())))
}

/// The ticket's messages, internal notes included, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "tickets", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody)))]
async fn list_messages(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<MessageList>, ApiError> {
    Ok(axum::Json(
        app.ticket_messages(TicketId(id), &(&page).into())
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrganizationTicketsQuery {
    /// Include the tickets of every organization below this one.
    #[serde(default)]
    pub include_descendants: bool,
    pub status: Option<String>,
    /// Words that must all appear in the subject, replies or internal notes.
    pub q: Option<String>,
    /// `true`: only tickets requested by a manager of the ticket's organization;
    /// `false`: only tickets requested by others.
    pub requester_manager: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The organization's tickets, newest first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/tickets", tag = "tickets", security(("agent" = [])), params(("id" = i64, Path), OrganizationTicketsQuery),
    responses((status = 200, body = TicketList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_organization_tickets(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(query): Query<OrganizationTicketsQuery>,
) -> Result<axum::Json<TicketList>, ApiError> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let filter = OrganizationTicketQuery {
        include_descendants: query.include_descendants,
        status: query.status,
        q: query.q,
        requester_manager: query.requester_manager,
    };
    Ok(axum::Json(
        app.organization_tickets(OrganizationId(id), &filter, &page)
            .await?
            .into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_ticket, list_tickets))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(add_message, list_messages))
        .routes(routes!(list_organization_tickets))
}
