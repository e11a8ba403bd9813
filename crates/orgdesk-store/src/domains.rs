//! Email domains associated with organizations, and the users they match.

use crate::error::StoreError;
use crate::sql::{self, placeholders};
use orgdesk_core::model::{OrganizationRef, User};
use orgdesk_core::{OrganizationId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::HashMap;

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    domain: &str,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "INSERT INTO organization_domains (domain, organization_id, created_at) VALUES ($1, $2, $3)",
        vec![domain.into(), organization.0.into(), at.into()],
    )
    .await?;
    Ok(())
}

pub async fn delete<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    domain: &str,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "DELETE FROM organization_domains WHERE organization_id = $1 AND domain = $2",
        vec![organization.0.into(), domain.into()],
    )
    .await?;
    Ok(rows == 1)
}

/// The organization a domain belongs to, if any.
pub async fn owner<C: ConnectionTrait>(
    conn: &C,
    domain: &str,
) -> Result<Option<OrganizationRef>, StoreError> {
    #[derive(FromQueryResult)]
    struct Owner {
        id: i64,
        name: String,
    }
    let owner: Option<Owner> = sql::one(
        conn,
        "SELECT o.id, o.name FROM organization_domains d JOIN organizations o ON o.id = d.organization_id WHERE d.domain = $1",
        vec![domain.into()],
    )
    .await?;
    Ok(owner.map(|o| OrganizationRef {
        id: OrganizationId(o.id),
        name: o.name,
    }))
}

/// The owners of these domains, by domain (domains nobody owns are left out).
pub async fn owners<C: ConnectionTrait>(
    conn: &C,
    domains: &[&str],
) -> Result<std::collections::HashMap<String, OrganizationRef>, StoreError> {
    #[derive(FromQueryResult)]
    struct Owner {
        domain: String,
        id: i64,
        name: String,
    }
    let mut owners = std::collections::HashMap::with_capacity(domains.len());
    for chunk in domains.chunks(crate::sql::IN_CHUNK) {
        let rows: Vec<Owner> = sql::all(
            conn,
            // The name by a lookup per owned domain: a join let PostgreSQL's planner
            // read every organization for a long list (38 ms a call at 100,000).
            &format!(
                "SELECT d.domain, d.organization_id AS id, \
                   (SELECT o.name FROM organizations o WHERE o.id = d.organization_id) AS name \
                 FROM organization_domains d WHERE d.domain IN ({})",
                crate::sql::placeholders(1, chunk.len())
            ),
            chunk.iter().map(|d| (*d).into()).collect(),
        )
        .await?;
        owners.extend(rows.into_iter().map(|o| {
            (
                o.domain,
                OrganizationRef {
                    id: OrganizationId(o.id),
                    name: o.name,
                },
            )
        }));
    }
    Ok(owners)
}

/// Locks the organizations new users may join: those named explicitly and those owning
/// one of `domains` (see `dialect::lock_rows`), all in one ascending order, so users
/// joining them cannot race their deletion. A no-op on SQLite.
pub async fn lock_joined<C: ConnectionTrait>(
    conn: &C,
    named: &[OrganizationId],
    domains: &[&str],
) -> Result<(), StoreError> {
    if conn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let mut ids: Vec<i64> = named.iter().map(|id| id.0).collect();
    for chunk in domains.chunks(1000) {
        let owners: Vec<sql::Scalar<i64>> = sql::all(
            conn,
            &format!(
                "SELECT DISTINCT organization_id AS value FROM organization_domains WHERE domain IN ({})",
                placeholders(1, chunk.len())
            ),
            chunk.iter().map(|&domain| domain.into()).collect(),
        )
        .await?;
        ids.extend(owners.into_iter().map(|row| row.value));
    }
    crate::dialect::lock_rows(conn, crate::dialect::Lockable::Organization, &ids).await
}

