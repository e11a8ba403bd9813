use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::{Value, json};

async fn usergroup(t: &TestApp, name: &str) -> i64 {
    let response = t
        .post(
            "/api/v1/usergroups",
            json!({"name": name, "permissions": ["portal.chat"]}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.id()
}

/// (name, direct, via_organization) of each member, in user order.
async fn members(t: &TestApp, group: i64) -> Vec<(String, bool, bool)> {
    let response = t.get(&format!("/api/v1/usergroups/{group}/members")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["name"].as_str().unwrap().to_owned(),
                m["direct"].as_bool().unwrap(),
                m["via_organization"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn member(name: &str, direct: bool, via: bool) -> (String, bool, bool) {
    (name.to_owned(), direct, via)
}

#[tokio::test]
async fn unlinking_an_organization_keeps_only_the_users_added_directly() {
    // The example of the product documentation: User A of Energy.io is the only member
    // of Power Users; the organization is linked, then unlinked.
    let t = TestApp::start().await;
    let energy = t
        .organization(json!({"name": "Energy.io", "domains": ["energy.io"]}))
        .await;
    let a = t
        .user(json!({"name": "User A", "email": "a@energy.io"}))
        .await;
    t.user(json!({"name": "User B", "email": "b@energy.io"}))
        .await;
    t.user(json!({"name": "User C", "email": "c@energy.io"}))
        .await;
    let power = usergroup(&t, "Power Users").await;
    assert_eq!(
        t.put_empty(&format!("/api/v1/usergroups/{power}/members/{}", a["id"]))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        members(&t, power).await,
        vec![member("User A", true, false)]
    );

    assert_eq!(
        t.put_empty(&format!(
            "/api/v1/organizations/{energy}/usergroups/{power}"
        ))
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        members(&t, power).await,
        vec![
            member("User A", true, true),
            member("User B", false, true),
            member("User C", false, true)
        ]
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{energy}")).await.body["usergroup_ids"],
        json!([power])
    );

    assert_eq!(
        t.delete(&format!(
            "/api/v1/organizations/{energy}/usergroups/{power}"
        ))
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        members(&t, power).await,
        vec![member("User A", true, false)]
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{energy}")).await.body["usergroup_ids"],
        json!([])
    );
}

#[tokio::test]
async fn users_who_join_a_linked_organization_are_in_and_users_who_leave_are_out() {
    let t = TestApp::start().await;
    let energy = t.org("Energy.io", None).await;
    let vips = usergroup(&t, "VIPs").await;
    t.put_empty(&format!("/api/v1/organizations/{energy}/usergroups/{vips}"))
        .await;
    let late = t
        .user(json!({"name": "Late Joiner", "email": "late@example.org"}))
        .await;
    assert_eq!(members(&t, vips).await, vec![]);
    t.put(
        &format!("/api/v1/organizations/{energy}/members/{}", late["id"]),
        json!({}),
    )
    .await;
    assert_eq!(
        members(&t, vips).await,
        vec![member("Late Joiner", false, true)]
    );
    let groups = t
        .get(&format!("/api/v1/users/{}/usergroups", late["id"]))
        .await;
    assert_eq!(
        groups.body["data"],
        json!([{"usergroup": {"id": vips, "name": "VIPs"}, "direct": false, "via_organization": true}])
    );
    t.delete(&format!(
        "/api/v1/organizations/{energy}/members/{}",
        late["id"]
    ))
    .await;
    assert_eq!(members(&t, vips).await, vec![]);
    assert_eq!(
        t.get(&format!("/api/v1/users/{}/usergroups", late["id"]))
            .await
            .body["data"],
        json!([])
    );
}

#[tokio::test]
async fn a_membership_through_the_organization_cannot_be_removed_from_the_user_alone() {
    let t = TestApp::start().await;
    let energy = t.org("Energy.io", None).await;
    let vips = usergroup(&t, "VIPs").await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@example.org", "organization_id": energy}))
        .await;
    t.put_empty(&format!("/api/v1/organizations/{energy}/usergroups/{vips}"))
        .await;
    let refused = t
        .delete(&format!("/api/v1/usergroups/{vips}/members/{}", jane["id"]))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "membership_from_organization");
    assert!(
        refused.message().contains("Energy.io"),
        "{}",
        refused.message()
    );
    assert_eq!(
        members(&t, vips).await,
        vec![member("Jane", false, true)],
        "nothing changed"
    );

    // Direct and through the organization: removing the direct part leaves the other.
    t.put_empty(&format!("/api/v1/usergroups/{vips}/members/{}", jane["id"]))
        .await;
    assert_eq!(members(&t, vips).await, vec![member("Jane", true, true)]);
    assert_eq!(
        t.delete(&format!("/api/v1/usergroups/{vips}/members/{}", jane["id"]))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(members(&t, vips).await, vec![member("Jane", false, true)]);

    let outsider = t
        .user(json!({"name": "Outsider", "email": "out@example.org"}))
        .await;
    assert_eq!(
        t.delete(&format!(
            "/api/v1/usergroups/{vips}/members/{}",
            outsider["id"]
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn links_do_not_pass_through_the_hierarchy() {
    let t = TestApp::start().await;
    let parent = t.org("Parent", None).await;
    let child = t.org("Child", Some(parent)).await;
    t.user(json!({"name": "Child Member", "email": "cm@example.org", "organization_id": child}))
        .await;
    let vips = usergroup(&t, "VIPs").await;
    t.put_empty(&format!("/api/v1/organizations/{parent}/usergroups/{vips}"))
        .await;
    assert_eq!(members(&t, vips).await, vec![]);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{child}")).await.body["usergroup_ids"],
        json!([])
    );
}

#[tokio::test]
async fn links_and_unlinks_are_recorded_on_the_organization() {
    let t = TestApp::start().await;
    let energy = t.org("Energy.io", None).await;
    let vips = usergroup(&t, "VIPs").await;
    t.put_empty(&format!("/api/v1/organizations/{energy}/usergroups/{vips}"))
        .await;
    // Linking again changes nothing and records nothing.
    t.put_empty(&format!("/api/v1/organizations/{energy}/usergroups/{vips}"))
        .await;
    t.delete(&format!("/api/v1/organizations/{energy}/usergroups/{vips}"))
        .await;
    let history = t
        .get(&format!("/api/v1/organizations/{energy}/history"))
        .await
        .body["data"]
        .clone();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["usergroup_unlinked", "usergroup_linked", "created"]
    );
    assert_eq!(
        history[1]["changes"][0],
        json!({"field": "usergroups", "old": null, "new": "VIPs"})
    );
    assert_eq!(
        t.delete(&format!("/api/v1/organizations/{energy}/usergroups/{vips}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_members_direct_usergroup_changes_appear_in_the_organizations_activity() {
    let t = TestApp::start().await;
    let energy = t.org("Energy.io", None).await;
    let vips = usergroup(&t, "VIPs").await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@example.org", "organization_id": energy}))
        .await;
    let path = format!("/api/v1/usergroups/{vips}/members/{jane}");
    t.put_empty(&path).await;
    t.put_empty(&path).await; // already a member: nothing recorded
    t.delete(&path).await;
    let activity = t
        .get(&format!("/api/v1/organizations/{energy}/activity"))
        .await
        .body["data"]
        .clone();
    let actions: Vec<&str> = activity
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..2],
        ["usergroup_member_removed", "usergroup_member_added"]
    );
    assert_eq!(activity[1]["user"]["id"], jane);
    assert_eq!(
        activity[1]["changes"][0],
        json!({"field": "usergroups", "old": null, "new": "VIPs"})
    );
    let history = t
        .get(&format!("/api/v1/organizations/{energy}/history"))
        .await;
    assert!(history.body["data"].as_array().unwrap().iter().all(|e| {
        !e["action"]
            .as_str()
            .unwrap()
            .starts_with("usergroup_member")
    }));
}

#[tokio::test]
async fn members_page_across_direct_and_organization_members_with_exact_flags() {
    let t = TestApp::start().await;
    let linked = [
        t.org("Energy.io", None).await,
        t.org("Solar", None).await,
        t.org("Wind", None).await,
    ];
    let vips = usergroup(&t, "VIPs").await;
    let mut expected = Vec::new();
    for n in 0..13 {
        // Even users come through one of the linked organizations in turn, odd ones
        // directly, every third both.
        let via_org = n % 2 == 0;
        let direct = !via_org || n % 3 == 0;
        let body = if via_org {
            json!({"name": format!("U{n}"), "email": format!("u{n}@example.org"), "organization_id": linked[(n / 2) % 3]})
        } else {
            json!({"name": format!("U{n}"), "email": format!("u{n}@example.org")})
        };
        let user = t.user(body).await;
        if direct {
            t.put_empty(&format!("/api/v1/usergroups/{vips}/members/{}", user["id"]))
                .await;
        }
        expected.push(member(&format!("U{n}"), direct, via_org));
    }
    for organization in linked {
        t.put_empty(&format!(
            "/api/v1/organizations/{organization}/usergroups/{vips}"
        ))
        .await;
    }
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/usergroups/{vips}/members?limit=2");
    loop {
        let page = t.get(&path).await.body;
        seen.extend(page["data"].as_array().unwrap().iter().map(|m| {
            (
                m["user"]["name"].as_str().unwrap().to_owned(),
                m["direct"].as_bool().unwrap(),
                m["via_organization"].as_bool().unwrap(),
            )
        }));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/usergroups/{vips}/members?limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn usergroups_are_defined_by_admins_with_unique_names_and_valid_permissions() {
    let t = TestApp::start().await;
    let created = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "VIPs", "permissions": ["portal.chat", "portal.kb"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.body["permissions"],
        json!(["portal.chat", "portal.kb"])
    );
    let again = t.post("/api/v1/usergroups", json!({"name": "vips"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "name_taken");
    let bad = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "Bad", "permissions": ["Portal Chat"]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "permissions[0]");

    let token = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let by_agent = t
        .send(
            Method::POST,
            "/api/v1/usergroups",
            Some(&token),
            Some(json!({"name": "Agents' own"})),
            &[],
        )
        .await;
    assert_eq!(by_agent.status, StatusCode::FORBIDDEN);
    let listed = t.get("/api/v1/usergroups").await.body["data"].clone();
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].clone())
            .collect::<Vec<Value>>(),
        vec![json!("VIPs")]
    );
}

#[tokio::test]
async fn unknown_groups_users_and_organizations_are_404_and_portal_tokens_403() {
    let t = TestApp::start().await;
    let vips = usergroup(&t, "VIPs").await;
    let org = t.org("Acme", None).await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@example.org"}))
        .await;
    assert_eq!(
        t.get("/api/v1/usergroups/999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/api/v1/usergroups/999/members").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.put_empty(&format!("/api/v1/usergroups/999/members/{}", jane["id"]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.put_empty(&format!("/api/v1/usergroups/{vips}/members/999"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.put_empty(&format!("/api/v1/organizations/{org}/usergroups/999"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.put_empty(&format!("/api/v1/organizations/999/usergroups/{vips}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/api/v1/users/999/usergroups").await.status,
        StatusCode::NOT_FOUND
    );
    let (_, user_token) = t
        .portal_user("Una", "una@example.org", "una password")
        .await;
    assert_eq!(
        t.send(
            Method::GET,
            "/api/v1/usergroups",
            Some(&user_token),
            None,
            &[]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(members(&t, vips).await, vec![], "nothing changed");
}

#[tokio::test]
async fn permissions_come_from_the_documented_catalogue_and_nothing_else() {
    let t = TestApp::start().await;
    let document = t
        .send(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    let catalogue =
        document.body["components"]["schemas"]["CreateUsergroupBody"]["properties"]["permissions"]
            ["items"]["enum"]
            .clone();
    let catalogue: Vec<String> = serde_json::from_value(catalogue).unwrap();
    assert!(
        catalogue.contains(&"portal.chat".to_owned()),
        "{catalogue:?}"
    );

    let everything = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "All", "permissions": catalogue}),
        )
        .await;
    assert_eq!(
        everything.status,
        StatusCode::CREATED,
        "{}",
        everything.body
    );
    for bad in ["root.everything", "kb.category:12", "portal.chat "] {
        let refused = t
            .post(
                "/api/v1/usergroups",
                json!({"name": "Bad", "permissions": ["portal.kb", bad, "portal.kb"]}),
            )
            .await;
        let expected_field = if bad.trim() == "portal.chat" {
            "permissions[2]"
        } else {
            "permissions[1]"
        };
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(refused.body["error"]["field"], expected_field, "{bad}");
    }
    let listed = t.get("/api/v1/usergroups").await;
    assert_eq!(
        listed.body["data"].as_array().unwrap().len(),
        1,
        "refusals create nothing"
    );
}

#[tokio::test]
async fn an_admin_renames_a_usergroup_and_replaces_its_permissions_keeping_its_members() {
    let t = TestApp::start().await;
    let group = usergroup(&t, "VIPs").await;
    usergroup(&t, "Partners").await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@example.com"}))
        .await;
    t.put_empty(&format!("/api/v1/usergroups/{group}/members/{jane}"))
        .await;
    let path = format!("/api/v1/usergroups/{group}");

    let renamed = t
        .patch(
            &path,
            json!({"name": "Premium", "permissions": ["portal.tickets"]}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "Premium");
    assert_eq!(renamed.body["permissions"], json!(["portal.tickets"]));
    assert_eq!(members(&t, group).await, [member("Jane", true, false)]);

    let taken = t.patch(&path, json!({"name": "PARTNERS"})).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "name_taken");
    let bad = t
        .patch(&path, json!({"permissions": ["portal.everything"]}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let token = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let not_admin = t
        .send(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"name": "Mine"})),
            &[],
        )
        .await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    let unchanged = t.get(&path).await;
    assert_eq!(unchanged.body["name"], "Premium", "refusals change nothing");
    assert_eq!(unchanged.body["permissions"], json!(["portal.tickets"]));
}

#[tokio::test]
async fn deleting_a_usergroup_removes_its_links_and_memberships_and_records_them() {
    let t = TestApp::start().await;
    let group = usergroup(&t, "VIPs").await;
    let acme = t.org("Acme", None).await;
    let globex = t.org("Globex", None).await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@example.com", "organization_id": globex}))
        .await;
    t.put_empty(&format!("/api/v1/organizations/{acme}/usergroups/{group}"))
        .await;
    t.put_empty(&format!("/api/v1/usergroups/{group}/members/{jane}"))
        .await;
    let acme_version = t.get(&format!("/api/v1/organizations/{acme}")).await.body["version"]
        .as_i64()
        .unwrap();

    let token = t
        .agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let path = format!("/api/v1/usergroups/{group}");
    let not_admin = t.send(Method::DELETE, &path, Some(&token), None, &[]).await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&path).await.status, StatusCode::OK);

    let deleted = t.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(t.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.delete(&path).await.status, StatusCode::NOT_FOUND);

    let acme_now = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(acme_now.body["usergroup_ids"], json!([]));
    assert_eq!(acme_now.body["version"], acme_version + 1);
    let jane_groups = t.get(&format!("/api/v1/users/{jane}/usergroups")).await;
    assert_eq!(jane_groups.body["data"], json!([]));

    let acme_history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    let unlinked = &acme_history.body["data"][0];
    assert_eq!(unlinked["action"], "usergroup_unlinked");
    assert_eq!(unlinked["changes"][0]["old"], "VIPs");
    let globex_activity = t
        .get(&format!("/api/v1/organizations/{globex}/activity"))
        .await;
    let left = &globex_activity.body["data"][0];
    assert_eq!(left["action"], "usergroup_member_removed");
    assert_eq!(left["user"]["id"], jane);
}
