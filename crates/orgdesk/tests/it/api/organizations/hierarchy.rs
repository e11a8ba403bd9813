use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

/// Root → Mid → Leaf, plus an unrelated Other.
async fn chain(t: &TestApp) -> (i64, i64, i64, i64) {
    let root = t.org("Root", None).await;
    let mid = t.org("Mid", Some(root)).await;
    let leaf = t.org("Leaf", Some(mid)).await;
    let other = t.org("Other", None).await;
    (root, mid, leaf, other)
}

#[tokio::test]
async fn children_ancestors_and_descendants_follow_the_tree() {
    let t = TestApp::start().await;
    let (root, mid, leaf, _) = chain(&t).await;
    let sibling = t.org("Mid Two", Some(root)).await;
    t.org("Deep", Some(leaf)).await;
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{root}/children"))
            .await
            .names(),
        ["Mid", "Mid Two"]
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{leaf}/ancestors"))
            .await
            .names(),
        ["Mid", "Root"]
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{root}/descendants"))
            .await
            .names(),
        ["Mid", "Mid Two", "Leaf", "Deep"]
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{sibling}/descendants"))
            .await
            .names(),
        Vec::<String>::new()
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{mid}/ancestors"))
            .await
            .names(),
        ["Root"]
    );
    let paged = t
        .get(&format!("/api/v1/organizations/{root}/descendants?limit=3"))
        .await;
    assert_eq!(paged.names(), ["Mid", "Mid Two", "Leaf"]);
    let cursor = paged.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        t.get(&format!(
            "/api/v1/organizations/{root}/descendants?limit=3&cursor={cursor}"
        ))
        .await
        .names(),
        ["Deep"]
    );
}

