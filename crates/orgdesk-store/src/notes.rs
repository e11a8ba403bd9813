//! Internal notes on organizations and the rows of their attached files. The files'
//! bytes are not here: `blob_key` names them in the blob store.

use crate::error::StoreError;
use crate::sql::{self, placeholders};
use orgdesk_core::note::{Attachment, Note, NoteAuthor};
use orgdesk_core::{AgentId, OrganizationId};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// A file already in the blob store, to be recorded on a note.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
}

const NOTE_SELECT: &str = "SELECT n.id, n.organization_id, n.author_agent_id, a.name AS author_name, n.body, \
     n.version, n.created_at, n.updated_at \
     FROM organization_notes n JOIN agents a ON a.id = n.author_agent_id";

const ATTACHMENT_COLUMNS: &str =
    "id, note_id, file_name, content_type, size, sha256, blob_key, created_at";

#[derive(Debug, FromQueryResult)]
struct NoteRow {
    id: i64,
    organization_id: i64,
    author_agent_id: i64,
    author_name: String,
    body: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl NoteRow {
    fn into_note(self, attachments: Vec<Attachment>) -> Note {
        Note {
            id: self.id,
            organization_id: OrganizationId(self.organization_id),
            author: NoteAuthor {
                id: AgentId(self.author_agent_id),
                name: self.author_name,
            },
            body: self.body,
            attachments,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct AttachmentRow {
    id: i64,
    note_id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    blob_key: String,
    created_at: i64,
}

impl From<AttachmentRow> for Attachment {
    fn from(row: AttachmentRow) -> Self {
        Attachment {
            id: row.id,
            note_id: row.note_id,
            file_name: row.file_name,
            content_type: row.content_type,
            size: row.size,
            sha256: row.sha256,
            blob_key: row.blob_key,
            created_at: row.created_at,
        }
    }
}

/// Records a note and its files in one go; returns the note's id.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    author: AgentId,
    body: &str,
    files: &[NewAttachment],
    at: i64,
) -> Result<i64, StoreError> {
    let id: i64 = sql::scalar(
        conn,
        "INSERT INTO organization_notes (organization_id, author_agent_id, body, version, created_at, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $4) RETURNING id AS value",
        vec![organization.0.into(), author.0.into(), body.into(), at.into()],
    )
    .await?
    .ok_or_else(|| StoreError::custom("insert returned no row".into()))?;
    for file in files {
        sql::execute(
            conn,
            "INSERT INTO note_attachments (note_id, file_name, content_type, size, sha256, blob_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                id.into(),
                file.file_name.clone().into(),
                file.content_type.clone().into(),
                file.size.into(),
                file.sha256.clone().into(),
                file.blob_key.clone().into(),
                at.into(),
            ],
        )
        .await?;
    }
    Ok(id)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Note>, StoreError> {
    let row: Option<NoteRow> = sql::one(
        conn,
        &format!("{NOTE_SELECT} WHERE n.id = $1"),
        vec![id.into()],
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let attachments = attachments_of(conn, &[row.id]).await?;
    Ok(Some(row.into_note(attachments)))
}

/// An organization's notes, newest first, with ids below `before`; each with its files.
pub async fn list_for<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<Note>, StoreError> {
    let rows: Vec<NoteRow> = sql::all(
        conn,
        &format!(
            "{NOTE_SELECT} WHERE n.organization_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3"
        ),
        vec![
            organization.0.into(),
            before.unwrap_or(i64::MAX).into(),
            (limit as i64).into(),
        ],
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut attachments = attachments_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (mine, rest) = attachments.drain(..).partition(|a| a.note_id == row.id);
            attachments = rest;
            row.into_note(mine)
        })
        .collect())
}

/// The files of the given notes (a page's worth), in the order they were attached.
async fn attachments_of<C: ConnectionTrait>(
    conn: &C,
    notes: &[i64],
) -> Result<Vec<Attachment>, StoreError> {
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<AttachmentRow> = sql::all(
        conn,
        &format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM note_attachments WHERE note_id IN ({}) ORDER BY note_id, id",
            placeholders(1, notes.len())
        ),
        notes.iter().map(|&id| id.into()).collect(),
    )
    .await?;
    Ok(rows.into_iter().map(Attachment::from).collect())
}

pub async fn find_attachment<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Attachment>, StoreError> {
    let row: Option<AttachmentRow> = sql::one(
        conn,
        &format!("SELECT {ATTACHMENT_COLUMNS} FROM note_attachments WHERE id = $1"),
        vec![id.into()],
    )
    .await?;
    Ok(row.map(Attachment::from))
}

/// Writes a new body and bumps the version, only if it is still `expected_version`.
pub async fn update_body<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    body: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "UPDATE organization_notes SET body = $1, updated_at = $2, version = version + 1 \
         WHERE id = $3 AND version = $4",
        vec![body.into(), at.into(), id.into(), expected_version.into()],
    )
    .await?;
    Ok(rows == 1)
}

/// Deletes a note; its attachment rows go with it.
pub async fn delete<C: ConnectionTrait>(conn: &C, id: i64) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "DELETE FROM organization_notes WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    Ok(rows == 1)
}

/// The blob keys of every file on an organization's notes: what to delete from the
/// blob store once the organization's deletion has committed.
pub async fn blob_keys_of_organization<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<sql::Scalar<String>> = sql::all(
        conn,
        "SELECT f.blob_key AS value FROM note_attachments f \
         JOIN organization_notes n ON n.id = f.note_id WHERE n.organization_id = $1",
        vec![organization.0.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|row| row.value).collect())
}
