//! The HTTP side of orgdesk: the JSON API v1 (documented by a generated OpenAPI
//! document), health checks and request tracing. Handlers parse, call one `App` use
//! case and render; they hold no rules of their own.

pub mod api;
mod error;
mod extract;
mod files;
mod layers;
mod pages;

pub use error::ApiError;
pub use extract::TrustedProxies;
pub use pages::SecureCookies;

use axum::Router;
use axum::routing::get;
use orgdesk_app::App;
use std::time::Duration;
use utoipa_swagger_ui::SwaggerUi;

/// Shared state of every handler.
pub type AppState = App;

/// The largest JSON request body accepted.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The longest path and query accepted (as common reverse proxies do).
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// How long a request may take before it is answered 408 and its work dropped.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(120);

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Where the interactive API documentation (Swagger UI) is served.
pub const API_DOCS_PATH: &str = "/api/docs";

/// How the HTTP side runs where an install may choose.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Reverse proxies whose `X-Forwarded-For` names the client (for throttling).
    pub trusted_proxies: TrustedProxies,
    /// Mark session cookies `Secure`: the site is served over HTTPS.
    pub secure_cookies: SecureCookies,
}

/// The whole application as one router. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: sign-in throttling needs the
/// client's address.
pub fn router(app: App, settings: &WebSettings) -> Router {
    let (api, openapi) = api::v1::routes();
    Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/agent") }),
        )
        .route("/about", get(front_door))
        .route("/healthz", get(|| async { "ok" }))
        .merge(api)
        .merge(pages::router())
        .merge(SwaggerUi::new(API_DOCS_PATH).url(OPENAPI_PATH, openapi))
        .route_layer(layers::RememberRouteLayer)
        .method_not_allowed_fallback(layers::method_not_allowed)
        .fallback(|uri: axum::http::Uri| async move {
            ApiError::from(orgdesk_app::core::Error::not_found(
                orgdesk_app::core::Entity::Route,
                uri.path(),
            ))
        })
        .with_state(app)
        // Read by the body extractors, which answer with the JSON error body (413).
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(layers::FrameLayer::new(settings))
}

/// `GET /about`: what this server offers and where (`/` leads to the agent app).
async fn front_door() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "name": "orgdesk",
        "agent_app": "/agent",
        "version": env!("CARGO_PKG_VERSION"),
        "api": "/api/v1",
        "openapi": OPENAPI_PATH,
        "api_docs": API_DOCS_PATH,
        "health": "/healthz",
    }))
}

/// The OpenAPI document, as served at [`OPENAPI_PATH`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::v1::routes().1
}
