//! Entitlements of organizations.

use crate::error::StoreError;
use crate::sql;
use orgdesk_core::OrganizationId;
use orgdesk_core::day::{format_day, parse_day};
use orgdesk_core::entitlement::{Entitlement, EntitlementTerms};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

const SELECT: &str = "SELECT id, organization_id, name, starts_on, ends_on, notes, version, created_at, updated_at \
     FROM organization_entitlements";

/// "Active on `$1`" in SQL, for ordering and filtering (days compare as text).
const ACTIVE_ON: &str =
    "(starts_on IS NULL OR starts_on <= $1) AND (ends_on IS NULL OR ends_on >= $1)";

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    organization_id: i64,
    name: String,
    starts_on: Option<String>,
    ends_on: Option<String>,
    notes: Option<String>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn into_entitlement(self) -> Result<Entitlement, StoreError> {
        let id = self.id;
        let day = |text: Option<String>| {
            text.map(|t| parse_day("day", &t))
                .transpose()
                .map_err(|_| StoreError::custom(format!("entitlement {id} has an unreadable day")))
        };
        Ok(Entitlement {
            id: self.id,
            organization_id: OrganizationId(self.organization_id),
            terms: EntitlementTerms {
                name: self.name,
                starts_on: day(self.starts_on)?,
                ends_on: day(self.ends_on)?,
                notes: self.notes,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

fn rows_into(rows: Vec<Row>) -> Result<Vec<Entitlement>, StoreError> {
    rows.into_iter().map(Row::into_entitlement).collect()
}

/// The term columns' values: name, starts_on, ends_on, notes.
fn term_values(terms: &EntitlementTerms) -> [Value; 4] {
    [
        terms.name.clone().into(),
        terms.starts_on.map(format_day).into(),
        terms.ends_on.map(format_day).into(),
        terms.notes.clone().into(),
    ]
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    terms: &EntitlementTerms,
    at: i64,
) -> Result<Entitlement, StoreError> {
    let mut values = term_values(terms).to_vec();
    values.extend([organization.0.into(), at.into()]);
    let row: Option<Row> = sql::one(
        conn,
        "INSERT INTO organization_entitlements (name, starts_on, ends_on, notes, organization_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) \
         RETURNING id, organization_id, name, starts_on, ends_on, notes, version, created_at, updated_at",
        values,
    )
    .await?;
    row.ok_or_else(|| StoreError::custom("insert returned no row".into()))?
        .into_entitlement()
}

pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Entitlement>, StoreError> {
    let row: Option<Row> =
        sql::one(conn, &format!("{SELECT} WHERE id = $1"), vec![id.into()]).await?;
    row.map(Row::into_entitlement).transpose()
}

/// A page of an organization's entitlements: active on `today` first, then by name;
/// `offset` rows in.
pub async fn list_for<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    today: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<Entitlement>, StoreError> {
    let rows: Vec<Row> = sql::all(
        conn,
        &format!(
            "{SELECT} WHERE organization_id = $2 ORDER BY CASE WHEN {ACTIVE_ON} THEN 0 ELSE 1 END, name, id LIMIT $3 OFFSET $4"
        ),
        vec![
            today.into(),
            organization.0.into(),
            (limit as i64).into(),
            (offset as i64).into(),
        ],
    )
    .await?;
    rows_into(rows)
}

/// The entitlements of an organization active on `today`, by name (at most `limit`).
pub async fn active_for<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    today: &str,
    limit: u64,
) -> Result<Vec<Entitlement>, StoreError> {
    let rows: Vec<Row> = sql::all(
        conn,
        &format!("{SELECT} WHERE organization_id = $2 AND {ACTIVE_ON} ORDER BY name, id LIMIT $3"),
        vec![today.into(), organization.0.into(), (limit as i64).into()],
    )
    .await?;
    rows_into(rows)
}

/// Writes new terms and bumps the version, only if it is still `expected_version`.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    terms: &EntitlementTerms,
    at: i64,
) -> Result<bool, StoreError> {
    let mut values = term_values(terms).to_vec();
    values.extend([at.into(), id.into(), expected_version.into()]);
    let rows = sql::execute(
        conn,
        "UPDATE organization_entitlements SET name = $1, starts_on = $2, ends_on = $3, notes = $4, updated_at = $5, \
         version = version + 1 WHERE id = $6 AND version = $7",
        values,
    )
    .await?;
    Ok(rows == 1)
}

pub async fn delete<C: ConnectionTrait>(conn: &C, id: i64) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "DELETE FROM organization_entitlements WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    Ok(rows == 1)
}
