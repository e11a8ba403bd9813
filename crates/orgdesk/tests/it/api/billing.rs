//! Billing through the API: time and charges on tickets, exact money per currency,
//! corrections by the logger or an admin, and the organization's roll-up (totals in
//! every currency, details by kind, subsidiaries on request).

use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

/// A ticket requested by a new member of `organization`; returns its id.
async fn ticket_of(t: &TestApp, organization: i64, subject: &str) -> i64 {
    let email = format!("{}@example.org", subject.to_lowercase().replace(' ', "."));
    let requester = t
        .user_id(json!({"name": subject, "email": email, "organization_id": organization}))
        .await;
    let created = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": requester, "subject": subject, "body": "Help"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.id()
}

async fn log(t: &TestApp, ticket: i64, body: Value) -> Value {
    let logged = t
        .post(&format!("/api/v1/tickets/{ticket}/time-entries"), body)
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.body);
    logged.body
}

async fn charge(t: &TestApp, ticket: i64, body: Value) -> Value {
    let charged = t
        .post(&format!("/api/v1/tickets/{ticket}/charges"), body)
        .await;
    assert_eq!(charged.status, StatusCode::CREATED, "{}", charged.body);
    charged.body
}

#[tokio::test]
async fn time_and_charges_roll_up_to_the_organization_per_currency() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let printer = ticket_of(&t, acme, "Printer jammed").await;
    let vpn = ticket_of(&t, acme, "VPN down").await;

    let entry = log(
        &t,
        printer,
        json!({"minutes": 45, "note": "On site", "worked_on": "2026-11-30"}),
    )
    .await;
    assert_eq!(entry["minutes"], 45);
    assert_eq!(entry["billable"], true, "billable unless said otherwise");
    assert_eq!(entry["worked_on"], "2026-11-30");
    assert_eq!(entry["agent"]["name"], "Ada Admin");
    log(&t, vpn, json!({"minutes": 30, "billable": false})).await;
    log(&t, vpn, json!({"minutes": 15})).await;

    let eur = charge(
        &t,
        printer,
        json!({"amount": "12.50", "currency": "EUR", "description": "Toner"}),
    )
    .await;
    assert_eq!(eur["amount"], "12.50");
    assert_eq!(eur["currency"], "EUR");
    charge(&t, vpn, json!({"amount": "0.5", "currency": "eur"})).await;
    let yen = charge(&t, vpn, json!({"amount": "1200", "currency": "JPY"})).await;
    assert_eq!(yen["amount"], "1200");
    let dinar = charge(&t, printer, json!({"amount": "1.25", "currency": "KWD"})).await;
    assert_eq!(dinar["amount"], "1.250", "KWD has three decimals");

    let billing = t
        .get(&format!("/api/v1/organizations/{acme}/billing"))
        .await;
    assert_eq!(billing.status, StatusCode::OK, "{}", billing.body);
    assert_eq!(billing.body["total_minutes"], 90);
    assert_eq!(billing.body["billable_minutes"], 60);
    assert_eq!(
        billing.body["totals"],
        json!([
            {"currency": "EUR", "amount": "13.00"},
            {"currency": "JPY", "amount": "1200"},
            {"currency": "KWD", "amount": "1.250"},
        ])
    );
    assert_eq!(billing.body["details"], "none");
    assert_eq!(billing.body["entries"], json!([]));

    let time = t
        .get(&format!(
            "/api/v1/organizations/{acme}/billing?details=time"
        ))
        .await;
    let kinds: Vec<&str> = time.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["time", "time", "time"]);
    assert_eq!(
        time.body["entries"][2]["ticket"]["subject"],
        "Printer jammed"
    );
    assert_eq!(time.body["entries"][2]["date"], "2026-11-30");
    assert_eq!(time.body["entries"][2]["text"], "On site");
    let charges = t
        .get(&format!(
            "/api/v1/organizations/{acme}/billing?details=charges"
        ))
        .await;
    let amounts: Vec<&str> = charges.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["1.250", "1200", "0.50", "12.50"], "newest first");
    let mut seen = Vec::new();
    let mut next = format!("/api/v1/organizations/{acme}/billing?details=all&limit=2");
    loop {
        let page = t.get(&next).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for entry in page.body["entries"].as_array().unwrap() {
            seen.push((
                entry["kind"].as_str().unwrap().to_owned(),
                entry["id"].as_i64().unwrap(),
            ));
        }
        match page.body["next_cursor"].as_str() {
            Some(cursor) => {
                next = format!(
                    "/api/v1/organizations/{acme}/billing?details=all&limit=2&cursor={cursor}"
                )
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "every entry once, across pages: {seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7);
}

#[tokio::test]
async fn subsidiaries_count_only_when_asked() {
    let t = TestApp::start().await;
    let parent = t.org("Acme Group", None).await;
    let child = t.org("Acme UK", Some(parent)).await;
    let grandchild = t.org("Acme Leeds", Some(child)).await;
    let other = t.org("Globex", None).await;
    let own = ticket_of(&t, parent, "Parent ticket").await;
    let below = ticket_of(&t, grandchild, "Leeds ticket").await;
    let elsewhere = ticket_of(&t, other, "Globex ticket").await;
    log(&t, own, json!({"minutes": 10})).await;
    log(&t, below, json!({"minutes": 20, "billable": false})).await;
    log(&t, elsewhere, json!({"minutes": 40})).await;
    charge(&t, below, json!({"amount": "5", "currency": "USD"})).await;

    let alone = t
        .get(&format!("/api/v1/organizations/{parent}/billing"))
        .await;
    assert_eq!(alone.body["total_minutes"], 10);
    assert_eq!(alone.body["totals"], json!([]));
    let with = t
        .get(&format!(
            "/api/v1/organizations/{parent}/billing?include_descendants=true&details=all"
        ))
        .await;
    assert_eq!(with.body["total_minutes"], 30);
    assert_eq!(with.body["billable_minutes"], 10);
    assert_eq!(
        with.body["totals"],
        json!([{"currency": "USD", "amount": "5.00"}])
    );
    assert_eq!(with.body["include_descendants"], true);
    let organizations: Vec<i64> = with.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["organization_id"].as_i64().unwrap())
        .collect();
    assert!(organizations.contains(&grandchild) && !organizations.contains(&other));
    let child_view = t
        .get(&format!(
            "/api/v1/organizations/{child}/billing?include_descendants=true"
        ))
        .await;
    assert_eq!(child_view.body["total_minutes"], 20);
}

#[tokio::test]
async fn bad_minutes_amounts_and_currencies_are_refused_naming_the_field() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let ticket = ticket_of(&t, acme, "Printer jammed").await;
    let time = format!("/api/v1/tickets/{ticket}/time-entries");
    for (body, field) in [
        (json!({"minutes": 0}), "minutes"),
        (json!({"minutes": -15}), "minutes"),
        (json!({"minutes": 10081}), "minutes"),
        (
            json!({"minutes": 10, "worked_on": "30/11/2026"}),
            "worked_on",
        ),
        (json!({"minutes": 10, "note": "a\u{0}b"}), "note"),
    ] {
        let refused = t.post(&time, body.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.body["error"]["field"], field, "{body}");
    }
    let fractional = t.post(&time, json!({"minutes": 1.5})).await;
    assert_eq!(fractional.status, StatusCode::BAD_REQUEST);
    let charges = format!("/api/v1/tickets/{ticket}/charges");
    for (body, field, says) in [
        (
            json!({"amount": "12.345", "currency": "EUR"}),
            "amount",
            "EUR has 2 decimals",
        ),
        (
            json!({"amount": "1.5", "currency": "JPY"}),
            "amount",
            "JPY has no minor units",
        ),
        (
            json!({"amount": "12,50", "currency": "EUR"}),
            "amount",
            "decimal number",
        ),
        (
            json!({"amount": "-3", "currency": "EUR"}),
            "amount",
            "decimal number",
        ),
        (
            json!({"amount": "0.00", "currency": "EUR"}),
            "amount",
            "more than zero",
        ),
        (
            json!({"amount": "5", "currency": "EURO"}),
            "currency",
            "ISO 4217",
        ),
        (
            json!({"amount": "5", "currency": "XAU"}),
            "currency",
            "not a currency of money",
        ),
    ] {
        let refused = t.post(&charges, body.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.body["error"]["field"], field, "{body}");
        assert!(
            refused.message().contains(says),
            "{body}: {}",
            refused.message()
        );
    }
    let number = t
        .post(&charges, json!({"amount": 12.5, "currency": "EUR"}))
        .await;
    assert_eq!(
        number.status,
        StatusCode::BAD_REQUEST,
        "amounts are strings, never floats"
    );
    let billing = t
        .get(&format!("/api/v1/organizations/{acme}/billing"))
        .await;
    assert_eq!(billing.body["total_minutes"], 0);
    assert_eq!(billing.body["totals"], json!([]));
    let missing = t
        .post("/api/v1/tickets/99999/time-entries", json!({"minutes": 5}))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unknown = t
        .get(&format!(
            "/api/v1/organizations/{acme}/billing?details=everything"
        ))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.body["error"]["field"], "details");
}

