use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_page_without_a_session_leads_to_sign_in_and_back_to_the_page_asked_for() {
    let t = TestApp::start().await;
    let mut browser = Browser::new(&t);
    let asked = browser.get("/agent/organizations?q=Ac").await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&asked),
        "/agent/sign-in?next=%2Fagent%2Forganizations%3Fq%3DAc"
    );
    let form = browser.follow(&asked).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains(r#"value="/agent/organizations?q=Ac""#));

    let signed_in = browser
        .post_form(
            "/agent/sign-in",
            &[
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", "/agent/organizations?q=Ac"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/agent/organizations?q=Ac");
    let cookie = signed_in.headers["set-cookie"].to_str().unwrap();
    for attribute in ["orgdesk_agent=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "not configured for TLS");
    let page = browser.follow(&signed_in).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(html(&page).contains("Organizations"));
}

#[tokio::test]
async fn sign_in_never_leads_to_another_site() {
    let t = TestApp::start().await;
    for next in [
        "https://evil.example/",
        "//evil.example/agent",
        "/api/v1/agents",
    ] {
        let mut browser = Browser::new(&t);
        let signed_in = browser
            .post_form(
                "/agent/sign-in",
                &[
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(location(&signed_in), "/agent", "{next}");
    }
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_the_email_kept_and_no_session() {
    let t = TestApp::start().await;
    let mut browser = Browser::new(&t);
    let refused = browser
        .post_form(
            "/agent/sign-in",
            &[("email", ADMIN_EMAIL), ("password", "not the password")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(html(&refused).contains(&format!(r#"value="{ADMIN_EMAIL}""#)));
    assert!(html(&refused).contains("The email or password is not right."));
    assert!(browser.cookies.is_empty());
    assert_eq!(
        browser.get("/agent/organizations").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let t = TestApp::start().await;
    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get("/agent/organizations").await;
    let token = browser.cookies[0].1.clone();

    let forged = browser
        .post_form("/agent/sign-out", &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get("/agent/organizations").await.status,
        StatusCode::OK
    );

    let out = browser
        .post_form("/agent/sign-out", &[("csrf", &csrf(&page))])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let sign_in = browser.follow(&out).await;
    assert!(html(&sign_in).contains("You are signed out."));
    // The old cookie, replayed, opens nothing: the session ended on the server.
    let mut replay = Browser::new(&t);
    replay.cookies.push(("orgdesk_agent".into(), token));
    assert_eq!(
        replay.get("/agent/organizations").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_disabled_agents_session_ends_at_once() {
    let t = TestApp::start().await;
    let bob_token = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let mut bob = Browser::new(&t);
    let signed_in = bob
        .post_form(
            "/agent/sign-in",
            &[("email", "bob@helpdesk.test"), ("password", "bob password")],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(bob.get("/agent/organizations").await.status, StatusCode::OK);
    let bob_id = t.get_as(&bob_token, "/api/v1/auth/me").await.id();
    t.patch(
        &format!("/api/v1/agents/{bob_id}"),
        json!({"disabled": true}),
    )
    .await;
    assert_eq!(
        bob.get("/agent/organizations").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_no_inline_script() {
    let t = TestApp::start().await;
    let mut browser = Browser::signed_in(&t).await;
    for path in ["/agent/sign-in", "/agent/organizations"] {
        let page = browser.get(path).await;
        let policy = page.headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"));
        assert_eq!(page.headers["x-frame-options"], "DENY");
        assert_eq!(page.headers["referrer-policy"], "same-origin");
        let html = html(&page);
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=\"/assets/").count(),
            "only the app's own script files: {html}"
        );
    }
    let css = browser.get("/assets/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let js = browser.get("/assets/app.js").await;
    assert!(
        js.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        browser.get("/assets/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_address_of_the_server_leads_to_the_agent_app() {
    let t = TestApp::start().await;
    let mut browser = Browser::new(&t);
    let root = browser.get("/").await;
    assert!(root.status.is_redirection());
    assert_eq!(location(&root), "/agent");
    let agent = browser.follow(&root).await;
    assert_eq!(location(&agent), "/agent/organizations");
    let missing = Browser::signed_in(&t)
        .await
        .get("/agent/no-such-page")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(html(&missing).contains("Not found"));
}
