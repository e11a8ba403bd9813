//! Links mailed to a person that act for their account once: an invitation to set a
//! password. Only a hash of each link's secret is kept (as for API tokens), with when it
//! stops working and when it was used.

use super::m0001_core::{Users, id, index, unique_index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_account_links"
    }
}

#[derive(DeriveIden)]
enum AccountLinks {
    Table,
    Id,
    UserId,
    /// `invitation` (set a first password); more purposes share the table.
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountLinks::Table)
                    .col(id(AccountLinks::Id))
                    .col(
                        ColumnDef::new(AccountLinks::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AccountLinks::Purpose).text().not_null())
                    .col(ColumnDef::new(AccountLinks::TokenHash).text().not_null())
                    .col(
                        ColumnDef::new(AccountLinks::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AccountLinks::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AccountLinks::UsedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_links_user")
                            .from(AccountLinks::Table, AccountLinks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_account_links_token_hash",
                AccountLinks::Table,
                vec![AccountLinks::TokenHash],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_account_links_user",
                AccountLinks::Table,
                vec![AccountLinks::UserId],
            ))
            .await
    }
}