#[tokio::test]
async fn entries_are_corrected_or_removed_by_their_logger_or_an_admin_and_recorded() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let ticket = ticket_of(&t, acme, "Printer jammed").await;
    let bo = t
        .agent_token("bo@helpdesk.test", "bo's long password", false)
        .await;
    let cy = t
        .agent_token("cy@helpdesk.test", "cy's long password", false)
        .await;
    let logged = t
        .post_as(
            &bo,
            &format!("/api/v1/tickets/{ticket}/time-entries"),
            json!({"minutes": 30}),
        )
        .await;
    let time = format!("/api/v1/time-entries/{}", logged.id());
    let charged = t
        .post_as(
            &bo,
            &format!("/api/v1/tickets/{ticket}/charges"),
            json!({"amount": "12.50", "currency": "EUR"}),
        )
        .await;
    let money = format!("/api/v1/charges/{}", charged.id());

    for path in [&time, &money] {
        let refused = t.patch_as(&cy, path, json!({"version": 1})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        let refused = t.send(Method::DELETE, path, Some(&cy), None, &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
    let corrected = t
        .patch_as(
            &bo,
            &time,
            json!({"minutes": 45, "billable": false, "version": 1}),
        )
        .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    assert_eq!(corrected.body["minutes"], 45);
    assert_eq!(corrected.body["version"], 2);
    let stale = t
        .patch_as(&bo, &time, json!({"minutes": 50, "version": 1}))
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let to_yen = t.patch(&money, json!({"currency": "JPY"})).await;
    assert_eq!(
        to_yen.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "12.50 is no amount of yen"
    );
    let by_admin = t
        .patch(&money, json!({"currency": "JPY", "amount": "2000"}))
        .await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.body);
    assert_eq!(by_admin.body["amount"], "2000");
    let removed = t.send(Method::DELETE, &time, Some(&bo), None, &[]).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&time).await.status, StatusCode::NOT_FOUND);
    let billing = t
        .get(&format!("/api/v1/organizations/{acme}/billing"))
        .await;
    assert_eq!(billing.body["total_minutes"], 0);
    assert_eq!(
        billing.body["totals"],
        json!([{"currency": "JPY", "amount": "2000"}])
    );

    let activity = t
        .get(&format!("/api/v1/organizations/{acme}/activity"))
        .await;
    let actions = activity.strings("action");
    assert_eq!(
        actions[..5],
        [
            "time_removed",
            "charge_changed",
            "time_changed",
            "charge_added",
            "time_logged"
        ]
    );
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    assert!(
        !history
            .strings("action")
            .iter()
            .any(|a| a.starts_with("time_") || a.starts_with("charge_")),
        "billing is activity around the organization, not a change of it"
    );
    let changed = &activity.body["data"][1]["changes"][0];
    assert_eq!(changed["old"]["amount"], "12.50");
    assert_eq!(changed["new"]["amount"], "2000");
}

#[tokio::test]
async fn of_two_corrections_of_one_charge_from_the_same_version_one_wins_and_one_is_refused() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let ticket = ticket_of(&t, acme, "Printer jammed").await;
    let charged = charge(&t, ticket, json!({"amount": "10", "currency": "EUR"})).await;
    let url = format!("/api/v1/charges/{}", charged["id"]);
    let (first, second) = tokio::join!(
        t.patch(&url, json!({"amount": "11", "version": 1})),
        t.patch(&url, json!({"amount": "12", "version": 1})),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PRECONDITION_FAILED]);
    let billing = t
        .get(&format!("/api/v1/organizations/{acme}/billing"))
        .await;
    let winner = if first.status == StatusCode::OK {
        "11.00"
    } else {
        "12.00"
    };
    assert_eq!(
        billing.body["totals"],
        json!([{"currency": "EUR", "amount": winner}])
    );
}
