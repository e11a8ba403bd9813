//! Admin → Usergroups: define usergroups, choose their permissions from the catalogue,
//! and manage direct members (members through a linked organization are shown with
//! where they come from, and leave by leaving the organization or by an unlink).

use super::lookup::user_with_email;
use super::render::Form;
use super::render::{
    Chrome, CursorQuery, PageError, page, query_escape, redirect_with_flash, refusal_text,
};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::usergroup::PERMISSIONS;
use orgdesk_app::core::{Error, UserId};
use orgdesk_app::{PageRequest, UsergroupChanges};
use serde::Deserialize;

/// Rows per page of the usergroup list and of a usergroup's members.
const PAGE_SIZE: u64 = 50;

/// A permission of the catalogue as a checkbox.
struct PermissionBox {
    name: &'static str,
    description: &'static str,
    checked: bool,
}

fn permission_boxes(checked: &[String]) -> Vec<PermissionBox> {
    PERMISSIONS
        .iter()
        .map(|(name, description)| PermissionBox {
            name,
            description,
            checked: checked.iter().any(|c| c == name),
        })
        .collect()
}

/// A usergroup form: its name and the permissions ticked. Checkboxes share one name,
/// so the form is read as pairs.
struct GroupForm {
    csrf: String,
    name: String,
    permissions: Vec<String>,
}

impl GroupForm {
    fn read(pairs: Vec<(String, String)>) -> Self {
        let mut form = GroupForm {
            csrf: String::new(),
            name: String::new(),
            permissions: Vec::new(),
        };
        for (key, value) in pairs {
            match key.as_str() {
                "csrf" => form.csrf = value,
                "name" => form.name = value,
                "permissions" => form.permissions.push(value),
                _ => {}
            }
        }
        form
    }
}

struct GroupRow {
    id: i64,
    name: String,
    permissions: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_usergroups.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<GroupRow>,
    first_page: Option<String>,
    next_page: Option<String>,
    new_name: String,
    boxes: Vec<PermissionBox>,
    new_error: Option<String>,
}

async fn list_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    cursor: Option<String>,
    typed: Option<GroupForm>,
    new_error: Option<String>,
) -> Result<ListPage, PageError> {
    let cursor = cursor.filter(|c| !c.is_empty());
    let found = app
        .list_usergroups(&PageRequest {
            limit: Some(PAGE_SIZE as i64),
            cursor: cursor.clone(),
        })
        .await?;
    let typed = typed.unwrap_or(GroupForm {
        csrf: String::new(),
        name: String::new(),
        permissions: vec!["portal.tickets".to_owned()],
    });
    Ok(ListPage {
        chrome: Chrome::new(session, "admin", jar),
        rows: found
            .items
            .into_iter()
            .map(|g| GroupRow {
                id: g.id,
                name: g.name,
                permissions: g.permissions.join(", "),
            })
            .collect(),
        first_page: cursor
            .is_some()
            .then(|| "/agent/admin/usergroups".to_owned()),
        next_page: found
            .next_cursor
            .map(|c| format!("/agent/admin/usergroups?cursor={}", query_escape(&c))),
        new_name: typed.name,
        boxes: permission_boxes(&typed.permissions),
        new_error,
    })
}

pub async fn list(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Query(query): Query<CursorQuery>,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let shown = list_page(&app, &session, &jar, query.cursor, None, None).await?;
    Ok(page(jar, shown))
}

pub async fn create(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = GroupForm::read(pairs);
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    match app
        .create_usergroup(&session.agent, &form.name, &form.permissions)
        .await
    {
        Ok(group) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/admin/usergroups/{}", group.id),
            format!("Usergroup {} created.", group.name),
        )),
        Err(err @ (Error::Internal(_) | Error::Forbidden(_))) => Err(err.into()),
        Err(err) => {
            let status = match err {
                Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let message = refusal_text(&err);
            let shown = list_page(&app, &session, &jar, None, Some(form), Some(message)).await?;
            Ok((status, shown).into_response())
        }
    }
}

