//! Defining custom organization fields: keys, types, choices, order, retirement.

use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

const FIELDS: &str = "/api/v1/organization-fields";

async fn define(t: &TestApp, body: Value) -> Value {
    let response = t.post(FIELDS, body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

async fn keys_in_order(t: &TestApp) -> Vec<String> {
    t.get(FIELDS).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["key"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_define_fields_and_other_agents_may_not() {
    let t = TestApp::start().await;
    let field = define(
        &t,
        json!({"key": "tier", "label": "Support tier", "type": "choice", "choices": ["Gold", "Silver"], "portal_visible": true}),
    )
    .await;
    assert_eq!(field["key"], "tier");
    assert_eq!(field["label"], "Support tier");
    assert_eq!(field["type"], "choice");
    assert_eq!(field["choices"], json!(["Gold", "Silver"]));
    assert_eq!(field["retired_choices"], json!([]));
    assert_eq!(field["view"], "agents");
    assert_eq!(field["edit"], "agents");
    assert_eq!(field["viewer_agent_ids"], json!([]));
    assert_eq!(field["portal_visible"], true);
    assert_eq!(field["position"], 1);
    assert_eq!(field["retired"], false);
    assert_eq!(field["version"], 1);

    let agent = t
        .agent_token("sam@example.com", "correct horse 1", false)
        .await;
    let refused = t
        .post_as(
            &agent,
            FIELDS,
            json!({"key": "x", "label": "X", "type": "text"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let change = t
        .patch_as(
            &agent,
            &format!("{FIELDS}/{}", field["id"]),
            json!({"label": "Mine"}),
        )
        .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    assert_eq!(keys_in_order(&t).await, ["tier"]);
}

#[tokio::test]
async fn keys_stay_unique_even_after_a_field_is_retired() {
    let t = TestApp::start().await;
    let field = define(&t, json!({"key": "tier", "label": "Tier", "type": "text"})).await;
    let again = t
        .post(
            FIELDS,
            json!({"key": "tier", "label": "Other", "type": "number"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "field_key_taken");
    let retired = t
        .patch(
            &format!("{FIELDS}/{}", field["id"]),
            json!({"retired": true}),
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.body);
    let again = t
        .post(
            FIELDS,
            json!({"key": "tier", "label": "Other", "type": "number"}),
        )
        .await;
    assert_eq!(again.code(), "field_key_taken");
    assert!(again.message().contains("retired"), "{}", again.message());
}

#[tokio::test]
async fn bad_definitions_are_refused_naming_the_input_and_nothing_is_stored() {
    let t = TestApp::start().await;
    let cases = [
        (
            json!({"key": "Tier", "label": "Tier", "type": "text"}),
            "key",
        ),
        (
            json!({"key": "2fast", "label": "Tier", "type": "text"}),
            "key",
        ),
        (
            json!({"key": "tier", "label": " ", "type": "text"}),
            "label",
        ),
        (
            json!({"key": "tier", "label": "Ti\u{0}er", "type": "text"}),
            "label",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "choice", "choices": ["Go\u{0}ld"]}),
            "choices",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "colour"}),
            "type",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "text", "choices": ["A"]}),
            "choices",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "choice"}),
            "choices",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "choice", "choices": ["Gold", "gold"]}),
            "choices",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "text", "view": "everyone"}),
            "view",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "text", "view": "admins", "edit": "agents"}),
            "edit",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "text", "view": "chosen", "viewer_agent_ids": [999]}),
            "viewer_agent_ids",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "text", "viewer_agent_ids": [1]}),
            "viewer_agent_ids",
        ),
        (
            json!({"key": "tier", "label": "Tier", "type": "text", "position": 0}),
            "position",
        ),
    ];
    for (body, field) in cases {
        let response = t.post(FIELDS, body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.body
        );
        assert_eq!(response.body["error"]["field"], field, "{body}");
    }
    let unknown = t
        .post(
            FIELDS,
            json!({"key": "tier", "label": "Tier", "type": "text", "colour": "red"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(keys_in_order(&t).await.is_empty());
}

#[tokio::test]
async fn a_field_keeps_its_key_and_type() {
    let t = TestApp::start().await;
    let field = define(&t, json!({"key": "tier", "label": "Tier", "type": "text"})).await;
    let path = format!("{FIELDS}/{}", field["id"]);
    let same = t
        .patch(
            &path,
            json!({"key": "tier", "type": "text", "label": "Level"}),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert_eq!(same.body["label"], "Level");
    for (body, named) in [
        (json!({"key": "level"}), "key"),
        (json!({"type": "number"}), "type"),
    ] {
        let refused = t.patch(&path, body).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.body["error"]["field"], named);
    }
    assert_eq!(t.get(&path).await.body["version"], 2);
}

#[tokio::test]
async fn fields_are_ordered_and_moving_one_shifts_the_others() {
    let t = TestApp::start().await;
    for key in ["a", "b", "c"] {
        define(&t, json!({"key": key, "label": key, "type": "text"})).await;
    }
    let first = define(
        &t,
        json!({"key": "d", "label": "D", "type": "text", "position": 1}),
    )
    .await;
    assert_eq!(first["position"], 1);
    assert_eq!(keys_in_order(&t).await, ["d", "a", "b", "c"]);
    let moved = t
        .patch(&format!("{FIELDS}/{}", first["id"]), json!({"position": 3}))
        .await;
    assert_eq!(moved.body["position"], 3);
    assert_eq!(keys_in_order(&t).await, ["a", "b", "d", "c"]);
    let positions: Vec<i64> = t.get(FIELDS).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3, 4]);
    let past_the_end = t
        .patch(
            &format!("{FIELDS}/{}", first["id"]),
            json!({"position": 99}),
        )
        .await;
    assert_eq!(past_the_end.body["position"], 4);
}

