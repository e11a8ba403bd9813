//! What wraps every request: its id, its log line, its time limit, the URI limit, and
//! the JSON refusals for methods a path does not take.

use crate::WebSettings;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Frames every request, as one hand-written layer: each layer of the usual kind costs
/// a boxed service, a boxed future and a clone of what it wraps per request, and on a
/// point read those added up to a tenth of the request's time. For each request it
/// - takes the client's `X-Request-Id` or draws a random (version 4) UUID, and returns
///   it on the response;
/// - hands the web settings to the extractors that read them;
/// - refuses a path and query longer than [`crate::MAX_URI_BYTES`];
/// - gives the reads of a GET or HEAD one database snapshot
///   ([`orgdesk_app::one_snapshot`]);
/// - answers 408 when the request outlives [`crate::REQUEST_DEADLINE`] (dropping the
///   handler rolls back its transaction);
/// - logs one line at `info`: method, matched route, status, duration, request id;
///   whatever the handler logs carries the request id too.
#[derive(Clone)]
pub struct FrameLayer {
    settings: Arc<WebSettings>,
}

impl FrameLayer {
    pub fn new(settings: &WebSettings) -> Self {
        FrameLayer {
            settings: Arc::new(settings.clone()),
        }
    }
}

impl<S> tower::Layer<S> for FrameLayer {
    type Service = Frame<S>;

    fn layer(&self, inner: S) -> Frame<S> {
        Frame {
            inner,
            settings: self.settings.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Frame<S> {
    inner: S,
    settings: Arc<WebSettings>,
}

impl<S> tower::Service<Request> for Frame<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The service that was polled ready answers this request; its clone waits for
        // the next one.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let started = Instant::now();
        let id = request_id(&mut request);
        let extensions = request.extensions_mut();
        extensions.insert(self.settings.trusted_proxies.clone());
        extensions.insert(self.settings.secure_cookies);
        Box::pin(async move {
            let method = request.method().clone();
            let id_text = id.to_str().unwrap_or("-");
            let mut response = if uri_too_long(&request) {
                ApiError::UriTooLong.into_response()
            } else {
                let span = tracing::info_span!("request", request_id = %id_text);
                // A request without a body reads one snapshot (a request with one
                // would hold it while the client sends the body).
                let reads_once = matches!(*request.method(), Method::GET | Method::HEAD);
                let answer = inner.call(request);
                let answer = async move {
                    if reads_once {
                        orgdesk_app::one_snapshot(answer).await
                    } else {
                        answer.await
                    }
                };
                let handled = tokio::time::timeout(crate::REQUEST_DEADLINE, answer);
                match handled.instrument(span).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
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
                request_id = id_text,
                "request"
            );
            response.headers_mut().entry(REQUEST_ID).or_insert(id);
            Ok(response)
        })
    }
}

/// The request's id: the one the client sent, or a random (version 4) UUID from the
/// thread's own generator (asking the kernel, as `uuid::Uuid::new_v4` does, is a
/// system call per request), which the request then carries.
fn request_id(request: &mut Request) -> HeaderValue {
    if let Some(id) = request.headers().get(REQUEST_ID) {
        return id.clone();
    }
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let id = HeaderValue::from_str(id.hyphenated().encode_lower(&mut text))
        .expect("a UUID is a valid header value");
    request.headers_mut().insert(REQUEST_ID, id.clone());
    id
}

/// The route a response came from, as the router matched it (`/api/v1/users/{id}`),
/// carried out to the log line.
#[derive(Clone)]
struct MatchedRoute(MatchedPath);

/// Inside the router, around every route: remembers which route answered (only the
/// router knows, and the log line is written outside it). Hand-written for the same
/// reason as [`FrameLayer`].
#[derive(Clone, Copy)]
pub struct RememberRouteLayer;

impl<S> tower::Layer<S> for RememberRouteLayer {
    type Service = RememberRoute<S>;

    fn layer(&self, inner: S) -> RememberRoute<S> {
        RememberRoute { inner }
    }
}

#[derive(Clone)]
pub struct RememberRoute<S> {
    inner: S,
}

impl<S> tower::Service<Request> for RememberRoute<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = RouteRemembered<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().cloned();
        RouteRemembered {
            answer: self.inner.call(request),
            route,
        }
    }
}

pin_project_lite::pin_project! {
    /// A route's answer, which will carry the route.
    pub struct RouteRemembered<F> {
        #[pin]
        answer: F,
        route: Option<MatchedPath>,
    }
}

impl<F, E> Future for RouteRemembered<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.answer.poll(cx))?;
        if let Some(route) = this.route.take() {
            response.extensions_mut().insert(MatchedRoute(route));
        }
        Poll::Ready(Ok(response))
    }
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
