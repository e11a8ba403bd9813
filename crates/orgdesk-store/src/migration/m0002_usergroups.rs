//! Usergroups, their direct members and their links to organizations. Membership
//! through an organization is never stored per user: it is the link itself.

use super::m0001_core::{Organizations, Users, id, index, key_column, unique_index};
use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_usergroups"
    }
}

#[derive(DeriveIden)]
enum Usergroups {
    Table,
    Id,
    Name,
    NameKey,
    Permissions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UsergroupMembers {
    Table,
    Id,
    UsergroupId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganizationUsergroups {
    Table,
    Id,
    OrganizationId,
    UsergroupId,
    CreatedAt,
}

fn cascade(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Usergroups::Table)
                    .col(id(Usergroups::Id))
                    .col(ColumnDef::new(Usergroups::Name).text().not_null())
                    .col(key_column(Usergroups::NameKey, backend))
                    .col(
                        ColumnDef::new(Usergroups::Permissions)
                            .text()
                            .not_null()
                            .default("[]"),
                    )
                    .col(
                        ColumnDef::new(Usergroups::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_usergroups_name_key",
                Usergroups::Table,
                vec![Usergroups::NameKey],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UsergroupMembers::Table)
                    .col(id(UsergroupMembers::Id))
                    .col(
                        ColumnDef::new(UsergroupMembers::UsergroupId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UsergroupMembers::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UsergroupMembers::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        "fk_usergroup_members_usergroup",
                        (UsergroupMembers::Table, UsergroupMembers::UsergroupId),
                        (Usergroups::Table, Usergroups::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_usergroup_members_user",
                        (UsergroupMembers::Table, UsergroupMembers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .take(),
            )
            .await?;
        // Members of a group in user order; groups of a user.
        manager
            .create_index(unique_index(
                "ux_usergroup_members_usergroup_user",
                UsergroupMembers::Table,
                vec![UsergroupMembers::UsergroupId, UsergroupMembers::UserId],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_usergroup_members_user",
                UsergroupMembers::Table,
                vec![UsergroupMembers::UserId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrganizationUsergroups::Table)
                    .col(id(OrganizationUsergroups::Id))
                    .col(
                        ColumnDef::new(OrganizationUsergroups::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationUsergroups::UsergroupId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationUsergroups::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        "fk_organization_usergroups_organization",
                        (
                            OrganizationUsergroups::Table,
                            OrganizationUsergroups::OrganizationId,
                        ),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_organization_usergroups_usergroup",
                        (
                            OrganizationUsergroups::Table,
                            OrganizationUsergroups::UsergroupId,
                        ),
                        (Usergroups::Table, Usergroups::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_organization_usergroups_organization_usergroup",
                OrganizationUsergroups::Table,
                vec![
                    OrganizationUsergroups::OrganizationId,
                    OrganizationUsergroups::UsergroupId,
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_organization_usergroups_usergroup",
                OrganizationUsergroups::Table,
                vec![OrganizationUsergroups::UsergroupId],
            ))
            .await?;
        Ok(())
    }
}