/// The domains of each of the given organizations, sorted.
pub async fn list_for<C: ConnectionTrait>(
    conn: &C,
    organizations: &[OrganizationId],
) -> Result<HashMap<OrganizationId, Vec<String>>, StoreError> {
    if organizations.is_empty() {
        return Ok(HashMap::new());
    }
    #[derive(FromQueryResult)]
    struct Row {
        organization_id: i64,
        domain: String,
    }
    let rows: Vec<Row> = sql::all(
        conn,
        &format!(
            "SELECT organization_id, domain FROM organization_domains WHERE organization_id IN ({}) ORDER BY domain",
            placeholders(1, organizations.len())
        ),
        organizations.iter().map(|id| id.0.into()).collect(),
    )
    .await?;
    let mut map: HashMap<OrganizationId, Vec<String>> = HashMap::new();
    for row in rows {
        map.entry(OrganizationId(row.organization_id))
            .or_default()
            .push(row.domain);
    }
    Ok(map)
}

/// Which existing users a domain matches, relative to the organization that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchGroup {
    /// Users with no organization.
    Unaffiliated,
    /// Users in an organization other than the owner.
    OtherOrganization,
}

impl MatchGroup {
    fn condition(self) -> &'static str {
        match self {
            MatchGroup::Unaffiliated => "u.organization_id IS NULL",
            MatchGroup::OtherOrganization => {
                "u.organization_id IS NOT NULL AND u.organization_id <> $2"
            }
        }
    }
}

/// Counts the users of `domain` in `group` (an index range scan on (email_domain, organization_id)).
pub async fn count_matches<C: ConnectionTrait>(
    conn: &C,
    owner: OrganizationId,
    domain: &str,
    group: MatchGroup,
) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) AS value FROM users u WHERE u.email_domain = $1 AND {}",
        group.condition()
    );
    let values = match group {
        MatchGroup::Unaffiliated => vec![domain.into()],
        MatchGroup::OtherOrganization => vec![domain.into(), owner.0.into()],
    };
    Ok(sql::scalar(conn, &sql, values).await?.unwrap_or(0))
}

/// A page of the users of `domain` in `group`, in id order after `after`.
pub async fn list_matches<C: ConnectionTrait>(
    conn: &C,
    owner: OrganizationId,
    domain: &str,
    group: MatchGroup,
    after: i64,
    limit: u64,
) -> Result<Vec<User>, StoreError> {
    let filter = format!(
        "u.email_domain = $1 AND {} AND u.id > $3 ORDER BY u.id LIMIT $4",
        group.condition()
    );
    let values = vec![
        domain.into(),
        owner.0.into(),
        after.into(),
        (limit as i64).into(),
    ];
    crate::users::select_where(conn, &filter, values).await
}

/// Locks the users of `domain` in `group` until the transaction ends and returns each
/// with the organization they are in now, in id order. What is returned is exactly what
/// a move that follows changes, so its history is derived from it.
pub async fn lock_matches<C: ConnectionTrait>(
    conn: &C,
    owner: OrganizationId,
    domain: &str,
    group: MatchGroup,
) -> Result<Vec<MatchedUser>, StoreError> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        organization_id: Option<i64>,
        position: Option<String>,
        manager: bool,
    }
    let sql = format!(
        "SELECT u.id, u.organization_id, u.position, u.manager FROM users u WHERE u.email_domain = $1 AND {} ORDER BY u.id{}",
        group.condition(),
        crate::dialect::for_update(conn.get_database_backend())
    );
    let values = match group {
        MatchGroup::Unaffiliated => vec![domain.into()],
        MatchGroup::OtherOrganization => vec![domain.into(), owner.0.into()],
    };
    let rows: Vec<Row> = sql::all(conn, &sql, values).await?;
    Ok(rows
        .into_iter()
        .map(|row| MatchedUser {
            id: UserId(row.id),
            organization_id: row.organization_id.map(OrganizationId),
            position: row.position,
            manager: row.manager,
        })
        .collect())
}

/// A user whose email matches a domain, with their place before moving.
pub struct MatchedUser {
    pub id: UserId,
    pub organization_id: Option<OrganizationId>,
    pub position: Option<String>,
    pub manager: bool,
}
