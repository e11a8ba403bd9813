//! Custom organization fields: admins define them; agents read and change the values
//! their permissions allow. Every path that shows an organization's values goes through
//! [`show_fields`], and every path that changes them through [`write_values`], so the
//! permission rules are applied in one place for the API, the pages and imports.

use crate::errors::unique_or_internal;
use crate::locking::{Lockable, lock, lock_all};
use crate::{App, now_ms};
use orgdesk_core::error::check_version;
use orgdesk_core::fields::{
    Access, Audience, Choices, FieldDefinition, FieldId, FieldKey, FieldType, FieldValue,
    ShownField, check_access, filter_key_of, parse_label,
};
use orgdesk_core::model::{Actor, Agent, Change, Organization, OrganizationEvent, User};
use orgdesk_core::{AgentId, Entity, Error, OrganizationId, Result};
use orgdesk_store::dialect::UniqueKey;
use orgdesk_store::{ConnectionTrait, agents, fields};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Whose eyes a field's values are shown to.
#[derive(Debug, Clone)]
pub enum FieldReader {
    /// An agent: the fields their view permission admits (all, for admins).
    Agent(Agent),
    /// A member of the organization in the portal: fields marked visible to members.
    Member,
    /// The system itself (imports, exports run by an admin at the console): every field
    /// that is not retired.
    Everything,
}

impl FieldReader {
    pub fn sees(&self, field: &FieldDefinition) -> bool {
        match self {
            FieldReader::Agent(agent) => field.visible_to(agent),
            FieldReader::Member => !field.retired && field.portal_visible,
            FieldReader::Everything => !field.retired,
        }
    }

    fn may_edit(&self, field: &FieldDefinition) -> bool {
        match self {
            FieldReader::Agent(agent) => field.editable_by(agent),
            FieldReader::Member => false,
            FieldReader::Everything => !field.retired,
        }
    }

    /// The reader behind a recorded actor: agents are looked up for their permissions.
    pub(crate) async fn of_actor<C: ConnectionTrait>(conn: &C, actor: &Actor) -> Result<Self> {
        match actor {
            Actor::Agent { id, .. } => agents::find(conn, *id)
                .await?
                .map(FieldReader::Agent)
                .ok_or_else(|| Error::not_found(Entity::Agent, id)),
            Actor::User { .. } => Ok(FieldReader::Member),
            Actor::System { .. } => Ok(FieldReader::Everything),
        }
    }
}

/// A field as an admin defines it, before validation.
#[derive(Debug, Clone, Default)]
pub struct NewField {
    pub key: String,
    pub label: String,
    pub field_type: String,
    pub choices: Vec<String>,
    pub retired_choices: Vec<String>,
    /// `agents` (the default), `admins` or `chosen`.
    pub view: Option<String>,
    pub viewer_agent_ids: Vec<AgentId>,
    /// Who may edit; the same as who may view when neither this nor editors are given.
    pub edit: Option<String>,
    pub editor_agent_ids: Vec<AgentId>,
    pub portal_visible: bool,
    /// 1-based place among the fields; the end when not given.
    pub position: Option<i64>,
}

/// What to change in a definition; `None` leaves it as it is. The key and the type
/// never change (values and integrations depend on them).
#[derive(Debug, Clone, Default)]
pub struct FieldChanges {
    /// Accepted only when equal to the stored key.
    pub key: Option<String>,
    /// Accepted only when equal to the stored type.
    pub field_type: Option<String>,
    pub label: Option<String>,
    pub choices: Option<Vec<String>>,
    pub retired_choices: Option<Vec<String>>,
    pub view: Option<String>,
    pub viewer_agent_ids: Option<Vec<AgentId>>,
    pub edit: Option<String>,
    pub editor_agent_ids: Option<Vec<AgentId>>,
    pub portal_visible: Option<bool>,
    pub position: Option<i64>,
    pub retired: Option<bool>,
    pub expected_version: Option<i64>,
}

/// Values sent for an organization, keyed by field key; `null` clears one.
pub type FieldInput = BTreeMap<String, Value>;

