use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

async fn member(t: &TestApp, name: &str, organization: i64, manager: bool) -> i64 {
    let user = t
        .user(json!({"name": name, "email": format!("{}@example.org", name.to_lowercase()), "organization_id": organization, "manager": manager}))
        .await;
    user["id"].as_i64().unwrap()
}

async fn ticket(t: &TestApp, requester: i64, subject: &str, body: &str) -> i64 {
    let created = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": requester, "subject": subject, "body": body}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.id()
}

#[tokio::test]
async fn an_organizations_tickets_optionally_include_its_subsidiaries() {
    let t = TestApp::start().await;
    let holding = t.org("Holding", None).await;
    let subsidiary = t.org("Subsidiary", Some(holding)).await;
    let grandchild = t.org("Grandchild", Some(subsidiary)).await;
    let unrelated = t.org("Unrelated", None).await;
    let h = member(&t, "Hanna", holding, false).await;
    let s = member(&t, "Sam", subsidiary, false).await;
    let g = member(&t, "Gina", grandchild, false).await;
    let u = member(&t, "Uma", unrelated, false).await;
    ticket(&t, h, "Holding one", "x").await;
    ticket(&t, s, "Subsidiary one", "x").await;
    ticket(&t, g, "Grandchild one", "x").await;
    ticket(&t, u, "Unrelated one", "x").await;

    let own = t
        .get(&format!("/api/v1/organizations/{holding}/tickets"))
        .await;
    assert_eq!(own.strings("subject"), ["Holding one"]);
    let all = t
        .get(&format!(
            "/api/v1/organizations/{holding}/tickets?include_descendants=true"
        ))
        .await;
    assert_eq!(
        all.strings("subject"),
        ["Grandchild one", "Subsidiary one", "Holding one"]
    );
    let middle = t
        .get(&format!(
            "/api/v1/organizations/{subsidiary}/tickets?include_descendants=true&limit=1"
        ))
        .await;
    assert_eq!(middle.strings("subject"), ["Grandchild one"]);
    let cursor = middle.body["next_cursor"].as_str().unwrap();
    let rest = t
        .get(&format!("/api/v1/organizations/{subsidiary}/tickets?include_descendants=true&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(rest.strings("subject"), ["Subsidiary one"]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn an_organizations_tickets_filter_by_status_words_and_managers() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let boss = member(&t, "Boss", acme, true).await;
    let worker = member(&t, "Worker", acme, false).await;
    let first = ticket(&t, boss, "Renew contract", "the annual licence").await;
    ticket(&t, worker, "Printer jammed", "tray two").await;
    ticket(&t, worker, "Licence key lost", "need a new one").await;
    t.patch(
        &format!("/api/v1/tickets/{first}"),
        json!({"status": "solved"}),
    )
    .await;

    let base = format!("/api/v1/organizations/{acme}/tickets");
    assert_eq!(
        t.get(&format!("{base}?status=solved"))
            .await
            .strings("subject"),
        ["Renew contract"]
    );
    assert_eq!(
        t.get(&format!("{base}?q=licence")).await.strings("subject"),
        ["Licence key lost", "Renew contract"]
    );
    assert_eq!(
        t.get(&format!("{base}?requester_manager=true"))
            .await
            .strings("subject"),
        ["Renew contract"]
    );
    assert_eq!(
        t.get(&format!("{base}?requester_manager=false"))
            .await
            .strings("subject"),
        ["Licence key lost", "Printer jammed"]
    );
    assert_eq!(
        t.get(&format!(
            "{base}?requester_manager=true&q=licence&status=solved"
        ))
        .await
        .strings("subject"),
        ["Renew contract"]
    );
    // Managers are who manages now: promoting the worker brings their tickets in.
    t.put(
        &format!("/api/v1/organizations/{acme}/members/{worker}"),
        json!({"manager": true}),
    )
    .await;
    assert_eq!(
        t.get(&format!("{base}?requester_manager=true"))
            .await
            .strings("subject")
            .len(),
        3
    );

    let bad_status = t.get(&format!("{base}?status=done")).await;
    assert_eq!(bad_status.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_status.body["error"]["field"], "status");
    assert_eq!(
        t.get("/api/v1/organizations/999999/tickets").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn members_new_tickets_appear_in_the_activity_stream_but_not_the_history() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jane = member(&t, "Jane", acme, false).await;
    let id = ticket(&t, jane, "Printer jammed", "x").await;
    let activity = t
        .get(&format!("/api/v1/organizations/{acme}/activity"))
        .await;
    let newest = &activity.body["data"][0];
    assert_eq!(newest["action"], "ticket_created", "{}", activity.body);
    assert_eq!(newest["user"]["id"], jane);
    assert_eq!(
        newest["changes"][0],
        json!({"field": "ticket", "old": null, "new": id})
    );
    assert_eq!(newest["changes"][1]["new"], "Printer jammed");
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    assert!(
        history.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|event| event["action"] != "ticket_created")
    );
}

#[tokio::test]
async fn deleting_an_organization_keeps_its_tickets_unaffiliated() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jane = member(&t, "Jane", acme, false).await;
    let id = ticket(&t, jane, "Printer jammed", "x").await;
    assert_eq!(
        t.delete(&format!("/api/v1/organizations/{acme}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let kept = t.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.body["organization_id"], Value::Null);
    assert_eq!(
        t.get("/api/v1/tickets?q=printer").await.strings("subject"),
        ["Printer jammed"]
    );
}
