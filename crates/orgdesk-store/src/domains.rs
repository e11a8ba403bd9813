//! Email domains associated with organizations, and the users they match.

use crate::sql::{self, placeholders};
use orgdesk_core::OrganizationId;
use orgdesk_core::model::{OrganizationRef, User};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use std::collections::HashMap;

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    domain: &str,
    at: i64,
) -> Result<(), DbErr> {
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
) -> Result<bool, DbErr> {
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
) -> Result<Option<OrganizationRef>, DbErr> {
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

/// The domains of each of the given organizations, sorted.
pub async fn list_for<C: ConnectionTrait>(
    conn: &C,
    organizations: &[OrganizationId],
) -> Result<HashMap<OrganizationId, Vec<String>>, DbErr> {
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
) -> Result<i64, DbErr> {
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
) -> Result<Vec<User>, DbErr> {
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

/// Moves every user of `domain` in `group` into `owner`, in set-based statements:
/// first the events (a `member_removed` on each previous organization and a
/// `member_added` on the owner, per user), then the move itself. Position and manager
/// flag belong to the old membership and are cleared. Returns how many users moved.
pub async fn apply_matches<C: ConnectionTrait>(
    conn: &C,
    owner: OrganizationId,
    domain: &str,
    group: MatchGroup,
    actor: &crate::events::ActorColumns<'_>,
    at: i64,
) -> Result<u64, DbErr> {
    let condition = group.condition();
    // Both event inserts bind the same values: $1 domain, $2 owner, $3–$6 when and who,
    // $7 the history flag.
    let event_values = || -> Vec<sea_orm::Value> {
        vec![
            domain.into(),
            owner.0.into(),
            at.into(),
            actor.kind.into(),
            actor.id.into(),
            actor.name.into(),
            true.into(),
        ]
    };
    if group == MatchGroup::OtherOrganization {
        sql::execute(
            conn,
            &format!(
                "INSERT INTO organization_events (organization_id, at, actor_type, actor_id, actor_name, action, user_id, changes, history) \
                 SELECT u.organization_id, $3, $4, $5, $6, 'member_removed', u.id, \
                   '[{{\"field\":\"organization_id\",\"old\":' || CAST(u.organization_id AS TEXT) || ',\"new\":' || CAST($2 AS TEXT) || '}}]', $7 \
                 FROM users u WHERE u.email_domain = $1 AND {condition}"
            ),
            event_values(),
        )
        .await?;
    }
    sql::execute(
        conn,
        &format!(
            "INSERT INTO organization_events (organization_id, at, actor_type, actor_id, actor_name, action, user_id, changes, history) \
             SELECT $2, $3, $4, $5, $6, 'member_added', u.id, \
               '[{{\"field\":\"organization_id\",\"old\":' || COALESCE(CAST(u.organization_id AS TEXT), 'null') || ',\"new\":' || CAST($2 AS TEXT) || '}}]', $7 \
             FROM users u WHERE u.email_domain = $1 AND {condition}"
        ),
        event_values(),
    )
    .await?;
    sql::execute(
        conn,
        &format!(
            "UPDATE users SET organization_id = $2, position = NULL, manager = $3, updated_at = $4 \
             WHERE id IN (SELECT u.id FROM users u WHERE u.email_domain = $1 AND {condition})"
        ),
        vec![domain.into(), owner.0.into(), false.into(), at.into()],
    )
    .await
}
