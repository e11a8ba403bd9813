//! The agents' ticket pages: the list and its filters, opening a ticket for a user,
//! working a ticket (reply, internal note, properties, CCs) and conflicts.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

async fn ticket(t: &TestApp, requester: i64, subject: &str) -> i64 {
    let created = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": requester, "subject": subject, "body": "Details."}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.id()
}

#[tokio::test]
async fn the_ticket_list_filters_by_status_organization_assignee_and_words() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let ann = t
        .user_id(json!({"name": "Ann", "email": "ann@acme.com"}))
        .await;
    let bo = t
        .user_id(json!({"name": "Bo", "email": "bo@example.org"}))
        .await;
    let printer = ticket(&t, ann, "Printer jammed").await;
    let vpn = ticket(&t, bo, "VPN down").await;
    let solved = t
        .patch(
            &format!("/api/v1/tickets/{vpn}"),
            json!({"status": "solved"}),
        )
        .await;
    assert_eq!(solved.status, StatusCode::OK);
    let mut browser = Browser::signed_in(&t).await;

    let all = browser.get("/agent/tickets").await;
    assert_eq!(all.status, StatusCode::OK);
    let text = html(&all);
    assert!(text.contains(&format!(r#"href="/agent/tickets/{printer}""#)));
    assert!(text.contains(&format!(r#"href="/agent/tickets/{vpn}""#)));
    assert!(text.contains(&format!(
        r#"<a href="/agent/organizations/{acme}">Acme</a>"#
    )));
    assert!(
        text.find("VPN down").unwrap() < text.find("Printer jammed").unwrap(),
        "newest first"
    );

    let only_solved = browser.get("/agent/tickets?status=solved").await;
    assert!(html(&only_solved).contains("VPN down"));
    assert!(!html(&only_solved).contains("Printer jammed"));
    let of_acme = browser.get("/agent/tickets?organization=acme").await;
    assert!(html(&of_acme).contains("Printer jammed"));
    assert!(!html(&of_acme).contains("VPN down"));
    let words = browser.get("/agent/tickets?q=printer").await;
    assert!(html(&words).contains("Printer jammed") && !html(&words).contains("VPN down"));
    let mine = browser.get("/agent/tickets?assignee=me").await;
    assert!(html(&mine).contains("No ticket matches."));

    let unknown = browser.get("/agent/tickets?organization=Nobody").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&unknown).contains("No organization is named"));
    let bad_status = browser.get("/agent/tickets?status=lost").await;
    assert_eq!(bad_status.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad_status).contains("Must be one of new, open"));
}

#[tokio::test]
async fn an_agent_opens_a_ticket_for_a_user_found_by_email() {
    let t = TestApp::start().await;
    t.user(json!({"name": "Ann", "email": "ann@example.org"}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let form = browser
        .get("/agent/tickets/new?requester=ann%40example.org")
        .await;
    assert!(html(&form).contains(r#"value="ann@example.org""#));
    let unknown = browser
        .post_form(
            "/agent/tickets",
            &[
                ("csrf", &csrf(&form)),
                ("requester", "nobody@example.org"),
                ("subject", "Printer"),
                ("body", "Jammed."),
                ("priority", "high"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&unknown).contains("No user has the email nobody@example.org"));
    assert!(
        html(&unknown).contains(r#"value="Printer""#),
        "typed values kept"
    );
    assert!(html(&unknown).contains(
        r#"name="requester" type="email" required value="nobody@example.org" aria-invalid="true""#
    ));

    let opened = browser
        .post_form(
            "/agent/tickets",
            &[
                ("csrf", &csrf(&form)),
                ("requester", "ANN@example.org"),
                ("subject", "Printer"),
                ("body", "Jammed."),
                ("priority", "high"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let page = browser.follow(&opened).await;
    assert!(html(&page).contains("opened for Ann."));
    let id: i64 = location(&opened)
        .trim_start_matches("/agent/tickets/")
        .parse()
        .unwrap();
    let stored = t.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(stored.body["priority"], "high");
    assert_eq!(stored.body["requester"]["name"], "Ann");
}

#[tokio::test]
async fn replies_and_internal_notes_are_added_and_notes_look_different() {
    let t = TestApp::start().await;
    let ann = t
        .user_id(json!({"name": "Ann", "email": "ann@example.org"}))
        .await;
    let id = ticket(&t, ann, "Printer").await;
    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get(&format!("/agent/tickets/{id}")).await;
    let path = format!("/agent/tickets/{id}/messages");
    let replied = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&page)),
                ("body", "Turn it off and on."),
                ("kind", "reply"),
                ("status", "pending"),
            ],
        )
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    assert!(html(&browser.follow(&replied).await).contains("Reply sent."));
    let noted = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&page)),
                ("body", "Customer <owes> us"),
                ("kind", "note"),
                ("status", ""),
            ],
        )
        .await;
    let after = browser.follow(&noted).await;
    let text = html(&after);
    assert!(text.contains("Internal note added."));
    assert!(text.contains(r#"<li class="message note""#));
    assert!(text.contains("Customer &#60;owes&#62; us"));
    assert!(text.contains(r#"<span class="badge status-pending">pending</span>"#));
    let messages = t.get(&format!("/api/v1/tickets/{id}/messages")).await;
    let internal: Vec<bool> = messages.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["internal"].as_bool().unwrap())
        .collect();
    assert_eq!(internal, [false, false, true]);

    let blank = browser
        .post_form(
            &path,
            &[("csrf", &csrf(&page)), ("body", " "), ("kind", "note")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&blank).contains(r#"value="note" checked"#),
        "the choice is kept"
    );
}

#[tokio::test]
async fn properties_save_with_the_version_read_and_a_change_meanwhile_keeps_the_choices() {
    let t = TestApp::start().await;
    t.org("Acme", None).await;
    let ann = t
        .user_id(json!({"name": "Ann", "email": "ann@example.org"}))
        .await;
    let id = ticket(&t, ann, "Printer").await;
    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get(&format!("/agent/tickets/{id}")).await;
    let version = t.get(&format!("/api/v1/tickets/{id}")).await.body["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let path = format!("/agent/tickets/{id}/edit");
    let saved = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&page)),
                ("version", &version),
                ("subject", "Printer jammed"),
                ("status", "open"),
                ("priority", "urgent"),
                ("assignee", ""),
                ("organization", "acme"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = t.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(stored.body["subject"], "Printer jammed");
    assert_eq!(stored.body["priority"], "urgent");
    assert_eq!(stored.body["organization"]["name"], "Acme");

    // The stale form (old version) is refused and explained; nothing is overwritten.
    let stale = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&page)),
                ("version", &version),
                ("subject", "Mine"),
                ("status", "open"),
                ("priority", "low"),
                ("assignee", ""),
                ("organization", ""),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(html(&stale).contains("Someone changed this ticket after you opened it."));
    assert!(html(&stale).contains(r#"value="Mine""#));
    let unchanged = t.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(unchanged.body["subject"], "Printer jammed");

    let unknown = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&page)),
                ("version", &unchanged.body["version"].to_string()),
                ("subject", "Printer jammed"),
                ("status", "open"),
                ("priority", "urgent"),
                ("assignee", ""),
                ("organization", "Globex"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&unknown).contains(r#"name="organization" value="Globex" aria-invalid="true""#));
}

#[tokio::test]
async fn users_are_copied_by_email_and_removed_and_a_closed_ticket_is_read_only() {
    let t = TestApp::start().await;
    let ann = t
        .user_id(json!({"name": "Ann", "email": "ann@example.org"}))
        .await;
    t.user(json!({"name": "Carl", "email": "carl@example.org"}))
        .await;
    let id = ticket(&t, ann, "Printer").await;
    let mut browser = Browser::signed_in(&t).await;
    let page = browser.get(&format!("/agent/tickets/{id}")).await;
    let version = t.get(&format!("/api/v1/tickets/{id}")).await.body["version"].to_string();
    let added = browser
        .post_form(
            &format!("/agent/tickets/{id}/ccs"),
            &[
                ("csrf", &csrf(&page)),
                ("version", &version),
                ("email", "carl@example.org"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = browser.follow(&added).await;
    assert!(html(&page).contains("Carl is copied on ticket"));
    let stored = t.get(&format!("/api/v1/tickets/{id}")).await;
    let carl = stored.body["cc_ids"][0].as_i64().unwrap();
    let removed = browser
        .post_form(
            &format!("/agent/tickets/{id}/ccs/{carl}/remove"),
            &[
                ("csrf", &csrf(&page)),
                ("version", &stored.body["version"].to_string()),
            ],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(&format!("/api/v1/tickets/{id}")).await.body["cc_ids"],
        json!([])
    );
    let nobody = browser
        .post_form(
            &format!("/agent/tickets/{id}/ccs"),
            &[
                ("csrf", &csrf(&page)),
                ("version", "0"),
                ("email", "zed@example.org"),
            ],
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&nobody).contains("No user has the email zed@example.org."));

    t.patch(
        &format!("/api/v1/tickets/{id}"),
        json!({"status": "closed"}),
    )
    .await;
    let closed = browser.get(&format!("/agent/tickets/{id}")).await;
    assert!(html(&closed).contains("This ticket is closed"));
    assert!(!html(&closed).contains(&format!(r#"action="/agent/tickets/{id}/edit""#)));
    let late = browser
        .post_form(
            &format!("/agent/tickets/{id}/messages"),
            &[
                ("csrf", &csrf(&closed)),
                ("body", "One more"),
                ("kind", "reply"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(html(&late).contains("One more"));
    let missing = browser.get("/agent/tickets/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