/// Builds an access from an audience name and chosen agents; the agents of a former
/// `chosen` audience are dropped when the audience changes and none are sent.
fn access(
    name: &str,
    audience: Option<&str>,
    agents: Option<Vec<AgentId>>,
    current: &Access,
) -> Result<Access> {
    let audience = match audience {
        Some(audience) => Audience::parse(name, audience)?,
        None => current.audience,
    };
    let agents = match agents {
        Some(agents) => agents,
        None if audience == Audience::Chosen => current.agents.clone(),
        None => Vec::new(),
    };
    let ids_field = match name {
        "view" => "viewer_agent_ids",
        _ => "editor_agent_ids",
    };
    Access::new(ids_field, audience, agents)
}

async fn check_agents_exist<C: ConnectionTrait>(
    conn: &C,
    definition: &FieldDefinition,
) -> Result<()> {
    for (field, access) in [
        ("viewer_agent_ids", &definition.view),
        ("editor_agent_ids", &definition.edit),
    ] {
        let found = agents::existing_ids(conn, &access.agents).await?;
        if let Some(missing) = access.agents.iter().find(|id| !found.contains(id)) {
            return Err(Error::validation(
                field,
                format!("agent {missing} does not exist"),
            ));
        }
    }
    Ok(())
}

/// Refuses dropping choices that organizations hold, naming how many hold the first.
async fn check_dropped_choices<C: ConnectionTrait>(
    conn: &C,
    current: &FieldDefinition,
    next: &Choices,
) -> Result<()> {
    for choice in current.choices.removed_by(next) {
        let Some(key) = filter_key_of(current.field_type, choice) else {
            continue;
        };
        let count = fields::count_holding(conn, current.id, &key).await?;
        if count > 0 {
            return Err(Error::ChoiceInUse {
                field: current.path(),
                choice: choice.to_owned(),
                count,
            });
        }
    }
    Ok(())
}

/// The order with `id` moved to 1-based `position` (clamped to the list).
fn moved(mut order: Vec<FieldId>, id: FieldId, position: i64) -> Vec<FieldId> {
    order.retain(|other| *other != id);
    let index = (position.max(1) as usize - 1).min(order.len());
    order.insert(index, id);
    order
}

fn check_position(position: Option<i64>) -> Result<()> {
    match position {
        Some(position) if position < 1 => Err(Error::validation(
            "position",
            format!("must be 1 or more (got {position})"),
        )),
        _ => Ok(()),
    }
}

impl App {
    /// The field definitions `by` may see: every one (retired ones too) for admins; the
    /// visible, current ones for other agents (what editing forms offer).
    pub async fn organization_fields(&self, by: &Agent) -> Result<Vec<FieldDefinition>> {
        let definitions = fields::list_definitions(&self.store().reads().await?).await?;
        Ok(definitions
            .into_iter()
            .filter(|field| by.admin || field.visible_to(by))
            .collect())
    }

