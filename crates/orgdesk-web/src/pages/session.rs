//! Browser sessions of the agent app: a signed-in agent's token in a cookie.
//!
//! A session is an API token like any other (stored hashed in the database, sliding
//! expiry, revoked on sign-out, on a new password and when the agent is disabled), so
//! several servers behind a balancer share sessions and every rule about tokens holds
//! for them. The cookie is HttpOnly and SameSite=Lax, and Secure when the site is served
//! over TLS. Each form carries a CSRF token derived from the session's token: a page of
//! another site can neither read it nor compute it.

use super::render::PageError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use orgdesk_app::Principal;
use orgdesk_app::core::Error;
use orgdesk_app::core::model::Agent;
use sha2::{Digest, Sha256};

/// The agent app's session cookie.
pub const AGENT_COOKIE: &str = "orgdesk_agent";
/// The portal's session cookie: a browser may hold both, one per account kind.
pub const PORTAL_COOKIE: &str = "orgdesk_portal";

/// Whether cookies are marked `Secure` (the site is served over HTTPS).
#[derive(Debug, Clone, Copy, Default)]
pub struct SecureCookies(pub bool);

/// The cookie `name` that holds a new session's token.
pub fn session_cookie(name: &'static str, token: String, secure: SecureCookies) -> Cookie<'static> {
    Cookie::build((name, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure.0)
        .build()
}

/// The cookie that removes the session `name` from the browser.
pub fn cleared_cookie(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, "")).path("/").build()
}

/// The session token in cookie `name`, if the browser sent one.
pub fn session_token(parts: &Parts, name: &str) -> Option<String> {
    CookieJar::from_headers(&parts.headers)
        .get(name)
        .map(|c| c.value().to_owned())
        .filter(|t| !t.is_empty())
}

/// Where a browser without a session goes: the sign-in page at `sign_in`, which brings
/// it back to the page it asked for (a GET), or to `home` after a form.
pub fn to_sign_in(parts: &Parts, sign_in: &str, home: &str) -> Response {
    let next = match parts.method {
        axum::http::Method::GET => parts.uri.path_and_query().map_or(home, |p| p.as_str()),
        _ => home,
    };
    Redirect::to(&format!(
        "{sign_in}?next={}",
        super::render::query_escape(next)
    ))
    .into_response()
}

/// The CSRF token of a session: forms send it back, and only a page the server
/// rendered for this session knows it.
pub fn csrf_token(session_token: &str) -> String {
    let digest = Sha256::digest(format!("orgdesk csrf\n{session_token}").as_bytes());
    hex::encode(&digest[..16])
}

/// A signed-in agent, from the session cookie. Without a valid session the browser is
/// sent to the sign-in page, which brings it back here afterwards.
pub struct AgentSession {
    pub agent: Agent,
    pub token: String,
}

impl AgentSession {
    pub fn csrf(&self) -> String {
        csrf_token(&self.token)
    }

    /// Refuses (403) a form that did not come from a page of this session.
    pub fn require_csrf(&self, submitted: &str) -> Result<(), PageError> {
        check_csrf(&self.token, submitted).map_err(PageError)
    }

    /// Refuses (403) an agent who is not an admin.
    pub fn require_admin(&self) -> Result<(), PageError> {
        if self.agent.admin {
            Ok(())
        } else {
            Err(PageError(Error::Forbidden(
                "only admins can manage usergroups, fields, agents and settings".into(),
            )))
        }
    }
}

/// Refuses (403) a form that did not come from a page rendered for the session whose
/// token is `session_token`.
pub fn check_csrf(session_token: &str, submitted: &str) -> Result<(), Error> {
    let expected = csrf_token(session_token);
    // Compared in full whatever differs first, so timing tells nothing.
    let same = expected.len() == submitted.len()
        && expected
            .bytes()
            .zip(submitted.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this form is out of date or came from another site; reload the page and try again"
                .into(),
        ))
    }
}

impl FromRequestParts<AppState> for AgentSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = session_token(parts, AGENT_COOKIE) else {
            return Err(to_sign_in(parts, "/agent/sign-in", "/agent"));
        };
        match state.authenticate(&token).await {
            Ok(Principal::Agent(agent)) => Ok(AgentSession { agent, token }),
            Err(err @ Error::Internal(_)) => Err(PageError(err).into_response()),
            // A portal user's token, an expired or revoked one, a disabled agent.
            _ => Err(to_sign_in(parts, "/agent/sign-in", "/agent")),
        }
    }
}
