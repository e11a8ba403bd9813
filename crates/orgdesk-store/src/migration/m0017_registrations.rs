//! Verified self-registration: a registration waits, with its password's hash, until the
//! link mailed to its address is used; only then is it a user (who may join an
//! organization by the address's domain). Settings: values an admin changes at run time
//! (here, whether registrations need that link), one row per key.

use super::m0001_core::{id, unique_index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_registrations"
    }
}

#[derive(DeriveIden)]
enum PendingRegistrations {
    Table,
    Id,
    /// The address as compared (lower case): one waiting registration per address.
    EmailKey,
    Email,
    Name,
    PasswordHash,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PendingRegistrations::Table)
                    .col(id(PendingRegistrations::Id))
                    .col(
                        ColumnDef::new(PendingRegistrations::EmailKey)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingRegistrations::Email)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PendingRegistrations::Name).text().not_null())
                    .col(
                        ColumnDef::new(PendingRegistrations::PasswordHash)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingRegistrations::TokenHash)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingRegistrations::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingRegistrations::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_pending_registrations_email_key",
                PendingRegistrations::Table,
                vec![PendingRegistrations::EmailKey],
            ))
            .await?;
        manager
            .create_index(unique_index(
                "ux_pending_registrations_token_hash",
                PendingRegistrations::Table,
                vec![PendingRegistrations::TokenHash],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(
                        ColumnDef::new(Settings::Key)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Settings::Value).text().not_null())
                    .take(),
            )
            .await
    }
}
