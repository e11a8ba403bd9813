//! Organizations and their hierarchy.

use crate::error::StoreError;
use crate::sql::{self, placeholders};
use orgdesk_core::hierarchy::{ChainLink, MAX_DEPTH};
use orgdesk_core::model::Organization;
use orgdesk_core::{Contact, OrganizationId};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::HashMap;

/// Columns of an organization, with its member count (kept by [`add_member_counts`]).
const SELECT: &str = "SELECT o.id, o.name, o.summary, o.parent_id, o.contacts, o.external_id, o.version, o.created_at, o.updated_at, \
     COALESCE(c.members, 0) AS member_count, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM organization_field_values v WHERE v.organization_id = o.id) \
       THEN 1 ELSE 0 END AS BIGINT) AS holds_field_values \
     FROM organizations o \
     LEFT JOIN organization_member_counts c ON c.organization_id = o.id";

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    name: String,
    summary: Option<String>,
    parent_id: Option<i64>,
    contacts: String,
    external_id: Option<String>,
    version: i64,
    created_at: i64,
    updated_at: i64,
    member_count: i64,
    /// 0 or 1: a computed column reads as an integer on both engines.
    holds_field_values: i64,
}

impl Row {
    fn into_organization(
        self,
        domains: Vec<String>,
        usergroup_ids: Vec<i64>,
    ) -> Result<Organization, StoreError> {
        let contacts: Vec<Contact> = serde_json::from_str(&self.contacts).map_err(|err| {
            StoreError::custom(format!(
                "organization {} has unreadable contacts: {err}",
                self.id
            ))
        })?;
        Ok(Organization {
            id: OrganizationId(self.id),
            name: self.name,
            summary: self.summary,
            parent_id: self.parent_id.map(OrganizationId),
            contacts,
            domains,
            usergroup_ids,
            external_id: self.external_id,
            member_count: self.member_count,
            fields: Vec::new(),
            holds_field_values: self.holds_field_values != 0,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

/// Loads full organizations for rows, fetching all their domains and all their
/// usergroup links in one query each.
async fn with_domains<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<Row>,
) -> Result<Vec<Organization>, StoreError> {
    let ids: Vec<OrganizationId> = rows.iter().map(|row| OrganizationId(row.id)).collect();
    let mut domains = crate::domains::list_for(conn, &ids).await?;
    let mut usergroups = crate::usergroups::linked_to(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let id = OrganizationId(row.id);
            let own = domains.remove(&id).unwrap_or_default();
            let linked = usergroups.remove(&id).unwrap_or_default();
            row.into_organization(own, linked)
        })
        .collect()
}

pub struct NewOrganizationRow<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    pub summary: Option<&'a str>,
    pub contacts: &'a [Contact],
    pub parent_id: Option<OrganizationId>,
    pub external_id: Option<&'a str>,
    pub at: i64,
}

fn contacts_json(contacts: &[Contact]) -> String {
    serde_json::to_string(contacts).expect("contacts always serialize")
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: &NewOrganizationRow<'_>,
) -> Result<OrganizationId, StoreError> {
    let id: Option<i64> = sql::scalar(
        conn,
        "INSERT INTO organizations (name, name_key, summary, contacts, parent_id, external_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id AS value",
        vec![
            new.name.into(),
            new.name_key.into(),
            new.summary.map(str::to_owned).into(),
            contacts_json(new.contacts).into(),
            new.parent_id.map(|id| id.0).into(),
            new.external_id.map(str::to_owned).into(),
            new.at.into(),
        ],
    )
    .await?;
    id.map(OrganizationId)
        .ok_or_else(|| StoreError::custom("insert returned no id".into()))
}

pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
) -> Result<Option<Organization>, StoreError> {
    let rows: Vec<Row> = sql::all(
        conn,
        &format!("{SELECT} WHERE o.id = $1"),
        vec![id.0.into()],
    )
    .await?;
    Ok(with_domains(conn, rows).await?.pop())
}

/// The id, name and version of an organization, without its members or domains.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Head {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub version: i64,
}

pub async fn find_head<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
) -> Result<Option<Head>, StoreError> {
    sql::one(
        conn,
        "SELECT id, name, parent_id, version FROM organizations WHERE id = $1",
        vec![id.0.into()],
    )
    .await
}

