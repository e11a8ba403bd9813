//! Organizations, users, agents, email domains, API tokens and organization events.

use crate::dialect::bytewise_collation;
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_core"
    }
}

#[derive(DeriveIden)]
pub(super) enum Organizations {
    Table,
    Id,
    Name,
    NameKey,
    Summary,
    Contacts,
    ParentId,
    ExternalId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(super) enum Users {
    Table,
    Id,
    Name,
    Email,
    EmailKey,
    EmailDomain,
    PasswordHash,
    OrganizationId,
    Position,
    Manager,
    AutoCc,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(super) enum Agents {
    Table,
    Id,
    Name,
    Email,
    EmailKey,
    PasswordHash,
    Admin,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganizationDomains {
    Table,
    Id,
    Domain,
    OrganizationId,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum ApiTokens {
    Table,
    Id,
    TokenHash,
    AgentId,
    UserId,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OrganizationEvents {
    Table,
    Id,
    OrganizationId,
    At,
    ActorType,
    ActorId,
    ActorName,
    Action,
    UserId,
    Changes,
    History,
}

pub(super) fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

pub(super) fn key_column<T: IntoIden>(name: T, backend: sea_orm::DbBackend) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.text().not_null();
    let collation = bytewise_collation(backend);
    if !collation.is_empty() {
        column.extra(collation);
    }
    column
}

pub(super) fn unique_index<T: IntoIden + 'static, C: IntoIden + 'static>(
    name: &str,
    table: T,
    columns: Vec<C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table).unique();
    for column in columns {
        index.col(column);
    }
    index.take()
}

pub(super) fn index<T: IntoIden + 'static, C: IntoIden + 'static>(
    name: &str,
    table: T,
    columns: Vec<C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(id(Organizations::Id))
                    .col(ColumnDef::new(Organizations::Name).text().not_null())
                    .col(key_column(Organizations::NameKey, backend))
                    .col(ColumnDef::new(Organizations::Summary).text().null())
                    .col(
                        ColumnDef::new(Organizations::Contacts)
                            .text()
                            .not_null()
                            .default("[]"),
                    )
                    .col(ColumnDef::new(Organizations::ParentId).big_integer().null())
                    .col(ColumnDef::new(Organizations::ExternalId).text().null())
                    .col(
                        ColumnDef::new(Organizations::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Organizations::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::UpdatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organizations_parent")
                            .from(Organizations::Table, Organizations::ParentId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_organizations_name_key",
                Organizations::Table,
                vec![Organizations::NameKey],
            ))
            .await?;
        manager
            .create_index(unique_index(
                "ux_organizations_external_id",
                Organizations::Table,
                vec![Organizations::ExternalId],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_organizations_parent_id",
                Organizations::Table,
                vec![Organizations::ParentId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(ColumnDef::new(Users::Name).text().not_null())
                    .col(ColumnDef::new(Users::Email).text().not_null())
                    .col(key_column(Users::EmailKey, backend))
                    .col(ColumnDef::new(Users::EmailDomain).text().not_null())
                    .col(ColumnDef::new(Users::PasswordHash).text().null())
                    .col(ColumnDef::new(Users::OrganizationId).big_integer().null())
                    .col(ColumnDef::new(Users::Position).text().null())
                    .col(
                        ColumnDef::new(Users::Manager)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Users::AutoCc)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Users::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Users::UpdatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_organization")
                            .from(Users::Table, Users::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_users_email_key",
                Users::Table,
                vec![Users::EmailKey],
            ))
            .await?;
        // Domain matching: "users of this domain with no / another organization".
        manager
            .create_index(index(
                "ix_users_email_domain_organization",
                Users::Table,
                vec![Users::EmailDomain, Users::OrganizationId],
            ))
            .await?;
        // Members of an organization, in id order for keyset pagination.
        manager
            .create_index(index(
                "ix_users_organization_id",
                Users::Table,
                vec![Users::OrganizationId, Users::Id],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Agents::Table)
                    .col(id(Agents::Id))
                    .col(ColumnDef::new(Agents::Name).text().not_null())
                    .col(ColumnDef::new(Agents::Email).text().not_null())
                    .col(key_column(Agents::EmailKey, backend))
                    .col(ColumnDef::new(Agents::PasswordHash).text().not_null())
                    .col(
                        ColumnDef::new(Agents::Admin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Agents::CreatedAt).big_integer().not_null())
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_agents_email_key",
                Agents::Table,
                vec![Agents::EmailKey],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrganizationDomains::Table)
                    .col(id(OrganizationDomains::Id))
                    .col(key_column(OrganizationDomains::Domain, backend))
                    .col(
                        ColumnDef::new(OrganizationDomains::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationDomains::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_domains_organization")
                            .from(
                                OrganizationDomains::Table,
                                OrganizationDomains::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_organization_domains_domain",
                OrganizationDomains::Table,
                vec![OrganizationDomains::Domain],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_organization_domains_organization_id",
                OrganizationDomains::Table,
                vec![OrganizationDomains::OrganizationId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id(ApiTokens::Id))
                    .col(ColumnDef::new(ApiTokens::TokenHash).text().not_null())
                    .col(ColumnDef::new(ApiTokens::AgentId).big_integer().null())
                    .col(ColumnDef::new(ApiTokens::UserId).big_integer().null())
                    .col(
                        ColumnDef::new(ApiTokens::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApiTokens::RevokedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_agent")
                            .from(ApiTokens::Table, ApiTokens::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_user")
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_api_tokens_token_hash",
                ApiTokens::Table,
                vec![ApiTokens::TokenHash],
            ))
            .await?;

        // No foreign key to organizations: the record of a deleted organization stays.
        manager
            .create_table(
                Table::create()
                    .table(OrganizationEvents::Table)
                    .col(id(OrganizationEvents::Id))
                    .col(
                        ColumnDef::new(OrganizationEvents::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::At)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::ActorType)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::ActorId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::ActorName)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OrganizationEvents::Action).text().not_null())
                    .col(
                        ColumnDef::new(OrganizationEvents::UserId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::Changes)
                            .text()
                            .not_null()
                            .default("[]"),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::History)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_organization_events_organization",
                OrganizationEvents::Table,
                vec![OrganizationEvents::OrganizationId, OrganizationEvents::Id],
            ))
            .await?;
        Ok(())
    }
}
