//! Staff accounts, managed by admins.

use super::types::{AgentList, AgentResponse, PageQuery};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Query};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::NewAgent;
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
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", security(("bearer" = [])), request_body = CreateAgentBody,
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
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = AgentList), (status = 403, body = ErrorBody)))]
async fn list_agents(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<AgentList>, ApiError> {
    Ok(axum::Json(
        app.list_agents(&agent, &(&page).into()).await?.into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_agent, list_agents))
}
