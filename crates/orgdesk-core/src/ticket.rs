//! Tickets: their statuses, priorities, subjects and message bodies, and who may see
//! one in the portal.

use crate::error::{Error, Result};
use crate::ids::{OrganizationId, UserId};
use crate::text::bounded_text;

pub const SUBJECT_MAX_CHARS: usize = 255;
/// Long enough for a pasted log or a long email; the whole request is capped at 2 MiB.
pub const BODY_MAX_CHARS: usize = 100_000;
/// CCs per ticket: enough for a distribution list, bounded so one ticket stays cheap.
pub const CC_MAX: usize = 50;

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the wire name; the error lists the accepted ones.
            pub fn parse(input: &str) -> Result<Self> {
                match input {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::validation(
                        $field,
                        format!(
                            "must be one of {} (got \"{other}\")",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

word_enum!(
    /// Where a ticket stands. `new` until someone works on it; `closed` is final.
    TicketStatus, "status", {
        New => "new",
        Open => "open",
        Pending => "pending",
        OnHold => "on_hold",
        Solved => "solved",
        Closed => "closed",
    }
);

word_enum!(
    TicketPriority, "priority", {
        Low => "low",
        Normal => "normal",
        High => "high",
        Urgent => "urgent",
    }
);

impl TicketStatus {
    /// The status after the requester or a CC'd user replies from the portal: a ticket
    /// waiting on them or marked solved comes back to the agents.
    pub fn after_customer_reply(self) -> Self {
        match self {
            TicketStatus::Pending | TicketStatus::Solved => TicketStatus::Open,
            other => other,
        }
    }
}

/// A subject: one line, 1–255 characters.
pub fn parse_subject(input: &str) -> Result<String> {
    let subject = bounded_text("subject", input, SUBJECT_MAX_CHARS)?;
    if subject.contains(['\n', '\r']) {
        return Err(Error::validation("subject", "must be a single line"));
    }
    Ok(subject)
}

/// A message body: 1–100,000 characters; line breaks kept.
pub fn parse_body(input: &str) -> Result<String> {
    bounded_text("body", input, BODY_MAX_CHARS)
}

/// The CC list as given: duplicates and the requester dropped (the requester already
/// receives every public reply), at most [`CC_MAX`] users.
pub fn normalize_ccs(requester: UserId, ccs: &[UserId]) -> Result<Vec<UserId>> {
    let mut out: Vec<UserId> = Vec::with_capacity(ccs.len());
    for &cc in ccs {
        if cc != requester && !out.contains(&cc) {
            out.push(cc);
        }
    }
    if out.len() > CC_MAX {
        return Err(Error::validation(
            "cc_ids",
            format!("at most {CC_MAX} users (got {})", out.len()),
        ));
    }
    Ok(out)
}

/// What the portal needs to know about a ticket to decide who sees it.
#[derive(Debug, Clone, Copy)]
pub struct TicketAudience<'a> {
    pub requester: UserId,
    pub organization: Option<OrganizationId>,
    pub ccs: &'a [UserId],
}

/// The portal user asking, as far as visibility goes.
#[derive(Debug, Clone, Copy)]
pub struct PortalViewer {
    pub id: UserId,
    pub organization: Option<OrganizationId>,
    pub manager: bool,
}

impl PortalViewer {
    /// The requester and CC'd users take part in the ticket: they see it and reply.
    pub fn takes_part(&self, ticket: &TicketAudience<'_>) -> bool {
        ticket.requester == self.id || ticket.ccs.contains(&self.id)
    }

    /// Managers also see every ticket of their own organization (the one the ticket
    /// recorded), but not of its parents or subsidiaries.
    pub fn manages(&self, ticket: &TicketAudience<'_>) -> bool {
        self.manager && self.organization.is_some() && self.organization == ticket.organization
    }

    pub fn can_see(&self, ticket: &TicketAudience<'_>) -> bool {
        self.takes_part(ticket) || self.manages(ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip_and_unknown_names_list_the_accepted_ones() {
        for status in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(status.as_str()).unwrap(), *status);
        }
        let err = TicketStatus::parse("done").unwrap_err();
        assert_eq!(
            err.to_string(),
            "status: must be one of new, open, pending, on_hold, solved, closed (got \"done\")"
        );
        assert!(TicketPriority::parse("urgent").is_ok());
        assert!(TicketPriority::parse("URGENT").is_err());
    }

    #[test]
    fn customer_reply_reopens_pending_and_solved_only() {
        assert_eq!(
            TicketStatus::Pending.after_customer_reply(),
            TicketStatus::Open
        );
        assert_eq!(
            TicketStatus::Solved.after_customer_reply(),
            TicketStatus::Open
        );
        assert_eq!(TicketStatus::New.after_customer_reply(), TicketStatus::New);
        assert_eq!(
            TicketStatus::OnHold.after_customer_reply(),
            TicketStatus::OnHold
        );
    }

    #[test]
    fn subject_is_one_non_blank_line_and_body_may_span_lines() {
        assert_eq!(
            parse_subject("  Printer jammed ").unwrap(),
            "Printer jammed"
        );
        assert!(parse_subject("   ").is_err());
        assert!(parse_subject("two\nlines").is_err());
        assert!(parse_subject(&"x".repeat(256)).is_err());
        assert_eq!(
            parse_body("line one\nline two").unwrap(),
            "line one\nline two"
        );
        assert!(parse_body("").is_err());
    }

    #[test]
    fn cc_list_drops_duplicates_and_the_requester() {
        let ccs = normalize_ccs(UserId(1), &[UserId(2), UserId(1), UserId(2), UserId(3)]).unwrap();
        assert_eq!(ccs, vec![UserId(2), UserId(3)]);
        let many: Vec<UserId> = (10..10 + CC_MAX as i64 + 1).map(UserId).collect();
        assert_eq!(
            normalize_ccs(UserId(1), &many).unwrap_err().code(),
            "validation_failed"
        );
    }

    #[test]
    fn portal_visibility_follows_requester_ccs_and_managers_of_the_recorded_organization() {
        let acme = Some(OrganizationId(1));
        let ccs = [UserId(3)];
        let ticket = TicketAudience {
            requester: UserId(2),
            organization: acme,
            ccs: &ccs,
        };
        let viewer = |id, organization, manager| PortalViewer {
            id: UserId(id),
            organization,
            manager,
        };
        assert!(viewer(2, acme, false).can_see(&ticket), "requester");
        assert!(
            viewer(3, None, false).can_see(&ticket),
            "CC'd, even elsewhere"
        );
        assert!(!viewer(4, acme, false).can_see(&ticket), "colleague");
        assert!(viewer(5, acme, true).can_see(&ticket), "manager");
        assert!(
            !viewer(5, acme, true).takes_part(&ticket),
            "manager only watches"
        );
        let other = Some(OrganizationId(9));
        assert!(!viewer(6, other, true).can_see(&ticket), "other manager");
        let unaffiliated = TicketAudience {
            requester: UserId(2),
            organization: None,
            ccs: &[],
        };
        assert!(
            !viewer(7, None, true).can_see(&unaffiliated),
            "no organization, no manager view"
        );
    }
}
