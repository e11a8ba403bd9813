//! Outgoing mail: each message is a row, written in the transaction of the change that
//! caused it (a reply, a new ticket, a message to an organization), then sent by the
//! server's mail worker, which marks it sent. A restart finds unsent mail where it was.
//! Users get `notifications`: whether mail about their tickets reaches them.

use super::m0001_core::{Users, id, index, unique_index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_mail"
    }
}

#[derive(DeriveIden)]
enum UserNotifications {
    Notifications,
}

#[derive(DeriveIden)]
enum OutgoingMail {
    Table,
    Id,
    /// What the mail is about: `ticket_created`, `ticket_reply`, `organization_message`.
    Kind,
    Recipient,
    RecipientName,
    Subject,
    Body,
    /// The `Message-ID` header, unique: replies to it lead back to the ticket.
    MessageId,
    /// The thread the mail belongs to (`In-Reply-To` and `References`).
    ThreadId,
    TicketId,
    OrganizationId,
    /// `queued`, `sent` or `failed` (gave up after its last attempt).
    State,
    Attempts,
    NextAttemptAt,
    /// Set while a worker sends it: another worker leaves it alone until then.
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(UserNotifications::Notifications)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutgoingMail::Table)
                    .col(id(OutgoingMail::Id))
                    .col(ColumnDef::new(OutgoingMail::Kind).text().not_null())
                    .col(ColumnDef::new(OutgoingMail::Recipient).text().not_null())
                    .col(ColumnDef::new(OutgoingMail::RecipientName).text().null())
                    .col(ColumnDef::new(OutgoingMail::Subject).text().not_null())
                    .col(ColumnDef::new(OutgoingMail::Body).text().not_null())
                    .col(ColumnDef::new(OutgoingMail::MessageId).text().not_null())
                    .col(ColumnDef::new(OutgoingMail::ThreadId).text().null())
                    .col(ColumnDef::new(OutgoingMail::TicketId).big_integer().null())
                    .col(
                        ColumnDef::new(OutgoingMail::OrganizationId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(OutgoingMail::State).text().not_null())
                    .col(
                        ColumnDef::new(OutgoingMail::Attempts)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OutgoingMail::NextAttemptAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OutgoingMail::ClaimedUntil)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(OutgoingMail::LastError).text().null())
                    .col(
                        ColumnDef::new(OutgoingMail::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OutgoingMail::SentAt).big_integer().null())
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_outgoing_mail_message_id",
                OutgoingMail::Table,
                vec![OutgoingMail::MessageId],
            ))
            .await?;
        // The worker's question: which queued mail is due, oldest first.
        manager
            .create_index(index(
                "ix_outgoing_mail_due",
                OutgoingMail::Table,
                vec![OutgoingMail::State, OutgoingMail::NextAttemptAt],
            ))
            .await?;
        // Admins' list of mail in one state, newest first.
        manager
            .create_index(index(
                "ix_outgoing_mail_state_id",
                OutgoingMail::Table,
                vec![OutgoingMail::State, OutgoingMail::Id],
            ))
            .await?;
        // A ticket's mail, for threading replies that name one of its messages.
        manager
            .create_index(index(
                "ix_outgoing_mail_ticket",
                OutgoingMail::Table,
                vec![OutgoingMail::TicketId],
            ))
            .await
    }
}
