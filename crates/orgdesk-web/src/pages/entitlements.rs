//! The profile's Entitlements section: what the organization has access to, active
//! ones first, each with its days and state; add, change in place, remove after a
//! confirmation step.

use super::profile::{Refusal, refused_profile};
use super::render::{Chrome, Form, PageError, page, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::core::day::{format_day, today};
use orgdesk_app::core::entitlement::{Entitlement, EntitlementState};
use orgdesk_app::core::{Error, OrganizationId};
use orgdesk_app::{EntitlementChanges, NewEntitlement};
use serde::Deserialize;

/// An entitlement's form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntitlementForm {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub notes: String,
}

/// Why a form was refused, naming the box as the form labels it.
fn refusal(err: &Error) -> String {
    match err {
        Error::Validation { field, message } => {
            let label = match field.as_str() {
                "starts_on" => "First day",
                "ends_on" => "Last day",
                "notes" => "Notes",
                _ => "Name",
            };
            format!(
                "{label}: {}.",
                message.replace("starts_on", "the first day")
            )
        }
        other => refusal_text(other),
    }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

pub struct EntitlementRow {
    pub id: i64,
    pub name: String,
    /// `1 Jan 2026 – 31 Dec 2026`, `from …`, `until …`, or nothing when open-ended.
    pub days: String,
    /// `active`, `upcoming` or `expired`.
    pub state: &'static str,
    /// Active today: what members see.
    pub active: bool,
    pub notes: Option<String>,
    pub version: i64,
    /// The edit form's contents: stored, or as typed when refused.
    pub form: EntitlementForm,
    /// The edit was refused: its form stays open with this reason.
    pub error: Option<String>,
}

fn days_text(entitlement: &Entitlement) -> String {
    match (entitlement.terms.starts_on, entitlement.terms.ends_on) {
        (Some(start), Some(end)) => format!("{} – {}", format_day(start), format_day(end)),
        (Some(start), None) => format!("from {}", format_day(start)),
        (None, Some(end)) => format!("until {}", format_day(end)),
        (None, None) => String::new(),
    }
}

fn stored_form(entitlement: &Entitlement) -> EntitlementForm {
    EntitlementForm {
        csrf: String::new(),
        version: Some(entitlement.version),
        name: entitlement.terms.name.clone(),
        starts_on: entitlement
            .terms
            .starts_on
            .map(format_day)
            .unwrap_or_default(),
        ends_on: entitlement
            .terms
            .ends_on
            .map(format_day)
            .unwrap_or_default(),
        notes: entitlement.terms.notes.clone().unwrap_or_default(),
    }
}

/// The section's rows; `editing` is a refused edit: (entitlement, form typed, reason).
pub fn entitlement_rows(
    entitlements: &[Entitlement],
    editing: Option<&(i64, EntitlementForm, String)>,
) -> Vec<EntitlementRow> {
    let today = today();
    entitlements
        .iter()
        .map(|entitlement| {
            let refused = editing.filter(|(id, _, _)| *id == entitlement.id);
            let state = entitlement.terms.state_on(today);
            EntitlementRow {
                id: entitlement.id,
                name: entitlement.terms.name.clone(),
                days: days_text(entitlement),
                state: state.as_str(),
                active: state == EntitlementState::Active,
                notes: entitlement.terms.notes.clone(),
                version: entitlement.version,
                form: refused
                    .map(|(_, form, _)| form.clone())
                    .unwrap_or_else(|| stored_form(entitlement)),
                error: refused.map(|(_, _, reason)| reason.clone()),
            }
        })
        .collect()
}

pub async fn add(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<EntitlementForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let new = NewEntitlement {
        name: form.name.clone(),
        starts_on: optional(&form.starts_on),
        ends_on: optional(&form.ends_on),
        notes: optional(&form.notes),
    };
    match app.add_entitlement(&session.agent.actor(), id, new).await {
        Ok(added) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/organizations/{}#entitlements-heading", id.0),
            format!("Entitlement {} added.", added.terms.name),
        )),
        Err(err @ (Error::Internal(_) | Error::NotFound { .. })) => Err(err.into()),
        Err(err) => {
            let refusal = Refusal {
                entitlement_error: Some(refusal(&err)),
                entitlement_typed: Some(form),
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}

pub async fn edit(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<EntitlementForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let current = app.get_entitlement(id).await?;
    let changes = EntitlementChanges {
        name: Some(form.name.clone()),
        starts_on: Some(optional(&form.starts_on)),
        ends_on: Some(optional(&form.ends_on)),
        notes: Some(optional(&form.notes)),
        expected_version: form.version,
    };
    let organization = current.organization_id;
    match app
        .change_entitlement(&session.agent.actor(), id, changes)
        .await
    {
        Ok(changed) => Ok(redirect_with_flash(
            jar,
            &format!(
                "/agent/organizations/{}#entitlements-heading",
                organization.0
            ),
            format!("Entitlement {} saved.", changed.terms.name),
        )),
        Err(err @ (Error::Internal(_) | Error::NotFound { .. })) => Err(err.into()),
        Err(err) => {
            let reason = match &err {
                Error::VersionConflict { .. } => "Someone changed this entitlement after you opened it. Your text is kept below; save again to replace theirs, or reload to see it.".to_owned(),
                other => refusal(other),
            };
            let refusal = Refusal {
                entitlement_editing: Some((id, form, reason)),
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, organization, &err, refusal).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/confirm_remove_entitlement.html")]
struct ConfirmRemovePage {
    chrome: Chrome,
    id: i64,
    organization_id: i64,
    name: String,
}

/// The confirmation step before an entitlement is removed.
pub async fn confirm_remove(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let entitlement = app.get_entitlement(id).await?;
    let confirm = ConfirmRemovePage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id,
        organization_id: entitlement.organization_id.0,
        name: entitlement.terms.name,
    };
    Ok(page(jar, confirm))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn remove(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let removed = app.remove_entitlement(&session.agent.actor(), id).await?;
    Ok(redirect_with_flash(
        jar,
        &format!(
            "/agent/organizations/{}#entitlements-heading",
            removed.organization_id.0
        ),
        format!("Entitlement {} removed.", removed.terms.name),
    ))
}
