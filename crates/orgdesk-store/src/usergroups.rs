//! Usergroups, direct members and organization links. Effective membership (direct ∪
//! through the user's organization) is computed by queries, never copied per user.

use crate::error::StoreError;
use crate::sql::{self, placeholders};
use orgdesk_core::model::{MembershipSources, Usergroup};
use orgdesk_core::{OrganizationId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    name: String,
    permissions: String,
    created_at: i64,
}

impl Row {
    fn into_usergroup(self) -> Result<Usergroup, StoreError> {
        let permissions = serde_json::from_str(&self.permissions).map_err(|err| {
            StoreError::custom(format!(
                "usergroup {} has unreadable permissions: {err}",
                self.id
            ))
        })?;
        Ok(Usergroup {
            id: self.id,
            name: self.name,
            permissions,
            created_at: self.created_at,
        })
    }
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    name_key: &str,
    permissions: &[String],
    at: i64,
) -> Result<i64, StoreError> {
    let id: Option<i64> = sql::scalar(
        conn,
        "INSERT INTO usergroups (name, name_key, permissions, created_at) VALUES ($1, $2, $3, $4) RETURNING id AS value",
        vec![name.into(), name_key.into(), serde_json::to_string(permissions).expect("strings serialize").into(), at.into()],
    )
    .await?;
    id.ok_or_else(|| StoreError::custom("insert returned no id".into()))
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Usergroup>, StoreError> {
    let row: Option<Row> = sql::one(
        conn,
        "SELECT id, name, permissions, created_at FROM usergroups WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    row.map(Row::into_usergroup).transpose()
}

/// The usergroups with these ids, in id order (missing ones left out).
pub async fn get_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<Vec<Usergroup>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(sql::IN_CHUNK) {
        let rows: Vec<Row> = sql::all(
            conn,
            &format!(
                "SELECT id, name, permissions, created_at FROM usergroups WHERE id IN ({}) ORDER BY id",
                placeholders(1, chunk.len())
            ),
            chunk.iter().map(|id| (*id).into()).collect(),
        )
        .await?;
        for row in rows {
            found.push(row.into_usergroup()?);
        }
    }
    Ok(found)
}

pub async fn find_id_by_name_key<C: ConnectionTrait>(
    conn: &C,
    name_key: &str,
) -> Result<Option<i64>, StoreError> {
    sql::scalar(
        conn,
        "SELECT id AS value FROM usergroups WHERE name_key = $1",
        vec![name_key.into()],
    )
    .await
}

/// Usergroups in id order after `after`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    after: i64,
    limit: u64,
) -> Result<Vec<Usergroup>, StoreError> {
    let rows: Vec<Row> = sql::all(
        conn,
        "SELECT id, name, permissions, created_at FROM usergroups WHERE id > $1 ORDER BY id LIMIT $2",
        vec![after.into(), (limit as i64).into()],
    )
    .await?;
    rows.into_iter().map(Row::into_usergroup).collect()
}

pub async fn is_direct_member<C: ConnectionTrait>(
    conn: &C,
    usergroup: i64,
    user: UserId,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sql::scalar(
        conn,
        "SELECT id AS value FROM usergroup_members WHERE usergroup_id = $1 AND user_id = $2",
        vec![usergroup.into(), user.0.into()],
    )
    .await?;
    Ok(found.is_some())
}

pub async fn add_member<C: ConnectionTrait>(
    conn: &C,
    usergroup: i64,
    user: UserId,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "INSERT INTO usergroup_members (usergroup_id, user_id, created_at) VALUES ($1, $2, $3)",
        vec![usergroup.into(), user.0.into(), at.into()],
    )
    .await?;
    Ok(())
}

pub async fn remove_member<C: ConnectionTrait>(
    conn: &C,
    usergroup: i64,
    user: UserId,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "DELETE FROM usergroup_members WHERE usergroup_id = $1 AND user_id = $2",
        vec![usergroup.into(), user.0.into()],
    )
    .await?;
    Ok(rows == 1)
}

pub async fn is_linked<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    usergroup: i64,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sql::scalar(
        conn,
        "SELECT id AS value FROM organization_usergroups WHERE organization_id = $1 AND usergroup_id = $2",
        vec![organization.0.into(), usergroup.into()],
    )
    .await?;
    Ok(found.is_some())
}

pub async fn link<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    usergroup: i64,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "INSERT INTO organization_usergroups (organization_id, usergroup_id, created_at) VALUES ($1, $2, $3)",
        vec![organization.0.into(), usergroup.into(), at.into()],
    )
    .await?;
    Ok(())
}

