//! The profile's Entitlements section: add, refuse with what was typed, change, remove
//! after a confirmation step; the portal lists the active ones.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn an_agent_adds_changes_and_removes_entitlements_on_the_profile() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.example"]}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    assert!(html(&profile).contains("No entitlements."));
    let add = format!("/agent/organizations/{acme}/entitlements");

    let refused = browser
        .post_form(
            &add,
            &[
                ("csrf", &csrf(&profile)),
                ("name", "Premium support"),
                ("starts_on", "2026-12-31"),
                ("ends_on", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&refused).contains("Last day: must not be before the first day"),
        "{}",
        html(&refused)
    );
    assert!(html(&refused).contains(r#"value="Premium support""#));

    let added = browser
        .post_form(
            &add,
            &[
                ("csrf", &csrf(&profile)),
                ("name", "Premium support"),
                ("starts_on", "2020-01-01"),
                ("ends_on", ""),
                ("notes", "Phone line"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let shown = browser.follow(&added).await;
    let text = html(&shown);
    assert!(text.contains("Entitlement Premium support added."));
    assert!(text.contains("from 2020-01-01") && text.contains(">active</span>"));
    let list = t
        .get(&format!("/api/v1/organizations/{acme}/entitlements"))
        .await;
    let id = list.body["data"][0]["id"].as_i64().unwrap();
    assert_eq!(list.body["data"][0]["notes"], "Phone line");

    let changed = browser
        .post_form(
            &format!("/agent/entitlements/{id}/edit"),
            &[
                ("csrf", &csrf(&shown)),
                ("version", "1"),
                ("name", "Premium support"),
                ("starts_on", "2020-01-01"),
                ("ends_on", "2020-12-31"),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let after = browser.follow(&changed).await;
    assert!(html(&after).contains("2020-01-01 – 2020-12-31"));
    assert!(html(&after).contains(">expired</span>"));
    let stale = browser
        .post_form(
            &format!("/agent/entitlements/{id}/edit"),
            &[
                ("csrf", &csrf(&shown)),
                ("version", "1"),
                ("name", "Lost change"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(html(&stale).contains("Someone changed this entitlement"));
    assert!(html(&stale).contains(r#"value="Lost change""#));

    let confirm = browser
        .get(&format!("/agent/entitlements/{id}/remove"))
        .await;
    assert!(html(&confirm).contains("Remove the entitlement Premium support?"));
    let removed = browser
        .post_form(
            &format!("/agent/entitlements/{id}/remove"),
            &[("csrf", &csrf(&confirm))],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(location(&removed).starts_with(&format!("/agent/organizations/{acme}")));
    let list = t
        .get(&format!("/api/v1/organizations/{acme}/entitlements"))
        .await;
    assert_eq!(list.body["data"], json!([]));
    let history = browser
        .get(&format!("/agent/organizations/{acme}/history"))
        .await;
    assert!(html(&history).contains("removed an entitlement"));
    assert!(html(&history).contains("“Premium support” (2020-01-01 – 2020-12-31)"));
}

#[tokio::test]
async fn the_portal_lists_what_the_organization_has_access_to_today() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.example"]}))
        .await;
    for body in [
        json!({"name": "Premium support", "ends_on": "2099-12-31"}),
        json!({"name": "Old plan", "ends_on": "2020-01-01"}),
    ] {
        t.post(&format!("/api/v1/organizations/{acme}/entitlements"), body)
            .await;
    }
    t.portal_user("Mo", "mo@acme.example", "correct horse 3")
        .await;
    let mut mo = Browser::in_portal(&t, "mo@acme.example", "correct horse 3").await;
    let page = mo.get("/portal/organization").await;
    let text = html(&page);
    assert!(text.contains("Premium support") && text.contains("until 2099-12-31"));
    assert!(!text.contains("Old plan"));
}
