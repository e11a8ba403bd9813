//! Custom field values on organizations: typed validation, history, filters, and who
//! may view and edit each field.

use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

async fn define(t: &TestApp, body: Value) -> i64 {
    let response = t.post("/api/v1/organization-fields", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.id()
}

/// One field of each type.
async fn every_type(t: &TestApp) {
    for (key, field_type) in [
        ("motto", "text"),
        ("notes", "long_text"),
        ("seats", "number"),
        ("renewal", "date"),
        ("tier", "choice"),
        ("products", "multi_choice"),
        ("vip", "checkbox"),
        ("crm", "url"),
    ] {
        let choices = match field_type {
            "choice" => json!(["Gold", "Silver"]),
            "multi_choice" => json!(["Desk", "Chat", "Voice"]),
            _ => json!([]),
        };
        define(
            t,
            json!({"key": key, "label": key, "type": field_type, "choices": choices}),
        )
        .await;
    }
}

fn org_path(id: i64) -> String {
    format!("/api/v1/organizations/{id}")
}

#[tokio::test]
async fn values_of_every_type_are_stored_shown_and_cleared() {
    let t = TestApp::start().await;
    every_type(&t).await;
    let values = json!({
        "motto": "  Anvils for all  ",
        "notes": "Line one\nLine two",
        "seats": "12.50",
        "renewal": "2027-03-31",
        "tier": "gold",
        "products": ["Voice", "Desk"],
        "vip": false,
        "crm": "https://crm.example/acme",
    });
    let created = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Acme", "fields": values}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let expected = json!({
        "motto": "Anvils for all",
        "notes": "Line one\nLine two",
        "seats": 12.5,
        "renewal": "2027-03-31",
        "tier": "Gold",
        "products": ["Desk", "Voice"],
        "vip": false,
        "crm": "https://crm.example/acme",
    });
    assert_eq!(created.body["fields"], expected);
    let id = created.id();
    assert_eq!(t.get(&org_path(id)).await.body["fields"], expected);

    // Unset fields are left out; null and blank clear; keys not sent stay.
    let cleared = t
        .patch(
            &org_path(id),
            json!({"fields": {"motto": null, "notes": "", "products": []}}),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert_eq!(
        cleared.body["fields"],
        json!({"seats": 12.5, "renewal": "2027-03-31", "tier": "Gold", "vip": false, "crm": "https://crm.example/acme"})
    );
    assert_eq!(cleared.body["version"], 2);
    let plain = t.org("Plain", None).await;
    assert_eq!(t.get(&org_path(plain)).await.body["fields"], json!({}));
}

#[tokio::test]
async fn wrong_values_are_refused_naming_the_field_and_nothing_changes() {
    let t = TestApp::start().await;
    every_type(&t).await;
    let acme = t
        .organization(json!({"name": "Acme", "fields": {"seats": 3, "tier": "Gold"}}))
        .await;
    let before = t.get(&org_path(acme)).await.body;
    let cases = [
        (json!({"seats": "three"}), "fields.seats"),
        (json!({"seats": true}), "fields.seats"),
        (json!({"seats": "1234567890.1234567"}), "fields.seats"),
        (json!({"renewal": "31/03/2027"}), "fields.renewal"),
        (json!({"renewal": "2027-02-30"}), "fields.renewal"),
        (json!({"tier": "Platinum"}), "fields.tier"),
        (json!({"tier": ["Gold"]}), "fields.tier"),
        (json!({"products": ["Desk", "Fax"]}), "fields.products"),
        (json!({"products": "Desk"}), "fields.products"),
        (json!({"vip": "yes"}), "fields.vip"),
        (json!({"crm": "ftp://crm.example"}), "fields.crm"),
        (json!({"crm": "javascript:alert(1)"}), "fields.crm"),
        (json!({"motto": "two\nlines"}), "fields.motto"),
        (json!({"motto": "x".repeat(256)}), "fields.motto"),
        (json!({"colour": "red"}), "fields.colour"),
        // PostgreSQL refuses NUL in text: it must never reach it.
        (json!({"motto": "nul\u{0}byte"}), "fields.motto"),
        (json!({"notes": "bell\u{7}"}), "fields.notes"),
        (json!({"tier": "Gold\u{0}"}), "fields.tier"),
        // A good value beside a bad one: neither is written.
        (json!({"seats": 4, "tier": "Platinum"}), "fields.tier"),
    ];
    for (fields, named) in cases {
        let response = t
            .patch(&org_path(acme), json!({"fields": fields.clone()}))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields}: {}",
            response.body
        );
        assert_eq!(response.body["error"]["field"], named, "{fields}");
    }
    let refused_create = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Beta", "fields": {"seats": "many"}}),
        )
        .await;
    assert_eq!(refused_create.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get(&org_path(acme)).await.body, before);
    assert!(
        t.get("/api/v1/organizations?q=Beta")
            .await
            .names()
            .is_empty()
    );
}

