//! Accounts that can be trusted: who may set a password, what a password change ends,
//! and what only admins may do.

use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

async fn portal_sign_in(t: &TestApp, email: &str, password: &str) -> StatusCode {
    t.send(
        Method::POST,
        "/api/v1/portal/token",
        None,
        Some(json!({"email": email, "password": password})),
        &[],
    )
    .await
    .status
}

async fn portal_token(t: &TestApp, email: &str, password: &str) -> String {
    let response = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": email, "password": password})),
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body["token"].as_str().unwrap().to_owned()
}

async fn me_status(t: &TestApp, token: &str) -> StatusCode {
    t.get_as(token, "/api/v1/portal/me").await.status
}

#[tokio::test]
async fn a_non_admin_agent_cannot_set_a_users_password_and_nothing_changes() {
    let t = TestApp::start().await;
    let (user, _) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    let bob = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let response = t
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", user["id"]),
            Some(&bob),
            Some(json!({"password": "taken over", "name": "Renamed"})),
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.body);
    assert_eq!(response.code(), "forbidden");
    assert_eq!(
        portal_sign_in(&t, "pat@example.org", "taken over").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        portal_sign_in(&t, "pat@example.org", "pat password").await,
        StatusCode::CREATED
    );
    assert_eq!(
        t.get(&format!("/api/v1/users/{}", user["id"])).await.body["name"],
        "Pat",
        "the refused PATCH changed nothing"
    );
}

#[tokio::test]
async fn an_admin_setting_a_users_password_ends_every_session_of_theirs() {
    let t = TestApp::start().await;
    let (user, first) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    let second = portal_token(&t, "pat@example.org", "pat password").await;
    let response = t
        .patch(
            &format!("/api/v1/users/{}", user["id"]),
            json!({"password": "reset by admin"}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(me_status(&t, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_status(&t, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal_sign_in(&t, "pat@example.org", "reset by admin").await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_user_changes_their_password_only_with_the_current_one_and_other_sessions_end() {
    let t = TestApp::start().await;
    let (_, current) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    let other = portal_token(&t, "pat@example.org", "pat password").await;
    let change = |body: serde_json::Value| {
        let current = current.clone();
        let t = &t;
        async move {
            t.send(
                Method::PATCH,
                "/api/v1/portal/me",
                Some(&current),
                Some(body),
                &[],
            )
            .await
        }
    };
    let missing = change(json!({"password": "new password"})).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["error"]["field"], "current_password");
    let wrong =
        change(json!({"password": "new password", "current_password": "guess guess"})).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.body["error"]["field"], "current_password");
    assert_eq!(
        me_status(&t, &other).await,
        StatusCode::OK,
        "refusals end nothing"
    );

    let done =
        change(json!({"password": "new password", "current_password": "pat password"})).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        me_status(&t, &current).await,
        StatusCode::OK,
        "the session that changed it stays"
    );
    assert_eq!(me_status(&t, &other).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        portal_sign_in(&t, "pat@example.org", "pat password").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        portal_sign_in(&t, "pat@example.org", "new password").await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn only_admins_delete_organizations() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let bob = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let refused = t
        .send(
            Method::DELETE,
            &format!("/api/v1/organizations/{acme}"),
            Some(&bob),
            None,
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.delete(&format!("/api/v1/organizations/{acme}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}
