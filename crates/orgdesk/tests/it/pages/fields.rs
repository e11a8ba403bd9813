//! Custom fields in the pages: the profile's Properties section and its form, the
//! admin's Fields page, and the portal's "Your organization".

use super::{Browser, csrf, html};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

async fn define(t: &TestApp, body: Value) -> i64 {
    let response = t.post("/api/v1/organization-fields", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.id()
}

/// The `version` hidden in the properties form.
fn properties_version(page: &str) -> String {
    let form = &page[page.find("/properties\"").expect("a properties form")..];
    let at = form.find(r#"name="version" value=""#).unwrap() + r#"name="version" value=""#.len();
    form[at..at + form[at..].find('"').unwrap()].to_owned()
}

async fn sign_in_as<'a>(t: &'a TestApp, email: &str, password: &str) -> Browser<'a> {
    let mut browser = Browser::new(t);
    let signed = browser
        .post_form(
            "/agent/sign-in",
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    browser
}

#[tokio::test]
async fn the_profile_shows_set_properties_and_edits_the_ones_the_agent_may() {
    let t = TestApp::start().await;
    define(
        &t,
        json!({"key": "tier", "label": "Support tier", "type": "choice", "choices": ["Gold", "Silver"]}),
    )
    .await;
    define(
        &t,
        json!({"key": "products", "label": "Products", "type": "multi_choice", "choices": ["Desk", "Chat"]}),
    )
    .await;
    define(
        &t,
        json!({"key": "vip", "label": "VIP", "type": "checkbox"}),
    )
    .await;
    define(
        &t,
        json!({"key": "seats", "label": "Seats", "type": "number"}),
    )
    .await;
    define(
        &t,
        json!({"key": "credit", "label": "Credit limit", "type": "number", "edit": "admins"}),
    )
    .await;
    define(
        &t,
        json!({"key": "secret", "label": "Secret code", "type": "text", "view": "admins"}),
    )
    .await;
    let acme = t
        .organization(
            json!({"name": "Acme", "fields": {"tier": "Gold", "credit": 500, "secret": "xyzzy"}}),
        )
        .await;
    t.agent_token("sam@example.com", "correct horse 1", false)
        .await;
    let mut browser = sign_in_as(&t, "sam@example.com", "correct horse 1").await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    let text = html(&profile);
    assert!(text.contains("Support tier") && text.contains("Gold"));
    assert!(text.contains("Credit limit") && text.contains("500"));
    assert!(!text.contains("Secret code") && !text.contains("xyzzy"));
    // Unset fields are offered in the form, not shown; view-only ones are not offered.
    assert!(text.contains(r#"name="field.seats""#));
    assert!(text.contains(r#"name="field.products""#));
    assert!(!text.contains(r#"name="field.credit""#));
    assert!(!text.contains("Seats</dt>"));

    let version = properties_version(text);
    let saved = browser
        .post_form(
            &format!("/agent/organizations/{acme}/properties"),
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("field.tier", "Silver"),
                ("present.products", "1"),
                ("field.products", "Chat"),
                ("field.products", "Desk"),
                ("field.vip", "false"),
                ("field.seats", "12.5"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = browser.follow(&saved).await;
    assert!(html(&after).contains("The properties of Acme are saved."));
    let stored = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(
        stored.body["fields"],
        json!({"tier": "Silver", "products": ["Desk", "Chat"], "vip": false, "seats": 12.5, "credit": 500, "secret": "xyzzy"})
    );

    let history = browser
        .get(&format!("/agent/organizations/{acme}/history"))
        .await;
    assert!(
        html(&history).contains("Support tier: “Gold” → “Silver”"),
        "{}",
        html(&history)
    );
    assert!(!html(&history).contains("Secret code"));

    // Clearing: an empty menu and no ticked box.
    let version = properties_version(html(&after));
    let cleared = browser
        .post_form(
            &format!("/agent/organizations/{acme}/properties"),
            &[
                ("csrf", &csrf(&after)),
                ("version", &version),
                ("field.tier", ""),
                ("present.products", "1"),
            ],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{}", cleared.body);
    let stored = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(stored.body["fields"].get("tier"), None);
    assert_eq!(stored.body["fields"].get("products"), None);
}

#[tokio::test]
async fn a_refused_or_stale_properties_form_keeps_what_was_typed() {
    let t = TestApp::start().await;
    define(
        &t,
        json!({"key": "seats", "label": "Seats", "type": "number"}),
    )
    .await;
    define(
        &t,
        json!({"key": "motto", "label": "Motto", "type": "text"}),
    )
    .await;
    let acme = t.org("Acme", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    let version = properties_version(html(&profile));
    let path = format!("/agent/organizations/{acme}/properties");
    let refused = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("field.seats", "a dozen"),
                ("field.motto", "Anvils"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    assert!(text.contains("Seats: must be a decimal number"), "{text}");
    assert!(text.contains(r#"value="a dozen""#) && text.contains(r#"value="Anvils""#));
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["fields"],
        json!({})
    );

    // Someone else changes the organization meanwhile: explained, typed values kept.
    t.patch(
        &format!("/api/v1/organizations/{acme}"),
        json!({"summary": "Changed elsewhere"}),
    )
    .await;
    let stale = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("field.seats", "12"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(html(&stale).contains("Someone changed this organization after you opened it"));
    assert!(html(&stale).contains(r#"value="12""#));
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["fields"],
        json!({})
    );
}

#[tokio::test]
async fn an_admin_defines_orders_retires_and_restores_fields_in_the_admin_page() {
    let t = TestApp::start().await;
    let sam = t
        .agent_token("sam@example.com", "correct horse 1", false)
        .await;
    let sam_id = t.get_as(&sam, "/api/v1/auth/me").await.id();
    define(
        &t,
        json!({"key": "motto", "label": "Motto", "type": "text"}),
    )
    .await;
    let mut browser = Browser::signed_in(&t).await;
    let list = browser.get("/agent/admin/fields").await;
    assert_eq!(list.status, StatusCode::OK);
    let sam_box = format!(r#"name="viewer_agent_ids" value="{sam_id}""#);
    assert!(html(&list).contains(&sam_box), "chosen agents are offered");
    let created = browser
        .post_form(
            "/agent/admin/fields",
            &[
                ("csrf", &csrf(&list)),
                ("label", "Support tier"),
                ("key", "tier"),
                ("type", "choice"),
                ("choices", "Gold\r\nSilver\r\n"),
                ("view", "chosen"),
                ("viewer_agent_ids", &sam_id.to_string()),
                ("edit", "admins"),
                ("portal_visible", "1"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = browser.follow(&created).await;
    assert!(html(&page).contains("Field Support tier added."));
    let fields = t.get("/api/v1/organization-fields").await.body["data"].clone();
    let tier = &fields[1];
    assert_eq!(tier["choices"], json!(["Gold", "Silver"]));
    assert_eq!(tier["view"], "chosen");
    assert_eq!(tier["viewer_agent_ids"], json!([sam_id]));
    assert_eq!(tier["edit"], "admins");
    assert_eq!(tier["portal_visible"], true);
    let tier_id = tier["id"].as_i64().unwrap();

    let refused = browser
        .post_form(
            "/agent/admin/fields",
            &[
                ("csrf", &csrf(&page)),
                ("label", "Tier again"),
                ("key", "tier"),
                ("type", "text"),
                ("view", "agents"),
                ("edit", "agents"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(html(&refused).contains("already exists"));
    assert!(html(&refused).contains(r#"value="Tier again""#));

    let quick = format!("/agent/admin/fields/{tier_id}/quick");
    let moved = browser
        .post_form(&quick, &[("csrf", &csrf(&page)), ("position", "1")])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let keys: Vec<String> = t.get("/api/v1/organization-fields").await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["tier", "motto"]);
    browser
        .post_form(&quick, &[("csrf", &csrf(&page)), ("retired", "true")])
        .await;
    let listed = browser.get("/agent/admin/fields").await;
    assert!(html(&listed).contains("retired</span>"));
    assert!(html(&listed).contains("Restore"));
    browser
        .post_form(&quick, &[("csrf", &csrf(&page)), ("retired", "false")])
        .await;
    let field = t
        .get(&format!("/api/v1/organization-fields/{tier_id}"))
        .await;
    assert_eq!(field.body["retired"], false);

    // The field's page changes its label and retires a choice.
    let edit = browser.get(&format!("/agent/admin/fields/{tier_id}")).await;
    let version = field.body["version"].to_string();
    let saved = browser
        .post_form(
            &format!("/agent/admin/fields/{tier_id}"),
            &[
                ("csrf", &csrf(&edit)),
                ("version", &version),
                ("label", "Tier"),
                ("choices", "Gold"),
                ("retired_choices", "Silver"),
                ("view", "agents"),
                ("edit", "agents"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let field = t
        .get(&format!("/api/v1/organization-fields/{tier_id}"))
        .await;
    assert_eq!(field.body["label"], "Tier");
    assert_eq!(field.body["retired_choices"], json!(["Silver"]));
    assert_eq!(field.body["viewer_agent_ids"], json!([]));
    assert_eq!(field.body["portal_visible"], false);

    let mut sams = sign_in_as(&t, "sam@example.com", "correct horse 1").await;
    let forbidden = sams.get("/agent/admin/fields").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn members_see_the_fields_marked_for_them_in_the_portal() {
    let t = TestApp::start().await;
    define(
        &t,
        json!({"key": "plan", "label": "Your plan", "type": "text", "portal_visible": true}),
    )
    .await;
    define(
        &t,
        json!({"key": "risk", "label": "Churn risk", "type": "text"}),
    )
    .await;
    t.organization(json!({"name": "Acme", "domains": ["acme.example"], "fields": {"plan": "Premium", "risk": "High"}}))
        .await;
    t.portal_user("Mo", "mo@acme.example", "correct horse 3")
        .await;
    t.portal_user("Oz", "oz@elsewhere.example", "correct horse 4")
        .await;
    let mut mo = Browser::in_portal(&t, "mo@acme.example", "correct horse 3").await;
    let page = mo.get("/portal/organization").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = html(&page);
    assert!(text.contains("Acme") && text.contains("Your plan") && text.contains("Premium"));
    assert!(!text.contains("Churn risk") && !text.contains("High"));
    let mut oz = Browser::in_portal(&t, "oz@elsewhere.example", "correct horse 4").await;
    let tickets = oz.get("/portal/tickets").await;
    assert!(!html(&tickets).contains("Your organization"));
    let none = oz.get("/portal/organization").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}
