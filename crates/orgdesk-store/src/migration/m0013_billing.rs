//! Billing on tickets: time entries and charges. Both belong to a ticket and roll up to
//! the ticket's organization when read (so a ticket moved to another organization takes
//! its billing along). Amounts are integers in the currency's minor units.

use super::m0001_core::{id, index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_billing"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum TicketTimeEntries {
    Table,
    Id,
    TicketId,
    AgentId,
    Minutes,
    Billable,
    Note,
    /// The day worked, `YYYY-MM-DD`.
    WorkedOn,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TicketCharges {
    Table,
    Id,
    TicketId,
    AgentId,
    /// ISO 4217 code.
    Currency,
    AmountMinor,
    Description,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agents {
    Table,
    Id,
}

fn belongs_to_ticket_and_agent<T: IntoIden + Copy + 'static>(
    table: &mut TableCreateStatement,
    name: &str,
    this: T,
    ticket: impl IntoIden,
    agent: impl IntoIden,
) {
    table
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_ticket"))
                .from(this, ticket)
                .to(Tickets::Table, Tickets::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_agent"))
                .from(this, agent)
                .to(Agents::Table, Agents::Id),
        );
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TicketCharges as C;
        use TicketTimeEntries as E;
        let mut time = Table::create()
            .table(E::Table)
            .col(id(E::Id))
            .col(ColumnDef::new(E::TicketId).big_integer().not_null())
            .col(ColumnDef::new(E::AgentId).big_integer().not_null())
            .col(ColumnDef::new(E::Minutes).big_integer().not_null())
            .col(ColumnDef::new(E::Billable).boolean().not_null())
            .col(ColumnDef::new(E::Note).text().null())
            .col(ColumnDef::new(E::WorkedOn).text().not_null())
            .col(ColumnDef::new(E::Version).big_integer().not_null())
            .col(ColumnDef::new(E::CreatedAt).big_integer().not_null())
            .col(ColumnDef::new(E::UpdatedAt).big_integer().not_null())
            .take();
        belongs_to_ticket_and_agent(
            &mut time,
            "ticket_time_entries",
            E::Table,
            E::TicketId,
            E::AgentId,
        );
        manager.create_table(time).await?;
        // A ticket's entries; an organization's are found through its tickets.
        manager
            .create_index(index(
                "ix_ticket_time_entries_ticket",
                E::Table,
                vec![E::TicketId, E::Id],
            ))
            .await?;
        let mut charges = Table::create()
            .table(C::Table)
            .col(id(C::Id))
            .col(ColumnDef::new(C::TicketId).big_integer().not_null())
            .col(ColumnDef::new(C::AgentId).big_integer().not_null())
            .col(ColumnDef::new(C::Currency).text().not_null())
            .col(ColumnDef::new(C::AmountMinor).big_integer().not_null())
            .col(ColumnDef::new(C::Description).text().null())
            .col(ColumnDef::new(C::Version).big_integer().not_null())
            .col(ColumnDef::new(C::CreatedAt).big_integer().not_null())
            .col(ColumnDef::new(C::UpdatedAt).big_integer().not_null())
            .take();
        belongs_to_ticket_and_agent(
            &mut charges,
            "ticket_charges",
            C::Table,
            C::TicketId,
            C::AgentId,
        );
        manager.create_table(charges).await?;
        manager
            .create_index(index(
                "ix_ticket_charges_ticket",
                C::Table,
                vec![C::TicketId, C::Id],
            ))
            .await
    }
}
