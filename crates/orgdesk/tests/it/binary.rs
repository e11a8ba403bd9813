//! The real binary: `agent create`, then `serve` on a free port, checked over a socket.

use orgdesk_testkit::TestDb;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn orgdesk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_orgdesk"))
}

/// Stops the server however the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_creates_an_admin_serves_healthz_and_answers_over_a_socket() {
    let db = TestDb::new().await;
    let created = orgdesk()
        .args([
            "agent",
            "create",
            "--email",
            "root@helpdesk.test",
            "--name",
            "Root",
            "--admin",
        ])
        .env("ORGDESK_AGENT_PASSWORD", "root password")
        .env("ORGDESK_DATABASE_URL", db.url().expose())
        .output()
        .expect("run agent create");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created admin Root"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("server.log");
    let mut server = Server(
        orgdesk()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("ORGDESK_DATABASE_URL", db.url().expose())
            .env("ORGDESK_BLOB_STORE", log_dir.path().join("blobs"))
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .expect("start server"),
    );
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status() == 200
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not become healthy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "root@helpdesk.test", "password": "root password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = client
        .post(format!("{base}/api/v1/organizations"))
        .bearer_auth(token["token"].as_str().unwrap())
        .json(&serde_json::json!({"name": "Acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let request_id = created
        .headers()
        .get("x-request-id")
        .expect("request id header")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!request_id.is_empty());

    // One log line per request: method, matched route, status, duration, request id;
    // plain text, since the log is not a terminal.
    let _ = server.0.kill();
    let _ = server.0.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains('\u{1b}'), "colour codes in a file: {log}");
    let line = log
        .lines()
        .find(|line| line.contains(&request_id))
        .unwrap_or_else(|| panic!("no line for {request_id}: {log}"));
    for part in [
        "INFO",
        "method=POST",
        "route=\"/api/v1/organizations\"",
        "status=201",
        "duration_ms=",
    ] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
    let sign_ins = log
        .lines()
        .filter(|l| l.contains("route=\"/api/v1/auth/token\""))
        .count();
    assert_eq!(sign_ins, 1, "one line for the one sign-in: {log}");
}

