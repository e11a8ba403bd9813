//! Accounts can be switched off and tokens expire.
//!
//! `disabled_at` on agents and users: when set, the account's tokens stop working and
//! it cannot sign in; everything it did stays. `expires_at` on API tokens: a token past
//! it is refused. Tokens already issued get a full lifetime from the upgrade (30 days,
//! the default), so an upgrade signs nobody out.
//!
//! Tokens get indexes on their owner, since disabling an account or changing a password
//! revokes all of the owner's tokens at once.

use super::m0001_core::{Agents, ApiTokens, Users, index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_account_controls"
    }
}

#[derive(DeriveIden)]
enum AccountControls {
    DisabledAt,
    ExpiresAt,
}

/// Thirty days in milliseconds: the lifetime given to tokens that existed before.
const UPGRADE_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Adds the nullable `disabled_at` time to an account table.
async fn add_disabled_at<T: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(
                    ColumnDef::new(AccountControls::DisabledAt)
                        .big_integer()
                        .null(),
                )
                .take(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_disabled_at(manager, Agents::Table).await?;
        add_disabled_at(manager, Users::Table).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(
                        ColumnDef::new(AccountControls::ExpiresAt)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .take(),
            )
            .await?;
        for (name, column) in [
            ("ix_api_tokens_agent_id", ApiTokens::AgentId),
            ("ix_api_tokens_user_id", ApiTokens::UserId),
        ] {
            manager
                .create_index(index(name, ApiTokens::Table, vec![column]))
                .await?;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_millis() as i64)
            .unwrap_or(0);
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE api_tokens SET expires_at = {}",
                now + UPGRADE_LIFETIME_MS
            ))
            .await?;
        Ok(())
    }
}
