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
    let _server = Server(
        orgdesk()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("ORGDESK_DATABASE_URL", db.url().expose())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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
