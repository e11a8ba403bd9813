//! The records orgdesk keeps, as plain data. Storage fills them; use cases and adapters
//! read them. Timestamps are milliseconds since the Unix epoch, UTC.

use crate::contact::Contact;
use crate::ids::{AgentId, OrganizationId, TicketId, UserId};
use crate::ticket::{TicketPriority, TicketStatus};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub summary: Option<String>,
    pub parent_id: Option<OrganizationId>,
    pub contacts: Vec<Contact>,
    pub domains: Vec<String>,
    /// Usergroups linked to the organization: every member is in them.
    pub usergroup_ids: Vec<i64>,
    pub external_id: Option<String>,
    pub member_count: i64,
    /// The custom field values the reader may see, in the fields' order (filled by the
    /// use case that knows the reader; empty as storage returns it).
    pub fields: Vec<crate::fields::ShownField>,
    /// Whether the organization holds any custom field value at all (storage reads it
    /// with the organization, so showing fields costs nothing when there are none).
    pub holds_field_values: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// An organization named by id and name, as shown beside other records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRef {
    pub id: OrganizationId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub organization: Option<OrganizationRef>,
    pub position: Option<String>,
    pub manager: bool,
    /// The user's key in the system they came from (imports match on it).
    pub external_id: Option<String>,
    pub auto_cc_organization_tickets: bool,
    /// Whether mail about their tickets reaches them (their own choice, in the portal).
    pub notifications: bool,
    /// Switched off by an admin: cannot sign in, tokens refused; data stays.
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub admin: bool,
    /// Switched off by an admin: cannot sign in, tokens refused; data stays.
    pub disabled: bool,
    pub created_at: i64,
}

/// Who did something: recorded with every change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Agent {
        id: AgentId,
        name: String,
    },
    User {
        id: UserId,
        name: String,
    },
    /// The system itself (a rule, an import, the domain association); `name` says which.
    System {
        name: String,
    },
}

impl User {
    /// This user as the author of a change.
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

impl Agent {
    /// Whether this agent may change or remove what `author` wrote (a note, a time
    /// entry, a charge): their own work, or anyone's as an admin.
    pub fn may_change_work_of(&self, author: AgentId) -> bool {
        self.admin || self.id == author
    }

    /// This agent as the author of a change.
    pub fn actor(&self) -> Actor {
        Actor::Agent {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Agent { .. } => "agent",
            Actor::User { .. } => "user",
            Actor::System { .. } => "system",
        }
    }
    pub fn id(&self) -> Option<i64> {
        match self {
            Actor::Agent { id, .. } => Some(id.0),
            Actor::User { id, .. } => Some(id.0),
            Actor::System { .. } => None,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Actor::Agent { name, .. } | Actor::User { name, .. } | Actor::System { name } => name,
        }
    }
    /// Rebuilds an actor from its stored kind, id and name; anything unrecognised is
    /// the system.
    pub fn stored(kind: &str, id: Option<i64>, name: String) -> Self {
        match (kind, id) {
            ("agent", Some(id)) => Actor::Agent {
                id: AgentId(id),
                name,
            },
            ("user", Some(id)) => Actor::User {
                id: UserId(id),
                name,
            },
            _ => Actor::System { name },
        }
    }
}

/// One field that changed: its old and new value as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

impl Change {
    pub fn new(
        field: &str,
        old: impl Into<serde_json::Value>,
        new: impl Into<serde_json::Value>,
    ) -> Self {
        Self {
            field: field.to_owned(),
            old: old.into(),
            new: new.into(),
        }
    }
}

/// What an organization event records. Every event is written through this enum, so
/// the stored names (`as_str`) are spelled in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Created,
    Updated,
    Deleted,
    MemberAdded,
    MemberRemoved,
    /// A member's position or manager flag changed.
    MemberUpdated,
    ChildAdded,
    ChildRemoved,
    /// The parent was deleted and this organization became top-level.
    ParentDeleted,
    DomainAdded,
    DomainRemoved,
    UsergroupLinked,
    UsergroupUnlinked,
    /// A member joined a usergroup directly (activity only).
    UsergroupMemberAdded,
    /// A member left a usergroup directly (activity only).
    UsergroupMemberRemoved,
    /// A member opened a ticket (activity only).
    TicketCreated,
    EntitlementAdded,
    EntitlementChanged,
    EntitlementRemoved,
    NoteAdded,
    NoteChanged,
    NoteRemoved,
    /// Time was logged on one of the organization's tickets (activity only).
    TimeLogged,
    TimeChanged,
    TimeRemoved,
    /// An amount was charged on one of the organization's tickets (activity only).
    ChargeAdded,
    ChargeChanged,
    ChargeRemoved,
    /// An agent wrote to the organization's members (activity only).
    MessageSent,
}

