//! Billing in the agent app: time and charges on the ticket page (refusals keep what
//! was typed), corrections and removals on an entry's own page, and the organization's
//! Billing tab with its toggles.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

async fn ticket_of(t: &TestApp, organization: i64) -> i64 {
    let requester = t
        .user_id(
            json!({"name": "Jane", "email": "jane@example.org", "organization_id": organization}),
        )
        .await;
    t.post(
        "/api/v1/tickets",
        json!({"requester_id": requester, "subject": "Printer jammed", "body": "Help"}),
    )
    .await
    .id()
}

#[tokio::test]
async fn an_agent_logs_time_and_charges_on_a_ticket_and_corrects_them() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let ticket = ticket_of(&t, acme).await;
    let mut browser = Browser::signed_in(&t).await;
    let shown = browser.get(&format!("/agent/tickets/{ticket}")).await;
    assert!(html(&shown).contains("Time and charges"));
    assert!(html(&shown).contains("Nothing logged yet."));
    let token = csrf(&shown);

    let refused = browser
        .post_form(
            &format!("/agent/tickets/{ticket}/time"),
            &[
                ("csrf", &token),
                ("minutes", "1.5"),
                ("billable", "on"),
                ("note", "On site"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("Minutes: must be a whole number of minutes."));
    assert!(html(&refused).contains(r#"value="On site""#));

    let logged = browser
        .post_form(
            &format!("/agent/tickets/{ticket}/time"),
            &[
                ("csrf", &token),
                ("minutes", "90"),
                ("worked_on", "2026-11-30"),
                ("note", "On site"),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.body);
    let after = browser.follow(&logged).await;
    assert!(html(&after).contains("1 h 30 min logged."));
    assert!(
        html(&after).contains("not billable"),
        "the box was left unticked"
    );

    let over_precise = browser
        .post_form(
            &format!("/agent/tickets/{ticket}/charges"),
            &[
                ("csrf", &token),
                ("amount", "12.345"),
                ("currency", "EUR"),
                ("description", "Toner"),
            ],
        )
        .await;
    assert_eq!(over_precise.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&over_precise).contains("Amount: EUR has 2 decimals"));
    assert!(html(&over_precise).contains(r#"value="12.345""#));
    let charged = browser
        .post_form(
            &format!("/agent/tickets/{ticket}/charges"),
            &[
                ("csrf", &token),
                ("amount", "12.5"),
                ("currency", "eur"),
                ("description", "Toner"),
            ],
        )
        .await;
    assert_eq!(charged.status, StatusCode::SEE_OTHER);
    assert!(html(&browser.follow(&charged).await).contains("12.50 EUR charged."));

    let entry = t
        .get(&format!("/api/v1/tickets/{ticket}/time-entries"))
        .await
        .body["data"][0]
        .clone();
    let entry_id = entry["id"].as_i64().unwrap();
    let form = browser
        .get(&format!("/agent/time-entries/{entry_id}"))
        .await;
    assert!(html(&form).contains(r#"value="90""#));
    let saved = browser
        .post_form(
            &format!("/agent/time-entries/{entry_id}"),
            &[
                ("csrf", &token),
                ("version", "1"),
                ("minutes", "60"),
                ("billable", "on"),
                ("worked_on", "2026-11-30"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stale = browser
        .post_form(
            &format!("/agent/time-entries/{entry_id}"),
            &[
                ("csrf", &token),
                ("version", "1"),
                ("minutes", "75"),
                ("worked_on", "2026-11-30"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(html(&stale).contains("Someone changed this entry after you opened it"));
    assert!(html(&stale).contains(r#"value="75""#));

    let charge_id = t
        .get(&format!("/api/v1/tickets/{ticket}/charges"))
        .await
        .body["data"][0]["id"]
        .as_i64()
        .unwrap();
    let confirm = browser
        .get(&format!("/agent/charges/{charge_id}/remove"))
        .await;
    assert!(html(&confirm).contains("Remove the charge of 12.50 EUR by Ada Admin?"));
    let removed = browser
        .post_form(
            &format!("/agent/charges/{charge_id}/remove"),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(
        location(&removed),
        format!("/agent/tickets/{ticket}#billing-heading")
    );
    let billing = t
        .get(&format!("/api/v1/organizations/{acme}/billing"))
        .await;
    assert_eq!(billing.body["total_minutes"], 60);
    assert_eq!(billing.body["billable_minutes"], 60);
    assert_eq!(billing.body["totals"], json!([]));
    let activity = browser
        .get(&format!(
            "/agent/organizations/{acme}/history?view=activity"
        ))
        .await;
    assert!(html(&activity).contains("removed a charge"));
    assert!(
        html(&activity).contains("1 h 30 min on 2026-11-30 (not billable) → 1 h on 2026-11-30"),
        "{}",
        html(&activity)
    );
}

#[tokio::test]
async fn the_billing_tab_shows_totals_and_toggles_time_and_charge_details() {
    let t = TestApp::start().await;
    let group = t.org("Acme Group", None).await;
    let uk = t.org("Acme UK", Some(group)).await;
    let own = ticket_of(&t, group).await;
    let requester = t
        .user_id(json!({"name": "Uma", "email": "uma@example.org", "organization_id": uk}))
        .await;
    let below = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": requester, "subject": "UK printer", "body": "Help"}),
        )
        .await
        .id();
    t.post(
        &format!("/api/v1/tickets/{own}/time-entries"),
        json!({"minutes": 45}),
    )
    .await;
    t.post(
        &format!("/api/v1/tickets/{below}/time-entries"),
        json!({"minutes": 30}),
    )
    .await;
    t.post(
        &format!("/api/v1/tickets/{own}/charges"),
        json!({"amount": "12.50", "currency": "EUR"}),
    )
    .await;
    t.post(
        &format!("/api/v1/tickets/{below}/charges"),
        json!({"amount": "1200", "currency": "JPY"}),
    )
    .await;

    let mut browser = Browser::signed_in(&t).await;
    let tab = browser
        .get(&format!("/agent/organizations/{group}/billing"))
        .await;
    assert_eq!(tab.status, StatusCode::OK);
    let text = html(&tab);
    assert!(text.contains(r#"aria-current="page">Billing</a>"#));
    assert!(text.contains("<dd>45 min</dd>"));
    assert!(text.contains("12.50 EUR") && !text.contains("1200 JPY"));
    assert!(!text.contains("entries-heading"), "no details until asked");
    assert!(text.contains(&format!(r#"href="/agent/organizations/{group}/billing?details=time" class="toggle" role="button" aria-pressed="false""#)));

    let time = browser
        .get(&format!(
            "/agent/organizations/{group}/billing?details=time"
        ))
        .await;
    let text = html(&time);
    assert!(text.contains("Printer jammed") && !text.contains("12.50 EUR</td>"));
    assert!(
        text.contains(&format!(
            r#"href="/agent/organizations/{group}/billing?details=all""#
        )),
        "the $ toggle adds charges"
    );
    let all = browser
        .get(&format!(
            "/agent/organizations/{group}/billing?details=all&include_descendants=true"
        ))
        .await;
    let text = html(&all);
    assert!(text.contains("<dd>1 h 15 min</dd>"));
    assert!(text.contains("1200 JPY") && text.contains("UK printer"));
    assert!(text.contains("with subsidiaries"));
}