#[tokio::test]
async fn an_organization_cannot_be_its_own_parent() {
    let t = TestApp::start().await;
    let (root, ..) = chain(&t).await;
    let response = t
        .patch(
            &format!("/api/v1/organizations/{root}"),
            json!({"parent_id": root}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.code(), "hierarchy_cycle");
    assert_eq!(
        response.message(),
        "Root cannot be placed under Root: that would make a cycle (Root → Root)"
    );
}

#[tokio::test]
async fn placing_an_organization_under_its_grandchild_is_refused_and_names_the_path() {
    let t = TestApp::start().await;
    let (root, _, leaf, _) = chain(&t).await;
    let response = t
        .patch(
            &format!("/api/v1/organizations/{root}"),
            json!({"parent_id": leaf}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.code(), "hierarchy_cycle");
    assert_eq!(
        response.message(),
        "Root cannot be placed under Leaf: that would make a cycle (Root → Mid → Leaf → Root)"
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{root}")).await.body["parent_id"],
        json!(null),
        "nothing changed"
    );
    let via_children = t
        .post(
            &format!("/api/v1/organizations/{leaf}/children"),
            json!({"organization_id": root}),
        )
        .await;
    assert_eq!(via_children.status, StatusCode::CONFLICT);
    assert_eq!(via_children.code(), "hierarchy_cycle");
}

#[tokio::test]
async fn moving_a_subtree_elsewhere_and_clearing_the_parent_work() {
    let t = TestApp::start().await;
    let (_, mid, leaf, other) = chain(&t).await;
    let moved = t
        .patch(
            &format!("/api/v1/organizations/{mid}"),
            json!({"parent_id": other}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{leaf}/ancestors"))
            .await
            .names(),
        ["Mid", "Other"]
    );
    let cleared = t
        .patch(
            &format!("/api/v1/organizations/{mid}"),
            json!({"parent_id": null}),
        )
        .await;
    assert_eq!(cleared.body["parent_id"], json!(null));
    let history = t
        .get(&format!("/api/v1/organizations/{other}/history"))
        .await;
    assert_eq!(history.body["data"][0]["action"], "child_removed");
    assert_eq!(history.body["data"][1]["action"], "child_added");
}

#[tokio::test]
async fn child_candidates_give_the_reason_each_invalid_one_is_invalid() {
    let t = TestApp::start().await;
    let (_, mid, leaf, _) = chain(&t).await;
    let response = t
        .get(&format!("/api/v1/organizations/{mid}/child-candidates"))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let verdicts: Vec<(String, bool, Value)> = response.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["organization"]["name"].as_str().unwrap().to_owned(),
                c["valid"].as_bool().unwrap(),
                c["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("Leaf".to_owned(), false, json!("already_child")),
            ("Mid".to_owned(), false, json!("self")),
            ("Other".to_owned(), true, json!(null)),
            ("Root".to_owned(), false, json!("ancestor")),
        ]
    );
    let searched = t
        .get(&format!(
            "/api/v1/organizations/{leaf}/child-candidates?q=ro"
        ))
        .await;
    assert_eq!(searched.body["data"][0]["reason"], "ancestor");
    assert_eq!(searched.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn naming_a_child_that_does_not_exist_creates_it_in_one_step() {
    let t = TestApp::start().await;
    let (root, ..) = chain(&t).await;
    let created = t
        .post(
            &format!("/api/v1/organizations/{root}/children"),
            json!({"name": "Brand New"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["parent_id"], root);
    // Naming an existing organization attaches it instead.
    let existing = t
        .post(
            &format!("/api/v1/organizations/{root}/children"),
            json!({"name": "other"}),
        )
        .await;
    assert_eq!(existing.status, StatusCode::OK);
    assert_eq!(existing.body["name"], "Other");
    assert_eq!(existing.body["parent_id"], root);
    let neither = t
        .post(&format!("/api/v1/organizations/{root}/children"), json!({}))
        .await;
    assert_eq!(neither.status, StatusCode::UNPROCESSABLE_ENTITY);
    let blank = t
        .post(
            &format!("/api/v1/organizations/{root}/children"),
            json!({"name": "  "}),
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn detaching_a_child_makes_it_top_level_and_only_children_can_be_detached() {
    let t = TestApp::start().await;
    let (root, mid, leaf, _) = chain(&t).await;
    let not_child = t
        .delete(&format!("/api/v1/organizations/{root}/children/{leaf}"))
        .await;
    assert_eq!(not_child.status, StatusCode::NOT_FOUND);
    let detached = t
        .delete(&format!("/api/v1/organizations/{root}/children/{mid}"))
        .await;
    assert_eq!(detached.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{mid}")).await.body["parent_id"],
        json!(null)
    );
    // Its own subtree is untouched.
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{leaf}")).await.body["parent_id"],
        mid
    );
}

#[tokio::test]
async fn nothing_is_inherited_through_the_hierarchy() {
    let t = TestApp::start().await;
    let parent = t
        .organization(json!({"name": "Parent", "domains": ["parent.com"]}))
        .await;
    let child = t.org("Child", Some(parent)).await;
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{child}")).await.body["domains"],
        json!([])
    );
    t.put(
        &format!(
            "/api/v1/organizations/{parent}/members/{}",
            t.user(json!({"name": "Boss", "email": "boss@parent.com"}))
                .await["id"]
        ),
        json!({"manager": true}),
    )
    .await;
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{child}/members"))
            .await
            .body["data"],
        json!([])
    );
}

#[tokio::test]
async fn two_opposite_parent_changes_racing_never_both_succeed() {
    let t = TestApp::start().await;
    for round in 0..8 {
        let a = t.org(&format!("A{round}"), None).await;
        let b = t.org(&format!("B{round}"), None).await;
        let (a_path, b_path) = (
            format!("/api/v1/organizations/{a}"),
            format!("/api/v1/organizations/{b}"),
        );
        let (first, second) = tokio::join!(
            t.patch(&a_path, json!({"parent_id": b})),
            t.patch(&b_path, json!({"parent_id": a}))
        );
        let statuses = [first.status, second.status];
        assert!(
            statuses.contains(&StatusCode::OK),
            "round {round}: {statuses:?}"
        );
        assert!(
            statuses.contains(&StatusCode::CONFLICT),
            "round {round}: both succeeded: {statuses:?}"
        );
        let a_parent = t.get(&format!("/api/v1/organizations/{a}")).await.body["parent_id"].clone();
        let b_parent = t.get(&format!("/api/v1/organizations/{b}")).await.body["parent_id"].clone();
        assert!(
            a_parent.is_null() || b_parent.is_null(),
            "round {round}: cycle stored"
        );
    }
}
