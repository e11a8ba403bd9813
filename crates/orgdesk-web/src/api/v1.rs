//! REST API v1: one module per resource, each contributing its routes and their
//! OpenAPI description.

mod agents;
mod auth;
mod domains;
mod hierarchy;
mod members;
mod organizations;
mod portal;
mod portal_tickets;
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
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    tags(
        (name = "auth", description = "Tokens for agents and portal users"),
        (name = "organizations", description = "Customer organizations"),
        (name = "hierarchy", description = "Parents and children of organizations"),
        (name = "domains", description = "Email domain associations"),
        (name = "members", description = "Users of an organization"),
        (name = "users", description = "End users"),
        (name = "usergroups", description = "Permission groups, with members directly or through their organization"),
        (name = "tickets", description = "Tickets: requester, CC'd users, replies and internal notes"),
        (name = "portal", description = "The Help Center portal, for signed-in users"),
        (name = "agents", description = "Staff accounts (admins only)")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(agents::router())
        .merge(organizations::router())
        .merge(hierarchy::router())
        .merge(domains::router())
        .merge(members::router())
        .merge(users::router())
        .merge(usergroups::router())
        .merge(tickets::router())
        .merge(portal::router())
        .merge(portal_tickets::router())
}