#[test]
fn agent_create_refuses_bad_input_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let output = orgdesk()
        .args([
            "agent",
            "create",
            "--email",
            "not-an-email",
            "--name",
            "X",
            "--password",
            "long enough",
            "--database",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("email"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `orgdesk ARGS` against the database `url`, with `password` in the environment
/// when given, and no terminal: (success, stdout, stderr).
fn run(url: &str, args: &[&str], password: Option<&str>) -> (bool, String, String) {
    let mut command = orgdesk();
    command
        .args(args)
        .env("ORGDESK_DATABASE_URL", url)
        .env_remove("ORGDESK_AGENT_PASSWORD")
        .stdin(Stdio::null());
    if let Some(password) = password {
        command.env("ORGDESK_AGENT_PASSWORD", password);
    }
    let output = command.output().expect("run orgdesk");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn agent_commands_list_set_passwords_and_switch_agents_off_and_on() {
    let db = TestDb::new().await;
    let url = db.url().expose().to_owned();
    let create = |email: &'static str, name: &'static str, admin: bool| {
        let mut args = vec!["agent", "create", "--email", email, "--name", name];
        if admin {
            args.push("--admin");
        }
        run(&url, &args, Some("first password"))
    };
    assert!(create("ada@helpdesk.test", "Ada", true).0);
    assert!(create("bob@helpdesk.test", "Bob", false).0);

    let (ok, listed, _) = run(&url, &["agent", "list"], None);
    assert!(ok);
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows.len(), 3, "{listed}");
    assert!(
        rows[1].contains("ada@helpdesk.test") && rows[1].contains("admin"),
        "{listed}"
    );
    assert!(rows[2].contains("Bob") && rows[2].contains("agent") && rows[2].contains("enabled"));

    let app = orgdesk_app::App::open(db.url()).await.unwrap();
    let from = "192.0.2.1".parse().unwrap();
    let (ok, said, _) = run(
        &url,
        &["agent", "set-password", "--email", "BOB@helpdesk.test"],
        Some("second password"),
    );
    assert!(ok && said.contains("Bob"), "{said}");
    assert!(
        app.issue_agent_token("bob@helpdesk.test", "second password", from)
            .await
            .is_ok()
    );
    assert!(
        app.issue_agent_token("bob@helpdesk.test", "first password", from)
            .await
            .is_err()
    );

    // Without the variable and without a terminal, it says how instead of hanging.
    let (ok, _, err) = run(
        &url,
        &["agent", "set-password", "--email", "bob@helpdesk.test"],
        None,
    );
    assert!(!ok);
    assert!(err.contains("ORGDESK_AGENT_PASSWORD"), "{err}");

    assert!(
        run(
            &url,
            &["agent", "disable", "--email", "bob@helpdesk.test"],
            None
        )
        .0
    );
    let refused = app
        .issue_agent_token("bob@helpdesk.test", "second password", from)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "account_disabled");
    let (_, listed, _) = run(&url, &["agent", "list"], None);
    assert!(
        listed.lines().nth(2).unwrap().contains("disabled"),
        "{listed}"
    );
    assert!(
        run(
            &url,
            &["agent", "enable", "--email", "bob@helpdesk.test"],
            None
        )
        .0
    );
    assert!(
        app.issue_agent_token("bob@helpdesk.test", "second password", from)
            .await
            .is_ok()
    );

    // The last enabled admin stays, and an unknown address is named.
    let (ok, _, err) = run(
        &url,
        &["agent", "disable", "--email", "ada@helpdesk.test"],
        None,
    );
    assert!(!ok);
    assert!(err.contains("last enabled admin"), "{err}");
    let (ok, _, err) = run(
        &url,
        &["agent", "disable", "--email", "nobody@helpdesk.test"],
        None,
    );
    assert!(!ok);
    assert!(err.contains("nobody@helpdesk.test"), "{err}");
    app.close().await.unwrap();
}

#[test]
fn an_unreachable_postgresql_is_named_with_its_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nothing listens on a port just released.
    let url = format!("postgres://postgres@127.0.0.1:{port}/orgdesk");
    let (ok, _, err) = run(&url, &["agent", "list"], None);
    assert!(!ok);
    assert!(
        err.contains(&format!("connection refused at 127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn an_sqlite_path_in_a_missing_folder_is_refused_and_no_folder_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not").join("there");
    let url = format!("sqlite://{}", missing.join("x.db").display());
    let (ok, _, err) = run(&url, &["agent", "list"], None);
    assert!(!ok);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!dir.path().join("not").exists(), "a folder was created");
}

#[test]
fn a_server_with_no_agents_says_how_to_create_the_first_admin() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = dir.path().join("server.log");
    let mut server = Server(
        orgdesk()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .current_dir(dir.path())
            .env_remove("ORGDESK_DATABASE_URL")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .expect("start server"),
    );
    let started = Instant::now();
    let log = loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains("listening") {
            break log;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{log}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = server.0.kill();
    assert!(
        log.contains("created the folder of the default database"),
        "{log}"
    );
    assert!(
        log.contains("no agents yet") && log.contains("orgdesk agent create --admin"),
        "{log}"
    );
    assert!(dir.path().join("orgdesk-data").join("orgdesk.db").exists());
}

/// Creates the admin root@helpdesk.test (password "root password") in `db`.
async fn add_root_admin(db: &TestDb) {
    let app = orgdesk_app::App::open(db.url()).await.unwrap();
    app.create_agent(
        None,
        orgdesk_app::NewAgent {
            email: "root@helpdesk.test",
            name: "Root",
            password: "root password",
            admin: true,
        },
    )
    .await
    .unwrap();
}

/// Starts `serve` with the given extra environment; returns the server and its address
/// once it answers, or the log when it exits first.
async fn serve_with(
    db: &TestDb,
    env: &[(String, String)],
    log_path: &std::path::Path,
) -> Result<(Server, String), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = orgdesk();
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ORGDESK_DATABASE_URL", db.url().expose())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log_path).unwrap());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut server = Server(command.spawn().expect("start server"));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(Some(_)) = server.0.try_wait() {
            return Err(std::fs::read_to_string(log_path).unwrap_or_default());
        }
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status() == 200
        {
            return Ok((server, base));
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server neither answered nor stopped"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_server_given_an_s3_blob_store_keeps_attached_files_in_the_bucket() {
    let Some(s3) = orgdesk_testkit::S3Server::start("binary blob store").await else {
        return;
    };
    let db = TestDb::new().await;
    add_root_admin(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = s3.env();
    env.push(("ORGDESK_BLOB_STORE".into(), s3.url("orgdesk/prod")));
    let (_server, base) = serve_with(&db, &env, &dir.path().join("server.log"))
        .await
        .expect("the server starts with the S3 store");
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "root@helpdesk.test", "password": "root password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let org: serde_json::Value = client
        .post(format!("{base}/api/v1/organizations"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Acme"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (content_type, body) = orgdesk_testkit::multipart_body(&[
        orgdesk_testkit::Part::text("body", "The contract"),
        orgdesk_testkit::Part::file("files", "contract.pdf", "application/pdf", b"%PDF-1.7"),
    ]);
    let added = client
        .post(format!("{base}/api/v1/organizations/{}/notes", org["id"]))
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let note: serde_json::Value = added.json().await.unwrap();
    let stored = s3.stored_files();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(
        stored[0].starts_with("orgdesk-files/orgdesk/prod/attachments/"),
        "{stored:?}"
    );
    let download = client
        .get(format!(
            "{base}{}",
            note["attachments"][0]["url"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"%PDF-1.7");
}

#[tokio::test]
async fn a_server_whose_blob_store_does_not_answer_refuses_to_start() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of the loopback: every request is refused at once.
    let env: Vec<(String, String)> = [
        ("ORGDESK_BLOB_STORE", "s3://orgdesk-files/prod"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ACCESS_KEY_ID", "key"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    let log = match serve_with(&db, &env, &dir.path().join("server.log")).await {
        Ok(_) => panic!("the server started without its blob store"),
        Err(log) => log,
    };
    assert!(
        log.contains("reaching the blob store s3://orgdesk-files/prod"),
        "{log}"
    );
}

/// Runs `orgdesk export organizations` on the database with `extra` arguments; returns
/// the rows of its CSV output, header first.
fn export_rows(db: &TestDb, extra: &[&str]) -> Vec<Vec<String>> {
    let output = orgdesk()
        .args(["export", "organizations"])
        .args(extra)
        .env("ORGDESK_DATABASE_URL", db.url().expose())
        .output()
        .expect("run export");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(output.stdout.as_slice())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn the_organizations_export_writes_every_column_with_parents_contacts_and_fields() {
    let db = TestDb::new().await;
    let app = orgdesk_app::App::open(db.url()).await.unwrap();
    let admin = app
        .create_agent(
            None,
            orgdesk_app::NewAgent {
                email: "root@helpdesk.test",
                name: "Root",
                password: "root password",
                admin: true,
            },
        )
        .await
        .unwrap();
    for (key, field_type, choices) in [
        (
            "tier",
            "multi_choice",
            vec!["Gold, plus".to_owned(), "Silver".to_owned()],
        ),
        ("renewal", "date", Vec::new()),
    ] {
        app.define_organization_field(
            &admin,
            orgdesk_app::NewField {
                key: key.into(),
                label: key.into(),
                field_type: field_type.into(),
                choices,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let actor = admin.actor();
    let contact = |kind: &str, value: &str| orgdesk_app::ContactInput {
        kind: kind.into(),
        label: None,
        value: value.into(),
    };
    let group = app
        .create_organization(
            &actor,
            orgdesk_app::NewOrganization {
                name: "Acme Group".into(),
                external_id: Some("ACME-1".into()),
                summary: Some("=1+1 holding".into()),
                domains: vec!["acme.example".into(), "acme-group.example".into()],
                contacts: vec![
                    contact("phone", "+44 20 7946 0000"),
                    contact("address", "1 Main St, Springfield"),
                    contact("address", "2 High St, Leeds"),
                ],
                fields: [(
                    "tier".to_owned(),
                    serde_json::json!(["Silver", "Gold, plus"]),
                )]
                .into_iter()
                .collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.create_organization(
        &actor,
        orgdesk_app::NewOrganization {
            name: "Acme UK".into(),
            parent_id: Some(group.id),
            fields: [("renewal".to_owned(), serde_json::json!("2027-01-31"))]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.close().await.unwrap();

    let rows = export_rows(&db, &[]);
    assert_eq!(
        rows[0],
        [
            "external_id",
            "name",
            "parent",
            "domains",
            "summary",
            "phone",
            "email",
            "website",
            "address",
            "field:tier",
            "field:renewal"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "ACME-1",
            "Acme Group",
            "",
            "acme-group.example acme.example",
            "=1+1 holding",
            "+44 20 7946 0000",
            "",
            "",
            "1 Main St, Springfield\n2 High St, Leeds",
            "Gold, plus\nSilver",
            ""
        ]
    );
    assert_eq!(
        rows[2],
        [
            "",
            "Acme UK",
            "ACME-1",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "2027-01-31"
        ]
    );
    assert_eq!(rows.len(), 3);

    let for_spreadsheet = export_rows(&db, &["--for-spreadsheet"]);
    assert_eq!(for_spreadsheet[1][4], "'=1+1 holding");
    assert_eq!(for_spreadsheet[1][5], "'+44 20 7946 0000");
}

/// Posts JSON with a bearer token and returns the answer's JSON, checking its status.
async fn post_json(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: serde_json::Value,
    status: u16,
) -> serde_json::Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

#[tokio::test]
async fn mail_queued_before_the_server_is_killed_goes_out_once_after_the_restart() {
    let Some(mut smtp) = orgdesk_testkit::SmtpServer::start("mail across a restart").await else {
        return;
    };
    // The mail server is down: the ticket's mail is queued, tried, and waits.
    smtp.pause();
    let db = TestDb::new().await;
    add_root_admin(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("ORGDESK_SMTP_URL".to_owned(), smtp.url()),
        (
            "ORGDESK_MAIL_FROM".to_owned(),
            "Support <support@help.example.com>".to_owned(),
        ),
        (
            "ORGDESK_BLOB_STORE".to_owned(),
            dir.path().join("blobs").display().to_string(),
        ),
    ];
    let (mut server, base) = serve_with(&db, &env, &dir.path().join("first.log"))
        .await
        .expect("the server starts");
    let client = reqwest::Client::new();
    let token = post_json(
        &client,
        format!("{base}/api/v1/auth/token"),
        None,
        serde_json::json!({"email": "root@helpdesk.test", "password": "root password"}),
        201,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let jane = post_json(
        &client,
        format!("{base}/api/v1/users"),
        Some(&token),
        serde_json::json!({"name": "Jane", "email": "jane@acme.test"}),
        201,
    )
    .await["id"]
        .clone();
    let ticket = post_json(
        &client,
        format!("{base}/api/v1/tickets"),
        Some(&token),
        serde_json::json!({"requester_id": jane, "subject": "Help", "body": "Please."}),
        201,
    )
    .await["id"]
        .clone();
    let started = Instant::now();
    while db
        .number("SELECT COUNT(*) FROM outgoing_mail WHERE last_error IS NOT NULL AND claimed_until IS NULL")
        .await
        == 0
    {
        assert!(started.elapsed() < Duration::from_secs(30), "no failed attempt");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SIGKILL: no shutdown of any kind.
    server.0.kill().unwrap();
    server.0.wait().unwrap();

    smtp.resume().await;
    let (_server, _) = serve_with(&db, &env, &dir.path().join("second.log"))
        .await
        .expect("the server starts again");
    let mails = smtp.wait_for_exactly(1).await;
    assert_eq!(mails[0].to, ["jane@acme.test"]);
    assert_eq!(mails[0].subject, format!("[#{ticket}] Help"));
    assert_eq!(
        db.number("SELECT COUNT(*) FROM outgoing_mail WHERE state = 'sent'")
            .await,
        1
    );
}
