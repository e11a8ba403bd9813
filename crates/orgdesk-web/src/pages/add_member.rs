//! Adding a member from the profile: the agent types an email or a name (suggestions
//! show who is where), and moving someone out of another organization is said — and
//! confirmed — before it happens.

use super::lookup::user_with_email;
use super::profile::{Refusal, refused_profile};
use super::render::Form;
use super::render::{Chrome, PageError, page, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::model::User;
use orgdesk_app::core::{Error, OrganizationId, UserId};
use orgdesk_app::{MembershipChanges, PageRequest};
use serde::Deserialize;

/// Suggestions shown under the box.
const SUGGESTIONS: u64 = 10;

#[derive(Deserialize)]
pub struct AddMemberForm {
    csrf: String,
    /// What the agent typed: an email address or a name.
    #[serde(default)]
    user: String,
    /// A suggestion picked (or the user confirmed on the move page).
    user_id: Option<i64>,
    /// `1` once the agent has confirmed moving the user from another organization.
    #[serde(default)]
    confirm: String,
}

/// The user the agent meant: the one picked, the one with that email, or the one user
/// whose name is exactly what was typed.
async fn chosen_user(app: &AppState, form: &AddMemberForm) -> Result<User, Error> {
    if let Some(id) = form.user_id {
        return app.get_user(UserId(id)).await;
    }
    let typed = form.user.trim();
    if typed.contains('@') {
        return user_with_email(app, "user", typed, "").await;
    }
    let key = orgdesk_app::core::text::name_key(typed);
    let same_name: Vec<User> = app
        .list_users(Some(typed), None, None, &PageRequest::first(SUGGESTIONS))
        .await
        .map_err(|err| match err {
            Error::Validation { message, .. } => Error::validation("user", message),
            other => other,
        })?
        .items
        .into_iter()
        .filter(|u| orgdesk_app::core::text::name_key(&u.name) == key)
        .collect();
    match <[User; 1]>::try_from(same_name) {
        Ok([user]) => Ok(user),
        Err(found) if found.is_empty() => Err(Error::validation(
            "user",
            format!("no user is named \"{typed}\"; type their email, or pick from the suggestions"),
        )),
        Err(_) => Err(Error::validation(
            "user",
            format!("several users are named \"{typed}\"; type the email of the one you mean"),
        )),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/confirm_move_member.html")]
struct ConfirmMovePage {
    chrome: Chrome,
    id: i64,
    organization: String,
    user_id: i64,
    user: String,
    from: String,
}

pub async fn add_member(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<AddMemberForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let organization = app.get_organization_without_fields(id).await?;
    let user = match chosen_user(&app, &form).await {
        Ok(user) => user,
        Err(err @ Error::Validation { .. }) => {
            let refusal = Refusal {
                member_typed: Some(form.user.clone()),
                member_error: Some(refusal_text(&err)),
                ..Default::default()
            };
            return refused_profile(&app, &session, &jar, id, &err, refusal).await;
        }
        Err(other) => return Err(other.into()),
    };
    let back = format!("/agent/organizations/{}#members-heading", id.0);
    match &user.organization {
        Some(current) if current.id == id => {
            return Ok(redirect_with_flash(
                jar,
                &back,
                format!(
                    "{} is already a member of {}.",
                    user.name, organization.name
                ),
            ));
        }
        Some(current) if form.confirm != "1" => {
            let confirm = ConfirmMovePage {
                chrome: Chrome::new(&session, "organizations", &jar),
                id: id.0,
                organization: organization.name,
                user_id: user.id.0,
                user: user.name,
                from: current.name.clone(),
            };
            return Ok(page(jar, confirm));
        }
        _ => {}
    }
    let moved_from = user.organization.as_ref().map(|o| o.name.clone());
    app.put_member(
        &session.agent.actor(),
        id,
        user.id,
        MembershipChanges::default(),
    )
    .await?;
    let message = match moved_from {
        Some(from) => format!("{} moved from {from} to {}.", user.name, organization.name),
        None => format!("{} joined {}.", user.name, organization.name),
    };
    Ok(redirect_with_flash(jar, &back, message))
}

#[derive(Deserialize)]
pub struct CandidatesQuery {
    #[serde(default)]
    q: String,
}

struct CandidateRow {
    id: i64,
    name: String,
    email: String,
    /// Where the user is now, when that is another organization (adding moves them).
    elsewhere: Option<String>,
    already_member: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/_member_candidates.html")]
struct CandidatesPartial {
    candidates: Vec<CandidateRow>,
}

/// Users whose name or email starts with what was typed: a fragment the script shows
/// under the add-member box, each saying where the user is now.
pub async fn member_candidates(
    State(app): State<AppState>,
    _session: AgentSession,
    Path(id): Path<i64>,
    Query(query): Query<CandidatesQuery>,
) -> Result<Response, PageError> {
    let typed = query.q.trim();
    let found = if typed.is_empty() {
        Vec::new()
    } else {
        match app
            .list_users(Some(typed), None, None, &PageRequest::first(SUGGESTIONS))
            .await
        {
            Ok(page) => page.items,
            Err(Error::Validation { .. }) => Vec::new(),
            Err(other) => return Err(other.into()),
        }
    };
    let candidates = found
        .into_iter()
        .map(|user| {
            let already_member = user.organization.as_ref().is_some_and(|o| o.id.0 == id);
            CandidateRow {
                id: user.id.0,
                elsewhere: user.organization.filter(|o| o.id.0 != id).map(|o| o.name),
                already_member,
                name: user.name,
                email: user.email,
            }
        })
        .collect();
    Ok(CandidatesPartial { candidates }.into_response())
}
