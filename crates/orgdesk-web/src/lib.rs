//! The HTTP side of orgdesk: the JSON API v1 (documented by a generated OpenAPI
//! document), health checks and request tracing. Handlers parse, call one `App` use
//! case and render; they hold no rules of their own.

pub mod api;
mod error;
mod extract;

pub use error::ApiError;
pub use extract::TrustedProxies;

use axum::Router;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use orgdesk_app::App;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Shared state of every handler.
pub type AppState = App;

/// The largest JSON request body accepted.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How the HTTP side runs where an install may choose.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Reverse proxies whose `X-Forwarded-For` names the client (for throttling).
    pub trusted_proxies: TrustedProxies,
}

/// The whole application as one router. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: sign-in throttling needs the
/// client's address.
pub fn router(app: App, settings: &WebSettings) -> Router {
    let (api, openapi) = api::v1::router().split_for_parts();
    let openapi_json = std::sync::Arc::new(openapi);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi_json.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(api)
        .fallback(|uri: axum::http::Uri| async move { ApiError::from(orgdesk_app::core::Error::not_found(orgdesk_app::core::Entity::Route, uri.path())) })
        .with_state(app)
        .layer(axum::Extension(settings.trusted_proxies.clone()))
        // Read by the body extractors, which answer with the JSON error body (413).
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(120)))
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::v1::router().split_for_parts().1
}
