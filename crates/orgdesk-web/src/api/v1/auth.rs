//! Tokens: agents sign in at /auth/token, portal users at /portal/token.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{BearerToken, Json};
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
}

/// Exchanges an agent's email and password for an API token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = Credentials,
    responses((status = 201, body = TokenResponse), (status = 401, description = "wrong email or password", body = ErrorBody), (status = 429, description = "too many attempts on this account; see Retry-After", body = ErrorBody)))]
async fn agent_token(
    State(app): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, axum::Json<TokenResponse>), ApiError> {
    let token = app.issue_agent_token(&body.email, &body.password).await?;
    Ok((StatusCode::CREATED, axum::Json(TokenResponse { token })))
}

/// Revokes the token this request is made with (agent or portal user): signing out.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
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
    responses((status = 201, body = TokenResponse), (status = 401, description = "wrong email or password", body = ErrorBody), (status = 429, description = "too many attempts on this account; see Retry-After", body = ErrorBody)))]
async fn portal_token(
    State(app): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, axum::Json<TokenResponse>), ApiError> {
    let token = app.issue_user_token(&body.email, &body.password).await?;
    Ok((StatusCode::CREATED, axum::Json(TokenResponse { token })))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agent_token, revoke_token))
        .routes(routes!(portal_token))
}
