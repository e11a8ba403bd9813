//! The agents' ticket list (status, assignee, organization, words) and the new-ticket
//! form, which opens a ticket on behalf of a user found by email.

use super::lookup::{assignee, organization_named, user_with_email};
use super::render::Form;
use super::render::listed;
use super::render::{Chrome, PageError, page, query_escape, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use super::time_text::{human_time, iso_time};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::Error;
use orgdesk_app::core::model::{Agent, Ticket};
use orgdesk_app::core::ticket::{TicketPriority, TicketStatus};
use orgdesk_app::{NewTicket, PageRequest, TicketQuery};
use serde::Deserialize;
use std::collections::HashMap;

/// Tickets per page of the list.
const PAGE_SIZE: i64 = 50;

/// A choice in a menu: the value sent and the words shown.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A status as agents read it: "on hold" rather than `on_hold`.
pub fn status_text(status: TicketStatus) -> String {
    status.as_str().replace('_', " ")
}

pub fn status_choices() -> Vec<Choice> {
    TicketStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: status_text(*s),
        })
        .collect()
}

pub fn priority_choices() -> Vec<Choice> {
    TicketPriority::ALL
        .iter()
        .map(|p| Choice {
            value: p.as_str().to_owned(),
            label: p.as_str().to_owned(),
        })
        .collect()
}

/// The assignee menu: enabled agents (and `keep`, the current assignee, even if
/// disabled since).
pub fn assignee_choices(roster: &[Agent], keep: Option<i64>) -> Vec<Choice> {
    roster
        .iter()
        .filter(|a| !a.disabled || Some(a.id.0) == keep)
        .map(|a| Choice {
            value: a.id.0.to_string(),
            label: a.name.clone(),
        })
        .collect()
}

pub struct TicketRow {
    pub id: i64,
    pub subject: String,
    pub requester_id: i64,
    pub requester: String,
    pub organization: Option<(i64, String)>,
    pub status: &'static str,
    pub status_text: String,
    pub priority: &'static str,
    pub assignee: Option<String>,
    pub updated_iso: String,
    pub updated_text: String,
}