/// Heads of the given organizations (missing ones are left out).
pub async fn heads<C: ConnectionTrait>(
    conn: &C,
    ids: &[OrganizationId],
) -> Result<Vec<Head>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sql::all(
        conn,
        &format!(
            "SELECT id, name, parent_id, version FROM organizations WHERE id IN ({})",
            placeholders(1, ids.len())
        ),
        ids.iter().map(|id| id.0.into()).collect(),
    )
    .await
}

pub async fn find_head_by_name_key<C: ConnectionTrait>(
    conn: &C,
    name_key: &str,
) -> Result<Option<Head>, StoreError> {
    sql::one(
        conn,
        "SELECT id, name, parent_id, version FROM organizations WHERE name_key = $1",
        vec![name_key.into()],
    )
    .await
}

pub async fn find_head_by_external_id<C: ConnectionTrait>(
    conn: &C,
    external_id: &str,
) -> Result<Option<Head>, StoreError> {
    sql::one(
        conn,
        "SELECT id, name, parent_id, version FROM organizations WHERE external_id = $1",
        vec![external_id.into()],
    )
    .await
}

/// One organization as an import sees it: how a file may name it, and where it sits.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DirectoryEntry {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub external_id: Option<String>,
    pub parent_id: Option<i64>,
}

/// Up to `limit` organizations after id `after`, in id order, as directory entries.
pub async fn directory_page<C: ConnectionTrait>(
    conn: &C,
    after: i64,
    limit: u64,
) -> Result<Vec<DirectoryEntry>, StoreError> {
    sql::all(
        conn,
        "SELECT id, name, name_key, external_id, parent_id FROM organizations WHERE id > $1 ORDER BY id LIMIT $2",
        vec![after.into(), (limit as i64).into()],
    )
    .await
}

/// The organizations a file may name by these references: those whose external id is
/// one of `external_ids` or whose name key is one of `name_keys`.
pub async fn directory_matching<C: ConnectionTrait>(
    conn: &C,
    external_ids: &[&str],
    name_keys: &[&str],
) -> Result<Vec<DirectoryEntry>, StoreError> {
    let mut found = Vec::new();
    for (column, keys) in [("external_id", external_ids), ("name_key", name_keys)] {
        for chunk in keys.chunks(sql::IN_CHUNK) {
            let rows: Vec<DirectoryEntry> = sql::all(
                conn,
                &format!(
                    "SELECT id, name, name_key, external_id, parent_id FROM organizations WHERE {column} IN ({})",
                    placeholders(1, chunk.len())
                ),
                chunk.iter().map(|k| (*k).into()).collect(),
            )
            .await?;
            found.extend(rows);
        }
    }
    Ok(found)
}

/// How a list of organizations is narrowed.
#[derive(Debug, Default, Clone)]
pub struct OrganizationFilter {
    /// Lower-cased name prefix.
    pub name_prefix: Option<String>,
    /// `Some(None)`: top-level organizations; `Some(Some(id))`: children of `id`.
    pub parent: Option<Option<OrganizationId>>,
    /// Only the organization owning this (normalized) domain.
    pub domain: Option<String>,
    /// Only organizations holding each of these (custom field, filter key) pairs.
    pub fields: Vec<(orgdesk_core::fields::FieldId, String)>,
}

/// Organizations in case-insensitive name order; `after` is the name key of the last
/// row of the previous page.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &OrganizationFilter,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Organization>, StoreError> {
    let mut conditions = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let bind = |value: Value, values: &mut Vec<Value>| {
        values.push(value);
        format!("${}", values.len())
    };
    if let Some(prefix) = &filter.name_prefix {
        let low = bind(prefix.clone().into(), &mut values);
        let high = bind(format!("{prefix}\u{10FFFF}").into(), &mut values);
        conditions.push(format!("o.name_key >= {low} AND o.name_key < {high}"));
    }
    match filter.parent {
        Some(Some(parent)) => {
            let p = bind(parent.0.into(), &mut values);
            conditions.push(format!("o.parent_id = {p}"));
        }
        Some(None) => conditions.push("o.parent_id IS NULL".into()),
        None => {}
    }
    if let Some(domain) = &filter.domain {
        let d = bind(domain.clone().into(), &mut values);
        conditions.push(format!(
            "o.id IN (SELECT organization_id FROM organization_domains WHERE domain = {d})"
        ));
    }
    for (field, filter_key) in &filter.fields {
        let f = bind(field.0.into(), &mut values);
        let k = bind(filter_key.clone().into(), &mut values);
        conditions.push(format!(
            "o.id IN (SELECT organization_id FROM organization_field_values WHERE field_id = {f} AND filter_key = {k})"
        ));
    }
    if let Some(after) = after {
        let a = bind(after.into(), &mut values);
        conditions.push(format!("o.name_key > {a}"));
    }
    let limit = bind((limit as i64).into(), &mut values);
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let rows: Vec<Row> = sql::all(
        conn,
        &format!("{SELECT}{where_clause} ORDER BY o.name_key LIMIT {limit}"),
        values,
    )
    .await?;
    with_domains(conn, rows).await
}

