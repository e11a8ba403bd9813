//! Bulk imports of organizations and users from CSV files (SPEC §8).
//!
//! An import is recorded first (`validating`), then reads its file twice:
//! 1. **validate**: every row is checked — its cells, its references, uniqueness in the
//!    file and against the database — and every problem is kept with its line. Any
//!    problem ends the import there (`failed`), as does `dry_run` (`done`).
//! 2. **apply** (`applying`): the file is read again and applied in batches through the
//!    same set-based store functions the API's batch paths use, all inside one
//!    transaction that also writes the import's outcome: the database holds the whole
//!    import and its `done` record, or neither. An import cut short by a crash or a
//!    restart is left unfinished and marked `failed` when the server next starts.
//!
//! Rows are read a batch at a time (the next one read ahead while the current one is
//! checked or written), so memory does not hold the file: what grows with it is a
//! fingerprint and a line (12 bytes) per key that must be unique in the file, and for
//! organizations their place in the hierarchy.

mod csv_rows;
mod organizations;
mod read_ahead;
mod running;
mod seen;
mod users;

pub(crate) use running::RunningImports;
pub use running::{IMPORT_FILE_LIMIT_BYTES, ImportUpload, LiveProgress};

use crate::{App, now_ms};
use csv_rows::CsvRows;
use orgdesk_core::bulk::{Header, Problem, RecordKind};
use orgdesk_core::model::{Actor, Page};
use orgdesk_core::{AgentId, Entity, Error, Result};
use orgdesk_store::imports::{self, ImportRow, Outcome};
use std::path::Path;

/// Rows read, checked and applied together.
const BATCH_ROWS: usize = 1000;

/// Problems kept in a report; beyond them only the count grows.
pub const KEPT_PROBLEMS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Validating,
    Applying,
    Done,
    Failed,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Validating => "validating",
            ImportStatus::Applying => "applying",
            ImportStatus::Done => "done",
            ImportStatus::Failed => "failed",
        }
    }

    fn parse(stored: &str) -> Self {
        match stored {
            "validating" => ImportStatus::Validating,
            "applying" => ImportStatus::Applying,
            "done" => ImportStatus::Done,
            _ => ImportStatus::Failed,
        }
    }
}

/// An import and how it went. For a dry run, `created` and `updated` say what applying
/// the file would do (`updated` then includes rows that would change nothing).
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub id: i64,
    pub kind: RecordKind,
    pub status: ImportStatus,
    pub dry_run: bool,
    pub file_name: Option<String>,
    pub started_by: Option<AgentId>,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// The first [`KEPT_PROBLEMS`] problems, in the order found.
    pub problems: Vec<Problem>,
    pub problem_count: u64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// How far it has got, while it runs in this process.
    pub progress: Option<LiveProgress>,
}

impl ImportReport {
    fn from_row(row: ImportRow) -> Result<Self> {
        let kind = match row.kind.as_str() {
            "organizations" => RecordKind::Organizations,
            _ => RecordKind::Users,
        };
        let problems: Vec<Problem> = serde_json::from_str(&row.problems).map_err(|err| {
            Error::Internal(orgdesk_core::Internal::caused_by(
                "reading an import's problems",
                err,
            ))
        })?;
        Ok(ImportReport {
            id: row.id,
            kind,
            status: ImportStatus::parse(&row.status),
            dry_run: row.dry_run,
            file_name: row.file_name,
            started_by: row.started_by_agent_id.map(AgentId),
            rows: row.rows as u64,
            created: row.created as u64,
            updated: row.updated as u64,
            unchanged: row.unchanged as u64,
            problems,
            problem_count: row.problem_count as u64,
            created_at: row.created_at,
            finished_at: row.finished_at,
            progress: None,
        })
    }
}

/// The problems found so far: the first [`KEPT_PROBLEMS`] kept, all counted.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    kept: Vec<Problem>,
    count: u64,
}

impl From<Vec<Problem>> for Problems {
    fn from(found: Vec<Problem>) -> Self {
        let mut problems = Problems::default();
        found.into_iter().for_each(|p| problems.add(p));
        problems
    }
}

impl Problems {
    pub fn add(&mut self, problem: Problem) {
        self.count += 1;
        if self.kept.len() < KEPT_PROBLEMS {
            self.kept.push(problem);
        }
    }

