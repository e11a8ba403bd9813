//! Admins link a usergroup to an organization from a page of their own: the usergroups
//! not yet linked, paged, each with its Link button. The profile only links here, so
//! it never carries the whole list of usergroups.

use super::render::{Chrome, CursorQuery, PageError, page, query_escape};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::PageRequest;
use orgdesk_app::core::OrganizationId;

/// Usergroups per page.
const PAGE_SIZE: i64 = 50;

struct Choice {
    id: i64,
    name: String,
    permissions: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/link_usergroup.html")]
struct LinkPage {
    chrome: Chrome,
    id: i64,
    name: String,
    choices: Vec<Choice>,
    first_page: Option<String>,
    next_page: Option<String>,
}

pub async fn choose(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<CursorQuery>,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let organization = app
        .get_organization_without_fields(OrganizationId(id))
        .await?;
    let cursor = query.cursor.filter(|c| !c.is_empty());
    let found = app
        .list_usergroups(&PageRequest {
            limit: Some(PAGE_SIZE),
            cursor: cursor.clone(),
        })
        .await?;
    let address = format!("/agent/organizations/{id}/usergroups");
    let shown = LinkPage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id,
        choices: found
            .items
            .into_iter()
            .filter(|g| !organization.usergroup_ids.contains(&g.id))
            .map(|g| Choice {
                id: g.id,
                name: g.name,
                permissions: g.permissions.join(", "),
            })
            .collect(),
        first_page: cursor.is_some().then(|| address.clone()),
        next_page: found
            .next_cursor
            .map(|c| format!("{address}?cursor={}", query_escape(&c))),
        name: organization.name,
    };
    Ok(page(jar, shown))
}
