use axum::http::StatusCode;
use orgdesk_testkit::TestApp;

/// Every route of the API contract (API.md) that this version serves.
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/portal/token"),
    ("post", "/api/v1/portal/register"),
    ("get", "/api/v1/portal/me"),
    ("patch", "/api/v1/portal/me"),
    ("post", "/api/v1/organizations"),
    ("get", "/api/v1/organizations"),
    ("get", "/api/v1/organizations/{id}"),
    ("patch", "/api/v1/organizations/{id}"),
    ("delete", "/api/v1/organizations/{id}"),
    ("get", "/api/v1/organizations/{id}/children"),
    ("post", "/api/v1/organizations/{id}/children"),
    ("delete", "/api/v1/organizations/{id}/children/{child_id}"),
    ("get", "/api/v1/organizations/{id}/ancestors"),
    ("get", "/api/v1/organizations/{id}/descendants"),
    ("get", "/api/v1/organizations/{id}/child-candidates"),
    ("post", "/api/v1/organizations/{id}/domains"),
    ("delete", "/api/v1/organizations/{id}/domains/{domain}"),
    ("get", "/api/v1/organizations/{id}/domains/{domain}/matches"),
    ("post", "/api/v1/organizations/{id}/domains/{domain}/apply"),
    ("get", "/api/v1/organizations/{id}/members"),
    ("put", "/api/v1/organizations/{id}/members/{user_id}"),
    ("delete", "/api/v1/organizations/{id}/members/{user_id}"),
    ("get", "/api/v1/organizations/{id}/history"),
    ("get", "/api/v1/organizations/{id}/activity"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users"),
    ("get", "/api/v1/users/{id}"),
    ("patch", "/api/v1/users/{id}"),
    ("post", "/api/v1/usergroups"),
    ("get", "/api/v1/usergroups"),
    ("get", "/api/v1/usergroups/{id}/members"),
    ("put", "/api/v1/usergroups/{id}/members/{user_id}"),
    ("delete", "/api/v1/usergroups/{id}/members/{user_id}"),
    (
        "put",
        "/api/v1/organizations/{id}/usergroups/{usergroup_id}",
    ),
    (
        "delete",
        "/api/v1/organizations/{id}/usergroups/{usergroup_id}",
    ),
    ("get", "/api/v1/users/{id}/usergroups"),
    ("get", "/api/v1/organizations/{id}/tickets"),
    ("post", "/api/v1/tickets"),
    ("get", "/api/v1/tickets/{id}"),
    ("patch", "/api/v1/tickets/{id}"),
    ("post", "/api/v1/tickets/{id}/messages"),
    ("post", "/api/v1/portal/tickets"),
    ("get", "/api/v1/portal/tickets"),
    ("get", "/api/v1/portal/tickets/{id}"),
    ("post", "/api/v1/agents"),
    ("get", "/api/v1/agents"),
];

#[tokio::test]
async fn the_served_document_describes_every_contract_route() {
    let t = TestApp::start().await;
    let response = t
        .send(
            axum::http::Method::GET,
            "/api/v1/openapi.json",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let paths = &response.body["paths"];
    for (method, path) in CONTRACT {
        assert!(
            paths[path][method].is_object(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
}

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let document = serde_json::to_value(orgdesk_web::openapi()).unwrap();
    insta::assert_json_snapshot!("openapi", document);
}
