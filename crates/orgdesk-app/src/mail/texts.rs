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
