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

/// Whether cookies are marked `Secure` (the site is served over HTTPS).
#[derive(Debug, Clone, Copy, Default)]
pub struct SecureCookies(pub bool);

/// The cookie that holds a new session's token.
pub fn session_cookie(token: String, secure: SecureCookies) -> Cookie<'static> {
    Cookie::build((AGENT_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure.0)
        .build()
}

/// The cookie that removes the session from the browser.
pub fn cleared_cookie() -> Cookie<'static> {
    Cookie::build((AGENT_COOKIE, "")).path("/").build()
}

/// The CSRF token of a session: forms send it back, and only a page the server
/// rendered for this session knows it.
pub fn csrf_token(session_token: &str) -> String {
    let digest = Sha256::digest(format!("orgdesk csrf\n{session_token}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
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
        if self.accepts(submitted) {
            Ok(())
        } else {
            Err(PageError(Error::Forbidden(
                "this form is out of date or came from another site; reload the page and try again"
                    .into(),
            )))
        }
    }

    /// Whether a submitted form came from a page of this session.
    fn accepts(&self, submitted: &str) -> bool {
        let expected = self.csrf();
        // Compared in full whatever differs first, so timing tells nothing.
        expected.len() == submitted.len()
            && expected
                .bytes()
                .zip(submitted.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl FromRequestParts<AppState> for AgentSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_sign_in = || {
            let here = parts
                .uri
                .path_and_query()
                .map_or("/agent", |p| p.as_str())
                .to_owned();
            let next = if parts.method == axum::http::Method::GET {
                here
            } else {
                "/agent".to_owned()
            };
            Redirect::to(&format!(
                "/agent/sign-in?next={}",
                super::render::query_escape(&next)
            ))
            .into_response()
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar
            .get(AGENT_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|t| !t.is_empty())
        else {
            return Err(to_sign_in());
        };
        match state.authenticate(&token).await {
            Ok(Principal::Agent(agent)) => Ok(AgentSession { agent, token }),
            Err(err @ Error::Internal(_)) => Err(PageError(err).into_response()),
            // A portal user's token, an expired or revoked one, a disabled agent.
            _ => Err(to_sign_in()),
        }
    }
}
