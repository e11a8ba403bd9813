//! "Your organization": the organization's name, the custom fields an admin marked as
//! visible to its members, and what it has access to today (active entitlements).

use super::session::{PortalChrome, PortalError, PortalSession};
use crate::AppState;
use crate::pages::render::page;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::core::day::format_day;
use orgdesk_app::core::fields::FieldType;

struct Property {
    label: String,
    value: String,
    url: bool,
    long: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/organization.html")]
struct OrganizationPage {
    chrome: PortalChrome,
    name: String,
    properties: Vec<Property>,
    /// Active entitlements: (name, days).
    entitlements: Vec<(String, String)>,
}

pub async fn show(
    State(app): State<AppState>,
    session: PortalSession,
    jar: CookieJar,
) -> Result<Response, PortalError> {
    let organization = app.member_organization(&session.user).await?;
    let entitlements = app.member_entitlements(&session.user).await?;
    let shown = OrganizationPage {
        chrome: PortalChrome::new(&session, "your-organization", &jar),
        name: organization.name,
        properties: organization
            .fields
            .iter()
            .map(|field| Property {
                label: field.label.clone(),
                value: field.value.display(),
                url: field.field_type == FieldType::Url,
                long: field.field_type == FieldType::LongText,
            })
            .collect(),
        entitlements: entitlements
            .into_iter()
            .map(|e| {
                let days = match (e.terms.starts_on, e.terms.ends_on) {
                    (_, Some(end)) => format!("until {}", format_day(end)),
                    _ => String::new(),
                };
                (e.terms.name, days)
            })
            .collect(),
    };
    Ok(page(jar, shown))
}
