use axum::body::Body;
use axum::http::{Request, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

async fn organization_count(t: &TestApp) -> usize {
    t.get("/api/v1/organizations?limit=500").await.body["data"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn create_returns_the_organization_with_every_field() {
    let t = TestApp::start().await;
    let parent = t.org("Acme Holdings", None).await;
    let response = t
        .post(
            "/api/v1/organizations",
            json!({
                "name": "  Acme Corp  ",
                "summary": "Makes anvils",
                "parent_id": parent,
                "domains": ["@ACME.com", "acme.co.uk"],
                "contacts": [
                    {"kind": "phone", "label": "Switchboard", "value": "+1 555 0100"},
                    {"kind": "website", "value": "acme.com"}
                ],
                "external_id": "crm-42"
            }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let org = &response.body;
    assert_eq!(org["name"], "Acme Corp");
    assert_eq!(org["summary"], "Makes anvils");
    assert_eq!(org["parent_id"], parent);
    assert_eq!(org["domains"], json!(["acme.co.uk", "acme.com"]));
    assert_eq!(
        org["contacts"][0],
        json!({"kind": "phone", "label": "Switchboard", "value": "+1 555 0100"})
    );
    assert_eq!(org["contacts"][1]["value"], "https://acme.com");
    assert_eq!(org["external_id"], "crm-42");
    assert_eq!(org["member_count"], 0);
    assert_eq!(org["version"], 1);
    assert!(org["created_at"].as_str().unwrap().ends_with('Z'));
    let fetched = t
        .get(&format!("/api/v1/organizations/{}", response.id()))
        .await;
    assert_eq!(&fetched.body, org);
}

#[tokio::test]
async fn names_are_unique_in_any_letter_case_and_spacing() {
    let t = TestApp::start().await;
    t.org("Acme", None).await;
    for duplicate in ["acme", "ACME", "  Acme "] {
        let response = t
            .post("/api/v1/organizations", json!({"name": duplicate}))
            .await;
        assert_eq!(response.status, StatusCode::CONFLICT, "{duplicate}");
        assert_eq!(response.code(), "name_taken");
        assert!(
            response.message().contains("Acme"),
            "{}",
            response.message()
        );
    }
    assert_eq!(organization_count(&t).await, 1);
}

#[tokio::test]
async fn blank_overlong_or_missing_names_are_refused_and_nothing_is_created() {
    let t = TestApp::start().await;
    for name in ["", "   ", &"x".repeat(256)] {
        let response = t.post("/api/v1/organizations", json!({"name": name})).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.code(), "validation_failed");
        assert_eq!(response.body["error"]["field"], "name");
    }
    let missing = t
        .post("/api/v1/organizations", json!({"summary": "no name"}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(organization_count(&t).await, 0);
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_400() {
    let t = TestApp::start().await;
    let request = Request::post("/api/v1/organizations")
        .header("authorization", format!("Bearer {}", t.admin_token))
        .header("content-type", "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let broken = t.send_request(request).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.code(), "malformed_request");
    let wrong_type = t.post("/api/v1/organizations", json!({"name": 42})).await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong_type.message().contains("name"),
        "{}",
        wrong_type.message()
    );
    let unknown_field = t
        .post(
            "/api/v1/organizations",
            json!({"name": "X", "colour": "red"}),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    assert_eq!(organization_count(&t).await, 0);
}

#[tokio::test]
async fn contacts_are_validated_by_kind_and_the_bad_entry_is_named() {
    let t = TestApp::start().await;
    let response = t
        .post("/api/v1/organizations", json!({"name": "Acme", "contacts": [{"kind": "email", "value": "sales@acme.com"}, {"kind": "phone", "value": "call us"}]}))
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["error"]["field"], "contacts[1].value");
    let kind = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Acme", "contacts": [{"kind": "fax", "value": "123"}]}),
        )
        .await;
    assert_eq!(kind.body["error"]["field"], "contacts[0].kind");
    assert_eq!(organization_count(&t).await, 0);
}

#[tokio::test]
async fn unknown_parent_is_refused() {
    let t = TestApp::start().await;
    let response = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Orphan", "parent_id": 999}),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["error"]["field"], "parent_id");
    assert_eq!(organization_count(&t).await, 0);
}

#[tokio::test]
async fn external_id_is_unique() {
    let t = TestApp::start().await;
    t.organization(json!({"name": "One", "external_id": "crm-1"}))
        .await;
    let response = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Two", "external_id": "crm-1"}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.code(), "external_id_taken");
}

#[tokio::test]
async fn a_domain_refused_at_creation_creates_nothing() {
    let t = TestApp::start().await;
    t.organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let taken = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Copycat", "domains": ["beta.com", "ACME.com"]}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "domain_taken");
    let free_mail = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Copycat", "domains": ["gmail.com"]}),
        )
        .await;
    assert_eq!(free_mail.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(organization_count(&t).await, 1);
    assert_eq!(
        t.get("/api/v1/organizations?domain=beta.com").await.body["data"],
        json!([])
    );
}

#[tokio::test]
async fn list_searches_by_name_prefix_in_any_case_and_filters_by_parent_and_domain() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    t.org("acme labs", Some(acme)).await;
    t.org("Beta", None).await;
    assert_eq!(
        t.get("/api/v1/organizations").await.names(),
        ["Acme", "acme labs", "Beta"]
    );
    assert_eq!(
        t.get("/api/v1/organizations?q=ACM").await.names(),
        ["Acme", "acme labs"]
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations?parent_id={acme}"))
            .await
            .names(),
        ["acme labs"]
    );
    assert_eq!(
        t.get("/api/v1/organizations?domain=ACME.COM").await.names(),
        ["Acme"]
    );
}

#[tokio::test]
async fn unknown_organization_is_404_and_a_non_numeric_id_is_400() {
    let t = TestApp::start().await;
    let missing = t.get("/api/v1/organizations/12345").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not_found");
    assert_eq!(missing.message(), "organization 12345 does not exist");
    assert_eq!(
        t.get("/api/v1/organizations/abc").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn creation_is_recorded_in_history_with_the_agent() {
    let t = TestApp::start().await;
    let id = t
        .organization(json!({"name": "Acme", "summary": "Anvils"}))
        .await;
    let history = t.get(&format!("/api/v1/organizations/{id}/history")).await;
    let event = &history.body["data"][0];
    assert_eq!(event["action"], "created");
    assert_eq!(
        event["actor"],
        json!({"type": "agent", "id": 1, "name": "Ada Admin"})
    );
    assert_eq!(
        event["changes"][0],
        json!({"field": "name", "old": null, "new": "Acme"})
    );
    assert_eq!(
        event["changes"][1],
        json!({"field": "summary", "old": null, "new": "Anvils"})
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_creates_nothing() {
    let t = TestApp::start().await;
    let summary = "x".repeat(3 * 1024 * 1024);
    let response = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Huge", "summary": summary}),
        )
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.code(), "payload_too_large");
    assert_eq!(organization_count(&t).await, 0);
}
