use super::{Browser, csrf, html};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn the_profile_shows_the_organization_with_every_section() {
    let t = TestApp::start().await;
    let holding = t.org("Holding", None).await;
    let acme = t
        .organization(
            json!({"name": "Acme", "parent_id": holding, "domains": ["acme.com"],
            "contacts": [{"kind": "phone", "label": "Front desk", "value": "+44 20 7946 0000"}]}),
        )
        .await;
    t.org("Acme Labs", Some(acme)).await;
    let jane = t.user_id(json!({"name": "Jane Doe", "email": "jane@acme.com", "position": "CTO", "manager": true})).await;
    let group = t
        .post("/api/v1/usergroups", json!({"name": "VIPs"}))
        .await
        .id();
    t.put_empty(&format!("/api/v1/organizations/{acme}/usergroups/{group}"))
        .await;
    t.post(
        "/api/v1/tickets",
        json!({"requester_id": jane, "subject": "Printer on fire", "body": "Help."}),
    )
    .await;

    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get(&format!("/agent/organizations/{acme}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = html(&page);
    for expected in [
        r#"value="Acme""#,
        ">Holding</a>",
        ">Acme Labs</a>",
        "acme.com",
        "Front desk",
        "+44 20 7946 0000",
        "Jane Doe",
        "Manager",
        "CTO",
        "VIPs",
        "Printer on fire",
        "1 member ·",
    ] {
        assert!(html.contains(expected), "{expected} missing");
    }
    let missing = browser.get("/agent/organizations/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(super::html(&missing).contains("Organization 999999 does not exist."));
}

#[tokio::test]
async fn editing_the_summary_in_place_saves_it_and_says_so() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let path = format!("/agent/organizations/{acme}");
    let page = browser.get(&path).await;
    let saved = browser
        .post_form(
            &format!("{path}/edit"),
            &[
                ("csrf", &csrf(&page)),
                ("version", "1"),
                ("summary", "Our <biggest> customer"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let shown = browser.follow(&saved).await;
    assert!(html(&shown).contains("The summary of Acme is saved."));
    assert!(
        html(&shown).contains("Our &#60;biggest&#62; customer")
            || html(&shown).contains("Our &lt;biggest&gt; customer")
    );
    let stored = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(stored.body["summary"], "Our <biggest> customer");
    assert_eq!(stored.body["version"], 2);
}

#[tokio::test]
async fn a_summary_changed_meanwhile_is_explained_and_the_typed_text_kept() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let path = format!("/agent/organizations/{acme}");
    let page = browser.get(&path).await;
    // A colleague saves first.
    t.patch(
        &path.replace("/agent/", "/api/v1/"),
        json!({"summary": "Theirs"}),
    )
    .await;

    let refused = browser
        .post_form(
            &format!("{path}/edit"),
            &[
                ("csrf", &csrf(&page)),
                ("version", "1"),
                ("summary", "Mine, typed with care"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::PRECONDITION_FAILED);
    let html = html(&refused);
    assert!(html.contains("Someone changed this organization after you opened it (summary)"));
    assert!(
        html.contains(">Mine, typed with care</textarea>"),
        "the typed text is kept"
    );
    assert!(html.contains("<q>Theirs</q>"), "theirs is shown");
    let stored = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(stored.body["summary"], "Theirs", "nothing was overwritten");

    // Saving again from the refusal replaces theirs knowingly.
    let again = browser
        .post_form(
            &format!("{path}/edit"),
            &[
                ("csrf", &csrf(&refused)),
                ("version", "2"),
                ("summary", "Mine, typed with care"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn renaming_in_place_refuses_a_taken_name_keeping_what_was_typed() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    t.org("Globex", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let path = format!("/agent/organizations/{acme}");
    let page = browser.get(&path).await;
    let taken = browser
        .post_form(
            &format!("{path}/edit"),
            &[("csrf", &csrf(&page)), ("version", "1"), ("name", "GLOBEX")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(html(&taken).contains(r#"value="GLOBEX""#));
    assert!(html(&taken).contains("already exists"));
    let renamed = browser
        .post_form(
            &format!("{path}/edit"),
            &[
                ("csrf", &csrf(&page)),
                ("version", "1"),
                ("name", "Acme Corp"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["name"],
        "Acme Corp"
    );
}

#[tokio::test]
async fn the_history_tab_tells_changes_in_words_and_stays_for_a_deleted_organization() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    t.patch(
        &format!("/api/v1/organizations/{acme}"),
        json!({"summary": "Our biggest customer"}),
    )
    .await;
    let mut browser = Browser::signed_in(&t).await;
    let history = browser
        .get(&format!("/agent/organizations/{acme}/history"))
        .await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(html(&history).contains("summary: nothing → “Our biggest customer”"));
    assert!(html(&history).contains("created"));

    t.delete(&format!("/api/v1/organizations/{acme}")).await;
    let after = browser
        .get(&format!("/agent/organizations/{acme}/history"))
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(html(&after).contains("This organization was deleted"));
    assert!(html(&after).contains("deleted"));
}
