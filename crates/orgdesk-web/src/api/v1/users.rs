//! End users, as agents see them.

use super::types::{PageQuery, UserEventList, UserList, UserResponse};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query, double_option};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::core::{OrganizationId, UserId};
use orgdesk_app::{NewUser, PageRequest, UserChanges};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    pub name: String,
    pub email: String,
    /// Lets the user sign in to the portal.
    pub password: Option<String>,
    /// Without it, the organization owning the email's domain is joined, if any.
    pub organization_id: Option<i64>,
    pub position: Option<String>,
    #[serde(default)]
    pub manager: bool,
    /// The user's key in the system they came from (imports match on it); unique.
    pub external_id: Option<String>,
}

/// Creates a user; the email domain association applies when no organization is given.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("agent" = [])), request_body = CreateUserBody,
    responses((status = 201, body = UserResponse), (status = 409, description = "email or external_id taken", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Json(body): Json<CreateUserBody>,
) -> Result<(StatusCode, axum::Json<UserResponse>), ApiError> {
    let new = NewUser {
        name: body.name,
        email: body.email,
        password: body.password,
        organization_id: body.organization_id.map(OrganizationId),
        position: body.position,
        manager: body.manager,
        external_id: body.external_id,
    };
    let user = app.create_user(&agent.actor(), new).await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListUsersQuery {
    /// Prefix of the email or the name.
    pub q: Option<String>,
    pub organization_id: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists and searches users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("agent" = [])), params(ListUsersQuery),
    responses((status = 200, body = UserList)))]
async fn list_users(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Query(query): Query<ListUsersQuery>,
) -> Result<axum::Json<UserList>, ApiError> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    Ok(axum::Json(
        app.list_users(
            query.q.as_deref(),
            query.organization_id.map(OrganizationId),
            None,
            &page,
        )
        .await?
        .into(),
    ))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<UserResponse>, ApiError> {
    Ok(axum::Json(app.get_user(UserId(id)).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    pub name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    /// null leaves the organization.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    pub manager: Option<bool>,
    pub auto_cc_organization_tickets: Option<bool>,
    /// Whether mail about the user's tickets reaches them.
    pub notifications: Option<bool>,
    /// null clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    /// Admins only: true switches the user off (no portal sign-in, tokens refused at
    /// once, data kept); false switches them back on.
    pub disabled: Option<bool>,
}

/// Changes a user.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("agent" = [])), params(("id" = i64, Path)), request_body = UpdateUserBody,
    responses((status = 200, body = UserResponse), (status = 403, description = "a password or `disabled` set by an agent who is not an admin", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<UpdateUserBody>,
) -> Result<axum::Json<UserResponse>, ApiError> {
    let changes = UserChanges {
        name: body.name,
        email: body.email,
        password: body.password,
        organization_id: body.organization_id.map(|o| o.map(OrganizationId)),
        position: body.position,
        manager: body.manager,
        auto_cc_organization_tickets: body.auto_cc_organization_tickets,
        notifications: body.notifications,
        external_id: body.external_id,
        disabled: body.disabled,
    };
    Ok(axum::Json(
        app.update_user(&agent, UserId(id), changes).await?.into(),
    ))
}

/// What happened to the user, newest first: creation, organization moves, position,
/// manager, direct usergroup membership, name, email, password set, disabling.
#[utoipa::path(get, path = "/api/v1/users/{id}/history", tag = "users", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = UserEventList)))]
async fn list_user_history(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<UserEventList>, ApiError> {
    Ok(axum::Json(
        app.user_history(UserId(id), &(&page).into()).await?.into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user))
        .routes(routes!(list_user_history))
}