#[tokio::test]
async fn every_value_change_goes_to_the_history_with_old_and_new() {
    let t = TestApp::start().await;
    every_type(&t).await;
    let acme = t
        .organization(json!({"name": "Acme", "fields": {"tier": "Gold"}}))
        .await;
    t.patch(
        &org_path(acme),
        json!({"fields": {"tier": "Silver", "seats": 10, "vip": true}}),
    )
    .await;
    // Sending the same values again records nothing.
    t.patch(&org_path(acme), json!({"fields": {"tier": "silver"}}))
        .await;
    t.patch(&org_path(acme), json!({"fields": {"tier": null}}))
        .await;
    let history = t.get(&format!("{}/history", org_path(acme))).await.body["data"].clone();
    let events = history.as_array().unwrap();
    assert_eq!(events.len(), 3, "{history}");
    assert_eq!(
        events[0]["changes"],
        json!([{"field": "fields.tier", "old": "Silver", "new": null}])
    );
    assert_eq!(
        events[1]["changes"],
        json!([
            {"field": "fields.seats", "old": null, "new": 10},
            {"field": "fields.tier", "old": "Gold", "new": "Silver"},
            {"field": "fields.vip", "old": null, "new": true},
        ])
    );
    let created = events[2]["changes"].as_array().unwrap();
    assert!(
        created.contains(&json!({"field": "fields.tier", "old": null, "new": "Gold"})),
        "{created:?}"
    );
}

