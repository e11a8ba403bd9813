//! The profile's Properties section: the custom field values the agent may see, and a
//! form (behind the gear) for those they may edit, unset ones included. The form sends
//! `field.KEY` inputs and the version read, so a change made meanwhile is explained.

use super::profile::{Refusal, refused_profile};
use super::render::{Form, PageError, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::core::fields::{FieldDefinition, FieldType, ShownField};
use orgdesk_app::core::model::Agent;
use orgdesk_app::core::{Error, OrganizationId};
use orgdesk_app::{FieldInput, OrganizationChanges};
use serde_json::Value;

/// A value as the section shows it.
pub struct ShownProperty {
    pub label: String,
    pub value: String,
    /// A web address: shown as a link.
    pub url: bool,
    /// Long text: line breaks kept.
    pub long: bool,
}

/// One choice of a menu or of a set of checkboxes.
pub struct ChoiceOption {
    pub value: String,
    pub chosen: bool,
}

/// An input of the edit form.
pub struct PropertyInput {
    pub key: String,
    pub label: String,
    /// `text`, `long_text`, `number`, `date`, `choice`, `multi_choice`, `checkbox`, `url`.
    pub kind: &'static str,
    /// What the box holds: the stored value, or what was typed when refused.
    pub value: String,
    pub options: Vec<ChoiceOption>,
}

pub struct PropertiesView {
    pub shown: Vec<ShownProperty>,
    pub inputs: Vec<PropertyInput>,
    pub error: Option<String>,
}

/// The form's inputs as typed: `field.KEY` values (several for a multiple choice) and
/// the keys of the multiple choices the form carried (an empty one clears).
#[derive(Default)]
pub struct TypedProperties {
    values: Vec<(String, String)>,
    multi_present: Vec<String>,
}

impl TypedProperties {
    fn values_of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.values
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The section for `agent`: values they see, and inputs for the fields they may edit
/// (filled from `typed` after a refusal).
pub fn properties_view(
    agent: &Agent,
    definitions: &[FieldDefinition],
    values: &[ShownField],
    typed: Option<&TypedProperties>,
    error: Option<String>,
) -> PropertiesView {
    let shown = values
        .iter()
        .map(|field| ShownProperty {
            label: field.label.clone(),
            value: field.value.display(),
            url: field.field_type == FieldType::Url,
            long: field.field_type == FieldType::LongText,
        })
        .collect();
    let inputs = definitions
        .iter()
        .filter(|field| field.editable_by(agent))
        .map(|field| {
            let key = field.key.to_string();
            let stored = values.iter().find(|v| v.key == field.key);
            let held: Vec<String> = match typed {
                Some(typed) => typed.values_of(&key).map(str::to_owned).collect(),
                None => stored.map(stored_inputs).unwrap_or_default(),
            };
            let options = field
                .choices
                .active
                .iter()
                .chain(held.iter().filter(|h| !field.choices.active.contains(h)))
                .map(|choice| ChoiceOption {
                    value: choice.clone(),
                    chosen: held.contains(choice),
                })
                .collect();
            PropertyInput {
                label: field.label.clone(),
                kind: field.field_type.as_str(),
                value: held.first().cloned().unwrap_or_default(),
                options,
                key,
            }
        })
        .collect();
    PropertiesView {
        shown,
        inputs,
        error,
    }
}

/// A stored value as the form's inputs hold it.
fn stored_inputs(field: &ShownField) -> Vec<String> {
    match field.json() {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Value::String(text) => vec![text],
        Value::Bool(checked) => vec![checked.to_string()],
        other => vec![other.to_string()],
    }
}

struct PropertiesForm {
    csrf: String,
    version: i64,
    typed: TypedProperties,
}

impl PropertiesForm {
    fn read(pairs: Vec<(String, String)>) -> Result<Self, Error> {
        let mut form = PropertiesForm {
            csrf: String::new(),
            version: 0,
            typed: TypedProperties::default(),
        };
        for (name, value) in pairs {
            if let Some(key) = name.strip_prefix("field.") {
                form.typed.values.push((key.to_owned(), value));
            } else if let Some(key) = name.strip_prefix("present.") {
                form.typed.multi_present.push(key.to_owned());
            } else if name == "csrf" {
                form.csrf = value;
            } else if name == "version" {
                form.version = value
                    .parse()
                    .map_err(|_| Error::validation("version", "must be a number"))?;
            }
        }
        Ok(form)
    }

    /// The values to send: every field the form carried, read by its type (a
    /// checkbox comes as a menu of not set / `true` / `false`).
    fn input(&self, definitions: &[FieldDefinition]) -> FieldInput {
        let mut input = FieldInput::new();
        for key in &self.typed.multi_present {
            let chosen: Vec<Value> = self
                .typed
                .values_of(key)
                .map(|v| Value::String(v.to_owned()))
                .collect();
            input.insert(key.clone(), Value::Array(chosen));
        }
        for (key, value) in &self.typed.values {
            if input.contains_key(key) {
                continue;
            }
            let checkbox = definitions
                .iter()
                .any(|f| f.key.as_str() == key && f.field_type == FieldType::Checkbox);
            let json = match value.as_str() {
                "" => Value::Null,
                "true" if checkbox => Value::Bool(true),
                "false" if checkbox => Value::Bool(false),
                text => Value::String(text.to_owned()),
            };
            input.insert(key.clone(), json);
        }
        input
    }
}

/// Saves the properties form against the version the page was rendered with.
pub async fn save(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = PropertiesForm::read(pairs)?;
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let definitions = app.organization_fields(&session.agent).await?;
    let changes = OrganizationChanges {
        fields: Some(form.input(&definitions)),
        expected_version: Some(form.version),
        ..Default::default()
    };
    match app
        .update_organization(&session.agent.actor(), id, changes)
        .await
    {
        Ok(org) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/organizations/{}", org.id.0),
            format!("The properties of {} are saved.", org.name),
        )),
        Err(err @ (Error::Internal(_) | Error::NotFound { .. })) => Err(err.into()),
        Err(err) => {
            let message = match &err {
                Error::VersionConflict { .. } => "Someone changed this organization after you opened it. Your values are kept below; save again to replace theirs, or reload to see them.".to_owned(),
                Error::Validation { field, message } => {
                    // Named by the label the agent sees, not the API's `fields.KEY`.
                    let label = definitions
                        .iter()
                        .find(|f| field.strip_prefix("fields.") == Some(f.key.as_str()))
                        .map_or(field.as_str(), |f| f.label.as_str());
                    format!("{label}: {message}.")
                }
                other => refusal_text(other),
            };
            let refusal = Refusal {
                properties_typed: Some(form.typed),
                properties_error: Some(message),
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}
