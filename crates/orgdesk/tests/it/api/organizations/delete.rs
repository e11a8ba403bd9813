use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn deleting_keeps_members_as_unaffiliated_users_and_children_as_top_level() {
    let t = TestApp::start().await;
    let holding = t.org("Holding", None).await;
    let acme = t
        .organization(json!({"name": "Acme", "parent_id": holding, "domains": ["acme.com"]}))
        .await;
    let child = t.org("Acme Labs", Some(acme)).await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@acme.com"}))
        .await;
    assert_eq!(jane["organization_id"], acme);

    let deleted = t.delete(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.status,
        StatusCode::NOT_FOUND
    );
    let jane_now = t.get(&format!("/api/v1/users/{}", jane["id"])).await;
    assert_eq!(jane_now.status, StatusCode::OK);
    assert_eq!(jane_now.body["organization_id"], json!(null));
    assert_eq!(jane_now.body["organization"], json!(null));
    let child_now = t.get(&format!("/api/v1/organizations/{child}")).await;
    assert_eq!(child_now.body["parent_id"], json!(null));
    // The domain is free again, and new users of it join nobody.
    let late = t
        .user(json!({"name": "Late", "email": "late@acme.com"}))
        .await;
    assert_eq!(late["organization_id"], json!(null));
    let reborn = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Acme Reborn", "domains": ["acme.com"]}),
        )
        .await;
    assert_eq!(
        reborn.status,
        StatusCode::CREATED,
        "the domain was released: {}",
        reborn.body
    );
}

#[tokio::test]
async fn deletion_is_recorded_on_the_parent_and_each_former_child() {
    let t = TestApp::start().await;
    let holding = t.org("Holding", None).await;
    let acme = t.org("Acme", Some(holding)).await;
    let child = t.org("Acme Labs", Some(acme)).await;
    t.delete(&format!("/api/v1/organizations/{acme}")).await;
    let child_history = t
        .get(&format!("/api/v1/organizations/{child}/history"))
        .await;
    let event = &child_history.body["data"][0];
    assert_eq!(event["action"], "parent_deleted");
    assert_eq!(
        event["changes"][0],
        json!({"field": "parent_id", "old": acme, "new": null})
    );
    let parent_history = t
        .get(&format!("/api/v1/organizations/{holding}/history"))
        .await;
    assert_eq!(parent_history.body["data"][0]["action"], "child_removed");
}

#[tokio::test]
async fn deleting_an_unknown_organization_is_404() {
    let t = TestApp::start().await;
    let response = t.delete("/api/v1/organizations/77").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_still_reads_a_deleted_organizations_history_marked_deleted() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    t.user(json!({"name": "Jane", "email": "jane@acme.com"}))
        .await;
    let path = format!("/api/v1/organizations/{acme}/history");
    let before = t.get(&path).await;
    assert_eq!(before.body["deleted"], false);
    let events_before = before.body["data"].as_array().unwrap().len();

    assert_eq!(
        t.delete(&format!("/api/v1/organizations/{acme}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let after = t.get(&path).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert_eq!(after.body["deleted"], true);
    let events = after.body["data"].as_array().unwrap();
    assert_eq!(
        events[0]["action"], "deleted",
        "the deletion is the newest event"
    );
    assert!(
        events.len() > events_before,
        "nothing recorded before is lost"
    );
    assert_eq!(events.last().unwrap()["action"], "created");

    // Agents who are not admins, and ids that never existed, find nothing.
    let token = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let not_admin = t.get_as(&token, &path).await;
    assert_eq!(not_admin.status, StatusCode::NOT_FOUND);
    let never = t.get("/api/v1/organizations/999999/history").await;
    assert_eq!(never.status, StatusCode::NOT_FOUND);
    let activity = t
        .get(&format!("/api/v1/organizations/{acme}/activity"))
        .await;
    assert_eq!(activity.status, StatusCode::NOT_FOUND, "history only");
}
