//! Portal sessions (a user's token in the `orgdesk_portal` cookie, with the same rules
//! as the agent app's), the chrome of every portal page, and refusals as pages.

use crate::AppState;
use crate::pages::render::{error_page, flash, refusal_text, sentence};
use crate::pages::session::{PORTAL_COOKIE, check_csrf, csrf_token, session_token, to_sign_in};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::Principal;
use orgdesk_app::core::model::User;
use orgdesk_app::core::{Entity, Error};

/// A signed-in end user. Without a session the browser goes to the portal's sign-in
/// page, which brings it back afterwards.
pub struct PortalSession {
    pub user: User,
    pub token: String,
}

impl PortalSession {
    /// Refuses (403) a form that did not come from a page of this session.
    pub fn require_csrf(&self, submitted: &str) -> Result<(), PortalError> {
        check_csrf(&self.token, submitted).map_err(PortalError)
    }
}

impl FromRequestParts<AppState> for PortalSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = session_token(parts, PORTAL_COOKIE) else {
            return Err(to_sign_in(parts, "/portal/sign-in", "/portal"));
        };
        match state.authenticate(&token).await {
            Ok(Principal::User(user)) => Ok(PortalSession { user, token }),
            Err(err @ Error::Internal(_)) => Err(PortalError(err).into_response()),
            // An agent's token, an expired or revoked one, a disabled account.
            _ => Err(to_sign_in(parts, "/portal/sign-in", "/portal")),
        }
    }
}

/// What every portal page shows around its content: the user and their organization,
/// the CSRF token for forms, where in the portal this is, and a carried message.
pub struct PortalChrome {
    pub user_name: String,
    pub organization: Option<String>,
    pub manager: bool,
    pub csrf: String,
    pub section: &'static str,
    pub flash: Option<String>,
}

impl PortalChrome {
    pub fn new(session: &PortalSession, section: &'static str, jar: &CookieJar) -> Self {
        PortalChrome {
            user_name: session.user.name.clone(),
            organization: session.user.organization.as_ref().map(|o| o.name.clone()),
            manager: session.user.manager && session.user.organization.is_some(),
            csrf: csrf_token(&session.token),
            section,
            flash: flash(jar),
        }
    }
}

/// A refusal in the portal: a page in words with the way back to the Help Center.
pub struct PortalError(pub Error);

impl From<Error> for PortalError {
    fn from(err: Error) -> Self {
        PortalError(err)
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        error_page(self.0, "/portal", "Back to the Help Center")
    }
}

/// A portal page that does not exist.
pub async fn not_found() -> Response {
    PortalError(Error::not_found(Entity::Route, "this page")).into_response()
}

/// A refusal as the portal says it: a validation names its field in words ("Password
/// must be at least 8 characters."), since the people reading it never saw the API.
pub fn plain_refusal(err: &Error) -> String {
    match err {
        Error::Validation { field, message } => {
            let label = match field.as_str() {
                "name" => "Your name",
                "email" => "The email address",
                "password" | "new_password" => "The new password",
                "current_password" => "The current password",
                "subject" => "The subject",
                "body" => "The message",
                "q" => "The search",
                _ => return sentence(message),
            };
            sentence(&format!("{label} {message}"))
        }
        other => refusal_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_refusals_name_the_field_in_words() {
        let err = Error::validation("current_password", "is not the current password");
        assert_eq!(
            plain_refusal(&err),
            "The current password is not the current password."
        );
        let err = Error::validation("subject", "must not be empty");
        assert_eq!(plain_refusal(&err), "The subject must not be empty.");
    }
}
