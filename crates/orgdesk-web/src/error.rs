//! The one place where errors become HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orgdesk_app::core::Error;
use serde::Serialize;
use utoipa::ToSchema;

/// Every refusal: `{"error": {"code", "message"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `validation_failed`, `name_taken`, `hierarchy_cycle`, …
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The input at fault, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub enum ApiError {
    Core(Error),
    /// The request itself could not be read (bad JSON, wrong types, bad query).
    Malformed(String),
    /// The request body is larger than the server accepts.
    TooLarge,
    /// The path and query are longer than the server accepts.
    UriTooLong,
    /// The path exists, but not with this method.
    MethodNotAllowed,
    /// The request took longer than the server allows.
    TimedOut,
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        ApiError::Core(err)
    }
}

fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::NameTaken { .. }
        | Error::UsergroupNameTaken { .. }
        | Error::MembershipFromOrganization { .. }
        | Error::DomainTaken { .. }
        | Error::EmailTaken { .. }
        | Error::ExternalIdTaken { .. }
        | Error::HierarchyCycle { .. }
        | Error::HierarchyTooDeep { .. }
        | Error::TicketClosed { .. }
        | Error::FieldKeyTaken { .. }
        | Error::ChoiceInUse { .. }
        | Error::LastAdmin { .. } => StatusCode::CONFLICT,
        Error::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
        Error::Unauthenticated(_) | Error::TokenExpired | Error::AccountDisabled { .. } => {
            StatusCode::UNAUTHORIZED
        }
        Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Forbidden(_) | Error::FieldNotEditable { .. } => StatusCode::FORBIDDEN,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            ApiError::Core(Error::TooManyAttempts { retry_after_secs }) => Some(*retry_after_secs),
            _ => None,
        };
        let (status, detail) = match self {
            ApiError::Malformed(message) => {
                plain(StatusCode::BAD_REQUEST, "malformed_request", message)
            }
            ApiError::TooLarge => plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "the request body is larger than {} MiB",
                    crate::MAX_BODY_BYTES / (1024 * 1024)
                ),
            ),
            ApiError::UriTooLong => plain(
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                format!(
                    "the path and query are longer than {} KiB",
                    crate::MAX_URI_BYTES / 1024
                ),
            ),
            ApiError::MethodNotAllowed => plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this path does not take this method; the Allow header lists those it takes"
                    .to_owned(),
            ),
            ApiError::TimedOut => plain(
                StatusCode::REQUEST_TIMEOUT,
                "timed_out",
                format!(
                    "the request took longer than {} seconds",
                    crate::REQUEST_DEADLINE.as_secs()
                ),
            ),
            ApiError::Core(err) => {
                let status = status_of(&err);
                let message = match &err {
                    Error::Internal(failure) => {
                        // Logged once, here, with every cause in the chain.
                        tracing::error!(cause = %failure.chain(), "request failed");
                        "something went wrong on our side; it has been logged".to_owned()
                    }
                    other => other.to_string(),
                };
                let field = match &err {
                    Error::Validation { field, .. } | Error::FieldNotEditable { field } => {
                        Some(field.clone())
                    }
                    Error::ChoiceInUse { field, .. } | Error::PayloadTooLarge { field, .. } => {
                        Some(field.clone())
                    }
                    _ => None,
                };
                (
                    status,
                    ErrorDetail {
                        code: err.code().to_owned(),
                        message,
                        field,
                    },
                )
            }
        };
        let mut response = (status, Json(ErrorBody { error: detail })).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// A refusal made by the HTTP layer itself: no field to name.
fn plain(status: StatusCode, code: &str, message: String) -> (StatusCode, ErrorDetail) {
    (
        status,
        ErrorDetail {
            code: code.to_owned(),
            message,
            field: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Collects what the log writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A stand-in for a driver error with a cause of its own.
    #[derive(Debug)]
    struct Failure(&'static str, Option<Box<Failure>>);

    impl std::fmt::Display for Failure {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Failure {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|cause| cause as _)
        }
    }

    #[test]
    fn an_internal_error_answers_500_without_detail_and_logs_every_cause_once() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let cause = Failure(
            "pool timed out",
            Some(Box::new(Failure("connection refused", None))),
        );
        let response = tracing::subscriber::with_default(subscriber, || {
            ApiError::from(Error::internal_from("storage failed", cause)).into_response()
        });
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.matches("request failed").count(), 1, "{log}");
        assert!(
            log.contains("storage failed: pool timed out: connection refused"),
            "{log}"
        );
    }
}
