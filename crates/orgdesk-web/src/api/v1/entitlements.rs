//! Entitlements: products or services an organization has access to.

use super::types::{PageQuery, expected_version, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query, double_option};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use orgdesk_app::core::OrganizationId;
use orgdesk_app::core::day::{format_day, today};
use orgdesk_app::core::entitlement::Entitlement;
use orgdesk_app::core::model::Page;
use orgdesk_app::{EntitlementChanges, NewEntitlement};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Serialize, ToSchema)]
pub struct EntitlementResponse {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    /// First day, `YYYY-MM-DD`; null: since always.
    pub starts_on: Option<String>,
    /// Last day, `YYYY-MM-DD`; null: open-ended.
    pub ends_on: Option<String>,
    pub notes: Option<String>,
    /// Today (UTC) falls between its days.
    pub active: bool,
    /// `active`, `upcoming` or `expired`.
    pub state: String,
    pub created_at: String,
    pub updated_at: String,
    /// Send it back as `If-Match` (or `"version"`) to refuse stale writes.
    pub version: i64,
}

impl From<Entitlement> for EntitlementResponse {
    fn from(entitlement: Entitlement) -> Self {
        let state = entitlement.terms.state_on(today());
        EntitlementResponse {
            id: entitlement.id,
            organization_id: entitlement.organization_id.0,
            name: entitlement.terms.name,
            starts_on: entitlement.terms.starts_on.map(format_day),
            ends_on: entitlement.terms.ends_on.map(format_day),
            notes: entitlement.terms.notes,
            active: state == orgdesk_app::core::entitlement::EntitlementState::Active,
            state: state.as_str().to_owned(),
            created_at: timestamp(entitlement.created_at),
            updated_at: timestamp(entitlement.updated_at),
            version: entitlement.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntitlementList {
    pub data: Vec<EntitlementResponse>,
    pub next_cursor: Option<String>,
}

impl From<Page<Entitlement>> for EntitlementList {
    fn from(page: Page<Entitlement>) -> Self {
        EntitlementList {
            data: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntitlementBody {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`, not before `starts_on`.
    pub ends_on: Option<String>,
    pub notes: Option<String>,
}

/// The organization's entitlements, active ones first, then by name.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/entitlements", tag = "entitlements", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = EntitlementList), (status = 404, body = ErrorBody)))]
async fn list_entitlements(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<EntitlementList>, ApiError> {
    Ok(axum::Json(
        app.organization_entitlements(OrganizationId(id), &(&page).into())
            .await?
            .into(),
    ))
}

/// Adds an entitlement to the organization.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/entitlements", tag = "entitlements", security(("agent" = [])), params(("id" = i64, Path)),
    request_body = CreateEntitlementBody,
    responses((status = 201, body = EntitlementResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_entitlement(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<CreateEntitlementBody>,
) -> Result<(StatusCode, axum::Json<EntitlementResponse>), ApiError> {
    let new = NewEntitlement {
        name: body.name,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        notes: body.notes,
    };
    let added = app
        .add_entitlement(&agent.actor(), OrganizationId(id), new)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(added.into())))
}

/// One entitlement.
#[utoipa::path(get, path = "/api/v1/entitlements/{id}", tag = "entitlements", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EntitlementResponse), (status = 404, body = ErrorBody)))]
async fn get_entitlement(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<EntitlementResponse>, ApiError> {
    Ok(axum::Json(app.get_entitlement(id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntitlementBody {
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub starts_on: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ends_on: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// The version you read; alternatively send it as `If-Match`.
    pub version: Option<i64>,
}

/// Changes an entitlement's name, days or notes.
#[utoipa::path(patch, path = "/api/v1/entitlements/{id}", tag = "entitlements", security(("agent" = [])), params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the version last read")),
    request_body = UpdateEntitlementBody,
    responses((status = 200, body = EntitlementResponse), (status = 404, body = ErrorBody), (status = 412, description = "stale version", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_entitlement(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<UpdateEntitlementBody>,
) -> Result<axum::Json<EntitlementResponse>, ApiError> {
    let changes = EntitlementChanges {
        name: body.name,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        notes: body.notes,
        expected_version: expected_version(&headers, body.version)?,
    };
    Ok(axum::Json(
        app.change_entitlement(&agent.actor(), id, changes)
            .await?
            .into(),
    ))
}

/// Removes an entitlement (recorded in the organization's history).
#[utoipa::path(delete, path = "/api/v1/entitlements/{id}", tag = "entitlements", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)))]
async fn delete_entitlement(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app.remove_entitlement(&agent.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_entitlements, create_entitlement))
        .routes(routes!(
            get_entitlement,
            update_entitlement,
            delete_entitlement
        ))
}
