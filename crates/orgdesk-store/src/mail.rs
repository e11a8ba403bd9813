//! Outgoing mail as rows: queued in the transaction of the change that caused it,
//! claimed by a sending worker for a while (so two workers never send one mail), then
//! marked sent, or given another attempt later, or given up on.

use crate::error::StoreError;
use crate::sql;
use orgdesk_core::mail::OutgoingMail;
use orgdesk_core::{OrganizationId, TicketId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

/// Who a mail goes to: users, chosen in SQL, who are enabled and, but for mail about
/// their account itself, have notifications on.
#[derive(Debug, Clone, Copy)]
pub enum Recipients {
    /// Every member of the organization.
    Members(OrganizationId),
    /// The ticket's requester.
    Requester(TicketId),
    /// The ticket's requester and CC'd users.
    Participants(TicketId),
    /// The holder of an account, about the account itself (an invitation, a password
    /// reset): sent whatever their notification setting.
    Account(UserId),
}

impl Recipients {
    /// The condition on `users u`, with the one value it takes as `$8`.
    fn condition(self) -> (&'static str, i64) {
        match self {
            Recipients::Members(organization) => ("u.organization_id = $8", organization.0),
            Recipients::Requester(ticket) => (
                "u.id = (SELECT requester_id FROM tickets WHERE id = $8)",
                ticket.0,
            ),
            Recipients::Participants(ticket) => (
                "(u.id = (SELECT requester_id FROM tickets WHERE id = $8) \
                 OR u.id IN (SELECT user_id FROM ticket_ccs WHERE ticket_id = $8))",
                ticket.0,
            ),
            Recipients::Account(user) => ("u.id = $8", user.0),
        }
    }

    /// Whether the recipients' own choice to get no mail applies.
    fn respects_notifications(self) -> bool {
        !matches!(self, Recipients::Account(_))
    }
}

/// One mail, the same for every recipient but for its `Message-ID`:
/// `message_id_prefix`, the recipient's user id, then `message_id_suffix`.
pub struct MailTemplate<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub message_id_prefix: &'a str,
    pub message_id_suffix: &'a str,
    pub thread_id: Option<&'a str>,
    pub ticket_id: Option<TicketId>,
    pub organization_id: Option<OrganizationId>,
    pub at: i64,
}

/// The columns a queued mail is written with, in the order both inserts give them.
const INSERT: &str = "INSERT INTO outgoing_mail (kind, recipient, recipient_name, subject, body, message_id, \
     thread_id, ticket_id, organization_id, state, attempts, next_attempt_at, created_at)";

/// Queues one mail per recipient, due at once, in one statement. Returns how many.
pub async fn insert_for<C: ConnectionTrait>(
    conn: &C,
    recipients: Recipients,
    mail: &MailTemplate<'_>,
) -> Result<u64, StoreError> {
    let (condition, value) = recipients.condition();
    let notifications = if recipients.respects_notifications() {
        " AND u.notifications"
    } else {
        ""
    };
    sql::execute(
        conn,
        &format!(
            "{INSERT} SELECT $1, u.email, u.name, $2, $3, $4 || CAST(u.id AS TEXT) || $5, $6, $7, $9, 'queued', 0, $10, $10 \
             FROM users u WHERE {condition} AND u.disabled_at IS NULL{notifications}"
        ),
        vec![
            mail.kind.into(),
            mail.subject.into(),
            mail.body.into(),
            mail.message_id_prefix.into(),
            mail.message_id_suffix.into(),
            mail.thread_id.map(str::to_owned).into(),
            mail.ticket_id.map(|t| t.0).into(),
            value.into(),
            mail.organization_id.map(|o| o.0).into(),
            mail.at.into(),
        ],
    )
    .await
}

/// A queued mail as a worker sends it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MailRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub thread_id: Option<String>,
    pub ticket_id: Option<i64>,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

const COLUMNS: &str = "id, kind, recipient, recipient_name, subject, body, message_id, thread_id, ticket_id, attempts";

