use axum::http::StatusCode;
use orgdesk_testkit::TestApp;

#[tokio::test]
async fn cursors_walk_every_organization_exactly_once_in_name_order() {
    let t = TestApp::start().await;
    for n in (0..23).rev() {
        t.org(&format!("Org {n:02}"), None).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/organizations?limit=5&cursor={c}"),
            None => "/api/v1/organizations?limit=5".to_owned(),
        };
        let page = t.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(
            page.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..23).map(|n| format!("Org {n:02}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn limits_out_of_range_and_foreign_cursors_are_refused() {
    let t = TestApp::start().await;
    for limit in ["-1", "0", "501"] {
        let response = t.get(&format!("/api/v1/organizations?limit={limit}")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.body["error"]["field"], "limit");
    }
    assert_eq!(
        t.get("/api/v1/organizations?limit=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    let cursor = t.get("/api/v1/users?cursor=!!notbase64").await;
    assert_eq!(cursor.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(cursor.body["error"]["field"], "cursor");
}

#[tokio::test]
async fn a_cursor_is_only_accepted_by_the_list_that_made_it() {
    let t = TestApp::start().await;
    for n in 0..3 {
        t.org(&format!("Org {n}"), None).await;
        t.user(
            serde_json::json!({"name": format!("User {n}"), "email": format!("u{n}@example.com")}),
        )
        .await;
    }
    let organizations = t.get("/api/v1/organizations?limit=1").await;
    let from_organizations = organizations.body["next_cursor"].as_str().unwrap();
    let users = t.get("/api/v1/users?limit=1").await;
    let from_users = users.body["next_cursor"].as_str().unwrap();

    // Each list takes its own cursor …
    let next = t
        .get(&format!(
            "/api/v1/organizations?limit=1&cursor={from_organizations}"
        ))
        .await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(next.names(), ["Org 1"]);
    // … and refuses the other's, and strings that merely decode ("abc", three NULs).
    for (path, cursor) in [
        ("/api/v1/users", from_organizations),
        ("/api/v1/organizations", from_users),
        ("/api/v1/organizations", "YWJj"),
        ("/api/v1/organizations", "AAAA"),
        ("/api/v1/users", "AAAA"),
    ] {
        let refused = t.get(&format!("{path}?cursor={cursor}")).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} took {cursor}"
        );
        assert_eq!(refused.body["error"]["field"], "cursor");
    }
}

#[tokio::test]
async fn ancestors_and_child_candidates_come_in_pages_like_every_list() {
    let t = TestApp::start().await;
    let mut parent = None;
    let mut chain = Vec::new();
    for level in 0..7 {
        let id = t.org(&format!("Level {level}"), parent).await;
        chain.push(id);
        parent = Some(id);
    }
    let deepest = *chain.last().unwrap();
    let first = t
        .get(&format!(
            "/api/v1/organizations/{deepest}/ancestors?limit=2"
        ))
        .await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 2);
    assert!(first.body["next_cursor"].is_string());
    let ancestors: Vec<i64> = t
        .get_all(&format!(
            "/api/v1/organizations/{deepest}/ancestors?limit=2"
        ))
        .await
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = chain.iter().rev().skip(1).copied().collect();
    assert_eq!(ancestors, expected, "the parent first, the root last");

    let candidates = t
        .get_all(&format!(
            "/api/v1/organizations/{}/child-candidates?q=Level&limit=3",
            chain[0]
        ))
        .await;
    let names: Vec<&str> = candidates
        .iter()
        .map(|c| c["organization"]["name"].as_str().unwrap())
        .collect();
    let all: Vec<String> = (0..7).map(|level| format!("Level {level}")).collect();
    assert_eq!(names, all, "every candidate once, in name order");
    assert_eq!(candidates[0]["reason"], "self");
    assert_eq!(candidates[1]["reason"], "already_child");
    assert_eq!(candidates[2]["valid"], true);
}

#[tokio::test]
async fn history_pages_newest_first() {
    let t = TestApp::start().await;
    let id = t.org("Acme", None).await;
    for n in 0..4 {
        t.patch(
            &format!("/api/v1/organizations/{id}"),
            serde_json::json!({"summary": format!("v{n}")}),
        )
        .await;
    }
    let first = t
        .get(&format!("/api/v1/organizations/{id}/history?limit=2"))
        .await;
    let summaries: Vec<_> = first.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["changes"][0]["new"].clone())
        .collect();
    assert_eq!(
        summaries,
        vec![serde_json::json!("v3"), serde_json::json!("v2")]
    );
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = t
        .get(&format!(
            "/api/v1/organizations/{id}/history?limit=10&cursor={cursor}"
        ))
        .await;
    let actions: Vec<_> = rest.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["updated", "updated", "created"]);
    assert_eq!(rest.body["next_cursor"], serde_json::Value::Null);
}
