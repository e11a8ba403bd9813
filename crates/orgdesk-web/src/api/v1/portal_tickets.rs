//! Tickets in the portal: a signed-in user's own and CC'd tickets, and for managers
//! their organization's. Tickets the user may not see answer 404, like missing ones.

use super::tickets::{MessageList, MessageResponse, PersonRefBody};
use super::types::{OrganizationRefBody, PageQuery, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path, Query, UserAuth};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::core::model::Ticket;
use orgdesk_app::core::{Error, TicketId};
use orgdesk_app::{PageRequest, PortalScope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A ticket as its requester, CC'd users and managers see it: no assignee, no
/// internal bookkeeping.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalTicketResponse {
    pub id: i64,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub requester_id: i64,
    pub requester: PersonRefBody,
    pub organization_id: Option<i64>,
    pub organization: Option<OrganizationRefBody>,
    pub cc_ids: Vec<i64>,
    pub department_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Ticket> for PortalTicketResponse {
    fn from(ticket: Ticket) -> Self {
        PortalTicketResponse {
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
            created_at: timestamp(ticket.created_at),
            updated_at: timestamp(ticket.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortalTicketList {
    pub data: Vec<PortalTicketResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalCreateTicketBody {
    pub subject: String,
    pub body: String,
}

/// Opens a ticket as the signed-in user; managers of their organization with auto-CC
/// on are CC'd.
#[utoipa::path(post, path = "/api/v1/portal/tickets", tag = "portal", security(("portal_user" = [])), request_body = PortalCreateTicketBody,
    responses((status = 201, body = PortalTicketResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn portal_create_ticket(
    State(app): State<AppState>,
    UserAuth(user): UserAuth,
    Json(body): Json<PortalCreateTicketBody>,
) -> Result<(StatusCode, axum::Json<PortalTicketResponse>), ApiError> {
    let ticket = app
        .portal_create_ticket(&user, &body.subject, &body.body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(ticket.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PortalTicketsQuery {
    /// `mine` (default): requested by you or CC'd to you; `organization`: every ticket
    /// of your organization, for its managers.
    pub scope: Option<String>,
    /// Words that must all appear in the subject or replies.
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The signed-in user's tickets, newest first.
#[utoipa::path(get, path = "/api/v1/portal/tickets", tag = "portal", security(("portal_user" = [])), params(PortalTicketsQuery),
    responses((status = 200, body = PortalTicketList), (status = 403, description = "`scope=organization` by a user who manages no organization", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn portal_list_tickets(
    State(app): State<AppState>,
    UserAuth(user): UserAuth,
    Query(query): Query<PortalTicketsQuery>,
) -> Result<axum::Json<PortalTicketList>, ApiError> {
    let scope = match query.scope.as_deref() {
        None | Some("mine") => PortalScope::Mine,
        Some("organization") => PortalScope::Organization,
        Some(other) => {
            return Err(Error::validation(
                "scope",
                format!("must be mine or organization (got \"{other}\")"),
            )
            .into());
        }
    };
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let page = app
        .portal_tickets(&user, scope, query.q.as_deref(), &page)
        .await?;
    Ok(axum::Json(PortalTicketList {
        data: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One ticket the signed-in user may see; any other id is 404.
#[utoipa::path(get, path = "/api/v1/portal/tickets/{id}", tag = "portal", security(("portal_user" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = PortalTicketResponse), (status = 404, body = ErrorBody)))]
async fn portal_get_ticket(
    State(app): State<AppState>,
    UserAuth(user): UserAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<PortalTicketResponse>, ApiError> {
    Ok(axum::Json(
        app.portal_ticket(&user, TicketId(id)).await?.into(),
    ))
}

/// The ticket's replies, oldest first (internal notes never appear).
#[utoipa::path(get, path = "/api/v1/portal/tickets/{id}/messages", tag = "portal", security(("portal_user" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody)))]
async fn portal_list_messages(
    State(app): State<AppState>,
    UserAuth(user): UserAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<MessageList>, ApiError> {
    Ok(axum::Json(
        app.portal_ticket_messages(&user, TicketId(id), &(&page).into())
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalReplyBody {
    pub body: String,
}

/// Replies as the requester or a CC'd user; a pending or solved ticket opens again.
#[utoipa::path(post, path = "/api/v1/portal/tickets/{id}/messages", tag = "portal", security(("portal_user" = [])), params(("id" = i64, Path)),
    request_body = PortalReplyBody,
    responses((status = 201, body = MessageResponse), (status = 403, description = "a manager who is neither requester nor CC'd", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "the ticket is closed", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn portal_reply(
    State(app): State<AppState>,
    UserAuth(user): UserAuth,
    Path(id): Path<i64>,
    Json(body): Json<PortalReplyBody>,
) -> Result<(StatusCode, axum::Json<MessageResponse>), ApiError> {
    let message = app.portal_reply(&user, TicketId(id), &body.body).await?;
    Ok((StatusCode::CREATED, axum::Json(message.into())))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(portal_create_ticket, portal_list_tickets))
        .routes(routes!(portal_get_ticket))
        .routes(routes!(portal_list_messages, portal_reply))
}
