//! The one search box in the header: organizations (name prefix, or an email domain),
//! users (name or email prefix) and tickets (an id, or words), a few of each with a
//! link to the full list.

use super::render::{Chrome, PageError, page, query_escape, refusal_text};
use super::session::AgentSession;
use super::tickets::{TicketRow, ticket_rows};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::core::model::{Agent, Ticket};
use orgdesk_app::core::{Error, TicketId};
use orgdesk_app::{OrganizationQuery, PageRequest, TicketQuery};
use serde::Deserialize;

/// Results shown per kind; "See all" opens the kind's own list.
const SHOWN: u64 = 10;

struct Found {
    id: i64,
    name: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    organizations: Vec<Found>,
    users: Vec<Found>,
    tickets: Vec<TicketRow>,
    all_organizations: String,
    all_users: String,
    all_tickets: String,
    tickets_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Organizations whose name starts with `q`, and the one owning `q` as an email domain.
async fn organizations(app: &AppState, agent: &Agent, q: &str) -> Result<Vec<Found>, Error> {
    let first = PageRequest::first(SHOWN);
    let mut found = app
        .list_organizations(
            agent,
            &OrganizationQuery {
                q: Some(q),
                ..Default::default()
            },
            &first,
        )
        .await?
        .items;
    if q.contains('.') && !q.contains(char::is_whitespace) {
        let domain = q.trim_start_matches('@');
        match app
            .list_organizations(
                agent,
                &OrganizationQuery {
                    domain: Some(domain),
                    ..Default::default()
                },
                &first,
            )
            .await
        {
            Ok(by_domain) => found.extend(by_domain.items),
            Err(Error::Validation { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    let mut seen = std::collections::HashSet::new();
    Ok(found
        .into_iter()
        .filter(|org| seen.insert(org.id))
        .map(|org| Found {
            id: org.id.0,
            detail: org.domains.join(", "),
            name: org.name,
        })
        .collect())
}

/// The ticket with this number, then tickets with all these words.
async fn tickets(app: &AppState, q: &str) -> Result<Vec<Ticket>, Error> {
    let mut found = Vec::new();
    if let Ok(id) = q.trim_start_matches('#').parse::<i64>() {
        match app.get_ticket(TicketId(id)).await {
            Ok(ticket) => found.push(ticket),
            Err(Error::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    let by_words = app
        .list_tickets(
            &TicketQuery {
                q: Some(q.to_owned()),
                ..Default::default()
            },
            &PageRequest::first(SHOWN),
        )
        .await?;
    for ticket in by_words.items {
        if !found.iter().any(|t| t.id == ticket.id) {
            found.push(ticket);
        }
    }
    Ok(found)
}

pub async fn search(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let q = query.q.trim().to_owned();
    let (organizations, users, tickets, tickets_error) = if q.is_empty() {
        (Vec::new(), Vec::new(), Vec::new(), None)
    } else {
        let users = app
            .list_users(Some(&q), None, None, &PageRequest::first(SHOWN))
            .await?
            .items
            .into_iter()
            .map(|u| Found {
                id: u.id.0,
                detail: u.email,
                name: u.name,
            })
            .collect();
        let (tickets, tickets_error) = match tickets(&app, &q).await {
            Ok(found) => (found, None),
            // Words too short or too many: the other kinds still answer.
            Err(err @ Error::Validation { .. }) => (Vec::new(), Some(refusal_text(&err))),
            Err(other) => return Err(other.into()),
        };
        let roster = app.agent_roster().await?;
        (
            organizations(&app, &session.agent, &q).await?,
            users,
            ticket_rows(tickets, &roster),
            tickets_error,
        )
    };
    let escaped = query_escape(&q);
    let shown = SearchPage {
        chrome: Chrome::new(&session, "search", &jar).with_search(&q),
        all_organizations: format!("/agent/organizations?q={escaped}"),
        all_users: format!("/agent/users?q={escaped}"),
        all_tickets: format!("/agent/tickets?q={escaped}"),
        q,
        organizations,
        users,
        tickets,
        tickets_error,
    };
    Ok(page(jar, shown))
}
