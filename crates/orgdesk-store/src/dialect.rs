//! Every line that differs between SQLite and PostgreSQL lives here.

use crate::sql;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, SqlErr};

/// Arbitrary key of the PostgreSQL advisory lock that serializes hierarchy changes.
const HIERARCHY_LOCK_KEY: i64 = 0x6f72_6764_6573_6b01;

/// Serializes changes to the organization hierarchy until the transaction ends, so two
/// concurrent parent changes cannot both pass the cycle check. SQLite needs nothing: a
/// write transaction there already holds the database's single write lock
/// (`BEGIN IMMEDIATE`).
pub async fn lock_hierarchy<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            sql::execute(
                conn,
                "SELECT pg_advisory_xact_lock($1)",
                vec![HIERARCHY_LOCK_KEY.into()],
            )
            .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    OrganizationName,
    OrganizationExternalId,
    UserEmail,
    AgentEmail,
    EmailDomain,
    UsergroupName,
    Other,
}

/// Recognizes a unique-constraint violation on either engine. SQLite names the columns
/// (`UNIQUE constraint failed: organizations.name_key`), PostgreSQL the index
/// (`ux_organizations_name_key`); both contain the table and column.
pub fn unique_violation(err: &DbErr) -> Option<UniqueKey> {
    let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() else {
        return None;
    };
    let key = if message.contains("usergroups") && message.contains("name_key") {
        UniqueKey::UsergroupName
    } else if message.contains("organization_domains") {
        UniqueKey::EmailDomain
    } else if message.contains("organizations") && message.contains("name_key") {
        UniqueKey::OrganizationName
    } else if message.contains("organizations") && message.contains("external_id") {
        UniqueKey::OrganizationExternalId
    } else if message.contains("users") && message.contains("email_key") {
        UniqueKey::UserEmail
    } else if message.contains("agents") && message.contains("email_key") {
        UniqueKey::AgentEmail
    } else {
        UniqueKey::Other
    };
    Some(key)
}

/// The column definition suffix that makes text compare byte by byte, so keyset
/// pagination and prefix ranges behave the same on both engines whatever the
/// PostgreSQL database's collation.
pub(crate) fn bytewise_collation(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "COLLATE \"C\"",
        _ => "",
    }
}
