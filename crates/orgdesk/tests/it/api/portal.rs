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

async fn register(
    t: &TestApp,
    name: &str,
    email: &str,
    password: &str,
) -> orgdesk_testkit::Response {
    t.send(
        Method::POST,
        "/api/v1/portal/register",
        None,
        Some(json!({"name": name, "email": email, "password": password})),
        &[],
    )
    .await
}

async fn confirm(t: &TestApp, token: &str) -> orgdesk_testkit::Response {
    t.send(
        Method::POST,
        "/api/v1/portal/confirm-registration",
        None,
        Some(json!({"token": token})),
        &[],
    )
    .await
}

#[tokio::test]
async fn a_registration_joins_by_domain_only_once_its_address_is_confirmed() {
    let t = TestApp::start().await;
    let globex = t
        .organization(json!({"name": "Globex", "domains": ["globex.com"]}))
        .await;
    let vip = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "VIP", "permissions": ["portal.chat"]}),
        )
        .await
        .id();
    t.put_empty(&format!("/api/v1/organizations/{globex}/usergroups/{vip}"))
        .await;

    let registered = register(&t, "Mallory", "mallory@globex.com", "mallory password").await;
    assert_eq!(
        registered.status,
        StatusCode::ACCEPTED,
        "{}",
        registered.body
    );
    let members = t
        .get(&format!("/api/v1/organizations/{globex}/members"))
        .await;
    assert!(members.names().is_empty(), "nobody joins before confirming");
    let unconfirmed = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "mallory@globex.com", "password": "mallory password"})),
            &[],
        )
        .await;
    assert_eq!(
        unconfirmed.status,
        StatusCode::UNAUTHORIZED,
        "no sign-in before"
    );
    let usergroup = t.get(&format!("/api/v1/usergroups/{vip}/members")).await;
    assert_eq!(usergroup.body["data"], json!([]));

    let token = t.mailed_token("mallory@globex.com", "registration").await;
    let confirmed = confirm(&t, &token).await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    assert_eq!(confirmed.body["organization_id"], globex);
    let usergroup = t.get(&format!("/api/v1/usergroups/{vip}/members")).await;
    assert_eq!(usergroup.body["data"][0]["via_organization"], true);
    let again = confirm(&t, &token).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.body["error"]["field"], "token");
}

#[tokio::test]
async fn registering_answers_alike_for_a_taken_address_and_tells_its_holder_instead() {
    let t = TestApp::start().await;
    t.portal_user("Jane", "jane@example.org", "jane password")
        .await;
    let taken = register(&t, "J", "JANE@example.org", "another one").await;
    let fresh = register(&t, "K", "k@example.org", "another one").await;
    assert_eq!(taken.status, StatusCode::ACCEPTED);
    assert_eq!(taken.body, fresh.body, "nothing tells the two apart");
    assert_eq!(
        t.db.number("SELECT COUNT(*) FROM outgoing_mail WHERE kind = 'account_exists' AND recipient = 'jane@example.org'")
            .await,
        1
    );
    let still = t
        .send(
            Method::POST,
            "/api/v1/portal/token",
            None,
            Some(json!({"email": "jane@example.org", "password": "jane password"})),
            &[],
        )
        .await;
    assert_eq!(
        still.status,
        StatusCode::CREATED,
        "the holder's password stays"
    );
}

#[tokio::test]
async fn a_newer_registration_replaces_the_older_link_and_an_expired_link_is_refused() {
    let t = TestApp::start().await;
    register(&t, "First", "pat@example.org", "first password").await;
    let first = t.mailed_token("pat@example.org", "registration").await;
    register(&t, "Second", "pat@example.org", "second password").await;
    let second = t.mailed_token("pat@example.org", "registration").await;
    assert_ne!(first, second);
    assert_eq!(
        confirm(&t, &first).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    t.db.execute("UPDATE pending_registrations SET expires_at = 1")
        .await;
    let expired = confirm(&t, &second).await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        expired.message().contains("expired"),
        "{}",
        expired.message()
    );
    assert_eq!(t.db.number("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn an_admin_can_switch_address_confirmation_off_and_registration_is_immediate() {
    let t = TestApp::start().await;
    assert_eq!(
        t.get("/api/v1/settings").await.body,
        json!({"verify_registrations": true})
    );
    let agent = t
        .agent_token("bo@helpdesk.test", "bo's long password", false)
        .await;
    let refused = t
        .send(
            Method::PATCH,
            "/api/v1/settings",
            Some(&agent),
            Some(json!({"verify_registrations": false})),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let off = t
        .patch("/api/v1/settings", json!({"verify_registrations": false}))
        .await;
    assert_eq!(off.body, json!({"verify_registrations": false}));
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let created = register(&t, "Ann", "ann@acme.com", "ann password").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["organization_id"], acme);
    let taken = register(&t, "Ann", "ann@acme.com", "ann password").await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "email_taken");
}

#[tokio::test]
async fn registration_refuses_weak_passwords() {
    let t = TestApp::start().await;
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

#[tokio::test]
async fn two_uses_of_one_registration_link_at_once_make_one_user() {
    let t = TestApp::start().await;
    register(&t, "Pat", "pat@example.org", "pat password").await;
    let token = t.mailed_token("pat@example.org", "registration").await;
    let (first, second) = tokio::join!(confirm(&t, &token), confirm(&t, &token));
    let mut statuses = vec![first.status, second.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        first.body,
        second.body
    );
    assert_eq!(t.db.number("SELECT COUNT(*) FROM users").await, 1);
}
