//! The Notes tab: add a note with files (and without), refusals that keep the text,
//! downloads, edit with a stale-version explanation, delete after a confirmation step,
//! and the controls only for the author and admins.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_app::Settings;
use orgdesk_testkit::{Part, TestApp};
use serde_json::json;

#[tokio::test]
async fn an_agent_adds_a_note_with_files_downloads_edits_and_deletes_it() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let tab = browser
        .get(&format!("/agent/organizations/{acme}/notes"))
        .await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(html(&tab).contains("No notes yet."));
    assert!(html(&tab).contains(r#"aria-current="page">Notes</a>"#));
    let token = csrf(&tab);

    let added = browser
        .post_multipart(
            &format!("/agent/organizations/{acme}/notes"),
            &[
                Part::text("csrf", &token),
                Part::text("body", "Met their IT lead.\r\nSends configs Monday."),
                Part::file("files", "router.conf", "text/plain", b"hostname edge-1\n"),
                Part::file("files", "", "application/octet-stream", b""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let shown = browser.follow(&added).await;
    let text = html(&shown);
    assert!(text.contains("Note added with 1 file."), "{text}");
    assert!(text.contains("Met their IT lead.\nSends configs Monday."));
    assert!(text.contains(">router.conf</a>"));
    assert!(text.contains("16 bytes"));

    let note = &t
        .get(&format!("/api/v1/organizations/{acme}/notes"))
        .await
        .body["data"][0];
    let file_id = note["attachments"][0]["id"].as_i64().unwrap();
    let note_id = note["id"].as_i64().unwrap();
    let download = browser.get(&format!("/agent/attachments/{file_id}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.raw.as_ref(), b"hostname edge-1\n");
    assert_eq!(download.headers["x-content-type-options"], "nosniff");
    assert_eq!(download.headers["content-security-policy"], "sandbox");
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );

    let edited = browser
        .post_form(
            &format!("/agent/notes/{note_id}/edit"),
            &[
                ("csrf", &token),
                ("version", "1"),
                ("body", "Met their IT lead."),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let stale = browser
        .post_form(
            &format!("/agent/notes/{note_id}/edit"),
            &[
                ("csrf", &token),
                ("version", "1"),
                ("body", "From an old tab"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(html(&stale).contains("Someone changed this note after you opened it"));
    assert!(html(&stale).contains("From an old tab</textarea>"));

    let confirm = browser.get(&format!("/agent/notes/{note_id}/delete")).await;
    assert!(html(&confirm).contains("Delete this note and its 1 file?"));
    let deleted = browser
        .post_form(
            &format!("/agent/notes/{note_id}/delete"),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&deleted),
        format!("/agent/organizations/{acme}/notes")
    );
    let after = browser.follow(&deleted).await;
    assert!(html(&after).contains("Note deleted."));
    assert!(html(&after).contains("No notes yet."));
    let history = browser
        .get(&format!("/agent/organizations/{acme}/history"))
        .await;
    assert!(html(&history).contains("deleted a note"));
    assert!(
        html(&history).contains("with “router.conf”"),
        "{}",
        html(&history)
    );
}

#[tokio::test]
async fn a_refused_note_keeps_its_text_and_says_why() {
    let t = TestApp::start_with(Settings {
        upload_limit_bytes: 1024,
        ..Settings::default()
    })
    .await;
    let acme = t.org("Acme", None).await;
    let mut browser = Browser::signed_in(&t).await;
    let tab = browser
        .get(&format!("/agent/organizations/{acme}/notes"))
        .await;
    assert!(html(&tab).contains("each at most 1 KiB"));
    let token = csrf(&tab);
    let too_large = browser
        .post_multipart(
            &format!("/agent/organizations/{acme}/notes"),
            &[
                Part::text("csrf", &token),
                Part::text("body", "The full export"),
                Part::file("files", "export.csv", "text/csv", &[b'x'; 2048]),
            ],
        )
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let text = html(&too_large);
    assert!(
        text.contains("&#34;export.csv&#34; is larger than the upload limit of 1 KiB"),
        "{text}"
    );
    assert!(text.contains("The full export</textarea>"));
    let blank = browser
        .post_multipart(
            &format!("/agent/organizations/{acme}/notes"),
            &[Part::text("csrf", &token), Part::text("body", "   ")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&blank).contains("Must not be blank (a note holds text, files, or both)."));
    let forged = browser
        .post_multipart(
            &format!("/agent/organizations/{acme}/notes"),
            &[
                Part::text("csrf", "forged"),
                Part::text("body", "x"),
                Part::file("files", "a.txt", "text/plain", b"a"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let folder = t.blob_folder.as_ref().unwrap().path();
    assert_eq!(
        std::fs::read_dir(folder).unwrap().count(),
        0,
        "a refused note left files"
    );
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}/notes"))
            .await
            .body["data"],
        json!([])
    );
}

#[tokio::test]
async fn only_the_author_and_admins_see_a_notes_edit_and_delete_controls() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let by_admin = t
        .post(
            &format!("/api/v1/organizations/{acme}/notes"),
            json!({"body": "Admin's note"}),
        )
        .await;
    let other = t
        .agent_token("bo@helpdesk.test", "bo's long password", false)
        .await;
    let own = t
        .post_as(
            &other,
            &format!("/api/v1/organizations/{acme}/notes"),
            json!({"body": "Bo's note"}),
        )
        .await;
    let mut browser = Browser::new(&t);
    let signed_in = browser
        .post_form(
            "/agent/sign-in",
            &[
                ("email", "bo@helpdesk.test"),
                ("password", "bo's long password"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let tab = browser
        .get(&format!("/agent/organizations/{acme}/notes"))
        .await;
    let text = html(&tab);
    assert!(text.contains(&format!("/agent/notes/{}/edit", own.id())));
    assert!(!text.contains(&format!("/agent/notes/{}/edit", by_admin.id())));
    let refused = browser
        .post_form(
            &format!("/agent/notes/{}/delete", by_admin.id()),
            &[("csrf", &csrf(&tab))],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
