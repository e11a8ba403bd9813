//! Mail that agents send: a message to every member of an organization.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::core::OrganizationId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(write_to_organization))
}