pub struct OrganizationUpdate<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    pub summary: Option<&'a str>,
    pub contacts: &'a [Contact],
    pub parent_id: Option<OrganizationId>,
    pub external_id: Option<&'a str>,
    pub at: i64,
}

/// Writes every editable column and bumps the version, only if the version is still
/// `expected_version`. Returns false when it was not (a concurrent change won).
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
    expected_version: i64,
    update: &OrganizationUpdate<'_>,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "UPDATE organizations SET name = $1, name_key = $2, summary = $3, contacts = $4, parent_id = $5, external_id = $6, \
         updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
        vec![
            update.name.into(),
            update.name_key.into(),
            update.summary.map(str::to_owned).into(),
            contacts_json(update.contacts).into(),
            update.parent_id.map(|id| id.0).into(),
            update.external_id.map(str::to_owned).into(),
            update.at.into(),
            id.0.into(),
            expected_version.into(),
        ],
    )
    .await?;
    Ok(rows == 1)
}

/// Records that something about the organization changed (a domain, a member) without
/// touching its columns, so readers holding the old version learn about it.
/// [`touch`] for many organizations at once.
pub async fn touch_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[OrganizationId],
    at: i64,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(sql::IN_CHUNK) {
        let mut values: Vec<sea_orm::Value> = vec![at.into()];
        values.extend(chunk.iter().map(|id| id.0.into()));
        sql::execute(
            conn,
            &format!(
                "UPDATE organizations SET updated_at = $1, version = version + 1 WHERE id IN ({})",
                placeholders(2, chunk.len())
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

pub async fn touch<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE organizations SET updated_at = $1, version = version + 1 WHERE id = $2",
        vec![at.into(), id.0.into()],
    )
    .await?;
    Ok(())
}

/// Moves an organization under `parent` (or to the top level) and bumps its version.
pub async fn set_parent<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
    parent: Option<OrganizationId>,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE organizations SET parent_id = $1, updated_at = $2, version = version + 1 WHERE id = $3",
        vec![parent.map(|p| p.0).into(), at.into(), id.0.into()],
    )
    .await?;
    Ok(())
}

/// The organization followed by its ancestors up to the root, in one recursive query.
/// The walk stops after `MAX_DEPTH` levels up: a chain of more than `MAX_DEPTH` links
/// never reached a root (a stored cycle), and callers refuse it.
pub async fn chain<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
) -> Result<Vec<ChainLink>, StoreError> {
    #[derive(FromQueryResult)]
    struct Link {
        id: i64,
        name: String,
    }
    let links: Vec<Link> = sql::all(
        conn,
        "WITH RECURSIVE chain(id, name, parent_id, depth) AS ( \
           SELECT id, name, parent_id, 0 FROM organizations WHERE id = $1 \
           UNION ALL \
           SELECT o.id, o.name, o.parent_id, c.depth + 1 FROM organizations o JOIN chain c ON o.id = c.parent_id WHERE c.depth < $2 \
         ) SELECT id, name FROM chain ORDER BY depth",
        vec![id.0.into(), (MAX_DEPTH as i64).into()],
    )
    .await?;
    Ok(links
        .into_iter()
        .map(|link| ChainLink {
            id: OrganizationId(link.id),
            name: link.name,
        })
        .collect())
}

/// Full records of the given organizations, in the given order.
pub async fn get_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[OrganizationId],
) -> Result<Vec<Organization>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = sql::all(
        conn,
        &format!("{SELECT} WHERE o.id IN ({})", placeholders(1, ids.len())),
        ids.iter().map(|id| id.0.into()).collect(),
    )
    .await?;
    let mut by_id: HashMap<OrganizationId, Organization> = with_domains(conn, rows)
        .await?
        .into_iter()
        .map(|org| (org.id, org))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Every organization below `id`, nearest first, in pages ordered by (depth, id).
