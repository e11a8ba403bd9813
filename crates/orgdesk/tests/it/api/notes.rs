//! Notes with attached files through the API, on both blob stores: a folder, and a
//! real S3-compatible server (s3s-fs) started by the test. Every refusal is checked to
//! leave nothing stored: no note row and no blob.

use axum::http::StatusCode;
use orgdesk_app::{BlobStore, Settings};
use orgdesk_testkit::{Part, S3Server, TestApp, files_under};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The upload limit of these tests: small, so that "too large" costs little.
const LIMIT: u64 = 64 * 1024;

/// A test application with its blob store, and a way to see every file it keeps.
struct Stored {
    t: TestApp,
    s3: Option<S3Server>,
}

impl Stored {
    async fn folder(limit: u64) -> Self {
        let t = TestApp::start_with(Settings {
            upload_limit_bytes: limit,
            ..Settings::default()
        })
        .await;
        Stored { t, s3: None }
    }

    /// `None` when s3s-fs is not installed (outside CI, said on the terminal).
    async fn s3(test: &str, limit: u64) -> Option<Self> {
        let server = S3Server::start(test).await?;
        let blobs = BlobStore::s3(&server.url("orgdesk/test"), server.env()).expect("an S3 store");
        let t = TestApp::start_with(Settings {
            upload_limit_bytes: limit,
            blob_store: Some(blobs),
            ..Settings::default()
        })
        .await;
        Some(Stored {
            t,
            s3: Some(server),
        })
    }

    /// Every file the store holds, staging files of unfinished uploads included.
    fn files(&self) -> Vec<String> {
        match &self.s3 {
            Some(server) => server.stored_files(),
            None => files_under(self.t.blob_folder.as_ref().expect("a folder").path()),
        }
    }
}

/// Runs a check on the folder store and on the S3 server, with an upload limit.
macro_rules! on_both_stores {
    ($check:ident) => {
        on_both_stores!($check, super::LIMIT);
    };
    ($check:ident, $limit:expr) => {
        mod $check {
            #[tokio::test]
            async fn on_a_folder() {
                super::$check(super::Stored::folder($limit).await).await;
            }
            #[tokio::test]
            async fn on_s3() {
                if let Some(stored) = super::Stored::s3(stringify!($check), $limit).await {
                    super::$check(stored).await;
                }
            }
        }
    };
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

on_both_stores!(files_are_stored_hashed_and_served_back_as_safe_downloads);
async fn files_are_stored_hashed_and_served_back_as_safe_downloads(s: Stored) {
    let t = &s.t;
    let org = t.org("Acme", None).await;
    let invoice: Vec<u8> = (0..50_000u32).map(|n| (n % 253) as u8).collect();
    let page = b"<html><script>alert(1)</script></html>";
    let added = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[
                Part::text("body", "Renewal call.\r\nThey want the March invoice."),
                Part::file("files", "Rechnung März.pdf", "application/pdf", &invoice),
                Part::file("files", "page.html", "text/html", page),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(
        added.body["body"],
        "Renewal call.\nThey want the March invoice."
    );
    assert_eq!(added.body["author"]["name"], "Ada Admin");
    let files = added.body["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["filename"], "Rechnung März.pdf");
    assert_eq!(files[0]["size"], 50_000);
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["sha256"], sha256(&invoice));
    assert_eq!(files[1]["sha256"], sha256(page));

    let download = t.get(files[0]["url"].as_str().unwrap()).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.raw.as_ref(), invoice.as_slice());
    let header = |name: &str| {
        download.headers[name]
            .to_str()
            .unwrap_or_else(|_| panic!("{name} is not text"))
            .to_owned()
    };
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"
    );
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("content-length"), "50000");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-security-policy"), "sandbox");

    // HTML comes back as a download too: never rendered, never sniffed, sandboxed.
    let html = t.get(files[1]["url"].as_str().unwrap()).await;
    assert_eq!(html.raw.as_ref(), page);
    assert!(
        html.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(html.headers["content-security-policy"], "sandbox");
    assert_eq!(s.files().len(), 2, "{:?}", s.files());
}

