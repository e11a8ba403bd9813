//! What wraps every request: its id, its log line, its time limit, the URI limit, and
//! the JSON refusals for methods a path does not take.

use crate::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route a response came from, as the router matched it (`/api/v1/users/{id}`),
/// carried out to the log line.
#[derive(Clone)]
struct MatchedRoute(MatchedPath);

/// Inside the router: remembers which route answered.
pub async fn remember_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(MatchedRoute(route));
    }
    response
}

/// One line per request at `info`: method, matched route, status, duration, request id.
/// Whatever the handler logs carries the request id too.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let span = tracing::info_span!("request", request_id = %id);
    let response = next.run(request).instrument(span).await;
    let route = response
        .extensions()
        .get::<MatchedRoute>()
        .map_or("(no route)", |MatchedRoute(route)| route.as_str());
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        request_id = %id,
        "request"
    );
    response
}

/// Refuses a path and query longer than [`crate::MAX_URI_BYTES`] with the JSON error
/// body. (Beyond 64 KiB the HTTP library refuses the request before any of this runs.)
pub async fn limit_uri_length(request: Request, next: Next) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |path| path.as_str().len());
    if length > crate::MAX_URI_BYTES {
        return ApiError::UriTooLong.into_response();
    }
    next.run(request).await
}

/// Answers 408 with the JSON error body when a request outlives
/// [`crate::REQUEST_DEADLINE`]; dropping the handler rolls back its transaction.
pub async fn enforce_deadline(request: Request, next: Next) -> Response {
    match tokio::time::timeout(crate::REQUEST_DEADLINE, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::TimedOut.into_response(),
    }
}

/// A known path with a method it does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