    /// One field definition (admins only).
    pub async fn organization_field(&self, by: &Agent, id: FieldId) -> Result<FieldDefinition> {
        crate::auth::require_admin(by, "manage organization fields")?;
        fields::find_definition(&self.store().reads().await?, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Field, id))
    }

    pub async fn define_organization_field(
        &self,
        by: &Agent,
        new: NewField,
    ) -> Result<FieldDefinition> {
        crate::auth::require_admin(by, "define organization fields")?;
        let key = FieldKey::parse(&new.key)?;
        let label = parse_label(&new.label)?;
        let field_type = FieldType::parse(&new.field_type)?;
        let choices = Choices::parse(field_type, &new.choices, &new.retired_choices)?;
        let view = access(
            "view",
            new.view.as_deref(),
            Some(new.viewer_agent_ids),
            &Access::everyone(),
        )?;
        // Unless told otherwise, whoever may view a field may edit it.
        let edit = match new.edit.as_deref() {
            None if new.editor_agent_ids.is_empty() => view.clone(),
            audience => access(
                "edit",
                audience,
                Some(new.editor_agent_ids),
                &Access::everyone(),
            )?,
        };
        check_access(&view, &edit)?;
        check_position(new.position)?;
        let at = now_ms();
        let mut definition = FieldDefinition {
            id: FieldId(0),
            key,
            label,
            field_type,
            choices,
            view,
            edit,
            portal_visible: new.portal_visible,
            position: i64::MAX,
            retired: false,
            version: 1,
            created_at: at,
            updated_at: at,
        };

        let tx = self.store().begin_write().await?;
        if let Some(existing) = fields::find_definition_by_key(&tx, definition.key.as_str()).await?
        {
            return Err(Error::FieldKeyTaken {
                key: existing.key.to_string(),
                retired: existing.retired,
            });
        }
        check_agents_exist(&tx, &definition).await?;
        let existing = fields::list_definitions(&tx).await?;
        definition.position = existing.len() as i64 + 1;
        let id = fields::insert_definition(&tx, &definition)
            .await
            .map_err(|err| {
                unique_or_internal(err, UniqueKey::OrganizationFieldKey, || {
                    Error::FieldKeyTaken {
                        key: definition.key.to_string(),
                        retired: false,
                    }
                })
            })?;
        let order: Vec<FieldId> = existing.iter().map(|field| field.id).collect();
        let order = moved(order, id, new.position.unwrap_or(i64::MAX));
        fields::renumber(&tx, &order).await?;
        let stored = fields::find_definition(&tx, id)
            .await?
            .ok_or_else(|| Error::internal("a field vanished while it was defined"))?;
        orgdesk_store::commit(tx).await?;
        Ok(stored)
    }

    pub async fn change_organization_field(
        &self,
        by: &Agent,
        id: FieldId,
        changes: FieldChanges,
    ) -> Result<FieldDefinition> {
        crate::auth::require_admin(by, "change organization fields")?;
        let label = changes.label.as_deref().map(parse_label).transpose()?;
        check_position(changes.position)?;

        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Field, id.0).await?;
        let current = fields::find_definition(&tx, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Field, id))?;
        check_version(changes.expected_version, current.version)?;
        if let Some(key) = &changes.key
            && key.trim() != current.key.as_str()
        {
            return Err(Error::validation(
                "key",
                "a field's key never changes; define a new field",
            ));
        }
        if let Some(field_type) = &changes.field_type
            && FieldType::parse(field_type)? != current.field_type
        {
            return Err(Error::validation(
                "type",
                "a field's type never changes; define a new field",
            ));
        }
        let choices = match (&changes.choices, &changes.retired_choices) {
            (None, None) => current.choices.clone(),
            (active, retired) => Choices::parse(
                current.field_type,
                active.as_ref().unwrap_or(&current.choices.active),
                retired.as_ref().unwrap_or(&current.choices.retired),
            )?,
        };
        let view = access(
            "view",
            changes.view.as_deref(),
            changes.viewer_agent_ids,
            &current.view,
        )?;
        let edit = access(
            "edit",
            changes.edit.as_deref(),
            changes.editor_agent_ids,
            &current.edit,
        )?;
        check_access(&view, &edit)?;
        let next = FieldDefinition {
            label: label.unwrap_or_else(|| current.label.clone()),
            choices,
            view,
            edit,
            portal_visible: changes.portal_visible.unwrap_or(current.portal_visible),
            retired: changes.retired.unwrap_or(current.retired),
            updated_at: now_ms(),
            ..current.clone()
        };
        check_agents_exist(&tx, &next).await?;
        check_dropped_choices(&tx, &current, &next.choices).await?;
        if !fields::update_definition(&tx, &next).await? {
            let now = fields::find_definition(&tx, id).await?;
            return Err(Error::VersionConflict {
                expected: current.version,
                current: now.map_or(current.version, |field| field.version),
            });
        }
        if let Some(position) = changes.position {
            let order = fields::list_definitions(&tx)
                .await?
                .iter()
                .map(|field| field.id)
                .collect();
            fields::renumber(&tx, &moved(order, id, position)).await?;
        }
        let stored = fields::find_definition(&tx, id)
            .await?
            .ok_or_else(|| Error::internal("a field vanished while it was changed"))?;
        orgdesk_store::commit(tx).await?;
        Ok(stored)
    }

    /// The organization of a portal user as its members see it: its name and the
    /// fields marked visible to members. A user in no organization gets a 404.
    pub async fn member_organization(&self, user: &User) -> Result<Organization> {
        let Some(organization) = &user.organization else {
            return Err(Error::not_found(Entity::Organization, "of this user"));
        };
        let reads = self.store().reads().await?;
        let mut found = orgdesk_store::organizations::find(&reads, organization.id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, organization.id))?;
        show_fields(
            &reads,
            &FieldReader::Member,
            std::slice::from_mut(&mut found),
        )
        .await?;
        Ok(found)
    }

    /// The filter `?field.KEY=value` of an organization list, as `reader` may use it:
    /// a field they may not see is as unknown as one that does not exist.
    pub(crate) async fn field_filter<C: ConnectionTrait>(
        conn: &C,
        reader: &FieldReader,
        key: &str,
        value: &str,
    ) -> Result<(FieldId, String)> {
        let field = fields::find_definition_by_key(conn, key)
            .await?
            .filter(|field| reader.sees(field))
            .ok_or_else(|| Error::validation(format!("field.{key}"), "no such field"))?;
        let filter_key = FieldValue::filter_key(&field, value)?;
        Ok((field.id, filter_key))
    }
}

