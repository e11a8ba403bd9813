use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

/// Acme (acme.com) with requester Jane, colleague Bob and manager Mia; Globex with its
/// manager Olga; Carl from elsewhere. Jane's ticket CCs Carl.
struct World {
    t: TestApp,
    acme: i64,
    ticket: i64,
    jane: String,
    bob: String,
    mia: String,
    mia_id: i64,
    olga: String,
    carl: String,
    carl_id: i64,
}

async fn make_manager(t: &TestApp, organization: i64, user: i64) {
    let made = t
        .put(
            &format!("/api/v1/organizations/{organization}/members/{user}"),
            json!({"manager": true}),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
}

async fn world() -> World {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let globex = t
        .organization(json!({"name": "Globex", "domains": ["globex.com"]}))
        .await;
    let (_, jane) = t
        .portal_user("Jane", "jane@acme.com", "jane password")
        .await;
    let (_, bob) = t.portal_user("Bob", "bob@acme.com", "bob password").await;
    let (mia_user, mia) = t.portal_user("Mia", "mia@acme.com", "mia password").await;
    let (olga_user, olga) = t
        .portal_user("Olga", "olga@globex.com", "olga password")
        .await;
    let (carl_user, carl) = t
        .portal_user("Carl", "carl@example.org", "carl password")
        .await;
    let mia_id = mia_user["id"].as_i64().unwrap();
    make_manager(&t, acme, mia_id).await;
    make_manager(&t, globex, olga_user["id"].as_i64().unwrap()).await;
    let created = t
        .post_as(
            &jane,
            "/api/v1/portal/tickets",
            json!({"subject": "Printer jammed", "body": "Tray 2."}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let ticket = created.id();
    let carl_id = carl_user["id"].as_i64().unwrap();
    let cc = t
        .patch(
            &format!("/api/v1/tickets/{ticket}"),
            json!({"cc_ids": [carl_id]}),
        )
        .await;
    assert_eq!(cc.status, StatusCode::OK, "{}", cc.body);
    World {
        t,
        acme,
        ticket,
        jane,
        bob,
        mia,
        mia_id,
        olga,
        carl,
        carl_id,
    }
}

#[tokio::test]
async fn who_may_read_reply_to_and_list_a_ticket() {
    let w = world().await;
    let t = &w.t;
    let ticket = format!("/api/v1/portal/tickets/{}", w.ticket);
    let messages = format!("{ticket}/messages");
    let agent = t
        .agent_token("agent@helpdesk.test", "agent password", false)
        .await;

    // (who, token, may read, may reply, sees it in `mine`, may list the organization)
    let matrix: [(&str, &str, StatusCode, StatusCode, bool, StatusCode); 5] = [
        (
            "requester",
            &w.jane,
            StatusCode::OK,
            StatusCode::CREATED,
            true,
            StatusCode::FORBIDDEN,
        ),
        (
            "CC'd user",
            &w.carl,
            StatusCode::OK,
            StatusCode::CREATED,
            true,
            StatusCode::FORBIDDEN,
        ),
        (
            "colleague",
            &w.bob,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            false,
            StatusCode::FORBIDDEN,
        ),
        (
            "manager",
            &w.mia,
            StatusCode::OK,
            StatusCode::FORBIDDEN,
            false,
            StatusCode::OK,
        ),
        (
            "other organization's manager",
            &w.olga,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            false,
            StatusCode::OK,
        ),
    ];
    for (who, token, read, reply, in_mine, organization) in matrix {
        assert_eq!(t.get_as(token, &ticket).await.status, read, "{who} reads");
        assert_eq!(
            t.get_as(token, &messages).await.status,
            read,
            "{who} reads messages"
        );
        let replied = t
            .post_as(token, &messages, json!({"body": format!("from the {who}")}))
            .await;
        assert_eq!(replied.status, reply, "{who} replies: {}", replied.body);
        let mine = t.get_as(token, "/api/v1/portal/tickets?scope=mine").await;
        assert_eq!(
            mine.strings("subject")
                .contains(&"Printer jammed".to_owned()),
            in_mine,
            "{who}'s own list"
        );
        let listed = t
            .get_as(token, "/api/v1/portal/tickets?scope=organization")
            .await;
        assert_eq!(listed.status, organization, "{who} lists the organization");
        if listed.status == StatusCode::OK {
            let sees = listed
                .strings("subject")
                .contains(&"Printer jammed".to_owned());
            assert_eq!(
                sees,
                who == "manager",
                "{who} sees the ticket among the organization's"
            );
        }
    }
    // Refusals look exactly like a missing ticket: nothing about its existence leaks.
    let hidden = t.get_as(&w.bob, &ticket).await;
    let missing = t.get_as(&w.bob, "/api/v1/portal/tickets/987654").await;
    assert_eq!(hidden.code(), missing.code());
    assert_eq!(
        hidden.message().replace(&w.ticket.to_string(), "N"),
        missing.message().replace("987654", "N")
    );

    // Agents use the agent API; the portal routes are for users.
    assert_eq!(
        t.get_as(&agent, &ticket).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get_as(&agent, &format!("/api/v1/tickets/{}", w.ticket))
            .await
            .status,
        StatusCode::OK
    );
    // Anonymous callers get nothing.
    assert_eq!(
        t.send(Method::GET, &ticket, None, None, &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.send(Method::GET, "/api/v1/portal/tickets", None, None, &[])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Only the requester's and the CC'd user's replies were added.
    let all = t
        .get(&format!("/api/v1/tickets/{}/messages", w.ticket))
        .await;
    assert_eq!(
        all.body["data"].as_array().unwrap().len(),
        3,
        "{}",
        all.body
    );
}

#[tokio::test]
async fn internal_notes_never_reach_the_portal_neither_listed_nor_searched() {
    let w = world().await;
    let t = &w.t;
    let noted = t
        .post(
            &format!("/api/v1/tickets/{}/messages", w.ticket),
            json!({"body": "customer owes us an invoice", "internal": true}),
        )
        .await;
    assert_eq!(noted.status, StatusCode::CREATED);
    let messages = t
        .get_as(
            &w.jane,
            &format!("/api/v1/portal/tickets/{}/messages", w.ticket),
        )
        .await;
    let bodies: Vec<&str> = messages.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Tray 2."]);
    for (token, scope) in [(&w.jane, "mine"), (&w.mia, "organization")] {
        let found = t
            .get_as(
                token,
                &format!("/api/v1/portal/tickets?scope={scope}&q=invoice"),
            )
            .await;
        assert!(
            found.strings("subject").is_empty(),
            "{scope}: {}",
            found.body
        );
        let found = t
            .get_as(
                token,
                &format!("/api/v1/portal/tickets?scope={scope}&q=tray"),
            )
            .await;
        assert_eq!(found.strings("subject"), ["Printer jammed"], "{scope}");
    }
    let agents = t
        .get(&format!(
            "/api/v1/organizations/{}/tickets?q=invoice",
            w.acme
        ))
        .await;
    assert_eq!(
        agents.strings("subject"),
        ["Printer jammed"],
        "agents search notes"
    );
    assert!(
        t.get_as(&w.jane, &format!("/api/v1/portal/tickets/{}", w.ticket))
            .await
            .body
            .get("assignee_id")
            .is_none()
    );
}

#[tokio::test]
async fn a_manager_searches_every_ticket_of_their_organization_only() {
    let w = world().await;
    let t = &w.t;
    t.post_as(
        &w.bob,
        "/api/v1/portal/tickets",
        json!({"subject": "Printer toner", "body": "empty"}),
    )
    .await;
    t.post_as(
        &w.olga,
        "/api/v1/portal/tickets",
        json!({"subject": "Printer at Globex", "body": "broken"}),
    )
    .await;
    let found = t
        .get_as(
            &w.mia,
            "/api/v1/portal/tickets?scope=organization&q=printer",
        )
        .await;
    assert_eq!(
        found.strings("subject"),
        ["Printer toner", "Printer jammed"]
    );
    let mine = t.get_as(&w.bob, "/api/v1/portal/tickets?q=printer").await;
    assert_eq!(
        mine.strings("subject"),
        ["Printer toner"],
        "a colleague sees only their own"
    );
    let bad = t
        .get_as(&w.mia, "/api/v1/portal/tickets?scope=everyone")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "scope");
}

#[tokio::test]
async fn managers_with_auto_cc_are_copied_on_every_new_ticket_of_their_organization() {
    let w = world().await;
    let t = &w.t;
    let on = t
        .send(
            Method::PATCH,
            "/api/v1/portal/me",
            Some(&w.mia),
            Some(json!({"auto_cc_organization_tickets": true})),
            &[],
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);

    let from_portal = t
        .post_as(
            &w.bob,
            "/api/v1/portal/tickets",
            json!({"subject": "Badge", "body": "lost"}),
        )
        .await;
    assert_eq!(from_portal.body["cc_ids"], json!([w.mia_id]));
    let bob_id = from_portal.body["requester_id"].as_i64().unwrap();
    let by_agent = t
        .post("/api/v1/tickets", json!({"requester_id": bob_id, "subject": "Chair", "body": "broken", "cc_ids": [w.carl_id]}))
        .await;
    assert_eq!(
        by_agent.body["cc_ids"],
        json!([w.carl_id, w.mia_id]),
        "however it was created"
    );
    let own = t
        .post_as(
            &w.mia,
            "/api/v1/portal/tickets",
            json!({"subject": "Mine", "body": "x"}),
        )
        .await;
    assert_eq!(
        own.body["cc_ids"],
        json!([]),
        "a manager is not CC'd on their own ticket"
    );
    let elsewhere = t
        .post_as(
            &w.olga,
            "/api/v1/portal/tickets",
            json!({"subject": "Globex thing", "body": "x"}),
        )
        .await;
    assert_eq!(elsewhere.body["cc_ids"], json!([]));
    // CC'd, the manager now takes part: they can reply.
    let reply = t
        .post_as(
            &w.mia,
            &format!("/api/v1/portal/tickets/{}/messages", from_portal.id()),
            json!({"body": "I'll check."}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // Tickets opened before auto-CC was on are left alone.
    let old = t.get(&format!("/api/v1/tickets/{}", w.ticket)).await;
    assert_eq!(old.body["cc_ids"], json!([w.carl_id]));
}

#[tokio::test]
async fn a_customer_reply_reopens_a_pending_or_solved_ticket() {
    let w = world().await;
    let t = &w.t;
    let path = format!("/api/v1/tickets/{}", w.ticket);
    for status in ["pending", "solved"] {
        t.patch(&path, json!({"status": status})).await;
        let replied = t
            .post_as(
                &w.jane,
                &format!("/api/v1/portal/tickets/{}/messages", w.ticket),
                json!({"body": "still broken"}),
            )
            .await;
        assert_eq!(replied.status, StatusCode::CREATED);
        assert_eq!(replied.body["author"]["type"], "user");
        assert_eq!(t.get(&path).await.body["status"], "open", "after {status}");
    }
    t.patch(&path, json!({"status": "closed"})).await;
    let closed = t
        .post_as(
            &w.jane,
            &format!("/api/v1/portal/tickets/{}/messages", w.ticket),
            json!({"body": "hello?"}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    assert_eq!(closed.code(), "ticket_closed");
}

#[tokio::test]
async fn portal_ticket_input_is_validated_and_refusals_create_nothing() {
    let w = world().await;
    let t = &w.t;
    for (body, field) in [
        (json!({"subject": "", "body": "x"}), "subject"),
        (json!({"subject": "x", "body": "   "}), "body"),
    ] {
        let refused = t.post_as(&w.bob, "/api/v1/portal/tickets", body).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.body["error"]["field"], field);
    }
    let smuggled = t
        .post_as(
            &w.bob,
            "/api/v1/portal/tickets",
            json!({"subject": "x", "body": "y", "assignee_id": 1}),
        )
        .await;
    assert_eq!(
        smuggled.status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    let mine = t.get_as(&w.bob, "/api/v1/portal/tickets").await;
    assert_eq!(mine.body["data"], Value::Array(vec![]));
}

#[tokio::test]
async fn a_manager_of_the_old_organization_keeps_seeing_a_moved_users_old_tickets() {
    let w = world().await;
    let t = &w.t;
    let jane_id = t.get_as(&w.jane, "/api/v1/portal/me").await.id();
    let globex = t.get("/api/v1/organizations?q=globex").await.body["data"][0]["id"]
        .as_i64()
        .unwrap();
    t.put(
        &format!("/api/v1/organizations/{globex}/members/{jane_id}"),
        json!({}),
    )
    .await;
    let path = format!("/api/v1/portal/tickets/{}", w.ticket);
    assert_eq!(
        t.get_as(&w.mia, &path).await.status,
        StatusCode::OK,
        "recorded at Acme"
    );
    assert_eq!(t.get_as(&w.olga, &path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get_as(&w.jane, &path).await.status,
        StatusCode::OK,
        "still the requester"
    );
    // A manager who stops being one loses the organization view.
    t.put(
        &format!("/api/v1/organizations/{}/members/{}", w.acme, w.mia_id),
        json!({"manager": false}),
    )
    .await;
    assert_eq!(t.get_as(&w.mia, &path).await.status, StatusCode::NOT_FOUND);
    let listed = t
        .get_as(&w.mia, "/api/v1/portal/tickets?scope=organization")
        .await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
}