pub async fn unlink<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    usergroup: i64,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "DELETE FROM organization_usergroups WHERE organization_id = $1 AND usergroup_id = $2",
        vec![organization.0.into(), usergroup.into()],
    )
    .await?;
    Ok(rows == 1)
}

/// The usergroups linked to each of the given organizations, in id order.
pub async fn linked_to<C: ConnectionTrait>(
    conn: &C,
    organizations: &[OrganizationId],
) -> Result<HashMap<OrganizationId, Vec<i64>>, StoreError> {
    if organizations.is_empty() {
        return Ok(HashMap::new());
    }
    #[derive(FromQueryResult)]
    struct Link {
        organization_id: i64,
        usergroup_id: i64,
    }
    let links: Vec<Link> = sql::all(
        conn,
        &format!(
            "SELECT organization_id, usergroup_id FROM organization_usergroups WHERE organization_id IN ({}) ORDER BY usergroup_id",
            placeholders(1, organizations.len())
        ),
        organizations.iter().map(|id| id.0.into()).collect(),
    )
    .await?;
    let mut map: HashMap<OrganizationId, Vec<i64>> = HashMap::new();
    for link in links {
        map.entry(OrganizationId(link.organization_id))
            .or_default()
            .push(link.usergroup_id);
    }
    Ok(map)
}

/// A page of a usergroup's effective members (ids after `after`, in order), each with
/// why they are in it. Each source is read as its own bounded index range — the direct
/// members, then each linked organization's members — and merged here, so a page costs
/// the same for a group linked to a huge organization as for a small one.
///
/// The flags are exact: a user on the page has fewer than `limit` members before it, so
/// every source's first `limit` ids include all of that source's ids up to that user.
/// Linked organizations whose members one statement reads.
const LINKED_PER_STATEMENT: usize = 100;

pub async fn members<C: ConnectionTrait>(
    conn: &C,
    usergroup: i64,
    after: i64,
    limit: u64,
) -> Result<Vec<(UserId, MembershipSources)>, StoreError> {
    let bounded =
        |rows: Vec<sql::Scalar<i64>>| rows.into_iter().map(|r| r.value).collect::<BTreeSet<i64>>();
    let direct = bounded(
        sql::all(
            conn,
            "SELECT user_id AS value FROM usergroup_members WHERE usergroup_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3",
            vec![usergroup.into(), after.into(), (limit as i64).into()],
        )
        .await?,
    );
    let linked: Vec<sql::Scalar<i64>> = sql::all(
        conn,
        "SELECT organization_id AS value FROM organization_usergroups WHERE usergroup_id = $1",
        vec![usergroup.into()],
    )
    .await?;
    // The first `limit` members after `after` of each linked organization, each an
    // index range, in one statement per hundred organizations (no engine both
    // supports a per-group LIMIT in a join and keeps it an index range).
    let mut via = BTreeSet::new();
    for chunk in linked.chunks(LINKED_PER_STATEMENT) {
        let ranges: Vec<String> = (0..chunk.len())
            .map(|n| {
                format!(
                    "SELECT value FROM (SELECT id AS value FROM users WHERE organization_id = ${} AND id > $1 ORDER BY id LIMIT $2) AS r{n}",
                    n + 3
                )
            })
            .collect();
        let mut values: Vec<sea_orm::Value> = vec![after.into(), (limit as i64).into()];
        values.extend(chunk.iter().map(|org| org.value.into()));
        via.extend(bounded(
            sql::all(conn, &ranges.join(" UNION ALL "), values).await?,
        ));
    }
    Ok(direct
        .union(&via)
        .take(limit as usize)
        .map(|id| {
            (
                UserId(*id),
                MembershipSources {
                    direct: direct.contains(id),
                    via_organization: via.contains(id),
                },
            )
        })
        .collect())
}

/// The usergroups (id, name) each of these users is a direct member of (not those
/// they are in through their organization), each user's in name order.
pub async fn direct_of<C: ConnectionTrait>(
    conn: &C,
    users: &[UserId],
) -> Result<HashMap<UserId, Vec<(i64, String)>>, StoreError> {
    #[derive(FromQueryResult)]
    struct Membership {
        user_id: i64,
        id: i64,
        name: String,
    }
    let mut names: HashMap<UserId, Vec<(i64, String)>> = HashMap::new();
    for chunk in users.chunks(500) {
        let rows: Vec<Membership> = sql::all(
            conn,
            &format!(
                "SELECT m.user_id, g.id, g.name FROM usergroup_members m JOIN usergroups g ON g.id = m.usergroup_id \
                 WHERE m.user_id IN ({}) ORDER BY m.user_id, g.name_key",
                sql::placeholders(1, chunk.len())
            ),
            chunk.iter().map(|id| id.0.into()).collect(),
        )
        .await?;
        for row in rows {
            names
                .entry(UserId(row.user_id))
                .or_default()
                .push((row.id, row.name));
        }
    }
    Ok(names)
}

