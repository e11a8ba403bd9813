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
async fn a_user_external_id_is_unique_and_can_be_changed_or_cleared() {
    let t = TestApp::start().await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@example.org", "external_id": "CRM-1"}))
        .await;
    assert_eq!(jane["external_id"], "CRM-1");
    let taken = t
        .post(
            "/api/v1/users",
            json!({"name": "John", "email": "john@example.org", "external_id": "CRM-1"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_eq!(taken.code(), "external_id_taken");
    assert!(
        taken.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another user")
    );
    let john = t
        .user(json!({"name": "John", "email": "john@example.org", "external_id": "CRM-2"}))
        .await;
    let id = john["id"].as_i64().unwrap();
    let clash = t
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({"external_id": "CRM-1"}),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert_eq!(clash.code(), "external_id_taken");
    let changed = t
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({"external_id": "CRM-3"}),
        )
        .await;
    assert_eq!(changed.body["external_id"], "CRM-3");
    let cleared = t
        .patch(&format!("/api/v1/users/{id}"), json!({"external_id": null}))
        .await;
    assert_eq!(cleared.body["external_id"], json!(null));
    let history = user_history(&t, id).await;
    assert!(
        history
            .iter()
            .any(|(_, fields)| fields.contains(&"external_id".to_owned())),
        "{history:?}"
    );
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

/// (action, [fields changed]) of each event of the user's history, oldest first.
async fn user_history(t: &TestApp, user: i64) -> Vec<(String, Vec<String>)> {
    let mut events = t
        .get_all(&format!("/api/v1/users/{user}/history?limit=2"))
        .await;
    events.reverse();
    events
        .iter()
        .map(|event| {
            (
                event["action"].as_str().unwrap().to_owned(),
                event["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["field"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn event(action: &str, fields: &[&str]) -> (String, Vec<String>) {
    (
        action.to_owned(),
        fields.iter().map(|f| (*f).to_owned()).collect(),
    )
}

#[tokio::test]
async fn a_user_has_a_history_of_their_own_from_creation_to_disabling() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let globex = t.org("Globex", None).await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@acme.com", "position": "CTO"}))
        .await;
    let group = t
        .post("/api/v1/usergroups", json!({"name": "VIPs"}))
        .await
        .id();

    // Moves, position and manager, direct usergroup membership, disabling.
    t.put(
        &format!("/api/v1/organizations/{globex}/members/{jane}"),
        json!({"manager": true}),
    )
    .await;
    t.put_empty(&format!("/api/v1/usergroups/{group}/members/{jane}"))
        .await;
    t.delete(&format!("/api/v1/usergroups/{group}/members/{jane}"))
        .await;
    t.patch(&format!("/api/v1/users/{jane}"), json!({"disabled": true}))
        .await;
    // Leaving with the organization's deletion.
    t.delete(&format!("/api/v1/organizations/{globex}")).await;

    assert_eq!(
        user_history(&t, jane).await,
        [
            event("created", &["name", "email", "organization_id", "position"]),
            event("updated", &["organization_id", "position", "manager"]),
            event("usergroup_member_added", &["usergroups"]),
            event("usergroup_member_removed", &["usergroups"]),
            event("updated", &["disabled"]),
            event("updated", &["organization_id"]),
        ]
    );
    let newest = t
        .get(&format!("/api/v1/users/{jane}/history?limit=1"))
        .await;
    let left = &newest.body["data"][0]["changes"][0];
    assert_eq!(left["old"], globex);
    assert_eq!(left["new"], json!(null));
    assert_eq!(newest.body["data"][0]["actor"]["type"], "agent");
    let created = t.get_all(&format!("/api/v1/users/{jane}/history")).await;
    assert_eq!(
        created.last().unwrap()["changes"][2]["new"],
        acme,
        "joined by domain"
    );

    assert_eq!(
        t.get("/api/v1/users/999999/history").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn applying_a_domain_and_deleting_a_usergroup_are_in_each_users_history() {
    let t = TestApp::start().await;
    let dan = t
        .user_id(json!({"name": "Dan", "email": "dan@initech.com"}))
        .await;
    let group = t
        .post("/api/v1/usergroups", json!({"name": "Partners"}))
        .await
        .id();
    t.put_empty(&format!("/api/v1/usergroups/{group}/members/{dan}"))
        .await;
    let initech = t.org("Initech", None).await;
    t.post(
        &format!("/api/v1/organizations/{initech}/domains"),
        json!({"domain": "initech.com"}),
    )
    .await;
    let applied = t
        .post(
            &format!("/api/v1/organizations/{initech}/domains/initech.com/apply"),
            json!({"unaffiliated": true}),
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    t.delete(&format!("/api/v1/usergroups/{group}")).await;
    assert_eq!(
        user_history(&t, dan).await,
        [
            event("created", &["name", "email"]),
            event("usergroup_member_added", &["usergroups"]),
            event("updated", &["organization_id"]),
            event("usergroup_member_removed", &["usergroups"]),
        ]
    );
}
