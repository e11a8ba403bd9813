//! One rule for every way out of an organization: leaving it resets the member's
//! position, manager flag and auto-CC of the organization's tickets, whether the user
//! is moved, changed, pulled in by a domain, removed, or the organization is deleted.

use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

/// A manager of a new organization named after their email, with a position and
/// auto-CC on.
async fn manager_of_from(t: &TestApp, email: &str) -> (i64, i64) {
    let from = t.org(&format!("From {email}"), None).await;
    let user = t.user_id(json!({"name": "Morgan", "email": email, "organization_id": from, "position": "Head of IT", "manager": true})).await;
    let cc = t
        .patch(
            &format!("/api/v1/users/{user}"),
            json!({"auto_cc_organization_tickets": true}),
        )
        .await;
    assert_eq!(cc.status, StatusCode::OK, "{}", cc.body);
    assert_eq!(cc.body["auto_cc_organization_tickets"], true);
    (from, user)
}

async fn user(t: &TestApp, id: i64) -> Value {
    t.get(&format!("/api/v1/users/{id}")).await.body
}

fn assert_left_clean(user: &Value, organization: Value) {
    assert_eq!(user["organization_id"], organization, "{user}");
    assert_eq!(user["position"], Value::Null, "position kept: {user}");
    assert_eq!(user["manager"], false, "manager kept: {user}");
    assert_eq!(
        user["auto_cc_organization_tickets"], false,
        "auto-CC kept: {user}"
    );
}

#[tokio::test]
async fn moving_a_member_to_another_organization_resets_their_place() {
    let t = TestApp::start().await;
    let (_, id) = manager_of_from(&t, "morgan@example.org").await;
    let to = t.org("To", None).await;
    let moved = t
        .put(
            &format!("/api/v1/organizations/{to}/members/{id}"),
            json!({}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_left_clean(&user(&t, id).await, json!(to));
}

#[tokio::test]
async fn changing_a_users_organization_resets_their_place() {
    let t = TestApp::start().await;
    let (_, id) = manager_of_from(&t, "morgan@example.org").await;
    let to = t.org("To", None).await;
    let patched = t
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({"organization_id": to}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_left_clean(&patched.body, json!(to));

    let (_, other) = manager_of_from(&t, "other@example.org").await;
    let cleared = t
        .patch(
            &format!("/api/v1/users/{other}"),
            json!({"organization_id": null}),
        )
        .await;
    assert_left_clean(&cleared.body, Value::Null);
}

#[tokio::test]
async fn applying_domain_matches_resets_the_place_of_those_it_moves() {
    let t = TestApp::start().await;
    let (_, id) = manager_of_from(&t, "morgan@owner-example.com").await;
    let owner = t.org("Owner", None).await;
    let added = t
        .post(
            &format!("/api/v1/organizations/{owner}/domains"),
            json!({"domain": "owner-example.com"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let applied = t
        .post(
            &format!("/api/v1/organizations/{owner}/domains/owner-example.com/apply"),
            json!({"other_organization": true}),
        )
        .await;
    assert_eq!(applied.body, json!({"moved": 1}));
    assert_left_clean(&user(&t, id).await, json!(owner));
}

#[tokio::test]
async fn removing_a_member_resets_their_place() {
    let t = TestApp::start().await;
    let (from, id) = manager_of_from(&t, "morgan@example.org").await;
    let removed = t
        .delete(&format!("/api/v1/organizations/{from}/members/{id}"))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_left_clean(&user(&t, id).await, Value::Null);
}

#[tokio::test]
async fn deleting_the_organization_resets_its_members_places() {
    let t = TestApp::start().await;
    let (from, id) = manager_of_from(&t, "morgan@example.org").await;
    let deleted = t.delete(&format!("/api/v1/organizations/{from}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_left_clean(&user(&t, id).await, Value::Null);
}
