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
