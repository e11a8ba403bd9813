//! A real S3-compatible server for tests: `s3s-fs` (from crates.io; `.ci/run` installs
//! it), started on a loopback port over a temporary folder, stopped when dropped.
//! Without it installed the test says plainly that it is skipped; under CI it never is.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Names the s3s-fs program when it is neither on PATH nor where `.ci/run` puts it.
pub const S3_SERVER_ENV: &str = "ORGDESK_TEST_S3S_FS";

const ACCESS_KEY: &str = "orgdesk-test";
const SECRET_KEY: &str = "orgdesk-test-secret";
const BUCKET: &str = "orgdesk-files";

pub struct S3Server {
    process: Child,
    root: tempfile::TempDir,
    endpoint: String,
}

impl S3Server {
    /// A fresh server with one empty bucket, or `None` (after saying so) when s3s-fs is
    /// not installed outside CI.
    pub async fn start(test: &str) -> Option<Self> {
        let Some(program) = program() else {
            assert!(
                std::env::var("CI").is_err(),
                "CI never skips S3 tests: install s3s-fs (cargo install s3s-fs@0.14.1 --locked --features binary), as .ci/run does"
            );
            let _ = writeln!(
                std::io::stderr(),
                "S3 test {test} SKIPPED: s3s-fs is not installed (cargo install s3s-fs@0.14.1 --locked --features binary, or set {S3_SERVER_ENV})"
            );
            return None;
        };
        let root = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket folder");
        let port = free_port();
        let process = Command::new(&program)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("starting {}: {err}", program.display()));
        let server = Self {
            process,
            root,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        server.wait_until_listening(port).await;
        Some(server)
    }

    async fn wait_until_listening(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "s3s-fs did not start listening");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The `--blob-store` address of the bucket, under `prefix`.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{BUCKET}/{prefix}")
    }

    /// The `AWS_*` settings that reach this server.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
    }

    /// What the server keeps: the bucket's objects, and anything an unfinished upload
    /// left (parts, upload records, temporary files). Leaves out the records s3s-fs
    /// keeps beside each object and does not remove with it.
    pub fn stored_files(&self) -> Vec<String> {
        crate::files_under(self.root.path())
            .into_iter()
            .filter(|file| !file.starts_with(".bucket-") || file.contains(".upload-"))
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn program() -> Option<PathBuf> {
    if let Some(given) = std::env::var_os(S3_SERVER_ENV).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(given));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("s3s-fs"))
            .find(|path| path.is_file())
    });
    on_path.or_else(|| {
        let home = std::env::var_os("HOME")?;
        let cached = PathBuf::from(home).join(".cache/orgdesk-ci/s3s-fs/bin/s3s-fs");
        cached.is_file().then_some(cached)
    })
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port()
}
