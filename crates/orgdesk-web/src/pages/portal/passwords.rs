//! The pages mailed links open: confirming a registration's address, setting a password
//! (an invited person's first, anyone's new one), and the form that asks for such a link.
//! Opening a page spends no link (mail scanners follow links): only its button does.

use super::session::{PortalError, plain_refusal};
use crate::AppState;
use crate::api::v1::mail::PASSWORD_RESET_SENT;
use crate::extract::ClientAddress;
use crate::pages::render::{Form, redirect_with_flash};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::Error;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "portal/set_password.html")]
struct SetPasswordPage {
    token: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The form; whether the link still works is told when it is sent, so that opening
/// the page (a mail scanner following links does) never spends it.
pub async fn set_form(Query(query): Query<TokenQuery>) -> Response {
    SetPasswordPage {
        token: query.token,
        error: None,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

pub async fn set(
    State(app): State<AppState>,
    jar: CookieJar,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response, PortalError> {
    match app
        .set_password_with_link(&form.token, &form.password)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            jar,
            "/portal/sign-in",
            "Your password is set. Sign in with it.",
        )),
        Err(err @ Error::Internal(_)) => Err(err.into()),
        Err(err) => {
            let status = match err {
                Error::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let again = SetPasswordPage {
                token: form.token,
                error: Some(plain_refusal(&err)),
            };
            Ok((status, again).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/forgot_password.html")]
struct ForgotPasswordPage {
    email: String,
    error: Option<String>,
    /// Said once the request is taken.
    sent: Option<&'static str>,
}

pub async fn forgot_form() -> Response {
    ForgotPasswordPage {
        email: String::new(),
        error: None,
        sent: None,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct ForgotPasswordForm {
    #[serde(default)]
    email: String,
}

/// Asks for a link; the page says the same whether or not an account uses the address.
pub async fn forgot(
    State(app): State<AppState>,
    ClientAddress(from): ClientAddress,
    Form(form): Form<ForgotPasswordForm>,
) -> Result<Response, PortalError> {
    match app.request_password_reset(&form.email, from).await {
        Ok(()) => Ok(ForgotPasswordPage {
            email: form.email,
            error: None,
            sent: Some(PASSWORD_RESET_SENT),
        }
        .into_response()),
        Err(err @ Error::Internal(_)) => Err(err.into()),
        Err(err) => {
            let status = match err {
                Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let again = ForgotPasswordPage {
                email: form.email,
                error: Some(plain_refusal(&err)),
                sent: None,
            };
            Ok((status, again).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/confirm.html")]
struct ConfirmPage {
    token: String,
    error: Option<String>,
}

pub async fn confirm_form(Query(query): Query<TokenQuery>) -> Response {
    ConfirmPage {
        token: query.token,
        error: None,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    token: String,
}

/// Confirms the address: the account is made; the person signs in with the password
/// they registered with.
pub async fn confirm(
    State(app): State<AppState>,
    jar: CookieJar,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PortalError> {
    match app.confirm_registration(&form.token).await {
        Ok(user) => Ok(redirect_with_flash(
            jar,
            "/portal/sign-in",
            match &user.organization {
                Some(organization) => format!(
                    "Your address is confirmed and your account is ready, as part of {}. Sign in with your password.",
                    organization.name
                ),
                None => "Your address is confirmed and your account is ready. Sign in with your password.".to_owned(),
            },
        )),
        Err(err @ Error::Internal(_)) => Err(err.into()),
        Err(err) => {
            let status = match err {
                Error::EmailTaken { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let again = ConfirmPage {
                token: form.token,
                error: Some(plain_refusal(&err)),
            };
            Ok((status, again).into_response())
        }
    }
}
