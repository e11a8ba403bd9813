//! Admin → Fields: define custom organization fields, put them in order, retire and
//! restore them, and say who may view and edit each.

use super::render::Form;
use super::render::{Chrome, PageError, page, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::fields::{Access, Audience, FieldDefinition, FieldId, FieldType};
use orgdesk_app::core::model::Agent;
use orgdesk_app::core::{AgentId, Error};
use orgdesk_app::{FieldChanges, NewField};

/// A definition form as typed: repeated checkboxes make it a list of pairs.
#[derive(Default)]
struct FieldForm {
    csrf: String,
    version: Option<i64>,
    key: String,
    label: String,
    field_type: String,
    /// One choice per line.
    choices: String,
    retired_choices: String,
    view: String,
    edit: String,
    viewer_agent_ids: Vec<AgentId>,
    editor_agent_ids: Vec<AgentId>,
    portal_visible: bool,
}

impl FieldForm {
    fn read(pairs: Vec<(String, String)>) -> Result<Self, Error> {
        let mut form = FieldForm::default();
        let agent = |value: &str, field: &str| {
            value
                .parse()
                .map(AgentId)
                .map_err(|_| Error::validation(field, "must name agents by number"))
        };
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "version" => {
                    form.version = Some(
                        value
                            .parse()
                            .map_err(|_| Error::validation("version", "must be a number"))?,
                    )
                }
                "key" => form.key = value,
                "label" => form.label = value,
                "type" => form.field_type = value,
                "choices" => form.choices = value,
                "retired_choices" => form.retired_choices = value,
                "view" => form.view = value,
                "edit" => form.edit = value,
                "viewer_agent_ids" => form.viewer_agent_ids.push(agent(&value, &name)?),
                "editor_agent_ids" => form.editor_agent_ids.push(agent(&value, &name)?),
                "portal_visible" => form.portal_visible = true,
                _ => {}
            }
        }
        Ok(form)
    }

    fn from_definition(field: &FieldDefinition) -> Self {
        FieldForm {
            csrf: String::new(),
            version: Some(field.version),
            key: field.key.to_string(),
            label: field.label.clone(),
            field_type: field.field_type.as_str().to_owned(),
            choices: field.choices.active.join("\n"),
            retired_choices: field.choices.retired.join("\n"),
            view: field.view.audience.as_str().to_owned(),
            edit: field.edit.audience.as_str().to_owned(),
            viewer_agent_ids: field.view.agents.clone(),
            editor_agent_ids: field.edit.agents.clone(),
            portal_visible: field.portal_visible,
        }
    }

    /// Chosen agents count only for a `chosen` audience; the boxes of an audience
    /// switched away from it are not sent on.
    fn chosen(audience: &str, agents: &[AgentId]) -> Vec<AgentId> {
        if audience == Audience::Chosen.as_str() {
            agents.to_vec()
        } else {
            Vec::new()
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An option of a menu.
struct MenuOption {
    value: &'static str,
    label: &'static str,
    chosen: bool,
}

fn menu(options: &[(&'static str, &'static str)], chosen: &str) -> Vec<MenuOption> {
    options
        .iter()
        .map(|&(value, label)| MenuOption {
            value,
            label,
            chosen: value == chosen,
        })
        .collect()
}

const TYPES: [(&str, &str); 8] = [
    ("text", "Text"),
    ("long_text", "Long text"),
    ("number", "Number"),
    ("date", "Date"),
    ("choice", "Single choice"),
    ("multi_choice", "Multiple choice"),
    ("checkbox", "Checkbox"),
    ("url", "Web address"),
];

const AUDIENCES: [(&str, &str); 3] = [
    ("agents", "All agents"),
    ("admins", "Admins only"),
    ("chosen", "Chosen agents"),
];

/// An agent's checkboxes in the view and edit lists.
struct AgentBox {
    id: i64,
    name: String,
    views: bool,
    edits: bool,
}

fn agent_boxes(roster: &[Agent], form: &FieldForm) -> Vec<AgentBox> {
    roster
        .iter()
        .filter(|agent| !agent.admin && !agent.disabled)
        .map(|agent| AgentBox {
            id: agent.id.0,
            name: agent.name.clone(),
            views: form.viewer_agent_ids.contains(&agent.id),
            edits: form.editor_agent_ids.contains(&agent.id),
        })
        .collect()
}

/// The form's menus and boxes, filled from what it holds.
struct FormView {
    key: String,
    label: String,
    types: Vec<MenuOption>,
    choices: String,
    retired_choices: String,
    views: Vec<MenuOption>,
    edits: Vec<MenuOption>,
    agents: Vec<AgentBox>,
    portal_visible: bool,
}

fn form_view(form: &FieldForm, roster: &[Agent]) -> FormView {
    FormView {
        key: form.key.clone(),
        label: form.label.clone(),
        types: menu(&TYPES, &form.field_type),
        choices: form.choices.clone(),
        retired_choices: form.retired_choices.clone(),
        views: menu(&AUDIENCES, &form.view),
        edits: menu(&AUDIENCES, &form.edit),
        agents: agent_boxes(roster, form),
        portal_visible: form.portal_visible,
    }
}

fn audience_text(access: &Access, roster: &[Agent]) -> String {
    match access.audience {
        Audience::Agents => "All agents".into(),
        Audience::Admins => "Admins only".into(),
        Audience::Chosen => {
            let names: Vec<&str> = access
                .agents
                .iter()
                .filter_map(|id| roster.iter().find(|a| a.id == *id))
                .map(|a| a.name.as_str())
                .collect();
            format!("Admins and {}", names.join(", "))
        }
    }
}

struct FieldRow {
    id: i64,
    label: String,
    key: String,
    field_type: &'static str,
    view: String,
    edit: String,
    portal_visible: bool,
    retired: bool,
    position: i64,
    first: bool,
    last: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_fields.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<FieldRow>,
    form: FormView,
    new_error: Option<String>,
}

fn type_label(field_type: FieldType) -> &'static str {
    TYPES
        .iter()
        .find(|(value, _)| *value == field_type.as_str())
        .map_or("", |(_, label)| label)
}

async fn list_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    typed: Option<FieldForm>,
    new_error: Option<String>,
) -> Result<ListPage, PageError> {
    let fields = app.organization_fields(&session.agent).await?;
    let roster = app.agent_roster().await?;
    let count = fields.len();
    let rows = fields
        .iter()
        .enumerate()
        .map(|(index, field)| FieldRow {
            id: field.id.0,
            label: field.label.clone(),
            key: field.key.to_string(),
            field_type: type_label(field.field_type),
            view: audience_text(&field.view, &roster),
            edit: audience_text(&field.edit, &roster),
            portal_visible: field.portal_visible,
            retired: field.retired,
            position: field.position,
            first: index == 0,
            last: index + 1 == count,
        })
        .collect();
    let typed = typed.unwrap_or_else(|| FieldForm {
        field_type: "text".into(),
        view: "agents".into(),
        edit: "agents".into(),
        ..Default::default()
    });
    Ok(ListPage {
        chrome: Chrome::new(session, "admin", jar),
        rows,
        form: form_view(&typed, &roster),
        new_error,
    })
}

