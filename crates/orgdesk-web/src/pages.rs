//! The agent app (`/agent`): server-rendered pages over the same `App` functions the
//! API calls. Plain HTML forms (POST → redirect → GET) that work without JavaScript;
//! the app's own small script only enhances them. Every page is sent with a strict
//! Content-Security-Policy: only this server's scripts and styles, no inline script.

mod add_member;
mod admin_agents;
mod admin_fields;
mod admin_settings;
mod admin_usergroups;
mod assets;
mod billing;
mod entitlements;
mod history;
mod imports;
mod link_usergroup;
mod lookup;
mod notes;
mod organizations;
mod portal;
mod profile;
mod profile_actions;
mod profile_lists;
mod properties;
mod render;
mod search;
mod session;
mod sign_in;
mod ticket;
mod ticket_billing;
mod tickets;
mod time_text;
mod users;

pub use session::SecureCookies;

use crate::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/agent",
            get(|| async { Redirect::to("/agent/organizations") }),
        )
        .route(
            "/agent/",
            get(|| async { Redirect::to("/agent/organizations") }),
        )
        .route("/agent/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/agent/sign-out", post(sign_in::sign_out))
        .route(
            "/agent/organizations",
            get(organizations::directory).post(organizations::create),
        )
        .route("/agent/organizations/{id}", get(profile::show))
        .route("/agent/organizations/{id}/edit", post(profile::edit))
        .route(
            "/agent/organizations/{id}/properties",
            post(properties::save),
        )
        .route(
            "/agent/organizations/{id}/entitlements",
            post(entitlements::add),
        )
        .route("/agent/entitlements/{id}/edit", post(entitlements::edit))
        .route(
            "/agent/entitlements/{id}/remove",
            get(entitlements::confirm_remove).post(entitlements::remove),
        )
        .route("/agent/organizations/{id}/history", get(history::show))
        .route(
            "/agent/organizations/{id}/notes",
            // Files may be far larger than a form; `receive_note` limits each file.
            get(notes::show)
                .post(notes::add)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/agent/organizations/{id}/billing", get(billing::show))
        .route("/agent/notes/{id}/edit", post(notes::edit))
        .route(
            "/agent/notes/{id}/delete",
            get(notes::confirm_delete).post(notes::delete),
        )
        .route("/agent/attachments/{id}", get(notes::attachment))
        .route(
            "/agent/organizations/{id}/domains",
            post(profile_actions::add_domain),
        )
        .route(
            "/agent/organizations/{id}/domains/{domain}/matches",
            get(profile_actions::matches),
        )
        .route(
            "/agent/organizations/{id}/domains/{domain}/apply",
            post(profile_actions::apply),
        )
        .route(
            "/agent/organizations/{id}/domains/{domain}/remove",
            post(profile_actions::remove_domain),
        )
        .route(
            "/agent/organizations/{id}/children",
            post(profile_actions::add_child),
        )
        .route(
            "/agent/organizations/{id}/parent",
            post(profile_actions::set_parent),
        )
        .route(
            "/agent/organizations/{id}/contacts",
            post(profile_actions::add_contact),
        )
        .route(
            "/agent/organizations/{id}/contacts/{index}/edit",
            post(profile_actions::edit_contact),
        )
        .route(
            "/agent/organizations/{id}/contacts/{index}/remove",
            post(profile_actions::remove_contact),
        )
        .route(
            "/agent/organizations/{id}/children/{child}/detach",
            post(profile_actions::detach_child),
        )
        .route(
            "/agent/organizations/{id}/child-candidates",
            get(profile_actions::child_candidates),
        )
        .route(
            "/agent/organizations/{id}/members",
            post(add_member::add_member),
        )
        .route(
            "/agent/organizations/{id}/messages",
            post(profile_actions::write_to_members),
        )
        .route(
            "/agent/organizations/{id}/invitations",
            post(profile_actions::invite),
        )
        .route(
            "/agent/organizations/{id}/member-candidates",
            get(add_member::member_candidates),
        )
        .route(
            "/agent/organizations/{id}/members/{user}/manager",
            post(profile_actions::set_manager),
        )
        .route(
            "/agent/organizations/{id}/members/{user}/position",
            post(profile_actions::set_position),
        )
        .route(
            "/agent/organizations/{id}/members/{user}/remove",
            get(profile_actions::confirm_remove_member).post(profile_actions::remove_member),
        )
        .route(
            "/agent/organizations/{id}/usergroups",
            get(link_usergroup::choose).post(profile_actions::link_usergroup),
        )
        .route(
            "/agent/organizations/{id}/usergroups/{group}/unlink",
            post(profile_actions::unlink_usergroup),
        )
        .route("/agent/tickets", get(tickets::list).post(tickets::create))
        .route("/agent/tickets/new", get(tickets::new_ticket))
        .route("/agent/tickets/{id}", get(ticket::show))
        .route("/agent/tickets/{id}/edit", post(ticket::edit))
        .route("/agent/tickets/{id}/messages", post(ticket::add_message))
        .route("/agent/tickets/{id}/ccs", post(ticket::add_cc))
        .route("/agent/tickets/{id}/time", post(ticket_billing::log_time))
        .route(
            "/agent/tickets/{id}/charges",
            post(ticket_billing::add_charge),
        )
        .route(
            "/agent/time-entries/{id}",
            get(ticket_billing::time_entry).post(ticket_billing::save_time_entry),
        )
        .route(
            "/agent/time-entries/{id}/remove",
            get(ticket_billing::confirm_remove_time).post(ticket_billing::remove_time),
        )
        .route(
            "/agent/charges/{id}",
            get(ticket_billing::charge).post(ticket_billing::save_charge),
        )
        .route(
            "/agent/charges/{id}/remove",
            get(ticket_billing::confirm_remove_charge).post(ticket_billing::remove_charge),
        )
        .route(
            "/agent/tickets/{id}/ccs/{user}/remove",
            post(ticket::remove_cc),
        )
        .route("/agent/users", get(users::directory).post(users::create))
        .route("/agent/users/{id}", get(users::profile))
        .route(
            "/agent/admin",
            get(|| async { Redirect::to("/agent/admin/usergroups") }),
        )
        .route(
            "/agent/admin/usergroups",
            get(admin_usergroups::list).post(admin_usergroups::create),
        )
        .route("/agent/admin/usergroups/{id}", get(admin_usergroups::show))
        .route(
            "/agent/admin/fields",
            get(admin_fields::list).post(admin_fields::create),
        )
        .route(
            "/agent/admin/fields/{id}",
            get(admin_fields::show).post(admin_fields::edit),
        )
        .route(
            "/agent/admin/fields/{id}/quick",
            post(admin_fields::quick_change),
        )
        .route(
            "/agent/admin/usergroups/{id}/edit",
            post(admin_usergroups::edit),
        )
        .route(
            "/agent/admin/usergroups/{id}/members",
            post(admin_usergroups::add_member),
        )
        .route(
            "/agent/admin/usergroups/{id}/members/{user}/remove",
            post(admin_usergroups::remove_member),
        )
        .route(
            "/agent/admin/agents",
            get(admin_agents::list).post(admin_agents::create),
        )
        .route(
            "/agent/admin/settings",
            get(admin_settings::show).post(admin_settings::save),
        )
        .route(
            "/agent/admin/agents/{id}/switch",
            post(admin_agents::switch),
        )
        .route(
            "/agent/admin/imports",
            // An import's file may be far larger than a form; `ImportUpload` limits it.
            get(imports::list)
                .post(imports::start)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/agent/admin/imports/{id}", get(imports::show))
        .route("/agent/export/{file}", get(imports::export))
        .route("/agent/search", get(search::search))
        .route("/agent/{*rest}", get(render::not_found))
        .merge(portal::router())
        .route("/assets/{*path}", get(assets::serve))
        .layer(axum::middleware::from_fn(page_headers))
}

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers every page and asset carries: what may run, who may frame it, what leaks in
/// the Referer. A response that set one itself keeps it (a download's `sandbox`).
async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("x-content-type-options", "nosniff"),
    ] {
        headers
            .entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
