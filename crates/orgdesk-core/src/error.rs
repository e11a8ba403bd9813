//! Errors that the rules and use cases report, each with a stable machine-readable code
//! that the API returns unchanged.

use thiserror::Error;

/// What kind of record a `NotFound` speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Organization,
    User,
    Agent,
    Domain,
    Membership,
    /// A child organization under a given parent.
    Child,
    /// An address of the API itself.
    Route,
    Usergroup,
    Ticket,
    /// A custom organization field's definition.
    Field,
    Entitlement,
    Note,
    /// A file attached to a note.
    Attachment,
    /// Time logged on a ticket.
    TimeEntry,
    /// An amount charged on a ticket.
    Charge,
    /// A bulk import.
    Import,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Organization => "organization",
            Entity::User => "user",
            Entity::Agent => "agent",
            Entity::Domain => "email domain",
            Entity::Membership => "membership",
            Entity::Child => "child organization",
            Entity::Route => "route",
            Entity::Usergroup => "usergroup",
            Entity::Ticket => "ticket",
            Entity::Field => "organization field",
            Entity::Entitlement => "entitlement",
            Entity::Note => "note",
            Entity::Attachment => "attachment",
            Entity::TimeEntry => "time entry",
            Entity::Charge => "charge",
            Entity::Import => "import",
        }
    }
}

#[derive(Debug, Error)]
pub enum Error {
    /// A value broke a rule; `field` names the input that did.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },

    #[error("{} {id} does not exist", entity.as_str())]
    NotFound { entity: Entity, id: String },

    #[error("an organization named \"{name}\" already exists")]
    NameTaken { name: String },

    #[error("a usergroup named \"{name}\" already exists")]
    UsergroupNameTaken { name: String },

