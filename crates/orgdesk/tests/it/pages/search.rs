//! The header's one search box: organizations, users and tickets at once.

use super::{Browser, html};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn one_search_finds_organizations_users_and_tickets() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let globex = t
        .organization(json!({"name": "Globex", "domains": ["globex.com"]}))
        .await;
    let ann = t
        .user_id(json!({"name": "Acme Ann", "email": "ann@acme.com"}))
        .await;
    let ticket = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": ann, "subject": "Acme printer jammed", "body": "Tray 2."}),
        )
        .await
        .id();
    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get("/agent/search?q=acme").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = html(&page);
    assert!(text.contains(&format!(r#"href="/agent/organizations/{acme}""#)));
    assert!(text.contains(&format!(r#"href="/agent/users/{ann}""#)));
    assert!(text.contains(&format!(r#"href="/agent/tickets/{ticket}""#)));
    assert!(
        text.contains(r#"name="q" type="search" value="acme""#),
        "the box keeps the words"
    );

    let by_domain = browser.get("/agent/search?q=globex.com").await;
    assert!(html(&by_domain).contains(&format!(r#"href="/agent/organizations/{globex}""#)));
    let by_number = browser.get(&format!("/agent/search?q=%23{ticket}")).await;
    assert!(html(&by_number).contains("Acme printer jammed"));
    let by_email = browser.get("/agent/search?q=ann%40acme.com").await;
    assert!(html(&by_email).contains(&format!(r#"href="/agent/users/{ann}""#)));
    let empty = browser.get("/agent/search").await;
    assert!(html(&empty).contains("Type a name"));
}
