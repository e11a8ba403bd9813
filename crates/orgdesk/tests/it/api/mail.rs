//! Outgoing mail, received by a real SMTP server (aiosmtpd) the tests start: new
//! tickets acknowledged, agents' replies to the requester and CCs, internal notes never,
//! notifications turned off, messages to an organization, and retries.

use axum::http::{Method, StatusCode};
use orgdesk_app::{MailSettings, MailTransport, MailWorker, Settings};
use orgdesk_testkit::{SmtpServer, TestApp};
use serde_json::{Value, json};

const HOST: &str = "help.example.com";

/// An app whose mail comes from support@help.example.com, with links to
/// https://help.example.com, sending to `smtp` through a running worker.
/// Portal users registered while the worker runs have their mail sent (and its link
/// blanked) at once: tests that need some switch confirmation off, as an admin may.
async fn without_address_confirmation(t: &TestApp) {
    let changed = t
        .patch("/api/v1/settings", json!({"verify_registrations": false}))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["verify_registrations"], false);
}

async fn app_mailing_to(smtp: &SmtpServer) -> (TestApp, MailWorker) {
    let t = TestApp::start_with(Settings {
        mail: MailSettings::new(
            "Example Support <support@help.example.com>",
            Some("https://help.example.com/"),
        )
        .unwrap(),
        ..Settings::default()
    })
    .await;
    let worker = t
        .app
        .start_mail_worker(MailTransport::smtp(&smtp.url()).unwrap());
    (t, worker)
}

async fn user(t: &TestApp, name: &str, email: &str, organization: Option<i64>) -> i64 {
    t.user_id(json!({"name": name, "email": email, "organization_id": organization}))
        .await
}

