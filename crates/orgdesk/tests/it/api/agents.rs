use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn admin_creates_agents_who_can_sign_in() {
    let t = TestApp::start().await;
    let created = t
        .post(
            "/api/v1/agents",
            json!({"email": "Bob@Helpdesk.test", "name": "Bob", "password": "bob password"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["admin"], false);
    assert_eq!(created.body["email"], "Bob@helpdesk.test");
    let token = t
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "bob@helpdesk.test", "password": "bob password"})),
            &[],
        )
        .await;
    assert_eq!(token.status, StatusCode::CREATED);
    let listed = t.get("/api/v1/agents").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn non_admin_agents_cannot_create_or_list_agents() {
    let t = TestApp::start().await;
    let token = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let create = t.send(Method::POST, "/api/v1/agents", Some(&token), Some(json!({"email": "eve@helpdesk.test", "name": "Eve", "password": "eve password", "admin": true})), &[]).await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    let list = t
        .send(Method::GET, "/api/v1/agents", Some(&token), None, &[])
        .await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get("/api/v1/agents").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "nothing was created"
    );
}

#[tokio::test]
async fn agent_email_is_unique_in_any_letter_case_and_passwords_have_a_minimum() {
    let t = TestApp::start().await;
    let duplicate = t
        .post(
            "/api/v1/agents",
            json!({"email": "ADMIN@helpdesk.test", "name": "Again", "password": "long enough"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.code(), "email_taken");
    let short = t
        .post(
            "/api/v1/agents",
            json!({"email": "short@helpdesk.test", "name": "Short", "password": "short"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.body["error"]["field"], "password");
}
