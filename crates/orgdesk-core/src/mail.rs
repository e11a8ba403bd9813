//! Outgoing mail rules: what a mail is about, how it is threaded and named, and when a
//! failed one is tried again.

use crate::ids::TicketId;
use std::time::Duration;

/// What a queued mail is about (stored as [`MailKind::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// The acknowledgement of a new ticket, to its requester.
    TicketCreated,
    /// An agent's public reply, to the requester and the CC'd users.
    TicketReply,
    /// An agent's message to every member of an organization.
    OrganizationMessage,
    /// An agent added the person to an organization: a link to set their password.
    Invitation,
    /// The person asked for a new password: a link to set it.
    PasswordReset,
    /// Someone registered in the portal: a link that confirms the address.
    Registration,
    /// Someone registered with an address that has an account: a word to its holder.
    AccountExists,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::TicketCreated => "ticket_created",
            MailKind::TicketReply => "ticket_reply",
            MailKind::OrganizationMessage => "organization_message",
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password_reset",
            MailKind::Registration => "registration",
            MailKind::AccountExists => "account_exists",
        }
    }
}

/// Where a queued mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// Waiting for its first or next attempt.
    Queued,
    Sent,
    /// Given up on: refused for good, or every attempt failed.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> crate::Result<Self> {
        match text {
            "queued" => Ok(MailState::Queued),
            "sent" => Ok(MailState::Sent),
            "failed" => Ok(MailState::Failed),
            other => Err(crate::Error::validation(
                "state",
                format!("must be queued, sent or failed (got \"{other}\")"),
            )),
        }
    }
}

/// A mail as the queue keeps it, for admins to see what went out and what did not.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMail {
    pub id: i64,
    /// [`MailKind::as_str`].
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub message_id: String,
    pub ticket_id: Option<TicketId>,
    pub organization_id: Option<crate::OrganizationId>,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// The `Message-ID` every mail about a ticket refers to (`In-Reply-To`, `References`):
/// mail programs group the ticket's mails into one conversation under it, and a reply
/// that names it leads back to the ticket.
pub fn ticket_thread_id(ticket: TicketId, host: &str) -> String {
    format!("<ticket-{}@{host}>", ticket.0)
}

/// The ticket a `Message-ID` of [`ticket_thread_id`]'s form names, when it was made by
/// this host.
pub fn ticket_of_thread_id(message_id: &str, host: &str) -> Option<TicketId> {
    let inner = message_id.trim().strip_prefix('<')?.strip_suffix('>')?;
    let (local, domain) = inner.rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(host) {
        return None;
    }
    let digits = local.strip_prefix("ticket-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(TicketId)
}

/// The subject of a mail about a ticket: its number in brackets, so that a reply
/// whose headers were lost still names it.
pub fn ticket_mail_subject(ticket: TicketId, subject: &str) -> String {
    format!("[#{}] {subject}", ticket.0)
}

/// Attempts a mail gets before it is given up on.
pub const MAX_ATTEMPTS: i64 = 8;

/// How long after failed attempt number `attempts` (1 for the first) the next one
/// starts: from 30 seconds, growing to 12 hours; `None` once every attempt is used —
/// about a day and a half after the first.
pub fn retry_delay(attempts: i64) -> Option<Duration> {
    const DELAYS_SECONDS: [u64; 7] = [30, 120, 600, 1_800, 7_200, 21_600, 43_200];
    if !(1..MAX_ATTEMPTS).contains(&attempts) {
        return None;
    }
    DELAYS_SECONDS
        .get(usize::try_from(attempts - 1).ok()?)
        .map(|seconds| Duration::from_secs(*seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_thread_id_names_its_ticket_back_only_for_its_own_host() {
        let id = ticket_thread_id(TicketId(42), "help.example.com");
        assert_eq!(id, "<ticket-42@help.example.com>");
        assert_eq!(
            ticket_of_thread_id(&id, "help.example.com"),
            Some(TicketId(42))
        );
        assert_eq!(
            ticket_of_thread_id(" <ticket-42@HELP.example.com> ", "help.example.com"),
            Some(TicketId(42))
        );
        for other in [
            "<ticket-42@elsewhere.example>",
            "<ticket-@help.example.com>",
            "<ticket-4x2@help.example.com>",
            "ticket-42@help.example.com",
            "<note-42@help.example.com>",
        ] {
            assert_eq!(
                ticket_of_thread_id(other, "help.example.com"),
                None,
                "{other}"
            );
        }
    }

    #[test]
    fn retries_grow_and_stop_after_the_last_attempt() {
        let delays: Vec<Option<Duration>> = (1..=MAX_ATTEMPTS).map(retry_delay).collect();
        assert_eq!(delays[0], Some(Duration::from_secs(30)));
        assert!(
            delays[..delays.len() - 1]
                .windows(2)
                .all(|pair| pair[0] < pair[1])
        );
        assert_eq!(delays[delays.len() - 1], None);
        assert_eq!(retry_delay(0), None);
    }

    #[test]
    fn a_ticket_mail_subject_carries_the_ticket_number() {
        assert_eq!(
            ticket_mail_subject(TicketId(7), "Printer on fire"),
            "[#7] Printer on fire"
        );
    }
}
