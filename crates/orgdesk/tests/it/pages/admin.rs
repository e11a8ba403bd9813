//! Admin pages: usergroups (permissions from the catalogue, direct members) and agents
//! (create, disable, enable); agents who are not admins are refused.

use super::{Browser, csrf, html};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn an_admin_defines_a_usergroup_with_permissions_and_direct_members() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    t.user(json!({"name": "Ann", "email": "ann@acme.com", "organization_id": acme}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let list = browser.get("/agent/admin/usergroups").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(html(&list).contains(r#"value="portal.kb""#));
    let created = browser
        .post_form(
            "/agent/admin/usergroups",
            &[
                ("csrf", &csrf(&list)),
                ("name", "VIP"),
                ("permissions", "portal.tickets"),
                ("permissions", "portal.kb"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = browser.follow(&created).await;
    assert!(html(&page).contains("Usergroup VIP created."));
    let groups = t.get("/api/v1/usergroups").await;
    let vip = groups.body["data"][0]["id"].as_i64().unwrap();
    assert_eq!(
        groups.body["data"][0]["permissions"],
        json!(["portal.tickets", "portal.kb"])
    );

    let edited = browser
        .post_form(
            &format!("/agent/admin/usergroups/{vip}/edit"),
            &[
                ("csrf", &csrf(&page)),
                ("name", "VIP customers"),
                ("permissions", "portal.news"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let stored = t.get(&format!("/api/v1/usergroups/{vip}")).await;
    assert_eq!(stored.body["name"], "VIP customers");
    assert_eq!(stored.body["permissions"], json!(["portal.news"]));
    let bad = browser
        .post_form(
            &format!("/agent/admin/usergroups/{vip}/edit"),
            &[
                ("csrf", &csrf(&page)),
                ("name", "VIP"),
                ("permissions", "portal.everything"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let added = browser
        .post_form(
            &format!("/agent/admin/usergroups/{vip}/members"),
            &[("csrf", &csrf(&page)), ("email", "ann@acme.com")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = browser.follow(&added).await;
    assert!(html(&page).contains("Ann is now a direct member."));
    assert!(html(&page).contains(r#"<span class="badge">direct</span>"#));
    let ann = t.get("/api/v1/users?q=ann").await.body["data"][0]["id"]
        .as_i64()
        .unwrap();
    let removed = browser
        .post_form(
            &format!("/agent/admin/usergroups/{vip}/members/{ann}/remove"),
            &[("csrf", &csrf(&page))],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let members = t.get(&format!("/api/v1/usergroups/{vip}/members")).await;
    assert!(members.names().is_empty());
}

#[tokio::test]
async fn an_admin_creates_and_disables_an_agent_whose_session_then_ends() {
    let t = TestApp::start().await;
    let mut admin = Browser::signed_in(&t).await;
    let list = admin.get("/agent/admin/agents").await;
    let created = admin
        .post_form(
            "/agent/admin/agents",
            &[
                ("csrf", &csrf(&list)),
                ("name", "Ben"),
                ("email", "ben@helpdesk.test"),
                ("password", "ben's password"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert!(
        html(&admin.follow(&created).await).contains("Ben can now sign in as ben@helpdesk.test.")
    );

    let mut ben = Browser::new(&t);
    let signed_in = ben
        .post_form(
            "/agent/sign-in",
            &[
                ("email", "ben@helpdesk.test"),
                ("password", "ben's password"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let refused = ben.get("/agent/admin/agents").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(html(&refused).contains("Only admins"));
    let home = ben.get("/agent/organizations").await;
    assert!(
        !html(&home).contains(r#"href="/agent/admin""#),
        "no Admin link"
    );

    let ben_id = t.get("/api/v1/agents").await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "ben@helpdesk.test")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let list = admin.get("/agent/admin/agents").await;
    let disabled = admin
        .post_form(
            &format!("/agent/admin/agents/{ben_id}/switch"),
            &[("csrf", &csrf(&list)), ("action", "disable")],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert!(
        html(&admin.follow(&disabled).await).contains("Ben is disabled and signed out everywhere.")
    );
    let after = ben.get("/agent/organizations").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "Ben's session ended");

    let short = admin
        .post_form(
            "/agent/admin/agents",
            &[
                ("csrf", &csrf(&list)),
                ("name", "Cy"),
                ("email", "cy@helpdesk.test"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&short).contains(r#"value="cy@helpdesk.test""#));
    assert!(
        !html(&short).contains("short\""),
        "the password is not sent back"
    );
}

#[tokio::test]
async fn an_admin_switches_address_confirmation_for_registrations_and_agents_cannot() {
    let t = TestApp::start().await;
    let mut admin = Browser::signed_in(&t).await;
    let settings = admin.get("/agent/admin/settings").await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(html(&settings).contains(r#"name="verify_registrations" value="on" checked"#));
    // An unticked checkbox sends nothing: confirmation goes off.
    let off = admin
        .post_form("/agent/admin/settings", &[("csrf", &csrf(&settings))])
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.body);
    let shown = admin.follow(&off).await;
    assert!(html(&shown).contains("Portal registrations make accounts at once"));
    assert!(html(&shown).contains(r#"name="verify_registrations" value="on">"#));
    assert_eq!(
        t.get("/api/v1/settings").await.body,
        json!({"verify_registrations": false})
    );
    let on = admin
        .post_form(
            "/agent/admin/settings",
            &[("csrf", &csrf(&shown)), ("verify_registrations", "on")],
        )
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get("/api/v1/settings").await.body,
        json!({"verify_registrations": true})
    );

    t.agent_token("bo@helpdesk.test", "bo's long password", false)
        .await;
    let mut bo = Browser::new(&t);
    bo.post_form(
        "/agent/sign-in",
        &[
            ("email", "bo@helpdesk.test"),
            ("password", "bo's long password"),
        ],
    )
    .await;
    let refused = bo.get("/agent/admin/settings").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = bo.get("/agent/organizations").await;
    let forged = bo
        .post_form("/agent/admin/settings", &[("csrf", &csrf(&page))])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get("/api/v1/settings").await.body,
        json!({"verify_registrations": true})
    );
}
