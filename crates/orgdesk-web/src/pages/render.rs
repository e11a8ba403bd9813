//! What every page shares: the chrome around the content (who is signed in, the CSRF
//! token, the section, the flash message), flash messages across a redirect, and error
//! pages in words.

use super::session::AgentSession;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgdesk_app::core::Error;
use serde::Deserialize;

const FLASH_COOKIE: &str = "orgdesk_flash";

/// The layout's data: the signed-in agent, the session's CSRF token, the current
/// section of the navigation, and a message carried over a redirect.
pub struct Chrome {
    pub agent_name: String,
    /// Admins see the Admin section.
    pub admin: bool,
    pub csrf: String,
    pub section: &'static str,
    pub flash: Option<String>,
    /// What the header's search box holds (the search page shows its words).
    pub search: String,
}

impl Chrome {
    /// The chrome for `session`, taking the flash message out of `jar` (shown once).
    pub fn new(session: &AgentSession, section: &'static str, jar: &CookieJar) -> Self {
        Chrome {
            agent_name: session.agent.name.clone(),
            admin: session.agent.admin,
            csrf: session.csrf(),
            section,
            flash: flash(jar),
            search: String::new(),
        }
    }

    /// The chrome with `words` in the header's search box.
    pub fn with_search(self, words: &str) -> Self {
        Chrome {
            search: words.to_owned(),
            ..self
        }
    }
}

/// The query of a page whose list continues page by page: where it continues.
#[derive(Debug, Default, Deserialize)]
pub struct CursorQuery {
    pub cursor: Option<String>,
}

/// The message a redirect carried here, if any.
pub fn flash(jar: &CookieJar) -> Option<String> {
    jar.get(FLASH_COOKIE)
        .and_then(|c| URL_SAFE_NO_PAD.decode(c.value()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|m| !m.is_empty())
}

/// A page, with the flash message cleared once it has been shown.
pub fn page(jar: CookieJar, body: impl IntoResponse) -> Response {
    let jar = if jar.get(FLASH_COOKIE).is_some() {
        jar.remove(Cookie::build(FLASH_COOKIE).path("/"))
    } else {
        jar
    };
    (jar, body).into_response()
}

/// POST → redirect → GET, with a sentence for the next page to show.
pub fn redirect_with_flash(jar: CookieJar, to: &str, message: impl Into<String>) -> Response {
    // Encoded: a cookie value cannot hold every character a sentence may.
    let cookie = Cookie::build((FLASH_COOKIE, URL_SAFE_NO_PAD.encode(message.into())))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    (jar.add(cookie), Redirect::to(to)).into_response()
}

/// A submitted form; one that cannot be read is refused with a page in words.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Form), rejection(PageError))]
pub struct Form<T>(pub T);

impl From<axum::extract::rejection::FormRejection> for PageError {
    fn from(rejection: axum::extract::rejection::FormRejection) -> Self {
        PageError(Error::validation(
            "form",
            format!(
                "the form could not be read ({}); reload the page and try again",
                rejection.body_text()
            ),
        ))
    }
}

/// Where to go after signing in: a page under `home` (`/agent`, `/portal`), never
/// another site.
pub fn safe_next(next: Option<&str>, home: &str) -> String {
    match next {
        Some(next) if next.starts_with(home) && !next.starts_with("//") => next.to_owned(),
        _ => home.to_owned(),
    }
}

/// A value for a URL's query string.
pub fn query_escape(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|pair| pair.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    /// The product's name as the part of the site the page belongs to shows it.
    brand: &'static str,
    title: &'static str,
    message: String,
    back: &'static str,
    back_label: &'static str,
}

/// A refusal as a page in words: the status, what went wrong, a way back.
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(err: Error) -> Self {
        PageError(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0, "/agent", "Back to orgdesk")
    }
}

/// A refusal as a page in words, with a link back to `back`.
pub fn error_page(err: Error, back: &'static str, back_label: &'static str) -> Response {
    let (status, title) = match &err {
        Error::NotFound { .. } => (StatusCode::NOT_FOUND, "Not found"),
        Error::Forbidden(_) => (StatusCode::FORBIDDEN, "Not available"),
        Error::VersionConflict { .. } => {
            (StatusCode::PRECONDITION_FAILED, "Changed by someone else")
        }
        Error::Validation { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Not accepted"),
        Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"),
        Error::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts"),
        Error::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "File too large"),
        Error::Unauthenticated(_) | Error::TokenExpired | Error::AccountDisabled { .. } => {
            (StatusCode::UNAUTHORIZED, "Sign in again")
        }
        _ => (StatusCode::CONFLICT, "Not possible"),
    };
    let message = match &err {
        Error::Internal(failure) => {
            tracing::error!(cause = %failure.chain(), "page failed");
            "Something went wrong on our side; it has been logged. Try again.".to_owned()
        }
        other => refusal_text(other),
    };
    let page = ErrorPage {
        brand: if back.starts_with("/portal") {
            "Help Center"
        } else {
            "orgdesk"
        },
        title,
        message,
        back,
        back_label,
    };
    (status, page).into_response()
}

/// A list as its page shows it: the page found, or — when the filters were refused —
/// no rows and the reason in words (`words` turns the refusal into text). Anything but
/// a refusal of the input is an error.
pub fn listed<T>(
    found: Result<orgdesk_app::core::model::Page<T>, Error>,
    words: fn(&Error) -> String,
) -> Result<(orgdesk_app::core::model::Page<T>, Option<String>), Error> {
    match found {
        Ok(found) => Ok((found, None)),
        Err(err @ Error::Validation { .. }) => Ok((
            orgdesk_app::core::model::Page {
                items: Vec::new(),
                next_cursor: None,
            },
            Some(words(&err)),
        )),
        Err(other) => Err(other),
    }
}

/// What a refusal says on a page, as a sentence. A validation message goes without its
/// field's name: the page marks the field itself.
pub fn refusal_text(err: &Error) -> String {
    match err {
        Error::Validation { message, .. } => sentence(message),
        other => sentence(&other.to_string()),
    }
}

/// A message as a sentence: capitalized, ending with a full stop.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut text = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => return String::new(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// A page that does not exist, in the layout of pages.
pub async fn not_found() -> Response {
    PageError(Error::not_found(
        orgdesk_app::core::Entity::Route,
        "this page",
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            sentence("an organization named \"Acme\" already exists"),
            "An organization named \"Acme\" already exists."
        );
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(
            query_escape("/agent/organizations?q=a b&x=1"),
            "%2Fagent%2Forganizations%3Fq%3Da+b%26x%3D1"
        );
    }
}
