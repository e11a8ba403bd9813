//! Mail that agents send (a message to every member of an organization, an invitation)
//! and the link an invitation carries (setting a password in the portal).

use super::types::{UserResponse, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, ClientAddress, Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::core::OrganizationId;
use orgdesk_app::core::mail::OutgoingMail;
use orgdesk_app::{Invitation, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationMessageBody {
    /// One line, 1–255 characters.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationMessageResponse {
    /// Members the message was queued for: enabled members with notifications on.
    pub recipients: u64,
}

/// Writes to every member of the organization: one mail each, queued now and sent by
/// the server's mail worker; recorded in the organization's activity with the number
/// of recipients.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/messages", tag = "mail", security(("agent" = [])), params(("id" = i64, Path)),
    request_body = OrganizationMessageBody,
    responses((status = 202, body = OrganizationMessageResponse), (status = 404, body = ErrorBody), (status = 422, description = "a blank or multi-line subject, or a blank body", body = ErrorBody)))]
async fn write_to_organization(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<OrganizationMessageBody>,
) -> Result<(StatusCode, axum::Json<OrganizationMessageResponse>), ApiError> {
    let recipients = app
        .write_to_organization(
            &agent.actor(),
            OrganizationId(id),
            &body.subject,
            &body.body,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(OrganizationMessageResponse { recipients }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationBody {
    pub email: String,
    pub name: String,
    pub position: Option<String>,
    #[serde(default)]
    pub manager: bool,
}

/// Invites a person into the organization: creates the user as a member and mails
/// them a link to set their password in the portal (it works once, for 7 days).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/invitations", tag = "members", security(("agent" = [])), params(("id" = i64, Path)),
    request_body = InvitationBody,
    responses((status = 201, body = UserResponse), (status = 404, body = ErrorBody), (status = 409, description = "a user has this email", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn invite(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<InvitationBody>,
) -> Result<(StatusCode, axum::Json<UserResponse>), ApiError> {
    let invitation = Invitation {
        email: body.email,
        name: body.name,
        position: body.position,
        manager: body.manager,
    };
    let user = app
        .invite_to_organization(&agent.actor(), OrganizationId(id), invitation)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordBody {
    /// The `token` of the mailed link.
    pub token: String,
    pub password: String,
}

/// Sets the password of the account a mailed link names (an invitation); the link is
/// spent. A link that is unknown, used or expired is refused with 422 naming `token`.
#[utoipa::path(post, path = "/api/v1/portal/set-password", tag = "portal", request_body = SetPasswordBody,
    responses((status = 200, body = UserResponse), (status = 403, description = "the account is switched off", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn portal_set_password(
    State(app): State<AppState>,
    Json(body): Json<SetPasswordBody>,
) -> Result<axum::Json<UserResponse>, ApiError> {
    let user = app
        .set_password_with_link(&body.token, &body.password)
        .await?;
    Ok(axum::Json(user.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetBody {
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetResponse {
    /// The same words whether or not an account uses the address.
    pub message: String,
}

/// Mails a link to set a new password (it works once, for an hour) to the account of
/// the address, if there is an enabled one; the answer is the same either way. Also how
/// a contact an agent created, who has no password, claims their portal account.
#[utoipa::path(post, path = "/api/v1/portal/password-reset", tag = "portal", request_body = PasswordResetBody,
    responses((status = 202, body = PasswordResetResponse), (status = 422, description = "not an email address", body = ErrorBody), (status = 429, description = "too many requests for this address", body = ErrorBody)))]
async fn portal_password_reset(
    State(app): State<AppState>,
    ClientAddress(from): ClientAddress,
    Json(body): Json<PasswordResetBody>,
) -> Result<(StatusCode, axum::Json<PasswordResetResponse>), ApiError> {
    app.request_password_reset(&body.email, from).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(PasswordResetResponse {
            message: PASSWORD_RESET_SENT.to_owned(),
        }),
    ))
}

/// What a password reset request is told, whatever the address.
pub(crate) const PASSWORD_RESET_SENT: &str =
    "If an account uses this address, a mail with a link to set a new password is on its way.";

#[derive(Debug, Serialize, ToSchema)]
pub struct OutgoingMailResponse {
    pub id: i64,
    /// `ticket_created`, `ticket_reply`, `organization_message`, `invitation`,
    /// `password_reset`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub message_id: String,
    pub ticket_id: Option<i64>,
    pub organization_id: Option<i64>,
    /// `queued` (waiting for its first or next attempt), `sent` or `failed` (given up).
    pub state: String,
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<OutgoingMail> for OutgoingMailResponse {
    fn from(mail: OutgoingMail) -> Self {
        OutgoingMailResponse {
            id: mail.id,
            kind: mail.kind,
            recipient: mail.recipient,
            subject: mail.subject,
            message_id: mail.message_id,
            ticket_id: mail.ticket_id.map(|t| t.0),
            organization_id: mail.organization_id.map(|o| o.0),
            state: mail.state,
            attempts: mail.attempts,
            last_error: mail.last_error,
            created_at: timestamp(mail.created_at),
            sent_at: mail.sent_at.map(timestamp),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutgoingMailList {
    pub data: Vec<OutgoingMailResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutgoingMailQuery {
    /// `queued`, `sent` or `failed`.
    pub state: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The mail queue, newest first (admins): what went out, what waits for another
/// attempt and why, what was given up on.
#[utoipa::path(get, path = "/api/v1/outgoing-mail", tag = "mail", security(("agent" = [])), params(OutgoingMailQuery),
    responses((status = 200, body = OutgoingMailList), (status = 403, description = "not an admin", body = ErrorBody), (status = 422, description = "an unknown state, a bad limit or cursor", body = ErrorBody)))]
async fn list_outgoing_mail(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Query(query): Query<OutgoingMailQuery>,
) -> Result<axum::Json<OutgoingMailList>, ApiError> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let mails = app
        .outgoing_mail(&agent, query.state.as_deref(), &page)
        .await?;
    Ok(axum::Json(OutgoingMailList {
        data: mails.items.into_iter().map(Into::into).collect(),
        next_cursor: mails.next_cursor,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write_to_organization))
        .routes(routes!(invite))
        .routes(routes!(portal_set_password))
        .routes(routes!(portal_password_reset))
        .routes(routes!(list_outgoing_mail))
}
