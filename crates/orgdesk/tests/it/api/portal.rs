use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_registered_user_sees_their_organizations_name() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let (_, token) = t
        .portal_user("Jane", "jane@acme.com", "jane password")
        .await;
    let me = t
        .send(Method::GET, "/api/v1/portal/me", Some(&token), None, &[])
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["organization"], json!({"id": acme, "name": "Acme"}));
}

#[tokio::test]
async fn registration_refuses_taken_emails_and_weak_passwords() {
    let t = TestApp::start().await;
    t.portal_user("Jane", "jane@example.org", "jane password")
        .await;
    let taken = t
        .send(
            Method::POST,
            "/api/v1/portal/register",
            None,
            Some(json!({"name": "J", "email": "JANE@example.org", "password": "another one"})),
            &[],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "email_taken");
    let weak = t
        .send(
            Method::POST,
            "/api/v1/portal/register",
            None,
            Some(json!({"name": "K", "email": "k@example.org", "password": "123"})),
            &[],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.body["error"]["field"], "password");
}

#[tokio::test]
async fn only_managers_can_turn_on_auto_cc_for_themselves() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let (jane, token) = t
        .portal_user("Jane", "jane@acme.com", "jane password")
        .await;
    let refused = t
        .send(
            Method::PATCH,
            "/api/v1/portal/me",
            Some(&token),
            Some(json!({"auto_cc_organization_tickets": true})),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    t.put(
        &format!("/api/v1/organizations/{acme}/members/{}", jane["id"]),
        json!({"manager": true}),
    )
    .await;
    let allowed = t
        .send(
            Method::PATCH,
            "/api/v1/portal/me",
            Some(&token),
            Some(json!({"auto_cc_organization_tickets": true, "name": "Jane Doe"})),
            &[],
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert_eq!(allowed.body["auto_cc_organization_tickets"], true);
    assert_eq!(allowed.body["name"], "Jane Doe");
}

#[tokio::test]
async fn changing_the_password_in_the_portal_takes_effect() {
    let t = TestApp::start().await;
    let (_, token) = t
        .portal_user("Jane", "jane@example.org", "jane password")
        .await;
    let changed = t
        .send(
            Method::PATCH,
            "/api/v1/portal/me",
            Some(&token),
            Some(json!({"password": "a new password", "current_password": "jane password"})),
            &[],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let old = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "jane@example.org", "password": "jane password"})),
            &[],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "jane@example.org", "password": "a new password"})),
            &[],
        )
        .await;
    assert_eq!(new.status, StatusCode::CREATED);
}