    /// Adds the problems `later` holds, found after these.
    pub fn absorb(&mut self, later: Problems) {
        self.count += later.count - later.kept.len() as u64;
        later.kept.into_iter().for_each(|p| self.add(p));
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Where an import is, for a progress bar or the import resource.
pub trait ImportProgress: Send + Sync {
    /// The import moved on to `status` (validating, then applying).
    fn phase(&self, _status: ImportStatus) {}
    /// `rows` rows of the file, its first `bytes` bytes, are done in the current phase.
    fn rows(&self, _rows: u64, _bytes: u64) {}
}

/// Progress nobody watches.
pub struct NoProgress;

impl ImportProgress for NoProgress {}

/// Rows counted by a phase.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// How an apply ended early: problems a row met (found only now, say because the
/// database changed since validation), or an error.
pub(crate) enum Refusal {
    Problems(Problems),
    Error(Error),
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Self {
        Refusal::Error(err)
    }
}

impl From<orgdesk_store::StoreError> for Refusal {
    fn from(err: orgdesk_store::StoreError) -> Self {
        Refusal::Error(err.into())
    }
}

/// The reason in a rule's error, without the field name the API would add.
pub(crate) fn reason(err: Error) -> String {
    match err {
        Error::Validation { message, .. } => message,
        other => other.to_string(),
    }
}

/// Opens the file and reads its header as `kind`'s; the problems if it cannot be.
pub(crate) fn open_file(
    kind: RecordKind,
    path: &Path,
) -> std::result::Result<(CsvRows, Header), Vec<Problem>> {
    let mut rows = CsvRows::open(path).map_err(|err| {
        vec![Problem::new(
            0,
            None,
            "unreadable",
            format!("the file cannot be opened: {err}"),
        )]
    })?;
    let cells = rows.header().map_err(|problem| vec![problem])?;
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    let header = Header::parse(kind, &cells)?;
    Ok((rows, header))
}

/// Reads up to [`BATCH_ROWS`] rows; an empty batch at the end of the file.
pub(crate) fn read_batch(rows: &mut CsvRows, problems: &mut Problems) -> Vec<csv_rows::RawRow> {
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    while batch.len() < BATCH_ROWS {
        match rows.next_row(problems) {
            Some(row) => batch.push(row),
            None => break,
        }
    }
    batch
}

/// The actor recorded for an import's changes.
fn import_actor(id: i64) -> Actor {
    Actor::System {
        name: format!("import {id}"),
    }
}

fn problems_json(problems: &[Problem]) -> String {
    serde_json::to_string(problems).expect("problems always serialize")
}

impl App {
    /// Records a new import (`validating`) and returns its id; [`App::run_import`]
    /// then does it.
    pub async fn begin_import(
        &self,
        kind: RecordKind,
        dry_run: bool,
        file_name: Option<&str>,
        started_by: Option<AgentId>,
    ) -> Result<i64> {
        let tx = self.store().begin_write().await?;
        let id =
            imports::insert(&tx, kind.as_str(), dry_run, file_name, started_by, now_ms()).await?;
        orgdesk_store::commit(tx).await?;
        Ok(id)
    }

    /// Validates the file of import `id` and, unless it is a dry run or has problems,
    /// applies it. Returns the report as recorded.
    pub async fn run_import(
        &self,
        id: i64,
        path: &Path,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport> {
        let started = self.get_import(id).await?;
        let kind = started.kind;
        progress.phase(ImportStatus::Validating);
        let mut problems = Problems::default();
        let validated = match open_file(kind, path) {
            Ok((mut rows, header)) => match kind {
                RecordKind::Users => {
                    users::validate(self, rows, header, &mut problems, progress).await?
                }
                RecordKind::Organizations => {
                    organizations::validate(self, &mut rows, &header, &mut problems, progress)
                        .await?
                }
            },
            Err(header_problems) => {
                for problem in header_problems {
                    problems.add(problem);
                }
                Tally::default()
            }
        };
        if !problems.is_empty() || started.dry_run {
            let status = if problems.is_empty() {
                ImportStatus::Done
            } else {
                ImportStatus::Failed
            };
            self.finish_import(id, status, validated, &problems).await?;
            return self.get_import(id).await;
        }

        progress.phase(ImportStatus::Applying);
        {
            let tx = self.store().begin_write().await?;
            imports::set_status(&tx, id, ImportStatus::Applying.as_str()).await?;
            orgdesk_store::commit(tx).await?;
        }
        let actor = import_actor(id);
        let tx = self.store().begin_bulk_write().await?;
        let applied = match kind {
            RecordKind::Users => users::apply(&tx, &actor, path, progress).await,
            RecordKind::Organizations => organizations::apply(&tx, &actor, path, progress).await,
        };
        match applied {
            Ok(tally) => {
                record_outcome(&tx, id, ImportStatus::Done, tally, &Problems::default()).await?;
                orgdesk_store::commit(tx).await?;
            }
            Err(refusal) => {
                drop(tx);
                let problems = match refusal {
                    Refusal::Problems(problems) => problems,
                    Refusal::Error(err) => {
                        // The report says what failed; the log keeps the cause.
                        tracing::error!(import = id, error = ?err, "the import was not applied");
                        let mut problems = Problems::default();
                        problems.add(Problem::new(
                            0,
                            None,
                            "not_applied",
                            format!("nothing was applied: {err}"),
                        ));
                        problems
                    }
                };
                self.finish_import(id, ImportStatus::Failed, validated, &problems)
                    .await?;
            }
        }
        self.get_import(id).await
    }

    pub(crate) async fn finish_import(
        &self,
        id: i64,
        status: ImportStatus,
        tally: Tally,
        problems: &Problems,
    ) -> Result<()> {
        let tx = self.store().begin_write().await?;
        record_outcome(&tx, id, status, tally, problems).await?;
        Ok(orgdesk_store::commit(tx).await?)
    }

    pub async fn get_import(&self, id: i64) -> Result<ImportReport> {
        let row = imports::find(self.store().reader(), id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Import, id))?;
        let mut report = ImportReport::from_row(row)?;
        if report.finished_at.is_none() {
            report.progress = self.running_imports().get(id);
        }
        Ok(report)
    }

    /// Imports, newest first, a page at a time.
    pub async fn list_imports(&self, page: &crate::PageRequest) -> Result<Page<ImportReport>> {
        let limit = page.limit()?;
        let before = page.id_position("imports")?;
        let rows = imports::list(self.store().reader(), before, limit + 1).await?;
        let mut items: Vec<ImportReport> = rows
            .into_iter()
            .map(ImportReport::from_row)
            .collect::<Result<_>>()?;
        for report in items.iter_mut().filter(|r| r.finished_at.is_none()) {
            report.progress = self.running_imports().get(report.id);
        }
        Ok(crate::cursor::page(items, limit, "imports", |i| {
            i.id.to_string()
        }))
    }

    /// Marks `failed` every import a previous run left unfinished (the server calls it
    /// at start): nothing of theirs was applied, since applying commits with the
    /// outcome. Returns how many.
    pub async fn fail_interrupted_imports(&self) -> Result<u64> {
        let problem = Problem::new(
            0,
            None,
            "interrupted",
            "the import was interrupted (the server stopped) before it finished; nothing was applied — run it again",
        );
        let tx = self.store().begin_write().await?;
        let failed = imports::fail_unfinished(&tx, &problems_json(&[problem]), now_ms()).await?;
        orgdesk_store::commit(tx).await?;
        Ok(failed)
    }
}

/// Writes an import's outcome on `conn`.
async fn record_outcome<C: orgdesk_store::ConnectionTrait>(
    conn: &C,
    id: i64,
    status: ImportStatus,
    tally: Tally,
    problems: &Problems,
) -> Result<()> {
    // Found batch by batch, a row's cells before its references: shown by line.
    let mut kept = problems.kept.clone();
    kept.sort_by_key(|p| p.line);
    let problems_text = problems_json(&kept);
    let outcome = Outcome {
        status: status.as_str(),
        rows: tally.rows as i64,
        created: tally.created as i64,
        updated: tally.updated as i64,
        unchanged: tally.unchanged as i64,
        problems: &problems_text,
        problem_count: problems.count as i64,
        at: now_ms(),
    };
    Ok(imports::finish(conn, id, &outcome).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(lines: std::ops::Range<u64>) -> Problems {
        let mut found = Problems::default();
        for line in lines {
            found.add(Problem::new(line, None, "invalid", "bad"));
        }
        found
    }

    #[test]
    fn absorbed_problems_are_all_counted_and_kept_in_order_while_room_remains() {
        let mut all = problems(1..11);
        // A batch that found more than a report keeps.
        all.absorb(problems(100..100 + KEPT_PROBLEMS as u64 + 5));
        assert_eq!(all.count(), 10 + KEPT_PROBLEMS as u64 + 5);
        assert_eq!(all.kept.len(), KEPT_PROBLEMS);
        let lines: Vec<u64> = all.kept.iter().map(|p| p.line).collect();
        assert_eq!(lines[..11], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]);
        assert_eq!(*lines.last().unwrap(), 100 + KEPT_PROBLEMS as u64 - 11);
    }
}