pub async fn list(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let shown = list_page(&app, &session, &jar, None, None).await?;
    Ok(page(jar, shown))
}

fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
        _ => StatusCode::CONFLICT,
    }
}

pub async fn create(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = FieldForm::read(pairs)?;
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    let new = NewField {
        key: form.key.clone(),
        label: form.label.clone(),
        field_type: form.field_type.clone(),
        choices: lines(&form.choices),
        retired_choices: Vec::new(),
        view: Some(form.view.clone()),
        viewer_agent_ids: FieldForm::chosen(&form.view, &form.viewer_agent_ids),
        edit: Some(form.edit.clone()),
        editor_agent_ids: FieldForm::chosen(&form.edit, &form.editor_agent_ids),
        portal_visible: form.portal_visible,
        position: None,
    };
    match app.define_organization_field(&session.agent, new).await {
        Ok(field) => Ok(redirect_with_flash(
            jar,
            "/agent/admin/fields",
            format!("Field {} added.", field.label),
        )),
        Err(err @ (Error::Internal(_) | Error::Forbidden(_))) => Err(err.into()),
        Err(err) => {
            let message = refusal_text(&err);
            let shown = list_page(&app, &session, &jar, Some(form), Some(message)).await?;
            Ok((status_of(&err), shown).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_field.html")]
struct FieldPage {
    chrome: Chrome,
    id: i64,
    label: String,
    field_type: &'static str,
    has_choices: bool,
    version: i64,
    form: FormView,
    error: Option<String>,
}

async fn field_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    id: FieldId,
    typed: Option<FieldForm>,
    error: Option<String>,
) -> Result<FieldPage, PageError> {
    let field = app.organization_field(&session.agent, id).await?;
    let roster = app.agent_roster().await?;
    let form = typed.unwrap_or_else(|| FieldForm::from_definition(&field));
    Ok(FieldPage {
        chrome: Chrome::new(session, "admin", jar),
        id: field.id.0,
        label: field.label.clone(),
        field_type: type_label(field.field_type),
        has_choices: field.field_type.has_choices(),
        version: field.version,
        form: form_view(&form, &roster),
        error,
    })
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let shown = field_page(&app, &session, &jar, FieldId(id), None, None).await?;
    Ok(page(jar, shown))
}

/// Saves a definition's label, choices and permissions against the version shown.
pub async fn edit(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = FieldForm::read(pairs)?;
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    let id = FieldId(id);
    let current = app.organization_field(&session.agent, id).await?;
    let changes = FieldChanges {
        label: Some(form.label.clone()),
        choices: current
            .field_type
            .has_choices()
            .then(|| lines(&form.choices)),
        retired_choices: current
            .field_type
            .has_choices()
            .then(|| lines(&form.retired_choices)),
        view: Some(form.view.clone()),
        viewer_agent_ids: Some(FieldForm::chosen(&form.view, &form.viewer_agent_ids)),
        edit: Some(form.edit.clone()),
        editor_agent_ids: Some(FieldForm::chosen(&form.edit, &form.editor_agent_ids)),
        portal_visible: Some(form.portal_visible),
        expected_version: form.version,
        ..Default::default()
    };
    match app
        .change_organization_field(&session.agent, id, changes)
        .await
    {
        Ok(field) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/admin/fields/{}", field.id.0),
            format!("Field {} saved.", field.label),
        )),
        Err(err @ (Error::Internal(_) | Error::Forbidden(_) | Error::NotFound { .. })) => {
            Err(err.into())
        }
        Err(err) => {
            let message = match &err {
                Error::VersionConflict { .. } => "Another admin changed this field after you opened it. Your changes are kept below; save again to replace theirs, or reload to see them.".to_owned(),
                other => refusal_text(other),
            };
            let status = status_of(&err);
            let shown = field_page(&app, &session, &jar, id, Some(form), Some(message)).await?;
            Ok((status, shown).into_response())
        }
    }
}

/// A one-button change from the list: move up or down, retire or restore.
#[derive(serde::Deserialize)]
pub struct QuickForm {
    csrf: String,
    position: Option<i64>,
    retired: Option<bool>,
}

pub async fn quick_change(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<QuickForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    let changes = FieldChanges {
        position: form.position,
        retired: form.retired,
        ..Default::default()
    };
    let field = app
        .change_organization_field(&session.agent, FieldId(id), changes)
        .await?;
    let done = match form.retired {
        Some(true) => "retired: hidden everywhere, values kept",
        Some(false) => "restored",
        None => "moved",
    };
    Ok(redirect_with_flash(
        jar,
        "/agent/admin/fields",
        format!("Field {} {done}.", field.label),
    ))
}
