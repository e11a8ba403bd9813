//! Organizations' member counts are kept in a table of their own, changed with every
//! join, leave and move, instead of counted on every read: a page listing an
//! organization of 100,000 members cost as much as counting them all.
//!
//! A table apart from `organizations`, and without a foreign key to it, so that keeping
//! the count never waits on an organization's row, which transactions lock (in id
//! order) before they move people: counts are taken last, in id order, and only here.

use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_member_counts"
    }
}

#[derive(DeriveIden)]
enum OrganizationMemberCounts {
    Table,
    OrganizationId,
    Members,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrganizationMemberCounts::Table)
                    .col(
                        ColumnDef::new(OrganizationMemberCounts::OrganizationId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OrganizationMemberCounts::Members)
                            .big_integer()
                            .not_null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO organization_member_counts (organization_id, members) \
                 SELECT organization_id, COUNT(*) FROM users WHERE organization_id IS NOT NULL \
                 GROUP BY organization_id",
            )
            .await?;
        Ok(())
    }
}
