//! Admin → Imports: upload an organizations or users file (checked first, applied
//! whole or not at all), follow it while it runs, and read its report; and the
//! directories' CSV exports.

use super::render::{Chrome, PageError, page, refusal_text};
use super::session::AgentSession;
use super::time_text::human_time;
use crate::AppState;
use crate::api::v1::imports::parse_kind;
use crate::files::receive_import;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::Error;
use orgdesk_app::core::bulk::{RecordKind, neutralised};
use orgdesk_app::{ImportReport, ImportStatus, PageRequest};
use serde::Deserialize;

/// An import as a row of the list and as its own page.
struct ImportView {
    id: i64,
    kind: &'static str,
    file_name: String,
    status: &'static str,
    dry_run: bool,
    running: bool,
    rows: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    problem_count: u64,
    more_problems: u64,
    problems: Vec<ProblemView>,
    started: String,
    /// While it runs: rows done and how much of the file is read, in percent.
    progress_rows: u64,
    progress_percent: u64,
}

struct ProblemView {
    line: u64,
    column: String,
    message: String,
}

fn status_text(report: &ImportReport) -> &'static str {
    match (report.status, report.dry_run) {
        (ImportStatus::Validating, _) => "Checking",
        (ImportStatus::Applying, _) => "Applying",
        (ImportStatus::Done, true) => "Checked: no problems",
        (ImportStatus::Done, false) => "Imported",
        (ImportStatus::Failed, _) => "Not imported",
    }
}

fn view(report: ImportReport) -> ImportView {
    let running = report.finished_at.is_none();
    let (progress_rows, progress_percent) = match report.progress {
        Some(p) if p.total_bytes > 0 => (p.rows, p.bytes * 100 / p.total_bytes),
        Some(p) => (p.rows, 0),
        None => (0, 0),
    };
    ImportView {
        id: report.id,
        kind: report.kind.as_str(),
        file_name: report.file_name.clone().unwrap_or_default(),
        status: status_text(&report),
        dry_run: report.dry_run,
        running,
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        problem_count: report.problem_count,
        more_problems: report.problem_count - report.problems.len() as u64,
        problems: report
            .problems
            .into_iter()
            .map(|p| ProblemView {
                line: p.line,
                column: p.column.unwrap_or_default(),
                message: p.message,
            })
            .collect(),
        started: human_time(report.created_at),
        progress_rows,
        progress_percent,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_imports.html")]
struct ListPage {
    chrome: Chrome,
    imports: Vec<ImportView>,
    error: Option<String>,
    kind: &'static str,
    dry_run: bool,
}

async fn list_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    error: Option<String>,
    kind: &'static str,
    dry_run: bool,
) -> Result<ListPage, PageError> {
    let imports = app
        .list_imports(&PageRequest::first(20))
        .await?
        .items
        .into_iter()
        .map(view)
        .collect();
    Ok(ListPage {
        chrome: Chrome::new(session, "admin", jar),
        imports,
        error,
        kind,
        dry_run,
    })
}

pub async fn list(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let shown = list_page(&app, &session, &jar, None, "organizations", true).await?;
    Ok(page(jar, shown))
}

/// Takes the uploaded file and starts the import; its page follows it.
pub async fn start(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    multipart: Multipart,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let received = match receive_import(&app, multipart, &["csrf", "kind", "dry_run"]).await {
        Ok(received) => received,
        Err(refused) => {
            session.require_csrf(refused.texts.get("csrf").map_or("", String::as_str))?;
            return refuse(&app, &session, jar, refused.error, &refused.texts).await;
        }
    };
    session.require_csrf(received.texts.get("csrf").map_or("", String::as_str))?;
    let texts = &received.texts;
    let started = async {
        let kind = parse_kind(texts.get("kind").map(String::as_str))?;
        let upload = received
            .upload
            .filter(|upload| !upload.is_empty())
            .ok_or_else(|| Error::validation("file", "choose the CSV file to import"))?;
        app.start_import(
            &session.agent,
            kind,
            texts.contains_key("dry_run"),
            received.file_name.as_deref(),
            upload,
        )
        .await
    }
    .await;
    match started {
        Ok(report) => {
            Ok(Redirect::to(&format!("/agent/admin/imports/{}", report.id)).into_response())
        }
        Err(err) => refuse(&app, &session, jar, err, texts).await,
    }
}

/// The list again with the form as it was and why it was refused.
async fn refuse(
    app: &AppState,
    session: &AgentSession,
    jar: CookieJar,
    err: Error,
    texts: &std::collections::HashMap<String, String>,
) -> Result<Response, PageError> {
    if matches!(err, Error::Internal(_) | Error::Forbidden(_)) {
        return Err(PageError(err));
    }
    let kind = match texts.get("kind").map(String::as_str) {
        Some("users") => "users",
        _ => "organizations",
    };
    let status = match err {
        Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let shown = list_page(
        app,
        session,
        &jar,
        Some(format!("{} Nothing was imported.", refusal_text(&err))),
        kind,
        texts.contains_key("dry_run"),
    )
    .await?;
    Ok((status, page(jar, shown)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/admin_import.html")]
struct ImportPage {
    chrome: Chrome,
    import: ImportView,
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    session.require_admin()?;
    let import = view(app.get_import(id).await?);
    let shown = ImportPage {
        chrome: Chrome::new(&session, "admin", &jar),
        import,
    };
    Ok(page(jar, shown))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    /// Any value: neutralise cells a spreadsheet would run as formulas.
    for_spreadsheet: Option<String>,
}

/// Every organization or user as the bulk file's CSV, streamed a page at a time.
pub async fn export(
    State(app): State<AppState>,
    _session: AgentSession,
    Path(file): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let kind = match file.as_str() {
        "organizations.csv" => RecordKind::Organizations,
        "users.csv" => RecordKind::Users,
        _ => {
            return Err(PageError(Error::not_found(
                orgdesk_app::core::Entity::Route,
                0,
            )));
        }
    };
    let for_spreadsheet = query.for_spreadsheet.is_some();
    let export = app.export(kind).await?;
    let chunks = futures::stream::unfold(Some(export), move |state| async move {
        let mut export = state?;
        match export.next_rows().await {
            Ok(Some(rows)) => {
                let mut writer = csv::Writer::from_writer(Vec::new());
                for cells in rows {
                    let written = if for_spreadsheet {
                        writer.write_record(cells.iter().map(|c| neutralised(c).into_owned()))
                    } else {
                        writer.write_record(&cells)
                    };
                    if let Err(err) = written {
                        return Some((Err(std::io::Error::other(err)), None));
                    }
                }
                let bytes = writer
                    .into_inner()
                    .map_err(|err| std::io::Error::other(err.to_string()));
                Some((bytes.map(Bytes::from), Some(export)))
            }
            Ok(None) => None,
            // The response has started: a cut-off download is all that can say it.
            Err(err) => Some((Err(std::io::Error::other(err.to_string())), None)),
        }
    });
    let mut response = Response::new(Body::from_stream(chunks));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"{}\"", file);
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).expect("a fixed file name"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}
