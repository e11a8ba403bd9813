//! Entitlements: products or services an organization has access to, optionally
//! between two days (`YYYY-MM-DD` text, which sorts and compares as dates do).

use super::m0001_core::{id, index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_entitlements"
    }
}

#[derive(DeriveIden)]
enum OrganizationEntitlements {
    Table,
    Id,
    OrganizationId,
    Name,
    StartsOn,
    EndsOn,
    Notes,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OrganizationEntitlements as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(id(E::Id))
                    .col(ColumnDef::new(E::OrganizationId).big_integer().not_null())
                    .col(ColumnDef::new(E::Name).text().not_null())
                    .col(ColumnDef::new(E::StartsOn).text().null())
                    .col(ColumnDef::new(E::EndsOn).text().null())
                    .col(ColumnDef::new(E::Notes).text().null())
                    .col(ColumnDef::new(E::Version).big_integer().not_null())
                    .col(ColumnDef::new(E::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(E::UpdatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_entitlements_organization")
                            .from(E::Table, E::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // An organization's entitlements, read with its profile.
        manager
            .create_index(index(
                "ix_organization_entitlements_organization",
                E::Table,
                vec![E::OrganizationId, E::Id],
            ))
            .await
    }
}
