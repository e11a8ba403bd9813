//! Internal notes on organizations, with files. A note's files are written to the blob
//! store as they arrive ([`Uploads`]), before the note's transaction; whatever makes
//! the note fail afterwards deletes them again, so no blob is left without its row.
//! Deleting a note (or its organization) deletes its blobs once the deletion has
//! committed: never before, so a rolled-back deletion never loses a file.

use crate::history::{Record, record};
use crate::locking::{Lockable, lock};
use crate::{App, PageRequest, now_ms};
use bytes::Bytes;
use futures::Stream;
use orgdesk_blobs::{BlobReader, BlobStore, WriteError};
use orgdesk_core::error::Internal;
use orgdesk_core::error::check_version;
use orgdesk_core::model::{Action, Agent, Change, Page};
use orgdesk_core::note::{
    Attachment, FILES_PER_NOTE_MAX, Note, content_type, file_name, note_body,
};
use orgdesk_core::{Entity, Error, OrganizationId, Result};
use orgdesk_store::ConnectionTrait;
use orgdesk_store::notes::{self, NewAttachment};
use serde_json::{Value, json};

/// Files received for a note that is not yet recorded. Dropped without being
/// recorded (the request failed or its sender went away), its blobs are deleted.
pub struct Uploads {
    blobs: BlobStore,
    limit_bytes: u64,
    files: Vec<NewAttachment>,
    /// The key of the file being written: should the request be dropped mid-write, it
    /// is deleted with the others (whatever of it reached the store).
    writing: Option<String>,
}

impl Uploads {
    /// Streams one file to the blob store. Its name is checked before a byte is
    /// stored; over the size limit it is refused (413) with nothing of it kept.
    pub async fn add_file<S, E>(
        &mut self,
        given_name: &str,
        given_type: Option<&str>,
        chunks: S,
    ) -> Result<()>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        if self.files.len() >= FILES_PER_NOTE_MAX {
            return Err(Error::validation(
                "files",
                format!("a note holds at most {FILES_PER_NOTE_MAX} files"),
            ));
        }
        let name = file_name("files", given_name)?;
        let key = BlobStore::new_key();
        self.writing = Some(key.clone());
        let written = self.blobs.write(&key, chunks, self.limit_bytes).await;
        // Written, or refused and cleaned up by the store: no longer mid-way.
        self.writing = None;
        let written = written.map_err(|err| match err {
            WriteError::TooLarge { limit_bytes } => Error::PayloadTooLarge {
                field: "files".into(),
                what: format!("\"{name}\""),
                limit_bytes,
            },
            WriteError::Source(cause) => Error::validation(
                "files",
                format!("the upload of \"{name}\" broke off: {cause}"),
            ),
            WriteError::Store(cause) => {
                Error::Internal(Internal::caused_by("storing an attached file", cause))
            }
        })?;
        self.files.push(NewAttachment {
            file_name: name,
            content_type: content_type(given_type),
            size: written.size as i64,
            sha256: written.sha256,
            blob_key: written.key,
        });
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Deletes every blob received so far.
    pub async fn discard(mut self) {
        let keys = self.take_keys();
        self.blobs.delete_all_logged(&keys).await;
    }

    fn take_keys(&mut self) -> Vec<String> {
        self.files
            .drain(..)
            .map(|file| file.blob_key)
            .chain(self.writing.take())
            .collect()
    }
}

impl Drop for Uploads {
    fn drop(&mut self) {
        let keys = self.take_keys();
        if keys.is_empty() {
            return;
        }
        // Dropped mid-request (the sender went away): delete on the runtime.
        let blobs = self.blobs.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { blobs.delete_all_logged(&keys).await });
            }
            Err(_) => tracing::error!(?keys, "blobs of an unrecorded note were left behind"),
        }
    }
}

/// A note as the history keeps it: id, body and the names of its files.
fn note_json(id: i64, body: &str, files: &[String]) -> Value {
    json!({ "id": id, "body": body, "files": files })
}

fn file_names(attachments: &[Attachment]) -> Vec<String> {
    attachments.iter().map(|a| a.file_name.clone()).collect()
}

/// Only a note's author, or an admin, changes or deletes it.
fn require_author_or_admin(by: &Agent, note: &Note, what: &str) -> Result<()> {
    if by.may_change_work_of(note.author.id) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only the note's author ({}) or an admin can {what} it",
            note.author.name
        )))
    }
}

impl App {
    /// Where this application keeps files.
    fn blobs(&self) -> Result<&BlobStore> {
        self.settings().blob_store.as_ref().ok_or_else(|| {
            Error::Internal(Internal::new(
                "no blob store is configured, so files cannot be stored",
            ))
        })
    }

    /// An empty set of files for a new note.
    pub fn uploads(&self) -> Result<Uploads> {
        Ok(Uploads {
            blobs: self.blobs()?.clone(),
            limit_bytes: self.settings().upload_limit_bytes,
            files: Vec::new(),
            writing: None,
        })
    }

