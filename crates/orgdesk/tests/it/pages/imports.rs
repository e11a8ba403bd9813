//! Admin → Imports and the directories' exports: upload a file, follow the import to
//! its report, see every problem by line, and download the directories as CSV.

use super::{Browser, csrf, html, location};
use axum::http::StatusCode;
use orgdesk_testkit::{Part, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

/// Uploads a file on the Imports page; the import's page it leads to, once finished.
async fn upload(browser: &mut Browser<'_>, kind: &str, dry_run: bool, csv: &[u8]) -> String {
    let form = browser.get("/agent/admin/imports").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = csrf(&form);
    let mut parts = vec![
        Part::text("csrf", &token),
        Part::text("kind", kind),
        Part::file("file", "customers.csv", "text/csv", csv),
    ];
    if dry_run {
        parts.push(Part::text("dry_run", "true"));
    }
    let started = browser.post_multipart("/agent/admin/imports", &parts).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let address = location(&started);
    assert!(address.starts_with("/agent/admin/imports/"), "{address}");
    let began = Instant::now();
    loop {
        let shown = browser.get(&address).await;
        assert_eq!(shown.status, StatusCode::OK);
        let text = html(&shown).to_owned();
        if !text.contains(r#"http-equiv="refresh""#) {
            return text;
        }
        assert!(began.elapsed() < Duration::from_secs(60), "{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_admin_imports_a_file_and_reads_its_report_then_its_problems() {
    let t = TestApp::start().await;
    let mut browser = Browser::signed_in(&t).await;
    let report = upload(
        &mut browser,
        "organizations",
        false,
        b"name,parent,domains\nAcme UK,Acme,acme.co.uk\nAcme,,acme.com\n",
    )
    .await;
    assert!(report.contains("<strong>Imported</strong>"), "{report}");
    assert!(
        report.contains(r#"<dd id="import-created">2</dd>"#),
        "{report}"
    );
    assert!(report.contains("customers.csv"));
    let listed = t.get("/api/v1/organizations").await;
    assert_eq!(listed.names(), ["Acme", "Acme UK"]);

    let refused = upload(
        &mut browser,
        "users",
        false,
        b"email,organization\nann@acme.com,\nbob@,\ncarol@acme.com,Nowhere\n",
    )
    .await;
    assert!(
        refused.contains("<strong>Not imported</strong>"),
        "{refused}"
    );
    assert!(refused.contains("Problems — nothing was imported"));
    assert!(
        refused.contains(
            r#"<td data-label="Line" class="number">3</td><td data-label="Column">email</td>"#
        ),
        "{refused}"
    );
    assert!(refused.contains("Nowhere"));
    assert_eq!(t.get("/api/v1/users").await.body["data"], json!([]));

    // The list shows both, newest first.
    let list = browser.get("/agent/admin/imports").await;
    let text = html(&list);
    let users = text.find("users</a>").unwrap();
    let organizations = text.find("organizations</a>").unwrap();
    assert!(users < organizations, "{text}");
}

#[tokio::test]
async fn a_dry_run_on_the_page_says_what_would_happen_and_changes_nothing() {
    let t = TestApp::start().await;
    let mut browser = Browser::signed_in(&t).await;
    let report = upload(&mut browser, "organizations", true, b"name\nAcme\nGlobex\n").await;
    assert!(
        report.contains("<strong>Checked: no problems</strong>"),
        "{report}"
    );
    assert!(
        report.contains("Would be created</dt><dd id=\"import-created\">2</dd>"),
        "{report}"
    );
    assert_eq!(t.get("/api/v1/organizations").await.body["data"], json!([]));
}

#[tokio::test]
async fn a_form_without_a_file_is_refused_and_the_choices_are_kept() {
    let t = TestApp::start().await;
    let mut browser = Browser::signed_in(&t).await;
    let form = browser.get("/agent/admin/imports").await;
    let refused = browser
        .post_multipart(
            "/agent/admin/imports",
            &[
                Part::text("csrf", &csrf(&form)),
                Part::text("kind", "users"),
                Part::text("dry_run", "true"),
                Part::file("file", "", "application/octet-stream", b""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    assert!(
        text.contains("Choose the CSV file to import. Nothing was imported."),
        "{text}"
    );
    assert!(text.contains(r#"<option value="users" selected>"#));
    assert!(text.contains(r#"name="dry_run" value="true" checked"#));
}

#[tokio::test]
async fn imports_are_for_admins_and_exports_for_every_agent() {
    let t = TestApp::start().await;
    t.organization(json!({"name": "=Acme", "domains": ["acme.com"]}))
        .await;
    t.agent_token("bo@helpdesk.test", "bo's long password", false)
        .await;
    let mut browser = Browser::new(&t);
    browser
        .post_form(
            "/agent/sign-in",
            &[
                ("email", "bo@helpdesk.test"),
                ("password", "bo's long password"),
            ],
        )
        .await;
    assert_eq!(
        browser.get("/agent/admin/imports").await.status,
        StatusCode::FORBIDDEN
    );
    let directory = browser.get("/agent/organizations").await;
    assert!(html(&directory).contains(r#"href="/agent/export/organizations.csv""#));
    assert!(!html(&directory).contains("Import…"));

    let exported = browser.get("/agent/export/organizations.csv").await;
    assert_eq!(exported.status, StatusCode::OK);
    assert_eq!(exported.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        exported.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("organizations.csv")
    );
    let body = String::from_utf8(exported.raw.to_vec()).unwrap();
    assert!(
        body.starts_with("external_id,name,parent,domains"),
        "{body}"
    );
    assert!(body.contains("\n,=Acme,,acme.com,"), "{body}");
    let for_spreadsheet = browser
        .get("/agent/export/organizations.csv?for_spreadsheet=1")
        .await;
    let body = String::from_utf8(for_spreadsheet.raw.to_vec()).unwrap();
    assert!(body.contains("\n,'=Acme,,acme.com,"), "{body}");
    let users = browser.get("/agent/export/users.csv").await;
    assert!(
        String::from_utf8(users.raw.to_vec())
            .unwrap()
            .starts_with("external_id,name,email,organization")
    );
    assert_eq!(
        browser.get("/agent/export/tickets.csv").await.status,
        StatusCode::NOT_FOUND
    );
}