/// Fills each organization's `fields` with the values `reader` may see, in the fields'
/// order: one statement for the values of all of them, and one for the definitions
/// when any value exists.
pub(crate) async fn show_fields<C: ConnectionTrait>(
    conn: &C,
    reader: &FieldReader,
    organizations: &mut [Organization],
) -> Result<()> {
    match held_values(conn, organizations).await? {
        Some(values) => fill(conn, reader, values, organizations).await,
        None => Ok(()),
    }
}

/// [`show_fields`] to the author of a change, as `known` when the caller already has
/// it; otherwise the agent is looked up, only when the organizations hold values.
pub(crate) async fn show_fields_to_actor<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    known: Option<&FieldReader>,
    organizations: &mut [Organization],
) -> Result<()> {
    let Some(values) = held_values(conn, organizations).await? else {
        return Ok(());
    };
    match known {
        Some(reader) => fill(conn, reader, values, organizations).await,
        None => {
            let reader = FieldReader::of_actor(conn, actor).await?;
            fill(conn, &reader, values, organizations).await
        }
    }
}

/// The stored values of the organizations that hold any (`None` when none do): no
/// statement at all when the organizations say they hold none.
async fn held_values<C: ConnectionTrait>(
    conn: &C,
    organizations: &[Organization],
) -> Result<Option<HashMap<OrganizationId, HashMap<FieldId, Vec<String>>>>> {
    let ids = holding_values(organizations);
    if ids.is_empty() {
        return Ok(None);
    }
    let values = fields::values_for(conn, &ids).await?;
    Ok((!values.is_empty()).then_some(values))
}

/// The organizations that hold any value (read with them), whose values are looked up.
fn holding_values(organizations: &[Organization]) -> Vec<OrganizationId> {
    organizations
        .iter()
        .filter(|org| org.holds_field_values)
        .map(|org| org.id)
        .collect()
}

/// Fills one organization's `fields` for `reader` and returns the definitions `reader`
/// sees, for a page that offers to edit them: one statement, two when it holds values.
pub(crate) async fn show_fields_with_definitions<C: ConnectionTrait>(
    conn: &C,
    reader: &FieldReader,
    organization: &mut Organization,
) -> Result<Vec<FieldDefinition>> {
    let definitions = fields::list_definitions(conn).await?;
    if organization.holds_field_values {
        let mut held = fields::values_for(conn, &[organization.id])
            .await?
            .remove(&organization.id)
            .unwrap_or_default();
        organization.fields = shown(reader, &definitions, &mut held)?;
    }
    Ok(definitions
        .into_iter()
        .filter(|field| reader.sees(field))
        .collect())
}

async fn fill<C: ConnectionTrait>(
    conn: &C,
    reader: &FieldReader,
    mut values: HashMap<OrganizationId, HashMap<FieldId, Vec<String>>>,
    organizations: &mut [Organization],
) -> Result<()> {
    let definitions = fields::list_definitions(conn).await?;
    for organization in organizations {
        let Some(mut held) = values.remove(&organization.id) else {
            continue;
        };
        organization.fields = shown(reader, &definitions, &mut held)?;
    }
    Ok(())
}

