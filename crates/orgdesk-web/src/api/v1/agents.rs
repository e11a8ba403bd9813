//! Staff accounts, managed by admins.

use super::types::{AgentList, AgentResponse, PageQuery};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::core::AgentId;
use orgdesk_app::{AgentChanges, NewAgent};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateAgentBody {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub admin: bool,
}

/// Creates an agent (admins only).
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", security(("agent" = [])), request_body = CreateAgentBody,
    responses((status = 201, body = AgentResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_agent(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Json(body): Json<CreateAgentBody>,
) -> Result<(StatusCode, axum::Json<AgentResponse>), ApiError> {
    let created = app
        .create_agent(
            Some(&agent),
            NewAgent {
                email: &body.email,
                name: &body.name,
                password: &body.password,
                admin: body.admin,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// Lists agents (admins only).
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", security(("agent" = [])), params(PageQuery),
    responses((status = 200, body = AgentList), (status = 403, body = ErrorBody)))]
async fn list_agents(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<AgentList>, ApiError> {
    Ok(axum::Json(
        app.list_agents(Some(&agent), &(&page).into()).await?.into(),
    ))
}

/// One agent: admins see any agent, other agents only themselves.
#[utoipa::path(get, path = "/api/v1/agents/{id}", tag = "agents", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = AgentResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_agent(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<AgentResponse>, ApiError> {
    Ok(axum::Json(app.get_agent(&agent, AgentId(id)).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgentBody {
    pub name: Option<String>,
    pub email: Option<String>,
    pub admin: Option<bool>,
    /// true switches the agent off: their tokens stop working at once and they cannot
    /// sign in; their replies and history stay. false switches them back on.
    pub disabled: Option<bool>,
    /// A new password (at least 8 characters): every session of the agent ends, also
    /// the caller's when admins change their own.
    pub password: Option<String>,
}

/// Changes an agent (admins only). The last enabled admin cannot be demoted or
/// disabled (409 `last_admin`).
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents", security(("agent" = [])), params(("id" = i64, Path)), request_body = UpdateAgentBody,
    responses((status = 200, body = AgentResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "email taken, or the last enabled admin", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_agent(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<UpdateAgentBody>,
) -> Result<axum::Json<AgentResponse>, ApiError> {
    let changes = AgentChanges {
        name: body.name,
        email: body.email,
        admin: body.admin,
        disabled: body.disabled,
        password: body.password,
    };
    Ok(axum::Json(
        app.update_agent(Some(&agent), AgentId(id), changes)
            .await?
            .into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_agent, list_agents))
        .routes(routes!(get_agent, update_agent))
}
