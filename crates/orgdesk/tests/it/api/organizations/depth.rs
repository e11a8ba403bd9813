//! Every walk of the hierarchy is bounded at `MAX_DEPTH` levels: no write may nest
//! deeper, and a cycle stored behind the application's back never hangs a request; a
//! chain that reaches the bound is refused, not trusted.

use axum::http::StatusCode;
use orgdesk_app::core::hierarchy::MAX_DEPTH;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn organizations_nest_down_to_the_deepest_level_and_no_further() {
    let t = TestApp::start().await;
    let root = t.org("Level 0", None).await;
    let mut parent = root;
    for level in 1..=MAX_DEPTH {
        parent = t.org(&format!("Level {level}"), Some(parent)).await;
    }
    let deepest = parent;

    let too_deep = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Too deep", "parent_id": deepest}),
        )
        .await;
    assert_eq!(too_deep.status, StatusCode::CONFLICT, "{}", too_deep.body);
    assert_eq!(too_deep.code(), "hierarchy_too_deep");

    // Moving a subtree of two levels under level MAX_DEPTH - 1 would push its leaf past.
    let top = t.org("Top", None).await;
    t.org("Below top", Some(top)).await;
    let moved = t
        .patch(
            &format!("/api/v1/organizations/{top}"),
            json!({"parent_id": deepest}),
        )
        .await;
    assert_eq!(moved.code(), "hierarchy_too_deep", "{}", moved.body);
    let under_child = t
        .post(
            &format!("/api/v1/organizations/{deepest}/children"),
            json!({"organization_id": top}),
        )
        .await;
    assert_eq!(
        under_child.code(),
        "hierarchy_too_deep",
        "{}",
        under_child.body
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{top}")).await.body["parent_id"],
        json!(null),
        "a refusal changes nothing"
    );

    // The whole chain is still walked exactly: nothing is cut at the bound.
    let ancestors = t
        .get_all(&format!(
            "/api/v1/organizations/{deepest}/ancestors?limit=500"
        ))
        .await;
    assert_eq!(ancestors.len(), MAX_DEPTH);
    assert_eq!(ancestors.last().unwrap()["id"], root, "the root comes last");
    let below = t
        .get(&format!(
            "/api/v1/organizations/{root}/descendants?limit=500"
        ))
        .await;
    assert_eq!(below.status, StatusCode::OK);
    assert!(below.body["next_cursor"].is_string());
}

#[tokio::test]
async fn a_stored_cycle_never_hangs_a_request_and_nothing_can_be_placed_under_it() {
    let t = TestApp::start().await;
    let a = t.org("A", None).await;
    let b = t.org("B", Some(a)).await;
    let outsider = t.org("Outsider", None).await;
    // Only a hand-edited database can hold a cycle: every write refuses one.
    let changed =
        t.db.execute(&format!(
            "UPDATE organizations SET parent_id = {b} WHERE id = {a}"
        ))
        .await;
    assert_eq!(changed, 1);

    let ancestors = t.get(&format!("/api/v1/organizations/{a}/ancestors")).await;
    assert_eq!(ancestors.status, StatusCode::OK);
    assert_eq!(
        ancestors.names(),
        ["B"],
        "listed up to where it would repeat"
    );
    for path in [
        format!("/api/v1/organizations/{a}/descendants"),
        format!("/api/v1/organizations/{a}/tickets?include_descendants=true"),
        format!("/api/v1/organizations/{a}/child-candidates?q=Out"),
    ] {
        assert_eq!(t.get(&path).await.status, StatusCode::OK, "{path}");
    }

    let placed = t
        .patch(
            &format!("/api/v1/organizations/{outsider}"),
            json!({"parent_id": a}),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CONFLICT, "{}", placed.body);
    assert_eq!(placed.code(), "hierarchy_too_deep");
    let created = t
        .post(
            "/api/v1/organizations",
            json!({"name": "New", "parent_id": b}),
        )
        .await;
    assert_eq!(created.code(), "hierarchy_too_deep", "{}", created.body);
}
