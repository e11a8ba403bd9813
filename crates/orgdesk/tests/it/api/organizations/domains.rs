use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn added_domain_is_normalized_and_reports_existing_matches_by_group() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let other = t.org("Other", None).await;
    t.user(json!({"name": "Free", "email": "free@acme.com"}))
        .await;
    t.user(json!({"name": "Free Two", "email": "free2@ACME.com"}))
        .await;
    t.user(json!({"name": "Taken", "email": "taken@acme.com", "organization_id": other}))
        .await;
    t.user(json!({"name": "Elsewhere", "email": "x@beta.com"}))
        .await;
    let added = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains"),
            json!({"domain": "  @ACME.Com "}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(
        added.body,
        json!({"domain": "acme.com", "matches": {"unaffiliated": 2, "other_organization": 1}})
    );
    let org = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(org.body["domains"], json!(["acme.com"]));
    assert_eq!(
        org.body["member_count"], 0,
        "existing users are never moved silently"
    );
}

#[tokio::test]
async fn intranet_and_documentation_domains_work_everywhere_a_domain_does() {
    let t = TestApp::start().await;
    let created = t
        .post(
            "/api/v1/organizations",
            json!({"name": "Acme", "contacts": [
                {"kind": "email", "value": "sales@acme.example"},
                {"kind": "website", "value": "https://acme.example"}
            ]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let acme = created.id();
    for domain in [
        "acme.example",
        "corp.internal",
        "sales.acme.local",
        "acme.lan",
    ] {
        let added = t
            .post(
                &format!("/api/v1/organizations/{acme}/domains"),
                json!({"domain": domain}),
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::CREATED,
            "{domain}: {}",
            added.body
        );
    }
    let user = t
        .user(json!({"name": "Carol", "email": "carol@corp.internal"}))
        .await;
    assert_eq!(
        user["organization_id"], acme,
        "the domain association applies"
    );
}

#[tokio::test]
async fn internationalized_domains_are_stored_in_ascii() {
    let t = TestApp::start().await;
    let org = t.org("Bücher", None).await;
    let added = t
        .post(
            &format!("/api/v1/organizations/{org}/domains"),
            json!({"domain": "Bücher.de"}),
        )
        .await;
    assert_eq!(added.body["domain"], "xn--bcher-kva.de");
    let user = t
        .user(json!({"name": "Lena", "email": "lena@bücher.de"}))
        .await;
    assert_eq!(user["organization_id"], org);
}

#[tokio::test]
async fn invalid_domains_and_bare_public_suffixes_are_refused() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    for bad in [
        "com",
        "co.uk",
        "not a domain",
        "acme",
        "jane@acme.com",
        "localhost",
        "example",
        "192.168.1.10",
        "a..b.com",
        "",
    ] {
        let response = t
            .post(
                &format!("/api/v1/organizations/{acme}/domains"),
                json!({"domain": bad}),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?} accepted"
        );
        assert_eq!(response.body["error"]["field"], "domain");
    }
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["domains"],
        json!([])
    );
}

