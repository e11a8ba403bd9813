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
    for limit in ["0", "501"] {
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
