//! The mail worker: a task of the server that claims due mail a batch at a time, sends
//! each, and marks it sent, or due again later, or given up on.

use super::transport::{MailTransport, SendError};
use crate::{App, millis, now_ms};
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use orgdesk_core::Result;
use orgdesk_core::mail::{MailKind, retry_delay};
use orgdesk_store::mail::{self as queue, MailRow};
use std::time::Duration;
use tokio::sync::watch;

/// Mails claimed at a time.
const BATCH: u64 = 50;
/// How long a claim holds: longer than any one batch can take to send. Should the
/// worker stop without a word (a crash), its claimed mail is due again after this.
const CLAIM: Duration = Duration::from_secs(10 * 60);
/// How often the worker looks for due mail when nothing woke it: retries come due,
/// and other processes (the CLI) queue mail too.
const POLL: Duration = Duration::from_secs(5);

/// The running worker; [`MailWorker::stop`] ends it between two mails.
pub struct MailWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl MailWorker {
    /// Stops the worker: the mail being sent is finished and marked; mail it claimed
    /// but had not started is let go, for the next start.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the mail worker ended abnormally");
        }
    }
}

impl App {
    /// Starts sending queued mail through `transport`. Mail queued before this start
    /// and waiting for a retry is tried at once: what made it fail may be fixed.
    pub fn start_mail_worker(&self, transport: MailTransport) -> MailWorker {
        let (stop, stopped) = watch::channel(false);
        let app = self.clone();
        let task = tokio::spawn(async move { app.run_mail_worker(transport, stopped).await });
        MailWorker { stop, task }
    }

    async fn run_mail_worker(&self, transport: MailTransport, mut stopped: watch::Receiver<bool>) {
        tracing::info!(%transport, "sending mail");
        if let Err(err) = self.retry_unclaimed_mail_now().await {
            tracing::error!(error = %err, "could not make waiting mail due");
        }
        while !*stopped.borrow() {
            let more = match self.send_due_mail(&transport, &stopped).await {
                Ok(more) => more,
                Err(err) => {
                    tracing::error!(error = ?err, "the mail worker could not reach the database; trying again shortly");
                    false
                }
            };
            if more {
                continue;
            }
            tokio::select! {
                () = self.0.mail_queued.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = stopped.changed() => {}
            }
        }
    }

    async fn retry_unclaimed_mail_now(&self) -> Result<()> {
        let tx = self.store().begin_write().await?;
        queue::retry_unclaimed_now(&tx, now_ms()).await?;
        orgdesk_store::commit(tx).await?;
        Ok(())
    }

    /// Sends one batch of due mail. Returns whether there may be more.
    async fn send_due_mail(
        &self,
        transport: &MailTransport,
        stopped: &watch::Receiver<bool>,
    ) -> Result<bool> {
        let now = now_ms();
        let tx = self.store().begin_write().await?;
        let claimed_until = now + millis(CLAIM);
        let batch = queue::claim_due(&tx, now, claimed_until, BATCH).await?;
        orgdesk_store::commit(tx).await?;
        let full = batch.len() as u64 == BATCH;
        for (index, mail) in batch.iter().enumerate() {
            if *stopped.borrow() {
                let untried: Vec<i64> = batch[index..].iter().map(|m| m.id).collect();
                let tx = self.store().begin_write().await?;
                queue::release(&tx, &untried).await?;
                orgdesk_store::commit(tx).await?;
                return Ok(false);
            }
            let outcome = match compose(self.mail_settings().from(), mail) {
                Ok(message) => transport.send(message).await,
                Err(message) => Err(SendError {
                    message,
                    permanent: true,
                }),
            };
            self.record_outcome(mail, outcome).await?;
        }
        Ok(full)
    }

    async fn record_outcome(
        &self,
        mail: &MailRow,
        outcome: std::result::Result<(), SendError>,
    ) -> Result<()> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        match outcome {
            Ok(()) => queue::mark_sent(&tx, mail.id, at).await?,
            Err(err) => {
                let retry_at = (!err.permanent)
                    .then(|| retry_delay(mail.attempts))
                    .flatten()
                    .map(|delay| at + millis(delay));
                match retry_at {
                    Some(_) => {
                        tracing::warn!(mail = mail.id, attempts = mail.attempts, error = %err.message, "a mail was not sent; it will be tried again")
                    }
                    None => {
                        tracing::error!(mail = mail.id, attempts = mail.attempts, error = %err.message, "a mail was not sent and is given up on")
                    }
                }
                queue::mark_failed(&tx, mail.id, &err.message, retry_at).await?;
            }
        }
        orgdesk_store::commit(tx).await?;
        Ok(())
    }
}

/// The mail as sent: plain text, threaded under its ticket when it has one. The
/// acknowledgement of a new ticket says it was written by a machine (RFC 3834), so
/// that the requester's own auto-reply does not answer it.
fn compose(from: &Mailbox, mail: &MailRow) -> std::result::Result<Message, String> {
    let address = mail
        .recipient
        .parse()
        .map_err(|err| format!("the recipient address cannot be mailed to: {err}"))?;
    let to = Mailbox::new(mail.recipient_name.clone(), address);
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.as_str())
        .message_id(Some(mail.message_id.clone()))
        .header(ContentType::TEXT_PLAIN);
    if mail.kind == MailKind::TicketCreated.as_str() {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-replied".to_owned(),
        ));
    }
    if let Some(thread) = &mail.thread_id {
        builder = builder
            .in_reply_to(thread.clone())
            .references(thread.clone());
    }
    builder
        .body(mail.body.clone())
        .map_err(|err| format!("the mail could not be composed: {err}"))
}