on_both_stores!(a_file_over_the_limit_is_refused_with_413_and_nothing_is_kept);
async fn a_file_over_the_limit_is_refused_with_413_and_nothing_is_kept(s: Stored) {
    let t = &s.t;
    let org = t.org("Acme", None).await;
    let small = b"fits";
    let big = vec![b'x'; LIMIT as usize + 1];
    let refused = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[
                Part::text("body", "two files"),
                Part::file("files", "small.txt", "text/plain", small),
                Part::file("files", "big.bin", "application/octet-stream", &big),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.body
    );
    assert_eq!(refused.code(), "payload_too_large");
    assert_eq!(refused.body["error"]["field"], "files");
    assert!(
        refused.message().contains("\"big.bin\""),
        "{}",
        refused.message()
    );
    assert!(
        refused.message().contains("64 KiB"),
        "{}",
        refused.message()
    );
    assert_eq!(s.files(), Vec::<String>::new());
    let notes = t.get(&format!("/api/v1/organizations/{org}/notes")).await;
    assert_eq!(notes.body["data"], json!([]));

    // Exactly the limit is accepted.
    let exact = vec![b'x'; LIMIT as usize];
    let accepted = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[Part::file(
                "files",
                "exact.bin",
                "application/octet-stream",
                &exact,
            )],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    assert_eq!(accepted.body["attachments"][0]["size"], LIMIT);
}

/// Larger than a part on either store (5 MiB on S3), so written as a multipart upload.
const LARGE_LIMIT: u64 = 6 * 1024 * 1024;

on_both_stores!(
    a_large_file_is_written_in_parts_and_one_over_the_limit_leaves_no_parts,
    super::LARGE_LIMIT
);
async fn a_large_file_is_written_in_parts_and_one_over_the_limit_leaves_no_parts(s: Stored) {
    let t = &s.t;
    let org = t.org("Acme", None).await;
    let path = format!("/api/v1/organizations/{org}/notes");
    let large: Vec<u8> = (0..LARGE_LIMIT as u32 - 1000)
        .map(|n| (n % 241) as u8)
        .collect();
    let added = t
        .post_multipart(
            &path,
            None,
            &[Part::file(
                "files",
                "dump.bin",
                "application/octet-stream",
                &large,
            )],
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body["attachments"][0]["sha256"], sha256(&large));
    let download = t
        .get(added.body["attachments"][0]["url"].as_str().unwrap())
        .await;
    assert!(
        download.raw.as_ref() == large.as_slice(),
        "the file came back changed"
    );
    let stored = s.files();
    assert_eq!(stored.len(), 1, "{stored:?}");

    let over = vec![1u8; LARGE_LIMIT as usize + 1];
    let refused = t
        .post_multipart(
            &path,
            None,
            &[Part::file(
                "files",
                "over.bin",
                "application/octet-stream",
                &over,
            )],
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.message().contains("6 MiB"), "{}", refused.message());
    assert_eq!(s.files(), stored, "an abandoned upload left parts behind");
}

