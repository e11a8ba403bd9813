//! Portal accounts: sign in, register (the email's domain may place the user in an
//! organization), sign out, and the user's own profile (name, password, and for
//! managers the "CC me on every new ticket of my organization" setting).

use super::session::{PortalChrome, PortalError, PortalSession, plain_refusal};
use crate::AppState;
use crate::extract::ClientAddress;
use crate::pages::render::{Form, flash, page, redirect_with_flash, safe_next};
use crate::pages::session::{PORTAL_COOKIE, SecureCookies, cleared_cookie, session_cookie};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::Error;
use orgdesk_app::{OwnProfileChanges, Registration};
use serde::Deserialize;

/// The status of a refused sign-in or registration.
fn refusal_status(err: &Error) -> StatusCode {
    match err {
        Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::EmailTaken { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNAUTHORIZED,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/sign_in.html")]
struct SignInPage {
    email: String,
    next: String,
    error: Option<String>,
    flash: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn sign_in_form(Query(query): Query<NextQuery>, jar: CookieJar) -> Response {
    let flash = flash(&jar);
    page(
        jar,
        SignInPage {
            email: String::new(),
            next: safe_next(query.next.as_deref(), "/portal"),
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

/// Signs in with the API's rules (throttle per account and address, disabled accounts
/// refused); a refusal shows the form again with the email kept.
pub async fn sign_in(
    State(app): State<AppState>,
    Extension(secure): Extension<SecureCookies>,
    ClientAddress(from): ClientAddress,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.as_deref(), "/portal");
    match app
        .issue_user_token(&form.email, &form.password, from)
        .await
    {
        Ok(issued) => (
            jar.add(session_cookie(PORTAL_COOKIE, issued.token, secure)),
            Redirect::to(&next),
        )
            .into_response(),
        Err(err @ Error::Internal(_)) => PortalError(err).into_response(),
        Err(err) => {
            let again = SignInPage {
                email: form.email,
                next,
                error: Some(plain_refusal(&err)),
                flash: None,
            };
            (refusal_status(&err), again).into_response()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/register.html")]
struct RegisterPage {
    name: String,
    email: String,
    error: Option<String>,
    /// The field the refusal is about: `name`, `email` or `password`.
    error_field: String,
}

pub async fn register_form() -> Response {
    RegisterPage {
        name: String::new(),
        email: String::new(),
        error: None,
        error_field: String::new(),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct RegisterForm {
    name: String,
    email: String,
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/check_mail.html")]
struct CheckMailPage {
    email: String,
}

/// Registers. Where addresses are confirmed (the default), the page says to check the
/// mail, whatever the address; otherwise the account is made (the email's domain may
/// place the user in an organization, as everywhere) and signed in. A refusal shows the
/// form again with the field marked.
pub async fn register(
    State(app): State<AppState>,
    Extension(secure): Extension<SecureCookies>,
    ClientAddress(from): ClientAddress,
    jar: CookieJar,
    Form(form): Form<RegisterForm>,
) -> Response {
    let registered = match app
        .register_user(&form.name, &form.email, &form.password, from)
        .await
    {
        Ok(Registration::Created(user)) => user,
        Ok(Registration::Mailed) => {
            return CheckMailPage { email: form.email }.into_response();
        }
        Err(err @ Error::Internal(_)) => return PortalError(err).into_response(),
        Err(err) => {
            let error_field = match &err {
                Error::Validation { field, .. } => field.clone(),
                Error::EmailTaken { .. } => "email".to_owned(),
                _ => String::new(),
            };
            let again = RegisterPage {
                name: form.name,
                email: form.email,
                error: Some(plain_refusal(&err)),
                error_field,
            };
            return (refusal_status(&err), again).into_response();
        }
    };
    let welcome = match &registered.organization {
        Some(organization) => format!(
            "Welcome, {}. Your account is ready, as part of {}.",
            registered.name, organization.name
        ),
        None => format!("Welcome, {}. Your account is ready.", registered.name),
    };
    match app
        .issue_user_token(&form.email, &form.password, from)
        .await
    {
        Ok(issued) => redirect_with_flash(
            jar.add(session_cookie(PORTAL_COOKIE, issued.token, secure)),
            "/portal/tickets",
            welcome,
        ),
        // Registered, but signing in was refused (the throttle): the account exists.
        Err(_) => redirect_with_flash(
            jar,
            "/portal/sign-in",
            format!("{welcome} Sign in to continue."),
        ),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session on the server (the token is revoked), then in the browser.
pub async fn sign_out(
    State(app): State<AppState>,
    session: PortalSession,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PortalError> {
    session.require_csrf(&form.csrf)?;
    app.revoke_token(&session.token).await?;
    Ok(redirect_with_flash(
        jar.remove(cleared_cookie(PORTAL_COOKIE)),
        "/portal/sign-in",
        "You are signed out.",
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/profile.html")]
struct ProfilePage {
    chrome: PortalChrome,
    email: String,
    name: String,
    auto_cc: bool,
    notifications: bool,
    error: Option<String>,
    error_field: String,
}

fn profile_page(session: &PortalSession, jar: &CookieJar) -> ProfilePage {
    ProfilePage {
        chrome: PortalChrome::new(session, "profile", jar),
        email: session.user.email.clone(),
        name: session.user.name.clone(),
        auto_cc: session.user.auto_cc_organization_tickets,
        notifications: session.user.notifications,
        error: None,
        error_field: String::new(),
    }
}

pub async fn profile(session: PortalSession, jar: CookieJar) -> Response {
    let shown = profile_page(&session, &jar);
    page(jar, shown)
}

#[derive(Deserialize)]
pub struct ProfileForm {
    csrf: String,
    name: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    /// Sent by managers' form only: a checkbox is absent when unticked.
    #[serde(default)]
    auto_cc_shown: bool,
    auto_cc: Option<String>,
    /// Sent with the form (a checkbox is absent when unticked): an older form without
    /// it leaves the setting alone.
    #[serde(default)]
    notifications_shown: bool,
    notifications: Option<String>,
}

/// Saves the name, a new password (which needs the current one and ends the user's
/// other sessions) and, for managers, the auto-CC setting.
pub async fn save_profile(
    State(app): State<AppState>,
    session: PortalSession,
    ClientAddress(from): ClientAddress,
    jar: CookieJar,
    Form(form): Form<ProfileForm>,
) -> Result<Response, PortalError> {
    session.require_csrf(&form.csrf)?;
    let changing_password = !form.new_password.is_empty();
    let changes = OwnProfileChanges {
        name: Some(form.name.clone()),
        password: changing_password.then(|| form.new_password.clone()),
        current_password: changing_password.then(|| form.current_password.clone()),
        auto_cc: form.auto_cc_shown.then_some(form.auto_cc.is_some()),
        notifications: form
            .notifications_shown
            .then_some(form.notifications.is_some()),
    };
    match app
        .update_own_profile(&session.user, &session.token, changes, from)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            jar,
            "/portal/profile",
            if changing_password {
                "Your profile is saved and your password changed; other devices are signed out."
            } else {
                "Your profile is saved."
            },
        )),
        Err(err @ Error::Internal(_)) => Err(err.into()),
        Err(err) => {
            let mut again = profile_page(&session, &jar);
            again.name = form.name;
            again.auto_cc = form.auto_cc.is_some();
            again.notifications = form.notifications.is_some();
            again.error_field = match &err {
                Error::Validation { field, .. } => field.clone(),
                Error::Unauthenticated(_) => "current_password".to_owned(),
                _ => String::new(),
            };
            again.error = Some(plain_refusal(&err));
            let status = match err {
                Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Error::Forbidden(_) => StatusCode::FORBIDDEN,
                Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            Ok((status, again).into_response())
        }
    }
}
