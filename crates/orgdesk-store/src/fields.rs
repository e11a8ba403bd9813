//! Custom organization fields: definitions and the values organizations hold.

use crate::error::StoreError;
use crate::sql::{self, placeholders};
use orgdesk_core::fields::{
    Access, Audience, Choices, FieldDefinition, FieldId, FieldKey, FieldType, StoredValue,
};
use orgdesk_core::{AgentId, OrganizationId};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::HashMap;

const SELECT: &str = "SELECT id, key, label, field_type, choices, retired_choices, view_audience, viewer_agent_ids, \
     edit_audience, editor_agent_ids, portal_visible, position, retired, version, created_at, updated_at \
     FROM organization_fields";

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    key: String,
    label: String,
    field_type: String,
    choices: String,
    retired_choices: String,
    view_audience: String,
    viewer_agent_ids: String,
    edit_audience: String,
    editor_agent_ids: String,
    portal_visible: bool,
    position: i64,
    retired: bool,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn into_definition(self) -> Result<FieldDefinition, StoreError> {
        let id = self.id;
        let unreadable = |what: &str| {
            StoreError::custom(format!("organization field {id} has an unreadable {what}"))
        };
        let list = |json: &str, what: &str| -> Result<Vec<String>, StoreError> {
            serde_json::from_str(json).map_err(|_| unreadable(what))
        };
        let agents = |json: &str, what: &str| -> Result<Vec<AgentId>, StoreError> {
            serde_json::from_str(json).map_err(|_| unreadable(what))
        };
        let access = |audience: &str, ids: &str, what: &str| -> Result<Access, StoreError> {
            Ok(Access {
                audience: Audience::parse(what, audience).map_err(|_| unreadable(what))?,
                agents: agents(ids, what)?,
            })
        };
        Ok(FieldDefinition {
            id: FieldId(self.id),
            key: FieldKey::parse(&self.key).map_err(|_| unreadable("key"))?,
            label: self.label,
            field_type: FieldType::parse(&self.field_type).map_err(|_| unreadable("type"))?,
            choices: Choices {
                active: list(&self.choices, "choice list")?,
                retired: list(&self.retired_choices, "retired choice list")?,
            },
            view: access(&self.view_audience, &self.viewer_agent_ids, "view access")?,
            edit: access(&self.edit_audience, &self.editor_agent_ids, "edit access")?,
            portal_visible: self.portal_visible,
            position: self.position,
            retired: self.retired,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Every definition, retired ones included, in their order.
pub async fn list_definitions<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<FieldDefinition>, StoreError> {
    let rows: Vec<Row> = sql::all(conn, &format!("{SELECT} ORDER BY position, id"), vec![]).await?;
    rows.into_iter().map(Row::into_definition).collect()
}

pub async fn find_definition<C: ConnectionTrait>(
    conn: &C,
    id: FieldId,
) -> Result<Option<FieldDefinition>, StoreError> {
    let row: Option<Row> =
        sql::one(conn, &format!("{SELECT} WHERE id = $1"), vec![id.0.into()]).await?;
    row.map(Row::into_definition).transpose()
}

pub async fn find_definition_by_key<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<FieldDefinition>, StoreError> {
    let row: Option<Row> =
        sql::one(conn, &format!("{SELECT} WHERE key = $1"), vec![key.into()]).await?;
    row.map(Row::into_definition).transpose()
}

fn json_list<T: serde::Serialize>(list: &[T]) -> Value {
    serde_json::to_string(list)
        .expect("lists of strings and ids always serialize")
        .into()
}

/// The columns a definition writes, in the order of [`insert_definition`]'s values.
fn definition_values(definition: &FieldDefinition) -> Vec<Value> {
    vec![
        definition.label.clone().into(),
        json_list(&definition.choices.active),
        json_list(&definition.choices.retired),
        definition.view.audience.as_str().into(),
        json_list(&definition.view.agents),
        definition.edit.audience.as_str().into(),
        json_list(&definition.edit.agents),
        definition.portal_visible.into(),
        definition.position.into(),
        definition.retired.into(),
        definition.updated_at.into(),
    ]
}

/// Stores a new definition (its id and version are assigned here) and returns its id.
pub async fn insert_definition<C: ConnectionTrait>(
    conn: &C,
    definition: &FieldDefinition,
) -> Result<FieldId, StoreError> {
    let mut values = definition_values(definition);
    values.extend([
        definition.key.as_str().into(),
        definition.field_type.as_str().into(),
        definition.created_at.into(),
    ]);
    let id: Option<i64> = sql::scalar(
        conn,
        "INSERT INTO organization_fields (label, choices, retired_choices, view_audience, viewer_agent_ids, edit_audience, \
         editor_agent_ids, portal_visible, position, retired, updated_at, key, field_type, created_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) RETURNING id AS value",
        values,
    )
    .await?;
    id.map(FieldId)
        .ok_or_else(|| StoreError::custom("insert returned no id".into()))
}

/// Writes a definition's changeable columns and bumps its version, only if the version
/// is still `definition.version`. Returns false when it was not.
pub async fn update_definition<C: ConnectionTrait>(
    conn: &C,
    definition: &FieldDefinition,
) -> Result<bool, StoreError> {
    let mut values = definition_values(definition);
    values.extend([definition.id.0.into(), definition.version.into()]);
    let rows = sql::execute(
        conn,
        "UPDATE organization_fields SET label = $1, choices = $2, retired_choices = $3, view_audience = $4, \
         viewer_agent_ids = $5, edit_audience = $6, editor_agent_ids = $7, portal_visible = $8, position = $9, \
         retired = $10, updated_at = $11, version = version + 1 WHERE id = $12 AND version = $13",
        values,
    )
    .await?;
    Ok(rows == 1)
}

/// Numbers the fields 1, 2, 3… in the order of `ids` (every field, in its new order).
pub async fn renumber<C: ConnectionTrait>(conn: &C, ids: &[FieldId]) -> Result<(), StoreError> {
    for (index, id) in ids.iter().enumerate() {
        sql::execute(
            conn,
            "UPDATE organization_fields SET position = $1 WHERE id = $2 AND position <> $1",
            vec![(index as i64 + 1).into(), id.0.into()],
        )
        .await?;
    }
    Ok(())
}

/// One stored row of a value.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ValueRow {
    pub organization_id: i64,
    pub field_id: i64,
    pub value: String,
}

/// The stored value rows of the given organizations, grouped by organization and field.
pub async fn values_for<C: ConnectionTrait>(
    conn: &C,
    organizations: &[OrganizationId],
) -> Result<HashMap<OrganizationId, HashMap<FieldId, Vec<String>>>, StoreError> {
    let mut grouped: HashMap<OrganizationId, HashMap<FieldId, Vec<String>>> = HashMap::new();
    for chunk in organizations.chunks(sql::IN_CHUNK) {
        let rows: Vec<ValueRow> = sql::all(
            conn,
            &format!(
                "SELECT organization_id, field_id, value FROM organization_field_values WHERE organization_id IN ({})",
                placeholders(1, chunk.len())
            ),
            chunk.iter().map(|id| id.0.into()).collect(),
        )
        .await?;
        for row in rows {
            grouped
                .entry(OrganizationId(row.organization_id))
                .or_default()
                .entry(FieldId(row.field_id))
                .or_default()
                .push(row.value);
        }
    }
    Ok(grouped)
}

/// Replaces an organization's value of one field with `rows` (none clears it).
pub async fn set_value<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    field: FieldId,
    rows: &[StoredValue],
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "DELETE FROM organization_field_values WHERE organization_id = $1 AND field_id = $2",
        vec![organization.0.into(), field.0.into()],
    )
    .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 4);
    let tuples: Vec<String> = rows
        .iter()
        .map(|row| {
            values.extend([
                organization.0.into(),
                field.0.into(),
                row.value.clone().into(),
                row.filter_key.clone().into(),
            ]);
            let n = values.len();
            format!("(${}, ${}, ${}, ${})", n - 3, n - 2, n - 1, n)
        })
        .collect();
    sql::execute(
        conn,
        &format!(
            "INSERT INTO organization_field_values (organization_id, field_id, value, filter_key) VALUES {}",
            tuples.join(", ")
        ),
        values,
    )
    .await?;
    Ok(())
}

/// How many organizations hold `value` in `field` (whose values are choices).
pub async fn count_holding<C: ConnectionTrait>(
    conn: &C,
    field: FieldId,
    filter_key: &str,
) -> Result<i64, StoreError> {
    Ok(sql::scalar(
        conn,
        "SELECT COUNT(DISTINCT organization_id) AS value FROM organization_field_values WHERE field_id = $1 AND filter_key = $2",
        vec![field.0.into(), filter_key.into()],
    )
    .await?
    .unwrap_or(0))
}
