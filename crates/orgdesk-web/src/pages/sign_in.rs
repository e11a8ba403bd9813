//! Signing in and out of the agent app.

use super::render::{Form, safe_next};
use super::render::{PageError, flash, page, redirect_with_flash, refusal_text};
use super::session::{AGENT_COOKIE, AgentSession, SecureCookies, cleared_cookie, session_cookie};
use crate::AppState;
use crate::extract::ClientAddress;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::Error;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "agent/sign_in.html")]
struct SignInPage {
    email: String,
    next: String,
    error: Option<String>,
    flash: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
}

pub async fn form(Query(query): Query<SignInQuery>, jar: CookieJar) -> Response {
    let flash = flash(&jar);
    page(
        jar,
        SignInPage {
            email: String::new(),
            next: safe_next(query.next.as_deref(), "/agent"),
            error: None,
            flash,
        },
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Signs in with the same rules as the API (throttle per account and address, disabled
/// accounts refused); a refusal shows the form again with the email kept.
pub async fn submit(
    State(app): State<AppState>,
    Extension(secure): Extension<SecureCookies>,
    ClientAddress(from): ClientAddress,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.as_deref(), "/agent");
    match app
        .issue_agent_token(&form.email, &form.password, from)
        .await
    {
        Ok(issued) => (
            jar.add(session_cookie(AGENT_COOKIE, issued.token, secure)),
            Redirect::to(&next),
        )
            .into_response(),
        Err(err @ Error::Internal(_)) => PageError(err).into_response(),
        Err(err) => {
            let status = match err {
                Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            let again = SignInPage {
                email: form.email,
                next,
                error: Some(refusal_text(&err)),
                flash: None,
            };
            (status, again).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session on the server (the token is revoked), then in the browser.
pub async fn sign_out(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = session.require_csrf(&form.csrf) {
        return refused.into_response();
    }
    if let Err(err) = app.revoke_token(&session.token).await {
        return PageError(err).into_response();
    }
    redirect_with_flash(
        jar.remove(cleared_cookie(AGENT_COOKIE)),
        "/agent/sign-in",
        "You are signed out.",
    )
}