struct MemberRow {
    id: i64,
    name: String,
    email: String,
    direct: bool,
    via_organization: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_usergroup.html")]
struct GroupPage {
    chrome: Chrome,
    id: i64,
    name: String,
    name_typed: String,
    boxes: Vec<PermissionBox>,
    edit_error: Option<String>,
    members: Vec<MemberRow>,
    first_page: Option<String>,
    next_page: Option<String>,
    member_typed: String,
    member_error: Option<String>,
}

/// What a refused form on the usergroup page typed, to show again.
#[derive(Default)]
struct Typed {
    edit: Option<GroupForm>,
    edit_error: Option<String>,
    member: String,
    member_error: Option<String>,
}

async fn group_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    id: i64,
    cursor: Option<String>,
    typed: Typed,
) -> Result<GroupPage, PageError> {
    let group = app.get_usergroup(id).await?;
    let cursor = cursor.filter(|c| !c.is_empty());
    let members = app
        .usergroup_members(
            id,
            &PageRequest {
                limit: Some(PAGE_SIZE as i64),
                cursor: cursor.clone(),
            },
        )
        .await?;
    let (name_typed, permissions) = match typed.edit {
        Some(form) => (form.name, form.permissions),
        None => (group.name.clone(), group.permissions.clone()),
    };
    Ok(GroupPage {
        chrome: Chrome::new(session, "admin", jar),
        id,
        name: group.name,
        name_typed,
        boxes: permission_boxes(&permissions),
        edit_error: typed.edit_error,
        members: members
            .items
            .into_iter()
            .map(|(user, sources)| MemberRow {
                id: user.id.0,
                name: user.name,
                email: user.email,
                direct: sources.direct,
                via_organization: sources.via_organization,
            })
            .collect(),
        first_page: cursor
            .is_some()
            .then(|| format!("/agent/admin/usergroups/{id}")),
        next_page: members
            .next_cursor
            .map(|c| format!("/agent/admin/usergroups/{id}?cursor={}", query_escape(&c))),
        member_typed: typed.member,
        member_error: typed.member_error,
    })
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<CursorQuery>,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let shown = group_page(&app, &session, &jar, id, query.cursor, Typed::default()).await?;
    Ok(page(jar, shown))
}

/// The usergroup page again with the refusal, or an error page for anything else.
async fn refused(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    id: i64,
    err: Error,
    typed: Typed,
) -> Result<Response, PageError> {
    let status = match err {
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::UsergroupNameTaken { .. } | Error::MembershipFromOrganization { .. } => {
            StatusCode::CONFLICT
        }
        other => return Err(other.into()),
    };
    let shown = group_page(app, session, jar, id, None, typed).await?;
    Ok((status, shown).into_response())
}

pub async fn edit(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = GroupForm::read(pairs);
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    let changes = UsergroupChanges {
        name: Some(form.name.clone()),
        permissions: Some(form.permissions.clone()),
    };
    match app.update_usergroup(&session.agent, id, changes).await {
        Ok(group) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/admin/usergroups/{id}"),
            format!("Usergroup {} saved.", group.name),
        )),
        Err(err) => {
            let typed = Typed {
                edit_error: Some(refusal_text(&err)),
                edit: Some(form),
                ..Default::default()
            };
            refused(&app, &session, &jar, id, err, typed).await
        }
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    csrf: String,
    email: String,
}

/// Adds a user (found by email) to the usergroup directly.
pub async fn add_member(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    let added = async {
        let user = user_with_email(&app, "email", &form.email, "").await?;
        app.add_usergroup_member(&session.agent, id, user.id)
            .await?;
        Ok::<_, Error>(user.name)
    }
    .await;
    match added {
        Ok(name) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/admin/usergroups/{id}"),
            format!("{name} is now a direct member."),
        )),
        Err(err) => {
            let typed = Typed {
                member_error: Some(refusal_text(&err)),
                member: form.email,
                ..Default::default()
            };
            refused(&app, &session, &jar, id, err, typed).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends a direct membership (one through the organization stays, and the page says so).
pub async fn remove_member(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, user)): Path<(i64, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    session.require_admin()?;
    match app
        .remove_usergroup_member(&session.agent, id, UserId(user))
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/admin/usergroups/{id}"),
            "The direct membership is removed.",
        )),
        Err(err) => {
            let typed = Typed {
                member_error: Some(refusal_text(&err)),
                ..Default::default()
            };
            refused(&app, &session, &jar, id, err, typed).await
        }
    }
}
