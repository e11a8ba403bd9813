//! Admin → Settings: what admins change while the server runs (whether portal
//! registrations must confirm their address).

use super::render::Form;
use super::render::{Chrome, PageError, page, redirect_with_flash};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::RuntimeSettingsChanges;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    verify_registrations: bool,
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let settings = app.runtime_settings().await?;
    let shown = SettingsPage {
        chrome: Chrome::new(&session, "admin", &jar),
        verify_registrations: settings.verify_registrations,
    };
    Ok(page(jar, shown))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    /// A ticked checkbox; absent when unticked.
    verify_registrations: Option<String>,
}

pub async fn save(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let changes = RuntimeSettingsChanges {
        verify_registrations: Some(form.verify_registrations.is_some()),
    };
    let saved = app.change_runtime_settings(&session.agent, changes).await?;
    Ok(redirect_with_flash(
        jar,
        "/agent/admin/settings",
        if saved.verify_registrations {
            "Saved. Portal registrations confirm their address by mail."
        } else {
            "Saved. Portal registrations make accounts at once, without confirming the address."
        },
    ))
}
