//! The profile's lists: members (all or managers, paged, added by search with a move
//! confirmed first), tickets (status, subsidiaries, requested by a manager, words,
//! paged), contact details edited in place, and the activity stream.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

async fn member(t: &TestApp, organization: i64, name: &str, manager: bool) -> i64 {
    t.user_id(json!({
        "name": name,
        "email": format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
        "organization_id": organization,
        "manager": manager,
    }))
    .await
}

#[tokio::test]
async fn members_page_twenty_at_a_time_and_filter_to_managers() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    for n in 0..23 {
        member(&t, acme, &format!("Member {n:02}"), n % 10 == 0).await;
    }
    let mut browser = Browser::signed_in(&t).await;
    let first = browser.get(&format!("/agent/organizations/{acme}")).await;
    let text = html(&first);
    assert!(text.contains("Member 00") && text.contains("Member 19"));
    assert!(!text.contains("Member 20"));
    let next = text
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|link| link.contains("members_cursor="))
        .expect("a Next link for members")
        .replace("&amp;", "&");
    let second = browser.get(&next).await;
    assert!(html(&second).contains("Member 22"));
    assert!(!html(&second).contains(">Member 05<"));

    let managers = browser
        .get(&format!("/agent/organizations/{acme}?members=managers"))
        .await;
    let text = html(&managers);
    for name in ["Member 00", "Member 10", "Member 20"] {
        assert!(text.contains(name), "{name} is a manager");
    }
    assert!(!text.contains("Member 01"));
}

#[tokio::test]
async fn adding_a_member_of_another_organization_asks_before_moving_them() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let globex = t.org("Globex", None).await;
    let gus = member(&t, globex, "Gus", false).await;
    t.user(json!({"name": "Nia", "email": "nia@example.org"}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;

    let suggestions = browser
        .get(&format!(
            "/agent/organizations/{acme}/member-candidates?q=gu"
        ))
        .await;
    assert!(html(&suggestions).contains("in Globex: adding moves them"));

    let path = format!("/agent/organizations/{acme}/members");
    let asked = browser
        .post_form(
            &path,
            &[("csrf", &csrf(&profile)), ("user", "gus@example.org")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(html(&asked).contains("Move Gus from Globex to Acme?"));
    let still = t.get(&format!("/api/v1/users/{gus}")).await;
    assert_eq!(
        still.body["organization"]["name"], "Globex",
        "nothing moved yet"
    );
    let moved = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&asked)),
                ("user_id", &gus.to_string()),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert!(html(&browser.follow(&moved).await).contains("Gus moved from Globex to Acme."));

    let joined = browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("user", "nia")])
        .await;
    assert_eq!(
        joined.status,
        StatusCode::SEE_OTHER,
        "a unique name is enough"
    );
    assert!(html(&browser.follow(&joined).await).contains("Nia joined Acme."));
    let nobody = browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("user", "Zed")])
        .await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&nobody).contains("No user is named"));
    assert!(html(&nobody).contains(r#"value="Zed""#));
    let members = t
        .get(&format!("/api/v1/organizations/{acme}/members"))
        .await;
    assert_eq!(members.names(), ["Gus", "Nia"]);
    let _ = location;
}

#[tokio::test]
async fn the_tickets_section_filters_by_status_subsidiaries_managers_and_words() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let labs = t.org("Acme Labs", Some(acme)).await;
    let boss = member(&t, acme, "Boss", true).await;
    let ann = member(&t, acme, "Ann", false).await;
    let lea = member(&t, labs, "Lea", false).await;
    for (requester, subject) in [
        (boss, "Budget approval"),
        (ann, "Printer jammed"),
        (lea, "Lab printer offline"),
    ] {
        let created = t
            .post(
                "/api/v1/tickets",
                json!({"requester_id": requester, "subject": subject, "body": "Please."}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let mut browser = Browser::signed_in(&t).await;
    let base = format!("/agent/organizations/{acme}");
    let own = browser.get(&base).await;
    assert!(html(&own).contains("Printer jammed") && !html(&own).contains("Lab printer offline"));
    let rolled = browser.get(&format!("{base}?subsidiaries=1")).await;
    assert!(html(&rolled).contains("Lab printer offline"));
    assert!(
        html(&rolled).contains("(Acme Labs)"),
        "a subsidiary's ticket names it"
    );
    let by_manager = browser.get(&format!("{base}?by_manager=1")).await;
    assert!(html(&by_manager).contains("Budget approval"));
    assert!(!html(&by_manager).contains("Printer jammed"));
    let words = browser
        .get(&format!("{base}?subsidiaries=1&q=printer"))
        .await;
    assert!(
        html(&words).contains("Printer jammed") && html(&words).contains("Lab printer offline")
    );
    assert!(!html(&words).contains("Budget approval"));
    let solved = browser.get(&format!("{base}?status=solved")).await;
    assert!(html(&solved).contains("No tickets."));
    let bad = browser.get(&format!("{base}?status=lost")).await;
    assert_eq!(bad.status, StatusCode::OK, "the profile still shows");
    assert!(html(&bad).contains("Must be one of new, open"));
}

#[tokio::test]
async fn a_contact_detail_is_edited_in_place_against_the_version_read() {
    let t = TestApp::start().await;
    let acme = t
        .organization(
            json!({"name": "Acme", "contacts": [{"kind": "phone", "value": "+1 555 0100"}]}),
        )
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    let version = t.get(&format!("/api/v1/organizations/{acme}")).await.body["version"].to_string();
    let path = format!("/agent/organizations/{acme}/contacts/0/edit");
    let saved = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("label", "Front desk"),
                ("value", "+1 555 0199"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let org = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(
        org.body["contacts"],
        json!([{"kind": "phone", "label": "Front desk", "value": "+1 555 0199"}])
    );
    let stale = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("label", ""),
                ("value", "+1 555 0000"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let unchanged = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(unchanged.body["contacts"][0]["value"], "+1 555 0199");
}

#[tokio::test]
async fn the_activity_stream_shows_members_new_tickets_and_joins() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let ann = member(&t, acme, "Ann", false).await;
    let ticket = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": ann, "subject": "Printer jammed", "body": "Tray 2."}),
        )
        .await
        .id();
    let mut browser = Browser::signed_in(&t).await;
    let log = browser
        .get(&format!("/agent/organizations/{acme}/history"))
        .await;
    assert!(html(&log).contains("added a member"));
    assert!(
        !html(&log).contains("opened a ticket"),
        "the change log holds changes only"
    );
    let activity = browser
        .get(&format!(
            "/agent/organizations/{acme}/history?view=activity"
        ))
        .await;
    let text = html(&activity);
    assert!(text.contains("opened a ticket"));
    assert!(text.contains(&format!(
        r#"<a href="/agent/tickets/{ticket}">#{ticket} Printer jammed</a>"#
    )));
    assert!(text.contains(&format!(r#"<a href="/agent/users/{ann}">Ann</a>"#)));
}
