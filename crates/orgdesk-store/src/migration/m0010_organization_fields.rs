//! Custom organization fields: admin-made definitions, and each organization's values.
//!
//! A value is one row per organization and field (one per chosen item of a multiple
//! choice), so `?field.KEY=` finds organizations through an index on
//! `(field_id, filter_key)` whatever the number of fields. Long texts keep no filter key
//! and stay out of that index: they are not filtered on, and PostgreSQL refuses index
//! entries over ~2.7 kB. Definitions are never deleted (they are retired), so values
//! always have their field.

use super::m0001_core::{id, index, unique_index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_organization_fields"
    }
}

#[derive(DeriveIden)]
enum OrganizationFields {
    Table,
    Id,
    Key,
    Label,
    FieldType,
    /// The offered choices, a JSON list.
    Choices,
    /// Retired choices that stored values may still hold, a JSON list.
    RetiredChoices,
    ViewAudience,
    /// The chosen agents when the audience is `chosen`, a JSON list of ids.
    ViewerAgentIds,
    EditAudience,
    EditorAgentIds,
    PortalVisible,
    Position,
    Retired,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrganizationFieldValues {
    Table,
    OrganizationId,
    FieldId,
    Value,
    FilterKey,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |name: OrganizationFields| ColumnDef::new(name).text().not_null().take();
        let number =
            |name: OrganizationFields| ColumnDef::new(name).big_integer().not_null().take();
        let flag = |name: OrganizationFields| {
            ColumnDef::new(name)
                .boolean()
                .not_null()
                .default(false)
                .take()
        };
        manager
            .create_table(
                Table::create()
                    .table(OrganizationFields::Table)
                    .col(id(OrganizationFields::Id))
                    .col(text(OrganizationFields::Key))
                    .col(text(OrganizationFields::Label))
                    .col(text(OrganizationFields::FieldType))
                    .col(text(OrganizationFields::Choices))
                    .col(text(OrganizationFields::RetiredChoices))
                    .col(text(OrganizationFields::ViewAudience))
                    .col(text(OrganizationFields::ViewerAgentIds))
                    .col(text(OrganizationFields::EditAudience))
                    .col(text(OrganizationFields::EditorAgentIds))
                    .col(flag(OrganizationFields::PortalVisible))
                    .col(number(OrganizationFields::Position))
                    .col(flag(OrganizationFields::Retired))
                    .col(number(OrganizationFields::Version))
                    .col(number(OrganizationFields::CreatedAt))
                    .col(number(OrganizationFields::UpdatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_organization_fields_key",
                OrganizationFields::Table,
                vec![OrganizationFields::Key],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganizationFieldValues::Table)
                    .col(
                        ColumnDef::new(OrganizationFieldValues::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationFieldValues::FieldId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationFieldValues::Value)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationFieldValues::FilterKey)
                            .text()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_field_values_organization")
                            .from(
                                OrganizationFieldValues::Table,
                                OrganizationFieldValues::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_field_values_field")
                            .from(
                                OrganizationFieldValues::Table,
                                OrganizationFieldValues::FieldId,
                            )
                            .to(OrganizationFields::Table, OrganizationFields::Id),
                    )
                    .take(),
            )
            .await?;
        // An organization's values, read with it.
        manager
            .create_index(index(
                "ix_organization_field_values_organization",
                OrganizationFieldValues::Table,
                vec![
                    OrganizationFieldValues::OrganizationId,
                    OrganizationFieldValues::FieldId,
                ],
            ))
            .await?;
        // Organizations holding a value: filters, and counting a choice before it is
        // dropped. Partial: a condition `filter_key = $n` implies it on both engines.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_organization_field_values_filter ON organization_field_values \
                 (field_id, filter_key, organization_id) WHERE filter_key IS NOT NULL",
            )
            .await?;
        Ok(())
    }
}
