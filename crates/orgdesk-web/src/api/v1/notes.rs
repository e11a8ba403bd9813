//! Internal notes on organizations, with attached files, and the files' downloads.

use super::tickets::PersonRefBody;
use super::types::{PageQuery, expected_version, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query};
use crate::files::{download, receive_note};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use orgdesk_app::core::OrganizationId;
use orgdesk_app::core::model::Page;
use orgdesk_app::core::note::{Attachment, Note};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    pub id: i64,
    /// The file's name as sent, cleaned: the last part of a path, no control characters.
    pub filename: String,
    /// Bytes.
    pub size: i64,
    pub content_type: String,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Where to download it (an agent's token is needed).
    pub url: String,
}

impl From<Attachment> for AttachmentResponse {
    fn from(attachment: Attachment) -> Self {
        AttachmentResponse {
            url: format!("/api/v1/attachments/{}", attachment.id),
            id: attachment.id,
            filename: attachment.file_name,
            size: attachment.size,
            content_type: attachment.content_type,
            sha256: attachment.sha256,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteResponse {
    pub id: i64,
    pub organization_id: i64,
    /// Plain text; line breaks are kept.
    pub body: String,
    pub author: PersonRefBody,
    pub attachments: Vec<AttachmentResponse>,
    pub created_at: String,
    pub updated_at: String,
    /// Send it back as `If-Match` (or `"version"`) to refuse stale writes.
    pub version: i64,
}

impl From<Note> for NoteResponse {
    fn from(note: Note) -> Self {
        NoteResponse {
            id: note.id,
            organization_id: note.organization_id.0,
            body: note.body,
            author: PersonRefBody {
                id: note.author.id.0,
                name: note.author.name,
            },
            attachments: note.attachments.into_iter().map(Into::into).collect(),
            created_at: timestamp(note.created_at),
            updated_at: timestamp(note.updated_at),
            version: note.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteList {
    pub data: Vec<NoteResponse>,
    pub next_cursor: Option<String>,
}

impl From<Page<Note>> for NoteList {
    fn from(page: Page<Note>) -> Self {
        NoteList {
            data: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNoteBody {
    /// Plain text (up to 20,000 characters); line breaks are kept.
    pub body: String,
}

/// The multipart form of a new note.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Describes the multipart parts; the parts are read as they stream.
pub struct NoteUploadForm {
    /// Plain text; may be left out when files are sent.
    body: Option<String>,
    /// Up to 10 files, each within the upload limit (25 MiB unless configured).
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// The organization's notes, newest first, each with its files.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/notes", tag = "notes", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = NoteList), (status = 404, body = ErrorBody)))]
async fn list_notes(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<NoteList>, ApiError> {
    Ok(axum::Json(
        app.organization_notes(OrganizationId(id), &(&page).into())
            .await?
            .into(),
    ))
}

/// Adds a note: JSON `{"body"}`, or `multipart/form-data` with a `body` part and
/// `files` parts. Files are streamed to the blob store; one over the upload limit
/// answers 413 and nothing is kept, neither the note nor any of its files.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/notes", tag = "notes", security(("agent" = [])), params(("id" = i64, Path)),
    request_body(content(
        (CreateNoteBody = "application/json"),
        (NoteUploadForm = "multipart/form-data"),
    )),
    responses((status = 201, body = NoteResponse), (status = 404, body = ErrorBody), (status = 413, description = "a file is over the upload limit", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_note(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    request: Request,
) -> Result<(StatusCode, axum::Json<NoteResponse>), ApiError> {
    let organization = OrganizationId(id);
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let note = if is_multipart {
        let multipart = Multipart::from_request(request, &app)
            .await
            .map_err(|rejection| ApiError::Malformed(rejection.body_text()))?;
        let received = receive_note(&app, multipart, &["body"]).await?;
        let body = received.texts.get("body").cloned().unwrap_or_default();
        app.add_note(&agent, organization, &body, received.uploads)
            .await?
    } else {
        // This route lifts the body limit for uploads; JSON keeps the usual one.
        let (parts, body) = request.into_parts();
        let request = Request::from_parts(
            parts,
            axum::body::Body::new(http_body_util::Limited::new(body, crate::MAX_BODY_BYTES)),
        );
        let Json(body) = Json::<CreateNoteBody>::from_request(request, &app).await?;
        app.add_note(&agent, organization, &body.body, app.uploads()?)
            .await?
    };
    Ok((StatusCode::CREATED, axum::Json(note.into())))
}

/// One note, with its files.
#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "notes", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = NoteResponse), (status = 404, body = ErrorBody)))]
async fn get_note(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<NoteResponse>, ApiError> {
    Ok(axum::Json(app.get_note(id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNoteBody {
    pub body: String,
    /// The version you read; alternatively send it as `If-Match`.
    pub version: Option<i64>,
}

/// Changes a note's text: its author, or an admin.
#[utoipa::path(patch, path = "/api/v1/notes/{id}", tag = "notes", security(("agent" = [])), params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the version last read")),
    request_body = UpdateNoteBody,
    responses((status = 200, body = NoteResponse), (status = 403, description = "not the note's author, and not an admin", body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, description = "stale version", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_note(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<UpdateNoteBody>,
) -> Result<axum::Json<NoteResponse>, ApiError> {
    let expected = expected_version(&headers, body.version)?;
    Ok(axum::Json(
        app.edit_note(&agent, id, &body.body, expected)
            .await?
            .into(),
    ))
}

/// Deletes a note and its files: its author, or an admin.
#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "notes", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 403, description = "not the note's author, and not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_note(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app.delete_note(&agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A note's file, as a download: `Content-Disposition: attachment` with its name,
/// its stored type, `X-Content-Type-Options: nosniff` and `Content-Security-Policy:
/// sandbox`, so a browser saves it and never runs it.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "notes", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the file's bytes", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn download_attachment(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (attachment, reader) = app.open_attachment(id).await?;
    Ok(download(&attachment, reader))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(
            OpenApiRouter::new()
                .routes(routes!(list_notes, create_note))
                // Files may be far larger than a JSON body; `receive_note` limits
                // each file and the number of parts instead.
                .layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(get_note, update_note, delete_note))
        .routes(routes!(download_attachment))
}
