//! The organization's History tab: the change log (who changed what, old → new) or the
//! activity stream (the same, plus members' new tickets and usergroup changes), newest
//! first, in words, paged.

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
use std::collections::HashMap;

const PAGE_SIZE: u64 = 50;

struct EventRow {
    at_iso: String,
    at_text: String,
    actor: String,
    action: String,
    user: Option<(i64, String)>,
    /// A ticket the event is about: (id, subject).
    ticket: Option<(i64, String)>,
    changes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/history.html")]
struct HistoryPage {
    chrome: Chrome,
    id: i64,
    name: String,
    deleted: bool,
    activity: bool,
    events: Vec<EventRow>,
    next_page: Option<String>,
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    cursor: Option<String>,
    /// `activity` for the activity stream; anything else shows the change log.
    #[serde(default)]
    view: String,
}

/// What an event did, as a person says it after the actor's name.
fn action_words(action: &str) -> String {
    match action {
        "created" => "created the organization",
        "updated" => "changed the organization",
        "deleted" => "deleted the organization",
        "member_added" => "added a member",
        "member_removed" => "removed a member",
        "member_updated" => "changed a member",
        "child_added" => "added a child organization",
        "child_removed" => "removed a child organization",
        "parent_deleted" => "deleted the parent organization",
        "domain_added" => "added an email domain",
        "domain_removed" => "removed an email domain",
        "usergroup_linked" => "linked a usergroup",
        "usergroup_unlinked" => "unlinked a usergroup",
        "usergroup_member_added" => "added a member to a usergroup",
        "usergroup_member_removed" => "removed a member from a usergroup",
        "ticket_created" => "opened a ticket",
        "entitlement_added" => "added an entitlement",
        "entitlement_changed" => "changed an entitlement",
        "entitlement_removed" => "removed an entitlement",
        "note_added" => "added a note",
        "note_changed" => "edited a note",
        "note_removed" => "deleted a note",
        "time_logged" => "logged time",
        "time_changed" => "corrected logged time",
        "time_removed" => "removed logged time",
        "charge_added" => "added a charge",
        "charge_changed" => "corrected a charge",
        "charge_removed" => "removed a charge",
        "message_sent" => "wrote to the members",
        other => return other.replace('_', " "),
    }
    .to_owned()
}

/// A value of a change as a person reads it.
fn shown(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "nothing".to_owned(),
        serde_json::Value::Bool(true) => "yes".to_owned(),
        serde_json::Value::Bool(false) => "no".to_owned(),
        serde_json::Value::String(text) => format!("“{text}”"),
        // An entitlement's terms: its name and days.
        serde_json::Value::Object(terms) if terms.contains_key("name") => {
            let day = |key: &str| terms.get(key).and_then(|d| d.as_str()).unwrap_or("…");
            let name = shown(&terms["name"]);
            match (terms.get("starts_on"), terms.get("ends_on")) {
                (Some(serde_json::Value::Null), Some(serde_json::Value::Null)) | (None, None) => {
                    name
                }
                _ => format!("{name} ({} – {})", day("starts_on"), day("ends_on")),
            }
        }
        // Time logged on a ticket: how long, which day, billable or not.
        serde_json::Value::Object(time) if time.contains_key("minutes") => {
            let minutes = time["minutes"].as_i64().unwrap_or_default();
            let day = time
                .get("worked_on")
                .and_then(|d| d.as_str())
                .unwrap_or("…");
            let billable = time
                .get("billable")
                .and_then(|b| b.as_bool())
                .unwrap_or(true);
            format!(
                "{} on {day}{}",
                super::ticket_billing::duration_text(minutes),
                if billable { "" } else { " (not billable)" }
            )
        }
        // A charge: its amount in its currency.
        serde_json::Value::Object(charge) if charge.contains_key("amount") => format!(
            "{} {}",
            charge["amount"].as_str().unwrap_or("?"),
            charge
                .get("currency")
                .and_then(|c| c.as_str())
                .unwrap_or("")
        ),
        // A note: the start of its text, and its files.
        serde_json::Value::Object(note) if note.contains_key("body") => {
            let body = note["body"].as_str().unwrap_or_default();
            let mut text = if body.chars().count() > 80 {
                format!("“{}…”", body.chars().take(80).collect::<String>())
            } else {
                format!("“{body}”")
            };
            if let Some(files) = note
                .get("files")
                .filter(|f| f.as_array().is_some_and(|a| !a.is_empty()))
            {
                text.push_str(&format!(" with {}", shown(files)));
            }
            text
        }
        serde_json::Value::Array(items) if items.is_empty() => "none".to_owned(),
        serde_json::Value::Array(items) if items.iter().all(|item| item.is_string()) => {
            items.iter().map(shown).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// Fields whose values are organizations' ids, and the words they are shown under.
fn organization_field(field: &str) -> Option<&'static str> {
    match field {
        "organization_id" => Some("organization"),
        "parent_id" => Some("parent"),
        "children" => Some("child"),
        _ => None,
    }
}

/// Names of the organizations the page's changes refer to, and the labels of the
/// custom fields (by key) the reader may see.
struct Names {
    organizations: HashMap<OrganizationId, String>,
    fields: HashMap<String, String>,
}

/// An organization's id as its name (or "a deleted organization").
fn organization_shown(value: &serde_json::Value, names: &Names) -> String {
    match value.as_i64() {
        Some(id) => names
            .organizations
            .get(&OrganizationId(id))
            .cloned()
            .unwrap_or_else(|| "a deleted organization".to_owned()),
        None => shown(value),
    }
}

/// `summary: “Old” → “New”`; `organization: nothing → Acme`; a custom field by its
/// label: `Support tier: “Gold” → “Silver”`.
fn change_text(change: &Change, names: &Names) -> String {
    if let Some(label) = change
        .field
        .strip_prefix("fields.")
        .and_then(|key| names.fields.get(key))
    {
        return format!("{label}: {} → {}", shown(&change.old), shown(&change.new));
    }
    match organization_field(&change.field) {
        Some(label) => format!(
            "{label}: {} → {}",
            organization_shown(&change.old, names),
            organization_shown(&change.new, names)
        ),
        None => format!(
            "{}: {} → {}",
            change.field.replace('_', " "),
            shown(&change.old),
            shown(&change.new)
        ),
    }
}

/// The organizations the events' changes refer to.
fn referenced_organizations(events: &[OrganizationEvent]) -> Vec<OrganizationId> {
    let mut ids: Vec<OrganizationId> = events
        .iter()
        .flat_map(|event| &event.changes)
        .filter(|change| organization_field(&change.field).is_some())
        .flat_map(|change| [change.old.as_i64(), change.new.as_i64()])
        .flatten()
        .map(OrganizationId)
        .collect();
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    ids
}

/// The ticket an event is about, as (number, subject): a new ticket's, or the ticket
/// whose time or charges changed.
fn event_ticket(event: &OrganizationEvent) -> Option<(i64, String)> {
    let field = |name: &str| event.changes.iter().find(|c| c.field == name);
    let subject = field("subject")?.new.as_str()?.to_owned();
    let id = match event.action.as_str() {
        "ticket_created" => field("ticket")?.new.as_i64()?,
        _ => {
            let entry = field("time").or_else(|| field("charge"))?;
            let either = if entry.new.is_null() {
                &entry.old
            } else {
                &entry.new
            };
            either["ticket"].as_i64()?
        }
    };
    Some((id, subject))
}

fn row(event: OrganizationEvent, names: &Names) -> EventRow {
    // A ticket's number and subject are shown as a link, not as changes.
    let ticket = event_ticket(&event);
    let shown_changes: Vec<&Change> = event
        .changes
        .iter()
        .filter(|c| ticket.is_none() || (c.field != "subject" && c.field != "ticket"))
        .collect();
    EventRow {
        at_iso: iso_time(event.at),
        at_text: human_time(event.at),
        actor: event.actor.name().to_owned(),
        action: action_words(&event.action),
        user: event.user.map(|u| (u.id.0, u.name)),
        changes: shown_changes
            .into_iter()
            .map(|c| change_text(c, names))
            .collect(),
        ticket,
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
    let history = if query.view == "activity" {
        app.organization_activity_for(&session.agent, id, &request)
            .await?
    } else {
        app.organization_history_for(&session.agent, id, &request)
            .await?
    };
    // The activity stream is of organizations that exist; a deleted one keeps its log.
    let activity = query.view == "activity" && !history.deleted;
    let name = if history.deleted {
        "Deleted organization".to_owned()
    } else {
        app.get_organization_without_fields(id).await?.name
    };
    let names = Names {
        organizations: app
            .organization_names(&referenced_organizations(&history.events.items))
            .await?,
        fields: app
            .organization_fields(&session.agent)
            .await?
            .into_iter()
            .map(|field| (field.key.to_string(), field.label))
            .collect(),
    };
    let history_page = HistoryPage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id: id.0,
        name,
        deleted: history.deleted,
        activity,
        next_page: history.events.next_cursor.map(|cursor| {
            format!(
                "/agent/organizations/{}/history?{}cursor={}",
                id.0,
                if activity { "view=activity&" } else { "" },
                query_escape(&cursor)
            )
        }),
        events: history
            .events
            .items
            .into_iter()
            .map(|event| row(event, &names))
            .collect(),
    };
    Ok(page(jar, history_page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_read_as_old_to_new_in_words() {
        let names = Names {
            organizations: HashMap::from([(OrganizationId(1), "Acme".to_owned())]),
            fields: HashMap::from([("tier".to_owned(), "Support tier".to_owned())]),
        };
        let change = Change::new("summary", json!(null), "Our biggest customer");
        assert_eq!(
            change_text(&change, &names),
            "summary: nothing → “Our biggest customer”"
        );
        let manager = Change::new("manager", false, true);
        assert_eq!(change_text(&manager, &names), "manager: no → yes");
        let joined = Change::new("organization_id", json!(null), 1);
        assert_eq!(change_text(&joined, &names), "organization: nothing → Acme");
        let gone = Change::new("parent_id", 7, json!(null));
        assert_eq!(
            change_text(&gone, &names),
            "parent: a deleted organization → nothing"
        );
        let tier = Change::new("fields.tier", "Gold", json!(["Desk", "Chat"]));
        assert_eq!(
            change_text(&tier, &names),
            "Support tier: “Gold” → “Desk”, “Chat”"
        );
    }
}