#[tokio::test]
async fn organizations_are_listed_by_field_value() {
    let t = TestApp::start().await;
    every_type(&t).await;
    t.organization(json!({"name": "Acme", "fields": {"tier": "Gold", "products": ["Desk", "Chat"], "seats": 250, "motto": "Anvils"}}))
        .await;
    t.organization(json!({"name": "Beta", "fields": {"tier": "Silver", "products": ["Chat"], "seats": "250.00"}}))
        .await;
    t.organization(json!({"name": "Gamma", "fields": {"tier": "Gold", "vip": true}}))
        .await;
    t.org("Delta", None).await;
    let names = |query: &str| {
        let path = format!("/api/v1/organizations?{query}");
        let t = &t;
        async move { t.get(&path).await.names() }
    };
    assert_eq!(names("field.tier=gold").await, ["Acme", "Gamma"]);
    assert_eq!(names("field.products=chat").await, ["Acme", "Beta"]);
    assert_eq!(names("field.seats=250").await, ["Acme", "Beta"]);
    assert_eq!(names("field.motto=ANVILS").await, ["Acme"]);
    assert_eq!(names("field.vip=true").await, ["Gamma"]);
    assert_eq!(names("field.tier=gold&field.products=desk").await, ["Acme"]);
    assert_eq!(names("field.tier=gold&q=gam").await, ["Gamma"]);
    let page = t.get("/api/v1/organizations?field.tier=Gold&limit=1").await;
    assert_eq!(page.names(), ["Acme"]);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let next = t
        .get(&format!(
            "/api/v1/organizations?field.tier=Gold&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(next.names(), ["Gamma"]);
    for (query, named) in [
        ("field.colour=red", "field.colour"),
        ("field.tier=Platinum", "field.tier"),
        ("field.notes=x", "field.notes"),
        ("field.seats=many", "field.seats"),
        ("field.vip=yes", "field.vip"),
        ("field.motto=nul%00byte", "field.motto"),
    ] {
        let response = t.get(&format!("/api/v1/organizations?{query}")).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            response.body
        );
        assert_eq!(response.body["error"]["field"], named, "{query}");
    }
}

#[tokio::test]
async fn a_retired_field_is_hidden_everywhere_and_comes_back_when_restored() {
    let t = TestApp::start().await;
    let tier = define(&t, json!({"key": "tier", "label": "Tier", "type": "text"})).await;
    let acme = t
        .organization(json!({"name": "Acme", "fields": {"tier": "Gold"}}))
        .await;
    t.patch(&org_path(acme), json!({"fields": {"tier": "Silver"}}))
        .await;
    let field = format!("/api/v1/organization-fields/{tier}");
    t.patch(&field, json!({"retired": true})).await;

    assert_eq!(t.get(&org_path(acme)).await.body["fields"], json!({}));
    let history = t.get(&format!("{}/history", org_path(acme))).await.body;
    assert!(!history.to_string().contains("fields.tier"), "{history}");
    assert_eq!(history["data"].as_array().unwrap().len(), 1, "{history}");
    let write = t
        .patch(&org_path(acme), json!({"fields": {"tier": "Bronze"}}))
        .await;
    assert_eq!(write.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(write.message().contains("retired"), "{}", write.message());
    let filter = t.get("/api/v1/organizations?field.tier=silver").await;
    assert_eq!(filter.status, StatusCode::UNPROCESSABLE_ENTITY);

    t.patch(&field, json!({"retired": false})).await;
    assert_eq!(
        t.get(&org_path(acme)).await.body["fields"],
        json!({"tier": "Silver"})
    );
}

/// The agents of the permission checks.
struct Cast {
    chosen: String,
    other: String,
    chosen_id: i64,
}

async fn cast(t: &TestApp) -> Cast {
    let chosen = t
        .agent_token("chosen@example.com", "correct horse 1", false)
        .await;
    let other = t
        .agent_token("other@example.com", "correct horse 2", false)
        .await;
    let chosen_id = t.get_as(&chosen, "/api/v1/auth/me").await.id();
    Cast {
        chosen,
        other,
        chosen_id,
    }
}

/// Every combination of who may view and who may edit, each field holding "v".
const COMBINATIONS: [(&str, &str, &str); 6] = [
    ("agents_agents", "agents", "agents"),
    ("agents_admins", "agents", "admins"),
    ("agents_chosen", "agents", "chosen"),
    ("admins_admins", "admins", "admins"),
    ("chosen_chosen", "chosen", "chosen"),
    ("chosen_admins", "chosen", "admins"),
];

#[tokio::test]
async fn who_may_view_and_edit_each_field_is_enforced_for_every_reader() {
    let t = TestApp::start().await;
    let cast = cast(&t).await;
    for (key, view, edit) in COMBINATIONS {
        let chosen_for = |audience: &str| {
            if audience == "chosen" {
                json!([cast.chosen_id])
            } else {
                json!([])
            }
        };
        define(
            &t,
            json!({"key": key, "label": key, "type": "text", "view": view, "edit": edit,
                   "viewer_agent_ids": chosen_for(view), "editor_agent_ids": chosen_for(edit),
                   "portal_visible": key == "agents_agents" || key == "admins_admins"}),
        )
        .await;
    }
    let all: serde_json::Map<String, Value> = COMBINATIONS
        .iter()
        .map(|(key, _, _)| (key.to_string(), json!("v")))
        .collect();
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.example"], "fields": all}))
        .await;
    // Registered after the domain exists: Mo joins Acme, Oz joins nothing.
    let (_, member) = t
        .portal_user("Mo Member", "mo@acme.example", "correct horse 3")
        .await;
    let (_, outsider) = t
        .portal_user("Oz Outsider", "oz@elsewhere.example", "correct horse 4")
        .await;
    t.patch(&org_path(acme), json!({"fields": {"agents_agents": "w"}}))
        .await;

    let admin = t.admin_token.clone();
    let readers = [
        (
            "admin",
            &admin,
            vec![
                "agents_agents",
                "agents_admins",
                "agents_chosen",
                "admins_admins",
                "chosen_chosen",
                "chosen_admins",
            ],
            vec![
                "agents_agents",
                "agents_admins",
                "agents_chosen",
                "admins_admins",
                "chosen_chosen",
                "chosen_admins",
            ],
        ),
        (
            "chosen agent",
            &cast.chosen,
            vec![
                "agents_agents",
                "agents_admins",
                "agents_chosen",
                "chosen_chosen",
                "chosen_admins",
            ],
            vec!["agents_agents", "agents_chosen", "chosen_chosen"],
        ),
        (
            "other agent",
            &cast.other,
            vec!["agents_agents", "agents_admins", "agents_chosen"],
            vec!["agents_agents"],
        ),
    ];
    for (who, token, viewable, editable) in &readers {
        let shown = |body: &Value| -> Vec<String> {
            let mut keys: Vec<String> = body["fields"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        let mut expected: Vec<String> = viewable.iter().map(|k| k.to_string()).collect();
        expected.sort();
        let read = t.get_as(token, &org_path(acme)).await;
        assert_eq!(shown(&read.body), expected, "{who}: organization read");
        let listed = t.get_as(token, "/api/v1/organizations?q=acme").await;
        assert_eq!(shown(&listed.body["data"][0]), expected, "{who}: list");
        let history = t
            .get_as(token, &format!("{}/history", org_path(acme)))
            .await;
        let activity = t
            .get_as(token, &format!("{}/activity", org_path(acme)))
            .await;
        for (name, events) in [("history", &history.body), ("activity", &activity.body)] {
            let mentioned: std::collections::BTreeSet<String> = events["data"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|event| event["changes"].as_array().unwrap().clone())
                .filter_map(|change| {
                    change["field"]
                        .as_str()
                        .and_then(|f| f.strip_prefix("fields."))
                        .map(str::to_owned)
                })
                .collect();
            let expected: std::collections::BTreeSet<String> =
                viewable.iter().map(|k| k.to_string()).collect();
            assert_eq!(mentioned, expected, "{who}: {name}");
        }
        let definitions = t.get_as(token, "/api/v1/organization-fields").await;
        let defined: Vec<String> = definitions.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_owned())
            .collect();
        let mut defined_sorted = defined.clone();
        defined_sorted.sort();
        assert_eq!(defined_sorted, expected, "{who}: definitions");
        for (key, _, _) in COMBINATIONS {
            let response = t
                .patch_as(
                    token,
                    &org_path(acme),
                    json!({"fields": {key: format!("by {who}")}}),
                )
                .await;
            if editable.contains(&key) {
                assert_eq!(
                    response.status,
                    StatusCode::OK,
                    "{who} edits {key}: {}",
                    response.body
                );
            } else {
                assert_eq!(response.status, StatusCode::FORBIDDEN, "{who} edits {key}");
                assert_eq!(response.code(), "field_not_editable");
                assert_eq!(response.body["error"]["field"], format!("fields.{key}"));
            }
        }
        let filter = t
            .get_as(token, "/api/v1/organizations?field.admins_admins=v")
            .await;
        if viewable.contains(&"admins_admins") {
            assert_eq!(filter.status, StatusCode::OK, "{who}");
        } else {
            assert_eq!(filter.status, StatusCode::UNPROCESSABLE_ENTITY, "{who}");
        }
    }

    // A PATCH mixing a field the agent may edit with one they may not changes nothing.
    let before = t.get(&org_path(acme)).await.body;
    let mixed = t
        .patch_as(
            &cast.other,
            &org_path(acme),
            json!({"name": "Acme Renamed", "fields": {"agents_agents": "mixed", "agents_admins": "mixed"}}),
        )
        .await;
    assert_eq!(mixed.status, StatusCode::FORBIDDEN);
    assert_eq!(mixed.body["error"]["field"], "fields.agents_admins");
    assert_eq!(t.get(&org_path(acme)).await.body, before);

    // Members see the fields marked for them; people outside see no organization.
    let portal = t.get_as(&member, "/api/v1/portal/organization").await;
    assert_eq!(portal.status, StatusCode::OK, "{}", portal.body);
    assert_eq!(portal.body["name"], "Acme");
    let mut member_keys: Vec<&String> = portal.body["fields"].as_object().unwrap().keys().collect();
    member_keys.sort();
    assert_eq!(member_keys, ["admins_admins", "agents_agents"]);
    let outside = t.get_as(&outsider, "/api/v1/portal/organization").await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    for token in [&member, &outsider] {
        let agent_route = t.get_as(token, &org_path(acme)).await;
        assert_eq!(agent_route.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn creating_with_a_field_the_agent_may_not_edit_creates_nothing() {
    let t = TestApp::start().await;
    define(
        &t,
        json!({"key": "credit", "label": "Credit", "type": "number", "edit": "admins"}),
    )
    .await;
    let agent = t
        .agent_token("sam@example.com", "correct horse 1", false)
        .await;
    let refused = t
        .post_as(
            &agent,
            "/api/v1/organizations",
            json!({"name": "Acme", "fields": {"credit": 100}}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.code(), "field_not_editable");
    assert!(t.get("/api/v1/organizations").await.names().is_empty());
    let allowed = t
        .post_as(&agent, "/api/v1/organizations", json!({"name": "Acme"}))
        .await;
    assert_eq!(allowed.status, StatusCode::CREATED);
}
