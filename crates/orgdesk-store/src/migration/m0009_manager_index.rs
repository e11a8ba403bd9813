//! The managers of an organization through a partial index over managers only.
//!
//! `(organization_id, manager, id)` over every user cost each user created or moved an
//! entry in a b-tree of its own, although the index is only ever asked for managers
//! (auto-CC on new tickets, the members list filtered to managers). Indexing managers
//! alone serves those reads the same way and leaves ordinary members out of it: one
//! index page fewer written per user created, and per user moved by a domain apply.
//! Queries that want it say `u.manager` literally, as a partial index is chosen only
//! when the query's condition implies the index's.

use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_manager_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        connection
            .execute_unprepared("DROP INDEX ix_users_organization_manager")
            .await?;
        connection
            .execute_unprepared(
                "CREATE INDEX ix_users_organization_managers ON users (organization_id, id) WHERE manager",
            )
            .await?;
        Ok(())
    }
}