pub async fn descendants<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
    after: Option<(i64, i64)>,
    limit: u64,
) -> Result<Vec<(i64, Organization)>, StoreError> {
    #[derive(FromQueryResult)]
    struct Below {
        id: i64,
        depth: i64,
    }
    let (after_depth, after_id) = after.unwrap_or((0, 0));
    let below: Vec<Below> = sql::all(
        conn,
        "WITH RECURSIVE below(id, depth) AS ( \
           SELECT id, CAST(1 AS BIGINT) FROM organizations WHERE parent_id = $1 \
           UNION ALL \
           SELECT o.id, b.depth + 1 FROM organizations o JOIN below b ON o.parent_id = b.id WHERE b.depth < $5 \
         ) SELECT id, depth FROM below WHERE depth > $2 OR (depth = $2 AND id > $3) ORDER BY depth, id LIMIT $4",
        vec![id.0.into(), after_depth.into(), after_id.into(), (limit as i64).into(), (MAX_DEPTH as i64).into()],
    )
    .await?;
    let ids: Vec<OrganizationId> = below.iter().map(|b| OrganizationId(b.id)).collect();
    let orgs = get_many(conn, &ids).await?;
    Ok(below.iter().map(|b| b.depth).zip(orgs).collect())
}

/// How many levels the subtree of `id` reaches below it (0 for a leaf), walking at
/// most `MAX_DEPTH` levels.
pub async fn subtree_height<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
) -> Result<usize, StoreError> {
    let height: Option<i64> = sql::scalar(
        conn,
        "WITH RECURSIVE below(id, depth) AS ( \
           SELECT id, CAST(0 AS BIGINT) FROM organizations WHERE id = $1 \
           UNION ALL \
           SELECT o.id, b.depth + 1 FROM organizations o JOIN below b ON o.parent_id = b.id WHERE b.depth < $2 \
         ) SELECT MAX(depth) AS value FROM below",
        vec![id.0.into(), (MAX_DEPTH as i64).into()],
    )
    .await?;
    Ok(height.unwrap_or(0).max(0) as usize)
}

/// The direct children of `id` (ids only).
pub async fn child_ids<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
) -> Result<Vec<(OrganizationId, String)>, StoreError> {
    #[derive(FromQueryResult)]
    struct Child {
        id: i64,
        name: String,
    }
    let children: Vec<Child> = sql::all(
        conn,
        "SELECT id, name FROM organizations WHERE parent_id = $1 ORDER BY id",
        vec![id.0.into()],
    )
    .await?;
    Ok(children
        .into_iter()
        .map(|c| (OrganizationId(c.id), c.name))
        .collect())
}

/// Makes the direct children of `id` top-level organizations; returns how many.
pub async fn detach_children<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
    at: i64,
) -> Result<u64, StoreError> {
    sql::execute(
        conn,
        "UPDATE organizations SET parent_id = NULL, updated_at = $1, version = version + 1 WHERE parent_id = $2",
        vec![at.into(), id.0.into()],
    )
    .await
}

pub async fn delete<C: ConnectionTrait>(conn: &C, id: OrganizationId) -> Result<bool, StoreError> {
    // Its members have left by now; the count row goes with it (no foreign key does it).
    sql::execute(
        conn,
        "DELETE FROM organization_member_counts WHERE organization_id = $1",
        vec![id.0.into()],
    )
    .await?;
    Ok(sql::execute(
        conn,
        "DELETE FROM organizations WHERE id = $1",
        vec![id.0.into()],
    )
    .await?
        == 1)
}

/// Changes organizations' member counts by these amounts (users joined, left or moved),
/// in id order: the counts are the last rows a moving transaction locks, always in the
/// same order, so two moves never wait on each other in a circle.
pub async fn add_member_counts<C: ConnectionTrait>(
    conn: &C,
    deltas: &HashMap<OrganizationId, i64>,
) -> Result<(), StoreError> {
    let mut deltas: Vec<(OrganizationId, i64)> = deltas
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(id, n)| (*id, *n))
        .collect();
    deltas.sort_by_key(|(id, _)| id.0);
    for chunk in deltas.chunks(sql::IN_CHUNK / 2) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let values: Vec<Value> = chunk
            .iter()
            .flat_map(|(id, n)| [Value::from(id.0), Value::from(*n)])
            .collect();
        sql::execute(
            conn,
            &format!(
                "INSERT INTO organization_member_counts (organization_id, members) VALUES {} \
                 ON CONFLICT (organization_id) DO UPDATE SET members = organization_member_counts.members + excluded.members",
                rows.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}