    async fn require_note<C: ConnectionTrait>(&self, conn: &C, id: i64) -> Result<Note> {
        notes::find(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Note, id))
    }

    /// The note, read again under its organization's lock (taken first, as every
    /// writer of the organization does).
    async fn locked_note<C: ConnectionTrait>(&self, conn: &C, id: i64) -> Result<Note> {
        let found = self.require_note(conn, id).await?;
        lock(conn, Lockable::Organization, found.organization_id.0).await?;
        self.require_note(conn, id).await
    }

    /// An organization's notes, newest first.
    pub async fn organization_notes(
        &self,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<Note>> {
        let reads = self.store().reads().await?;
        self.require_organization(&reads, id).await?;
        let limit = page.limit()?;
        let before = page.id_position("notes")?;
        let found = notes::list_for(&reads, id, before, limit + 1).await?;
        Ok(crate::cursor::page(found, limit, "notes", |note| {
            note.id.to_string()
        }))
    }

    pub async fn get_note(&self, id: i64) -> Result<Note> {
        self.require_note(&self.store().reads().await?, id).await
    }

    /// Records a note with the files already received. Should anything refuse it, the
    /// files' blobs are deleted before the error is returned.
    pub async fn add_note(
        &self,
        by: &Agent,
        organization: OrganizationId,
        body: &str,
        mut uploads: Uploads,
    ) -> Result<Note> {
        match self
            .record_note(by, organization, body, &uploads.files)
            .await
        {
            Ok(note) => {
                uploads.files.clear();
                Ok(note)
            }
            Err(err) => {
                uploads.discard().await;
                Err(err)
            }
        }
    }

    async fn record_note(
        &self,
        by: &Agent,
        organization: OrganizationId,
        body: &str,
        files: &[NewAttachment],
    ) -> Result<Note> {
        let body = note_body(body, !files.is_empty())?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        // The organization's row lock keeps it from being deleted meanwhile.
        lock(&tx, Lockable::Organization, organization.0).await?;
        self.require_organization(&tx, organization).await?;
        let id = notes::insert(&tx, organization, by.id, &body, files, at).await?;
        let names: Vec<String> = files.iter().map(|f| f.file_name.clone()).collect();
        record(
            &tx,
            Record {
                organization,
                actor: &by.actor(),
                action: Action::NoteAdded,
                user: None,
                changes: vec![Change::new(
                    "note",
                    Value::Null,
                    note_json(id, &body, &names),
                )],
                at,
            },
        )
        .await?;
        let note = self.require_note(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(note)
    }

    /// Changes a note's text (its author, or an admin). With `expected_version`, a
    /// note changed meanwhile is refused rather than overwritten.
    pub async fn edit_note(
        &self,
        by: &Agent,
        id: i64,
        body: &str,
        expected_version: Option<i64>,
    ) -> Result<Note> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let current = self.locked_note(&tx, id).await?;
        require_author_or_admin(by, &current, "edit")?;
        check_version(expected_version, current.version)?;
        let body = note_body(body, !current.attachments.is_empty())?;
        if body == current.body {
            return Ok(current);
        }
        if !notes::update_body(&tx, id, current.version, &body, at).await? {
            let now = self.require_note(&tx, id).await?;
            return Err(Error::VersionConflict {
                expected: current.version,
                current: now.version,
            });
        }
        let names = file_names(&current.attachments);
        record(
            &tx,
            Record {
                organization: current.organization_id,
                actor: &by.actor(),
                action: Action::NoteChanged,
                user: None,
                changes: vec![Change::new(
                    "note",
                    note_json(id, &current.body, &names),
                    note_json(id, &body, &names),
                )],
                at,
            },
        )
        .await?;
        let changed = self.require_note(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(changed)
    }

    /// Deletes a note (its author, or an admin) and then its files.
    pub async fn delete_note(&self, by: &Agent, id: i64) -> Result<Note> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let current = self.locked_note(&tx, id).await?;
        require_author_or_admin(by, &current, "delete")?;
        notes::delete(&tx, id).await?;
        record(
            &tx,
            Record {
                organization: current.organization_id,
                actor: &by.actor(),
                action: Action::NoteRemoved,
                user: None,
                changes: vec![Change::new(
                    "note",
                    note_json(id, &current.body, &file_names(&current.attachments)),
                    Value::Null,
                )],
                at,
            },
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        let keys: Vec<String> = current
            .attachments
            .iter()
            .map(|a| a.blob_key.clone())
            .collect();
        self.delete_blobs_after_commit(&keys).await;
        Ok(current)
    }

    /// A file attached to a note, with its bytes ready to stream.
    pub async fn open_attachment(&self, id: i64) -> Result<(Attachment, BlobReader)> {
        let attachment = notes::find_attachment(&self.store().reads().await?, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Attachment, id))?;
        // A blob gone meanwhile is its note's deletion, committed between the two reads.
        let reader = self
            .blobs()?
            .read(&attachment.blob_key)
            .await
            .map_err(|err| match err {
                orgdesk_blobs::BlobError::NotFound { .. } => {
                    Error::not_found(Entity::Attachment, id)
                }
                other => Error::Internal(Internal::caused_by("reading an attached file", other)),
            })?;
        Ok((attachment, reader))
    }

    /// Deletes blobs whose rows a committed change removed (a note's or an
    /// organization's deletion). The change stands whatever happens here: failures are
    /// logged, not returned.
    pub(crate) async fn delete_blobs_after_commit(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        match self.blobs() {
            Ok(blobs) => blobs.delete_all_logged(keys).await,
            Err(_) => tracing::error!(?keys, "no blob store to delete files from"),
        }
    }
}