/// The values of `held` (rows by field) that `reader` sees, in definition order.
fn shown(
    reader: &FieldReader,
    definitions: &[FieldDefinition],
    held: &mut HashMap<FieldId, Vec<String>>,
) -> Result<Vec<ShownField>> {
    let mut shown = Vec::new();
    for field in definitions.iter().filter(|field| reader.sees(field)) {
        let Some(rows) = held.remove(&field.id) else {
            continue;
        };
        if let Some(value) = FieldValue::from_stored(field, rows)? {
            shown.push(ShownField {
                key: field.key.clone(),
                label: field.label.clone(),
                field_type: field.field_type,
                value,
            });
        }
    }
    Ok(shown)
}

/// Validates and writes the values `writer` sends for an organization, inside the
/// caller's transaction, and returns the changes to record (`fields.KEY`, old → new).
/// Every key is checked before anything is written: an unknown key is a 422, a field
/// the writer may not edit a 403, and either refuses the whole change.
pub(crate) async fn write_values<C: ConnectionTrait>(
    conn: &C,
    writer: &FieldReader,
    organization: OrganizationId,
    input: &FieldInput,
) -> Result<Vec<Change>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let definitions = fields::list_definitions(conn).await?;
    // Held until the transaction ends, after the organization's own lock: a definition
    // change (a choice dropped) waits for these values, or these for it.
    let written = definitions
        .iter()
        .filter(|field| input.contains_key(field.key.as_str()))
        .map(|field| field.id.0);
    lock_all(conn, Lockable::Field, written).await?;
    // Read again under the locks, so a change committed meanwhile is what is checked.
    let definitions = fields::list_definitions(conn).await?;
    let by_key: HashMap<&str, &FieldDefinition> = definitions
        .iter()
        .map(|field| (field.key.as_str(), field))
        .collect();
    for key in input.keys() {
        let field = by_key
            .get(key.as_str())
            .ok_or_else(|| Error::validation(format!("fields.{key}"), "no such field"))?;
        if field.retired {
            return Err(Error::validation(field.path(), "the field is retired"));
        }
        if !writer.may_edit(field) {
            return Err(Error::FieldNotEditable {
                field: field.path(),
            });
        }
    }
    let mut held = fields::values_for(conn, &[organization])
        .await?
        .remove(&organization)
        .unwrap_or_default();
    let mut writes = Vec::new();
    let mut changes = Vec::new();
    for (key, sent) in input {
        let field = by_key[key.as_str()];
        let current = match held.remove(&field.id) {
            Some(rows) => FieldValue::from_stored(field, rows)?,
            None => None,
        };
        let next = FieldValue::parse(field, sent, current.as_ref())?;
        if next == current {
            continue;
        }
        let json = |value: &Option<FieldValue>| {
            value
                .as_ref()
                .map_or(Value::Null, |v| v.to_json(field.field_type))
        };
        changes.push(Change::new(&field.path(), json(&current), json(&next)));
        writes.push((field, next));
    }
    for (field, next) in writes {
        let rows = next
            .map(|value| value.stored(field.field_type))
            .unwrap_or_default();
        fields::set_value(conn, organization, field.id, &rows).await?;
    }
    Ok(changes)
}

/// Removes from events the changes of fields `reader` may not see; an event left with
/// nothing to show (it only changed such fields) is dropped.
pub(crate) fn hide_fields_in_events(
    reader: &FieldReader,
    definitions: &[FieldDefinition],
    events: &mut Vec<OrganizationEvent>,
) {
    let hidden = |change: &Change| {
        change.field.strip_prefix("fields.").is_some_and(|key| {
            !definitions
                .iter()
                .any(|field| field.key.as_str() == key && reader.sees(field))
        })
    };
    events.retain_mut(|event| {
        let before = event.changes.len();
        event.changes.retain(|change| !hidden(change));
        !(before > 0 && event.changes.is_empty())
    });
}