async fn ticket(t: &TestApp, body: Value) -> i64 {
    let created = t.post("/api/v1/tickets", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.id()
}

#[tokio::test]
async fn a_new_ticket_is_acknowledged_to_its_requester_threaded_under_the_ticket() {
    let Some(smtp) = SmtpServer::start("ticket acknowledgement").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    let jane = user(&t, "Jane Doe", "jane@acme.test", None).await;
    let id = ticket(
        &t,
        json!({"requester_id": jane, "subject": "Printer jammed", "body": "Tray 2 again.\nSince Monday."}),
    )
    .await;

    let mails = smtp.wait_for_exactly(1).await;
    let mail = &mails[0];
    assert_eq!(mail.envelope_to, ["jane@acme.test"]);
    assert_eq!(mail.to, ["jane@acme.test"]);
    assert_eq!(mail.from, "support@help.example.com");
    assert_eq!(mail.subject, format!("[#{id}] Printer jammed"));
    let thread = format!("<ticket-{id}@{HOST}>");
    assert_eq!(mail.in_reply_to.as_deref(), Some(thread.as_str()));
    assert_eq!(mail.references, [thread]);
    assert!(
        mail.message_id.ends_with(&format!("@{HOST}>")),
        "{}",
        mail.message_id
    );
    assert_eq!(mail.auto_submitted.as_deref(), Some("auto-replied"));
    assert!(mail.body.contains(&format!("#{id}")), "{}", mail.body);
    assert!(
        mail.body
            .contains(&format!("https://help.example.com/portal/tickets/{id}")),
        "{}",
        mail.body
    );
    assert!(
        mail.body.contains("> Tray 2 again.\n> Since Monday."),
        "{}",
        mail.body
    );
}

#[tokio::test]
async fn an_agents_reply_reaches_the_requester_and_ccs_and_an_internal_note_reaches_no_one() {
    let Some(smtp) = SmtpServer::start("replies and notes").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    let jane = user(&t, "Jane", "jane@acme.test", None).await;
    let carl = user(&t, "Carl", "carl@acme.test", None).await;
    let quiet = user(&t, "Quinn", "quinn@acme.test", None).await;
    let off = t
        .patch(
            &format!("/api/v1/users/{quiet}"),
            json!({"notifications": false}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(off.body["notifications"], false);
    let id = ticket(
        &t,
        json!({"requester_id": jane, "subject": "VPN down", "body": "Since 9:00.", "cc_ids": [carl, quiet]}),
    )
    .await;
    smtp.wait_for_exactly(1).await;

    let note = t
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            json!({"body": "Their firewall again, I bet.", "internal": true}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    let reply = t
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            json!({"body": "We restarted the gateway; please try again."}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    let mails = smtp.wait_for_exactly(3).await;
    let replies = &mails[1..];
    let mut recipients: Vec<&str> = replies.iter().map(|m| m.to[0].as_str()).collect();
    recipients.sort();
    assert_eq!(recipients, ["carl@acme.test", "jane@acme.test"]);
    for mail in replies {
        assert_eq!(mail.subject, format!("[#{id}] VPN down"));
        assert!(
            mail.body
                .starts_with("We restarted the gateway; please try again.")
        );
        assert!(mail.body.contains("Ada Admin"), "signed: {}", mail.body);
        assert!(
            !mail.raw.contains("firewall"),
            "a note leaked: {}",
            mail.raw
        );
        assert_eq!(mail.references, [format!("<ticket-{id}@{HOST}>")]);
        assert_eq!(mail.auto_submitted, None);
    }
    assert_ne!(replies[0].message_id, replies[1].message_id);
}

#[tokio::test]
async fn a_portal_user_who_turns_notifications_off_gets_no_mail() {
    let Some(smtp) = SmtpServer::start("notifications off").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    without_address_confirmation(&t).await;
    let (_, token) = t
        .portal_user("Pat", "pat@acme.test", "a long password")
        .await;
    let off = t
        .patch_as(&token, "/api/v1/portal/me", json!({"notifications": false}))
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(off.body["notifications"], false);
    let created = t
        .post_as(
            &token,
            "/api/v1/portal/tickets",
            json!({"subject": "Quiet please", "body": "No mail for me."}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // Another user's ticket after it: its mail arriving alone shows Pat's never went.
    let sam = user(&t, "Sam", "sam@acme.test", None).await;
    ticket(
        &t,
        json!({"requester_id": sam, "subject": "Loud", "body": "Mail me."}),
    )
    .await;

    let mails = smtp.wait_for_exactly(1).await;
    assert_eq!(mails[0].to, ["sam@acme.test"]);
}

#[tokio::test]
async fn a_message_to_an_organization_reaches_each_member_who_takes_mail_and_is_recorded() {
    let Some(smtp) = SmtpServer::start("organization message").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    let acme = t.org("Acme", None).await;
    let other = t.org("Globex", None).await;
    user(&t, "Ann", "ann@acme.test", Some(acme)).await;
    user(&t, "Bob", "bob@acme.test", Some(acme)).await;
    let gone = user(&t, "Gil", "gil@acme.test", Some(acme)).await;
    t.patch(&format!("/api/v1/users/{gone}"), json!({"disabled": true}))
        .await;
    let quiet = user(&t, "Quinn", "quinn@acme.test", Some(acme)).await;
    t.patch(
        &format!("/api/v1/users/{quiet}"),
        json!({"notifications": false}),
    )
    .await;
    user(&t, "Olga", "olga@globex.test", Some(other)).await;

    let sent = t
        .post(
            &format!("/api/v1/organizations/{acme}/messages"),
            json!({"subject": "Maintenance on Saturday", "body": "The portal is down 8:00-9:00."}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    assert_eq!(sent.body, json!({"recipients": 2}));

    let mails = smtp.wait_for_exactly(2).await;
    let mut recipients: Vec<&str> = mails.iter().map(|m| m.to[0].as_str()).collect();
    recipients.sort();
    assert_eq!(recipients, ["ann@acme.test", "bob@acme.test"]);
    for mail in &mails {
        assert_eq!(mail.subject, "Maintenance on Saturday");
        assert_eq!(mail.body.trim_end(), "The portal is down 8:00-9:00.");
        assert_eq!(mail.in_reply_to, None);
    }
    assert_ne!(mails[0].message_id, mails[1].message_id);

    let activity = t
        .get(&format!("/api/v1/organizations/{acme}/activity"))
        .await;
    let event = &activity.body["data"][0];
    assert_eq!(event["action"], "message_sent");
    assert_eq!(
        event["changes"],
        json!([
            {"field": "subject", "old": null, "new": "Maintenance on Saturday"},
            {"field": "recipients", "old": null, "new": 2}
        ])
    );
    let history = t
        .get(&format!("/api/v1/organizations/{acme}/history"))
        .await;
    assert!(
        !history
            .strings("action")
            .contains(&"message_sent".to_owned())
    );
}

#[tokio::test]
async fn a_message_to_an_organization_refuses_bad_input_and_queues_nothing() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    user(&t, "Ann", "ann@acme.test", Some(acme)).await;
    let url = format!("/api/v1/organizations/{acme}/messages");
    for (body, field) in [
        (
            json!({"subject": "Hi\r\nBcc: everyone@example.com", "body": "x"}),
            "subject",
        ),
        (json!({"subject": "Hi\nthere", "body": "x"}), "subject"),
        (json!({"subject": "Hi\u{0}", "body": "x"}), "subject"),
        (json!({"subject": "Hi", "body": "x\u{0}y"}), "body"),
        (json!({"subject": " ", "body": "x"}), "subject"),
        (json!({"subject": "Hi", "body": ""}), "body"),
    ] {
        let refused = t.post(&url, body.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.code(), "validation_failed", "{body}");
        assert!(
            refused.message().contains(field),
            "{body}: {}",
            refused.message()
        );
    }
    let missing = t
        .post(
            "/api/v1/organizations/999999/messages",
            json!({"subject": "Hi", "body": "x"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(t.db.number("SELECT COUNT(*) FROM outgoing_mail").await, 0);
    let activity = t
        .get(&format!("/api/v1/organizations/{acme}/activity"))
        .await;
    assert!(
        !activity
            .strings("action")
            .contains(&"message_sent".to_owned())
    );
}

#[tokio::test]
async fn mail_the_server_could_not_take_is_sent_once_when_the_worker_starts_again() {
    let Some(mut smtp) = SmtpServer::start("retry").await else {
        return;
    };
    smtp.pause();
    let (t, worker) = app_mailing_to(&smtp).await;
    let jane = user(&t, "Jane", "jane@acme.test", None).await;
    ticket(
        &t,
        json!({"requester_id": jane, "subject": "Hello", "body": "Anyone?"}),
    )
    .await;
    // The attempt fails (nothing listens) and waits for its retry.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while t
        .db
        .number("SELECT COUNT(*) FROM outgoing_mail WHERE attempts = 1 AND last_error IS NOT NULL AND claimed_until IS NULL")
        .await
        == 0
    {
        assert!(std::time::Instant::now() < deadline, "no failed attempt recorded");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let waiting = t.get("/api/v1/outgoing-mail?state=queued").await;
    assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.body);
    let mail = &waiting.body["data"][0];
    assert_eq!(mail["kind"], "ticket_created");
    assert_eq!(mail["recipient"], "jane@acme.test");
    assert_eq!(mail["attempts"], 1);
    assert!(
        mail["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{mail}"
    );
    assert_eq!(mail["sent_at"], Value::Null);
    worker.stop().await;

    smtp.resume().await;
    let _worker = t
        .app
        .start_mail_worker(MailTransport::smtp(&smtp.url()).unwrap());
    let mails = smtp.wait_for_exactly(1).await;
    assert_eq!(mails[0].to, ["jane@acme.test"]);
    let sent = t.get("/api/v1/outgoing-mail?state=sent").await;
    assert_eq!(sent.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(sent.body["data"][0]["attempts"], 2);
    assert_eq!(sent.body["data"][0]["last_error"], Value::Null);
    assert!(sent.body["data"][0]["sent_at"].is_string());
    assert_eq!(
        t.get("/api/v1/outgoing-mail?state=queued").await.body["data"],
        json!([])
    );
}

#[tokio::test]
async fn the_mail_queue_is_for_admins_and_refuses_an_unknown_state() {
    let t = TestApp::start().await;
    let jane = user(&t, "Jane", "jane@acme.test", None).await;
    for subject in ["One", "Two", "Three"] {
        ticket(
            &t,
            json!({"requester_id": jane, "subject": subject, "body": "x"}),
        )
        .await;
    }
    let first = t.get("/api/v1/outgoing-mail?limit=2").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let subjects: Vec<String> = first.strings("subject");
    assert_eq!(subjects.len(), 2);
    assert!(
        subjects[0].ends_with("Three") && subjects[1].ends_with("Two"),
        "{subjects:?}"
    );
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = t
        .get(&format!("/api/v1/outgoing-mail?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(rest.strings("subject").len(), 1);
    assert!(rest.strings("subject")[0].ends_with("One"));
    let unknown = t.get("/api/v1/outgoing-mail?state=lost").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.message().contains("state"), "{}", unknown.message());
    let agent = t
        .agent_token("bo@helpdesk.test", "bo's long password", false)
        .await;
    let refused = t.get_as(&agent, "/api/v1/outgoing-mail").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn mail_goes_to_the_outbox_folder_as_eml_files_when_no_smtp_server_is_set() {
    let t = TestApp::start().await;
    let outbox = tempfile::tempdir().unwrap();
    let _worker = t
        .app
        .start_mail_worker(MailTransport::outbox(outbox.path()).unwrap());
    let jane = user(&t, "Jane", "jane@acme.test", None).await;
    let id = ticket(
        &t,
        json!({"requester_id": jane, "subject": "Hello", "body": "Anyone?"}),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let files = loop {
        let files = orgdesk_testkit::files_under(outbox.path());
        if !files.is_empty() {
            break files;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing in the outbox"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert_eq!(files.len(), 1);
    assert!(files[0].ends_with(".eml"), "{files:?}");
    let mail = std::fs::read_to_string(outbox.path().join(&files[0])).unwrap();
    assert!(mail.contains(&format!("Subject: [#{id}] Hello")), "{mail}");
    assert!(mail.contains("To: Jane <jane@acme.test>"), "{mail}");
}

/// A request without a token (the portal's public routes).
async fn public(t: &TestApp, path: &str, body: Value) -> orgdesk_testkit::Response {
    t.send(Method::POST, path, None, Some(body), &[]).await
}

/// Sets a password with a mailed link's token.
async fn set_password(t: &TestApp, token: &str, password: &str) -> orgdesk_testkit::Response {
    public(
        t,
        "/api/v1/portal/set-password",
        json!({"token": token, "password": password}),
    )
    .await
}

/// Signs in to the portal.
async fn sign_in(t: &TestApp, email: &str, password: &str) -> orgdesk_testkit::Response {
    public(
        t,
        "/api/v1/portal/token",
        json!({"email": email, "password": password}),
    )
    .await
}

/// The `token` of the set-password link in a mail's body.
fn link_token(body: &str) -> String {
    let start = body.find("token=").expect("a set-password link") + "token=".len();
    body[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_invited_person_joins_the_organization_and_sets_a_password_once_with_the_mailed_link() {
    let Some(smtp) = SmtpServer::start("invitation").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    let acme = t.org("Acme", None).await;
    let invited = t
        .post(
            &format!("/api/v1/organizations/{acme}/invitations"),
            json!({"email": "ivy@acme.test", "name": "Ivy", "position": "CFO", "manager": true}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    assert_eq!(invited.body["organization_id"], acme);
    assert_eq!(invited.body["position"], "CFO");
    assert_eq!(invited.body["manager"], true);
    let members = t
        .get(&format!("/api/v1/organizations/{acme}/members"))
        .await;
    assert_eq!(members.names(), ["Ivy"]);

    let mails = smtp.wait_for_exactly(1).await;
    assert_eq!(mails[0].to, ["ivy@acme.test"]);
    assert_eq!(mails[0].subject, "Your account at Acme");
    assert!(
        mails[0].body.contains("Ada Admin added you to Acme"),
        "{}",
        mails[0].body
    );
    assert!(
        mails[0]
            .body
            .contains("https://help.example.com/portal/set-password?token="),
        "{}",
        mails[0].body
    );
    let token = link_token(&mails[0].body);
    assert_eq!(
        t.db.text("SELECT body FROM outgoing_mail WHERE kind = 'invitation'")
            .await,
        "(removed once sent: it held a link that opens the account)",
        "the database keeps no usable link"
    );
    let refused = sign_in(&t, "ivy@acme.test", "ivy's long password").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "no password yet");

    let short = set_password(&t, &token, "short").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.message().contains("password"), "{}", short.message());
    let set = set_password(&t, &token, "ivy's long password").await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["email"], "ivy@acme.test");
    let signed_in = sign_in(&t, "ivy@acme.test", "ivy's long password").await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{}", signed_in.body);

    let again = set_password(&t, &token, "someone else's password").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.message().contains("already used"),
        "{}",
        again.message()
    );
    let forged = set_password(&t, "not-a-token", "someone else's password").await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(forged.code(), "validation_failed");
}

#[tokio::test]
async fn an_expired_invitation_link_is_refused_and_sets_nothing() {
    let Some(smtp) = SmtpServer::start("expired invitation").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    let acme = t.org("Acme", None).await;
    let invited = t
        .post(
            &format!("/api/v1/organizations/{acme}/invitations"),
            json!({"email": "ivy@acme.test", "name": "Ivy"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let token = link_token(&smtp.wait_for_exactly(1).await[0].body);
    t.db.execute("UPDATE account_links SET expires_at = 1")
        .await;
    let expired = set_password(&t, &token, "ivy's long password").await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        expired.message().contains("expired"),
        "{}",
        expired.message()
    );
    let refused = sign_in(&t, "ivy@acme.test", "ivy's long password").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_invitation_refuses_a_taken_email_an_unknown_organization_and_bad_input() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    user(&t, "Ann", "ann@acme.test", None).await;
    let url = format!("/api/v1/organizations/{acme}/invitations");
    let taken = t
        .post(&url, json!({"email": "ANN@acme.test", "name": "Ann again"}))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "email_taken");
    let bad = t
        .post(&url, json!({"email": "not an address", "name": "X"}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.message().contains("email"), "{}", bad.message());
    for body in [
        json!({"email": "ivy\u{0}@acme.test", "name": "Ivy"}),
        json!({"email": "ivy@acme.test", "name": "Ivy\u{0}"}),
        json!({"email": "ivy@acme.test", "name": "Ivy", "position": "C\u{7}FO"}),
    ] {
        let refused = t.post(&url, body.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let no_domain = t
        .post(&url, json!({"email": "ivy@localhost", "name": "Ivy"}))
        .await;
    assert_eq!(no_domain.status, StatusCode::UNPROCESSABLE_ENTITY);
    let manager_alone = t
        .post(
            "/api/v1/organizations/999999/invitations",
            json!({"email": "ivy@acme.test", "name": "Ivy"}),
        )
        .await;
    assert_eq!(manager_alone.status, StatusCode::NOT_FOUND);
    assert_eq!(t.db.number("SELECT COUNT(*) FROM outgoing_mail").await, 0);
    assert_eq!(t.db.number("SELECT COUNT(*) FROM account_links").await, 0);
    assert_eq!(t.db.number("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn a_password_reset_mails_a_link_that_sets_a_new_password_and_signs_out_elsewhere() {
    let Some(smtp) = SmtpServer::start("password reset").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    without_address_confirmation(&t).await;
    let (_, old_token) = t
        .portal_user("Pat", "pat@acme.test", "pat's first password")
        .await;
    // A contact an agent made, with no password, and with notifications off: mail
    // about the account itself still reaches them.
    let carl = user(&t, "Carl", "carl@acme.test", None).await;
    t.patch(
        &format!("/api/v1/users/{carl}"),
        json!({"notifications": false}),
    )
    .await;

    for email in ["PAT@acme.test", "nobody@acme.test", "carl@acme.test"] {
        let asked = public(&t, "/api/v1/portal/password-reset", json!({"email": email})).await;
        assert_eq!(
            asked.status,
            StatusCode::ACCEPTED,
            "{email}: {}",
            asked.body
        );
        assert_eq!(
            asked.body["message"],
            "If an account uses this address, a mail with a link to set a new password is on its way.",
            "the same answer for every address"
        );
    }
    let mails = smtp.wait_for_exactly(2).await;
    let mut recipients: Vec<&str> = mails.iter().map(|m| m.to[0].as_str()).collect();
    recipients.sort();
    assert_eq!(recipients, ["carl@acme.test", "pat@acme.test"]);
    let to_pat = mails.iter().find(|m| m.to[0] == "pat@acme.test").unwrap();
    assert_eq!(to_pat.subject, "Set a new password");
    let set = set_password(&t, &link_token(&to_pat.body), "pat's second password").await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let old_session = t.get_as(&old_token, "/api/v1/portal/me").await;
    assert_eq!(
        old_session.status,
        StatusCode::UNAUTHORIZED,
        "signed out elsewhere"
    );
    let old_password = sign_in(&t, "pat@acme.test", "pat's first password").await;
    assert_eq!(old_password.status, StatusCode::UNAUTHORIZED);
    let new_password = sign_in(&t, "pat@acme.test", "pat's second password").await;
    assert_eq!(new_password.status, StatusCode::CREATED);

    let to_carl = mails.iter().find(|m| m.to[0] == "carl@acme.test").unwrap();
    let claimed = set_password(&t, &link_token(&to_carl.body), "carl's own password").await;
    assert_eq!(
        claimed.status,
        StatusCode::OK,
        "a contact claims the account"
    );
}

#[tokio::test]
async fn only_the_newest_reset_link_works_and_a_disabled_account_gets_none() {
    let Some(smtp) = SmtpServer::start("reset links").await else {
        return;
    };
    let (t, _worker) = app_mailing_to(&smtp).await;
    without_address_confirmation(&t).await;
    let (pat, _) = t
        .portal_user("Pat", "pat@acme.test", "pat's first password")
        .await;
    for _ in 0..2 {
        public(
            &t,
            "/api/v1/portal/password-reset",
            json!({"email": "pat@acme.test"}),
        )
        .await;
    }
    let mails = smtp.wait_for_exactly(2).await;
    let first = set_password(&t, &link_token(&mails[0].body), "pat's second password").await;
    assert_eq!(
        first.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "replaced by the newer link"
    );
    let newest = set_password(&t, &link_token(&mails[1].body), "pat's second password").await;
    assert_eq!(newest.status, StatusCode::OK, "{}", newest.body);

    t.patch(
        &format!("/api/v1/users/{}", pat["id"]),
        json!({"disabled": true}),
    )
    .await;
    let asked = public(
        &t,
        "/api/v1/portal/password-reset",
        json!({"email": "pat@acme.test"}),
    )
    .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    let not_an_address = public(&t, "/api/v1/portal/password-reset", json!({"email": "pat"})).await;
    assert_eq!(not_an_address.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A later mail arriving alone shows none went to the disabled account.
    let sam = user(&t, "Sam", "sam@acme.test", None).await;
    ticket(
        &t,
        json!({"requester_id": sam, "subject": "Hi", "body": "Mail me."}),
    )
    .await;
    let mails = smtp.wait_for_exactly(3).await;
    assert_eq!(mails[2].to, ["sam@acme.test"]);
}

#[tokio::test]
async fn two_uses_of_one_set_password_link_at_once_set_one_password() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let invited = t
        .post(
            &format!("/api/v1/organizations/{acme}/invitations"),
            json!({"email": "ivy@acme.test", "name": "Ivy"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let token = t.mailed_token("ivy@acme.test", "invitation").await;
    let (first, second) = tokio::join!(
        set_password(&t, &token, "first long password"),
        set_password(&t, &token, "second long password")
    );
    let mut statuses = vec![first.status, second.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        first.body,
        second.body
    );
    let winner = if first.status == StatusCode::OK {
        "first long password"
    } else {
        "second long password"
    };
    assert_eq!(
        sign_in(&t, "ivy@acme.test", winner).await.status,
        StatusCode::CREATED,
        "the password set is the one whose use was accepted"
    );
}
