//! Settings admins change while the server runs.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json};
use axum::extract::State;
use orgdesk_app::core::Error;
use orgdesk_app::{RuntimeSettings, RuntimeSettingsChanges};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsResponse {
    /// Portal registrations become users only once the link mailed to their address is
    /// used (default true). Switch it off only where every address is trusted: without
    /// it anyone can register any address and join its organization by domain.
    pub verify_registrations: bool,
}

impl From<RuntimeSettings> for SettingsResponse {
    fn from(settings: RuntimeSettings) -> Self {
        SettingsResponse {
            verify_registrations: settings.verify_registrations,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsChangesBody {
    pub verify_registrations: Option<bool>,
}

/// The settings (admins).
#[utoipa::path(get, path = "/api/v1/settings", tag = "settings", security(("agent" = [])),
    responses((status = 200, body = SettingsResponse), (status = 403, description = "not an admin", body = ErrorBody)))]
async fn get_settings(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<axum::Json<SettingsResponse>, ApiError> {
    if !agent.admin {
        return Err(Error::Forbidden("only admins can see settings".into()).into());
    }
    Ok(axum::Json(app.runtime_settings().await?.into()))
}

/// Changes settings (admins); fields left out stay as they are.
#[utoipa::path(patch, path = "/api/v1/settings", tag = "settings", security(("agent" = [])), request_body = SettingsChangesBody,
    responses((status = 200, body = SettingsResponse), (status = 403, description = "not an admin", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_settings(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Json(body): Json<SettingsChangesBody>,
) -> Result<axum::Json<SettingsResponse>, ApiError> {
    let changes = RuntimeSettingsChanges {
        verify_registrations: body.verify_registrations,
    };
    Ok(axum::Json(
        app.change_runtime_settings(&agent, changes).await?.into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, change_settings))
}
