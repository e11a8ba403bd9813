//! Organizations: create, read, list, change, delete; their history and activity.

use super::types::{
    ContactBody, EventList, EventResponse, OrganizationList, OrganizationResponse, PageQuery,
    expected_version,
};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query, double_option};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use orgdesk_app::core::OrganizationId;
use orgdesk_app::{NewOrganization, OrganizationChanges, OrganizationQuery, PageRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationBody {
    pub name: String,
    pub summary: Option<String>,
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<ContactBody>,
    pub external_id: Option<String>,
    /// Custom field values by key (see `GET /api/v1/organization-fields`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// Creates an organization.
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", security(("agent" = [])), request_body = CreateOrganizationBody,
    responses((status = 201, body = OrganizationResponse), (status = 409, description = "name, domain or external_id taken", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_organization(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Json(body): Json<CreateOrganizationBody>,
) -> Result<(StatusCode, axum::Json<OrganizationResponse>), ApiError> {
    let new = NewOrganization {
        name: body.name,
        summary: body.summary,
        parent_id: body.parent_id.map(OrganizationId),
        contacts: body.contacts.into_iter().map(Into::into).collect(),
        domains: body.domains,
        external_id: body.external_id,
        fields: body.fields,
    };
    let created = app.create_organization(&agent.actor(), new).await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListOrganizationsQuery {
    /// Name prefix, any letter case.
    pub q: Option<String>,
    /// Only the children of this organization.
    pub parent_id: Option<i64>,
    /// Only the organization owning this email domain.
    pub domain: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The `field.KEY=value` pairs of a query string, in order.
fn field_filters(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|err| ApiError::Malformed(format!("the query string cannot be read: {err}")))?;
    Ok(pairs
        .into_iter()
        .filter_map(|(name, value)| Some((name.strip_prefix("field.")?.to_owned(), value)))
        .collect())
}

/// Lists organizations in name order; searches by name prefix; narrows by custom field
/// values with `field.KEY=value`.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", security(("agent" = [])),
    params(ListOrganizationsQuery, ("field.{key}" = Option<String>, Query, description = "Only organizations holding this value in the custom field `key` (text in any letter case; a multiple choice holding it among others); several narrow together. A field you may not view is unknown.")),
    responses((status = 200, body = OrganizationList), (status = 422, description = "an unknown field, or a value the field cannot hold", body = ErrorBody)))]
async fn list_organizations(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Query(query): Query<ListOrganizationsQuery>,
    RawQuery(raw): RawQuery,
) -> Result<axum::Json<OrganizationList>, ApiError> {
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let pairs = field_filters(raw.as_deref())?;
    let fields = pairs
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let filter = OrganizationQuery {
        q: query.q.as_deref(),
        parent: query.parent_id.map(|p| Some(OrganizationId(p))),
        domain: query.domain.as_deref(),
        fields,
    };
    Ok(axum::Json(
        app.list_organizations(&agent, &filter, &page).await?.into(),
    ))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrganizationResponse), (status = 404, body = ErrorBody)))]
async fn get_organization(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<OrganizationResponse>, ApiError> {
    Ok(axum::Json(
        app.get_organization(&agent, OrganizationId(id))
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationBody {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub summary: Option<Option<String>>,
    /// `null` makes it a top-level organization.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    pub contacts: Option<Vec<ContactBody>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    /// Custom field values by key; `null` clears one, keys not sent stay as they are.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<BTreeMap<String, serde_json::Value>>,
    /// The version you read; alternatively send it as `If-Match`.
    pub version: Option<i64>,
}

/// Changes an organization. With `If-Match` or `version`, refuses (412) when someone
/// changed it since.
#[utoipa::path(patch, path = "/api/v1/organizations/{id}", tag = "organizations", security(("agent" = [])), params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the version last read")),
    request_body = UpdateOrganizationBody,
    responses((status = 200, body = OrganizationResponse), (status = 404, body = ErrorBody), (status = 409, description = "name taken or hierarchy cycle", body = ErrorBody), (status = 412, description = "stale version", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_organization(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<UpdateOrganizationBody>,
) -> Result<axum::Json<OrganizationResponse>, ApiError> {
    let expected_version = expected_version(&headers, body.version)?;
    let changes = OrganizationChanges {
        name: body.name,
        summary: body.summary,
        parent_id: body.parent_id.map(|p| p.map(OrganizationId)),
        contacts: body
            .contacts
            .map(|c| c.into_iter().map(Into::into).collect()),
        external_id: body.external_id,
        fields: body.fields,
        expected_version,
    };
    Ok(axum::Json(
        app.update_organization(&agent.actor(), OrganizationId(id), changes)
            .await?
            .into(),
    ))
}

/// Deletes an organization: members become unaffiliated, children top-level; nothing
/// else is lost.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}", tag = "organizations", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 403, description = "not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_organization(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app.delete_organization(&agent, OrganizationId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationHistoryList {
    pub data: Vec<EventResponse>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The organization was deleted; these are the events it left behind (admins only).
    pub deleted: bool,
}

/// Every change to the organization, its members and domains, newest first. Admins
/// also read a deleted organization's history, marked `deleted`.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/history", tag = "organizations", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = OrganizationHistoryList), (status = 404, description = "no such organization (or a deleted one, to an agent who is not an admin)", body = ErrorBody)))]
async fn list_organization_history(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<OrganizationHistoryList>, ApiError> {
    let history = app
        .organization_history_for(&agent, OrganizationId(id), &(&page).into())
        .await?;
    Ok(axum::Json(OrganizationHistoryList {
        data: history.events.items.into_iter().map(Into::into).collect(),
        next_cursor: history.events.next_cursor,
        deleted: history.deleted,
    }))
}

/// What happened around the organization, its members' actions included, newest first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/activity", tag = "organizations", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = EventList), (status = 404, body = ErrorBody)))]
async fn list_organization_activity(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<EventList>, ApiError> {
    Ok(axum::Json(
        app.organization_activity(&agent, OrganizationId(id), &(&page).into())
            .await?
            .into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_organization, list_organizations))
        .routes(routes!(
            get_organization,
            update_organization,
            delete_organization
        ))
        .routes(routes!(list_organization_history))
        .routes(routes!(list_organization_activity))
}
