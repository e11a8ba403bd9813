//! What the HTTP layer answers on its own: every refusal in the JSON error body, the
//! front door, and the interactive API documentation.

use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;

#[tokio::test]
async fn a_method_a_path_does_not_take_is_refused_in_the_error_body_with_allow() {
    let t = TestApp::start().await;
    let response = t
        .send(Method::PUT, "/api/v1/organizations", None, None, &[])
        .await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.code(), "method_not_allowed");
    let allow = response.headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn an_overlong_uri_is_refused_in_the_error_body() {
    let t = TestApp::start().await;
    let name = "a".repeat(orgdesk_web::MAX_URI_BYTES);
    let response = t.get(&format!("/api/v1/organizations?q={name}")).await;
    assert_eq!(response.status, StatusCode::URI_TOO_LONG);
    assert_eq!(response.code(), "uri_too_long");
    let just_under = "a".repeat(orgdesk_web::MAX_URI_BYTES - 100);
    let response = t
        .get(&format!("/api/v1/organizations?q={just_under}"))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn an_unknown_path_is_refused_in_the_error_body() {
    let t = TestApp::start().await;
    let response = t.get("/api/v1/nothing-here").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.code(), "not_found");
}

#[tokio::test]
async fn the_about_address_says_where_the_app_the_api_and_its_documentation_are() {
    let t = TestApp::start().await;
    let response = t.send(Method::GET, "/about", None, None, &[]).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["agent_app"], "/agent");
    for (key, path) in [
        ("openapi", "/api/v1/openapi.json"),
        ("api_docs", "/api/docs"),
    ] {
        assert_eq!(response.body[key], path);
        let served = t.send(Method::GET, path, None, None, &[]).await;
        let served = if served.status.is_redirection() {
            let location = served.headers["location"].to_str().unwrap().to_owned();
            t.send(Method::GET, &location, None, None, &[]).await
        } else {
            served
        };
        assert_eq!(served.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary_and_reads_the_served_document() {
    let t = TestApp::start().await;
    let page = t.send(Method::GET, "/api/docs/", None, None, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let config = t
        .send(
            Method::GET,
            "/api/docs/swagger-initializer.js",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(config.status, StatusCode::OK);
    assert!(
        config
            .body
            .as_str()
            .unwrap()
            .contains("/api/v1/openapi.json"),
        "{}",
        config.body
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let t = TestApp::start().await;
    let response = t.get("/api/v1/organizations").await;
    let id = response.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let echoed = t
        .send(
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", "from-the-proxy-42")],
        )
        .await;
    assert_eq!(echoed.headers["x-request-id"], "from-the-proxy-42");
}

#[tokio::test]
async fn unreadable_paths_and_query_strings_are_400_saying_what_cannot_be_read() {
    let t = TestApp::start().await;
    let query = t.get("/api/v1/organizations?limit=abc").await;
    assert_eq!(query.status, StatusCode::BAD_REQUEST);
    assert_eq!(query.code(), "malformed_request");
    assert!(
        query
            .message()
            .starts_with("the query string cannot be read: limit"),
        "{}",
        query.body
    );
    let path = t.get("/api/v1/organizations/abc").await;
    assert_eq!(path.status, StatusCode::BAD_REQUEST);
    assert!(
        path.message().starts_with("the path cannot be read"),
        "{}",
        path.body
    );
}
