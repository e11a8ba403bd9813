//! Users get a lower-cased, indexed name key, so searching users by name is an index
//! range like searching by email, instead of a scan of every user.

use super::m0001_core::{Users, index};
use crate::dialect::bytewise_collation;
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_user_name_key"
    }
}

#[derive(DeriveIden)]
enum UserNameKey {
    NameKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut column = ColumnDef::new(UserNameKey::NameKey);
        column.text().not_null().default("");
        let collation = bytewise_collation(manager.get_database_backend());
        if !collation.is_empty() {
            column.extra(collation);
        }
        manager
            .alter_table(Table::alter().table(Users::Table).add_column(column).take())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE users SET name_key = lower(trim(name))")
            .await?;
        manager
            .create_index(index(
                "ix_users_name_key",
                Users::Table,
                vec![UserNameKey::NameKey],
            ))
            .await?;
        Ok(())
    }
}
