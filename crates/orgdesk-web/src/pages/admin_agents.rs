//! Admin → Agents: the team, a new agent (with a first password), and disabling or
//! enabling an agent (which ends a disabled agent's sessions at once).

use super::render::Form;
use super::render::{
    Chrome, CursorQuery, PageError, page, query_escape, redirect_with_flash, refusal_text,
};
use super::session::AgentSession;
use super::time_text::{human_time, iso_time};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::{AgentId, Error};
use orgdesk_app::{AgentChanges, NewAgent, PageRequest};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

struct AgentRow {
    id: i64,
    name: String,
    email: String,
    admin: bool,
    disabled: bool,
    is_me: bool,
    created_iso: String,
    created_text: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewAgentForm {
    #[serde(default)]
    csrf: String,
    name: String,
    email: String,
    password: String,
    admin: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_agents.html")]
struct AgentsPage {
    chrome: Chrome,
    rows: Vec<AgentRow>,
    first_page: Option<String>,
    next_page: Option<String>,
    typed: NewAgentForm,
    error: Option<String>,
    error_field: String,
    row_error: Option<String>,
}

async fn agents_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    cursor: Option<String>,
    typed: NewAgentForm,
    refusal: Option<&Error>,
    row_error: Option<String>,
) -> Result<AgentsPage, PageError> {
    let cursor = cursor.filter(|c| !c.is_empty());
    let found = app
        .list_agents(
            Some(&session.agent),
            &PageRequest {
                limit: Some(PAGE_SIZE),
                cursor: cursor.clone(),
            },
        )
        .await?;
    Ok(AgentsPage {
        chrome: Chrome::new(session, "admin", jar),
        rows: found
            .items
            .into_iter()
            .map(|a| AgentRow {
                is_me: a.id == session.agent.id,
                id: a.id.0,
                name: a.name,
                email: a.email,
                admin: a.admin,
                disabled: a.disabled,
                created_iso: iso_time(a.created_at),
                created_text: human_time(a.created_at),
            })
            .collect(),
        first_page: cursor.is_some().then(|| "/agent/admin/agents".to_owned()),
        next_page: found
            .next_cursor
            .map(|c| format!("/agent/admin/agents?cursor={}", query_escape(&c))),
        typed,
        error: refusal.map(refusal_text),
        error_field: match refusal {
            Some(Error::Validation { field, .. }) => field.clone(),
            Some(Error::EmailTaken { .. }) => "email".to_owned(),
            _ => String::new(),
        },
        row_error,
    })
}

pub async fn list(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Query(query): Query<CursorQuery>,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let shown = agents_page(
        &app,
        &session,
        &jar,
        query.cursor,
        NewAgentForm::default(),
        None,
        None,
    )
    .await?;
    Ok(page(jar, shown))
}

pub async fn create(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(form): Form<NewAgentForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    let new = NewAgent {
        email: &form.email,
        name: &form.name,
        password: &form.password,
        admin: form.admin.is_some(),
    };
    match app.create_agent(Some(&session.agent), new).await {
        Ok(agent) => Ok(redirect_with_flash(
            jar,
            "/agent/admin/agents",
            format!(
                "{} can now sign in as {}{}.",
                agent.name,
                agent.email,
                if agent.admin { ", an admin" } else { "" }
            ),
        )),
        Err(err @ (Error::Internal(_) | Error::Forbidden(_))) => Err(err.into()),
        Err(err) => {
            let status = match err {
                Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            // The password is never sent back.
            let typed = NewAgentForm {
                password: String::new(),
                ..form
            };
            let shown = agents_page(&app, &session, &jar, None, typed, Some(&err), None).await?;
            Ok((status, shown).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct SwitchForm {
    csrf: String,
    /// `disable` or `enable`.
    action: String,
}

/// Disables an agent (their sessions end at once; their work stays) or enables them.
pub async fn switch(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<SwitchForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    let disabled = match form.action.as_str() {
        "disable" => true,
        "enable" => false,
        other => {
            return Err(Error::validation(
                "action",
                format!("must be disable or enable (got \"{other}\")"),
            )
            .into());
        }
    };
    let changes = AgentChanges {
        disabled: Some(disabled),
        ..Default::default()
    };
    match app
        .update_agent(Some(&session.agent), AgentId(id), changes)
        .await
    {
        Ok(agent) => Ok(redirect_with_flash(
            jar,
            "/agent/admin/agents",
            if disabled {
                format!("{} is disabled and signed out everywhere.", agent.name)
            } else {
                format!("{} can sign in again.", agent.name)
            },
        )),
        Err(err @ (Error::Internal(_) | Error::Forbidden(_) | Error::NotFound { .. })) => {
            Err(err.into())
        }
        Err(err) => {
            let message = refusal_text(&err);
            let shown = agents_page(
                &app,
                &session,
                &jar,
                None,
                NewAgentForm::default(),
                None,
                Some(message),
            )
            .await?;
            Ok((StatusCode::CONFLICT, shown).into_response())
        }
    }
}
