//! `POST/GET /api/v1/imports`: a file taken by the server, run in the background, and
//! followed to its report.

use axum::http::StatusCode;
use orgdesk_testkit::{Part, TestApp};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn start(t: &TestApp, kind: &str, dry_run: Option<&str>, csv: &str) -> Value {
    let mut parts = vec![
        Part::text("kind", kind),
        Part::file("file", "data.csv", "text/csv", csv.as_bytes()),
    ];
    if let Some(dry_run) = dry_run {
        parts.push(Part::text("dry_run", dry_run));
    }
    let started = t.post_multipart("/api/v1/imports", None, &parts).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    assert_eq!(started.body["kind"], kind);
    assert_eq!(started.body["file_name"], "data.csv");
    started.body
}

/// Polls the import until it is done or failed.
async fn finished(t: &TestApp, id: &Value) -> Value {
    let began = Instant::now();
    loop {
        let import = t.get(&format!("/api/v1/imports/{id}")).await.body;
        if import["status"] == "done" || import["status"] == "failed" {
            assert_eq!(import["progress"], Value::Null);
            return import;
        }
        assert!(began.elapsed() < Duration::from_secs(60), "{import}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_import_runs_in_the_background_and_keeps_its_report() {
    let t = TestApp::start().await;
    let csv =
        "external_id,name,parent,domains\nAC-2,Acme UK,AC-1,acme.co.uk\nAC-1,Acme,,acme.com\n";
    let started = start(&t, "organizations", None, csv).await;
    assert_eq!(started["status"], "validating");
    let done = finished(&t, &started["id"]).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (
            &done["rows"],
            &done["created"],
            &done["updated"],
            &done["unchanged"]
        ),
        (&json!(2), &json!(2), &json!(0), &json!(0))
    );
    assert_eq!(done["problems"], json!([]));
    let uk = &t.get("/api/v1/organizations?q=acme%20uk").await.body["data"][0];
    let acme = &t.get("/api/v1/organizations?q=acme").await.body["data"][0];
    assert_eq!(uk["parent_id"], acme["id"]);
    let history = t
        .get(&format!("/api/v1/organizations/{}/history", acme["id"]))
        .await;
    let id = started["id"].as_i64().unwrap();
    assert!(
        history.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|event| event["actor"]["name"] == format!("import {id}")),
        "{}",
        history.body
    );

    // The same file again changes nothing; the list shows both, newest first.
    let again = start(&t, "organizations", None, csv).await;
    let again = finished(&t, &again["id"]).await;
    assert_eq!(
        (&again["created"], &again["unchanged"]),
        (&json!(0), &json!(2))
    );
    let listed = t.get("/api/v1/imports").await.body;
    let ids: Vec<i64> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id + 1, id]);
}

#[tokio::test]
async fn a_file_with_problems_reports_each_by_line_and_applies_nothing() {
    let t = TestApp::start().await;
    let csv = "email,organization\nann@acme.com,\nbob@,\ncarol@acme.com,Nowhere\n";
    let started = start(&t, "users", None, csv).await;
    let failed = finished(&t, &started["id"]).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["problem_count"], 2);
    assert_eq!(failed["problems"][0]["line"], 3);
    assert_eq!(failed["problems"][0]["column"], "email");
    assert_eq!(failed["problems"][1]["line"], 4);
    assert_eq!(failed["problems"][1]["code"], "unknown_organization");
    assert_eq!(t.get("/api/v1/users").await.body["data"], json!([]));
}

#[tokio::test]
async fn a_dry_run_reports_and_changes_nothing() {
    let t = TestApp::start().await;
    let started = start(&t, "users", Some("true"), "email\nann@acme.com\n").await;
    let done = finished(&t, &started["id"]).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["dry_run"], true);
    assert_eq!(done["created"], 1);
    assert_eq!(t.get("/api/v1/users").await.body["data"], json!([]));
}

#[tokio::test]
async fn imports_need_an_admin_a_kind_and_a_file() {
    let t = TestApp::start().await;
    let agent = t
        .agent_token("agent@helpdesk.test", "agent password", false)
        .await;
    let refused = t
        .post_multipart(
            "/api/v1/imports",
            Some(&agent),
            &[
                Part::text("kind", "users"),
                Part::file("file", "u.csv", "text/csv", b"email\na@b.com\n"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for (parts, field) in [
        (
            vec![Part::file(
                "file",
                "u.csv",
                "text/csv",
                b"email\na@b.com\n".as_slice(),
            )],
            "kind",
        ),
        (
            vec![
                Part::text("kind", "tickets"),
                Part::file("file", "u.csv", "text/csv", b"email\n".as_slice()),
            ],
            "kind",
        ),
        (vec![Part::text("kind", "users")], "file"),
        (
            vec![
                Part::text("kind", "users"),
                Part::text("dry_run", "perhaps"),
                Part::file("file", "u.csv", "text/csv", b"email\n".as_slice()),
            ],
            "dry_run",
        ),
    ] {
        let refused = t.post_multipart("/api/v1/imports", None, &parts).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.body["error"]["field"], field, "{}", refused.body);
    }
    assert_eq!(t.get("/api/v1/imports").await.body["data"], json!([]));
    assert_eq!(
        t.get("/api/v1/imports/99").await.status,
        StatusCode::NOT_FOUND
    );
}
