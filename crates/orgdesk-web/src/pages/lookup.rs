//! What agents type into forms, turned into the records they mean: an organization by
//! its exact name, a user by email address, an agent picked from the assignee menu.
//! Something that names nobody is bad input, refused naming the form's field.

use crate::AppState;
use orgdesk_app::core::Error;
use orgdesk_app::core::model::{Organization, User};

/// The organization named exactly `typed` (any letter case); blank means none.
pub async fn organization_named(
    app: &AppState,
    field: &str,
    typed: &str,
) -> Result<Option<Organization>, Error> {
    match typed.trim() {
        "" => Ok(None),
        name => app
            .find_organization_by_name(name)
            .await?
            .map(Some)
            .ok_or_else(|| {
                Error::validation(field, format!("no organization is named \"{name}\""))
            }),
    }
}

/// The user with the email `typed`. `when_unknown` is added to the refusal when no
/// user has it ("; create the user first").
pub async fn user_with_email(
    app: &AppState,
    field: &str,
    typed: &str,
    when_unknown: &str,
) -> Result<User, Error> {
    let typed = typed.trim();
    app.find_user_by_email(typed)
        .await
        .map_err(|err| match err {
            Error::Validation { message, .. } => Error::validation(field, message),
            other => other,
        })?
        .ok_or_else(|| {
            Error::validation(
                field,
                format!("no user has the email {typed}{when_unknown}"),
            )
        })
}

/// The agent chosen in an assignee menu (their id); blank means nobody.
pub fn assignee(typed: &str) -> Result<Option<i64>, Error> {
    match typed.trim() {
        "" => Ok(None),
        id => id
            .parse()
            .map(Some)
            .map_err(|_| Error::validation("assignee", "choose an agent from the menu")),
    }
}
