//! Entitlements: what an organization has access to, active ones first, in history,
//! and shown to members while active.

use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

async fn add(t: &TestApp, organization: i64, body: Value) -> Value {
    let response = t
        .post(
            &format!("/api/v1/organizations/{organization}/entitlements"),
            body,
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

fn names_and_states(list: &Value) -> Vec<(String, String)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn entitlements_are_listed_active_first_and_each_addition_is_recorded() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let expired = add(
        &t,
        acme,
        json!({"name": "Onboarding", "starts_on": "2020-01-01", "ends_on": "2020-12-31"}),
    )
    .await;
    assert_eq!(expired["active"], false);
    assert_eq!(expired["state"], "expired");
    let premium = add(
        &t,
        acme,
        json!({"name": "Premium support", "starts_on": "2021-01-01", "notes": "24/7 phone line\nand chat"}),
    )
    .await;
    assert_eq!(premium["active"], true);
    assert_eq!(premium["ends_on"], Value::Null);
    assert_eq!(premium["notes"], "24/7 phone line\nand chat");
    assert_eq!(premium["version"], 1);
    add(
        &t,
        acme,
        json!({"name": "Analytics", "starts_on": "2099-01-01"}),
    )
    .await;
    add(&t, acme, json!({"name": "Archive access"})).await;

    let list = t
        .get(&format!("/api/v1/organizations/{acme}/entitlements"))
        .await;
    assert_eq!(
        names_and_states(&list.body),
        [
            ("Archive access".to_owned(), "active".to_owned()),
            ("Premium support".to_owned(), "active".to_owned()),
            ("Analytics".to_owned(), "upcoming".to_owned()),
            ("Onboarding".to_owned(), "expired".to_owned()),
        ]
    );
    let first = t
        .get(&format!(
            "/api/v1/organizations/{acme}/entitlements?limit=3"
        ))
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = t
        .get(&format!(
            "/api/v1/organizations/{acme}/entitlements?limit=3&cursor={cursor}"
        ))
        .await;
    assert_eq!(names_and_states(&rest.body).len(), 1);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    let added = &history.body["data"][2];
    assert_eq!(added["action"], "entitlement_added");
    assert_eq!(
        added["changes"],
        json!([{"field": "entitlement", "old": null, "new": {
            "id": premium["id"], "name": "Premium support", "starts_on": "2021-01-01",
            "ends_on": null, "notes": "24/7 phone line\nand chat"}}])
    );
}

#[tokio::test]
async fn bad_terms_are_refused_naming_the_field_and_nothing_is_stored() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let path = format!("/api/v1/organizations/{acme}/entitlements");
    for (body, field) in [
        (
            json!({"name": "A", "starts_on": "2026-12-31", "ends_on": "2026-01-01"}),
            "ends_on",
        ),
        (json!({"name": "A", "starts_on": "31/12/2026"}), "starts_on"),
        (json!({"name": "A", "ends_on": "2026-02-30"}), "ends_on"),
        (json!({"name": "  "}), "name"),
        (json!({"name": "two\nlines"}), "name"),
        (json!({"name": "nul\u{0}byte"}), "name"),
        (json!({"name": "A", "notes": "bell\u{7}"}), "notes"),
        (
            json!({"name": "A", "starts_on": "2026-01-01\u{0}"}),
            "starts_on",
        ),
        (json!({"name": "A", "notes": "x".repeat(10_001)}), "notes"),
    ] {
        let response = t.post(&path, body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.body
        );
        assert_eq!(response.body["error"]["field"], field, "{body}");
    }
    let unknown = t.post(&path, json!({"name": "A", "price": 3})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let nowhere = t
        .post(
            "/api/v1/organizations/999999/entitlements",
            json!({"name": "A"}),
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&path).await.body["data"], json!([]));
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    assert_eq!(history.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_entitlement_is_changed_against_its_version_and_removed_with_a_record() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let added = add(
        &t,
        acme,
        json!({"name": "Premium", "starts_on": "2020-01-01", "ends_on": "2020-06-30", "notes": "old"}),
    )
    .await;
    let path = format!("/api/v1/entitlements/{}", added["id"]);
    let changed = t
        .patch(
            &path,
            json!({"name": "Premium plus", "ends_on": null, "notes": null, "version": 1}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["name"], "Premium plus");
    assert_eq!(changed.body["starts_on"], "2020-01-01");
    assert_eq!(changed.body["ends_on"], Value::Null);
    assert_eq!(changed.body["notes"], Value::Null);
    assert_eq!(changed.body["state"], "active");
    assert_eq!(changed.body["version"], 2);
    let stale = t.patch(&path, json!({"name": "Lost", "version": 1})).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let backwards = t.patch(&path, json!({"ends_on": "2019-01-01"})).await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(backwards.body["error"]["field"], "ends_on");
    assert_eq!(t.get(&path).await.body["name"], "Premium plus");

    assert_eq!(t.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.delete(&path).await.status, StatusCode::NOT_FOUND);
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    let events = history.body["data"].as_array().unwrap();
    assert_eq!(events[0]["action"], "entitlement_removed");
    assert_eq!(events[0]["changes"][0]["old"]["name"], "Premium plus");
    assert_eq!(events[0]["changes"][0]["new"], Value::Null);
    assert_eq!(events[1]["action"], "entitlement_changed");
    assert_eq!(events[1]["changes"][0]["old"]["ends_on"], "2020-06-30");
    assert_eq!(events[1]["changes"][0]["new"]["ends_on"], Value::Null);
}

#[tokio::test]
async fn members_see_their_organizations_active_entitlements_without_notes() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.example"]}))
        .await;
    add(
        &t,
        acme,
        json!({"name": "Premium support", "ends_on": "2099-12-31", "notes": "internal"}),
    )
    .await;
    add(
        &t,
        acme,
        json!({"name": "Onboarding", "ends_on": "2020-01-01"}),
    )
    .await;
    add(
        &t,
        acme,
        json!({"name": "Analytics", "starts_on": "2099-01-01"}),
    )
    .await;
    let (_, member) = t
        .portal_user("Mo", "mo@acme.example", "correct horse 3")
        .await;
    let shown = t.get_as(&member, "/api/v1/portal/organization").await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(
        shown.body["entitlements"],
        json!([{"name": "Premium support", "starts_on": null, "ends_on": "2099-12-31"}])
    );
    let refused = t
        .get_as(
            &member,
            &format!("/api/v1/organizations/{acme}/entitlements"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
