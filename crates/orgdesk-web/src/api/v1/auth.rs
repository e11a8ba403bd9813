//! Tokens: agents sign in at /auth/token, portal users at /portal/token.

use super::types::{AgentResponse, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, BearerToken, ClientAddress, Json};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// When the token stops working unless used; each use moves it forward by the
    /// configured lifetime (checked at most once a minute).
    pub expires_at: String,
}

impl From<orgdesk_app::IssuedToken> for TokenResponse {
    fn from(issued: orgdesk_app::IssuedToken) -> Self {
        TokenResponse {
            token: issued.token,
            expires_at: timestamp(issued.expires_at),
        }
    }
}

/// Exchanges an agent's email and password for an API token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = Credentials,
    responses((status = 201, body = TokenResponse), (status = 401, description = "wrong email or password (`unauthenticated`), or a disabled agent (`account_disabled`)", body = ErrorBody), (status = 429, description = "too many attempts on this account from this address, or from this address overall; see Retry-After", body = ErrorBody)))]
async fn issue_agent_token(
    State(app): State<AppState>,
    ClientAddress(from): ClientAddress,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, axum::Json<TokenResponse>), ApiError> {
    let issued = app
        .issue_agent_token(&body.email, &body.password, from)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(issued.into())))
}

/// The signed-in agent.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("agent" = [])),
    responses((status = 200, body = AgentResponse), (status = 401, description = "no valid token (`unauthenticated`, `token_expired`, `account_disabled`)", body = ErrorBody), (status = 403, description = "a portal user's token", body = ErrorBody)))]
async fn current_agent(AgentAuth(agent): AgentAuth) -> axum::Json<AgentResponse> {
    axum::Json(agent.into())
}

/// Revokes the token this request is made with (agent or portal user): signing out.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("agent" = []), ("portal_user" = [])),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody)))]
async fn revoke_token(
    State(app): State<AppState>,
    BearerToken(token): BearerToken,
) -> Result<StatusCode, ApiError> {
    app.revoke_token(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Exchanges a portal user's email and password for a portal token.
#[utoipa::path(post, path = "/api/v1/portal/token", tag = "auth", request_body = Credentials,
    responses((status = 201, body = TokenResponse), (status = 401, description = "wrong email or password (`unauthenticated`), or a disabled user (`account_disabled`)", body = ErrorBody), (status = 429, description = "too many attempts on this account from this address, or from this address overall; see Retry-After", body = ErrorBody)))]
async fn portal_issue_token(
    State(app): State<AppState>,
    ClientAddress(from): ClientAddress,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, axum::Json<TokenResponse>), ApiError> {
    let issued = app
        .issue_user_token(&body.email, &body.password, from)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(issued.into())))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_agent_token, revoke_token))
        .routes(routes!(current_agent))
        .routes(routes!(portal_issue_token))
}