#[tokio::test]
async fn a_choice_organizations_hold_cannot_vanish_but_can_be_retired() {
    let t = TestApp::start().await;
    let field = define(
        &t,
        json!({"key": "tier", "label": "Tier", "type": "choice", "choices": ["Gold", "Silver", "Bronze"]}),
    )
    .await;
    let path = format!("{FIELDS}/{}", field["id"]);
    let acme = t
        .organization(json!({"name": "Acme", "fields": {"tier": "Silver"}}))
        .await;
    t.organization(json!({"name": "Beta", "fields": {"tier": "silver"}}))
        .await;

    let dropped = t.patch(&path, json!({"choices": ["Gold", "Bronze"]})).await;
    assert_eq!(dropped.status, StatusCode::CONFLICT, "{}", dropped.body);
    assert_eq!(dropped.code(), "choice_in_use");
    assert!(
        dropped
            .message()
            .starts_with("2 organizations hold \"Silver\""),
        "{}",
        dropped.message()
    );
    assert_eq!(
        t.get(&path).await.body["choices"],
        json!(["Gold", "Silver", "Bronze"])
    );

    // A choice nobody holds may go; a held one may be retired.
    let retired = t
        .patch(
            &path,
            json!({"choices": ["Gold"], "retired_choices": ["Silver"]}),
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.body);
    assert_eq!(retired.body["choices"], json!(["Gold"]));
    assert_eq!(retired.body["retired_choices"], json!(["Silver"]));

    let org = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(org.body["fields"]["tier"], "Silver");
    let newly = t.organization(json!({"name": "Gamma"})).await;
    let refused = t
        .patch(
            &format!("/api/v1/organizations/{newly}"),
            json!({"fields": {"tier": "Silver"}}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["error"]["field"], "fields.tier");
    let held = t
        .get("/api/v1/organizations?field.tier=silver")
        .await
        .names();
    assert_eq!(held, ["Acme", "Beta"]);
}

#[tokio::test]
async fn a_stale_version_is_refused() {
    let t = TestApp::start().await;
    let field = define(&t, json!({"key": "tier", "label": "Tier", "type": "text"})).await;
    let path = format!("{FIELDS}/{}", field["id"]);
    t.patch(&path, json!({"label": "One", "version": 1})).await;
    let stale = t.patch(&path, json!({"label": "Two", "version": 1})).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(t.get(&path).await.body["label"], "One");
}
