use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn agent_creates_a_user_with_organization_position_and_manager_flag() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let user = t.user(json!({"name": "Jane Doe", "email": " Jane@Example.ORG ", "organization_id": acme, "position": "CTO", "manager": true})).await;
    assert_eq!(user["email"], "Jane@example.org");
    assert_eq!(user["organization"], json!({"id": acme, "name": "Acme"}));
    assert_eq!(user["position"], "CTO");
    assert_eq!(user["manager"], true);
    assert_eq!(user["auto_cc_organization_tickets"], false);
}

#[tokio::test]
async fn position_and_manager_apply_to_the_organization_the_email_domain_joins() {
    let t = TestApp::start().await;
    let globex = t
        .organization(json!({"name": "Globex", "domains": ["globex.com"]}))
        .await;
    let carol = t
        .user(json!({"name": "Carol", "email": "carol@globex.com", "manager": true, "position": "CTO"}))
        .await;
    assert_eq!(carol["organization_id"], globex);
    assert_eq!(carol["position"], "CTO");
    assert_eq!(carol["manager"], true);
    let members = t
        .get(&format!("/api/v1/organizations/{globex}/members"))
        .await;
    assert_eq!(members.body["data"][0]["position"], "CTO");
    let history = t
        .get(&format!("/api/v1/organizations/{globex}/history"))
        .await;
    let joined = &history.body["data"][0];
    assert_eq!(joined["action"], "member_added");
    assert_eq!(joined["actor"]["name"], "email domain association");
}

#[tokio::test]
async fn position_or_manager_for_a_user_who_joins_no_organization_is_refused_and_creates_nothing() {
    let t = TestApp::start().await;
    for (body, field) in [
        (
            json!({"name": "Dan", "email": "dan@nowhere.example", "position": "CTO"}),
            "position",
        ),
        (
            json!({"name": "Dan", "email": "dan@nowhere.example", "manager": true}),
            "manager",
        ),
    ] {
        let refused = t.post("/api/v1/users", body).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.body["error"]["field"], field);
        assert!(
            refused.message().contains("give organization_id"),
            "{}",
            refused.body
        );
    }
    let listed = t.get("/api/v1/users?q=dan").await;
    assert_eq!(listed.body["data"], json!([]), "nothing was created");
}

#[tokio::test]
async fn user_email_is_unique_in_any_letter_case() {
    let t = TestApp::start().await;
    t.user(json!({"name": "Jane", "email": "jane@example.org"}))
        .await;
    let duplicate = t
        .post(
            "/api/v1/users",
            json!({"name": "Other Jane", "email": "JANE@example.org"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.code(), "email_taken");
    let listed = t.get("/api/v1/users").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_emails_names_and_organizations_are_refused_naming_the_field() {
    let t = TestApp::start().await;
    for (body, field) in [
        (json!({"name": "Jane", "email": "not-an-email"}), "email"),
        (json!({"name": "Jane", "email": "jane@localhost"}), "email"),
        (json!({"name": " ", "email": "jane@example.org"}), "name"),
        (
            json!({"name": "Jane", "email": "jane@example.org", "organization_id": 404}),
            "organization_id",
        ),
        (
            json!({"name": "Jane", "email": "jane@example.org", "position": "CEO"}),
            "position",
        ),
        (
            json!({"name": "Jane", "email": "jane@example.org", "password": "short"}),
            "password",
        ),
    ] {
        let response = t.post("/api/v1/users", body.clone()).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(response.body["error"]["field"], field, "{body}");
    }
    assert_eq!(t.get("/api/v1/users").await.body["data"], json!([]));
}

#[tokio::test]
async fn users_are_searched_by_email_or_name_prefix_and_filtered_by_organization() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    t.user(json!({"name": "Jane Doe", "email": "jane@acme.test", "organization_id": acme}))
        .await;
    t.user(json!({"name": "John Roe", "email": "jr@other.test"}))
        .await;
    t.user(json!({"name": "Mary", "email": "mary@acme.test", "organization_id": acme}))
        .await;
    assert_eq!(
        t.get("/api/v1/users?q=J").await.names(),
        ["Jane Doe", "John Roe"]
    );
    assert_eq!(t.get("/api/v1/users?q=MARY%40").await.names(), ["Mary"]);
    assert_eq!(
        t.get(&format!("/api/v1/users?organization_id={acme}"))
            .await
            .names(),
        ["Jane Doe", "Mary"]
    );
}

#[tokio::test]
async fn patch_moves_or_unaffiliates_a_user_and_never_reapplies_the_domain() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let beta = t.org("Beta", None).await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@example.org"}))
        .await;
    let path = format!("/api/v1/users/{}", jane["id"]);
    let renamed = t
        .patch(&path, json!({"name": "Jane Doe", "email": "jane@acme.com"}))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        renamed.body["organization_id"],
        json!(null),
        "an existing user is never moved silently"
    );
    let moved = t
        .patch(&path, json!({"organization_id": beta, "position": "Buyer"}))
        .await;
    assert_eq!(
        (
            moved.body["organization_id"].clone(),
            moved.body["position"].clone()
        ),
        (json!(beta), json!("Buyer"))
    );
    let out = t.patch(&path, json!({"organization_id": null})).await;
    assert_eq!(out.body["organization_id"], json!(null));
    assert_eq!(out.body["position"], json!(null));
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{beta}/history"))
            .await
            .body["data"][0]["action"],
        "member_removed"
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["member_count"],
        0
    );
}

#[tokio::test]
async fn patch_refuses_a_taken_email_and_auto_cc_for_non_managers() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    t.user(json!({"name": "Jane", "email": "jane@example.org"}))
        .await;
    let john = t
        .user(json!({"name": "John", "email": "john@example.org", "organization_id": acme}))
        .await;
    let path = format!("/api/v1/users/{}", john["id"]);
    let taken = t.patch(&path, json!({"email": "Jane@Example.org"})).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let auto_cc = t
        .patch(&path, json!({"auto_cc_organization_tickets": true}))
        .await;
    assert_eq!(auto_cc.status, StatusCode::UNPROCESSABLE_ENTITY);
    let manager = t
        .patch(
            &path,
            json!({"manager": true, "auto_cc_organization_tickets": true}),
        )
        .await;
    assert_eq!(manager.status, StatusCode::OK);
    assert_eq!(manager.body["auto_cc_organization_tickets"], true);
    assert_eq!(t.get(&path).await.body["email"], "john@example.org");
}

#[tokio::test]
async fn a_renamed_user_is_found_by_the_new_name_only() {
    let t = TestApp::start().await;
    let user = t
        .user(json!({"name": "Jane Doe", "email": "jd@example.org"}))
        .await;
    t.patch(
        &format!("/api/v1/users/{}", user["id"]),
        json!({"name": "Zoë Smith"}),
    )
    .await;
    assert_eq!(t.get("/api/v1/users?q=ZOË").await.names(), ["Zoë Smith"]);
    assert!(t.get("/api/v1/users?q=jane").await.names().is_empty());
}

#[tokio::test]
async fn unknown_user_is_404() {
    let t = TestApp::start().await;
    assert_eq!(
        t.get("/api/v1/users/31337").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.patch("/api/v1/users/31337", json!({"name": "x"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
