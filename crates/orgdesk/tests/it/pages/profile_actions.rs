use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn adding_a_domain_opens_the_matches_dialog_and_applies_the_chosen_group() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let globex = t.org("Globex", None).await;
    t.user(json!({"name": "Ann", "email": "ann@acme.com"}))
        .await;
    t.user(json!({"name": "Bo", "email": "bo@acme.com", "organization_id": globex}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;

    let added = browser
        .post_form(
            &format!("/agent/organizations/{acme}/domains"),
            &[("csrf", &csrf(&profile)), ("domain", "ACME.com")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(
        location(&added),
        format!("/agent/organizations/{acme}/domains/acme.com/matches")
    );
    let dialog = browser.follow(&added).await;
    let text = html(&dialog);
    assert!(text.contains("Domain acme.com added. 2 existing users match."));
    assert!(text.contains("No organization (1)") && text.contains("Ann"));
    assert!(text.contains("In another organization (1)") && text.contains("Bo (Globex)"));

    let applied = browser
        .post_form(
            &format!("/agent/organizations/{acme}/domains/acme.com/apply"),
            &[("csrf", &csrf(&dialog)), ("groups", "unaffiliated")],
        )
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER);
    let back = browser.follow(&applied).await;
    assert!(html(&back).contains("1 user joined Acme."));
    let members = t
        .get(&format!("/api/v1/organizations/{acme}/members"))
        .await;
    assert_eq!(members.names(), ["Ann"], "Bo stays in Globex");
}

#[tokio::test]
async fn a_free_mail_domain_is_refused_with_an_offer_to_add_it_anyway() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    let path = format!("/agent/organizations/{acme}/domains");
    let refused = browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("domain", "gmail.com")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("free mail provider"));
    assert!(html(&refused).contains("Add anyway"));
    assert!(html(&refused).contains(r#"value="gmail.com""#));
    let forced = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("domain", "gmail.com"),
                ("force", "1"),
            ],
        )
        .await;
    assert_eq!(forced.status, StatusCode::SEE_OTHER);
    let org = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(org.body["domains"], json!(["gmail.com"]));
}

#[tokio::test]
async fn a_child_is_added_by_typing_a_new_name_or_an_existing_one_and_a_cycle_is_explained() {
    let t = TestApp::start().await;
    let holding = t.org("Holding", None).await;
    let acme = t.org("Acme", Some(holding)).await;
    t.org("Globex", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    let path = format!("/agent/organizations/{acme}/children");

    let created = browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("name", "Acme Labs")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    assert!(
        html(&browser.follow(&created).await).contains("Acme Labs was created as a new child.")
    );
    let attached = browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("name", "globex")])
        .await;
    assert!(html(&browser.follow(&attached).await).contains("Globex is now a child."));
    let children = t
        .get(&format!("/api/v1/organizations/{acme}/children"))
        .await;
    assert_eq!(children.names(), ["Acme Labs", "Globex"]);

    let cycle = browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("name", "Holding")])
        .await;
    assert_eq!(cycle.status, StatusCode::CONFLICT);
    assert!(
        html(&cycle).contains("would make a cycle"),
        "{}",
        html(&cycle)
    );
    assert!(html(&cycle).contains(r#"value="Holding""#));
}

#[tokio::test]
async fn child_suggestions_grey_out_invalid_candidates_with_the_reason_and_offer_a_new_name() {
    let t = TestApp::start().await;
    let holding = t.org("Acme Holding", None).await;
    let acme = t.org("Acme", Some(holding)).await;
    t.org("Acme Labs", Some(acme)).await;
    t.org("Acme Retail", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let suggestions = browser
        .get(&format!(
            "/agent/organizations/{acme}/child-candidates?q=acme"
        ))
        .await;
    assert_eq!(suggestions.status, StatusCode::OK);
    let text = html(&suggestions);
    assert!(
        text.contains("Acme Holding <span class=\"badge\">invalid: an ancestor</span>"),
        "{text}"
    );
    assert!(
        text.contains("Acme <span class=\"badge\">invalid: itself</span>"),
        "{text}"
    );
    assert!(
        text.contains("Acme Labs <span class=\"badge\">invalid: already a child</span>"),
        "{text}"
    );
    assert!(
        text.contains(">Acme Retail</button>"),
        "a valid one to pick"
    );
    assert!(!text.contains("Create «"), "Acme exists, nothing to create");
    let new = browser
        .get(&format!(
            "/agent/organizations/{acme}/child-candidates?q=Acme%20Cloud"
        ))
        .await;
    assert!(html(&new).contains("Create «Acme Cloud» as a new child"));
}

#[tokio::test]
async fn a_member_is_made_a_manager_and_back_from_the_profile() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@example.com", "organization_id": acme}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    assert!(html(&profile).contains("Make manager"));
    let path = format!("/agent/organizations/{acme}/members/{jane}/manager");
    let made = browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("manager", "true")])
        .await;
    let shown = browser.follow(&made).await;
    assert!(html(&shown).contains("Jane is now a manager."));
    assert!(html(&shown).contains("Not a manager"));
    assert_eq!(
        t.get(&format!("/api/v1/users/{jane}")).await.body["manager"],
        true
    );
    browser
        .post_form(&path, &[("csrf", &csrf(&profile)), ("manager", "false")])
        .await;
    assert_eq!(
        t.get(&format!("/api/v1/users/{jane}")).await.body["manager"],
        false
    );
}