#[tokio::test]
async fn free_mail_providers_need_force() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let refused = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains"),
            json!({"domain": "gmail.com"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.message().contains("force"), "{}", refused.message());
    let forced = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains"),
            json!({"domain": "gmail.com", "force": true}),
        )
        .await;
    assert_eq!(forced.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_domain_belongs_to_one_organization_only() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let beta = t.org("Beta", None).await;
    t.post(
        &format!("/api/v1/organizations/{acme}/domains"),
        json!({"domain": "acme.com"}),
    )
    .await;
    let again = t
        .post(
            &format!("/api/v1/organizations/{beta}/domains"),
            json!({"domain": "ACME.COM"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "domain_taken");
    assert!(again.message().contains("Acme"));
    let same_org = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains"),
            json!({"domain": "acme.com"}),
        )
        .await;
    assert_eq!(same_org.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn users_created_afterwards_join_automatically_on_every_path() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let other = t.org("Other", None).await;
    let by_agent = t
        .user(json!({"name": "Agent Made", "email": "made@Acme.com"}))
        .await;
    assert_eq!(by_agent["organization_id"], acme);
    assert_eq!(
        by_agent["organization"],
        json!({"id": acme, "name": "Acme"})
    );
    let (registered, _) = t
        .portal_user("Self Made", "self@acme.com", "self password")
        .await;
    assert_eq!(registered["organization_id"], acme);
    let explicit = t
        .user(json!({"name": "Explicit", "email": "explicit@acme.com", "organization_id": other}))
        .await;
    assert_eq!(
        explicit["organization_id"], other,
        "an organization given explicitly wins"
    );
    let subdomain = t
        .user(json!({"name": "Sub", "email": "sub@eu.acme.com"}))
        .await;
    assert_eq!(
        subdomain["organization_id"],
        json!(null),
        "only the exact domain matches"
    );
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    let joined = &history.body["data"][0];
    assert_eq!(joined["action"], "member_added");
    assert_eq!(joined["actor"]["type"], "system");
    assert_eq!(joined["user"]["name"], "Self Made");
}

#[tokio::test]
async fn matches_list_users_by_group_and_apply_moves_them_recording_both_organizations() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let other = t.org("Other", None).await;
    let free = t
        .user(json!({"name": "Free", "email": "free@acme.com"}))
        .await;
    let taken = t.user(json!({"name": "Taken", "email": "taken@acme.com", "organization_id": other, "position": "CTO", "manager": true})).await;
    t.post(
        &format!("/api/v1/organizations/{acme}/domains"),
        json!({"domain": "acme.com"}),
    )
    .await;

    let matches = t
        .get(&format!(
            "/api/v1/organizations/{acme}/domains/acme.com/matches"
        ))
        .await;
    assert_eq!(matches.status, StatusCode::OK);
    assert_eq!(matches.body["unaffiliated"]["count"], 1);
    assert_eq!(matches.body["unaffiliated"]["users"][0]["id"], free["id"]);
    assert_eq!(matches.body["other_organization"]["count"], 1);
    assert_eq!(
        matches.body["other_organization"]["users"][0]["id"],
        taken["id"]
    );

    let only_free = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains/acme.com/apply"),
            json!({"unaffiliated": true}),
        )
        .await;
    assert_eq!(only_free.body, json!({"moved": 1}));
    assert_eq!(
        t.get(&format!("/api/v1/users/{}", taken["id"])).await.body["organization_id"],
        other,
        "the other group was not chosen"
    );

    let the_rest = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains/ACME.com/apply"),
            json!({"unaffiliated": true, "other_organization": true}),
        )
        .await;
    assert_eq!(the_rest.body, json!({"moved": 1}));
    let moved = t.get(&format!("/api/v1/users/{}", taken["id"])).await.body;
    assert_eq!(moved["organization_id"], acme);
    assert_eq!(
        moved["manager"], false,
        "the manager flag belonged to the old membership"
    );
    assert_eq!(moved["position"], json!(null));
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["member_count"],
        2
    );

    let left = t
        .get(&format!("/api/v1/organizations/{other}/history"))
        .await;
    assert_eq!(left.body["data"][0]["action"], "member_removed");
    assert_eq!(left.body["data"][0]["user"]["id"], taken["id"]);
    assert_eq!(
        left.body["data"][0]["changes"][0],
        json!({"field": "organization_id", "old": other, "new": acme})
    );
    let joined = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    assert_eq!(joined.body["data"][0]["action"], "member_added");
    assert_eq!(joined.body["data"][0]["actor"]["type"], "agent");

    let again = t
        .get(&format!(
            "/api/v1/organizations/{acme}/domains/acme.com/matches"
        ))
        .await;
    assert_eq!(
        (
            again.body["unaffiliated"]["count"].clone(),
            again.body["other_organization"]["count"].clone()
        ),
        (json!(0), json!(0))
    );
}

#[tokio::test]
async fn apply_needs_a_group_and_a_domain_of_that_organization() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let beta = t
        .organization(json!({"name": "Beta", "domains": ["beta.com"]}))
        .await;
    let nothing = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains/acme.com/apply"),
            json!({}),
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_theirs = t
        .post(
            &format!("/api/v1/organizations/{acme}/domains/beta.com/apply"),
            json!({"unaffiliated": true}),
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);
    let not_theirs = t
        .get(&format!(
            "/api/v1/organizations/{beta}/domains/acme.com/matches"
        ))
        .await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn removing_a_domain_keeps_members_and_stops_new_associations() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com", "acme.org"]}))
        .await;
    let jane = t
        .user(json!({"name": "Jane", "email": "jane@acme.com"}))
        .await;
    let removed = t
        .send(
            Method::DELETE,
            &format!("/api/v1/organizations/{acme}/domains/ACME.com"),
            Some(&t.admin_token),
            None,
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["domains"],
        json!(["acme.org"])
    );
    assert_eq!(
        t.get(&format!("/api/v1/users/{}", jane["id"])).await.body["organization_id"],
        acme
    );
    let late = t
        .user(json!({"name": "Late", "email": "late@acme.com"}))
        .await;
    assert_eq!(late["organization_id"], json!(null));
    let again = t
        .delete(&format!("/api/v1/organizations/{acme}/domains/acme.com"))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    assert!(
        history.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "domain_removed")
    );
}