impl Action {
    pub const ALL: [Action; 29] = [
        Action::Created,
        Action::Updated,
        Action::Deleted,
        Action::MemberAdded,
        Action::MemberRemoved,
        Action::MemberUpdated,
        Action::ChildAdded,
        Action::ChildRemoved,
        Action::ParentDeleted,
        Action::DomainAdded,
        Action::DomainRemoved,
        Action::UsergroupLinked,
        Action::UsergroupUnlinked,
        Action::UsergroupMemberAdded,
        Action::UsergroupMemberRemoved,
        Action::TicketCreated,
        Action::EntitlementAdded,
        Action::EntitlementChanged,
        Action::EntitlementRemoved,
        Action::NoteAdded,
        Action::NoteChanged,
        Action::NoteRemoved,
        Action::TimeLogged,
        Action::TimeChanged,
        Action::TimeRemoved,
        Action::ChargeAdded,
        Action::ChargeChanged,
        Action::ChargeRemoved,
        Action::MessageSent,
    ];

    /// The name stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
            Action::MemberAdded => "member_added",
            Action::MemberRemoved => "member_removed",
            Action::MemberUpdated => "member_updated",
            Action::ChildAdded => "child_added",
            Action::ChildRemoved => "child_removed",
            Action::ParentDeleted => "parent_deleted",
            Action::DomainAdded => "domain_added",
            Action::DomainRemoved => "domain_removed",
            Action::UsergroupLinked => "usergroup_linked",
            Action::UsergroupUnlinked => "usergroup_unlinked",
            Action::UsergroupMemberAdded => "usergroup_member_added",
            Action::UsergroupMemberRemoved => "usergroup_member_removed",
            Action::TicketCreated => "ticket_created",
            Action::EntitlementAdded => "entitlement_added",
            Action::EntitlementChanged => "entitlement_changed",
            Action::EntitlementRemoved => "entitlement_removed",
            Action::NoteAdded => "note_added",
            Action::NoteChanged => "note_changed",
            Action::NoteRemoved => "note_removed",
            Action::TimeLogged => "time_logged",
            Action::TimeChanged => "time_changed",
            Action::TimeRemoved => "time_removed",
            Action::ChargeAdded => "charge_added",
            Action::ChargeChanged => "charge_changed",
            Action::ChargeRemoved => "charge_removed",
            Action::MessageSent => "message_sent",
        }
    }

    /// Whether the event changes the organization (its history), or only happened
    /// around it, to a member or on a ticket (its activity).
    pub fn changes_the_organization(self) -> bool {
        !matches!(
            self,
            Action::UsergroupMemberAdded
                | Action::UsergroupMemberRemoved
                | Action::TicketCreated
                | Action::TimeLogged
                | Action::TimeChanged
                | Action::TimeRemoved
                | Action::ChargeAdded
                | Action::ChargeChanged
                | Action::ChargeRemoved
                | Action::MessageSent
        )
    }
}

/// Something that happened to or around an organization.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationEvent {
    pub id: i64,
    pub organization_id: OrganizationId,
    pub at: i64,
    pub actor: Actor,
    /// What happened, e.g. `created`, `updated`, `member_added`, `domain_added`.
    pub action: String,
    /// The user the event is about, for membership events and members' own actions.
    pub user: Option<UserRef>,
    pub changes: Vec<Change>,
}

/// Something that happened to a user: joining, leaving or changing place in an
/// organization, direct usergroup membership, being disabled.
#[derive(Debug, Clone, PartialEq)]
pub struct UserEvent {
    pub id: i64,
    pub user_id: UserId,
    pub at: i64,
    pub actor: Actor,
    /// `created`, `updated`, `usergroup_member_added`, `usergroup_member_removed`.
    pub action: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub id: UserId,
    pub name: String,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque position after the last item, when more may follow.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usergroup {
    pub id: i64,
    pub name: String,
    pub permissions: Vec<String>,
    pub created_at: i64,
}

/// Why someone is in a usergroup: directly, through their organization, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipSources {
    pub direct: bool,
    pub via_organization: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: TicketId,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub requester: UserRef,
    /// The requester's organization when the ticket was created (agents may change it).
    pub organization: Option<OrganizationRef>,
    pub cc_ids: Vec<UserId>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<AgentId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// A reply (seen by the requester and CC'd users) or an internal note (agents only).
#[derive(Debug, Clone, PartialEq)]
pub struct TicketMessage {
    pub id: i64,
    pub ticket_id: TicketId,
    /// An agent or a user, with their name when they wrote it.
    pub author: Actor,
    pub body: String,
    pub internal: bool,
    pub created_at: i64,
}

#[cfg(test)]
mod action_tests {
    use super::Action;
    use std::collections::HashSet;

    #[test]
    fn every_action_has_its_own_stored_name() {
        let names: HashSet<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), Action::ALL.len());
    }

    #[test]
    fn members_doings_ticket_billing_and_mail_stay_out_of_the_history() {
        let activity_only: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| !a.changes_the_organization())
            .map(|a| a.as_str())
            .collect();
        assert_eq!(
            activity_only,
            [
                "usergroup_member_added",
                "usergroup_member_removed",
                "ticket_created",
                "time_logged",
                "time_changed",
                "time_removed",
                "charge_added",
                "charge_changed",
                "charge_removed",
                "message_sent",
            ]
        );
    }
}
