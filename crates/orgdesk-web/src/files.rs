//! Files in and out: a note's multipart upload (its text parts, and its files streamed
//! to the blob store as they arrive), and an attachment served back as a download that
//! no browser renders.

use axum::body::Body;
use axum::extract::multipart::{Field, Multipart};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use orgdesk_app::core::Error;
use orgdesk_app::core::note::{Attachment, attachment_disposition};
use orgdesk_app::{App, BlobReader, Uploads};
use std::collections::HashMap;

/// The most a text part (a note's body, a form's token) may hold: a 20,000-character
/// body is at most 80 kB of UTF-8.
const TEXT_PART_MAX_BYTES: usize = 256 * 1024;
/// Parts one request may carry, files included.
const PARTS_MAX: usize = 32;

/// A note's form as received: its text parts by name, and its files (already in the
/// blob store; dropped unrecorded, they are deleted).
pub struct ReceivedNote {
    pub texts: HashMap<String, String>,
    pub uploads: Uploads,
}

/// A refused upload: why, and the text parts read before it (a page shows them again).
pub struct RefusedNote {
    pub error: Error,
    pub texts: HashMap<String, String>,
}

impl From<RefusedNote> for crate::ApiError {
    fn from(refused: RefusedNote) -> Self {
        refused.error.into()
    }
}

/// Reads a multipart note: text parts named in `text_parts`, and files in parts named
/// `files`. A file input left empty by a browser (no name, no bytes) is skipped. On a
/// refusal the files received so far are deleted before the error returns.
pub async fn receive_note(
    app: &App,
    mut multipart: Multipart,
    text_parts: &[&str],
) -> Result<ReceivedNote, RefusedNote> {
    let mut texts = HashMap::new();
    let mut uploads = match app.uploads() {
        Ok(uploads) => uploads,
        Err(error) => return Err(RefusedNote { error, texts }),
    };
    match read_parts(&mut multipart, text_parts, &mut texts, &mut uploads).await {
        Ok(()) => Ok(ReceivedNote { texts, uploads }),
        Err(error) => {
            uploads.discard().await;
            Err(RefusedNote { error, texts })
        }
    }
}

async fn read_parts(
    multipart: &mut Multipart,
    text_parts: &[&str],
    texts: &mut HashMap<String, String>,
    uploads: &mut Uploads,
) -> Result<(), Error> {
    let mut parts = 0;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        parts += 1;
        if parts > PARTS_MAX {
            return Err(Error::validation(
                "files",
                format!("a request carries at most {PARTS_MAX} parts"),
            ));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == "files" {
            let given_name = field.file_name().unwrap_or_default().to_owned();
            if given_name.is_empty() {
                skip_empty_file_input(field).await?;
                continue;
            }
            let given_type = field.content_type().map(str::to_owned);
            uploads
                .add_file(&given_name, given_type.as_deref(), Box::pin(field))
                .await?;
        } else if text_parts.contains(&name.as_str()) {
            texts.insert(name.clone(), read_text(&name, field).await?);
        } else {
            let accepted: Vec<&str> = text_parts.iter().copied().chain(["files"]).collect();
            return Err(Error::validation(
                if name.is_empty() { "multipart" } else { &name },
                format!("unknown part; a note takes {}", accepted.join(", ")),
            ));
        }
    }
    Ok(())
}

/// A file part without a file name: what a browser sends for an empty file input.
/// Anything in it means a file whose name is missing.
async fn skip_empty_file_input(mut field: Field<'_>) -> Result<(), Error> {
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if !chunk.is_empty() {
            return Err(Error::validation("files", "the file needs a name"));
        }
    }
    Ok(())
}

async fn read_text(name: &str, mut field: Field<'_>) -> Result<String, Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if bytes.len() + chunk.len() > TEXT_PART_MAX_BYTES {
            return Err(Error::validation(
                name,
                format!("must be at most {} KiB", TEXT_PART_MAX_BYTES / 1024),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| Error::validation(name, "must be UTF-8 text"))
}

fn unreadable(err: axum::extract::multipart::MultipartError) -> Error {
    Error::validation(
        "multipart",
        format!("the upload cannot be read: {}", err.body_text()),
    )
}

/// An attachment as a download: its stored type, but always `attachment`, never
/// sniffed, and sandboxed should a browser open it anyway.
pub fn download(attachment: &Attachment, reader: BlobReader) -> Response {
    let mut response = Response::new(Body::from_stream(reader.bytes));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&attachment.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(reader.size));
    if let Ok(disposition) = HeaderValue::from_str(&attachment_disposition(&attachment.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// An import's form as received: its text parts by name and its file (in a temporary
/// file, removed when dropped).
pub struct ReceivedImport {
    pub texts: HashMap<String, String>,
    pub file_name: Option<String>,
    pub upload: Option<orgdesk_app::ImportUpload>,
}

/// Reads a multipart import: text parts named in `text_parts`, and the file in a part
/// named `file` (one), kept in a temporary file as it streams in.
pub async fn receive_import(
    app: &App,
    mut multipart: Multipart,
    text_parts: &[&str],
) -> Result<ReceivedImport, RefusedNote> {
    let mut received = ReceivedImport {
        texts: HashMap::new(),
        file_name: None,
        upload: None,
    };
    match read_import_parts(app, &mut multipart, text_parts, &mut received).await {
        Ok(()) => Ok(received),
        Err(error) => Err(RefusedNote {
            error,
            texts: received.texts,
        }),
    }
}

async fn read_import_parts(
    app: &App,
    multipart: &mut Multipart,
    text_parts: &[&str],
    received: &mut ReceivedImport,
) -> Result<(), Error> {
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        parts += 1;
        if parts > PARTS_MAX {
            return Err(Error::validation(
                "multipart",
                format!("a request carries at most {PARTS_MAX} parts"),
            ));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if received.upload.is_some() {
                return Err(Error::validation("file", "send one file per import"));
            }
            received.file_name = field
                .file_name()
                .filter(|name| !name.is_empty())
                .map(|name| orgdesk_app::core::note::file_name("file", name))
                .transpose()?;
            let mut upload = app.import_upload()?;
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                upload.write(&chunk)?;
            }
            received.upload = Some(upload);
        } else if text_parts.contains(&name.as_str()) {
            received
                .texts
                .insert(name.clone(), read_text(&name, field).await?);
        } else {
            let accepted: Vec<&str> = text_parts.iter().copied().chain(["file"]).collect();
            return Err(Error::validation(
                if name.is_empty() { "multipart" } else { &name },
                format!("unknown part; an import takes {}", accepted.join(", ")),
            ));
        }
    }
    Ok(())
}
