//! REST API v1: one module per resource, each contributing its routes and their
//! OpenAPI description.

mod agents;
mod auth;
mod billing;
mod common_responses;
mod domains;
mod entitlements;
mod hierarchy;
pub(crate) mod imports;
pub(crate) mod mail;
mod members;
mod notes;
mod organization_fields;
mod organizations;
pub(crate) mod portal;
mod portal_tickets;
mod settings;
mod tickets;
mod types;
mod usergroups;
mod users;

pub use types::*;

use crate::AppState;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "orgdesk API", description = "The helpdesk built around customer organizations. Errors are `{\"error\": {\"code\", \"message\"}}`; lists are `{\"data\", \"next_cursor\"}`."),
    modifiers(&TokenKinds),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    tags(
        (name = "auth", description = "Tokens for agents and portal users"),
        (name = "organizations", description = "Customer organizations"),
        (name = "organization fields", description = "Custom fields of organizations, with who may view and edit each"),
        (name = "entitlements", description = "Products or services an organization has access to"),
        (name = "notes", description = "Internal notes on organizations, with attached files"),
        (name = "imports", description = "Bulk imports of organizations and users from CSV files"),
        (name = "billing", description = "Time and charges on tickets, rolled up to organizations"),
        (name = "hierarchy", description = "Parents and children of organizations"),
        (name = "domains", description = "Email domain associations"),
        (name = "members", description = "Users of an organization"),
        (name = "mail", description = "Mail to customers: messages to an organization's members"),
        (name = "users", description = "End users"),
        (name = "usergroups", description = "Permission groups, with members directly or through their organization"),
        (name = "tickets", description = "Tickets: requester, CC'd users, replies and internal notes"),
        (name = "portal", description = "The Help Center portal, for signed-in users"),
        (name = "agents", description = "Staff accounts (admins only)"),
        (name = "settings", description = "Settings admins change while the server runs")
    )
)]
struct ApiDoc;

/// The two kinds of bearer token: each operation names the one it accepts, so a client
/// knows which sign-in to use and the other kind is refused with 403.
struct TokenKinds;

impl Modify for TokenKinds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let kinds = [
            ("agent", "an agent's token, from `POST /api/v1/auth/token`"),
            (
                "portal_user",
                "a portal user's token, from `POST /api/v1/portal/token`",
            ),
        ];
        for (name, description) in kinds {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description))
                        .build(),
                ),
            );
        }
    }
}

/// The API's routes and their complete OpenAPI document.
pub fn routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut document) = router().split_for_parts();
    common_responses::add_to(&mut document);
    (routes, document)
}

fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(agents::router())
        .merge(organizations::router())
        .merge(organization_fields::router())
        .merge(entitlements::router())
        .merge(notes::router())
        .merge(imports::router())
        .merge(billing::router())
        .merge(hierarchy::router())
        .merge(domains::router())
        .merge(members::router())
        .merge(mail::router())
        .merge(users::router())
        .merge(usergroups::router())
        .merge(tickets::router())
        .merge(portal::router())
        .merge(portal_tickets::router())
        .merge(settings::router())
}
