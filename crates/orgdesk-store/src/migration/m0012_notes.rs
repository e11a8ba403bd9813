//! Internal notes on organizations, and the files attached to them. A file's bytes are
//! in the blob store under `blob_key`; its row holds what it is (name, type, size,
//! SHA-256). Rows go with their note, notes with their organization: the application
//! deletes the blobs once the deletion has committed.

use super::m0001_core::{id, index, unique_index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_notes"
    }
}

#[derive(DeriveIden)]
enum OrganizationNotes {
    Table,
    Id,
    OrganizationId,
    AuthorAgentId,
    Body,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NoteAttachments {
    Table,
    Id,
    NoteId,
    FileName,
    ContentType,
    Size,
    Sha256,
    BlobKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agents {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use NoteAttachments as A;
        use OrganizationNotes as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(id(N::Id))
                    .col(ColumnDef::new(N::OrganizationId).big_integer().not_null())
                    .col(ColumnDef::new(N::AuthorAgentId).big_integer().not_null())
                    .col(ColumnDef::new(N::Body).text().not_null())
                    .col(ColumnDef::new(N::Version).big_integer().not_null())
                    .col(ColumnDef::new(N::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(N::UpdatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_notes_organization")
                            .from(N::Table, N::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_notes_author")
                            .from(N::Table, N::AuthorAgentId)
                            .to(Agents::Table, Agents::Id),
                    )
                    .take(),
            )
            .await?;
        // An organization's notes, newest first, a page at a time.
        manager
            .create_index(index(
                "ix_organization_notes_organization",
                N::Table,
                vec![N::OrganizationId, N::Id],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(id(A::Id))
                    .col(ColumnDef::new(A::NoteId).big_integer().not_null())
                    .col(ColumnDef::new(A::FileName).text().not_null())
                    .col(ColumnDef::new(A::ContentType).text().not_null())
                    .col(ColumnDef::new(A::Size).big_integer().not_null())
                    .col(ColumnDef::new(A::Sha256).text().not_null())
                    .col(ColumnDef::new(A::BlobKey).text().not_null())
                    .col(ColumnDef::new(A::CreatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_note_attachments_note")
                            .from(A::Table, A::NoteId)
                            .to(OrganizationNotes::Table, OrganizationNotes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_note_attachments_note",
                A::Table,
                vec![A::NoteId, A::Id],
            ))
            .await?;
        // One row per blob: a key is never shared, so deleting a row's blob is safe.
        manager
            .create_index(unique_index(
                "ux_note_attachments_blob_key",
                A::Table,
                vec![A::BlobKey],
            ))
            .await
    }
}
