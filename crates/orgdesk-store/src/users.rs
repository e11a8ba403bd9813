//! End users (customers) and their organization membership.

use crate::error::StoreError;
use crate::sql;
use crate::tokens::{Credentials, CredentialsRow};
use orgdesk_core::model::{OrganizationRef, User};
use orgdesk_core::{OrganizationId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::HashMap;

const SELECT: &str = "SELECT u.id, u.name, u.email, u.organization_id, o.name AS organization_name, u.position, u.manager, \
     u.external_id, u.auto_cc, u.notifications, u.disabled_at, u.created_at, u.updated_at FROM users u LEFT JOIN organizations o ON o.id = u.organization_id";

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    name: String,
    email: String,
    organization_id: Option<i64>,
    organization_name: Option<String>,
    position: Option<String>,
    manager: bool,
    external_id: Option<String>,
    auto_cc: bool,
    notifications: bool,
    disabled_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for User {
    fn from(row: Row) -> Self {
        User {
            id: UserId(row.id),
            name: row.name,
            email: row.email,
            organization: match (row.organization_id, row.organization_name) {
                (Some(id), Some(name)) => Some(OrganizationRef {
                    id: OrganizationId(id),
                    name,
                }),
                _ => None,
            },
            position: row.position,
            manager: row.manager,
            external_id: row.external_id,
            auto_cc_organization_tickets: row.auto_cc,
            notifications: row.notifications,
            disabled: row.disabled_at.is_some(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Users matching `condition` (SQL over alias `u`, may end in ORDER BY / LIMIT).
pub(crate) async fn select_where<C: ConnectionTrait>(
    conn: &C,
    condition: &str,
    values: Vec<Value>,
) -> Result<Vec<User>, StoreError> {
    let rows: Vec<Row> = sql::all(conn, &format!("{SELECT} WHERE {condition}"), values).await?;
    Ok(rows.into_iter().map(User::from).collect())
}

pub struct NewUserRow<'a> {
    pub name: &'a str,
    /// The name as searched: trimmed, lower case.
    pub name_key: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub email_domain: &'a str,
    pub password_hash: Option<&'a str>,
    pub organization_id: Option<OrganizationId>,
    pub position: Option<&'a str>,
    pub manager: bool,
    pub external_id: Option<&'a str>,
    pub at: i64,
}

/// Rows per multi-row INSERT. SQLite keeps a copy of every page a statement changes,
/// to undo that statement alone: with 500 rows a statement, an import of a few hundred
/// thousand users in one transaction failed with "database or disk is full" (at 100 it
/// imports a million). Parameters bind by index (see `sqlite::bind`), so larger
/// statements would not cost more per row to bind.
const INSERT_CHUNK: usize = 100;

/// A user as inserted: its id and the organization it ended up in, with that
/// organization's name (read by the INSERT itself, so the response needs no read of
/// its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted {
    pub id: UserId,
    pub organization: Option<(OrganizationId, String)>,
}

impl Inserted {
    pub fn organization_id(&self) -> Option<OrganizationId> {
        self.organization.as_ref().map(|(id, _)| *id)
    }
}

/// Inserts users with multi-row statements. A user without `organization_id` joins the
/// organization owning their email's domain (if any) in the same statement. Returns
/// one entry per row, in the order given.
pub async fn insert_many<C: ConnectionTrait>(
    conn: &C,
    rows: &[NewUserRow<'_>],
) -> Result<Vec<Inserted>, StoreError> {
    #[derive(FromQueryResult)]
    struct Returned {
        id: i64,
        email_key: String,
        organization_id: Option<i64>,
        organization_name: Option<String>,
    }
    let mut inserted = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        let mut tuples = Vec::with_capacity(chunk.len());
        for row in chunk {
            let n = values.len();
            tuples.push(format!(
                "(${}, ${}, ${}, ${d}, ${}, COALESCE(${}, (SELECT od.organization_id FROM organization_domains od WHERE od.domain = ${d})), ${}, ${}, ${}, ${at}, ${at}, ${}, ${})",
                n + 1, n + 2, n + 3, n + 5, n + 6, n + 7, n + 8, n + 9, n + 11, n + 12, d = n + 4, at = n + 10
            ));
            values.extend([
                row.name.into(),
                row.email.into(),
                row.email_key.into(),
                row.email_domain.into(),
                row.password_hash.map(str::to_owned).into(),
                row.organization_id.map(|id| id.0).into(),
                row.position.map(str::to_owned).into(),
                row.manager.into(),
                false.into(),
                row.at.into(),
                row.name_key.into(),
                row.external_id.map(str::to_owned).into(),
            ]);
        }
        let returned: Vec<Returned> = sql::all(
            conn,
            &format!(
                "INSERT INTO users (name, email, email_key, email_domain, password_hash, organization_id, position, manager, auto_cc, created_at, updated_at, name_key, external_id) \
                 VALUES {} RETURNING id, email_key, organization_id, \
                 (SELECT o.name FROM organizations o WHERE o.id = users.organization_id) AS organization_name",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
        // RETURNING promises no order: match rows back by their unique email key.
        let mut by_key: HashMap<String, Inserted> = returned
            .into_iter()
            .map(|r| {
                (
                    r.email_key,
                    Inserted {
                        id: UserId(r.id),
                        organization: r.organization_id.map(|id| {
                            (OrganizationId(id), r.organization_name.unwrap_or_default())
                        }),
                    },
                )
            })
            .collect();
        for row in chunk {
            inserted.push(by_key.remove(row.email_key).ok_or_else(|| {
                StoreError::custom(format!("no row returned for {}", row.email_key))
            })?);
        }
    }
    let mut joined: HashMap<OrganizationId, i64> = HashMap::new();
    for organization in inserted.iter().filter_map(Inserted::organization_id) {
        *joined.entry(organization).or_default() += 1;
    }
    crate::organizations::add_member_counts(conn, &joined).await?;
    Ok(inserted)
}

/// Which of these email keys already belong to users.
pub async fn existing_email_keys<C: ConnectionTrait>(
    conn: &C,
    keys: &[&str],
) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for chunk in keys.chunks(INSERT_CHUNK) {
        let rows: Vec<sql::Scalar<String>> = sql::all(
            conn,
            &format!(
                "SELECT email_key AS value FROM users WHERE email_key IN ({})",
                sql::placeholders(1, chunk.len())
            ),
            chunk.iter().map(|k| (*k).into()).collect(),
        )
        .await?;
        found.extend(rows.into_iter().map(|r| r.value));
    }
    Ok(found)
}

/// The users with one of these email keys or external ids (each once).
pub async fn matching<C: ConnectionTrait>(
    conn: &C,
    email_keys: &[&str],
    external_ids: &[&str],
) -> Result<Vec<User>, StoreError> {
    let mut found: Vec<User> = Vec::new();
    for (column, keys) in [("email_key", email_keys), ("external_id", external_ids)] {
        for chunk in keys.chunks(sql::IN_CHUNK) {
            let rows = select_where(
                conn,
                &format!("u.{column} IN ({})", sql::placeholders(1, chunk.len())),
                chunk.iter().map(|k| (*k).into()).collect(),
            )
            .await?;
            found.extend(rows);
        }
    }
    found.sort_by_key(|u| u.id);
    found.dedup_by_key(|u| u.id);
    Ok(found)
}

/// Which of these external ids already belong to users.
pub async fn existing_external_ids<C: ConnectionTrait>(
    conn: &C,
    external_ids: &[&str],
) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for chunk in external_ids.chunks(INSERT_CHUNK) {
        let rows: Vec<sql::Scalar<String>> = sql::all(
            conn,
            &format!(
                "SELECT external_id AS value FROM users WHERE external_id IN ({})",
                sql::placeholders(1, chunk.len())
            ),
            chunk.iter().map(|k| (*k).into()).collect(),
        )
        .await?;
        found.extend(rows.into_iter().map(|r| r.value));
    }
    Ok(found)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: UserId) -> Result<Option<User>, StoreError> {
    Ok(select_where(conn, "u.id = $1", vec![id.0.into()])
        .await?
        .pop())
}

/// The given users, in the given order (missing ones left out).
pub async fn get_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[UserId],
) -> Result<Vec<User>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = select_where(
        conn,
        &format!("u.id IN ({})", sql::placeholders(1, ids.len())),
        ids.iter().map(|id| id.0.into()).collect(),
    )
    .await?;
    let mut by_id: HashMap<UserId, User> = found.into_iter().map(|u| (u.id, u)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Which of `ids` are users.
pub async fn existing_ids<C: ConnectionTrait>(
    conn: &C,
    ids: &[UserId],
) -> Result<Vec<UserId>, StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    Ok(sql::existing_ids(conn, "users", &ids)
        .await?
        .into_iter()
        .map(UserId)
        .collect())
}

pub async fn find_id_by_email_key<C: ConnectionTrait>(
    conn: &C,
    email_key: &str,
) -> Result<Option<UserId>, StoreError> {
    Ok(sql::scalar(
        conn,
        "SELECT id AS value FROM users WHERE email_key = $1",
        vec![email_key.into()],
    )
    .await?
    .map(UserId))
}

/// The stored password hash of the user with this email, for sign-in.
/// The end user signing in with this email, if any.
pub async fn credentials<C: ConnectionTrait>(
    conn: &C,
    email_key: &str,
) -> Result<Option<Credentials<UserId>>, StoreError> {
    let row: Option<CredentialsRow> = sql::one(
        conn,
        "SELECT id, password_hash, disabled_at FROM users WHERE email_key = $1",
        vec![email_key.into()],
    )
    .await?;
    Ok(row.map(|row| row.into_credentials(UserId)))
}

/// Switches a user off (`disabled` true) or back on, as of `at`.
pub async fn set_disabled<C: ConnectionTrait>(
    conn: &C,
    id: UserId,
    disabled: bool,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE users SET disabled_at = $1, updated_at = $2 WHERE id = $3",
        vec![disabled.then_some(at).into(), at.into(), id.0.into()],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Lower-cased prefix of the email or of the name.
    pub prefix: Option<String>,
    pub organization_id: Option<OrganizationId>,
    pub manager: Option<bool>,
}

/// Users in id order after `after`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &UserFilter,
    after: i64,
    limit: u64,
) -> Result<Vec<User>, StoreError> {
    let mut conditions = vec!["u.id > $1".to_owned()];
    let mut values: Vec<Value> = vec![after.into()];
    if let Some(prefix) = &filter.prefix {
        // Two index ranges (email key, name key) rather than a LIKE over every user.
        values.push(prefix.clone().into());
        values.push(format!("{prefix}\u{10FFFF}").into());
        let (low, high) = (values.len() - 1, values.len());
        conditions.push(format!(
            "u.id IN (SELECT id FROM users WHERE email_key >= ${low} AND email_key < ${high} \
             UNION SELECT id FROM users WHERE name_key >= ${low} AND name_key < ${high})"
        ));
    }
    if let Some(organization) = filter.organization_id {
        values.push(organization.0.into());
        conditions.push(format!("u.organization_id = ${}", values.len()));
    }
    // Written out rather than bound: the managers' partial index is chosen only for a
    // condition that says `u.manager` itself.
    match filter.manager {
        Some(true) => conditions.push("u.manager".to_owned()),
        Some(false) => conditions.push("NOT u.manager".to_owned()),
        None => {}
    }
    values.push((limit as i64).into());
    let condition = format!(
        "{} ORDER BY u.id LIMIT ${}",
        conditions.join(" AND "),
        values.len()
    );
    select_where(conn, &condition, values).await
}

/// Which users change organization.
#[derive(Debug, Clone, Copy)]
pub enum Movers<'a> {
    /// These users (already locked by the caller where it decided on them).
    Ids(&'a [UserId]),
    /// Every member of this organization, in one statement (which locks them itself).
    MembersOf(OrganizationId),
}

/// Moves users into `organization` (or, with `None`, out of any) as new members, and
/// returns how many moved.
///
/// The one place the rule "leaving an organization resets position, manager flag and
/// auto-CC" is written: these belonged to the membership being left, so every way out
/// of an organization (a move, a PATCH, a domain apply, the organization's deletion)
/// writes the new membership through here. The new membership may carry a position and
/// manager flag of its own; auto-CC always starts off (a manager opts in again).
pub async fn change_organization<C: ConnectionTrait>(
    conn: &C,
    movers: Movers<'_>,
    organization: Option<OrganizationId>,
    position: Option<&str>,
    manager: bool,
    at: i64,
) -> Result<u64, StoreError> {
    let new_membership = || -> Vec<Value> {
        vec![
            organization.map(|o| o.0).into(),
            position.map(str::to_owned).into(),
            manager.into(),
            false.into(),
            at.into(),
        ]
    };
    const SET: &str = "UPDATE users SET organization_id = $1, position = $2, manager = $3, auto_cc = $4, updated_at = $5";
    // Member counts change by who left where and how many arrived.
    let mut counts: HashMap<OrganizationId, i64> = HashMap::new();
    let changed = match movers {
        Movers::MembersOf(old) => {
            let mut values = new_membership();
            values.push(old.0.into());
            let moved =
                sql::execute(conn, &format!("{SET} WHERE organization_id = $6"), values).await?;
            *counts.entry(old).or_default() -= moved as i64;
            moved
        }
        Movers::Ids(ids) => {
            let mut changed = 0;
            for chunk in ids.chunks(INSERT_CHUNK * 5) {
                let ids: Vec<Value> = chunk.iter().map(|id| Value::from(id.0)).collect();
                let leaving: Vec<MembersOf> = sql::all(
                    conn,
                    &format!(
                        "SELECT organization_id, COUNT(*) AS members FROM users \
                         WHERE organization_id IS NOT NULL AND id IN ({}) GROUP BY organization_id",
                        sql::placeholders(1, chunk.len())
                    ),
                    ids.clone(),
                )
                .await?;
                for left in leaving {
                    *counts
                        .entry(OrganizationId(left.organization_id))
                        .or_default() -= left.members;
                }
                let mut values = new_membership();
                values.extend(ids);
                changed += sql::execute(
                    conn,
                    &format!("{SET} WHERE id IN ({})", sql::placeholders(6, chunk.len())),
                    values,
                )
                .await?;
            }
            changed
        }
    };
    if let Some(organization) = organization {
        *counts.entry(organization).or_default() += changed as i64;
    }
    crate::organizations::add_member_counts(conn, &counts).await?;
    Ok(changed)
}

/// How many of the moving users an organization had.
#[derive(FromQueryResult)]
struct MembersOf {
    organization_id: i64,
    members: i64,
}

/// Changes the position and manager flag of a member staying in their organization.
/// Auto-CC is for managers: it goes when the flag does.
pub async fn update_membership<C: ConnectionTrait>(
    conn: &C,
    id: UserId,
    position: Option<&str>,
    manager: bool,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE users SET position = $1, manager = $2, auto_cc = (auto_cc AND $2), updated_at = $3 WHERE id = $4",
        vec![
            position.map(str::to_owned).into(),
            manager.into(),
            at.into(),
            id.0.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_auto_cc<C: ConnectionTrait>(
    conn: &C,
    id: UserId,
    auto_cc: bool,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE users SET auto_cc = $1, updated_at = $2 WHERE id = $3",
        vec![auto_cc.into(), at.into(), id.0.into()],
    )
    .await?;
    Ok(())
}

pub async fn set_notifications<C: ConnectionTrait>(
    conn: &C,
    id: UserId,
    notifications: bool,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE users SET notifications = $1, updated_at = $2 WHERE id = $3",
        vec![notifications.into(), at.into(), id.0.into()],
    )
    .await?;
    Ok(())
}

/// Changes a user's name and email (the email's key and domain follow it).
pub async fn set_identity<C: ConnectionTrait>(
    conn: &C,
    id: UserId,
    name: &str,
    email: &orgdesk_core::EmailAddress,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE users SET name = $1, email = $2, email_key = $3, email_domain = $4, updated_at = $5, name_key = $7 WHERE id = $6",
        vec![name.into(), email.as_str().into(), email.key().into(), email.domain().into(), at.into(), id.0.into(), orgdesk_core::text::name_key(name).into()],
    )
    .await?;
    Ok(())
}

/// Sets or clears a user's external id.
pub async fn set_external_id<C: ConnectionTrait>(
    conn: &C,
    id: UserId,
    external_id: Option<&str>,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE users SET external_id = $1, updated_at = $2 WHERE id = $3",
        vec![
            external_id.map(str::to_owned).into(),
            at.into(),
            id.0.into(),
        ],
    )
    .await?;
    Ok(())
}

/// The user with this external id, if any.
pub async fn find_id_by_external_id<C: ConnectionTrait>(
    conn: &C,
    external_id: &str,
) -> Result<Option<UserId>, StoreError> {
    Ok(sql::scalar(
        conn,
        "SELECT id AS value FROM users WHERE external_id = $1",
        vec![external_id.into()],
    )
    .await?
    .map(UserId))
}

pub async fn set_password_hash<C: ConnectionTrait>(
    conn: &C,
    id: UserId,
    hash: &str,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE users SET password_hash = $1 WHERE id = $2",
        vec![hash.into(), id.0.into()],
    )
    .await?;
    Ok(())
}
