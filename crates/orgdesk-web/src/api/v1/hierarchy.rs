//! Parents and children of organizations.

use super::types::{OrganizationList, OrganizationResponse, PageQuery};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::core::{Error, OrganizationId};
use orgdesk_app::{ChildRef, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Direct children, in name order.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/children", tag = "hierarchy", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = OrganizationList), (status = 404, body = ErrorBody)))]
async fn list_children(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<OrganizationList>, ApiError> {
    Ok(axum::Json(
        app.list_children(&agent, OrganizationId(id), &(&page).into())
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddChildBody {
    /// An existing organization to make a child.
    pub organization_id: Option<i64>,
    /// Or a name: the organization with that name, created when none has it.
    pub name: Option<String>,
}

/// Makes an organization a child of this one; a name no organization has creates it.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/children", tag = "hierarchy", security(("agent" = [])), params(("id" = i64, Path)), request_body = AddChildBody,
    responses((status = 200, description = "an existing organization became the child", body = OrganizationResponse), (status = 201, description = "the child was created", body = OrganizationResponse),
        (status = 404, body = ErrorBody), (status = 409, description = "would make a cycle", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_child(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<AddChildBody>,
) -> Result<(StatusCode, axum::Json<OrganizationResponse>), ApiError> {
    let child = match (body.organization_id, body.name) {
        (Some(child), None) => ChildRef::Existing(OrganizationId(child)),
        (None, Some(name)) => ChildRef::Named(name),
        _ => {
            return Err(Error::validation(
                "organization_id",
                "give exactly one of organization_id or name",
            )
            .into());
        }
    };
    let (organization, created) = app
        .add_child(&agent.actor(), OrganizationId(id), child)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(organization.into())))
}

/// Detaches a child: it becomes a top-level organization.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/children/{child_id}", tag = "hierarchy", security(("agent" = [])), params(("id" = i64, Path), ("child_id" = i64, Path)),
    responses((status = 204, description = "detached"), (status = 404, body = ErrorBody)))]
async fn detach_child(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, child)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.detach_child(&agent.actor(), OrganizationId(id), OrganizationId(child))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The chain of parents up to the root: the parent first, the root last.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/ancestors", tag = "hierarchy", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = OrganizationList), (status = 404, body = ErrorBody)))]
async fn list_ancestors(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<OrganizationList>, ApiError> {
    Ok(axum::Json(
        app.list_ancestors(&agent, OrganizationId(id), &(&page).into())
            .await?
            .into(),
    ))
}

/// The whole subtree below, nearest levels first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/descendants", tag = "hierarchy", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = OrganizationList), (status = 404, body = ErrorBody)))]
async fn list_descendants(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<OrganizationList>, ApiError> {
    Ok(axum::Json(
        app.list_descendants(&agent, OrganizationId(id), &(&page).into())
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CandidatesQuery {
    /// Name prefix.
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildCandidateBody {
    pub organization: OrganizationResponse,
    pub valid: bool,
    /// Why it cannot be a child: `self`, `ancestor` or `already_child`; null when valid.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildCandidateList {
    pub data: Vec<ChildCandidateBody>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Organizations that could be picked as a child, each with whether it is valid and why not.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/child-candidates", tag = "hierarchy", security(("agent" = [])), params(("id" = i64, Path), CandidatesQuery),
    responses((status = 200, body = ChildCandidateList), (status = 404, body = ErrorBody)))]
async fn list_child_candidates(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Query(query): Query<CandidatesQuery>,
) -> Result<axum::Json<ChildCandidateList>, ApiError> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let candidates = app
        .child_candidates(&agent, OrganizationId(id), query.q.as_deref(), &page)
        .await?;
    let data = candidates
        .items
        .into_iter()
        .map(|c| ChildCandidateBody {
            valid: c.reason.is_none(),
            reason: c.reason.map(|r| r.as_str().to_owned()),
            organization: c.organization.into(),
        })
        .collect();
    Ok(axum::Json(ChildCandidateList {
        data,
        next_cursor: candidates.next_cursor,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_children, add_child))
        .routes(routes!(detach_child))
        .routes(routes!(list_ancestors))
        .routes(routes!(list_descendants))
        .routes(routes!(list_child_candidates))
}
