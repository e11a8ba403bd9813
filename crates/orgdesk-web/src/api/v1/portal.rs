//! The portal's own API: self-registration and the signed-in user's profile.

use super::types::{UserResponse, fields_object};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{BearerToken, ClientAddress, Json, UserAuth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orgdesk_app::core::day::format_day;
use orgdesk_app::{OwnProfileChanges, Registration};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub name: String,
    pub email: String,
    pub password: String,
}

/// What a registration is told while its address waits for confirmation.
pub(crate) const CHECK_YOUR_MAIL: &str =
    "Check your mail: we sent a link to confirm the address. The account is ready once it is used.";

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationPendingResponse {
    /// The same words for a new address and one that already has an account.
    pub message: String,
}

/// Self-registration. By default (`verify_registrations` in the settings) the answer is
/// 202 for every address: a new one is mailed a link that confirms it
/// (`POST /api/v1/portal/confirm-registration`), one with an account is mailed a word
/// to its holder; only a confirmed address becomes a user, and only then does the
/// email domain association apply. With confirmation switched off, 201 and the user.
#[utoipa::path(post, path = "/api/v1/portal/register", tag = "portal", request_body = RegisterBody,
    responses((status = 201, description = "confirmation is off: the user", body = UserResponse), (status = 202, description = "a link was mailed", body = RegistrationPendingResponse), (status = 409, description = "confirmation is off and the email is taken", body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, description = "too many registrations from this address; see Retry-After", body = ErrorBody)))]
async fn portal_register(
    State(app): State<AppState>,
    ClientAddress(from): ClientAddress,
    Json(body): Json<RegisterBody>,
) -> Result<Response, ApiError> {
    let registered = app
        .register_user(&body.name, &body.email, &body.password, from)
        .await?;
    Ok(match registered {
        Registration::Created(user) => {
            (StatusCode::CREATED, axum::Json(UserResponse::from(user))).into_response()
        }
        Registration::Mailed => (
            StatusCode::ACCEPTED,
            axum::Json(RegistrationPendingResponse {
                message: CHECK_YOUR_MAIL.to_owned(),
            }),
        )
            .into_response(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRegistrationBody {
    /// The `token` of the mailed link.
    pub token: String,
}

/// Uses a registration's mailed link: the user is created (the email domain
/// association applies) and may sign in. A link that is unknown, used, replaced or
/// expired is 422 naming `token`.
#[utoipa::path(post, path = "/api/v1/portal/confirm-registration", tag = "portal", request_body = ConfirmRegistrationBody,
    responses((status = 201, body = UserResponse), (status = 409, description = "the address got an account meanwhile", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn portal_confirm_registration(
    State(app): State<AppState>,
    Json(body): Json<ConfirmRegistrationBody>,
) -> Result<(StatusCode, axum::Json<UserResponse>), ApiError> {
    let user = app.confirm_registration(&body.token).await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

/// The signed-in user, with their organization's name.
#[utoipa::path(get, path = "/api/v1/portal/me", tag = "portal", security(("portal_user" = [])),
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn portal_get_profile(UserAuth(user): UserAuth) -> axum::Json<UserResponse> {
    axum::Json(user.into())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeBody {
    pub name: Option<String>,
    /// A new password; needs `current_password`, and ends the user's other sessions.
    pub password: Option<String>,
    pub current_password: Option<String>,
    /// Managers only: be copied on every new ticket of the organization.
    pub auto_cc_organization_tickets: Option<bool>,
    /// Whether mail about your tickets and messages to your organization reach you.
    pub notifications: Option<bool>,
}

/// Changes the signed-in user's own profile.
#[utoipa::path(patch, path = "/api/v1/portal/me", tag = "portal", security(("portal_user" = [])), request_body = UpdateMeBody,
    responses((status = 200, body = UserResponse), (status = 403, description = "auto-CC asked by a non-manager", body = ErrorBody), (status = 422, description = "invalid value, or a missing or wrong current_password", body = ErrorBody), (status = 429, description = "too many wrong current passwords", body = ErrorBody)))]
async fn portal_update_profile(
    State(app): State<AppState>,
    UserAuth(user): UserAuth,
    BearerToken(token): BearerToken,
    ClientAddress(from): ClientAddress,
    Json(body): Json<UpdateMeBody>,
) -> Result<axum::Json<UserResponse>, ApiError> {
    let changes = OwnProfileChanges {
        name: body.name,
        password: body.password,
        current_password: body.current_password,
        auto_cc: body.auto_cc_organization_tickets,
        notifications: body.notifications,
    };
    let updated = app.update_own_profile(&user, &token, changes, from).await?;
    Ok(axum::Json(updated.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOrganizationResponse {
    pub id: i64,
    pub name: String,
    /// The custom fields marked visible to members, by key (set ones only).
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The entitlements active today, by name.
    pub entitlements: Vec<MemberEntitlement>,
}

/// An active entitlement as members see it (its notes are for agents).
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberEntitlement {
    pub name: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

/// The signed-in user's organization: its name, the fields shown to its members and
/// the entitlements active today.
#[utoipa::path(get, path = "/api/v1/portal/organization", tag = "portal", security(("portal_user" = [])),
    responses((status = 200, body = MemberOrganizationResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "the user belongs to no organization", body = ErrorBody)))]
async fn portal_organization(
    State(app): State<AppState>,
    UserAuth(user): UserAuth,
) -> Result<axum::Json<MemberOrganizationResponse>, ApiError> {
    let organization = app.member_organization(&user).await?;
    let entitlements = app.member_entitlements(&user).await?;
    Ok(axum::Json(MemberOrganizationResponse {
        id: organization.id.0,
        name: organization.name,
        fields: fields_object(&organization.fields),
        entitlements: entitlements
            .into_iter()
            .map(|e| MemberEntitlement {
                name: e.terms.name,
                starts_on: e.terms.starts_on.map(format_day),
                ends_on: e.terms.ends_on.map(format_day),
            })
            .collect(),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(portal_register))
        .routes(routes!(portal_confirm_registration))
        .routes(routes!(portal_organization))
        .routes(routes!(portal_get_profile, portal_update_profile))
}
