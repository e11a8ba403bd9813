//! Accounts an admin can switch off, tokens that expire, sign-in and registration
//! throttled per source address, and what only admins may do with agents and
//! usergroups.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use orgdesk_app::{Settings, now_ms};
use orgdesk_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Response, TestApp};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A JSON POST without a token, from the given source address.
async fn post_from(t: &TestApp, from: &str, path: &str, body: Value) -> Response {
    let from: SocketAddr = format!("{from}:5000").parse().unwrap();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(from));
    t.send_request(request).await
}

async fn sign_in(t: &TestApp, path: &str, email: &str, password: &str) -> Response {
    t.send(
        Method::POST,
        path,
        None,
        Some(json!({"email": email, "password": password})),
        &[],
    )
    .await
}

async fn agent_id(t: &TestApp, token: &str) -> i64 {
    let me = t.get_as(token, "/api/v1/auth/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    me.id()
}

fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

async fn expires_at(t: &TestApp, token: &str) -> i64 {
    t.db.number(&format!(
        "SELECT expires_at FROM api_tokens WHERE token_hash = '{}'",
        token_hash(token)
    ))
    .await
}

async fn set_expires_at(t: &TestApp, token: &str, at: i64) {
    let changed =
        t.db.execute(&format!(
            "UPDATE api_tokens SET expires_at = {at} WHERE token_hash = '{}'",
            token_hash(token)
        ))
        .await;
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn disabling_an_agent_stops_their_token_at_once_and_refuses_sign_in() {
    let t = TestApp::start().await;
    let bob = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let bob_id = agent_id(&t, &bob).await;
    let org = t.org("Acme", None).await;

    let disabled = t
        .patch(
            &format!("/api/v1/agents/{bob_id}"),
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(disabled.body["disabled"], true);

    let refused = t
        .get_as(&bob, &format!("/api/v1/organizations/{org}"))
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let again = sign_in(
        &t,
        "/api/v1/auth/token",
        "bob@helpdesk.test",
        "bob password",
    )
    .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{}", again.body);
    assert_eq!(again.code(), "account_disabled");
    let wrong = sign_in(&t, "/api/v1/auth/token", "bob@helpdesk.test", "not it").await;
    assert_eq!(
        wrong.code(),
        "unauthenticated",
        "a wrong password learns nothing"
    );

    // Data stays; enabling lets Bob sign in again, but the old token stays dead.
    let listed = t.get("/api/v1/agents").await;
    assert!(
        listed
            .strings("email")
            .contains(&"bob@helpdesk.test".into())
    );
    let enabled = t
        .patch(
            &format!("/api/v1/agents/{bob_id}"),
            json!({"disabled": false}),
        )
        .await;
    assert_eq!(enabled.body["disabled"], false);
    let back = sign_in(
        &t,
        "/api/v1/auth/token",
        "bob@helpdesk.test",
        "bob password",
    )
    .await;
    assert_eq!(back.status, StatusCode::CREATED, "{}", back.body);
    assert_eq!(
        t.get_as(&bob, "/api/v1/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn disabling_a_user_stops_their_portal_token_and_sign_in_and_keeps_their_data() {
    let t = TestApp::start().await;
    let org = t.org("Acme", None).await;
    let (user, token) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    let id = user["id"].as_i64().unwrap();
    t.put_empty(&format!("/api/v1/organizations/{org}/members/{id}"))
        .await;

    let disabled = t
        .patch(&format!("/api/v1/users/{id}"), json!({"disabled": true}))
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(disabled.body["disabled"], true);
    let me = t.get_as(&token, "/api/v1/portal/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let again = sign_in(
        &t,
        "/api/v1/portal/token",
        "pat@example.org",
        "pat password",
    )
    .await;
    assert_eq!(again.code(), "account_disabled", "{}", again.body);

    let kept = t.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(kept.body["organization_id"], org);
    assert_eq!(kept.body["disabled"], true);
    t.patch(&format!("/api/v1/users/{id}"), json!({"disabled": false}))
        .await;
    let back = sign_in(
        &t,
        "/api/v1/portal/token",
        "pat@example.org",
        "pat password",
    )
    .await;
    assert_eq!(back.status, StatusCode::CREATED, "{}", back.body);
}

#[tokio::test]
async fn only_admins_disable_agents_or_users_and_a_refusal_changes_nothing() {
    let t = TestApp::start().await;
    let bob = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let carol = t
        .agent_token("carol@helpdesk.test", "carol password", false)
        .await;
    let carol_id = agent_id(&t, &carol).await;
    let (user, _) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    for (path, body) in [
        (
            format!("/api/v1/agents/{carol_id}"),
            json!({"disabled": true}),
        ),
        (format!("/api/v1/agents/{carol_id}"), json!({"admin": true})),
        (
            format!("/api/v1/users/{}", user["id"]),
            json!({"disabled": true}),
        ),
    ] {
        let response = t
            .send(Method::PATCH, &path, Some(&bob), Some(body), &[])
            .await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            response.body
        );
    }
    assert_eq!(
        t.get_as(&carol, "/api/v1/auth/me").await.body["admin"],
        false
    );
    let pat = sign_in(
        &t,
        "/api/v1/portal/token",
        "pat@example.org",
        "pat password",
    )
    .await;
    assert_eq!(pat.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_last_enabled_admin_can_be_neither_disabled_nor_demoted() {
    let t = TestApp::start().await;
    let admin_id = agent_id(&t, &t.admin_token).await;
    for body in [json!({"disabled": true}), json!({"admin": false})] {
        let response = t.patch(&format!("/api/v1/agents/{admin_id}"), body).await;
        assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.body);
        assert_eq!(response.code(), "last_admin");
        assert!(response.message().contains("last enabled admin"));
    }
    assert_eq!(t.get("/api/v1/auth/me").await.body["admin"], true);

    // A second admin who is disabled does not count; once enabled, the first may go.
    let second = t
        .agent_token("second@helpdesk.test", "second password", true)
        .await;
    let second_id = agent_id(&t, &second).await;
    t.patch(
        &format!("/api/v1/agents/{second_id}"),
        json!({"disabled": true}),
    )
    .await;
    let still = t
        .patch(
            &format!("/api/v1/agents/{admin_id}"),
            json!({"admin": false}),
        )
        .await;
    assert_eq!(still.code(), "last_admin");
    t.patch(
        &format!("/api/v1/agents/{second_id}"),
        json!({"disabled": false}),
    )
    .await;
    let demoted = t
        .patch(
            &format!("/api/v1/agents/{admin_id}"),
            json!({"admin": false}),
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);
    assert_eq!(demoted.body["admin"], false);
}

#[tokio::test]
async fn agents_read_themselves_and_admins_read_and_change_any_agent() {
    let t = TestApp::start().await;
    let bob = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let bob_id = agent_id(&t, &bob).await;
    let admin_id = agent_id(&t, &t.admin_token).await;

    let own = t.get_as(&bob, &format!("/api/v1/agents/{bob_id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["email"], "bob@helpdesk.test");
    let other = t.get_as(&bob, &format!("/api/v1/agents/{admin_id}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get("/api/v1/agents/999999").await.status,
        StatusCode::NOT_FOUND
    );

    let renamed = t
        .patch(
            &format!("/api/v1/agents/{bob_id}"),
            json!({"name": "Robert", "email": "robert@helpdesk.test", "admin": true}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "Robert");
    assert_eq!(renamed.body["admin"], true);
    let signed_in = sign_in(
        &t,
        "/api/v1/auth/token",
        "robert@helpdesk.test",
        "bob password",
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::CREATED);

    let taken = t
        .patch(
            &format!("/api/v1/agents/{bob_id}"),
            json!({"email": ADMIN_EMAIL.to_uppercase()}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_eq!(taken.code(), "email_taken");
    let bad = t
        .patch(&format!("/api/v1/agents/{bob_id}"), json!({"name": "  "}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unchanged = t.get(&format!("/api/v1/agents/{bob_id}")).await;
    assert_eq!(unchanged.body["email"], "robert@helpdesk.test");
    assert_eq!(unchanged.body["name"], "Robert");
}

#[tokio::test]
async fn a_portal_token_cannot_read_the_signed_in_agent() {
    let t = TestApp::start().await;
    let (_, token) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    assert_eq!(
        t.get_as(&token, "/api/v1/auth/me").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn token_responses_say_when_the_token_expires_after_the_configured_lifetime() {
    let t = TestApp::start_with(Settings {
        token_lifetime: Duration::from_secs(2 * 24 * 60 * 60),
        ..Settings::default()
    })
    .await;
    for (path, email, password) in [
        ("/api/v1/auth/token", ADMIN_EMAIL, ADMIN_PASSWORD),
        ("/api/v1/portal/token", "pat@example.org", "pat password"),
    ] {
        if path.contains("portal") {
            t.portal_user("Pat", email, password).await;
        }
        let before = now_ms();
        let issued = sign_in(&t, path, email, password).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
        let text = issued.body["expires_at"].as_str().expect("expires_at");
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .expect("an RFC 3339 time");
        let at_ms = (at.unix_timestamp_nanos() / 1_000_000) as i64;
        let token = issued.body["token"].as_str().unwrap();
        assert!(
            (before + 2 * DAY_MS - 1000..=now_ms() + 2 * DAY_MS).contains(&at_ms),
            "{text} is not two days from now"
        );
        assert_eq!(at_ms, expires_at(&t, token).await);
    }
}

#[tokio::test]
async fn an_expired_token_is_refused_with_a_code_that_says_so() {
    let t = TestApp::start().await;
    let (_, portal) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    for (token, path) in [
        (t.admin_token.clone(), "/api/v1/auth/me"),
        (portal, "/api/v1/portal/me"),
    ] {
        set_expires_at(&t, &token, now_ms() - 1).await;
        let refused = t.get_as(&token, path).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        assert_eq!(refused.code(), "token_expired");
    }
    let garbage = t.get_as("not-a-token", "/api/v1/auth/me").await;
    assert_eq!(garbage.code(), "unauthenticated");
}

#[tokio::test]
async fn using_a_token_moves_its_expiry_forward_at_most_once_a_minute() {
    let t = TestApp::start().await;
    let lifetime = Settings::DEFAULT_TOKEN_LIFETIME.as_millis() as i64;

    // Last moved long ago: a use moves it to a full lifetime from now.
    set_expires_at(&t, &t.admin_token, now_ms() + DAY_MS).await;
    let before = now_ms();
    assert_eq!(t.get("/api/v1/auth/me").await.status, StatusCode::OK);
    let moved = expires_at(&t, &t.admin_token).await;
    assert!(
        moved >= before + lifetime,
        "{moved} < {}",
        before + lifetime
    );

    // Moved 30 seconds ago: a use writes nothing.
    let recent = now_ms() + lifetime - 30_000;
    set_expires_at(&t, &t.admin_token, recent).await;
    assert_eq!(t.get("/api/v1/auth/me").await.status, StatusCode::OK);
    assert_eq!(expires_at(&t, &t.admin_token).await, recent);
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere() {
    let t = TestApp::start().await;
    let body = |password: &str| json!({"email": ADMIN_EMAIL, "password": password});
    let started = std::time::Instant::now();
    let mut throttled = None;
    for attempt in 1..=40 {
        let response = post_from(&t, "198.51.100.7", "/api/v1/auth/token", body("guess")).await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(attempt);
            assert!(response.headers.contains_key("retry-after"));
            break;
        }
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    // Ten tries a minute per account and address: the 11th is refused, or a later one
    // if the attempts took long enough for tries to come back (one every 6 s).
    let elapsed = started.elapsed().as_secs();
    let refused = throttled.expect("wrong passwords were never throttled");
    assert!(
        (11..=11 + elapsed / 6 + 1).contains(&refused),
        "refused at {refused}"
    );
    if elapsed < 5 {
        let right_from_attacker = post_from(
            &t,
            "198.51.100.7",
            "/api/v1/auth/token",
            body(ADMIN_PASSWORD),
        )
        .await;
        assert_eq!(right_from_attacker.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let owner = post_from(
        &t,
        "203.0.113.20",
        "/api/v1/auth/token",
        body(ADMIN_PASSWORD),
    )
    .await;
    assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.body);
}

#[tokio::test]
async fn one_address_cannot_spray_passwords_across_many_accounts() {
    let t = TestApp::start().await;
    let started = std::time::Instant::now();
    let mut refused_at = None;
    for n in 1..=200 {
        let response = post_from(
            &t,
            "198.51.100.8",
            "/api/v1/portal/token",
            json!({"email": format!("user{n}@example.org"), "password": "Summer2026!"}),
        )
        .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(n);
            break;
        }
    }
    // Sixty tries a minute per address: the 61st is refused, or a later one if the
    // attempts took long enough for tries to come back (one a second).
    let elapsed = started.elapsed().as_secs();
    let refused = refused_at.expect("spraying was never throttled");
    assert!(
        (61..=61 + elapsed + 1).contains(&refused),
        "refused at {refused}"
    );
    let elsewhere = post_from(
        &t,
        "203.0.113.21",
        "/api/v1/auth/token",
        json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::CREATED);
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let t = TestApp::start().await;
    let register = |n: usize| json!({"name": format!("User {n}"), "email": format!("user{n}@example.org"), "password": "a good password"});
    for n in 0..10 {
        let response = post_from(&t, "198.51.100.9", "/api/v1/portal/register", register(n)).await;
        assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    }
    let refused = post_from(&t, "198.51.100.9", "/api/v1/portal/register", register(10)).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(
        t.db.number(
            "SELECT COUNT(*) FROM pending_registrations WHERE email = 'user10@example.org'"
        )
        .await,
        0,
        "a refusal records nothing"
    );
    let other = post_from(&t, "203.0.113.22", "/api/v1/portal/register", register(10)).await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn usergroup_administration_needs_an_admin() {
    let t = TestApp::start().await;
    let bob = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let group = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "VIP", "permissions": []}),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    let group = group.id();
    let org = t.org("Acme", None).await;
    let user = t
        .user_id(json!({"name": "Pat", "email": "pat@example.org"}))
        .await;
    for (method, path) in [
        (
            Method::PUT,
            format!("/api/v1/usergroups/{group}/members/{user}"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/usergroups/{group}/members/{user}"),
        ),
        (
            Method::PUT,
            format!("/api/v1/organizations/{org}/usergroups/{group}"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/organizations/{org}/usergroups/{group}"),
        ),
    ] {
        let response = t.send(method.clone(), &path, Some(&bob), None, &[]).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    let members = t.get(&format!("/api/v1/usergroups/{group}/members")).await;
    assert!(members.body["data"].as_array().unwrap().is_empty());
    let added = t
        .put_empty(&format!("/api/v1/usergroups/{group}/members/{user}"))
        .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn an_admin_sets_an_agents_password_and_their_sessions_end() {
    let t = TestApp::start().await;
    let token = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let bob = agent_id(&t, &token).await;
    let path = format!("/api/v1/agents/{bob}");

    let short = t.patch(&path, json!({"password": "short"})).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.get_as(&token, "/api/v1/auth/me").await.status,
        StatusCode::OK
    );

    let not_admin = t
        .send(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"password": "bob chooses"})),
            &[],
        )
        .await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);

    let set = t.patch(&path, json!({"password": "a new password"})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(
        t.get_as(&token, "/api/v1/auth/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the old session ended"
    );
    let old = sign_in(
        &t,
        "/api/v1/auth/token",
        "bob@helpdesk.test",
        "bob password",
    )
    .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = sign_in(
        &t,
        "/api/v1/auth/token",
        "bob@helpdesk.test",
        "a new password",
    )
    .await;
    assert_eq!(new.status, StatusCode::CREATED, "{}", new.body);
}
