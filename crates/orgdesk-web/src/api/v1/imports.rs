//! Bulk imports of organizations and users from CSV files: started by an admin, run
//! in the background, and kept with their report.

use super::types::{PageQuery, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Path, Query};
use crate::files::receive_import;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use orgdesk_app::core::Error;
use orgdesk_app::core::bulk::{Problem, RecordKind, parse_flag};
use orgdesk_app::core::model::Page;
use orgdesk_app::{ImportReport, LiveProgress};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemBody {
    /// The file's line (the header is line 1; 0: the file as a whole).
    pub line: u64,
    /// The column, when the problem is one cell's.
    pub column: Option<String>,
    /// Stable: `invalid`, `duplicate_in_file`, `unknown_parent`, `hierarchy_cycle`, …
    pub code: String,
    pub message: String,
}

impl From<Problem> for ProblemBody {
    fn from(problem: Problem) -> Self {
        ProblemBody {
            line: problem.line,
            column: problem.column,
            code: problem.code,
            message: problem.message,
        }
    }
}

/// How far a running import has got in its current phase.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressBody {
    pub rows: u64,
    pub bytes: u64,
    pub total_bytes: u64,
}

impl From<LiveProgress> for ProgressBody {
    fn from(progress: LiveProgress) -> Self {
        ProgressBody {
            rows: progress.rows,
            bytes: progress.bytes,
            total_bytes: progress.total_bytes,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    pub id: i64,
    /// `organizations` or `users`.
    pub kind: String,
    /// `validating`, `applying`, `done` or `failed` (problems in the file, or
    /// interrupted: nothing was applied).
    pub status: String,
    pub dry_run: bool,
    pub file_name: Option<String>,
    pub started_by_agent_id: Option<i64>,
    /// Rows read (the header not counted).
    pub rows: u64,
    /// Applied: organizations or users created. A dry run: those that would be.
    pub created: u64,
    /// Applied: those changed. A dry run: those the file matches.
    pub updated: u64,
    /// Applied: rows that matched and changed nothing.
    pub unchanged: u64,
    /// The first 1,000 problems, by line.
    pub problems: Vec<ProblemBody>,
    pub problem_count: u64,
    /// While it runs: how far it has got in its current phase.
    pub progress: Option<ProgressBody>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<ImportReport> for ImportResponse {
    fn from(report: ImportReport) -> Self {
        ImportResponse {
            id: report.id,
            kind: report.kind.as_str().to_owned(),
            status: report.status.as_str().to_owned(),
            dry_run: report.dry_run,
            file_name: report.file_name,
            started_by_agent_id: report.started_by.map(|a| a.0),
            rows: report.rows,
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            problems: report.problems.into_iter().map(Into::into).collect(),
            problem_count: report.problem_count,
            progress: report.progress.map(Into::into),
            created_at: timestamp(report.created_at),
            finished_at: report.finished_at.map(timestamp),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportList {
    pub data: Vec<ImportResponse>,
    pub next_cursor: Option<String>,
}

impl From<Page<ImportReport>> for ImportList {
    fn from(page: Page<ImportReport>) -> Self {
        ImportList {
            data: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// The multipart form of an import.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Describes the multipart parts; the parts are read as they stream.
pub struct ImportForm {
    /// `organizations` or `users`.
    kind: String,
    /// `true` to check the file and report without applying it.
    dry_run: Option<bool>,
    /// The CSV file (UTF-8, a header row; see the README for the columns), up to 1 GiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The kind of records a form names.
pub fn parse_kind(text: Option<&str>) -> Result<RecordKind, Error> {
    match text.map(str::trim) {
        Some("organizations") => Ok(RecordKind::Organizations),
        Some("users") => Ok(RecordKind::Users),
        Some(other) => Err(Error::validation(
            "kind",
            format!("\"{other}\" is not organizations or users"),
        )),
        None => Err(Error::validation(
            "kind",
            "is required: organizations or users",
        )),
    }
}

/// Starts an import (admins only): multipart with `kind`, optional `dry_run` and the
/// `file`. Answers 202 with the import, `validating`; follow it with
/// `GET /api/v1/imports/{id}`. Every row is checked first; with any problem nothing is
/// applied, and the file is applied whole or not at all.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", security(("agent" = [])),
    request_body(content((ImportForm = "multipart/form-data"))),
    responses((status = 202, body = ImportResponse), (status = 403, description = "not an admin", body = ErrorBody), (status = 413, description = "the file is over 1 GiB", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn start_import(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    request: Request,
) -> Result<(StatusCode, axum::Json<ImportResponse>), ApiError> {
    if !agent.admin {
        return Err(
            Error::Forbidden("only an admin can import organizations or users".into()).into(),
        );
    }
    let multipart = Multipart::from_request(request, &app)
        .await
        .map_err(|rejection| ApiError::Malformed(rejection.body_text()))?;
    let received = receive_import(&app, multipart, &["kind", "dry_run"]).await?;
    let kind = parse_kind(received.texts.get("kind").map(String::as_str))?;
    let dry_run = match received.texts.get("dry_run") {
        Some(text) => parse_flag(text).map_err(|message| Error::validation("dry_run", message))?,
        None => false,
    };
    let Some(upload) = received.upload else {
        return Err(Error::validation("file", "is required: the CSV file to import").into());
    };
    let report = app
        .start_import(&agent, kind, dry_run, received.file_name.as_deref(), upload)
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(report.into())))
}

/// Imports, newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", security(("agent" = [])), params(PageQuery),
    responses((status = 200, body = ImportList)))]
async fn list_imports(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<ImportList>, ApiError> {
    Ok(axum::Json(app.list_imports(&(&page).into()).await?.into()))
}

/// One import: its status, counts and problems, and its progress while it runs.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ImportResponse), (status = 404, body = ErrorBody)))]
async fn get_import(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<ImportResponse>, ApiError> {
    Ok(axum::Json(app.get_import(id).await?.into()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(
            OpenApiRouter::new()
                .routes(routes!(start_import, list_imports))
                // The file may be far larger than a JSON body: `ImportUpload` limits it.
                .layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(get_import))
}
