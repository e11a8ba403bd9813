use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn adding_a_member_sets_position_and_manager_flag() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@example.org"}))
        .await;
    let response = t
        .put(
            &format!("/api/v1/organizations/{acme}/members/{}", jane["id"]),
            json!({"position": "CTO", "manager": true}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["organization_id"], acme);
    assert_eq!(response.body["position"], "CTO");
    assert_eq!(response.body["manager"], true);
    let changed = t
        .put(
            &format!("/api/v1/organizations/{acme}/members/{}", jane["id"]),
            json!({"position": null}),
        )
        .await;
    assert_eq!(changed.body["position"], json!(null));
    assert_eq!(changed.body["manager"], true, "a field not sent is kept");
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    assert_eq!(history.body["data"][0]["action"], "member_updated");
    assert_eq!(
        history.body["data"][0]["changes"][0],
        json!({"field": "position", "old": "CTO", "new": null})
    );
}

#[tokio::test]
async fn an_empty_put_just_adds_the_user() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@example.org"}))
        .await;
    let response = t
        .send(
            Method::PUT,
            &format!("/api/v1/organizations/{acme}/members/{}", jane["id"]),
            Some(&t.admin_token),
            None,
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["manager"], false);
}

#[tokio::test]
async fn a_user_belongs_to_one_organization_and_moving_is_recorded_on_both() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let beta = t.org("Beta", None).await;
    let jane = t.user(json!({"name": "Jane", "email": "jane@example.org", "organization_id": acme, "manager": true})).await;
    let moved = t
        .put(
            &format!("/api/v1/organizations/{beta}/members/{}", jane["id"]),
            json!({}),
        )
        .await;
    assert_eq!(moved.body["organization_id"], beta);
    assert_eq!(
        moved.body["manager"], false,
        "manager of Acme is not manager of Beta"
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["member_count"],
        0
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{beta}")).await.body["member_count"],
        1
    );
    let left = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await
        .body["data"][0]
        .clone();
    assert_eq!(
        (left["action"].as_str(), left["user"]["id"].clone()),
        (Some("member_removed"), jane["id"].clone())
    );
    assert_eq!(
        left["changes"][0],
        json!({"field": "organization_id", "old": acme, "new": beta})
    );
    let joined = t
        .get(&format!("/api/v1/organizations/{beta}/history"))
        .await
        .body["data"][0]
        .clone();
    assert_eq!(joined["action"], "member_added");
}

#[tokio::test]
async fn removing_a_member_keeps_the_user() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jane = t.user(json!({"name": "Jane", "email": "jane@example.org", "organization_id": acme, "position": "CEO"})).await;
    let removed = t
        .delete(&format!(
            "/api/v1/organizations/{acme}/members/{}",
            jane["id"]
        ))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let user = t.get(&format!("/api/v1/users/{}", jane["id"])).await;
    assert_eq!(user.status, StatusCode::OK);
    assert_eq!(user.body["organization_id"], json!(null));
    assert_eq!(user.body["position"], json!(null));
    let again = t
        .delete(&format!(
            "/api/v1/organizations/{acme}/members/{}",
            jane["id"]
        ))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_list_filters_managers() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    t.user(json!({"name": "Boss", "email": "boss@example.org", "organization_id": acme, "manager": true})).await;
    t.user(json!({"name": "Staff", "email": "staff@example.org", "organization_id": acme}))
        .await;
    t.user(json!({"name": "Outsider", "email": "out@example.org"}))
        .await;
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}/members"))
            .await
            .names(),
        ["Boss", "Staff"]
    );
    assert_eq!(
        t.get(&format!(
            "/api/v1/organizations/{acme}/members?manager=true"
        ))
        .await
        .names(),
        ["Boss"]
    );
    assert_eq!(
        t.get(&format!(
            "/api/v1/organizations/{acme}/members?manager=false"
        ))
        .await
        .names(),
        ["Staff"]
    );
}

#[tokio::test]
async fn unknown_users_and_organizations_are_404_and_bad_positions_422() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    assert_eq!(
        t.put(
            &format!("/api/v1/organizations/{acme}/members/999"),
            json!({})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@example.org"}))
        .await;
    assert_eq!(
        t.put(
            &format!("/api/v1/organizations/999/members/{}", jane["id"]),
            json!({})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let long = t
        .put(
            &format!("/api/v1/organizations/{acme}/members/{}", jane["id"]),
            json!({"position": "x".repeat(300)}),
        )
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.get(&format!("/api/v1/users/{}", jane["id"])).await.body["organization_id"],
        json!(null),
        "nothing changed"
    );
}

async fn count(t: &TestApp, id: i64) -> i64 {
    t.get(&format!("/api/v1/organizations/{id}")).await.body["member_count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn member_counts_follow_every_join_leave_move_and_apply() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let globex = t.org("Globex", None).await;
    let ann = t
        .user_id(json!({"name": "Ann", "email": "ann@acme.com", "organization_id": acme}))
        .await;
    let bo = t
        .user_id(json!({"name": "Bo", "email": "bo@acme.com", "organization_id": globex}))
        .await;
    t.user(json!({"name": "Cy", "email": "cy@acme.com"})).await;
    assert_eq!((count(&t, acme).await, count(&t, globex).await), (1, 1));

    // Bo moves from Globex to Acme.
    let moved = t
        .put(
            &format!("/api/v1/organizations/{acme}/members/{bo}"),
            json!({}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!((count(&t, acme).await, count(&t, globex).await), (2, 0));
    // A member put again stays counted once.
    t.put(
        &format!("/api/v1/organizations/{acme}/members/{bo}"),
        json!({"manager": true}),
    )
    .await;
    assert_eq!(count(&t, acme).await, 2);

    // Ann leaves; then Globex takes acme.com and applies both groups (Cy, and Bo from Acme).
    let left = t
        .delete(&format!("/api/v1/organizations/{acme}/members/{ann}"))
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{}", left.body);
    assert_eq!(count(&t, acme).await, 1);
    t.delete(&format!("/api/v1/organizations/{acme}/domains/acme.com"))
        .await;
    let added = t
        .post(
            &format!("/api/v1/organizations/{globex}/domains"),
            json!({"domain": "acme.com"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let applied = t
        .post(
            &format!("/api/v1/organizations/{globex}/domains/acme.com/apply"),
            json!({"unaffiliated": true, "other_organization": true}),
        )
        .await;
    assert!(applied.status.is_success(), "{}", applied.body);
    // Ann (no organization now), Bo (from Acme) and Cy join Globex.
    assert_eq!((count(&t, acme).await, count(&t, globex).await), (0, 3));

    // Deleting Globex leaves its members without one; counts elsewhere are untouched.
    let members = t
        .get(&format!("/api/v1/organizations/{globex}/members"))
        .await;
    assert_eq!(members.names().len(), 3);
    let deleted = t.delete(&format!("/api/v1/organizations/{globex}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let joined = t
        .put(
            &format!("/api/v1/organizations/{acme}/members/{ann}"),
            json!({}),
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK);
    assert_eq!(count(&t, acme).await, 1);
}
