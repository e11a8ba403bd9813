//! The words of the mails orgdesk sends: plain text, one function a kind.

use orgdesk_core::model::{Actor, Ticket};

/// The acknowledgement of a new ticket: its number and what the requester wrote.
pub(super) fn ticket_created(ticket: &Ticket, body: &str, link: Option<String>) -> String {
    let mut text = format!(
        "We have received your request and will answer it soon. Its number is #{}.\n",
        ticket.id.0
    );
    if let Some(link) = link {
        text.push_str(&format!("You can follow it here: {link}\n"));
    }
    text.push_str("\nYou wrote:\n\n");
    text.push_str(&quoted(body));
    text
}

/// An agent's reply, signed with the agent's name.
pub(super) fn ticket_reply(author: &Actor, body: &str, link: Option<String>) -> String {
    let mut text = body.trim_end().to_owned();
    text.push_str("\n\n-- \n");
    text.push_str(author.name());
    text.push('\n');
    if let Some(link) = link {
        text.push_str(&format!("The whole conversation: {link}\n"));
    }
    text
}

/// An invitation into an organization: who invited, and the link to set a password.
pub(crate) fn invitation(inviter: &Actor, organization: &str, link: &str) -> String {
    format!(
        "{} added you to {organization} in our Help Center, where you can open requests \
         and follow them.\n\nSet your password here to sign in:\n{link}\n\n\
         The link works once, for 7 days. If you did not expect this mail, you can ignore it.\n",
        inviter.name()
    )
}

/// A password reset: the link, and what to do when it was not asked for.
pub(crate) fn password_reset(link: &str) -> String {
    format!(
        "Someone asked to set a new password for your Help Center account.\n\n\
         Set it here:\n{link}\n\n\
         The link works once, for an hour. If it was not you, ignore this mail: your \
         password stays as it is.\n"
    )
}

/// A registration's confirmation: the link, and what to do when it was not asked for.
pub(crate) fn registration(link: &str) -> String {
    format!(
        "Someone, we hope you, created a Help Center account with this address.\n\n\
         Confirm it here to start using the account:\n{link}\n\n\
         The link works once, for 24 hours. If it was not you, ignore this mail: no \
         account is made.\n"
    )
}

/// A registration with an address that has an account: tell its holder, not the one
/// registering.
pub(crate) fn account_exists(reset_link: &str) -> String {
    format!(
        "Someone, perhaps you, tried to create a Help Center account with this address, \
         which already has one.\n\nSign in with your password, or set a new one here:\n\
         {reset_link}\n\nIf it was not you, ignore this mail: nothing changed.\n"
    )
}

/// `text` with each line marked as quoted.
fn quoted(text: &str) -> String {
    text.lines().map(|line| format!("> {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_marks_every_line() {
        assert_eq!(quoted("one\n\ntwo"), "> one\n> \n> two\n");
    }
}
