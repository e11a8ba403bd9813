//! Users as agents see them: the directory (name or email prefix, paged), a user's
//! profile (organization, position, manager, usergroups with where each comes from,
//! their tickets), and "New user", which says which organization the user joined and why.

use super::lookup::organization_named;
use super::render::Form;
use super::render::listed;
use super::render::{Chrome, PageError, page, query_escape, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use super::tickets::{TicketRow, ticket_rows};
use super::time_text::{human_time, iso_time};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::model::User;
use orgdesk_app::core::{Error, UserId};
use orgdesk_app::{NewUser, PageRequest, TicketQuery};
use serde::Deserialize;

/// Users per page of the directory.
const PAGE_SIZE: i64 = 50;
/// Tickets shown on a user's profile.
const PROFILE_TICKETS: u64 = 20;

struct UserRow {
    id: i64,
    name: String,
    email: String,
    organization: Option<(i64, String)>,
    manager: bool,
}

fn user_row(user: User) -> UserRow {
    UserRow {
        id: user.id.0,
        name: user.name,
        email: user.email,
        organization: user.organization.map(|o| (o.id.0, o.name)),
        manager: user.manager,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/users.html")]
struct DirectoryPage {
    chrome: Chrome,
    q: String,
    query_error: Option<String>,
    rows: Vec<UserRow>,
    first_page: Option<String>,
    next_page: Option<String>,
    new_user: NewUserForm,
    new_error: Option<String>,
    new_field: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

async fn directory_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    query: DirectoryQuery,
    new_user: NewUserForm,
    refusal: Option<&Error>,
) -> Result<(StatusCode, DirectoryPage), PageError> {
    let cursor = query.cursor.filter(|c| !c.is_empty());
    let request = PageRequest {
        limit: Some(PAGE_SIZE),
        cursor: cursor.clone(),
    };
    let (found, query_error) = listed(
        app.list_users(Some(&query.q), None, None, &request).await,
        refusal_text,
    )?;
    let address = |cursor: Option<&str>| {
        let mut parts = Vec::new();
        if !query.q.is_empty() {
            parts.push(format!("q={}", query_escape(&query.q)));
        }
        if let Some(cursor) = cursor {
            parts.push(format!("cursor={}", query_escape(cursor)));
        }
        if parts.is_empty() {
            "/agent/users".to_owned()
        } else {
            format!("/agent/users?{}", parts.join("&"))
        }
    };
    let status = match (&query_error, refusal) {
        (None, None) => StatusCode::OK,
        (_, Some(Error::Validation { .. })) | (Some(_), None) => StatusCode::UNPROCESSABLE_ENTITY,
        (_, Some(_)) => StatusCode::CONFLICT,
    };
    Ok((
        status,
        DirectoryPage {
            chrome: Chrome::new(session, "users", jar),
            query_error,
            rows: found.items.into_iter().map(user_row).collect(),
            first_page: cursor.is_some().then(|| address(None)),
            next_page: found.next_cursor.as_deref().map(|c| address(Some(c))),
            q: query.q.clone(),
            new_user,
            new_error: refusal.map(refusal_text),
            new_field: match refusal {
                Some(Error::Validation { field, .. }) => field.clone(),
                Some(Error::EmailTaken { .. }) => "email".to_owned(),
                _ => String::new(),
            },
        },
    ))
}

pub async fn directory(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, PageError> {
    let shown = directory_page(&app, &session, &jar, query, NewUserForm::default(), None).await?;
    Ok(page(jar, shown))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    csrf: String,
    name: String,
    email: String,
    /// The organization's exact name; blank lets the email's domain decide.
    #[serde(default)]
    organization: String,
    #[serde(default)]
    position: String,
    manager: Option<String>,
}

/// Creates the user, then opens their profile saying where they landed and why.
pub async fn create(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let chosen = form.organization.trim().to_owned();
    let created = async {
        let organization_id = organization_named(&app, "organization", &chosen)
            .await?
            .map(|org| org.id);
        app.create_user(
            &session.agent.actor(),
            NewUser {
                name: form.name.clone(),
                email: form.email.clone(),
                password: None,
                organization_id,
                position: Some(form.position.clone()).filter(|p| !p.trim().is_empty()),
                manager: form.manager.is_some(),
                external_id: None,
            },
        )
        .await
    }
    .await;
    match created {
        Ok(user) => {
            let message = match (&user.organization, chosen.is_empty()) {
                (Some(org), false) => format!("{} was created in {}.", user.name, org.name),
                (Some(org), true) => format!(
                    "{} was created and joined {}: the email domain {} belongs to it.",
                    user.name,
                    org.name,
                    user.email.rsplit('@').next().unwrap_or_default()
                ),
                (None, _) => format!(
                    "{} was created without an organization: no organization owns the email's domain.",
                    user.name
                ),
            };
            Ok(redirect_with_flash(
                jar,
                &format!("/agent/users/{}", user.id.0),
                message,
            ))
        }
        Err(err @ Error::Internal(_)) => Err(err.into()),
        Err(err) => {
            let (status, shown) = directory_page(
                &app,
                &session,
                &jar,
                DirectoryQuery::default(),
                form,
                Some(&err),
            )
            .await?;
            Ok((status, shown).into_response())
        }
    }
}

struct GroupView {
    id: i64,
    name: String,
    direct: bool,
    via_organization: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/user.html")]
struct ProfilePage {
    chrome: Chrome,
    name: String,
    email: String,
    email_query: String,
    organization: Option<(i64, String)>,
    position: Option<String>,
    manager: bool,
    disabled: bool,
    notifications: bool,
    created_iso: String,
    created_text: String,
    groups: Vec<GroupView>,
    tickets: Vec<TicketRow>,
    more_tickets: bool,
}

pub async fn profile(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = app.get_user(UserId(id)).await?;
    let groups = app.user_usergroups(user.id).await?;
    let tickets = app
        .list_tickets(
            &TicketQuery {
                requester_id: Some(id),
                ..Default::default()
            },
            &PageRequest::first(PROFILE_TICKETS),
        )
        .await?;
    let roster = app.agent_roster().await?;
    let shown = ProfilePage {
        chrome: Chrome::new(&session, "users", &jar),
        email_query: query_escape(&user.email),
        name: user.name,
        email: user.email,
        organization: user.organization.map(|o| (o.id.0, o.name)),
        position: user.position,
        manager: user.manager,
        disabled: user.disabled,
        notifications: user.notifications,
        created_iso: iso_time(user.created_at),
        created_text: human_time(user.created_at),
        groups: groups
            .into_iter()
            .map(|(group, sources)| GroupView {
                id: group.id,
                name: group.name,
                direct: sources.direct,
                via_organization: sources.via_organization,
            })
            .collect(),
        more_tickets: tickets.next_cursor.is_some(),
        tickets: ticket_rows(tickets.items, &roster),
    };
    Ok(page(jar, shown))
}
