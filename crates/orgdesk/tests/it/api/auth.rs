use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn agent_signs_in_with_email_and_password_and_gets_a_working_token() {
    let t = TestApp::start().await;
    let response = t
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "ADMIN@helpdesk.test", "password": "admin password"})),
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
    let token = response.body["token"].as_str().unwrap();
    let listed = t
        .send(Method::GET, "/api/v1/organizations", Some(token), None, &[])
        .await;
    assert_eq!(listed.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_refused_alike() {
    let t = TestApp::start().await;
    for body in [
        json!({"email": "admin@helpdesk.test", "password": "nope nope"}),
        json!({"email": "ghost@helpdesk.test", "password": "admin password"}),
    ] {
        let response = t
            .send(Method::POST, "/api/v1/auth/token", None, Some(body), &[])
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.code(), "unauthenticated");
        assert_eq!(response.message(), "the email or password is not right");
    }
}

#[tokio::test]
async fn missing_malformed_and_forged_tokens_get_401() {
    let t = TestApp::start().await;
    let missing = t
        .send(Method::GET, "/api/v1/organizations", None, None, &[])
        .await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers["www-authenticate"], "Bearer");
    let basic = t
        .send(
            Method::GET,
            "/api/v1/organizations",
            None,
            None,
            &[("authorization", "Basic YWRtaW46YWRtaW4=")],
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    let forged = t
        .send(
            Method::GET,
            "/api/v1/organizations",
            Some("forged-token"),
            None,
            &[],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    assert_eq!(forged.code(), "unauthenticated");
}

#[tokio::test]
async fn revoked_token_stops_working() {
    let t = TestApp::start().await;
    let token = t
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "admin@helpdesk.test", "password": "admin password"})),
            &[],
        )
        .await
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = t
        .send(
            Method::DELETE,
            "/api/v1/auth/token",
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let after = t
        .send(
            Method::GET,
            "/api/v1/organizations",
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // Other tokens of the same agent keep working.
    assert_eq!(t.get("/api/v1/organizations").await.status, StatusCode::OK);
}

#[tokio::test]
async fn portal_token_is_refused_on_agent_routes_and_agent_token_on_portal_routes() {
    let t = TestApp::start().await;
    let (_, user_token) = t
        .portal_user("Una User", "una@example.org", "una password")
        .await;
    let on_agent_route = t
        .send(
            Method::GET,
            "/api/v1/organizations",
            Some(&user_token),
            None,
            &[],
        )
        .await;
    assert_eq!(on_agent_route.status, StatusCode::FORBIDDEN);
    assert_eq!(on_agent_route.code(), "forbidden");
    let on_portal_route = t
        .send(
            Method::GET,
            "/api/v1/portal/me",
            Some(&t.admin_token),
            None,
            &[],
        )
        .await;
    assert_eq!(on_portal_route.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn portal_user_signs_in_with_the_password_they_registered() {
    let t = TestApp::start().await;
    t.portal_user("Una User", "una@example.org", "una password")
        .await;
    let wrong = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "una@example.org", "password": "wrong password"})),
            &[],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // An agent's credentials are not a portal account.
    let agent = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "admin@helpdesk.test", "password": "admin password"})),
            &[],
        )
        .await;
    assert_eq!(agent.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn user_created_by_an_agent_without_password_cannot_sign_in() {
    let t = TestApp::start().await;
    t.user(json!({"name": "No Pass", "email": "nopass@example.org"}))
        .await;
    let response = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "nopass@example.org", "password": "anything at all"})),
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_routes_answer_404_with_the_error_body() {
    let t = TestApp::start().await;
    let response = t.get("/api/v1/nothing-here").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.code(), "not_found");
}

#[tokio::test]
async fn repeated_sign_in_attempts_on_one_account_are_throttled_with_429() {
    let t = TestApp::start().await;
    let attempt = |password: &'static str| {
        t.send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "admin@helpdesk.test", "password": password})),
            &[],
        )
    };
    // TestApp signed the admin in once; nine more wrong guesses are answered 401.
    for _ in 0..9 {
        assert_eq!(
            attempt("wrong guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let throttled = attempt("admin password").await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        throttled.body
    );
    assert_eq!(throttled.code(), "too_many_requests");
    let retry_after: u64 = throttled.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Other accounts, and the portal account of the same address, are not affected.
    t.portal_user("Una", "una@example.org", "una password")
        .await;
    let other = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "admin@helpdesk.test", "password": "whatever it is"})),
            &[],
        )
        .await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    // Tokens already issued keep working.
    assert_eq!(t.get("/api/v1/organizations").await.status, StatusCode::OK);
}
