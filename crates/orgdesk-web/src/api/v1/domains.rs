//! Email domain associations of an organization.

use super::types::UserResponse;
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
pub struct AddDomainBody {
    pub domain: String,
    /// Associate a free mail provider's domain anyway.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchCounts {
    /// Existing users of the domain with no organization.
    pub unaffiliated: i64,
    /// Existing users of the domain in another organization.
    pub other_organization: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainAddedResponse {
    /// The domain as stored (lower case, ASCII).
    pub domain: String,
    pub matches: MatchCounts,
}

/// Associates an email domain; says how many existing users it matches.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/domains", tag = "domains", security(("agent" = [])), params(("id" = i64, Path)), request_body = AddDomainBody,
    responses((status = 201, body = DomainAddedResponse), (status = 404, body = ErrorBody), (status = 409, description = "the domain belongs to another organization", body = ErrorBody), (status = 422, description = "invalid, public suffix, or free mail without force", body = ErrorBody)))]
async fn add_domain(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<AddDomainBody>,
) -> Result<(StatusCode, axum::Json<DomainAddedResponse>), ApiError> {
    let added = app
        .add_domain(&agent.actor(), OrganizationId(id), &body.domain, body.force)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(DomainAddedResponse {
            domain: added.domain,
            matches: MatchCounts {
                unaffiliated: added.unaffiliated,
                other_organization: added.other_organization,
            },
        }),
    ))
}

/// Removes the association; members stay.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/domains/{domain}", tag = "domains", security(("agent" = [])), params(("id" = i64, Path), ("domain" = String, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)))]
async fn remove_domain(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, domain)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    app.remove_domain(&agent.actor(), OrganizationId(id), &domain)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchGroupBody {
    pub count: i64,
    /// The first 50 matching users, in id order.
    pub users: Vec<UserResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainMatchesResponse {
    pub unaffiliated: MatchGroupBody,
    pub other_organization: MatchGroupBody,
}

/// Existing users whose email matches the domain, by where they are now.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/domains/{domain}/matches", tag = "domains", security(("agent" = [])), params(("id" = i64, Path), ("domain" = String, Path)),
    responses((status = 200, body = DomainMatchesResponse), (status = 404, body = ErrorBody)))]
async fn list_domain_matches(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path((id, domain)): Path<(i64, String)>,
) -> Result<axum::Json<DomainMatchesResponse>, ApiError> {
    let matches = app.domain_matches(OrganizationId(id), &domain).await?;
    let group = |g: orgdesk_app::MatchedUsers| MatchGroupBody {
        count: g.count,
        users: g.users.into_iter().map(Into::into).collect(),
    };
    Ok(axum::Json(DomainMatchesResponse {
        unaffiliated: group(matches.unaffiliated),
        other_organization: group(matches.other_organization),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyMatchesBody {
    #[serde(default)]
    pub unaffiliated: bool,
    #[serde(default)]
    pub other_organization: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplyMatchesResponse {
    pub moved: u64,
}

/// Brings the chosen groups of matching users into the organization, in one step.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/domains/{domain}/apply", tag = "domains", security(("agent" = [])), params(("id" = i64, Path), ("domain" = String, Path)), request_body = ApplyMatchesBody,
    responses((status = 200, body = ApplyMatchesResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn apply_domain_matches(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, domain)): Path<(i64, String)>,
    Json(body): Json<ApplyMatchesBody>,
) -> Result<axum::Json<ApplyMatchesResponse>, ApiError> {
    let moved = app
        .apply_domain_matches(
            &agent.actor(),
            OrganizationId(id),
            &domain,
            body.unaffiliated,
            body.other_organization,
        )
        .await?;
    Ok(axum::Json(ApplyMatchesResponse { moved }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_domain))
        .routes(routes!(remove_domain))
        .routes(routes!(list_domain_matches))
        .routes(routes!(apply_domain_matches))
}
