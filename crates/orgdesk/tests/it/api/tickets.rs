use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

/// A user in `organization` (or none), created by the admin; returns their id.
async fn user_in(t: &TestApp, name: &str, email: &str, organization: Option<i64>) -> i64 {
    t.user_id(json!({"name": name, "email": email, "organization_id": organization}))
        .await
}

async fn ticket(t: &TestApp, body: Value) -> Value {
    let created = t.post("/api/v1/tickets", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body
}

#[tokio::test]
async fn a_ticket_records_the_requesters_organization_at_creation_and_keeps_it_when_they_move() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let globex = t.org("Globex", None).await;
    let jane = user_in(&t, "Jane", "jane@example.org", Some(acme)).await;
    let cc = user_in(&t, "Carl", "carl@example.org", None).await;

    let created = ticket(
        &t,
        json!({"requester_id": jane, "subject": "Printer jammed", "body": "Tray 2 again.", "cc_ids": [cc, jane, cc], "priority": "high"}),
    )
    .await;
    assert_eq!(created["organization_id"], acme);
    assert_eq!(created["organization"]["name"], "Acme");
    assert_eq!(created["requester"], json!({"id": jane, "name": "Jane"}));
    assert_eq!(
        created["cc_ids"],
        json!([cc]),
        "duplicates and the requester dropped"
    );
    assert_eq!(created["status"], "new");
    assert_eq!(created["priority"], "high");
    assert_eq!(created["version"], 1);

    let moved = t
        .put(
            &format!("/api/v1/organizations/{globex}/members/{jane}"),
            json!({}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let id = created["id"].as_i64().unwrap();
    let read = t.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(
        read.body["organization_id"], acme,
        "old tickets stay where they were"
    );

    let later = ticket(
        &t,
        json!({"requester_id": jane, "subject": "New desk", "body": "Please."}),
    )
    .await;
    assert_eq!(later["organization_id"], globex);
}

#[tokio::test]
async fn an_agent_can_change_a_tickets_organization_status_assignee_and_ccs() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let globex = t.org("Globex", None).await;
    let jane = user_in(&t, "Jane", "jane@example.org", Some(acme)).await;
    let carl = user_in(&t, "Carl", "carl@example.org", None).await;
    let created = ticket(
        &t,
        json!({"requester_id": jane, "subject": "VPN", "body": "Down."}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let agents = t.get("/api/v1/agents").await;
    let admin_id = agents.body["data"][0]["id"].as_i64().unwrap();

    let changed = t
        .patch(
            &format!("/api/v1/tickets/{id}"),
            json!({"organization_id": globex, "status": "pending", "assignee_id": admin_id, "cc_ids": [carl], "version": 1}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["organization_id"], globex);
    assert_eq!(changed.body["status"], "pending");
    assert_eq!(changed.body["assignee_id"], admin_id);
    assert_eq!(changed.body["cc_ids"], json!([carl]));
    assert_eq!(changed.body["version"], 2);

    let unaffiliated = t
        .patch(
            &format!("/api/v1/tickets/{id}"),
            json!({"organization_id": null}),
        )
        .await;
    assert_eq!(unaffiliated.body["organization_id"], Value::Null);
    assert_eq!(
        unaffiliated.body["assignee_id"], admin_id,
        "untouched fields stay"
    );
}

#[tokio::test]
async fn a_stale_ticket_version_is_refused_and_changes_nothing() {
    let t = TestApp::start().await;
    let jane = user_in(&t, "Jane", "jane@example.org", None).await;
    let id = ticket(
        &t,
        json!({"requester_id": jane, "subject": "A", "body": "B"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let first = t
        .send(
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            Some(&t.admin_token),
            Some(json!({"status": "open"})),
            &[("If-Match", "1")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = t
        .send(
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            Some(&t.admin_token),
            Some(json!({"status": "solved"})),
            &[("If-Match", "1")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "version_conflict");
    assert_eq!(
        t.get(&format!("/api/v1/tickets/{id}")).await.body["status"],
        "open"
    );
}

#[tokio::test]
async fn bad_ticket_input_is_refused_naming_the_field_and_creates_nothing() {
    let t = TestApp::start().await;
    let jane = user_in(&t, "Jane", "jane@example.org", None).await;
    let cases = [
        (
            json!({"requester_id": jane, "subject": "  ", "body": "x"}),
            "subject",
        ),
        (
            json!({"requester_id": jane, "subject": "x", "body": ""}),
            "body",
        ),
        (
            json!({"requester_id": 999_999, "subject": "x", "body": "y"}),
            "requester_id",
        ),
        (
            json!({"requester_id": jane, "subject": "x", "body": "y", "cc_ids": [999_998]}),
            "cc_ids",
        ),
        (
            json!({"requester_id": jane, "subject": "x", "body": "y", "assignee_id": 999_997}),
            "assignee_id",
        ),
        (
            json!({"requester_id": jane, "subject": "x", "body": "y", "status": "done"}),
            "status",
        ),
        (
            json!({"requester_id": jane, "subject": "x", "body": "y", "priority": "meh"}),
            "priority",
        ),
        (
            json!({"requester_id": jane, "subject": "x", "body": "y", "department_id": 0}),
            "department_id",
        ),
    ];
    for (body, field) in cases {
        let refused = t.post("/api/v1/tickets", body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            refused.body
        );
        assert_eq!(refused.body["error"]["field"], field, "{body}");
    }
    assert!(
        t.get("/api/v1/tickets").await.body["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let wrong_type = t
        .post("/api/v1/tickets", json!({"requester_id": "jane"}))
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        t.get("/api/v1/tickets/424242").await.status,
        StatusCode::NOT_FOUND
    );
    let missing_cc = t
        .post("/api/v1/tickets", json!({"requester_id": jane, "subject": "x", "body": "y", "cc_ids": [jane, 999_998, 999_996]}))
        .await;
    assert!(
        missing_cc.message().contains("999998, 999996"),
        "{}",
        missing_cc.message()
    );
}

#[tokio::test]
async fn replies_open_new_tickets_notes_do_not_and_closed_tickets_take_no_messages() {
    let t = TestApp::start().await;
    let jane = user_in(&t, "Jane", "jane@example.org", None).await;
    let id = ticket(
        &t,
        json!({"requester_id": jane, "subject": "A", "body": "first"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/tickets/{id}/messages");

    let note = t
        .post(
            &path,
            json!({"body": "customer is on the old plan", "internal": true}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    assert_eq!(note.body["internal"], true);
    assert_eq!(note.body["author"]["type"], "agent");
    assert_eq!(
        t.get(&format!("/api/v1/tickets/{id}")).await.body["status"],
        "new"
    );

    let reply = t.post(&path, json!({"body": "On it."})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let after_reply = t.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(after_reply.body["status"], "open");

    let closing = t
        .post(&path, json!({"body": "Done.", "status": "closed"}))
        .await;
    assert_eq!(closing.status, StatusCode::CREATED);
    let refused = t.post(&path, json!({"body": "One more thing"})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "ticket_closed");

    let messages = t.get(&path).await;
    let bodies: Vec<&str> = messages.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["first", "customer is on the old plan", "On it.", "Done."]
    );
    assert_eq!(
        messages.body["data"][0]["author"]["type"], "agent",
        "opened by the agent"
    );
}

#[tokio::test]
async fn the_ticket_list_filters_by_status_requester_and_words_newest_first() {
    let t = TestApp::start().await;
    let jane = user_in(&t, "Jane", "jane@example.org", None).await;
    let bob = user_in(&t, "Bob", "bob@example.org", None).await;
    ticket(
        &t,
        json!({"requester_id": jane, "subject": "Printer jammed", "body": "tray"}),
    )
    .await;
    ticket(
        &t,
        json!({"requester_id": bob, "subject": "VPN down", "body": "since the printer update"}),
    )
    .await;
    let third = ticket(
        &t,
        json!({"requester_id": jane, "subject": "Laptop", "body": "slow", "status": "open"}),
    )
    .await;
    t.post(
        &format!("/api/v1/tickets/{}/messages", third["id"]),
        json!({"body": "Suspect the printer driver", "internal": true}),
    )
    .await;

    assert_eq!(
        t.get("/api/v1/tickets").await.strings("subject"),
        ["Laptop", "VPN down", "Printer jammed"]
    );
    assert_eq!(
        t.get("/api/v1/tickets?status=open")
            .await
            .strings("subject"),
        ["Laptop"]
    );
    assert_eq!(
        t.get(&format!("/api/v1/tickets?requester_id={jane}"))
            .await
            .strings("subject"),
        ["Laptop", "Printer jammed"]
    );
    assert_eq!(
        t.get("/api/v1/tickets?q=PRINTER").await.strings("subject"),
        ["Laptop", "VPN down", "Printer jammed"],
        "subject, reply and internal note all count for agents"
    );
    assert_eq!(
        t.get("/api/v1/tickets?q=printer%20tray")
            .await
            .strings("subject"),
        ["Printer jammed"]
    );
    assert!(
        t.get("/api/v1/tickets?q=print")
            .await
            .strings("subject")
            .is_empty(),
        "whole words"
    );
    let refused = t.get("/api/v1/tickets?q=%3F%3F").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["error"]["field"], "q");
}

#[tokio::test]
async fn changing_the_subject_reindexes_the_ticket_for_search() {
    let t = TestApp::start().await;
    let jane = user_in(&t, "Jane", "jane@example.org", None).await;
    let id = ticket(
        &t,
        json!({"requester_id": jane, "subject": "Printer jammed", "body": "tray two"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    t.post(
        &format!("/api/v1/tickets/{id}/messages"),
        json!({"body": "toner ordered"}),
    )
    .await;
    t.patch(
        &format!("/api/v1/tickets/{id}"),
        json!({"subject": "Scanner offline"}),
    )
    .await;
    assert!(
        t.get("/api/v1/tickets?q=printer")
            .await
            .strings("subject")
            .is_empty()
    );
    assert_eq!(
        t.get("/api/v1/tickets?q=scanner%20toner%20tray")
            .await
            .strings("subject"),
        ["Scanner offline"]
    );
}

#[tokio::test]
async fn ticket_lists_page_with_cursors_without_gaps_or_repeats() {
    let t = TestApp::start().await;
    let jane = user_in(&t, "Jane", "jane@example.org", None).await;
    for n in 0..7 {
        ticket(
            &t,
            json!({"requester_id": jane, "subject": format!("T{n}"), "body": "b"}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/tickets?limit=3".to_owned();
    loop {
        let page = t.get(&path).await;
        seen.extend(page.strings("subject"));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/tickets?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["T6", "T5", "T4", "T3", "T2", "T1", "T0"]);
}

#[tokio::test]
async fn a_user_token_on_agent_ticket_routes_is_forbidden() {
    let t = TestApp::start().await;
    let (_, token) = t
        .portal_user("Jane", "jane@example.org", "jane password")
        .await;
    let listed = t.get_as(&token, "/api/v1/tickets").await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
    let created = t
        .post_as(
            &token,
            "/api/v1/tickets",
            json!({"requester_id": 1, "subject": "x", "body": "y"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::FORBIDDEN);
    let anonymous = t
        .send(Method::GET, "/api/v1/tickets", None, None, &[])
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_closed_ticket_is_final_no_patch_reopens_or_changes_it() {
    let t = TestApp::start().await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@example.com"}))
        .await;
    let id = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": jane, "subject": "VPN", "body": "Down."}),
        )
        .await
        .id();
    let path = format!("/api/v1/tickets/{id}");
    let closed = t.patch(&path, json!({"status": "closed"})).await;
    assert_eq!(closed.body["status"], "closed", "{}", closed.body);
    let version = closed.body["version"].clone();

    for change in [
        json!({"status": "open"}),
        json!({"status": "solved"}),
        json!({"subject": "VPN again"}),
        json!({"priority": "urgent"}),
        json!({"cc_ids": []}),
        json!({"assignee_id": null}),
    ] {
        let refused = t.patch(&path, change.clone()).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{change}");
        assert_eq!(refused.code(), "ticket_closed", "{change}");
    }
    let unchanged = t.get(&path).await;
    assert_eq!(unchanged.body["status"], "closed");
    assert_eq!(unchanged.body["subject"], "VPN");
    assert_eq!(
        unchanged.body["version"], version,
        "refusals change nothing"
    );

    // Saying it is closed again is no change, and is not refused.
    let again = t.patch(&path, json!({"status": "closed"})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}

#[tokio::test]
async fn a_department_id_is_refused_until_departments_exist() {
    let t = TestApp::start().await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@example.com"}))
        .await;
    let refused = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": jane, "subject": "VPN", "body": "Down.", "department_id": 3}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["error"]["field"], "department_id");
    assert!(
        t.get("/api/v1/tickets").await.body["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let created = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": jane, "subject": "VPN", "body": "Down.", "department_id": null}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["department_id"], json!(null));
    let path = format!("/api/v1/tickets/{}", created.id());
    let patched = t.patch(&path, json!({"department_id": 7})).await;
    assert_eq!(patched.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(patched.body["error"]["field"], "department_id");
    assert_eq!(t.get(&path).await.body["version"], 1, "nothing changed");
}

#[tokio::test]
async fn the_ticket_list_narrows_to_one_organization_without_its_subsidiaries() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let labs = t.org("Acme Labs", Some(acme)).await;
    let ann = user_in(&t, "Ann", "ann@acme.test", Some(acme)).await;
    let lea = user_in(&t, "Lea", "lea@labs.test", Some(labs)).await;
    let bo = user_in(&t, "Bo", "bo@example.org", None).await;
    for (requester, subject) in [(ann, "Acme's"), (lea, "Labs'"), (bo, "Nobody's")] {
        ticket(
            &t,
            json!({"requester_id": requester, "subject": subject, "body": "b"}),
        )
        .await;
    }
    assert_eq!(
        t.get(&format!("/api/v1/tickets?organization_id={acme}"))
            .await
            .strings("subject"),
        ["Acme's"]
    );
    assert_eq!(
        t.get(&format!("/api/v1/tickets?organization_id={labs}&q=labs"))
            .await
            .strings("subject"),
        ["Labs'"]
    );
}
