use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn patch_changes_fields_bumps_the_version_and_records_old_and_new() {
    let t = TestApp::start().await;
    let id = t
        .organization(json!({"name": "Acme", "summary": "Old"}))
        .await;
    let response = t
        .patch(&format!("/api/v1/organizations/{id}"), json!({"name": "Acme Corp", "summary": null, "contacts": [{"kind": "email", "value": "hi@acme.com"}]}))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["name"], "Acme Corp");
    assert_eq!(response.body["summary"], json!(null));
    assert_eq!(response.body["version"], 2);
    let history = t.get(&format!("/api/v1/organizations/{id}/history")).await;
    let event = &history.body["data"][0];
    assert_eq!(event["action"], "updated");
    let changes = event["changes"].as_array().unwrap();
    assert!(changes.contains(&json!({"field": "name", "old": "Acme", "new": "Acme Corp"})));
    assert!(changes.contains(&json!({"field": "summary", "old": "Old", "new": null})));
    assert_eq!(changes.len(), 3);
}

#[tokio::test]
async fn patch_that_changes_nothing_keeps_the_version_and_records_nothing() {
    let t = TestApp::start().await;
    let id = t
        .organization(json!({"name": "Acme", "summary": "Same"}))
        .await;
    let response = t
        .patch(
            &format!("/api/v1/organizations/{id}"),
            json!({"name": "Acme", "summary": "Same"}),
        )
        .await;
    assert_eq!(response.body["version"], 1);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{id}/history"))
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn renaming_to_another_organizations_name_is_refused_but_changing_own_case_is_allowed() {
    let t = TestApp::start().await;
    t.org("Acme", None).await;
    let beta = t.org("Beta", None).await;
    let taken = t
        .patch(
            &format!("/api/v1/organizations/{beta}"),
            json!({"name": "ACME"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "name_taken");
    let recased = t
        .patch(
            &format!("/api/v1/organizations/{beta}"),
            json!({"name": "BETA"}),
        )
        .await;
    assert_eq!(recased.status, StatusCode::OK);
    assert_eq!(recased.body["name"], "BETA");
}

#[tokio::test]
async fn stale_if_match_is_refused_with_412_and_changes_nothing() {
    let t = TestApp::start().await;
    let id = t.org("Acme", None).await;
    let path = format!("/api/v1/organizations/{id}");
    let first = t
        .send(
            Method::PATCH,
            &path,
            Some(&t.admin_token),
            Some(json!({"summary": "first"})),
            &[("if-match", "1")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["version"], 2);
    let stale = t
        .send(
            Method::PATCH,
            &path,
            Some(&t.admin_token),
            Some(json!({"summary": "second"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "version_conflict");
    let stale_body = t
        .patch(&path, json!({"summary": "third", "version": 1}))
        .await;
    assert_eq!(stale_body.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(t.get(&path).await.body["summary"], "first");
    let current = t
        .patch(&path, json!({"summary": "fourth", "version": 2}))
        .await;
    assert_eq!(current.status, StatusCode::OK);
    let garbage = t
        .send(
            Method::PATCH,
            &path,
            Some(&t.admin_token),
            Some(json!({"summary": "x"})),
            &[("if-match", "yesterday")],
        )
        .await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn concurrent_writers_with_the_same_version_cannot_both_win() {
    let t = TestApp::start().await;
    let id = t.org("Acme", None).await;
    let path = format!("/api/v1/organizations/{id}");
    let writes = (0..6).map(|n| {
        t.patch(
            &path,
            json!({"summary": format!("writer {n}"), "version": 1}),
        )
    });
    let results = futures::future::join_all(writes).await;
    let won = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let refused = results
        .iter()
        .filter(|r| r.status == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!(
        (won, refused),
        (1, 5),
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(t.get(&path).await.body["version"], 2);
}

#[tokio::test]
async fn unknown_fields_in_a_patch_are_refused() {
    let t = TestApp::start().await;
    let id = t.org("Acme", None).await;
    let response = t
        .patch(
            &format!("/api/v1/organizations/{id}"),
            json!({"nmae": "typo"}),
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{id}")).await.body["name"],
        "Acme"
    );
}

#[tokio::test]
async fn changing_a_childs_fields_records_nothing_on_its_parent() {
    let t = TestApp::start().await;
    let parent = t.org("Parent", None).await;
    let child = t.org("Child", Some(parent)).await;
    let before = t
        .get(&format!("/api/v1/organizations/{parent}/history"))
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .len();
    let response = t
        .patch(
            &format!("/api/v1/organizations/{child}"),
            json!({"summary": "changed", "parent_id": parent}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let after = t
        .get(&format!("/api/v1/organizations/{parent}/history"))
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
    let child_event = &t
        .get(&format!("/api/v1/organizations/{child}/history"))
        .await
        .body["data"][0];
    assert_eq!(
        child_event["changes"],
        json!([{"field": "summary", "old": null, "new": "changed"}])
    );
}