/// Queues one mail to an address that is nobody's account yet (the confirmation of a
/// registration); its `Message-ID` is the template's prefix and suffix.
pub async fn insert_to_address<C: ConnectionTrait>(
    conn: &C,
    recipient: &str,
    recipient_name: &str,
    mail: &MailTemplate<'_>,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        &format!("{INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $10)"),
        vec![
            mail.kind.into(),
            recipient.into(),
            recipient_name.into(),
            mail.subject.into(),
            mail.body.into(),
            format!("{}{}", mail.message_id_prefix, mail.message_id_suffix).into(),
            mail.thread_id.map(str::to_owned).into(),
            mail.ticket_id.map(|t| t.0).into(),
            mail.organization_id.map(|o| o.0).into(),
            mail.at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Claims up to `limit` due mails, oldest first, until `claimed_until`: no other
/// worker takes them before then (should this one stop halfway, they are due again
/// then). Counts the attempt. The outer conditions repeat the inner ones so that, on
/// PostgreSQL, a row another worker claimed meanwhile is left out.
pub async fn claim_due<C: ConnectionTrait>(
    conn: &C,
    now: i64,
    claimed_until: i64,
    limit: u64,
) -> Result<Vec<MailRow>, StoreError> {
    sql::all(
        conn,
        &format!(
            "UPDATE outgoing_mail SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outgoing_mail WHERE state = 'queued' AND next_attempt_at <= $2 \
                 AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY next_attempt_at, id LIMIT $3) \
             AND state = 'queued' AND (claimed_until IS NULL OR claimed_until <= $2) \
             RETURNING {COLUMNS}"
        ),
        vec![claimed_until.into(), now.into(), (limit as i64).into()],
    )
    .await
}

/// Lets go of mails this worker claimed but did not try (it is stopping): they are
/// due again at once, for the next worker.
pub async fn release<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> Result<(), StoreError> {
    for chunk in ids.chunks(sql::IN_CHUNK) {
        sql::execute(
            conn,
            &format!(
                "UPDATE outgoing_mail SET claimed_until = NULL, attempts = attempts - 1 WHERE state = 'queued' AND id IN ({})",
                sql::placeholders(1, chunk.len())
            ),
            chunk.iter().map(|id| Value::from(*id)).collect(),
        )
        .await?;
    }
    Ok(())
}

/// A mail's body once it is sent or given up on: the body of mail about an account
/// held a link that signs in, which the database should not keep for anyone who reads it.
const SPENT_BODY: &str = "CASE WHEN kind IN ('invitation', 'password_reset', 'registration') \
     THEN '(removed once sent: it held a link that opens the account)' ELSE body END";

/// The mail went out.
pub async fn mark_sent<C: ConnectionTrait>(conn: &C, id: i64, at: i64) -> Result<(), StoreError> {
    sql::execute(
        conn,
        &format!("UPDATE outgoing_mail SET state = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL, body = {SPENT_BODY} WHERE id = $2"),
        vec![at.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// The attempt failed with `error`: try again at `retry_at`, or, with none, give up.
pub async fn mark_failed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), StoreError> {
    match retry_at {
        Some(at) => {
            sql::execute(
                conn,
                "UPDATE outgoing_mail SET next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3",
                vec![at.into(), error.into(), id.into()],
            )
            .await?
        }
        None => {
            sql::execute(
                conn,
                &format!("UPDATE outgoing_mail SET state = 'failed', claimed_until = NULL, last_error = $1, body = {SPENT_BODY} WHERE id = $2"),
                vec![error.into(), id.into()],
            )
            .await?
        }
    };
    Ok(())
}

/// Makes every queued mail that no worker holds due now: at start, when what stopped
/// the earlier attempts (a mail server down, a wrong setting) may be fixed. Mail a
/// worker holds stays with it until its claim runs out.
pub async fn retry_unclaimed_now<C: ConnectionTrait>(
    conn: &C,
    now: i64,
) -> Result<u64, StoreError> {
    sql::execute(
        conn,
        "UPDATE outgoing_mail SET next_attempt_at = $1 WHERE state = 'queued' AND claimed_until IS NULL AND next_attempt_at > $1",
        vec![now.into()],
    )
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
struct StatusRow {
    id: i64,
    kind: String,
    recipient: String,
    subject: String,
    message_id: String,
    ticket_id: Option<i64>,
    organization_id: Option<i64>,
    state: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

impl From<StatusRow> for OutgoingMail {
    fn from(row: StatusRow) -> Self {
        OutgoingMail {
            id: row.id,
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            message_id: row.message_id,
            ticket_id: row.ticket_id.map(TicketId),
            organization_id: row.organization_id.map(OrganizationId),
            state: row.state,
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: row.created_at,
            sent_at: row.sent_at,
        }
    }
}

/// The newest mails first (in `state`, when given), before the mail `before` when given.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    state: Option<&str>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<OutgoingMail>, StoreError> {
    let rows: Vec<StatusRow> = sql::all(
        conn,
        "SELECT id, kind, recipient, subject, message_id, ticket_id, organization_id, state, attempts, last_error, created_at, sent_at \
         FROM outgoing_mail WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        vec![
            state.map(str::to_owned).into(),
            before.into(),
            (limit as i64).into(),
        ],
    )
    .await?;
    Ok(rows.into_iter().map(OutgoingMail::from).collect())
}
