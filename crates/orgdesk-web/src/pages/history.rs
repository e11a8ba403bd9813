//! The organization's History tab: the change log, newest first, in words, paged.

use super::render::{Chrome, PageError, page, query_escape};
use super::session::AgentSession;
use super::time_text::{human_time, iso_time};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::PageRequest;
use orgdesk_app::core::OrganizationId;
use orgdesk_app::core::model::{Change, OrganizationEvent};
use serde::Deserialize;

const PAGE_SIZE: u64 = 50;

struct EventRow {
    at_iso: String,
    at_text: String,
    actor: String,
    action: String,
    user: Option<String>,
    changes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/history.html")]
struct HistoryPage {
    chrome: Chrome,
    id: i64,
    name: String,
    deleted: bool,
    events: Vec<EventRow>,
    next_page: Option<String>,
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    cursor: Option<String>,
}

/// A value of a change as a person reads it.
fn shown(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "nothing".to_owned(),
        serde_json::Value::Bool(true) => "yes".to_owned(),
        serde_json::Value::Bool(false) => "no".to_owned(),
        serde_json::Value::String(text) => format!("“{text}”"),
        serde_json::Value::Array(items) if items.is_empty() => "none".to_owned(),
        other => other.to_string(),
    }
}

/// `summary: “Old” → “New”`.
fn change_text(change: &Change) -> String {
    format!(
        "{}: {} → {}",
        change.field.replace('_', " "),
        shown(&change.old),
        shown(&change.new)
    )
}

fn row(event: OrganizationEvent) -> EventRow {
    EventRow {
        at_iso: iso_time(event.at),
        at_text: human_time(event.at),
        actor: event.actor.name().to_owned(),
        action: event.action.replace('_', " "),
        user: event.user.map(|u| u.name),
        changes: event.changes.iter().map(change_text).collect(),
    }
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, PageError> {
    let id = OrganizationId(id);
    let request = PageRequest {
        limit: Some(PAGE_SIZE as i64),
        cursor: query.cursor,
    };
    let history = app
        .organization_history_for(&session.agent, id, &request)
        .await?;
    let name = if history.deleted {
        "Deleted organization".to_owned()
    } else {
        app.get_organization(id).await?.name
    };
    let history_page = HistoryPage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id: id.0,
        name,
        deleted: history.deleted,
        next_page: history.events.next_cursor.map(|cursor| {
            format!(
                "/agent/organizations/{}/history?cursor={}",
                id.0,
                query_escape(&cursor)
            )
        }),
        events: history.events.items.into_iter().map(row).collect(),
    };
    Ok(page(jar, history_page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_read_as_old_to_new_in_words() {
        let change = Change::new("summary", json!(null), "Our biggest customer");
        assert_eq!(
            change_text(&change),
            "summary: nothing → “Our biggest customer”"
        );
        let manager = Change::new("manager", false, true);
        assert_eq!(change_text(&manager), "manager: no → yes");
    }
}
