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

/// Every operation of the document, as (method, path, operation).
fn operations(document: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            found.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    found
}

#[test]
fn operation_ids_are_unique_and_portal_operations_say_so() {
    let document = serde_json::to_value(orgdesk_web::openapi()).unwrap();
    let mut seen = std::collections::HashMap::new();
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap().to_owned();
        if path.starts_with("/api/v1/portal/") {
            assert!(id.starts_with("portal_"), "{method} {path} is {id}");
        }
        if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
            panic!("{id} names both {other} and {method} {path}");
        }
    }
}

#[test]
fn every_operation_documents_the_refusals_it_can_answer_with() {
    let document = serde_json::to_value(orgdesk_web::openapi()).unwrap();
    for (method, path, operation) in operations(&document) {
        let responses = operation["responses"].as_object().unwrap();
        let has = |status: &str| responses.contains_key(status);
        let name = format!("{method} {path}");
        let accepted_kinds = operation["security"].as_array().map_or(0, Vec::len);
        if accepted_kinds > 0 {
            assert!(has("401"), "{name} lacks 401");
        }
        if accepted_kinds == 1 {
            assert!(has("403"), "{name} lacks 403 for the other kind of token");
        }
        if path.contains('{') {
            assert!(has("400") && has("404"), "{name} lacks 400 or 404");
        }
        let in_query = operation["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["in"] == "query"));
        if in_query || operation.get("requestBody").is_some() {
            assert!(has("400") && has("422"), "{name} lacks 400 or 422");
        }
        for status in ["408", "414"] {
            assert!(has(status), "{name} lacks {status}");
        }
        for (status, response) in responses {
            let response = match response.get("$ref") {
                Some(reference) => {
                    let key = reference.as_str().unwrap().rsplit('/').next().unwrap();
                    &document["components"]["responses"][key]
                }
                None => response,
            };
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{name} {status} has no description"
            );
            if !status.starts_with('2') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{name} {status} is not the error body"
                );
            }
        }
    }
}

#[test]
fn page_sizes_are_documented_with_the_bounds_the_server_enforces() {
    let document = serde_json::to_value(orgdesk_web::openapi()).unwrap();
    let mut lists = 0;
    for (method, path, operation) in operations(&document) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["name"] == "limit" {
                lists += 1;
                let schema = &parameter["schema"];
                assert_eq!(schema["minimum"], 1, "{method} {path}");
                assert_eq!(schema["maximum"], 500, "{method} {path}");
            }
        }
    }
    assert!(lists >= 15, "only {lists} lists have a limit");
}

#[test]
fn history_changes_may_hold_any_json_value() {
    let document = serde_json::to_value(orgdesk_web::openapi()).unwrap();
    let change = &document["components"]["schemas"]["ChangeBody"]["properties"];
    for side in ["old", "new"] {
        assert!(
            change[side].get("type").is_none() && change[side].get("$ref").is_none(),
            "{side} is narrowed: {}",
            change[side]
        );
    }
}
