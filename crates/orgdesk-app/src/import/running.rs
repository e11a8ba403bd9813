//! Imports taken by the server: the uploaded file kept in a temporary file, the import
//! run in the background, and how far each running one has got (kept in memory: a
//! write per batch would contend with the import's own transaction on SQLite).

use super::{ImportProgress, ImportReport, ImportStatus, Problems};
use crate::App;
use orgdesk_core::bulk::{Problem, RecordKind};
use orgdesk_core::model::Agent;
use orgdesk_core::{Error, Result};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

/// The largest file an import takes: about ten million rows of users.
pub const IMPORT_FILE_LIMIT_BYTES: u64 = 1024 * 1024 * 1024;

/// How far a running import has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveProgress {
    pub status: ImportStatus,
    /// Rows done in the current phase.
    pub rows: u64,
    /// Bytes of the file read in the current phase, of `total_bytes`.
    pub bytes: u64,
    pub total_bytes: u64,
}

/// The imports running in this process.
#[derive(Debug, Default)]
pub(crate) struct RunningImports {
    live: Mutex<HashMap<i64, LiveProgress>>,
}

impl RunningImports {
    pub fn get(&self, id: i64) -> Option<LiveProgress> {
        self.live.lock().expect("running imports").get(&id).copied()
    }

    fn update(&self, id: i64, change: impl FnOnce(&mut LiveProgress)) {
        if let Some(progress) = self.live.lock().expect("running imports").get_mut(&id) {
            change(progress);
        }
    }
}

/// Reports an import's progress to the registry.
struct Tracker<'a> {
    running: &'a RunningImports,
    id: i64,
}

impl ImportProgress for Tracker<'_> {
    fn phase(&self, status: ImportStatus) {
        self.running.update(self.id, |p| {
            p.status = status;
            p.rows = 0;
            p.bytes = 0;
        });
    }

    fn rows(&self, rows: u64, bytes: u64) {
        self.running.update(self.id, |p| {
            p.rows = rows;
            p.bytes = bytes;
        });
    }
}

/// An import's file as it arrives, in a temporary file removed when this is dropped.
pub struct ImportUpload {
    file: tempfile::NamedTempFile,
    written: u64,
}

impl ImportUpload {
    /// Adds a chunk of the file; past [`IMPORT_FILE_LIMIT_BYTES`] the file is refused.
    pub fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.written += chunk.len() as u64;
        if self.written > IMPORT_FILE_LIMIT_BYTES {
            return Err(Error::PayloadTooLarge {
                field: "file".into(),
                what: "the import file".into(),
                limit_bytes: IMPORT_FILE_LIMIT_BYTES,
            });
        }
        self.file.write_all(chunk).map_err(|err| {
            Error::Internal(orgdesk_core::Internal::caused_by("keeping the file", err))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.written == 0
    }
}

impl App {
    /// A place for an import's file to arrive.
    pub fn import_upload(&self) -> Result<ImportUpload> {
        let file = tempfile::Builder::new()
            .prefix("orgdesk-import-")
            .suffix(".csv")
            .tempfile()
            .map_err(|err| {
                Error::Internal(orgdesk_core::Internal::caused_by("keeping the file", err))
            })?;
        Ok(ImportUpload { file, written: 0 })
    }

    /// Starts an import of `upload` in the background (admins only) and returns it as
    /// recorded: `validating`. Its progress shows on [`App::get_import`] while it runs.
    pub async fn start_import(
        &self,
        by: &Agent,
        kind: RecordKind,
        dry_run: bool,
        file_name: Option<&str>,
        mut upload: ImportUpload,
    ) -> Result<ImportReport> {
        crate::auth::require_admin(by, "import organizations or users")?;
        upload.file.flush().map_err(|err| {
            Error::Internal(orgdesk_core::Internal::caused_by("keeping the file", err))
        })?;
        let id = self
            .begin_import(kind, dry_run, file_name, Some(by.id))
            .await?;
        self.running_imports()
            .live
            .lock()
            .expect("running imports")
            .insert(
                id,
                LiveProgress {
                    status: ImportStatus::Validating,
                    rows: 0,
                    bytes: 0,
                    total_bytes: upload.written,
                },
            );
        let report = self.get_import(id).await?;
        let app = self.clone();
        tokio::spawn(async move {
            let tracker = Tracker {
                running: app.running_imports(),
                id,
            };
            if let Err(err) = app.run_import(id, upload.file.path(), &tracker).await {
                tracing::error!(import = id, error = %err, "the import stopped");
                let problems = Problems::from(vec![Problem::new(
                    0,
                    None,
                    "not_applied",
                    format!("the import stopped and nothing was applied: {err}"),
                )]);
                if let Err(err) = app
                    .finish_import(id, ImportStatus::Failed, super::Tally::default(), &problems)
                    .await
                {
                    tracing::error!(import = id, error = %err, "the import's failure could not be recorded");
                }
            }
            app.running_imports()
                .live
                .lock()
                .expect("running imports")
                .remove(&id);
            drop(upload);
        });
        Ok(report)
    }
}