on_both_stores!(file_names_are_cleaned_of_paths_and_refused_when_unusable);
async fn file_names_are_cleaned_of_paths_and_refused_when_unusable(s: Stored) {
    let t = &s.t;
    let org = t.org("Acme", None).await;
    let path = format!("/api/v1/organizations/{org}/notes");
    let cleaned = t
        .post_multipart(
            &path,
            None,
            &[
                Part::file("files", "../../etc/passwd", "text/plain", b"root:x"),
                Part::file("files", "C:\\Users\\ada\\config.yml", "text/yaml", b"a: 1"),
            ],
        )
        .await;
    assert_eq!(cleaned.status, StatusCode::CREATED, "{}", cleaned.body);
    let names: Vec<&str> = cleaned.body["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["passwd", "config.yml"]);
    // Stored under generated keys, never under the names sent.
    assert!(
        s.files()
            .iter()
            .all(|file| !file.contains("passwd") && !file.contains(".."))
    );
    let stored_before = s.files();

    // A NUL cannot even be read in a part's header: the request is refused whole.
    for bad in ["..", "...", "a/..", "a\u{0}b.txt", "bell\u{7}.txt"] {
        let refused = t
            .post_multipart(
                &path,
                None,
                &[
                    Part::text("body", "a good file, then a bad name"),
                    Part::file("files", "good.txt", "text/plain", b"good"),
                    Part::file("files", bad, "text/plain", b"bad"),
                ],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {}",
            refused.body
        );
        let field = refused.body["error"]["field"].as_str().unwrap_or_default();
        assert!(field == "files" || field == "multipart", "{bad:?}: {field}");
        assert_eq!(s.files(), stored_before, "{bad:?} left a blob behind");
    }
    let notes = t.get(&path).await;
    assert_eq!(notes.body["data"].as_array().unwrap().len(), 1);
}

on_both_stores!(a_note_refused_after_its_files_arrived_leaves_no_blob);
async fn a_note_refused_after_its_files_arrived_leaves_no_blob(s: Stored) {
    let t = &s.t;
    // The organization does not exist: found out only after the files were stored.
    let missing = t
        .post_multipart(
            "/api/v1/organizations/987654/notes",
            None,
            &[
                Part::text("body", "to nowhere"),
                Part::file("files", "a.txt", "text/plain", b"a"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    let org = t.org("Acme", None).await;
    // A body that breaks a rule, after the file.
    let control = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[
                Part::file("files", "a.txt", "text/plain", b"a"),
                Part::text("body", "bad \u{1b}[31m body"),
            ],
        )
        .await;
    assert_eq!(control.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(control.body["error"]["field"], "body");
    // A part the note does not take.
    let unknown = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[
                Part::file("files", "a.txt", "text/plain", b"a"),
                Part::text("author", "someone"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.body["error"]["field"], "author");
    // More files than a note holds.
    let many: Vec<Part<'_>> = (0..11)
        .map(|_| Part::file("files", "same.txt", "text/plain", b"x"))
        .collect();
    let too_many = t
        .post_multipart(&format!("/api/v1/organizations/{org}/notes"), None, &many)
        .await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_many.message().contains("at most 10 files"));
    assert_eq!(s.files(), Vec::<String>::new());
    let notes = t.get(&format!("/api/v1/organizations/{org}/notes")).await;
    assert_eq!(notes.body["data"], json!([]));
}

on_both_stores!(deleting_a_note_or_its_organization_deletes_its_files);
async fn deleting_a_note_or_its_organization_deletes_its_files(s: Stored) {
    let t = &s.t;
    let org = t.org("Acme", None).await;
    let path = format!("/api/v1/organizations/{org}/notes");
    let first = t
        .post_multipart(
            &path,
            None,
            &[Part::file("files", "one.txt", "text/plain", b"1")],
        )
        .await;
    let second = t
        .post_multipart(
            &path,
            None,
            &[
                Part::file("files", "two.txt", "text/plain", b"2"),
                Part::file("files", "three.txt", "text/plain", b"3"),
            ],
        )
        .await;
    assert_eq!(s.files().len(), 3);
    let deleted = t.delete(&format!("/api/v1/notes/{}", first.id())).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(s.files().len(), 2);
    let gone = t
        .get(first.body["attachments"][0]["url"].as_str().unwrap())
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    let removed = t.delete(&format!("/api/v1/organizations/{org}")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert_eq!(s.files(), Vec::<String>::new());
    let gone = t.get(&format!("/api/v1/notes/{}", second.id())).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_json_note_keeps_its_line_breaks_and_needs_text() {
    let t = TestApp::start().await;
    let org = t.org("Acme", None).await;
    let path = format!("/api/v1/organizations/{org}/notes");
    let added = t
        .post(&path, json!({"body": "  First line\r\n\r\n  indented\n"}))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body["body"], "First line\n\n  indented");
    assert_eq!(added.body["attachments"], json!([]));
    assert_eq!(added.body["version"], 1);
    let nul = t.post(&path, json!({"body": "a\u{0}b"})).await;
    assert_eq!(nul.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nul.body["error"]["field"], "body");
    for blank in ["", "  \n\t "] {
        let refused = t.post(&path, json!({"body": blank})).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.body["error"]["field"], "body");
    }
    let unknown = t.post(&path, json!({"body": "x", "pinned": true})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let later = t.post(&path, json!({"body": "Second note"})).await;
    let listed = t.get(&path).await;
    assert_eq!(
        listed.strings("body"),
        ["Second note", "First line\n\n  indented"]
    );
    assert_eq!(listed.body["data"][0]["id"], later.id());
}

#[tokio::test]
async fn only_the_author_or_an_admin_edits_or_deletes_a_note() {
    let t = TestApp::start().await;
    let org = t.org("Acme", None).await;
    let author = t
        .agent_token("author@helpdesk.test", "author password", false)
        .await;
    let other = t
        .agent_token("other@helpdesk.test", "other password", false)
        .await;
    let path = format!("/api/v1/organizations/{org}/notes");
    let note = t.post_as(&author, &path, json!({"body": "draft"})).await;
    assert_eq!(note.status, StatusCode::CREATED);
    let url = format!("/api/v1/notes/{}", note.id());

    let refused = t.patch_as(&other, &url, json!({"body": "mine now"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.message().contains("author"),
        "{}",
        refused.message()
    );
    let refused = t
        .send(axum::http::Method::DELETE, &url, Some(&other), None, &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let edited = t
        .patch_as(&author, &url, json!({"body": "final", "version": 1}))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["body"], "final");
    assert_eq!(edited.body["version"], 2);
    let stale = t
        .patch_as(
            &author,
            &url,
            json!({"body": "from an old tab", "version": 1}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let by_admin = t.patch(&url, json!({"body": "tidied by an admin"})).await;
    assert_eq!(by_admin.status, StatusCode::OK);
    assert_eq!(t.get(&url).await.body["body"], "tidied by an admin");

    let deleted = t
        .send(axum::http::Method::DELETE, &url, Some(&author), None, &[])
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&url).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notes_are_in_the_history_and_the_activity_stream() {
    let t = TestApp::start().await;
    let org = t.org("Acme", None).await;
    let note = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[
                Part::text("body", "Called about renewal"),
                Part::file("files", "quote.pdf", "application/pdf", b"%PDF"),
            ],
        )
        .await;
    let url = format!("/api/v1/notes/{}", note.id());
    t.patch(&url, json!({"body": "Called about the renewal"}))
        .await;
    t.delete(&url).await;
    for view in ["history", "activity"] {
        let events = t.get(&format!("/api/v1/organizations/{org}/{view}")).await;
        let actions = events.strings("action");
        assert_eq!(
            actions[..3],
            ["note_removed", "note_changed", "note_added"],
            "{view}"
        );
        let added = &events.body["data"][2]["changes"][0];
        assert_eq!(added["field"], "note");
        assert_eq!(added["new"]["body"], "Called about renewal");
        assert_eq!(added["new"]["files"], json!(["quote.pdf"]));
    }
}

#[tokio::test]
async fn notes_and_files_are_for_agents_only() {
    let t = TestApp::start().await;
    let org = t.org("Acme", None).await;
    let note = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[Part::file("files", "secret.txt", "text/plain", b"secret")],
        )
        .await;
    let (_, portal) = t
        .portal_user("Pat", "pat@example.org", "pat password")
        .await;
    let file = note.body["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        format!("/api/v1/organizations/{org}/notes"),
        format!("/api/v1/notes/{}", note.id()),
        file.clone(),
    ] {
        assert_eq!(
            t.get_as(&portal, &path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        let anonymous = t
            .send(axum::http::Method::GET, &path, None, None, &[])
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(
        t.get("/api/v1/attachments/99999").await.status,
        StatusCode::NOT_FOUND
    );
}

on_both_stores!(
    an_upload_whose_request_is_dropped_midway_leaves_nothing,
    super::LARGE_LIMIT
);
async fn an_upload_whose_request_is_dropped_midway_leaves_nothing(s: Stored) {
    use axum::body::Body;
    use futures::StreamExt;
    use std::time::{Duration, Instant};
    let t = &s.t;
    let org = t.org("Acme", None).await;
    // A multipart body whose file stops arriving after more than a part's worth.
    let boundary = "dropped-upload-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let sent: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(head.into_bytes()),
        Ok(vec![7u8; 5 * 1024 * 1024 + 512 * 1024]),
    ];
    let body = Body::from_stream(futures::stream::iter(sent).chain(futures::stream::pending()));
    let request = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/v1/organizations/{org}/notes"))
        .header("authorization", format!("Bearer {}", t.admin_token))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .unwrap();
    {
        let sending = t.send_request(request);
        tokio::pin!(sending);
        let started = Instant::now();
        // Until a part of the file has reached the store.
        while s.files().is_empty() {
            tokio::select! {
                answered = &mut sending => panic!("the request ended: {answered:?}"),
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no part reached the store"
            );
        }
        // The request is dropped here, as when its sender goes away or it times out.
    }
    let dropped = Instant::now();
    while !s.files().is_empty() {
        assert!(
            dropped.elapsed() < Duration::from_secs(10),
            "left behind: {:?}",
            s.files()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notes = t.get(&format!("/api/v1/organizations/{org}/notes")).await;
    assert_eq!(notes.body["data"], json!([]));
}

#[tokio::test]
async fn a_note_added_while_its_organization_is_deleted_leaves_no_file_behind() {
    // Either order of the two is fine; what may not happen is a file outliving both.
    let s = Stored::folder(LIMIT).await;
    let t = &s.t;
    for round in 0..6 {
        let org = t.org(&format!("Acme {round}"), None).await;
        let path = format!("/api/v1/organizations/{org}/notes");
        let parts = [
            Part::text("body", "Racing the deletion"),
            Part::file("files", "race.txt", "text/plain", b"race"),
        ];
        let removal = format!("/api/v1/organizations/{org}");
        let (added, deleted) =
            tokio::join!(t.post_multipart(&path, None, &parts), t.delete(&removal),);
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        assert!(
            added.status == StatusCode::CREATED || added.status == StatusCode::NOT_FOUND,
            "{}: {}",
            added.status,
            added.body
        );
        assert_eq!(s.files(), Vec::<String>::new(), "round {round}");
    }
}

#[tokio::test]
async fn of_two_edits_of_one_note_from_the_same_version_one_wins_and_one_is_refused() {
    let t = TestApp::start().await;
    let org = t.org("Acme", None).await;
    let note = t
        .post(
            &format!("/api/v1/organizations/{org}/notes"),
            json!({"body": "v1"}),
        )
        .await;
    let url = format!("/api/v1/notes/{}", note.id());
    let (first, second) = tokio::join!(
        t.patch(&url, json!({"body": "first", "version": 1})),
        t.patch(&url, json!({"body": "second", "version": 1})),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PRECONDITION_FAILED]);
    let stored = t.get(&url).await.body;
    assert_eq!(stored["version"], 2);
    let winner = if first.status == StatusCode::OK {
        "first"
    } else {
        "second"
    };
    assert_eq!(stored["body"], winner);
}

#[tokio::test]
async fn a_file_whose_blob_is_gone_is_not_found_rather_than_an_error() {
    // As when its note is deleted between reading the file's row and reading its bytes.
    let s = Stored::folder(LIMIT).await;
    let t = &s.t;
    let org = t.org("Acme", None).await;
    let note = t
        .post_multipart(
            &format!("/api/v1/organizations/{org}/notes"),
            None,
            &[Part::file("files", "gone.txt", "text/plain", b"gone")],
        )
        .await;
    let folder = s.t.blob_folder.as_ref().unwrap().path();
    for file in s.files() {
        std::fs::remove_file(folder.join(file)).unwrap();
    }
    let download = t
        .get(note.body["attachments"][0]["url"].as_str().unwrap())
        .await;
    assert_eq!(download.status, StatusCode::NOT_FOUND, "{}", download.body);
    assert_eq!(download.code(), "not_found");
}
