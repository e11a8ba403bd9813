//! Usergroups: definitions, direct members, links to organizations, and a user's groups.

use super::types::{PageQuery, UserResponse, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use orgdesk_app::UsergroupChanges;
use orgdesk_app::core::model::{MembershipSources, Usergroup};
use orgdesk_app::core::{OrganizationId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The permission catalogue as an OpenAPI enum, from the one list the rules check.
fn permission_list() -> utoipa::openapi::Array {
    let described: Vec<String> = orgdesk_app::core::usergroup::PERMISSIONS
        .iter()
        .map(|(name, allows)| format!("`{name}`: {allows}"))
        .collect();
    utoipa::openapi::ArrayBuilder::new()
        .items(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some(orgdesk_app::core::usergroup::permission_names())),
        )
        .description(Some(format!(
            "What members may do in the Help Center portal: {}.",
            described.join("; ")
        )))
        .build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsergroupResponse {
    pub id: i64,
    pub name: String,
    /// Permissions from the catalogue (see `CreateUsergroupBody`). A group defined
    /// before the catalogue existed keeps whatever names it was given then.
    pub permissions: Vec<String>,
    pub created_at: String,
}

impl From<Usergroup> for UsergroupResponse {
    fn from(group: Usergroup) -> Self {
        UsergroupResponse {
            id: group.id,
            name: group.name,
            permissions: group.permissions,
            created_at: timestamp(group.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsergroupList {
    pub data: Vec<UsergroupResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUsergroupBody {
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = permission_list)]
    pub permissions: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUsergroupBody {
    pub name: Option<String>,
    /// Replaces the list.
    #[schema(schema_with = permission_list)]
    pub permissions: Option<Vec<String>>,
}

/// Defines a usergroup (admins only).
#[utoipa::path(post, path = "/api/v1/usergroups", tag = "usergroups", security(("agent" = [])), request_body = CreateUsergroupBody,
    responses((status = 201, body = UsergroupResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_usergroup(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Json(body): Json<CreateUsergroupBody>,
) -> Result<(StatusCode, axum::Json<UsergroupResponse>), ApiError> {
    let group = app
        .create_usergroup(&agent, &body.name, &body.permissions)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(group.into())))
}

/// Lists usergroups.
#[utoipa::path(get, path = "/api/v1/usergroups", tag = "usergroups", security(("agent" = [])), params(PageQuery),
    responses((status = 200, body = UsergroupList)))]
async fn list_usergroups(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<UsergroupList>, ApiError> {
    let page = app.list_usergroups(&(&page).into()).await?;
    Ok(axum::Json(UsergroupList {
        data: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One usergroup.
#[utoipa::path(get, path = "/api/v1/usergroups/{id}", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UsergroupResponse), (status = 404, body = ErrorBody)))]
async fn get_usergroup(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<UsergroupResponse>, ApiError> {
    Ok(axum::Json(app.get_usergroup(id).await?.into()))
}

/// Renames a usergroup or replaces its permissions (admins only).
#[utoipa::path(patch, path = "/api/v1/usergroups/{id}", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path)), request_body = UpdateUsergroupBody,
    responses((status = 200, body = UsergroupResponse), (status = 403, description = "not an admin, or a portal user's token", body = ErrorBody), (status = 409, description = "name taken", body = ErrorBody)))]
async fn update_usergroup(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<UpdateUsergroupBody>,
) -> Result<axum::Json<UsergroupResponse>, ApiError> {
    let changes = UsergroupChanges {
        name: body.name,
        permissions: body.permissions,
    };
    Ok(axum::Json(
        app.update_usergroup(&agent, id, changes).await?.into(),
    ))
}

/// Deletes a usergroup (admins only): its organization links and direct memberships
/// go with it, recorded on each organization concerned.
#[utoipa::path(delete, path = "/api/v1/usergroups/{id}", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 403, description = "not an admin, or a portal user's token", body = ErrorBody)))]
async fn delete_usergroup(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app.delete_usergroup(&agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsergroupMemberBody {
    pub user: UserResponse,
    /// Added to the group individually.
    pub direct: bool,
    /// In the group because their organization is linked to it.
    pub via_organization: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsergroupMemberList {
    pub data: Vec<UsergroupMemberBody>,
    pub next_cursor: Option<String>,
}

/// The usergroup's effective members (direct and through their organization), in user order.
#[utoipa::path(get, path = "/api/v1/usergroups/{id}/members", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = UsergroupMemberList), (status = 404, body = ErrorBody)))]
async fn list_usergroup_members(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<UsergroupMemberList>, ApiError> {
    let page = app.usergroup_members(id, &(&page).into()).await?;
    let data = page
        .items
        .into_iter()
        .map(
            |(
                user,
                MembershipSources {
                    direct,
                    via_organization,
                },
            )| UsergroupMemberBody {
                user: user.into(),
                direct,
                via_organization,
            },
        )
        .collect();
    Ok(axum::Json(UsergroupMemberList {
        data,
        next_cursor: page.next_cursor,
    }))
}

/// Adds the user to the usergroup directly (admins only).
#[utoipa::path(put, path = "/api/v1/usergroups/{id}/members/{user_id}", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "the user is a direct member"), (status = 403, description = "not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_usergroup_member(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, user)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.add_usergroup_member(&agent, id, UserId(user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the user's direct membership (admins only); a membership only through the user's
/// organization is refused with 409 `membership_from_organization`.
#[utoipa::path(delete, path = "/api/v1/usergroups/{id}/members/{user_id}", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 403, description = "not an admin", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "the membership comes through the organization", body = ErrorBody)))]
async fn remove_usergroup_member(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, user)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.remove_usergroup_member(&agent, id, UserId(user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Links the usergroup to the organization (admins only): every member, present and
/// future, is in it.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/usergroups/{usergroup_id}", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path), ("usergroup_id" = i64, Path)),
    responses((status = 204, description = "linked"), (status = 403, description = "not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn link_usergroup(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, usergroup)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.link_usergroup(&agent, OrganizationId(id), usergroup)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unlinks (admins only): members leave the usergroup unless they are in it directly too.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/usergroups/{usergroup_id}", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path), ("usergroup_id" = i64, Path)),
    responses((status = 204, description = "unlinked"), (status = 403, description = "not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unlink_usergroup(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path((id, usergroup)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.unlink_usergroup(&agent, OrganizationId(id), usergroup)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsergroupRefBody {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserUsergroupBody {
    pub usergroup: UsergroupRefBody,
    pub direct: bool,
    pub via_organization: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserUsergroupList {
    pub data: Vec<UserUsergroupBody>,
}

/// The usergroups a user is in, and why.
#[utoipa::path(get, path = "/api/v1/users/{id}/usergroups", tag = "usergroups", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UserUsergroupList), (status = 404, body = ErrorBody)))]
async fn list_user_usergroups(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<UserUsergroupList>, ApiError> {
    let data = app
        .user_usergroups(UserId(id))
        .await?
        .into_iter()
        .map(|(group, sources)| UserUsergroupBody {
            usergroup: UsergroupRefBody {
                id: group.id,
                name: group.name,
            },
            direct: sources.direct,
            via_organization: sources.via_organization,
        })
        .collect();
    Ok(axum::Json(UserUsergroupList { data }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_usergroup, list_usergroups))
        .routes(routes!(get_usergroup, update_usergroup, delete_usergroup))
        .routes(routes!(list_usergroup_members))
        .routes(routes!(add_usergroup_member, remove_usergroup_member))
        .routes(routes!(link_usergroup, unlink_usergroup))
        .routes(routes!(list_user_usergroups))
}
