//! Custom organization fields: admins define them and say who may view and edit each.

use super::types::{expected_version, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use orgdesk_app::core::AgentId;
use orgdesk_app::core::fields::{FieldDefinition, FieldId};
use orgdesk_app::{FieldChanges, NewField};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldResponse {
    pub id: i64,
    /// Stable name of the field in `fields` objects and `?field.KEY=` filters.
    pub key: String,
    pub label: String,
    /// `text`, `long_text`, `number`, `date`, `choice`, `multi_choice`, `checkbox` or `url`.
    #[serde(rename = "type")]
    pub field_type: String,
    /// The choices offered (choice types only).
    pub choices: Vec<String>,
    /// Choices no longer offered that organizations may still hold.
    pub retired_choices: Vec<String>,
    /// Who may view values besides admins: `agents`, `admins` or `chosen`.
    pub view: String,
    pub viewer_agent_ids: Vec<i64>,
    /// Who may change values besides admins: `agents`, `admins` or `chosen`.
    pub edit: String,
    pub editor_agent_ids: Vec<i64>,
    /// Members of the organization see the value in the portal.
    pub portal_visible: bool,
    /// 1-based place in the order fields are shown.
    pub position: i64,
    /// Hidden everywhere; values are kept and come back when restored.
    pub retired: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

fn ids(agents: &[AgentId]) -> Vec<i64> {
    agents.iter().map(|agent| agent.0).collect()
}

impl From<FieldDefinition> for FieldResponse {
    fn from(field: FieldDefinition) -> Self {
        FieldResponse {
            id: field.id.0,
            key: field.key.to_string(),
            label: field.label,
            field_type: field.field_type.as_str().to_owned(),
            choices: field.choices.active,
            retired_choices: field.choices.retired,
            view: field.view.audience.as_str().to_owned(),
            viewer_agent_ids: ids(&field.view.agents),
            edit: field.edit.audience.as_str().to_owned(),
            editor_agent_ids: ids(&field.edit.agents),
            portal_visible: field.portal_visible,
            position: field.position,
            retired: field.retired,
            version: field.version,
            created_at: timestamp(field.created_at),
            updated_at: timestamp(field.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldList {
    pub data: Vec<FieldResponse>,
    /// Always null: the whole list comes at once.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFieldBody {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    #[schema(example = "choice")]
    pub field_type: String,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub retired_choices: Vec<String>,
    /// `agents` (default), `admins` or `chosen`.
    pub view: Option<String>,
    #[serde(default)]
    pub viewer_agent_ids: Vec<i64>,
    /// `agents`, `admins` or `chosen`; never wider than `view`. Left out (with no
    /// editors), the same as `view`.
    pub edit: Option<String>,
    #[serde(default)]
    pub editor_agent_ids: Vec<i64>,
    #[serde(default)]
    pub portal_visible: bool,
    /// 1-based place; the end when left out.
    pub position: Option<i64>,
}

fn agent_ids(ids: Vec<i64>) -> Vec<AgentId> {
    ids.into_iter().map(AgentId).collect()
}

/// The field definitions: all of them, retired ones too, for admins; the ones you may
/// view for other agents.
#[utoipa::path(get, path = "/api/v1/organization-fields", tag = "organization fields", security(("agent" = [])),
    responses((status = 200, body = FieldList)))]
async fn list_fields(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<axum::Json<FieldList>, ApiError> {
    let fields = app.organization_fields(&agent).await?;
    Ok(axum::Json(FieldList {
        data: fields.into_iter().map(Into::into).collect(),
        next_cursor: None,
    }))
}

/// Defines a field (admins).
#[utoipa::path(post, path = "/api/v1/organization-fields", tag = "organization fields", security(("agent" = [])), request_body = CreateFieldBody,
    responses((status = 201, body = FieldResponse), (status = 403, description = "not an admin", body = ErrorBody), (status = 409, description = "the key is taken (`field_key_taken`)", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_field(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Json(body): Json<CreateFieldBody>,
) -> Result<(StatusCode, axum::Json<FieldResponse>), ApiError> {
    let new = NewField {
        key: body.key,
        label: body.label,
        field_type: body.field_type,
        choices: body.choices,
        retired_choices: body.retired_choices,
        view: body.view,
        viewer_agent_ids: agent_ids(body.viewer_agent_ids),
        edit: body.edit,
        editor_agent_ids: agent_ids(body.editor_agent_ids),
        portal_visible: body.portal_visible,
        position: body.position,
    };
    let created = app.define_organization_field(&agent, new).await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// One field definition (admins).
#[utoipa::path(get, path = "/api/v1/organization-fields/{id}", tag = "organization fields", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = FieldResponse), (status = 403, description = "not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_field(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<FieldResponse>, ApiError> {
    Ok(axum::Json(
        app.organization_field(&agent, FieldId(id)).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFieldBody {
    /// Cannot change; accepted when equal to the stored key.
    pub key: Option<String>,
    /// Cannot change; accepted when equal to the stored type.
    #[serde(rename = "type")]
    pub field_type: Option<String>,
    pub label: Option<String>,
    /// Replaces the offered choices. A choice that organizations hold cannot vanish:
    /// move it to `retired_choices` (409 `choice_in_use` otherwise, with the count).
    pub choices: Option<Vec<String>>,
    pub retired_choices: Option<Vec<String>>,
    pub view: Option<String>,
    pub viewer_agent_ids: Option<Vec<i64>>,
    pub edit: Option<String>,
    pub editor_agent_ids: Option<Vec<i64>>,
    pub portal_visible: Option<bool>,
    /// Moves the field to this 1-based place; the others shift.
    pub position: Option<i64>,
    /// Retire (hide everywhere, keep values) or restore.
    pub retired: Option<bool>,
    /// The version you read; alternatively send it as `If-Match`.
    pub version: Option<i64>,
}

/// Changes a field's label, choices, permissions, place or retirement (admins).
#[utoipa::path(patch, path = "/api/v1/organization-fields/{id}", tag = "organization fields", security(("agent" = [])), params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the version last read")),
    request_body = UpdateFieldBody,
    responses((status = 200, body = FieldResponse), (status = 403, description = "not an admin", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "a dropped choice is held (`choice_in_use`)", body = ErrorBody), (status = 412, description = "stale version", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_field(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<UpdateFieldBody>,
) -> Result<axum::Json<FieldResponse>, ApiError> {
    let expected_version = expected_version(&headers, body.version)?;
    let changes = FieldChanges {
        key: body.key,
        field_type: body.field_type,
        label: body.label,
        choices: body.choices,
        retired_choices: body.retired_choices,
        view: body.view,
        viewer_agent_ids: body.viewer_agent_ids.map(agent_ids),
        edit: body.edit,
        editor_agent_ids: body.editor_agent_ids.map(agent_ids),
        portal_visible: body.portal_visible,
        position: body.position,
        retired: body.retired,
        expected_version,
    };
    Ok(axum::Json(
        app.change_organization_field(&agent, FieldId(id), changes)
            .await?
            .into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_fields, create_field))
        .routes(routes!(get_field, update_field))
}
