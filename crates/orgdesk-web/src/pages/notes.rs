//! The organization's Notes tab: internal notes, newest first, each with its files; a
//! form to add one (files by the file input, or dropped on the form); edit in place
//! and delete after a confirmation step, for the note's author and admins.

use super::render::{
    Chrome, CursorQuery, Form, PageError, page, redirect_with_flash, refusal_text,
};
use super::session::AgentSession;
use super::time_text::{human_time, iso_time};
use crate::AppState;
use crate::files::{download, receive_note};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::PageRequest;
use orgdesk_app::core::error::byte_size;
use orgdesk_app::core::note::{FILES_PER_NOTE_MAX, Note};
use orgdesk_app::core::{Error, OrganizationId};
use serde::Deserialize;

const PAGE_SIZE: u64 = 20;

struct FileRow {
    id: i64,
    name: String,
    size: String,
}

struct NoteRow {
    id: i64,
    author: String,
    at_iso: String,
    at_text: String,
    edited: bool,
    body: String,
    files: Vec<FileRow>,
    version: i64,
    /// The agent wrote it, or is an admin: the edit and delete controls show.
    may_change: bool,
    /// The edit box's text: the stored body, or what was typed when refused.
    typed: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/notes.html")]
struct NotesPage {
    chrome: Chrome,
    id: i64,
    name: String,
    notes: Vec<NoteRow>,
    next_page: Option<String>,
    /// The new note's text as typed, when it was refused.
    typed_body: String,
    add_error: Option<String>,
    files_max: usize,
    upload_limit: String,
}

/// A refused add or edit, shown on the page again with what was typed.
#[derive(Default)]
struct Refused {
    add: Option<(String, String)>,
    /// (note, text typed, reason)
    edit: Option<(i64, String, String)>,
}

fn note_row(note: Note, session: &AgentSession, refused: &Refused) -> NoteRow {
    let edit = refused.edit.as_ref().filter(|(id, _, _)| *id == note.id);
    NoteRow {
        id: note.id,
        may_change: session.agent.may_change_work_of(note.author.id),
        author: note.author.name,
        at_iso: iso_time(note.created_at),
        at_text: human_time(note.created_at),
        edited: note.version > 1,
        files: note
            .attachments
            .into_iter()
            .map(|file| FileRow {
                id: file.id,
                name: file.file_name,
                size: size_text(file.size),
            })
            .collect(),
        version: note.version,
        typed: edit
            .map(|(_, typed, _)| typed.clone())
            .unwrap_or_else(|| note.body.clone()),
        error: edit.map(|(_, _, reason)| reason.clone()),
        body: note.body,
    }
}

/// A file's size as people read it: `812 bytes`, `14 KB`, `2.4 MB`.
fn size_text(bytes: i64) -> String {
    match bytes {
        b if b < 1000 => format!("{b} bytes"),
        b if b < 1_000_000 => format!("{} KB", (b + 500) / 1000),
        b => format!("{:.1} MB", b as f64 / 1_000_000.0),
    }
}

async fn render(
    app: &AppState,
    session: &AgentSession,
    jar: CookieJar,
    id: OrganizationId,
    cursor: Option<String>,
    refused: Refused,
    status: StatusCode,
) -> Result<Response, PageError> {
    let organization = app.get_organization_without_fields(id).await?;
    let found = app
        .organization_notes(
            id,
            &PageRequest {
                limit: Some(PAGE_SIZE as i64),
                cursor,
            },
        )
        .await?;
    let (typed_body, add_error) = match &refused.add {
        Some((typed, reason)) => (typed.clone(), Some(reason.clone())),
        None => (String::new(), None),
    };
    let view = NotesPage {
        chrome: Chrome::new(session, "organizations", &jar),
        id: id.0,
        name: organization.name,
        next_page: found
            .next_cursor
            .map(|cursor| format!("/agent/organizations/{}/notes?cursor={cursor}", id.0)),
        notes: found
            .items
            .into_iter()
            .map(|note| note_row(note, session, &refused))
            .collect(),
        typed_body,
        add_error,
        files_max: FILES_PER_NOTE_MAX,
        upload_limit: byte_size(app.settings().upload_limit_bytes),
    };
    Ok((status, page(jar, view)).into_response())
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<CursorQuery>,
) -> Result<Response, PageError> {
    render(
        &app,
        &session,
        jar,
        OrganizationId(id),
        query.cursor,
        Refused::default(),
        StatusCode::OK,
    )
    .await
}

fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Adds a note from the multipart form; a refusal shows the page again with the text
/// kept (files must be chosen again: a browser never refills a file input).
pub async fn add(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let organization = OrganizationId(id);
    let outcome = match receive_note(&app, multipart, &["csrf", "body"]).await {
        Ok(received) => {
            let csrf = received.texts.get("csrf").cloned().unwrap_or_default();
            let body = received.texts.get("body").cloned().unwrap_or_default();
            if let Err(refused) = session.require_csrf(&csrf) {
                received.uploads.discard().await;
                return Err(refused);
            }
            app.add_note(&session.agent, organization, &body, received.uploads)
                .await
                .map_err(|err| (err, body))
        }
        Err(refused) => {
            let typed = refused.texts.get("body").cloned().unwrap_or_default();
            // A forged form is refused as such, whatever else was wrong with it.
            session.require_csrf(refused.texts.get("csrf").map_or("", String::as_str))?;
            Err((refused.error, typed))
        }
    };
    match outcome {
        Ok(note) => {
            let files = note.attachments.len();
            let message = match files {
                0 => "Note added.".to_owned(),
                1 => "Note added with 1 file.".to_owned(),
                n => format!("Note added with {n} files."),
            };
            Ok(redirect_with_flash(
                jar,
                &format!("/agent/organizations/{id}/notes#note-{}", note.id),
                message,
            ))
        }
        Err((err @ (Error::Internal(_) | Error::NotFound { .. }), _)) => Err(err.into()),
        Err((err, typed)) => {
            let reason = match &err {
                Error::PayloadTooLarge { .. } => format!(
                    "{} Nothing was saved; choose smaller files.",
                    refusal_text(&err)
                ),
                Error::Validation { field, .. } if field == "body" => refusal_text(&err),
                other => format!(
                    "{} Nothing was saved; choose the files again.",
                    refusal_text(other)
                ),
            };
            let refused = Refused {
                add: Some((typed, reason)),
                ..Default::default()
            };
            render(
                &app,
                &session,
                jar,
                organization,
                None,
                refused,
                status_of(&err),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
    #[serde(default)]
    body: String,
}

pub async fn edit(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let current = app.get_note(id).await?;
    let organization = current.organization_id;
    match app
        .edit_note(&session.agent, id, &form.body, form.version)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/organizations/{}/notes#note-{id}", organization.0),
            "Note saved.",
        )),
        Err(err @ (Error::Internal(_) | Error::NotFound { .. })) => Err(err.into()),
        Err(err) => {
            let reason = match &err {
                Error::VersionConflict { .. } => "Someone changed this note after you opened it. Your text is kept below; save again to replace theirs, or reload to see it.".to_owned(),
                other => refusal_text(other),
            };
            let refused = Refused {
                edit: Some((id, form.body, reason)),
                ..Default::default()
            };
            render(
                &app,
                &session,
                jar,
                organization,
                None,
                refused,
                status_of(&err),
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/confirm_delete_note.html")]
struct ConfirmDeletePage {
    chrome: Chrome,
    id: i64,
    organization_id: i64,
    excerpt: String,
    files: usize,
}

/// The confirmation step before a note and its files are deleted.
pub async fn confirm_delete(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let note = app.get_note(id).await?;
    let excerpt: String = note.body.chars().take(280).collect();
    let confirm = ConfirmDeletePage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id,
        organization_id: note.organization_id.0,
        excerpt: if excerpt.len() < note.body.len() {
            format!("{excerpt}…")
        } else {
            excerpt
        },
        files: note.attachments.len(),
    };
    Ok(page(jar, confirm))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn delete(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let deleted = app.delete_note(&session.agent, id).await?;
    Ok(redirect_with_flash(
        jar,
        &format!("/agent/organizations/{}/notes", deleted.organization_id.0),
        "Note deleted.",
    ))
}

/// A note's file, downloaded with the session (the same safe headers as the API's).
pub async fn attachment(
    State(app): State<AppState>,
    _session: AgentSession,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (attachment, reader) = app.open_attachment(id).await?;
    Ok(download(&attachment, reader))
}
