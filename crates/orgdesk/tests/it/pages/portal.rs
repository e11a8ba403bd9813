//! The Help Center portal's pages: accounts, tickets and the managers' view, as a
//! browser without JavaScript uses them.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::TestApp;
use serde_json::json;

async fn make_manager(t: &TestApp, organization: i64, user: i64) {
    let made = t
        .put(
            &format!("/api/v1/organizations/{organization}/members/{user}"),
            json!({"manager": true}),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
}

/// Opens a ticket from the portal's form and returns its id.
async fn open_ticket(browser: &mut Browser<'_>, subject: &str, body: &str) -> i64 {
    let form = browser.get("/portal/tickets/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let sent = browser
        .post_form(
            "/portal/tickets",
            &[("csrf", &csrf(&form)), ("subject", subject), ("body", body)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    location(&sent)
        .trim_start_matches("/portal/tickets/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn registering_and_confirming_the_address_makes_an_account_in_the_organization_the_domain_chose()
 {
    let t = TestApp::start().await;
    t.organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let mut browser = Browser::new(&t);
    let form = browser.get("/portal/register").await;
    let registered = browser
        .post_form(
            "/portal/register",
            &[
                ("name", "Ann"),
                ("email", "ann@acme.com"),
                ("password", "ann password"),
            ],
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK);
    assert!(html(&registered).contains("Check your mail"));
    assert!(html(&registered).contains("<strong>ann@acme.com</strong>"));
    let _ = form;
    let token = t.mailed_token("ann@acme.com", "registration").await;
    let page = browser.get(&format!("/portal/confirm?token={token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(html(&page).contains("Confirm my address"));
    assert_eq!(
        t.db.number("SELECT COUNT(*) FROM users").await,
        0,
        "opening the page spends nothing"
    );
    let confirmed = browser
        .post_form("/portal/confirm", &[("token", &token)])
        .await;
    assert_eq!(location(&confirmed), "/portal/sign-in");
    assert!(
        html(&browser.follow(&confirmed).await)
            .contains("Your address is confirmed and your account is ready, as part of Acme.")
    );
    let reused = browser
        .post_form("/portal/confirm", &[("token", &token)])
        .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut ann = Browser::in_portal(&t, "ann@acme.com", "ann password").await;
    let profile = ann.get("/portal/profile").await;
    assert!(html(&profile).contains("Acme"));
}

#[tokio::test]
async fn without_address_confirmation_registering_signs_in_and_every_page_names_the_organization() {
    let t = TestApp::start().await;
    t.patch("/api/v1/settings", json!({"verify_registrations": false}))
        .await;
    t.organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    let mut browser = Browser::new(&t);
    let form = browser.get("/portal/register").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains(r#"<label for="password">"#));
    let registered = browser
        .post_form(
            "/portal/register",
            &[
                ("name", "Ann"),
                ("email", "ann@acme.com"),
                ("password", "ann password"),
            ],
        )
        .await;
    assert_eq!(location(&registered), "/portal/tickets");
    let tickets = browser.follow(&registered).await;
    assert_eq!(tickets.status, StatusCode::OK);
    let text = html(&tickets);
    assert!(text.contains("Welcome, Ann. Your account is ready, as part of Acme."));
    assert!(text.contains(r#"<span class="muted organization">Acme</span>"#));
    assert!(text.contains("No tickets yet."));
    let profile = browser.get("/portal/profile").await;
    assert!(html(&profile).contains("Acme"));
}

#[tokio::test]
async fn a_refused_registration_keeps_what_was_typed_and_marks_the_field() {
    let t = TestApp::start().await;
    let mut browser = Browser::new(&t);
    let refused = browser
        .post_form(
            "/portal/register",
            &[
                ("name", "Ann"),
                ("email", "ann@acme.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    assert!(text.contains("The new password must be at least"), "{text}");
    assert!(text.contains(r#"value="ann@acme.com""#));
    assert!(text.contains(r#"name="password" type="password" autocomplete="new-password" required aria-invalid="true""#));
    t.portal_user("Bo", "bo@acme.com", "bo password").await;
    let taken = browser
        .post_form(
            "/portal/register",
            &[
                ("name", "Bo"),
                ("email", "BO@acme.com"),
                ("password", "long enough"),
            ],
        )
        .await;
    assert_eq!(
        taken.status,
        StatusCode::OK,
        "a taken address is not told apart"
    );
    assert!(html(&taken).contains("Check your mail"));
}

#[tokio::test]
async fn a_user_opens_a_ticket_reads_the_replies_and_answers_but_never_sees_internal_notes() {
    let t = TestApp::start().await;
    t.portal_user("Ann", "ann@example.org", "ann password")
        .await;
    let mut ann = Browser::in_portal(&t, "ann@example.org", "ann password").await;
    let ticket = open_ticket(&mut ann, "Printer <b>jammed</b>", "Tray 2\nagain.").await;
    let page = ann.get(&format!("/portal/tickets/{ticket}")).await;
    let text = html(&page);
    assert!(text.contains("Your request was sent."));
    assert!(
        text.contains("Printer &#60;b&#62;jammed&#60;/b&#62;"),
        "{text}"
    );
    assert!(text.contains("Tray 2\nagain."));
    assert!(text.contains("Received"));

    let replied = t
        .post(
            &format!("/api/v1/tickets/{ticket}/messages"),
            json!({"body": "Try turning it off and on.", "status": "pending"}),
        )
        .await;
    assert_eq!(replied.status, StatusCode::CREATED, "{}", replied.body);
    let noted = t
        .post(
            &format!("/api/v1/tickets/{ticket}/messages"),
            json!({"body": "customer owes an invoice", "internal": true}),
        )
        .await;
    assert_eq!(noted.status, StatusCode::CREATED, "{}", noted.body);
    let page = ann.get(&format!("/portal/tickets/{ticket}")).await;
    let text = html(&page);
    assert!(text.contains("Try turning it off and on."));
    assert!(text.contains("Waiting for your reply"));
    assert!(!text.contains("owes an invoice"));

    let answered = ann
        .post_form(
            &format!("/portal/tickets/{ticket}/reply"),
            &[("csrf", &csrf(&page)), ("body", "Still jammed.")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    let after = ann.follow(&answered).await;
    assert!(html(&after).contains("Your reply was sent."));
    assert!(html(&after).contains("Still jammed."));
    assert!(html(&after).contains("In progress"), "a reply reopens it");
    let list = ann.get("/portal/tickets").await;
    assert!(html(&list).contains(&format!(r#"href="/portal/tickets/{ticket}""#)));
    let searched = ann.get("/portal/tickets?q=invoice").await;
    assert!(html(&searched).contains("No ticket matches your search."));
}

#[tokio::test]
async fn an_empty_reply_is_refused_with_the_thread_shown_again_and_closed_tickets_take_none() {
    let t = TestApp::start().await;
    t.portal_user("Ann", "ann@example.org", "ann password")
        .await;
    let mut ann = Browser::in_portal(&t, "ann@example.org", "ann password").await;
    let ticket = open_ticket(&mut ann, "Printer", "Tray 2.").await;
    let page = ann.get(&format!("/portal/tickets/{ticket}")).await;
    let refused = ann
        .post_form(
            &format!("/portal/tickets/{ticket}/reply"),
            &[("csrf", &csrf(&page)), ("body", "   ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("The message must not be blank."));
    assert!(html(&refused).contains("Tray 2."));

    let closed = t
        .patch(
            &format!("/api/v1/tickets/{ticket}"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let page = ann.get(&format!("/portal/tickets/{ticket}")).await;
    assert!(html(&page).contains("This request is closed."));
    assert!(!html(&page).contains("Send reply"));
    let late = ann
        .post_form(
            &format!("/portal/tickets/{ticket}/reply"),
            &[("csrf", &csrf(&page)), ("body", "One more thing")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(html(&late).contains("One more thing"), "the text is kept");
    assert!(html(&late).contains("Your reply was not sent"));
}

#[tokio::test]
async fn another_persons_ticket_is_not_found_exactly_like_a_missing_one() {
    let t = TestApp::start().await;
    t.portal_user("Ann", "ann@example.org", "ann password")
        .await;
    t.portal_user("Bo", "bo@example.org", "bo password").await;
    let mut ann = Browser::in_portal(&t, "ann@example.org", "ann password").await;
    let ticket = open_ticket(&mut ann, "Private", "Only mine.").await;
    let mut bo = Browser::in_portal(&t, "bo@example.org", "bo password").await;
    let theirs = bo.get(&format!("/portal/tickets/{ticket}")).await;
    let missing = bo.get(&format!("/portal/tickets/{}", ticket + 1000)).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        html(&theirs).replace(&format!("Ticket {ticket} "), "Ticket N "),
        html(&missing).replace(&format!("Ticket {} ", ticket + 1000), "Ticket N ")
    );
    assert!(!html(&theirs).contains("Private"));
    let page = bo.get("/portal/tickets").await;
    let reply = bo
        .post_form(
            &format!("/portal/tickets/{ticket}/reply"),
            &[("csrf", &csrf(&page)), ("body", "hi")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_searches_the_organizations_tickets_while_a_colleague_is_told_not_available() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    t.portal_user("Jane", "jane@acme.com", "jane password")
        .await;
    let (mia, _) = t.portal_user("Mia", "mia@acme.com", "mia password").await;
    make_manager(&t, acme, mia["id"].as_i64().unwrap()).await;
    let mut jane = Browser::in_portal(&t, "jane@acme.com", "jane password").await;
    let printer = open_ticket(&mut jane, "Printer jammed", "Tray 2.").await;
    let vpn = open_ticket(&mut jane, "VPN down", "Since Monday.").await;

    let mut mia = Browser::in_portal(&t, "mia@acme.com", "mia password").await;
    let all = mia.get("/portal/organization-tickets").await;
    assert_eq!(all.status, StatusCode::OK);
    let text = html(&all);
    assert!(text.contains("Organization tickets"));
    assert!(text.contains(&format!("/portal/tickets/{printer}")));
    assert!(text.contains(&format!("/portal/tickets/{vpn}")));
    assert!(text.contains("Jane"), "the requester is named");
    let searched = mia.get("/portal/organization-tickets?q=printer").await;
    assert!(html(&searched).contains(&format!("/portal/tickets/{printer}")));
    assert!(!html(&searched).contains(&format!("/portal/tickets/{vpn}")));
    let read = mia.get(&format!("/portal/tickets/{vpn}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(html(&read).contains("You can read this ticket because you manage"));
    assert!(!html(&read).contains("Send reply"));

    let mine = jane.get("/portal/tickets").await;
    assert!(!html(&mine).contains("/portal/organization-tickets"));
    let refused = jane.get("/portal/organization-tickets?q=printer").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(html(&refused).contains("Not available"));
    assert!(html(&refused).contains(r#"<a class="brand" href="/portal">Help Center</a>"#));
    assert!(!html(&refused).contains("Printer jammed"));
}

#[tokio::test]
async fn a_manager_chooses_to_be_copied_on_every_new_ticket_and_others_cannot() {
    let t = TestApp::start().await;
    let acme = t
        .organization(json!({"name": "Acme", "domains": ["acme.com"]}))
        .await;
    t.portal_user("Jane", "jane@acme.com", "jane password")
        .await;
    let (mia, _) = t.portal_user("Mia", "mia@acme.com", "mia password").await;
    make_manager(&t, acme, mia["id"].as_i64().unwrap()).await;
    let mut mia = Browser::in_portal(&t, "mia@acme.com", "mia password").await;
    let profile = mia.get("/portal/profile").await;
    assert!(html(&profile).contains("CC me on every new ticket of my organization"));
    let saved = mia
        .post_form(
            "/portal/profile",
            &[
                ("csrf", &csrf(&profile)),
                ("name", "Mia"),
                ("auto_cc_shown", "true"),
                ("auto_cc", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(html(&mia.follow(&saved).await).contains(r#"name="auto_cc" value="on" checked"#));

    let mut jane = Browser::in_portal(&t, "jane@acme.com", "jane password").await;
    let ticket = open_ticket(&mut jane, "Printer jammed", "Tray 2.").await;
    let mine = mia.get("/portal/tickets").await;
    assert!(
        html(&mine).contains(&format!("/portal/tickets/{ticket}")),
        "Mia is copied"
    );
    let replied = mia.get(&format!("/portal/tickets/{ticket}")).await;
    assert!(
        html(&replied).contains("Send reply"),
        "a CC'd manager takes part"
    );

    let profile = jane.get("/portal/profile").await;
    assert!(!html(&profile).contains("CC me on every new ticket"));
    let forged = jane
        .post_form(
            "/portal/profile",
            &[
                ("csrf", &csrf(&profile)),
                ("name", "Jane"),
                ("auto_cc_shown", "true"),
                ("auto_cc", "on"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_user_turns_mail_notifications_off_and_on_from_the_profile_page() {
    let t = TestApp::start().await;
    let (ann, _) = t
        .portal_user("Ann", "ann@example.org", "ann password")
        .await;
    let ann_id = ann["id"].as_i64().unwrap();
    let mut browser = Browser::in_portal(&t, "ann@example.org", "ann password").await;
    let profile = browser.get("/portal/profile").await;
    assert!(html(&profile).contains(r#"name="notifications" value="on" checked"#));
    // An unticked checkbox sends nothing: the hidden field says the form showed it.
    let saved = browser
        .post_form(
            "/portal/profile",
            &[
                ("csrf", &csrf(&profile)),
                ("name", "Ann"),
                ("notifications_shown", "true"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let shown = browser.follow(&saved).await;
    assert!(html(&shown).contains(r#"name="notifications" value="on">"#));
    let user = t.get(&format!("/api/v1/users/{ann_id}")).await;
    assert_eq!(user.body["notifications"], false);

    let saved = browser
        .post_form(
            "/portal/profile",
            &[
                ("csrf", &csrf(&shown)),
                ("name", "Ann"),
                ("notifications_shown", "true"),
                ("notifications", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let user = t.get(&format!("/api/v1/users/{ann_id}")).await;
    assert_eq!(user.body["notifications"], true);
}

#[tokio::test]
async fn a_new_password_needs_the_current_one() {
    let t = TestApp::start().await;
    t.portal_user("Ann", "ann@example.org", "ann password")
        .await;
    let mut ann = Browser::in_portal(&t, "ann@example.org", "ann password").await;
    let profile = ann.get("/portal/profile").await;
    let refused = ann
        .post_form(
            "/portal/profile",
            &[
                ("csrf", &csrf(&profile)),
                ("name", "Ann B"),
                ("current_password", "wrong one"),
                ("new_password", "a new password"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("The current password is not the current password."));
    assert!(html(&refused).contains(r#"value="Ann B""#));
    let changed = ann
        .post_form(
            "/portal/profile",
            &[
                ("csrf", &csrf(&profile)),
                ("name", "Ann B"),
                ("current_password", "ann password"),
                ("new_password", "a new password"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    Browser::in_portal(&t, "ann@example.org", "a new password").await;
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server_and_forms_need_the_pages_token() {
    let t = TestApp::start().await;
    t.portal_user("Ann", "ann@example.org", "ann password")
        .await;
    let mut ann = Browser::in_portal(&t, "ann@example.org", "ann password").await;
    let page = ann.get("/portal/tickets/new").await;
    let forged = ann
        .post_form(
            "/portal/tickets",
            &[("csrf", "0000"), ("subject", "x"), ("body", "y")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(html(&ann.get("/portal/tickets").await).contains("No tickets yet."));

    let stolen = ann.cookies.clone();
    let out = ann
        .post_form("/portal/sign-out", &[("csrf", &csrf(&page))])
        .await;
    assert_eq!(location(&out), "/portal/sign-in");
    let after = ann.get("/portal/tickets").await;
    assert_eq!(location(&after), "/portal/sign-in?next=%2Fportal%2Ftickets");
    ann.cookies = stolen;
    let replayed = ann.get("/portal/tickets").await;
    assert_eq!(
        replayed.status,
        StatusCode::SEE_OTHER,
        "the token is revoked"
    );
}

#[tokio::test]
async fn an_agents_session_does_not_open_the_portal_nor_a_users_the_agent_app() {
    let t = TestApp::start().await;
    t.portal_user("Ann", "ann@example.org", "ann password")
        .await;
    let mut agent = Browser::signed_in(&t).await;
    let portal = agent.get("/portal/tickets").await;
    assert_eq!(portal.status, StatusCode::SEE_OTHER);
    let mut ann = Browser::in_portal(&t, "ann@example.org", "ann password").await;
    let app = ann.get("/agent/organizations").await;
    assert_eq!(app.status, StatusCode::SEE_OTHER);
    assert!(location(&app).starts_with("/agent/sign-in"));
    let wrong = Browser::new(&t)
        .post_form(
            "/portal/sign-in",
            &[("email", "ann@example.org"), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(html(&wrong).contains(r#"value="ann@example.org""#));
}

#[tokio::test]
async fn an_invited_person_sets_a_password_on_the_linked_page_and_signs_in() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let invited = t
        .post(
            &format!("/api/v1/organizations/{acme}/invitations"),
            json!({"email": "ivy@acme.test", "name": "Ivy"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let body =
        t.db.text("SELECT body FROM outgoing_mail WHERE kind = 'invitation'")
            .await;
    let start = body.find("/portal/set-password?token=").expect("a link");
    let link = body[start..].split_whitespace().next().unwrap().to_owned();
    let token = link.split("token=").nth(1).unwrap().to_owned();

    let mut browser = Browser::new(&t);
    let form = browser.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains(&format!(r#"name="token" value="{token}""#)));
    let short = browser
        .post_form(
            "/portal/set-password",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&short).contains("at least 8 characters"),
        "{}",
        html(&short)
    );
    let set = browser
        .post_form(
            "/portal/set-password",
            &[("token", &token), ("password", "ivy's long password")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert_eq!(location(&set), "/portal/sign-in");
    assert!(html(&browser.follow(&set).await).contains("Your password is set."));
    let reused = browser
        .post_form(
            "/portal/set-password",
            &[("token", &token), ("password", "another long password")],
        )
        .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&reused).contains("already used"));
    let mut ivy = Browser::in_portal(&t, "ivy@acme.test", "ivy's long password").await;
    assert_eq!(ivy.get("/portal/tickets").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_sign_in_page_leads_to_a_reset_form_that_answers_alike_for_every_address() {
    let t = TestApp::start().await;
    t.portal_user("Ann", "ann@example.org", "ann password")
        .await;
    let mut browser = Browser::new(&t);
    let sign_in = browser.get("/portal/sign-in").await;
    assert!(
        html(&sign_in).contains(r#"<a href="/portal/forgot-password">Forgot your password?</a>"#)
    );
    let form = browser.get("/portal/forgot-password").await;
    assert_eq!(form.status, StatusCode::OK);
    let mut answers = Vec::new();
    for email in ["ann@example.org", "nobody@example.org"] {
        let sent = browser
            .post_form("/portal/forgot-password", &[("email", email)])
            .await;
        assert_eq!(sent.status, StatusCode::OK);
        let text = html(&sent);
        assert!(text.contains("If an account uses this address, a mail with a link to set a new password is on its way."));
        answers.push(text.replace(email, "EMAIL"));
    }
    assert_eq!(
        answers[0], answers[1],
        "the page tells nobody which address has an account"
    );
    assert_eq!(
        t.db.number("SELECT COUNT(*) FROM outgoing_mail WHERE kind = 'password_reset'")
            .await,
        1
    );
    let refused = browser
        .post_form("/portal/forgot-password", &[("email", "not an address")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}