#[tokio::test]
async fn a_members_position_is_edited_and_removing_a_member_asks_first() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jane = t
        .user_id(json!({"name": "Jane", "email": "jane@example.com", "organization_id": acme}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    let member = format!("/agent/organizations/{acme}/members/{jane}");

    let positioned = browser
        .post_form(
            &format!("{member}/position"),
            &[("csrf", &csrf(&profile)), ("position", "Head of IT")],
        )
        .await;
    assert!(html(&browser.follow(&positioned).await).contains("Jane is now Head of IT."));
    assert_eq!(
        t.get(&format!("/api/v1/users/{jane}")).await.body["position"],
        "Head of IT"
    );

    let confirm = browser.get(&format!("{member}/remove")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(html(&confirm).contains("Remove Jane from Acme?"));
    assert_eq!(
        t.get(&format!("/api/v1/users/{jane}")).await.body["organization_id"],
        acme,
        "asking changes nothing"
    );
    let removed = browser
        .post_form(&format!("{member}/remove"), &[("csrf", &csrf(&confirm))])
        .await;
    assert!(html(&browser.follow(&removed).await).contains("Jane is no longer a member."));
    assert_eq!(
        t.get(&format!("/api/v1/users/{jane}")).await.body["organization_id"],
        json!(null)
    );
}

#[tokio::test]
async fn an_admin_links_and_unlinks_a_usergroup_and_an_agent_is_told_it_is_not_available() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let vips = t
        .post("/api/v1/usergroups", json!({"name": "VIPs"}))
        .await
        .id();
    let mut admin = Browser::signed_in(&t).await;
    let profile = admin.get(&format!("/agent/organizations/{acme}")).await;
    let choose = format!("/agent/organizations/{acme}/usergroups");
    assert!(html(&profile).contains(&format!(r#"href="{choose}">Link a usergroup"#)));
    let choices = admin.get(&choose).await;
    assert!(html(&choices).contains(&format!(r#"name="usergroup_id" value="{vips}""#)));
    let linked = admin
        .post_form(
            &choose,
            &[
                ("csrf", &csrf(&choices)),
                ("usergroup_id", &vips.to_string()),
            ],
        )
        .await;
    assert!(html(&admin.follow(&linked).await).contains("Every member is now in VIPs."));
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["usergroup_ids"],
        json!([vips])
    );

    // An agent who is not an admin gets a page saying so, and nothing changes.
    t.agent_token("bob@helpdesk.test", "bob password", false)
        .await;
    let mut bob = Browser::new(&t);
    bob.post_form(
        "/agent/sign-in",
        &[("email", "bob@helpdesk.test"), ("password", "bob password")],
    )
    .await;
    let bob_profile = bob.get(&format!("/agent/organizations/{acme}")).await;
    assert!(!html(&bob_profile).contains("Link a usergroup"));
    assert!(
        !html(&bob_profile).contains("/unlink"),
        "no Unlink buttons for agents"
    );
    assert_eq!(bob.get(&choose).await.status, StatusCode::FORBIDDEN);
    let after_link = admin.get(&choose).await;
    assert!(
        !html(&after_link).contains(&format!(r#"value="{vips}""#)),
        "a linked usergroup is not offered again"
    );
    let refused = bob
        .post_form(
            &format!("/agent/organizations/{acme}/usergroups/{vips}/unlink"),
            &[("csrf", &csrf(&bob_profile))],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(html(&refused).contains("Only admins can"));

    let unlinked = admin
        .post_form(
            &format!("/agent/organizations/{acme}/usergroups/{vips}/unlink"),
            &[("csrf", &csrf(&profile))],
        )
        .await;
    assert!(html(&admin.follow(&unlinked).await).contains("VIPs is unlinked"));
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["usergroup_ids"],
        json!([])
    );
}

#[tokio::test]
async fn the_parent_is_set_by_name_and_cleared_and_a_cycle_is_explained() {
    let t = TestApp::start().await;
    let holding = t.org("Holding", None).await;
    let acme = t.org("Acme", None).await;
    let labs = t.org("Acme Labs", Some(acme)).await;
    let mut browser = Browser::signed_in(&t).await;
    let path = format!("/agent/organizations/{acme}");
    let profile = browser.get(&path).await;

    let set = browser
        .post_form(
            &format!("{path}/parent"),
            &[
                ("csrf", &csrf(&profile)),
                ("version", "1"),
                ("parent", "holding"),
            ],
        )
        .await;
    assert!(html(&browser.follow(&set).await).contains("Acme is now under holding."));
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}")).await.body["parent_id"],
        holding
    );

    let profile = browser.get(&path).await;
    let version = t.get(&format!("/api/v1/organizations/{acme}")).await.body["version"].to_string();
    let cycle = browser
        .post_form(
            &format!("{path}/parent"),
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("parent", "Acme Labs"),
            ],
        )
        .await;
    assert_eq!(cycle.status, StatusCode::CONFLICT);
    assert!(html(&cycle).contains("would make a cycle"));
    let unknown = browser
        .post_form(
            &format!("{path}/parent"),
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("parent", "Nobody Inc"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&unknown).contains("No organization is named"));

    let cleared = browser
        .post_form(
            &format!("{path}/parent"),
            &[
                ("csrf", &csrf(&profile)),
                ("version", &version),
                ("parent", ""),
            ],
        )
        .await;
    assert!(
        html(&browser.follow(&cleared).await).contains("Acme is now a top-level organization.")
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{labs}")).await.body["parent_id"],
        acme
    );
}

#[tokio::test]
async fn contact_details_are_added_by_kind_and_removed_and_bad_ones_are_explained() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let path = format!("/agent/organizations/{acme}");
    let profile = browser.get(&path).await;

    let added = browser
        .post_form(
            &format!("{path}/contacts"),
            &[
                ("csrf", &csrf(&profile)),
                ("version", "1"),
                ("kind", "phone"),
                ("label", "Front desk"),
                ("value", "+44 20 7946 0000"),
            ],
        )
        .await;
    assert!(html(&browser.follow(&added).await).contains("Contact detail added to Acme."));
    let stored = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(stored.body["contacts"][0]["label"], "Front desk");

    let profile = browser.get(&path).await;
    let bad = browser
        .post_form(
            &format!("{path}/contacts"),
            &[
                ("csrf", &csrf(&profile)),
                ("version", "2"),
                ("kind", "website"),
                ("label", ""),
                ("value", "ftp://acme"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains(r#"value="ftp://acme""#));
    assert!(html(&bad).contains(r#"<option value="website" selected>"#));

    let removed = browser
        .post_form(
            &format!("{path}/contacts/0/remove"),
            &[("csrf", &csrf(&profile)), ("version", "2")],
        )
        .await;
    assert!(html(&browser.follow(&removed).await).contains("Contact detail removed from Acme."));
    let stored = t.get(&format!("/api/v1/organizations/{acme}")).await;
    assert_eq!(stored.body["contacts"], json!([]));
}

#[tokio::test]
async fn the_matches_dialog_lists_names_fifty_at_a_time_with_the_counts_of_everyone() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    for n in 0..55 {
        t.user(json!({"name": format!("User {n:02}"), "email": format!("u{n:02}@acme.com")}))
            .await;
    }
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    let added = browser
        .post_form(
            &format!("/agent/organizations/{acme}/domains"),
            &[("csrf", &csrf(&profile)), ("domain", "acme.com")],
        )
        .await;
    let dialog = browser.follow(&added).await;
    let text = html(&dialog);
    assert!(text.contains("No organization (55)"));
    assert!(text.contains("User 49") && !text.contains("User 50"));
    let more = text
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|link| link.contains("unaffiliated="))
        .expect("a More names link")
        .replace("&amp;", "&");
    let rest = browser.get(&more).await;
    assert!(html(&rest).contains("User 54") && !html(&rest).contains("User 49"));
    assert!(html(&rest).contains("No organization (55)"));
}

#[tokio::test]
async fn writing_to_the_members_queues_a_mail_each_and_says_how_many() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    for (name, email) in [("Ann", "ann@acme.test"), ("Bo", "bo@acme.test")] {
        t.user(json!({"name": name, "email": email, "organization_id": acme}))
            .await;
    }
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    assert!(html(&profile).contains("Write to the members"));
    let path = format!("/agent/organizations/{acme}/messages");

    let refused = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("subject", "Outage\r\nBcc: all@example.com"),
                ("body", "The portal is down."),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    assert!(text.contains("Subject: Must be a single line."), "{text}");
    assert!(
        text.contains("The portal is down.</textarea>"),
        "what was typed stays"
    );
    assert_eq!(t.db.number("SELECT COUNT(*) FROM outgoing_mail").await, 0);

    let sent = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("subject", "Outage tonight"),
                ("body", "The portal is down."),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let back = browser.follow(&sent).await;
    assert!(html(&back).contains("Your message is on its way to 2 members."));
    assert_eq!(
        t.db.number("SELECT COUNT(*) FROM outgoing_mail WHERE kind = 'organization_message'")
            .await,
        2
    );
}

#[tokio::test]
async fn inviting_by_email_adds_the_member_and_queues_their_link() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    t.user(json!({"name": "Ann", "email": "ann@acme.test"}))
        .await;
    let mut browser = Browser::signed_in(&t).await;
    let profile = browser.get(&format!("/agent/organizations/{acme}")).await;
    assert!(html(&profile).contains("Invite by email"));
    let path = format!("/agent/organizations/{acme}/invitations");

    let refused = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("email", "ann@acme.test"),
                ("name", "Ann"),
                ("position", "Buyer"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let text = html(&refused);
    assert!(text.contains("ann@acme.test"), "{text}");
    assert!(text.contains(r#"value="Buyer""#), "what was typed stays");

    let invited = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf(&profile)),
                ("email", "ivy@acme.test"),
                ("name", "Ivy"),
                ("position", "CFO"),
                ("manager", "on"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let back = browser.follow(&invited).await;
    assert!(html(&back).contains(
        "Ivy is a member now; a mail with a link to set a password is on its way to ivy@acme.test."
    ));
    let members = t
        .get(&format!("/api/v1/organizations/{acme}/members"))
        .await;
    assert_eq!(members.names(), ["Ivy"]);
    assert_eq!(members.body["data"][0]["manager"], true);
    assert_eq!(
        t.db.number("SELECT COUNT(*) FROM outgoing_mail WHERE kind = 'invitation'")
            .await,
        1
    );
}
