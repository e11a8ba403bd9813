//! A real SMTP server for tests: Python's aiosmtpd (Debian's `python3-aiosmtpd`;
//! `.ci/run` installs it), listening on a loopback port and keeping each mail it
//! receives in a Maildir folder that the test reads. Stopped when dropped. Without it
//! installed the test says plainly that it is skipped; under CI it never is.

use mail_parser::{HeaderValue, MessageParser};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Names a Python interpreter that has aiosmtpd, when the default one does not.
pub const SMTP_PYTHON_ENV: &str = "ORGDESK_TEST_SMTP_PYTHON";

pub struct SmtpServer {
    process: Option<Child>,
    python: PathBuf,
    maildir: tempfile::TempDir,
    port: u16,
}

/// One mail as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope's recipients (`RCPT TO`).
    pub envelope_to: Vec<String>,
    pub from: String,
    /// The `To` header's addresses.
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub auto_submitted: Option<String>,
    pub body: String,
    pub raw: String,
}

impl SmtpServer {
    /// A fresh server with an empty mailbox, or `None` (after saying so) when aiosmtpd
    /// is not installed outside CI.
    pub async fn start(test: &str) -> Option<Self> {
        let Some(python) = python_with_aiosmtpd() else {
            assert!(
                std::env::var("CI").is_err(),
                "CI never skips mail tests: install python3-aiosmtpd (apt-get install python3-aiosmtpd), as .ci/run does"
            );
            let _ = writeln!(
                std::io::stderr(),
                "mail test {test} SKIPPED: aiosmtpd is not installed (apt-get install python3-aiosmtpd, or set {SMTP_PYTHON_ENV} to a Python that has it)"
            );
            return None;
        };
        let mut server = Self {
            process: None,
            python,
            maildir: tempfile::tempdir().expect("temporary folder"),
            port: crate::s3::free_port(),
        };
        server.resume().await;
        Some(server)
    }

    /// `smtp://127.0.0.1:PORT`, plain SMTP (as a local relay is reached).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server; mail sent meanwhile is refused at the door.
    pub fn pause(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the server again on the same port and mailbox.
    pub async fn resume(&mut self) {
        assert!(self.process.is_none(), "the SMTP server is already running");
        let process = Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.mailbox())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("starting aiosmtpd: {err}"));
        self.process = Some(process);
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start listening"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The Maildir: a folder aiosmtpd creates (with its `tmp`, `new` and `cur`) only
    /// when it does not exist yet.
    fn mailbox(&self) -> PathBuf {
        self.maildir.path().join("mail")
    }

    /// Every mail received so far, in the order received.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.mailbox().join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                files.push((modified, entry.path()));
            }
        }
        files.sort();
        files.iter().map(|(_, path)| read_mail(path)).collect()
    }

    /// Waits (up to 30 s) until at least `count` mails have arrived, and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} mails, the SMTP server received {}: {:#?}",
                received.len(),
                received
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits for `count` mails, then a little longer, and checks no more came.
    pub async fn wait_for_exactly(&self, count: usize) -> Vec<ReceivedMail> {
        self.wait_for(count).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let received = self.received();
        assert_eq!(
            received.len(),
            count,
            "expected exactly {count} mails: {received:#?}"
        );
        received
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.pause();
    }
}

fn read_mail(path: &Path) -> ReceivedMail {
    let raw = std::fs::read(path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let message = MessageParser::default()
        .parse(&raw)
        .unwrap_or_else(|| panic!("{} is not a mail", path.display()));
    let addresses = |value: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        value
            .map(|address| {
                address
                    .iter()
                    .filter_map(|a| a.address.as_ref().map(|s| s.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let ids = |value: &HeaderValue<'_>| -> Vec<String> {
        match value {
            HeaderValue::Text(id) => vec![format!("<{id}>")],
            HeaderValue::TextList(ids) => ids.iter().map(|id| format!("<{id}>")).collect(),
            _ => Vec::new(),
        }
    };
    let header_text = |name: &str| -> Option<String> {
        message
            .header_raw(name)
            .map(|value| value.trim().to_owned())
    };
    ReceivedMail {
        envelope_to: header_text("X-RcptTo")
            .map(|list| list.split(',').map(|a| a.trim().to_owned()).collect())
            .unwrap_or_default(),
        from: addresses(message.from()).join(", "),
        to: addresses(message.to()),
        subject: message.subject().unwrap_or_default().to_owned(),
        message_id: message
            .message_id()
            .map(|id| format!("<{id}>"))
            .unwrap_or_default(),
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        auto_submitted: header_text("Auto-Submitted"),
        body: message
            .body_text(0)
            .map(|b| b.into_owned())
            .unwrap_or_default(),
        raw: String::from_utf8_lossy(&raw).into_owned(),
    }
}

/// The first Python found (the named one, Debian's, then the one on PATH) that can
/// import aiosmtpd.
fn python_with_aiosmtpd() -> Option<PathBuf> {
    let named = std::env::var_os(SMTP_PYTHON_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    named
        .into_iter()
        .chain([PathBuf::from("/usr/bin/python3"), PathBuf::from("python3")])
        .find(|python| {
            Command::new(python)
                .args(["-c", "import aiosmtpd"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
}
