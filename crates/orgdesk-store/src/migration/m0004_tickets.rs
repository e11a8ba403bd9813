//! Tickets, their CC'd users and messages, and the full-text index over them (each
//! engine's own: see `dialect::create_ticket_search`).

use super::m0001_core::{Organizations, Users, id, index, unique_index};
use crate::dialect::create_ticket_search;
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_tickets"
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Subject,
    Status,
    Priority,
    RequesterId,
    OrganizationId,
    DepartmentId,
    AssigneeId,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TicketCcs {
    Table,
    Id,
    TicketId,
    UserId,
}

#[derive(DeriveIden)]
enum TicketMessages {
    Table,
    Id,
    TicketId,
    AuthorType,
    AuthorId,
    AuthorName,
    Body,
    Internal,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserManager {
    Manager,
}

#[derive(DeriveIden)]
enum Agents {
    Table,
    Id,
}

fn foreign_key(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .take()
}

fn big(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

fn big_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(id(Tickets::Id))
                    .col(ColumnDef::new(Tickets::Subject).text().not_null())
                    .col(ColumnDef::new(Tickets::Status).text().not_null())
                    .col(ColumnDef::new(Tickets::Priority).text().not_null())
                    .col(big(Tickets::RequesterId))
                    .col(big_null(Tickets::OrganizationId))
                    .col(big_null(Tickets::DepartmentId))
                    .col(big_null(Tickets::AssigneeId))
                    .col(big(Tickets::CreatedAt))
                    .col(big(Tickets::UpdatedAt))
                    .col(
                        ColumnDef::new(Tickets::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .foreign_key(&mut foreign_key(
                        "fk_tickets_requester",
                        (Tickets::Table, Tickets::RequesterId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    // Deleting an organization keeps its tickets, unaffiliated.
                    .foreign_key(&mut foreign_key(
                        "fk_tickets_organization",
                        (Tickets::Table, Tickets::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_tickets_assignee",
                        (Tickets::Table, Tickets::AssigneeId),
                        (Agents::Table, Agents::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        // Every list is newest first within one of these: an organization's tickets, a
        // requester's, a status, an assignee's.
        for (name, column) in [
            ("ix_tickets_organization", Tickets::OrganizationId),
            ("ix_tickets_requester", Tickets::RequesterId),
            ("ix_tickets_status", Tickets::Status),
            ("ix_tickets_assignee", Tickets::AssigneeId),
        ] {
            manager
                .create_index(index(name, Tickets::Table, vec![column, Tickets::Id]))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(TicketCcs::Table)
                    .col(id(TicketCcs::Id))
                    .col(big(TicketCcs::TicketId))
                    .col(big(TicketCcs::UserId))
                    .foreign_key(&mut foreign_key(
                        "fk_ticket_ccs_ticket",
                        (TicketCcs::Table, TicketCcs::TicketId),
                        (Tickets::Table, Tickets::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_ticket_ccs_user",
                        (TicketCcs::Table, TicketCcs::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_ticket_ccs_ticket_user",
                TicketCcs::Table,
                vec![TicketCcs::TicketId, TicketCcs::UserId],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_ticket_ccs_user",
                TicketCcs::Table,
                vec![TicketCcs::UserId, TicketCcs::TicketId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketMessages::Table)
                    .col(id(TicketMessages::Id))
                    .col(big(TicketMessages::TicketId))
                    .col(ColumnDef::new(TicketMessages::AuthorType).text().not_null())
                    .col(big_null(TicketMessages::AuthorId))
                    .col(ColumnDef::new(TicketMessages::AuthorName).text().not_null())
                    .col(ColumnDef::new(TicketMessages::Body).text().not_null())
                    .col(
                        ColumnDef::new(TicketMessages::Internal)
                            .boolean()
                            .not_null(),
                    )
                    .col(big(TicketMessages::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_ticket_messages_ticket",
                        (TicketMessages::Table, TicketMessages::TicketId),
                        (Tickets::Table, Tickets::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_ticket_messages_ticket",
                TicketMessages::Table,
                vec![TicketMessages::TicketId, TicketMessages::Id],
            ))
            .await?;

        // The managers of an organization (auto-CC on every new ticket, the
        // `requester_manager` filter) without reading its other members.
        manager
            .create_index(
                Index::create()
                    .name("ix_users_organization_manager")
                    .table(Users::Table)
                    .col(Users::OrganizationId)
                    .col(UserManager::Manager)
                    .col(Users::Id)
                    .take(),
            )
            .await?;

        let connection = manager.get_connection();
        for statement in create_ticket_search(manager.get_database_backend()) {
            connection.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
