//! Members of an organization.

use super::types::{UserList, UserResponse};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Path, Query, double_option};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::core::{OrganizationId, UserId};
use orgdesk_app::{MembershipChanges, PageRequest};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, IntoParams)]
pub struct MembersQuery {
    /// Only managers (true) or only non-managers (false).
    pub manager: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Members, in the order they were created.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/members", tag = "members", security(("agent" = [])), params(("id" = i64, Path), MembersQuery),
    responses((status = 200, body = UserList), (status = 404, body = ErrorBody)))]
async fn list_members(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(query): Query<MembersQuery>,
) -> Result<axum::Json<UserList>, ApiError> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    Ok(axum::Json(
        app.list_members(OrganizationId(id), query.manager, &page)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutMemberBody {
    /// Job title; null clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    pub manager: Option<bool>,
}

/// Adds the user to the organization (moving them from any other), or changes their
/// position and manager flag when already a member.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/members/{user_id}", tag = "members", security(("agent" = [])), params(("id" = i64, Path), ("user_id" = i64, Path)), request_body = Option<PutMemberBody>,
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_member(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, user)): Path<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<axum::Json<UserResponse>, ApiError> {
    // The body is optional: an empty PUT just adds the user.
    let body: PutMemberBody = if body.iter().all(u8::is_ascii_whitespace) {
        PutMemberBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|err| {
            ApiError::Malformed(format!("the request body is not acceptable JSON: {err}"))
        })?
    };
    let changes = MembershipChanges {
        position: body.position,
        manager: body.manager,
    };
    Ok(axum::Json(
        app.put_member(&agent.actor(), OrganizationId(id), UserId(user), changes)
            .await?
            .into(),
    ))
}

/// Removes the user from the organization; the user is kept.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/members/{user_id}", tag = "members", security(("agent" = [])), params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)))]
async fn remove_member(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, user)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.remove_member(&agent.actor(), OrganizationId(id), UserId(user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(set_member, remove_member))
}