    /// A user's membership of a usergroup comes through their organization, so it
    /// cannot be removed from the user alone.
    #[error(
        "{user} is in usergroup \"{usergroup}\" through the organization \"{organization}\"; unlink the organization from the usergroup, or move the user out of it"
    )]
    MembershipFromOrganization {
        user: String,
        usergroup: String,
        organization: String,
    },

    #[error("the email domain {domain} already belongs to organization \"{organization}\"")]
    DomainTaken {
        domain: String,
        organization: String,
    },

    #[error("{} with the email {email} already exists", with_article(account))]
    EmailTaken {
        account: &'static str,
        email: String,
    },

    /// `account` is what holds it: "organization" or "user".
    #[error("the external_id \"{external_id}\" is already used by another {account}")]
    ExternalIdTaken {
        account: &'static str,
        external_id: String,
    },

    /// Setting the parent would make an organization its own ancestor. `path` runs from
    /// the organization being moved down to the proposed parent.
    #[error("{} cannot be placed under {}: that would make a cycle ({})", path.first().map(String::as_str).unwrap_or("?"), path.last().map(String::as_str).unwrap_or("?"), cycle_path(path))]
    HierarchyCycle { path: Vec<String> },

    /// The move or creation would nest organizations deeper than the hierarchy allows
    /// (or the stored chain above the parent never ends).
    #[error("organizations nest at most {max} levels deep; this would go deeper")]
    HierarchyTooDeep { max: usize },

    #[error(
        "the record changed since you read it (your version {expected}, current version {current}); reload and try again"
    )]
    VersionConflict { expected: i64, current: i64 },

    /// A closed ticket is final: no messages, no changes; a follow-up is a new ticket.
    #[error("ticket {id} is closed, and closed is final; open a new ticket to follow up")]
    TicketClosed { id: i64 },

    /// Field keys are unique, retired fields' included.
    #[error("a field with the key \"{key}\" already exists{}", if *retired { " (retired; restore it instead)" } else { "" })]
    FieldKeyTaken { key: String, retired: bool },

    /// A choice that organizations hold cannot simply vanish from a field.
    #[error("{count} organization{} hold{} \"{choice}\" in {field}; move it to retired_choices to stop offering it, or change those organizations first", if *count == 1 { "" } else { "s" }, if *count == 1 { "s" } else { "" })]
    ChoiceInUse {
        field: String,
        choice: String,
        count: i64,
    },

    /// The reader may not change this custom field (named as `fields.KEY`).
    #[error("you may not edit {field}")]
    FieldNotEditable { field: String },

    /// An upload (one file, or the whole request) is larger than the install allows.
    /// `field` names the input (`files`), `what` the file or request.
    #[error("{what} is larger than the upload limit of {}", byte_size(*limit_bytes))]
    PayloadTooLarge {
        field: String,
        what: String,
        limit_bytes: u64,
    },

    #[error("{0}")]
    Unauthenticated(String),

    /// The token was valid but has not been used for longer than its lifetime.
    #[error("the token has expired; sign in again")]
    TokenExpired,

    /// An admin switched the account off: it cannot sign in and its tokens are refused.
    #[error("this {account} account is disabled; ask an admin to enable it")]
    AccountDisabled { account: &'static str },

    /// The change would leave the helpdesk without an enabled admin.
    #[error("{name} is the last enabled admin; make another agent an admin first")]
    LastAdmin { name: String },

    /// Too many sign-in (or registration) attempts in a short time.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },

    #[error("{0}")]
    Forbidden(String),

    /// Storage or other infrastructure failed; logged with its causes, never shown.
    #[error("internal error: {0}")]
    Internal(#[source] Internal),
}

/// "an agent", "a user": the indefinite article for a word in a message. (The words
/// this is used for that start with a "u" sound like "you", so "u" takes "a".)
fn with_article(word: &str) -> String {
    let article = if word.starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

/// A size as people read it: whole MiB or KiB when exact, else bytes.
pub fn byte_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// A failure the caller can do nothing about: what was being done, and the error that
/// caused it (kept whole, so the log shows the full chain of causes).
#[derive(Debug, Error)]
#[error("{context}")]
pub struct Internal {
    context: String,
    #[source]
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Internal {
    /// A failure of our own making, with no underlying error.
    pub fn new(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            cause: None,
        }
    }

    /// What was being done when `cause` failed.
    pub fn caused_by(
        context: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            context: context.into(),
            cause: Some(Box::new(cause)),
        }
    }

    /// This failure and each cause below it, outermost first, joined by ": ".
    pub fn chain(&self) -> String {
        let mut text = self.context.clone();
        let mut next = std::error::Error::source(self);
        while let Some(cause) = next {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            next = cause.source();
        }
        text
    }
}

impl Error {
    /// An internal failure of our own making (an invariant broken), with no cause.
    pub fn internal(context: impl Into<String>) -> Self {
        Error::Internal(Internal::new(context))
    }

    /// An internal failure caused by `cause` while doing `context`.
    pub fn internal_from(
        context: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Internal(Internal::caused_by(context, cause))
    }
}

fn cycle_path(path: &[String]) -> String {
    let mut parts: Vec<&str> = path.iter().map(String::as_str).collect();
    if let Some(first) = path.first() {
        parts.push(first);
    }
    parts.join(" → ")
}

impl Error {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation { .. } => "validation_failed",
            Error::NotFound { .. } => "not_found",
            Error::NameTaken { .. } | Error::UsergroupNameTaken { .. } => "name_taken",
            Error::MembershipFromOrganization { .. } => "membership_from_organization",
            Error::DomainTaken { .. } => "domain_taken",
            Error::EmailTaken { .. } => "email_taken",
            Error::ExternalIdTaken { .. } => "external_id_taken",
            Error::HierarchyCycle { .. } => "hierarchy_cycle",
            Error::HierarchyTooDeep { .. } => "hierarchy_too_deep",
            Error::VersionConflict { .. } => "version_conflict",
            Error::TicketClosed { .. } => "ticket_closed",
            Error::FieldKeyTaken { .. } => "field_key_taken",
            Error::ChoiceInUse { .. } => "choice_in_use",
            Error::FieldNotEditable { .. } => "field_not_editable",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::Unauthenticated(_) => "unauthenticated",
            Error::TokenExpired => "token_expired",
            Error::AccountDisabled { .. } => "account_disabled",
            Error::LastAdmin { .. } => "last_admin",
            Error::TooManyAttempts { .. } => "too_many_requests",
            Error::Forbidden(_) => "forbidden",
            Error::Internal(_) => "internal_error",
        }
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: Entity, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Refuses a change made against a version that is no longer the record's (`None`: the
/// caller sent no version, so nothing to check).
pub fn check_version(expected: Option<i64>, current: i64) -> Result<()> {
    match expected {
        Some(expected) if expected != current => Err(Error::VersionConflict { expected, current }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_emails_read_as_english_for_every_kind_of_account() {
        let agent = Error::EmailTaken {
            account: "agent",
            email: "ada@example.com".into(),
        };
        assert_eq!(
            agent.to_string(),
            "an agent with the email ada@example.com already exists"
        );
        let user = Error::EmailTaken {
            account: "user",
            email: "jo@example.com".into(),
        };
        assert_eq!(
            user.to_string(),
            "a user with the email jo@example.com already exists"
        );
    }

    #[test]
    fn cycle_error_names_the_whole_path_back_to_the_start() {
        let err = Error::HierarchyCycle {
            path: vec!["Acme".into(), "Beta".into(), "Gamma".into()],
        };
        assert_eq!(err.code(), "hierarchy_cycle");
        assert_eq!(
            err.to_string(),
            "Acme cannot be placed under Gamma: that would make a cycle (Acme → Beta → Gamma → Acme)"
        );
    }
}

#[cfg(test)]
mod internal_tests {
    use super::*;

    #[derive(Debug, Error)]
    #[error("connection reset")]
    struct Reset;

    #[derive(Debug, Error)]
    #[error("query failed")]
    struct Query(#[source] Reset);

    #[test]
    fn an_internal_error_keeps_every_cause_in_its_chain() {
        let err = Error::internal_from("storage failed", Query(Reset));
        let Error::Internal(internal) = &err else {
            panic!("not internal: {err:?}")
        };
        assert_eq!(
            internal.chain(),
            "storage failed: query failed: connection reset"
        );
        assert_eq!(err.code(), "internal_error");
    }
}
