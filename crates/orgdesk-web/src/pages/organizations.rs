//! The organization directory: search by name prefix or email domain, top-level only or
//! all, paged by cursor; and the "New organization" form.

use super::render::Form;
use super::render::listed;
use super::render::{Chrome, PageError, page, query_escape, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::Error;
use orgdesk_app::core::model::{Agent, Organization, Page};
use orgdesk_app::{NewOrganization, OrganizationQuery, PageRequest};
use serde::Deserialize;

/// Organizations per page of the directory.
const PAGE_SIZE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    domain: String,
    /// `top` for top-level organizations only; anything else shows all.
    #[serde(default)]
    scope: String,
    cursor: Option<String>,
}

/// The query as the page shows it back.
struct ShownQuery {
    q: String,
    domain: String,
    top_level_only: bool,
    cursor: Option<String>,
}

struct Row {
    id: i64,
    name: String,
    domains: String,
    member_count: i64,
    is_child: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/organizations.html")]
struct DirectoryPage {
    chrome: Chrome,
    query: ShownQuery,
    query_error: Option<String>,
    rows: Vec<Row>,
    first_page: String,
    next_page: Option<String>,
    new_name: String,
    new_domain: String,
    new_error: Option<String>,
}

fn shown(query: DirectoryQuery) -> ShownQuery {
    ShownQuery {
        top_level_only: query.scope == "top",
        q: query.q,
        domain: query.domain,
        cursor: query.cursor.filter(|c| !c.is_empty()),
    }
}

/// The directory's address for `query` at `cursor`.
fn address(query: &ShownQuery, cursor: Option<&str>) -> String {
    let mut parts = Vec::new();
    for (key, value) in [("q", query.q.as_str()), ("domain", query.domain.as_str())] {
        if !value.is_empty() {
            parts.push(format!("{key}={}", query_escape(value)));
        }
    }
    if query.top_level_only {
        parts.push("scope=top".to_owned());
    }
    if let Some(cursor) = cursor {
        parts.push(format!("cursor={}", query_escape(cursor)));
    }
    if parts.is_empty() {
        "/agent/organizations".to_owned()
    } else {
        format!("/agent/organizations?{}", parts.join("&"))
    }
}

async fn search(
    app: &AppState,
    agent: &Agent,
    query: &ShownQuery,
) -> Result<Page<Organization>, Error> {
    let parent = query.top_level_only.then_some(None);
    let page = PageRequest {
        limit: Some(PAGE_SIZE as i64),
        cursor: query.cursor.clone(),
    };
    // Blank boxes mean no filter: the use case trims and drops empty text.
    let query = OrganizationQuery {
        q: Some(&query.q),
        parent,
        domain: Some(&query.domain),
        fields: Vec::new(),
    };
    app.list_organizations(agent, &query, &page).await
}

/// The directory page, with the "New organization" form as given (after a refusal).
async fn directory_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    query: ShownQuery,
    new_form: (String, String, Option<String>),
) -> Result<(StatusCode, DirectoryPage), PageError> {
    let (found, query_error) = listed(search(app, &session.agent, &query).await, refusal_text)?;
    let status = match (&query_error, &new_form.2) {
        (None, None) => StatusCode::OK,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let rows = found
        .items
        .into_iter()
        .map(|org| Row {
            id: org.id.0,
            name: org.name,
            domains: org.domains.join(", "),
            member_count: org.member_count,
            is_child: org.parent_id.is_some(),
        })
        .collect();
    let (new_name, new_domain, new_error) = new_form;
    Ok((
        status,
        DirectoryPage {
            chrome: Chrome::new(session, "organizations", jar),
            first_page: address(&query, None),
            next_page: found.next_cursor.map(|c| address(&query, Some(&c))),
            query,
            query_error,
            rows,
            new_name,
            new_domain,
            new_error,
        },
    ))
}

pub async fn directory(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, PageError> {
    let shown_page = directory_page(
        &app,
        &session,
        &jar,
        shown(query),
        (String::new(), String::new(), None),
    )
    .await?;
    Ok(page(jar, shown_page))
}

#[derive(Deserialize)]
pub struct NewOrganizationForm {
    csrf: String,
    name: String,
    #[serde(default)]
    domain: String,
}

/// Creates the organization and opens its profile; a refusal shows the form
/// again with what was typed and the reason.
pub async fn create(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(form): Form<NewOrganizationForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let domain = form.domain.trim().to_owned();
    let new = NewOrganization {
        name: form.name.clone(),
        domains: if domain.is_empty() {
            Vec::new()
        } else {
            vec![domain.clone()]
        },
        ..Default::default()
    };
    match app.create_organization(&session.agent.actor(), new).await {
        Ok(created) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/organizations/{}", created.id.0),
            format!("Organization {} created.", created.name),
        )),
        Err(err @ Error::Internal(_)) => Err(err.into()),
        Err(err) => {
            let refusal = refusal_text(&err);
            let (_, shown_page) = directory_page(
                &app,
                &session,
                &jar,
                shown(DirectoryQuery::default()),
                (form.name, form.domain, Some(refusal)),
            )
            .await?;
            let status = match err {
                Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            Ok((status, shown_page).into_response())
        }
    }
}
