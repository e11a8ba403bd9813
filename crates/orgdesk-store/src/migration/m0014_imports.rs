//! Bulk imports: users get an `external_id` (the key of the system they came from, as
//! organizations have), and each import is a row that keeps its report (counts and
//! problems), so history can name the import that made a change and the API can show it
//! after the fact.

use super::m0001_core::{Users, id, index, unique_index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_imports"
    }
}

#[derive(DeriveIden)]
enum UserExternalId {
    ExternalId,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    Kind,
    Status,
    DryRun,
    FileName,
    StartedByAgentId,
    Rows,
    Created,
    Updated,
    Unchanged,
    /// The problems found, as a JSON array (at most the first 1,000).
    Problems,
    /// How many problems there were, including any beyond those kept.
    ProblemCount,
    CreatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(UserExternalId::ExternalId).text().null())
                    .take(),
            )
            .await?;
        // Unique where set: NULLs never collide on either engine.
        manager
            .create_index(unique_index(
                "ux_users_external_id",
                Users::Table,
                vec![UserExternalId::ExternalId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(id(Imports::Id))
                    .col(ColumnDef::new(Imports::Kind).text().not_null())
                    .col(ColumnDef::new(Imports::Status).text().not_null())
                    .col(ColumnDef::new(Imports::DryRun).boolean().not_null())
                    .col(ColumnDef::new(Imports::FileName).text().null())
                    .col(
                        ColumnDef::new(Imports::StartedByAgentId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Imports::Rows).big_integer().not_null())
                    .col(ColumnDef::new(Imports::Created).big_integer().not_null())
                    .col(ColumnDef::new(Imports::Updated).big_integer().not_null())
                    .col(ColumnDef::new(Imports::Unchanged).big_integer().not_null())
                    .col(ColumnDef::new(Imports::Problems).text().not_null())
                    .col(
                        ColumnDef::new(Imports::ProblemCount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Imports::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Imports::FinishedAt).big_integer().null())
                    .take(),
            )
            .await?;
        // Imports still running, found at start to mark those a restart interrupted.
        manager
            .create_index(index(
                "ix_imports_status",
                Imports::Table,
                vec![Imports::Status],
            ))
            .await
    }
}
