//! Users get a history of their own: organization moves, position, manager, direct
//! usergroup membership, disabling. Organization events tell what happened to an
//! organization; these tell what happened to a person, including while they belonged
//! to none. Rows are never deleted with anything (users are never deleted).

use super::m0001_core::{id, index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_user_events"
    }
}

#[derive(DeriveIden)]
enum UserEvents {
    Table,
    Id,
    UserId,
    At,
    ActorType,
    ActorId,
    ActorName,
    Action,
    Changes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserEvents::Table)
                    .col(id(UserEvents::Id))
                    .col(ColumnDef::new(UserEvents::UserId).big_integer().not_null())
                    .col(ColumnDef::new(UserEvents::At).big_integer().not_null())
                    .col(ColumnDef::new(UserEvents::ActorType).text().not_null())
                    .col(ColumnDef::new(UserEvents::ActorId).big_integer().null())
                    .col(ColumnDef::new(UserEvents::ActorName).text().not_null())
                    .col(ColumnDef::new(UserEvents::Action).text().not_null())
                    .col(
                        ColumnDef::new(UserEvents::Changes)
                            .text()
                            .not_null()
                            .default("[]"),
                    )
                    .take(),
            )
            .await?;
        // A user's history is read newest first, a page at a time: one index range.
        manager
            .create_index(index(
                "ix_user_events_user",
                UserEvents::Table,
                vec![UserEvents::UserId, UserEvents::Id],
            ))
            .await
    }
}