/// The usergroups a user is effectively in, with why.
pub async fn of_user<C: ConnectionTrait>(
    conn: &C,
    user: UserId,
) -> Result<Vec<(Usergroup, MembershipSources)>, StoreError> {
    #[derive(FromQueryResult)]
    struct Membership {
        id: i64,
        name: String,
        permissions: String,
        created_at: i64,
        /// Counts rather than EXISTS: a number reads the same from every engine.
        direct: i64,
        via_organization: i64,
    }
    let rows: Vec<Membership> = sql::all(
        conn,
        "SELECT g.id, g.name, g.permissions, g.created_at, \
           (SELECT COUNT(*) FROM usergroup_members d WHERE d.usergroup_id = g.id AND d.user_id = $1) AS direct, \
           (SELECT COUNT(*) FROM users u JOIN organization_usergroups l ON l.organization_id = u.organization_id \
                   WHERE u.id = $1 AND l.usergroup_id = g.id) AS via_organization \
         FROM usergroups g WHERE g.id IN ( \
           SELECT usergroup_id FROM usergroup_members WHERE user_id = $1 \
           UNION \
           SELECT l.usergroup_id FROM organization_usergroups l JOIN users u ON u.organization_id = l.organization_id WHERE u.id = $1 \
         ) ORDER BY g.id",
        vec![user.0.into()],
    )
    .await?;
    rows.into_iter()
        .map(|r| {
            let sources = MembershipSources {
                direct: r.direct > 0,
                via_organization: r.via_organization > 0,
            };
            Row {
                id: r.id,
                name: r.name,
                permissions: r.permissions,
                created_at: r.created_at,
            }
            .into_usergroup()
            .map(|g| (g, sources))
        })
        .collect()
}

/// Renames a usergroup and sets its permissions.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    name: &str,
    name_key: &str,
    permissions: &[String],
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE usergroups SET name = $2, name_key = $3, permissions = $4 WHERE id = $1",
        vec![
            id.into(),
            name.into(),
            name_key.into(),
            serde_json::to_string(permissions)
                .expect("strings serialize")
                .into(),
        ],
    )
    .await?;
    Ok(())
}

/// What a usergroup held when it was deleted: the organizations linked to it and the
/// users who were in it directly (with their organization then), in id order.
pub struct Removed {
    pub linked: Vec<OrganizationId>,
    pub direct_members: Vec<(UserId, Option<OrganizationId>)>,
}

/// The organizations linked to a usergroup, in id order.
pub async fn linked_organizations<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Vec<OrganizationId>, StoreError> {
    let linked: Vec<sql::Scalar<i64>> = sql::all(
        conn,
        "SELECT organization_id AS value FROM organization_usergroups WHERE usergroup_id = $1 ORDER BY organization_id",
        vec![id.into()],
    )
    .await?;
    Ok(linked
        .into_iter()
        .map(|r| OrganizationId(r.value))
        .collect())
}

/// Deletes a usergroup with its links and direct memberships, returning what they were.
pub async fn delete<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Removed, StoreError> {
    let linked = linked_organizations(conn, id).await?;
    #[derive(FromQueryResult)]
    struct Member {
        user_id: i64,
        organization_id: Option<i64>,
    }
    let members: Vec<Member> = sql::all(
        conn,
        "SELECT m.user_id, u.organization_id FROM usergroup_members m JOIN users u ON u.id = m.user_id \
         WHERE m.usergroup_id = $1 ORDER BY m.user_id",
        vec![id.into()],
    )
    .await?;
    for statement in [
        "DELETE FROM organization_usergroups WHERE usergroup_id = $1",
        "DELETE FROM usergroup_members WHERE usergroup_id = $1",
        "DELETE FROM usergroups WHERE id = $1",
    ] {
        sql::execute(conn, statement, vec![id.into()]).await?;
    }
    Ok(Removed {
        linked,
        direct_members: members
            .into_iter()
            .map(|m| (UserId(m.user_id), m.organization_id.map(OrganizationId)))
            .collect(),
    })
}
