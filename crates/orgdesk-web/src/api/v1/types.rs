//! Wire types shared by several resources.

use crate::error::ApiError;
use axum::http::HeaderMap;
use orgdesk_app::PageRequest;
use orgdesk_app::core::Error;
use orgdesk_app::core::model::{
    Actor, Agent, Change, Organization, OrganizationEvent, Page, User, UserEvent,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use utoipa::{IntoParams, ToSchema};

/// RFC 3339 in UTC with exactly three fraction digits (what is stored), so every
/// timestamp has the same length and sorts as text: `2026-11-24T19:14:04.960Z`.
const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A stored timestamp (milliseconds since the epoch) as the API writes it.
pub fn timestamp(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(TIMESTAMP).ok())
        .unwrap_or_default()
}

/// The version a client says it last read: `If-Match` (`3` or `"3"`) or the body's
/// `version`; both given must agree.
pub fn expected_version(
    headers: &HeaderMap,
    body_version: Option<i64>,
) -> Result<Option<i64>, ApiError> {
    let header_version = match headers.get(axum::http::header::IF_MATCH) {
        None => None,
        Some(value) => {
            let text = value.to_str().unwrap_or_default().trim();
            let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
            Some(text.parse::<i64>().map_err(|_| {
                Error::validation(
                    "If-Match",
                    format!("must be the record's version number (got \"{text}\")"),
                )
            })?)
        }
    };
    match (header_version, body_version) {
        (Some(header), Some(body)) if header != body => Err(Error::validation(
            "version",
            format!("If-Match says {header} but the body says {body}"),
        )
        .into()),
        (header, body) => Ok(header.or(body)),
    }
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl From<&PageQuery> for PageRequest {
    fn from(query: &PageQuery) -> Self {
        PageRequest {
            limit: query.limit,
            cursor: query.cursor.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactBody {
    /// `phone`, `email`, `website`, `address` or `social`.
    pub kind: String,
    pub label: Option<String>,
    pub value: String,
}

impl From<ContactBody> for orgdesk_app::ContactInput {
    fn from(body: ContactBody) -> Self {
        orgdesk_app::ContactInput {
            kind: body.kind,
            label: body.label,
            value: body.value,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationResponse {
    pub id: i64,
    pub name: String,
    pub summary: Option<String>,
    pub parent_id: Option<i64>,
    pub domains: Vec<String>,
    pub contacts: Vec<ContactBody>,
    /// Usergroups linked to the organization: every member, present and future, is in them.
    pub usergroup_ids: Vec<i64>,
    pub external_id: Option<String>,
    pub member_count: i64,
    /// Custom field values by key: only set fields, and only those you may view.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Send it back as `If-Match` (or `"version"`) to refuse stale writes.
    pub version: i64,
}

/// Custom field values as the API shows them: an object keyed by field key.
pub fn fields_object(
    fields: &[orgdesk_app::core::fields::ShownField],
) -> serde_json::Map<String, serde_json::Value> {
    fields
        .iter()
        .map(|field| (field.key.to_string(), field.json()))
        .collect()
}

impl From<Organization> for OrganizationResponse {
    fn from(org: Organization) -> Self {
        OrganizationResponse {
            id: org.id.0,
            name: org.name,
            summary: org.summary,
            parent_id: org.parent_id.map(|p| p.0),
            domains: org.domains,
            usergroup_ids: org.usergroup_ids,
            contacts: org
                .contacts
                .into_iter()
                .map(|c| ContactBody {
                    kind: c.kind.as_str().to_owned(),
                    label: c.label,
                    value: c.value,
                })
                .collect(),
            external_id: org.external_id,
            member_count: org.member_count,
            fields: fields_object(&org.fields),
            created_at: timestamp(org.created_at),
            updated_at: timestamp(org.updated_at),
            version: org.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationRefBody {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organization_id: Option<i64>,
    pub organization: Option<OrganizationRefBody>,
    pub position: Option<String>,
    pub manager: bool,
    /// The user's key in the system they came from.
    pub external_id: Option<String>,
    pub auto_cc_organization_tickets: bool,
    /// Whether mail about the user's tickets (acknowledgements, agents' replies) and
    /// agents' messages to their organization reach them.
    pub notifications: bool,
    /// Switched off by an admin: cannot sign in to the portal; data stays.
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        UserResponse {
            id: user.id.0,
            name: user.name,
            email: user.email,
            organization_id: user.organization.as_ref().map(|o| o.id.0),
            organization: user.organization.map(|o| OrganizationRefBody {
                id: o.id.0,
                name: o.name,
            }),
            position: user.position,
            manager: user.manager,
            external_id: user.external_id,
            auto_cc_organization_tickets: user.auto_cc_organization_tickets,
            notifications: user.notifications,
            disabled: user.disabled,
            created_at: timestamp(user.created_at),
            updated_at: timestamp(user.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentResponse {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub admin: bool,
    /// Switched off by an admin: cannot sign in, tokens refused; data stays.
    pub disabled: bool,
    pub created_at: String,
}

impl From<Agent> for AgentResponse {
    fn from(agent: Agent) -> Self {
        AgentResponse {
            id: agent.id.0,
            name: agent.name,
            email: agent.email,
            admin: agent.admin,
            disabled: agent.disabled,
            created_at: timestamp(agent.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorBody {
    /// `agent`, `user` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeBody {
    pub field: String,
    /// Any JSON value: a string, number, boolean, object, or null when there was none.
    pub old: serde_json::Value,
    /// Any JSON value, as `old`.
    pub new: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserRefBody {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    pub id: i64,
    pub at: String,
    pub actor: ActorBody,
    /// `created`, `updated`, `deleted`, `member_added`, `member_removed`, `member_updated`,
    /// `domain_added`, `domain_removed`, `child_added`, `child_removed`, `parent_deleted`.
    pub action: String,
    /// The user the event concerns (membership events, members' actions).
    pub user: Option<UserRefBody>,
    pub changes: Vec<ChangeBody>,
}

impl From<&Actor> for ActorBody {
    fn from(actor: &Actor) -> Self {
        ActorBody {
            kind: actor.kind().to_owned(),
            id: actor.id(),
            name: actor.name().to_owned(),
        }
    }
}

impl From<Change> for ChangeBody {
    fn from(change: Change) -> Self {
        ChangeBody {
            field: change.field,
            old: change.old,
            new: change.new,
        }
    }
}

impl From<OrganizationEvent> for EventResponse {
    fn from(event: OrganizationEvent) -> Self {
        EventResponse {
            id: event.id,
            at: timestamp(event.at),
            actor: (&event.actor).into(),
            action: event.action,
            user: event.user.map(|u| UserRefBody {
                id: u.id.0,
                name: u.name,
            }),
            changes: event.changes.into_iter().map(Into::into).collect(),
        }
    }
}

/// Something that happened to a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserEventResponse {
    pub id: i64,
    pub at: String,
    pub actor: ActorBody,
    /// `created`, `updated` (organization, position, manager, name, email, password,
    /// disabled, auto-CC), `usergroup_member_added`, `usergroup_member_removed`.
    pub action: String,
    pub changes: Vec<ChangeBody>,
}

impl From<UserEvent> for UserEventResponse {
    fn from(event: UserEvent) -> Self {
        UserEventResponse {
            id: event.id,
            at: timestamp(event.at),
            actor: (&event.actor).into(),
            action: event.action,
            changes: event.changes.into_iter().map(Into::into).collect(),
        }
    }
}

macro_rules! list_type {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
            /// Pass as `?cursor=` for the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl<T: Into<$item>> From<Page<T>> for $name {
            fn from(page: Page<T>) -> Self {
                $name {
                    data: page.items.into_iter().map(Into::into).collect(),
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}

list_type!(OrganizationList, OrganizationResponse);
list_type!(UserList, UserResponse);
list_type!(AgentList, AgentResponse);
list_type!(EventList, EventResponse);
list_type!(UserEventList, UserEventResponse);

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_always_have_three_fraction_digits() {
        assert_eq!(timestamp(1_795_547_644_960), "2026-11-24T19:14:04.960Z");
        assert_eq!(timestamp(1_795_547_644_000), "2026-11-24T19:14:04.000Z");
        assert_eq!(timestamp(1_795_547_644_007), "2026-11-24T19:14:04.007Z");
    }
}
