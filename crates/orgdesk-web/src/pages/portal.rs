//! The Help Center portal (`/portal`): where end users register, open tickets, follow
//! and answer them, and where organization managers see their organization's tickets.
//! Lighter than the agent app and in plain language; it calls the same `App` use cases
//! as the portal API, so every visibility rule (another person's ticket is "not found",
//! never "forbidden") holds here too.

mod account;
mod organization;
mod passwords;
mod session;
mod tickets;

use crate::AppState;
use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(|| async { Redirect::to("/portal/tickets") }))
        .route(
            "/portal/",
            get(|| async { Redirect::to("/portal/tickets") }),
        )
        .route(
            "/portal/sign-in",
            get(account::sign_in_form).post(account::sign_in),
        )
        .route(
            "/portal/register",
            get(account::register_form).post(account::register),
        )
        .route(
            "/portal/set-password",
            get(passwords::set_form).post(passwords::set),
        )
        .route(
            "/portal/confirm",
            get(passwords::confirm_form).post(passwords::confirm),
        )
        .route(
            "/portal/forgot-password",
            get(passwords::forgot_form).post(passwords::forgot),
        )
        .route("/portal/sign-out", post(account::sign_out))
        .route("/portal/organization", get(organization::show))
        .route(
            "/portal/profile",
            get(account::profile).post(account::save_profile),
        )
        .route(
            "/portal/tickets",
            get(tickets::my_tickets).post(tickets::create),
        )
        .route("/portal/tickets/new", get(tickets::new_ticket))
        .route(
            "/portal/organization-tickets",
            get(tickets::organization_tickets),
        )
        .route("/portal/tickets/{id}", get(tickets::show))
        .route("/portal/tickets/{id}/reply", post(tickets::reply))
        .route("/portal/{*rest}", get(session::not_found))
}
