//! What wraps every request: its id, its log line, its time limit, the URI limit, and
//! the JSON refusals for methods a path does not take.

use crate::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A random (version 4) UUID for each request that arrives without an id. Drawn from
/// the thread's own random generator, seeded once from the system: asking the kernel
/// for randomness on every request (what `uuid::Uuid::new_v4` does) is a system call
/// per request.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        HeaderValue::from_str(&id.hyphenated().to_string())
            .ok()
            .map(RequestId::new)
    }
}

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

/// Frames every request, in one layer (each layer costs a boxed future and a clone
/// of the router per request): refuses a path and query longer than
/// [`crate::MAX_URI_BYTES`], answers 408 when the request outlives
/// [`crate::REQUEST_DEADLINE`] (dropping the handler rolls back its transaction), and
/// logs one line at `info`: method, matched route, status, duration, request id.
/// Whatever the handler logs carries the request id too.
pub async fn frame_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let response = if uri_too_long(&request) {
        ApiError::UriTooLong.into_response()
    } else {
        let span = tracing::info_span!("request", request_id = %id);
        match tokio::time::timeout(crate::REQUEST_DEADLINE, next.run(request).instrument(span))
            .await
        {
            Ok(response) => response,
            Err(_) => ApiError::TimedOut.into_response(),
        }
    };
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

/// Longer than [`crate::MAX_URI_BYTES`]. (Beyond 64 KiB the HTTP library refuses the
/// request before any of this runs.)
fn uri_too_long(request: &Request) -> bool {
    request
        .uri()
        .path_and_query()
        .map_or(0, |path| path.as_str().len())
        > crate::MAX_URI_BYTES
}

/// A known path with a method it does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
