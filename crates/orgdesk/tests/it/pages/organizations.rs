use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn the_directory_searches_by_name_prefix_and_domain_top_level_only_or_all() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    t.org("Acme Labs", Some(acme)).await;
    t.org("Globex", None).await;
    let mut browser = Browser::signed_in(&t).await;

    let all = browser.get("/agent/organizations").await;
    assert_eq!(all.status, StatusCode::OK);
    for name in ["Acme", "Acme Labs", "Globex"] {
        assert!(html(&all).contains(&format!(">{name}")), "{name}");
    }
    let prefix = browser.get("/agent/organizations?q=acme").await;
    assert!(html(&prefix).contains(">Acme Labs") && !html(&prefix).contains(">Globex"));
    let top = browser.get("/agent/organizations?q=acme&scope=top").await;
    assert!(html(&top).contains(">Acme<") && !html(&top).contains(">Acme Labs"));
    let by_domain = browser.get("/agent/organizations?domain=ACME.com").await;
    assert!(html(&by_domain).contains("acme.com") && !html(&by_domain).contains(">Globex"));
    let bad = browser.get("/agent/organizations?domain=com").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("role=\"alert\""));
}

#[tokio::test]
async fn the_directory_pages_by_cursor() {
    let t = TestApp::start().await;
    for n in 0..53 {
        t.org(&format!("Org {n:02}"), None).await;
    }
    let mut browser = Browser::signed_in(&t).await;
    let first = browser.get("/agent/organizations").await;
    assert!(html(&first).contains(">Org 49<") && !html(&first).contains(">Org 50<"));
    let html_text = html(&first);
    let at = html_text.find("rel=\"next\"").expect("a next link");
    let start = html_text[..at].rfind("href=\"").unwrap() + 6;
    let next = html_text[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = browser.get(&next).await;
    assert!(html(&second).contains(">Org 50<") && html(&second).contains(">Org 52<"));
    assert!(!html(&second).contains(">Org 49<"));
    assert!(!html(&second).contains("rel=\"next\""), "the last page");
}

#[tokio::test]
async fn creating_an_organization_needs_the_pages_csrf_token_and_says_it_was_done() {
    let t = TestApp::start().await;
    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get("/agent/organizations").await;

    for forged in ["", "0123456789abcdef0123456789abcdef"] {
        let refused = browser
            .post_form(
                "/agent/organizations",
                &[("csrf", forged), ("name", "Acme")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(t.get("/api/v1/organizations").await.body["data"], json!([]));

    let created = browser
        .post_form(
            "/agent/organizations",
            &[
                ("csrf", &csrf(&page)),
                ("name", "Acme"),
                ("domain", "acme.com"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let acme = t.get("/api/v1/organizations").await.body["data"][0]["id"].clone();
    assert_eq!(location(&created), format!("/agent/organizations/{acme}"));
    let shown = browser.follow(&created).await;
    assert!(html(&shown).contains("Organization Acme created."));
    assert!(html(&shown).contains("acme.com"));
    let again = browser.get(&location(&created)).await;
    assert!(
        !html(&again).contains("Organization Acme created."),
        "shown once"
    );

    // A refusal keeps what was typed and says why.
    let taken = browser
        .post_form(
            "/agent/organizations",
            &[("csrf", &csrf(&page)), ("name", "ACME"), ("domain", "")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(html(&taken).contains(r#"value="ACME""#));
    assert!(html(&taken).contains("already exists"));
    assert!(html(&taken).contains(r#"aria-invalid="true""#));
}

#[tokio::test]
async fn names_are_escaped_in_pages() {
    let t = TestApp::start().await;
    t.org("<script>alert(1)</script> & Co", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get("/agent/organizations").await;
    let html = html(&page);
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"),
        "{html}"
    );
}
