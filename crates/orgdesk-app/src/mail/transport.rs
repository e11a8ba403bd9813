//! Where mail goes: an SMTP server, or a folder of `.eml` files (the default while
//! trying orgdesk out: nothing leaves the machine).

use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub enum MailTransport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The server as shown in logs: the URL without its password.
        shown: String,
    },
    Outbox {
        transport: AsyncFileTransport<Tokio1Executor>,
        folder: PathBuf,
    },
}

impl std::fmt::Debug for MailTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl std::fmt::Display for MailTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailTransport::Smtp { shown, .. } => write!(f, "SMTP server {shown}"),
            MailTransport::Outbox { folder, .. } => write!(f, "outbox {}", folder.display()),
        }
    }
}

/// Why a mail did not go out, and whether trying again may help.
#[derive(Debug)]
pub(super) struct SendError {
    pub(super) message: String,
    /// The server refused the mail for good (a 5xx answer, an address it rejects):
    /// another attempt would be refused the same way.
    pub(super) permanent: bool,
}

impl MailTransport {
    /// An SMTP server from `smtp://user:pass@host:port` (plain, or STARTTLS with
    /// `?tls=required`) or `smtps://…` (TLS from the start).
    pub fn smtp(url: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|err| format!("the SMTP URL: {err}"))?;
        let mut shown = parsed.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("…"));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| format!("the SMTP URL {shown}: {err}"))?
            .build();
        Ok(MailTransport::Smtp {
            transport,
            shown: shown.to_string(),
        })
    }

    /// A folder that receives one `.eml` file per mail (created when missing).
    pub fn outbox(folder: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(folder)?;
        Ok(MailTransport::Outbox {
            transport: AsyncFileTransport::new(folder),
            folder: folder.to_owned(),
        })
    }

    pub(super) async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            MailTransport::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| SendError {
                    permanent: err.is_permanent(),
                    message: error_chain(&err),
                }),
            MailTransport::Outbox { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| SendError {
                    permanent: false,
                    message: error_chain(&err),
                }),
        }
    }
}

/// An error with its causes, as one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