/// Rows of a ticket list, naming assignees from the team's roster.
pub fn ticket_rows(tickets: Vec<Ticket>, roster: &[Agent]) -> Vec<TicketRow> {
    let names: HashMap<i64, &str> = roster.iter().map(|a| (a.id.0, a.name.as_str())).collect();
    tickets
        .into_iter()
        .map(|t| TicketRow {
            id: t.id.0,
            requester_id: t.requester.id.0,
            requester: t.requester.name,
            organization: t.organization.map(|o| (o.id.0, o.name)),
            status: t.status.as_str(),
            status_text: status_text(t.status),
            priority: t.priority.as_str(),
            assignee: t.assignee_id.map(|id| {
                names
                    .get(&id.0)
                    .map_or_else(|| format!("agent {}", id.0), |n| (*n).to_owned())
            }),
            updated_iso: iso_time(t.updated_at),
            updated_text: human_time(t.updated_at),
            subject: t.subject,
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    /// An agent's id, `me`, or blank for anyone.
    #[serde(default)]
    assignee: String,
    /// An organization's exact name.
    #[serde(default)]
    organization: String,
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/tickets.html")]
struct ListPage {
    chrome: Chrome,
    status: String,
    assignee: String,
    organization: String,
    q: String,
    statuses: Vec<Choice>,
    assignees: Vec<Choice>,
    query_error: Option<String>,
    rows: Vec<TicketRow>,
    first_page: Option<String>,
    next_page: Option<String>,
}

impl ListQuery {
    /// The list's address for these filters at `cursor`.
    fn address(&self, cursor: Option<&str>) -> String {
        let mut parts: Vec<String> = [
            ("status", &self.status),
            ("assignee", &self.assignee),
            ("organization", &self.organization),
            ("q", &self.q),
        ]
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", query_escape(value)))
        .collect();
        if let Some(cursor) = cursor {
            parts.push(format!("cursor={}", query_escape(cursor)));
        }
        if parts.is_empty() {
            "/agent/tickets".to_owned()
        } else {
            format!("/agent/tickets?{}", parts.join("&"))
        }
    }
}

/// The filters as the use case takes them; a name that is no organization's is refused.
async fn filters(
    app: &AppState,
    session: &AgentSession,
    query: &ListQuery,
) -> Result<TicketQuery, Error> {
    let assignee_id = match query.assignee.trim() {
        "" => None,
        "me" => Some(session.agent.id.0),
        typed => assignee(typed)?,
    };
    let organization_id = organization_named(app, "organization", &query.organization)
        .await?
        .map(|org| org.id.0);
    Ok(TicketQuery {
        status: Some(query.status.trim().to_owned()).filter(|s| !s.is_empty()),
        requester_id: None,
        assignee_id,
        organization_id,
        q: Some(query.q.clone()),
    })
}

pub async fn list(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let cursor = query.cursor.clone().filter(|c| !c.is_empty());
    let roster = app.agent_roster().await?;
    let found = match filters(&app, &session, &query).await {
        Ok(filter) => {
            let request = PageRequest {
                limit: Some(PAGE_SIZE),
                cursor: cursor.clone(),
            };
            app.list_tickets(&filter, &request).await
        }
        Err(err) => Err(err),
    };
    let (found, query_error) = listed(found, refusal_text)?;
    let status = if query_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let shown = ListPage {
        chrome: Chrome::new(&session, "tickets", &jar),
        statuses: status_choices(),
        assignees: assignee_choices(&roster, None),
        query_error,
        rows: ticket_rows(found.items, &roster),
        first_page: cursor.is_some().then(|| query.address(None)),
        next_page: found.next_cursor.map(|c| query.address(Some(&c))),
        status: query.status,
        assignee: query.assignee,
        organization: query.organization,
        q: query.q,
    };
    Ok(page(jar, (status, shown).into_response()))
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/new_ticket.html")]
struct NewTicketPage {
    chrome: Chrome,
    requester: String,
    subject: String,
    body: String,
    priority: String,
    assignee: String,
    priorities: Vec<Choice>,
    assignees: Vec<Choice>,
    error: Option<String>,
    error_field: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewTicketQuery {
    /// The requester's email, filled in when coming from a user's profile.
    #[serde(default)]
    requester: String,
}

async fn new_ticket_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    form: NewTicketForm,
    refusal: Option<&Error>,
) -> Result<NewTicketPage, PageError> {
    let roster = app.agent_roster().await?;
    Ok(NewTicketPage {
        chrome: Chrome::new(session, "tickets", jar),
        priorities: priority_choices(),
        assignees: assignee_choices(&roster, None),
        error: refusal.map(refusal_text),
        error_field: match refusal {
            Some(Error::Validation { field, .. }) => field.clone(),
            _ => String::new(),
        },
        requester: form.requester,
        subject: form.subject,
        body: form.body,
        priority: form.priority,
        assignee: form.assignee,
    })
}

pub async fn new_ticket(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Query(query): Query<NewTicketQuery>,
) -> Result<Response, PageError> {
    let form = NewTicketForm {
        requester: query.requester,
        priority: "normal".to_owned(),
        ..Default::default()
    };
    let shown = new_ticket_page(&app, &session, &jar, form, None).await?;
    Ok(page(jar, shown))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewTicketForm {
    #[serde(default)]
    csrf: String,
    requester: String,
    subject: String,
    body: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    assignee: String,
}

/// Opens the ticket for the user with the email given, then shows it.
pub async fn create(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(form): Form<NewTicketForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let opened = open(&app, &session, &form).await;
    match opened {
        Ok(ticket) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/tickets/{}", ticket.id.0),
            format!(
                "Ticket #{} opened for {}.",
                ticket.id.0, ticket.requester.name
            ),
        )),
        Err(err @ Error::Internal(_)) => Err(err.into()),
        Err(err) => {
            let status = match err {
                Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let again = new_ticket_page(&app, &session, &jar, form, Some(&err)).await?;
            Ok((status, again).into_response())
        }
    }
}

async fn open(
    app: &AppState,
    session: &AgentSession,
    form: &NewTicketForm,
) -> Result<Ticket, Error> {
    let requester =
        user_with_email(app, "requester", &form.requester, "; create the user first").await?;
    let assignee_id = assignee(&form.assignee)?;
    app.create_ticket(
        &session.agent.actor(),
        NewTicket {
            requester_id: requester.id.0,
            subject: form.subject.clone(),
            body: form.body.clone(),
            priority: Some(form.priority.clone()).filter(|p| !p.is_empty()),
            assignee_id,
            ..Default::default()
        },
    )
    .await
}
