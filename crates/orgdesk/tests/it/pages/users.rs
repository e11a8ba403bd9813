//! Users in the agent app: the directory, creating a user (the page says where the user
//! landed and why) and a user's profile.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_new_user_page_says_which_organization_they_joined_and_why() {
    let t = TestApp::start().await;
    t.organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    t.org("Globex", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let directory = browser.get("/agent/users").await;
    assert_eq!(directory.status, StatusCode::OK);

    let by_domain = browser
        .post_form(
            "/agent/users",
            &[
                ("csrf", &csrf(&directory)),
                ("name", "Ann"),
                ("email", "ann@acme.com"),
            ],
        )
        .await;
    assert_eq!(
        by_domain.status,
        StatusCode::SEE_OTHER,
        "{}",
        by_domain.body
    );
    let profile = browser.follow(&by_domain).await;
    assert!(
        html(&profile)
            .contains("Ann was created and joined Acme: the email domain acme.com belongs to it.")
    );

    let chosen = browser
        .post_form(
            "/agent/users",
            &[
                ("csrf", &csrf(&directory)),
                ("name", "Bo"),
                ("email", "bo@acme.com"),
                ("organization", "globex"),
                ("position", "CTO"),
                ("manager", "on"),
            ],
        )
        .await;
    let profile = browser.follow(&chosen).await;
    let text = html(&profile);
    assert!(text.contains("Bo was created in Globex."));
    assert!(text.contains("CTO"));
    assert!(text.contains(r#"<span class="badge">Manager</span>"#));

    let nowhere = browser
        .post_form(
            "/agent/users",
            &[
                ("csrf", &csrf(&directory)),
                ("name", "Cy"),
                ("email", "cy@example.org"),
            ],
        )
        .await;
    assert!(
        html(&browser.follow(&nowhere).await).contains("Cy was created without an organization")
    );

    let taken = browser
        .post_form(
            "/agent/users",
            &[
                ("csrf", &csrf(&directory)),
                ("name", "Ann 2"),
                ("email", "ANN@acme.com"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(html(&taken).contains("already exists"));
    assert!(html(&taken).contains(r#"value="Ann 2""#));
    let unknown = browser
        .post_form(
            "/agent/users",
            &[
                ("csrf", &csrf(&directory)),
                ("name", "Di"),
                ("email", "di@example.org"),
                ("organization", "Nobody Inc"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&unknown).contains(r#"name="organization" value="Nobody Inc" aria-invalid="true""#)
    );
    let users = t.get("/api/v1/users?q=di").await;
    assert!(users.names().is_empty(), "nothing was created");
}

#[tokio::test]
async fn the_directory_finds_users_by_name_or_email_prefix() {
    let t = TestApp::start().await;
    t.user(json!({"name": "Ann Archer", "email": "ann@acme.com"}))
        .await;
    t.user(json!({"name": "Bo Baker", "email": "robert@example.org"}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let by_name = browser.get("/agent/users?q=bo").await;
    assert!(html(&by_name).contains("Bo Baker") && !html(&by_name).contains("Ann Archer"));
    let by_email = browser.get("/agent/users?q=ann%40acme").await;
    assert!(html(&by_email).contains("Ann Archer") && !html(&by_email).contains("Bo Baker"));
}

#[tokio::test]
async fn a_users_profile_shows_usergroups_with_their_source_and_their_tickets() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let ann = t
        .user_id(json!({"name": "Ann", "email": "ann@acme.com", "organization_id": acme}))
        .await;
    let vip = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "VIP", "permissions": ["portal.tickets"]}),
        )
        .await
        .id();
    let beta = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "Beta", "permissions": []}),
        )
        .await
        .id();
    t.put_empty(&format!("/api/v1/organizations/{acme}/usergroups/{vip}"))
        .await;
    t.put_empty(&format!("/api/v1/usergroups/{beta}/members/{ann}"))
        .await;
    let created = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": ann, "subject": "Printer jammed", "body": "Tray 2."}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/users/{ann}")).await;
    assert_eq!(profile.status, StatusCode::OK);
    let text = html(&profile);
    assert!(text.contains(&format!(
        r#"<a href="/agent/organizations/{acme}">Acme</a>"#
    )));
    assert!(text.contains(&format!(
        r#"<a href="/agent/admin/usergroups/{vip}">VIP</a> <span class="badge">via organization</span>"#
    )), "{text}");
    assert!(text.contains(&format!(
        r#"<a href="/agent/admin/usergroups/{beta}">Beta</a> <span class="badge">direct</span>"#
    )));
    assert!(text.contains("Printer jammed"));
    assert!(text.contains("/agent/tickets/new?requester=ann%40acme.com"));
    assert!(text.contains("<dt>Mail</dt><dd>gets mail about their tickets</dd>"));
    t.patch(
        &format!("/api/v1/users/{ann}"),
        json!({"notifications": false}),
    )
    .await;
    let quiet = browser.get(&format!("/agent/users/{ann}")).await;
    assert!(html(&quiet).contains("<dt>Mail</dt><dd>turned notifications off</dd>"));
    let missing = browser.get("/agent/users/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let _ = location;
}
